package web

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/kubethreat/kubethreat/matrix"
)

// searchLimit is the maximum number of results a search page or API call
// returns.
const searchLimit = 50

// maxQueryLength is the longest search query accepted, in bytes.
const maxQueryLength = 200

// prerenderPages renders every page that does not depend on the request.
func (s *Site) prerenderPages() error {
	s.pages = map[string]*resource{}
	s.retiredTo = map[string]*resource{}
	for _, step := range []func() error{s.prerenderMatrix, s.prerenderEntities, s.prerenderRetired, s.prerenderIndexes} {
		if err := step(); err != nil {
			return err
		}
	}
	return nil
}

// addPage renders a page and stores it under its URL path.
func (s *Site) addPage(path, tmpl string, p page) error {
	body, err := s.render(tmpl, p)
	if err != nil {
		return err
	}
	s.pages[path] = newResource("text/html; charset=utf-8", cacheRevalidate, body)
	return nil
}

// prerenderMatrix renders the matrix without filters, with and without IDs.
func (s *Site) prerenderMatrix() error {
	for _, ids := range []bool{false, true} {
		v := s.matrixView(matrixFilter{ShowIDs: ids})
		if err := s.addPage(matrixPath(ids), "matrix", s.matrixPage(v)); err != nil {
			return err
		}
	}
	return nil
}

// prerenderEntities renders every technique, mitigation and tactic page.
func (s *Site) prerenderEntities() error {
	for _, t := range s.m.Techniques {
		if err := s.addPage(techniqueURL(t.ID), "technique", s.techniquePage(t, nil)); err != nil {
			return err
		}
	}
	for _, x := range s.m.Mitigations {
		if err := s.addPage(mitigationURL(x.ID), "mitigation", s.mitigationPage(x)); err != nil {
			return err
		}
	}
	for _, t := range s.m.Tactics {
		if err := s.addPage(tacticURL(t.Slug), "tactic", s.tacticPage(t)); err != nil {
			return err
		}
	}
	return nil
}

// prerenderRetired renders, for each retired ID, its successor's page with
// the notice that explains the retirement.
func (s *Site) prerenderRetired() error {
	for i := range s.m.Retired {
		rt := &s.m.Retired[i]
		t, ok := s.m.Technique(rt.Successor)
		if !ok {
			return fmt.Errorf("retired ID %s has unknown successor %s", rt.ID, rt.Successor)
		}
		body, err := s.render("technique", s.techniquePage(t, rt))
		if err != nil {
			return err
		}
		s.retiredTo[rt.ID] = newResource("text/html; charset=utf-8", cacheRevalidate, body)
	}
	return nil
}

// prerenderIndexes renders the list pages and the pages without an ID.
func (s *Site) prerenderIndexes() error {
	indexes := []struct {
		path, tmpl string
		p          page
	}{
		{"/techniques", "techniques", page{Title: "Techniques", Section: "techniques",
			Description: "Every technique of the Threat Matrix for Kubernetes."}},
		{"/mitigations", "mitigations", page{Title: "Mitigations", Section: "mitigations",
			Description: "Every mitigation of the Threat Matrix for Kubernetes."}},
		{"/tactics", "tactics", page{Title: "Tactics", Section: "tactics",
			Description: "The tactics of the Threat Matrix for Kubernetes."}},
		{"/attack", "attack", page{Title: "MITRE ATT&CK cross-walk", Section: "attack",
			Description: "From each MITRE ATT&CK technique to the matrix techniques mapped to it.", Data: s.attackView()}},
		{"/history", "history", page{Title: "Version history", Section: "history",
			Description: "Published versions of the Threat Matrix for Kubernetes."}},
		{"/about", "about", page{Title: "About", Section: "about",
			Description: "Where the matrix comes from and how it is licensed."}},
		{"/search", "search", page{Title: "Search", Section: "search", Data: searchView{}}},
	}
	for _, ix := range indexes {
		if err := s.addPage(ix.path, ix.tmpl, ix.p); err != nil {
			return err
		}
	}
	return nil
}

// techniqueView is the data of a technique page.
type techniqueView struct {
	T       *matrix.Technique
	From    *matrix.Retired // set when the visitor came from a retired ID
	Retired []matrix.Retired
}

func (s *Site) techniquePage(t *matrix.Technique, from *matrix.Retired) page {
	v := techniqueView{T: t, From: from}
	for _, rt := range s.m.Retired {
		if rt.Successor == t.ID {
			v.Retired = append(v.Retired, rt)
		}
	}
	return page{
		Title:       t.ID + " " + t.Name,
		Description: firstSentence(t.Summary),
		Section:     "techniques",
		Canonical:   techniqueURL(t.ID),
		Data:        v,
	}
}

func (s *Site) mitigationPage(x *matrix.Mitigation) page {
	return page{
		Title:       x.ID + " " + x.Name,
		Description: firstSentence(x.Summary),
		Section:     "mitigations",
		Canonical:   mitigationURL(x.ID),
		Data:        x,
	}
}

// tacticView is the data of a tactic page, with its neighbours.
type tacticView struct {
	T          *matrix.Tactic
	Prev, Next *matrix.Tactic
}

func (s *Site) tacticPage(t *matrix.Tactic) page {
	v := tacticView{T: t}
	for i, other := range s.m.Tactics {
		if other != t {
			continue
		}
		if i > 0 {
			v.Prev = s.m.Tactics[i-1]
		}
		if i+1 < len(s.m.Tactics) {
			v.Next = s.m.Tactics[i+1]
		}
	}
	return page{
		Title:       t.Name,
		Description: firstSentence(t.Summary),
		Section:     "tactics",
		Canonical:   tacticURL(t.Slug),
		Data:        v,
	}
}

// attackRow is one ATT&CK technique in the cross-walk.
type attackRow struct {
	A      *matrix.AttackTechnique
	Shared bool // maps to more than one matrix technique
}

type attackView struct {
	Techniques  []attackRow
	Mitigations []*matrix.AttackMitigation
	Shared      int
}

func (s *Site) attackView() attackView {
	var v attackView
	for _, a := range s.m.AttackTechniques {
		if len(a.Techniques) == 0 {
			continue
		}
		row := attackRow{A: a, Shared: len(a.Techniques) > 1}
		if row.Shared {
			v.Shared++
		}
		v.Techniques = append(v.Techniques, row)
	}
	for _, a := range s.m.AttackMitigations {
		if len(a.Mitigations) > 0 {
			v.Mitigations = append(v.Mitigations, a)
		}
	}
	return v
}

// firstSentence returns the first sentence of a Markdown paragraph as
// plain text, for page descriptions.
func firstSentence(md string) string {
	text := strings.Join(strings.Fields(strings.NewReplacer("`", "", "**", "").Replace(md)), " ")
	if i := strings.Index(text, ". "); i > 0 {
		text = text[:i+1]
	}
	if len(text) > 240 {
		text = text[:240]
		if i := strings.LastIndexByte(text, ' '); i > 0 {
			text = text[:i]
		}
		text += "…"
	}
	return text
}

func (s *Site) handleTechnique(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	if from := r.URL.Query().Get("from"); from != "" {
		if rt, ok := s.m.RetiredID(from); ok && rt.Successor == id {
			s.retiredTo[rt.ID].ServeHTTP(w, r)
			return nil
		}
	}
	if rs, ok := s.pages[techniqueURL(id)]; ok {
		rs.ServeHTTP(w, r)
		return nil
	}
	return s.redirectOrNotFound(w, r, "techniques", id)
}

func (s *Site) handleMitigation(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	if rs, ok := s.pages[mitigationURL(id)]; ok {
		rs.ServeHTTP(w, r)
		return nil
	}
	return s.redirectOrNotFound(w, r, "mitigations", id)
}

func (s *Site) handleTactic(w http.ResponseWriter, r *http.Request) error {
	slug := r.PathValue("slug")
	if rs, ok := s.pages[tacticURL(slug)]; ok {
		rs.ServeHTTP(w, r)
		return nil
	}
	return s.redirectOrNotFound(w, r, "tactics", slug)
}

// redirectOrNotFound handles a single path segment that is not a canonical
// ID: an ID in another case, a retired ID or an upstream page name without
// its trailing slash redirects; anything else is a 404 with suggestions.
func (s *Site) redirectOrNotFound(w http.ResponseWriter, r *http.Request, section, id string) error {
	if target, ok := s.canonicalPath(section, id); ok {
		redirect(w, r, target)
		return nil
	}
	if target, ok := s.redirects.lookup(section + "/" + id); ok {
		redirect(w, r, target)
		return nil
	}
	return s.notFoundIn(section, id)
}

// searchView is the data of the search page.
type searchView struct {
	Query   string
	Results []matrix.Result
	Exact   string // the page of an exact ID match
}

func (s *Site) handleSearch(w http.ResponseWriter, r *http.Request) error {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	if q == "" {
		s.pages["/search"].ServeHTTP(w, r)
		return nil
	}
	if len(q) > maxQueryLength {
		return errBadRequest("the search query is longer than %d bytes", maxQueryLength)
	}
	v := searchView{Query: q, Results: s.m.Search(q, searchLimit)}
	if e, err := s.m.Resolve(q); err == nil && e.Kind != matrix.KindTactic {
		v.Exact = s.idURL(q)
	}
	return s.renderTo(w, r, http.StatusOK, "search", page{
		Title:   "Search: " + q,
		Section: "search",
		Query:   q,
		Data:    v,
	})
}

func (s *Site) handleNotFound(w http.ResponseWriter, r *http.Request) error {
	return errNotFound("no page at this address")
}

// errorView is the data of an error page.
type errorView struct {
	Status      int
	StatusText  string
	Message     string
	Suggestions []suggestion
}

type suggestion struct {
	ID, URL, Name string
}

func (s *Site) suggestions(ids []string) []suggestion {
	var out []suggestion
	for _, id := range ids {
		sg := suggestion{ID: id, URL: s.idURL(id)}
		if e, err := s.m.Resolve(id); err == nil {
			sg.Name = entryName(e)
		}
		out = append(out, sg)
	}
	return out
}

func entryName(e matrix.Entry) string {
	switch e.Kind {
	case matrix.KindTechnique:
		return e.Technique.Name
	case matrix.KindMitigation:
		return e.Mitigation.Name
	case matrix.KindRetired:
		return e.Retired.Name + " (retired)"
	case matrix.KindTactic:
		return e.Tactic.Name
	case matrix.KindAttackTechnique:
		return e.AttackTechnique.Name
	case matrix.KindAttackMitigation:
		return e.AttackMitigation.Name
	}
	return ""
}

func (s *Site) writeHTMLError(w http.ResponseWriter, r *http.Request, e *Error) {
	v := errorView{
		Status:      e.Status,
		StatusText:  http.StatusText(e.Status),
		Message:     e.Message,
		Suggestions: s.suggestions(e.Suggestions),
	}
	body, err := s.render("error", page{Title: v.StatusText, Data: v})
	if err != nil {
		s.log.Error("rendering the error page failed", "error", err)
		http.Error(w, v.StatusText, e.Status)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", cacheNone)
	h.Del("ETag")
	h.Del("Content-Encoding")
	w.WriteHeader(e.Status)
	if r.Method != http.MethodHead {
		w.Write(body)
	}
}

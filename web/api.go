package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/kubethreat/kubethreat/matrix"
)

const apiPrefix = "/api/v1"

var attackIDPattern = regexp.MustCompile(`^(T\d{4}(\.\d{3})?|M\d{4})$`)

// The API's JSON shapes. Field names are snake_case, lists are never null,
// and every object carries the URL of its page and of its API document.

type apiRef struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	URL  string `json:"url"`
}

type apiItem struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	URL    string `json:"url"`
	APIURL string `json:"api_url"`
}

type apiLink struct {
	apiItem
	Note string `json:"note"`
}

type apiTactic struct {
	Slug         string    `json:"slug"`
	Name         string    `json:"name"`
	Order        int       `json:"order"`
	Attack       apiRef    `json:"attack"`
	UpstreamSlug string    `json:"upstream_slug"`
	Summary      string    `json:"summary"`
	Techniques   []apiItem `json:"techniques"`
	URL          string    `json:"url"`
	APIURL       string    `json:"api_url"`
}

type apiTechniqueSummary struct {
	ID       string   `json:"id"`
	Name     string   `json:"name"`
	Tactics  []string `json:"tactics"`
	Attack   []apiRef `json:"attack"`
	Since    string   `json:"since"`
	SitePath string   `json:"site_path"`
	URL      string   `json:"url"`
	APIURL   string   `json:"api_url"`
}

type apiTechnique struct {
	apiTechniqueSummary
	Aliases        []string  `json:"aliases"`
	FormerNames    []string  `json:"former_names"`
	RetiredIDs     []string  `json:"retired_ids"`
	DataComponents []string  `json:"data_components"`
	Mitigations    []apiLink `json:"mitigations"`
	UpstreamURL    string    `json:"upstream_url"`
	Summary        string    `json:"summary"`
	HowItWorks     string    `json:"how_it_works"`
	WhereItApplies string    `json:"where_it_applies"`
	Detection      string    `json:"detection"`
	Notes          string    `json:"notes"`
}

type apiMitigationSummary struct {
	ID       string   `json:"id"`
	Name     string   `json:"name"`
	Parent   *string  `json:"parent"`
	Children []string `json:"children"`
	Since    string   `json:"since"`
	SitePath string   `json:"site_path"`
	URL      string   `json:"url"`
	APIURL   string   `json:"api_url"`
}

type apiMitigation struct {
	apiMitigationSummary
	Aliases           []string  `json:"aliases"`
	FormerNames       []string  `json:"former_names"`
	Attack            []apiRef  `json:"attack"`
	Techniques        []apiLink `json:"techniques"`
	UpstreamURL       string    `json:"upstream_url"`
	Summary           string    `json:"summary"`
	WithKubernetes    string    `json:"with_kubernetes"`
	OnManagedServices string    `json:"on_managed_services"`
	Example           string    `json:"example"`
}

type apiAttack struct {
	ID                 string    `json:"id"`
	Name               string    `json:"name"`
	Kind               string    `json:"kind"` // technique or mitigation
	URL                string    `json:"url"`
	FormerNames        []string  `json:"former_names"`
	Tactics            []string  `json:"tactics"`
	ContainersPlatform bool      `json:"containers_platform"`
	Mapping            string    `json:"mapping"`     // unique, shared or none
	MatchedVia         string    `json:"matched_via"` // the parent technique, when a sub-technique has no own mapping
	Techniques         []apiItem `json:"techniques"`
	Mitigations        []apiItem `json:"mitigations"`
}

type apiSearchResult struct {
	matrix.Result
	URL string `json:"url"`
}

type apiSearch struct {
	Query   string            `json:"query"`
	Results []apiSearchResult `json:"results"`
}

type apiErrorBody struct {
	Error apiError `json:"error"`
}

type apiError struct {
	Status      int      `json:"status"`
	Message     string   `json:"message"`
	Suggestions []string `json:"suggestions"`
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func refs(rs []matrix.Ref) []apiRef {
	out := []apiRef{}
	for _, r := range rs {
		out = append(out, apiRef{ID: r.ID, Name: r.Name, URL: r.URL()})
	}
	return out
}

func techniqueItem(t *matrix.Technique) apiItem {
	return apiItem{ID: t.ID, Name: t.Name, URL: techniqueURL(t.ID), APIURL: apiPrefix + "/techniques/" + t.ID}
}

func mitigationItem(x *matrix.Mitigation) apiItem {
	return apiItem{ID: x.ID, Name: x.Name, URL: mitigationURL(x.ID), APIURL: apiPrefix + "/mitigations/" + x.ID}
}

func toAPITactic(t *matrix.Tactic) apiTactic {
	v := apiTactic{
		Slug: t.Slug, Name: t.Name, Order: t.Order,
		Attack:       apiRef{ID: t.Attack.ID, Name: t.Attack.Name, URL: t.Attack.URL()},
		UpstreamSlug: t.UpstreamSlug, Summary: t.Summary,
		Techniques: []apiItem{},
		URL:        tacticURL(t.Slug), APIURL: apiPrefix + "/tactics/" + t.Slug,
	}
	for _, tech := range t.Techniques {
		v.Techniques = append(v.Techniques, techniqueItem(tech))
	}
	return v
}

func toAPITechniqueSummary(t *matrix.Technique) apiTechniqueSummary {
	v := apiTechniqueSummary{
		ID: t.ID, Name: t.Name, Tactics: []string{}, Attack: refs(t.Attack), Since: t.Since,
		SitePath: t.SitePath, URL: techniqueURL(t.ID), APIURL: apiPrefix + "/techniques/" + t.ID,
	}
	for _, tac := range t.Tactics {
		v.Tactics = append(v.Tactics, tac.Slug)
	}
	return v
}

func (s *Site) toAPITechnique(t *matrix.Technique) apiTechnique {
	v := apiTechnique{
		apiTechniqueSummary: toAPITechniqueSummary(t),
		Aliases:             nonNil(t.Aliases),
		FormerNames:         nonNil(t.FormerNames),
		RetiredIDs:          []string{},
		DataComponents:      nonNil(t.DataComponents),
		Mitigations:         []apiLink{},
		UpstreamURL:         upstreamURL(t.SitePath),
		Summary:             t.Summary,
		HowItWorks:          t.HowItWorks,
		WhereItApplies:      t.WhereItApplies,
		Detection:           t.Detection,
		Notes:               t.Notes,
	}
	for _, rt := range s.m.Retired {
		if rt.Successor == t.ID {
			v.RetiredIDs = append(v.RetiredIDs, rt.ID)
		}
	}
	for _, l := range t.Mitigations {
		v.Mitigations = append(v.Mitigations, apiLink{apiItem: mitigationItem(l.Mitigation), Note: l.Note})
	}
	return v
}

func toAPIMitigationSummary(x *matrix.Mitigation) apiMitigationSummary {
	v := apiMitigationSummary{
		ID: x.ID, Name: x.Name, Children: []string{}, Since: x.Since, SitePath: x.SitePath,
		URL: mitigationURL(x.ID), APIURL: apiPrefix + "/mitigations/" + x.ID,
	}
	if x.Parent != nil {
		v.Parent = &x.Parent.ID
	}
	for _, c := range x.Children {
		v.Children = append(v.Children, c.ID)
	}
	return v
}

func toAPIMitigation(x *matrix.Mitigation) apiMitigation {
	v := apiMitigation{
		apiMitigationSummary: toAPIMitigationSummary(x),
		Aliases:              nonNil(x.Aliases),
		FormerNames:          nonNil(x.FormerNames),
		Attack:               refs(x.Attack),
		Techniques:           []apiLink{},
		UpstreamURL:          upstreamURL(x.SitePath),
		Summary:              x.Summary,
		WithKubernetes:       x.WithKubernetes,
		OnManagedServices:    x.OnManagedServices,
		Example:              x.Example,
	}
	for _, l := range x.Techniques {
		v.Techniques = append(v.Techniques, apiLink{apiItem: techniqueItem(l.Technique), Note: l.Note})
	}
	return v
}

func toAPIAttackTechnique(a *matrix.AttackTechnique, via string) apiAttack {
	v := apiAttack{
		ID: a.ID, Name: a.Name, Kind: "technique", URL: matrix.Ref{ID: a.ID}.URL(),
		FormerNames: nonNil(a.FormerNames), Tactics: nonNil(a.Tactics),
		ContainersPlatform: a.ContainersPlatform, MatchedVia: via,
		Techniques: []apiItem{}, Mitigations: []apiItem{},
	}
	for _, t := range a.Techniques {
		v.Techniques = append(v.Techniques, techniqueItem(t))
	}
	v.Mapping = mappingKind(len(v.Techniques))
	return v
}

func toAPIAttackMitigation(a *matrix.AttackMitigation) apiAttack {
	v := apiAttack{
		ID: a.ID, Name: a.Name, Kind: "mitigation", URL: matrix.Ref{ID: a.ID}.URL(),
		FormerNames: []string{}, Tactics: []string{},
		Techniques: []apiItem{}, Mitigations: []apiItem{},
	}
	for _, x := range a.Mitigations {
		v.Mitigations = append(v.Mitigations, mitigationItem(x))
	}
	v.Mapping = mappingKind(len(v.Mitigations))
	return v
}

// mappingKind names how many matrix objects an ATT&CK ID maps to: one is
// unique, more are shared, and detections mapped through a shared ID
// cannot tell the matrix techniques apart.
func mappingKind(n int) string {
	switch {
	case n == 0:
		return "none"
	case n == 1:
		return "unique"
	}
	return "shared"
}

// marshalJSON encodes v with two-space indentation and a final newline.
func marshalJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

const jsonType = "application/json; charset=utf-8"

// prerenderAPI encodes every API response that does not depend on the
// request.
func (s *Site) prerenderAPI() error {
	s.apiDocs = map[string]*resource{}
	s.apiDocs[apiPrefix+"/openapi.json"] = newResource(jsonType, cacheRevalidate, openAPIDocument)
	for _, step := range []func() error{s.prerenderAPIDocuments, s.prerenderAPILists, s.prerenderExports} {
		if err := step(); err != nil {
			return err
		}
	}
	return nil
}

// addAPIDoc encodes v and stores it under its URL path.
func (s *Site) addAPIDoc(path string, v any) error {
	body, err := marshalJSON(v)
	if err != nil {
		return fmt.Errorf("encoding %s: %w", path, err)
	}
	s.apiDocs[path] = newResource(jsonType, cacheRevalidate, body)
	return nil
}

// prerenderAPIDocuments encodes the document of every tactic, technique,
// mitigation and ATT&CK ID.
func (s *Site) prerenderAPIDocuments() error {
	for _, t := range s.m.Tactics {
		if err := s.addAPIDoc(apiPrefix+"/tactics/"+t.Slug, toAPITactic(t)); err != nil {
			return err
		}
	}
	for _, t := range s.m.Techniques {
		if err := s.addAPIDoc(apiPrefix+"/techniques/"+t.ID, s.toAPITechnique(t)); err != nil {
			return err
		}
	}
	for _, x := range s.m.Mitigations {
		if err := s.addAPIDoc(apiPrefix+"/mitigations/"+x.ID, toAPIMitigation(x)); err != nil {
			return err
		}
	}
	for _, a := range s.m.AttackTechniques {
		if err := s.addAPIDoc(apiPrefix+"/attack/"+a.ID, toAPIAttackTechnique(a, "")); err != nil {
			return err
		}
	}
	for _, a := range s.m.AttackMitigations {
		if err := s.addAPIDoc(apiPrefix+"/attack/"+a.ID, toAPIAttackMitigation(a)); err != nil {
			return err
		}
	}
	return nil
}

// prerenderAPILists encodes the list endpoints.
func (s *Site) prerenderAPILists() error {
	tactics := []apiTactic{}
	for _, t := range s.m.Tactics {
		tactics = append(tactics, toAPITactic(t))
	}
	techniques := []apiTechniqueSummary{}
	for _, t := range s.m.Techniques {
		techniques = append(techniques, toAPITechniqueSummary(t))
	}
	mitigations := []apiMitigationSummary{}
	for _, x := range s.m.Mitigations {
		mitigations = append(mitigations, toAPIMitigationSummary(x))
	}
	attack := []apiAttack{}
	for _, a := range s.m.AttackTechniques {
		attack = append(attack, toAPIAttackTechnique(a, ""))
	}
	for _, a := range s.m.AttackMitigations {
		attack = append(attack, toAPIAttackMitigation(a))
	}

	lists := []struct {
		path string
		v    any
	}{
		{"/tactics", map[string]any{"matrix_version": s.m.Version, "tactics": tactics}},
		{"/techniques", map[string]any{"matrix_version": s.m.Version, "techniques": techniques}},
		{"/mitigations", map[string]any{"matrix_version": s.m.Version, "mitigations": mitigations}},
		{"/attack", map[string]any{"attack_version": s.m.AttackVersion, "attack": attack}},
		{"/history", map[string]any{"matrix_version": s.m.Version, "releases": s.m.History, "retired": s.apiRetired()}},
	}
	for _, l := range lists {
		if err := s.addAPIDoc(apiPrefix+l.path, l.v); err != nil {
			return err
		}
	}
	return nil
}

type apiRetiredID struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	Successor string `json:"successor"`
	Version   string `json:"version"`
	Date      string `json:"date"`
	Note      string `json:"note"`
}

func (s *Site) apiRetired() []apiRetiredID {
	out := []apiRetiredID{}
	for _, r := range s.m.Retired {
		out = append(out, apiRetiredID{ID: r.ID, Name: r.Name, Successor: r.Successor, Version: r.Version, Date: r.Date, Note: r.Note})
	}
	return out
}

// serveAPIDoc serves a pre-rendered API document, redirecting an ID in
// another case to its canonical path.
func (s *Site) serveAPIDoc(w http.ResponseWriter, r *http.Request, path, canonical string) bool {
	if rs, ok := s.apiDocs[path]; ok {
		rs.ServeHTTP(w, r)
		return true
	}
	if canonical != "" {
		if _, ok := s.apiDocs[canonical]; ok {
			redirect(w, r, canonical)
			return true
		}
	}
	return false
}

func (s *Site) handleAPITactic(w http.ResponseWriter, r *http.Request) error {
	slug := r.PathValue("slug")
	canonical := ""
	if t, ok := s.m.Tactic(slug); ok {
		canonical = apiPrefix + "/tactics/" + t.Slug
	}
	if s.serveAPIDoc(w, r, apiPrefix+"/tactics/"+slug, canonical) {
		return nil
	}
	e := errNotFound("no tactic %q", slug)
	e.Suggestions = s.m.Suggest(slug, 3)
	return e
}

func (s *Site) handleAPITechnique(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	canonical := apiPrefix + "/techniques/" + strings.ToUpper(id)
	if rt, ok := s.m.RetiredID(id); ok {
		canonical = apiPrefix + "/techniques/" + rt.Successor
	}
	if s.serveAPIDoc(w, r, apiPrefix+"/techniques/"+id, canonical) {
		return nil
	}
	e := errNotFound("no technique %q", id)
	e.Suggestions = s.m.Suggest(id, 3)
	return e
}

func (s *Site) handleAPIMitigation(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	if s.serveAPIDoc(w, r, apiPrefix+"/mitigations/"+id, apiPrefix+"/mitigations/"+strings.ToUpper(id)) {
		return nil
	}
	e := errNotFound("no mitigation %q", id)
	e.Suggestions = s.m.Suggest(id, 3)
	return e
}

// handleAPIAttack serves an ATT&CK technique or mitigation ID. A
// sub-technique that no matrix technique maps to directly gets its parent's
// mapping, and matched_via names the parent.
func (s *Site) handleAPIAttack(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	if s.serveAPIDoc(w, r, apiPrefix+"/attack/"+id, apiPrefix+"/attack/"+strings.ToUpper(id)) {
		return nil
	}
	up := strings.ToUpper(id)
	if !attackIDPattern.MatchString(up) {
		return errBadRequest("%q is not an ATT&CK technique or mitigation ID; use T1234, T1234.567 or M1234", id)
	}
	if parent, _, ok := strings.Cut(up, "."); ok {
		if a, ok := s.m.AttackTechnique(parent); ok {
			v := toAPIAttackTechnique(a, a.ID)
			v.ID, v.Name, v.URL = up, "", matrix.Ref{ID: up}.URL()
			v.FormerNames, v.Tactics = []string{}, []string{}
			return s.writeJSON(w, r, http.StatusOK, cacheRevalidate, v)
		}
	}
	e := errNotFound("no matrix technique or mitigation maps to ATT&CK ID %s", up)
	e.Suggestions = s.m.Suggest(up, 3)
	return e
}

func (s *Site) handleAPISearch(w http.ResponseWriter, r *http.Request) error {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	if q == "" {
		return errBadRequest("missing query parameter q")
	}
	if len(q) > maxQueryLength {
		return errBadRequest("query parameter q is longer than %d bytes", maxQueryLength)
	}
	limit := 20
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > searchLimit {
			return errBadRequest("query parameter limit must be a number from 1 to %d, not %q", searchLimit, v)
		}
		limit = n
	}
	out := apiSearch{Query: q, Results: []apiSearchResult{}}
	for _, res := range s.m.Search(q, limit) {
		out.Results = append(out.Results, apiSearchResult{Result: res, URL: resultURL(res)})
	}
	return s.writeJSON(w, r, http.StatusOK, cacheRevalidate, out)
}

func (s *Site) handleAPINotFound(w http.ResponseWriter, r *http.Request) error {
	return errNotFound("no API endpoint at %s; see %s/openapi.json", r.URL.Path, apiPrefix)
}

// writeJSON encodes v and serves it with an ETag of its own.
func (s *Site) writeJSON(w http.ResponseWriter, r *http.Request, status int, cacheControl string, v any) error {
	body, err := marshalJSON(v)
	if err != nil {
		return err
	}
	rs := newDynamicResource(jsonType, cacheControl, body)
	rs.status = status
	rs.ServeHTTP(w, r)
	return nil
}

func (s *Site) writeJSONError(w http.ResponseWriter, r *http.Request, e *Error) {
	body := apiErrorBody{Error: apiError{Status: e.Status, Message: e.Message, Suggestions: nonNil(e.Suggestions)}}
	if err := s.writeJSON(w, r, e.Status, cacheNone, body); err != nil {
		s.log.Error("encoding an API error failed", "error", err)
		http.Error(w, http.StatusText(e.Status), e.Status)
	}
}

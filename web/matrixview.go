package web

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/kubethreat/kubethreat/matrix"
)

// matrixFilter is the state of the matrix page's form. The same query
// parameters work with and without JavaScript.
type matrixFilter struct {
	Tactic     string // tactic slug: show only that column
	Mitigation string // mitigation ID: highlight the techniques it addresses
	Attack     string // ATT&CK technique ID: highlight the techniques mapped to it
	Unmapped   bool   // highlight the techniques with no ATT&CK mapping
	Text       string // highlight the techniques whose ID, name or alias contains it
	ShowIDs    bool
}

// highlights reports whether any filter that highlights cells is set.
func (f matrixFilter) highlights() bool {
	return f.Mitigation != "" || f.Attack != "" || f.Unmapped || f.Text != ""
}

// query returns the filter as URL query parameters, in a fixed order.
func (f matrixFilter) query() url.Values {
	q := url.Values{}
	if f.Tactic != "" {
		q.Set("tactic", f.Tactic)
	}
	if f.Mitigation != "" {
		q.Set("mitigation", f.Mitigation)
	}
	if f.Attack != "" {
		q.Set("attack", f.Attack)
	}
	if f.Unmapped {
		q.Set("unmapped", "1")
	}
	if f.Text != "" {
		q.Set("filter", f.Text)
	}
	if f.ShowIDs {
		q.Set("ids", "1")
	}
	return q
}

func (f matrixFilter) url() string {
	if enc := f.query().Encode(); enc != "" {
		return "/?" + enc
	}
	return "/"
}

func matrixPath(showIDs bool) string {
	if showIDs {
		return "/?ids=1"
	}
	return "/"
}

// parseMatrixFilter reads and validates the filter from a query string,
// and puts IDs and slugs in their canonical form.
func (s *Site) parseMatrixFilter(q url.Values) (matrixFilter, error) {
	f := matrixFilter{
		ShowIDs:  isTrue(q.Get("ids")),
		Unmapped: isTrue(q.Get("unmapped")),
		Text:     strings.TrimSpace(q.Get("filter")),
	}
	if len(f.Text) > maxQueryLength {
		return f, errBadRequest("the filter text is longer than %d bytes", maxQueryLength)
	}
	if v := strings.TrimSpace(q.Get("tactic")); v != "" {
		t, ok := s.m.Tactic(v)
		if !ok {
			e := errBadRequest("no tactic %q; choose one from the list", v)
			e.Suggestions = s.m.Suggest(v, 3)
			return f, e
		}
		f.Tactic = t.Slug
	}
	if v := strings.TrimSpace(q.Get("mitigation")); v != "" {
		x, ok := s.m.Mitigation(v)
		if !ok {
			e := errBadRequest("no mitigation %q; choose one from the list", v)
			e.Suggestions = s.m.Suggest(v, 3)
			return f, e
		}
		f.Mitigation = x.ID
	}
	if v := strings.TrimSpace(q.Get("attack")); v != "" {
		v = strings.ToUpper(v)
		if !attackIDPattern.MatchString(v) {
			return f, errBadRequest("%q is not an ATT&CK technique ID; use the form T1234 or T1234.567", v)
		}
		f.Attack = v
	}
	return f, nil
}

func isTrue(v string) bool {
	switch strings.ToLower(v) {
	case "1", "true", "on", "yes":
		return true
	}
	return false
}

// matrixView is the data of the matrix page.
type matrixView struct {
	Filter      matrixFilter
	Columns     []matrixColumn
	Rows        [][]*matrixCell // one slice per row, one entry per column; nil is an empty cell
	Tactics     []*matrix.Tactic
	Mitigations []*matrix.Mitigation
	Attack      []*matrix.AttackTechnique
	Selected    *matrix.Mitigation // the mitigation filter, if set
	AttackName  string             // the ATT&CK filter's name, if known
	Cells       int                // cells shown
	Matches     int                // cells that match the highlight filters
	Highlight   bool               // a highlight filter is set
	Filtered    bool               // any filter is set
	IDsURL      string             // the same view with the ID toggle flipped
	ClearURL    string             // the view without filters
	NewCount    int                // techniques new in the current version
}

type matrixColumn struct {
	Tactic  *matrix.Tactic
	Index   int
	Count   int
	Matches int
}

// matrixCell is one technique under one tactic.
type matrixCell struct {
	T           *matrix.Technique
	Col         int
	Row         int
	Match       bool
	Dim         bool
	New         bool
	Attack      string // ATT&CK IDs, space-separated, for the script's filter
	Mitigations string // mitigation IDs and their parents, space-separated
	Search      string // lower-cased ID, name and aliases, for the text filter
}

// matrixView builds the matrix for a filter. Tactic filtering removes the
// other columns; the other filters keep every cell and mark which match.
func (s *Site) matrixView(f matrixFilter) matrixView {
	v := matrixView{
		Filter:      f,
		Tactics:     s.m.Tactics,
		Mitigations: s.m.Mitigations,
		Highlight:   f.highlights(),
		Filtered:    f.highlights() || f.Tactic != "",
	}
	for _, a := range s.m.AttackTechniques {
		if len(a.Techniques) > 0 {
			v.Attack = append(v.Attack, a)
		}
	}
	for _, t := range s.m.Techniques {
		if t.Since == s.m.Version {
			v.NewCount++
		}
	}

	flipped := f
	flipped.ShowIDs = !f.ShowIDs
	v.IDsURL = flipped.url()
	v.ClearURL = matrixFilter{ShowIDs: f.ShowIDs}.url()

	match := s.cellMatcher(f, &v)
	rows := 0
	for i, tac := range s.m.Tactics {
		if f.Tactic != "" && tac.Slug != f.Tactic {
			continue
		}
		v.Columns = append(v.Columns, matrixColumn{Tactic: tac, Index: i, Count: len(tac.Techniques)})
		rows = max(rows, len(tac.Techniques))
	}
	v.Rows = make([][]*matrixCell, rows)
	for r := range v.Rows {
		v.Rows[r] = make([]*matrixCell, len(v.Columns))
	}
	for c := range v.Columns {
		col := &v.Columns[c]
		for r, t := range col.Tactic.Techniques {
			cell := s.newCell(t, c, r)
			if v.Highlight {
				cell.Match = match(t)
				cell.Dim = !cell.Match
			}
			if cell.Match {
				col.Matches++
				v.Matches++
			}
			v.Cells++
			v.Rows[r][c] = cell
		}
	}
	return v
}

// cellMatcher returns the test that a technique must pass to be
// highlighted: every highlight filter that is set.
func (s *Site) cellMatcher(f matrixFilter, v *matrixView) func(*matrix.Technique) bool {
	var mits map[string]bool
	if f.Mitigation != "" {
		x, _ := s.m.Mitigation(f.Mitigation)
		v.Selected = x
		mits = map[string]bool{}
		for _, l := range x.Techniques {
			mits[l.Technique.ID] = true
		}
		for _, child := range x.Children {
			for _, l := range child.Techniques {
				mits[l.Technique.ID] = true
			}
		}
	}
	var attack map[string]bool
	if f.Attack != "" {
		attack = map[string]bool{}
		for _, t := range s.m.TechniquesForAttack(f.Attack) {
			attack[t.ID] = true
		}
		if a, ok := s.m.AttackTechnique(f.Attack); ok {
			v.AttackName = a.Name
		}
	}
	text := strings.ToLower(f.Text)
	return func(t *matrix.Technique) bool {
		if mits != nil && !mits[t.ID] {
			return false
		}
		if attack != nil && !attack[t.ID] {
			return false
		}
		if f.Unmapped && t.HasAttack() {
			return false
		}
		if text != "" && !strings.Contains(searchText(t), text) {
			return false
		}
		return true
	}
}

// searchText returns the lower-cased text that the matrix's text filter
// looks in: ID, name, aliases and former names.
func searchText(t *matrix.Technique) string {
	parts := append([]string{t.ID, t.Name}, t.Aliases...)
	parts = append(parts, t.FormerNames...)
	return strings.ToLower(strings.Join(parts, " | "))
}

func (s *Site) newCell(t *matrix.Technique, col, row int) *matrixCell {
	c := &matrixCell{T: t, Col: col, Row: row, New: t.Since == s.m.Version, Search: searchText(t)}
	var atk []string
	for _, a := range t.Attack {
		atk = append(atk, a.ID)
	}
	c.Attack = strings.Join(atk, " ")
	seen := map[string]bool{}
	var mits []string
	for _, l := range t.Mitigations {
		for x := l.Mitigation; x != nil; x = x.Parent {
			if !seen[x.ID] {
				seen[x.ID] = true
				mits = append(mits, x.ID)
			}
		}
	}
	c.Mitigations = strings.Join(mits, " ")
	return c
}

func (s *Site) matrixPage(v matrixView) page {
	p := page{
		Title:       "Threat Matrix for Kubernetes",
		Description: "The tactics and techniques of the Threat Matrix for Kubernetes, with filters by tactic, mitigation and ATT&CK ID.",
		Section:     "matrix",
		Canonical:   "/",
		Data:        v,
	}
	if v.Filtered {
		p.Title = "Filtered matrix"
	}
	return p
}

// handleMatrix serves the matrix page: pre-rendered without filters, and
// rendered per request with them.
func (s *Site) handleMatrix(w http.ResponseWriter, r *http.Request) error {
	if r.URL.RawQuery == "" {
		s.pages["/"].ServeHTTP(w, r)
		return nil
	}
	q := r.URL.Query()
	f, err := s.parseMatrixFilter(q)
	if err != nil {
		return err
	}
	if !f.highlights() && f.Tactic == "" {
		s.pages[matrixPath(f.ShowIDs)].ServeHTTP(w, r)
		return nil
	}
	return s.renderTo(w, r, http.StatusOK, "matrix", s.matrixPage(s.matrixView(f)))
}

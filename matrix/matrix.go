// Package matrix is the knowledge base of the Threat Matrix for Kubernetes:
// tactics, techniques, mitigations, their links, the MITRE ATT&CK cross-walk
// and the matrix's version history, loaded from embedded content files.
package matrix

import (
	"sort"
	"strings"
)

// Ref names an object in MITRE ATT&CK: a technique (T1610, T1078.004), a
// mitigation (M1035) or a tactic (TA0001).
type Ref struct {
	ID   string `json:"id" yaml:"id"`
	Name string `json:"name" yaml:"name"`
}

// URL returns the object's page on the ATT&CK web site.
func (r Ref) URL() string {
	switch {
	case strings.HasPrefix(r.ID, "TA"):
		return "https://attack.mitre.org/tactics/" + r.ID + "/"
	case strings.HasPrefix(r.ID, "M"):
		return "https://attack.mitre.org/mitigations/" + r.ID + "/"
	default:
		return "https://attack.mitre.org/techniques/" + strings.Replace(r.ID, ".", "/", 1) + "/"
	}
}

// AttackTechnique is an ATT&CK technique or sub-technique that at least one
// matrix technique maps to.
type AttackTechnique struct {
	ID                 string
	Name               string
	FormerNames        []string // names in earlier ATT&CK versions
	Tactics            []string // ATT&CK tactic names
	ContainersPlatform bool     // listed for the Containers platform in ATT&CK
	Techniques         []*Technique
}

// AttackMitigation is an ATT&CK mitigation that at least one matrix
// mitigation maps to.
type AttackMitigation struct {
	ID          string
	Name        string
	Mitigations []*Mitigation
}

// Tactic is a column of the matrix.
type Tactic struct {
	Slug         string // stable URL name, such as "privilege-escalation"
	Name         string
	Order        int // 1-based column position
	Attack       Ref
	UpstreamSlug string // the upstream site's path name, such as "PrivilegeEscalation"
	Summary      string
	Techniques   []*Technique // in matrix row order
	File         string
}

// Technique is a matrix technique, MS-TA9xxx.
type Technique struct {
	ID             string
	Name           string
	Tactics        []*Tactic // in matrix column order
	Attack         []Ref
	Mitigations    []*Link
	Aliases        []string // other labels used for it in the current matrix
	FormerNames    []string // names used by earlier matrix versions
	Since          string   // matrix version that introduced it: v1, v2 or v3
	SitePath       string   // page path on the upstream site
	DataComponents []string // ATT&CK data components that help detect it

	Summary        string // Markdown
	HowItWorks     string // Markdown
	WhereItApplies string // Markdown
	Detection      string // Markdown
	Notes          string // Markdown, optional

	File string
}

// Mitigation is a matrix mitigation, MS-M9xxx, or a sub-mitigation,
// MS-M9xxx.yyy.
type Mitigation struct {
	ID          string
	Name        string
	Parent      *Mitigation
	Children    []*Mitigation
	Attack      []Ref
	Techniques  []*Link // in technique ID order
	Aliases     []string
	FormerNames []string
	Since       string
	SitePath    string

	Summary           string // Markdown
	WithKubernetes    string // Markdown
	OnManagedServices string // Markdown
	Example           string // Markdown, optional

	File string
}

// Link joins a technique and a mitigation. Each link is stored once, in the
// technique's content file, and both sides point to the same value.
type Link struct {
	Technique  *Technique
	Mitigation *Mitigation
	Note       string // how the mitigation applies to this technique
}

// Retired is a technique ID that the matrix no longer uses.
type Retired struct {
	ID        string `yaml:"id"`
	Name      string `yaml:"name"`
	Successor string `yaml:"successor"`
	Version   string `yaml:"version"`
	Date      string `yaml:"date"`
	Note      string `yaml:"note"`
}

// Release is one published version of the matrix.
type Release struct {
	Version string   `yaml:"version" json:"version"`
	Date    string   `yaml:"date" json:"date"`
	Title   string   `yaml:"title" json:"title"`
	Summary string   `yaml:"summary" json:"summary"`
	Changes []Change `yaml:"changes" json:"changes"`
}

// Change is one edit a release made to the matrix.
type Change struct {
	Kind      string `yaml:"kind" json:"kind"` // added, removed, merged, renamed or placed
	Technique string `yaml:"technique,omitempty" json:"technique,omitempty"`
	Tactic    string `yaml:"tactic,omitempty" json:"tactic,omitempty"`
	Name      string `yaml:"name,omitempty" json:"name,omitempty"`
	From      string `yaml:"from,omitempty" json:"from,omitempty"`
	Into      string `yaml:"into,omitempty" json:"into,omitempty"`
	Note      string `yaml:"note,omitempty" json:"note,omitempty"`
	Basis     string `yaml:"basis" json:"basis"` // "reference" or "recollection"
}

// Matrix is the whole knowledge base.
type Matrix struct {
	Version       string // the matrix version, such as "v3"
	SourceCommit  string // the upstream commit the facts were checked against
	AttackVersion string // the ATT&CK Enterprise version the ATT&CK names were checked against
	Tactics       []*Tactic
	Techniques    []*Technique // sorted by ID
	Mitigations   []*Mitigation
	Retired       []Retired
	History       []Release

	AttackTactics     []Ref
	AttackTechniques  []*AttackTechnique // sorted by ID
	AttackMitigations []*AttackMitigation

	techniques  map[string]*Technique
	mitigations map[string]*Mitigation
	tactics     map[string]*Tactic // by slug, name and upstream slug, lower-cased
	retired     map[string]*Retired
	attackTech  map[string]*AttackTechnique
	attackMit   map[string]*AttackMitigation
}

// Technique returns the technique with the ID, ignoring case.
func (m *Matrix) Technique(id string) (*Technique, bool) {
	t, ok := m.techniques[strings.ToUpper(id)]
	return t, ok
}

// Mitigation returns the mitigation with the ID, ignoring case.
func (m *Matrix) Mitigation(id string) (*Mitigation, bool) {
	x, ok := m.mitigations[strings.ToUpper(id)]
	return x, ok
}

// Tactic returns the tactic with the slug, name, upstream slug or ATT&CK
// tactic ID, ignoring case.
func (m *Matrix) Tactic(key string) (*Tactic, bool) {
	t, ok := m.tactics[strings.ToLower(strings.TrimSpace(key))]
	return t, ok
}

// RetiredID returns the record of a retired technique ID.
func (m *Matrix) RetiredID(id string) (*Retired, bool) {
	r, ok := m.retired[strings.ToUpper(id)]
	return r, ok
}

// AttackTechnique returns the ATT&CK technique with the ID and the matrix
// techniques mapped to it.
func (m *Matrix) AttackTechnique(id string) (*AttackTechnique, bool) {
	a, ok := m.attackTech[strings.ToUpper(id)]
	return a, ok
}

// AttackMitigation returns the ATT&CK mitigation with the ID and the matrix
// mitigations mapped to it.
func (m *Matrix) AttackMitigation(id string) (*AttackMitigation, bool) {
	a, ok := m.attackMit[strings.ToUpper(id)]
	return a, ok
}

// TechniquesForAttack returns the matrix techniques mapped to an ATT&CK
// technique ID. A sub-technique ID with no direct mapping falls back to its
// parent, so T1552.004 finds the techniques mapped to T1552; a parent ID
// never fans out to its sub-techniques.
func (m *Matrix) TechniquesForAttack(id string) []*Technique {
	id = strings.ToUpper(id)
	if a, ok := m.attackTech[id]; ok {
		return a.Techniques
	}
	if parent, _, ok := strings.Cut(id, "."); ok {
		if a, ok := m.attackTech[parent]; ok {
			return a.Techniques
		}
	}
	return nil
}

// Placements returns the number of technique cells in the matrix: a
// technique under two tactics counts twice.
func (m *Matrix) Placements() int {
	n := 0
	for _, t := range m.Tactics {
		n += len(t.Techniques)
	}
	return n
}

// Link returns the link between a technique and a mitigation.
func (t *Technique) Link(mitigationID string) (*Link, bool) {
	for _, l := range t.Mitigations {
		if l.Mitigation.ID == mitigationID {
			return l, true
		}
	}
	return nil, false
}

// HasAttack reports whether the technique maps to at least one ATT&CK ID.
func (t *Technique) HasAttack() bool { return len(t.Attack) > 0 }

// TopLevel returns the mitigations that have no parent, in ID order.
func (m *Matrix) TopLevel() []*Mitigation {
	var out []*Mitigation
	for _, x := range m.Mitigations {
		if x.Parent == nil {
			out = append(out, x)
		}
	}
	return out
}

func sortTechniques(ts []*Technique) {
	sort.Slice(ts, func(i, j int) bool { return ts[i].ID < ts[j].ID })
}

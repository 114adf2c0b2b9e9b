package matrix

import (
	"encoding/csv"
	"encoding/json"
	"io"
	"strings"

	"gopkg.in/yaml.v3"
)

// ExportSchemaVersion is the version of the export document's schema,
// docs/schema/kb-v1.schema.json. It changes only when a field is removed or
// changes meaning; new fields keep the version.
const ExportSchemaVersion = "1"

// Export is the whole knowledge base as one document, the shape written by
// WriteJSON and WriteYAML.
type Export struct {
	SchemaVersion string             `json:"schemaVersion" yaml:"schemaVersion"`
	Matrix        ExportSource       `json:"matrix" yaml:"matrix"`
	Tactics       []ExportTactic     `json:"tactics" yaml:"tactics"`
	Techniques    []ExportTechnique  `json:"techniques" yaml:"techniques"`
	Mitigations   []ExportMitigation `json:"mitigations" yaml:"mitigations"`
	Retired       []ExportRetired    `json:"retired" yaml:"retired"`
	History       []Release          `json:"history" yaml:"history"`
	Attack        ExportAttack       `json:"attack" yaml:"attack"`
}

// ExportSource names the matrix version and where its facts come from.
type ExportSource struct {
	Name          string `json:"name" yaml:"name"`
	Version       string `json:"version" yaml:"version"`
	SourceCommit  string `json:"sourceCommit" yaml:"sourceCommit"`
	License       string `json:"license" yaml:"license"`
	AttackVersion string `json:"attackVersion" yaml:"attackVersion"`
}

// ExportTactic is a tactic with its techniques as IDs in row order.
type ExportTactic struct {
	Slug         string   `json:"slug" yaml:"slug"`
	Name         string   `json:"name" yaml:"name"`
	Order        int      `json:"order" yaml:"order"`
	Attack       Ref      `json:"attack" yaml:"attack"`
	UpstreamSlug string   `json:"upstreamSlug" yaml:"upstreamSlug"`
	Summary      string   `json:"summary" yaml:"summary"`
	Techniques   []string `json:"techniques" yaml:"techniques"`
}

// ExportLink is one end of a technique-mitigation link with its note.
type ExportLink struct {
	ID   string `json:"id" yaml:"id"`
	Note string `json:"note" yaml:"note"`
}

// ExportTechnique is a technique with references as IDs.
type ExportTechnique struct {
	ID             string       `json:"id" yaml:"id"`
	Name           string       `json:"name" yaml:"name"`
	Tactics        []string     `json:"tactics" yaml:"tactics"`
	Attack         []Ref        `json:"attack" yaml:"attack"`
	Mitigations    []ExportLink `json:"mitigations" yaml:"mitigations"`
	Aliases        []string     `json:"aliases" yaml:"aliases"`
	FormerNames    []string     `json:"formerNames" yaml:"formerNames"`
	Since          string       `json:"since" yaml:"since"`
	SitePath       string       `json:"sitePath" yaml:"sitePath"`
	DataComponents []string     `json:"dataComponents" yaml:"dataComponents"`
	Summary        string       `json:"summary" yaml:"summary"`
	HowItWorks     string       `json:"howItWorks" yaml:"howItWorks"`
	WhereItApplies string       `json:"whereItApplies" yaml:"whereItApplies"`
	Detection      string       `json:"detection" yaml:"detection"`
	Notes          string       `json:"notes,omitempty" yaml:"notes,omitempty"`
}

// ExportMitigation is a mitigation with references as IDs.
type ExportMitigation struct {
	ID                string       `json:"id" yaml:"id"`
	Name              string       `json:"name" yaml:"name"`
	Parent            string       `json:"parent,omitempty" yaml:"parent,omitempty"`
	Children          []string     `json:"children,omitempty" yaml:"children,omitempty"`
	Attack            []Ref        `json:"attack" yaml:"attack"`
	Techniques        []ExportLink `json:"techniques" yaml:"techniques"`
	Aliases           []string     `json:"aliases" yaml:"aliases"`
	FormerNames       []string     `json:"formerNames" yaml:"formerNames"`
	Since             string       `json:"since" yaml:"since"`
	SitePath          string       `json:"sitePath" yaml:"sitePath"`
	Summary           string       `json:"summary" yaml:"summary"`
	WithKubernetes    string       `json:"withKubernetes" yaml:"withKubernetes"`
	OnManagedServices string       `json:"onManagedServices" yaml:"onManagedServices"`
	Example           string       `json:"example,omitempty" yaml:"example,omitempty"`
}

// ExportRetired is a retired technique ID.
type ExportRetired struct {
	ID        string `json:"id" yaml:"id"`
	Name      string `json:"name" yaml:"name"`
	Successor string `json:"successor" yaml:"successor"`
	Version   string `json:"version" yaml:"version"`
	Date      string `json:"date" yaml:"date"`
	Note      string `json:"note" yaml:"note"`
}

// ExportAttack is the ATT&CK cross-walk: each ATT&CK ID with the matrix
// IDs mapped to it.
type ExportAttack struct {
	Techniques  []ExportAttackEntry `json:"techniques" yaml:"techniques"`
	Mitigations []ExportAttackEntry `json:"mitigations" yaml:"mitigations"`
}

// ExportAttackEntry is an ATT&CK ID and the matrix IDs mapped to it.
type ExportAttackEntry struct {
	ID     string   `json:"id" yaml:"id"`
	Name   string   `json:"name" yaml:"name"`
	Matrix []string `json:"matrix" yaml:"matrix"`
}

// orEmpty keeps nil slices out of the export, so that JSON shows [] and
// consumers need no null checks.
func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func refsOrEmpty(s []Ref) []Ref {
	if s == nil {
		return []Ref{}
	}
	return s
}

// ExportDocument builds the export document.
func (m *Matrix) ExportDocument() *Export {
	e := &Export{
		SchemaVersion: ExportSchemaVersion,
		Matrix: ExportSource{
			Name:          "Threat Matrix for Kubernetes",
			Version:       m.Version,
			SourceCommit:  m.SourceCommit,
			License:       "CC-BY-4.0",
			AttackVersion: m.AttackVersion,
		},
		History: m.History,
	}
	for _, t := range m.Tactics {
		et := ExportTactic{Slug: t.Slug, Name: t.Name, Order: t.Order, Attack: t.Attack, UpstreamSlug: t.UpstreamSlug, Summary: t.Summary}
		for _, x := range t.Techniques {
			et.Techniques = append(et.Techniques, x.ID)
		}
		e.Tactics = append(e.Tactics, et)
	}
	for _, t := range m.Techniques {
		et := ExportTechnique{
			ID: t.ID, Name: t.Name, Attack: refsOrEmpty(t.Attack), Aliases: orEmpty(t.Aliases),
			FormerNames: orEmpty(t.FormerNames), Since: t.Since, SitePath: t.SitePath,
			DataComponents: orEmpty(t.DataComponents), Summary: t.Summary, HowItWorks: t.HowItWorks,
			WhereItApplies: t.WhereItApplies, Detection: t.Detection, Notes: t.Notes,
		}
		for _, tac := range t.Tactics {
			et.Tactics = append(et.Tactics, tac.Slug)
		}
		for _, l := range t.Mitigations {
			et.Mitigations = append(et.Mitigations, ExportLink{ID: l.Mitigation.ID, Note: l.Note})
		}
		e.Techniques = append(e.Techniques, et)
	}
	for _, x := range m.Mitigations {
		em := ExportMitigation{
			ID: x.ID, Name: x.Name, Attack: refsOrEmpty(x.Attack), Aliases: orEmpty(x.Aliases),
			FormerNames: orEmpty(x.FormerNames), Since: x.Since, SitePath: x.SitePath, Summary: x.Summary,
			WithKubernetes: x.WithKubernetes, OnManagedServices: x.OnManagedServices, Example: x.Example,
		}
		if x.Parent != nil {
			em.Parent = x.Parent.ID
		}
		for _, c := range x.Children {
			em.Children = append(em.Children, c.ID)
		}
		for _, l := range x.Techniques {
			em.Techniques = append(em.Techniques, ExportLink{ID: l.Technique.ID, Note: l.Note})
		}
		e.Mitigations = append(e.Mitigations, em)
	}
	for _, r := range m.Retired {
		e.Retired = append(e.Retired, ExportRetired(r))
	}
	for _, a := range m.AttackTechniques {
		entry := ExportAttackEntry{ID: a.ID, Name: a.Name, Matrix: []string{}}
		for _, t := range a.Techniques {
			entry.Matrix = append(entry.Matrix, t.ID)
		}
		e.Attack.Techniques = append(e.Attack.Techniques, entry)
	}
	for _, a := range m.AttackMitigations {
		entry := ExportAttackEntry{ID: a.ID, Name: a.Name, Matrix: []string{}}
		for _, x := range a.Mitigations {
			entry.Matrix = append(entry.Matrix, x.ID)
		}
		e.Attack.Mitigations = append(e.Attack.Mitigations, entry)
	}
	return e
}

// WriteJSON writes the whole knowledge base as indented JSON.
func WriteJSON(w io.Writer, m *Matrix) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(m.ExportDocument())
}

// WriteYAML writes the whole knowledge base as YAML, with the same fields
// as the JSON export.
func WriteYAML(w io.Writer, m *Matrix) error {
	enc := yaml.NewEncoder(w)
	enc.SetIndent(2)
	if err := enc.Encode(m.ExportDocument()); err != nil {
		return err
	}
	return enc.Close()
}

// CSVHeader is the header row of the CSV export.
var CSVHeader = []string{"type", "id", "name", "tactics", "attack_ids", "attack_names", "related_ids", "parent", "since", "aliases", "summary"}

// WriteCSV writes one row per tactic, technique, mitigation and retired ID.
// Lists inside a cell are joined with "; ".
func WriteCSV(w io.Writer, m *Matrix) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(CSVHeader); err != nil {
		return err
	}
	join := func(s []string) string { return strings.Join(s, "; ") }
	attackCells := func(refs []Ref) (string, string) {
		var ids, names []string
		for _, r := range refs {
			ids = append(ids, r.ID)
			names = append(names, r.Name)
		}
		return join(ids), join(names)
	}
	for _, t := range m.Tactics {
		var ids []string
		for _, x := range t.Techniques {
			ids = append(ids, x.ID)
		}
		if err := cw.Write([]string{"tactic", t.Slug, t.Name, "", t.Attack.ID, t.Attack.Name, join(ids), "", "", t.UpstreamSlug, oneLine(t.Summary)}); err != nil {
			return err
		}
	}
	for _, t := range m.Techniques {
		var tactics, mits []string
		for _, tac := range t.Tactics {
			tactics = append(tactics, tac.Name)
		}
		for _, l := range t.Mitigations {
			mits = append(mits, l.Mitigation.ID)
		}
		ids, names := attackCells(t.Attack)
		aliases := append(append([]string{}, t.Aliases...), t.FormerNames...)
		if err := cw.Write([]string{"technique", t.ID, t.Name, join(tactics), ids, names, join(mits), "", t.Since, join(aliases), oneLine(t.Summary)}); err != nil {
			return err
		}
	}
	for _, x := range m.Mitigations {
		var techs []string
		for _, l := range x.Techniques {
			techs = append(techs, l.Technique.ID)
		}
		parent := ""
		if x.Parent != nil {
			parent = x.Parent.ID
		}
		ids, names := attackCells(x.Attack)
		aliases := append(append([]string{}, x.Aliases...), x.FormerNames...)
		if err := cw.Write([]string{"mitigation", x.ID, x.Name, "", ids, names, join(techs), parent, x.Since, join(aliases), oneLine(x.Summary)}); err != nil {
			return err
		}
	}
	for _, r := range m.Retired {
		if err := cw.Write([]string{"retired", r.ID, r.Name, "", "", "", r.Successor, "", r.Version, "", oneLine(r.Note)}); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

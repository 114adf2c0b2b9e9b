package kbview

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/kubethreat/kubethreat/matrix"
)

// entryDoc is the structured form of a resolved entry, for JSON and YAML.
type entryDoc struct {
	Kind       matrix.Kind              `json:"kind" yaml:"kind"`
	Technique  *matrix.ExportTechnique  `json:"technique,omitempty" yaml:"technique,omitempty"`
	Mitigation *matrix.ExportMitigation `json:"mitigation,omitempty" yaml:"mitigation,omitempty"`
	Tactic     *matrix.ExportTactic     `json:"tactic,omitempty" yaml:"tactic,omitempty"`
	Retired    *matrix.ExportRetired    `json:"retired,omitempty" yaml:"retired,omitempty"`
	Attack     *attackDoc               `json:"attack,omitempty" yaml:"attack,omitempty"`
}

type attackDoc struct {
	ID                 string       `json:"id" yaml:"id"`
	Name               string       `json:"name" yaml:"name"`
	AttackVersion      string       `json:"attackVersion" yaml:"attackVersion"`
	URL                string       `json:"url" yaml:"url"`
	ContainersPlatform *bool        `json:"containersPlatform,omitempty" yaml:"containersPlatform,omitempty"`
	Matrix             []matrixCell `json:"matrix" yaml:"matrix"`
}

func document(m *matrix.Matrix, e matrix.Entry) entryDoc {
	doc := entryDoc{Kind: e.Kind}
	exp := m.ExportDocument()
	switch e.Kind {
	case matrix.KindTechnique:
		for i := range exp.Techniques {
			if exp.Techniques[i].ID == e.Technique.ID {
				doc.Technique = &exp.Techniques[i]
			}
		}
	case matrix.KindMitigation:
		for i := range exp.Mitigations {
			if exp.Mitigations[i].ID == e.Mitigation.ID {
				doc.Mitigation = &exp.Mitigations[i]
			}
		}
	case matrix.KindTactic:
		for i := range exp.Tactics {
			if exp.Tactics[i].Slug == e.Tactic.Slug {
				doc.Tactic = &exp.Tactics[i]
			}
		}
	case matrix.KindRetired:
		r := matrix.ExportRetired(*e.Retired)
		doc.Retired = &r
	case matrix.KindAttackTechnique:
		a := e.AttackTechnique
		cp := a.ContainersPlatform
		doc.Attack = &attackDoc{ID: a.ID, Name: a.Name, AttackVersion: m.AttackVersion, URL: matrix.Ref{ID: a.ID}.URL(), ContainersPlatform: &cp, Matrix: []matrixCell{}}
		for _, t := range a.Techniques {
			doc.Attack.Matrix = append(doc.Attack.Matrix, matrixCell{ID: t.ID, Name: t.Name})
		}
	case matrix.KindAttackMitigation:
		a := e.AttackMitigation
		doc.Attack = &attackDoc{ID: a.ID, Name: a.Name, AttackVersion: m.AttackVersion, URL: matrix.Ref{ID: a.ID}.URL(), Matrix: []matrixCell{}}
		for _, x := range a.Mitigations {
			doc.Attack.Matrix = append(doc.Attack.Matrix, matrixCell{ID: x.ID, Name: x.Name})
		}
	}
	return doc
}

// WriteEntryJSON writes a resolved entry as JSON.
func WriteEntryJSON(w io.Writer, m *matrix.Matrix, e matrix.Entry) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(document(m, e))
}

// WriteEntryYAML writes a resolved entry as YAML.
func WriteEntryYAML(w io.Writer, m *matrix.Matrix, e matrix.Entry) error {
	enc := yaml.NewEncoder(w)
	enc.SetIndent(2)
	if err := enc.Encode(document(m, e)); err != nil {
		return err
	}
	return enc.Close()
}

// style formats headings; the plain style is used when output is not a
// terminal.
type style struct{ bold, dim, reset string }

var (
	plainStyle = style{}
	ttyStyle   = style{bold: "\x1b[1m", dim: "\x1b[2m", reset: "\x1b[0m"}
)

// TextOptions tune terminal rendering.
type TextOptions struct {
	Width int  // wrap width; 80 when 0
	Color bool // use bold and dim escape codes
}

// WriteEntryText renders a resolved entry for a terminal.
func WriteEntryText(w io.Writer, m *matrix.Matrix, e matrix.Entry, opts TextOptions) error {
	width := opts.Width
	if width <= 0 {
		width = 80
	}
	width = min(width, 100)
	st := plainStyle
	if opts.Color {
		st = ttyStyle
	}
	t := &textWriter{st: st, width: width}
	switch e.Kind {
	case matrix.KindTechnique:
		t.technique(m, e.Technique)
	case matrix.KindMitigation:
		t.mitigation(e.Mitigation)
	case matrix.KindTactic:
		t.tactic(e.Tactic)
	case matrix.KindRetired:
		t.retired(m, e.Retired)
	case matrix.KindAttackTechnique:
		t.attackTechnique(m, e.AttackTechnique)
	case matrix.KindAttackMitigation:
		t.attackMitigation(m, e.AttackMitigation)
	}
	_, err := io.WriteString(w, t.b.String())
	return err
}

type textWriter struct {
	b     strings.Builder
	st    style
	width int
}

func (t *textWriter) title(id, name string) {
	fmt.Fprintf(&t.b, "%s%s  %s%s\n", t.st.bold, id, name, t.st.reset)
}

func (t *textWriter) field(label, value string) {
	if value == "" {
		return
	}
	t.b.WriteString(wrapIndent(value, t.width, fmt.Sprintf("%-13s ", label+":"), strings.Repeat(" ", 14)))
}

func (t *textWriter) section(heading, md string) {
	if md == "" {
		return
	}
	fmt.Fprintf(&t.b, "\n%s%s%s\n", t.st.bold, strings.ToUpper(heading), t.st.reset)
	t.b.WriteString(Markdown(md, t.width, "  "))
}

func (t *textWriter) para(md string) {
	t.b.WriteString("\n")
	t.b.WriteString(Markdown(md, t.width, ""))
}

func attackList(refs []matrix.Ref, version string) string {
	if len(refs) == 0 {
		return "none (no ATT&CK technique matches; tag-based detection mapping cannot reach it)"
	}
	var parts []string
	for _, r := range refs {
		parts = append(parts, r.ID+" "+r.Name)
	}
	return strings.Join(parts, ", ") + " (ATT&CK v" + version + ")"
}

func (t *textWriter) technique(m *matrix.Matrix, x *matrix.Technique) {
	t.title(x.ID, x.Name)
	var tactics []string
	for _, tac := range x.Tactics {
		tactics = append(tactics, tac.Name)
	}
	t.field("Tactics", strings.Join(tactics, ", "))
	t.field("ATT&CK", attackList(x.Attack, m.AttackVersion))
	t.field("Since", "matrix "+x.Since)
	t.field("Aliases", strings.Join(x.Aliases, ", "))
	t.field("Former names", strings.Join(x.FormerNames, ", "))
	t.para(x.Summary)
	t.section("How it works", x.HowItWorks)
	t.section("Where it applies", x.WhereItApplies)
	t.section("Detection", x.Detection)
	t.section("Notes", x.Notes)
	fmt.Fprintf(&t.b, "\n%sMITIGATIONS (%d)%s\n", t.st.bold, len(x.Mitigations), t.st.reset)
	for _, l := range x.Mitigations {
		fmt.Fprintf(&t.b, "  %s  %s\n", l.Mitigation.ID, l.Mitigation.Name)
		t.b.WriteString(wrapIndent(inline(l.Note), t.width, "      ", "      "))
	}
}

func (t *textWriter) mitigation(x *matrix.Mitigation) {
	t.title(x.ID, x.Name)
	if x.Parent != nil {
		t.field("Parent", x.Parent.ID+" "+x.Parent.Name)
	}
	var children []string
	for _, c := range x.Children {
		children = append(children, c.ID+" "+c.Name)
	}
	t.field("Sub-mitigations", strings.Join(children, "; "))
	var refs []string
	for _, r := range x.Attack {
		refs = append(refs, r.ID+" "+r.Name)
	}
	if len(refs) == 0 {
		refs = []string{"none"}
	}
	t.field("ATT&CK", strings.Join(refs, ", "))
	t.field("Aliases", strings.Join(x.Aliases, ", "))
	t.field("Former names", strings.Join(x.FormerNames, ", "))
	t.para(x.Summary)
	t.section("With Kubernetes", x.WithKubernetes)
	t.section("On managed services", x.OnManagedServices)
	t.section("Example", x.Example)
	fmt.Fprintf(&t.b, "\n%sTECHNIQUES ADDRESSED (%d)%s\n", t.st.bold, len(x.Techniques), t.st.reset)
	for _, l := range x.Techniques {
		fmt.Fprintf(&t.b, "  %s  %s\n", l.Technique.ID, l.Technique.Name)
		t.b.WriteString(wrapIndent(inline(l.Note), t.width, "      ", "      "))
	}
}

func (t *textWriter) tactic(x *matrix.Tactic) {
	t.title(x.Slug, x.Name)
	t.field("Column", fmt.Sprintf("%d of 10", x.Order))
	t.field("ATT&CK", x.Attack.ID+" "+x.Attack.Name)
	t.para(x.Summary)
	fmt.Fprintf(&t.b, "\n%sTECHNIQUES (%d)%s\n", t.st.bold, len(x.Techniques), t.st.reset)
	for _, tech := range x.Techniques {
		fmt.Fprintf(&t.b, "  %s  %s\n", tech.ID, tech.Name)
	}
}

func (t *textWriter) retired(m *matrix.Matrix, r *matrix.Retired) {
	t.title(r.ID, r.Name)
	t.field("Status", fmt.Sprintf("retired in matrix %s (%s)", r.Version, r.Date))
	if s, ok := m.Technique(r.Successor); ok {
		t.field("Merged into", s.ID+" "+s.Name)
	}
	t.para(r.Note)
	fmt.Fprintf(&t.b, "\nSee: kubethreat show %s\n", r.Successor)
}

func (t *textWriter) attackTechnique(m *matrix.Matrix, a *matrix.AttackTechnique) {
	t.title(a.ID, a.Name)
	t.field("Source", "MITRE ATT&CK Enterprise v"+m.AttackVersion)
	t.field("Tactics", strings.Join(a.Tactics, ", "))
	platform := "not listed for the Containers platform"
	if a.ContainersPlatform {
		platform = "listed for the Containers platform"
	}
	t.field("Platform", platform)
	t.field("Former names", strings.Join(a.FormerNames, ", "))
	t.field("URL", matrix.Ref{ID: a.ID}.URL())
	fmt.Fprintf(&t.b, "\n%sMATRIX TECHNIQUES MAPPED TO %s (%d)%s\n", t.st.bold, a.ID, len(a.Techniques), t.st.reset)
	if len(a.Techniques) > 1 {
		t.b.WriteString(wrapIndent(fmt.Sprintf("Several matrix techniques share this ATT&CK ID, so a detection tagged only with %s cannot tell them apart.", a.ID), t.width, "  ", "  "))
	}
	for _, x := range a.Techniques {
		var tactics []string
		for _, tac := range x.Tactics {
			tactics = append(tactics, tac.Name)
		}
		fmt.Fprintf(&t.b, "  %s  %s  [%s]\n", x.ID, x.Name, strings.Join(tactics, ", "))
	}
}

func (t *textWriter) attackMitigation(m *matrix.Matrix, a *matrix.AttackMitigation) {
	t.title(a.ID, a.Name)
	t.field("Source", "MITRE ATT&CK Enterprise v"+m.AttackVersion)
	t.field("URL", matrix.Ref{ID: a.ID}.URL())
	fmt.Fprintf(&t.b, "\n%sMATRIX MITIGATIONS MAPPED TO %s (%d)%s\n", t.st.bold, a.ID, len(a.Mitigations), t.st.reset)
	for _, x := range a.Mitigations {
		fmt.Fprintf(&t.b, "  %s  %s\n", x.ID, x.Name)
	}
}

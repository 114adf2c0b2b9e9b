package kbview

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/kubethreat/kubethreat/matrix"
)

// WriteEntryMarkdown renders a resolved entry as a Markdown document.
func WriteEntryMarkdown(w io.Writer, m *matrix.Matrix, e matrix.Entry) error {
	var b strings.Builder
	switch e.Kind {
	case matrix.KindTechnique:
		technique(&b, m, e.Technique)
	case matrix.KindMitigation:
		mitigation(&b, e.Mitigation)
	case matrix.KindTactic:
		x := e.Tactic
		fmt.Fprintf(&b, "# %s\n\n- **ATT&CK**: %s %s\n- **Column**: %d of 10\n\n%s\n\n## Techniques\n\n", x.Name, x.Attack.ID, x.Attack.Name, x.Order, x.Summary)
		for _, t := range x.Techniques {
			fmt.Fprintf(&b, "- %s %s\n", t.ID, t.Name)
		}
	case matrix.KindRetired:
		r := e.Retired
		fmt.Fprintf(&b, "# %s %s (retired)\n\n- **Retired in**: matrix %s (%s)\n- **Merged into**: %s\n\n%s\n", r.ID, r.Name, r.Version, r.Date, r.Successor, r.Note)
	case matrix.KindAttackTechnique:
		a := e.AttackTechnique
		fmt.Fprintf(&b, "# %s %s\n\n- **Source**: MITRE ATT&CK Enterprise v%s\n- **Tactics**: %s\n\n## Matrix techniques\n\n", a.ID, a.Name, m.AttackVersion, strings.Join(a.Tactics, ", "))
		for _, t := range a.Techniques {
			fmt.Fprintf(&b, "- %s %s\n", t.ID, t.Name)
		}
	case matrix.KindAttackMitigation:
		a := e.AttackMitigation
		fmt.Fprintf(&b, "# %s %s\n\n- **Source**: MITRE ATT&CK Enterprise v%s\n\n## Matrix mitigations\n\n", a.ID, a.Name, m.AttackVersion)
		for _, x := range a.Mitigations {
			fmt.Fprintf(&b, "- %s %s\n", x.ID, x.Name)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func technique(b *strings.Builder, m *matrix.Matrix, x *matrix.Technique) {
	var tactics, attack []string
	for _, t := range x.Tactics {
		tactics = append(tactics, t.Name)
	}
	for _, r := range x.Attack {
		attack = append(attack, r.ID+" "+r.Name)
	}
	if len(attack) == 0 {
		attack = []string{"none"}
	}
	fmt.Fprintf(b, "# %s %s\n\n", x.ID, x.Name)
	fmt.Fprintf(b, "- **Tactics**: %s\n- **ATT&CK** (v%s): %s\n- **Since**: matrix %s\n", strings.Join(tactics, ", "), m.AttackVersion, strings.Join(attack, ", "), x.Since)
	if len(x.Aliases) > 0 {
		fmt.Fprintf(b, "- **Aliases**: %s\n", strings.Join(x.Aliases, ", "))
	}
	if len(x.FormerNames) > 0 {
		fmt.Fprintf(b, "- **Former names**: %s\n", strings.Join(x.FormerNames, ", "))
	}
	fmt.Fprintf(b, "\n%s\n\n## How it works\n\n%s\n\n## Where it applies\n\n%s\n\n## Detection\n\n%s\n", x.Summary, x.HowItWorks, x.WhereItApplies, x.Detection)
	if x.Notes != "" {
		fmt.Fprintf(b, "\n## Notes\n\n%s\n", x.Notes)
	}
	b.WriteString("\n## Mitigations\n\n")
	for _, l := range x.Mitigations {
		fmt.Fprintf(b, "- **%s %s**: %s\n", l.Mitigation.ID, l.Mitigation.Name, l.Note)
	}
}

func mitigation(b *strings.Builder, x *matrix.Mitigation) {
	fmt.Fprintf(b, "# %s %s\n\n", x.ID, x.Name)
	if x.Parent != nil {
		fmt.Fprintf(b, "- **Parent**: %s %s\n", x.Parent.ID, x.Parent.Name)
	}
	for _, c := range x.Children {
		fmt.Fprintf(b, "- **Sub-mitigation**: %s %s\n", c.ID, c.Name)
	}
	var attack []string
	for _, r := range x.Attack {
		attack = append(attack, r.ID+" "+r.Name)
	}
	if len(attack) == 0 {
		attack = []string{"none"}
	}
	fmt.Fprintf(b, "- **ATT&CK**: %s\n\n%s\n\n## With Kubernetes\n\n%s\n\n## On managed services\n\n%s\n", strings.Join(attack, ", "), x.Summary, x.WithKubernetes, x.OnManagedServices)
	if x.Example != "" {
		fmt.Fprintf(b, "\n## Example\n\n%s\n", x.Example)
	}
	b.WriteString("\n## Techniques addressed\n\n")
	for _, l := range x.Techniques {
		fmt.Fprintf(b, "- **%s %s**: %s\n", l.Technique.ID, l.Technique.Name, l.Note)
	}
}

// WriteSearchText writes ranked search results for a terminal.
func WriteSearchText(w io.Writer, query string, results []matrix.Result, opts TextOptions) error {
	width := opts.Width
	if width <= 0 {
		width = 80
	}
	var b strings.Builder
	if len(results) == 0 {
		fmt.Fprintf(&b, "No results for %q. Try fewer or shorter words, an ID such as MS-TA9013, or an ATT&CK ID such as T1610.\n", query)
		_, err := io.WriteString(w, b.String())
		return err
	}
	fmt.Fprintf(&b, "%d results for %q\n", len(results), query)
	for i, r := range results {
		fmt.Fprintf(&b, "\n%2d. %-12s %s  [%s, matched %s]\n", i+1, r.ID, r.Name, r.Kind, r.Matched)
		if r.Snippet != "" {
			b.WriteString(wrapIndent(inline(r.Snippet), width, "    ", "    "))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteSearchJSON writes ranked search results as JSON.
func WriteSearchJSON(w io.Writer, query string, results []matrix.Result) error {
	if results == nil {
		results = []matrix.Result{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(map[string]any{"query": query, "results": results})
}

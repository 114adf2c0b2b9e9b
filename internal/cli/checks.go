package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/kubethreat/kubethreat/check"
	"github.com/kubethreat/kubethreat/matrix"
)

func init() { commands = append(commands, newChecksCommand) }

// checksFormats are the output formats of the checks command.
var checksFormats = []string{"table", "json", "markdown"}

func newChecksCommand(e *env) *cobra.Command {
	var format string
	var filters []string
	cmd := &cobra.Command{
		Use:   "checks [--for ID]...",
		Short: "List the checks a scan runs, with their severity, techniques and mitigations",
		Long: "List the built-in checks: the IDs that scan --checks and --skip-checks, suppressions\n" +
			"and the exceptions file name, with each check's severity, the techniques it detects\n" +
			"exposure to and the mitigations it looks for. --for keeps the checks of a technique,\n" +
			"mitigation or tactic, given by ID or name, or of the matrix techniques and mitigations\n" +
			"an ATT&CK ID maps to.",
		Example: "  kubethreat checks\n  kubethreat checks --for MS-TA9013 --for MS-M9025\n  kubethreat checks -o json",
		Args:    exactArgs(0, "checks takes no arguments; use --for ID to filter"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkFormat(&format, checksFormats...); err != nil {
				return err
			}
			m, err := e.matrix()
			if err != nil {
				return err
			}
			checks, err := filterChecks(m, check.All(), filters)
			if err != nil {
				return err
			}
			return writeChecks(e.stdout, format, checks)
		},
	}
	cmd.Flags().StringVarP(&format, "output", "o", "table", "output format: "+strings.Join(checksFormats, ", "))
	cmd.Flags().StringArrayVar(&filters, "for", nil, "keep the checks of this technique, mitigation, tactic or ATT&CK ID, by ID or name (repeatable)")
	return cmd
}

// filterChecks keeps the checks that name one of the techniques or
// mitigations the filters resolve to, where a tactic means all of its
// techniques. Without filters it returns every check.
func filterChecks(m *matrix.Matrix, all []*check.Check, filters []string) ([]*check.Check, error) {
	if len(filters) == 0 {
		return all, nil
	}
	selected := map[string]bool{}
	for _, f := range filters {
		entry, err := m.Resolve(f)
		if err != nil {
			return nil, &exitError{code: ExitUsage, err: fmt.Errorf("invalid --for: %w", err)}
		}
		switch entry.Kind {
		case matrix.KindTechnique:
			selected[entry.Technique.ID] = true
		case matrix.KindMitigation:
			selected[entry.Mitigation.ID] = true
		case matrix.KindTactic:
			for _, t := range m.Techniques {
				for _, tac := range t.Tactics {
					if tac == entry.Tactic {
						selected[t.ID] = true
					}
				}
			}
		case matrix.KindAttackTechnique:
			for _, t := range entry.AttackTechnique.Techniques {
				selected[t.ID] = true
			}
		case matrix.KindAttackMitigation:
			for _, x := range entry.AttackMitigation.Mitigations {
				selected[x.ID] = true
			}
		case matrix.KindRetired:
			return nil, usageErrorf("invalid --for %q: %s is retired; use %s", f, entry.Retired.ID, entry.Retired.Successor)
		default:
			return nil, usageErrorf("invalid --for %q: give a technique, mitigation or tactic of the matrix, or an ATT&CK technique or mitigation", f)
		}
	}
	var out []*check.Check
	for _, c := range all {
		for _, id := range append(append([]string{}, c.Techniques...), c.Mitigations...) {
			if selected[id] {
				out = append(out, c)
				break
			}
		}
	}
	return out, nil
}

// checkListing is the JSON form of a check in the listing.
type checkListing struct {
	ID          string   `json:"id"`
	Title       string   `json:"title"`
	Severity    string   `json:"severity"`
	Techniques  []string `json:"techniques"`
	Mitigations []string `json:"mitigations"`
	Prevention  bool     `json:"prevention,omitempty"`
	PSS         string   `json:"pss,omitempty"`
	Needs       []string `json:"needs,omitempty"`
}

func writeChecks(w io.Writer, format string, checks []*check.Check) error {
	switch format {
	case "json":
		out := make([]checkListing, 0, len(checks))
		for _, c := range checks {
			out = append(out, checkListing{
				ID: c.ID, Title: c.Title, Severity: c.Severity.String(),
				Techniques: orEmptyStrings(c.Techniques), Mitigations: orEmptyStrings(c.Mitigations),
				Prevention: c.Prevention, PSS: c.PSS, Needs: c.Needs,
			})
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	case "markdown":
		fmt.Fprintln(w, "| Check | Severity | Techniques | Mitigations | Title |")
		fmt.Fprintln(w, "| --- | --- | --- | --- | --- |")
		for _, c := range checks {
			fmt.Fprintf(w, "| `%s` | %s | %s | %s | %s |\n", c.ID, c.Severity,
				strings.Join(c.Techniques, ", "), strings.Join(c.Mitigations, ", "), strings.ReplaceAll(c.Title, "|", `\|`))
		}
		return nil
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "CHECK\tSEVERITY\tTECHNIQUES\tMITIGATIONS\tTITLE")
	for _, c := range checks {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", c.ID, c.Severity,
			dashIfEmpty(strings.Join(c.Techniques, ",")), dashIfEmpty(strings.Join(c.Mitigations, ",")), c.Title)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	noun := "checks"
	if len(checks) == 1 {
		noun = "check"
	}
	_, err := fmt.Fprintf(w, "%d %s\n", len(checks), noun)
	return err
}

func orEmptyStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func dashIfEmpty(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

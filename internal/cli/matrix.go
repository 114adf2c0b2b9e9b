package cli

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/kubethreat/kubethreat/internal/kbview"
	"github.com/kubethreat/kubethreat/matrix"
)

func init() { commands = append(commands, newMatrixCommand) }

func newMatrixCommand(e *env) *cobra.Command {
	var (
		ids     bool
		tactics []string
		format  string
		width   int
	)
	cmd := &cobra.Command{
		Use:   "matrix",
		Short: "Print the Threat Matrix for Kubernetes",
		Long: "Print the matrix: one column per tactic, with its techniques in matrix order.\n" +
			"In a terminal narrower than the ten columns need, the table is printed in bands\n" +
			"of as many tactics as fit; --tactic shows chosen columns only.",
		Example: "  kubethreat matrix\n  kubethreat matrix --ids --tactic persistence\n  kubethreat matrix -o markdown",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkFormat(&format, "table", "json", "yaml", "csv", "markdown"); err != nil {
				return err
			}
			m, err := e.matrix()
			if err != nil {
				return err
			}
			cols, err := selectTactics(m, tactics)
			if err != nil {
				return err
			}
			switch format {
			case "json":
				return kbview.WriteMatrixJSON(e.stdout, cols)
			case "yaml":
				return kbview.WriteMatrixYAML(e.stdout, cols)
			case "csv":
				return kbview.WriteMatrixCSV(e.stdout, cols)
			case "markdown":
				return kbview.WriteMatrixMarkdown(e.stdout, cols, ids)
			}
			if width <= 0 {
				width = terminalWidth(e.stdout, 80)
			}
			return kbview.WriteMatrixTable(e.stdout, cols, kbview.MatrixOptions{IDs: ids, Width: width})
		},
	}
	cmd.Flags().BoolVar(&ids, "ids", false, "show technique IDs")
	cmd.Flags().StringSliceVar(&tactics, "tactic", nil, "show only these tactics, by name or slug (repeatable, or comma-separated)")
	cmd.Flags().StringVarP(&format, "output", "o", "table", "output format: table, json, yaml, csv or markdown")
	cmd.Flags().IntVar(&width, "width", 0, "table width in columns (default: the terminal's width, or 80)")
	return cmd
}

// selectTactics returns the tactics named, in matrix order, or all of them.
func selectTactics(m *matrix.Matrix, names []string) ([]*matrix.Tactic, error) {
	if len(names) == 0 {
		return m.Tactics, nil
	}
	want := map[*matrix.Tactic]bool{}
	for _, n := range names {
		t, ok := m.Tactic(n)
		if !ok {
			var slugs []string
			for _, t := range m.Tactics {
				slugs = append(slugs, t.Slug)
			}
			return nil, usageErrorf("unknown tactic %q; use one of %s", n, strings.Join(slugs, ", "))
		}
		want[t] = true
	}
	var out []*matrix.Tactic
	for _, t := range m.Tactics {
		if want[t] {
			out = append(out, t)
		}
	}
	return out, nil
}

package cli

import (
	"errors"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kubethreat/kubethreat/internal/kbview"
	"github.com/kubethreat/kubethreat/matrix"
)

func init() { commands = append(commands, newShowCommand) }

func newShowCommand(e *env) *cobra.Command {
	var format string
	var width int
	cmd := &cobra.Command{
		Use:   "show ID",
		Short: "Show a technique, mitigation, tactic or ATT&CK ID",
		Long: "Show one entry of the knowledge base. ID is a technique (MS-TA9016), a mitigation\n" +
			"(MS-M9025), a tactic (persistence, TA0003), a retired technique (MS-TA9032), or an\n" +
			"ATT&CK technique or mitigation (T1610, M1035), which lists the matrix entries mapped to it.\n" +
			"An exact technique or mitigation name, alias or former name works too.",
		Example: "  kubethreat show MS-TA9016\n  kubethreat show T1610\n  kubethreat show MS-M9025 -o markdown",
		Args:    exactArgs(1, "show takes one ID, such as MS-TA9016"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkFormat(&format, "text", "json", "yaml", "markdown"); err != nil {
				return err
			}
			if strings.TrimSpace(args[0]) == "" {
				return usageErrorf("show needs an ID or a name, such as MS-TA9016 or \"Writable hostPath mount\"; to find one, run kubethreat search")
			}
			m, err := e.matrix()
			if err != nil {
				return err
			}
			entry, err := m.Resolve(args[0])
			var nf *matrix.NotFoundError
			if errors.As(err, &nf) {
				return &exitError{code: ExitUsage, err: err}
			}
			if err != nil {
				return err
			}
			switch format {
			case "json":
				return kbview.WriteEntryJSON(e.stdout, m, entry)
			case "yaml":
				return kbview.WriteEntryYAML(e.stdout, m, entry)
			case "markdown":
				return kbview.WriteEntryMarkdown(e.stdout, m, entry)
			}
			if width <= 0 {
				width = terminalWidth(e.stdout, 80)
			}
			return kbview.WriteEntryText(e.stdout, m, entry, kbview.TextOptions{Width: width, Color: isTerminal(e.stdout)})
		},
	}
	cmd.Flags().StringVarP(&format, "output", "o", "text", "output format: text, json, yaml or markdown")
	cmd.Flags().IntVar(&width, "width", 0, "wrap width in columns (default: the terminal's width, or 80)")
	return cmd
}

// exactArgs returns a cobra argument validator whose error exits with
// ExitUsage and names the arguments the command expects.
func exactArgs(n int, hint string) cobra.PositionalArgs {
	return func(_ *cobra.Command, args []string) error {
		if len(args) != n {
			return usageErrorf("expected %d argument(s), got %d: %s", n, len(args), hint)
		}
		return nil
	}
}

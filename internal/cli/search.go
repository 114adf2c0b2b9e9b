package cli

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/kubethreat/kubethreat/internal/kbview"
)

func init() { commands = append(commands, newSearchCommand) }

// maxQuery is the longest search text accepted, in characters: longer than
// any name or phrase in the knowledge base, short enough to echo back.
const maxQuery = 200

func newSearchCommand(e *env) *cobra.Command {
	var format string
	var limit int
	cmd := &cobra.Command{
		Use:   "search TEXT...",
		Short: "Search names, aliases, IDs and prose of the knowledge base",
		Long: "Search the knowledge base. Every word must match somewhere: in an ID, a name, an\n" +
			"alias or former name, an ATT&CK mapping or the prose. Results are ranked: matches\n" +
			"in IDs and names come before matches in prose.",
		Example: "  kubethreat search hostPath\n  kubethreat search \"service account\"\n  kubethreat search T1552 -o json",
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usageErrorf("search needs some text to look for, such as: kubethreat search hostPath")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkFormat(&format, "text", "json"); err != nil {
				return err
			}
			if limit < 0 {
				return usageErrorf("--limit must be 0 (no limit) or more, got %d", limit)
			}
			m, err := e.matrix()
			if err != nil {
				return err
			}
			query := strings.Join(args, " ")
			if strings.TrimSpace(query) == "" {
				return usageErrorf("search needs some text to look for, such as: kubethreat search hostPath")
			}
			if n := len([]rune(query)); n > maxQuery {
				return usageErrorf("the search text is %d characters long; use at most %d", n, maxQuery)
			}
			results := m.Search(query, limit)
			if format == "json" {
				return kbview.WriteSearchJSON(e.stdout, query, results)
			}
			return kbview.WriteSearchText(e.stdout, query, results, kbview.TextOptions{Width: terminalWidth(e.stdout, 80)})
		},
	}
	cmd.Flags().StringVarP(&format, "output", "o", "text", "output format: text or json")
	cmd.Flags().IntVar(&limit, "limit", 10, "maximum number of results; 0 for all")
	return cmd
}

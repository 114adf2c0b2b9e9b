package cli

import (
	"bufio"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/kubethreat/kubethreat/matrix"
)

func init() { commands = append(commands, newExportCommand) }

func newExportCommand(e *env) *cobra.Command {
	var outFile string
	cmd := &cobra.Command{
		Use:   "export json|yaml|csv|stix",
		Short: "Write the whole knowledge base",
		Long: "Write every tactic, technique, mitigation, link, retired ID, ATT&CK mapping and\n" +
			"release of the matrix. The JSON and YAML follow docs/schema/kb-v1.schema.json;\n" +
			"the CSV has one row per entry; stix writes a STIX 2.1 bundle that ATT&CK Navigator\n" +
			"loads as custom data.",
		Example:   "  kubethreat export json > kb.json\n  kubethreat export csv --output-file kb.csv\n  kubethreat export stix --output-file matrix.stix.json",
		ValidArgs: []string{"json", "yaml", "csv", "stix"},
		Args:      exactArgs(1, "export takes a format: json, yaml, csv or stix"),
		RunE: func(cmd *cobra.Command, args []string) error {
			write := map[string]func(io.Writer, *matrix.Matrix) error{
				"json": matrix.WriteJSON,
				"yaml": matrix.WriteYAML,
				"csv":  matrix.WriteCSV,
				"stix": writeSTIXBundle,
			}[args[0]]
			if write == nil {
				return usageErrorf("unknown export format %q; use json, yaml, csv or stix", args[0])
			}
			m, err := e.matrix()
			if err != nil {
				return err
			}
			if outFile == "" || outFile == "-" {
				return write(e.stdout, m)
			}
			return writeFile(outFile, func(w io.Writer) error { return write(w, m) })
		},
	}
	cmd.Flags().StringVar(&outFile, "output-file", "", "write to this file instead of standard output")
	return cmd
}

// writeFile writes through a buffer into a new file and reports the first
// error, including the one from closing the file.
func writeFile(path string, write func(io.Writer) error) (err error) {
	f, err := os.Create(path)
	if err != nil {
		return &exitError{code: ExitUsage, err: fmt.Errorf("cannot create output file: %w", err)}
	}
	defer func() {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("writing %s: %w", path, cerr)
		}
	}()
	bw := bufio.NewWriter(f)
	if err := write(bw); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return bw.Flush()
}

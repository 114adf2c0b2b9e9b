package cli

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
)

func init() { commands = append(commands, newVersionCommand) }

func newVersionCommand(e *env) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the kubethreat version and the matrix and ATT&CK versions it embeds",
		Args:  exactArgs(0, "version takes no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			m, err := e.matrix()
			if err != nil {
				return err
			}
			_, err = fmt.Fprintf(e.stdout, "kubethreat %s\nThreat Matrix for Kubernetes %s (upstream commit %.12s)\nMITRE ATT&CK Enterprise v%s\n%s%s\n",
				Version, m.Version, m.SourceCommit, m.AttackVersion, revision(), runtime.Version())
			return err
		},
	}
}

// revision returns "commit <hash>, " from the build's VCS stamp, or "" when
// the binary was built without one, as by go run.
func revision() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return ""
	}
	for _, s := range info.Settings {
		if s.Key == "vcs.revision" && len(s.Value) >= 12 {
			return "commit " + s.Value[:12] + ", "
		}
	}
	return ""
}

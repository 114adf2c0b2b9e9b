// Package cli holds the kubethreat commands: one file per command, with
// flags and wiring only. The work is done by the packages they call.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/kubethreat/kubethreat/matrix"
)

// Exit codes, shared by every command.
const (
	ExitOK       = 0 // success, and no finding at or above --fail-on
	ExitFindings = 1 // findings at or above --fail-on
	ExitUsage    = 2 // usage error, unknown ID or unreadable input
)

// Version is the kubethreat version, set at build time with
// -ldflags "-X github.com/kubethreat/kubethreat/internal/cli.Version=v1.2.3".
var Version = "dev"

// env carries what every command needs: the streams and the knowledge base.
type env struct {
	ctx    context.Context
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	matrix func() (*matrix.Matrix, error)
}

// isTerminal reports whether w is a terminal, for colour and progress.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// terminalWidth returns the width of w if it is a terminal, and def if not.
func terminalWidth(w io.Writer, def int) int {
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		if width, _, err := term.GetSize(int(f.Fd())); err == nil && width > 0 {
			return width
		}
	}
	return def
}

// commands lists the constructors of the top-level commands. Each command
// file adds its own in an init function.
var commands []func(*env) *cobra.Command

// exitError carries an exit code through cobra's error return.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.err.Error()
}
func (e *exitError) Unwrap() error { return e.err }

// usageErrorf returns an error that exits with ExitUsage.
func usageErrorf(format string, args ...any) error {
	return &exitError{code: ExitUsage, err: fmt.Errorf(format, args...)}
}

// silentExit returns an error that sets the exit code and prints nothing,
// for commands that have already reported their outcome.
func silentExit(code int) error { return &exitError{code: code} }

func newRoot(e *env) *cobra.Command {
	root := &cobra.Command{
		Use:   "kubethreat",
		Short: "Map Kubernetes clusters and detections to the Threat Matrix for Kubernetes",
		Long: "kubethreat is the Threat Matrix for Kubernetes as a working tool: browse the matrix,\n" +
			"scan manifests and clusters for the techniques they expose, measure detection coverage\n" +
			"and plan mitigations.",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetIn(e.stdin)
	root.SetOut(e.stdout)
	root.SetErr(e.stderr)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		return &exitError{code: ExitUsage, err: err}
	})
	var subs []*cobra.Command
	for _, newCmd := range commands {
		subs = append(subs, newCmd(e))
	}
	sort.Slice(subs, func(i, j int) bool { return subs[i].Name() < subs[j].Name() })
	root.AddCommand(subs...)
	return root
}

// Run executes kubethreat with the arguments (without the program name) and
// returns the process exit code. A panic in a command is recovered and
// reported as an internal error with exit code 2.
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) (code int) {
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintf(stderr, "kubethreat: internal error: %v\nPlease report this with the command you ran.\n", r)
			code = ExitUsage
		}
	}()
	e := &env{ctx: ctx, stdin: stdin, stdout: stdout, stderr: stderr, matrix: matrix.Default}
	root := newRoot(e)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return ExitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil {
			fmt.Fprintf(stderr, "kubethreat: %v\n", ee.err)
		}
		return ee.code
	}
	fmt.Fprintf(stderr, "kubethreat: %v\n", err)
	// cobra reports unknown commands and bad arguments as plain errors.
	return ExitUsage
}

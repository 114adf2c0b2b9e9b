package cli

import (
	"log/slog"
	"net"

	"github.com/spf13/cobra"

	"github.com/kubethreat/kubethreat/web"
)

func init() { commands = append(commands, newServeCommand) }

func newServeCommand(e *env) *cobra.Command {
	var (
		addr      string
		accessLog bool
		logFormat string
	)
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the matrix as a web site and a JSON API",
		Long: "serve starts a web server with the matrix, every technique, mitigation and tactic,\n" +
			"the MITRE ATT&CK cross-walk, search and a JSON API under /api/v1/.\n" +
			"It listens on the loopback interface unless --addr names another address,\n" +
			"and stops cleanly on SIGINT or SIGTERM.",
		Example: "  kubethreat serve\n  kubethreat serve --addr 127.0.0.1:9000",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if _, _, err := net.SplitHostPort(addr); err != nil {
				return usageErrorf("invalid --addr %q: %v; use host:port, such as 127.0.0.1:8080", addr, err)
			}
			logger, err := newLogger(e, logFormat)
			if err != nil {
				return err
			}
			m, err := e.matrix()
			if err != nil {
				return err
			}
			site, err := web.New(web.Options{Matrix: m, Logger: logger, AccessLog: accessLog})
			if err != nil {
				return err
			}
			return web.ListenAndServe(e.ctx, addr, site, logger)
		},
	}
	cmd.Flags().StringVar(&addr, "addr", "127.0.0.1:8080", "address to listen on, host:port; the default accepts local connections only")
	cmd.Flags().BoolVar(&accessLog, "access-log", true, "log one line per request (method, path, status, bytes, duration)")
	cmd.Flags().StringVar(&logFormat, "log-format", "text", "log format on standard error: text or json")
	return cmd
}

// newLogger returns a logger that writes to the command's standard error.
func newLogger(e *env, format string) (*slog.Logger, error) {
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(e.stderr, nil)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(e.stderr, nil)), nil
	}
	return nil, usageErrorf("invalid --log-format %q; use text or json", format)
}

package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kubethreat/kubethreat/check"
	"github.com/kubethreat/kubethreat/store"
	"github.com/kubethreat/kubethreat/web"
)

func init() { commands = append(commands, newServeCommand) }

// serveFlags are the flags of the serve command.
type serveFlags struct {
	addr        string
	accessLog   bool
	logFormat   string
	assessments []string
	db          string
	allowUpload bool
	maxUpload   string
}

func newServeCommand(e *env) *cobra.Command {
	f := &serveFlags{}
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the matrix as a web site and a JSON API",
		Long: "serve starts a web server with the matrix, every technique, mitigation and tactic,\n" +
			"the MITRE ATT&CK cross-walk, search and a JSON API under /api/v1/.\n" +
			"It listens on the loopback interface unless --addr names another address,\n" +
			"and stops cleanly on SIGINT or SIGTERM.\n\n" +
			"Assessments show a scan result or a coverage document on the matrix, with the\n" +
			"evidence per technique, a mitigation plan and the history per source. Load them\n" +
			"with --assessment, or let clients upload them with --allow-upload.\n\n" +
			"Assessments are kept in --db: memory (the default without --allow-upload, lost on\n" +
			"exit), sqlite:PATH (the default with --allow-upload is " + defaultDBHint() + "),\n" +
			"or a postgres:// URL that several serve replicas can share.\n\n" +
			"Uploads have no authentication: anyone who can reach the server can store\n" +
			"assessments. Enable them only behind an authenticating proxy or on a trusted network.",
		Example: "  kubethreat serve\n" +
			"  kubethreat serve --addr 127.0.0.1:9000\n" +
			"  kubethreat serve --assessment scan.json --assessment coverage.json,scan.json\n" +
			"  kubethreat serve --allow-upload --db postgres://kt@db.internal:5432/kubethreat",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runServe(e, f) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.addr, "addr", "127.0.0.1:8080", "address to listen on, host:port; the default accepts local connections only")
	fl.BoolVar(&f.accessLog, "access-log", true, "log one line per request (method, path, status, bytes, duration)")
	fl.StringVar(&f.logFormat, "log-format", "text", "log format on standard error: text or json")
	fl.StringArrayVar(&f.assessments, "assessment", nil,
		"scan result (scan -o json) or coverage document (coverage -o json) to show; COVERAGE,SCAN pairs a coverage document with its scan result (repeatable)")
	fl.StringVar(&f.db, "db", "", "assessment store: memory, sqlite:PATH or postgres://USER@HOST:PORT/DB (default: memory, or sqlite in the user cache folder with --allow-upload)")
	fl.BoolVar(&f.allowUpload, "allow-upload", false, "accept assessments from the upload form and POST /api/v1/assessments (no authentication; see --help)")
	fl.StringVar(&f.maxUpload, "max-upload", "10MiB", "largest upload accepted, in bytes or with a KiB, MiB or GiB suffix")
	return cmd
}

func runServe(e *env, f *serveFlags) error {
	if err := checkListenAddr(f.addr); err != nil {
		return usageErrorf("invalid --addr %q: %v; use host:port, such as 127.0.0.1:8080", f.addr, err)
	}
	maxUpload, err := parseByteSize(f.maxUpload)
	if err != nil {
		return usageErrorf("invalid --max-upload %q: %v", f.maxUpload, err)
	}
	loc, err := storeLocation(f.db, f.allowUpload)
	if err != nil {
		return usageErrorf("invalid --db: %v", err)
	}
	logger, err := newLogger(e, f.logFormat)
	if err != nil {
		return err
	}
	m, err := e.matrix()
	if err != nil {
		return err
	}

	st, err := store.OpenLocation(e.ctx, loc, store.Options{})
	if err != nil {
		return fmt.Errorf("opening the assessment store: %w", err)
	}
	defer st.Close()
	logger.Info("assessment store", "db", loc.String(), "uploads", f.allowUpload)

	site, err := web.New(web.Options{
		Matrix: m, Logger: logger, AccessLog: f.accessLog,
		Store: st, Checks: check.All(), AllowUpload: f.allowUpload, MaxUploadBytes: maxUpload,
	})
	if err != nil {
		return err
	}
	if err := importAssessments(e.ctx, site, f.assessments, logger); err != nil {
		return err
	}
	return web.ListenAndServe(e.ctx, f.addr, site, logger)
}

// storeLocation picks the assessment store: the --db flag, else a SQLite
// file when uploads must persist, else memory.
func storeLocation(db string, allowUpload bool) (store.Location, error) {
	if db != "" {
		return store.ParseDSN(db)
	}
	if !allowUpload {
		return store.Location{Kind: store.KindMemory}, nil
	}
	path, err := store.DefaultSQLitePath()
	if err != nil {
		return store.Location{}, err
	}
	return store.Location{Kind: store.KindSQLite, Path: path}, nil
}

// defaultDBHint names the default SQLite file for the help text.
func defaultDBHint() string {
	path, err := store.DefaultSQLitePath()
	if err != nil {
		return "kubethreat/kubethreat.db in the user cache folder"
	}
	return path
}

// importAssessments stores the --assessment files. Each is a scan result,
// a coverage document, or "COVERAGE,SCAN": a coverage document with the
// scan result it was computed from.
func importAssessments(ctx context.Context, site *web.Site, args []string, logger *slog.Logger) error {
	for _, arg := range args {
		files := strings.Split(arg, ",")
		if _, err := os.Stat(arg); err == nil {
			files = []string{arg} // a file whose name has a comma
		}
		if len(files) > 2 || files[0] == "" {
			return usageErrorf("invalid --assessment %q; use FILE or COVERAGE,SCAN", arg)
		}
		var u web.Upload
		var err error
		if u.Document, err = os.ReadFile(files[0]); err != nil {
			return usageErrorf("cannot read --assessment: %v", err)
		}
		if len(files) == 2 {
			if u.Scan, err = os.ReadFile(files[1]); err != nil {
				return usageErrorf("cannot read --assessment: %v", err)
			}
		}
		id, err := site.Import(ctx, u)
		var invalid *web.Error
		if errors.As(err, &invalid) && invalid.Status == http.StatusBadRequest {
			return usageErrorf("invalid --assessment %s: %s", arg, invalid.Message)
		}
		if err != nil {
			return fmt.Errorf("storing --assessment %s: %w", arg, err)
		}
		logger.Info("assessment loaded", "file", arg, "id", id, "url", fmt.Sprintf("/assessments/%d", id))
	}
	return nil
}

// parseByteSize reads a size such as 10485760, 512KiB, 10MiB or 1GiB.
func parseByteSize(s string) (int64, error) {
	units := []struct {
		suffix string
		factor int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"B", 1}}
	factor := int64(1)
	num := strings.TrimSpace(s)
	for _, u := range units {
		if strings.HasSuffix(num, u.suffix) {
			num, factor = strings.TrimSpace(strings.TrimSuffix(num, u.suffix)), u.factor
			break
		}
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("want a positive number of bytes, such as 10MiB or 1048576")
	}
	if n > (1<<40)/factor {
		return 0, fmt.Errorf("the size is larger than 1 TiB")
	}
	return n * factor, nil
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

// checkListenAddr rejects an address that cannot be listened on before
// anything is opened: a port outside 0 to 65535 or not a number, or a host
// that looks like an IP address but is not one. Host names are left to the
// resolver.
func checkListenAddr(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return err
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 0 || n > 65535 {
		return fmt.Errorf("port %q is not a number from 0 to 65535", port)
	}
	looksNumeric := host != "" && strings.Trim(host, "0123456789.") == ""
	if looksNumeric && net.ParseIP(host) == nil {
		return fmt.Errorf("host %q is not a valid IP address", host)
	}
	return nil
}

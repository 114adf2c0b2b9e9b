// Package store keeps assessments, the coverage and scan documents that
// kubethreat serve shows, with their history per source. It has two
// backends behind one SQL schema: SQLite (pure Go, modernc.org/sqlite) for
// one server, and PostgreSQL (pgx) for teams that run several serve
// replicas on one database.
//
// Assessments are immutable once stored, and their IDs come from the
// database, so replicas may cache anything they derive from an ID.
package store

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unicode/utf8"
)

// ErrNotFound is returned by Get for an ID that no assessment has.
var ErrNotFound = errors.New("assessment not found")

// Limits on what Put accepts and List returns.
const (
	MaxSourceLength = 200  // bytes
	MaxKindLength   = 32   // bytes
	DefaultLimit    = 50   // List results when Filter.Limit is 0
	MaxLimit        = 500  // List results at most
	HistoryLimit    = 1000 // History returns at most this many, the newest
)

// DefaultQueryTimeout bounds every query when Options.QueryTimeout is zero.
const DefaultQueryTimeout = 10 * time.Second

// Counts summarizes an assessment: how many techniques have each exposure
// and each detection coverage level.
type Counts struct {
	Techniques    int `json:"techniques"`
	Exposed       int `json:"exposed"`
	NotObserved   int `json:"not_observed"`
	NotEvaluated  int `json:"not_evaluated"`
	NotAssessable int `json:"not_assessable"`
	Covered       int `json:"covered"`
	Partial       int `json:"partial"`
	None          int `json:"none"`
}

// Summary is an assessment without its document: what lists and history
// show. The store keeps these fields in indexed columns.
type Summary struct {
	ID            int64
	Source        string    // the cluster or input the assessment is about
	Kind          string    // the uploaded document type, such as "scan" or "coverage"
	MatrixVersion string    // the matrix version the assessment was computed with
	CreatedAt     time.Time // when the assessment was taken, in UTC
	Counts        Counts
}

// Assessment is a stored assessment: its summary and its JSON document.
type Assessment struct {
	Summary
	Document []byte
}

// Filter selects the assessments that List returns, newest first.
type Filter struct {
	Source string // only this source; "" for every source
	Limit  int    // 0 means DefaultLimit; more than MaxLimit is cut to MaxLimit
	Offset int    // how many of the newest to skip, for paging
}

// Store keeps assessments. Implementations are safe for concurrent use, by
// several goroutines and, with PostgreSQL, by several processes.
type Store interface {
	// Put stores an assessment and returns its ID. Storing a document that
	// is already stored for the same source returns the existing ID and
	// leaves the stored one unchanged. A zero CreatedAt means now.
	Put(ctx context.Context, a Assessment) (int64, error)

	// Get returns the assessment with the ID, or ErrNotFound.
	Get(ctx context.Context, id int64) (*Assessment, error)

	// List returns summaries, newest first.
	List(ctx context.Context, f Filter) ([]Summary, error)

	// History returns the summaries of one source, oldest first: at most
	// HistoryLimit, the newest ones.
	History(ctx context.Context, source string) ([]Summary, error)

	// Secret returns a random 32-byte secret under a name, created on first
	// use. Processes that share the database share the secret.
	Secret(ctx context.Context, name string) ([]byte, error)

	// Close releases the database.
	Close() error
}

// Options configures Open.
type Options struct {
	// QueryTimeout bounds each query; zero means DefaultQueryTimeout.
	QueryTimeout time.Duration
}

// Backends that Open accepts, as Kind reports them.
const (
	KindMemory   = "memory"
	KindSQLite   = "sqlite"
	KindPostgres = "postgres"
)

// Location is a parsed data source name.
type Location struct {
	Kind string // KindMemory, KindSQLite or KindPostgres
	Path string // the SQLite file, for KindSQLite
	URL  string // the connection URL, for KindPostgres
}

// String returns the location without a password, for logs.
func (l Location) String() string {
	switch l.Kind {
	case KindSQLite:
		return "sqlite:" + l.Path
	case KindPostgres:
		return redactURL(l.URL)
	}
	return l.Kind
}

// ParseDSN reads a data source name:
//
//   - "memory": an in-memory SQLite database, lost when the process exits;
//   - "sqlite:PATH": a SQLite database file, created if missing;
//   - "postgres://..." or "postgresql://...": a PostgreSQL connection URL,
//     as libpq and pgx accept it.
func ParseDSN(dsn string) (Location, error) {
	switch {
	case dsn == KindMemory:
		return Location{Kind: KindMemory}, nil
	case strings.HasPrefix(dsn, "sqlite:"):
		path := strings.TrimPrefix(dsn, "sqlite:")
		if path == "" {
			return Location{}, errors.New("invalid database sqlite: without a path; use sqlite:PATH, such as sqlite:kubethreat.db")
		}
		return Location{Kind: KindSQLite, Path: path}, nil
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		return Location{Kind: KindPostgres, URL: dsn}, nil
	}
	return Location{}, fmt.Errorf("invalid database %q; use memory, sqlite:PATH or postgres://USER@HOST:PORT/DB", redactURL(dsn))
}

// DefaultSQLitePath returns the SQLite file used when a persistent store is
// needed and no database is named: kubethreat/kubethreat.db under the
// user's cache folder.
func DefaultSQLitePath() (string, error) {
	dir, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("finding the user cache folder for the default database: %w; name one with --db", err)
	}
	return filepath.Join(dir, "kubethreat", "kubethreat.db"), nil
}

// Open opens the store at a data source name (see ParseDSN) and brings its
// schema up to date.
func Open(ctx context.Context, dsn string, opts Options) (Store, error) {
	loc, err := ParseDSN(dsn)
	if err != nil {
		return nil, err
	}
	return OpenLocation(ctx, loc, opts)
}

// OpenLocation opens the store at a parsed location and brings its schema
// up to date.
func OpenLocation(ctx context.Context, loc Location, opts Options) (Store, error) {
	if opts.QueryTimeout <= 0 {
		opts.QueryTimeout = DefaultQueryTimeout
	}
	switch loc.Kind {
	case KindMemory:
		return openSQLite(ctx, "", opts)
	case KindSQLite:
		return openSQLite(ctx, loc.Path, opts)
	case KindPostgres:
		return openPostgres(ctx, loc.URL, opts)
	}
	return nil, fmt.Errorf("unknown store kind %q", loc.Kind)
}

// validate reports what makes an assessment unfit to store.
func (a *Assessment) validate() error {
	var errs []error
	switch {
	case a.Source == "":
		errs = append(errs, errors.New("source is empty"))
	case len(a.Source) > MaxSourceLength:
		errs = append(errs, fmt.Errorf("source is longer than %d bytes", MaxSourceLength))
	case !utf8.ValidString(a.Source):
		errs = append(errs, errors.New("source is not valid UTF-8"))
	}
	if a.Kind == "" || len(a.Kind) > MaxKindLength {
		errs = append(errs, fmt.Errorf("kind %q must have 1 to %d bytes", a.Kind, MaxKindLength))
	}
	if len(a.Document) == 0 {
		errs = append(errs, errors.New("document is empty"))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("invalid assessment: %w", err)
	}
	return nil
}

// redactURL hides the password of a connection URL, in its user
// information or in a password query parameter.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" {
		return raw
	}
	if q := u.Query(); q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.Redacted()
}

package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
	_ "modernc.org/sqlite"             // registers the "sqlite" database/sql driver
)

// sqlStore is the Store on a database/sql connection pool; the dialect
// holds what differs between SQLite and PostgreSQL.
type sqlStore struct {
	db      *sql.DB
	d       dialect
	timeout time.Duration
}

// sqlitePragmas apply to every SQLite connection: wait for a lock instead
// of failing at once, write-ahead logging so that readers do not block the
// writer, and BEGIN IMMEDIATE so that a migration holds the write lock from
// its first statement.
const sqlitePragmas = "_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_txlock=immediate"

// openSQLite opens a SQLite database file, or an in-memory database when
// path is empty.
func openSQLite(ctx context.Context, path string, opts Options) (Store, error) {
	var dsn string
	if path == "" {
		dsn = "file::memory:"
	} else {
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, fmt.Errorf("creating the folder of the database %s: %w", path, err)
		}
		dsn = "file:" + escapeSQLitePath(path) + "?" + sqlitePragmas
	}
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("opening the SQLite database %s: %w", path, err)
	}
	if path == "" {
		// Each connection to :memory: is a database of its own, so the
		// pool must keep exactly one, and keep it open.
		db.SetMaxOpenConns(1)
		db.SetConnMaxIdleTime(0)
		db.SetConnMaxLifetime(0)
	} else {
		db.SetMaxOpenConns(4)
	}
	return newSQLStore(ctx, db, sqliteDialect, opts)
}

// escapeSQLitePath escapes the characters that end the path part of a
// SQLite URI filename.
func escapeSQLitePath(path string) string {
	return strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(filepath.ToSlash(path))
}

// openPostgres connects to PostgreSQL.
func openPostgres(ctx context.Context, connURL string, opts Options) (Store, error) {
	db, err := sql.Open("pgx", connURL)
	if err != nil {
		return nil, fmt.Errorf("opening PostgreSQL at %s: %w", redactURL(connURL), err)
	}
	db.SetMaxOpenConns(10)
	db.SetMaxIdleConns(5)
	db.SetConnMaxIdleTime(5 * time.Minute)
	pingCtx, cancel := context.WithTimeout(ctx, opts.QueryTimeout)
	defer cancel()
	if err := db.PingContext(pingCtx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connecting to PostgreSQL at %s: %w", redactURL(connURL), err)
	}
	return newSQLStore(ctx, db, postgresDialect, opts)
}

func newSQLStore(ctx context.Context, db *sql.DB, d dialect, opts Options) (Store, error) {
	err := migrate(ctx, db, d, opts.QueryTimeout)
	// SQLite can return SQLITE_BUSY at once, without waiting for
	// busy_timeout, while another process switches a new database file to
	// write-ahead logging. Such a migration is retried for a few seconds.
	for attempt := 1; err != nil && isSQLiteBusy(err) && attempt <= busyRetries; attempt++ {
		select {
		case <-ctx.Done():
			db.Close()
			return nil, ctx.Err()
		case <-time.After(time.Duration(attempt) * 20 * time.Millisecond):
		}
		err = migrate(ctx, db, d, opts.QueryTimeout)
	}
	if err != nil {
		db.Close()
		return nil, err
	}
	return &sqlStore{db: db, d: d, timeout: opts.QueryTimeout}, nil
}

// query returns a context bounded by the query timeout.
func (s *sqlStore) query(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, s.timeout)
}

const summaryColumns = `id, source, kind, matrix_version, created_at, techniques,
	exposed, not_observed, not_evaluated, not_assessable, covered, partial, uncovered`

func (s *sqlStore) Put(ctx context.Context, a Assessment) (int64, error) {
	if err := a.validate(); err != nil {
		return 0, err
	}
	if !json.Valid(a.Document) {
		return 0, errors.New("invalid assessment: the document is not valid JSON")
	}
	if a.CreatedAt.IsZero() {
		a.CreatedAt = time.Now()
	}
	doc := replaceNULEscapes(a.Document)
	sum := sha256.Sum256(doc)
	digest := hex.EncodeToString(sum[:])

	ctx, cancel := s.query(ctx)
	defer cancel()
	c := a.Counts
	var id int64
	err := s.db.QueryRowContext(ctx, s.d.bind(`INSERT INTO assessments (source, kind, matrix_version, created_at, digest,
		techniques, exposed, not_observed, not_evaluated, not_assessable, covered, partial, uncovered, document)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (source, digest) DO NOTHING
		RETURNING id`),
		a.Source, a.Kind, a.MatrixVersion, a.CreatedAt.UnixMicro(), digest,
		c.Techniques, c.Exposed, c.NotObserved, c.NotEvaluated, c.NotAssessable, c.Covered, c.Partial, c.None, doc,
	).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		// The document is stored already; return the ID it has.
		err = s.db.QueryRowContext(ctx, s.d.bind(`SELECT id FROM assessments WHERE source = ? AND digest = ?`),
			a.Source, digest).Scan(&id)
	}
	if err != nil {
		return 0, fmt.Errorf("storing the assessment of %q: %w", a.Source, err)
	}
	return id, nil
}

func (s *sqlStore) Get(ctx context.Context, id int64) (*Assessment, error) {
	ctx, cancel := s.query(ctx)
	defer cancel()
	row := s.db.QueryRowContext(ctx, s.d.bind(`SELECT `+summaryColumns+`, document FROM assessments WHERE id = ?`), id)
	var a Assessment
	err := scanSummary(row, &a.Summary, &a.Document)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("reading assessment %d: %w", id, err)
	}
	return &a, nil
}

func (s *sqlStore) List(ctx context.Context, f Filter) ([]Summary, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = DefaultLimit
	}
	limit = min(limit, MaxLimit)
	offset := max(f.Offset, 0)

	q := `SELECT ` + summaryColumns + ` FROM assessments`
	var args []any
	if f.Source != "" {
		q += ` WHERE source = ?`
		args = append(args, f.Source)
	}
	q += ` ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?`
	args = append(args, limit, offset)
	out, err := s.summaries(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("listing assessments: %w", err)
	}
	return out, nil
}

func (s *sqlStore) History(ctx context.Context, source string) ([]Summary, error) {
	q := `SELECT ` + summaryColumns + ` FROM (
		SELECT ` + summaryColumns + ` FROM assessments WHERE source = ?
		ORDER BY created_at DESC, id DESC LIMIT ?
	) AS recent ORDER BY created_at, id`
	out, err := s.summaries(ctx, q, source, HistoryLimit)
	if err != nil {
		return nil, fmt.Errorf("reading the history of %q: %w", source, err)
	}
	return out, nil
}

// summaries runs a query whose columns are summaryColumns.
func (s *sqlStore) summaries(ctx context.Context, query string, args ...any) ([]Summary, error) {
	ctx, cancel := s.query(ctx)
	defer cancel()
	rows, err := s.db.QueryContext(ctx, s.d.bind(query), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Summary{}
	for rows.Next() {
		var sum Summary
		if err := scanSummary(rows, &sum); err != nil {
			return nil, err
		}
		out = append(out, sum)
	}
	return out, rows.Err()
}

// scanSummary reads the summaryColumns of a row, followed by the extra
// destinations.
func scanSummary(row interface{ Scan(...any) error }, sum *Summary, extra ...any) error {
	var created int64
	c := &sum.Counts
	dest := []any{&sum.ID, &sum.Source, &sum.Kind, &sum.MatrixVersion, &created, &c.Techniques,
		&c.Exposed, &c.NotObserved, &c.NotEvaluated, &c.NotAssessable, &c.Covered, &c.Partial, &c.None}
	if err := row.Scan(append(dest, extra...)...); err != nil {
		return err
	}
	sum.CreatedAt = time.UnixMicro(created).UTC()
	return nil
}

func (s *sqlStore) Secret(ctx context.Context, name string) ([]byte, error) {
	value := make([]byte, 32)
	if _, err := rand.Read(value); err != nil {
		return nil, fmt.Errorf("creating secret %q: %w", name, err)
	}
	ctx, cancel := s.query(ctx)
	defer cancel()
	// Of processes that create the secret at the same time, the first
	// insert wins and every process reads the winner's value.
	_, err := s.db.ExecContext(ctx, s.d.bind(`INSERT INTO secrets (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING`), name, value)
	if err != nil {
		return nil, fmt.Errorf("storing secret %q: %w", name, err)
	}
	var stored []byte
	if err := s.db.QueryRowContext(ctx, s.d.bind(`SELECT value FROM secrets WHERE name = ?`), name).Scan(&stored); err != nil {
		return nil, fmt.Errorf("reading secret %q: %w", name, err)
	}
	return stored, nil
}

func (s *sqlStore) Close() error { return s.db.Close() }

// replaceNULEscapes replaces each \u0000 escape in JSON strings with
// \ufffd, the replacement character. PostgreSQL's jsonb cannot hold U+0000,
// and both backends store the same text so that they behave alike. Other
// escapes, such as \\u0000 (a backslash followed by "u0000"), are kept.
func replaceNULEscapes(doc []byte) []byte {
	const nul, repl = `\u0000`, `\ufffd`
	if !strings.Contains(string(doc), nul) {
		return doc
	}
	out := make([]byte, 0, len(doc))
	for i := 0; i < len(doc); i++ {
		if doc[i] != '\\' || i+1 >= len(doc) {
			out = append(out, doc[i])
			continue
		}
		if strings.HasPrefix(string(doc[i:]), nul) {
			out = append(out, repl...)
			i += len(nul) - 1
			continue
		}
		// Any other escape: copy the backslash and the escaped byte.
		out = append(out, doc[i], doc[i+1])
		i++
	}
	return out
}

// busyRetries bounds the retries of a migration that SQLite reported busy:
// with a growing pause of 20 ms per attempt, about 5 s in all.
const busyRetries = 20

// isSQLiteBusy reports whether err is SQLite's "database is locked" error.
func isSQLiteBusy(err error) bool {
	return strings.Contains(err.Error(), "SQLITE_BUSY")
}

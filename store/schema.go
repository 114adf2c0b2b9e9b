package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// dialect is the set of differences between the SQL backends. The schema
// and the queries are written once, with ? placeholders and {{name}} type
// markers that the dialect fills in.
type dialect struct {
	name  string
	types *strings.Replacer

	// numbered turns ? placeholders into $1, $2, ... for PostgreSQL.
	numbered bool

	// lock is run first in the migration transaction, so that processes
	// starting at the same time migrate one after the other. It is empty
	// when the transaction itself locks the database.
	lock string
}

var sqliteDialect = dialect{
	name: KindSQLite,
	types: strings.NewReplacer(
		"{{id}}", "INTEGER PRIMARY KEY AUTOINCREMENT",
		"{{json}}", "BLOB",
		"{{bytes}}", "BLOB",
	),
}

// migrationLockKey is the PostgreSQL advisory lock that serializes schema
// migrations: the bytes of "ktmigrat" as a big-endian integer.
const migrationLockKey = 0x6b746d6967726174

var postgresDialect = dialect{
	name: KindPostgres,
	types: strings.NewReplacer(
		"{{id}}", "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY",
		"{{json}}", "JSONB",
		"{{bytes}}", "BYTEA",
	),
	numbered: true,
	lock:     fmt.Sprintf("SELECT pg_advisory_xact_lock(%d)", int64(migrationLockKey)),
}

// bind returns a query with the dialect's placeholders.
func (d dialect) bind(query string) string {
	if !d.numbered {
		return query
	}
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			fmt.Fprintf(&b, "$%d", n)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// migration is one versioned schema change. Versions are applied in order
// and recorded in schema_migrations; a released migration never changes.
type migration struct {
	version    int
	name       string
	statements []string
}

// migrations is the schema history. created_at holds Unix time in
// microseconds (UTC), the same in both backends, so that ordering and
// conversion never depend on a driver's time handling.
var migrations = []migration{
	{1, "create assessments and secrets", []string{
		`CREATE TABLE assessments (
			id {{id}},
			source TEXT NOT NULL,
			kind TEXT NOT NULL,
			matrix_version TEXT NOT NULL,
			created_at BIGINT NOT NULL,
			digest TEXT NOT NULL,
			techniques INTEGER NOT NULL,
			exposed INTEGER NOT NULL,
			not_observed INTEGER NOT NULL,
			not_evaluated INTEGER NOT NULL,
			not_assessable INTEGER NOT NULL,
			covered INTEGER NOT NULL,
			partial INTEGER NOT NULL,
			uncovered INTEGER NOT NULL,
			document {{json}} NOT NULL,
			UNIQUE (source, digest)
		)`,
		`CREATE INDEX assessments_by_source ON assessments (source, created_at DESC, id DESC)`,
		`CREATE INDEX assessments_by_time ON assessments (created_at DESC, id DESC)`,
		`CREATE TABLE secrets (
			name TEXT PRIMARY KEY,
			value {{bytes}} NOT NULL
		)`,
	}},
}

// SchemaVersion is the latest schema version this package migrates to.
func SchemaVersion() int { return migrations[len(migrations)-1].version }

// migrate brings the schema up to date in one transaction. It rejects a
// database whose schema is newer than this package supports, because writing
// to it could break what the newer version expects.
func migrate(ctx context.Context, db *sql.DB, d dialect, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("migrating the schema: %w", err)
	}
	defer tx.Rollback()

	if d.lock != "" {
		if _, err := tx.ExecContext(ctx, d.lock); err != nil {
			return fmt.Errorf("migrating the schema: taking the migration lock: %w", err)
		}
	}
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY,
		name TEXT NOT NULL,
		applied_at BIGINT NOT NULL
	)`); err != nil {
		return fmt.Errorf("migrating the schema: %w", err)
	}
	var current int
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&current); err != nil {
		return fmt.Errorf("migrating the schema: reading the version: %w", err)
	}
	if current > SchemaVersion() {
		return fmt.Errorf("the database schema is at version %d, newer than version %d that this kubethreat supports; upgrade kubethreat", current, SchemaVersion())
	}

	for _, m := range migrations {
		if m.version <= current {
			continue
		}
		for _, stmt := range m.statements {
			if _, err := tx.ExecContext(ctx, d.types.Replace(stmt)); err != nil {
				return fmt.Errorf("migrating the schema to version %d (%s): %w", m.version, m.name, err)
			}
		}
		_, err := tx.ExecContext(ctx, d.bind(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`),
			m.version, m.name, time.Now().UnixMicro())
		if err != nil {
			return fmt.Errorf("migrating the schema to version %d: recording it: %w", m.version, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("migrating the schema: %w", err)
	}
	return nil
}

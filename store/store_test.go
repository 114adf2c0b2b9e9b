package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

// postgresEnv names the variable that holds a PostgreSQL URL for the tests;
// scripts/test.sh starts a throwaway server and sets it.
const postgresEnv = "KUBETHREAT_TEST_POSTGRES_DSN"

// backend opens fresh, empty stores of one kind. Stores opened by one
// backend value share one database, for tests of several processes.
type backend struct {
	name string
	open func(t *testing.T) Store
}

// backends returns every backend the suite runs on: SQLite in memory,
// SQLite in a file, and PostgreSQL when postgresEnv is set.
func backends(t *testing.T) []backend {
	t.Helper()
	out := []backend{
		{"memory", func(t *testing.T) Store { return openTest(t, "memory") }},
		sqliteFileBackend(t),
	}
	if pg, ok := postgresBackend(t); ok {
		out = append(out, pg)
	} else {
		t.Logf("skipping PostgreSQL: %s is not set; scripts/test.sh starts a server and sets it", postgresEnv)
	}
	return out
}

// sqliteFileBackend returns a backend whose stores share one new file.
func sqliteFileBackend(t *testing.T) backend {
	t.Helper()
	return backend{"sqlite", func(t *testing.T) Store {
		return openTest(t, "sqlite:"+filepath.Join(t.TempDir(), "kt.db"))
	}}
}

// postgresBackend returns a backend whose stores each get a new schema of
// their own, selected through the search_path connection parameter, which
// is dropped when the test ends.
func postgresBackend(t *testing.T) (backend, bool) {
	t.Helper()
	dsn := os.Getenv(postgresEnv)
	if dsn == "" {
		return backend{}, false
	}
	return backend{"postgres", func(t *testing.T) Store {
		return openTest(t, postgresSchemaDSN(t, dsn))
	}}, true
}

// postgresSchemaDSN creates a schema with a random name and returns the
// URL that uses it.
func postgresSchemaDSN(t *testing.T, dsn string) string {
	t.Helper()
	b := make([]byte, 6)
	rand.Read(b)
	schema := "kt_test_" + hex.EncodeToString(b)
	admin, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatalf("connecting to %s: %v", redactURL(dsn), err)
	}
	defer admin.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("creating schema %s: %v", schema, err)
	}
	t.Cleanup(func() {
		db, err := sql.Open("pgx", dsn)
		if err != nil {
			t.Errorf("dropping schema %s: %v", schema, err)
			return
		}
		defer db.Close()
		if _, err := db.Exec("DROP SCHEMA " + schema + " CASCADE"); err != nil {
			t.Errorf("dropping schema %s: %v", schema, err)
		}
	})
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatalf("%s is not a URL: %v", postgresEnv, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

func openTest(t *testing.T, dsn string) Store {
	t.Helper()
	s, err := Open(context.Background(), dsn, Options{})
	if err != nil {
		t.Fatalf("Open(%s): %v", redactURL(dsn), err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

// forEachBackend runs a test on a fresh store of every backend.
func forEachBackend(t *testing.T, test func(t *testing.T, s Store)) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) { test(t, b.open(t)) })
	}
}

// sample returns an assessment with a document that names it.
func sample(source string, created time.Time, exposed int) Assessment {
	doc := fmt.Sprintf(`{"kind":"scan","source":%q,"exposed":%d,"created":%q}`, source, exposed, created.Format(time.RFC3339Nano))
	return Assessment{
		Summary: Summary{
			Source: source, Kind: "scan", MatrixVersion: "v2", CreatedAt: created,
			Counts: Counts{Techniques: 40, Exposed: exposed, NotObserved: 10, NotEvaluated: 5,
				NotAssessable: 40 - 15 - exposed, Covered: 3, Partial: 2, None: 35},
		},
		Document: []byte(doc),
	}
}

var t0 = time.Date(2025, 3, 1, 12, 0, 0, 123456000, time.UTC)

func TestPutGet(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s Store) {
		ctx := context.Background()
		in := sample("prod-eu", t0, 7)
		id, err := s.Put(ctx, in)
		if err != nil {
			t.Fatalf("Put: %v", err)
		}
		if id <= 0 {
			t.Fatalf("Put returned ID %d, want a positive one", id)
		}
		got, err := s.Get(ctx, id)
		if err != nil {
			t.Fatalf("Get(%d): %v", id, err)
		}
		want := in.Summary
		want.ID = id
		if !reflect.DeepEqual(got.Summary, want) {
			t.Errorf("summary = %+v\nwant      %+v", got.Summary, want)
		}
		if !jsonEqual(t, got.Document, in.Document) {
			t.Errorf("document = %s, want %s", got.Document, in.Document)
		}
	})
}

// jsonEqual compares two JSON documents by value, because PostgreSQL's
// jsonb does not keep key order or spacing.
func jsonEqual(t *testing.T, a, b []byte) bool {
	t.Helper()
	var va, vb any
	if err := json.Unmarshal(a, &va); err != nil {
		t.Fatalf("document %s: %v", a, err)
	}
	if err := json.Unmarshal(b, &vb); err != nil {
		t.Fatalf("document %s: %v", b, err)
	}
	return reflect.DeepEqual(va, vb)
}

func TestGetUnknown(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s Store) {
		if _, err := s.Get(context.Background(), 4242); !errors.Is(err, ErrNotFound) {
			t.Errorf("Get(4242) error = %v, want ErrNotFound", err)
		}
	})
}

func TestPutSameDocument(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s Store) {
		ctx := context.Background()
		a := sample("prod-eu", t0, 3)
		first, err := s.Put(ctx, a)
		if err != nil {
			t.Fatal(err)
		}
		again := a
		again.CreatedAt = t0.Add(time.Hour)
		second, err := s.Put(ctx, again)
		if err != nil {
			t.Fatal(err)
		}
		if second != first {
			t.Errorf("the same document for the same source got IDs %d and %d, want one", first, second)
		}
		stored, err := s.Get(ctx, first)
		if err != nil {
			t.Fatal(err)
		}
		if !stored.CreatedAt.Equal(t0) {
			t.Errorf("CreatedAt = %s after the second Put, want the first %s", stored.CreatedAt, t0)
		}

		other := a
		other.Source = "prod-us"
		third, err := s.Put(ctx, other)
		if err != nil {
			t.Fatal(err)
		}
		if third == first {
			t.Errorf("the same document for another source got the same ID %d", third)
		}
	})
}

func TestPutInvalid(t *testing.T) {
	valid := sample("prod", t0, 1)
	tests := []struct {
		name   string
		modify func(*Assessment)
		want   string
	}{
		{"empty source", func(a *Assessment) { a.Source = "" }, "source is empty"},
		{"long source", func(a *Assessment) { a.Source = strings.Repeat("x", MaxSourceLength+1) }, "longer than"},
		{"source not UTF-8", func(a *Assessment) { a.Source = "prod\xff" }, "not valid UTF-8"},
		{"empty kind", func(a *Assessment) { a.Kind = "" }, "kind"},
		{"empty document", func(a *Assessment) { a.Document = nil }, "document is empty"},
		{"document not JSON", func(a *Assessment) { a.Document = []byte(`{"a":`) }, "not valid JSON"},
	}
	forEachBackend(t, func(t *testing.T, s Store) {
		for _, tt := range tests {
			a := valid
			tt.modify(&a)
			_, err := s.Put(context.Background(), a)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("%s: Put error = %v, want it to contain %q", tt.name, err, tt.want)
			}
		}
		list, err := s.List(context.Background(), Filter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 0 {
			t.Errorf("invalid assessments were stored: %+v", list)
		}
	})
}

func TestPutZeroTime(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s Store) {
		before := time.Now().Add(-time.Second)
		a := sample("prod", time.Time{}, 1)
		id, err := s.Put(context.Background(), a)
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.Get(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if got.CreatedAt.Before(before) || got.CreatedAt.After(time.Now().Add(time.Second)) {
			t.Errorf("CreatedAt = %s, want about now", got.CreatedAt)
		}
	})
}

func TestList(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s Store) {
		ctx := context.Background()
		// Stored out of time order: List orders by CreatedAt, not by ID.
		inputs := []struct {
			source string
			hour   int
		}{{"a", 2}, {"b", 0}, {"a", 1}, {"b", 3}, {"a", 4}}
		for i, in := range inputs {
			if _, err := s.Put(ctx, sample(in.source, t0.Add(time.Duration(in.hour)*time.Hour), i)); err != nil {
				t.Fatal(err)
			}
		}
		tests := []struct {
			name  string
			f     Filter
			hours []int
		}{
			{"all", Filter{}, []int{4, 3, 2, 1, 0}},
			{"one source", Filter{Source: "a"}, []int{4, 2, 1}},
			{"limit", Filter{Limit: 2}, []int{4, 3}},
			{"offset", Filter{Limit: 2, Offset: 2}, []int{2, 1}},
			{"offset past the end", Filter{Offset: 10}, []int{}},
			{"unknown source", Filter{Source: "c"}, []int{}},
		}
		for _, tt := range tests {
			list, err := s.List(ctx, tt.f)
			if err != nil {
				t.Fatalf("%s: %v", tt.name, err)
			}
			got := []int{}
			for _, sum := range list {
				got = append(got, int(sum.CreatedAt.Sub(t0)/time.Hour))
				if tt.f.Source != "" && sum.Source != tt.f.Source {
					t.Errorf("%s: got source %q", tt.name, sum.Source)
				}
			}
			if !reflect.DeepEqual(got, tt.hours) {
				t.Errorf("%s: hours %v, want %v", tt.name, got, tt.hours)
			}
		}
	})
}

func TestHistory(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s Store) {
		ctx := context.Background()
		for i, hour := range []int{5, 1, 3} {
			if _, err := s.Put(ctx, sample("prod", t0.Add(time.Duration(hour)*time.Hour), 10+i)); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := s.Put(ctx, sample("staging", t0.Add(2*time.Hour), 99)); err != nil {
			t.Fatal(err)
		}
		hist, err := s.History(ctx, "prod")
		if err != nil {
			t.Fatal(err)
		}
		var exposed []int
		for _, h := range hist {
			exposed = append(exposed, h.Counts.Exposed)
		}
		if want := []int{11, 12, 10}; !reflect.DeepEqual(exposed, want) {
			t.Errorf("exposed counts oldest first = %v, want %v", exposed, want)
		}
		none, err := s.History(ctx, "nowhere")
		if err != nil {
			t.Fatal(err)
		}
		if none == nil || len(none) != 0 {
			t.Errorf("History of an unknown source = %#v, want an empty slice", none)
		}
	})
}

func TestNULCharacters(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s Store) {
		a := sample("prod", t0, 1)
		a.Document = []byte(`{"message":"a\u0000b","literal":"c\\u0000d"}`)
		id, err := s.Put(context.Background(), a)
		if err != nil {
			t.Fatalf("Put of a document with U+0000: %v", err)
		}
		got, err := s.Get(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		var doc struct{ Message, Literal string }
		if err := json.Unmarshal(got.Document, &doc); err != nil {
			t.Fatal(err)
		}
		if doc.Message != "a\ufffdb" {
			t.Errorf("message = %q, want U+0000 replaced by U+FFFD", doc.Message)
		}
		if doc.Literal != `c\u0000d` {
			t.Errorf("literal = %q, want the escaped backslash kept", doc.Literal)
		}
	})
}

func TestSecret(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s Store) {
		ctx := context.Background()
		first, err := s.Secret(ctx, "csrf")
		if err != nil {
			t.Fatal(err)
		}
		if len(first) != 32 {
			t.Errorf("secret has %d bytes, want 32", len(first))
		}
		again, err := s.Secret(ctx, "csrf")
		if err != nil {
			t.Fatal(err)
		}
		if string(again) != string(first) {
			t.Error("a second call returned another secret")
		}
		other, err := s.Secret(ctx, "other")
		if err != nil {
			t.Fatal(err)
		}
		if string(other) == string(first) {
			t.Error("two names share one secret")
		}
	})
}

func TestCancelledContext(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s Store) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := s.Put(ctx, sample("prod", t0, 1)); err == nil {
			t.Error("Put with a cancelled context succeeded")
		}
		if _, err := s.List(ctx, Filter{}); err == nil {
			t.Error("List with a cancelled context succeeded")
		}
	})
}

// TestSharedDatabase opens two stores on one database, as two serve
// replicas do, and has both insert at the same time.
func TestSharedDatabase(t *testing.T) {
	shared := []struct {
		name string
		dsn  func(t *testing.T) (string, bool)
	}{
		{"sqlite", func(t *testing.T) (string, bool) {
			return "sqlite:" + filepath.Join(t.TempDir(), "shared.db"), true
		}},
		{"postgres", func(t *testing.T) (string, bool) {
			dsn := os.Getenv(postgresEnv)
			if dsn == "" {
				return "", false
			}
			return postgresSchemaDSN(t, dsn), true
		}},
	}
	for _, sh := range shared {
		t.Run(sh.name, func(t *testing.T) {
			dsn, ok := sh.dsn(t)
			if !ok {
				t.Skipf("skipping: %s is not set; scripts/test.sh starts PostgreSQL and sets it", postgresEnv)
			}
			stores := openConcurrently(t, dsn, 2)
			insertConcurrently(t, stores)
		})
	}
}

// openConcurrently opens n stores on one database at the same time, so
// that their migrations race.
func openConcurrently(t *testing.T, dsn string, n int) []Store {
	t.Helper()
	stores := make([]Store, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { stores[i], errs[i] = Open(context.Background(), dsn, Options{}) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("opening store %d: %v", i, err)
		}
		t.Cleanup(func() { stores[i].Close() })
	}
	return stores
}

func insertConcurrently(t *testing.T, stores []Store) {
	t.Helper()
	const perStore = 20
	ctx := context.Background()
	var mu sync.Mutex
	ids := map[int64]bool{}
	var wg sync.WaitGroup
	for i, s := range stores {
		for j := range perStore {
			wg.Go(func() {
				id, err := s.Put(ctx, sample(fmt.Sprintf("cluster-%d", j%3), t0.Add(time.Duration(i*perStore+j)*time.Minute), i*perStore+j))
				if err != nil {
					t.Errorf("store %d, Put %d: %v", i, j, err)
					return
				}
				mu.Lock()
				defer mu.Unlock()
				if ids[id] {
					t.Errorf("ID %d returned twice", id)
				}
				ids[id] = true
			})
		}
		// Both stores also store one identical document, which must get
		// one ID.
		wg.Go(func() {
			if _, err := s.Put(ctx, sample("same", t0, 1)); err != nil {
				t.Errorf("store %d, Put of the shared document: %v", i, err)
			}
		})
	}
	wg.Wait()

	want := len(stores)*perStore + 1
	for i, s := range stores {
		list, err := s.List(ctx, Filter{Limit: MaxLimit})
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != want {
			t.Errorf("store %d lists %d assessments, want %d", i, len(list), want)
		}
	}
}

func TestMigrationIsIdempotent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kt.db")
	first := openTest(t, "sqlite:"+path)
	id, err := first.Put(context.Background(), sample("prod", t0, 2))
	if err != nil {
		t.Fatal(err)
	}
	first.Close()

	second := openTest(t, "sqlite:"+path)
	if _, err := second.Get(context.Background(), id); err != nil {
		t.Errorf("after reopening, Get(%d): %v", id, err)
	}
}

func TestNewerSchemaRejected(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kt.db")
	openTest(t, "sqlite:"+path).Close()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, 'from the future', 0)`, SchemaVersion()+1); err != nil {
		t.Fatal(err)
	}
	db.Close()

	_, err = Open(context.Background(), "sqlite:"+path, Options{})
	if err == nil || !strings.Contains(err.Error(), "upgrade kubethreat") {
		t.Errorf("Open of a newer schema: error = %v, want one that says to upgrade", err)
	}
}

func TestParseDSN(t *testing.T) {
	tests := []struct {
		dsn     string
		kind    string
		display string
		err     string
	}{
		{"memory", KindMemory, "memory", ""},
		{"sqlite:/var/lib/kt.db", KindSQLite, "sqlite:/var/lib/kt.db", ""},
		{"sqlite:rel/kt.db", KindSQLite, "sqlite:rel/kt.db", ""},
		{"postgres://kt@127.0.0.1:5432/kt?sslmode=disable", KindPostgres, "postgres://kt@127.0.0.1:5432/kt?sslmode=disable", ""},
		{"postgresql://kt:hunter2@db/kt", KindPostgres, "postgresql://kt:xxxxx@db/kt", ""},
		{"postgres://db/kt?password=hunter2", KindPostgres, "postgres://db/kt?password=xxxxx", ""},
		{"sqlite:", "", "", "without a path"},
		{"mysql://kt:hunter2@db/kt", "", "", "invalid database"},
		{"", "", "", "invalid database"},
	}
	for _, tt := range tests {
		loc, err := ParseDSN(tt.dsn)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("ParseDSN(%q) error = %v, want %q", tt.dsn, err, tt.err)
			}
			if err != nil && strings.Contains(err.Error(), "hunter2") {
				t.Errorf("ParseDSN(%q) error shows the password: %v", tt.dsn, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseDSN(%q): %v", tt.dsn, err)
			continue
		}
		if loc.Kind != tt.kind || loc.String() != tt.display {
			t.Errorf("ParseDSN(%q) = %s %q, want %s %q", tt.dsn, loc.Kind, loc.String(), tt.kind, tt.display)
		}
	}
}

func TestReplaceNULEscapes(t *testing.T) {
	tests := []struct{ in, want string }{
		{`{"a":"x"}`, `{"a":"x"}`},
		{`{"a":"\u0000"}`, `{"a":"\ufffd"}`},
		{`{"a":"\\u0000"}`, `{"a":"\\u0000"}`},
		{`{"a":"\\\u0000"}`, `{"a":"\\\ufffd"}`},
		{`{"a":"\"\u0000\""}`, `{"a":"\"\ufffd\""}`},
	}
	for _, tt := range tests {
		if got := string(replaceNULEscapes([]byte(tt.in))); got != tt.want {
			t.Errorf("replaceNULEscapes(%s) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

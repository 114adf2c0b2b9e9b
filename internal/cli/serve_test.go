package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kubethreat/kubethreat/store"
)

// syncBuffer is a bytes.Buffer that the server's logger and the test can
// use at the same time.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestServeInvalidFlags(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"address without port", []string{"serve", "--addr", "localhost"}, `invalid --addr "localhost"`},
		{"port out of range", []string{"serve", "--addr", "127.0.0.1:99999"}, `port "99999" is not a number from 0 to 65535`},
		{"port by name", []string{"serve", "--addr", "127.0.0.1:abc"}, `port "abc" is not a number`},
		{"invalid IP address", []string{"serve", "--addr", "256.1.1.1:80"}, `host "256.1.1.1" is not a valid IP address`},
		{"unknown log format", []string{"serve", "--log-format", "xml"}, `invalid --log-format "xml"`},
		{"extra argument", []string{"serve", "now"}, `unknown command "now"`},
		{"bad upload size", []string{"serve", "--max-upload", "ten"}, `invalid --max-upload "ten"`},
		{"zero upload size", []string{"serve", "--max-upload", "0"}, `invalid --max-upload "0"`},
		{"unknown database", []string{"serve", "--db", "mysql://db/kt"}, `invalid --db`},
		{"missing assessment", []string{"serve", "--assessment", "no-such-file.json"}, `cannot read --assessment`},
		{"three assessment files", []string{"serve", "--assessment", "a.json,b.json,c.json"}, `use FILE or COVERAGE,SCAN`},
		{"assessment not JSON", []string{"serve", "--assessment", "../../examples/shop/rbac.yaml"}, `invalid --assessment ../../examples/shop/rbac.yaml: the file is not valid JSON`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := Run(context.Background(), tt.args, strings.NewReader(""), &stdout, &stderr)
			if code != ExitUsage {
				t.Errorf("exit code %d, want %d", code, ExitUsage)
			}
			if !strings.Contains(stderr.String(), tt.want) {
				t.Errorf("stderr %q lacks %q", stderr.String(), tt.want)
			}
		})
	}
}

func TestServeStopsOnCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout bytes.Buffer
	var stderr syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- Run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--log-format", "json"}, strings.NewReader(""), &stdout, &stderr)
	}()

	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(stderr.String(), `"msg":"serving"`) {
		if time.Now().After(deadline) {
			t.Fatalf("the server did not start; stderr:\n%s", stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()

	select {
	case code := <-done:
		if code != ExitOK {
			t.Errorf("exit code %d after cancel, want 0; stderr:\n%s", code, stderr.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop after the context was cancelled")
	}
	if !strings.Contains(stderr.String(), `"msg":"stopped"`) {
		t.Errorf("stderr lacks the stop message:\n%s", stderr.String())
	}
}

func TestParseByteSize(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"1048576", 1 << 20, true},
		{"10MiB", 10 << 20, true},
		{"512 KiB", 512 << 10, true},
		{"1GiB", 1 << 30, true},
		{"100B", 100, true},
		{"0", 0, false},
		{"-1MiB", 0, false},
		{"10MB", 0, false},
		{"2000GiB", 0, false},
		{"", 0, false},
	}
	for _, tt := range tests {
		got, err := parseByteSize(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("parseByteSize(%q) = %d, %v; want %d, ok %v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

func TestStoreLocation(t *testing.T) {
	defaultPath, err := store.DefaultSQLitePath()
	if err != nil {
		t.Skipf("skipping: no user cache folder: %v", err)
	}
	tests := []struct {
		db          string
		allowUpload bool
		want        string
	}{
		{"", false, "memory"},
		{"", true, "sqlite:" + defaultPath},
		{"memory", true, "memory"},
		{"sqlite:/tmp/kt.db", false, "sqlite:/tmp/kt.db"},
		{"postgres://kt:secret@db/kt", true, "postgres://kt:xxxxx@db/kt"},
	}
	for _, tt := range tests {
		loc, err := storeLocation(tt.db, tt.allowUpload)
		if err != nil {
			t.Errorf("storeLocation(%q, %v): %v", tt.db, tt.allowUpload, err)
			continue
		}
		if loc.String() != tt.want {
			t.Errorf("storeLocation(%q, %v) = %s, want %s", tt.db, tt.allowUpload, loc, tt.want)
		}
	}
}

// runCLI runs a command and returns its exit code and standard error.
func runCLI(t *testing.T, args ...string) (int, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := Run(context.Background(), args, strings.NewReader(""), &stdout, &stderr)
	return code, stderr.String()
}

// startServe runs serve until the test ends and returns its base URL.
func startServe(t *testing.T, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var stderr syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- Run(ctx, append([]string{"serve", "--addr", "127.0.0.1:0", "--log-format", "json", "--access-log=false"}, args...),
			strings.NewReader(""), io.Discard, &stderr)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			t.Error("serve did not stop")
		}
	})

	addrRE := regexp.MustCompile(`"msg":"serving","addr":"(http://127\.0\.0\.1:\d+)"`)
	deadline := time.Now().Add(60 * time.Second)
	for {
		if m := addrRE.FindStringSubmatch(stderr.String()); m != nil {
			return m[1]
		}
		select {
		case code := <-done:
			t.Fatalf("serve exited with %d; stderr:\n%s", code, stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("the server did not start; stderr:\n%s", stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func httpGet(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(body)
}

// TestServeAssessments scans the example folder, computes coverage from
// the scan, and serves both; then stores an upload in a SQLite file and
// finds it again after a restart.
func TestServeAssessments(t *testing.T) {
	if testing.Short() {
		t.Skip("skipping the serve end-to-end test in short mode")
	}
	dir := t.TempDir()
	scan := filepath.Join(dir, "scan.json")
	coverage := filepath.Join(dir, "coverage.json")
	if code, stderr := runCLI(t, "scan", "../../examples/shop", "-o", "json", "--output-file", scan); code != ExitOK && code != ExitFindings {
		t.Fatalf("scan exited with %d:\n%s", code, stderr)
	}
	if code, stderr := runCLI(t, "coverage", "--profile", "defender", "--scan", scan, "-o", "json", "--output-file", coverage); code != ExitOK {
		t.Fatalf("coverage exited with %d:\n%s", code, stderr)
	}

	base := startServe(t, "--assessment", coverage+","+scan, "--assessment", scan)
	pages := []struct {
		path, want string
	}{
		{"/assessments", `<a href="/assessments/2">#2</a>`},
		{"/assessments/1", `<table id="overlay" class="matrix overlay by-level">`},
		{"/assessments/2", `<table id="overlay" class="matrix overlay by-exposure">`},
		{"/assessments/1/plan", `priority(m) = G(m)`},
		{"/assessments/1/techniques/MS-TA9013", `examples/shop/log-agent.yaml`},
	}
	for _, p := range pages {
		status, body := httpGet(t, base+p.path)
		if status != http.StatusOK {
			t.Errorf("GET %s: status %d", p.path, status)
			continue
		}
		if !strings.Contains(body, p.want) {
			t.Errorf("GET %s lacks %q", p.path, p.want)
		}
	}
	if status, _ := httpGet(t, base+"/assessments/new"); status != http.StatusNotFound {
		t.Errorf("the upload form of a read-only server: status %d, want 404", status)
	}

	db := "sqlite:" + filepath.Join(dir, "kt.db")
	uploadBase := startServe(t, "--allow-upload", "--db", db, "--max-upload", "2MiB")
	data, err := os.ReadFile(scan)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Post(uploadBase+"/api/v1/assessments?source=shop", "application/json", bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	var created struct {
		ID  int64  `json:"id"`
		URL string `json:"url"`
	}
	err = json.NewDecoder(resp.Body).Decode(&created)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("upload: status %d, %v", resp.StatusCode, err)
	}

	again := startServe(t, "--db", db)
	status, body := httpGet(t, again+created.URL)
	if status != http.StatusOK || !strings.Contains(body, "<h1 class=\"break\">shop</h1>") {
		t.Errorf("after a restart on the same database, GET %s: status %d", created.URL, status)
	}
}

package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/kubethreat/kubethreat/check"
)

var update = flag.Bool("update", false, "rewrite the golden files with the current output")

// run executes kubethreat with args and returns its output and exit code.
func run(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = Run(context.Background(), args, strings.NewReader(""), &out, &errOut)
	return out.String(), errOut.String(), code
}

// golden compares got with testdata/golden/name, or rewrites the file when
// the test runs with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v; run go test ./internal/cli -update to create it", err)
	}
	if got != string(want) {
		t.Errorf("output differs from %s; run go test ./internal/cli -update and review the diff.\ngot:\n%s", path, got)
	}
}

func TestGoldenOutputs(t *testing.T) {
	tests := []struct {
		golden string
		args   []string
	}{
		{"matrix.txt", []string{"matrix"}},
		{"matrix-ids.txt", []string{"matrix", "--ids"}},
		{"matrix-wide.txt", []string{"matrix", "--width", "200"}},
		{"matrix-tactic.txt", []string{"matrix", "--tactic", "persistence", "--tactic", "Lateral Movement", "--ids"}},
		{"matrix.json", []string{"matrix", "-o", "json"}},
		{"matrix.yaml", []string{"matrix", "-o", "yaml"}},
		{"matrix.csv", []string{"matrix", "-o", "csv"}},
		{"matrix.md", []string{"matrix", "-o", "markdown", "--ids"}},
		{"show-technique.txt", []string{"show", "MS-TA9016"}},
		{"show-technique.json", []string{"show", "MS-TA9016", "-o", "json"}},
		{"show-technique.yaml", []string{"show", "MS-TA9013", "-o", "yaml"}},
		{"show-technique.md", []string{"show", "MS-TA9013", "-o", "markdown"}},
		{"show-mitigation.txt", []string{"show", "MS-M9005"}},
		{"show-submitigation.md", []string{"show", "MS-M9005.003", "-o", "markdown"}},
		{"show-tactic.txt", []string{"show", "persistence"}},
		{"show-tactic.json", []string{"show", "TA0008", "-o", "json"}},
		{"show-retired.txt", []string{"show", "MS-TA9032"}},
		{"show-retired.md", []string{"show", "ms-ta9032", "-o", "markdown"}},
		{"show-attack.txt", []string{"show", "T1610"}},
		{"show-attack.json", []string{"show", "T1610", "-o", "json"}},
		{"show-attack-mitigation.txt", []string{"show", "M1035"}},
		{"search.txt", []string{"search", "hostPath"}},
		{"search.json", []string{"search", "container", "service", "account", "-o", "json", "--limit", "5"}},
		{"export.json", []string{"export", "json"}},
		{"export.yaml", []string{"export", "yaml"}},
		{"export.csv", []string{"export", "csv"}},
		{"export.stix.json", []string{"export", "stix"}},
	}
	for _, tc := range tests {
		t.Run(tc.golden, func(t *testing.T) {
			out, errOut, code := run(t, tc.args...)
			if code != ExitOK {
				t.Fatalf("kubethreat %s exited %d: %s", strings.Join(tc.args, " "), code, errOut)
			}
			if errOut != "" {
				t.Errorf("unexpected standard error: %s", errOut)
			}
			golden(t, tc.golden, out)
		})
	}
}

func TestDoneCriteria(t *testing.T) {
	tests := []struct {
		args []string
		want []string
	}{
		{[]string{"show", "MS-TA9016"}, []string{"Persistence", "Credential Access", "Lateral Movement"}},
		{[]string{"show", "T1610"}, []string{"MS-TA9008", "MS-TA9011", "MS-TA9018"}},
		{[]string{"show", "MS-TA9032"}, []string{"MS-TA9005", "retired", "folded it into"}},
	}
	for _, tc := range tests {
		out, errOut, code := run(t, tc.args...)
		if code != ExitOK {
			t.Errorf("%v exited %d: %s", tc.args, code, errOut)
		}
		for _, w := range tc.want {
			if !strings.Contains(out, w) {
				t.Errorf("%v output lacks %q", tc.args, w)
			}
		}
	}
}

func TestErrorsExitTwo(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{"unknown ID", []string{"show", "MS-TA9099"}, `unknown ID "MS-TA9099"; did you mean`},
		{"unknown ID suggests nearest", []string{"show", "MS-M925"}, "MS-M9025"},
		{"show without ID", []string{"show"}, "expected 1 argument(s), got 0"},
		{"show with two IDs", []string{"show", "MS-TA9001", "MS-TA9002"}, "expected 1 argument(s), got 2"},
		{"unknown command", []string{"frobnicate"}, `unknown command "frobnicate"`},
		{"unknown flag", []string{"matrix", "--bogus"}, "unknown flag: --bogus"},
		{"unknown output format", []string{"matrix", "-o", "xml"}, `unknown output format "xml"`},
		{"unknown tactic", []string{"matrix", "--tactic", "nope"}, `unknown tactic "nope"`},
		{"unknown show format", []string{"show", "MS-TA9001", "-o", "csv"}, `unknown output format "csv"`},
		{"search without text", []string{"search"}, "search needs some text"},
		{"search with empty text", []string{"search", " "}, "search needs some text"},
		{"search with a huge text", []string{"search", strings.Repeat("x", 300)}, "use at most 200"},
		{"show with an empty ID", []string{"show", ""}, "show needs an ID or a name"},
		{"unknown ID far from any", []string{"show", "zzzzzzzzzzzzzzzz"}, "run kubethreat search"},
		{"negative limit", []string{"search", "pod", "--limit", "-1"}, "--limit must be 0"},
		{"unknown export format", []string{"export", "xml"}, `unknown export format "xml"`},
		{"export to a missing folder", []string{"export", "json", "--output-file", "/nonexistent/dir/kb.json"}, "cannot create output file"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, errOut, code := run(t, tc.args...)
			if code != ExitUsage {
				t.Errorf("exit code = %d, want %d", code, ExitUsage)
			}
			if !strings.Contains(errOut, tc.wantErr) {
				t.Errorf("standard error = %q, want it to contain %q", errOut, tc.wantErr)
			}
			if out != "" {
				t.Errorf("standard output = %q, want nothing", out)
			}
		})
	}
}

func TestSearchNoResults(t *testing.T) {
	out, _, code := run(t, "search", "zzqqxxnotaword")
	if code != ExitOK || !strings.Contains(out, "No results") {
		t.Errorf("exit %d, output %q; want 0 and a no-results message", code, out)
	}
}

func TestVersion(t *testing.T) {
	out, _, code := run(t, "version")
	if code != ExitOK {
		t.Fatalf("version exited %d", code)
	}
	for _, w := range []string{"kubethreat dev", "Threat Matrix for Kubernetes v3", "ATT&CK Enterprise v18.1"} {
		if !strings.Contains(out, w) {
			t.Errorf("version output lacks %q:\n%s", w, out)
		}
	}
}

func TestExportToFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kb.csv")
	if _, errOut, code := run(t, "export", "csv", "--output-file", path); code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// A header, 10 tactics, 40 techniques, 35 mitigations and 1 retired ID.
	if n := bytes.Count(data, []byte("\n")); n < 87 {
		t.Errorf("CSV export has %d lines, want at least 87", n)
	}
}

func TestMatrixFitsEightyColumns(t *testing.T) {
	out, _, _ := run(t, "matrix", "--ids")
	for i, line := range strings.Split(out, "\n") {
		if n := len([]rune(line)); n > 80 {
			t.Errorf("line %d is %d columns wide: %q", i+1, n, line)
		}
	}
}

func TestChecksCommand(t *testing.T) {
	out, errOut, code := run(t, "checks")
	if code != ExitOK {
		t.Fatalf("checks exited %d: %s", code, errOut)
	}
	if want := fmt.Sprintf("%d checks\n", len(check.All())); !strings.HasSuffix(out, want) {
		t.Errorf("checks output ends %q, want the count line %q", out[max(0, len(out)-40):], want)
	}
	if !strings.Contains(out, "pod-privileged") || !strings.Contains(out, "hostpath-writable") {
		t.Errorf("checks output lacks pod-privileged or hostpath-writable:\n%s", out)
	}

	out, errOut, code = run(t, "checks", "--for", "MS-TA9013", "-o", "json")
	if code != ExitOK {
		t.Fatalf("checks --for MS-TA9013 exited %d: %s", code, errOut)
	}
	var listed []checkListing
	if err := json.Unmarshal([]byte(out), &listed); err != nil {
		t.Fatalf("checks -o json: %v", err)
	}
	if len(listed) == 0 {
		t.Fatal("checks --for MS-TA9013 listed nothing")
	}
	for _, c := range listed {
		if !slices.Contains(c.Techniques, "MS-TA9013") {
			t.Errorf("check %s listed for MS-TA9013 has techniques %v", c.ID, c.Techniques)
		}
	}

	out, errOut, code = run(t, "checks", "--for", "T1610")
	if code != ExitOK || !strings.Contains(out, "pod-privileged") {
		t.Errorf("checks --for T1610 (ATT&CK, mapped to MS-TA9008) exited %d: %s%s", code, out, errOut)
	}

	out, _, code = run(t, "checks", "--for", "persistence", "-o", "markdown")
	if code != ExitOK || !strings.HasPrefix(out, "| Check |") {
		t.Errorf("checks --for persistence -o markdown exited %d with %q", code, out[:min(len(out), 60)])
	}

	for _, args := range [][]string{
		{"checks", "--for", "MS-TA9999"},
		{"checks", "--for", "MS-TA9032"},
		{"checks", "-o", "xml"},
		{"checks", "extra"},
	} {
		if _, errOut, code := run(t, args...); code != ExitUsage || errOut == "" {
			t.Errorf("kubethreat %s exited %d with %q, want %d and a message", strings.Join(args, " "), code, errOut, ExitUsage)
		}
	}
}

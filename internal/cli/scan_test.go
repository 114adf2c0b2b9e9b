package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kubethreat/kubethreat/report"
)

const scanData = "testdata/scan"

// fixClock makes the scan's clock return day for the rest of the test.
func fixClock(t *testing.T, day string) {
	t.Helper()
	at, err := time.Parse(time.RFC3339, day+"T09:30:00Z")
	if err != nil {
		t.Fatal(err)
	}
	old := now
	now = func() time.Time { return at }
	t.Cleanup(func() { now = old })
}

func runStdin(t *testing.T, stdin string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = Run(context.Background(), args, strings.NewReader(stdin), &out, &errOut)
	return out.String(), errOut.String(), code
}

// scanJSON runs a scan with -o json and decodes the report.
func scanJSON(t *testing.T, wantCode int, args ...string) (*report.ScanDocument, string) {
	t.Helper()
	out, errOut, code := run(t, append([]string{"scan", "-o", "json"}, args...)...)
	if code != wantCode {
		t.Fatalf("scan %v exited %d, want %d; stderr:\n%s", args, code, wantCode, errOut)
	}
	var doc report.ScanDocument
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("scan %v wrote invalid JSON: %v\n%s", args, err, out)
	}
	return &doc, errOut
}

// findingStatus returns the statuses of a check's findings on an object,
// in report order.
func findingStatus(doc *report.ScanDocument, checkID, name string) []string {
	var out []string
	for _, f := range doc.Findings {
		if f.Check == checkID && f.Object.Name == name {
			out = append(out, string(f.Status))
		}
	}
	return out
}

func TestScanExitCodes(t *testing.T) {
	fixClock(t, "2026-03-01")
	priv := filepath.Join(scanData, "privileged.yaml")
	unpriv := filepath.Join(scanData, "unprivileged.yaml")
	invalid := filepath.Join(scanData, "invalid.yaml")
	tests := []struct {
		name       string
		args       []string
		want       int
		wantStderr string
	}{
		{"findings without fail-on", []string{priv}, ExitOK, ""},
		{"fail-on reached", []string{priv, "--checks", "pod-privileged", "--fail-on", "high"}, ExitFindings, "1 unsuppressed finding(s) at or above high"},
		{"fail-on critical reached", []string{priv, "--checks", "pod-privileged", "--fail-on", "critical"}, ExitFindings, "at or above critical"},
		{"fail-on not reached", []string{unpriv, "--checks", "pod-privileged", "--fail-on", "low"}, ExitOK, ""},
		{"fail-on case-insensitive", []string{priv, "--checks", "pod-privileged", "--fail-on", "HIGH"}, ExitFindings, ""},
		{"invalid YAML", []string{invalid, "--checks", "pod-privileged"}, ExitUsage, "1 input error(s)"},
		{"invalid YAML kept going", []string{invalid, "--checks", "pod-privileged", "--keep-going"}, ExitOK, ""},
		{"kept going still fails on findings", []string{invalid, "--checks", "pod-privileged", "--keep-going", "--fail-on", "high"}, ExitFindings, ""},
		{"input error outranks findings", []string{invalid, "--checks", "pod-privileged", "--fail-on", "high"}, ExitUsage, ""},
		{"missing path", []string{filepath.Join(scanData, "absent.yaml")}, ExitUsage, "no Kubernetes objects found"},
		{"no objects", []string{filepath.Join(scanData, "not-objects")}, ExitUsage, "no Kubernetes objects found"},
		{"no path", nil, ExitUsage, "at least one file"},
		{"cluster flag without --cluster", []string{priv, "-n", "shop"}, ExitUsage, "--namespace applies only to cluster scans"},
		{"paths with --cluster", []string{"--cluster", priv}, ExitUsage, "takes no paths"},
		{"Helm values with --cluster", []string{"--cluster", "--set", "a=b"}, ExitUsage, "--set applies only to manifest files"},
		{"bad fail-on", []string{priv, "--fail-on", "severe"}, ExitUsage, `invalid --fail-on: unknown severity "severe"`},
		{"unknown check", []string{priv, "--checks", "pod-priviledged"}, ExitUsage, `unknown check "pod-priviledged"; did you mean pod-privileged`},
		{"unknown skipped check", []string{priv, "--skip-checks", "pod-host-pdi"}, ExitUsage, "did you mean pod-host-pid"},
		{"empty checks flag", []string{priv, "--checks", ""}, ExitUsage, "--checks names no check"},
		{"every unknown check listed", []string{priv, "--checks", "pod-privilegd,nosuch"}, ExitUsage, `unknown check "nosuch"`},
		{"check IDs ignore case", []string{priv, "--checks", "POD-Privileged", "--fail-on", "high"}, ExitFindings, ""},
		{"no check left", []string{priv, "--checks", "pod-privileged", "--skip-checks", "pod-privileged"}, ExitUsage, "leave no check to run"},
		{"nothing evaluated", []string{unpriv, "--checks", "rbac-wildcard-role"}, ExitUsage, "none of the 1 selected checks evaluated any of the 1 objects (1 Pod)"},
		{"bad max file size", []string{priv, "--max-file-size", "ten"}, ExitUsage, "invalid --max-file-size"},
		{"file over max size", []string{priv, "--max-file-size", "100"}, ExitUsage, "--max-file-size"},
		{"negative workers", []string{priv, "--workers", "-1"}, ExitUsage, "invalid --workers -1"},
		{"unknown format", []string{priv, "-o", "xml"}, ExitUsage, `unknown output format "xml"`},
		{"two reports on stdout", []string{priv, "-o", "table", "-o", "json"}, ExitUsage, "2 reports would go to standard output"},
		{"missing config", []string{priv, "--config", filepath.Join(scanData, "config", "absent.yaml")}, ExitUsage, "reading configuration"},
		{"config names unknown check", []string{priv, "--config", filepath.Join(scanData, "config", "unknown-check.yaml")}, ExitUsage, `unknown-check.yaml:2:12: exceptions[0].check: unknown check "pod-priviledged"; did you mean pod-privileged`},
		{"missing Helm values file", []string{priv, "--values", filepath.Join(scanData, "absent-values.yaml")}, ExitUsage, "cannot read Helm values file"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, errOut, code := run(t, append([]string{"scan"}, tc.args...)...)
			if code != tc.want {
				t.Errorf("exit code %d, want %d; stderr:\n%s", code, tc.want, errOut)
			}
			if !strings.Contains(errOut, tc.wantStderr) {
				t.Errorf("stderr lacks %q:\n%s", tc.wantStderr, errOut)
			}
		})
	}
}

func TestScanKeepGoingReportsErrors(t *testing.T) {
	fixClock(t, "2026-03-01")
	doc, _ := scanJSON(t, ExitOK, filepath.Join(scanData, "invalid.yaml"), "--checks", "pod-privileged", "--keep-going")
	if got := findingStatus(doc, "pod-privileged", "fine"); len(got) != 1 || got[0] != "fail" {
		t.Errorf("the valid document after the broken one: statuses %v, want one fail", got)
	}
	if len(doc.Diagnostics) != 1 || doc.Diagnostics[0].Severity != report.SeverityError || doc.Diagnostics[0].Line != 6 {
		t.Errorf("diagnostics = %+v, want one error on line 6", doc.Diagnostics)
	}
}

func TestScanErrorsGoToStderrWithoutTable(t *testing.T) {
	_, errOut, _ := run(t, "scan", filepath.Join(scanData, "invalid.yaml"), "--checks", "pod-privileged", "-o", "json")
	if !strings.Contains(errOut, "invalid.yaml:6") {
		t.Errorf("stderr lacks the input error's location:\n%s", errOut)
	}
}

func TestScanCheckSelection(t *testing.T) {
	fixClock(t, "2026-03-01")
	priv := filepath.Join(scanData, "privileged.yaml")

	doc, _ := scanJSON(t, ExitOK, priv, "--checks", "pod-privileged,pod-host-pid")
	var ran []string
	for _, c := range doc.Checks {
		ran = append(ran, c.ID)
	}
	if strings.Join(ran, ",") != "pod-host-pid,pod-privileged" {
		t.Errorf("checks that ran = %v, want pod-host-pid and pod-privileged", ran)
	}

	doc, _ = scanJSON(t, ExitOK, priv, "--skip-checks", "pod-privileged")
	for _, c := range doc.Checks {
		if c.ID == "pod-privileged" {
			t.Error("--skip-checks pod-privileged still ran the check")
		}
	}
	if len(doc.Checks) < 2 {
		t.Errorf("--skip-checks left %d checks, want every other one", len(doc.Checks))
	}
}

func TestScanShowPass(t *testing.T) {
	fixClock(t, "2026-03-01")
	unpriv := filepath.Join(scanData, "unprivileged.yaml")
	doc, _ := scanJSON(t, ExitOK, unpriv, "--checks", "pod-privileged", "--show-pass")
	if got := findingStatus(doc, "pod-privileged", "api"); len(got) != 1 || got[0] != "pass" {
		t.Errorf("with --show-pass: statuses %v, want one pass", got)
	}
	doc, _ = scanJSON(t, ExitOK, unpriv, "--checks", "pod-privileged")
	if got := findingStatus(doc, "pod-privileged", "api"); len(got) != 0 {
		t.Errorf("without --show-pass: statuses %v, want no pass finding", got)
	}
	if doc.Summary.Status.Pass != 1 {
		t.Errorf("summary passes = %d, want 1 counted without findings", doc.Summary.Status.Pass)
	}
}

func TestScanAnnotations(t *testing.T) {
	fixClock(t, "2026-03-01")
	file := filepath.Join(scanData, "annotated.yaml")

	doc, _ := scanJSON(t, ExitOK, file, "--checks", "pod-privileged")
	if got := findingStatus(doc, "pod-privileged", "node-agent"); len(got) != 1 || got[0] != "suppressed" {
		t.Fatalf("annotated DaemonSet: statuses %v, want one suppressed", got)
	}
	for _, f := range doc.Findings {
		if f.Object.Name == "node-agent" && (f.Suppression == nil || f.Suppression.Source != "annotation" ||
			!strings.Contains(f.Suppression.Reason, "eBPF")) {
			t.Errorf("suppression = %+v, want the annotation's reason", f.Suppression)
		}
	}
	if got := findingStatus(doc, "pod-privileged", "no-reason"); len(got) != 1 || got[0] != "fail" {
		t.Errorf("annotation without reason: statuses %v, want fail", got)
	}
	if !hasDiagnostic(doc, "has no reason") {
		t.Errorf("diagnostics %+v lack the annotation without a reason", doc.Diagnostics)
	}

	doc, _ = scanJSON(t, ExitFindings, file, "--checks", "pod-privileged", "--no-annotation-exemptions", "--fail-on", "critical")
	if got := findingStatus(doc, "pod-privileged", "node-agent"); len(got) != 1 || got[0] != "fail" {
		t.Errorf("with --no-annotation-exemptions: statuses %v, want fail", got)
	}
	if !hasDiagnostic(doc, "annotation exemptions are turned off") {
		t.Errorf("diagnostics %+v do not list the ignored annotations", doc.Diagnostics)
	}
}

func hasDiagnostic(doc *report.ScanDocument, text string) bool {
	for _, d := range doc.Diagnostics {
		if strings.Contains(d.Message, text) {
			return true
		}
	}
	return false
}

func TestScanExceptions(t *testing.T) {
	cfg := filepath.Join(scanData, "config", "exceptions.yaml")
	priv := filepath.Join(scanData, "privileged.yaml")

	fixClock(t, "2026-06-30")
	doc, _ := scanJSON(t, ExitOK, priv, "--checks", "pod-privileged", "--config", cfg, "--fail-on", "high")
	if got := findingStatus(doc, "pod-privileged", "web"); len(got) != 1 || got[0] != "suppressed" {
		t.Fatalf("on its expiry day: statuses %v, want suppressed", got)
	}
	var notes []string
	for _, n := range doc.Suppressions {
		notes = append(notes, n.Problem+" "+n.Match)
	}
	if strings.Join(notes, ";") != "unused namespace nowhere" {
		t.Errorf("suppression notes = %q, want only the unused exception", notes)
	}

	fixClock(t, "2026-07-01")
	doc, _ = scanJSON(t, ExitFindings, priv, "--checks", "pod-privileged", "--config", cfg, "--fail-on", "high")
	if got := findingStatus(doc, "pod-privileged", "web"); len(got) != 1 || got[0] != "fail" {
		t.Errorf("after expiry: statuses %v, want fail", got)
	}
	var expired bool
	for _, n := range doc.Suppressions {
		expired = expired || (n.Problem == report.SuppressionExpired && n.Expires == "2026-06-30")
	}
	if !expired {
		t.Errorf("suppression notes %+v do not report the expired exception", doc.Suppressions)
	}
}

func TestScanDefaultConfig(t *testing.T) {
	fixClock(t, "2026-03-01")
	priv, err := filepath.Abs(filepath.Join(scanData, "privileged.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(scanData, "config", "exceptions.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, ".kubethreat.yaml"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)

	doc, _ := scanJSON(t, ExitOK, priv, "--checks", "pod-privileged", "--fail-on", "high")
	if got := findingStatus(doc, "pod-privileged", "web"); len(got) != 1 || got[0] != "suppressed" {
		t.Errorf("with ./.kubethreat.yaml: statuses %v, want suppressed", got)
	}
	for _, f := range doc.Findings {
		if f.Suppression != nil && f.Suppression.Source != ".kubethreat.yaml" {
			t.Errorf("suppression source = %q, want .kubethreat.yaml", f.Suppression.Source)
		}
	}
}

func TestScanConfigSearch(t *testing.T) {
	fixClock(t, "2026-03-01")
	priv, err := filepath.Abs(filepath.Join(scanData, "privileged.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	exceptions, err := os.ReadFile(filepath.Join(scanData, "config", "exceptions.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	manifest, err := os.ReadFile(priv)
	if err != nil {
		t.Fatal(err)
	}
	// A folder with its own configuration, scanned from elsewhere.
	dir := t.TempDir()
	for name, data := range map[string][]byte{".kubethreat.yaml": exceptions, "web.yaml": manifest} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Chdir(t.TempDir())

	tests := []struct {
		name string
		args []string
		want string
	}{
		{"folder's file", []string{dir}, "suppressed"},
		{"not for a single file", []string{filepath.Join(dir, "web.yaml")}, "fail"},
		{"not for two paths", []string{dir, priv}, "fail"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			doc, _ := scanJSON(t, ExitOK, append(tc.args, "--checks", "pod-privileged")...)
			got := findingStatus(doc, "pod-privileged", "web")
			if len(got) == 0 || !allEqual(got, tc.want) {
				t.Errorf("statuses %v, want %s", got, tc.want)
			}
		})
	}
}

func TestScanStdin(t *testing.T) {
	fixClock(t, "2026-03-01")
	data, err := os.ReadFile(filepath.Join(scanData, "privileged.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	out, errOut, code := runStdin(t, string(data), "scan", "-", "--checks", "pod-privileged", "-o", "json", "--fail-on", "critical")
	if code != ExitFindings {
		t.Fatalf("exit code %d, want %d; stderr:\n%s", code, ExitFindings, errOut)
	}
	if !strings.Contains(out, `"file": "<stdin>"`) {
		t.Errorf("findings from standard input do not name <stdin>:\n%s", out)
	}
}

func TestScanOutputFiles(t *testing.T) {
	fixClock(t, "2026-03-01")
	priv := filepath.Join(scanData, "privileged.yaml")
	dir := t.TempDir()
	jsonFile := filepath.Join(dir, "scan.json")
	tableFile := filepath.Join(dir, "scan.txt")

	out, errOut, code := run(t, "scan", priv, "--checks", "pod-privileged",
		"-o", "json", "--output-file", jsonFile, "-o", "table", "-o", "table="+tableFile)
	if code != ExitOK {
		t.Fatalf("exit code %d; stderr:\n%s", code, errOut)
	}
	if !strings.Contains(out, "Summary") || strings.HasPrefix(out, "{") {
		t.Errorf("standard output is not the table report:\n%s", out)
	}
	data, err := os.ReadFile(jsonFile)
	if err != nil {
		t.Fatal(err)
	}
	if !json.Valid(data) {
		t.Errorf("%s is not JSON", jsonFile)
	}
	table, err := os.ReadFile(tableFile)
	if err != nil {
		t.Fatal(err)
	}
	if string(table) != out {
		t.Errorf("the table written to a file differs from the one on standard output")
	}
}

func TestOutputFlagPairing(t *testing.T) {
	tests := []struct {
		name    string
		flags   []string // alternating flag name and value
		want    string   // format>file pairs, or the error
		wantErr bool
	}{
		{"default table", nil, "table>", false},
		{"output file without -o", []string{"output-file", "r.txt"}, "table>r.txt", false},
		{"file after its -o", []string{"o", "json", "output-file", "r.json", "o", "table"}, "json>r.json table>", false},
		{"stdout last", []string{"o", "table", "o", "json", "output-file", "r.json"}, "table> json>r.json", false},
		{"equals form", []string{"o", "json=r.json", "o", "table"}, "json>r.json table>", false},
		{"dash is stdout", []string{"o", "json", "output-file", "-"}, "json>", false},
		{"two files for one -o", []string{"o", "json", "output-file", "a", "output-file", "b"}, "already writes to a", true},
		{"equals then file", []string{"o", "json=a", "output-file", "b"}, "already writes to a", true},
		{"file before -o", []string{"output-file", "a", "o", "json"}, "comes before any -o", true},
		{"two files without -o", []string{"output-file", "a", "output-file", "b"}, "but no -o", true},
		{"same file twice", []string{"o", "json=a", "o", "table=a"}, "two reports write to a", true},
		{"format in upper case", []string{"o", "JSON=r.json"}, "json>r.json", false},
		{"equals without file", []string{"o", "json="}, "names no file after =", true},
		{"two on stdout", []string{"o", "json", "o", "table"}, "2 reports would go to standard output", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var o outputFlags
			var err error
			for i := 0; i+1 < len(tc.flags) && err == nil; i += 2 {
				if tc.flags[i] == "o" {
					err = outputValue{&o}.Set(tc.flags[i+1])
				} else {
					err = outputFileValue{&o}.Set(tc.flags[i+1])
				}
			}
			var specs []outputSpec
			if err == nil {
				specs, err = o.resolve()
			}
			if tc.wantErr {
				if err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Errorf("error %v, want one containing %q", err, tc.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, s := range specs {
				got = append(got, s.format+">"+s.file)
			}
			if strings.Join(got, " ") != tc.want {
				t.Errorf("outputs %q, want %q", strings.Join(got, " "), tc.want)
			}
		})
	}
}

func TestParseSize(t *testing.T) {
	tests := []struct {
		in   string
		want int64
	}{
		{"1", 1}, {"5000000", 5_000_000}, {"5M", 5_000_000}, {"5MB", 5_000_000}, {"10Mi", 10 << 20},
		{"10MiB", 10 << 20}, {"2k", 2000}, {"2K", 2000}, {"3Ki", 3072}, {"1G", 1e9}, {"1Gi", 1 << 30}, {" 7 ", 7},
	}
	for _, tc := range tests {
		got, err := parseSize(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("parseSize(%q) = %d, %v; want %d", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{"", "0", "-1", "ten", "1.5M", "1Ti", "M", "99999999999999999999", "9000000000Gi"} {
		if got, err := parseSize(bad); err == nil {
			t.Errorf("parseSize(%q) = %d, want an error", bad, got)
		}
	}
}

func TestProgressPrinter(t *testing.T) {
	var buf bytes.Buffer
	p := &progress{}
	start := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	pp := &progressPrinter{w: &buf, p: p, start: start, delay: time.Second}

	p.set("loading inputs", -1, -1)
	pp.tick(start.Add(500 * time.Millisecond))
	pp.clear()
	if buf.Len() != 0 {
		t.Fatalf("a scan shorter than the delay printed %q, want nothing", buf.String())
	}

	p.set("checking", 40, 1200)
	pp.tick(start.Add(3500 * time.Millisecond))
	if got, want := buf.String(), "\r\x1b[Kkubethreat: checking (1200 objects from 40 files, 3s)"; got != want {
		t.Errorf("progress line = %q, want %q", got, want)
	}
	p.set("applying suppressions", -1, -1)
	buf.Reset()
	pp.tick(start.Add(4 * time.Second))
	if !strings.Contains(buf.String(), "applying suppressions (1200 objects from 40 files, 4s)") {
		t.Errorf("progress line %q did not keep the counts", buf.String())
	}
	buf.Reset()
	pp.clear()
	if buf.String() != "\r\x1b[K" {
		t.Errorf("clear wrote %q, want the erase sequence", buf.String())
	}
}

func TestStartProgressStops(t *testing.T) {
	var buf bytes.Buffer
	stop := startProgress(&buf, &progress{stage: "loading"}, time.Hour)
	stop()
	if buf.Len() != 0 {
		t.Errorf("progress wrote %q before its delay", buf.String())
	}
}

// TestScanExampleGolden scans the example shipped in examples/shop, the
// scan the README shows, and compares the JSON report with a golden file.
func TestScanExampleGolden(t *testing.T) {
	fixClock(t, "2026-03-01")
	golden := filepath.Join("testdata", "scan", "shop.golden.json")
	golden, err := filepath.Abs(golden)
	if err != nil {
		t.Fatal(err)
	}
	t.Chdir(filepath.Join("..", ".."))

	out, errOut, code := run(t, "scan", "examples/shop", "-o", "json")
	if code != ExitOK {
		t.Fatalf("exit code %d; stderr:\n%s", code, errOut)
	}
	if *update {
		if err := os.WriteFile(golden, []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v; run go test ./internal/cli -run TestScanExampleGolden -update to create it", err)
	}
	if out != string(want) {
		t.Errorf("the report differs from %s; run go test ./internal/cli -run TestScanExampleGolden -update and review the diff.\ngot:\n%s", golden, out)
	}
}

// TestScanExampleFindings checks the deliberate problems and accepted
// risks that examples/shop/README.md lists, independently of the golden
// file. The scan finds the folder's .kubethreat.yaml by itself.
func TestScanExampleFindings(t *testing.T) {
	fixClock(t, "2026-03-01")
	t.Chdir(filepath.Join("..", ".."))
	doc, _ := scanJSON(t, ExitOK, "examples/shop")

	tests := []struct {
		check, name, want string
	}{
		{"pod-privileged", "log-agent", "fail"},
		{"image-registry-not-allowed", "log-agent", "fail"},
		{"secrets-env-credentials", "orders-api", "fail"},
		{"image-mutable-tag", "orders-api", "fail"},
		{"secrets-configmap-credentials", "orders-config", "fail"},
		{"rbac-secrets-read", "secret-reader", "fail"},
		{"image-no-digest", "orders-api", "suppressed"},
		{"hostpath-sensitive", "log-agent", "suppressed"},
	}
	for _, tc := range tests {
		got := findingStatus(doc, tc.check, tc.name)
		if len(got) == 0 || !allEqual(got, tc.want) {
			t.Errorf("%s on %s: statuses %v, want %s", tc.check, tc.name, got, tc.want)
		}
	}
	for _, f := range doc.Findings {
		if f.Object.Name == "storefront" && f.Status == "fail" {
			t.Errorf("the hardened storefront fails %s: %s", f.Check, f.Message)
		}
	}
	if len(doc.Suppressions) != 0 {
		t.Errorf("suppression notes = %+v, want none: every suppression in the example is used and current", doc.Suppressions)
	}
}

func allEqual(values []string, want string) bool {
	for _, v := range values {
		if v != want {
			return false
		}
	}
	return true
}

func TestScanUnselectedCheckNotUnused(t *testing.T) {
	fixClock(t, "2026-03-01")
	doc, _ := scanJSON(t, ExitOK, filepath.Join(scanData, "annotated.yaml"), "--checks", "pod-host-pid")
	if len(doc.Suppressions) != 0 {
		t.Errorf("suppression notes = %+v, want none: pod-privileged did not run, so its annotation had nothing to suppress", doc.Suppressions)
	}
	doc, _ = scanJSON(t, ExitOK, filepath.Join(scanData, "unprivileged.yaml"), "--checks", "pod-host-pid",
		"--config", filepath.Join(scanData, "config", "exceptions.yaml"))
	if len(doc.Suppressions) != 0 {
		t.Errorf("suppression notes = %+v, want none for exceptions of a check that did not run", doc.Suppressions)
	}
}

func TestScanWithoutObjectsWritesReports(t *testing.T) {
	dir := t.TempDir()
	broken := filepath.Join(dir, "broken.yaml")
	if err := os.WriteFile(broken, []byte("apiVersion: v1\nkind: Pod\nmetadata:\n  name: [\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	sarifFile := filepath.Join(dir, "scan.sarif")
	jsonFile := filepath.Join(dir, "scan.json")

	out, errOut, code := run(t, "scan", broken, "-o", "sarif="+sarifFile, "-o", "json="+jsonFile, "-o", "table")
	if code != ExitUsage {
		t.Fatalf("exit code %d, want %d; stderr:\n%s", code, ExitUsage, errOut)
	}
	if out != "" {
		t.Errorf("standard output %q, want no table for a scan that evaluated nothing", out)
	}
	if !strings.Contains(errOut, "no Kubernetes objects found") {
		t.Errorf("stderr %q does not say that no object was found", errOut)
	}

	var log struct {
		Runs []struct {
			Invocations []struct {
				ExecutionSuccessful bool `json:"executionSuccessful"`
			} `json:"invocations"`
		} `json:"runs"`
	}
	data, err := os.ReadFile(sarifFile)
	if err != nil {
		t.Fatalf("the SARIF report was not written: %v", err)
	}
	if err := json.Unmarshal(data, &log); err != nil {
		t.Fatal(err)
	}
	if len(log.Runs) != 1 || len(log.Runs[0].Invocations) != 1 || log.Runs[0].Invocations[0].ExecutionSuccessful {
		t.Errorf("SARIF invocations %+v, want one run whose execution was not successful", log.Runs)
	}

	data, err = os.ReadFile(jsonFile)
	if err != nil {
		t.Fatalf("the JSON report was not written: %v", err)
	}
	doc, err := report.ReadJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("the JSON report is not a valid scan result: %v", err)
	}
	if len(doc.Findings) != 0 {
		t.Errorf("%d findings, want none", len(doc.Findings))
	}
	var reasons []string
	for _, d := range doc.Diagnostics {
		reasons = append(reasons, d.Message)
	}
	if !strings.Contains(strings.Join(reasons, "\n"), "no Kubernetes objects found") {
		t.Errorf("diagnostics %q do not say that no object was found", reasons)
	}
}

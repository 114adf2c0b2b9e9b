package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubethreat/kubethreat/assess"
	"github.com/kubethreat/kubethreat/report"
)

var coverageDir = filepath.Join("testdata", "coverage")

// coverageArgs are the rule inputs every coverage test uses.
func coverageArgs(extra ...string) []string {
	args := []string{"coverage", "--rules", filepath.Join(coverageDir, "rules"), "--attest", filepath.Join(coverageDir, "attest.yaml")}
	return append(args, extra...)
}

func coverageGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join(coverageDir, "golden", name)
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

func coverageJSON(t *testing.T, wantCode int, args ...string) *assess.Coverage {
	t.Helper()
	out, errOut, code := run(t, append(args, "-o", "json")...)
	if code != wantCode {
		t.Fatalf("exit %d, want %d: %s", code, wantCode, errOut)
	}
	var c assess.Coverage
	if err := json.Unmarshal([]byte(out), &c); err != nil {
		t.Fatalf("decoding coverage JSON: %v", err)
	}
	return &c
}

func techniqueOf(t *testing.T, c *assess.Coverage, id string) assess.TechniqueCoverage {
	t.Helper()
	for _, tc := range c.Techniques {
		if tc.ID == id {
			return tc
		}
	}
	t.Fatalf("technique %s missing", id)
	return assess.TechniqueCoverage{}
}

func TestCoverageWithoutScanGolden(t *testing.T) {
	out, errOut, code := run(t, coverageArgs("--width", "120")...)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	// The plan's priorities follow the severities of the registered checks,
	// which change whenever a check is added; assess tests the plan with
	// fixed inputs. The golden file holds everything before the plan.
	heatMap, plan, found := strings.Cut(out, "Mitigation plan\n")
	if !found || !strings.Contains(plan, "Formula: "+assess.PriorityFormula) {
		t.Errorf("no mitigation plan with its formula in the report:\n%s", out)
	}
	coverageGolden(t, "no-scan.txt", heatMap)
	if strings.Contains(out, "\x1b[") {
		t.Error("colour codes written to a buffer that is not a terminal")
	}

	c := coverageJSON(t, ExitOK, coverageArgs()...)
	for _, tc := range c.Techniques {
		if tc.Exposure != report.NotEvaluated {
			t.Errorf("%s exposure %s without a scan", tc.ID, tc.Exposure)
		}
	}
	tests := []struct{ id, level string }{
		{"MS-TA9006", assess.LevelCovered}, // builtin Falco audit mapping
		{"MS-TA9013", assess.LevelCovered}, // Sigma link and unique T1611
		{"MS-TA9018", assess.LevelPartial}, // only the shared T1610
		{"MS-TA9003", assess.LevelCovered}, // mapping file
		{"MS-TA9017", assess.LevelCovered}, // attested
		{"MS-TA9024", assess.LevelNone},    // its only rule is disabled
	}
	for _, tt := range tests {
		if got := techniqueOf(t, c, tt.id); got.Level != tt.level {
			t.Errorf("%s level = %s, want %s", tt.id, got.Level, tt.level)
		}
	}
	if got := techniqueOf(t, c, "MS-TA9024"); got.Disabled != 1 {
		t.Errorf("MS-TA9024 disabled detections = %d, want 1", got.Disabled)
	}
}

func TestCoverageScanFileAndPathsAgree(t *testing.T) {
	dir := t.TempDir()
	scanFile := filepath.Join(dir, "scan.json")
	shop := filepath.Join("..", "..", "examples", "shop")
	if _, err := os.Stat(shop); err != nil {
		t.Skipf("example %s not found: %v", shop, err)
	}
	if _, errOut, code := run(t, "scan", shop, "-o", "json", "--output-file", scanFile); code != ExitOK && code != ExitFindings {
		t.Fatalf("scan exited %d: %s", code, errOut)
	}

	fromFile := coverageJSON(t, ExitOK, coverageArgs("--scan", scanFile)...)
	fromPaths := coverageJSON(t, ExitOK, coverageArgs(shop)...)
	if !fromFile.Scanned || !fromPaths.Scanned {
		t.Fatal("coverage does not record the scan")
	}
	exposed := 0
	for i, tc := range fromFile.Techniques {
		if tc.Exposure != fromPaths.Techniques[i].Exposure {
			t.Errorf("%s: exposure %s from the saved scan, %s from scanning the paths", tc.ID, tc.Exposure, fromPaths.Techniques[i].Exposure)
		}
		if tc.Exposure == report.Exposed {
			exposed++
		}
	}
	if exposed == 0 {
		t.Error("the example exposes no technique; the test would not notice lost exposure")
	}
	if len(fromFile.Plan.Steps) == 0 || fromFile.Plan.Formula != assess.PriorityFormula {
		t.Errorf("plan = %+v", fromFile.Plan)
	}
}

func TestCoverageFormats(t *testing.T) {
	dir := t.TempDir()
	html := filepath.Join(dir, "coverage.html")
	if _, errOut, code := run(t, coverageArgs("-o", "html", "--output-file", html)...); code != ExitOK {
		t.Fatalf("html: exit %d: %s", code, errOut)
	}
	data, err := os.ReadFile(html)
	if err != nil || !strings.HasPrefix(string(data), "<!DOCTYPE html>") {
		t.Errorf("HTML report: %v, %.40q", err, data)
	}

	out, errOut, code := run(t, coverageArgs("-o", "navigator", "--navigator-base-url", "https://kt.example.org")...)
	if code != ExitOK {
		t.Fatalf("navigator: exit %d: %s", code, errOut)
	}
	var layer struct {
		Versions struct{ Layer string } `json:"versions"`
		Domain   string                 `json:"domain"`
	}
	if err := json.Unmarshal([]byte(out), &layer); err != nil || layer.Versions.Layer != "4.5" || layer.Domain != "enterprise-attack" {
		t.Errorf("navigator layer: %v %+v", err, layer)
	}
	if !strings.Contains(out, "https://kt.example.org/techniques/MS-TA9006") {
		t.Error("navigator links do not use --navigator-base-url")
	}

	md, _, code := run(t, coverageArgs("-o", "markdown")...)
	if code != ExitOK || !strings.Contains(md, "## Mitigation plan") {
		t.Errorf("markdown: exit %d", code)
	}

	stixFile := filepath.Join(dir, "matrix.json")
	if _, errOut, code := run(t, "coverage", "--stix", stixFile); code != ExitOK {
		t.Fatalf("stix: exit %d: %s", code, errOut)
	}
	var bundle struct {
		Type    string `json:"type"`
		Objects []any  `json:"objects"`
	}
	data, _ = os.ReadFile(stixFile)
	if err := json.Unmarshal(data, &bundle); err != nil || bundle.Type != "bundle" || len(bundle.Objects) < 100 {
		t.Errorf("STIX bundle: %v, type %q, %d objects", err, bundle.Type, len(bundle.Objects))
	}
}

func TestCoverageErrors(t *testing.T) {
	tests := []struct {
		name   string
		args   []string
		stderr string
		report bool // whether a report is still written
	}{
		{"bad rule file", []string{"coverage", "--rules", filepath.Join(coverageDir, "bad.yaml"), "--rules", filepath.Join(coverageDir, "rules")},
			"bad.yaml:1: error: invalid YAML", true},
		{"invalid attestation", []string{"coverage", "--attest", filepath.Join(coverageDir, "attest-invalid.yaml")},
			`attest-invalid.yaml:2: unknown mitigation ID "MS-M9113"; did you mean MS-M9013`, false},
		{"rules path without rules", []string{"coverage", "--rules", filepath.Join(coverageDir, "attest.yaml")},
			"no Falco, Sigma, Elastic, Splunk or mapping-file rule found", true},
		{"unknown format", []string{"coverage", "-o", "sarif"}, `unknown output format "sarif"`, false},
		{"scan and paths", []string{"coverage", "--scan", "x.json", "k8s/"}, "either --scan or paths", false},
		{"unknown profile", []string{"coverage", "--profile", "guardduty"}, `unknown detection profile "guardduty"`, false},
		{"missing scan", []string{"coverage", "--scan", filepath.Join(coverageDir, "none.json")}, "cannot read scan result", false},
		{"scan not a scan", []string{"coverage", "--scan", filepath.Join(coverageDir, "attest.yaml")}, "invalid JSON", false},
		{"manifest without objects", []string{"coverage", filepath.Join(scanData, "not-objects")}, "no Kubernetes objects found", true},
		{"narrow table", []string{"coverage", "--width", "5"}, "invalid --width 5", false},
		{"negative width", []string{"coverage", "--width", "-1"}, "invalid --width -1", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut, code := run(t, tt.args...)
			if code != ExitUsage {
				t.Errorf("exit %d, want %d", code, ExitUsage)
			}
			if !strings.Contains(errOut, tt.stderr) {
				t.Errorf("stderr %q, want it to contain %q", errOut, tt.stderr)
			}
			if got := strings.Contains(out, "Mitigation plan"); got != tt.report {
				t.Errorf("report written = %v, want %v", got, tt.report)
			}
		})
	}
}

func TestCoverageSavedScanWithErrors(t *testing.T) {
	saved := filepath.Join(t.TempDir(), "scan.json")
	if _, errOut, code := run(t, "scan", filepath.Join(scanData, "not-objects"), "-o", "json="+saved); code != ExitUsage {
		t.Fatalf("scan exited %d, want %d: %s", code, ExitUsage, errOut)
	}
	out, errOut, code := run(t, "coverage", "--scan", saved)
	if code != ExitUsage {
		t.Errorf("coverage --scan of a failed scan exited %d, want %d", code, ExitUsage)
	}
	if !strings.Contains(errOut, "input error of the saved scan: no Kubernetes objects found") {
		t.Errorf("stderr %q does not name the saved scan's input error", errOut)
	}
	if !strings.Contains(out, "Mitigation plan") {
		t.Errorf("no report was written:\n%s", out)
	}
}

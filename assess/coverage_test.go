package assess

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubethreat/kubethreat/check"
	"github.com/kubethreat/kubethreat/detect"
	"github.com/kubethreat/kubethreat/matrix"
	"github.com/kubethreat/kubethreat/report"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func testMatrix(t testing.TB) *matrix.Matrix {
	t.Helper()
	m, err := matrix.Default()
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// fixtureScan is a small scan result: privileged containers fail on one of
// three objects, pod exec RBAC fails everywhere, and the secret read check
// passes.
func fixtureScan() *report.ScanDocument {
	return &report.ScanDocument{
		SchemaVersion: report.SchemaVersion,
		Inputs:        []string{"examples/shop"},
		Techniques: []report.TechniqueStatus{
			{ID: "MS-TA9018", Status: report.Exposed, Checks: []string{"pod-privileged"}, Failed: 1},
			{ID: "MS-TA9006", Status: report.Exposed, Checks: []string{"rbac-pod-exec"}, Failed: 2},
			{ID: "MS-TA9025", Status: report.NotObserved, Checks: []string{"rbac-secrets-read"}},
			{ID: "MS-TA9003", Status: report.NotAssessable, Reason: ReasonNoCheck},
		},
		Checks: []report.CheckInfo{
			{ID: "pod-privileged", Severity: check.High, Techniques: []string{"MS-TA9018"}, Mitigations: []string{"MS-M9013", "MS-M9017"},
				Stats: report.CheckStats{Evaluated: 3, Passed: 2, Failed: 1}},
			{ID: "rbac-pod-exec", Severity: check.Medium, Techniques: []string{"MS-TA9006"}, Mitigations: []string{"MS-M9003", "MS-M9010"},
				Stats: report.CheckStats{Evaluated: 2, Failed: 2}},
			{ID: "rbac-secrets-read", Severity: check.High, Techniques: []string{"MS-TA9025"}, Mitigations: []string{"MS-M9003"},
				Stats: report.CheckStats{Evaluated: 4, Passed: 4}},
		},
		Findings: []report.Finding{
			{Check: "pod-privileged", Status: check.Fail, Severity: check.High, Techniques: []string{"MS-TA9018"}},
			{Check: "rbac-pod-exec", Status: check.Fail, Severity: check.Medium, Techniques: []string{"MS-TA9006"}},
		},
	}
}

// fixtureRules maps one rule explicitly to exec, one through the shared
// T1610 and one disabled rule to secrets.
func fixtureRules() *detect.Set {
	return &detect.Set{Rules: []detect.Rule{
		{Source: "rules.yaml", Line: 3, Format: "falco", Name: "Attach/Exec Pod", Enabled: true,
			Mappings: []detect.Mapping{{Technique: "MS-TA9006", How: detect.Builtin, Via: "rule name: Attach/Exec Pod"}}},
		{Source: "rules.yaml", Line: 9, Format: "falco", Name: "Launch <b>container</b>", Enabled: true, AttackIDs: []string{"T1610"},
			Mappings: []detect.Mapping{
				{Technique: "MS-TA9008", How: detect.AttackShared, Via: "T1610"},
				{Technique: "MS-TA9011", How: detect.AttackShared, Via: "T1610"},
				{Technique: "MS-TA9018", How: detect.AttackShared, Via: "T1610"},
			}},
		{Source: "rules.yaml", Line: 20, Format: "falco", Name: "Secret read", Enabled: false,
			Mappings: []detect.Mapping{{Technique: "MS-TA9025", How: detect.Builtin, Via: "rule name"}}},
		{Source: "rules.yaml", Line: 30, Format: "falco", Name: "Shell tagged T1555", Enabled: true, AttackIDs: []string{"T1555"},
			Reason: "no matrix technique maps to ATT&CK T1555"},
	}}
}

func fixtureCoverage(t testing.TB, withScan bool) *Coverage {
	t.Helper()
	m := testMatrix(t)
	att, err := ParseAttestations(m, "attest.yaml", []byte(`
mitigations:
  - id: MS-M9010
    status: in_place
    owner: platform
    date: 2025-01-10
  - id: MS-M9025
    status: planned
    owner: app-teams
    date: 2025-06-30
detections:
  - technique: MS-TA9003
    name: SIEM kubeconfig read
    owner: soc
`))
	if err != nil {
		t.Fatal(err)
	}
	in := Input{Matrix: m, Rules: fixtureRules(), Attestations: att}
	if withScan {
		in.Scan = fixtureScan()
	}
	return Compute(in)
}

func TestCoverageLevels(t *testing.T) {
	c := fixtureCoverage(t, true)
	tests := []struct {
		id, level, exposure string
		detections          int
	}{
		{"MS-TA9006", LevelCovered, report.Exposed, 1},
		{"MS-TA9018", LevelPartial, report.Exposed, 1},
		{"MS-TA9008", LevelPartial, report.NotEvaluated, 1},
		{"MS-TA9025", LevelNone, report.NotObserved, 0},
		{"MS-TA9003", LevelCovered, report.NotAssessable, 1},
		{"MS-TA9041", LevelNone, report.NotEvaluated, 0},
	}
	for _, tt := range tests {
		tc, ok := c.Technique(tt.id)
		if !ok {
			t.Fatalf("%s missing", tt.id)
		}
		if tc.Level != tt.level {
			t.Errorf("%s level = %s, want %s", tt.id, tc.Level, tt.level)
		}
		if tc.Exposure != tt.exposure {
			t.Errorf("%s exposure = %s, want %s", tt.id, tc.Exposure, tt.exposure)
		}
		if len(tc.Detections) != tt.detections {
			t.Errorf("%s detections = %d, want %d", tt.id, len(tc.Detections), tt.detections)
		}
	}
	secrets, _ := c.Technique("MS-TA9025")
	if secrets.Disabled != 1 {
		t.Errorf("MS-TA9025 disabled = %d, want 1 (the disabled rule is listed, not counted)", secrets.Disabled)
	}
}

func TestCoverageWithoutScan(t *testing.T) {
	c := fixtureCoverage(t, false)
	for _, tc := range c.Techniques {
		if tc.Exposure != report.NotEvaluated {
			t.Errorf("%s exposure = %s without a scan, want not_evaluated", tc.ID, tc.Exposure)
		}
	}
	if c.Scanned {
		t.Error("Scanned is true without a scan")
	}
}

func TestCoverageUnreachableAndShared(t *testing.T) {
	c := fixtureCoverage(t, false)
	want := []string{"MS-TA9003", "MS-TA9010", "MS-TA9017", "MS-TA9041"}
	if strings.Join(c.Unreachable, ",") != strings.Join(want, ",") {
		t.Errorf("unreachable = %v, want %v", c.Unreachable, want)
	}
	var t1610 *SharedAttack
	for i := range c.Shared {
		if c.Shared[i].AttackID == "T1610" {
			t1610 = &c.Shared[i]
		}
	}
	if t1610 == nil {
		t.Fatal("T1610 not listed as shared")
	}
	if strings.Join(t1610.Techniques, ",") != "MS-TA9008,MS-TA9011,MS-TA9018" || t1610.Rules != 1 {
		t.Errorf("T1610 = %+v, want MS-TA9008, MS-TA9011, MS-TA9018 with 1 rule", *t1610)
	}
	tc, _ := c.Technique("MS-TA9018")
	if strings.Join(tc.SharedWith["T1610"], ",") != "MS-TA9008,MS-TA9011" {
		t.Errorf("MS-TA9018 shares T1610 with %v", tc.SharedWith["T1610"])
	}
}

func TestMitigationStates(t *testing.T) {
	c := fixtureCoverage(t, true)
	state := func(tech, mit string) MitigationStatus {
		tc, _ := c.Technique(tech)
		for _, ms := range tc.Mitigations {
			if ms.ID == mit {
				return ms
			}
		}
		t.Fatalf("%s has no mitigation %s", tech, mit)
		return MitigationStatus{}
	}
	tests := []struct{ tech, mit, want string }{
		{"MS-TA9018", "MS-M9013", MitigationPartial}, // passes on 2 objects, fails on 1
		{"MS-TA9006", "MS-M9003", MitigationPartial}, // rbac-pod-exec fails, rbac-secrets-read passes
		{"MS-TA9006", "MS-M9010", MitigationPartial}, // attested in place, but its check fails
		{"MS-TA9016", "MS-M9025", MitigationMissing}, // planned only
		{"MS-TA9001", "MS-M9001", MitigationUnknown}, // no check, no attestation
		{"MS-TA9018", "MS-M9005.003", MitigationUnknown},
	}
	for _, tt := range tests {
		if got := state(tt.tech, tt.mit); got.State != tt.want {
			t.Errorf("%s on %s = %s, want %s (evidence %v)", tt.mit, tt.tech, got.State, tt.want, got.Evidence)
		}
	}
	if p := state("MS-TA9016", "MS-M9025").Planned; !strings.Contains(p, "app-teams") || !strings.Contains(p, "2025-06-30") {
		t.Errorf("planned = %q, want the owner and date", p)
	}
}

func TestPriorityFormula(t *testing.T) {
	// One technique of each kind, computed by hand from PriorityFormula.
	tests := []struct {
		exposure, level string
		severity        check.Severity
		want            float64
	}{
		{report.Exposed, LevelNone, check.High, 1 * 1 * 0.8},
		{report.Exposed, LevelCovered, check.Critical, 1 * 0.2 * 1},
		{report.NotEvaluated, LevelPartial, check.Medium, 0.5 * 0.5 * 0.6},
		{report.NotAssessable, LevelNone, check.Medium, 0.3 * 1 * 0.6},
		{report.NotObserved, LevelNone, check.Low, 0.1 * 1 * 0.4},
	}
	for _, tt := range tests {
		got := ExposureWeight(tt.exposure) * (1 - DetectionWeight(tt.level)) * SeverityWeight(tt.severity)
		if round3(got) != round3(tt.want) {
			t.Errorf("%s/%s/%s share = %v, want %v", tt.exposure, tt.level, tt.severity, got, tt.want)
		}
	}

	c := fixtureCoverage(t, true)
	// MS-M9013 is partial (G = 0.5) and mitigates MS-TA9008, MS-TA9011,
	// MS-TA9012, MS-TA9013, MS-TA9018, MS-TA9020, MS-TA9026, MS-TA9036.
	want := 0.0
	m := testMatrix(t)
	x, _ := m.Mitigation("MS-M9013")
	for _, l := range x.Techniques {
		tc, _ := c.Technique(l.Technique.ID)
		want += ExposureWeight(tc.Exposure) * (1 - DetectionWeight(tc.Level)) * SeverityWeight(tc.Severity)
	}
	want = round3(0.5 * want)
	var got *PlanStep
	for i := range c.Plan.Steps {
		if c.Plan.Steps[i].Mitigation == "MS-M9013" {
			got = &c.Plan.Steps[i]
		}
	}
	if got == nil || got.Priority != want {
		t.Fatalf("MS-M9013 priority = %+v, want %v", got, want)
	}
	if got.Closes[0].ID != "MS-TA9018" {
		t.Errorf("MS-M9013 closes %v first, want the exposed, partly detected MS-TA9018", got.Closes[0])
	}
	for i := 1; i < len(c.Plan.Steps); i++ {
		if c.Plan.Steps[i].Priority > c.Plan.Steps[i-1].Priority {
			t.Errorf("plan not sorted by priority at %d", i)
		}
	}
	for _, s := range c.Plan.Steps {
		if s.State == MitigationInPlace {
			t.Errorf("%s is in place but still in the plan", s.Mitigation)
		}
	}
}

func TestPlanRaisesExposedMitigations(t *testing.T) {
	without := fixtureCoverage(t, false)
	with := fixtureCoverage(t, true)
	priority := func(c *Coverage, id string) float64 {
		for _, s := range c.Plan.Steps {
			if s.Mitigation == id {
				return s.Priority
			}
		}
		return 0
	}
	// MS-M9017 mitigates only MS-TA9013 and MS-TA9018; the scan exposes
	// MS-TA9018 and finds MS-M9017 partly in place.
	if priority(with, "MS-M9017") <= 0 {
		t.Errorf("MS-M9017 priority = %v with the scan, want > 0", priority(with, "MS-M9017"))
	}
	if priority(with, "MS-M9010") <= 0 {
		t.Errorf("MS-M9010 is attested in place but its check fails, so it is partial; priority %v, want > 0", priority(with, "MS-M9010"))
	}
	if priority(without, "MS-M9010") != 0 {
		t.Errorf("MS-M9010 is attested in place and nothing contradicts it; priority %v, want 0", priority(without, "MS-M9010"))
	}
	if priority(without, "MS-M9001") != priority(with, "MS-M9001") {
		t.Errorf("MS-M9001 changed with a scan that does not touch its techniques")
	}
}

func TestParseAttestations(t *testing.T) {
	m := testMatrix(t)
	a, err := ReadAttestations(m, filepath.Join("testdata", "attest-valid.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Mitigations) != 2 || a.Mitigations[1].ID != "MS-M9025" {
		t.Errorf("mitigations = %+v, want two with the ID upper-cased", a.Mitigations)
	}
	if len(a.Detections) != 1 || a.Detections[0].Source != filepath.Join("testdata", "attest-valid.yaml")+":12" {
		t.Errorf("detections = %+v, want one at line 12", a.Detections)
	}

	_, err = ReadAttestations(m, filepath.Join("testdata", "attest-invalid.yaml"))
	if err == nil {
		t.Fatal("invalid attestations accepted")
	}
	want := []struct {
		line int
		msg  string
	}{
		{2, `unknown mitigation ID "MS-M9099"; did you mean MS-M9009`},
		{3, `invalid status "done"`},
		{6, `invalid date "10/01/2025"`},
		{7, "attested twice (first at line 4)"},
		{10, "technique MS-TA9032 is retired; use MS-TA9005"},
		{12, `unknown technique ID "MS-TA9106"; did you mean MS-TA9006`},
		{14, `unknown key "team"`},
		{15, "has no name"},
		{16, `unknown key "owners"`},
	}
	var found []*AttestationError
	for _, e := range unwrapAll(err) {
		var ae *AttestationError
		if errors.As(e, &ae) {
			found = append(found, ae)
		}
	}
	for _, w := range want {
		ok := false
		for _, ae := range found {
			if ae.Line == w.line && strings.Contains(ae.Message, w.msg) {
				ok = true
			}
		}
		if !ok {
			t.Errorf("no error %q at line %d; got:\n%v", w.msg, w.line, err)
		}
	}
}

func unwrapAll(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

func TestGoldenReports(t *testing.T) {
	c := fixtureCoverage(t, true)
	var text, html, md strings.Builder
	if err := WriteText(&text, c, TextOptions{Width: 120}); err != nil {
		t.Fatal(err)
	}
	if err := WriteHTML(&html, c); err != nil {
		t.Fatal(err)
	}
	if err := WriteMarkdown(&md, c); err != nil {
		t.Fatal(err)
	}
	golden(t, "coverage.txt", text.String())
	golden(t, "coverage.html", html.String())
	golden(t, "coverage.md", md.String())

	if strings.Contains(html.String(), "<b>container</b>") {
		t.Error("HTML report does not escape a rule name")
	}
	for _, external := range []string{"<script", "src=\"http", "href=\"http", "@import", "url("} {
		if strings.Contains(html.String(), external) {
			t.Errorf("HTML report loads or runs something outside the file: %q", external)
		}
	}
	var colored strings.Builder
	if err := WriteText(&colored, c, TextOptions{Width: 120, Color: true}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(colored.String(), "\x1b[1;33m") || strings.Contains(text.String(), "\x1b[") {
		t.Error("colour codes wrong: want them only with Color, bold yellow for an exposed partial technique")
	}
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v; run go test -update to create it", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from the golden file; run go test -update and review the diff", name)
	}
}

func TestSeverityLeavesOutPreventionChecks(t *testing.T) {
	checks := []*check.Check{
		{ID: "pod-privileged", Severity: check.High, Techniques: []string{"MS-TA9018"}},
		{ID: "admission-no-policy", Severity: check.Critical, Techniques: []string{"MS-TA9018", "MS-TA9006"}, Prevention: true},
	}
	scan := &report.ScanDocument{Findings: []report.Finding{
		{Check: "admission-no-policy", Status: check.Fail, Severity: check.Critical, Techniques: []string{"MS-TA9018", "MS-TA9006"}},
	}}
	got := techniqueSeverities(scan, checks)
	if got["MS-TA9018"] != check.High {
		t.Errorf("MS-TA9018 severity = %s, want high from pod-privileged, not critical from a prevention check", got["MS-TA9018"])
	}
	if _, ok := got["MS-TA9006"]; ok {
		t.Errorf("MS-TA9006 has severity %s from a prevention check alone", got["MS-TA9006"])
	}
}

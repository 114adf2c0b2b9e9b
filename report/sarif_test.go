package report

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/kubethreat/kubethreat/check"
	"github.com/kubethreat/kubethreat/source"
)

func TestSARIFMatchesSchema(t *testing.T) {
	path, err := filepath.Abs(filepath.Join("testdata", "sarif-schema-2.1.0.json"))
	if err != nil {
		t.Fatal(err)
	}
	schema := compileSchema(t, path)

	empty := testScan(t)
	empty.Result = &check.Result{}
	empty.Diagnostics, empty.Suppressions = nil, nil

	for name, s := range map[string]*Scan{"full": testScan(t), "empty": empty} {
		t.Run(name, func(t *testing.T) {
			if err := validateJSON(t, schema, render(t, "sarif", s)); err != nil {
				t.Errorf("output does not match the SARIF 2.1.0 schema: %v", err)
			}
		})
	}
}

// decodeSARIF renders a scan as SARIF and decodes it into the writer's own
// types.
func decodeSARIF(t *testing.T, s *Scan) sarifLog {
	t.Helper()
	var log sarifLog
	if err := json.Unmarshal(render(t, "sarif", s), &log); err != nil {
		t.Fatalf("decoding SARIF: %v", err)
	}
	if len(log.Runs) != 1 {
		t.Fatalf("SARIF has %d runs, want 1", len(log.Runs))
	}
	return log
}

func TestSARIFResultsKeepLocations(t *testing.T) {
	s := testScan(t)
	run := decodeSARIF(t, s).Runs[0]

	want := sortedFindings(s, check.Fail, check.Suppressed)
	if len(run.Results) != len(want) {
		t.Fatalf("SARIF has %d results, want %d (failing and suppressed findings)", len(run.Results), len(want))
	}
	for i, r := range run.Results {
		f := want[i]
		if r.RuleID != f.Check || run.Tool.Driver.Rules[r.RuleIndex].ID != f.Check {
			t.Errorf("result %d: ruleId %q, rule at ruleIndex %d is %q, want %q", i, r.RuleID, r.RuleIndex, run.Tool.Driver.Rules[r.RuleIndex].ID, f.Check)
		}
		phys := r.Locations[0].PhysicalLocation
		switch {
		case f.Location.Cluster != "" || stdinNames[f.Location.File]:
			if phys != nil {
				t.Errorf("result %d (%s): physical location %+v for a finding without a file", i, locationText(f.Location), phys)
			}
		case !hasFile(f.Location):
			want := sarifArtifactLocation{URI: "deploy", URIBaseID: srcRoot}
			if phys == nil || phys.ArtifactLocation != want || phys.Region != nil {
				t.Errorf("result %d (%s): physical location %+v, want the scanned path %+v without a region", i, f.Check, phys, want)
			}
		case phys == nil:
			t.Errorf("result %d (%s): no physical location", i, locationText(f.Location))
		case phys.Region == nil || phys.Region.StartLine != f.Location.Line || phys.Region.StartColumn != f.Location.Column:
			t.Errorf("result %d: region %+v, want line %d column %d", i, phys.Region, f.Location.Line, f.Location.Column)
		}
		if got := r.Locations[0].LogicalLocations; len(got) != 1 || got[0].Name != f.Object.Name {
			t.Errorf("result %d: logical locations %+v, want the object %s", i, got, objectName(f.Object))
		}
	}
}

func TestSARIFClusterFinding(t *testing.T) {
	run := decodeSARIF(t, testScan(t)).Runs[0]
	for _, r := range run.Results {
		if r.RuleID != "rbac-secrets-read" {
			continue
		}
		loc := r.Locations[0]
		if loc.PhysicalLocation != nil {
			t.Errorf("cluster finding has a physical location: %+v", loc.PhysicalLocation)
		}
		want := sarifLogicalLocation{Name: "reader", FullyQualifiedName: "ClusterRole/reader", Kind: "resource"}
		if len(loc.LogicalLocations) != 1 || loc.LogicalLocations[0] != want {
			t.Errorf("logical locations = %+v, want [%+v]", loc.LogicalLocations, want)
		}
		if r.Properties == nil || r.Properties.Cluster != "prod" {
			t.Errorf("properties = %+v, want cluster prod", r.Properties)
		}
		return
	}
	t.Fatal("no result for the cluster finding of rbac-secrets-read")
}

func TestSARIFNoRegionWithoutLine(t *testing.T) {
	s := testScan(t)
	s.Result.Findings[0].Location = source.Location{File: "deploy/api.yaml"}
	run := decodeSARIF(t, s).Runs[0]
	for _, r := range run.Results {
		phys := r.Locations[0].PhysicalLocation
		if phys != nil && phys.ArtifactLocation.URI == "deploy/api.yaml" && phys.Region != nil && phys.Region.StartLine == 1 {
			t.Errorf("result %s has region %+v, but no finding in deploy/api.yaml is on line 1", r.RuleID, phys.Region)
		}
	}
}

func TestInputAnchor(t *testing.T) {
	cases := []struct {
		inputs []string
		want   string
	}{
		{nil, ""},
		{[]string{"-"}, ""},
		{[]string{"cluster prod"}, ""},
		{[]string{"-", "k8s/app.yaml", "charts/"}, "k8s/app.yaml"},
	}
	for _, tc := range cases {
		if got := inputAnchor(tc.inputs); got != tc.want {
			t.Errorf("inputAnchor(%q) = %q, want %q", tc.inputs, got, tc.want)
		}
	}
}

func TestArtifactLocation(t *testing.T) {
	cases := []struct {
		file string
		want sarifArtifactLocation
	}{
		{"deploy/api.yaml", sarifArtifactLocation{URI: "deploy/api.yaml", URIBaseID: srcRoot}},
		{"./deploy//api.yaml", sarifArtifactLocation{URI: "deploy/api.yaml", URIBaseID: srcRoot}},
		{"deploy/node agents/a#1.yaml", sarifArtifactLocation{URI: "deploy/node%20agents/a%231.yaml", URIBaseID: srcRoot}},
		{"café/100%.yaml", sarifArtifactLocation{URI: "caf%C3%A9/100%25.yaml", URIBaseID: srcRoot}},
		{"c:odd/x.yaml", sarifArtifactLocation{URI: "c%3Aodd/x.yaml", URIBaseID: srcRoot}},
		{"../shared/x.yaml", sarifArtifactLocation{URI: "../shared/x.yaml", URIBaseID: srcRoot}},
		{"/srv/manifests/a b.yaml", sarifArtifactLocation{URI: "file:///srv/manifests/a%20b.yaml"}},
		{"C:/work/x.yaml", sarifArtifactLocation{URI: "file:///C:/work/x.yaml"}},
	}
	for _, tc := range cases {
		if got := artifactLocation(tc.file); got != tc.want {
			t.Errorf("artifactLocation(%q) = %+v, want %+v", tc.file, got, tc.want)
		}
	}
}

func TestSARIFRules(t *testing.T) {
	run := decodeSARIF(t, testScan(t)).Runs[0]
	byID := map[string]sarifRule{}
	for _, r := range run.Tool.Driver.Rules {
		byID[r.ID] = r
	}
	if len(byID) != len(testChecks()) {
		t.Errorf("%d rules, want one per check (%d)", len(byID), len(testChecks()))
	}

	cases := []struct {
		id, name, level, score string
		tags                   []string
	}{
		{"pod-privileged", "PodPrivileged", "error", "9.5", []string{"security", "kubernetes", "MS-TA9008", "MS-TA9018", "T1610"}},
		{"pod-hostpath-writable", "PodHostpathWritable", "error", "7.5", []string{"security", "kubernetes", "MS-TA9013", "T1611"}},
		{"rbac-secrets-read", "RbacSecretsRead", "warning", "5.0", []string{"security", "kubernetes", "MS-TA9025", "T1552.007"}},
		{"image-latest-tag", "ImageLatestTag", "note", "3.0", []string{"security", "kubernetes", "MS-TA9002", "T1195.002", "T1525"}},
		{"workload-no-limits", "WorkloadNoLimits", "note", "", []string{"security", "kubernetes", "MS-TA9039", "MS-TA9040", "T1496", "T1498", "T1499"}},
	}
	for _, tc := range cases {
		r, ok := byID[tc.id]
		if !ok {
			t.Errorf("no rule %s", tc.id)
			continue
		}
		if r.Name != tc.name {
			t.Errorf("%s: name %q, want %q", tc.id, r.Name, tc.name)
		}
		if r.DefaultConfiguration.Level != tc.level {
			t.Errorf("%s: level %q, want %q", tc.id, r.DefaultConfiguration.Level, tc.level)
		}
		if r.Properties.SecuritySeverity != tc.score {
			t.Errorf("%s: security-severity %q, want %q", tc.id, r.Properties.SecuritySeverity, tc.score)
		}
		if !equalStrings(r.Properties.Tags, tc.tags) {
			t.Errorf("%s: tags %v, want %v", tc.id, r.Properties.Tags, tc.tags)
		}
	}

	help := byID["pod-privileged"].Help
	for _, want := range []string{"Remove securityContext.privileged", "MS-TA9018 Privileged container", "T1610 Deploy Container", "MS-M9013"} {
		if !bytes.Contains([]byte(help.Text), []byte(want)) || !bytes.Contains([]byte(help.Markdown), []byte(want)) {
			t.Errorf("help of pod-privileged lacks %q:\ntext: %s\nmarkdown: %s", want, help.Text, help.Markdown)
		}
	}
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestSARIFSuppressions(t *testing.T) {
	run := decodeSARIF(t, testScan(t)).Runs[0]
	got := map[string]sarifSuppression{}
	for _, r := range run.Results {
		if len(r.Suppressions) > 0 {
			got[r.Locations[0].LogicalLocations[0].FullyQualifiedName] = r.Suppressions[0]
		}
	}
	if s := got["shop/Pod/debug"]; s.Kind != "inSource" || s.Justification != "the debug pod lists pods through the API" {
		t.Errorf("annotation suppression = %+v, want kind inSource with its reason", s)
	}
	if s := got["shop/Deployment/api"]; s.Kind != "external" || s.Properties["expires"] != "2030-06-30" {
		t.Errorf("exceptions-file suppression = %+v, want kind external expiring 2030-06-30", s)
	}
	if len(got) != 2 {
		t.Errorf("%d suppressed results, want 2", len(got))
	}
}

func TestSARIFNotifications(t *testing.T) {
	inv := decodeSARIF(t, testScan(t)).Runs[0].Invocations[0]
	if inv.ExecutionSuccessful {
		t.Error("executionSuccessful is true although an input could not be read")
	}

	var notEvaluated, inputErrors int
	for _, n := range inv.ToolExecutionNotifications {
		switch n.Descriptor.ID {
		case "not-evaluated":
			notEvaluated++
			if n.Level != "warning" || n.AssociatedRule == nil || n.AssociatedRule.Index == nil {
				t.Errorf("not-evaluated notification %+v needs level warning and a rule with an index", n)
			}
		case "input-error":
			inputErrors++
		}
	}
	if notEvaluated != 2 {
		t.Errorf("%d not-evaluated notifications, want 2", notEvaluated)
	}
	if inputErrors != 1 {
		t.Errorf("%d input-error notifications, want 1", inputErrors)
	}
	if len(inv.ToolConfigurationNotifications) != 2 {
		t.Errorf("%d configuration notifications, want 2 (expired and unused suppressions)", len(inv.ToolConfigurationNotifications))
	}
}

func TestFingerprintStable(t *testing.T) {
	s := testScan(t)
	a := s.Result.Findings[0]
	moved := a
	moved.Location.Line += 10
	moved.Message = "reworded"
	other := a
	other.FieldPath = "spec.template.spec.containers[1].securityContext.privileged"

	if fingerprint(&a) != fingerprint(&moved) {
		t.Error("fingerprint changed when only the line and message changed")
	}
	if fingerprint(&a) == fingerprint(&other) {
		t.Error("fingerprint is the same for two different fields")
	}
}

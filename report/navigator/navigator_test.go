package navigator

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/kubethreat/kubethreat/assess"
	"github.com/kubethreat/kubethreat/detect"
	"github.com/kubethreat/kubethreat/matrix"
	"github.com/kubethreat/kubethreat/report"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// fixtureCoverage has one explicit detection of MS-TA9018, a T1610 rule
// shared by MS-TA9008, MS-TA9011 and MS-TA9018, and an exec rule.
func fixtureCoverage(t *testing.T) *assess.Coverage {
	t.Helper()
	m, err := matrix.Default()
	if err != nil {
		t.Fatal(err)
	}
	rules := &detect.Set{Rules: []detect.Rule{
		{Source: "r.yaml", Line: 1, Format: "sigma", Name: "Privileged pod", Enabled: true,
			Mappings: []detect.Mapping{{Technique: "MS-TA9018", How: detect.Explicit, Via: "link"}}},
		{Source: "r.yaml", Line: 9, Format: "sigma", Name: "Deploy container", Enabled: true,
			Mappings: []detect.Mapping{
				{Technique: "MS-TA9008", How: detect.AttackShared, Via: "T1610"},
				{Technique: "MS-TA9011", How: detect.AttackShared, Via: "T1610"},
				{Technique: "MS-TA9018", How: detect.AttackShared, Via: "T1610"},
			}},
		{Source: "r.yaml", Line: 20, Format: "falco", Name: "Attach/Exec Pod", Enabled: true,
			Mappings: []detect.Mapping{{Technique: "MS-TA9006", How: detect.Builtin, Via: "rule name"}}},
	}}
	scan := &report.ScanDocument{Inputs: []string{"k8s/"}, Techniques: []report.TechniqueStatus{
		{ID: "MS-TA9018", Status: report.Exposed, Failed: 1},
	}}
	return assess.Compute(assess.Input{Matrix: m, Rules: rules, Scan: scan})
}

func buildJSON(t *testing.T, opts Options) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Write(&buf, fixtureCoverage(t), opts); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestLayerMatchesSchema(t *testing.T) {
	c := jsonschema.NewCompiler()
	schema, err := c.Compile(filepath.Join("testdata", "layerformat-v4.5.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(buildJSON(t, Options{})))
	if err != nil {
		t.Fatal(err)
	}
	if err := schema.Validate(inst); err != nil {
		t.Errorf("layer does not match the 4.5 schema: %v", err)
	}

	// The schema itself must reject what the specification forbids.
	bad := []string{
		`{"name": "x", "domain": "enterprise-attack", "versions": {"navigator": "4.8.0", "layer": "4.5"}}`,
		`{"name": "x", "domain": "enterprise", "versions": {"navigator": "5.1.0", "layer": "4.5"}}`,
		`{"name": "x", "domain": "enterprise-attack", "versions": {"navigator": "5.1.0", "layer": "4.4"}}`,
		`{"name": "x", "domain": "enterprise-attack", "versions": {"navigator": "5.1.0", "layer": "4.5"}, "techniques": [{"techniqueId": "T1610"}]}`,
		`{"name": "x", "domain": "enterprise-attack", "versions": {"navigator": "5.1.0", "layer": "4.5"}, "gradient": {"colors": ["#ffffff"], "minValue": 0, "maxValue": 1}}`,
		`{"name": "x", "domain": "enterprise-attack", "versions": {"navigator": "5.1.0", "layer": "4.5"}, "links": [{"label": "a", "url": "www.example.com"}]}`,
	}
	for _, doc := range bad {
		inst, err := jsonschema.UnmarshalJSON(strings.NewReader(doc))
		if err != nil {
			t.Fatal(err)
		}
		if schema.Validate(inst) == nil {
			t.Errorf("schema accepts an invalid layer: %s", doc)
		}
	}
}

func TestLayerGolden(t *testing.T) {
	got := buildJSON(t, Options{})
	path := filepath.Join("testdata", "layer.golden.json")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v; run go test -update", err)
	}
	if !bytes.Equal(got, want) {
		t.Error("layer differs from testdata/layer.golden.json; run go test -update and review the diff")
	}
}

func TestLayerScoresAndAggregation(t *testing.T) {
	var l Layer
	if err := json.Unmarshal(buildJSON(t, Options{BaseURL: "https://kubethreat.example.org/"}), &l); err != nil {
		t.Fatal(err)
	}
	if l.Versions != (Versions{Attack: "18", Navigator: "5.1.0", Layer: "4.5"}) || l.Domain != "enterprise-attack" {
		t.Errorf("versions %+v, domain %s", l.Versions, l.Domain)
	}
	byID := map[string]Technique{}
	for _, e := range l.Techniques {
		if _, dup := byID[e.TechniqueID]; dup {
			t.Errorf("%s listed twice", e.TechniqueID)
		}
		byID[e.TechniqueID] = e
	}
	tests := []struct {
		id    string
		score int
	}{
		{"T1609", 100}, // MS-TA9006 covered by the builtin exec rule
		{"T1610", 67},  // mean of MS-TA9008 50, MS-TA9011 50, MS-TA9018 100
		{"T1611", 0},   // MS-TA9013 without detection
		{"T1552.007", 0},
	}
	for _, tt := range tests {
		e, ok := byID[tt.id]
		if !ok || e.Score == nil {
			t.Errorf("%s missing or unscored", tt.id)
			continue
		}
		if *e.Score != tt.score {
			t.Errorf("%s score = %d, want %d (comment %q)", tt.id, *e.Score, tt.score, e.Comment)
		}
	}
	t1610 := byID["T1610"]
	for _, want := range []string{"MS-TA9008", "MS-TA9011", "MS-TA9018", "mean"} {
		if !strings.Contains(t1610.Comment, want) {
			t.Errorf("T1610 comment %q does not explain the aggregation (%s)", t1610.Comment, want)
		}
	}
	if len(t1610.Links) != 3 || t1610.Links[2].URL != "https://kubethreat.example.org/techniques/MS-TA9018" {
		t.Errorf("T1610 links = %+v, want one per matrix technique under the base URL", t1610.Links)
	}
	for _, parent := range []string{"T1078", "T1036", "T1053", "T1195"} {
		e, ok := byID[parent]
		if !ok || !e.ShowSubtechniques || e.Score != nil {
			t.Errorf("parent %s = %+v, want an unscored entry that shows its sub-techniques", parent, e)
		}
	}
	if !byID["T1552"].ShowSubtechniques || byID["T1552"].Score == nil {
		t.Errorf("T1552 is mapped itself and has mapped sub-techniques: %+v", byID["T1552"])
	}
	if !strings.Contains(l.Description, "MS-TA9003") {
		t.Errorf("description does not name the techniques without an ATT&CK ID: %q", l.Description)
	}
}

package matrix

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"os"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"gopkg.in/yaml.v3"
)

func TestExportJSONMatchesSchema(t *testing.T) {
	m := mustDefault(t)
	var buf bytes.Buffer
	if err := WriteJSON(&buf, m); err != nil {
		t.Fatal(err)
	}
	schemaFile, err := os.Open("../docs/schema/kb-v1.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	defer schemaFile.Close()
	schemaDoc, err := jsonschema.UnmarshalJSON(schemaFile)
	if err != nil {
		t.Fatalf("schema: %v", err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("kb-v1.schema.json", schemaDoc); err != nil {
		t.Fatal(err)
	}
	schema, err := c.Compile("kb-v1.schema.json")
	if err != nil {
		t.Fatalf("compiling schema: %v", err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if err := schema.Validate(inst); err != nil {
		t.Errorf("export does not match its schema: %v", err)
	}

	var doc Export
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Techniques) != 40 || len(doc.Mitigations) != 35 || len(doc.Tactics) != 10 {
		t.Errorf("export has %d techniques, %d mitigations, %d tactics; want 40, 35, 10", len(doc.Techniques), len(doc.Mitigations), len(doc.Tactics))
	}
}

func TestExportYAMLMatchesJSON(t *testing.T) {
	m := mustDefault(t)
	var jb, yb bytes.Buffer
	if err := WriteJSON(&jb, m); err != nil {
		t.Fatal(err)
	}
	if err := WriteYAML(&yb, m); err != nil {
		t.Fatal(err)
	}
	var fromJSON, fromYAML any
	if err := json.Unmarshal(jb.Bytes(), &fromJSON); err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(yb.Bytes(), &fromYAML); err != nil {
		t.Fatal(err)
	}
	// Round-trip the YAML through JSON so both sides have JSON types.
	again, err := json.Marshal(fromYAML)
	if err != nil {
		t.Fatal(err)
	}
	var normalized any
	if err := json.Unmarshal(again, &normalized); err != nil {
		t.Fatal(err)
	}
	a, _ := json.Marshal(fromJSON)
	b, _ := json.Marshal(normalized)
	if !bytes.Equal(a, b) {
		t.Error("the YAML export holds different data from the JSON export")
	}
}

func TestExportCSV(t *testing.T) {
	m := mustDefault(t)
	var buf bytes.Buffer
	if err := WriteCSV(&buf, m); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatalf("CSV export does not parse: %v", err)
	}
	counts := map[string]int{}
	for _, r := range rows[1:] {
		if len(r) != len(CSVHeader) {
			t.Fatalf("row %v has %d cells, want %d", r, len(r), len(CSVHeader))
		}
		counts[r[0]]++
	}
	want := map[string]int{"tactic": 10, "technique": 40, "mitigation": 35, "retired": 1}
	for k, n := range want {
		if counts[k] != n {
			t.Errorf("%d %s rows, want %d", counts[k], k, n)
		}
	}
}

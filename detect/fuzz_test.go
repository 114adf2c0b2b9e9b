package detect

import (
	"os"
	"path/filepath"
	"testing"
)

// fuzzImport imports data as a file with the given name and checks that
// nothing panics and every rule comes out well formed.
func fuzzImport(t *testing.T, name string, data []byte) {
	st := &importState{mapper: newMapper(testMatrix(t)), set: &Set{}, order: map[string]int{}}
	st.falco = newFalcoLoader(st)
	st.importData(name, data)
	st.falco.finish()
	for _, r := range st.set.Rules {
		if !r.Mapped() && r.Reason == "" {
			t.Fatalf("unmapped rule %q without a reason", r.Name)
		}
		for _, m := range r.Mappings {
			if _, ok := testMatrix(t).Technique(m.Technique); !ok {
				t.Fatalf("rule %q maps to unknown technique %q", r.Name, m.Technique)
			}
		}
	}
	for _, d := range st.diags {
		if d.Message == "" {
			t.Fatalf("diagnostic without a message: %+v", d)
		}
	}
}

// addSeeds adds the files of a testdata folder as fuzz seeds.
func addSeeds(f *testing.F, dir string) {
	entries, err := os.ReadDir(filepath.Join("testdata", dir))
	if err != nil {
		f.Fatal(err)
	}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join("testdata", dir, e.Name()))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
}

func FuzzFalco(f *testing.F) {
	addSeeds(f, "falco-override")
	f.Add([]byte("- rule: x\n  override: {condition: bogus}\n"))
	f.Add([]byte("- macro: a\n  condition: a and a\n- rule: r\n  condition: a\n  source: k8s_audit\n"))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzImport(t, "rules.yaml", data) })
}

func FuzzSigma(f *testing.F) {
	addSeeds(f, "sigma")
	f.Add([]byte("action: repeat\ntitle: x\ndetection: {}\n"))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzImport(t, "rule.yml", data) })
}

func FuzzElastic(f *testing.F) {
	addSeeds(f, "elastic")
	f.Fuzz(func(t *testing.T, data []byte) { fuzzImport(t, "rule.toml", data) })
}

func FuzzSplunk(f *testing.F) {
	addSeeds(f, "splunk")
	f.Add([]byte("name: x\nsearch: y\ntags: {mitre_attack_id: {a: b}}\n"))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzImport(t, "detection.yml", data) })
}

func FuzzMappingYAML(f *testing.F) {
	f.Add([]byte("kubethreat: detection-mapping/v1\nrules:\n  - name: a\n    techniques: [MS-TA9006]\n"))
	f.Add([]byte("kubethreat: detection-mapping/v2\n"))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzImport(t, "map.yaml", data) })
}

func FuzzMappingCSV(f *testing.F) {
	addSeeds(f, "mapping")
	f.Add([]byte("name,techniques\n\"a,b\",MS-TA9006\n"))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzImport(t, "map.csv", data) })
}

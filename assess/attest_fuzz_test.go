package assess

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func FuzzParseAttestations(f *testing.F) {
	for _, name := range []string{"attest-valid.yaml", "attest-invalid.yaml"} {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("mitigations: {a: b}\ndetections: 3\n"))
	m := testMatrix(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := ParseAttestations(m, "fuzz.yaml", data)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "fuzz.yaml:") {
				t.Fatalf("error without file and line: %v", err)
			}
			return
		}
		for _, x := range a.Mitigations {
			if _, ok := m.Mitigation(x.ID); !ok {
				t.Fatalf("accepted unknown mitigation %q", x.ID)
			}
		}
		for _, d := range a.Detections {
			if _, ok := m.Technique(d.Technique); !ok {
				t.Fatalf("accepted unknown technique %q", d.Technique)
			}
		}
	})
}

package detect

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBuiltinTableDocumented checks that docs/detection-mapping.md lists
// every entry of the built-in Falco audit table with its techniques, so the
// page and the code cannot drift apart.
func TestBuiltinTableDocumented(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "docs", "detection-mapping.md"))
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string]string{}
	for _, line := range strings.Split(string(data), "\n") {
		if !strings.HasPrefix(line, "| ") || !strings.HasSuffix(line, " |") {
			continue
		}
		cells := strings.Split(strings.TrimSuffix(strings.TrimPrefix(line, "| "), " |"), " | ")
		if len(cells) >= 2 {
			rows[strings.ReplaceAll(cells[0], `\|`, "|")] = cells[1]
		}
	}
	for _, e := range k8sAuditRules {
		techniques, ok := rows[e.Name]
		if !ok {
			t.Errorf("docs/detection-mapping.md has no row for %q", e.Name)
			continue
		}
		for _, id := range e.Techniques {
			if !strings.Contains(techniques, id) {
				t.Errorf("row %q lists %q, missing %s", e.Name, techniques, id)
			}
		}
		if len(e.Techniques) == 0 && techniques != "none" {
			t.Errorf("row %q lists %q, want none", e.Name, techniques)
		}
	}
	for _, c := range k8sAuditConditions {
		techniques, ok := rows[c.Via]
		if !ok {
			t.Errorf("docs/detection-mapping.md has no row for condition %q", c.Via)
			continue
		}
		if techniques != strings.Join(c.Techniques, ", ") {
			t.Errorf("condition row %q lists %q, want %v", c.Via, techniques, c.Techniques)
		}
	}
}

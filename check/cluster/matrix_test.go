package cluster

import (
	"slices"
	"strings"
	"testing"

	"github.com/kubethreat/kubethreat/check"
	"github.com/kubethreat/kubethreat/matrix"
)

// TestMatrixMappings checks that every technique and mitigation a cluster
// check names exists, and that each mitigation is linked to one of the
// check's techniques.
func TestMatrixMappings(t *testing.T) {
	m, err := matrix.Default()
	if err != nil {
		t.Fatalf("loading the matrix: %v", err)
	}
	seen := 0
	for _, c := range check.All() {
		if !strings.HasPrefix(c.ID, "cluster-") {
			continue
		}
		seen++
		if !strings.HasSuffix(c.Remediation, ".") {
			t.Errorf("%s: remediation %q does not end with a period", c.ID, c.Remediation)
		}
		var linked []string
		for _, id := range c.Techniques {
			tech, ok := m.Technique(id)
			if !ok {
				t.Errorf("%s: technique %s is not in the matrix", c.ID, id)
				continue
			}
			for _, l := range tech.Mitigations {
				linked = append(linked, l.Mitigation.ID)
			}
		}
		for _, id := range c.Mitigations {
			if _, ok := m.Mitigation(id); !ok {
				t.Errorf("%s: mitigation %s is not in the matrix", c.ID, id)
			}
			if !slices.Contains(linked, id) {
				t.Errorf("%s: mitigation %s is linked to none of the techniques %v", c.ID, id, c.Techniques)
			}
		}
	}
	if seen != 6 {
		t.Errorf("found %d cluster checks, want 6", seen)
	}
}

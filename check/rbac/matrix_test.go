package rbac

import (
	"slices"
	"strings"
	"testing"

	"github.com/kubethreat/kubethreat/check"
	_ "github.com/kubethreat/kubethreat/check/admission"
	_ "github.com/kubethreat/kubethreat/check/exposure"
	_ "github.com/kubethreat/kubethreat/check/network"
	_ "github.com/kubethreat/kubethreat/check/node"
	"github.com/kubethreat/kubethreat/matrix"
)

// unlinkedMitigations lists the mitigations a check names although the
// matrix does not link them to any of the check's techniques, with the
// reason. MS-M9021 is linked only to MS-TA9024 upstream, but it is the fix
// for anonymous access to the API server and the kubelet.
var unlinkedMitigations = map[string]string{
	"rbac-anonymous-binding/MS-M9021":        "restricting unauthenticated access is the fix",
	"node-apiserver-anonymous-auth/MS-M9021": "restricting unauthenticated access is the fix",
	"node-kubelet-anonymous-auth/MS-M9021":   "restricting unauthenticated access is the fix",
}

// TestMatrixMappings checks the technique and mitigation IDs of the RBAC,
// node, network, exposure and admission checks against the knowledge base:
// every ID exists, and every mitigation is linked to one of the check's
// techniques unless it is listed in unlinkedMitigations.
func TestMatrixMappings(t *testing.T) {
	m, err := matrix.Default()
	if err != nil {
		t.Fatalf("loading the matrix: %v", err)
	}
	prefixes := []string{"rbac-", "node-", "network-", "exposure-", "admission-"}
	seen := 0
	for _, c := range check.All() {
		if !slices.ContainsFunc(prefixes, func(p string) bool { return strings.HasPrefix(c.ID, p) }) {
			continue
		}
		seen++
		if c.Since != "0.1.0" {
			t.Errorf("%s: since %q, want 0.1.0", c.ID, c.Since)
		}
		if !strings.HasSuffix(c.Remediation, ".") {
			t.Errorf("%s: remediation %q does not end with a period", c.ID, c.Remediation)
		}
		var techniques []*matrix.Technique
		for _, id := range c.Techniques {
			tech, ok := m.Technique(id)
			if !ok {
				t.Errorf("%s: technique %s is not in the matrix", c.ID, id)
				continue
			}
			techniques = append(techniques, tech)
		}
		for _, id := range c.Mitigations {
			if _, ok := m.Mitigation(id); !ok {
				t.Errorf("%s: mitigation %s is not in the matrix", c.ID, id)
				continue
			}
			if _, allowed := unlinkedMitigations[c.ID+"/"+id]; allowed {
				continue
			}
			if !linked(techniques, id) {
				t.Errorf("%s: mitigation %s is not linked to any of %v in the matrix", c.ID, id, c.Techniques)
			}
		}
	}
	if seen == 0 {
		t.Fatal("no checks registered for the prefixes")
	}
}

func linked(techniques []*matrix.Technique, mitigation string) bool {
	for _, tech := range techniques {
		for _, l := range tech.Mitigations {
			if l.Mitigation != nil && l.Mitigation.ID == mitigation {
				return true
			}
		}
	}
	return false
}

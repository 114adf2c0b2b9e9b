package matrix

import "testing"

func TestServiceGuidanceEveryMitigation(t *testing.T) {
	m := mustDefault(t)
	for _, x := range m.Mitigations {
		for _, p := range []string{"aks", "eks", "gke"} {
			if g := x.ServiceGuidance(p); len(g) < 20 {
				t.Errorf("%s has no %s guidance (got %q)", x.ID, p, g)
			}
		}
	}
}

func TestServiceGuidance(t *testing.T) {
	x := &Mitigation{OnManagedServices: "- **AKS**: Use A.\n  More A.\n- **EKS**: Use E.\n- **GKE**: Use G."}
	tests := map[string]string{"aks": "Use A. More A.", "EKS": "Use E.", "gke": "Use G.", "": "", "openshift": ""}
	for provider, want := range tests {
		if got := x.ServiceGuidance(provider); got != want {
			t.Errorf("ServiceGuidance(%q) = %q, want %q", provider, got, want)
		}
	}
}

package assess

import (
	"github.com/kubethreat/kubethreat/check"
	"github.com/kubethreat/kubethreat/matrix"
)

// AttachServiceGuidance adds to each failing or suppressed finding the
// advice of its mitigations for the managed service the cluster runs on,
// so that a finding from an EKS cluster names the EKS feature that closes
// it. provider is "aks", "eks" or "gke". Any other value changes nothing.
func AttachServiceGuidance(m *matrix.Matrix, provider string, res *check.Result) {
	if provider == "" {
		return
	}
	for i := range res.Findings {
		f := &res.Findings[i]
		if f.Status != check.Fail && f.Status != check.Suppressed {
			continue
		}
		for _, id := range f.Mitigations {
			x, ok := m.Mitigation(id)
			if !ok {
				continue
			}
			if text := x.ServiceGuidance(provider); text != "" {
				f.Guidance = append(f.Guidance, check.Guidance{Mitigation: x.ID, Service: provider, Text: text})
			}
		}
	}
}

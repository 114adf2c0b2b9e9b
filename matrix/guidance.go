package matrix

import "strings"

// Managed services whose guidance the mitigations carry, by the provider
// names that cluster detection reports.
var serviceLabels = map[string]string{"aks": "AKS", "eks": "EKS", "gke": "GKE"}

// ServiceGuidance returns the mitigation's advice for a managed service:
// the Markdown of its "- **AKS**:" (or EKS, GKE) bullet under "On managed
// services", without the label. provider is "aks", "eks" or "gke". Any
// other value, or a mitigation without that bullet, gives "".
func (x *Mitigation) ServiceGuidance(provider string) string {
	label, ok := serviceLabels[strings.ToLower(provider)]
	if !ok {
		return ""
	}
	prefix := "- **" + label + "**:"
	var b strings.Builder
	in := false
	for _, line := range strings.Split(x.OnManagedServices, "\n") {
		switch {
		case strings.HasPrefix(line, prefix):
			in = true
			b.WriteString(strings.TrimSpace(line[len(prefix):]))
		case in && (strings.HasPrefix(line, "- ") || strings.TrimSpace(line) == ""):
			return b.String()
		case in:
			b.WriteByte(' ')
			b.WriteString(strings.TrimSpace(line))
		}
	}
	return b.String()
}

package secrets

import (
	"github.com/kubethreat/kubethreat/check"
)

func init() {
	check.Register(&check.Check{
		ID:    "secrets-sa-token-automount-rbac",
		Title: "Service account token with RBAC permissions mounted",
		Rationale: "The pod gets the API token of a service account that a RoleBinding or " +
			"ClusterRoleBinding in the input grants permissions. Whoever takes over any container " +
			"of the pod can read the token and use those permissions against the API server.",
		Remediation: "Set automountServiceAccountToken: false in the pod spec or in the " +
			"ServiceAccount, mount a projected token only into pods that call the API server, and " +
			"trim the account's roles to what the workload needs.",
		Severity:    check.Medium,
		Techniques:  []string{"MS-TA9016"},
		Mitigations: []string{"MS-M9025"},
		Since:       "0.1.0",
		Needs:       automountNeeds,
		Inventory: func(_ *check.Context, inv *check.Inventory, r *check.Reporter) {
			evalAutomount(inv, r, true)
		},
	})
}

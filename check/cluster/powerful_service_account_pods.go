package cluster

import (
	"strings"

	"github.com/kubethreat/kubethreat/check"
	"github.com/kubethreat/kubethreat/check/cluster/rbacgraph"
)

const rbacGroup = "rbac.authorization.k8s.io"

func init() {
	check.Register(&check.Check{
		ID:    "cluster-powerful-service-account-pods",
		Title: "Pod runs with a service account that amounts to cluster-admin",
		Rationale: "Anyone who runs code in the pod can read its service account token and use the account's " +
			"permissions. With every verb on every resource, or with escalate, bind or impersonate, which " +
			"let the account grant itself anything, one compromised container controls the whole cluster.",
		Remediation: "Bind the service account to a role with only the verbs and resources the pod calls, " +
			"or set automountServiceAccountToken: false when the pod does not call the API.",
		Severity:    check.Critical,
		Techniques:  []string{"MS-TA9016", "MS-TA9019"},
		Mitigations: []string{leastPrivilege, noTokenAutomount},
		Since:       "0.1.0",
		Needs:       serviceAccountNeeds,
		Inventory:   power{match: clusterAdminPower}.inventory,
	})
}

// clusterAdminPower matches every verb on every resource in all
// namespaces, escalate or bind on roles, and impersonation.
func clusterAdminPower(g rbacgraph.Grant) string {
	r := g.Rule
	if r.IsClusterAdmin() && g.ClusterWide() {
		return "use every verb on every resource"
	}
	var parts []string
	for _, res := range []string{"clusterroles", "roles"} {
		if what := allows(r, rbacGroup, res, false, "escalate", "bind"); what != "" {
			parts = append(parts, what)
		}
	}
	for _, res := range []string{"users", "groups", "serviceaccounts"} {
		if what := allows(r, "", res, false, "impersonate"); what != "" {
			parts = append(parts, what)
		}
	}
	return strings.Join(parts, " and ")
}

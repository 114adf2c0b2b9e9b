package cluster

import (
	"github.com/kubethreat/kubethreat/check"
	"github.com/kubethreat/kubethreat/check/cluster/rbacgraph"
)

func init() {
	check.Register(&check.Check{
		ID:    "cluster-service-account-pods-read-secrets",
		Title: "Pod runs with a service account that reads Secrets in all namespaces",
		Rationale: "A pod whose service account may get, list or watch Secrets cluster-wide hands every " +
			"credential in the cluster, service account tokens of other namespaces included, to whoever " +
			"runs code in it.",
		Remediation: "Limit the account to the Secrets it needs with a Role in its own namespace and " +
			"resourceNames, or set automountServiceAccountToken: false when the pod does not call the API.",
		Severity:    check.High,
		Techniques:  []string{"MS-TA9016", "MS-TA9025"},
		Mitigations: []string{leastPrivilege, noTokenAutomount},
		Since:       "0.1.0",
		Needs:       serviceAccountNeeds,
		Inventory:   power{match: secretsPower}.inventory,
	})
}

// secretsPower matches reading every Secret in all namespaces.
func secretsPower(g rbacgraph.Grant) string {
	if !g.ClusterWide() {
		return ""
	}
	return allows(g.Rule, "", "secrets", true, "get", "list", "watch")
}

package cluster

import (
	"github.com/kubethreat/kubethreat/check"
	"github.com/kubethreat/kubethreat/check/cluster/rbacgraph"
)

func init() {
	check.Register(&check.Check{
		ID:    "cluster-service-account-pods-nodes-proxy",
		Title: "Pod runs with a service account that reaches kubelets through nodes/proxy",
		Rationale: "nodes/proxy forwards requests to any node's kubelet API, which runs commands in every " +
			"container on the node. A pod holding it can move to every node from one compromised container.",
		Remediation: "Remove nodes/proxy from the account; read metrics from nodes/metrics or nodes/stats " +
			"instead, or set automountServiceAccountToken: false when the pod does not call the API.",
		Severity:    check.High,
		Techniques:  []string{"MS-TA9016", "MS-TA9030"},
		Mitigations: []string{leastPrivilege, noTokenAutomount},
		Since:       "0.1.0",
		Needs:       serviceAccountNeeds,
		Inventory:   power{match: nodesProxyPower}.inventory,
	})
}

// nodesProxyPower matches get or create on nodes/proxy. Nodes are
// cluster-scoped, so only a ClusterRoleBinding grants it.
func nodesProxyPower(g rbacgraph.Grant) string {
	if !g.ClusterWide() {
		return ""
	}
	return allows(g.Rule, "", "nodes/proxy", false, "get", "create")
}

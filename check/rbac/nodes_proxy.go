package rbac

import "github.com/kubethreat/kubethreat/check"

var nodesProxy = permission{
	Groups:    []string{""},
	Resources: []string{"nodes/proxy"},
	Verbs:     []string{"get", "create", "update", "patch", "delete", "proxy"},
}

func init() {
	check.Register(&check.Check{
		ID:    "rbac-nodes-proxy",
		Title: "Role can reach the kubelet API through nodes/proxy",
		Rationale: "nodes/proxy forwards requests through the API server to any node's kubelet API, which " +
			"lists pods and runs commands in their containers. Even get is enough: the kubelet authorizes " +
			"WebSocket exec requests, which start as HTTP GET, with the get verb, and such requests bypass " +
			"API server admission and audit the pod exec.",
		Remediation: "Remove nodes/proxy; monitoring agents can read metrics from nodes/metrics and nodes/stats instead.",
		Severity:    check.High,
		Techniques:  []string{"MS-TA9030"},
		// NodeRestriction (MS-M9027) limits what kubelets may change through
		// the API server, not who may reach a kubelet, so it is not named.
		Mitigations: []string{"MS-M9003"},
		Since:       "0.1.0",
		Needs:       roleNeeds,
		Inventory: ruleSpec{
			match: func(r rule) string {
				verbs, resources := nodesProxy.grantedBy(r, false)
				if len(verbs) == 0 {
					return ""
				}
				return describe(verbs, resources)
			},
			fix: "remove nodes/proxy and use nodes/metrics or nodes/stats for monitoring",
		}.inventory,
	})
}

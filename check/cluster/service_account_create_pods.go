package cluster

import (
	"strings"

	"github.com/kubethreat/kubethreat/check"
	"github.com/kubethreat/kubethreat/check/cluster/rbacgraph"
)

func init() {
	check.Register(&check.Check{
		ID:    "cluster-service-account-pods-create-pods",
		Title: "Pod runs with a service account that creates pods",
		Rationale: "A service account that creates pods, directly or through a workload controller, can " +
			"start a pod that mounts another service account, a hostPath or a privileged container, so a " +
			"compromised pod spreads to new containers.",
		Remediation: "Remove create on pods and workload resources from the account, or set " +
			"automountServiceAccountToken: false when the pod does not call the API.",
		Severity:    check.High,
		Techniques:  []string{"MS-TA9016", "MS-TA9008"},
		Mitigations: []string{leastPrivilege, noTokenAutomount},
		Since:       "0.1.0",
		Needs:       serviceAccountNeeds,
		Inventory:   power{match: createPodsPower}.inventory,
	})
}

// podCreators are the resources whose create starts pods, by API group.
var podCreators = []struct{ group, resource string }{
	{"", "pods"},
	{"", "replicationcontrollers"},
	{"apps", "deployments"},
	{"apps", "daemonsets"},
	{"apps", "statefulsets"},
	{"apps", "replicasets"},
	{"batch", "jobs"},
	{"batch", "cronjobs"},
}

// createPodsPower matches create on pods or on a workload resource.
func createPodsPower(g rbacgraph.Grant) string {
	var parts []string
	for _, pc := range podCreators {
		if what := allows(g.Rule, pc.group, pc.resource, false, "create"); what != "" {
			parts = append(parts, pc.resource)
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return "create " + strings.Join(parts, ", ")
}

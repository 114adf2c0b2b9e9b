package rbac

import "github.com/kubethreat/kubethreat/check"

// createWorkloads lists the resources whose creation starts a container.
// extensions holds the deprecated workload API versions that older clusters
// still serve.
var createWorkloads = []permission{
	{Groups: []string{""}, Resources: []string{"pods", "replicationcontrollers"}, Verbs: []string{"create"}},
	{Groups: []string{"apps", "extensions"}, Resources: []string{"deployments", "daemonsets", "statefulsets", "replicasets"}, Verbs: []string{"create"}},
	{Groups: []string{"batch"}, Resources: []string{"jobs"}, Verbs: []string{"create"}},
}

func init() {
	check.Register(&check.Check{
		ID:    "rbac-create-workloads",
		Title: "Role can create pods or workload controllers",
		Rationale: "Creating a pod, directly or through a Deployment, DaemonSet, StatefulSet, ReplicaSet, Job or " +
			"ReplicationController, runs an image of the creator's choice with any service account of the " +
			"namespace. Without an admission policy that can mean a privileged pod and the node with it.",
		Remediation: "Grant create on workloads only to deployment pipelines and controllers, and pair it with " +
			"Pod Security admission and an image admission policy.",
		Severity:    check.Medium,
		Techniques:  []string{"MS-TA9008"},
		Mitigations: []string{"MS-M9003"},
		Since:       "0.1.0",
		Needs:       roleNeeds,
		Inventory: ruleSpec{
			match: func(r rule) string {
				return matchAll(r, createWorkloads, true)
			},
			namespaced: true,
			fix:        "grant create on workloads only to deployment pipelines and controllers",
		}.inventory,
	})
}

// matchAll describes what a rule grants of several permissions, or returns
// "".
func matchAll(r rule, perms []permission, everyObject bool) string {
	var verbs, resources []string
	for _, p := range perms {
		v, res := p.grantedBy(r, everyObject)
		for _, s := range v {
			verbs = appendNew(verbs, s)
		}
		for _, s := range res {
			resources = appendNew(resources, s)
		}
	}
	if len(verbs) == 0 {
		return ""
	}
	return describe(verbs, resources)
}

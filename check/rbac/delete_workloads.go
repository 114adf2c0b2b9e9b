package rbac

import "github.com/kubethreat/kubethreat/check"

// deleteWorkloads lists the resources whose deletion destroys data,
// configuration or running applications. Pods are left out because their
// controllers recreate them. A rule limited to named objects with
// resourceNames passes: controllers use it to manage their own secrets and
// config maps.
var deleteWorkloads = []permission{
	{Groups: []string{""}, Resources: []string{"persistentvolumeclaims", "persistentvolumes", "namespaces", "replicationcontrollers", "secrets", "configmaps"}, Verbs: []string{"delete", "deletecollection"}},
	{Groups: []string{"apps", "extensions"}, Resources: []string{"deployments", "daemonsets", "statefulsets", "replicasets"}, Verbs: []string{"delete", "deletecollection"}},
	{Groups: []string{"batch"}, Resources: []string{"jobs", "cronjobs"}, Verbs: []string{"delete", "deletecollection"}},
}

func init() {
	check.Register(&check.Check{
		ID:    "rbac-delete-workloads",
		Title: "Role can delete workloads, configuration, volumes or namespaces",
		Rationale: "delete or deletecollection on workload controllers, secrets, config maps, persistent " +
			"volumes, their claims or namespaces lets one subject destroy applications, their configuration " +
			"and the data they keep; deleting a namespace removes everything in it.",
		Remediation: "Grant delete on these resources only to the pipelines and operators that manage them, " +
			"limited to their own objects with resourceNames where possible; keep data on storage with its " +
			"own backups, and back up cluster objects.",
		Severity:   check.Medium,
		Techniques: []string{"MS-TA9038"},
		// Least privilege (MS-M9003) is the fix for the rule itself, but the
		// matrix does not list it for data destruction, so only the two data
		// protection mitigations it does list are named.
		Mitigations: []string{"MS-M9030", "MS-M9031"},
		Since:       "0.1.0",
		Needs:       roleNeeds,
		Inventory: ruleSpec{
			match: func(r rule) string {
				return matchAll(r, deleteWorkloads, true)
			},
			fix: "grant delete only to the pipelines and operators that manage these resources, and back up their data",
		}.inventory,
	})
}

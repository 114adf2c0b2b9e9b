package rbac

import "github.com/kubethreat/kubethreat/check"

// deleteEvents covers both APIs that serve Events: the core group and
// events.k8s.io.
var deleteEvents = permission{
	Groups:    []string{"", "events.k8s.io"},
	Resources: []string{"events"},
	Verbs:     []string{"delete", "deletecollection"},
}

func init() {
	check.Register(&check.Check{
		ID:    "rbac-delete-events",
		Title: "Role can delete Kubernetes events",
		Rationale: "Events record what happened to pods and nodes; deleting them hides an attacker's " +
			"activity from anyone who looks with kubectl or an event exporter.",
		Remediation: "Remove delete and deletecollection on events; ship events and audit logs to storage " +
			"outside the cluster.",
		Severity:    check.Medium,
		Techniques:  []string{"MS-TA9022"},
		Mitigations: []string{"MS-M9003", "MS-M9020"},
		Since:       "0.1.0",
		Needs:       roleNeeds,
		Inventory: ruleSpec{
			match: func(r rule) string {
				verbs, resources := deleteEvents.grantedBy(r, false)
				if len(verbs) == 0 {
					return ""
				}
				return describe(verbs, resources)
			},
			namespaced: true,
			fix:        "remove delete and deletecollection on events",
		}.inventory,
	})
}

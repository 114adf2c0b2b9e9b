package rbac

import "github.com/kubethreat/kubethreat/check"

var createCronJobs = permission{
	Groups:    []string{"batch"},
	Resources: []string{"cronjobs"},
	Verbs:     []string{"create"},
}

func init() {
	check.Register(&check.Check{
		ID:    "rbac-create-cronjobs",
		Title: "Role can create CronJobs",
		Rationale: "A CronJob starts a new pod on a schedule, so creating one gives an attacker a foothold " +
			"that comes back after its pods are deleted.",
		Remediation: "Grant create on cronjobs only to the pipelines that deploy them, and review CronJobs " +
			"that nobody deployed.",
		Severity:    check.Medium,
		Techniques:  []string{"MS-TA9014"},
		Mitigations: []string{"MS-M9003"},
		Since:       "0.1.0",
		Needs:       roleNeeds,
		Inventory: ruleSpec{
			match: func(r rule) string {
				verbs, resources := createCronJobs.grantedBy(r, true)
				if len(verbs) == 0 {
					return ""
				}
				return describe(verbs, resources)
			},
			namespaced: true,
			fix:        "grant create on cronjobs only to the pipelines that deploy them",
		}.inventory,
	})
}

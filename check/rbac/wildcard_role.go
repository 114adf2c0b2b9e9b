package rbac

import "github.com/kubethreat/kubethreat/check"

func init() {
	check.Register(&check.Check{
		ID:    "rbac-wildcard-role",
		Title: "Role grants every verb on every resource of every API group",
		Rationale: "A rule with apiGroups, resources and verbs all set to \"*\" is equivalent to cluster-admin " +
			"(or to namespace admin for a Role): whoever is bound to it can read every secret, start privileged " +
			"pods and grant themselves more. A wildcard limited to one API group, such as metrics.k8s.io, is not " +
			"reported here.",
		Remediation: "List the API groups, resources and verbs the subject needs instead of \"*\".",
		Severity:    check.High,
		Techniques:  []string{"MS-TA9019"},
		Mitigations: []string{"MS-M9003"},
		Since:       "0.1.0",
		Needs:       roleNeeds,
		Inventory: ruleSpec{
			match: func(r rule) string {
				if isClusterWildcard(r) {
					return "every verb on every resource in all API groups"
				}
				return ""
			},
			fix: "list the API groups, resources and verbs the subjects need instead of \"*\"",
		}.inventory,
	})
}

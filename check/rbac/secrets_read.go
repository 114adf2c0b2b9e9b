package rbac

import "github.com/kubethreat/kubethreat/check"

var secretsRead = permission{
	Groups:    []string{""},
	Resources: []string{"secrets"},
	Verbs:     []string{"get", "list", "watch"},
}

func init() {
	check.Register(&check.Check{
		ID:    "rbac-secrets-read",
		Title: "Role can read every secret",
		Rationale: "get, list or watch on secrets without resourceNames returns every secret's data, including " +
			"service account tokens, registry credentials and TLS keys. list and watch return all of them in one " +
			"request. A rule limited to named secrets with resourceNames is the narrow form and passes.",
		Remediation: "Limit the rule to the secrets the subject needs with resourceNames, or remove it; mount " +
			"secrets into the pods that use them instead of reading them through the API.",
		Severity:    check.High,
		Techniques:  []string{"MS-TA9025"},
		Mitigations: []string{"MS-M9003"},
		Since:       "0.1.0",
		Needs:       roleNeeds,
		Inventory: ruleSpec{
			match: func(r rule) string {
				verbs, resources := secretsRead.grantedBy(r, true)
				if len(verbs) == 0 {
					return ""
				}
				return describe(verbs, resources)
			},
			namespaced: true,
			fix:        "limit it to named secrets with resourceNames or remove it",
		}.inventory,
	})
}

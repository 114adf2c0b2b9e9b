package rbac

import "github.com/kubethreat/kubethreat/check"

var tokenCreate = permission{
	Groups:    []string{""},
	Resources: []string{"serviceaccounts/token"},
	Verbs:     []string{"create"},
}

func init() {
	check.Register(&check.Check{
		ID:    "rbac-serviceaccount-token-create",
		Title: "Role can mint service account tokens",
		Rationale: "create on serviceaccounts/token issues a token for any service account the role reaches, " +
			"so the subject can act with that account's permissions from anywhere, without running a pod.",
		Remediation: "Remove create on serviceaccounts/token, or limit it to the service accounts the subject " +
			"must act as with resourceNames.",
		Severity:    check.High,
		Techniques:  []string{"MS-TA9016"},
		Mitigations: []string{"MS-M9003"},
		Since:       "0.1.0",
		Needs:       roleNeeds,
		Inventory: ruleSpec{
			match: func(r rule) string {
				verbs, resources := tokenCreate.grantedBy(r, true)
				if len(verbs) == 0 {
					return ""
				}
				return describe(verbs, resources)
			},
			namespaced: true,
			fix:        "remove it or limit it to named service accounts with resourceNames",
		}.inventory,
	})
}

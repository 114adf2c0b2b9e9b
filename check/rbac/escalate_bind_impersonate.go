package rbac

import "github.com/kubethreat/kubethreat/check"

var escalateBindImpersonate = []permission{
	{Groups: []string{"rbac.authorization.k8s.io"}, Resources: []string{"roles", "clusterroles"}, Verbs: []string{"escalate", "bind"}},
	{Groups: []string{""}, Resources: []string{"users", "groups", "serviceaccounts"}, Verbs: []string{"impersonate"}},
	{Groups: []string{"authentication.k8s.io"}, Resources: []string{"userextras/scopes", "uids"}, Verbs: []string{"impersonate"}},
}

func init() {
	check.Register(&check.Check{
		ID:    "rbac-escalate-bind-impersonate",
		Title: "Role can escalate, bind roles or impersonate",
		Rationale: "escalate lets a subject write roles with permissions it does not hold, bind lets it bind " +
			"roles it does not hold, and impersonate lets it act as another user, group or service account. " +
			"Each one is a path to cluster-admin.",
		Remediation: "Remove escalate, bind and impersonate; where a controller needs bind, limit it to the " +
			"roles it hands out with resourceNames.",
		Severity:    check.High,
		Techniques:  []string{"MS-TA9019"},
		Mitigations: []string{"MS-M9003"},
		Since:       "0.1.0",
		Needs:       roleNeeds,
		Inventory: ruleSpec{
			match: func(r rule) string {
				return matchAll(r, escalateBindImpersonate, false)
			},
			fix: "remove escalate, bind and impersonate, or limit bind to named roles with resourceNames",
		}.inventory,
	})
}

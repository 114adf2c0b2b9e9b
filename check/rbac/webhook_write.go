package rbac

import "github.com/kubethreat/kubethreat/check"

var webhookWrite = permission{
	Groups:    []string{"admissionregistration.k8s.io"},
	Resources: []string{"mutatingwebhookconfigurations", "validatingwebhookconfigurations"},
	Verbs:     []string{"create", "update", "patch", "delete"},
}

func init() {
	check.Register(&check.Check{
		ID:    "rbac-webhook-write",
		Title: "Role can change admission webhook configurations",
		Rationale: "Whoever can create or change a mutating webhook configuration receives every object the " +
			"API server admits and can rewrite it, for example to inject a sidecar into every pod or to read " +
			"secrets as they are created; deleting a validating webhook switches off the policies it enforces.",
		Remediation: "Grant write access to webhook configurations only to the controllers that own them, " +
			"preferably limited to their own configuration with resourceNames.",
		Severity:    check.High,
		Techniques:  []string{"MS-TA9015"},
		Mitigations: []string{"MS-M9003"},
		Since:       "0.1.0",
		Needs:       roleNeeds,
		Inventory: ruleSpec{
			match: func(r rule) string {
				verbs, resources := webhookWrite.grantedBy(r, true)
				if len(verbs) == 0 {
					return ""
				}
				return describe(verbs, resources)
			},
			fix: "limit it to the controller's own configuration with resourceNames or remove it",
		}.inventory,
	})
}

package admission

import "github.com/kubethreat/kubethreat/check"

func init() {
	check.Register(&check.Check{
		ID:    "admission-exec-policy-present",
		Title: "No admission policy intercepts exec into pods",
		Rationale: "RBAC alone decides who may exec into a container; an admission policy on the CONNECT " +
			"operation of pods/exec can block it for sensitive namespaces or require a reason. The check counts " +
			"Kyverno policies that match PodExecOptions or Pod/exec, ValidatingAdmissionPolicies on pods/exec " +
			"and validating webhooks that receive CONNECT on pods/exec. It reports for the whole input, and " +
			"only when the input runs workloads.",
		Remediation: "Add an enforcing admission policy that denies exec into pods except for the people and " +
			"namespaces that need it, and keep exec out of everyday roles.",
		Severity:    check.Low,
		Techniques:  []string{"MS-TA9006"},
		Mitigations: []string{"MS-M9010"},
		Since:       "0.1.0",
		Needs:       policyNeeds,
		Prevention:  true,
		Inventory: presenceSpec{
			control: controlExec,
			what:    "intercepts exec into pods",
			fix:     "add an enforcing admission policy on CONNECT to pods/exec, such as a Kyverno policy that matches PodExecOptions",
		}.inventory,
	})
}

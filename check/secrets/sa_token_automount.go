package secrets

import (
	"github.com/kubethreat/kubethreat/check"
)

func init() {
	check.Register(&check.Check{
		ID:    "secrets-sa-token-automount",
		Title: "Service account token mounted without RBAC bindings in the input",
		Rationale: "Every pod gets its service account's API token unless automounting is turned " +
			"off. No binding in the scanned input grants this account permissions, so the token is " +
			"a low risk now, but it becomes a credential to steal as soon as someone binds a role " +
			"to the account, and bindings outside the input are not visible here.",
		Remediation: "Set automountServiceAccountToken: false in the pod spec or in the " +
			"ServiceAccount, and mount a projected token only into pods that call the API server.",
		Severity:    check.Low,
		Techniques:  []string{"MS-TA9016"},
		Mitigations: []string{"MS-M9025"},
		Since:       "0.1.0",
		Needs:       automountNeeds,
		Inventory: func(_ *check.Context, inv *check.Inventory, r *check.Reporter) {
			evalAutomount(inv, r, false)
		},
	})
}

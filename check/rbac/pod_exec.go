package rbac

import "github.com/kubethreat/kubethreat/check"

// podExec includes get: before Kubernetes 1.35, where the
// AuthorizePodWebsocketUpgradeCreatePermission feature gate became beta and
// on by default, the API server authorized exec and attach over WebSocket
// with get alone.
var podExec = permission{
	Groups:    []string{""},
	Resources: []string{"pods/exec", "pods/attach"},
	Verbs:     []string{"create", "get"},
}

func init() {
	check.Register(&check.Check{
		ID:    "rbac-pod-exec",
		Title: "Role can exec into or attach to pods",
		Rationale: "create on pods/exec or pods/attach runs commands in any container the role reaches, with " +
			"the container's service account token, files and network position; kubectl cp uses the same " +
			"permission to copy data out. Before Kubernetes 1.35 get was enough too, because the API server " +
			"authorized exec over WebSocket as get.",
		Remediation: "Remove pods/exec and pods/attach from roles that do not need an interactive shell; grant " +
			"them to people through short-lived, audited access and block them with an admission policy where possible.",
		Severity:    check.High,
		Techniques:  []string{"MS-TA9006", "MS-TA9041"},
		Mitigations: []string{"MS-M9003", "MS-M9010"},
		Since:       "0.1.0",
		Needs:       roleNeeds,
		Inventory: ruleSpec{
			match: func(r rule) string {
				verbs, resources := podExec.grantedBy(r, false)
				if len(verbs) == 0 {
					return ""
				}
				return describe(verbs, resources)
			},
			namespaced: true,
			fix:        "remove pods/exec and pods/attach unless the subjects need a shell in running containers",
		}.inventory,
	})
}

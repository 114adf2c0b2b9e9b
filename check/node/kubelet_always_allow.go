package node

import (
	"github.com/kubethreat/kubethreat/check"
	"github.com/kubethreat/kubethreat/source"
)

func init() {
	check.Register(&check.Check{
		ID:    "node-kubelet-always-allow",
		Title: "Kubelet authorizes every request",
		Rationale: "authorization.mode: AlwaysAllow lets every caller the kubelet authenticates, anonymous " +
			"ones included when anonymous access is on, use the whole kubelet API: read pod specs and logs, " +
			"and run commands in any container of the node. The file's default is Webhook, which asks the " +
			"API server.",
		Remediation: "Set authorization.mode to Webhook.",
		Severity:    check.Critical,
		Techniques:  []string{"MS-TA9030"},
		Mitigations: []string{"MS-M9003"},
		Since:       "0.1.0",
		Object:      kubeletObject(kubeletAlwaysAllow),
	})
}

func kubeletAlwaysAllow(o *source.Object, r *check.Reporter) bool {
	v := o.Get("authorization.mode")
	if v.Str() != "AlwaysAllow" {
		return false
	}
	r.Fail(v, "authorization.mode: AlwaysAllow",
		"%s sets authorization.mode: AlwaysAllow, so the kubelet API lets every caller run commands in its pods; set it to Webhook",
		kubeletName(o))
	return true
}

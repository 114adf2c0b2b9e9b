package node

import (
	"github.com/kubethreat/kubethreat/check"
	"github.com/kubethreat/kubethreat/source"
)

func init() {
	check.Register(&check.Check{
		ID:    "node-kubelet-anonymous-auth",
		Title: "Kubelet accepts anonymous requests",
		Rationale: "With authentication.anonymous.enabled: true the kubelet API on port 10250 serves requests " +
			"without credentials as system:anonymous; with a permissive authorization mode that means listing " +
			"pods and running commands in them from anywhere that reaches the node. The file's default is false.",
		Remediation: "Set authentication.anonymous.enabled to false, keep authentication.webhook.enabled true " +
			"and authorization.mode Webhook.",
		Severity:   check.High,
		Techniques: []string{"MS-TA9030"},
		// The matrix links MS-M9021 only to MS-TA9024, but it names the fix
		// exactly: restrict unauthenticated access to the API.
		Mitigations: []string{"MS-M9009", "MS-M9021"},
		Since:       "0.1.0",
		Object:      kubeletObject(kubeletAnonymousAuth),
	})
}

func kubeletAnonymousAuth(o *source.Object, r *check.Reporter) bool {
	v := o.Get("authentication.anonymous.enabled")
	if !v.IsTrue() {
		return false
	}
	r.Fail(v, "authentication.anonymous.enabled: true",
		"%s sets authentication.anonymous.enabled: true, so the kubelet API answers requests without credentials; set it to false",
		kubeletName(o))
	return true
}

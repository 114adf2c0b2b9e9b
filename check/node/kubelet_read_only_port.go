package node

import (
	"github.com/kubethreat/kubethreat/check"
	"github.com/kubethreat/kubethreat/source"
)

func init() {
	check.Register(&check.Check{
		ID:    "node-kubelet-read-only-port",
		Title: "Kubelet serves the read-only port",
		Rationale: "readOnlyPort (10255 by convention) serves pod specs, environment variables and node " +
			"metrics over plain HTTP with no authentication at all. The file's default is 0, which disables it.",
		Remediation: "Set readOnlyPort to 0 or remove it, and read metrics through the authenticated port 10250.",
		Severity:    check.Medium,
		Techniques:  []string{"MS-TA9030"},
		Mitigations: []string{"MS-M9009", "MS-M9014"},
		Since:       "0.1.0",
		Object:      kubeletObject(kubeletReadOnlyPort),
	})
}

func kubeletReadOnlyPort(o *source.Object, r *check.Reporter) bool {
	v := o.Get("readOnlyPort")
	port, ok := v.Int()
	if !ok || port == 0 {
		return false
	}
	r.Fail(v, "readOnlyPort: "+v.Str(),
		"%s sets readOnlyPort: %d, an unauthenticated HTTP port; set it to 0", kubeletName(o), port)
	return true
}

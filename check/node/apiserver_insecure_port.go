package node

import (
	"github.com/kubethreat/kubethreat/check"
	"github.com/kubethreat/kubethreat/source"
)

func init() {
	check.Register(&check.Check{
		ID:    "node-apiserver-insecure-port",
		Title: "API server serves an insecure port",
		Rationale: "The insecure port of kube-apiserver serves plain HTTP with no authentication and no " +
			"authorization: every request is cluster-admin. Since Kubernetes 1.20 the flag accepts only 0 and " +
			"1.24 removed it, but manifests of older control planes still set it.",
		Remediation: "Remove --insecure-port or set it to 0, and upgrade the control plane.",
		Severity:    check.Critical,
		Techniques:  []string{"MS-TA9029"},
		Mitigations: []string{"MS-M9002"},
		Since:       "0.1.0",
		Object:      binaryObject(apiserver, apiserverAliases, apiserverInsecurePort),
	})
}

func apiserverInsecurePort(o *source.Object, c binaryContainer, r *check.Reporter) bool {
	f, ok := c.Flags.get("insecure-port")
	if !ok || f.Value == "0" {
		return false
	}
	r.Fail(f.ValueAt, "--insecure-port="+f.Value,
		"%s sets --insecure-port=%s, an unauthenticated HTTP port with full access; set it to 0 or remove it",
		containerName(o, c), f.Value)
	return true
}

package node

import (
	"github.com/kubethreat/kubethreat/check"
	"github.com/kubethreat/kubethreat/source"
)

func init() {
	check.Register(&check.Check{
		ID:    "node-kubelet-static-pod-url",
		Title: "Kubelet runs static pods from a URL",
		Rationale: "With staticPodURL the kubelet downloads pod manifests from a web server and runs them " +
			"outside the API server's admission control. Whoever controls that server, or the network path " +
			"to it, runs pods on the node that survive deletion through the API.",
		Remediation: "Remove staticPodURL; deploy node agents as DaemonSets, or keep static pod manifests in " +
			"a local folder only root can write.",
		Severity:    check.High,
		Techniques:  []string{"MS-TA9017"},
		Mitigations: []string{"MS-M9032"},
		Since:       "0.1.0",
		Object:      kubeletObject(kubeletStaticPodURL),
	})
}

func kubeletStaticPodURL(o *source.Object, r *check.Reporter) bool {
	v := o.Get("staticPodURL")
	if v.Str() == "" {
		return false
	}
	r.Fail(v, "staticPodURL: "+v.Str(),
		"%s sets staticPodURL: %s, so the kubelet runs pods from a web server outside admission control; remove it",
		kubeletName(o), v.Str())
	return true
}

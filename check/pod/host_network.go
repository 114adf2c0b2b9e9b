package pod

import (
	"github.com/kubethreat/kubethreat/check"
	"github.com/kubethreat/kubethreat/check/pod/podcheck"
	"github.com/kubethreat/kubethreat/source"
)

func init() {
	check.Register(&check.Check{
		ID:    "pod-host-network",
		Title: "Pod shares the host's network namespace",
		Rationale: "With hostNetwork the pod uses the node's interfaces: it can listen on and sniff " +
			"node traffic, reach services bound to localhost such as the kubelet, and reach the " +
			"cloud instance metadata API even where pod traffic to it is blocked.",
		Remediation: "Remove spec.hostNetwork or set it to false; expose ports through a Service.",
		Severity:    check.High,
		Techniques:  []string{"MS-TA9018", "MS-TA9036", "MS-TA9033"},
		Mitigations: []string{restrictContainers, podSecurity},
		Since:       "0.1.0",
		PSS:         check.PSSBaseline,
		Needs:       podcheck.Resources,
		Object: func(_ *check.Context, o *source.Object, r *check.Reporter) {
			podcheck.EachPodSpec(o, r, func(ps check.PodSpec, t *podcheck.Tally) {
				hostNamespaceFail(o, ps, t, "hostNetwork", "puts its containers on the node's network interfaces")
			})
		},
	})
}

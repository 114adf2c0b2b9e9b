package pod

import (
	"github.com/kubethreat/kubethreat/check"
	"github.com/kubethreat/kubethreat/check/pod/podcheck"
	"github.com/kubethreat/kubethreat/source"
)

func init() {
	check.Register(&check.Check{
		ID:    "pod-host-pid",
		Title: "Pod shares the host's process namespace",
		Rationale: "With hostPID the pod sees every process on the node, can read their environment " +
			"and, as root or with privileges, enter them with nsenter.",
		Remediation: "Remove spec.hostPID or set it to false.",
		Severity:    check.High,
		Techniques:  []string{"MS-TA9018"},
		Mitigations: []string{restrictContainers, podSecurity},
		Since:       "0.1.0",
		PSS:         check.PSSBaseline,
		Needs:       podcheck.Resources,
		Object: func(_ *check.Context, o *source.Object, r *check.Reporter) {
			podcheck.EachPodSpec(o, r, func(ps check.PodSpec, t *podcheck.Tally) {
				hostNamespaceFail(o, ps, t, "hostPID", "shows its containers every process on the node")
			})
		},
	})
}

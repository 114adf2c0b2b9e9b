package pod

import (
	"github.com/kubethreat/kubethreat/check"
	"github.com/kubethreat/kubethreat/check/pod/podcheck"
	"github.com/kubethreat/kubethreat/source"
)

func init() {
	check.Register(&check.Check{
		ID:    "pod-host-ipc",
		Title: "Pod shares the host's IPC namespace",
		Rationale: "With hostIPC the pod can read and write the shared memory and message queues of " +
			"every process on the node.",
		Remediation: "Remove spec.hostIPC or set it to false.",
		Severity:    check.High,
		Techniques:  []string{"MS-TA9018"},
		Mitigations: []string{restrictContainers, podSecurity},
		Since:       "0.1.0",
		PSS:         check.PSSBaseline,
		Needs:       podcheck.Resources,
		Object: func(_ *check.Context, o *source.Object, r *check.Reporter) {
			podcheck.EachPodSpec(o, r, func(ps check.PodSpec, t *podcheck.Tally) {
				hostNamespaceFail(o, ps, t, "hostIPC", "gives its containers the node's shared memory and message queues")
			})
		},
	})
}

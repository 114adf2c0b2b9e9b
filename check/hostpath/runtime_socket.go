package hostpath

import (
	"github.com/kubethreat/kubethreat/check"
	"github.com/kubethreat/kubethreat/check/pod/podcheck"
	"github.com/kubethreat/kubethreat/source"
)

func init() {
	check.Register(&check.Check{
		ID:    "hostpath-runtime-socket",
		Title: "hostPath mount of the container runtime socket",
		Rationale: "Whoever can connect to the Docker, containerd or CRI-O socket can start a " +
			"privileged container on the node, outside the API server's admission control. A " +
			"read-only mount does not stop a process from connecting to a socket.",
		Remediation: "Remove the hostPath volume of the runtime socket or of a folder that contains it; " +
			"build images with a tool that needs no daemon, such as BuildKit rootless or kaniko.",
		Severity:    check.Critical,
		Techniques:  []string{"MS-TA9013", "MS-TA9008"},
		Mitigations: mitigations,
		Since:       "0.1.0",
		PSS:         check.PSSBaseline,
		Needs:       podcheck.Resources,
		Object: func(_ *check.Context, o *source.Object, r *check.Reporter) {
			podcheck.EachPodSpec(o, r, func(ps check.PodSpec, t *podcheck.Tally) {
				failExposures(o, ps, t, runtimeSockets,
					"remove the volume, because a read-only mount does not stop connections to the socket")
			})
		},
	})
}

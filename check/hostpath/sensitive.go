package hostpath

import (
	"github.com/kubethreat/kubethreat/check"
	"github.com/kubethreat/kubethreat/check/pod/podcheck"
	"github.com/kubethreat/kubethreat/source"
)

func init() {
	check.Register(&check.Check{
		ID:    "hostpath-sensitive",
		Title: "hostPath mount of a sensitive node path",
		Rationale: "Some host paths hand over the node even read-only: the root file system, the " +
			"kubelet's folder with its credentials and other pods' volumes, the container runtime's " +
			"socket and storage, /etc/kubernetes, /proc, and the logs.",
		Remediation: "Remove the hostPath volume, or mount the narrowest path the workload needs, " +
			"read-only, from outside the sensitive folders.",
		Severity:    check.High,
		Techniques:  []string{"MS-TA9013"},
		Mitigations: mitigations,
		Since:       "0.1.0",
		PSS:         check.PSSBaseline,
		Needs:       podcheck.Resources,
		Object: func(_ *check.Context, o *source.Object, r *check.Reporter) {
			podcheck.EachPodSpec(o, r, func(ps check.PodSpec, t *podcheck.Tally) {
				failExposures(o, ps, t, sensitivePaths,
					"remove the volume or mount a narrower path outside the node's sensitive folders")
			})
		},
	})
}

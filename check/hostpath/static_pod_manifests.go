package hostpath

import (
	"github.com/kubethreat/kubethreat/check"
	"github.com/kubethreat/kubethreat/check/pod/podcheck"
	"github.com/kubethreat/kubethreat/source"
)

func init() {
	check.Register(&check.Check{
		ID:    "hostpath-static-pod-manifests",
		Title: "Writable hostPath mount of the static pod folder",
		Rationale: "The kubelet runs every manifest in its static pod folder without asking the API " +
			"server, so a container that can write there can start any pod on the node, including a " +
			"privileged one, past admission control.",
		Remediation: "Remove the hostPath volume, or mount it read-only if the workload only reads " +
			"the manifests.",
		Severity:    check.High,
		Techniques:  []string{"MS-TA9017", "MS-TA9013"},
		Mitigations: mitigations,
		Since:       "0.1.0",
		PSS:         check.PSSBaseline,
		Needs:       podcheck.Resources,
		Object: func(_ *check.Context, o *source.Object, r *check.Reporter) {
			podcheck.EachPodSpec(o, r, func(ps check.PodSpec, t *podcheck.Tally) {
				failWritable(o, ps, t, staticPodFolders,
					"set readOnly: true on the volumeMount or remove the volume")
			})
		},
	})
}

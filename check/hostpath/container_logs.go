package hostpath

import (
	"github.com/kubethreat/kubethreat/check"
	"github.com/kubethreat/kubethreat/check/pod/podcheck"
	"github.com/kubethreat/kubethreat/source"
)

func init() {
	check.Register(&check.Check{
		ID:    "hostpath-container-logs",
		Title: "Writable hostPath mount of container logs",
		Rationale: "A container that can write to the node's container log folders can delete or " +
			"rewrite the logs of every pod on the node and so hide an attack.",
		Remediation: "Mount the log folders read-only; log collectors only need to read them. Ship " +
			"logs off the node so that changes on the node cannot erase them.",
		Severity:    check.Medium,
		Techniques:  []string{"MS-TA9021", "MS-TA9013"},
		Mitigations: append([]string{"MS-M9020"}, mitigations...),
		Since:       "0.1.0",
		PSS:         check.PSSBaseline,
		Needs:       podcheck.Resources,
		Object: func(_ *check.Context, o *source.Object, r *check.Reporter) {
			podcheck.EachPodSpec(o, r, func(ps check.PodSpec, t *podcheck.Tally) {
				failWritable(o, ps, t, containerLogFolders,
					"set readOnly: true on the volumeMount")
			})
		},
	})
}

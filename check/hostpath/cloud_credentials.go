package hostpath

import (
	"github.com/kubethreat/kubethreat/check"
	"github.com/kubethreat/kubethreat/check/pod/podcheck"
	"github.com/kubethreat/kubethreat/source"
)

func init() {
	check.Register(&check.Check{
		ID:    "hostpath-cloud-credentials",
		Title: "hostPath mount of cloud credentials",
		Rationale: "Nodes can hold cloud credentials in files, such as the AKS service principal in " +
			"/etc/kubernetes/azure.json or command line credentials under home folders. A container " +
			"that reads them can act in the cloud account with the node's identity.",
		Remediation: "Remove the hostPath volume, and give the workload its own cloud identity " +
			"through workload identity instead of the node's credentials.",
		Severity:    check.High,
		Techniques:  []string{"MS-TA9026"},
		Mitigations: mitigations,
		Since:       "0.1.0",
		PSS:         check.PSSBaseline,
		Needs:       podcheck.Resources,
		Object: func(_ *check.Context, o *source.Object, r *check.Reporter) {
			podcheck.EachPodSpec(o, r, func(ps check.PodSpec, t *podcheck.Tally) {
				failExposures(o, ps, t, cloudCredentials,
					"remove the volume and give the workload its own cloud identity")
			})
		},
	})
}

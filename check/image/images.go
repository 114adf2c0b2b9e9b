package image

import (
	"github.com/kubethreat/kubethreat/check"
	"github.com/kubethreat/kubethreat/check/pod/podcheck"
	"github.com/kubethreat/kubethreat/source"
)

// Mitigations that every check of this package names.
var mitigations = []string{
	"MS-M9005",     // Image assurance policy
	"MS-M9005.003", // Gate images deployed to Kubernetes cluster
}

// eachImage calls eval with the parsed image reference of every container
// of o, and records a pass, a not-evaluated result or the failures. A
// container whose image is missing or unparsable makes the object not
// evaluated, unless another container fails.
func eachImage(o *source.Object, r *check.Reporter, eval func(c check.Container, v source.Value, ref Reference, t *podcheck.Tally)) {
	podcheck.EachPodSpec(o, r, func(ps check.PodSpec, t *podcheck.Tally) {
		for _, c := range ps.Containers() {
			v := c.Value.Field("image")
			ref, err := ParseReference(v.Str())
			if err != nil {
				t.NotEvaluated(podcheck.Describe(c) + " has no valid image reference: " + err.Error())
				continue
			}
			eval(c, v, ref, t)
		}
	})
}

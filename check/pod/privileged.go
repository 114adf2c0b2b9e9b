package pod

import (
	"github.com/kubethreat/kubethreat/check"
	"github.com/kubethreat/kubethreat/check/pod/podcheck"
	"github.com/kubethreat/kubethreat/source"
)

func init() {
	check.Register(&check.Check{
		ID:    "pod-privileged",
		Title: "Privileged container",
		Rationale: "A privileged container runs with every capability, sees every host device and is " +
			"not confined by seccomp or AppArmor, so root in it is root on the node.",
		Remediation: "Remove securityContext.privileged or set it to false, and add only the " +
			"capabilities the container needs.",
		Severity:    check.Critical,
		Techniques:  []string{"MS-TA9018"},
		Mitigations: []string{restrictContainers, podSecurity},
		Since:       "0.1.0",
		PSS:         check.PSSBaseline,
		Needs:       podcheck.Resources,
		Object:      checkPrivileged,
	})
}

func checkPrivileged(_ *check.Context, o *source.Object, r *check.Reporter) {
	podcheck.EachPodSpec(o, r, func(ps check.PodSpec, t *podcheck.Tally) {
		for _, c := range ps.Containers() {
			v := c.Value.Field("securityContext").Field("privileged")
			if v.IsTrue() {
				t.Fail(v, "privileged: true",
					"%s in %s sets securityContext.privileged: true; remove it or set it to false",
					podcheck.Describe(c), o.Ref)
			}
		}
	})
}

package pod

import (
	"github.com/kubethreat/kubethreat/check"
	"github.com/kubethreat/kubethreat/check/pod/podcheck"
	"github.com/kubethreat/kubethreat/source"
)

func init() {
	check.Register(&check.Check{
		ID:    "pod-proc-mount-unmasked",
		Title: "Container mounts /proc unmasked",
		Rationale: "The runtime normally masks and makes read-only the parts of /proc that expose or " +
			"change kernel state, such as /proc/sys and /proc/sysrq-trigger. procMount: Unmasked " +
			"removes that protection.",
		Remediation: "Remove securityContext.procMount or set it to Default.",
		Severity:    check.High,
		Techniques:  []string{"MS-TA9018"},
		Mitigations: []string{restrictContainers, podSecurity},
		Since:       "0.1.0",
		PSS:         check.PSSBaseline,
		Needs:       podcheck.Resources,
		Object:      checkProcMountUnmasked,
	})
}

func checkProcMountUnmasked(_ *check.Context, o *source.Object, r *check.Reporter) {
	podcheck.EachPodSpec(o, r, func(ps check.PodSpec, t *podcheck.Tally) {
		for _, c := range ps.Containers() {
			v := c.Value.Field("securityContext").Field("procMount")
			if v.Str() == "Unmasked" {
				t.Fail(v, "procMount: Unmasked",
					"%s in %s sets securityContext.procMount: Unmasked; remove it or set it to Default",
					podcheck.Describe(c), o.Ref)
			}
		}
	})
}

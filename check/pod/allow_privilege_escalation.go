package pod

import (
	"github.com/kubethreat/kubethreat/check"
	"github.com/kubethreat/kubethreat/check/pod/podcheck"
	"github.com/kubethreat/kubethreat/source"
)

func init() {
	check.Register(&check.Check{
		ID:    "pod-allow-privilege-escalation",
		Title: "Container allows privilege escalation",
		Rationale: "Unless allowPrivilegeEscalation is false, the kernel lets a process in the " +
			"container gain privileges through set-user-ID binaries and file capabilities. " +
			"Privileged mode and CAP_SYS_ADMIN always allow it.",
		Remediation: "Set securityContext.allowPrivilegeEscalation: false on every container, and " +
			"remove privileged mode and CAP_SYS_ADMIN, which override it.",
		Severity:    check.Medium,
		Techniques:  []string{"MS-TA9018"},
		Mitigations: []string{restrictContainers, podSecurity},
		Since:       "0.1.0",
		PSS:         check.PSSRestricted,
		Needs:       podcheck.Resources,
		Object:      checkAllowPrivilegeEscalation,
	})
}

func checkAllowPrivilegeEscalation(_ *check.Context, o *source.Object, r *check.Reporter) {
	podcheck.EachPodSpec(o, r, func(ps check.PodSpec, t *podcheck.Tally) {
		if podcheck.IsWindows(ps) {
			t.NotApplicable("Windows pod; the Pod Security Standards apply this control to Linux pods only")
			return
		}
		for _, c := range ps.Containers() {
			evalPrivilegeEscalation(o, c, t)
		}
	})
}

func evalPrivilegeEscalation(o *source.Object, c check.Container, t *podcheck.Tally) {
	sc := c.Value.Field("securityContext")
	v := sc.Field("allowPrivilegeEscalation")
	allowed, set := v.Bool()

	switch {
	case !set:
		t.Fail(podcheck.Nearest(c.Value, "securityContext"), "",
			"%s in %s does not set securityContext.allowPrivilegeEscalation, which defaults to true; set it to false",
			podcheck.Describe(c), o.Ref)
	case allowed:
		t.Fail(v, "allowPrivilegeEscalation: true",
			"%s in %s sets securityContext.allowPrivilegeEscalation: true; set it to false",
			podcheck.Describe(c), o.Ref)
	case sc.Field("privileged").IsTrue():
		t.Fail(v, "privileged: true",
			"%s in %s sets allowPrivilegeEscalation: false but also privileged: true, which allows escalation anyway; remove privileged",
			podcheck.Describe(c), o.Ref)
	case addsCapability(c, "SYS_ADMIN"):
		t.Fail(v, "CAP_SYS_ADMIN",
			"%s in %s sets allowPrivilegeEscalation: false but also adds CAP_SYS_ADMIN, which allows escalation anyway; remove the capability",
			podcheck.Describe(c), o.Ref)
	}
}

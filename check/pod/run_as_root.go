package pod

import (
	"github.com/kubethreat/kubethreat/check"
	"github.com/kubethreat/kubethreat/check/pod/podcheck"
	"github.com/kubethreat/kubethreat/source"
)

func init() {
	check.Register(&check.Check{
		ID:    "pod-run-as-root",
		Title: "Container may run as root",
		Rationale: "A container that runs as UID 0 is root on the node as soon as it escapes, and " +
			"owns the files of any hostPath it mounts. Without runAsNonRoot: true or a non-zero " +
			"runAsUser, the image decides, and most images run as root.",
		Remediation: "Set runAsNonRoot: true and a non-zero runAsUser in the pod's or the " +
			"container's securityContext.",
		Severity:    check.Medium,
		Techniques:  []string{"MS-TA9018"},
		Mitigations: []string{restrictContainers, podSecurity},
		Since:       "0.1.0",
		PSS:         check.PSSRestricted,
		Needs:       podcheck.Resources,
		Object:      checkRunAsRoot,
	})
}

func checkRunAsRoot(_ *check.Context, o *source.Object, r *check.Reporter) {
	podcheck.EachPodSpec(o, r, func(ps check.PodSpec, t *podcheck.Tally) {
		if podcheck.IsWindows(ps) {
			t.NotApplicable("Windows pod; Windows containers choose their user with windowsOptions.runAsUserName")
			return
		}
		for _, c := range ps.Containers() {
			evalRunAsRoot(o, ps, c, t)
		}
	})
}

// evalRunAsRoot applies the rule: a container fails when its effective
// runAsUser is 0, or when neither its effective runAsNonRoot is true nor
// its effective runAsUser is above 0.
func evalRunAsRoot(o *source.Object, ps check.PodSpec, c check.Container, t *podcheck.Tally) {
	user := effective(ps, c, "runAsUser")
	nonRoot := effective(ps, c, "runAsNonRoot")
	uid, uidSet := user.Int()

	switch {
	case uidSet && uid == 0:
		t.Fail(user, "runAsUser: 0",
			"%s in %s runs as root: runAsUser: 0 is set on %s; set runAsUser to a non-zero UID and runAsNonRoot: true",
			podcheck.Describe(c), o.Ref, level(user, c))
	case nonRoot.IsTrue(), uidSet && uid > 0:
		return
	case nonRoot.Exists():
		t.Fail(nonRoot, "runAsNonRoot: "+nonRoot.Str(),
			"%s in %s may run as root: runAsNonRoot is %s on %s and no non-zero runAsUser is set; set runAsNonRoot: true",
			podcheck.Describe(c), o.Ref, nonRoot.Str(), level(nonRoot, c))
	default:
		t.Fail(podcheck.Nearest(c.Value, "securityContext"), "",
			"%s in %s may run as root: neither it nor the pod sets runAsNonRoot: true or a non-zero runAsUser; set runAsNonRoot: true",
			podcheck.Describe(c), o.Ref)
	}
}

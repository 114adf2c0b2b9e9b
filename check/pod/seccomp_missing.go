package pod

import (
	"strings"

	"github.com/kubethreat/kubethreat/check"
	"github.com/kubethreat/kubethreat/check/pod/podcheck"
	"github.com/kubethreat/kubethreat/source"
)

func init() {
	check.Register(&check.Check{
		ID:    "pod-seccomp-missing",
		Title: "Container has no seccomp profile",
		Rationale: "Without a seccomp profile the container runs Unconfined, with every system call " +
			"allowed, unless the kubelet sets seccompDefault. The Restricted level requires " +
			"RuntimeDefault or Localhost.",
		Remediation: "Set securityContext.seccompProfile.type: RuntimeDefault in the pod's " +
			"securityContext, or Localhost with a profile on a container that needs one.",
		Severity:    check.Low,
		Techniques:  []string{"MS-TA9018"},
		Mitigations: []string{restrictLSM, podSecurity},
		Since:       "0.1.0",
		PSS:         check.PSSRestricted,
		Needs:       podcheck.Resources,
		Object:      checkSeccompMissing,
	})
}

func checkSeccompMissing(_ *check.Context, o *source.Object, r *check.Reporter) {
	podcheck.EachPodSpec(o, r, func(ps check.PodSpec, t *podcheck.Tally) {
		if podcheck.IsWindows(ps) {
			t.NotApplicable("Windows pod; seccomp applies to Linux pods only")
			return
		}
		annotations := ps.Meta.Field("annotations").StringMap()
		for _, c := range ps.Containers() {
			profile := effective(ps, c, "seccompProfile")
			if profile.Exists() {
				// RuntimeDefault and Localhost pass. Unconfined is
				// reported by pod-seccomp-unconfined.
				continue
			}
			if confinedByAnnotation(annotations, c.Name) {
				continue
			}
			t.Fail(podcheck.Nearest(c.Value, "securityContext"), "",
				"%s in %s has no seccomp profile, neither its own nor the pod's; set securityContext.seccompProfile.type: RuntimeDefault",
				podcheck.Describe(c), o.Ref)
		}
	})
}

// confinedByAnnotation reports whether a legacy seccomp annotation gives the
// container a profile other than unconfined. The container's annotation
// takes precedence over the pod's.
func confinedByAnnotation(annotations map[string]string, container string) bool {
	v, ok := annotations[seccompContainerAnnotation+container]
	if !ok {
		v, ok = annotations[seccompPodAnnotation]
	}
	if !ok {
		return false
	}
	return v == "runtime/default" || v == "docker/default" || strings.HasPrefix(v, "localhost/")
}

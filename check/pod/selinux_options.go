package pod

import (
	"github.com/kubethreat/kubethreat/check"
	"github.com/kubethreat/kubethreat/check/pod/podcheck"
	"github.com/kubethreat/kubethreat/source"
)

// allowedSELinuxTypes are the SELinux types that the Baseline level allows.
var allowedSELinuxTypes = map[string]bool{
	"": true, "container_t": true, "container_init_t": true,
	"container_kvm_t": true, "container_engine_t": true,
}

func init() {
	check.Register(&check.Check{
		ID:    "pod-selinux-options",
		Title: "Pod sets a custom SELinux user, role or type",
		Rationale: "On nodes with SELinux, a custom type such as spc_t or a custom user or role can " +
			"lift the confinement that keeps the container away from host files and processes.",
		Remediation: "Remove seLinuxOptions.user and seLinuxOptions.role, and leave seLinuxOptions.type " +
			"unset or set it to container_t, container_init_t, container_kvm_t or container_engine_t.",
		Severity:    check.Medium,
		Techniques:  []string{"MS-TA9018"},
		Mitigations: []string{restrictLSM, podSecurity},
		Since:       "0.1.0",
		PSS:         check.PSSBaseline,
		Needs:       podcheck.Resources,
		Object:      checkSELinuxOptions,
	})
}

func checkSELinuxOptions(_ *check.Context, o *source.Object, r *check.Reporter) {
	podcheck.EachPodSpec(o, r, func(ps check.PodSpec, t *podcheck.Tally) {
		evalSELinux(ps.Spec.Field("securityContext").Field("seLinuxOptions"), "the pod", o, t)
		for _, c := range ps.Containers() {
			opts := c.Value.Field("securityContext").Field("seLinuxOptions")
			evalSELinux(opts, podcheck.Describe(c), o, t)
		}
	})
}

func evalSELinux(opts source.Value, subject string, o *source.Object, t *podcheck.Tally) {
	if typ := opts.Field("type"); !allowedSELinuxTypes[typ.Str()] {
		t.Fail(typ, "type: "+typ.Str(),
			"%s in %s sets seLinuxOptions.type: %s; remove it or use container_t",
			subject, o.Ref, typ.Str())
	}
	for _, field := range []string{"user", "role"} {
		if v := opts.Field(field); v.Str() != "" {
			t.Fail(v, field+": "+v.Str(),
				"%s in %s sets seLinuxOptions.%s: %s; remove it",
				subject, o.Ref, field, v.Str())
		}
	}
}

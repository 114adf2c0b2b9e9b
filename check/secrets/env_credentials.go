package secrets

import (
	"github.com/kubethreat/kubethreat/check"
	"github.com/kubethreat/kubethreat/check/pod/podcheck"
	"github.com/kubethreat/kubethreat/source"
)

func init() {
	check.Register(&check.Check{
		ID:    "secrets-env-credentials",
		Title: "Credential in a literal environment variable",
		Rationale: "A credential written as an environment variable's value is stored in the " +
			"workload's manifest, in Git and in etcd without Secret protections, and anyone who can " +
			"read the workload, such as through get deployments, can read it.",
		Remediation: "Move the credential to a Secret, or to a managed secret store through the " +
			"Secrets Store CSI driver, and reference it with valueFrom.secretKeyRef; rotate the " +
			"credential, because it was exposed.",
		Severity:    check.High,
		Techniques:  []string{"MS-TA9027"},
		Mitigations: []string{"MS-M9026", "MS-M9022"},
		Since:       "0.1.0",
		Needs:       podcheck.Resources,
		Object:      checkEnvCredentials,
	})
}

func checkEnvCredentials(_ *check.Context, o *source.Object, r *check.Reporter) {
	podcheck.EachPodSpec(o, r, func(ps check.PodSpec, t *podcheck.Tally) {
		for _, c := range ps.Containers() {
			for _, env := range c.Value.Field("env").Items() {
				name := env.Field("name").Str()
				value := env.Field("value")
				for _, h := range detect(name, value.Str()) {
					t.Fail(value, Redact(h.Secret),
						"%s in %s sets environment variable %s to %s (%s); move it to a Secret and use valueFrom.secretKeyRef",
						podcheck.Describe(c), o.Ref, name, h.Kind, Redact(h.Secret))
				}
			}
		}
	})
}

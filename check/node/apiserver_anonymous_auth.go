package node

import (
	"github.com/kubethreat/kubethreat/check"
	"github.com/kubethreat/kubethreat/source"
)

func init() {
	check.Register(&check.Check{
		ID:    "node-apiserver-anonymous-auth",
		Title: "API server accepts anonymous requests",
		Rationale: "kube-apiserver treats requests without credentials as the user system:anonymous unless it " +
			"runs with --anonymous-auth=false; the flag defaults to true. Any RBAC binding to system:anonymous " +
			"or system:unauthenticated is then open to everyone who reaches the API server.",
		Remediation: "Start kube-apiserver with --anonymous-auth=false, or on Kubernetes 1.32 and later limit " +
			"anonymous access to health endpoints in the --authentication-config file.",
		Severity:   check.Medium,
		Techniques: []string{"MS-TA9029"},
		// The matrix links MS-M9021 only to MS-TA9024, but it names the fix
		// exactly: restrict unauthenticated access to the API.
		Mitigations: []string{"MS-M9021"},
		Since:       "0.1.0",
		Object:      binaryObject(apiserver, apiserverAliases, apiserverAnonymousAuth),
	})
}

func apiserverAnonymousAuth(o *source.Object, c binaryContainer, r *check.Reporter) bool {
	f, ok := c.Flags.get("anonymous-auth")
	if !ok {
		if _, structured := c.Flags.get("authentication-config"); structured {
			r.NotEvaluated(o.Ref, o.Loc, "--anonymous-auth is not set and anonymous access is configured in the --authentication-config file, which is not in the input")
			return true
		}
		r.Fail(commandLine(c.Container), "--anonymous-auth not set",
			"%s does not set --anonymous-auth, which defaults to true; add --anonymous-auth=false", containerName(o, c))
		return true
	}
	if v, valid := f.boolValue(); valid && !v {
		return false
	}
	r.Fail(f.ValueAt, "--anonymous-auth="+f.Value,
		"%s sets --anonymous-auth=%s; set it to false", containerName(o, c), orTrue(f))
	return true
}

// orTrue returns a flag's value for messages, "true" for a bare flag.
func orTrue(f flag) string {
	if !f.HasValue {
		return "true"
	}
	return f.Value
}

package node

import (
	"slices"
	"strings"

	"github.com/kubethreat/kubethreat/check"
	"github.com/kubethreat/kubethreat/source"
)

func init() {
	check.Register(&check.Check{
		ID:    "node-apiserver-authorization-mode",
		Title: "API server authorizes too much",
		Rationale: "--authorization-mode defaults to AlwaysAllow, which lets every authenticated request do " +
			"anything. Without RBAC, roles and bindings have no effect; without Node, kubelets are not limited " +
			"to the objects of their own node.",
		Remediation: "Start kube-apiserver with --authorization-mode=Node,RBAC (plus Webhook if you use one), " +
			"never with AlwaysAllow.",
		Severity:    check.High,
		Techniques:  []string{"MS-TA9029"},
		Mitigations: []string{"MS-M9003"},
		Since:       "0.1.0",
		Object:      binaryObject(apiserver, apiserverAliases, apiserverAuthorizationMode),
	})
}

func apiserverAuthorizationMode(o *source.Object, c binaryContainer, r *check.Reporter) bool {
	f, ok := c.Flags.get("authorization-mode")
	if !ok {
		if _, structured := c.Flags.get("authorization-config"); structured {
			r.NotEvaluated(o.Ref, o.Loc, "authorizers are configured in the --authorization-config file, which is not in the input")
			return true
		}
		r.Fail(commandLine(c.Container), "--authorization-mode not set",
			"%s does not set --authorization-mode, which defaults to AlwaysAllow; add --authorization-mode=Node,RBAC", containerName(o, c))
		return true
	}

	modes := listValue(f.Value)
	var problems []string
	if slices.Contains(modes, "AlwaysAllow") {
		problems = append(problems, "includes AlwaysAllow")
	}
	for _, need := range []string{"Node", "RBAC"} {
		if !slices.Contains(modes, need) {
			problems = append(problems, "lacks "+need)
		}
	}
	if len(problems) == 0 {
		return false
	}
	r.Fail(f.ValueAt, "--authorization-mode="+f.Value,
		"%s sets --authorization-mode=%s, which %s; use Node,RBAC without AlwaysAllow",
		containerName(o, c), f.Value, strings.Join(problems, " and "))
	return true
}

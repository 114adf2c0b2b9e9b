package rbac

import (
	"github.com/kubethreat/kubethreat/check"
)

func init() {
	check.Register(&check.Check{
		ID:    "rbac-anonymous-binding",
		Title: "Binding grants permissions to unauthenticated requests",
		Rationale: "The API server gives requests without credentials the user system:anonymous and the group " +
			"system:unauthenticated. A binding to either hands its role to anyone who can reach the API " +
			"server. The default binding of system:public-info-viewer, which the API server creates itself, " +
			"is skipped.",
		Remediation: "Remove system:anonymous and system:unauthenticated from the binding; start the API " +
			"server with --anonymous-auth=false or limit anonymous access to health endpoints.",
		Severity:   check.Critical,
		Techniques: []string{"MS-TA9029"},
		// The matrix links MS-M9021 only to MS-TA9024, but it names the fix
		// exactly: restrict unauthenticated access to the API.
		Mitigations: []string{"MS-M9003", "MS-M9021"},
		Since:       "0.1.0",
		Needs:       bindingNeeds,
		Inventory:   anonymousBindings,
	})
}

func anonymousBindings(_ *check.Context, inv *check.Inventory, r *check.Reporter) {
	for _, b := range bindings(inv) {
		failed := false
		for _, s := range b.Root().Field("subjects").Items() {
			if !isSubject(s, "User", "system:anonymous") && !isSubject(s, "Group", "system:unauthenticated") {
				continue
			}
			failed = true
			r.Fail(s, subjectName(s, b),
				"%s binds %s to %s %s, so requests without credentials get its permissions; remove the subject",
				b.Ref, roleRefString(b), subjectName(s, b), bindingScope(b))
		}
		if !failed {
			r.Pass(b.Ref, b.Loc)
		}
	}
}

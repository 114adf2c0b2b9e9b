package rbac

import (
	"fmt"

	"github.com/kubethreat/kubethreat/check"
	"github.com/kubethreat/kubethreat/source"
)

// bindingNeeds lists the resources the binding checks read.
var bindingNeeds = []string{"rolebindings", "clusterrolebindings", "roles", "clusterroles"}

// bindings returns the RoleBindings and ClusterRoleBindings the checks
// evaluate, in input order.
func bindings(inv *check.Inventory) []*source.Object {
	var out []*source.Object
	for _, o := range inv.Objects {
		if (o.Kind == "RoleBinding" || o.Kind == "ClusterRoleBinding") && isRBACGroup(o.APIVersion) && !isBootstrap(o) {
			out = append(out, o)
		}
	}
	return out
}

// boundRole returns the Role or ClusterRole in the input that a binding
// refers to, or nil.
func boundRole(inv *check.Inventory, b *source.Object) *source.Object {
	ref := b.Root().Field("roleRef")
	kind, name := ref.Field("kind").Str(), ref.Field("name").Str()
	for _, o := range inv.Kind(kind) {
		if o.Name != name || !isRBACGroup(o.APIVersion) {
			continue
		}
		if kind == "Role" && o.Namespace != b.Namespace {
			continue
		}
		return o
	}
	return nil
}

// roleRefString names a binding's role, such as `ClusterRole "view"`.
func roleRefString(b *source.Object) string {
	ref := b.Root().Field("roleRef")
	return fmt.Sprintf("%s %q", ref.Field("kind").Str(), ref.Field("name").Str())
}

// bindingScope says where a binding's grants apply.
func bindingScope(b *source.Object) string {
	if b.Kind == "ClusterRoleBinding" {
		return "in all namespaces"
	}
	return fmt.Sprintf("in namespace %q", b.Namespace)
}

// isSubject reports whether a binding subject is the given kind and name.
func isSubject(s source.Value, kind, name string) bool {
	return s.Field("kind").Str() == kind && s.Field("name").Str() == name
}

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
	return inv.Memo(bindingsKey{}, func() any {
		var out []*source.Object
		for _, o := range inv.Objects {
			if (o.Kind == "RoleBinding" || o.Kind == "ClusterRoleBinding") && isRBACGroup(o.APIVersion) && !isBootstrap(o) {
				out = append(out, o)
			}
		}
		return out
	}).([]*source.Object)
}

type bindingsKey struct{}

// boundRole returns the Role or ClusterRole in the input that a binding
// refers to, or nil.
func boundRole(inv *check.Inventory, b *source.Object) *source.Object {
	ref := b.Root().Field("roleRef")
	key := roleKey{kind: ref.Field("kind").Str(), name: ref.Field("name").Str()}
	if key.kind == "Role" {
		key.namespace = b.Namespace
	}
	return roleIndex(inv)[key]
}

type roleIndexKey struct{}

// roleIndex returns the Roles and ClusterRoles of the input by kind, name
// and, for Roles, namespace, built once per inventory. The first object
// wins when the input holds the same role twice.
func roleIndex(inv *check.Inventory) map[roleKey]*source.Object {
	return inv.Memo(roleIndexKey{}, func() any {
		index := map[roleKey]*source.Object{}
		for _, kind := range []string{"Role", "ClusterRole"} {
			for _, o := range inv.Kind(kind) {
				if !isRBACGroup(o.APIVersion) {
					continue
				}
				key := roleKey{kind: kind, name: o.Name}
				if kind == "Role" {
					key.namespace = o.Namespace
				}
				if _, dup := index[key]; !dup {
					index[key] = o
				}
			}
		}
		return index
	}).(map[roleKey]*source.Object)
}

// roleRefString names a binding's role, such as `ClusterRole "view"`.
func roleRefString(b *source.Object) string {
	ref := b.Root().Field("roleRef")
	return fmt.Sprintf("%s %q", ref.Field("kind").Str(), ref.Field("name").Str())
}

// bindingScope describes where a binding's grants apply.
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

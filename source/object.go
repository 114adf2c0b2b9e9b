// Package source reads Kubernetes objects from files, folders, standard
// input, Helm charts, Kustomize folders and live clusters, and keeps for
// each object where it came from, down to the line and column of a field.
package source

import (
	"fmt"
	"strconv"
	"strings"
	"sync"

	"gopkg.in/yaml.v3"
)

// Location is a place in an input: a file position, or a cluster and
// namespace for objects read from a live cluster.
type Location struct {
	File    string `json:"file,omitempty"`
	Line    int    `json:"line,omitempty"`
	Column  int    `json:"column,omitempty"`
	Cluster string `json:"cluster,omitempty"` // kubeconfig context or server URL
}

func (l Location) String() string {
	switch {
	case l.File != "" && l.Line > 0:
		return fmt.Sprintf("%s:%d:%d", l.File, l.Line, l.Column)
	case l.File != "":
		return l.File
	case l.Cluster != "":
		return "cluster " + l.Cluster
	}
	return "-"
}

// Ref identifies an object by type and name.
type Ref struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Namespace  string `json:"namespace,omitempty"`
	Name       string `json:"name"`
}

func (r Ref) String() string {
	if r.Namespace == "" {
		return fmt.Sprintf("%s %q", r.Kind, r.Name)
	}
	return fmt.Sprintf("%s %q", r.Kind, r.Namespace+"/"+r.Name)
}

// Object is one Kubernetes object with its origin.
type Object struct {
	Ref
	Doc      *yaml.Node // the object's mapping node
	Loc      Location   // where the object starts
	Origin   string     // "file", "stdin", "helm", "kustomize" or "cluster"
	Template string     // the Helm template or Kustomize resource it was rendered from, when known

	memoMu sync.Mutex
	memo   []memoEntry // few per object, so a slice beats a map
}

type memoEntry struct {
	key, value any
}

// Memo returns the value that build derives from the object for key,
// calling build once per object, so that checks share work such as finding
// the pod specs. Keys should be values of an unexported type, as with
// context keys. build runs under the object's lock, so it must not call
// Memo on the same object.
func (o *Object) Memo(key any, build func() any) any {
	o.memoMu.Lock()
	defer o.memoMu.Unlock()
	for _, e := range o.memo {
		if e.key == key {
			return e.value
		}
	}
	v := build()
	o.memo = append(o.memo, memoEntry{key, v})
	return v
}

// Root returns the object's top-level value, with an empty field path.
func (o *Object) Root() Value { return Value{node: o.Doc, obj: o} }

// Get walks a dotted path of field names from the root, such as
// "spec.template.spec". It never fails: a missing field gives a Value for
// which Exists is false.
func (o *Object) Get(dotted string) Value {
	v := o.Root()
	for rest := dotted; ; {
		name, after, more := strings.Cut(rest, ".")
		v = v.Field(name)
		if !more {
			return v
		}
		rest = after
	}
}

// Labels returns metadata.labels.
func (o *Object) Labels() map[string]string { return o.Get("metadata.labels").StringMap() }

// Annotations returns metadata.annotations.
func (o *Object) Annotations() map[string]string {
	return o.Get("metadata.annotations").StringMap()
}

// At returns the location of a value of this object: its file position, or
// the object's location if the value has none.
func (o *Object) At(v Value) Location {
	loc := o.Loc
	if v.node != nil && v.node.Line > 0 && o.Loc.File != "" {
		loc.Line, loc.Column = v.node.Line, v.node.Column
	}
	return loc
}

// Value is a node of an object with its field path, such as
// "spec.containers[0].securityContext.privileged". The zero Value is a
// missing field.
//
// Checks read many more fields than they report, so a Value does not carry
// its path: Path finds the node in its object's tree when a finding needs
// it. A missing field keeps the deepest node that exists on the way to it
// and the rest of the path as text.
type Value struct {
	node    *yaml.Node
	key     *yaml.Node // the mapping key, for positions of fields
	obj     *Object
	parent  *yaml.Node // for a missing value: the deepest existing node on its path
	missing string     // for a missing value: its path below parent, such as "securityContext.privileged"
}

func deref(n *yaml.Node) *yaml.Node {
	for depth := 0; n != nil && n.Kind == yaml.AliasNode && depth < 16; depth++ {
		n = n.Alias
	}
	if n != nil && n.Kind == yaml.DocumentNode && len(n.Content) == 1 {
		return n.Content[0]
	}
	return n
}

// Exists reports whether the field is present and not null.
func (v Value) Exists() bool {
	n := deref(v.node)
	return n != nil && !(n.Kind == yaml.ScalarNode && n.Tag == "!!null")
}

// Path returns the field path from the object root, such as
// "spec.containers[0].image". A value reached through a YAML alias gets the
// path of its anchor.
func (v Value) Path() string {
	if v.obj == nil {
		return v.missing
	}
	if v.node != nil {
		return nodePath(v.obj.Doc, v.node)
	}
	if v.parent == nil {
		return v.missing
	}
	base := nodePath(v.obj.Doc, v.parent)
	switch {
	case base == "":
		return v.missing
	case strings.HasPrefix(v.missing, "["):
		return base + v.missing
	}
	return base + "." + v.missing
}

// nodePath returns the path of target under root, found by identity, or ""
// when target is root or is not in its tree. Aliases are not followed, so a
// cyclic document cannot loop.
func nodePath(root, target *yaml.Node) string {
	// A segment is a mapping key, or a sequence index when key is nil;
	// the path is joined only once the target is found.
	type segment struct {
		key   *yaml.Node
		index int
	}
	var segments []segment
	var walk func(n *yaml.Node) bool
	walk = func(n *yaml.Node) bool {
		if n == target {
			return true
		}
		switch n.Kind {
		case yaml.DocumentNode:
			for _, c := range n.Content {
				if walk(c) {
					return true
				}
			}
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				segments = append(segments, segment{key: n.Content[i]})
				if walk(n.Content[i+1]) {
					return true
				}
				segments = segments[:len(segments)-1]
			}
		case yaml.SequenceNode:
			for i, c := range n.Content {
				segments = append(segments, segment{index: i})
				if walk(c) {
					return true
				}
				segments = segments[:len(segments)-1]
			}
		}
		return false
	}
	if root == nil || !walk(root) {
		return ""
	}
	var b strings.Builder
	for _, seg := range segments {
		if seg.key == nil {
			b.WriteByte('[')
			b.WriteString(strconv.Itoa(seg.index))
			b.WriteByte(']')
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(seg.key.Value)
	}
	return b.String()
}

// child returns the Value for a missing field or element below v, with
// suffix such as "name" or "[2]".
func (v Value) child(suffix string) Value {
	out := Value{obj: v.obj, parent: v.node, missing: suffix}
	if v.node == nil {
		out.parent = v.parent
		switch {
		case v.missing == "":
			out.missing = strings.TrimPrefix(suffix, ".")
		case strings.HasPrefix(suffix, "["):
			out.missing = v.missing + suffix
		default:
			out.missing = v.missing + "." + suffix
		}
	}
	return out
}

// Node returns the underlying YAML node, or nil.
func (v Value) Node() *yaml.Node { return deref(v.node) }

// Object returns the object the value belongs to.
func (v Value) Object() *Object { return v.obj }

// Line returns the value's line, or its key's line, or 0.
func (v Value) Line() int {
	if v.key != nil {
		return v.key.Line
	}
	if v.node != nil {
		return v.node.Line
	}
	return 0
}

// Loc returns the location of the value's field in its object's file.
func (v Value) Loc() Location {
	if v.obj == nil {
		return Location{}
	}
	loc := v.obj.Loc
	n := v.key
	if n == nil {
		n = v.node
	}
	if n != nil && n.Line > 0 && loc.File != "" {
		loc.Line, loc.Column = n.Line, n.Column
	}
	return loc
}

// Field returns a field of a mapping.
func (v Value) Field(name string) Value {
	n := deref(v.node)
	if n != nil && n.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == name {
				return Value{node: n.Content[i+1], key: n.Content[i], obj: v.obj}
			}
		}
	}
	return v.child(name)
}

// Index returns an element of a sequence.
func (v Value) Index(i int) Value {
	n := deref(v.node)
	if n != nil && n.Kind == yaml.SequenceNode && i >= 0 && i < len(n.Content) {
		return Value{node: n.Content[i], obj: v.obj}
	}
	return v.child("[" + strconv.Itoa(i) + "]")
}

// Items returns the elements of a sequence, or nil.
func (v Value) Items() []Value {
	n := deref(v.node)
	if n == nil || n.Kind != yaml.SequenceNode {
		return nil
	}
	out := make([]Value, len(n.Content))
	for i, c := range n.Content {
		out[i] = Value{node: c, obj: v.obj}
	}
	return out
}

// Len returns the number of elements of a sequence or entries of a mapping.
func (v Value) Len() int {
	n := deref(v.node)
	switch {
	case n == nil:
		return 0
	case n.Kind == yaml.SequenceNode:
		return len(n.Content)
	case n.Kind == yaml.MappingNode:
		return len(n.Content) / 2
	}
	return 0
}

// Entry is a key and value of a mapping.
type Entry struct {
	Key   string
	Value Value
}

// Entries returns the entries of a mapping in file order, or nil.
func (v Value) Entries() []Entry {
	n := deref(v.node)
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	out := make([]Entry, 0, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		out = append(out, Entry{Key: k.Value, Value: Value{node: n.Content[i+1], key: k, obj: v.obj}})
	}
	return out
}

// IsMap reports whether the value is a mapping.
func (v Value) IsMap() bool { n := deref(v.node); return n != nil && n.Kind == yaml.MappingNode }

// IsList reports whether the value is a sequence.
func (v Value) IsList() bool { n := deref(v.node); return n != nil && n.Kind == yaml.SequenceNode }

// String returns a scalar's text.
func (v Value) String() (string, bool) {
	n := deref(v.node)
	if n == nil || n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		return "", false
	}
	return n.Value, true
}

// Str returns a scalar's text, or "".
func (v Value) Str() string { s, _ := v.String(); return s }

// Bool returns a boolean scalar. YAML 1.1 spellings such as "yes" are not
// booleans in Kubernetes, which parses YAML as JSON-compatible 1.2.
func (v Value) Bool() (b, ok bool) {
	n := deref(v.node)
	if n == nil || n.Kind != yaml.ScalarNode {
		return false, false
	}
	switch n.Value {
	case "true", "True", "TRUE":
		return true, true
	case "false", "False", "FALSE":
		return false, true
	}
	return false, false
}

// IsTrue reports whether the value is the boolean true.
func (v Value) IsTrue() bool { b, ok := v.Bool(); return ok && b }

// Int returns an integer scalar.
func (v Value) Int() (int64, bool) {
	s, ok := v.String()
	if !ok {
		return 0, false
	}
	i, err := strconv.ParseInt(s, 0, 64)
	if err != nil {
		return 0, false
	}
	return i, true
}

// Strings returns the scalar elements of a sequence.
func (v Value) Strings() []string {
	var out []string
	for _, it := range v.Items() {
		if s, ok := it.String(); ok {
			out = append(out, s)
		}
	}
	return out
}

// StringMap returns a mapping of scalars, such as labels.
func (v Value) StringMap() map[string]string {
	entries := v.Entries()
	if entries == nil {
		return nil
	}
	out := make(map[string]string, len(entries))
	for _, e := range entries {
		if s, ok := e.Value.String(); ok {
			out[e.Key] = s
		}
	}
	return out
}

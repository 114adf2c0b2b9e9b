package cluster

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/go-json-experiment/json/jsontext"
	"gopkg.in/yaml.v3"
)

// The converter reads the JSON of a list response token by token and builds
// yaml.v3 nodes straight from it, without the map[string]any that an
// unstructured decoder would build first. Nodes and the slices of their
// children are carved out of large blocks, so that an object costs a few
// allocations instead of one per field.
//
// Scalar nodes of field names and of short values, such as "name", "true"
// or "TCP", are shared by every object a builder reads, which more than
// halves the nodes of a typical object. Nothing in kubethreat modifies the
// nodes of an object once it is read; code that would must copy them
// first.

// lastApplied is the annotation in which `kubectl apply` keeps a copy of the
// whole object. It doubles the size of an object, and on a Secret it holds
// the secret's values, so it is never kept.
const lastApplied = "kubectl.kubernetes.io/last-applied-configuration"

// filter selects the fields of a JSON object that are kept. When keep is
// not nil, it lists the only fields kept. drop lists fields that are
// skipped, and children holds the filters of fields' values.
type filter struct {
	keep     map[string]bool
	drop     map[string]bool
	children map[string]*filter
}

func (f *filter) skips(key string) bool {
	if f == nil {
		return false
	}
	if f.keep != nil && !f.keep[key] {
		return true
	}
	return f.drop[key]
}

func (f *filter) child(key string) *filter {
	if f == nil {
		return nil
	}
	return f.children[key]
}

// metadataFilter drops managedFields, which record which client set each
// field and are often larger than the rest of the object, and the
// last-applied annotation.
var metadataFilter = &filter{
	drop:     map[string]bool{"managedFields": true},
	children: map[string]*filter{"annotations": {drop: map[string]bool{lastApplied: true}}},
}

// itemFilter returns the filter applied to each item of a resource's list.
func itemFilter(r Resource) *filter {
	f := &filter{children: map[string]*filter{"metadata": metadataFilter}}
	switch {
	case r.MetadataOnly:
		// Only metadata is kept even if a server sends more than asked for.
		f.keep = map[string]bool{"metadata": true}
	case r.Group == "" && r.Resource == "nodes":
		// The image list of a node can hold hundreds of entries; no check
		// reads it.
		f.children["status"] = &filter{drop: map[string]bool{"images": true}}
	case r.Group == "" && r.Resource == "pods":
		// Container statuses are most of a running pod's status; the
		// checks read only its phase and conditions.
		f.children["status"] = &filter{keep: map[string]bool{"phase": true, "conditions": true, "qosClass": true}}
	}
	return f
}

const (
	nodeBlock    = 4096
	pointerBlock = 8192
	maxInterned  = 1 << 16
	// maxInternedValue is the longest value string that is interned; longer
	// strings, such as names and UIDs, are rarely repeated.
	maxInternedValue = 24
)

// builder builds node trees. It is not safe for concurrent use: each
// worker has its own.
type builder struct {
	nodes    []yaml.Node  // the unused rest of the current node block
	pointers []*yaml.Node // the unused rest of the current pointer block
	stack    []*yaml.Node // children of the mappings and sequences being read
	strings  map[string]string
	shared   map[scalar]*yaml.Node
}

// scalar identifies a shared scalar node.
type scalar struct{ tag, value string }

func newBuilder() *builder {
	return &builder{strings: make(map[string]string, 1024), shared: make(map[scalar]*yaml.Node, 1024)}
}

// sharedScalar returns the one node of the builder for a scalar, or a new
// node when too many are shared already. Shared nodes are allocated
// outside the blocks, so that rewind never clears them.
func (b *builder) sharedScalar(tag, value string) *yaml.Node {
	key := scalar{tag, value}
	if n, ok := b.shared[key]; ok {
		return n
	}
	n := &yaml.Node{Kind: yaml.ScalarNode, Tag: tag, Value: value}
	if tag == "!!str" {
		n.Style = yaml.DoubleQuotedStyle
	}
	if len(b.shared) < maxInterned {
		b.shared[key] = n
	}
	return n
}

// mark is a position in the builder's blocks, to take back what an item
// used when the item is dropped.
type mark struct {
	nodes    []yaml.Node
	pointers []*yaml.Node
}

func (b *builder) mark() mark {
	// Starting the blocks now lets rewind tell that no new block was
	// started since.
	if len(b.nodes) == 0 {
		b.nodes = make([]yaml.Node, nodeBlock)
	}
	if len(b.pointers) == 0 {
		b.pointers = make([]*yaml.Node, pointerBlock)
	}
	return mark{b.nodes, b.pointers}
}

// rewind returns the nodes and pointers used since m, unless a new block was
// started since, in which case they are left to the garbage collector with
// the objects that share the block.
func (b *builder) rewind(m mark) {
	if len(m.nodes) > 0 && len(b.nodes) > 0 && &m.nodes[len(m.nodes)-1] == &b.nodes[len(b.nodes)-1] {
		clear(m.nodes[:len(m.nodes)-len(b.nodes)])
		b.nodes = m.nodes
	}
	if len(m.pointers) > 0 && len(b.pointers) > 0 && &m.pointers[len(m.pointers)-1] == &b.pointers[len(b.pointers)-1] {
		clear(m.pointers[:len(m.pointers)-len(b.pointers)])
		b.pointers = m.pointers
	}
}

func (b *builder) node(kind yaml.Kind, tag, value string) *yaml.Node {
	if len(b.nodes) == 0 {
		b.nodes = make([]yaml.Node, nodeBlock)
	}
	n := &b.nodes[0]
	b.nodes = b.nodes[1:]
	n.Kind, n.Tag, n.Value = kind, tag, value
	return n
}

// children moves the nodes pushed on the stack since start into an exactly
// sized slice.
func (b *builder) children(start int) []*yaml.Node {
	count := len(b.stack) - start
	if count == 0 {
		return nil
	}
	var out []*yaml.Node
	if count > pointerBlock/8 {
		out = make([]*yaml.Node, count)
	} else {
		if len(b.pointers) < count {
			b.pointers = make([]*yaml.Node, pointerBlock)
		}
		out = b.pointers[:count:count]
		b.pointers = b.pointers[count:]
	}
	copy(out, b.stack[start:])
	clear(b.stack[start:])
	b.stack = b.stack[:start]
	return out
}

// intern returns the string for raw, sharing one copy of each repeated
// field name and short value.
func (b *builder) intern(raw []byte) string {
	if s, ok := b.strings[string(raw)]; ok {
		return s
	}
	s := string(raw)
	if len(b.strings) < maxInterned {
		b.strings[s] = s
	}
	return s
}

// text decodes a raw JSON string token, quotes included.
func (b *builder) text(raw []byte, intern bool) (string, error) {
	inner := raw[1 : len(raw)-1]
	if bytes.IndexByte(inner, '\\') < 0 {
		if intern && len(inner) <= maxInternedValue {
			return b.intern(inner), nil
		}
		return string(inner), nil
	}
	out, err := jsontext.AppendUnquote(nil, raw)
	if err != nil {
		return "", err
	}
	if intern {
		return b.intern(out), nil
	}
	return string(out), nil
}

// value reads one JSON value, applying f to the fields of an object.
func (b *builder) value(dec *jsontext.Decoder, f *filter) (*yaml.Node, error) {
	switch dec.PeekKind() {
	case '{':
		return b.object(dec, f)
	case '[':
		return b.array(dec)
	}
	raw, err := dec.ReadValue()
	if err != nil {
		return nil, err
	}
	return b.scalar(raw)
}

func (b *builder) scalar(raw jsontext.Value) (*yaml.Node, error) {
	switch raw.Kind() {
	case '"':
		s, err := b.text(raw, true)
		if err != nil {
			return nil, err
		}
		if len(s) <= maxInternedValue {
			return b.sharedScalar("!!str", s), nil
		}
		n := b.node(yaml.ScalarNode, "!!str", s)
		n.Style = yaml.DoubleQuotedStyle
		return n, nil
	case 't':
		return b.sharedScalar("!!bool", "true"), nil
	case 'f':
		return b.sharedScalar("!!bool", "false"), nil
	case 'n':
		return b.sharedScalar("!!null", "null"), nil
	case '0':
		tag := "!!int"
		if bytes.ContainsAny(raw, ".eE") {
			tag = "!!float"
		}
		return b.sharedScalar(tag, b.intern(raw)), nil
	}
	return nil, fmt.Errorf("unexpected JSON value %.20q", raw)
}

func (b *builder) object(dec *jsontext.Decoder, f *filter) (*yaml.Node, error) {
	if _, err := dec.ReadToken(); err != nil { // {
		return nil, err
	}
	start := len(b.stack)
	for dec.PeekKind() == '"' {
		key, err := b.key(dec)
		if err != nil {
			return nil, err
		}
		if f.skips(key) {
			if err := dec.SkipValue(); err != nil {
				return nil, err
			}
			continue
		}
		v, err := b.value(dec, f.child(key))
		if err != nil {
			return nil, err
		}
		b.stack = append(b.stack, b.sharedScalar("!!str", key), v)
	}
	if _, err := dec.ReadToken(); err != nil { // }
		return nil, err
	}
	n := b.node(yaml.MappingNode, "!!map", "")
	n.Style = yaml.FlowStyle
	n.Content = b.children(start)
	return n, nil
}

func (b *builder) key(dec *jsontext.Decoder) (string, error) {
	raw, err := dec.ReadValue()
	if err != nil {
		return "", err
	}
	return b.text(raw, true)
}

func (b *builder) array(dec *jsontext.Decoder) (*yaml.Node, error) {
	if _, err := dec.ReadToken(); err != nil { // [
		return nil, err
	}
	start := len(b.stack)
	for {
		kind := dec.PeekKind()
		if kind == ']' || kind == 0 {
			break
		}
		v, err := b.value(dec, nil)
		if err != nil {
			return nil, err
		}
		b.stack = append(b.stack, v)
	}
	if _, err := dec.ReadToken(); err != nil { // ]
		return nil, err
	}
	n := b.node(yaml.SequenceNode, "!!seq", "")
	n.Style = yaml.FlowStyle
	n.Content = b.children(start)
	return n, nil
}

// listMeta is the list-level metadata of a list response.
type listMeta struct {
	Kind            string
	APIVersion      string
	Continue        string
	ResourceVersion string
}

// readList reads a list response from r. It calls item for each element of
// "items", converted with f, as soon as the element is read. The list's own
// fields may come before or after its items; they are returned at the end.
func (b *builder) readList(r io.Reader, f *filter, item func(*yaml.Node) error) (listMeta, error) {
	var meta listMeta
	dec := jsontext.NewDecoder(r)
	if dec.PeekKind() != '{' {
		_, err := dec.ReadToken()
		return meta, fmt.Errorf("list response is not a JSON object: %w", orUnexpected(err))
	}
	if _, err := dec.ReadToken(); err != nil {
		return meta, err
	}
	for dec.PeekKind() == '"' {
		key, err := b.key(dec)
		if err != nil {
			return meta, err
		}
		switch key {
		case "kind", "apiVersion":
			raw, err := dec.ReadValue()
			if err != nil {
				return meta, err
			}
			s := ""
			if raw.Kind() == '"' {
				s, _ = b.text(raw, true)
			}
			if key == "kind" {
				meta.Kind = s
			} else {
				meta.APIVersion = s
			}
		case "metadata":
			if err := readListMeta(b, dec, &meta); err != nil {
				return meta, err
			}
		case "items":
			if err := b.items(dec, f, item); err != nil {
				return meta, err
			}
		default:
			if err := dec.SkipValue(); err != nil {
				return meta, err
			}
		}
	}
	_, err := dec.ReadToken()
	return meta, err
}

func orUnexpected(err error) error {
	if err == nil {
		return errors.New("unexpected JSON value")
	}
	return err
}

func readListMeta(b *builder, dec *jsontext.Decoder, meta *listMeta) error {
	m := b.mark()
	n, err := b.value(dec, nil)
	if err != nil {
		return err
	}
	if n.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(n.Content); i += 2 {
			switch n.Content[i].Value {
			case "continue":
				meta.Continue = n.Content[i+1].Value
			case "resourceVersion":
				meta.ResourceVersion = n.Content[i+1].Value
			}
		}
	}
	b.rewind(m)
	return nil
}

func (b *builder) items(dec *jsontext.Decoder, f *filter, item func(*yaml.Node) error) error {
	if dec.PeekKind() == 'n' {
		_, err := dec.ReadToken()
		return err
	}
	if _, err := dec.ReadToken(); err != nil { // [
		return err
	}
	for {
		kind := dec.PeekKind()
		if kind == ']' || kind == 0 {
			break
		}
		m := b.mark()
		n, err := b.value(dec, f)
		if err != nil {
			return err
		}
		err = item(n)
		if errors.Is(err, errSkipItem) {
			b.rewind(m)
			continue
		}
		if err != nil {
			return err
		}
	}
	_, err := dec.ReadToken() // ]
	return err
}

// errSkipItem is returned by an item callback for an item it does not
// keep, so that the builder reuses the item's nodes.
var errSkipItem = errors.New("skip item")

// setIdentity sets apiVersion and kind at the start of an object's mapping,
// replacing the values an item may carry. Items of lists of built-in types
// carry neither, and metadata-only items carry those of
// PartialObjectMetadata.
func (b *builder) setIdentity(n *yaml.Node, apiVersion, kind string) {
	content := make([]*yaml.Node, 4, len(n.Content)+4)
	for i, kv := range [][2]string{{"apiVersion", apiVersion}, {"kind", kind}} {
		content[2*i], content[2*i+1] = b.sharedScalar("!!str", kv[0]), b.sharedScalar("!!str", kv[1])
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		switch n.Content[i].Value {
		case "apiVersion", "kind":
			continue
		}
		content = append(content, n.Content[i], n.Content[i+1])
	}
	n.Content = content
}

package cluster

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// readItems converts the items of a JSON list with the filter of res.
func readItems(t *testing.T, res Resource, list string) ([]*yaml.Node, listMeta) {
	t.Helper()
	b := newBuilder()
	var items []*yaml.Node
	meta, err := b.readList(strings.NewReader(list), itemFilter(res), func(n *yaml.Node) error {
		items = append(items, n)
		return nil
	})
	if err != nil {
		t.Fatalf("readList: %v", err)
	}
	return items, meta
}

// render writes a node tree as YAML, for comparisons.
func render(t *testing.T, n *yaml.Node) string {
	t.Helper()
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(plain(n)); err != nil {
		t.Fatalf("encoding: %v", err)
	}
	return buf.String()
}

// plain copies a tree with block style, so that render gives readable
// YAML.
func plain(n *yaml.Node) *yaml.Node {
	c := *n
	if c.Kind != yaml.ScalarNode {
		c.Style = 0
	} else if c.Tag == "!!str" {
		c.Style = 0
	}
	c.Content = nil
	for _, child := range n.Content {
		c.Content = append(c.Content, plain(child))
	}
	return &c
}

func TestReadListConvertsItems(t *testing.T) {
	list := `{"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"42","continue":"abc"},
	"items":[{"metadata":{"name":"web","namespace":"shop","labels":{"app":"web"},
	"annotations":{"note":"x\"y","kubectl.kubernetes.io/last-applied-configuration":"{\"secret\":1}"},
	"managedFields":[{"manager":"kubectl"}]},
	"spec":{"hostPID":true,"containers":[{"name":"app","image":"nginx:1.27","ports":[{"containerPort":80}]}],
	"priority":-1.5e3,"nodeSelector":null}}]}`
	items, meta := readItems(t, Resource{Resource: "pods", Kind: "Pod"}, list)

	if meta.Kind != "PodList" || meta.Continue != "abc" || meta.ResourceVersion != "42" {
		t.Errorf("list meta = %+v, want kind PodList, continue abc, resourceVersion 42", meta)
	}
	if len(items) != 1 {
		t.Fatalf("got %d items, want 1", len(items))
	}
	want := `metadata:
  name: web
  namespace: shop
  labels:
    app: web
  annotations:
    note: x"y
spec:
  hostPID: true
  containers:
    - name: app
      image: nginx:1.27
      ports:
        - containerPort: 80
  priority: -1.5e3
  nodeSelector: null
`
	if got := render(t, items[0]); got != want {
		t.Errorf("converted item:\n%s\nwant:\n%s", got, want)
	}
}

func TestReadListScalarTags(t *testing.T) {
	items, _ := readItems(t, Resource{Resource: "configmaps", Kind: "ConfigMap"},
		`{"items":[{"a":"1","b":1,"c":1.5,"d":true,"e":false,"f":null,"g":"\u00e9\n"}]}`)
	want := map[string][2]string{
		"a": {"!!str", "1"}, "b": {"!!int", "1"}, "c": {"!!float", "1.5"},
		"d": {"!!bool", "true"}, "e": {"!!bool", "false"}, "f": {"!!null", "null"}, "g": {"!!str", "é\n"},
	}
	n := items[0]
	for i := 0; i+1 < len(n.Content); i += 2 {
		key, v := n.Content[i].Value, n.Content[i+1]
		if w := want[key]; v.Tag != w[0] || v.Value != w[1] {
			t.Errorf("field %s: tag %s value %q, want tag %s value %q", key, v.Tag, v.Value, w[0], w[1])
		}
	}
}

func TestReadListMetadataOnlyKeepsMetadata(t *testing.T) {
	list := `{"kind":"PartialObjectMetadataList","apiVersion":"meta.k8s.io/v1","metadata":{},
	"items":[{"kind":"PartialObjectMetadata","apiVersion":"meta.k8s.io/v1",
	"metadata":{"name":"db","namespace":"shop","annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{\"data\":{\"password\":\"aHVudGVyMg==\"}}"}},
	"data":{"password":"aHVudGVyMg=="},"type":"Opaque"}]}`
	res := Resource{Resource: "secrets", Kind: "Secret", Namespaced: true, MetadataOnly: true}
	items, _ := readItems(t, res, list)
	b := newBuilder()
	b.setIdentity(items[0], "v1", "Secret")
	got := render(t, items[0])
	want := "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  namespace: shop\n  annotations: {}\n"
	if got != want {
		t.Errorf("secret item:\n%s\nwant:\n%s", got, want)
	}
	if strings.Contains(got, "aHVudGVyMg") {
		t.Errorf("secret item keeps a secret value:\n%s", got)
	}
}

func TestReadListDropsNodeImages(t *testing.T) {
	list := `{"items":[{"metadata":{"name":"n1"},"status":{"images":[{"names":["a"]}],"nodeInfo":{"kubeletVersion":"v1.37.2"}}}]}`
	items, _ := readItems(t, Resource{Resource: "nodes", Kind: "Node"}, list)
	got := render(t, items[0])
	if strings.Contains(got, "images") || !strings.Contains(got, "kubeletVersion: v1.37.2") {
		t.Errorf("node item:\n%s\nwant status.images dropped and nodeInfo kept", got)
	}
}

func TestReadListErrors(t *testing.T) {
	for name, list := range map[string]string{
		"not an object":   `[1,2]`,
		"truncated item":  `{"items":[{"metadata":{"name":"a"`,
		"invalid literal": `{"items":[{"a":tru}]}`,
		"invalid escape":  `{"items":[{"a":"\q"}]}`,
	} {
		t.Run(name, func(t *testing.T) {
			b := newBuilder()
			_, err := b.readList(strings.NewReader(list), nil, func(*yaml.Node) error { return nil })
			if err == nil {
				t.Errorf("readList(%s) succeeded, want an error", list)
			}
		})
	}
}

func TestReadListCallbackError(t *testing.T) {
	stop := errors.New("stop")
	b := newBuilder()
	_, err := b.readList(strings.NewReader(`{"items":[{"a":1},{"a":2}]}`), nil, func(*yaml.Node) error { return stop })
	if !errors.Is(err, stop) {
		t.Errorf("readList error = %v, want the callback's error", err)
	}
}

func TestRewindReusesNodes(t *testing.T) {
	b := newBuilder()
	var kept []*yaml.Node
	_, err := b.readList(strings.NewReader(`{"items":[{"name":"skip"},{"name":"keep"}]}`), nil, func(n *yaml.Node) error {
		if n.Content[1].Value == "skip" {
			return errSkipItem
		}
		kept = append(kept, n)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(kept) != 1 || kept[0].Content[1].Value != "keep" {
		t.Fatalf("kept %v, want the second item only", kept)
	}
	// The skipped item's mapping node was taken back, so the kept item's
	// mapping reuses it; keys and short values are shared nodes outside
	// the block.
	if used := nodeBlock - len(b.nodes); used != 1 {
		t.Errorf("builder used %d block nodes, want 1 (the kept item's mapping)", used)
	}
	if kept[0].Content[1].Value != "keep" {
		t.Errorf("rewind cleared a shared node: the kept item's value is %q", kept[0].Content[1].Value)
	}
}

func TestSharedScalarNodes(t *testing.T) {
	items, _ := readItems(t, Resource{Resource: "pods", Kind: "Pod"},
		`{"items":[{"metadata":{"name":"a"},"spec":{"hostPID":true}},{"metadata":{"name":"b"},"spec":{"hostPID":true}}]}`)
	first, second := items[0], items[1]
	if first.Content[0] != second.Content[0] {
		t.Error("the two items do not share the node of the key metadata")
	}
	hostPID := func(n *yaml.Node) *yaml.Node { return n.Content[3].Content[1] }
	if hostPID(first) != hostPID(second) {
		t.Error("the two items do not share the node of the value true")
	}
	if first.Content[1].Content[1].Value != "a" || second.Content[1].Content[1].Value != "b" {
		t.Errorf("names are %q and %q, want a and b", first.Content[1].Content[1].Value, second.Content[1].Content[1].Value)
	}
}

func TestSetIdentityReplacesKind(t *testing.T) {
	items, _ := readItems(t, Resource{Resource: "secrets", Kind: "Secret"},
		`{"items":[{"kind":"PartialObjectMetadata","apiVersion":"meta.k8s.io/v1","metadata":{"name":"a"}}]}`)
	b := newBuilder()
	b.setIdentity(items[0], "v1", "Secret")
	want := "apiVersion: v1\nkind: Secret\nmetadata:\n  name: a\n"
	if got := render(t, items[0]); got != want {
		t.Errorf("identity:\n%s\nwant:\n%s", got, want)
	}
}

func BenchmarkReadList(b *testing.B) {
	var buf bytes.Buffer
	buf.WriteString(`{"kind":"PodList","items":[`)
	for i := range 500 {
		if i > 0 {
			buf.WriteByte(',')
		}
		buf.WriteString(`{"metadata":{"name":"web-12345","namespace":"shop","uid":"0f2a6c9e-3d4b-4c1a-9f0e-1234567890ab","labels":{"app":"web","tier":"front"},"managedFields":[{"manager":"kube-controller-manager","fieldsV1":{"f:spec":{}}}]},"spec":{"containers":[{"name":"app","image":"nginx:1.27","ports":[{"containerPort":80,"protocol":"TCP"}],"resources":{"limits":{"cpu":"500m","memory":"128Mi"}},"securityContext":{"runAsNonRoot":true,"allowPrivilegeEscalation":false}}],"restartPolicy":"Always","dnsPolicy":"ClusterFirst","serviceAccountName":"web"},"status":{"phase":"Pending"}}`)
	}
	buf.WriteString(`]}`)
	data := buf.Bytes()
	f := itemFilter(Resource{Resource: "pods", Kind: "Pod"})
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		bl := newBuilder()
		if _, err := bl.readList(bytes.NewReader(data), f, func(*yaml.Node) error { return nil }); err != nil {
			b.Fatal(err)
		}
	}
}

// yamlToJSON converts a YAML flow mapping to JSON with the standard
// library, for compact test inputs.
func yamlToJSON(t *testing.T, doc string) string {
	t.Helper()
	var v any
	if err := yaml.Unmarshal([]byte(doc), &v); err != nil {
		t.Fatal(err)
	}
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

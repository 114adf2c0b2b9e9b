package cluster

import (
	"context"
	"fmt"
	"strconv"

	"gopkg.in/yaml.v3"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/rest"

	"github.com/kubethreat/kubethreat/source"
)

// Accept headers of list requests. The metadata-only one names a single
// media type with no fallback, so a server that cannot send
// PartialObjectMetadataList responds 406 Not Acceptable instead of sending
// whole objects. client-go's metadata client adds "application/json" as a
// fallback, which is why it is not used for Secrets.
const (
	acceptJSON         = "application/json"
	acceptMetadataList = "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1"
)

// listTask is one list to run: a resource at a served version, in one
// namespace or in all of them.
type listTask struct {
	res       Resource
	version   string
	namespace string // "" for all namespaces or a cluster-scoped resource
	// onlyName limits a list of Namespaces to the scanned one.
	onlyName string
}

// path returns the request path of the list, such as
// /apis/apps/v1/namespaces/shop/deployments.
func (t listTask) path() string {
	p := "/api/" + t.version
	if t.res.Group != "" {
		p = "/apis/" + t.res.Group + "/" + t.version
	}
	if t.res.Namespaced && t.namespace != "" {
		p += "/namespaces/" + t.namespace
	}
	return p + "/" + t.res.Resource
}

func (t listTask) apiVersion() string {
	if t.res.Group == "" {
		return t.version
	}
	return t.res.Group + "/" + t.version
}

// lister runs list requests and converts their items.
type lister struct {
	client   rest.Interface
	pageSize int64
	loc      source.Location
	owned    bool // keep objects owned by a workload controller
	progress func(resource string, objects int)
}

// listStats counts what one list read.
type listStats struct {
	kept, owned int
}

// list reads every page of a task and returns the objects it keeps. An
// expired continue token restarts the list once, because the pages read
// before it may no longer be consistent with the rest.
func (l *lister) list(ctx context.Context, b *builder, t listTask) ([]*source.Object, listStats, error) {
	objects, stats, err := l.pages(ctx, b, t)
	if apierrors.IsResourceExpired(err) || apierrors.IsGone(err) {
		objects, stats, err = l.pages(ctx, b, t)
	}
	return objects, stats, err
}

func (l *lister) pages(ctx context.Context, b *builder, t listTask) ([]*source.Object, listStats, error) {
	var objects []*source.Object
	var stats listStats
	f := itemFilter(t.res)
	apiVersion := t.apiVersion()
	cont := ""
	for {
		req := l.client.Get().AbsPath(t.path()).
			Param("limit", strconv.FormatInt(l.pageSize, 10)).
			SetHeader("Accept", accept(t.res))
		if cont != "" {
			req = req.Param("continue", cont)
		}
		if t.onlyName != "" {
			req = req.Param("fieldSelector", "metadata.name="+t.onlyName)
		}
		page, meta, err := l.page(ctx, b, req, f, t, apiVersion, &stats)
		if err != nil {
			return nil, stats, err
		}
		objects = append(objects, page...)
		if l.progress != nil {
			l.progress(t.res.Name(), len(page))
		}
		if meta.Continue == "" {
			return objects, stats, nil
		}
		cont = meta.Continue
	}
}

func accept(r Resource) string {
	if r.MetadataOnly {
		return acceptMetadataList
	}
	return acceptJSON
}

// page reads one page. The objects of a metadata-only list are kept only
// when the response's kind is PartialObjectMetadataList.
func (l *lister) page(ctx context.Context, b *builder, req *rest.Request, f *filter, t listTask, apiVersion string, stats *listStats) ([]*source.Object, listMeta, error) {
	body, err := req.Stream(ctx)
	if err != nil {
		return nil, listMeta{}, err
	}
	defer body.Close()

	var objects []*source.Object
	meta, err := b.readList(body, f, func(n *yaml.Node) error {
		if !l.owned && ownedByController(t.res.Kind, n) {
			stats.owned++
			return errSkipItem
		}
		itemVersion, kind := apiVersion, t.res.Kind
		if kind == "" {
			itemVersion, kind = scalarValue(n, "apiVersion"), scalarValue(n, "kind")
		} else {
			b.setIdentity(n, itemVersion, kind)
		}
		objects = append(objects, l.object(n, itemVersion, kind))
		return nil
	})
	if err != nil {
		return nil, meta, fmt.Errorf("reading the list of %s: %w", qualified(t.res), err)
	}
	if t.res.MetadataOnly && meta.Kind != "PartialObjectMetadataList" {
		return nil, meta, fmt.Errorf("the API server responded to a metadata-only list of %s with kind %q instead of PartialObjectMetadataList; its items were discarded", qualified(t.res), meta.Kind)
	}
	stats.kept += len(objects)
	return objects, meta, nil
}

// object wraps a converted item.
func (l *lister) object(n *yaml.Node, apiVersion, kind string) *source.Object {
	o := &source.Object{Doc: n, Loc: l.loc, Origin: "cluster"}
	o.APIVersion, o.Kind = apiVersion, kind
	meta := mappingValue(n, "metadata")
	o.Name = scalarValue(meta, "name")
	o.Namespace = scalarValue(meta, "namespace")
	return o
}

// controllerOwners lists, per kind, the controllers whose pod template the
// scan reads instead of the objects they own.
var controllerOwners = map[string]map[string]bool{
	"Pod":        {"ReplicaSet": true, "StatefulSet": true, "DaemonSet": true, "Job": true, "ReplicationController": true},
	"ReplicaSet": {"Deployment": true},
	"Job":        {"CronJob": true},
}

// ownedByController reports whether an object has a controller owner
// whose template is scanned. Mirror pods, which a Node owns, and pods of
// other controllers, such as operators, are kept.
func ownedByController(kind string, n *yaml.Node) bool {
	owners := controllerOwners[kind]
	if owners == nil {
		return false
	}
	refs := mappingValue(mappingValue(n, "metadata"), "ownerReferences")
	if refs == nil || refs.Kind != yaml.SequenceNode {
		return false
	}
	for _, ref := range refs.Content {
		if scalarValue(ref, "controller") == "true" && owners[scalarValue(ref, "kind")] {
			return true
		}
	}
	return false
}

// mappingValue returns the value of a key in a mapping node, or nil.
func mappingValue(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

func scalarValue(n *yaml.Node, key string) string {
	v := mappingValue(n, key)
	if v == nil || v.Kind != yaml.ScalarNode {
		return ""
	}
	return v.Value
}

// isForbidden reports whether a list failed for lack of permission.
func isForbidden(err error) bool {
	return apierrors.IsForbidden(err)
}

// isNotServed reports whether a list failed because the server does not
// serve the resource.
func isNotServed(err error) bool {
	return apierrors.IsNotFound(err) || apierrors.IsMethodNotSupported(err)
}

package cluster

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	"github.com/go-json-experiment/json/jsontext"
	"gopkg.in/yaml.v3"

	"github.com/kubethreat/kubethreat/source"
)

// kubeletTimeout bounds the configz request to one kubelet, so that an
// unreachable node costs seconds and not the whole scan.
const kubeletTimeout = 10 * time.Second

// Kubelet configurations are read from each node's /configz endpoint,
// through the API server's node proxy, and become objects of kind
// KubeletConfiguration named after the node, which the node checks read
// like a kubelet configuration file.
const (
	kubeletAPIVersion = "kubelet.config.k8s.io/v1beta1"
	kubeletKind       = "KubeletConfiguration"
)

var nodesProxy = Resource{Resource: KubeletConfigResource}

// readKubelets reads the configuration of every listed node's kubelet when
// the identity may get nodes/proxy. When it may not, or when no kubelet
// responds, KubeletConfigResource is unreadable.
func (r *reader) readKubelets(ctx context.Context) {
	if reason, ok := r.res.Unreadable["nodes"]; ok {
		r.res.Unreadable[KubeletConfigResource] = "nodes are not readable, so their kubelets are unknown: " + reason
		return
	}
	nodes := r.byTask["nodes"]
	if len(nodes) == 0 {
		return
	}
	r.progress("reading kubelet configurations", "")
	rv := reviewer{client: r.client.AuthorizationV1().SelfSubjectAccessReviews()}
	if a := rv.review(ctx, "", "nodes", "proxy", "get", ""); a.known && !a.allowed {
		r.res.Unreadable[KubeletConfigResource] = forbiddenReason("get", nodesProxy, "")
		return
	}

	configs := make([]*source.Object, len(nodes))
	failures := make([]string, len(nodes))
	var forbidden atomic.Bool
	r.parallel(len(nodes), func(i int) {
		o, err := r.kubeletConfig(ctx, nodes[i].Name)
		switch {
		case err == nil:
			configs[i] = o
		case isForbidden(err):
			forbidden.Store(true)
			failures[i] = nodes[i].Name
		default:
			failures[i] = fmt.Sprintf("node %s: %v", nodes[i].Name, err)
		}
	})
	r.fileKubelets(configs, failures, forbidden.Load())
}

func (r *reader) fileKubelets(configs []*source.Object, failures []string, forbidden bool) {
	var failed []string
	for i, o := range configs {
		if o != nil {
			r.res.Objects = append(r.res.Objects, o)
			r.res.Listed[KubeletConfigResource]++
			continue
		}
		failed = append(failed, failures[i])
	}
	switch {
	case forbidden:
		r.res.Unreadable[KubeletConfigResource] = forbiddenReason("get", nodesProxy, "")
	case len(failed) == len(configs):
		r.res.Unreadable[KubeletConfigResource] = "no kubelet responded on /configz through the node proxy: " + strings.Join(failed, "; ")
	case len(failed) > 0:
		sort.Strings(failed)
		r.res.Warnings = append(r.res.Warnings, fmt.Sprintf(
			"the kubelet configuration of %d of %d nodes could not be read, so the kubelet checks do not cover them: %s",
			len(failed), len(configs), strings.Join(failed, "; ")))
	}
}

// kubeletConfig requests /configz of a node's kubelet.
func (r *reader) kubeletConfig(ctx context.Context, node string) (*source.Object, error) {
	ctx, cancel := context.WithTimeout(ctx, kubeletTimeout)
	defer cancel()
	body, err := r.rest.Get().AbsPath("/api/v1/nodes", node, "proxy", "configz").
		SetHeader("Accept", acceptJSON).Stream(ctx)
	if err != nil {
		return nil, err
	}
	defer body.Close()

	b := newBuilder()
	n, err := b.value(jsontext.NewDecoder(body), nil)
	if err != nil {
		return nil, fmt.Errorf("reading /configz: %w", err)
	}
	cfg := mappingValue(n, "kubeletconfig")
	if cfg == nil || cfg.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("/configz has no kubeletconfig object")
	}
	return kubeletObject(b, cfg, node, r.target.Location()), nil
}

// kubeletObject turns the kubeletconfig object of /configz into a
// KubeletConfiguration named after its node.
func kubeletObject(b *builder, cfg *yaml.Node, node string, loc source.Location) *source.Object {
	meta := b.node(yaml.MappingNode, "!!map", "")
	meta.Content = []*yaml.Node{b.node(yaml.ScalarNode, "!!str", "name"), b.node(yaml.ScalarNode, "!!str", node)}
	cfg.Content = append([]*yaml.Node{b.node(yaml.ScalarNode, "!!str", "metadata"), meta}, cfg.Content...)
	b.setIdentity(cfg, kubeletAPIVersion, kubeletKind)
	o := &source.Object{Doc: cfg, Loc: loc, Origin: "cluster"}
	o.APIVersion, o.Kind, o.Name = kubeletAPIVersion, kubeletKind, node
	return o
}

package cluster

import (
	"slices"
	"strings"

	"github.com/kubethreat/kubethreat/source"
)

// Managed Kubernetes services, as Info.Provider names them.
const (
	ProviderAKS = "aks"
	ProviderEKS = "eks"
	ProviderGKE = "gke"
)

// providerLabels are node labels that only the managed services set.
var providerLabels = []struct{ label, provider string }{
	{"kubernetes.azure.com/cluster", ProviderAKS},
	{"eks.amazonaws.com/nodegroup", ProviderEKS},
	{"eks.amazonaws.com/compute-type", ProviderEKS},
	{"cloud.google.com/gke-nodepool", ProviderGKE},
}

// providerIDPrefixes map the cloud provider's node IDs to the managed
// service on that cloud. A provider ID alone also matches a cluster that
// its owner runs on that cloud's VMs, so it decides only together with
// a name that the service gives its nodes.
var providerIDPrefixes = []struct{ prefix, provider, nodePrefix string }{
	{"azure://", ProviderAKS, "aks-"},
	{"aws://", ProviderEKS, ""},
	{"gce://", ProviderGKE, "gke-"},
}

// detectProvider returns the managed service that runs the nodes, or "".
func detectProvider(nodes []*source.Object) string {
	for _, n := range nodes {
		labels := n.Labels()
		for _, pl := range providerLabels {
			if _, ok := labels[pl.label]; ok {
				return pl.provider
			}
		}
	}
	for _, n := range nodes {
		id := n.Get("spec.providerID").Str()
		for _, p := range providerIDPrefixes {
			if p.nodePrefix != "" && strings.HasPrefix(id, p.prefix) && strings.HasPrefix(n.Name, p.nodePrefix) {
				return p.provider
			}
		}
	}
	return ""
}

// MirrorAnnotation marks a pod that the API server shows for a static pod
// that a kubelet runs from a file or URL.
const MirrorAnnotation = "kubernetes.io/config.mirror"

// apiserverPlugins returns the admission plugins that a kube-apiserver
// mirror pod in kube-system enables, and whether such a pod was found.
func apiserverPlugins(objects []*source.Object) (plugins []string, found bool) {
	for _, o := range objects {
		if o.Kind != "Pod" || o.Namespace != "kube-system" {
			continue
		}
		if _, mirror := o.Annotations()[MirrorAnnotation]; !mirror {
			continue
		}
		for _, c := range o.Get("spec.containers").Items() {
			args := append(c.Field("command").Strings(), c.Field("args").Strings()...)
			if !slices.ContainsFunc(args, isAPIServerBinary) {
				continue
			}
			return flagList(args, "enable-admission-plugins"), true
		}
	}
	return nil, false
}

func isAPIServerBinary(arg string) bool {
	base := arg[strings.LastIndex(arg, "/")+1:]
	return base == "kube-apiserver"
}

// flagList returns the comma-separated values of a flag given as
// --name=a,b or as --name a,b.
func flagList(args []string, name string) []string {
	var value string
	for i, a := range args {
		switch {
		case strings.HasPrefix(a, "--"+name+"="):
			value = strings.TrimPrefix(a, "--"+name+"=")
		case a == "--"+name && i+1 < len(args):
			value = args[i+1]
		}
	}
	var out []string
	for _, p := range strings.Split(value, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// describe fills in Info from the objects read.
func (r *reader) describe() {
	r.res.Info.Provider = detectProvider(r.byTask["nodes"])
	r.res.Info.AdmissionPlugins, r.res.Info.AdmissionPluginsKnown = apiserverPlugins(r.byTask["pods"])
}

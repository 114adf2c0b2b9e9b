package workload

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/kubethreat/kubethreat/check"
	"github.com/kubethreat/kubethreat/source"
)

func init() {
	check.Register(&check.Check{
		ID:    "workload-name-imitates-system",
		Title: "Workload name imitates a system component",
		Rationale: "Attackers name their pods and controllers in kube-system after system components, " +
			"such as kube-proxy-x or coredsn, so that they pass a quick look at the namespace.",
		Remediation: "Find out who created the workload, remove it if nobody owns it, and restrict " +
			"who can create workloads in kube-system.",
		Severity:    check.Medium,
		Techniques:  []string{"MS-TA9023"},
		Mitigations: []string{"MS-M9005.003"},
		Since:       "0.1.0",
		Needs:       []string{"pods", "deployments", "daemonsets", "statefulsets", "replicasets"},
		Object:      checkNameImitatesSystem,
	})
}

// imitationKinds are the kinds whose names the check compares.
var imitationKinds = map[string]bool{
	"Pod": true, "Deployment": true, "DaemonSet": true, "StatefulSet": true, "ReplicaSet": true,
}

// systemComponents are the names of the workloads that Kubernetes, its
// distributions (kubeadm, AKS, EKS, GKE) and common network and storage
// add-ons run in kube-system. They are both the names an attacker imitates
// and names that pass as they are.
var systemComponents = []string{
	"kube-apiserver", "kube-controller-manager", "kube-scheduler", "etcd", "kube-proxy",
	"coredns", "coredns-autoscaler", "kube-dns", "kube-dns-autoscaler", "node-local-dns", "nodelocaldns",
	"metrics-server", "kube-state-metrics", "cluster-autoscaler", "cloud-controller-manager",
	"cloud-node-manager", "konnectivity-agent", "konnectivity-agent-autoscaler", "ip-masq-agent",
	"aws-node", "aws-node-termination-handler", "eks-pod-identity-agent", "ebs-csi-controller", "ebs-csi-node",
	"azure-ip-masq-agent", "azure-cns", "azure-npm", "csi-azuredisk-node", "csi-azurefile-node",
	"gke-metadata-server", "pdcsi-node", "netd", "fluentbit-gke", "event-exporter-gke",
	"calico-node", "calico-kube-controllers", "calico-typha", "cilium", "cilium-operator", "cilium-envoy",
	"cilium-node-init", "kube-flannel-ds", "kube-flannel", "kube-router", "weave-net",
	"antrea-agent", "antrea-controller",
}

// staticComponents run as static pods, whose mirror pods are named
// "<component>-<node name>".
var staticComponents = map[string]bool{
	"kube-apiserver": true, "kube-controller-manager": true, "kube-scheduler": true,
	"etcd": true, "kube-proxy": true,
}

// legitimateSuffix matches the suffixes that add-ons add to component names
// for an architecture, an operating system or a version, as in
// kube-flannel-ds-amd64, calico-node-windows or metrics-server-v0.7.1.
var legitimateSuffix = regexp.MustCompile(`^(?:amd64|arm64|arm|ppc64le|s390x|windows|linux|v[0-9]+(?:\.[0-9]+)*(?:-[a-z0-9.]+)?)$`)

var knownComponent = func() map[string]bool {
	m := map[string]bool{}
	for _, n := range systemComponents {
		m[n] = true
	}
	return m
}()

// checkNameImitatesSystem applies this rule to Pods, Deployments,
// DaemonSets, StatefulSets and ReplicaSets in kube-system:
//
//  1. The base name is the object's name without the suffix that its owner
//     explains: a pod's owning DaemonSet, StatefulSet or Job name, a pod's
//     or ReplicaSet's Deployment name, or a static pod's node name.
//  2. A base name that is a known system component passes.
//  3. A component followed by a suffix that names an architecture, an
//     operating system or a version passes.
//  4. A base name that adds any other prefix or suffix to a component fails.
//  5. A base name within one edit of a component of up to five characters,
//     or two edits of a longer one, fails.
func checkNameImitatesSystem(_ *check.Context, o *source.Object, r *check.Reporter) {
	if o.Namespace != "kube-system" || !imitationKinds[o.Kind] || len(check.PodSpecs(o)) == 0 {
		return
	}

	base := baseName(o)
	component, how := imitated(base)
	if component == "" {
		r.Pass(o.Ref, o.Loc)
		return
	}

	nameValue := o.Root().Field("metadata").Field("name")
	subject := fmt.Sprintf("name %q", o.Name)
	if base != o.Name {
		subject = fmt.Sprintf("name %q (base name %q once its owner's suffix is removed)", o.Name, base)
	}
	r.Fail(nameValue, o.Name,
		"%s in kube-system has %s, which imitates system component %s: it %s; find out who created it and remove it if nobody owns it",
		o.Ref, subject, component, how)
}

// baseName removes from an object's name the generated suffix that one of
// its owner references explains, or for a static pod the node name.
func baseName(o *source.Object) string {
	name := o.Name
	if base, ok := staticPodBase(o); ok {
		return base
	}
	for _, ref := range o.Root().Field("metadata").Field("ownerReferences").Items() {
		kind, owner := ref.Field("kind").Str(), ref.Field("name").Str()
		if owner == "" {
			continue
		}
		switch {
		case !strings.HasPrefix(name, owner+"-"):
		case kind == "ReplicaSet" && o.Kind == "Pod":
			return deploymentOf(owner)
		case kind == "Deployment" && o.Kind == "ReplicaSet",
			kind == "DaemonSet" || kind == "StatefulSet" || kind == "Job":
			return owner
		}
	}
	return name
}

// staticPodBase returns the component of a static pod of the control
// plane, whose mirror pod is named "<component>-<node name>". The node name
// is known from an owner reference to the Node, from spec.nodeName, or,
// when the pod carries the kubelet's kubernetes.io/config.mirror
// annotation, taken as whatever follows the component.
func staticPodBase(o *source.Object) (string, bool) {
	if o.Kind != "Pod" {
		return "", false
	}
	meta := o.Root().Field("metadata")
	nodes := []string{o.Root().Field("spec").Field("nodeName").Str()}
	for _, ref := range meta.Field("ownerReferences").Items() {
		if ref.Field("kind").Str() == "Node" {
			nodes = append(nodes, ref.Field("name").Str())
		}
	}
	for _, node := range nodes {
		if base, ok := strings.CutSuffix(o.Name, "-"+node); ok && node != "" && staticComponents[base] {
			return base, true
		}
	}
	if meta.Field("annotations").Field("kubernetes.io/config.mirror").Exists() {
		for c := range staticComponents {
			if strings.HasPrefix(o.Name, c+"-") {
				return c, true
			}
		}
	}
	return "", false
}

// podTemplateHash matches the suffix that the Deployment controller adds to
// ReplicaSet names.
var podTemplateHash = regexp.MustCompile(`-[a-z0-9]{6,10}$`)

// deploymentOf returns the Deployment name of a ReplicaSet name such as
// "coredns-5d78c9869d".
func deploymentOf(replicaSet string) string {
	if loc := podTemplateHash.FindStringIndex(replicaSet); loc != nil {
		return replicaSet[:loc[0]]
	}
	return replicaSet
}

// imitated returns the system component that a base name imitates and how,
// or "" when it imitates none.
func imitated(base string) (component, how string) {
	if knownComponent[base] {
		return "", ""
	}
	for _, c := range systemComponents {
		if rest, ok := strings.CutPrefix(base, c+"-"); ok && legitimateSuffix.MatchString(rest) {
			return "", ""
		}
	}
	for _, c := range systemComponents {
		if rest, ok := strings.CutPrefix(base, c+"-"); ok && !legitimateSuffix.MatchString(rest) {
			return c, fmt.Sprintf("adds the suffix %q", "-"+rest)
		}
		if strings.HasSuffix(base, "-"+c) {
			return c, fmt.Sprintf("adds the prefix %q", strings.TrimSuffix(base, c))
		}
	}
	for _, c := range systemComponents {
		limit := 2
		if len(c) <= 5 {
			limit = 1
		}
		if d := editDistance(base, c); d <= limit {
			return c, fmt.Sprintf("differs from it by %d %s", d, plural(d, "character", "characters"))
		}
	}
	return "", ""
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// editDistance returns the optimal string alignment distance between two
// names: the fewest single-character insertions, deletions, substitutions
// and swaps of adjacent characters that turn one into the other, so that
// both "kube-proxxy" and "coredsn" are one edit from a component.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	d := make([][]int, len(ra)+1)
	for i := range d {
		d[i] = make([]int, len(rb)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(ra)][len(rb)]
}

package cluster

import (
	"strings"

	"github.com/kubethreat/kubethreat/check"
	"github.com/kubethreat/kubethreat/source"
	"github.com/kubethreat/kubethreat/source/cluster"
)

func init() {
	check.Register(&check.Check{
		ID:    "cluster-static-pod",
		Title: "Static pod that is not a known control-plane component",
		Rationale: "A kubelet runs static pods from files in its manifest folder or from a URL, outside the " +
			"API server's admission control, and recreates them when they are deleted. An attacker with " +
			"write access to a node uses one to persist. The API server shows each as a mirror pod with " +
			"the kubernetes.io/config.mirror annotation.",
		Remediation: "Find the manifest in the kubelet's staticPodPath on the pod's node and remove it " +
			"unless it is a component you run on purpose; keep that folder writable by root only.",
		Severity:    check.Medium,
		Techniques:  []string{"MS-TA9017"},
		Mitigations: []string{"MS-M9016", "MS-M9032"},
		Since:       "0.1.0",
		Needs:       []string{"pods"},
		Object:      checkStaticPod,
	})
}

// controlPlaneStaticPods are the static pods that kubeadm and common
// installers run on control-plane nodes, in kube-system, named
// <component>-<node>.
var controlPlaneStaticPods = []string{
	"etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kube-proxy", "kube-vip",
}

func checkStaticPod(_ *check.Context, o *source.Object, r *check.Reporter) {
	if o.Kind != "Pod" {
		return
	}
	if _, mirror := o.Annotations()[cluster.MirrorAnnotation]; !mirror {
		return
	}
	node := o.Get("spec.nodeName").Str()
	at := o.Get("metadata.annotations").Field(cluster.MirrorAnnotation)
	if o.Namespace != "kube-system" {
		r.Fail(at, "namespace "+o.Namespace,
			"%s is a static pod of node %q in namespace %q, outside kube-system where control-plane static pods run; find its manifest in the node's staticPodPath and remove it unless you run it on purpose",
			o.Ref, node, o.Namespace)
		return
	}
	for _, component := range controlPlaneStaticPods {
		if node != "" && o.Name == component+"-"+node {
			r.Pass(o.Ref, o.Loc)
			return
		}
	}
	r.Fail(at, "name "+o.Name,
		"%s is a static pod of node %q whose name matches no control-plane component (%s followed by the node name); find its manifest in the node's staticPodPath and remove it unless you run it on purpose",
		o.Ref, node, strings.Join(controlPlaneStaticPods, ", "))
}

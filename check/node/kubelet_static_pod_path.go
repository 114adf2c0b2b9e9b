package node

import (
	"github.com/kubethreat/kubethreat/check"
	"github.com/kubethreat/kubethreat/source"
)

func init() {
	check.Register(&check.Check{
		ID:    "node-kubelet-static-pod-path",
		Title: "Kubelet runs static pods from a folder",
		Rationale: "staticPodPath is normal on kubeadm control-plane nodes, where it runs the API server, " +
			"etcd and the controllers. It is reported for information: anyone who can write to that folder, " +
			"for example through a writable hostPath mount, runs pods that no admission policy sees and that " +
			"come back after deletion.",
		Remediation: "Keep the folder owned by root with mode 700 or stricter, never mount it into pods, and " +
			"remove staticPodPath on nodes that run no static pods.",
		Severity:    check.Info,
		Techniques:  []string{"MS-TA9017"},
		Mitigations: []string{"MS-M9016"},
		Since:       "0.1.0",
		Object:      kubeletObject(kubeletStaticPodPath),
	})
}

func kubeletStaticPodPath(o *source.Object, r *check.Reporter) bool {
	v := o.Get("staticPodPath")
	if v.Str() == "" {
		return false
	}
	r.Fail(v, "staticPodPath: "+v.Str(),
		"%s sets staticPodPath: %s; make sure only root can write to it and no pod mounts it", kubeletName(o), v.Str())
	return true
}

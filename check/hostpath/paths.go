package hostpath

import (
	"slices"
	"strings"
)

// target is a host path that a check looks for. A mount exposes a target
// when the mounted host path is the target or one of its parent folders,
// or, for a target with Subtree set, any path inside it. A "*" element
// matches any one folder name, as in /home/*/.aws. A target with Anywhere
// set is a folder name, such as .aws, that counts in any folder. Only
// paths that are that folder or inside it expose it.
type target struct {
	Path     string
	Subtree  bool
	Anywhere bool
	What     string // the description of the path, for messages
}

// match returns how a host path exposes the target: "is", "contains" or
// "is inside"; or "" when it does not.
func (t target) match(hostPath string) string {
	if !strings.HasPrefix(hostPath, "/") {
		return ""
	}
	p, want := segments(hostPath), segments(t.Path)
	if t.Anywhere {
		return matchAnywhere(p, want)
	}
	n := min(len(p), len(want))
	for i := range n {
		if want[i] != "*" && want[i] != p[i] {
			return ""
		}
	}
	switch {
	case len(p) == len(want):
		return "is"
	case len(p) < len(want):
		return "contains"
	case t.Subtree:
		return "is inside"
	}
	return ""
}

// matchAnywhere returns "is" or "is inside" when the path elements p
// contain the elements of want in sequence.
func matchAnywhere(p, want []string) string {
	for i := 0; i+len(want) <= len(p); i++ {
		if slices.Equal(p[i:i+len(want)], want) {
			if i+len(want) == len(p) {
				return "is"
			}
			return "is inside"
		}
	}
	return ""
}

func segments(p string) []string {
	p = strings.Trim(p, "/")
	if p == "" {
		return nil
	}
	return strings.Split(p, "/")
}

// firstMatch returns the first target that the host path exposes, and how.
func firstMatch(hostPath string, targets []target) (target, string, bool) {
	for _, t := range targets {
		if how := t.match(hostPath); how != "" {
			return t, how, true
		}
	}
	return target{}, "", false
}

// describe writes how a host path relates to a target, such as
// "contains /var/run/docker.sock (the Docker socket)".
func describe(t target, how string) string {
	if how == "is" {
		return "is " + t.What
	}
	return how + " " + t.Path + " (" + t.What + ")"
}

// runtimeSockets are the API sockets of container runtimes. A process that
// can connect to one can start a privileged container on the node, and a
// read-only mount does not prevent connecting to a socket.
var runtimeSockets = []target{
	{Path: "/var/run/docker.sock", What: "the Docker socket"},
	{Path: "/run/docker.sock", What: "the Docker socket"},
	{Path: "/var/run/dockershim.sock", What: "the dockershim socket"},
	{Path: "/var/run/cri-dockerd.sock", What: "the cri-dockerd socket"},
	{Path: "/run/cri-dockerd.sock", What: "the cri-dockerd socket"},
	{Path: "/run/containerd/containerd.sock", What: "the containerd socket"},
	{Path: "/var/run/containerd/containerd.sock", What: "the containerd socket"},
	{Path: "/run/k3s/containerd/containerd.sock", What: "the k3s containerd socket"},
	{Path: "/var/snap/microk8s/common/run/containerd.sock", What: "the MicroK8s containerd socket"},
	{Path: "/var/run/crio/crio.sock", What: "the CRI-O socket"},
	{Path: "/run/crio/crio.sock", What: "the CRI-O socket"},
	{Path: "/run/podman/podman.sock", What: "the Podman socket"},
	{Path: "/var/run/podman/podman.sock", What: "the Podman socket"},
}

// staticPodFolders are the folders that kubelets read static pod manifests
// from in kubeadm, k3s and RKE2 clusters, and a common alternative.
var staticPodFolders = []target{
	{Path: "/etc/kubernetes/manifests", Subtree: true, What: "the kubelet's static pod folder"},
	{Path: "/etc/kubelet.d", Subtree: true, What: "a kubelet static pod folder"},
	{Path: "/var/lib/rancher/k3s/agent/pod-manifests", Subtree: true, What: "the k3s static pod folder"},
	{Path: "/var/lib/rancher/rke2/agent/pod-manifests", Subtree: true, What: "the RKE2 static pod folder"},
}

// containerLogFolders are the folders in which the kubelet and Docker keep
// container logs.
var containerLogFolders = []target{
	{Path: "/var/log/pods", Subtree: true, What: "the kubelet's container log folder"},
	{Path: "/var/log/containers", Subtree: true, What: "the container log links"},
	{Path: "/var/lib/docker/containers", Subtree: true, What: "Docker's container log folder"},
}

// cloudCredentials are files and folders that hold cloud identities on
// nodes: the AKS service principal file, the Azure agent's folder, and the
// AWS, Azure and Google Cloud command line credentials of root and users.
var cloudCredentials = []target{
	{Path: "/etc/kubernetes/azure.json", What: "the Azure cloud provider's service principal file"},
	{Path: "/etc/kubernetes/cloud.conf", What: "a cloud provider configuration file"},
	{Path: "/etc/kubernetes/cloud-config", What: "a cloud provider configuration file"},
	{Path: "/var/lib/waagent", Subtree: true, What: "the Azure VM agent's folder"},
	{Path: "/root/.aws", Subtree: true, What: "root's AWS credentials"},
	{Path: "/home/*/.aws", Subtree: true, What: "a user's AWS credentials"},
	{Path: "/root/.azure", Subtree: true, What: "root's Azure CLI credentials"},
	{Path: "/home/*/.azure", Subtree: true, What: "a user's Azure CLI credentials"},
	{Path: "/root/.config/gcloud", Subtree: true, What: "root's Google Cloud credentials"},
	{Path: "/home/*/.config/gcloud", Subtree: true, What: "a user's Google Cloud credentials"},
	{Path: ".aws", Anywhere: true, What: "an AWS credentials folder"},
	{Path: ".azure", Anywhere: true, What: "an Azure CLI credentials folder"},
	{Path: ".config/gcloud", Anywhere: true, What: "a Google Cloud credentials folder"},
}

// nodeFiles are other host paths that give a container control over, or
// secrets of, the node and its other pods.
var nodeFiles = []target{
	{Path: "/etc/kubernetes", Subtree: true, What: "the node's Kubernetes configuration and credentials"},
	{Path: "/etc/shadow", What: "the node's password hashes"},
	{Path: "/etc/sudoers", What: "the node's sudo rules"},
	{Path: "/etc/sudoers.d", Subtree: true, What: "the node's sudo rules"},
	{Path: "/etc/ssh", Subtree: true, What: "the node's SSH configuration and host keys"},
	{Path: "/etc/crontab", What: "the node's cron table"},
	{Path: "/etc/cron.d", Subtree: true, What: "the node's cron jobs"},
	{Path: "/etc/systemd", Subtree: true, What: "the node's systemd units"},
	{Path: "/root", Subtree: true, What: "root's home folder"},
	{Path: "/home/*/.ssh", Subtree: true, What: "a user's SSH keys"},
	{Path: "/var/lib/kubelet", Subtree: true, What: "the kubelet's folder, with its credentials and every pod's volumes"},
	{Path: "/var/lib/etcd", Subtree: true, What: "etcd's data, with every Secret of the cluster"},
	{Path: "/var/lib/docker", Subtree: true, What: "Docker's storage"},
	{Path: "/var/lib/containerd", Subtree: true, What: "containerd's storage"},
	{Path: "/var/lib/containers", Subtree: true, What: "the storage of CRI-O and Podman"},
	{Path: "/run/containerd", Subtree: true, What: "containerd's runtime folder"},
	{Path: "/var/run/containerd", Subtree: true, What: "containerd's runtime folder"},
	{Path: "/run/crio", Subtree: true, What: "CRI-O's runtime folder"},
	{Path: "/var/run/crio", Subtree: true, What: "CRI-O's runtime folder"},
	{Path: "/var/log", Subtree: true, What: "the node's logs"},
	{Path: "/proc", Subtree: true, What: "the node's process and kernel settings"},
	{Path: "/sys", What: "the node's kernel and device settings"},
	{Path: "/sys/fs/cgroup", Subtree: true, What: "the node's cgroups"},
	{Path: "/dev", What: "the node's devices"},
	{Path: "/boot", Subtree: true, What: "the node's kernel and boot loader"},
}

// nodeRoot is the node's root folder, which contains every other target.
var nodeRoot = target{Path: "/", What: "the node's root file system"}

// sensitivePaths are all targets that hostpath-sensitive reports, in the
// order their descriptions are preferred.
var sensitivePaths = concat([]target{nodeRoot}, runtimeSockets, nodeFiles, staticPodFolders, containerLogFolders, cloudCredentials)

func concat(lists ...[]target) []target {
	var out []target
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}

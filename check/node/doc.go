// Package node holds the checks on node and control-plane configuration:
// kubelet configuration files (KubeletConfiguration) and the static pod
// manifests of kube-apiserver and etcd, whose flags are read from the
// container's command and args.
package node

package workload

import "testing"

func TestEditDistance(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"", "", 0},
		{"etcd", "etcd", 0},
		{"kube-proxxy", "kube-proxy", 1},
		{"kubeproxy", "kube-proxy", 1},
		{"coredsn", "coredns", 1},
		{"ca", "abc", 3},
		{"kube-pr0xy", "kube-proxy", 1},
		{"netd", "etcd", 2},
		{"abc", "", 3},
	}
	for _, tt := range tests {
		if got := editDistance(tt.a, tt.b); got != tt.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestImitated(t *testing.T) {
	tests := []struct {
		base, component string
	}{
		{"kube-proxy", ""},
		{"coredns-autoscaler", ""},
		{"azure-ip-masq-agent", ""},
		{"kube-flannel-ds-arm64", ""},
		{"calico-node-windows", ""},
		{"metrics-server-v0.6.3", ""},
		{"cert-manager", ""},
		{"netd", ""},
		{"external-dns", ""},
		{"kube-proxy-x", "kube-proxy"},
		{"my-coredns", "coredns"},
		{"kubedns", "kube-dns"},
		{"etcd2", "etcd"},
		{"etdc", "etcd"},
		{"cilium-agent", "cilium"},
		{"kube-schedular", "kube-scheduler"},
	}
	for _, tt := range tests {
		if got, _ := imitated(tt.base); got != tt.component {
			t.Errorf("imitated(%q) = %q, want %q", tt.base, got, tt.component)
		}
	}
}

func TestDeploymentOf(t *testing.T) {
	tests := []struct{ in, want string }{
		{"coredns-7db6d8ff4d", "coredns"},
		{"metrics-server-5f9f776df5", "metrics-server"},
		{"coredns", "coredns"},
	}
	for _, tt := range tests {
		if got := deploymentOf(tt.in); got != tt.want {
			t.Errorf("deploymentOf(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

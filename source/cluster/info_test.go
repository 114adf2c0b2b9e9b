package cluster

import (
	"slices"
	"testing"

	"github.com/kubethreat/kubethreat/source"
)

func decode(t *testing.T, doc string) []*source.Object {
	t.Helper()
	objs, _, err := source.DecodeYAML("test.yaml", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	return objs
}

func TestDetectProvider(t *testing.T) {
	tests := []struct {
		name, nodes, want string
	}{
		{"AKS label", `{apiVersion: v1, kind: Node, metadata: {name: n1, labels: {kubernetes.azure.com/cluster: MC_rg_aks}}}`, ProviderAKS},
		{"EKS node group", `{apiVersion: v1, kind: Node, metadata: {name: ip-10-0-0-1, labels: {eks.amazonaws.com/nodegroup: ng}}, spec: {providerID: "aws:///eu-west-1a/i-0abc"}}`, ProviderEKS},
		{"GKE node pool", `{apiVersion: v1, kind: Node, metadata: {name: n1, labels: {cloud.google.com/gke-nodepool: pool-1}}}`, ProviderGKE},
		{"GKE by provider ID and node name", `{apiVersion: v1, kind: Node, metadata: {name: gke-c-pool-1-abcd}, spec: {providerID: "gce://project/zone/gke-c-pool-1-abcd"}}`, ProviderGKE},
		{"self-managed on EC2", `{apiVersion: v1, kind: Node, metadata: {name: worker-1}, spec: {providerID: "aws:///eu-west-1a/i-0abc"}}`, ""},
		{"bare metal", `{apiVersion: v1, kind: Node, metadata: {name: worker-1}}`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := detectProvider(decode(t, tt.nodes)); got != tt.want {
				t.Errorf("detectProvider = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestAPIServerPlugins(t *testing.T) {
	tests := []struct {
		name      string
		pods      string
		want      []string
		wantFound bool
	}{
		{
			name: "kubeadm mirror pod",
			pods: `{apiVersion: v1, kind: Pod, metadata: {name: kube-apiserver-cp, namespace: kube-system, annotations: {kubernetes.io/config.mirror: x}},
  spec: {containers: [{name: kube-apiserver, command: [kube-apiserver, --authorization-mode=Node,RBAC, "--enable-admission-plugins=NodeRestriction,PodSecurity"]}]}}`,
			want: []string{"NodeRestriction", "PodSecurity"}, wantFound: true,
		},
		{
			name: "flag value as the next argument",
			pods: `{apiVersion: v1, kind: Pod, metadata: {name: kube-apiserver-cp, namespace: kube-system, annotations: {kubernetes.io/config.mirror: x}},
  spec: {containers: [{name: api, command: [/usr/local/bin/kube-apiserver], args: [--enable-admission-plugins, EventRateLimit]}]}}`,
			want: []string{"EventRateLimit"}, wantFound: true,
		},
		{
			name: "no flag",
			pods: `{apiVersion: v1, kind: Pod, metadata: {name: kube-apiserver-cp, namespace: kube-system, annotations: {kubernetes.io/config.mirror: x}},
  spec: {containers: [{name: api, command: [kube-apiserver]}]}}`,
			wantFound: true,
		},
		{
			name: "not a mirror pod",
			pods: `{apiVersion: v1, kind: Pod, metadata: {name: fake, namespace: kube-system},
  spec: {containers: [{name: api, command: [kube-apiserver, --enable-admission-plugins=AlwaysAdmit]}]}}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, found := apiserverPlugins(decode(t, tt.pods))
			if found != tt.wantFound {
				t.Errorf("found = %v, want %v", found, tt.wantFound)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("plugins = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestOwnedByController(t *testing.T) {
	tests := []struct {
		kind, object string
		want         bool
	}{
		{"Pod", `{metadata: {ownerReferences: [{kind: ReplicaSet, name: web-1, controller: true}]}}`, true},
		{"Pod", `{metadata: {ownerReferences: [{kind: Node, name: cp-1, controller: true}]}}`, false},
		{"Pod", `{metadata: {ownerReferences: [{kind: ReplicaSet, name: web-1}]}}`, false},
		{"Pod", `{metadata: {ownerReferences: [{kind: Workflow, name: wf, controller: true}]}}`, false},
		{"Pod", `{metadata: {name: bare}}`, false},
		{"ReplicaSet", `{metadata: {ownerReferences: [{kind: Deployment, name: web, controller: true}]}}`, true},
		{"ReplicaSet", `{metadata: {ownerReferences: [{kind: Rollout, name: web, controller: true}]}}`, false},
		{"Job", `{metadata: {ownerReferences: [{kind: CronJob, name: nightly, controller: true}]}}`, true},
		{"Deployment", `{metadata: {ownerReferences: [{kind: HelmRelease, name: x, controller: true}]}}`, false},
	}
	for _, tt := range tests {
		items, _ := readItems(t, Resource{Resource: "x", Kind: tt.kind}, `{"items":[`+yamlToJSON(t, tt.object)+`]}`)
		if got := ownedByController(tt.kind, items[0]); got != tt.want {
			t.Errorf("ownedByController(%s, %s) = %v, want %v", tt.kind, tt.object, got, tt.want)
		}
	}
}

package node

import (
	"strings"
	"testing"

	"github.com/kubethreat/kubethreat/check"
	"github.com/kubethreat/kubethreat/check/checktest"
	"github.com/kubethreat/kubethreat/source"
)

func TestFixtures(t *testing.T) {
	checktest.Fixtures(t, "testdata", "node-", check.Config{})
}

func containerOf(t *testing.T, doc string) source.Value {
	t.Helper()
	objs, _, err := source.DecodeYAML("pod.yaml", []byte(doc))
	if err != nil || len(objs) != 1 {
		t.Fatalf("decode: %v (%d objects)", err, len(objs))
	}
	return objs[0].Get("spec.containers").Index(0)
}

func TestBinaryFlags(t *testing.T) {
	tests := []struct {
		name      string
		container string
		found     bool
		want      map[string]string // flag name to value; "<bare>" for a bare flag
	}{
		{
			name:      "equals form in command",
			container: `{name: a, image: x, command: [kube-apiserver, "--authorization-mode=Node,RBAC", --anonymous-auth=false]}`,
			found:     true,
			want:      map[string]string{"authorization-mode": "Node,RBAC", "anonymous-auth": "false"},
		},
		{
			name:      "split form across command and args",
			container: `{name: a, image: x, command: [/usr/local/bin/kube-apiserver, --audit-log-path], args: [/var/log/audit.log]}`,
			found:     true,
			want:      map[string]string{"audit-log-path": "/var/log/audit.log"},
		},
		{
			name:      "boolean flag keeps no separate value",
			container: `{name: a, image: x, command: [kube-apiserver, --anonymous-auth, "false"]}`,
			found:     true,
			want:      map[string]string{"anonymous-auth": "<bare>"},
		},
		{
			name:      "last occurrence wins",
			container: `{name: a, image: x, command: [kube-apiserver, --insecure-port=8080, --insecure-port=0]}`,
			found:     true,
			want:      map[string]string{"insecure-port": "0"},
		},
		{
			name:      "shell wrapper",
			container: `{name: a, image: x, command: [sh, -c, "exec kube-apiserver --authorization-mode=RBAC"]}`,
			found:     true,
			want:      map[string]string{"authorization-mode": "RBAC"},
		},
		{
			name:      "hyperkube subcommand",
			container: `{name: a, image: x, command: [/hyperkube, apiserver, --authorization-mode=AlwaysAllow]}`,
			found:     true,
			want:      map[string]string{"authorization-mode": "AlwaysAllow"},
		},
		{
			name:      "args only with the binary's image",
			container: `{name: a, image: "registry.k8s.io/kube-apiserver:v1.31.0", args: [--secure-port=6443]}`,
			found:     true,
			want:      map[string]string{"secure-port": "6443"},
		},
		{
			name:      "other binary",
			container: `{name: a, image: "registry.k8s.io/kube-apiserver:v1.31.0", command: [kube-controller-manager, --profiling=false]}`,
			found:     false,
		},
		{
			name:      "image of another program",
			container: `{name: a, image: "example.com/kube-apiserver-proxy:1", args: [--port=1]}`,
			found:     false,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := containerOf(t, "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - "+tt.container+"\n")
			fs, found := binaryFlags(c, "kube-apiserver", "apiserver")
			if found != tt.found {
				t.Fatalf("found = %v, want %v", found, tt.found)
			}
			for name, want := range tt.want {
				f, ok := fs.get(name)
				if !ok {
					t.Errorf("flag %s not found in %+v", name, fs)
					continue
				}
				got := f.Value
				if !f.HasValue {
					got = "<bare>"
				}
				if got != want {
					t.Errorf("flag %s = %q, want %q", name, got, want)
				}
			}
		})
	}
}

func TestIsImageOf(t *testing.T) {
	tests := []struct {
		image, binary string
		want          bool
	}{
		{"registry.k8s.io/etcd:3.5.15-0", "etcd", true},
		{"gcr.io/etcd-development/etcd:v3.5.15", "etcd", true},
		{"k8s.gcr.io/etcd-amd64:3.2.24", "etcd", true},
		{"quay.io/coreos/etcd-operator:v0.9.4", "etcd", false},
		{"localhost:5000/kube-apiserver@sha256:abcd", "kube-apiserver", true},
		{"bitnami/etcd", "etcd", true},
	}
	for _, tt := range tests {
		if got := isImageOf(tt.image, tt.binary); got != tt.want {
			t.Errorf("isImageOf(%q, %q) = %v, want %v", tt.image, tt.binary, got, tt.want)
		}
	}
}

func TestFindingDetails(t *testing.T) {
	tests := []struct {
		id, file  string
		fieldPath string
		message   string
	}{
		{"node-apiserver-anonymous-auth", "testdata/node-apiserver-anonymous-auth/fail-missing.yaml", "spec.containers[0].command",
			"does not set --anonymous-auth, which defaults to true"},
		{"node-apiserver-authorization-mode", "testdata/node-apiserver-authorization-mode/fail-no-node.yaml", "spec.containers[0].command[2]",
			"sets --authorization-mode=RBAC, which lacks Node"},
		{"node-kubelet-read-only-port", "testdata/node-kubelet-read-only-port/fail-10255.yaml", "readOnlyPort",
			"sets readOnlyPort: 10255"},
		{"node-etcd-exposure", "testdata/node-etcd-exposure/fail-plain-http.yaml", "spec.containers[0].command[2]",
			"listens for clients on http://0.0.0.0:2379 without TLS"},
		{"node-etcd-exposure", "testdata/node-etcd-exposure/fail-nodeport.yaml", "spec.type",
			"of type NodePort publishes the etcd client port 2379"},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			res := checktest.RunCheck(t, tt.id, checktest.Load(t, tt.file), check.Config{})
			var found bool
			for _, f := range res.Findings {
				if f.Status == check.Fail && f.FieldPath == tt.fieldPath && strings.Contains(f.Message, tt.message) {
					found = true
				}
			}
			if !found {
				t.Errorf("no failure at %s with %q; findings: %+v", tt.fieldPath, tt.message, res.Findings)
			}
		})
	}
}

func TestStructuredAuthorizationNotEvaluated(t *testing.T) {
	c := containerOf(t, "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n"+
		"  - {name: a, image: x, command: [kube-apiserver, --authorization-config=/etc/kubernetes/authz.yaml]}\n")
	objs := []*source.Object{c.Object()}
	res := checktest.RunCheck(t, "node-apiserver-authorization-mode", check.NewInventory(objs), check.Config{})
	st := res.Stats["node-apiserver-authorization-mode"]
	if st.NotEvaluated != 1 || st.Failed != 0 || st.Passed != 0 {
		t.Errorf("stats = %+v, want one not evaluated", st)
	}
}

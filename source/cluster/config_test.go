package cluster

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubethreat/kubethreat/source"
)

const testKubeconfig = `apiVersion: v1
kind: Config
clusters:
- name: prod
  cluster: {server: "https://127.0.0.1:6443"}
- name: dev
  cluster: {server: "https://127.0.0.1:7443"}
users:
- name: admin
  user: {token: s3cr3t-token-value}
contexts:
- name: prod-admin
  context: {cluster: prod, user: admin, namespace: shop}
- name: dev-admin
  context: {cluster: dev, user: admin}
current-context: prod-admin
`

func writeKubeconfig(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "config")
	if err := os.WriteFile(path, []byte(testKubeconfig), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestConnectKubeconfig(t *testing.T) {
	path := writeKubeconfig(t)
	t.Setenv("KUBERNETES_SERVICE_HOST", "")
	tests := []struct {
		name                       string
		opts                       Options
		wantName, wantHost, wantNS string
	}{
		{"current context and its namespace", Options{Kubeconfig: path}, "prod-admin", "https://127.0.0.1:6443", "shop"},
		{"explicit context without a namespace", Options{Kubeconfig: path, Context: "dev-admin"}, "dev-admin", "https://127.0.0.1:7443", "default"},
		{"explicit namespace", Options{Kubeconfig: path, Namespace: "billing"}, "prod-admin", "https://127.0.0.1:6443", "billing"},
		{"all namespaces", Options{Kubeconfig: path, Namespace: "billing", AllNamespaces: true}, "prod-admin", "https://127.0.0.1:6443", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			target, err := Connect(tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			if target.Name != tt.wantName {
				t.Errorf("name = %q, want %q", target.Name, tt.wantName)
			}
			if target.Config.Host != tt.wantHost {
				t.Errorf("host = %q, want %q", target.Config.Host, tt.wantHost)
			}
			if target.Namespace != tt.wantNS {
				t.Errorf("namespace = %q, want %q", target.Namespace, tt.wantNS)
			}
			if target.Config.QPS != DefaultQPS || target.Config.Burst != DefaultBurst {
				t.Errorf("QPS %v burst %d, want %v and %d", target.Config.QPS, target.Config.Burst, DefaultQPS, DefaultBurst)
			}
			if loc := target.Location(); loc != (source.Location{Cluster: tt.wantName}) {
				t.Errorf("location = %+v, want cluster %q", loc, tt.wantName)
			}
		})
	}
}

func TestConnectKubeconfigFromEnvironment(t *testing.T) {
	t.Setenv("KUBECONFIG", writeKubeconfig(t))
	target, err := Connect(Options{Context: "dev-admin"})
	if err != nil {
		t.Fatal(err)
	}
	if target.Config.Host != "https://127.0.0.1:7443" {
		t.Errorf("host = %q, want the dev cluster of $KUBECONFIG", target.Config.Host)
	}
}

func TestConnectErrors(t *testing.T) {
	path := writeKubeconfig(t)
	tests := []struct {
		name string
		opts Options
		want string
	}{
		{"unknown context", Options{Kubeconfig: path, Context: "staging"}, `context "staging" does not exist`},
		{"missing file", Options{Kubeconfig: filepath.Join(t.TempDir(), "absent")}, "no such file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Connect(tt.opts)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Connect error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestConnectInClusterRejectsContext(t *testing.T) {
	t.Setenv("KUBECONFIG", "")
	t.Setenv("HOME", t.TempDir())
	t.Setenv("KUBERNETES_SERVICE_HOST", "10.0.0.1")
	t.Setenv("KUBERNETES_SERVICE_PORT", "443")
	_, err := Connect(Options{Context: "prod-admin"})
	if err == nil || !strings.Contains(err.Error(), "needs a kubeconfig") {
		t.Errorf("Connect error = %v, want one saying --context needs a kubeconfig", err)
	}
}

func TestTargetLogValueHidesToken(t *testing.T) {
	target, err := Connect(Options{Kubeconfig: writeKubeconfig(t)})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("connecting", "cluster", target)
	out := buf.String()
	if strings.Contains(out, "s3cr3t") {
		t.Errorf("log line shows the token: %s", out)
	}
	if !strings.Contains(out, `"auth":"bearer token"`) || !strings.Contains(out, `"server":"https://127.0.0.1:6443"`) {
		t.Errorf("log line lacks the auth method or server: %s", out)
	}
}

package cli

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"

	"github.com/kubethreat/kubethreat/internal/testcluster"
)

func TestClusterOptionsValidate(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string // "" for no error
	}{
		{"files only", []string{"k8s/"}, ""},
		{"cluster with all namespaces", []string{"--cluster", "-A"}, ""},
		{"cluster with a namespace and context", []string{"--cluster", "-n", "shop", "--context", "prod"}, ""},
		{"namespace without cluster", []string{"-n", "shop", "k8s/"}, "--namespace applies only to cluster scans"},
		{"kubeconfig without cluster", []string{"--kubeconfig", "x", "k8s/"}, "--kubeconfig applies only to cluster scans"},
		{"cluster with a path", []string{"--cluster", "k8s/"}, "takes no paths, but got k8s/"},
		{"namespace and all namespaces", []string{"--cluster", "-A", "-n", "shop"}, "exclude each other"},
		{"zero timeout", []string{"--cluster", "--timeout", "0s"}, "invalid --timeout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := &clusterOptions{}
			fs := pflag.NewFlagSet("scan", pflag.ContinueOnError)
			o.addFlags(fs)
			if err := fs.Parse(tt.args); err != nil {
				t.Fatal(err)
			}
			err := o.validate(fs, fs.Args())
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("validate: %v, want no error", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("validate error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestClusterInventoryTestCluster(t *testing.T) {
	testcluster.Config(t)
	o := &clusterOptions{enabled: true, kubeconfig: os.Getenv(testcluster.EnvKubeconfig), allNamespaces: true, timeout: 90 * time.Second}
	inv, warnings, err := o.inventory(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(inv.Kind("ClusterRole")) == 0 {
		t.Error("inventory has no ClusterRole; the API server creates dozens")
	}
	if inv.Cluster == nil || !strings.HasPrefix(inv.Cluster.Version, "v1.") {
		t.Errorf("cluster info = %+v, want the server version", inv.Cluster)
	}
	if !strings.Contains(strings.Join(warnings, "\n"), "admission plugins are unknown") {
		t.Errorf("warnings = %q, want one about unknown admission plugins", warnings)
	}
}

func TestClusterInventoryNothingReadable(t *testing.T) {
	testcluster.Config(t)
	o := &clusterOptions{enabled: true, kubeconfig: os.Getenv(testcluster.EnvRestrictedKubeconfig), allNamespaces: true, timeout: 90 * time.Second}
	_, _, err := o.inventory(context.Background(), nil)
	if err == nil || !strings.Contains(err.Error(), "could read none of the") {
		t.Fatalf("inventory error = %v, want one saying nothing was readable", err)
	}
	if !strings.Contains(err.Error(), "lacks list on pods in all namespaces") {
		t.Errorf("error %q does not name the missing list on pods", err)
	}
}

package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"

	"github.com/kubethreat/kubethreat/internal/testcluster"
	"github.com/kubethreat/kubethreat/matrix"
	"github.com/kubethreat/kubethreat/report"
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

// TestClusterStageJSONReport runs the scan pipeline on the cluster input
// stage, as `scan --cluster -A -o json` does once the command wires it in.
func TestClusterStageJSONReport(t *testing.T) {
	testcluster.Config(t)
	var stdout, stderr bytes.Buffer
	e := &env{ctx: context.Background(), stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr, matrix: matrix.Default}
	f := &scanFlags{}
	f.outputs.specs = []outputSpec{{format: "json"}}
	o := &clusterOptions{enabled: true, kubeconfig: os.Getenv(testcluster.EnvKubeconfig), allNamespaces: true, timeout: 90 * time.Second}

	if err := runScan(e, f, clusterStage(o, f)); err != nil {
		t.Fatalf("runScan: %v\nstderr: %s", err, stderr.String())
	}
	var doc report.ScanDocument
	if err := json.Unmarshal(stdout.Bytes(), &doc); err != nil {
		t.Fatalf("decoding the JSON report: %v", err)
	}
	if len(doc.Inputs) != 1 || doc.Inputs[0] != "cluster kt-admin@kubethreat-test" {
		t.Errorf("inputs = %q, want the cluster's context", doc.Inputs)
	}
	ran := map[string]bool{}
	for _, c := range doc.Checks {
		ran[c.ID] = true
	}
	if !ran["cluster-powerful-service-account-pods"] {
		t.Error("the report lists no cluster-powerful-service-account-pods check")
	}
	warned := false
	for _, d := range doc.Diagnostics {
		warned = warned || (d.Severity == report.SeverityWarning && strings.Contains(d.Message, "admission plugins are unknown"))
	}
	if !warned {
		t.Errorf("diagnostics = %+v, want a warning about unknown admission plugins", doc.Diagnostics)
	}
}

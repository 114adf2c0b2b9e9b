// Command kube-apiserver is the upstream Kubernetes API server, built from
// the k8s.io/kubernetes module so that integration tests can run a real
// control plane on 127.0.0.1 without downloading release binaries.
package main

import (
	"os"
	_ "time/tzdata" // CronJob time zones need the embedded zone database.

	"k8s.io/component-base/cli"
	_ "k8s.io/component-base/logs/json/register"          // Enables --logging-format=json.
	_ "k8s.io/component-base/metrics/prometheus/clientgo" // Registers client-go metrics.
	_ "k8s.io/component-base/metrics/prometheus/version"  // Registers the version metric.
	"k8s.io/kubernetes/cmd/kube-apiserver/app"
)

func main() {
	os.Exit(cli.Run(app.NewAPIServerCommand()))
}

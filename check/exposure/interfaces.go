package exposure

import (
	"fmt"
	"slices"
	"strings"

	"github.com/kubethreat/kubethreat/check"
	"github.com/kubethreat/kubethreat/source"
)

// sensitiveInterface describes a management or data interface that must
// not be reachable from outside the cluster.
type sensitiveInterface struct {
	Name string // for messages, such as "the Kubernetes dashboard"
	// Images are image repository paths without registry and tag, matched
	// as a whole or as the trailing segments, such as "grafana/grafana".
	Images []string
	// Args, when set, must appear among the container's command and args
	// for an image match to count, because the image also serves other
	// purposes (argocli runs both the CLI and the Argo Server).
	Args []string
	// Names are workload names and app label values that identify it.
	Names []string
	// Ports are the interface's usual ports, named in messages.
	Ports []int
	// PortsIdentify is true when a Service or container port alone
	// identifies the interface, because no other common software uses it.
	PortsIdentify bool
}

// sensitiveInterfaces is the catalog the exposure checks match workloads
// against. Ports and image names are those of the projects' own manifests
// and charts.
var sensitiveInterfaces = []sensitiveInterface{
	{Name: "the Kubernetes dashboard", Images: dashboardImages, Names: []string{"kubernetes-dashboard"}, Ports: []int{8443, 9090}},
	{Name: "the Kubeflow central dashboard", Images: []string{"kubeflow/centraldashboard", "kubeflownotebookswg/centraldashboard", "kubeflow/central-dashboard"},
		Names: []string{"centraldashboard", "kubeflow-dashboard"}, Ports: []int{8082}},
	{Name: "the Argo Workflows server", Images: []string{"argoproj/argocli"}, Args: []string{"server"},
		Names: []string{"argo-server"}, Ports: []int{2746}, PortsIdentify: true},
	{Name: "the Argo CD API server", Images: []string{"argoproj/argocd"}, Args: []string{"argocd-server"},
		Names: []string{"argocd-server"}, Ports: []int{8080, 8083}},
	{Name: "Jenkins", Images: []string{"jenkins/jenkins", "jenkinsci/jenkins", "bitnami/jenkins", "jenkinsci/blueocean"},
		Names: []string{"jenkins"}, Ports: []int{8080, 50000}},
	{Name: "Weave Scope", Images: []string{"weaveworks/scope"}, Names: []string{"weave-scope-app", "weave-scope"}, Ports: []int{4040}},
	{Name: "Prometheus", Images: []string{"prom/prometheus", "prometheus/prometheus", "bitnami/prometheus"},
		Names: []string{"prometheus", "prometheus-server"}, Ports: []int{9090}},
	{Name: "Alertmanager", Images: []string{"prom/alertmanager", "prometheus/alertmanager", "bitnami/alertmanager"},
		Names: []string{"alertmanager"}, Ports: []int{9093}},
	{Name: "Grafana", Images: []string{"grafana/grafana", "grafana/grafana-oss", "grafana/grafana-enterprise", "bitnami/grafana"},
		Names: []string{"grafana"}, Ports: []int{3000}},
	{Name: "Jupyter", Images: []string{"jupyter/base-notebook", "jupyter/minimal-notebook", "jupyter/scipy-notebook", "jupyter/datascience-notebook",
		"jupyter/tensorflow-notebook", "jupyter/pyspark-notebook", "jupyter/all-spark-notebook", "jupyterhub/k8s-hub", "jupyterhub/jupyterhub"},
		Names: []string{"jupyter", "jupyterhub", "jupyter-notebook"}, Ports: []int{8888, 8081}},
	{Name: "the Ray dashboard and client server", Images: []string{"rayproject/ray", "rayproject/ray-ml"},
		Names: []string{"ray-head", "ray-dashboard"}, Ports: []int{8265, 10001}, PortsIdentify: true},
	{Name: "MLflow", Images: []string{"mlflow/mlflow", "ml-flow/mlflow", "bitnami/mlflow"}, Names: []string{"mlflow"}, Ports: []int{5000}},
	{Name: "etcd", Images: []string{"etcd", "coreos/etcd", "etcd-development/etcd", "bitnami/etcd"}, Names: []string{"etcd"},
		Ports: []int{2379, 2380}, PortsIdentify: true},
	{Name: "the kubelet API", Names: []string{"kubelet"}, Ports: []int{10250, 10255}, PortsIdentify: true},
	{Name: "Elasticsearch", Images: []string{"elasticsearch/elasticsearch", "elasticsearch", "bitnami/elasticsearch"},
		Names: []string{"elasticsearch"}, Ports: []int{9200}},
	{Name: "Kibana", Images: []string{"kibana/kibana", "kibana", "bitnami/kibana"}, Names: []string{"kibana"}, Ports: []int{5601}},
	{Name: "the vLLM inference server", Images: []string{"vllm/vllm-openai"}, Names: []string{"vllm"}, Ports: []int{8000}},
	{Name: "the Ollama model server", Images: []string{"ollama/ollama"}, Names: []string{"ollama"}, Ports: []int{11434}, PortsIdentify: true},
}

// dashboardImages are the images of the Kubernetes dashboard's web server,
// from version 1 to the split images of version 7.
var dashboardImages = []string{"kubernetesui/dashboard", "kubernetesui/dashboard-web", "kubernetesui/dashboard-api",
	"google_containers/kubernetes-dashboard-amd64"}

// nameLabels are the labels whose values name the application a pod runs.
var nameLabels = []string{"app", "app.kubernetes.io/name", "k8s-app", "name", "component"}

// match is a sensitive interface found in a workload, with what gave it
// away, such as "image kubernetesui/dashboard:v2.7.0".
type match struct {
	Interface *sensitiveInterface
	Evidence  string
}

// identify returns the sensitive interface a pod spec runs, if any: by a
// container's image, then by the workload's name or app labels, then by a
// container port that identifies an interface on its own.
func identify(spec check.PodSpec) (match, bool) {
	containers := spec.Containers()
	images := make([]string, len(containers))
	repos := make([]string, len(containers))
	for j, c := range containers {
		images[j] = c.Value.Field("image").Str()
		repos[j] = repositoryPath(images[j])
	}
	for i := range sensitiveInterfaces {
		si := &sensitiveInterfaces[i]
		for j, c := range containers {
			if repoMatches(repos[j], si.Images) && hasArgs(c.Value, si.Args) {
				return match{si, "image " + images[j]}, true
			}
		}
	}

	labels := spec.Meta.Field("labels").StringMap()
	for i := range sensitiveInterfaces {
		si := &sensitiveInterfaces[i]
		if slices.Contains(si.Names, spec.Object.Name) {
			return match{si, "name " + spec.Object.Name}, true
		}
		for _, key := range nameLabels {
			if v, ok := labels[key]; ok && slices.Contains(si.Names, v) {
				return match{si, fmt.Sprintf("label %s=%s", key, v)}, true
			}
		}
	}

	for _, c := range containers {
		for _, p := range c.Value.Field("ports").Items() {
			port, _ := p.Field("containerPort").Int()
			if si := byPort(int(port)); si != nil {
				return match{si, fmt.Sprintf("container port %d", port)}, true
			}
		}
	}
	return match{}, false
}

// byPort returns the interface a port identifies on its own, or nil.
func byPort(port int) *sensitiveInterface {
	for i := range sensitiveInterfaces {
		si := &sensitiveInterfaces[i]
		if si.PortsIdentify && slices.Contains(si.Ports, port) {
			return si
		}
	}
	return nil
}

// repositoryPath returns an image reference's repository path without the
// registry host, tag and digest, such as "kubernetesui/dashboard" for
// docker.io/kubernetesui/dashboard:v2.7.0. Docker Hub's "library/" prefix
// is dropped.
func repositoryPath(image string) string {
	repo, _, _ := strings.Cut(image, "@")
	if i := strings.LastIndex(repo, ":"); i > strings.LastIndex(repo, "/") {
		repo = repo[:i]
	}
	if first, rest, ok := strings.Cut(repo, "/"); ok && (strings.ContainsAny(first, ".:") || first == "localhost") {
		repo = rest
	}
	return strings.TrimPrefix(repo, "library/")
}

// imageMatches reports whether an image's repository path is one of the
// paths or ends with one of them after a slash.
func imageMatches(image string, paths []string) bool {
	return repoMatches(repositoryPath(image), paths)
}

// repoMatches reports whether a repository path, as repositoryPath
// returns it, is one of paths or ends with "/" and one of them.
func repoMatches(repo string, paths []string) bool {
	for _, p := range paths {
		if repo == p || strings.HasSuffix(repo, "/"+p) {
			return true
		}
	}
	return false
}

// hasArgs reports whether every word of args appears among a container's
// command and args.
func hasArgs(container source.Value, args []string) bool {
	var words []string
	for _, field := range []string{"command", "args"} {
		for _, s := range container.Field(field).Strings() {
			words = append(words, strings.Fields(s)...)
		}
	}
	for _, a := range args {
		if !slices.Contains(words, a) {
			return false
		}
	}
	return true
}

// Command gen writes a deterministic corpus of Kubernetes manifests for
// scan benchmarks: applications made of workloads with pod templates,
// Services, ServiceAccounts, RBAC roles and bindings, NetworkPolicies and
// ConfigMaps, with a share of the mistakes the checks look for.
//
//	go run ./internal/scanbench/gen -objects 100000 -out /tmp/corpus
//
// The same -objects and -seed always give the same files.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
)

func main() {
	objects := flag.Int("objects", 100_000, "number of objects to write, at least")
	out := flag.String("out", "", "folder to write the manifests into; it is created")
	seed := flag.Uint64("seed", 1, "random seed")
	perDir := flag.Int("files-per-folder", 100, "files per sub-folder")
	flag.Parse()
	if *out == "" {
		fmt.Fprintln(os.Stderr, "gen: -out is required")
		os.Exit(2)
	}
	g := &generator{rnd: rand.New(rand.NewPCG(*seed, *seed^0x9e3779b97f4a7c15))}
	n, files, bytes, err := g.write(*out, *objects, *perDir)
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
	fmt.Printf("wrote %d objects in %d files, %d bytes, to %s\n", n, files, bytes, *out)
}

type generator struct {
	rnd *rand.Rand
}

// write writes applications, one file each, until at least total objects
// exist, and returns the objects, files and bytes written.
func (g *generator) write(dir string, total, perDir int) (objects, files int, size int64, err error) {
	namespaces := max(1, total/1000)
	for app := 0; objects < total; app++ {
		ns := fmt.Sprintf("team-%03d", app%namespaces)
		sub := filepath.Join(dir, fmt.Sprintf("part-%04d", files/perDir))
		if files%perDir == 0 {
			if err := os.MkdirAll(sub, 0o755); err != nil {
				return objects, files, size, err
			}
		}
		var b strings.Builder
		n := g.application(&b, ns, fmt.Sprintf("app-%06d", app), app < namespaces)
		path := filepath.Join(sub, fmt.Sprintf("app-%06d.yaml", app))
		if err := writeFile(path, b.String()); err != nil {
			return objects, files, size, err
		}
		objects += n
		files++
		size += int64(b.Len())
	}
	return objects, files, size, nil
}

func writeFile(path, text string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	if _, err := w.WriteString(text); err != nil {
		f.Close()
		return err
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// chance returns true with probability p.
func (g *generator) chance(p float64) bool { return g.rnd.Float64() < p }

func (g *generator) pick(options ...string) string { return options[g.rnd.IntN(len(options))] }

// application writes one application and returns its number of objects.
// firstInNamespace adds the Namespace object and, in six namespaces out of
// ten, a default-deny NetworkPolicy.
func (g *generator) application(b *strings.Builder, ns, name string, firstInNamespace bool) int {
	n := 0
	doc := func(text string) {
		if n > 0 {
			b.WriteString("---\n")
		}
		b.WriteString(text)
		n++
	}
	if firstInNamespace {
		doc(fmt.Sprintf("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: %s\n  labels:\n    pod-security.kubernetes.io/enforce: %s\n",
			ns, g.pick("baseline", "restricted", "privileged")))
		if g.chance(0.6) {
			doc(fmt.Sprintf("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: default-deny\n  namespace: %s\nspec:\n  podSelector: {}\n  policyTypes: [Ingress, Egress]\n", ns))
		}
	}
	doc(fmt.Sprintf("apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: %s\n  namespace: %s\n", name, ns))
	doc(g.configMap(ns, name))
	doc(g.workload(ns, name))
	doc(g.service(ns, name))
	doc(g.role(ns, name))
	doc(fmt.Sprintf(`apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: %[1]s
  namespace: %[2]s
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: %[1]s
subjects:
- kind: ServiceAccount
  name: %[1]s
  namespace: %[2]s
`, name, ns))
	doc(g.networkPolicy(ns, name))
	if g.chance(0.1) {
		doc(g.clusterRole(name))
		doc(fmt.Sprintf(`apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: %[1]s
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: %[1]s
subjects:
- kind: ServiceAccount
  name: %[1]s
  namespace: %[2]s
`, name, ns))
	}
	if g.chance(0.2) {
		doc(fmt.Sprintf(`apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: %[1]s
  namespace: %[2]s
spec:
  rules:
  - host: %[1]s.example.com
    http:
      paths:
      - path: /
        pathType: Prefix
        backend:
          service:
            name: %[1]s
            port:
              number: 80
`, name, ns))
	}
	return n
}

func (g *generator) configMap(ns, name string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: %s-config\n  namespace: %s\ndata:\n", name, ns)
	fmt.Fprintf(&b, "  LOG_LEVEL: %s\n  FEATURE_FLAGS: \"search,checkout,recommendations\"\n", g.pick("debug", "info", "warn"))
	fmt.Fprintf(&b, "  application.properties: |\n    server.port=8080\n    db.url=jdbc:postgresql://db.%s.svc:5432/%s\n    cache.ttl=%d\n", ns, name, g.rnd.IntN(600))
	if g.chance(0.05) {
		b.WriteString("  AWS_ACCESS_KEY_ID: AKIAIOSFODNN7EXAMPLE\n")
	}
	return b.String()
}

// workload writes a Deployment, StatefulSet, DaemonSet, CronJob or Pod
// with a pod spec that is hardened or carries some common mistakes.
func (g *generator) workload(ns, name string) string {
	kind := g.pick("Deployment", "Deployment", "Deployment", "StatefulSet", "DaemonSet", "CronJob", "Pod")
	spec := g.podSpec(name, "      ")
	labels := fmt.Sprintf("app.kubernetes.io/name: %s\n", name)
	switch kind {
	case "Pod":
		return fmt.Sprintf("apiVersion: v1\nkind: Pod\nmetadata:\n  name: %s\n  namespace: %s\n  labels:\n    %sspec:\n%s",
			name, ns, labels, g.podSpec(name, "  "))
	case "CronJob":
		return fmt.Sprintf(`apiVersion: batch/v1
kind: CronJob
metadata:
  name: %[1]s
  namespace: %[2]s
spec:
  schedule: "*/15 * * * *"
  jobTemplate:
    spec:
      template:
        metadata:
          labels:
            %[3]s        spec:
%[4]s`, name, ns, labels, g.podSpec(name, "          "))
	}
	return fmt.Sprintf(`apiVersion: apps/v1
kind: %[1]s
metadata:
  name: %[2]s
  namespace: %[3]s
  labels:
    %[4]sspec:
  selector:
    matchLabels:
      %[4]s  template:
    metadata:
      labels:
        %[4]s    spec:
%[5]s`, kind, name, ns, labels, spec)
}

// podSpec writes the fields of a pod spec, each line indented by indent.
func (g *generator) podSpec(name, indent string) string {
	var b strings.Builder
	line := func(format string, args ...any) {
		b.WriteString(indent)
		fmt.Fprintf(&b, format, args...)
		b.WriteByte('\n')
	}
	line("serviceAccountName: %s", name)
	if g.chance(0.5) {
		line("automountServiceAccountToken: false")
	}
	if g.chance(0.03) {
		line("hostNetwork: true")
	}
	if g.chance(0.02) {
		line("hostPID: true")
	}
	hardened := g.chance(0.6)
	if hardened {
		line("securityContext:")
		line("  runAsNonRoot: true")
		line("  runAsUser: %d", 10000+g.rnd.IntN(1000))
		line("  seccompProfile:")
		line("    type: RuntimeDefault")
	}
	line("containers:")
	containers := 1 + g.rnd.IntN(2)
	for i := range containers {
		g.container(&b, indent, fmt.Sprintf("%s-%d", name, i), hardened)
	}
	if g.chance(0.05) {
		line("volumes:")
		line("- name: host")
		line("  hostPath:")
		line("    path: %s", g.pick("/var/log", "/", "/var/run/docker.sock", "/etc", "/data"))
	}
	return b.String()
}

func (g *generator) container(b *strings.Builder, indent, name string, hardened bool) {
	line := func(format string, args ...any) {
		b.WriteString(indent)
		fmt.Fprintf(b, format, args...)
		b.WriteByte('\n')
	}
	image := fmt.Sprintf("registry.example.com/%s:%d.%d.%d", name, g.rnd.IntN(5), g.rnd.IntN(20), g.rnd.IntN(10))
	switch {
	case g.chance(0.1):
		image = g.pick("nginx", "busybox:latest", "redis:7")
	case g.chance(0.3):
		image += fmt.Sprintf("@sha256:%064x", g.rnd.Uint64())
	}
	line("- name: %s", name)
	line("  image: %s", image)
	line("  ports:")
	line("  - containerPort: %d", g.pickInt(8080, 8443, 9090, 22, 3000))
	line("  env:")
	line("  - name: MODE")
	line("    value: production")
	if g.chance(0.05) {
		line("  - name: DB_PASSWORD")
		line("    value: hunter2-%d", g.rnd.IntN(1000))
	}
	line("  - name: DB_USER")
	line("    valueFrom:")
	line("      secretKeyRef: {name: db, key: user}")
	if g.chance(0.8) {
		line("  resources:")
		line("    requests: {cpu: 100m, memory: 128Mi}")
		line("    limits: {cpu: 500m, memory: 512Mi}")
	}
	line("  securityContext:")
	switch {
	case hardened:
		line("    allowPrivilegeEscalation: false")
		line("    readOnlyRootFilesystem: true")
		line("    capabilities: {drop: [ALL]}")
	case g.chance(0.05):
		line("    privileged: true")
	default:
		line("    capabilities: {add: [%s]}", g.pick("NET_ADMIN", "SYS_TIME", "NET_BIND_SERVICE"))
	}
	line("  readinessProbe:")
	line("    httpGet: {path: /healthz, port: 8080}")
}

func (g *generator) pickInt(options ...int) int { return options[g.rnd.IntN(len(options))] }

func (g *generator) service(ns, name string) string {
	typ := g.pick("ClusterIP", "ClusterIP", "ClusterIP", "NodePort", "LoadBalancer")
	return fmt.Sprintf(`apiVersion: v1
kind: Service
metadata:
  name: %[1]s
  namespace: %[2]s
spec:
  type: %[3]s
  selector:
    app.kubernetes.io/name: %[1]s
  ports:
  - name: http
    port: 80
    targetPort: 8080
`, name, ns, typ)
}

func (g *generator) role(ns, name string) string {
	rules := []string{
		`- apiGroups: [""]
  resources: [configmaps]
  resourceNames: [%[1]s-config]
  verbs: [get, watch]`,
	}
	if g.chance(0.2) {
		rules = append(rules, `- apiGroups: [""]
  resources: [secrets]
  verbs: [get, list]`)
	}
	if g.chance(0.1) {
		rules = append(rules, `- apiGroups: [""]
  resources: [pods/exec]
  verbs: [create]`)
	}
	if g.chance(0.05) {
		rules = append(rules, `- apiGroups: ["*"]
  resources: ["*"]
  verbs: ["*"]`)
	}
	return fmt.Sprintf("apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata:\n  name: %[1]s\n  namespace: %[2]s\nrules:\n"+
		strings.Join(rules, "\n")+"\n", name, ns)
}

func (g *generator) clusterRole(name string) string {
	verbs := g.pick("[get, list, watch]", "[get, list, watch, create, update, delete]", `["*"]`)
	resources := g.pick("[nodes, namespaces]", "[pods, services, endpoints]", "[secrets]", `["*"]`)
	return fmt.Sprintf("apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: %s\nrules:\n- apiGroups: [\"\"]\n  resources: %s\n  verbs: %s\n",
		name, resources, verbs)
}

func (g *generator) networkPolicy(ns, name string) string {
	return fmt.Sprintf(`apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: %[1]s
  namespace: %[2]s
spec:
  podSelector:
    matchLabels:
      app.kubernetes.io/name: %[1]s
  policyTypes: [Ingress]
  ingress:
  - from:
    - namespaceSelector:
        matchLabels:
          kubernetes.io/metadata.name: %[3]s
    ports:
    - port: 8080
`, name, ns, g.pick("ingress-nginx", ns, "monitoring"))
}

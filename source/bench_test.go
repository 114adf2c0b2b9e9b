package source

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"testing"

	"gopkg.in/yaml.v3"
)

// benchObjects is the number of objects in the generated benchmark corpus.
const benchObjects = 10000

// writeBenchCorpus writes benchObjects varied objects into dir: multi-
// document YAML files, a List per file, and JSON files. It returns the
// files' contents for the floor benchmark.
func writeBenchCorpus(b testing.TB, dir string) [][]byte {
	b.Helper()
	const perFile = 50
	var files [][]byte
	n := 0
	for file := 0; n < benchObjects; file++ {
		var buf bytes.Buffer
		name := fmt.Sprintf("app-%04d.yaml", file)
		switch {
		case file%10 == 9:
			name = fmt.Sprintf("pods-%04d.json", file)
			buf.WriteString("[\n")
			for i := 0; i < perFile && n < benchObjects; i, n = i+1, n+1 {
				if i > 0 {
					buf.WriteString(",\n")
				}
				fmt.Fprintf(&buf, `  {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "pod-%d", "namespace": "ns-%d", "labels": {"app": "a%d"}},
   "spec": {"hostNetwork": false, "containers": [{"name": "c", "image": "registry.example.com/app:%d", "ports": [{"containerPort": 8080}],
   "securityContext": {"runAsNonRoot": true, "allowPrivilegeEscalation": false}}]}}`, n, n%7, n, n)
			}
			buf.WriteString("\n]\n")
		case file%10 == 8:
			buf.WriteString("apiVersion: v1\nkind: List\nitems:\n")
			for i := 0; i < perFile && n < benchObjects; i, n = i+1, n+1 {
				fmt.Fprintf(&buf, "  - apiVersion: v1\n    kind: ConfigMap\n    metadata:\n      name: cm-%d\n    data:\n      key: \"value %d\"\n      mode: production\n", n, n)
			}
		default:
			for i := 0; i < perFile && n < benchObjects; i, n = i+1, n+1 {
				if i > 0 {
					buf.WriteString("---\n")
				}
				switch n % 4 {
				case 0:
					fmt.Fprintf(&buf, `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web-%d
  namespace: shop
  labels: {app: web, tier: frontend}
spec:
  replicas: 3
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      serviceAccountName: web
      containers:
        - name: web
          image: "nginx:1.%d"
          args: ["--port", "8080"]
          resources:
            limits: {cpu: 500m, memory: 256Mi}
          securityContext:
            privileged: false
            readOnlyRootFilesystem: true
          volumeMounts:
            - name: data
              mountPath: /data
      volumes:
        - name: data
          hostPath:
            path: /var/lib/web
`, n, n%30)
				case 1:
					fmt.Fprintf(&buf, "apiVersion: v1\nkind: Service\nmetadata:\n  name: svc-%d\nspec:\n  type: ClusterIP\n  selector:\n    app: web\n  ports:\n    - port: 80\n      targetPort: 8080\n", n)
				case 2:
					fmt.Fprintf(&buf, "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata:\n  name: role-%d\n  namespace: shop\nrules:\n  - apiGroups: [\"\"]\n    resources: [\"pods\", \"secrets\"]\n    verbs: [\"get\", \"list\", \"watch\"]\n", n)
				case 3:
					fmt.Fprintf(&buf, "# A comment before the object.\napiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: job-%d\nspec:\n  schedule: \"*/5 * * * *\"\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          restartPolicy: OnFailure\n          containers:\n            - name: job\n              image: busybox\n              command: [\"sh\", \"-c\", \"date\"]\n", n)
				}
			}
		}
		if err := os.WriteFile(filepath.Join(dir, name), buf.Bytes(), 0o644); err != nil {
			b.Fatal(err)
		}
		files = append(files, buf.Bytes())
	}
	return files
}

var benchDir struct {
	path  string
	files [][]byte
}

func benchCorpus(b *testing.B) (string, [][]byte) {
	b.Helper()
	if benchDir.path == "" {
		dir, err := os.MkdirTemp("", "kubethreat-bench-")
		if err != nil {
			b.Fatal(err)
		}
		benchDir.path = dir
		benchDir.files = writeBenchCorpus(b, dir)
	}
	return benchDir.path, benchDir.files
}

func TestMain(m *testing.M) {
	code := m.Run()
	if benchDir.path != "" {
		os.RemoveAll(benchDir.path)
	}
	os.Exit(code)
}

func totalSize(files [][]byte) int64 {
	var n int64
	for _, f := range files {
		n += int64(len(f))
	}
	return n
}

// BenchmarkLoad loads the generated corpus of 10,000 objects from disk.
func BenchmarkLoad(b *testing.B) {
	dir, files := benchCorpus(b)
	for _, workers := range []int{1, 0} {
		name := fmt.Sprintf("workers=%d", workers)
		if workers == 0 {
			name = "workers=default"
		}
		b.Run(name, func(b *testing.B) {
			b.SetBytes(totalSize(files))
			b.ReportAllocs()
			for b.Loop() {
				res, err := Load(context.Background(), LoadOptions{Paths: []string{dir}, Workers: workers})
				if err != nil {
					b.Fatal(err)
				}
				if len(res.Objects) != benchObjects {
					b.Fatalf("%d objects, want %d", len(res.Objects), benchObjects)
				}
			}
		})
	}
}

// BenchmarkDecodeFloor decodes the same bytes with plain yaml.v3 into
// yaml.Node trees, on one goroutine and with no file access: the least
// that Load can cost on one worker.
func BenchmarkDecodeFloor(b *testing.B) {
	_, files := benchCorpus(b)
	b.SetBytes(totalSize(files))
	b.ReportAllocs()
	for b.Loop() {
		docs := 0
		for _, data := range files {
			dec := yaml.NewDecoder(bytes.NewReader(data))
			for {
				var n yaml.Node
				err := dec.Decode(&n)
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					b.Fatal(err)
				}
				docs++
			}
		}
		if docs == 0 {
			b.Fatal("no documents decoded")
		}
	}
}

// TestBenchCorpusLoads checks the benchmark's generator, so that a broken
// generator fails here and not only when benchmarks run.
func TestBenchCorpusLoads(t *testing.T) {
	dir := t.TempDir()
	files := writeBenchCorpus(t, dir)
	res := load(t, LoadOptions{Paths: []string{dir}})
	if len(res.Objects) != benchObjects || len(res.Errors) != 0 || res.Skipped != 0 {
		t.Errorf("%d objects, %d errors, %d skipped; want %d, 0, 0", len(res.Objects), len(res.Errors), res.Skipped, benchObjects)
	}
	want := map[string]int{"ConfigMap": 1000, "CronJob": 2000, "Deployment": 2000, "Pod": 1000, "Role": 2000, "Service": 2000}
	if got := countKinds(res); !maps.Equal(got, want) {
		t.Errorf("kinds = %v, want %v", got, want)
	}
	if len(files) != 200 {
		t.Errorf("%d files, want 200", len(files))
	}
}

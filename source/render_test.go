package source

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestHelmChart(t *testing.T) {
	res := load(t, LoadOptions{Paths: []string{"testdata/chart/mychart"}})

	want := []struct {
		kind, name, template, file string
		line                       int
	}{
		{"ConfigMap", "release-greeting", "mychart/charts/sub/templates/configmap.yaml", "testdata/chart/mychart/charts/sub/templates/configmap.yaml", 1},
		{"Deployment", "release-mychart", "mychart/templates/deployment.yaml", "testdata/chart/mychart/templates/deployment.yaml", 1},
		{"Service", "release-mychart", "mychart/templates/service.yaml", "testdata/chart/mychart/templates/service.yaml", 1},
		{"ServiceAccount", "release-mychart", "mychart/templates/service.yaml", "testdata/chart/mychart/templates/service.yaml", 9},
	}
	if len(res.Objects) != len(want) {
		t.Fatalf("%d objects, want %d", len(res.Objects), len(want))
	}
	for i, w := range want {
		o := res.Objects[i]
		if o.Kind != w.kind || o.Name != w.name {
			t.Errorf("object %d = %s, want %s %q", i, o.Ref, w.kind, w.name)
		}
		if o.Origin != "helm" || o.Template != w.template {
			t.Errorf("object %d origin %q template %q, want helm %q", i, o.Origin, o.Template, w.template)
		}
		if o.Loc.File != w.file || o.Loc.Line != w.line {
			t.Errorf("object %d at %s, want %s:%d", i, o.Loc, w.file, w.line)
		}
	}

	deploy := res.Objects[1]
	if deploy.Namespace != "default" {
		t.Errorf("namespace = %q, want the release namespace default", deploy.Namespace)
	}
	if got := deploy.Get("spec.template.spec.containers").Index(0).Field("image").Str(); got != "nginx:1.27" {
		t.Errorf("image = %q, want nginx:1.27 from values.yaml", got)
	}
	if got := res.Objects[0].Get("data.greeting").Str(); got != "hello" {
		t.Errorf("subchart greeting = %q, want hello from the parent's values", got)
	}
	if res.Skipped != 0 {
		t.Errorf("skipped %v, want nothing: the chart's own files are not inputs", res.SkippedBy)
	}
	wantWarning := `testdata/chart/mychart/Chart.yaml: Helm chart mychart: dependency "redis" is not in its charts/ folder, so its templates are not scanned; run ` + "`helm dependency build`" + ` to download it`
	if got := diagnosticTexts(res.Warnings); !slices.Equal(got, []string{wantWarning}) {
		t.Errorf("warnings = %q, want %q", got, wantWarning)
	}
	if len(res.Errors) != 0 {
		t.Errorf("errors = %q, want none", diagnosticTexts(res.Errors))
	}
}

func TestHelmValuesAndSet(t *testing.T) {
	dir := t.TempDir()
	valuesFile := filepath.Join(dir, "override.yaml")
	if err := os.WriteFile(valuesFile, []byte("image:\n  tag: \"2.0\"\nhostNetwork: false\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	res := load(t, LoadOptions{
		Paths:       []string{"testdata/chart/mychart"},
		HelmValues:  []string{valuesFile},
		HelmSet:     []string{"hostNetwork=true,replicas=5", "sub.greeting=hey"},
		ReleaseName: "prod",
		Namespace:   "web",
	})
	deploy := find(t, res, "Deployment", "prod-mychart")
	spec := deploy.Get("spec.template.spec")
	if got := spec.Field("containers").Index(0).Field("image").Str(); got != "nginx:2.0" {
		t.Errorf("image = %q, want nginx:2.0 from the values file", got)
	}
	if !spec.Field("hostNetwork").IsTrue() {
		t.Errorf("hostNetwork = %q, want true from --set", spec.Field("hostNetwork").Str())
	}
	if got, _ := deploy.Get("spec.replicas").Int(); got != 5 {
		t.Errorf("replicas = %d, want 5", got)
	}
	if deploy.Namespace != "web" {
		t.Errorf("namespace = %q, want web", deploy.Namespace)
	}
	if got := find(t, res, "ConfigMap", "prod-greeting").Get("data.greeting").Str(); got != "hey" {
		t.Errorf("subchart greeting = %q, want hey", got)
	}
}

func TestHelmInvalidOptions(t *testing.T) {
	tests := []struct {
		name string
		opts LoadOptions
		want string
	}{
		{"missing values file", LoadOptions{HelmValues: []string{"testdata/no-such-values.yaml"}}, "cannot read Helm values file"},
		{"values from stdin", LoadOptions{HelmValues: []string{"-"}}, "not supported"},
		{"values URL", LoadOptions{HelmValues: []string{"https://example.com/values.yaml"}}, "is a URL"},
		{"bad set", LoadOptions{HelmSet: []string{"a[x]=1"}}, "invalid --set value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts.Paths = []string{"testdata/chart/mychart"}
			_, err := Load(context.Background(), tt.opts)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestHelmBrokenTemplates(t *testing.T) {
	res := load(t, LoadOptions{Paths: []string{"testdata/chart/broken"}})
	if len(res.Objects) != 1 || res.Objects[0].Name != "release-good" {
		t.Errorf("objects = %d, want only the good template's ConfigMap", len(res.Objects))
	}
	want := []string{
		"testdata/chart/broken/templates/bad.yaml:4:11: Helm chart broken: template broken/templates/bad.yaml failed to render: execution error at (broken/templates/bad.yaml:4:11): name is required",
		"testdata/chart/broken/templates/invalid.yaml:4: Helm chart broken: output of broken/templates/invalid.yaml is not valid: invalid YAML: did not find expected ',' or ']'; line numbers count from the start of the rendered output",
	}
	if got := diagnosticTexts(res.Errors); !slices.Equal(got, want) {
		t.Errorf("errors =\n%q\nwant\n%q", got, want)
	}
}

func TestHelmChartUnreadable(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "Chart.yaml"), []byte("name: [broken\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	res := load(t, LoadOptions{Paths: []string{dir, "testdata/files/pod.json"}})
	if len(res.Objects) != 1 {
		t.Errorf("%d objects, want the Pod after the broken chart", len(res.Objects))
	}
	if len(res.Errors) != 1 || !strings.Contains(res.Errors[0].Message, "cannot load Helm chart") {
		t.Errorf("errors = %q, want one naming the chart", diagnosticTexts(res.Errors))
	}
}

func TestKustomizeOverlay(t *testing.T) {
	res := load(t, LoadOptions{Paths: []string{"testdata/kustomize/overlays/prod"}})
	want := []struct {
		kind, name, template, file string
	}{
		{"Deployment", "prod-api", "../../base/deployment.yaml", "testdata/kustomize/base/deployment.yaml"},
		{"Service", "prod-api", "../../base/service.yaml", "testdata/kustomize/base/service.yaml"},
		{"LimitRange", "prod-limits", "limits.yaml", "testdata/kustomize/overlays/prod/limits.yaml"},
	}
	if len(res.Objects) != len(want) {
		t.Fatalf("%d objects, want %d; errors %q", len(res.Objects), len(want), diagnosticTexts(res.Errors))
	}
	for i, w := range want {
		o := res.Objects[i]
		if o.Kind != w.kind || o.Name != w.name || o.Namespace != "prod" {
			t.Errorf("object %d = %s, want %s prod/%s", i, o.Ref, w.kind, w.name)
		}
		if o.Origin != "kustomize" || o.Template != w.template || o.Loc.File != w.file {
			t.Errorf("object %d origin %q template %q file %q, want kustomize %q %q", i, o.Origin, o.Template, o.Loc.File, w.template, w.file)
		}
		if _, ok := o.Annotations()[originAnnotation]; ok {
			t.Errorf("object %d keeps the %s annotation", i, originAnnotation)
		}
	}
	privileged := res.Objects[0].Get("spec.template.spec.containers").Index(0).Field("securityContext").Field("privileged")
	if !privileged.IsTrue() {
		t.Error("the overlay's patch did not make the container privileged")
	}
	if len(res.Errors) != 0 || res.Skipped != 0 {
		t.Errorf("errors %q, skipped %v; want none", diagnosticTexts(res.Errors), res.SkippedBy)
	}
}

func TestKustomizeFolderBuildsOverlaysOnly(t *testing.T) {
	res := load(t, LoadOptions{Paths: []string{"testdata/kustomize"}})
	var names []string
	for _, o := range res.Objects {
		names = append(names, o.Kind+"/"+o.Name)
	}
	want := []string{"Deployment/prod-api", "Service/prod-api", "LimitRange/prod-limits"}
	if !slices.Equal(names, want) {
		t.Errorf("objects = %q, want %q: the base is built through the overlay that uses it", names, want)
	}
	wantErr := `testdata/kustomize/remote/kustomization.yaml:2:5: remote kustomize reference "github.com/example/manifests/base?ref=v1.0.0" is not supported: scans run offline; download it and refer to the local copy`
	if got := diagnosticTexts(res.Errors); !slices.Equal(got, []string{wantErr}) {
		t.Errorf("errors = %q, want %q", got, wantErr)
	}
}

func TestRemoteReferences(t *testing.T) {
	tests := map[string]bool{
		"https://example.com/deploy.yaml":                true,
		"HTTP://example.com/deploy.yaml":                 true,
		"git@github.com:org/repo.git":                    true,
		"git::https://github.com/org/repo":               true,
		"github.com/org/repo/path?ref=v1":                true,
		"ssh://git@example.com/org/repo":                 true,
		"file:///srv/git/repo":                           true,
		"../base":                                        false,
		"deployment.yaml":                                false,
		"github.com.yaml":                                false,
		"components/github.com/x":                        false,
		"config/my-app@v1/deployment.yaml":               false,
		"ghcr.io-notes/readme.yaml":                      false,
		"example.com/org/repo":                           false,
		"a=b.properties":                                 false,
		"registry.example.com/manifests/deployment.yaml": false,
	}
	for ref, want := range tests {
		if got := isRemoteReference(ref); got != want {
			t.Errorf("isRemoteReference(%q) = %v, want %v", ref, got, want)
		}
	}
}

func TestKustomizeComponentRoot(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"kustomization.yaml": "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nresources:\n  - policy.yaml\n",
		"policy.yaml":        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: deny-all\nspec:\n  podSelector: {}\n",
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	res := load(t, LoadOptions{Paths: []string{dir}})
	if len(res.Objects) != 1 || res.Objects[0].Kind != "NetworkPolicy" {
		t.Errorf("%d objects, errors %q; want the component's NetworkPolicy", len(res.Objects), diagnosticTexts(res.Errors))
	}
}

func TestKustomizeMissingReference(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "kustomization.yaml"), []byte("resources:\n  - missing.yaml\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	res := load(t, LoadOptions{Paths: []string{dir, "testdata/files/pod.json"}})
	if len(res.Objects) != 1 {
		t.Errorf("%d objects, want the Pod after the failed build", len(res.Objects))
	}
	want := filepath.Join(dir, "kustomization.yaml") + `:2:5: the kustomization refers to "missing.yaml", which does not exist; correct the path, or remove the entry`
	if got := diagnosticTexts(res.Errors); len(got) != 1 || got[0] != want {
		t.Errorf("errors = %q, want [%q]", got, want)
	}
}

func TestKustomizeBuildError(t *testing.T) {
	dir := t.TempDir()
	pod := []byte("apiVersion: v1\nkind: Pod\nmetadata:\n  name: twice\n")
	files := map[string][]byte{
		"kustomization.yaml": []byte("resources:\n  - a.yaml\n  - b.yaml\n"),
		"a.yaml":             pod,
		"b.yaml":             pod,
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	res := load(t, LoadOptions{Paths: []string{dir, "testdata/files/pod.json"}})
	if len(res.Objects) != 1 {
		t.Errorf("%d objects, want the Pod after the failed build", len(res.Objects))
	}
	if len(res.Errors) != 1 || !strings.Contains(res.Errors[0].Message, "kustomize build") {
		t.Errorf("errors = %q, want one naming the kustomize build", diagnosticTexts(res.Errors))
	}
}

func TestRootsClaimTheirSubtree(t *testing.T) {
	res := load(t, LoadOptions{Paths: []string{"testdata/tree"}})
	want := []struct{ kind, name, origin string }{
		{"Pod", "web", "file"},
		{"Service", "release-svc", "helm"},
		{"Role", "reader", "kustomize"},
	}
	if len(res.Objects) != len(want) {
		t.Fatalf("%d objects, want %d", len(res.Objects), len(want))
	}
	for i, w := range want {
		o := res.Objects[i]
		if o.Kind != w.kind || o.Name != w.name || o.Origin != w.origin {
			t.Errorf("object %d = %s from %s, want %s %q from %s", i, o.Ref, o.Origin, w.kind, w.name, w.origin)
		}
	}
	if port, _ := res.Objects[1].Get("spec.ports").Index(0).Field("port").Int(); port != 9090 {
		t.Errorf("chart Service port = %d, want 9090 from the chart's values.yaml", port)
	}
	if res.Skipped != 0 || len(res.Errors) != 0 || len(res.Warnings) != 0 {
		t.Errorf("skipped %v, errors %q, warnings %q; want none", res.SkippedBy, diagnosticTexts(res.Errors), diagnosticTexts(res.Warnings))
	}
}

func TestChartFilePassedDirectly(t *testing.T) {
	res := load(t, LoadOptions{Paths: []string{"testdata/chart/mychart/Chart.yaml", "testdata/chart/mychart/values.yaml"}})
	if len(res.Objects) != 0 || res.SkippedBy[SkipChart] != 1 || res.SkippedBy[SkipValues] != 1 {
		t.Errorf("%d objects, skipped %v; want Chart.yaml and values.yaml skipped", len(res.Objects), res.SkippedBy)
	}
}

func TestKustomizeThroughSymlink(t *testing.T) {
	target, err := filepath.Abs("testdata/kustomize")
	if err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(t.TempDir(), "linked")
	if err := os.Symlink(target, link); err != nil {
		t.Skipf("cannot create a symbolic link here: %v", err)
	}
	res := load(t, LoadOptions{Paths: []string{filepath.Join(link, "overlays", "prod")}})
	if len(res.Objects) != 3 {
		t.Fatalf("%d objects, want 3; errors %q", len(res.Objects), diagnosticTexts(res.Errors))
	}
	o := res.Objects[0]
	wantFile := filepath.Join(link, "base", "deployment.yaml")
	if o.Template != "../../base/deployment.yaml" || o.Loc.File != wantFile {
		t.Errorf("template %q file %q, want ../../base/deployment.yaml at %s", o.Template, o.Loc.File, wantFile)
	}
}

package source

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func load(t *testing.T, opts LoadOptions) *LoadResult {
	t.Helper()
	res, err := Load(context.Background(), opts)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return res
}

func objectsByFile(res *LoadResult) map[string]int {
	out := map[string]int{}
	for _, o := range res.Objects {
		out[filepath.Base(o.Loc.File)]++
	}
	return out
}

func find(t *testing.T, res *LoadResult, kind, name string) *Object {
	t.Helper()
	for _, o := range res.Objects {
		if o.Kind == kind && o.Name == name {
			return o
		}
	}
	t.Fatalf("no %s %q among %d objects", kind, name, len(res.Objects))
	return nil
}

func diagnosticTexts(diags []Diagnostic) []string {
	out := make([]string, len(diags))
	for i, d := range diags {
		out[i] = d.String()
	}
	return out
}

func TestDiagnosticString(t *testing.T) {
	tests := []struct {
		d    Diagnostic
		want string
	}{
		{Diagnostic{File: "a.yaml", Line: 3, Column: 5, Message: "bad", Hint: "fix it"}, "a.yaml:3:5: bad; fix it"},
		{Diagnostic{File: "a.yaml", Line: 3, Message: "bad"}, "a.yaml:3: bad"},
		{Diagnostic{File: "a.yaml", Message: "bad"}, "a.yaml: bad"},
		{Diagnostic{Message: "bad", Hint: "fix it"}, "bad; fix it"},
	}
	for _, tt := range tests {
		if got := tt.d.String(); got != tt.want {
			t.Errorf("String() = %q, want %q", got, tt.want)
		}
	}
}

func TestLoadFilesFolder(t *testing.T) {
	res := load(t, LoadOptions{Paths: []string{"testdata/files"}})

	wantObjects := map[string]int{
		"array.json":         2,
		"broken-middle.yaml": 2,
		"deprecated.yaml":    3,
		"flow.yaml":          1,
		"list.yaml":          2,
		"multi.yaml":         3,
		"pod.json":           1,
	}
	if got := objectsByFile(res); !maps.Equal(got, wantObjects) {
		t.Errorf("objects by file = %v, want %v", got, wantObjects)
	}

	wantSkipped := map[string]int{
		SkipFalcoRules:     1, // rules.yaml
		SkipNotObject:      1, // settings.yaml
		SkipTestDefinition: 1, // kyverno-test.yaml
		SkipValues:         1, // values-prod.yaml
	}
	if !maps.Equal(res.SkippedBy, wantSkipped) {
		t.Errorf("SkippedBy = %v, want %v", res.SkippedBy, wantSkipped)
	}
	if res.Skipped != 4 {
		t.Errorf("Skipped = %d, want 4", res.Skipped)
	}

	wantWarnings := []string{"testdata/files/blob.yaml: skipped a binary file (it has a NUL byte in its first 8 KiB)"}
	if got := diagnosticTexts(res.Warnings); !slices.Equal(got, wantWarnings) {
		t.Errorf("warnings = %q, want %q", got, wantWarnings)
	}

	wantErrors := []string{
		"testdata/files/broken-middle.yaml:10: invalid YAML: did not find expected ',' or ']'",
		"testdata/files/tabs.yaml:7:1: invalid YAML: found character that cannot start any token; YAML forbids tabs for indentation; replace them with spaces",
	}
	if got := diagnosticTexts(res.Errors); !slices.Equal(got, wantErrors) {
		t.Errorf("errors = %q, want %q", got, wantErrors)
	}
}

func TestLoadOrderIsDeterministic(t *testing.T) {
	refs := func(workers int) []string {
		res := load(t, LoadOptions{Paths: []string{"testdata/files", "testdata/tree"}, Workers: workers})
		var out []string
		for _, o := range res.Objects {
			out = append(out, o.Loc.String()+" "+o.Ref.String())
		}
		return out
	}
	sequential := refs(1)
	for _, workers := range []int{2, 8} {
		if got := refs(workers); !slices.Equal(got, sequential) {
			t.Errorf("order with %d workers differs from 1 worker:\n%q\n%q", workers, got, sequential)
		}
	}

	res := load(t, LoadOptions{Paths: []string{"testdata/files"}, Workers: 4})
	var files []string
	for _, o := range res.Objects {
		files = append(files, o.Loc.File)
	}
	if !slices.IsSorted(files) {
		t.Errorf("files are not in lexical order: %q", files)
	}
}

func TestFieldPositions(t *testing.T) {
	res := load(t, LoadOptions{Paths: []string{"testdata/files"}})
	tests := []struct {
		kind, name, path string
		line, column     int
	}{
		{"Deployment", "web", "spec.template.spec.containers", 10, 7},
		{"ConfigMap", "settings", "data.mode", 31, 3},
		{"Service", "web", "spec.type", 22, 3},
		{"Pod", "debug", "spec.hostPID", 9, 3},
		{"ClusterRoleBinding", "builder-admin", "roleRef.name", 15, 7},
		{"NetworkPolicy", "default-deny", "spec.policyTypes", 3, 26},
		{"ConfigMap", "third", "metadata.name", 15, 3},
		{"Namespace", "beta", "metadata.name", 3, 58},
	}
	for _, tt := range tests {
		t.Run(tt.kind+"/"+tt.path, func(t *testing.T) {
			o := find(t, res, tt.kind, tt.name)
			v := o.Get(tt.path)
			if !v.Exists() {
				t.Fatalf("%s does not exist", tt.path)
			}
			loc := v.Loc()
			if loc.Line != tt.line || loc.Column != tt.column {
				t.Errorf("%s at %d:%d, want %d:%d", tt.path, loc.Line, loc.Column, tt.line, tt.column)
			}
		})
	}

	privileged := find(t, res, "Deployment", "web").Get("spec.template.spec.containers").Index(0).Field("securityContext").Field("privileged")
	if !privileged.IsTrue() {
		t.Errorf("privileged = %q, want true", privileged.Str())
	}
	if got := privileged.Loc().String(); got != "testdata/files/multi.yaml:14:13" {
		t.Errorf("privileged at %s, want testdata/files/multi.yaml:14:13", got)
	}
	item := find(t, res, "ServiceAccount", "builder")
	if item.Loc.Line != 4 || item.Loc.Column != 5 {
		t.Errorf("List item at %d:%d, want 4:5", item.Loc.Line, item.Loc.Column)
	}
}

func TestDeprecatedAPIVersions(t *testing.T) {
	res := load(t, LoadOptions{Paths: []string{"testdata/files/deprecated.yaml"}})
	want := []struct {
		apiVersion, group, kind string
	}{
		{"extensions/v1beta1", "apps", "Deployment"},
		{"batch/v1beta1", "batch", "CronJob"},
		{"policy/v1beta1", "policy", "PodSecurityPolicy"},
	}
	if len(res.Objects) != len(want) {
		t.Fatalf("%d objects, want %d", len(res.Objects), len(want))
	}
	for i, w := range want {
		o := res.Objects[i]
		if o.APIVersion != w.apiVersion {
			t.Errorf("object %d apiVersion = %q, want %q (kept as written)", i, o.APIVersion, w.apiVersion)
		}
		if gk := o.GroupKind(); gk.Group != w.group || gk.Kind != w.kind {
			t.Errorf("object %d GroupKind = %v, want %s/%s", i, gk, w.group, w.kind)
		}
		if o.Version() != "v1beta1" {
			t.Errorf("object %d Version = %q, want v1beta1", i, o.Version())
		}
	}
}

func TestDeprecated(t *testing.T) {
	tests := []struct {
		apiVersion, kind string
		replacement      string
		ok               bool
	}{
		{"extensions/v1beta1", "Deployment", "apps/v1", true},
		{"extensions/v1beta1", "DaemonSet", "apps/v1", true},
		{"extensions/v1beta1", "ReplicaSet", "apps/v1", true},
		{"extensions/v1beta1", "Ingress", "networking.k8s.io/v1", true},
		{"extensions/v1beta1", "NetworkPolicy", "networking.k8s.io/v1", true},
		{"extensions/v1beta1", "PodSecurityPolicy", "policy/v1beta1", true},
		{"apps/v1beta1", "Deployment", "apps/v1", true},
		{"apps/v1beta2", "StatefulSet", "apps/v1", true},
		{"batch/v1beta1", "CronJob", "batch/v1", true},
		{"policy/v1beta1", "PodDisruptionBudget", "policy/v1", true},
		{"policy/v1beta1", "PodSecurityPolicy", "", true},
		{"rbac.authorization.k8s.io/v1beta1", "ClusterRole", "rbac.authorization.k8s.io/v1", true},
		{"apps/v1", "Deployment", "", false},
		{"batch/v1", "CronJob", "", false},
		{"v1", "Pod", "", false},
	}
	for _, tt := range tests {
		got, ok := Deprecated(tt.apiVersion, tt.kind)
		if got != tt.replacement || ok != tt.ok {
			t.Errorf("Deprecated(%q, %q) = %q, %v; want %q, %v", tt.apiVersion, tt.kind, got, ok, tt.replacement, tt.ok)
		}
	}
}

func TestNormalizeGroup(t *testing.T) {
	tests := []struct{ apiVersion, kind, want string }{
		{"extensions/v1beta1", "Deployment", "apps"},
		{"extensions/v1beta1", "Ingress", "networking.k8s.io"},
		{"extensions/v1beta1", "NetworkPolicy", "networking.k8s.io"},
		{"extensions/v1beta1", "PodSecurityPolicy", "policy"},
		{"extensions/v1beta1", "Scale", "extensions"},
		{"apps/v1beta2", "DaemonSet", "apps"},
		{"v1", "Pod", ""},
		{"rbac.authorization.k8s.io/v1", "Role", "rbac.authorization.k8s.io"},
	}
	for _, tt := range tests {
		if got := NormalizeGroup(tt.apiVersion, tt.kind); got != tt.want {
			t.Errorf("NormalizeGroup(%q, %q) = %q, want %q", tt.apiVersion, tt.kind, got, tt.want)
		}
	}
}

func TestLoadStdin(t *testing.T) {
	input := "apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: b\n"
	res := load(t, LoadOptions{Paths: []string{"-"}, Stdin: strings.NewReader(input)})
	if len(res.Objects) != 2 {
		t.Fatalf("%d objects, want 2", len(res.Objects))
	}
	b := res.Objects[1]
	if b.Origin != "stdin" || b.Loc.File != StdinName || b.Loc.Line != 6 {
		t.Errorf("second object: origin %q at %s, want stdin at %s:6:1", b.Origin, b.Loc, StdinName)
	}
}

func TestLoadStdinMissing(t *testing.T) {
	res := load(t, LoadOptions{Paths: []string{"-", "-"}, Stdin: nil})
	if len(res.Errors) != 2 {
		t.Fatalf("errors = %q, want 2 (repeated \"-\" and no reader)", diagnosticTexts(res.Errors))
	}
}

func TestLoadMissingPathContinues(t *testing.T) {
	res := load(t, LoadOptions{Paths: []string{"testdata/does-not-exist", "testdata/files/pod.json"}})
	if len(res.Objects) != 1 {
		t.Errorf("%d objects, want 1", len(res.Objects))
	}
	want := "testdata/does-not-exist: cannot read: no such file or directory"
	if got := diagnosticTexts(res.Errors); !slices.Equal(got, []string{want}) {
		t.Errorf("errors = %q, want %q", got, want)
	}
}

func TestMaxFileSize(t *testing.T) {
	dir := t.TempDir()
	pod := "apiVersion: v1\nkind: Pod\nmetadata:\n  name: big\n"
	big := pod + "# " + strings.Repeat("x", 3000) + "\n"
	if err := os.WriteFile(filepath.Join(dir, "big.yaml"), []byte(big), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "small.yaml"), []byte(pod), 0o644); err != nil {
		t.Fatal(err)
	}

	res := load(t, LoadOptions{Paths: []string{dir}, MaxFileSize: 2048})
	if len(res.Objects) != 1 {
		t.Errorf("%d objects, want 1 (small.yaml)", len(res.Objects))
	}
	if len(res.Warnings) != 1 {
		t.Fatalf("warnings = %q, want one", diagnosticTexts(res.Warnings))
	}
	want := filepath.Join(dir, "big.yaml") + ": skipped: the file is 3 KiB, over the maximum file size of 2 KiB; raise the limit with --max-file-size"
	if got := res.Warnings[0].String(); got != want {
		t.Errorf("warning = %q, want %q", got, want)
	}

	res = load(t, LoadOptions{Paths: []string{dir}, MaxFileSize: 8192})
	if len(res.Objects) != 2 || len(res.Warnings) != 0 {
		t.Errorf("with a raised limit: %d objects and warnings %q, want 2 and none", len(res.Objects), diagnosticTexts(res.Warnings))
	}
}

func TestMaxFileSizeDefault(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "huge.yaml")
	data := bytes.Repeat([]byte("# padding line\n"), DefaultMaxFileSize/15+100)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	res := load(t, LoadOptions{Paths: []string{path}})
	if len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0].Message, "over the maximum file size of 10 MiB") {
		t.Errorf("warnings = %q, want one naming the 10 MiB limit", diagnosticTexts(res.Warnings))
	}
	res = load(t, LoadOptions{Paths: []string{"-"}, Stdin: bytes.NewReader(data)})
	if len(res.Warnings) != 1 || res.Warnings[0].Hint != "raise the limit with --max-file-size" {
		t.Errorf("stdin warnings = %q, want one with the flag hint", diagnosticTexts(res.Warnings))
	}
}

func TestDecodeYAMLCompat(t *testing.T) {
	data, err := os.ReadFile("testdata/files/broken-middle.yaml")
	if err != nil {
		t.Fatal(err)
	}
	objs, skipped, err := DecodeYAML("broken-middle.yaml", data)
	if len(objs) != 2 || skipped != 0 {
		t.Errorf("DecodeYAML = %d objects, %d skipped; want 2, 0", len(objs), skipped)
	}
	if err == nil || !strings.Contains(err.Error(), "broken-middle.yaml:10: invalid YAML") {
		t.Errorf("err = %v, want the broken document's line", err)
	}
}

func TestDuplicateKeyWarning(t *testing.T) {
	data := "apiVersion: v1\nkind: Pod\nmetadata:\n  name: dup\nspec:\n  hostPID: false\n  containers: []\n  hostPID: true\n"
	d := decodeStream("dup.yaml", []byte(data), "file", false)
	if len(d.objects) != 1 {
		t.Fatalf("%d objects, want 1", len(d.objects))
	}
	want := `dup.yaml:8:3: duplicate key "hostPID", first defined on line 6; checks read the first value and the API server the last; remove one of them`
	if got := diagnosticTexts(d.warnings); !slices.Equal(got, []string{want}) {
		t.Errorf("warnings = %q, want %q", got, want)
	}
}

func TestSkipReasons(t *testing.T) {
	tests := []struct {
		name, data, reason string
	}{
		{"chart-content", "apiVersion: v2\nname: app\nversion: 1.0.0\n", SkipChart},
		{"sigma", "title: Exec into pod\nlogsource:\n  product: kubernetes\ndetection:\n  condition: sel\n", SkipSigmaRule},
		{"kustomization-kind", "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n", SkipKustomization},
		{"gatekeeper-suite", "apiVersion: test.gatekeeper.sh/v1alpha1\nkind: Suite\n", SkipTestDefinition},
		{"chainsaw", "apiVersion: chainsaw.kyverno.io/v1alpha1\nkind: Test\n", SkipTestDefinition},
		{"no-kind", "apiVersion: v1\nmetadata:\n  name: x\n", SkipNotObject},
		{"scalar", "just text\n", SkipNotObject},
		{"plain-list", "- a\n- b\n", SkipNotObject},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := decodeStream(tt.name+".yaml", []byte(tt.data), "file", false)
			if len(d.objects) != 0 || d.skipped != 1 || d.skippedBy[tt.reason] != 1 {
				t.Errorf("%d objects, skipped %v; want one skipped as %q", len(d.objects), d.skippedBy, tt.reason)
			}
		})
	}
}

func TestSkippedByName(t *testing.T) {
	tests := map[string]string{
		"chart/Chart.yaml":         SkipChart,
		"values.yaml":              SkipValues,
		"values-staging.yml":       SkipValues,
		"values.schema.json":       SkipValues,
		"app/kustomization.yaml":   SkipKustomization,
		"app/Kustomization.yml":    SkipKustomization,
		"deployment.yaml":          "",
		"values-of-the-team.txt":   "",
		"my-values.yaml":           "",
		"charts/app/Chart.lock":    "",
		"kustomization-notes.yaml": "",
	}
	for path, want := range tests {
		if got := skippedByName(path); got != want {
			t.Errorf("skippedByName(%q) = %q, want %q", path, got, want)
		}
	}
}

func TestEmptyAndCommentOnly(t *testing.T) {
	for _, data := range []string{"", "\n\n", "# nothing\n", "---\n---\n", "---\n...\n"} {
		d := decodeStream("empty.yaml", []byte(data), "file", false)
		if len(d.objects) != 0 || d.skipped != 0 || len(d.errors) != 0 {
			t.Errorf("%q: %d objects, %d skipped, errors %q; want nothing", data, len(d.objects), d.skipped, diagnosticTexts(d.errors))
		}
	}
}

func TestSplitDocuments(t *testing.T) {
	tests := []struct {
		name  string
		data  string
		lines []int
	}{
		{"single", "a: 1\n", []int{0}},
		{"leading marker", "---\na: 1\n", []int{0}},
		{"two", "a: 1\n---\nb: 2\n", []int{0, 1}},
		{"marker with content", "a: 1\n--- {b: 2}\n", []int{0, 1}},
		{"marker with comment", "a: 1\n--- # next\nb: 2\n", []int{0, 1}},
		{"not a marker", "a: |\n  x\n----\n", []int{0}},
		{"directive stays with its document", "%YAML 1.2\n---\na: 1\n", []int{0}},
		{"directive after end marker", "a: 1\n...\n%YAML 1.2\n---\nb: 2\n", []int{0, 2}},
		{"crlf", "a: 1\r\n---\r\nb: 2\r\n", []int{0, 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var lines []int
			for _, c := range splitDocuments([]byte(tt.data)) {
				lines = append(lines, c.line)
			}
			if !slices.Equal(lines, tt.lines) {
				t.Errorf("chunk lines = %v, want %v", lines, tt.lines)
			}
		})
	}
}

func TestDirectiveDocumentDecodes(t *testing.T) {
	data := "apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n...\n%YAML 1.1\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: b\n"
	d := decodeStream("directive.yaml", []byte(data), "file", false)
	if len(d.objects) != 2 || len(d.errors) != 0 {
		t.Fatalf("%d objects, errors %q; want 2 and none", len(d.objects), diagnosticTexts(d.errors))
	}
	if d.objects[1].Loc.Line != 8 {
		t.Errorf("second object at line %d, want 8", d.objects[1].Loc.Line)
	}
}

func TestTabIndentationHint(t *testing.T) {
	tests := []struct {
		name         string
		data         string
		line, column int
	}{
		{"tab before key", "a:\n\tb: 1\n", 2, 1},
		{"tab after spaces", "a:\n  b: 1\n  \tc: 2\n", 3, 3},
		{"second document", "x: 1\n---\na:\n  b: 1\n\tc: 2\n", 5, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := decodeStream("tab.yaml", []byte(tt.data), "file", false)
			if len(d.errors) != 1 {
				t.Fatalf("errors = %q, want one", diagnosticTexts(d.errors))
			}
			e := d.errors[0]
			if e.Line != tt.line || e.Column != tt.column {
				t.Errorf("error at %d:%d, want %d:%d (%s)", e.Line, e.Column, tt.line, tt.column, e)
			}
			if e.Hint != "YAML forbids tabs for indentation; replace them with spaces" {
				t.Errorf("hint = %q", e.Hint)
			}
		})
	}
}

func TestTabAsSeparatorIsValid(t *testing.T) {
	// A tab between a value and a comment is white space, not
	// indentation, and both YAML and kubectl accept it.
	data := "kind: Role\napiVersion: rbac.authorization.k8s.io/v1\nmetadata:\n  name: r\nrules:\n- verbs: [\"get\"]\t  # comment"
	d := decodeStream("role.yaml", []byte(data), "file", false)
	if len(d.objects) != 1 || len(d.errors) != 0 {
		t.Errorf("%d objects, errors %q; want 1 and none", len(d.objects), diagnosticTexts(d.errors))
	}
}

func TestHelmTemplateOutsideChart(t *testing.T) {
	data := "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\n  labels:\n    {{- include \"x\" . | nindent 4 }}\n"
	d := decodeStream("templates/cm.yaml", []byte(data), "file", false)
	if len(d.errors) != 1 {
		t.Fatalf("errors = %q, want one", diagnosticTexts(d.errors))
	}
	if !strings.Contains(d.errors[0].Hint, "Helm template") {
		t.Errorf("hint = %q, want one that names Helm templates", d.errors[0].Hint)
	}
}

func TestAliasLimits(t *testing.T) {
	var bomb strings.Builder
	bomb.WriteString("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: lol\na0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n")
	for i := 1; i <= 9; i++ {
		fmt.Fprintf(&bomb, "a%d: &a%d [", i, i)
		for j := range 10 {
			if j > 0 {
				bomb.WriteString(", ")
			}
			fmt.Fprintf(&bomb, "*a%d", i-1)
		}
		bomb.WriteString("]\n")
	}

	var many strings.Builder
	many.WriteString("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: many\nbase: &b x\nlist:\n")
	for range MaxAliases + 1 {
		many.WriteString("- *b\n")
	}

	deep := "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: deep\ndata: " + strings.Repeat("[", MaxDepth+5) + strings.Repeat("]", MaxDepth+5) + "\n"

	tests := []struct {
		name, data, message string
	}{
		{"billion laughs", bomb.String(), "YAML aliases expand the document to more than 1000000 nodes"},
		{"alias count", many.String(), "the document has more than 10000 YAML aliases"},
		{"depth", deep, "the document is nested more than 1000 levels deep"},
		{"recursive alias", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: loop\ndata: &x {self: *x}\n", "alias *x refers to a node that contains it"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := decodeStream("bomb.yaml", []byte(tt.data), "file", false)
			if len(d.objects) != 0 {
				t.Errorf("%d objects, want the document rejected", len(d.objects))
			}
			if len(d.errors) != 1 || d.errors[0].Message != tt.message {
				t.Errorf("errors = %q, want %q", diagnosticTexts(d.errors), tt.message)
			}
		})
	}

	// Aliases within the limits are kept as pointers and read through.
	small := "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ok\n  labels: &l {app: web}\nspec:\n  selector: *l\n"
	d := decodeStream("ok.yaml", []byte(small), "file", false)
	if len(d.objects) != 1 || d.objects[0].Get("spec.selector.app").Str() != "web" {
		t.Errorf("aliased selector not readable: %d objects, errors %q", len(d.objects), diagnosticTexts(d.errors))
	}
}

func TestAliasBombAcrossDocuments(t *testing.T) {
	// yaml.v3 resolves aliases to anchors of earlier documents in the same
	// stream. The first document expands to 100,000 nodes, within the
	// limit; the second refers to it 100 times.
	first := "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: first\n" +
		"a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n" +
		"c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n" +
		"e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
	second := "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: second\ndata:\n" + strings.Repeat("- *e\n", 100)
	d := decodeStream("cross.yaml", []byte(first+"---\n"+second), "file", false)
	if len(d.objects) != 1 || d.objects[0].Name != "first" {
		t.Errorf("objects = %d, want only the first document", len(d.objects))
	}
	if len(d.errors) != 1 || !strings.Contains(d.errors[0].Message, "YAML aliases expand the document") {
		t.Errorf("errors = %q, want the second document rejected", diagnosticTexts(d.errors))
	}
}

func TestAliasBombLoadsAsOneError(t *testing.T) {
	dir := t.TempDir()
	doc := "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: lol\n" +
		"a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n" +
		"c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n" +
		"e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n" +
		"g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: after\n"
	if err := os.WriteFile(filepath.Join(dir, "lol.yaml"), []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	res := load(t, LoadOptions{Paths: []string{dir}})
	if len(res.Objects) != 1 || res.Objects[0].Name != "after" {
		t.Errorf("objects = %d, want only the Pod after the bomb", len(res.Objects))
	}
	if len(res.Errors) != 1 || res.Errors[0].Line != 1 {
		t.Errorf("errors = %q, want one at the start of the first document", diagnosticTexts(res.Errors))
	}
}

func TestSymlinkedFolderNotFollowed(t *testing.T) {
	dir := t.TempDir()
	pod := []byte("apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n")
	if err := os.WriteFile(filepath.Join(dir, "pod.yaml"), pod, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(dir, filepath.Join(dir, "loop")); err != nil {
		t.Skipf("cannot create a symbolic link: %v", err)
	}
	if err := os.Symlink(filepath.Join(dir, "pod.yaml"), filepath.Join(dir, "linked.yaml")); err != nil {
		t.Fatal(err)
	}
	res := load(t, LoadOptions{Paths: []string{dir}})
	if len(res.Objects) != 2 {
		t.Errorf("%d objects, want 2 (the file and the link to it)", len(res.Objects))
	}
}

func TestSkippedFolders(t *testing.T) {
	dir := t.TempDir()
	pod := []byte("apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n")
	for _, sub := range []string{".git", "node_modules/pkg", "app"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, sub, "pod.yaml"), pod, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	res := load(t, LoadOptions{Paths: []string{dir}})
	if len(res.Objects) != 1 || !strings.Contains(res.Objects[0].Loc.File, "app") {
		t.Errorf("objects = %d, want only app/pod.yaml", len(res.Objects))
	}
}

func TestCancelledContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Load(ctx, LoadOptions{Paths: []string{"testdata/files"}}); err == nil {
		t.Error("Load with a cancelled context returned no error")
	}
}

func TestFormatSize(t *testing.T) {
	tests := []struct {
		n    int64
		want string
	}{
		{512, "512 bytes"},
		{2048, "2 KiB"},
		{1_000_000, "1 MB"},
		{10 << 20, "10 MiB"},
		{2_000, "2 kB"},
		{3_456_789, "3.3 MiB"},
		{1 << 30, "1 GiB"},
	}
	for _, tt := range tests {
		if got := formatSize(tt.n); got != tt.want {
			t.Errorf("formatSize(%d) = %q, want %q", tt.n, got, tt.want)
		}
	}
}

func TestFormatSizes(t *testing.T) {
	tests := []struct {
		size, limit         int64
		wantSize, wantLimit string
	}{
		{2_000_000, 1_000_000, "2 MB", "1 MB"},
		{1_040_013, 1_000_000, "1.04 MB", "1 MB"},
		{1_000_013, 1_000_000, "1000013 bytes", "1000000 bytes"},
		{3 << 10, 2 << 10, "3 KiB", "2 KiB"},
		{1_040_013, 1_039_999, "1040013 bytes", "1039999 bytes"},
		{15 << 20, 10 << 20, "15 MiB", "10 MiB"},
		{10_600_000, 10 << 20, "10.1 MiB", "10 MiB"},
	}
	for _, tt := range tests {
		gotSize, gotLimit := formatSizes(tt.size, tt.limit)
		if gotSize != tt.wantSize || gotLimit != tt.wantLimit {
			t.Errorf("formatSizes(%d, %d) = %q, %q; want %q, %q", tt.size, tt.limit, gotSize, gotLimit, tt.wantSize, tt.wantLimit)
		}
	}
}

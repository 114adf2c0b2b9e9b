package source

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const (
	keyIndentHint  = "check the indentation of this line, because the keys of one mapping must start in the same column"
	itemIndentHint = "check the indentation of this line, because the items of one sequence must start with '-' in the same column"
	valueColonHint = `quote a value that contains ": ", or check the indentation of this line`
)

func TestSyntaxErrorPosition(t *testing.T) {
	tests := []struct {
		name string
		data string
		want string
	}{
		{
			"key indented less than its siblings",
			"apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\nspec:\n  containers:\n  - name: app\n    image: nginx\n   bad: 1\n",
			"f.yaml:9:4: invalid YAML: did not find expected key (in the block mapping that starts on line 6); " +
				"check the indentation, because this line starts in column 4 and the keys and items above it start in columns 5, 3 and 1",
		},
		{
			"key of a nested mapping one space short",
			"a:\n  b: 1\n c: 2\n",
			"f.yaml:3:2: invalid YAML: did not find expected key; " +
				"check the indentation, because this line starts in column 2 and the keys and items above it start in columns 3 and 1",
		},
		{
			"key after a sequence item mapping",
			"kind: Pod\nspec:\n  containers:\n    - name: a\n      image: b\n     ports: []\n",
			"f.yaml:6:6: invalid YAML: did not find expected '-' indicator (in the block sequence that starts on line 4); " +
				"check the indentation, because this line starts in column 6 and the keys and items above it start in columns 7, 5, 3 and 1",
		},
		{
			"block scalar lines are not levels",
			"a: |\n  text\n y: 1\n",
			"f.yaml:3:2: invalid YAML: did not find expected key; " +
				"check the indentation, because this line starts in column 2 and the keys and items above it start in column 1",
		},
		{
			"sequence item where a key belongs",
			"a: 1\n- b\n",
			"f.yaml:2:1: invalid YAML: did not find expected key; " + keyIndentHint,
		},
		{
			"key where an item belongs",
			"- a\nb: 1\n",
			"f.yaml:2:1: invalid YAML: did not find expected '-' indicator; " + itemIndentHint,
		},
		{
			"dash without a space",
			"a:\n  - x\n  -y: 1\n  b: 2\n",
			"f.yaml:3:3: invalid YAML: did not find expected '-' indicator (in the block sequence that starts on line 2); " + itemIndentHint,
		},
		{
			"colon in a plain value",
			"a:\n  image: nginx: latest\n",
			"f.yaml:2:15: invalid YAML: mapping values are not allowed in this context; " + valueColonHint,
		},
		{
			"key indented under a scalar",
			"key: value\n  other: 1\n",
			"f.yaml:2:8: invalid YAML: mapping values are not allowed in this context; " + valueColonHint,
		},
		{
			"unclosed quote on the first line",
			"a: \"abc\nb: 1\n",
			"f.yaml:1:4: invalid YAML: found unexpected end of stream; a quoted string that starts here is never closed",
		},
		{
			"unclosed quote later",
			"x: 1\na: 'abc\nb: 1\n",
			"f.yaml:2:4: invalid YAML: found unexpected end of stream; a quoted string that starts here is never closed",
		},
		{
			"line without a colon",
			"a: 1\nb\nc: 2\n",
			`f.yaml:2:1: invalid YAML: could not find expected ':'; write the line as "key: value", or indent it further if it continues the value above`,
		},
		{
			"reserved character",
			"a: 1\nb: @x\n",
			"f.yaml:2:4: invalid YAML: found character that cannot start any token; quote the value, because YAML reserves '@' and '`' and neither can start a plain value",
		},
		{
			"unquoted star in a flow sequence",
			"rules:\n- verbs: [*]\n",
			`f.yaml:2:11: invalid YAML: did not find expected alphabetic or numeric character; quote the value, as in verbs: ["*"], because YAML reads a plain '*' or '&' as the start of an alias or an anchor`,
		},
		{
			"unknown alias",
			"a: 1\nb: *anchor\n",
			"f.yaml:2:4: invalid YAML: unknown anchor 'anchor' referenced",
		},
		{
			"bad escape",
			"a: \"x\\qy\"\n",
			"f.yaml:1:6: invalid YAML: found unknown escape character",
		},
		{
			"second document",
			"x: 1\n---\na:\n  b: 1\n c: 2\n",
			"f.yaml:5:2: invalid YAML: did not find expected key (in the block mapping that starts on line 3); " +
				"check the indentation, because this line starts in column 2 and the keys and items above it start in columns 3 and 1",
		},
		{
			"windows line breaks",
			"a:\r\n  b: 1\r\n c: 2\r\n",
			"f.yaml:3:2: invalid YAML: did not find expected key; " +
				"check the indentation, because this line starts in column 2 and the keys and items above it start in columns 3 and 1",
		},
		{
			"column counts characters",
			"a:\n  é: 1\n  ü: x: y\n",
			"f.yaml:3:7: invalid YAML: mapping values are not allowed in this context; " + valueColonHint,
		},
		// yaml.v3 reports the opening bracket of a flow collection, and the
		// search keeps that position.
		{
			"unclosed flow sequence",
			"a: 1\nb: [1, 2\nc: 3\n",
			"f.yaml:2: invalid YAML: did not find expected ',' or ']'",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := decodeStream("f.yaml", []byte(tt.data), "file", false)
			if got := diagnosticTexts(d.errors); !slices.Equal(got, []string{tt.want}) {
				t.Errorf("errors =\n%q\nwant\n%q", got, tt.want)
			}
		})
	}
}

func TestSyntaxErrorRenderedOutput(t *testing.T) {
	// The line is still found in rendered output, but the hint is left to
	// the caller, which explains that lines count from the start of the
	// output.
	data := "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  labels:\n    a: \"{{ x }}\"\n   b: c\n"
	d := decodeStream("templates/cm.yaml", []byte(data), "helm", false)
	want := "templates/cm.yaml:7:4: invalid YAML: did not find expected key (in the block mapping that starts on line 4)"
	if got := diagnosticTexts(d.errors); !slices.Equal(got, []string{want}) {
		t.Errorf("errors = %q, want %q", got, want)
	}
}

func TestSyntaxErrorFixture(t *testing.T) {
	res := load(t, LoadOptions{Paths: []string{"testdata/diagnostics/indentation.yaml"}})
	want := "testdata/diagnostics/indentation.yaml:9:4: invalid YAML: did not find expected key (in the block mapping that starts on line 6); " +
		"check the indentation, because this line starts in column 4 and the keys and items above it start in columns 5, 3 and 1"
	if got := diagnosticTexts(res.Errors); !slices.Equal(got, []string{want}) {
		t.Errorf("errors = %q, want %q", got, want)
	}
}

func TestSyntaxErrorLargeDocument(t *testing.T) {
	// Above maxLocateSize the search is skipped, and the error keeps the
	// line yaml.v3 reports: the start of the enclosing mapping.
	var b strings.Builder
	b.WriteString("spec:\n  containers:\n  - name: a\n")
	for b.Len() <= maxLocateSize {
		b.WriteString("    key: " + strings.Repeat("x", 70) + "\n")
	}
	b.WriteString("   bad: 1\n")
	d := decodeStream("big.yaml", []byte(b.String()), "file", false)
	want := "big.yaml:2: invalid YAML: did not find expected key"
	if got := diagnosticTexts(d.errors); !slices.Equal(got, []string{want}) {
		t.Errorf("errors = %q, want %q", got, want)
	}
}

func TestLocateSyntaxErrorBounds(t *testing.T) {
	tests := []struct {
		name         string
		data, msg    string
		line, column int
	}{
		{"flow collection", "a: [1,\n b\nc: 1\n", "did not find expected ',' or ']'", 0, 0},
		{"no final line break", "a:\n  b: 1\n c: 2", "did not find expected key", 3, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			line, column := locateSyntaxError([]byte(tt.data), tt.msg)
			if line != tt.line || column != tt.column {
				t.Errorf("locateSyntaxError = %d:%d, want %d:%d", line, column, tt.line, tt.column)
			}
		})
	}
}

func TestTemplateActionWarning(t *testing.T) {
	tests := []struct {
		name, data string
		objects    int
		warning    string // "" for none
	}{
		{
			"helm action in a flow mapping",
			"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  labels: {a: {{ .Values.x }}}\n",
			1,
			`f.yaml:5:15: template action "{{ .Values.x }}" is not rendered, and YAML reads it as a mapping; ` + helmTemplateHint,
		},
		{
			"helm action in a quoted value",
			"apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\nspec:\n  containers:\n  - image: \"{{ .Values.image.repository }}:{{ .Values.image.tag }}\"\n",
			1,
			`f.yaml:7:13: template action "{{ .Values.image.repository }}" is not rendered, and checks read it as literal text; ` + helmTemplateHint,
		},
		{
			"include with trim markers",
			"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  x: '{{- include \"app.name\" . -}}'\n",
			1,
			`f.yaml:6:7: template action "{{- include \"app.name\" . -}}" is not rendered, and checks read it as literal text; ` + helmTemplateHint,
		},
		{
			"other action in a flow mapping",
			"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  summary: {{ $labels.pod }}\n",
			1,
			`f.yaml:6:12: template action "{{ $labels.pod }}" is not rendered, and YAML reads it as a mapping; ` + otherTemplateHint,
		},
		{
			"long action is shortened",
			"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  labels: {{ .Values.labels | toYaml | nindent 4 | trimSuffix \"\\n\" | lower }}\n",
			1,
			`f.yaml:5:11: template action "{{ .Values.labels | toYaml | nindent 4 | trimSuffix \"\\n\" ..." is not rendered, and YAML reads it as a mapping; ` + helmTemplateHint,
		},
		{
			"prometheus text in strings",
			"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  summary: \"{{ $labels.pod }} is down\"\n  body: |\n    {{ range .Alerts }}{{ .Labels.severity }}{{ end }}\n",
			1,
			"",
		},
		{
			"helm action in a comment",
			"# image: {{ .Values.image }}\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n",
			1,
			"",
		},
		{
			"braces that are no action",
			"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  a: \"{{}}\"\n  b: \"{{{raw}}}\"\n  c: \"{{ 42 }}\"\n  d: \"{{ open\"\n  e: {{x: 1}: 2}\n",
			1,
			"",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := decodeStream("f.yaml", []byte(tt.data), "file", false)
			if len(d.errors) != 0 {
				t.Errorf("errors = %q, want none", diagnosticTexts(d.errors))
			}
			if len(d.objects) != tt.objects {
				t.Errorf("%d objects, want %d", len(d.objects), tt.objects)
			}
			var want []string
			if tt.warning != "" {
				want = []string{tt.warning}
			}
			if got := diagnosticTexts(d.warnings); !slices.Equal(got, want) {
				t.Errorf("warnings =\n%q\nwant\n%q", got, want)
			}
		})
	}
}

func TestTemplateActionRenderedOutput(t *testing.T) {
	// Helm output has been rendered, so an action left in it is text for
	// another tool, even when it is not quoted.
	data := []byte("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  labels: {a: {{ .Values.x }}}\n")
	for _, origin := range []string{"helm", "kustomize"} {
		d := decodeStream("f.yaml", data, origin, false)
		if len(d.warnings) != 0 {
			t.Errorf("origin %s: warnings = %q, want none", origin, diagnosticTexts(d.warnings))
		}
	}
	d := decodeStream(StdinName, data, "stdin", false)
	if len(d.warnings) != 1 {
		t.Errorf("stdin: warnings = %q, want one", diagnosticTexts(d.warnings))
	}
}

func TestTemplateActionSyntaxHint(t *testing.T) {
	tests := []struct {
		name, data, hint string
	}{
		{
			"helm control line",
			"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  labels:\n    {{- if .Values.extra }}\n    extra: \"yes\"\n    {{- end }}\n",
			helmTemplateHint,
		},
		{
			"other action on the failing line",
			"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  x: 1\n{{ range .Items }}\n",
			otherTemplateHint,
		},
		{
			"other action elsewhere keeps the indentation hint",
			"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n annotations:\n    summary: \"{{ $labels.pod }}\"\n",
			"check the indentation, because this line starts in column 2 and the keys and items above it start in columns 3 and 1",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := decodeStream("f.yaml", []byte(tt.data), "file", false)
			if len(d.errors) != 1 {
				t.Fatalf("errors = %q, want one", diagnosticTexts(d.errors))
			}
			if d.errors[0].Hint != tt.hint {
				t.Errorf("hint = %q, want %q", d.errors[0].Hint, tt.hint)
			}
			if len(d.warnings) != 0 {
				t.Errorf("warnings = %q, want none next to the error", diagnosticTexts(d.warnings))
			}
		})
	}
}

func TestTemplateFixtures(t *testing.T) {
	res := load(t, LoadOptions{Paths: []string{"testdata/diagnostics/helm-value.yaml", "testdata/diagnostics/other-template.yaml"}})
	if len(res.Objects) != 2 || len(res.Errors) != 0 {
		t.Errorf("%d objects, errors %q; want both files scanned", len(res.Objects), diagnosticTexts(res.Errors))
	}
	want := []string{`testdata/diagnostics/helm-value.yaml:5:15: template action "{{ .Values.x }}" is not rendered, and YAML reads it as a mapping; ` + helmTemplateHint}
	if got := diagnosticTexts(res.Warnings); !slices.Equal(got, want) {
		t.Errorf("warnings = %q, want %q", got, want)
	}
}

func TestUTF16Files(t *testing.T) {
	for _, name := range []string{"utf16le.yaml", "utf16be.yaml"} {
		t.Run(name, func(t *testing.T) {
			res := load(t, LoadOptions{Paths: []string{filepath.Join("testdata", "diagnostics", name)}})
			if len(res.Errors) != 0 || len(res.Warnings) != 0 {
				t.Fatalf("errors %q, warnings %q; want none", diagnosticTexts(res.Errors), diagnosticTexts(res.Warnings))
			}
			first := find(t, res, "ConfigMap", "wide-first")
			if got := first.Get("data.greeting").Str(); got != "héllo \U0001F680" {
				t.Errorf("greeting = %q, want the accented and astral characters decoded", got)
			}
			// Columns count characters, so the astral character before
			// "team" counts once.
			team := first.Get("metadata.labels.team")
			if loc := team.Loc(); loc.Line != 6 || loc.Column != 23 {
				t.Errorf("team label at %d:%d, want 6:23", loc.Line, loc.Column)
			}
			hostPID := find(t, res, "Pod", "wide-second").Get("spec.hostPID")
			if loc := hostPID.Loc(); loc.Line != 15 || loc.Column != 3 {
				t.Errorf("hostPID at %d:%d, want 15:3", loc.Line, loc.Column)
			}
		})
	}
}

func TestUTF16Stdin(t *testing.T) {
	data, err := os.ReadFile("testdata/diagnostics/utf16le.yaml")
	if err != nil {
		t.Fatal(err)
	}
	res := load(t, LoadOptions{Paths: []string{"-"}, Stdin: bytes.NewReader(data)})
	if len(res.Objects) != 2 || len(res.Warnings) != 0 {
		t.Errorf("%d objects, warnings %q; want 2 and none", len(res.Objects), diagnosticTexts(res.Warnings))
	}
}

func TestDecodeUTF16(t *testing.T) {
	tests := []struct {
		name string
		data []byte
		want string
		err  bool
	}{
		{"little endian", []byte{0xff, 0xfe, 'a', 0, ':', 0, ' ', 0, 0xe9, 0, '\n', 0}, "a: é\n", false},
		{"big endian", []byte{0xfe, 0xff, 0, 'a', 0, '\n'}, "a\n", false},
		{"surrogate pair", []byte{0xff, 0xfe, 0x3d, 0xd8, 0x80, 0xde}, "\U0001F680", false},
		{"unpaired surrogate", []byte{0xff, 0xfe, 0x3d, 0xd8, 'a', 0}, "\uFFFDa", false},
		{"surrogate at the end", []byte{0xff, 0xfe, 'a', 0, 0x3d, 0xd8}, "a\uFFFD", false},
		{"odd length", []byte{0xff, 0xfe, 'a', 0, 'b'}, "", true},
		{"no mark", []byte("a: 1\n"), "a: 1\n", false},
		{"utf-8 mark", []byte("\xef\xbb\xbfa: 1\n"), "\xef\xbb\xbfa: 1\n", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := decodeUTF16(tt.data)
			if (err != nil) != tt.err {
				t.Fatalf("err = %v, want error %v", err, tt.err)
			}
			if string(got) != tt.want {
				t.Errorf("decodeUTF16 = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestUTF16OddLengthIsAnError(t *testing.T) {
	path := filepath.Join(t.TempDir(), "odd.yaml")
	if err := os.WriteFile(path, []byte{0xff, 0xfe, 'a', 0, 'b'}, 0o644); err != nil {
		t.Fatal(err)
	}
	res := load(t, LoadOptions{Paths: []string{path}})
	want := path + ": cannot read: invalid UTF-16 text: it has a byte order mark but an odd number of bytes; save the file again as UTF-8"
	if got := diagnosticTexts(res.Errors); !slices.Equal(got, []string{want}) {
		t.Errorf("errors = %q, want %q", got, want)
	}
}

func TestSkippedLinksWarn(t *testing.T) {
	dir := t.TempDir()
	pod := []byte("apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n")
	if err := os.WriteFile(filepath.Join(dir, "pod.yaml"), pod, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	links := map[string]string{
		"dangling.yaml": "missing.yaml",
		"loop.yaml":     "loop.yaml",
		"folder.yaml":   "sub",
		"good.yaml":     "pod.yaml",
		"notes":         "missing-too", // not named like a manifest
	}
	for name, target := range links {
		if err := os.Symlink(target, filepath.Join(dir, name)); err != nil {
			t.Skipf("cannot create a symbolic link: %v", err)
		}
	}
	res := load(t, LoadOptions{Paths: []string{dir}})
	if len(res.Objects) != 2 {
		t.Errorf("%d objects, want 2 (pod.yaml and good.yaml)", len(res.Objects))
	}
	want := []string{
		filepath.Join(dir, "dangling.yaml") + `: skipped a broken symbolic link, because its target "missing.yaml" does not exist; fix or remove the link`,
		filepath.Join(dir, "folder.yaml") + ": skipped a symbolic link to a folder, because links to folders are not followed; scan the folder by its own path",
		filepath.Join(dir, "loop.yaml") + ": skipped a symbolic link whose target cannot be read: too many levels of symbolic links",
	}
	if got := diagnosticTexts(res.Warnings); !slices.Equal(got, want) {
		t.Errorf("warnings =\n%q\nwant\n%q", got, want)
	}
	if len(res.Errors) != 0 {
		t.Errorf("errors = %q, want none", diagnosticTexts(res.Errors))
	}
}

func TestWalkWarningsComeFirst(t *testing.T) {
	// The warnings of the folder walk come before those of the files.
	dir := t.TempDir()
	if err := os.Symlink("missing.yaml", filepath.Join(dir, "a.yaml")); err != nil {
		t.Skipf("cannot create a symbolic link: %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "b.yaml"), []byte("\x00"), 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := Load(context.Background(), LoadOptions{Paths: []string{dir}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Warnings) != 2 || !strings.Contains(res.Warnings[0].Message, "broken symbolic link") ||
		!strings.Contains(res.Warnings[1].Message, "binary file") {
		t.Errorf("warnings = %q, want the broken link, then the binary file", diagnosticTexts(res.Warnings))
	}
}

package matrix

import (
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/kubethreat/kubethreat/matrix/content"
)

// contentCopy returns the embedded content as an editable in-memory file
// system.
func contentCopy(t *testing.T) fstest.MapFS {
	t.Helper()
	out := fstest.MapFS{}
	err := fs.WalkDir(content.FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(content.FS, p)
		out[p] = &fstest.MapFile{Data: data}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func edit(t *testing.T, fsys fstest.MapFS, file, old, new string) {
	t.Helper()
	f, ok := fsys[file]
	if !ok {
		t.Fatalf("no content file %s", file)
	}
	s := string(f.Data)
	if !strings.Contains(s, old) {
		t.Fatalf("%s does not contain %q", file, old)
	}
	f.Data = []byte(strings.Replace(s, old, new, 1))
}

func TestEmbeddedContentIsValid(t *testing.T) {
	if _, err := Load(content.FS); err != nil {
		t.Fatal(err)
	}
}

func TestValidationErrors(t *testing.T) {
	tests := []struct {
		name      string
		mutate    func(t *testing.T, fsys fstest.MapFS)
		wantFile  string
		wantField string
		wantText  string
	}{
		{
			name: "duplicate technique ID",
			mutate: func(t *testing.T, fsys fstest.MapFS) {
				fsys["techniques/MS-TA9099.md"] = &fstest.MapFile{Data: fsys["techniques/MS-TA9001.md"].Data}
			},
			wantFile: "techniques/MS-TA9099.md", wantField: "id", wantText: "does not match the file name",
		},
		{
			name: "unknown mitigation in a link",
			mutate: func(t *testing.T, fsys fstest.MapFS) {
				edit(t, fsys, "techniques/MS-TA9001.md", "- id: MS-M9001", "- id: MS-M9901")
			},
			wantFile: "techniques/MS-TA9001.md", wantField: "mitigations[0].id", wantText: `unknown mitigation "MS-M9901"`,
		},
		{
			name: "malformed ATT&CK technique ID",
			mutate: func(t *testing.T, fsys fstest.MapFS) {
				edit(t, fsys, "attack.yaml", "id: T1610", "id: T161")
			},
			wantFile: "attack.yaml", wantText: `malformed ATT&CK technique ID "T161"`,
		},
		{
			name: "unknown ATT&CK reference",
			mutate: func(t *testing.T, fsys fstest.MapFS) {
				edit(t, fsys, "techniques/MS-TA9019.md", "attack: [T1078.003]", "attack: [T1078.009]")
			},
			wantFile: "techniques/MS-TA9019.md", wantField: "attack[0]", wantText: "not in attack.yaml",
		},
		{
			name: "misspelled front-matter field",
			mutate: func(t *testing.T, fsys fstest.MapFS) {
				edit(t, fsys, "techniques/MS-TA9002.md", "aliases:", "alias:")
			},
			wantFile: "techniques/MS-TA9002.md", wantField: "front matter", wantText: "field alias not found",
		},
		{
			name: "technique with no mitigation",
			mutate: func(t *testing.T, fsys fstest.MapFS) {
				f := fsys["techniques/MS-TA9019.md"]
				s := string(f.Data)
				start := strings.Index(s, "mitigations:")
				end := strings.Index(s[start:], "\n---\n") + start
				f.Data = []byte(s[:start] + "mitigations: []" + s[end:])
			},
			wantFile: "techniques/MS-TA9019.md", wantField: "mitigations", wantText: "has no mitigation",
		},
		{
			name: "mitigation that addresses nothing",
			mutate: func(t *testing.T, fsys fstest.MapFS) {
				edit(t, fsys, "techniques/MS-TA9001.md", "- id: MS-M9001", "- id: MS-M9004")
			},
			wantFile: "mitigations/MS-M9001.md", wantField: "id", wantText: "addresses no technique",
		},
		{
			name: "tactic without techniques",
			mutate: func(t *testing.T, fsys fstest.MapFS) {
				f := fsys["tactics/09-collection.md"]
				s := string(f.Data)
				s = strings.Replace(s, "  - MS-TA9037\n", "", 1)
				s = strings.Replace(s, "  - MS-TA9041\n", "", 1)
				s = strings.Replace(s, "techniques:\n", "techniques: []\n", 1)
				f.Data = []byte(s)
			},
			wantFile: "tactics/09-collection.md", wantField: "techniques", wantText: "has no techniques",
		},
		{
			name: "missing body section",
			mutate: func(t *testing.T, fsys fstest.MapFS) {
				edit(t, fsys, "techniques/MS-TA9006.md", "## Detection", "## Detections")
			},
			wantFile: "techniques/MS-TA9006.md", wantField: "## Detection", wantText: "missing section",
		},
		{
			name: "missing front matter",
			mutate: func(t *testing.T, fsys fstest.MapFS) {
				f := fsys["mitigations/MS-M9010.md"]
				f.Data = f.Data[4:]
			},
			wantFile: "mitigations/MS-M9010.md", wantText: "missing front matter",
		},
		{
			name: "unknown parent mitigation",
			mutate: func(t *testing.T, fsys fstest.MapFS) {
				edit(t, fsys, "mitigations/MS-M9005.001.md", "parent: MS-M9005", "parent: MS-M9095")
			},
			wantFile: "mitigations/MS-M9005.001.md", wantField: "parent", wantText: "unknown parent",
		},
		{
			name: "retired ID with an unknown successor",
			mutate: func(t *testing.T, fsys fstest.MapFS) {
				edit(t, fsys, "retired.yaml", "successor: MS-TA9005", "successor: MS-TA9095")
			},
			wantFile: "retired.yaml", wantField: "[0].successor", wantText: "unknown technique",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fsys := contentCopy(t)
			tc.mutate(t, fsys)
			_, err := Load(fsys)
			if err == nil {
				t.Fatal("Load succeeded, want an error")
			}
			msg := err.Error()
			want := tc.wantFile + ":"
			if tc.wantField != "" {
				want = tc.wantFile + `: field "` + tc.wantField + `"`
			}
			if !strings.Contains(msg, want) {
				t.Errorf("error does not name %s:\n%s", want, msg)
			}
			if !strings.Contains(msg, tc.wantText) {
				t.Errorf("error does not say %q:\n%s", tc.wantText, msg)
			}
		})
	}
}

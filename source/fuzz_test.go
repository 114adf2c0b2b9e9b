package source

import (
	"bytes"
	"context"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// addSeeds adds every manifest under testdata to the fuzz corpus.
func addSeeds(f *testing.F) {
	f.Helper()
	err := filepath.WalkDir("testdata", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !(hasManifestExt(path) || strings.HasSuffix(path, ".tpl")) {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		f.Add(data)
		return nil
	})
	if err != nil {
		f.Fatal(err)
	}
	f.Add([]byte("a: &a [*a]\n"))
	f.Add([]byte("%YAML 1.1\n---\na: 1\n...\n"))
	f.Add([]byte("{\"a\": \"\\ud83d\\ude00\"}\n[1, 2]\n"))
}

func checkDecoded(t *testing.T, d *decoded) {
	t.Helper()
	for _, o := range d.objects {
		if o.Doc == nil || o.Kind == "" || o.APIVersion == "" {
			t.Fatalf("object without a document, kind or apiVersion: %+v", o.Ref)
		}
		if o.Loc.Line < 1 {
			t.Fatalf("object %s at line %d", o.Ref, o.Loc.Line)
		}
	}
	for _, e := range append(d.errors, d.warnings...) {
		if e.Message == "" {
			t.Fatalf("diagnostic without a message: %+v", e)
		}
	}
}

func FuzzDecodeYAML(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		d := decodeStream("fuzz.yaml", data, "file", false)
		checkDecoded(t, d)
		// Reading every object's fields through aliases stays bounded.
		for _, o := range d.objects {
			_ = o.Get("spec.template.spec.containers").Items()
			_ = o.Labels()
		}
	})
}

func FuzzLoadFile(f *testing.F) {
	addSeeds(f)
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, name := range []string{"input.yaml", "input.json"} {
			path := filepath.Join(dir, name)
			if err := os.WriteFile(path, data, 0o644); err != nil {
				t.Fatal(err)
			}
			res, err := Load(context.Background(), LoadOptions{Paths: []string{path}, MaxFileSize: 1 << 20, Workers: 1})
			if err != nil {
				t.Fatal(err)
			}
			for _, o := range res.Objects {
				if o.Loc.File != path {
					t.Fatalf("object %s located in %q, want %q", o.Ref, o.Loc.File, path)
				}
			}
		}
	})
}

func FuzzJSON(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		values, err := parseJSON(data)
		if bytes.HasPrefix(data, []byte("\xef\xbb\xbf")) {
			return // encoding/json rejects a byte order mark
		}
		if err != nil && strings.Contains(err.msg, "levels deep") {
			return // deeper than MaxDepth, below encoding/json's limit
		}
		valid := json.Valid(data)
		switch {
		case valid && err != nil:
			t.Fatalf("encoding/json accepts %q, parseJSON fails: %v", data, err)
		case valid && len(values) != 1:
			t.Fatalf("encoding/json accepts %q as one value, parseJSON returns %d", data, len(values))
		case !valid && err == nil && len(values) == 1:
			t.Fatalf("encoding/json rejects %q, parseJSON accepts it", data)
		}
		for _, v := range values {
			if v.Line < 1 || v.Column < 1 {
				t.Fatalf("value at %d:%d", v.Line, v.Column)
			}
		}
	})
}

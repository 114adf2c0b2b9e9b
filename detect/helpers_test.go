package detect

import (
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/kubethreat/kubethreat/matrix"
)

var (
	kbOnce sync.Once
	kb     *matrix.Matrix
	kbErr  error
)

// testMatrix returns the embedded knowledge base.
func testMatrix(t testing.TB) *matrix.Matrix {
	t.Helper()
	kbOnce.Do(func() { kb, kbErr = matrix.Default() })
	if kbErr != nil {
		t.Fatalf("loading the knowledge base: %v", kbErr)
	}
	return kb
}

// corpusDir returns the shared test corpus beside the repository, or skips
// the test when it is absent.
func corpusDir(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Skip("go.mod not found; cannot locate the test corpus")
		}
		dir = parent
	}
	corpus := filepath.Join(dir, "..", "shared", "corpus")
	if _, err := os.Stat(corpus); err != nil {
		t.Skipf("test corpus not found at %s; it is kept beside the repository and is optional", corpus)
	}
	return corpus
}

// importFiles imports paths with the embedded knowledge base.
func importFiles(t testing.TB, paths ...string) (*Set, []Diagnostic) {
	t.Helper()
	return (&Importer{Matrix: testMatrix(t)}).Import(paths)
}

// errorsOf returns the error diagnostics.
func errorsOf(diags []Diagnostic) []Diagnostic {
	var out []Diagnostic
	for _, d := range diags {
		if d.Severity == SeverityError {
			out = append(out, d)
		}
	}
	return out
}

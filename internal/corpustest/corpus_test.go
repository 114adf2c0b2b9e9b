// Package corpustest runs the whole scan command over the public test
// corpus kept in a folder beside the repository: dangerous pods, peers'
// check fixtures and real applications with known traps. The tests skip
// when the corpus is absent, so that a fresh clone still passes.
package corpustest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/kubethreat/kubethreat/check"
	"github.com/kubethreat/kubethreat/internal/cli"
	"github.com/kubethreat/kubethreat/report"
)

// corpusDir returns the corpus folder, shared/corpus beside the module
// root, or skips the test when it is absent.
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
			t.Fatal("go.mod not found above the test's folder")
		}
		dir = parent
	}
	corpus := filepath.Join(dir, "..", "shared", "corpus")
	if _, err := os.Stat(corpus); err != nil {
		t.Skipf("public test corpus not found at %s; these tests need it beside the repository", corpus)
	}
	return corpus
}

// corpusPath returns a path inside the corpus, or skips the test when that
// part of the corpus is absent.
func corpusPath(t testing.TB, parts ...string) string {
	t.Helper()
	p := filepath.Join(append([]string{corpusDir(t)}, parts...)...)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("%s is not in the corpus", p)
	}
	return p
}

// scanResult is the outcome of one run of kubethreat scan.
type scanResult struct {
	doc    *report.ScanDocument // nil when the scan wrote no report
	code   int
	stderr string
}

// scan runs "kubethreat scan -o json --keep-going" with the arguments and
// standard input, the same pipeline a user runs.
func scan(t testing.TB, stdin string, args ...string) scanResult {
	t.Helper()
	var out, errOut bytes.Buffer
	argv := append([]string{"scan", "-o", "json", "--keep-going"}, args...)
	code := cli.Run(context.Background(), argv, strings.NewReader(stdin), &out, &errOut)
	res := scanResult{code: code, stderr: errOut.String()}
	if out.Len() == 0 {
		return res
	}
	var doc report.ScanDocument
	if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
		t.Fatalf("kubethreat %s wrote invalid JSON: %v", strings.Join(argv, " "), err)
	}
	res.doc = &doc
	return res
}

// failing returns the IDs of the checks with an unsuppressed failing
// finding, sorted.
func (r scanResult) failing() []string {
	set := map[string]bool{}
	if r.doc != nil {
		for _, f := range r.doc.Findings {
			if f.Status == check.Fail {
				set[f.Check] = true
			}
		}
	}
	return sortedSet(set)
}

// failedObjects returns the objects that one of the checks fails, as
// "Kind namespace/name".
func (r scanResult) failedObjects(checks []string) []string {
	set := map[string]bool{}
	if r.doc != nil {
		for _, f := range r.doc.Findings {
			if f.Status == check.Fail && contains(checks, f.Check) {
				set[f.Object.Kind+" "+f.Object.Namespace+"/"+f.Object.Name] = true
			}
		}
	}
	return sortedSet(set)
}

// fails reports whether one of the checks has a failing finding.
func (r scanResult) fails(checks []string) bool {
	return len(r.failedObjects(checks)) > 0
}

// evaluated reports whether one of the checks evaluated an object.
func (r scanResult) evaluated(checks []string) bool {
	if r.doc == nil {
		return false
	}
	for _, c := range r.doc.Checks {
		if contains(checks, c.ID) && c.Stats.Evaluated > 0 {
			return true
		}
	}
	return false
}

func sortedSet(set map[string]bool) []string {
	out := make([]string, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// registered returns the IDs that are registered checks and the ones that
// are not.
func registered(ids []string) (known, missing []string) {
	for _, id := range ids {
		if _, ok := check.Lookup(id); ok {
			known = append(known, id)
		} else {
			missing = append(missing, id)
		}
	}
	return known, missing
}

// readTSV reads a tab-separated file with a header line into maps from
// column name to value.
func readTSV(t testing.TB, path string) []map[string]string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Skipf("expected outcomes not found: %v", err)
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	header := strings.Split(lines[0], "\t")
	var rows []map[string]string
	for _, line := range lines[1:] {
		cells := strings.Split(line, "\t")
		row := map[string]string{}
		for i, name := range header {
			if i < len(cells) {
				row[name] = cells[i]
			}
		}
		rows = append(rows, row)
	}
	return rows
}

// tally counts agreement with a peer's expected outcomes.
type tally struct {
	name          string
	reasons       map[string]string // why we disagree on a case, by case key
	agree, total  int
	disagreements []string
}

// add records one case. key names the case in reasons.
func (tl *tally) add(key string, agree bool, format string, args ...any) {
	tl.total++
	if agree {
		tl.agree++
		return
	}
	reason, ok := tl.reasons[key]
	if !ok {
		reason = "no reason recorded: investigate"
	}
	tl.disagreements = append(tl.disagreements, fmt.Sprintf("%s: %s\n      reason: %s", key, fmt.Sprintf(format, args...), reason))
}

func (tl *tally) rate() float64 {
	if tl.total == 0 {
		return 0
	}
	return float64(tl.agree) / float64(tl.total)
}

// report logs the agreement and every disagreement with its reason, and
// fails the test when the agreement is below floor.
func (tl *tally) report(t *testing.T, floor float64) {
	t.Helper()
	t.Logf("%s: %d of %d cases agree (%.0f%%)", tl.name, tl.agree, tl.total, 100*tl.rate())
	for _, d := range tl.disagreements {
		t.Logf("  disagree: %s", d)
	}
	if tl.total == 0 {
		t.Fatalf("%s: no case was compared", tl.name)
	}
	if tl.rate() < floor {
		t.Errorf("%s: agreement %.1f%% is below the floor of %.0f%%", tl.name, 100*tl.rate(), 100*floor)
	}
}

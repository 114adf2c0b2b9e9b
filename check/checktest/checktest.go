// Package checktest runs checks over fixture files named for their
// outcome: every file under testdata/<check-id>/ whose name starts with
// "fail" must make the check fail at least once, and every file whose name
// starts with "pass" must make it pass without failing.
package checktest

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubethreat/kubethreat/check"
	"github.com/kubethreat/kubethreat/source"
)

// Load decodes a fixture file into an inventory.
func Load(t testing.TB, file string) *check.Inventory {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	objs, _, err := source.DecodeYAML(file, data)
	if err != nil {
		t.Fatalf("fixture %s: %v", file, err)
	}
	return check.NewInventory(objs)
}

// RunCheck runs one registered check over an inventory.
func RunCheck(t testing.TB, id string, inv *check.Inventory, cfg check.Config) *check.Result {
	t.Helper()
	c, ok := check.Lookup(id)
	if !ok {
		t.Fatalf("check %q is not registered", id)
	}
	res, err := check.Run(context.Background(), inv, check.Options{Checks: []*check.Check{c}, Config: cfg})
	if err != nil {
		t.Fatalf("check %s: %v", id, err)
	}
	return res
}

// Fixtures runs every fixture under dir/<check-id>/ for each registered
// check whose ID starts with prefix, and fails the test for a check with no
// passing or no failing fixture.
func Fixtures(t *testing.T, dir, prefix string, cfg check.Config) {
	t.Helper()
	for _, c := range check.All() {
		if !strings.HasPrefix(c.ID, prefix) {
			continue
		}
		t.Run(c.ID, func(t *testing.T) {
			files, _ := filepath.Glob(filepath.Join(dir, c.ID, "*.yaml"))
			var pass, fail int
			for _, file := range files {
				base := filepath.Base(file)
				res := RunCheck(t, c.ID, Load(t, file), cfg)
				failed := res.Stats[c.ID].Failed
				switch {
				case strings.HasPrefix(base, "fail"):
					fail++
					if failed == 0 {
						t.Errorf("%s: want at least one failure, got none (stats %+v)", base, res.Stats[c.ID])
					}
				case strings.HasPrefix(base, "pass"):
					pass++
					if failed != 0 {
						t.Errorf("%s: want no failure, got %d: %s", base, failed, firstMessage(res))
					}
					if res.Stats[c.ID].Passed == 0 {
						t.Errorf("%s: want at least one pass, got none", base)
					}
				}
			}
			if pass == 0 || fail == 0 {
				t.Errorf("check %s needs at least one pass-*.yaml and one fail-*.yaml fixture in %s; has %d and %d", c.ID, filepath.Join(dir, c.ID), pass, fail)
			}
		})
	}
}

func firstMessage(res *check.Result) string {
	for _, f := range res.Findings {
		if f.Status == check.Fail {
			return f.Message
		}
	}
	return ""
}

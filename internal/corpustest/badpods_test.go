package corpustest

import (
	"fmt"
	"io/fs"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/kubethreat/kubethreat/check"
)

// podSecurityFamily are the checks whose outcome each badPods category
// fixes: a file must fail exactly the ones its category implies.
var podSecurityFamily = []string{"pod-privileged", "pod-host-pid", "pod-host-ipc", "pod-host-network", "hostpath-writable"}

// badPodsExpected maps each badPods category, the folder under manifests,
// to the family checks its pods must fail. Every hostPath in badPods mounts
// the node's root folder without readOnly.
var badPodsExpected = map[string][]string{
	"everything-allowed": {"hostpath-writable", "pod-host-ipc", "pod-host-network", "pod-host-pid", "pod-privileged"},
	"priv-and-hostpid":   {"pod-host-pid", "pod-privileged"},
	"priv":               {"pod-privileged"},
	"hostpath":           {"hostpath-writable"},
	"hostpid":            {"pod-host-pid"},
	"hostnetwork":        {"pod-host-network"},
	"hostipc":            {"pod-host-ipc"},
	"nothing-allowed":    nil,
}

// badPodsFileExpected overrides the category for files whose content goes
// beyond their folder's name.
var badPodsFileExpected = map[string][]string{
	// The upstream file sets hostNetwork, hostPID and hostIPC, like the
	// everything-allowed DaemonSet, though it sits under hostipc.
	"hostipc/deamonset/hostipc-revshell-deamonset.yaml": {"pod-host-ipc", "pod-host-network", "pod-host-pid"},
}

func TestBadPods(t *testing.T) {
	root := corpusPath(t, "badPods", "manifests")
	var files []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(path, ".yaml") {
			files = append(files, path)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 64 {
		t.Fatalf("found %d badPods manifests, want the 64 of 8 categories", len(files))
	}

	type row struct{ files, exact int }
	table := map[string]*row{}
	otherFailures := map[string]map[string]int{} // category to check to files
	for _, file := range files {
		rel, _ := filepath.Rel(root, file)
		category := strings.Split(rel, string(filepath.Separator))[0]
		want, ok := badPodsExpected[category]
		if !ok {
			t.Errorf("%s: unknown badPods category %q", rel, category)
			continue
		}
		if override, ok := badPodsFileExpected[filepath.ToSlash(rel)]; ok {
			want = override
		}
		res := scan(t, "", file)
		if res.doc == nil || res.code == 2 {
			t.Errorf("%s: scan exited %d: %s", rel, res.code, res.stderr)
			continue
		}

		var got []string
		for _, id := range res.failing() {
			if contains(podSecurityFamily, id) {
				got = append(got, id)
			} else {
				if otherFailures[category] == nil {
					otherFailures[category] = map[string]int{}
				}
				otherFailures[category][id]++
			}
		}
		r := table[category]
		if r == nil {
			r = &row{}
			table[category] = r
		}
		r.files++
		if strings.Join(got, ",") == strings.Join(want, ",") {
			r.exact++
		} else {
			t.Errorf("%s: family checks failed %v, want exactly %v", rel, got, want)
		}
		if category == "nothing-allowed" {
			checkNothingAllowed(t, rel, res)
		}
	}

	categories := make([]string, 0, len(table))
	for c := range table {
		categories = append(categories, c)
	}
	sort.Strings(categories)
	t.Logf("%-20s %5s %6s  %s", "category", "files", "exact", "other failing checks (files)")
	for _, c := range categories {
		var others []string
		for id, n := range otherFailures[c] {
			others = append(others, fmt.Sprintf("%s(%d)", id, n))
		}
		sort.Strings(others)
		t.Logf("%-20s %5d %6d  %s", c, table[c].files, table[c].exact, strings.Join(others, " "))
	}
}

// checkNothingAllowed fails the test when the negative control breaks a
// Pod Security baseline check or a hostPath check. Restricted-level checks
// (running as root, privilege escalation, seccomp, capabilities) and the
// service account token checks may fail: the pods set no securityContext.
func checkNothingAllowed(t *testing.T, rel string, res scanResult) {
	t.Helper()
	for _, id := range res.failing() {
		c, ok := check.Lookup(id)
		if !ok {
			continue
		}
		if c.PSS == check.PSSBaseline || strings.HasPrefix(id, "hostpath-") {
			t.Errorf("%s: the negative control fails %s, a Pod Security baseline or hostPath check", rel, id)
		}
	}
}

package pod_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/kubethreat/kubethreat/check"
	_ "github.com/kubethreat/kubethreat/check/hostpath"
	_ "github.com/kubethreat/kubethreat/check/image"
	_ "github.com/kubethreat/kubethreat/check/secrets"
	_ "github.com/kubethreat/kubethreat/check/workload"
	"github.com/kubethreat/kubethreat/source"
)

// corpusDir returns the shared test corpus next to the repository, or
// skips the test when it is absent.
func corpusDir(t *testing.T, parts ...string) string {
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
			t.Skip("go.mod not found above the test folder; cannot locate ../shared/corpus")
		}
		dir = parent
	}
	corpus := filepath.Join(append([]string{dir, "..", "shared", "corpus"}, parts...)...)
	if _, err := os.Stat(corpus); err != nil {
		t.Skipf("test corpus %s is absent: %v", corpus, err)
	}
	return corpus
}

// areaChecks returns the checks of the pod, hostpath, secrets, image and
// workload packages.
func areaChecks() []*check.Check {
	var out []*check.Check
	for _, c := range check.All() {
		for _, prefix := range []string{"pod-", "hostpath-", "secrets-", "image-", "workload-"} {
			if strings.HasPrefix(c.ID, prefix) {
				out = append(out, c)
			}
		}
	}
	return out
}

// signatureChecks are the checks that tell the badPods categories apart.
var signatureChecks = []string{"hostpath-writable", "pod-host-ipc", "pod-host-network", "pod-host-pid", "pod-privileged"}

func TestBadPodsCorpus(t *testing.T) {
	root := corpusDir(t, "badPods", "manifests")
	want := map[string][]string{
		"everything-allowed": {"hostpath-writable", "pod-host-ipc", "pod-host-network", "pod-host-pid", "pod-privileged"},
		"priv-and-hostpid":   {"pod-host-pid", "pod-privileged"},
		"priv":               {"pod-privileged"},
		"hostpath":           {"hostpath-writable"},
		"hostpid":            {"pod-host-pid"},
		"hostnetwork":        {"pod-host-network"},
		"hostipc":            {"pod-host-ipc"},
		"nothing-allowed":    nil,
	}
	// Files that set more than their category names. The hostIPC DaemonSet
	// also sets hostNetwork and hostPID in the upstream corpus.
	extra := map[string][]string{
		filepath.Join("hostipc", "deamonset", "hostipc-revshell-deamonset.yaml"): {"pod-host-network", "pod-host-pid"},
	}
	checks := areaChecks()
	files := 0
	for category, signature := range want {
		paths, _ := filepath.Glob(filepath.Join(root, category, "*", "*.yaml"))
		if len(paths) == 0 {
			t.Errorf("%s: no manifests found", category)
		}
		for _, path := range paths {
			files++
			rel, _ := filepath.Rel(root, path)
			failed := scanCorpusFile(t, path, checks)

			var gotSignature []string
			for _, id := range signatureChecks {
				if _, ok := failed[id]; ok {
					gotSignature = append(gotSignature, id)
				}
			}
			wantSignature := append(slices.Clone(signature), extra[rel]...)
			sort.Strings(wantSignature)
			if !slices.Equal(gotSignature, wantSignature) {
				t.Errorf("%s: signature checks failed %v, want %v", rel, gotSignature, wantSignature)
			}
			if slices.Contains(signature, "hostpath-writable") && !slices.Contains(failed["hostpath-writable"], "/") {
				t.Errorf("%s: hostpath-writable evidence %q, want the host path /", rel, failed["hostpath-writable"])
			}
			if category == "nothing-allowed" {
				checkNothingAllowed(t, rel, failed)
			}
		}
	}
	if files < 30 {
		t.Errorf("scanned %d badPods manifests, want at least 30", files)
	}
}

// checkNothingAllowed asserts that the negative control breaks no Baseline
// control, and that running as root and the default token mount apply.
func checkNothingAllowed(t *testing.T, rel string, failed map[string][]string) {
	t.Helper()
	var baseline []string
	for id := range failed {
		if c, _ := check.Lookup(id); c.PSS == check.PSSBaseline {
			baseline = append(baseline, id)
		}
	}
	sort.Strings(baseline)
	if len(baseline) > 0 {
		t.Errorf("%s: Baseline checks failed %v, want none", rel, baseline)
	}
	for _, id := range []string{"pod-run-as-root", "secrets-sa-token-automount"} {
		if _, ok := failed[id]; !ok {
			t.Errorf("%s: %s did not fail, want it to apply", rel, id)
		}
	}
}

// scanCorpusFile runs the checks over one file and returns the evidence of
// the failures, by check ID.
func scanCorpusFile(t *testing.T, path string, checks []*check.Check) map[string][]string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	objects, _, err := source.DecodeYAML(path, data)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	res, err := check.Run(context.Background(), check.NewInventory(objects), check.Options{Checks: checks})
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	failed := map[string][]string{}
	for _, f := range res.Findings {
		if f.Status == check.Fail {
			failed[f.Check] = append(failed[f.Check], f.Evidence)
		}
	}
	return failed
}

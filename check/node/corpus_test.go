package node

import (
	"bufio"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/kubethreat/kubethreat/check"
	"github.com/kubethreat/kubethreat/check/checktest"
	"github.com/kubethreat/kubethreat/source"
)

// regolibraryRules maps a kubescape regolibrary rule to the node check that
// covers the same condition.
var regolibraryRules = map[string]string{
	"anonymous-requests-to-kubelet-updated":                                            "node-kubelet-anonymous-auth",
	"kubelet-authorization-mode-alwaysAllow":                                           "node-kubelet-always-allow",
	"read-only-port-enabled-updated":                                                   "node-kubelet-read-only-port",
	"ensure-that-the-api-server-anonymous-auth-argument-is-set-to-false":               "node-apiserver-anonymous-auth",
	"ensure-that-the-api-server-authorization-mode-argument-includes-Node":             "node-apiserver-authorization-mode",
	"ensure-that-the-api-server-authorization-mode-argument-includes-RBAC":             "node-apiserver-authorization-mode",
	"ensure-that-the-api-server-authorization-mode-argument-is-not-set-to-AlwaysAllow": "node-apiserver-authorization-mode",
	"ensure-that-the-admission-control-plugin-NodeRestriction-is-set":                  "node-apiserver-node-restriction",
	"ensure-that-the-api-server-audit-log-path-argument-is-set":                        "node-apiserver-audit-log",
	"k8s-audit-logs-enabled-native":                                                    "node-apiserver-audit-log",
	"k8s-audit-logs-enabled-native-cis":                                                "node-apiserver-audit-log",
	"insecure-port-flag":                                                               "node-apiserver-insecure-port",
	"etcd-client-auth-cert":                                                            "node-etcd-exposure",
	"etcd-tls-enabled":                                                                 "node-etcd-exposure",
}

// knownDisagreements explains each regolibrary case where our check decides
// otherwise, keyed by "rule/case".
var knownDisagreements = map[string]string{
	// The kubelet's command line overrides its configuration file, and no
	// kubethreat input carries it: these cases are decided by flags alone.
	"anonymous-requests-to-kubelet-updated/invalid-cli-argument":    "--anonymous-auth=true is on the kubelet command line, not in the file",
	"kubelet-authorization-mode-alwaysAllow/invalid-cli-argument":   "--authorization-mode=AlwaysAllow is on the kubelet command line, not in the file",
	"read-only-port-enabled-updated/cli-fail":                       "--read-only-port=1 is on the kubelet command line, not in the file",
	"kubelet-authorization-mode-alwaysAllow/fail-no-cli-and-config": "no configuration file: regolibrary applies the flag default AlwaysAllow, we have no object to evaluate",
	"kubelet-authorization-mode-alwaysAllow/fail-sensor-failed":     "no configuration file: regolibrary applies the flag default AlwaysAllow, we have no object to evaluate",

	// An audit log path without a policy file records nothing, and so does
	// a policy without a log or webhook backend; regolibrary checks one
	// flag at a time.
	"ensure-that-the-api-server-audit-log-path-argument-is-set/passed":    "--audit-log-path without --audit-policy-file records no events",
	"ensure-that-the-api-server-audit-log-path-argument-is-set/rke2-args": "--audit-log-path without --audit-policy-file records no events",
	"k8s-audit-logs-enabled-native/rke2-args":                             "--audit-policy-file without --audit-log-path or a webhook records no events",
	"k8s-audit-logs-enabled-native-cis/rke2-args":                         "--audit-policy-file without --audit-log-path or a webhook records no events",

	// The same etcd arguments fail regolibrary's etcd-tls-enabled rule.
	"etcd-client-auth-cert/rke2-args": "etcd has no --cert-file, which regolibrary's own etcd-tls-enabled rule also reports",
}

// regoCase is one regolibrary test case with the number of alerts it
// expects.
type regoCase struct {
	Rule, Name string
	Alerts     int
}

// readRegoCases reads the expected alert counts of the regolibrary test
// cases from the corpus's expected table.
func readRegoCases(t *testing.T, corpus string) []regoCase {
	t.Helper()
	f, err := os.Open(filepath.Join(corpus, "expected", "regolibrary-tests.tsv"))
	if err != nil {
		t.Skipf("regolibrary expectations not available: %v", err)
	}
	defer f.Close()

	var out []regoCase
	sc := bufio.NewScanner(f)
	for first := true; sc.Scan(); first = false {
		cols := strings.Split(sc.Text(), "\t")
		if first || len(cols) < 7 {
			continue
		}
		n, err := strconv.Atoi(cols[6])
		if err != nil {
			t.Fatalf("expected alert count %q of %s/%s: %v", cols[6], cols[0], cols[4], err)
		}
		out = append(out, regoCase{Rule: cols[0], Name: cols[4], Alerts: n})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// loadRegoInputs decodes the input files of a test case. A kubescape
// KubeletInfo object, which wraps the kubelet's command line and its
// base64-encoded configuration file, is replaced by that configuration
// file; the command line is dropped because no kubethreat input carries it.
func loadRegoInputs(t *testing.T, dir string) (*check.Inventory, error) {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "input", "*"))
	sort.Strings(files)
	var objs []*source.Object
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			return nil, err
		}
		decoded, _, err := source.DecodeYAML(file, data)
		if err != nil {
			return nil, err
		}
		for _, o := range decoded {
			if o.Kind != "KubeletInfo" {
				objs = append(objs, o)
				continue
			}
			config, err := kubeletConfigOf(file, data)
			if err != nil {
				return nil, err
			}
			objs = append(objs, config...)
		}
	}
	return check.NewInventory(objs), nil
}

func kubeletConfigOf(file string, data []byte) ([]*source.Object, error) {
	var info struct {
		Data struct {
			ConfigFile *struct {
				Content string `json:"content"`
			} `json:"configFile"`
		} `json:"data"`
	}
	if err := json.Unmarshal(data, &info); err != nil {
		return nil, err
	}
	if info.Data.ConfigFile == nil {
		return nil, nil
	}
	text, err := base64.StdEncoding.DecodeString(info.Data.ConfigFile.Content)
	if err != nil {
		return nil, err
	}
	// The sensor's copies of the file lack kind, which a real kubelet
	// configuration file carries.
	if !strings.Contains(string(text), "\nkind:") && !strings.HasPrefix(string(text), "kind:") {
		text = append([]byte("kind: KubeletConfiguration\n"), text...)
	}
	objs, _, err := source.DecodeYAML(file+"#configFile", text)
	return objs, err
}

// TestRegolibraryAgreement runs each node check on the regolibrary test
// cases of the rules it covers: a case that expects no alert must not fail
// the check, and a case that expects alerts must fail it.
func TestRegolibraryAgreement(t *testing.T) {
	corpus := corpusDir(t)
	cases := readRegoCases(t, corpus)
	agree, total := 0, 0
	for _, c := range cases {
		id, ok := regolibraryRules[c.Rule]
		if !ok {
			continue
		}
		total++
		key := c.Rule + "/" + c.Name
		dir := filepath.Join(corpus, "regolibrary", "rules", c.Rule, "test", c.Name)
		inv, err := loadRegoInputs(t, dir)
		if err != nil {
			t.Logf("disagree %s: input does not decode: %v", key, err)
			if _, known := knownDisagreements[key]; !known {
				t.Errorf("%s: unexplained disagreement: input does not decode: %v", key, err)
			}
			continue
		}
		res := checktest.RunCheck(t, id, inv, check.Config{})
		failed := res.Stats[id].Failed > 0
		if failed == (c.Alerts > 0) {
			agree++
			if reason, known := knownDisagreements[key]; known {
				t.Errorf("%s: listed as a disagreement (%s) but %s now agrees", key, reason, id)
			}
			continue
		}
		reason, known := knownDisagreements[key]
		t.Logf("disagree %s: regolibrary expects %d alerts, %s failed=%v: %s", key, c.Alerts, id, failed, reason)
		if !known {
			t.Errorf("%s: unexplained disagreement: regolibrary expects %d alerts, %s failed=%v (stats %+v)", key, c.Alerts, id, failed, res.Stats[id])
		}
	}
	if total == 0 {
		t.Skip("no regolibrary cases for the node checks in the corpus")
	}
	rate := float64(agree) / float64(total)
	t.Logf("node checks agree with regolibrary on %d of %d cases (%.0f%%)", agree, total, 100*rate)
	if rate < minAgreement {
		t.Errorf("agreement %.2f is below the minimum %.2f", rate, minAgreement)
	}
}

// minAgreement is the share of regolibrary cases the node checks must agree
// with: 36 of 46 on the corpus at regolibrary commit ce7ef32a.
const minAgreement = 0.78

// corpusDir returns the shared public corpus next to the repository, or
// skips the test when it is absent.
func corpusDir(t *testing.T) string {
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
			t.Skip("go.mod not found above the package folder")
		}
		dir = parent
	}
	p := filepath.Join(dir, "..", "shared", "corpus")
	if _, err := os.Stat(filepath.Join(p, "regolibrary")); err != nil {
		t.Skipf("public corpus not available at %s: %v", p, err)
	}
	return p
}

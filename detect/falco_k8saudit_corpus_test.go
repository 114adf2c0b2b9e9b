package detect

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// The corpus holds real Kubernetes audit events and, in
// expected/falco-k8s-audit-tests.tsv, the Falco audit rule that each event
// triggers in Falco's own test suite. Those pairs let us check the built-in
// mapping against the world instead of against itself:
//
//  1. every rule name the corpus expects and our table lists must exist in
//     the corpus's rule files, so the table's names are Falco's names;
//  2. for every event whose expected rule has techniques in our table, the
//     event itself must show at least one of those techniques. What an
//     event shows is read from the event alone by auditEventTechniques,
//     which looks at the resource, verb, subresource, user and request
//     body, and never at rule names or at our table. A table entry that
//     maps "Attach/Exec Pod" to a technique the exec event cannot show
//     fails here.
//
// Events whose expected rule maps to no technique (for example "Create
// Disallowed Namespace") and rules outside the table are logged.

func TestCorpusAuditEventsMatchBuiltinMapping(t *testing.T) {
	corpus := corpusDir(t)
	cases := readAuditTests(t, filepath.Join(corpus, "expected", "falco-k8s-audit-tests.tsv"))
	ruleNames := corpusAuditRuleNames(t, corpus)

	checked := 0
	for _, c := range cases {
		if c.rule == "" {
			continue
		}
		entry, ok := k8sAuditByName[strings.ToLower(c.rule)]
		if !ok {
			t.Logf("%s: expected rule %q is not in the built-in table", c.name, c.rule)
			continue
		}
		if !ruleNames[c.rule] {
			t.Errorf("%s: built-in table lists %q, but no corpus rule file defines it", c.name, c.rule)
		}
		if len(entry.Techniques) == 0 {
			t.Logf("%s: %q maps to no technique: %s", c.name, c.rule, entry.Why)
			continue
		}
		events := readAuditEvents(t, filepath.Join(corpus, "falco", "test", "trace_files", "k8s_audit", c.trace))
		shown := map[string]bool{}
		for _, ev := range events {
			for _, id := range auditEventTechniques(ev) {
				shown[id] = true
			}
		}
		if !slices.ContainsFunc(entry.Techniques, func(id string) bool { return shown[id] }) {
			t.Errorf("%s: %q maps to %v, but the event in %s shows only %v", c.name, c.rule, entry.Techniques, c.trace, keys(shown))
		}
		checked++
	}
	if checked < 20 {
		t.Errorf("checked %d events against the table; the corpus has more than 20 with mapped rules", checked)
	}
	t.Logf("checked %d audit events against the built-in mapping", checked)
}

type auditTest struct {
	name, trace, rule string
}

func readAuditTests(t *testing.T, path string) []auditTest {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []auditTest
	sc := bufio.NewScanner(f)
	header := true
	for sc.Scan() {
		if header {
			header = false
			continue
		}
		cols := strings.Split(sc.Text(), "\t")
		if len(cols) < 5 || cols[2] != "True" {
			continue
		}
		rule, _, _ := strings.Cut(cols[4], "=")
		out = append(out, auditTest{name: cols[0], trace: cols[1], rule: rule})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// corpusAuditRuleNames returns the names of the rules in the corpus's
// Falco audit rule files.
func corpusAuditRuleNames(t *testing.T, corpus string) map[string]bool {
	t.Helper()
	set, diags := importFiles(t,
		filepath.Join(corpus, "falcosecurity-plugins", "plugins", "k8saudit", "rules"),
		filepath.Join(corpus, "falco", "test", "rules", "k8s_audit"))
	if errs := errorsOf(diags); len(errs) > 0 {
		t.Fatalf("import errors: %v", errs)
	}
	names := map[string]bool{}
	for _, r := range set.Rules {
		names[r.Name] = true
	}
	return names
}

// auditEvent holds the parts of a Kubernetes audit event that show a
// technique.
type auditEvent struct {
	Verb      string `json:"verb"`
	ObjectRef struct {
		Resource    string `json:"resource"`
		Subresource string `json:"subresource"`
		Namespace   string `json:"namespace"`
	} `json:"objectRef"`
	User struct {
		Username string `json:"username"`
	} `json:"user"`
	RequestObject json.RawMessage `json:"requestObject"`
}

func readAuditEvents(t *testing.T, path string) []auditEvent {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []auditEvent
	for _, line := range strings.Split(string(data), "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		var ev auditEvent
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		out = append(out, ev)
	}
	return out
}

// auditEventTechniques returns the techniques an audit event shows, from
// its content alone.
func auditEventTechniques(ev auditEvent) []string {
	var out []string
	add := func(ids ...string) { out = append(out, ids...) }
	body := string(ev.RequestObject)
	res, verb := ev.ObjectRef.Resource, ev.Verb

	switch {
	case res == "pods" && (ev.ObjectRef.Subresource == "exec" || ev.ObjectRef.Subresource == "attach"):
		add("MS-TA9006")
	case res == "pods" && ev.ObjectRef.Subresource == "ephemeralcontainers":
		add("MS-TA9011")
	case res == "pods" && verb == "create":
		add("MS-TA9008", "MS-TA9002")
		if strings.Contains(body, `"privileged":true`) {
			add("MS-TA9018")
		}
		if strings.Contains(body, `"hostNetwork":true`) {
			add("MS-TA9018", "MS-TA9033", "MS-TA9036")
		}
		if strings.Contains(body, `"hostPath"`) {
			add("MS-TA9013")
		}
		if ev.ObjectRef.Namespace == "kube-system" || ev.ObjectRef.Namespace == "kube-public" {
			add("MS-TA9023")
		}
	case res == "services" && verb == "create" && strings.Contains(body, `"NodePort"`):
		add("MS-TA9005")
	case res == "configmaps" && (verb == "create" || verb == "update" || verb == "patch"):
		for _, word := range []string{"password", "passphrase", "aws_access_key_id", "aws-access-key-id"} {
			if strings.Contains(body, word) {
				add("MS-TA9027")
			}
		}
	case res == "secrets" && (verb == "get" || verb == "list"):
		add("MS-TA9025")
	case res == "serviceaccounts" && verb == "create":
		add("MS-TA9016")
	case (res == "clusterrolebindings" || res == "rolebindings") && verb == "create":
		add("MS-TA9019")
	case (res == "clusterroles" || res == "roles") && verb == "create":
		if strings.Contains(body, `"*"`) {
			add("MS-TA9019")
		}
		if strings.Contains(body, "pods/exec") {
			add("MS-TA9006")
		}
	case (res == "deployments" || res == "daemonsets" || res == "statefulsets") && verb == "create":
		add("MS-TA9008")
	case res == "events" && verb == "delete":
		add("MS-TA9022")
	case verb == "delete" || verb == "deletecollection":
		add("MS-TA9038")
	}
	if ev.User.Username == "system:anonymous" {
		add("MS-TA9029")
	}
	return out
}

func keys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// TestBuiltinConditionsAgreeWithNames checks, for every corpus audit rule
// in the table, that matching its expanded condition gives no technique
// outside the table's entry for its name. The condition matcher maps
// renamed and local rules, so it must not contradict the table for the
// rules listed there.
func TestBuiltinConditionsAgreeWithNames(t *testing.T) {
	corpus := corpusDir(t)
	for _, dir := range []string{
		filepath.Join(corpus, "falcosecurity-plugins", "plugins", "k8saudit", "rules"),
		filepath.Join(corpus, "falco", "test", "rules", "k8s_audit", "engine_v4_k8s_audit_rules.yaml"),
	} {
		st := &importState{mapper: newMapper(testMatrix(t)), set: &Set{}, order: map[string]int{}}
		st.falco = newFalcoLoader(st)
		files, _ := listFiles([]string{dir})
		for _, f := range files {
			st.importFile(f)
		}
		for _, fr := range st.falco.rules {
			entry, ok := k8sAuditByName[strings.ToLower(fr.name)]
			if !ok {
				continue
			}
			for _, m := range conditionTechniques(st.falco.expand(fr.condition)) {
				if !slices.Contains(entry.Techniques, m.Technique) {
					t.Errorf("%s:%d: rule %q: its condition (%s) gives %s, which the table's entry %v lacks",
						fr.file, fr.line, fr.name, m.Via, m.Technique, entry.Techniques)
				}
			}
		}
	}
}

package detect

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// mappingOf returns "how via" for the rule's mapping to a technique, or "".
func mappingOf(r *Rule, technique string) string {
	for _, m := range r.Mappings {
		if m.Technique == technique {
			return string(m.How)
		}
	}
	return ""
}

func findRule(t *testing.T, set *Set, name string) *Rule {
	t.Helper()
	for i := range set.Rules {
		if set.Rules[i].Name == name {
			return &set.Rules[i]
		}
	}
	t.Fatalf("rule %q not imported; have %d rules", name, len(set.Rules))
	return nil
}

type wantRule struct {
	name     string
	enabled  bool
	mappings map[string]How // technique to how; nil means unmapped
	reason   string         // substring of the reason, when set
}

func checkRules(t *testing.T, set *Set, want []wantRule) {
	t.Helper()
	for _, w := range want {
		r := findRule(t, set, w.name)
		if r.Enabled != w.enabled {
			t.Errorf("%q: enabled = %v, want %v", w.name, r.Enabled, w.enabled)
		}
		got := map[string]How{}
		for _, m := range r.Mappings {
			got[m.Technique] = m.How
		}
		if len(got) != len(w.mappings) {
			t.Errorf("%q: mappings %v, want %v", w.name, got, w.mappings)
		}
		for tech, how := range w.mappings {
			if got[tech] != how {
				t.Errorf("%q: %s mapped %q, want %q (all: %v)", w.name, tech, got[tech], how, got)
			}
		}
		if w.reason != "" && !strings.Contains(r.Reason, w.reason) {
			t.Errorf("%q: reason %q, want it to contain %q", w.name, r.Reason, w.reason)
		}
		if len(w.mappings) == 0 && r.Reason == "" {
			t.Errorf("%q: unmapped without a reason", w.name)
		}
	}
}

func TestImportFalcoOverridesAcrossFiles(t *testing.T) {
	set, diags := importFiles(t, filepath.Join("testdata", "falco-override"))
	if errs := errorsOf(diags); len(errs) > 0 {
		t.Fatalf("errors: %v", errs)
	}
	checkRules(t, set, []wantRule{
		{name: "Shell in container", enabled: false, mappings: map[string]How{"MS-TA9007": AttackUnique}, reason: "disabled"},
		{name: "Write below etc", enabled: true, mappings: map[string]How{"MS-TA9012": AttackUnique}},
		{name: "Launch privileged container", enabled: true, mappings: map[string]How{"MS-TA9013": AttackUnique}},
		{name: "Exec with matrix tag", enabled: true, mappings: map[string]How{"MS-TA9007": Explicit}},
		{name: "Read kubeconfig", enabled: false, mappings: map[string]How{"MS-TA9026": AttackUnique}},
		{name: "Old dashboard tag", enabled: true, mappings: map[string]How{"MS-TA9005": Explicit}},
		{name: "K8s Secret Get Successfully", enabled: true, mappings: map[string]How{"MS-TA9025": Builtin}},
		{name: "Our renamed exec rule", enabled: true, mappings: map[string]How{"MS-TA9006": Builtin}},
		{name: "Our renamed events rule", enabled: true, mappings: map[string]How{"MS-TA9022": Builtin}},
		{name: "Create Disallowed Namespace", enabled: true, reason: "configuration drift"},
	})

	write := findRule(t, set, "Write below etc")
	if !slices.Contains(write.Tags, "mitre_persistence") || !slices.Contains(write.Tags, "T1543") {
		t.Errorf("appended tags = %v, want the base tags plus T1543", write.Tags)
	}
	priv := findRule(t, set, "Launch privileged container")
	if slices.Contains(priv.Tags, "T1610") {
		t.Errorf("replaced tags = %v, still hold T1610", priv.Tags)
	}
	if priv.Line != 23 || !strings.HasSuffix(priv.Source, "10-base.yaml") {
		t.Errorf("overridden rule located at %s, want where it was defined (10-base.yaml:23)", priv.Location())
	}

	var warned bool
	for _, d := range diags {
		if d.Severity == SeverityWarning && strings.Contains(d.Message, "Rule that was never defined") {
			warned = true
			if d.Line != 17 {
				t.Errorf("warning at line %d, want 17", d.Line)
			}
		}
	}
	if !warned {
		t.Errorf("no warning for appending to an undefined rule; diagnostics: %v", diags)
	}
}

func TestImportFalcoFileOrderMatters(t *testing.T) {
	dir := filepath.Join("testdata", "falco-override")
	// The override file first: its rule toggle and overrides find nothing.
	set, diags := importFiles(t, filepath.Join(dir, "20-local.yaml"), filepath.Join(dir, "10-base.yaml"))
	if r := findRule(t, set, "Shell in container"); !r.Enabled {
		t.Errorf("rule disabled by a file loaded before it; Falco applies files in order")
	}
	warnings := 0
	for _, d := range diags {
		if d.Severity == SeverityWarning {
			warnings++
		}
	}
	if warnings != 4 {
		t.Errorf("got %d warnings, want 4 (one per item that names an undefined rule): %v", warnings, diags)
	}
}

func TestImportSigma(t *testing.T) {
	set, diags := importFiles(t, filepath.Join("testdata", "sigma"))
	if errs := errorsOf(diags); len(errs) > 0 {
		t.Fatalf("errors: %v", errs)
	}
	checkRules(t, set, []wantRule{
		{name: "An old rule", enabled: false, reason: "deprecated",
			mappings: map[string]How{"MS-TA9008": AttackShared, "MS-TA9011": AttackShared, "MS-TA9018": AttackShared}},
		{name: "Links in every spelling", enabled: true, mappings: map[string]How{
			"MS-TA9023": Explicit, // misspelled upstream page name
			"MS-TA9016": Explicit, // lower-case, unescaped spaces, no slash
			"MS-TA9025": Explicit, // index.html, http
			"MS-TA9005": Explicit, // retired technique's page, by its former name
			"MS-TA9017": Explicit, // a kubethreat server's page
		}},
	})
	multi := 0
	for _, r := range set.Rules {
		if r.Name == "Pod exec in two log sources" {
			multi++
			if mappingOf(&r, "MS-TA9006") != string(Explicit) {
				t.Errorf("multi-document rule at line %d: MS-TA9006 mapped %q, want explicit from the global references", r.Line, mappingOf(&r, "MS-TA9006"))
			}
			if !slices.Contains(r.AttackIDs, "T1609") || !slices.Contains(r.Tactics, "execution") {
				t.Errorf("multi-document rule lost the global tags: %v %v", r.AttackIDs, r.Tactics)
			}
		}
	}
	if multi != 2 {
		t.Errorf("multi-document file gave %d rules, want 2 (the global document is not a rule)", multi)
	}
	links := findRule(t, set, "Links in every spelling")
	if !slices.Equal(links.Tactics, []string{"defense-evasion"}) {
		t.Errorf("tactics = %v, want [defense-evasion] from attack.stealth and attack.defense_evasion", links.Tactics)
	}
	if slices.ContainsFunc(links.Links, func(l string) bool { return strings.Contains(l, "example.com") }) {
		t.Errorf("a link to another site counted as a matrix page: %v", links.Links)
	}
}

func TestImportElastic(t *testing.T) {
	set, diags := importFiles(t, filepath.Join("testdata", "elastic"))
	if errs := errorsOf(diags); len(errs) > 0 {
		t.Fatalf("errors: %v", errs)
	}
	checkRules(t, set, []wantRule{
		{name: "Pod created with a sensitive hostPath", enabled: true,
			mappings: map[string]How{"MS-TA9013": Explicit, "MS-TA9025": AttackUnique}},
		{name: "Deprecated rule", enabled: false, reason: "disabled",
			mappings: map[string]How{"MS-TA9001": AttackShared, "MS-TA9020": AttackShared}},
	})
	r := findRule(t, set, "Pod created with a sensitive hostPath")
	if r.Line != 5 {
		t.Errorf("line = %d, want 5 (the [rule] table)", r.Line)
	}
	if len(set.Skipped) != 1 || !strings.HasSuffix(set.Skipped[0].File, "pyproject.toml") {
		t.Errorf("skipped = %v, want pyproject.toml", set.Skipped)
	}
}

func TestImportSplunk(t *testing.T) {
	set, diags := importFiles(t, filepath.Join("testdata", "splunk"))
	if len(diags) > 0 {
		t.Fatalf("diagnostics: %v", diags)
	}
	checkRules(t, set, []wantRule{
		{name: "Kubernetes Pod Exec By Unusual User", enabled: true,
			mappings: map[string]How{"MS-TA9006": AttackUnique, "MS-TA9027": AttackUnique}},
		{name: "Kubernetes Old Detection", enabled: false, reason: "deprecated",
			mappings: map[string]How{"MS-TA9008": AttackShared, "MS-TA9011": AttackShared, "MS-TA9018": AttackShared}},
	})
	r := findRule(t, set, "Kubernetes Pod Exec By Unusual User")
	for _, m := range r.Mappings {
		if m.Technique == "MS-TA9027" && !strings.Contains(m.Note, "parent T1552") {
			t.Errorf("T1552.004 mapped without saying it went through its parent: %+v", m)
		}
	}
}

func TestImportMappingFiles(t *testing.T) {
	set, diags := importFiles(t, filepath.Join("testdata", "mapping"))
	if errs := errorsOf(diags); len(errs) > 0 {
		t.Fatalf("errors: %v", errs)
	}
	checkRules(t, set, []wantRule{
		{name: "SIEM kubeconfig read on nodes", enabled: true, mappings: map[string]How{"MS-TA9003": Explicit}},
		{name: "SIEM SSH daemon in a pod", enabled: true, mappings: map[string]How{"MS-TA9010": Explicit}},
		{name: "EDR image drift", enabled: false,
			mappings: map[string]How{"MS-TA9008": AttackShared, "MS-TA9011": AttackShared, "MS-TA9018": AttackShared}},
		{name: "Cloud audit metadata access", enabled: true, mappings: map[string]How{"MS-TA9033": Explicit}},
		{name: "Static pod manifest written", enabled: true, mappings: map[string]How{"MS-TA9017": Explicit}},
		{name: "Copy from pod", enabled: true, mappings: map[string]How{"MS-TA9041": Explicit, "MS-TA9006": AttackUnique}},
		{name: "Crypto miner process", enabled: true, mappings: map[string]How{"MS-TA9039": AttackUnique}},
	})
	var warned bool
	for _, d := range diags {
		if strings.Contains(d.Message, "T1021.004") {
			warned = true
		}
	}
	if !warned {
		t.Errorf("no warning for an ATT&CK ID outside the cross-walk: %v", diags)
	}
	csvRule := findRule(t, set, "Copy from pod")
	if csvRule.Line != 3 {
		t.Errorf("CSV rule line = %d, want 3", csvRule.Line)
	}
}

func TestImportBadFilesReportAndContinue(t *testing.T) {
	set, diags := importFiles(t, filepath.Join("testdata", "bad"), filepath.Join("testdata", "splunk"), filepath.Join("testdata", "no-such-folder"))
	want := []struct {
		file, message string
		line          int
	}{
		{"broken.yaml", "invalid YAML", 1},
		{"mapping-errors.yaml", `unknown technique "MS-TA9106"; did you mean MS-TA9006`, 4},
		{"mapping-errors.yaml", `unknown key "technique"`, 6},
		{"mapping-errors.yaml", "mapping rule has no name", 7},
		{"unclosed.toml", "invalid TOML", 2},
		{"no-such-folder", "cannot read rules", 0},
	}
	for _, w := range want {
		found := false
		for _, d := range diags {
			if strings.HasSuffix(d.File, w.file) && strings.Contains(d.Message, w.message) && d.Severity == SeverityError {
				found = true
				if d.Line != w.line {
					t.Errorf("%s %q: line %d, want %d", w.file, w.message, d.Line, w.line)
				}
			}
		}
		if !found {
			t.Errorf("no error %q for %s; diagnostics:\n%v", w.message, w.file, diags)
		}
	}
	if len(set.Rules) < 2 {
		t.Errorf("the good files were not imported after the bad ones: %d rules", len(set.Rules))
	}
	skippedManifest := slices.ContainsFunc(set.Skipped, func(s Skipped) bool {
		return strings.HasSuffix(s.File, "manifest.yaml") && strings.Contains(s.Reason, "Kubernetes object")
	})
	skippedEvents := slices.ContainsFunc(set.Skipped, func(s Skipped) bool {
		return strings.HasSuffix(s.File, "events.json") && strings.Contains(s.Reason, "JSON Lines")
	})
	if !skippedEvents {
		t.Errorf("events.json not skipped as JSON Lines: %v", set.Skipped)
	}
	if !skippedManifest {
		t.Errorf("manifest.yaml not skipped as a Kubernetes object: %v", set.Skipped)
	}
}

func TestDefenderProfile(t *testing.T) {
	set, err := Profile("defender")
	if err != nil {
		t.Fatal(err)
	}
	if len(set.Rules) != len(defenderAlerts) || len(set.Rules) < 50 {
		t.Fatalf("%d rules, want one per alert (%d)", len(set.Rules), len(defenderAlerts))
	}
	m := testMatrix(t)
	mapped := 0
	for _, r := range set.Rules {
		for _, mp := range r.Mappings {
			if mp.How != Inferred {
				t.Errorf("%s: mapping %s is %s; every Defender mapping is inferred", r.Name, mp.Technique, mp.How)
			}
			if _, ok := m.Technique(mp.Technique); !ok {
				t.Errorf("%s: guessed technique %s is not in the matrix", r.Name, mp.Technique)
			}
			if !strings.Contains(mp.Note, "confidence") {
				t.Errorf("%s: mapping note %q does not give the confidence", r.Name, mp.Note)
			}
		}
		if r.Mapped() {
			mapped++
		} else if r.Reason == "" {
			t.Errorf("%s: unmapped without a reason", r.Name)
		}
	}
	if mapped == 0 || mapped == len(set.Rules) {
		t.Errorf("%d of %d alerts mapped; the reference guesses a technique for some, not all", mapped, len(set.Rules))
	}
	if _, err := Profile("falco"); err == nil || !strings.Contains(err.Error(), "defender") {
		t.Errorf("unknown profile error = %v, want one naming the known profiles", err)
	}
}

func TestMatrixPageName(t *testing.T) {
	tests := []struct {
		url, want string
		ok        bool
	}{
		{"https://microsoft.github.io/Threat-Matrix-for-Kubernetes/techniques/Privileged%20container/", "Privileged container", true},
		{"https://microsoft.github.io/Threat-Matrix-for-Kubernetes/techniques/Privileged%20container", "Privileged container", true},
		{"https://github.com/microsoft/Threat-Matrix-for-Kubernetes/blob/main/techniques/Static%20Pods/index.md", "Static Pods", true},
		{"http://localhost:8080/techniques/MS-TA9018", "MS-TA9018", true},
		{"https://example.com/techniques/Privileged%20container/", "", false},
		{"https://microsoft.github.io/Threat-Matrix-for-Kubernetes/tactics/InitialAccess/", "", false},
		{"not a url", "", false},
	}
	for _, tt := range tests {
		got, ok := matrixPageName(tt.url)
		if got != tt.want || ok != tt.ok {
			t.Errorf("matrixPageName(%q) = %q, %v; want %q, %v", tt.url, got, ok, tt.want, tt.ok)
		}
	}
}

func TestImportBinaryFiles(t *testing.T) {
	dir := t.TempDir()
	binary := []byte("\x7fELF\x00\x01\x02rule: not really")
	for _, name := range []string{"rules.yaml", "logo.png"} {
		if err := os.WriteFile(filepath.Join(dir, name), binary, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// The folder walk reads only rule extensions, so logo.png is named on
	// its own to reach the reader.
	set, diags := importFiles(t, dir, filepath.Join(dir, "logo.png"))
	var yamlError bool
	for _, d := range diags {
		if strings.HasSuffix(d.File, "rules.yaml") && d.Severity == SeverityError && strings.Contains(d.Message, "binary file") {
			yamlError = true
		}
		if strings.HasSuffix(d.File, "logo.png") {
			t.Errorf("logo.png gave a diagnostic: %v", d)
		}
	}
	if !yamlError {
		t.Errorf("rules.yaml with binary content gave no binary-file error; diagnostics: %v", diags)
	}
	if !slices.ContainsFunc(set.Skipped, func(s Skipped) bool {
		return strings.HasSuffix(s.File, "logo.png") && s.Reason == "binary file"
	}) {
		t.Errorf("logo.png not skipped as a binary file: %v", set.Skipped)
	}
}

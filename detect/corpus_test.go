package detect

import (
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// corpusRuleDirs are the folders of the test corpus that hold detection
// rules, with the format expected in each.
var corpusRuleDirs = []struct {
	dir    string
	format string
}{
	{"falcosecurity-rules/rules", FormatFalco},
	{"falcosecurity-plugins/plugins/k8saudit/rules", FormatFalco},
	{"falco/test/rules/k8s_audit", FormatFalco},
	{"sigma/rules", FormatSigma},
	{"elastic-detection-rules/rules", FormatElastic},
	{"elastic-detection-rules/rules_building_block", FormatElastic},
}

func TestCorpusRulesImport(t *testing.T) {
	corpus := corpusDir(t)
	for _, c := range corpusRuleDirs {
		t.Run(c.dir, func(t *testing.T) {
			set, diags := importFiles(t, filepath.Join(corpus, c.dir))
			for _, d := range errorsOf(diags) {
				t.Errorf("%s", d)
			}
			if len(set.Rules) == 0 {
				t.Fatalf("no rules imported from %s", c.dir)
			}
			for _, r := range set.Rules {
				if r.Format != c.format {
					t.Errorf("%s: rule %q read as %s, want %s", r.Location(), r.Name, r.Format, c.format)
				}
				if r.Name == "" {
					t.Errorf("%s: rule has no name", r.Location())
				}
				if !r.Mapped() && r.Reason == "" {
					t.Errorf("%s: unmapped rule %q has no reason", r.Location(), r.Name)
				}
			}
			for _, s := range set.Skipped {
				t.Logf("skipped %s: %s", s.File, s.Reason)
			}
		})
	}
}

// TestCorpusRootsImportWithoutErrors imports whole corpus folders, with
// their configuration files, test definitions and audit events beside the
// rules: files that hold no rules must be skipped, not reported as errors.
func TestCorpusRootsImportWithoutErrors(t *testing.T) {
	corpus := corpusDir(t)
	for _, dir := range []string{"falco", "falcosecurity-rules", "falcosecurity-plugins", "sigma", "elastic-detection-rules"} {
		set, diags := importFiles(t, filepath.Join(corpus, dir))
		for _, d := range errorsOf(diags) {
			t.Errorf("%s", d)
		}
		if len(set.Rules) == 0 {
			t.Errorf("%s: no rules imported", dir)
		}
		t.Logf("%s: %d rules, %d files skipped", dir, len(set.Rules), len(set.Skipped))
	}
}

// TestCorpusMappingCounts logs, per technique, how many enabled corpus
// rules map to it and how, and checks counts that the corpus fixes.
func TestCorpusMappingCounts(t *testing.T) {
	corpus := corpusDir(t)
	var paths []string
	for _, c := range corpusRuleDirs {
		paths = append(paths, filepath.Join(corpus, c.dir))
	}
	set, diags := importFiles(t, paths...)
	if errs := errorsOf(diags); len(errs) > 0 {
		t.Fatalf("import errors: %v", errs)
	}
	counts := set.Count()
	t.Logf("%d rules, %d enabled, %d mapped; by format %v; by how %v", counts.Rules, counts.Enabled, counts.Mapped, counts.ByFormat, counts.ByHow)
	m := testMatrix(t)
	for _, tech := range m.Techniques {
		byHow := counts.Technique[tech.ID]
		var parts []string
		for _, h := range Hows {
			if byHow[h] > 0 {
				parts = append(parts, string(h)+"="+strconv.Itoa(byHow[h]))
			}
		}
		t.Logf("%s %-45s %s", tech.ID, tech.Name, strings.Join(parts, " "))
	}

	// Techniques without an ATT&CK ID can only be reached explicitly or by
	// the built-in table, never through an ATT&CK tag.
	for _, id := range []string{"MS-TA9003", "MS-TA9010", "MS-TA9017", "MS-TA9041"} {
		for h, n := range counts.Technique[id] {
			if h == AttackUnique || h == AttackShared {
				t.Errorf("%s has %d %s mappings, but it has no ATT&CK ID", id, n, h)
			}
		}
	}
	// The Sigma rules link to the matrix's pages for these techniques,
	// including the misspelled and lower-case upstream page names.
	for _, id := range []string{"MS-TA9006", "MS-TA9011", "MS-TA9013", "MS-TA9016", "MS-TA9018", "MS-TA9022", "MS-TA9023", "MS-TA9025", "MS-TA9038"} {
		if counts.Technique[id][Explicit] == 0 {
			t.Errorf("%s: no explicit mapping from the corpus's links to the matrix site", id)
		}
	}
}

// TestCorpusUnmappedReasons logs the corpus rules that map to nothing.
func TestCorpusUnmappedReasons(t *testing.T) {
	corpus := corpusDir(t)
	set, _ := importFiles(t, filepath.Join(corpus, "falcosecurity-plugins/plugins/k8saudit/rules"),
		filepath.Join(corpus, "sigma/rules"), filepath.Join(corpus, "elastic-detection-rules/rules"))
	reasons := map[string]int{}
	for _, r := range set.Unmapped() {
		reasons[r.Reason]++
	}
	var keys []string
	for k := range reasons {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		t.Logf("%3d unmapped: %s", reasons[k], k)
	}
}

// BenchmarkImportCorpus imports every rule file of the test corpus and
// reports rules per second.
func BenchmarkImportCorpus(b *testing.B) {
	corpus := corpusDir(b)
	var paths []string
	for _, c := range corpusRuleDirs {
		paths = append(paths, filepath.Join(corpus, c.dir))
	}
	im := &Importer{Matrix: testMatrix(b)}
	rules := 0
	b.ResetTimer()
	for b.Loop() {
		set, _ := im.Import(paths)
		rules += len(set.Rules)
	}
	b.ReportMetric(float64(rules)/b.Elapsed().Seconds(), "rules/s")
}

package config

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kubethreat/kubethreat/source"
)

func TestParseValid(t *testing.T) {
	data := `# accepted risks
allowedRegistries:
  - registry.example.com/
  - ghcr.io/acme/
exceptions:
  - check: pod-privileged
    match:
      kind: DaemonSet
      namespace: monitoring
      name: node-exporter*
    reason: reads host metrics
    expires: 2026-12-31
  - check: image-latest-tag
    reason: every object in the sandbox
`
	f, err := Parse("k.yaml", []byte(data))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(f.AllowedRegistries, " "), "registry.example.com/ ghcr.io/acme/"; got != want {
		t.Errorf("allowedRegistries = %q, want %q", got, want)
	}
	if len(f.Exceptions) != 2 {
		t.Fatalf("got %d exceptions, want 2", len(f.Exceptions))
	}
	e := f.Exceptions[0]
	if e.Check != "pod-privileged" || e.Match.Kind != "DaemonSet" || e.Match.Namespace != "monitoring" || e.Match.Name != "node-exporter*" {
		t.Errorf("first exception = %+v", e)
	}
	if e.Expires != "2026-12-31" {
		t.Errorf("expires = %q, want the date as written", e.Expires)
	}
	if e.Line != 6 {
		t.Errorf("first exception line = %d, want 6", e.Line)
	}
	if f.Exceptions[1].Line != 13 {
		t.Errorf("second exception line = %d, want 13", f.Exceptions[1].Line)
	}
	if got := f.CheckConfig().AllowedRegistries; len(got) != 2 {
		t.Errorf("CheckConfig().AllowedRegistries = %v", got)
	}
}

func TestParseEmpty(t *testing.T) {
	for _, data := range []string{"", "\n\n", "# only a comment\n"} {
		f, err := Parse("k.yaml", []byte(data))
		if err != nil {
			t.Errorf("Parse(%q): %v", data, err)
			continue
		}
		if len(f.Exceptions) != 0 || len(f.AllowedRegistries) != 0 {
			t.Errorf("Parse(%q) = %+v, want an empty configuration", data, f)
		}
	}
}

func TestParseInvalid(t *testing.T) {
	tests := []struct {
		name string
		data string
		want []string
	}{
		{"unknown top-level key", "exeptions: []\n", []string{"unknown field exeptions; the file takes allowedRegistries and exceptions"}},
		{"unknown exception key", "exceptions:\n- check: a\n  reason: b\n  namespace: x\n", []string{"unknown field namespace; an exception takes check, match, reason and expires"}},
		{"missing check and reason", "exceptions:\n- match: {name: x}\n", []string{
			"k.yaml:2:3: exceptions[0].check: missing", "k.yaml:2:3: exceptions[0].reason: missing"}},
		{"bad date", "exceptions:\n- check: a\n  reason: b\n  expires: 31/12/2026\n", []string{`exceptions[0].expires: "31/12/2026" is not a date`}},
		{"impossible date", "exceptions:\n- check: a\n  reason: b\n  expires: 2026-02-30\n", []string{`"2026-02-30" is not a date`}},
		{"bad glob", "exceptions:\n- check: a\n  reason: b\n  match: {name: \"web[\"}\n", []string{`exceptions[0].match.name: invalid glob "web["`}},
		{"empty registry", "allowedRegistries: ['']\n", []string{"allowedRegistries[0]: empty registry prefix"}},
		{"not a mapping", "- a\n- b\n", []string{"expected a mapping, found a list"}},
		{"two documents", "exceptions: []\n---\nexceptions: []\n", []string{"one YAML document"}},
		{"every problem at once", "exceptions:\n- check: ''\n  reason: ''\n- check: x\n  reason: y\n  expires: soon\n", []string{
			"exceptions[0].check", "exceptions[0].reason", "k.yaml:6:12: exceptions[1].expires"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("k.yaml", []byte(tc.data))
			if err == nil {
				t.Fatal("want an error, got none")
			}
			if !strings.HasPrefix(err.Error(), "k.yaml: invalid configuration") {
				t.Errorf("error %q does not name the file", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

// knownChecks is the list of check IDs that tests pass to Parse and Load
// to have exceptions validated against it.
var knownChecks = []string{"image-latest-tag", "pod-host-pid", "pod-privileged"}

func TestParseProblems(t *testing.T) {
	tests := []struct {
		name  string
		data  string
		known []string
		want  []string
	}{
		{
			name: "every problem in one pass",
			data: `allowedRegistrie: [registry.example.com/]
exeptions:
  - check: pod-privilegd
    reason: ''
    expires: 2025-02-30
    match: {name: 'web[', namespace: shop}
    namespace: shop
`,
			known: knownChecks,
			want: []string{
				"k.yaml:1:1: unknown field allowedRegistrie; the file takes allowedRegistries and exceptions. Did you mean allowedRegistries?",
				"k.yaml:2:1: unknown field exeptions; the file takes allowedRegistries and exceptions. Did you mean exceptions?",
				`k.yaml:3:12: exceptions[0].check: unknown check "pod-privilegd"; did you mean pod-privileged?`,
				"k.yaml:4:13: exceptions[0].reason: missing; say why the finding is accepted",
				`k.yaml:5:14: exceptions[0].expires: "2025-02-30" is not a date: February 2025 has 28 days; expected YYYY-MM-DD, such as 2025-02-28`,
				`k.yaml:6:19: exceptions[0].match.name: invalid glob "web["; each [ needs a closing ], and a literal [, *, ? or \ needs a \ before it`,
				"k.yaml:7:5: exceptions[0]: unknown field namespace; an exception takes check, match, reason and expires. Move it under match.",
			},
		},
		{
			name: "bad date at its own line",
			data: "exceptions:\n- check: a\n  reason: b\n  expires: 2025-02-30\n",
			want: []string{`k.yaml:4:12: exceptions[0].expires: "2025-02-30" is not a date: February 2025 has 28 days; expected YYYY-MM-DD, such as 2025-02-28`},
		},
		{
			name: "leap day in a common year",
			data: "exceptions:\n- check: a\n  reason: b\n  expires: 2027-02-29\n",
			want: []string{`k.yaml:4:12: exceptions[0].expires: "2027-02-29" is not a date: February 2027 has 28 days; expected YYYY-MM-DD, such as 2027-02-28`},
		},
		{
			name: "month out of range",
			data: "exceptions:\n- check: a\n  reason: b\n  expires: 2026-13-01\n",
			want: []string{`k.yaml:4:12: exceptions[0].expires: "2026-13-01" is not a date: month 13 does not exist; expected YYYY-MM-DD, such as 2026-12-31`},
		},
		{
			name: "date in another form",
			data: "exceptions:\n- check: a\n  reason: b\n  expires: 31/12/2026\n",
			want: []string{`k.yaml:4:12: exceptions[0].expires: "31/12/2026" is not a date in the form YYYY-MM-DD, such as 2026-12-31`},
		},
		{
			name: "missing fields at the exception",
			data: "exceptions:\n- check: a\n  reason: b\n-   match: {kind: Pod}\n",
			want: []string{
				"k.yaml:4:5: exceptions[1].check: missing; name the check ID to suppress",
				"k.yaml:4:5: exceptions[1].reason: missing; say why the finding is accepted",
			},
		},
		{
			name: "misspelt field still checked",
			data: "exceptions:\n- check: a\n  reasn: ''\n  expirs: soon\n",
			want: []string{
				"k.yaml:3:3: exceptions[0]: unknown field reasn; an exception takes check, match, reason and expires. Did you mean reason?",
				"k.yaml:3:10: exceptions[0].reason: missing; say why the finding is accepted",
				"k.yaml:4:3: exceptions[0]: unknown field expirs; an exception takes check, match, reason and expires. Did you mean expires?",
				`k.yaml:4:11: exceptions[0].expires: "soon" is not a date in the form YYYY-MM-DD, such as 2026-12-31`,
			},
		},
		{
			name: "unknown match field",
			data: "exceptions:\n- check: a\n  reason: b\n  match:\n    names: web\n",
			want: []string{"k.yaml:5:5: exceptions[0].match: unknown field names; match takes kind, namespace and name. Did you mean name?"},
		},
		{
			name: "unknown field far from every name",
			data: "severity: high\n",
			want: []string{"k.yaml:1:1: unknown field severity; the file takes allowedRegistries and exceptions."},
		},
		{
			name: "duplicate field",
			data: "exceptions:\n- check: a\n  reason: b\n  check: c\n",
			want: []string{"k.yaml:4:3: exceptions[0]: duplicate field check, also set on line 2; remove one of them"},
		},
		{
			name:  "unknown check with the nearest IDs",
			data:  "exceptions:\n- check: pod-host-pdi\n  reason: b\n- check: pod-privileged\n  reason: c\n",
			known: knownChecks,
			want:  []string{`k.yaml:2:10: exceptions[0].check: unknown check "pod-host-pdi"; did you mean pod-host-pid?`},
		},
		{
			name:  "unknown check near no ID",
			data:  "exceptions:\n- check: custom-rule\n  reason: b\n",
			known: knownChecks,
			want:  []string{`k.yaml:2:10: exceptions[0].check: unknown check "custom-rule"; no check of this version of kubethreat has that ID`},
		},
		{
			name: "wrong kinds of value",
			data: "allowedRegistries: registry.example.com/\nexceptions:\n- [a]\n- check: {id: a}\n  reason: b\n  match: [web]\n",
			want: []string{
				`k.yaml:1:20: allowedRegistries: expected a list of registry prefixes, found a string; write each prefix on its own line after "- "`,
				"k.yaml:3:3: exceptions[0]: expected a mapping with check and reason, found a list",
				"k.yaml:4:10: exceptions[1].check: expected a string, found a mapping",
				"k.yaml:6:10: exceptions[1].match: expected a mapping, found a list; match takes kind, namespace and name",
			},
		},
		{
			name: "empty registry",
			data: "allowedRegistries:\n  - ghcr.io/\n  - ''\n",
			want: []string{"k.yaml:3:5: allowedRegistries[1]: empty registry prefix; remove the entry"},
		},
		{
			name: "exception that aliases its own list",
			data: "exceptions: &a [*a]\n",
			want: []string{"k.yaml:1:17: exceptions[0]: expected a mapping with check and reason, found a list"},
		},
		{
			name: "unknown field in a merged mapping once",
			data: "exceptions:\n- &base {check: a, reason: b, bogus: 1}\n- <<: *base\n",
			want: []string{"k.yaml:2:31: exceptions[0]: unknown field bogus; an exception takes check, match, reason and expires."},
		},
		{
			name: "second document",
			data: "exceptions: []\n---\nallowedRegistries: []\n",
			want: []string{"k.yaml:2:1: found a second YAML document; the file must contain one YAML document, so remove the --- line and what follows it"},
		},
		{
			name: "parser error line",
			data: "exceptions:\n- check: a\n  reason: [b\n",
			want: []string{"k.yaml:3: invalid YAML: did not find expected ',' or ']'"},
		},
		{
			name: "error on the first line",
			data: "exceptions: a: b\n",
			want: []string{"k.yaml:1: invalid YAML: mapping values are not allowed in this context"},
		},
		{
			name: "tab in indentation",
			data: "exceptions:\n- check: a\n\treason: b\n",
			want: []string{"k.yaml:3:1: invalid YAML: found a tab character that violates indentation; YAML forbids tabs for indentation, so replace them with spaces"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, err := Parse("k.yaml", []byte(tc.data), tc.known...)
			if f != nil {
				t.Errorf("Parse returned a configuration with the error")
			}
			var cfgErr *Error
			if !errors.As(err, &cfgErr) {
				t.Fatalf("error %v is not a *config.Error", err)
			}
			if cfgErr.File != "k.yaml" {
				t.Errorf("Error.File = %q, want k.yaml", cfgErr.File)
			}
			var got []string
			for _, p := range cfgErr.Problems {
				got = append(got, p.String())
			}
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
}

func TestErrorFormat(t *testing.T) {
	tests := []struct {
		name     string
		problems []Problem
		want     string
	}{
		{"one problem", []Problem{{File: "k.yaml", Line: 4, Column: 12, Field: "exceptions[0].expires", Message: "bad"}},
			"k.yaml: invalid configuration:\n  k.yaml:4:12: exceptions[0].expires: bad"},
		{"line without column", []Problem{{File: "k.yaml", Line: 3, Message: "invalid YAML"}},
			"k.yaml: invalid configuration:\n  k.yaml:3: invalid YAML"},
		{"two problems counted", []Problem{{File: "k.yaml", Line: 1, Column: 1, Message: "a"}, {File: "k.yaml", Message: "b"}},
			"k.yaml: invalid configuration, 2 problems:\n  k.yaml:1:1: a\n  k.yaml: b"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := &Error{File: "k.yaml", Problems: tc.problems}
			if got := err.Error(); got != tc.want {
				t.Errorf("Error() = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestParseKnownChecks(t *testing.T) {
	tests := []struct {
		name  string
		data  string
		known []string
	}{
		{"every ID known", "exceptions:\n- check: pod-privileged\n  reason: b\n- check: image-latest-tag\n  reason: c\n", knownChecks},
		{"IDs not validated", "exceptions:\n- check: nosuch\n  reason: b\n- check: pod-privilegd\n  reason: c\n", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, err := Parse("k.yaml", []byte(tc.data), tc.known...)
			if err != nil {
				t.Fatal(err)
			}
			if len(f.Exceptions) != 2 {
				t.Errorf("got %d exceptions, want 2", len(f.Exceptions))
			}
		})
	}
}

func TestParseMergeKeys(t *testing.T) {
	data := `exceptions:
  - &shop
    check: pod-privileged
    match: {namespace: shop}
    reason: the shop team reviewed it
  - <<: *shop
    check: pod-host-pid
  - <<: [*shop]
    reason: own reason
`
	f, err := Parse("k.yaml", []byte(data), knownChecks...)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Exceptions) != 3 {
		t.Fatalf("got %d exceptions, want 3", len(f.Exceptions))
	}
	tests := []struct {
		i                        int
		check, namespace, reason string
		line                     int
	}{
		{0, "pod-privileged", "shop", "the shop team reviewed it", 2},
		{1, "pod-host-pid", "shop", "the shop team reviewed it", 6},
		{2, "pod-privileged", "shop", "own reason", 8},
	}
	for _, tc := range tests {
		e := f.Exceptions[tc.i]
		if e.Check != tc.check || e.Match.Namespace != tc.namespace || e.Reason != tc.reason {
			t.Errorf("exception %d = %+v, want check %s, namespace %s, reason %q", tc.i, e, tc.check, tc.namespace, tc.reason)
		}
		if e.Line != tc.line {
			t.Errorf("exception %d line = %d, want %d", tc.i, e.Line, tc.line)
		}
	}
}

func TestLoadKnownChecks(t *testing.T) {
	file := filepath.Join(t.TempDir(), ".kubethreat.yaml")
	if err := os.WriteFile(file, []byte("exceptions:\n  - check: pod-privilegd\n    reason: ''\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Load(file, knownChecks...)
	if err == nil {
		t.Fatal("want an error, got none")
	}
	for _, want := range []string{
		file + ": invalid configuration, 2 problems:",
		file + `:2:12: exceptions[0].check: unknown check "pod-privilegd"; did you mean pod-privileged?`,
		file + ":3:13: exceptions[0].reason: missing",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "absent.yaml"))
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Load of a missing file = %v, want a wrapped not-exist error", err)
	}
}

func TestExpired(t *testing.T) {
	day := func(s string) time.Time {
		d, err := time.Parse(DateLayout, s)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	tests := []struct {
		expires string
		today   string
		want    bool
	}{
		{"", "2030-01-01", false},
		{"2026-06-30", "2026-06-29", false},
		{"2026-06-30", "2026-06-30", false},
		{"2026-06-30", "2026-07-01", true},
		{"2025-12-31", "2026-01-01", true},
	}
	for _, tc := range tests {
		e := Exception{Check: "a", Reason: "b", Expires: tc.expires}
		if got := e.Expired(day(tc.today)); got != tc.want {
			t.Errorf("expires %q on %s: Expired = %v, want %v", tc.expires, tc.today, got, tc.want)
		}
	}
}

func TestMatches(t *testing.T) {
	ref := source.Ref{APIVersion: "apps/v1", Kind: "DaemonSet", Namespace: "monitoring", Name: "node-exporter"}
	tests := []struct {
		match Match
		want  bool
	}{
		{Match{}, true},
		{Match{Kind: "DaemonSet"}, true},
		{Match{Kind: "daemonset"}, true},
		{Match{Kind: "Deployment"}, false},
		{Match{Namespace: "monitoring", Name: "node-exporter"}, true},
		{Match{Namespace: "monitor*", Name: "node-*"}, true},
		{Match{Name: "node-exporter-?"}, false},
		{Match{Namespace: "default"}, false},
		{Match{Name: "*"}, true},
	}
	for _, tc := range tests {
		if got := tc.match.Matches(ref); got != tc.want {
			t.Errorf("%+v.Matches(%v) = %v, want %v", tc.match, ref, got, tc.want)
		}
	}
	cluster := source.Ref{Kind: "ClusterRole", Name: "admin"}
	if !(Match{Namespace: "", Name: "admin"}).Matches(cluster) {
		t.Error("a match without namespace must select a cluster-scoped object")
	}
	if !(Match{Namespace: "*", Name: "admin"}).Matches(cluster) {
		t.Error(`namespace "*" must select cluster-scoped objects too, as the glob matches the empty string`)
	}
}

func TestExceptionString(t *testing.T) {
	tests := []struct {
		e    Exception
		want string
	}{
		{Exception{Check: "a"}, "a for every object"},
		{Exception{Check: "a", Match: Match{Kind: "Pod", Namespace: "ns", Name: "web"}}, "a for Pod ns/web"},
		{Exception{Check: "a", Match: Match{Namespace: "ns"}}, "a for namespace ns"},
		{Exception{Check: "a", Match: Match{Name: "web-*"}}, "a for web-*"},
	}
	for _, tc := range tests {
		if got := tc.e.String(); got != tc.want {
			t.Errorf("String() = %q, want %q", got, tc.want)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte("exceptions:\n- check: a\n  reason: b\n  expires: 2026-01-01\n  match: {kind: Pod, name: 'x*'}\n"))
	f.Add([]byte("allowedRegistries: [a/, b/]\n"))
	f.Add([]byte("exceptions: &a [*a]\n"))
	f.Add([]byte("{exceptions: [{check: '', match: {name: '['}}]}"))
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := Parse("fuzz.yaml", data)
		if err != nil {
			if cfg != nil {
				t.Fatal("Parse returned both a configuration and an error")
			}
			return
		}
		for _, e := range cfg.Exceptions {
			if strings.TrimSpace(e.Check) == "" || strings.TrimSpace(e.Reason) == "" {
				t.Fatalf("accepted an exception without check or reason: %+v", e)
			}
			e.Match.Matches(source.Ref{Kind: "Pod", Name: "x"})
		}
	})
}

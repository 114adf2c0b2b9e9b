package config

import (
	"errors"
	"io/fs"
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
			"line 2: exceptions[0].check: missing", "line 2: exceptions[0].reason: missing"}},
		{"bad date", "exceptions:\n- check: a\n  reason: b\n  expires: 31/12/2026\n", []string{`exceptions[0].expires: "31/12/2026" is not a date`}},
		{"impossible date", "exceptions:\n- check: a\n  reason: b\n  expires: 2026-02-30\n", []string{`"2026-02-30" is not a date`}},
		{"bad glob", "exceptions:\n- check: a\n  reason: b\n  match: {name: \"web[\"}\n", []string{`exceptions[0].match.name: invalid glob "web["`}},
		{"empty registry", "allowedRegistries: ['']\n", []string{"allowedRegistries[0]: empty registry prefix"}},
		{"not a mapping", "- a\n- b\n", []string{"expected a mapping, found a list"}},
		{"two documents", "exceptions: []\n---\nexceptions: []\n", []string{"one YAML document"}},
		{"every problem at once", "exceptions:\n- check: ''\n  reason: ''\n- check: x\n  reason: y\n  expires: soon\n", []string{
			"exceptions[0].check", "exceptions[0].reason", "line 4: exceptions[1].expires"}},
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

package matrix

import (
	"encoding/json"
	"os"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// facts is the committed fixture of the upstream matrix's facts at the
// commit named in SourceCommit: IDs, names, placements, relations, ATT&CK
// IDs and names, and upstream page paths.
type facts struct {
	SourceCommit string `json:"source_commit"`
	Tactics      []struct {
		Name           string   `json:"name"`
		Order          int      `json:"order"`
		AttackTacticID string   `json:"attack_tactic_id"`
		UpstreamSlug   string   `json:"upstream_slug"`
		Techniques     []string `json:"techniques"`
	} `json:"tactics"`
	Techniques []struct {
		ID          string   `json:"id"`
		Name        string   `json:"name"`
		Tactics     []string `json:"tactics"`
		Attack      []Ref    `json:"attack"`
		Mitigations []string `json:"mitigations"`
		Aliases     []string `json:"aliases"`
		SitePath    string   `json:"site_path"`
	} `json:"techniques"`
	Mitigations []struct {
		ID             string   `json:"id"`
		Name           string   `json:"name"`
		Attack         []Ref    `json:"attack"`
		Techniques     []string `json:"techniques"`
		Aliases        []string `json:"aliases"`
		SitePath       string   `json:"site_path"`
		Parent         string   `json:"parent"`
		SubMitigations []string `json:"sub_mitigations"`
	} `json:"mitigations"`
	Retired []struct {
		ID        string `json:"id"`
		Name      string `json:"name"`
		Successor string `json:"successor"`
	} `json:"retired"`
}

func loadFacts(t *testing.T) *facts {
	t.Helper()
	data, err := os.ReadFile("../testdata/matrix-facts.json")
	if err != nil {
		t.Fatal(err)
	}
	var f facts
	if err := json.Unmarshal(data, &f); err != nil {
		t.Fatalf("matrix-facts.json: %v", err)
	}
	return &f
}

func mustDefault(t *testing.T) *Matrix {
	t.Helper()
	m, err := Default()
	if err != nil {
		t.Fatalf("embedded knowledge base: %v", err)
	}
	return m
}

func emptyAsNil(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return s
}

func TestCounts(t *testing.T) {
	m := mustDefault(t)
	top := 0
	for _, x := range m.Mitigations {
		if x.Parent == nil {
			top++
		}
	}
	links := 0
	for _, tech := range m.Techniques {
		links += len(tech.Mitigations)
	}
	for _, c := range []struct {
		name      string
		got, want int
	}{
		{"tactics", len(m.Tactics), 10},
		{"techniques", len(m.Techniques), 40},
		{"placements", m.Placements(), 48},
		{"top-level mitigations", top, 32},
		{"all mitigations", len(m.Mitigations), 35},
		{"links (union of both sides)", links, 105},
	} {
		if c.got != c.want {
			t.Errorf("%s: got %d, want %d", c.name, c.got, c.want)
		}
	}
	if m.SourceCommit != loadFacts(t).SourceCommit {
		t.Errorf("SourceCommit = %s, fixture has %s", m.SourceCommit, loadFacts(t).SourceCommit)
	}
}

func TestTacticsMatchFacts(t *testing.T) {
	m := mustDefault(t)
	f := loadFacts(t)
	if len(m.Tactics) != len(f.Tactics) {
		t.Fatalf("got %d tactics, want %d", len(m.Tactics), len(f.Tactics))
	}
	for i, want := range f.Tactics {
		got := m.Tactics[i]
		var ids []string
		for _, x := range got.Techniques {
			ids = append(ids, x.ID)
		}
		if got.Name != want.Name || got.Order != want.Order || got.Attack.ID != want.AttackTacticID || got.UpstreamSlug != want.UpstreamSlug {
			t.Errorf("tactic %d: got %q order %d %s %s, want %q order %d %s %s", i+1, got.Name, got.Order, got.Attack.ID, got.UpstreamSlug, want.Name, want.Order, want.AttackTacticID, want.UpstreamSlug)
		}
		if diff := cmp.Diff(want.Techniques, ids); diff != "" {
			t.Errorf("tactic %q techniques in row order (-want +got):\n%s", want.Name, diff)
		}
	}
}

func TestTechniquesMatchFacts(t *testing.T) {
	m := mustDefault(t)
	f := loadFacts(t)
	if len(m.Techniques) != len(f.Techniques) {
		t.Fatalf("got %d techniques, want %d", len(m.Techniques), len(f.Techniques))
	}
	// The union of both sides of each link, as upstream lists some links
	// only on the mitigation page.
	union := map[string][]string{}
	for _, tech := range f.Techniques {
		union[tech.ID] = append(union[tech.ID], tech.Mitigations...)
	}
	for _, x := range f.Mitigations {
		for _, id := range x.Techniques {
			if !slices.Contains(union[id], x.ID) {
				union[id] = append(union[id], x.ID)
			}
		}
	}
	for _, want := range f.Techniques {
		got, ok := m.Technique(want.ID)
		if !ok {
			t.Errorf("technique %s is missing", want.ID)
			continue
		}
		var tactics, mits []string
		for _, tac := range got.Tactics {
			tactics = append(tactics, tac.Name)
		}
		for _, l := range got.Mitigations {
			mits = append(mits, l.Mitigation.ID)
		}
		if got.Name != want.Name {
			t.Errorf("%s name = %q, want %q", want.ID, got.Name, want.Name)
		}
		if got.SitePath != want.SitePath {
			t.Errorf("%s site_path = %q, want %q", want.ID, got.SitePath, want.SitePath)
		}
		if diff := cmp.Diff(want.Tactics, tactics); diff != "" {
			t.Errorf("%s tactics (-want +got):\n%s", want.ID, diff)
		}
		if diff := cmp.Diff(want.Attack, got.Attack, cmp.Transformer("nil", func(r []Ref) []Ref {
			if len(r) == 0 {
				return nil
			}
			return r
		})); diff != "" {
			t.Errorf("%s ATT&CK (-want +got):\n%s", want.ID, diff)
		}
		if diff := cmp.Diff(union[want.ID], mits); diff != "" {
			t.Errorf("%s mitigations (-want +got):\n%s", want.ID, diff)
		}
		if diff := cmp.Diff(emptyAsNil(want.Aliases), emptyAsNil(got.Aliases)); diff != "" {
			t.Errorf("%s aliases (-want +got):\n%s", want.ID, diff)
		}
	}
}

func TestMitigationsMatchFacts(t *testing.T) {
	m := mustDefault(t)
	f := loadFacts(t)
	if len(m.Mitigations) != len(f.Mitigations) {
		t.Fatalf("got %d mitigations, want %d", len(m.Mitigations), len(f.Mitigations))
	}
	// Techniques per mitigation: the mitigation page's list plus every
	// technique page that names the mitigation.
	union := map[string][]string{}
	for _, x := range f.Mitigations {
		union[x.ID] = append(union[x.ID], x.Techniques...)
	}
	for _, tech := range f.Techniques {
		for _, id := range tech.Mitigations {
			if !slices.Contains(union[id], tech.ID) {
				union[id] = append(union[id], tech.ID)
			}
		}
	}
	for _, want := range f.Mitigations {
		got, ok := m.Mitigation(want.ID)
		if !ok {
			t.Errorf("mitigation %s is missing", want.ID)
			continue
		}
		if got.Name != want.Name || got.SitePath != want.SitePath {
			t.Errorf("%s = %q at %q, want %q at %q", want.ID, got.Name, got.SitePath, want.Name, want.SitePath)
		}
		parent := ""
		if got.Parent != nil {
			parent = got.Parent.ID
		}
		if parent != want.Parent {
			t.Errorf("%s parent = %q, want %q", want.ID, parent, want.Parent)
		}
		var children, techs []string
		for _, c := range got.Children {
			children = append(children, c.ID)
		}
		for _, l := range got.Techniques {
			techs = append(techs, l.Technique.ID)
		}
		if diff := cmp.Diff(emptyAsNil(want.SubMitigations), children); diff != "" {
			t.Errorf("%s sub-mitigations (-want +got):\n%s", want.ID, diff)
		}
		wantTechs := slices.Clone(union[want.ID])
		slices.Sort(wantTechs)
		if diff := cmp.Diff(wantTechs, techs); diff != "" {
			t.Errorf("%s techniques (-want +got):\n%s", want.ID, diff)
		}
		if diff := cmp.Diff(want.Attack, got.Attack, cmp.Transformer("nil", func(r []Ref) []Ref {
			if len(r) == 0 {
				return nil
			}
			return r
		})); diff != "" {
			t.Errorf("%s ATT&CK (-want +got):\n%s", want.ID, diff)
		}
		if diff := cmp.Diff(emptyAsNil(want.Aliases), emptyAsNil(got.Aliases)); diff != "" {
			t.Errorf("%s aliases (-want +got):\n%s", want.ID, diff)
		}
	}
}

func TestLinksReadBothWays(t *testing.T) {
	m := mustDefault(t)
	for _, tech := range m.Techniques {
		for _, l := range tech.Mitigations {
			if l.Technique != tech {
				t.Errorf("%s: link to %s points to technique %s", tech.ID, l.Mitigation.ID, l.Technique.ID)
			}
			if !slices.Contains(l.Mitigation.Techniques, l) {
				t.Errorf("%s-%s: the mitigation side does not hold the same link", tech.ID, l.Mitigation.ID)
			}
			if l.Note == "" {
				t.Errorf("%s-%s: empty note", tech.ID, l.Mitigation.ID)
			}
		}
	}
}

func TestRetiredMatchFacts(t *testing.T) {
	m := mustDefault(t)
	for _, want := range loadFacts(t).Retired {
		r, ok := m.RetiredID(want.ID)
		if !ok {
			t.Errorf("retired ID %s is missing", want.ID)
			continue
		}
		if r.Name != want.Name || r.Successor != want.Successor {
			t.Errorf("retired %s = %q -> %s, want %q -> %s", want.ID, r.Name, r.Successor, want.Name, want.Successor)
		}
		if _, ok := m.Technique(want.ID); ok {
			t.Errorf("retired %s still resolves as a technique", want.ID)
		}
	}
}

func TestV3Additions(t *testing.T) {
	m := mustDefault(t)
	for _, id := range []string{"MS-TA9017", "MS-TA9041"} {
		if tech, _ := m.Technique(id); tech.Since != "v3" {
			t.Errorf("%s since = %s, want v3", id, tech.Since)
		}
	}
	var placed []string
	for _, rel := range m.History {
		if rel.Version != "v3" {
			continue
		}
		for _, c := range rel.Changes {
			if c.Kind == "placed" {
				placed = append(placed, c.Technique+" "+c.Tactic)
			}
		}
	}
	want := []string{"MS-TA9016 persistence", "MS-TA9005 discovery"}
	if diff := cmp.Diff(want, placed); diff != "" {
		t.Errorf("v3 placements (-want +got):\n%s", diff)
	}
}

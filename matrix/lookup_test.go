package matrix

import (
	"errors"

	"github.com/kubethreat/kubethreat/matrix/content"
	"slices"
	"strings"
	"testing"
)

func TestResolve(t *testing.T) {
	m := mustDefault(t)
	tests := []struct {
		id       string
		wantKind Kind
		wantName string
	}{
		{"MS-TA9016", KindTechnique, "Container service account"},
		{"ms-ta9016", KindTechnique, "Container service account"},
		{"MS-M9025", KindMitigation, "Disable service account auto mount"},
		{"MS-M9005.003", KindMitigation, "Gate images deployed to Kubernetes cluster"},
		{"MS-TA9032", KindRetired, "Access Kubernetes dashboard"},
		{"persistence", KindTactic, "Persistence"},
		{"Privilege Escalation", KindTactic, "Privilege Escalation"},
		{"PrivilegeEscalation", KindTactic, "Privilege Escalation"},
		{"TA0040", KindTactic, "Impact"},
		{"T1610", KindAttackTechnique, "Deploy Container"},
		{"t1552.005", KindAttackTechnique, "Cloud Instance Metadata API"},
		{"M1035", KindAttackMitigation, "Limit Access to Resource Over Network"},
		{"Writable hostPath mount", KindTechnique, "Writable hostPath mount"},
		{"access container service account", KindTechnique, "Container service account"},
		{"Limit container capabilities", KindMitigation, "Restrict over permissive containers"},
		{"Access Kubernetes dashboard", KindRetired, "Access Kubernetes dashboard"},
	}
	for _, tc := range tests {
		e, err := m.Resolve(tc.id)
		if err != nil {
			t.Errorf("Resolve(%q): %v", tc.id, err)
			continue
		}
		if e.Kind != tc.wantKind {
			t.Errorf("Resolve(%q) kind = %s, want %s", tc.id, e.Kind, tc.wantKind)
		}
		name := ""
		switch e.Kind {
		case KindTechnique:
			name = e.Technique.Name
		case KindMitigation:
			name = e.Mitigation.Name
		case KindRetired:
			name = e.Retired.Name
		case KindTactic:
			name = e.Tactic.Name
		case KindAttackTechnique:
			name = e.AttackTechnique.Name
		case KindAttackMitigation:
			name = e.AttackMitigation.Name
		}
		if name != tc.wantName {
			t.Errorf("Resolve(%q) name = %q, want %q", tc.id, name, tc.wantName)
		}
	}
}

func TestResolveUnknownSuggests(t *testing.T) {
	m := mustDefault(t)
	tests := []struct {
		id   string
		want string
	}{
		{"MS-TA916", "MS-TA9016"},
		{"MS-M925", "MS-M9025"},
		{"T161", "T1610"},
		{"persistance", "persistence"},
	}
	for _, tc := range tests {
		_, err := m.Resolve(tc.id)
		var nf *NotFoundError
		if !errors.As(err, &nf) {
			t.Errorf("Resolve(%q) error = %v, want a NotFoundError", tc.id, err)
			continue
		}
		if !slices.Contains(nf.Suggestions, tc.want) {
			t.Errorf("Resolve(%q) suggests %v, want %s among them", tc.id, nf.Suggestions, tc.want)
		}
		if !strings.Contains(err.Error(), "did you mean") {
			t.Errorf("Resolve(%q) error %q does not offer suggestions", tc.id, err)
		}
	}
}

func TestTechniquesForAttack(t *testing.T) {
	m := mustDefault(t)
	ids := func(ts []*Technique) []string {
		var out []string
		for _, x := range ts {
			out = append(out, x.ID)
		}
		return out
	}
	tests := []struct {
		attack string
		want   []string
	}{
		{"T1610", []string{"MS-TA9008", "MS-TA9011", "MS-TA9018"}},
		{"T1552.007", []string{"MS-TA9025"}},
		{"T1552.004", []string{"MS-TA9027"}}, // falls back to the parent T1552
		{"T1070", []string{"MS-TA9021", "MS-TA9022"}},
		{"T1059.013", []string{"MS-TA9007"}}, // falls back to the parent T1059
		{"T1611.001", []string{"MS-TA9013"}}, // falls back to the parent T1611
		{"T1098.006", nil},
	}
	for _, tc := range tests {
		if got := ids(m.TechniquesForAttack(tc.attack)); !slices.Equal(got, tc.want) {
			t.Errorf("TechniquesForAttack(%s) = %v, want %v", tc.attack, got, tc.want)
		}
	}
}

func TestTechniquesWithoutAttack(t *testing.T) {
	m := mustDefault(t)
	var got []string
	for _, x := range m.Techniques {
		if !x.HasAttack() {
			got = append(got, x.ID)
		}
	}
	want := []string{"MS-TA9003", "MS-TA9010", "MS-TA9017", "MS-TA9041"}
	if !slices.Equal(got, want) {
		t.Errorf("techniques without ATT&CK = %v, want %v", got, want)
	}
}

func TestSearchRanking(t *testing.T) {
	m := mustDefault(t)
	tests := []struct {
		query string
		first string
	}{
		{"hostPath", "MS-TA9013"},
		{"MS-TA9016", "MS-TA9016"},
		{"Access container service account", "MS-TA9016"},
		{"Limit container capabilities", "MS-M9013"},
		{"Access the K8S API server", "MS-TA9029"},
		{"Access Kubernetes dashboard", "MS-TA9032"},
		{"CoreDNS", "MS-TA9035"},
		{"static pods", "MS-TA9017"},
		{"T1610", "T1610"},
		{"network segmentation", "MS-M9014"},
		{"persistence", "persistence"},
	}
	for _, tc := range tests {
		res := m.Search(tc.query, 5)
		if len(res) == 0 {
			t.Errorf("Search(%q) found nothing, want %s first", tc.query, tc.first)
			continue
		}
		if res[0].ID != tc.first {
			var got []string
			for _, r := range res {
				got = append(got, r.ID)
			}
			t.Errorf("Search(%q) = %v, want %s first", tc.query, got, tc.first)
		}
	}
}

func TestSearchProseAndMisses(t *testing.T) {
	m := mustDefault(t)
	if res := m.Search("169.254.169.254", 0); len(res) == 0 {
		t.Error("Search for the metadata address found nothing in the prose")
	} else if res[0].Snippet == "" {
		t.Error("a prose match has no snippet")
	}
	if res := m.Search("zzqqxxnotaword", 0); len(res) != 0 {
		t.Errorf("Search for a non-word found %d results", len(res))
	}
	if res := m.Search("   ", 0); res != nil {
		t.Errorf("Search for blanks found %d results", len(res))
	}
	if res := m.Search("secrets", 3); len(res) != 3 {
		t.Errorf("Search with limit 3 returned %d results", len(res))
	}
}

func BenchmarkSearch(b *testing.B) {
	m, err := Default()
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		m.Search("service account token", 10)
	}
}

func BenchmarkLoad(b *testing.B) {
	for b.Loop() {
		if _, err := Load(content.FS); err != nil {
			b.Fatal(err)
		}
	}
}

package matrix

import (
	"fmt"
	"strings"

	"github.com/kubethreat/kubethreat/internal/nearest"
)

// Kind names the kind of object an ID refers to.
type Kind string

const (
	KindTactic           Kind = "tactic"
	KindTechnique        Kind = "technique"
	KindMitigation       Kind = "mitigation"
	KindRetired          Kind = "retired"
	KindAttackTechnique  Kind = "attack-technique"
	KindAttackMitigation Kind = "attack-mitigation"
)

// Entry is the result of resolving an ID: exactly one of its pointers is
// set, according to Kind.
type Entry struct {
	Kind             Kind
	Tactic           *Tactic
	Technique        *Technique
	Mitigation       *Mitigation
	Retired          *Retired
	AttackTechnique  *AttackTechnique
	AttackMitigation *AttackMitigation
}

// NotFoundError reports an ID that resolves to nothing, with the nearest
// known IDs.
type NotFoundError struct {
	ID          string
	Suggestions []string
}

func (e *NotFoundError) Error() string {
	msg := fmt.Sprintf("unknown ID %q", e.ID)
	if len(e.Suggestions) > 0 {
		return msg + "; did you mean " + strings.Join(e.Suggestions, ", ") + "?"
	}
	return msg + "; to find an ID by words, run kubethreat search"
}

// Resolve finds the entry an ID refers to, ignoring case. The ID may be a
// technique (MS-TA9016), a mitigation (MS-M9025), a retired technique
// (MS-TA9032), or a tactic by slug, name, upstream slug or ATT&CK tactic
// ID. It may also be an ATT&CK technique or mitigation that the matrix maps
// to, or the exact name, alias or former name of a technique or mitigation.
func (m *Matrix) Resolve(id string) (Entry, error) {
	key := strings.TrimSpace(id)
	if t, ok := m.Technique(key); ok {
		return Entry{Kind: KindTechnique, Technique: t}, nil
	}
	if x, ok := m.Mitigation(key); ok {
		return Entry{Kind: KindMitigation, Mitigation: x}, nil
	}
	if r, ok := m.RetiredID(key); ok {
		return Entry{Kind: KindRetired, Retired: r}, nil
	}
	if t, ok := m.Tactic(key); ok {
		return Entry{Kind: KindTactic, Tactic: t}, nil
	}
	if a, ok := m.AttackTechnique(key); ok {
		return Entry{Kind: KindAttackTechnique, AttackTechnique: a}, nil
	}
	if a, ok := m.AttackMitigation(key); ok {
		return Entry{Kind: KindAttackMitigation, AttackMitigation: a}, nil
	}
	if e, ok := m.byName(key); ok {
		return e, nil
	}
	return Entry{}, &NotFoundError{ID: id, Suggestions: m.Suggest(key, 3)}
}

// byName finds a technique or mitigation whose name, alias or former name
// equals key, ignoring case, such as "Writable hostPath mount".
func (m *Matrix) byName(key string) (Entry, bool) {
	if key == "" {
		return Entry{}, false
	}
	matches := func(name string, others ...[]string) bool {
		if strings.EqualFold(name, key) {
			return true
		}
		for _, list := range others {
			for _, n := range list {
				if strings.EqualFold(n, key) {
					return true
				}
			}
		}
		return false
	}
	for _, t := range m.Techniques {
		if matches(t.Name, t.Aliases, t.FormerNames) {
			return Entry{Kind: KindTechnique, Technique: t}, true
		}
	}
	for _, x := range m.Mitigations {
		if matches(x.Name, x.Aliases, x.FormerNames) {
			return Entry{Kind: KindMitigation, Mitigation: x}, true
		}
	}
	for i := range m.Retired {
		if strings.EqualFold(m.Retired[i].Name, key) {
			return Entry{Kind: KindRetired, Retired: &m.Retired[i]}, true
		}
	}
	return Entry{}, false
}

// IDs returns every ID that Resolve accepts, apart from tactic names: the
// techniques, mitigations, retired IDs, tactic slugs and ATT&CK IDs.
func (m *Matrix) IDs() []string {
	var ids []string
	for _, t := range m.Techniques {
		ids = append(ids, t.ID)
	}
	for _, x := range m.Mitigations {
		ids = append(ids, x.ID)
	}
	for _, r := range m.Retired {
		ids = append(ids, r.ID)
	}
	for _, t := range m.Tactics {
		ids = append(ids, t.Slug, t.Attack.ID)
	}
	for _, a := range m.AttackTechniques {
		ids = append(ids, a.ID)
	}
	for _, a := range m.AttackMitigations {
		ids = append(ids, a.ID)
	}
	return ids
}

// Suggest returns up to n known IDs closest to id by edit distance, nearest
// first, leaving out any that are further than half the ID's length.
func (m *Matrix) Suggest(id string, n int) []string {
	return nearest.Names(id, m.IDs(), n)
}

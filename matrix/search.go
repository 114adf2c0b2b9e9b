package matrix

import (
	"sort"
	"strings"
	"sync"
	"unicode"
)

// Result is one search hit.
type Result struct {
	Kind    Kind    `json:"kind"`
	ID      string  `json:"id"`
	Name    string  `json:"name"`
	Score   float64 `json:"score"`
	Snippet string  `json:"snippet,omitempty"` // prose around the first matching term
	Matched string  `json:"matched"`           // the best field that matched: id, name, alias, attack or prose
}

// Field weights for ranking. A match in an ID or name outranks any number
// of mentions in prose, so that "hostPath" finds Writable hostPath mount
// before the techniques that only discuss it.
const (
	weightExactID    = 1000
	weightExactName  = 500
	weightPhraseName = 200
	weightPhraseAlt  = 150
	weightTermID     = 100
	weightTermName   = 40
	weightPrefixName = 25
	weightTermAlt    = 30
	weightTermAttack = 20
	weightTermProse  = 2
	maxProseCount    = 5
)

type document struct {
	kind    Kind
	id      string
	name    string
	alts    []string // aliases and former names, lower-cased
	attack  []string // ATT&CK IDs and names, lower-cased
	prose   string   // all Markdown text, for snippets
	idTok   map[string]bool
	nameTok map[string]bool
	altTok  map[string]bool
	atkTok  map[string]bool
	prTok   map[string]int
}

type index struct {
	docs []*document
}

var indexes sync.Map // *Matrix -> *index

func (m *Matrix) index() *index {
	if v, ok := indexes.Load(m); ok {
		return v.(*index)
	}
	v, _ := indexes.LoadOrStore(m, buildIndex(m))
	return v.(*index)
}

func buildIndex(m *Matrix) *index {
	ix := &index{}
	for _, t := range m.Techniques {
		alts := append(append([]string{}, t.Aliases...), t.FormerNames...)
		var atk []string
		for _, a := range t.Attack {
			atk = append(atk, a.ID, a.Name)
		}
		prose := strings.Join([]string{t.Summary, t.HowItWorks, t.WhereItApplies, t.Detection, t.Notes}, "\n")
		for _, l := range t.Mitigations {
			prose += "\n" + l.Note
		}
		ix.add(KindTechnique, t.ID, t.Name, alts, atk, prose)
	}
	for _, x := range m.Mitigations {
		alts := append(append([]string{}, x.Aliases...), x.FormerNames...)
		var atk []string
		for _, a := range x.Attack {
			atk = append(atk, a.ID, a.Name)
		}
		prose := strings.Join([]string{x.Summary, x.WithKubernetes, x.OnManagedServices, x.Example}, "\n")
		ix.add(KindMitigation, x.ID, x.Name, alts, atk, prose)
	}
	for _, t := range m.Tactics {
		ix.add(KindTactic, t.Slug, t.Name, []string{t.UpstreamSlug}, []string{t.Attack.ID}, t.Summary)
	}
	for _, r := range m.Retired {
		ix.add(KindRetired, r.ID, r.Name, nil, nil, r.Note)
	}
	for _, a := range m.AttackTechniques {
		ix.add(KindAttackTechnique, a.ID, a.Name, a.FormerNames, nil, "")
	}
	return ix
}

func (ix *index) add(kind Kind, id, name string, alts, attack []string, prose string) {
	d := &document{
		kind: kind, id: id, name: name, prose: prose,
		idTok:   tokenSet(id),
		nameTok: tokenSet(name),
		altTok:  map[string]bool{},
		atkTok:  map[string]bool{},
		prTok:   map[string]int{},
	}
	d.idTok[strings.ToLower(id)] = true
	for _, a := range alts {
		d.alts = append(d.alts, strings.ToLower(a))
		for tok := range tokenSet(a) {
			d.altTok[tok] = true
		}
	}
	for _, a := range attack {
		d.attack = append(d.attack, strings.ToLower(a))
		for tok := range tokenSet(a) {
			d.atkTok[tok] = true
		}
		d.atkTok[strings.ToLower(a)] = true
	}
	for _, tok := range tokens(prose) {
		d.prTok[tok]++
	}
	ix.docs = append(ix.docs, d)
}

// tokens splits text into lower-case words. Dots and hyphens inside a word
// are kept, so that "MS-TA9016", "T1552.005" and "kube-system" stay whole.
func tokens(s string) []string {
	var out []string
	for _, f := range strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '-' && r != '.' && r != '/' && r != '_'
	}) {
		f = strings.Trim(f, "-./_")
		if f != "" {
			out = append(out, f)
		}
	}
	return out
}

func tokenSet(s string) map[string]bool {
	set := map[string]bool{}
	for _, t := range tokens(s) {
		set[t] = true
	}
	return set
}

// Search ranks the knowledge base against a free-text query. Every term of
// the query must match somewhere in a result: in its ID, name, aliases,
// former names, ATT&CK mapping or prose. Terms of three or more letters also
// match as word prefixes. Results are ordered by score, then ID.
func (m *Matrix) Search(query string, limit int) []Result {
	q := strings.ToLower(strings.TrimSpace(query))
	terms := tokens(q)
	if len(terms) == 0 {
		return nil
	}
	var results []Result
	for _, d := range m.index().docs {
		if r, ok := d.score(q, terms); ok {
			results = append(results, r)
		}
	}
	sort.SliceStable(results, func(i, j int) bool {
		if results[i].Score != results[j].Score {
			return results[i].Score > results[j].Score
		}
		return results[i].ID < results[j].ID
	})
	if limit > 0 && len(results) > limit {
		results = results[:limit]
	}
	return results
}

func (d *document) score(q string, terms []string) (Result, bool) {
	var score float64
	matched := ""
	best := 0.0
	note := func(field string, w float64) {
		score += w
		if w > best {
			best, matched = w, field
		}
	}

	name := strings.ToLower(d.name)
	switch {
	case q == strings.ToLower(d.id):
		note("id", weightExactID)
	case q == name:
		note("name", weightExactName)
	case strings.Contains(name, q) && len(terms) > 1:
		note("name", weightPhraseName)
	}
	for _, a := range d.alts {
		if q == a || (len(terms) > 1 && strings.Contains(a, q)) {
			note("alias", weightPhraseAlt)
			break
		}
	}

	for _, term := range terms {
		w, field := d.termWeight(term)
		if w == 0 {
			return Result{}, false
		}
		note(field, w)
	}
	return Result{Kind: d.kind, ID: d.id, Name: d.name, Score: score, Matched: matched, Snippet: snippet(d.prose, terms)}, true
}

func (d *document) termWeight(term string) (float64, string) {
	switch {
	case d.idTok[term]:
		return weightTermID, "id"
	case d.nameTok[term]:
		return weightTermName, "name"
	case d.altTok[term]:
		return weightTermAlt, "alias"
	case d.atkTok[term]:
		return weightTermAttack, "attack"
	}
	if len(term) >= 3 {
		for tok := range d.nameTok {
			if strings.HasPrefix(tok, term) {
				return weightPrefixName, "name"
			}
		}
	}
	n := d.prTok[term]
	if n == 0 && len(term) >= 3 {
		for tok, c := range d.prTok {
			if strings.HasPrefix(tok, term) {
				n += c
			}
		}
	}
	if n > 0 {
		return weightTermProse + float64(min(n, maxProseCount)), "prose"
	}
	return 0, ""
}

// snippet returns about 160 characters of prose around the first term found,
// on word boundaries, with Markdown markers removed.
func snippet(prose string, terms []string) string {
	if prose == "" {
		return ""
	}
	plain := strings.Join(strings.Fields(strings.NewReplacer("`", "", "**", "", "#", "").Replace(prose)), " ")
	lower := strings.ToLower(plain)
	at := -1
	for _, t := range terms {
		if i := strings.Index(lower, t); i >= 0 {
			at = i
			break
		}
	}
	if at < 0 {
		return ""
	}
	start := max(0, at-60)
	end := min(len(plain), at+100)
	for start > 0 && plain[start-1] != ' ' {
		start--
	}
	for end < len(plain) && plain[end] != ' ' {
		end++
	}
	s := plain[start:end]
	if start > 0 {
		s = "…" + s
	}
	if end < len(plain) {
		s += "…"
	}
	return s
}

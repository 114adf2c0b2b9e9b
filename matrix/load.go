package matrix

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
	"sync"

	"gopkg.in/yaml.v3"

	"github.com/kubethreat/kubethreat/matrix/content"
)

// MatrixVersion is the version of the Threat Matrix for Kubernetes that the
// embedded content describes.
const MatrixVersion = "v3"

// SourceCommit is the commit of the upstream matrix repository that the
// embedded facts were checked against.
const SourceCommit = "b885d18bd4236286b59b735c5e18f2902823d2c2"

var defaultMatrix = sync.OnceValues(func() (*Matrix, error) { return Load(content.FS) })

// Default returns the knowledge base built from the embedded content. It is
// loaded and validated once, on the first call.
func Default() (*Matrix, error) { return defaultMatrix() }

// ContentError reports a problem in one content file.
type ContentError struct {
	File  string // path inside the content folder
	Field string // the front-matter field or body section, if known
	Err   error
}

func (e *ContentError) Error() string {
	if e.Field == "" {
		return fmt.Sprintf("%s: %v", e.File, e.Err)
	}
	return fmt.Sprintf("%s: field %q: %v", e.File, e.Field, e.Err)
}

func (e *ContentError) Unwrap() error { return e.Err }

type techniqueFile struct {
	ID             string     `yaml:"id"`
	Name           string     `yaml:"name"`
	SitePath       string     `yaml:"site_path"`
	Since          string     `yaml:"since"`
	Aliases        []string   `yaml:"aliases"`
	FormerNames    []string   `yaml:"former_names"`
	Attack         []string   `yaml:"attack"`
	DataComponents []string   `yaml:"data_components"`
	Mitigations    []linkFile `yaml:"mitigations"`
}

type linkFile struct {
	ID   string `yaml:"id"`
	Note string `yaml:"note"`
}

type mitigationFile struct {
	ID          string   `yaml:"id"`
	Name        string   `yaml:"name"`
	SitePath    string   `yaml:"site_path"`
	Parent      string   `yaml:"parent"`
	Aliases     []string `yaml:"aliases"`
	Since       string   `yaml:"since"`
	FormerNames []string `yaml:"former_names"`
	Attack      []string `yaml:"attack"`
}

type tacticFile struct {
	Slug         string   `yaml:"slug"`
	Name         string   `yaml:"name"`
	Order        int      `yaml:"order"`
	Attack       string   `yaml:"attack"`
	UpstreamSlug string   `yaml:"upstream_slug"`
	Techniques   []string `yaml:"techniques"`
}

type attackFile struct {
	Version string `yaml:"version"`
	Domain  string `yaml:"domain"`
	Tactics []struct {
		ID        string `yaml:"id"`
		Name      string `yaml:"name"`
		ShortName string `yaml:"shortname"`
	} `yaml:"tactics"`
	Techniques []struct {
		ID                 string   `yaml:"id"`
		Name               string   `yaml:"name"`
		FormerNames        []string `yaml:"former_names"`
		Tactics            []string `yaml:"tactics"`
		ContainersPlatform bool     `yaml:"containers_platform"`
	} `yaml:"techniques"`
	Mitigations []Ref `yaml:"mitigations"`
}

// Load reads and validates a knowledge base from content files laid out as
// in the embedded content folder. Every problem found is returned, joined,
// each naming its file and field.
func Load(fsys fs.FS) (*Matrix, error) {
	m := &Matrix{
		Version:      MatrixVersion,
		SourceCommit: SourceCommit,
		techniques:   map[string]*Technique{},
		mitigations:  map[string]*Mitigation{},
		tactics:      map[string]*Tactic{},
		retired:      map[string]*Retired{},
		attackTech:   map[string]*AttackTechnique{},
		attackMit:    map[string]*AttackMitigation{},
	}
	l := &loader{fsys: fsys, m: m}

	l.loadAttack()
	tfiles := l.loadTechniques()
	mfiles := l.loadMitigations()
	tacFiles := l.loadTactics()
	l.loadRetired()
	l.loadHistory()
	if len(l.errs) > 0 {
		return nil, errors.Join(l.errs...)
	}

	l.resolve(tfiles, mfiles, tacFiles)
	if len(l.errs) == 0 {
		l.errs = append(l.errs, validate(m)...)
	}
	if len(l.errs) > 0 {
		return nil, errors.Join(l.errs...)
	}
	return m, nil
}

type loader struct {
	fsys fs.FS
	m    *Matrix
	errs []error
}

func (l *loader) fail(file, field string, format string, args ...any) {
	l.errs = append(l.errs, &ContentError{File: file, Field: field, Err: fmt.Errorf(format, args...)})
}

// decodeStrict decodes YAML into v and rejects unknown fields, so that a
// misspelled field name is an error instead of a silently empty value.
func decodeStrict(data []byte, v any) error {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(v); err != nil {
		return err
	}
	return nil
}

// splitFrontMatter separates the YAML front matter of a Markdown file from
// its body. The file must start with a line "---" and the front matter ends
// at the next line "---".
func splitFrontMatter(data []byte) (front, body []byte, err error) {
	data = bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n"))
	if !bytes.HasPrefix(data, []byte("---\n")) {
		return nil, nil, errors.New(`missing front matter: the file must start with a line "---"`)
	}
	rest := data[4:]
	end := bytes.Index(rest, []byte("\n---\n"))
	if end < 0 {
		if bytes.HasSuffix(rest, []byte("\n---")) {
			return rest[:len(rest)-4], nil, nil
		}
		return nil, nil, errors.New(`unterminated front matter: add a line "---" after it`)
	}
	return rest[:end+1], rest[end+5:], nil
}

// sections splits a Markdown body into the text before the first "## "
// heading and the text under each heading.
func sections(body string) (intro string, named map[string]string, order []string) {
	named = map[string]string{}
	var cur strings.Builder
	heading := ""
	inFence := false
	flush := func() {
		text := strings.TrimSpace(cur.String())
		if heading == "" {
			intro = text
		} else {
			named[heading] = text
			order = append(order, heading)
		}
		cur.Reset()
	}
	for _, line := range strings.Split(body, "\n") {
		if strings.HasPrefix(line, "```") {
			inFence = !inFence
		}
		if !inFence && strings.HasPrefix(line, "## ") {
			flush()
			heading = strings.TrimSpace(line[3:])
			continue
		}
		cur.WriteString(line)
		cur.WriteByte('\n')
	}
	flush()
	return intro, named, order
}

func (l *loader) readMarkdown(file string, front any) (map[string]string, string, bool) {
	data, err := fs.ReadFile(l.fsys, file)
	if err != nil {
		l.fail(file, "", "%v", err)
		return nil, "", false
	}
	fm, body, err := splitFrontMatter(data)
	if err != nil {
		l.fail(file, "", "%v", err)
		return nil, "", false
	}
	if err := decodeStrict(fm, front); err != nil {
		l.fail(file, "front matter", "%v", err)
		return nil, "", false
	}
	intro, named, order := sections(string(body))
	for _, h := range order {
		if named[h] == "" {
			l.fail(file, "## "+h, "the section is empty")
		}
		if strings.HasPrefix(named[h], "TODO") {
			l.fail(file, "## "+h, "the section holds placeholder text")
		}
	}
	if strings.HasPrefix(intro, "TODO") {
		l.fail(file, "summary", "the summary holds placeholder text")
	}
	return named, intro, true
}

// takeSections moves the wanted sections out of named into the targets and
// reports any section that is missing or not expected.
func (l *loader) takeSections(file string, named map[string]string, required, optional map[string]*string) {
	for h, dst := range required {
		text, ok := named[h]
		if !ok || text == "" {
			l.fail(file, "## "+h, "missing section; add a %q heading with its text", "## "+h)
			continue
		}
		*dst = text
	}
	for h, dst := range optional {
		*dst = named[h]
	}
	for h := range named {
		if required[h] == nil && optional[h] == nil {
			l.fail(file, "## "+h, "unknown section; expected one of %s", sectionList(required, optional))
		}
	}
}

func sectionList(sets ...map[string]*string) string {
	var names []string
	for _, s := range sets {
		for h := range s {
			names = append(names, fmt.Sprintf("%q", h))
		}
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

func (l *loader) glob(pattern string) []string {
	files, err := fs.Glob(l.fsys, pattern)
	if err != nil {
		l.fail(pattern, "", "%v", err)
	}
	if len(files) == 0 {
		l.fail(path.Dir(pattern), "", "no files match %q", pattern)
	}
	return files
}

func (l *loader) loadAttack() {
	const file = "attack.yaml"
	data, err := fs.ReadFile(l.fsys, file)
	if err != nil {
		l.fail(file, "", "%v", err)
		return
	}
	var af attackFile
	if err := decodeStrict(data, &af); err != nil {
		l.fail(file, "", "%v", err)
		return
	}
	if af.Version == "" {
		l.fail(file, "version", "missing ATT&CK version")
	}
	l.m.AttackVersion = af.Version
	for _, t := range af.Tactics {
		l.m.AttackTactics = append(l.m.AttackTactics, Ref{ID: t.ID, Name: t.Name})
	}
	for i, t := range af.Techniques {
		if !attackTechniqueID.MatchString(t.ID) {
			l.fail(file, fmt.Sprintf("techniques[%d].id", i), "malformed ATT&CK technique ID %q; expected T1234 or T1234.567", t.ID)
		}
		if _, dup := l.m.attackTech[t.ID]; dup {
			l.fail(file, fmt.Sprintf("techniques[%d].id", i), "duplicate ID %s", t.ID)
		}
		a := &AttackTechnique{ID: t.ID, Name: t.Name, FormerNames: t.FormerNames, Tactics: t.Tactics, ContainersPlatform: t.ContainersPlatform}
		l.m.attackTech[t.ID] = a
		l.m.AttackTechniques = append(l.m.AttackTechniques, a)
	}
	for i, x := range af.Mitigations {
		if !attackMitigationID.MatchString(x.ID) {
			l.fail(file, fmt.Sprintf("mitigations[%d].id", i), "malformed ATT&CK mitigation ID %q; expected M1234", x.ID)
		}
		if _, dup := l.m.attackMit[x.ID]; dup {
			l.fail(file, fmt.Sprintf("mitigations[%d].id", i), "duplicate ID %s", x.ID)
		}
		a := &AttackMitigation{ID: x.ID, Name: x.Name}
		l.m.attackMit[x.ID] = a
		l.m.AttackMitigations = append(l.m.AttackMitigations, a)
	}
	for i, t := range af.Tactics {
		if !attackTacticID.MatchString(t.ID) {
			l.fail(file, fmt.Sprintf("tactics[%d].id", i), "malformed ATT&CK tactic ID %q; expected TA1234", t.ID)
		}
	}
	sort.Slice(l.m.AttackTechniques, func(i, j int) bool { return l.m.AttackTechniques[i].ID < l.m.AttackTechniques[j].ID })
	sort.Slice(l.m.AttackMitigations, func(i, j int) bool { return l.m.AttackMitigations[i].ID < l.m.AttackMitigations[j].ID })
}

func (l *loader) loadTechniques() map[*Technique]techniqueFile {
	out := map[*Technique]techniqueFile{}
	for _, file := range l.glob("techniques/*.md") {
		var tf techniqueFile
		named, intro, ok := l.readMarkdown(file, &tf)
		if !ok {
			continue
		}
		t := &Technique{
			ID: tf.ID, Name: tf.Name, SitePath: tf.SitePath, Since: tf.Since,
			Aliases: tf.Aliases, FormerNames: tf.FormerNames, DataComponents: tf.DataComponents,
			Summary: intro, File: file,
		}
		l.takeSections(file, named, map[string]*string{
			"How it works":     &t.HowItWorks,
			"Where it applies": &t.WhereItApplies,
			"Detection":        &t.Detection,
		}, map[string]*string{"Notes": &t.Notes})
		if intro == "" {
			l.fail(file, "summary", "missing summary paragraph before the first heading")
		}
		if want := strings.TrimSuffix(path.Base(file), ".md"); tf.ID != want {
			l.fail(file, "id", "ID %q does not match the file name; rename the file to %s.md", tf.ID, tf.ID)
		}
		if _, dup := l.m.techniques[t.ID]; dup {
			l.fail(file, "id", "duplicate technique ID %s", t.ID)
		}
		l.m.techniques[t.ID] = t
		l.m.Techniques = append(l.m.Techniques, t)
		out[t] = tf
	}
	sortTechniques(l.m.Techniques)
	return out
}

func (l *loader) loadMitigations() map[*Mitigation]mitigationFile {
	out := map[*Mitigation]mitigationFile{}
	for _, file := range l.glob("mitigations/*.md") {
		var mf mitigationFile
		named, intro, ok := l.readMarkdown(file, &mf)
		if !ok {
			continue
		}
		x := &Mitigation{
			ID: mf.ID, Name: mf.Name, SitePath: mf.SitePath, Since: mf.Since,
			Aliases: mf.Aliases, FormerNames: mf.FormerNames, Summary: intro, File: file,
		}
		l.takeSections(file, named, map[string]*string{
			"With Kubernetes":     &x.WithKubernetes,
			"On managed services": &x.OnManagedServices,
		}, map[string]*string{"Example": &x.Example})
		if intro == "" {
			l.fail(file, "summary", "missing summary paragraph before the first heading")
		}
		if want := strings.TrimSuffix(path.Base(file), ".md"); mf.ID != want {
			l.fail(file, "id", "ID %q does not match the file name; rename the file to %s.md", mf.ID, mf.ID)
		}
		if _, dup := l.m.mitigations[x.ID]; dup {
			l.fail(file, "id", "duplicate mitigation ID %s", x.ID)
		}
		l.m.mitigations[x.ID] = x
		l.m.Mitigations = append(l.m.Mitigations, x)
		out[x] = mf
	}
	sort.Slice(l.m.Mitigations, func(i, j int) bool { return l.m.Mitigations[i].ID < l.m.Mitigations[j].ID })
	return out
}

func (l *loader) loadTactics() map[*Tactic]tacticFile {
	out := map[*Tactic]tacticFile{}
	for _, file := range l.glob("tactics/*.md") {
		var tf tacticFile
		named, intro, ok := l.readMarkdown(file, &tf)
		if !ok {
			continue
		}
		for h := range named {
			l.fail(file, "## "+h, "a tactic file has a summary paragraph and no sections")
		}
		t := &Tactic{Slug: tf.Slug, Name: tf.Name, Order: tf.Order, UpstreamSlug: tf.UpstreamSlug, Summary: intro, File: file}
		t.Attack = Ref{ID: tf.Attack}
		for _, key := range []string{tf.Slug, tf.Name, tf.UpstreamSlug, tf.Attack} {
			k := strings.ToLower(key)
			if k == "" {
				continue
			}
			if prev, dup := l.m.tactics[k]; dup && prev != t {
				l.fail(file, "slug", "tactic key %q is also used by %s", key, prev.File)
			}
			l.m.tactics[k] = t
		}
		l.m.Tactics = append(l.m.Tactics, t)
		out[t] = tf
	}
	sort.Slice(l.m.Tactics, func(i, j int) bool { return l.m.Tactics[i].Order < l.m.Tactics[j].Order })
	return out
}

func (l *loader) loadRetired() {
	const file = "retired.yaml"
	data, err := fs.ReadFile(l.fsys, file)
	if err != nil {
		l.fail(file, "", "%v", err)
		return
	}
	if err := decodeStrict(data, &l.m.Retired); err != nil {
		l.fail(file, "", "%v", err)
		return
	}
	for i := range l.m.Retired {
		r := &l.m.Retired[i]
		if _, dup := l.m.retired[r.ID]; dup {
			l.fail(file, fmt.Sprintf("[%d].id", i), "duplicate retired ID %s", r.ID)
		}
		l.m.retired[r.ID] = r
	}
}

func (l *loader) loadHistory() {
	const file = "history.yaml"
	data, err := fs.ReadFile(l.fsys, file)
	if err != nil {
		l.fail(file, "", "%v", err)
		return
	}
	if err := decodeStrict(data, &l.m.History); err != nil {
		l.fail(file, "", "%v", err)
	}
}

// resolve turns the IDs in the content files into pointers, and stores each
// technique-mitigation link once with both ends pointing to it.
func (l *loader) resolve(tfiles map[*Technique]techniqueFile, mfiles map[*Mitigation]mitigationFile, tacFiles map[*Tactic]tacticFile) {
	m := l.m
	for _, tac := range m.Tactics {
		tf := tacFiles[tac]
		if a := m.attackTacticByID(tf.Attack); a != nil {
			tac.Attack = *a
		} else {
			l.fail(tac.File, "attack", "ATT&CK tactic %q is not in attack.yaml", tf.Attack)
		}
		for i, id := range tf.Techniques {
			t, ok := m.techniques[id]
			if !ok {
				l.fail(tac.File, fmt.Sprintf("techniques[%d]", i), "unknown technique %q", id)
				continue
			}
			tac.Techniques = append(tac.Techniques, t)
			t.Tactics = append(t.Tactics, tac)
		}
	}

	for _, t := range m.Techniques {
		tf := tfiles[t]
		for i, id := range tf.Attack {
			a, ok := m.attackTech[id]
			if !ok {
				l.fail(t.File, fmt.Sprintf("attack[%d]", i), "ATT&CK technique %q is not in attack.yaml", id)
				continue
			}
			t.Attack = append(t.Attack, Ref{ID: a.ID, Name: a.Name})
			a.Techniques = append(a.Techniques, t)
		}
		for i, lf := range tf.Mitigations {
			x, ok := m.mitigations[lf.ID]
			if !ok {
				l.fail(t.File, fmt.Sprintf("mitigations[%d].id", i), "unknown mitigation %q", lf.ID)
				continue
			}
			if _, dup := t.Link(x.ID); dup {
				l.fail(t.File, fmt.Sprintf("mitigations[%d].id", i), "mitigation %s is listed twice", x.ID)
				continue
			}
			if strings.TrimSpace(lf.Note) == "" || lf.Note == "TODO" {
				l.fail(t.File, fmt.Sprintf("mitigations[%d].note", i), "missing note on how %s applies to this technique", x.ID)
			}
			link := &Link{Technique: t, Mitigation: x, Note: strings.TrimSpace(lf.Note)}
			t.Mitigations = append(t.Mitigations, link)
			x.Techniques = append(x.Techniques, link)
		}
	}

	for _, x := range m.Mitigations {
		mf := mfiles[x]
		if mf.Parent != "" {
			p, ok := m.mitigations[mf.Parent]
			if !ok {
				l.fail(x.File, "parent", "unknown parent mitigation %q", mf.Parent)
			} else {
				x.Parent = p
				p.Children = append(p.Children, x)
			}
		}
		for i, id := range mf.Attack {
			a, ok := m.attackMit[id]
			if !ok {
				l.fail(x.File, fmt.Sprintf("attack[%d]", i), "ATT&CK mitigation %q is not in attack.yaml", id)
				continue
			}
			x.Attack = append(x.Attack, Ref{ID: a.ID, Name: a.Name})
			a.Mitigations = append(a.Mitigations, x)
		}
		sort.Slice(x.Techniques, func(i, j int) bool { return x.Techniques[i].Technique.ID < x.Techniques[j].Technique.ID })
	}

	for i := range m.Retired {
		r := &m.Retired[i]
		if _, ok := m.techniques[r.Successor]; !ok {
			l.fail("retired.yaml", fmt.Sprintf("[%d].successor", i), "unknown technique %q", r.Successor)
		}
		if _, clash := m.techniques[r.ID]; clash {
			l.fail("retired.yaml", fmt.Sprintf("[%d].id", i), "%s is retired but still has a technique file", r.ID)
		}
	}
}

func (m *Matrix) attackTacticByID(id string) *Ref {
	for i := range m.AttackTactics {
		if m.AttackTactics[i].ID == id {
			return &m.AttackTactics[i]
		}
	}
	return nil
}

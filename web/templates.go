package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/kubethreat/kubethreat/matrix"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

//go:embed openapi.json
var openAPIDocument []byte

// templates holds one template set per page, each made of the shared
// layout, the shared partials and the page's own file.
type templates struct {
	pages map[string]*template.Template
}

func parseTemplates(funcs template.FuncMap) (*templates, error) {
	files, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	t := &templates{pages: map[string]*template.Template{}}
	for _, file := range files {
		name := path.Base(file)
		if name == "layout.html" || name == "partials.html" {
			continue
		}
		set, err := template.New(name).Funcs(funcs).ParseFS(templateFS,
			"templates/layout.html", "templates/partials.html", file)
		if err != nil {
			return nil, fmt.Errorf("web: parsing template %s: %w", file, err)
		}
		t.pages[strings.TrimSuffix(name, ".html")] = set
	}
	return t, nil
}

// page is the data every page template receives.
type page struct {
	Title       string
	Description string
	Section     string // the navigation entry to mark as current
	Query       string // the search box's value
	Canonical   string
	Matrix      *matrix.Matrix
	Assessments bool // the site has assessment pages
	Data        any
}

// render executes a page template into a buffer, so that a template error
// never sends half a page.
func (s *Site) render(name string, p page) ([]byte, error) {
	set, ok := s.tmpl.pages[name]
	if !ok {
		return nil, fmt.Errorf("web: no template %q", name)
	}
	p.Matrix = s.m
	p.Assessments = s.opts.Store != nil
	var buf bytes.Buffer
	if err := set.ExecuteTemplate(&buf, "layout", p); err != nil {
		return nil, fmt.Errorf("web: rendering %s: %w", name, err)
	}
	return buf.Bytes(), nil
}

// renderTo renders a page and writes it with the given status, with an
// ETag computed from the body.
func (s *Site) renderTo(w http.ResponseWriter, r *http.Request, status int, name string, p page) error {
	body, err := s.render(name, p)
	if err != nil {
		return err
	}
	rs := newDynamicResource("text/html; charset=utf-8", cacheRevalidate, body)
	rs.status = status
	if status != http.StatusOK {
		rs.cacheControl = []string{cacheNone}
	}
	rs.ServeHTTP(w, r)
	return nil
}

func (s *Site) templateFuncs() template.FuncMap {
	return template.FuncMap{
		"asset":         s.assetURL,
		"markdown":      Markdown,
		"inline":        MarkdownInline,
		"techniqueURL":  techniqueURL,
		"mitigationURL": mitigationURL,
		"tacticURL":     tacticURL,
		"idURL":         s.idURL,
		"upstreamURL":   upstreamURL,
		"resultURL":     resultURL,
		"join":          strings.Join,
		"plural":        plural,
		"tacticNames":   tacticNames,
		"attackURL":     func(id string) string { return matrix.Ref{ID: id}.URL() },
		"section":       newSection,
		"navItem":       newNavItem,
		"sentence":      sentence,

		"assessmentURL":  assessmentURL,
		"planURL":        planURL,
		"historyURL":     historyURL,
		"sourceURL":      func(source string) string { return listURL(source, 1) },
		"evidenceURL":    evidenceURL,
		"levelMarker":    levelMarker,
		"exposureMarker": exposureMarker,
		"dateTime":       func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") },
		"isoTime":        func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
		"weight":         func(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) },
		"priority":       func(f float64) string { return strconv.FormatFloat(f, 'f', 3, 64) },
	}
}

func techniqueURL(id string) string  { return "/techniques/" + id }
func mitigationURL(id string) string { return "/mitigations/" + id }
func tacticURL(slug string) string   { return "/tactics/" + slug }

// upstreamURL returns the address of a page on the upstream site. The
// path segments are escaped, since site paths contain spaces.
func upstreamURL(sitePath string) string {
	segs := strings.Split(sitePath, "/")
	for i, seg := range segs {
		segs[i] = url.PathEscape(seg)
	}
	return upstreamSite + strings.Join(segs, "/")
}

// idURL returns the page for any ID that Resolve accepts.
func (s *Site) idURL(id string) string {
	e, err := s.m.Resolve(id)
	if err != nil {
		return "/search?q=" + url.QueryEscape(id)
	}
	switch e.Kind {
	case matrix.KindTechnique:
		return techniqueURL(e.Technique.ID)
	case matrix.KindMitigation:
		return mitigationURL(e.Mitigation.ID)
	case matrix.KindRetired:
		return techniqueURL(e.Retired.Successor) + "?from=" + url.QueryEscape(e.Retired.ID)
	case matrix.KindTactic:
		return tacticURL(e.Tactic.Slug)
	case matrix.KindAttackTechnique:
		return "/attack#" + e.AttackTechnique.ID
	case matrix.KindAttackMitigation:
		return "/attack#" + e.AttackMitigation.ID
	}
	return "/search?q=" + url.QueryEscape(id)
}

// resultURL returns the page of a search result.
func resultURL(r matrix.Result) string {
	switch r.Kind {
	case matrix.KindTechnique:
		return techniqueURL(r.ID)
	case matrix.KindMitigation:
		return mitigationURL(r.ID)
	case matrix.KindTactic:
		return tacticURL(r.ID)
	case matrix.KindRetired:
		return techniqueURL(r.ID)
	case matrix.KindAttackTechnique, matrix.KindAttackMitigation:
		return "/attack#" + r.ID
	}
	return "/"
}

// plural returns "1 technique" or "3 techniques".
func plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}

func tacticNames(ts []*matrix.Tactic) string {
	names := make([]string, len(ts))
	for i, t := range ts {
		names[i] = t.Name
	}
	return strings.Join(names, ", ")
}

// sectionData is the input of the "section" template: one prose section of
// a page.
type sectionData struct {
	ID, Title, Text string
}

func newSection(id, title, text string) sectionData { return sectionData{id, title, text} }

// navItem is one entry of the main navigation.
type navItem struct {
	URL, Label string
	Current    bool
}

func newNavItem(p page, section, url, label string) navItem {
	return navItem{URL: url, Label: label, Current: p.Section == section}
}

// sentence returns a message with its first letter in upper case and a
// final period, for showing an error message as a sentence.
func sentence(msg string) string {
	if msg == "" {
		return msg
	}
	r, size := utf8.DecodeRuneInString(msg)
	msg = string(unicode.ToUpper(r)) + msg[size:]
	if !strings.HasSuffix(msg, ".") && !strings.HasSuffix(msg, "?") {
		msg += "."
	}
	return msg
}

// Package web serves the knowledge base as a server-rendered web site and a
// JSON API. Pages, API documents and assets that do not depend on the
// request are rendered once, when the Site is built, and served from
// memory; only filtered matrix views and searches are rendered per request.
package web

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sort"

	"github.com/kubethreat/kubethreat/check"
	"github.com/kubethreat/kubethreat/matrix"
	"github.com/kubethreat/kubethreat/store"
)

// DefaultMaxBodyBytes is the request body limit when Options.MaxBodyBytes
// is zero.
const DefaultMaxBodyBytes = 1 << 20

// Options configures a Site.
type Options struct {
	Matrix       *matrix.Matrix // required
	Logger       *slog.Logger   // nil discards logs
	AccessLog    bool           // log one line per request at level Info
	MaxBodyBytes int64          // request body limit; 0 means DefaultMaxBodyBytes

	// Store holds the assessments that the site shows on the matrix. Nil
	// leaves out the assessment pages and API.
	Store store.Store

	// Checks lists every check that exists, for the severity of techniques
	// in coverage computed from an uploaded scan result. Nil rates every
	// technique without a failing finding medium.
	Checks []*check.Check

	// AllowUpload adds the upload form and POST endpoints. Anyone who can
	// reach the server can then write to Store, so it is off by default.
	AllowUpload bool

	// MaxUploadBytes limits the body of an upload; 0 means
	// DefaultMaxUploadBytes.
	MaxUploadBytes int64
}

// Site is the web interface: an http.Handler with every route registered.
// Handle adds routes, for example for views that other packages provide.
type Site struct {
	opts    Options
	m       *matrix.Matrix
	log     *slog.Logger
	mux     *http.ServeMux
	handler http.Handler
	tmpl    *templates

	pages      map[string]*resource // pre-rendered pages by URL path
	apiDocs    map[string]*resource // pre-rendered API responses by URL path
	assets     map[string]*resource // static files by name
	assetPaths map[string]string    // asset name to its versioned URL
	retiredTo  map[string]*resource // successor page rendered for each retired ID
	redirects  *redirectTable
	apiRoutes  []string // API route patterns, for the OpenAPI cross-check

	assessments *assessmentCache // nil without Options.Store
	uploadToken string           // the upload form's CSRF token
}

// New builds a Site: it parses the templates, renders the static pages and
// API documents, and registers the routes.
func New(opts Options) (*Site, error) {
	if opts.Matrix == nil {
		return nil, errors.New("web: Options.Matrix is nil")
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if opts.MaxUploadBytes <= 0 {
		opts.MaxUploadBytes = DefaultMaxUploadBytes
	}
	if opts.AllowUpload && opts.Store == nil {
		return nil, errors.New("web: Options.AllowUpload needs Options.Store")
	}
	s := &Site{
		opts:      opts,
		m:         opts.Matrix,
		log:       opts.Logger,
		mux:       http.NewServeMux(),
		redirects: buildRedirects(opts.Matrix),
	}

	if err := s.loadAssets(); err != nil {
		return nil, err
	}
	tmpl, err := parseTemplates(s.templateFuncs())
	if err != nil {
		return nil, err
	}
	s.tmpl = tmpl
	if err := s.prerenderPages(); err != nil {
		return nil, fmt.Errorf("web: rendering pages: %w", err)
	}
	if err := s.prerenderAPI(); err != nil {
		return nil, fmt.Errorf("web: rendering API documents: %w", err)
	}
	if err := s.initAssessments(); err != nil {
		return nil, err
	}

	s.routes()
	s.handler = s.withSecurity(s.withAccessLog(s.mux))
	return s, nil
}

// ServeHTTP serves a request.
func (s *Site) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// Handle registers a page handler for a ServeMux pattern without a method.
// The handler gets the same security headers, access log and error pages
// as the built-in pages, and accepts only the listed methods (GET if none;
// GET also allows HEAD).
func (s *Site) Handle(pattern string, h HandlerFunc, methods ...string) {
	if len(methods) == 0 {
		methods = []string{http.MethodGet}
	}
	s.mux.Handle(pattern, s.wrap(htmlErrors, methods, h))
}

// HandleAPI is Handle for JSON endpoints: errors are sent as JSON.
func (s *Site) HandleAPI(pattern string, h HandlerFunc, methods ...string) {
	if len(methods) == 0 {
		methods = []string{http.MethodGet}
	}
	s.apiRoutes = append(s.apiRoutes, pattern)
	s.mux.Handle(pattern, s.wrap(jsonErrors, methods, h))
}

// APIRoutes returns the registered API route patterns, sorted.
func (s *Site) APIRoutes() []string {
	out := append([]string(nil), s.apiRoutes...)
	sort.Strings(out)
	return out
}

func (s *Site) routes() {
	s.Handle("/{$}", s.handleMatrix)
	s.Handle("/techniques", s.cached("/techniques"))
	s.Handle("/techniques/{id}", s.handleTechnique)
	s.Handle("/techniques/", s.handleUpstream)
	s.Handle("/mitigations", s.cached("/mitigations"))
	s.Handle("/mitigations/{id}", s.handleMitigation)
	s.Handle("/mitigations/", s.handleUpstream)
	s.Handle("/tactics", s.cached("/tactics"))
	s.Handle("/tactics/{slug}", s.handleTactic)
	s.Handle("/tactics/", s.handleUpstream)
	s.Handle("/attack", s.cached("/attack"))
	s.Handle("/history", s.cached("/history"))
	s.Handle("/about", s.cached("/about"))
	s.Handle("/search", s.handleSearch)
	s.Handle(upstreamPrefix+"/", s.handleUpstream)
	s.Handle("/static/{name}", s.handleAsset)
	s.Handle("/favicon.ico", s.handleFavicon)
	s.Handle("/robots.txt", s.handleRobots)
	s.Handle("/", s.handleNotFound)

	s.HandleAPI("/api/v1/openapi.json", s.cachedAPI("/api/v1/openapi.json"))
	s.HandleAPI("/api/v1/tactics", s.cachedAPI("/api/v1/tactics"))
	s.HandleAPI("/api/v1/tactics/{slug}", s.handleAPITactic)
	s.HandleAPI("/api/v1/techniques", s.cachedAPI("/api/v1/techniques"))
	s.HandleAPI("/api/v1/techniques/{id}", s.handleAPITechnique)
	s.HandleAPI("/api/v1/mitigations", s.cachedAPI("/api/v1/mitigations"))
	s.HandleAPI("/api/v1/mitigations/{id}", s.handleAPIMitigation)
	s.HandleAPI("/api/v1/attack", s.cachedAPI("/api/v1/attack"))
	s.HandleAPI("/api/v1/attack/{id}", s.handleAPIAttack)
	s.HandleAPI("/api/v1/history", s.cachedAPI("/api/v1/history"))
	s.HandleAPI("/api/v1/search", s.handleAPISearch)
	for _, e := range exports {
		s.HandleAPI(apiPrefix+"/export."+e.ext, s.cachedAPI(apiPrefix+"/export."+e.ext))
	}
	s.assessmentRoutes()
	s.mux.Handle("/api/", s.wrap(jsonErrors, []string{http.MethodGet}, s.handleAPINotFound))
}

// cached returns a handler for a pre-rendered page.
func (s *Site) cached(path string) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		rs, ok := s.pages[path]
		if !ok {
			return fmt.Errorf("page %s was not pre-rendered", path)
		}
		rs.ServeHTTP(w, r)
		return nil
	}
}

// cachedAPI returns a handler for a pre-rendered API document.
func (s *Site) cachedAPI(path string) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		rs, ok := s.apiDocs[path]
		if !ok {
			return fmt.Errorf("API document %s was not pre-rendered", path)
		}
		rs.ServeHTTP(w, r)
		return nil
	}
}

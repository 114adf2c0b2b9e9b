package web

import (
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
)

// loadAssets reads the embedded static files. Each gets a versioned URL,
// /static/NAME?v=HASH, so that it can be cached without revalidation.
func (s *Site) loadAssets() error {
	s.assets = map[string]*resource{}
	s.assetPaths = map[string]string{}
	entries, err := fs.ReadDir(staticFS, "static")
	if err != nil {
		return fmt.Errorf("web: reading static files: %w", err)
	}
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		name := e.Name()
		body, err := fs.ReadFile(staticFS, path.Join("static", name))
		if err != nil {
			return fmt.Errorf("web: reading static file %s: %w", name, err)
		}
		ct := mime.TypeByExtension(path.Ext(name))
		if ct == "" {
			ct = "application/octet-stream"
		}
		rs := newResource(ct, cacheImmutable, body)
		s.assets[name] = rs
		s.assetPaths[name] = "/static/" + name + "?v=" + strings.Trim(rs.etag, `"`)[:12]
	}
	return nil
}

// assetURL returns the versioned URL of a static file. Templates call it,
// so an unknown name is a bug that shows up when the pages are rendered.
func (s *Site) assetURL(name string) (string, error) {
	p, ok := s.assetPaths[name]
	if !ok {
		return "", fmt.Errorf("unknown static file %q", name)
	}
	return p, nil
}

func (s *Site) handleAsset(w http.ResponseWriter, r *http.Request) error {
	rs, ok := s.assets[r.PathValue("name")]
	if !ok {
		return errNotFound("no static file %q", r.PathValue("name"))
	}
	rs.ServeHTTP(w, r)
	return nil
}

// handleFavicon serves the icon at the address browsers ask for on their
// own.
func (s *Site) handleFavicon(w http.ResponseWriter, r *http.Request) error {
	rs, ok := s.assets["favicon.svg"]
	if !ok {
		return errNotFound("no favicon")
	}
	rs.ServeHTTP(w, r)
	return nil
}

var robotsTxt = newResource("text/plain; charset=utf-8", cacheRevalidate, []byte("User-agent: *\nDisallow: /api/\n"))

func (s *Site) handleRobots(w http.ResponseWriter, r *http.Request) error {
	robotsTxt.ServeHTTP(w, r)
	return nil
}

package image

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// Reference is a parsed container image reference, as in
// "registry.example.com:5000/team/app:1.2@sha256:...". The grammar is the
// one of the distribution project that Docker, containerd and CRI-O share.
type Reference struct {
	Registry   string // such as "docker.io" or "registry.example.com:5000"
	Repository string // such as "library/nginx"
	Tag        string // "" when the reference has none
	Digest     string // such as "sha256:...", "" when the reference has none
}

// defaultRegistry is the registry of references that name none.
const defaultRegistry = "docker.io"

var (
	pathComponent = regexp.MustCompile(`^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$`)
	tagPattern    = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$`)
	digestPattern = regexp.MustCompile(`^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$`)
	sha256Digest  = regexp.MustCompile(`^sha256:[a-f0-9]{64}$`)
	hostPattern   = regexp.MustCompile(`^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[a-fA-F0-9:]+\])(?::[0-9]+)?$`)
)

// ParseReference parses an image reference. A reference without a
// registry is on Docker Hub, and a Docker Hub repository of one component
// is in "library/", so "nginx" is docker.io/library/nginx.
func ParseReference(s string) (Reference, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Reference{}, errors.New("empty image reference")
	}

	var ref Reference
	name := s
	if at := strings.IndexByte(name, '@'); at >= 0 {
		name, ref.Digest = name[:at], name[at+1:]
		if err := checkDigest(ref.Digest); err != nil {
			return Reference{}, err
		}
	}
	if colon := strings.LastIndexByte(name, ':'); colon > strings.LastIndexByte(name, '/') {
		name, ref.Tag = name[:colon], name[colon+1:]
		if !tagPattern.MatchString(ref.Tag) {
			return Reference{}, fmt.Errorf("invalid tag %q", ref.Tag)
		}
	}

	ref.Registry, ref.Repository = splitRegistry(name)
	if !hostPattern.MatchString(ref.Registry) {
		return Reference{}, fmt.Errorf("invalid registry %q", ref.Registry)
	}
	for _, c := range strings.Split(ref.Repository, "/") {
		if !pathComponent.MatchString(c) {
			return Reference{}, fmt.Errorf("invalid repository %q: path components are lower-case letters, digits and separators", ref.Repository)
		}
	}
	if len(ref.Registry)+1+len(ref.Repository) > 255 {
		return Reference{}, fmt.Errorf("image name %q is longer than 255 characters", name)
	}
	return ref, nil
}

// splitRegistry splits a name into registry and repository. The first
// component is a registry when it contains a dot or a colon, is
// "localhost", or has upper-case letters, which repositories cannot have.
func splitRegistry(name string) (registry, repository string) {
	first, rest, found := strings.Cut(name, "/")
	isHost := found && (strings.ContainsAny(first, ".:") || first == "localhost" || strings.ToLower(first) != first)
	if !isHost {
		registry, repository = defaultRegistry, name
	} else {
		registry, repository = first, rest
	}
	if registry == "index.docker.io" || registry == "registry-1.docker.io" {
		registry = defaultRegistry
	}
	if registry == defaultRegistry && !strings.Contains(repository, "/") {
		repository = "library/" + repository
	}
	return registry, repository
}

func checkDigest(d string) error {
	if !digestPattern.MatchString(d) {
		return fmt.Errorf("invalid digest %q", d)
	}
	if strings.HasPrefix(d, "sha256:") && !sha256Digest.MatchString(d) {
		return fmt.Errorf("invalid digest %q: sha256 needs 64 lower-case hex digits", d)
	}
	return nil
}

// Name returns the registry and repository, as in
// "docker.io/library/nginx".
func (r Reference) Name() string { return r.Registry + "/" + r.Repository }

// String returns the reference in its full form.
func (r Reference) String() string {
	s := r.Name()
	if r.Tag != "" {
		s += ":" + r.Tag
	}
	if r.Digest != "" {
		s += "@" + r.Digest
	}
	return s
}

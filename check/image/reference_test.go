package image

import (
	"strings"
	"testing"
)

func TestParseReference(t *testing.T) {
	digest := "sha256:" + strings.Repeat("ab", 32)
	tests := []struct {
		in   string
		want Reference
	}{
		{"nginx", Reference{Registry: "docker.io", Repository: "library/nginx"}},
		{"nginx:1.27", Reference{Registry: "docker.io", Repository: "library/nginx", Tag: "1.27"}},
		{"bitnami/redis:7.2", Reference{Registry: "docker.io", Repository: "bitnami/redis", Tag: "7.2"}},
		{"docker.io/nginx", Reference{Registry: "docker.io", Repository: "library/nginx"}},
		{"index.docker.io/library/nginx:latest", Reference{Registry: "docker.io", Repository: "library/nginx", Tag: "latest"}},
		{"localhost/app", Reference{Registry: "localhost", Repository: "app"}},
		{"localhost:5000/app:dev", Reference{Registry: "localhost:5000", Repository: "app", Tag: "dev"}},
		{"registry.example.com:5000/team/app", Reference{Registry: "registry.example.com:5000", Repository: "team/app"}},
		{"Registry/app", Reference{Registry: "Registry", Repository: "app"}},
		{"ghcr.io/acme/app@" + digest, Reference{Registry: "ghcr.io", Repository: "acme/app", Digest: digest}},
		{"ghcr.io/acme/app:1.0@" + digest, Reference{Registry: "ghcr.io", Repository: "acme/app", Tag: "1.0", Digest: digest}},
		{"[::1]:5000/app:1", Reference{Registry: "[::1]:5000", Repository: "app", Tag: "1"}},
		{"quay.io/prometheus/node-exporter:v1.8.2", Reference{Registry: "quay.io", Repository: "prometheus/node-exporter", Tag: "v1.8.2"}},
		{"gcr.io/my_project/a__b/c-d.e:1", Reference{Registry: "gcr.io", Repository: "my_project/a__b/c-d.e", Tag: "1"}},
		{" nginx:1.27 ", Reference{Registry: "docker.io", Repository: "library/nginx", Tag: "1.27"}},
	}
	for _, tt := range tests {
		got, err := ParseReference(tt.in)
		if err != nil {
			t.Errorf("ParseReference(%q): %v", tt.in, err)
			continue
		}
		if got != tt.want {
			t.Errorf("ParseReference(%q) = %+v, want %+v", tt.in, got, tt.want)
		}
	}
}

func TestParseReferenceRejects(t *testing.T) {
	for _, in := range []string{
		"",
		"{{ .Values.image }}",
		"nginx:",
		"nginx:bad/tag",
		"Nginx:1.0",
		"app@sha256:1234",
		"app@" + "sha256:" + strings.Repeat("AB", 32),
		"app@nodigest",
		"registry.example.com/Team/app",
		"registry.example.com//app",
		"-bad.example.com/app",
		"docker.io/-app",
	} {
		if ref, err := ParseReference(in); err == nil {
			t.Errorf("ParseReference(%q) = %+v, want an error", in, ref)
		}
	}
}

func TestAllowed(t *testing.T) {
	tests := []struct {
		image    string
		prefixes []string
		want     bool
	}{
		{"nginx", []string{"docker.io"}, true},
		{"nginx", []string{"index.docker.io/library/"}, true},
		{"nginx", []string{"docker.io/bitnami/"}, false},
		{"registry.example.com/app", []string{"registry.example.com/"}, true},
		{"registry.example.com/app", []string{"https://registry.example.com"}, true},
		{"registry.example.com.evil.test/app", []string{"registry.example.com"}, false},
		{"registry.example.com:5000/app", []string{"registry.example.com"}, false},
		{"ghcr.io/acme/app", []string{"ghcr.io/acme"}, true},
		{"ghcr.io/acme", []string{"ghcr.io/acme"}, true},
		{"ghcr.io/acmecorp/app", []string{"ghcr.io/acme"}, false},
		{"ghcr.io/acmecorp/app", []string{"ghcr.io/acme/"}, false},
		{"eu.gcr.io/proj/app", []string{"*.gcr.io"}, true},
		{"gcr.io/proj/app", []string{"*.gcr.io"}, false},
		{"eu.gcr.io/proj/app", []string{"*.gcr.io/proj/"}, true},
		{"eu.gcr.io/other/app", []string{"*.gcr.io/proj/"}, false},
		{"REGISTRY.example.com/app", []string{"registry.example.com/"}, true},
		{"nginx", []string{" ", ""}, false},
	}
	for _, tt := range tests {
		ref, err := ParseReference(tt.image)
		if err != nil {
			t.Fatalf("ParseReference(%q): %v", tt.image, err)
		}
		if got := allowed(ref, tt.prefixes); got != tt.want {
			t.Errorf("allowed(%q, %q) = %v, want %v", tt.image, tt.prefixes, got, tt.want)
		}
	}
}

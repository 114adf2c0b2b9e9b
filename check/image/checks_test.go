package image_test

import (
	"path/filepath"
	"testing"

	"github.com/kubethreat/kubethreat/check"
	"github.com/kubethreat/kubethreat/check/checktest"
	_ "github.com/kubethreat/kubethreat/check/image"
)

// config allows the registries that the fixtures treat as trusted.
var config = check.Config{AllowedRegistries: []string{"registry.example.com/", "ghcr.io/acme"}}

func TestFixtures(t *testing.T) {
	checktest.Fixtures(t, "testdata", "image-", config)
}

func TestRegistryCheckWithoutAllowList(t *testing.T) {
	for _, file := range []string{"fail-docker-hub.yaml", "pass-allowed.yaml"} {
		inv := checktest.Load(t, filepath.Join("testdata", "image-registry-not-allowed", file))
		res := checktest.RunCheck(t, "image-registry-not-allowed", inv, check.Config{})
		st := res.Stats["image-registry-not-allowed"]
		if st.Passed != 0 || st.Failed != 0 || st.NotEvaluated != 1 {
			t.Errorf("%s: stats %+v, want one not-evaluated result and nothing else", file, st)
		}
		for _, f := range res.Findings {
			want := "no allowed registries configured; set allowedRegistries in .kubethreat.yaml"
			if f.Reason != want {
				t.Errorf("%s: reason %q, want %q", file, f.Reason, want)
			}
		}
	}
}

func TestUnparsableImageNotEvaluated(t *testing.T) {
	inv := checktest.Load(t, filepath.Join("testdata", "cases", "templated-image.yaml"))
	for _, id := range []string{"image-mutable-tag", "image-no-digest", "image-registry-not-allowed"} {
		res := checktest.RunCheck(t, id, inv, config)
		st := res.Stats[id]
		if st.Passed != 0 || st.Failed != 0 || st.NotEvaluated != 1 {
			t.Errorf("%s: stats %+v, want one not-evaluated result and nothing else", id, st)
		}
	}
}

func TestImageMessages(t *testing.T) {
	tests := []struct {
		id, file, path, message string
	}{
		{
			"image-mutable-tag", "image-mutable-tag/fail-latest-in-init.yaml", "spec.template.spec.initContainers[0].image",
			`init container "migrate" in Deployment "shop/api" uses image "registry.example.com:5000/shop/migrate:latest" with the latest tag; pin a version tag and a digest`,
		},
		{
			"image-mutable-tag", "image-mutable-tag/fail-no-tag.yaml", "spec.containers[0].image",
			`container "web" in Pod "web" uses image "nginx" without a tag, which pulls latest; pin a version tag and a digest`,
		},
		{
			"image-registry-not-allowed", "image-registry-not-allowed/fail-docker-hub.yaml", "spec.containers[0].image",
			`container "web" in Pod "shop/web" uses image "nginx:1.27" from docker.io/library/nginx, which allowedRegistries (registry.example.com/, ghcr.io/acme) does not list; pull it from an allowed registry`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			res := checktest.RunCheck(t, tt.id, checktest.Load(t, filepath.Join("testdata", tt.file)), config)
			var got []check.Finding
			for _, f := range res.Findings {
				if f.Status == check.Fail {
					got = append(got, f)
				}
			}
			if len(got) != 1 {
				t.Fatalf("got %d failures, want 1: %+v", len(got), got)
			}
			if got[0].FieldPath != tt.path {
				t.Errorf("field path %q, want %q", got[0].FieldPath, tt.path)
			}
			if got[0].Message != tt.message {
				t.Errorf("message\n got %s\nwant %s", got[0].Message, tt.message)
			}
		})
	}
}

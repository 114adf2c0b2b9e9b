package image

import (
	"github.com/kubethreat/kubethreat/check"
	"github.com/kubethreat/kubethreat/check/pod/podcheck"
	"github.com/kubethreat/kubethreat/source"
)

func init() {
	check.Register(&check.Check{
		ID:    "image-mutable-tag",
		Title: "Image uses the latest tag or no tag",
		Rationale: "The latest tag, which a reference without a tag means, moves with every push, so " +
			"the code a node runs changes without a change to the manifest, and a poisoned push " +
			"reaches the cluster at the next pull.",
		Remediation: "Pin the image to a version tag and its digest, as in " +
			"registry.example.com/app:1.4.2@sha256:<digest>.",
		Severity:    check.Medium,
		Techniques:  []string{"MS-TA9002"},
		Mitigations: mitigations,
		Since:       "0.1.0",
		Needs:       podcheck.Resources,
		Object:      checkMutableTag,
	})
}

func checkMutableTag(_ *check.Context, o *source.Object, r *check.Reporter) {
	eachImage(o, r, func(c check.Container, v source.Value, ref Reference, t *podcheck.Tally) {
		if ref.Digest != "" {
			return
		}
		switch ref.Tag {
		case "":
			t.Fail(v, v.Str(),
				"%s in %s uses image %q without a tag, which pulls latest; pin a version tag and a digest",
				podcheck.Describe(c), o.Ref, v.Str())
		case "latest":
			t.Fail(v, v.Str(),
				"%s in %s uses image %q with the latest tag; pin a version tag and a digest",
				podcheck.Describe(c), o.Ref, v.Str())
		}
	})
}

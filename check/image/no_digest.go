package image

import (
	"github.com/kubethreat/kubethreat/check"
	"github.com/kubethreat/kubethreat/check/pod/podcheck"
	"github.com/kubethreat/kubethreat/source"
)

func init() {
	check.Register(&check.Check{
		ID:    "image-no-digest",
		Title: "Image is not pinned by digest",
		Rationale: "Tags can be moved to other content by anyone who can push to the repository; only " +
			"a digest names fixed content, so only a digest guarantees that the image that was " +
			"reviewed and scanned is the one that runs.",
		Remediation: "Add the image's digest to the reference, as in " +
			"registry.example.com/app:1.4.2@sha256:<digest>, and let a tool such as Renovate update it.",
		Severity:    check.Low,
		Techniques:  []string{"MS-TA9002"},
		Mitigations: mitigations,
		Since:       "0.1.0",
		Needs:       podcheck.Resources,
		Object:      checkNoDigest,
	})
}

func checkNoDigest(_ *check.Context, o *source.Object, r *check.Reporter) {
	eachImage(o, r, func(c check.Container, v source.Value, ref Reference, t *podcheck.Tally) {
		if ref.Digest == "" {
			t.Fail(v, v.Str(),
				"%s in %s uses image %q without a digest; append @sha256:<digest> to the reference",
				podcheck.Describe(c), o.Ref, v.Str())
		}
	})
}

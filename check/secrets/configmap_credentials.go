package secrets

import (
	"encoding/base64"
	"strings"
	"unicode/utf8"

	"github.com/kubethreat/kubethreat/check"
	"github.com/kubethreat/kubethreat/source"
)

func init() {
	check.Register(&check.Check{
		ID:    "secrets-configmap-credentials",
		Title: "Credential in a ConfigMap",
		Rationale: "ConfigMaps are not meant for secrets: they are readable by anyone with get on " +
			"configmaps, are not encrypted at rest by default and end up in Git, so a credential in " +
			"one, including inside an embedded configuration file, is exposed.",
		Remediation: "Move the credential to a Secret or a managed secret store and mount it or " +
			"reference it from the configuration file; rotate the credential, because it was exposed.",
		Severity:    check.High,
		Techniques:  []string{"MS-TA9027"},
		Mitigations: []string{"MS-M9026", "MS-M9022"},
		Since:       "0.1.0",
		Needs:       []string{"configmaps"},
		Object:      checkConfigMapCredentials,
	})
}

func checkConfigMapCredentials(_ *check.Context, o *source.Object, r *check.Reporter) {
	if o.Kind != "ConfigMap" {
		return
	}

	failures := 0
	for _, e := range o.Root().Field("data").Entries() {
		failures += reportText(o, r, e.Key, e.Value, e.Value.Str(), "data")
	}
	for _, e := range o.Root().Field("binaryData").Entries() {
		text, ok := decodeText(e.Value.Str())
		if ok {
			failures += reportText(o, r, e.Key, e.Value, text, "binaryData")
		}
	}

	if failures == 0 {
		r.Pass(o.Ref, o.Loc)
	}
}

// reportText reports the credentials in one ConfigMap value and returns how
// many it found.
func reportText(o *source.Object, r *check.Reporter, key string, v source.Value, text, field string) int {
	found := scanText(key, text)
	for _, f := range found {
		evidence := Redact(f.Secret)
		if f.Line > 0 {
			r.Fail(v, evidence,
				"%s sets %s on line %d of %s key %q to %s (%s); move it to a Secret and reference it from there",
				o.Ref, f.Key, f.Line, field, key, f.Kind, evidence)
			continue
		}
		r.Fail(v, evidence,
			"%s holds %s (%s) in %s key %q; move it to a Secret and reference it from there",
			o.Ref, f.Kind, evidence, field, key)
	}
	return len(found)
}

// decodeText decodes a binaryData value and returns it when it is UTF-8
// text, the only kind this check scans.
func decodeText(encoded string) (string, bool) {
	data, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(encoded), ""))
	if err != nil || !utf8.Valid(data) {
		return "", false
	}
	return string(data), true
}

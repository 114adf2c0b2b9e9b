// Package suppress applies suppressions to the findings of a scan: the
// kubethreat.io/ignore annotation on an object, and the exceptions of the
// configuration file. A suppressed finding keeps its data and gets status
// suppressed with the suppression's source, reason and expiry, so that a
// report still shows what was accepted and why.
package suppress

import (
	"fmt"
	"strings"
	"unicode"
)

// AnnotationKey is the annotation that suppresses checks on one object.
const AnnotationKey = "kubethreat.io/ignore"

// AnnotationSource is the Suppression.Source of findings suppressed by the
// annotation.
const AnnotationSource = "annotation"

// Annotation is a parsed kubethreat.io/ignore value.
type Annotation struct {
	Checks []string // check IDs, in the order written, without duplicates
	Reason string
}

// ParseAnnotation parses an annotation value of the form
//
//	<check-id>[,<check-id>...] -- <reason>
//
// Spaces around the IDs and the reason are ignored. The reason is
// required: a value without "--" followed by text is an error, because an
// accepted risk with no recorded reason cannot be reviewed later. Only the
// first "--" separates, so the reason may itself contain "--". Check IDs
// never contain "--".
func ParseAnnotation(value string) (Annotation, error) {
	ids, reason, found := strings.Cut(value, "--")
	if !found {
		return Annotation{}, fmt.Errorf("%s %q has no reason; write it as \"<check-id>[,<check-id>] -- <reason>\"", AnnotationKey, value)
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return Annotation{}, fmt.Errorf("%s %q has an empty reason after \"--\"; say why the finding is accepted", AnnotationKey, value)
	}

	var a Annotation
	a.Reason = reason
	seen := map[string]bool{}
	for _, id := range strings.Split(ids, ",") {
		id = strings.TrimSpace(id)
		switch {
		case id == "":
			return Annotation{}, fmt.Errorf("%s %q has an empty check ID; separate IDs with single commas", AnnotationKey, value)
		case strings.IndexFunc(id, unicode.IsSpace) >= 0:
			return Annotation{}, fmt.Errorf("%s %q: %q is not a check ID; separate IDs with commas", AnnotationKey, value, id)
		case seen[id]:
			continue
		}
		seen[id] = true
		a.Checks = append(a.Checks, id)
	}
	return a, nil
}

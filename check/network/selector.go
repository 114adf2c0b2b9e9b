package network

import (
	"fmt"
	"slices"

	"github.com/kubethreat/kubethreat/source"
)

// SelectorMatches reports whether a label selector (the metav1.LabelSelector
// shape: matchLabels and matchExpressions) selects an object with the given
// labels. Every term must hold. An empty selector selects every object; so
// does an absent one, which callers that treat "absent" as "nothing" must
// check first. A selector the API server would reject, such as one with an
// unknown operator or a label written outside matchLabels, returns an error
// and selects nothing.
func SelectorMatches(sel source.Value, labels map[string]string) (bool, error) {
	return CompileSelector(sel).Matches(labels)
}

// Selector is a label selector parsed once, to be matched against many
// label sets.
type Selector struct {
	all    bool // absent: selects everything
	labels map[string]string
	terms  []requirement
	err    error
}

// requirement is one term of matchExpressions.
type requirement struct {
	key, op string
	values  []string
}

// CompileSelector parses a label selector for Matches. A selector the API
// server would reject is kept with its error, which Matches returns.
func CompileSelector(sel source.Value) Selector {
	if !sel.Exists() {
		return Selector{all: true}
	}
	if !sel.IsMap() {
		return Selector{err: fmt.Errorf("%s: selector is not a mapping", sel.Path())}
	}
	for _, e := range sel.Entries() {
		if e.Key != "matchLabels" && e.Key != "matchExpressions" {
			return Selector{err: fmt.Errorf("%s: unknown selector field %q; labels belong under matchLabels", sel.Path(), e.Key)}
		}
	}
	s := Selector{labels: sel.Field("matchLabels").StringMap()}
	for _, expr := range sel.Field("matchExpressions").Items() {
		req, err := parseRequirement(expr)
		if err != nil {
			return Selector{err: err}
		}
		s.terms = append(s.terms, req)
	}
	return s
}

// Matches reports whether the selector selects an object with the given
// labels, or the error that makes the selector invalid.
func (s Selector) Matches(labels map[string]string) (bool, error) {
	if s.err != nil {
		return false, s.err
	}
	if s.all {
		return true, nil
	}
	for key, want := range s.labels {
		if got, ok := labels[key]; !ok || got != want {
			return false, nil
		}
	}
	for _, req := range s.terms {
		got, has := labels[req.key]
		var ok bool
		switch req.op {
		case "In":
			ok = has && slices.Contains(req.values, got)
		case "NotIn":
			ok = !has || !slices.Contains(req.values, got)
		case "Exists":
			ok = has
		case "DoesNotExist":
			ok = !has
		}
		if !ok {
			return false, nil
		}
	}
	return true, nil
}

func parseRequirement(expr source.Value) (requirement, error) {
	req := requirement{
		key:    expr.Field("key").Str(),
		op:     expr.Field("operator").Str(),
		values: expr.Field("values").Strings(),
	}
	switch req.op {
	case "In", "NotIn":
		if len(req.values) == 0 {
			return req, fmt.Errorf("%s: operator %s needs at least one value", expr.Path(), req.op)
		}
		return req, nil
	case "Exists", "DoesNotExist":
		if len(req.values) != 0 {
			return req, fmt.Errorf("%s: operator %s takes no values", expr.Path(), req.op)
		}
		return req, nil
	}
	return req, fmt.Errorf("%s: unknown operator %q; use In, NotIn, Exists or DoesNotExist", expr.Path(), req.op)
}

// SelectorIsEmpty reports whether a present selector has no terms, so that
// it selects everything.
func SelectorIsEmpty(sel source.Value) bool {
	return sel.Field("matchLabels").Len() == 0 && sel.Field("matchExpressions").Len() == 0
}

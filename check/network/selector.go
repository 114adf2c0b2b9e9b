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
	if !sel.Exists() {
		return true, nil
	}
	if !sel.IsMap() {
		return false, fmt.Errorf("%s: selector is not a mapping", sel.Path())
	}
	for _, e := range sel.Entries() {
		if e.Key != "matchLabels" && e.Key != "matchExpressions" {
			return false, fmt.Errorf("%s: unknown selector field %q; labels belong under matchLabels", sel.Path(), e.Key)
		}
	}

	for key, want := range sel.Field("matchLabels").StringMap() {
		if got, ok := labels[key]; !ok || got != want {
			return false, nil
		}
	}
	for _, expr := range sel.Field("matchExpressions").Items() {
		ok, err := expressionMatches(expr, labels)
		if err != nil || !ok {
			return false, err
		}
	}
	return true, nil
}

func expressionMatches(expr source.Value, labels map[string]string) (bool, error) {
	key := expr.Field("key").Str()
	op := expr.Field("operator").Str()
	values := expr.Field("values").Strings()
	got, has := labels[key]

	switch op {
	case "In", "NotIn":
		if len(values) == 0 {
			return false, fmt.Errorf("%s: operator %s needs at least one value", expr.Path(), op)
		}
		in := has && slices.Contains(values, got)
		if op == "In" {
			return in, nil
		}
		return !in, nil
	case "Exists", "DoesNotExist":
		if len(values) != 0 {
			return false, fmt.Errorf("%s: operator %s takes no values", expr.Path(), op)
		}
		return has == (op == "Exists"), nil
	}
	return false, fmt.Errorf("%s: unknown operator %q; use In, NotIn, Exists or DoesNotExist", expr.Path(), op)
}

// SelectorIsEmpty reports whether a present selector has no terms, so that
// it selects everything.
func SelectorIsEmpty(sel source.Value) bool {
	return sel.Field("matchLabels").Len() == 0 && sel.Field("matchExpressions").Len() == 0
}

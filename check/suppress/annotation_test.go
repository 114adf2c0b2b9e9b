package suppress

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseAnnotation(t *testing.T) {
	tests := []struct {
		value      string
		wantChecks []string
		wantReason string
	}{
		{"pod-privileged -- the CNI agent needs it", []string{"pod-privileged"}, "the CNI agent needs it"},
		{"pod-privileged,pod-host-network -- node agent", []string{"pod-privileged", "pod-host-network"}, "node agent"},
		{" pod-privileged , pod-host-network --node agent ", []string{"pod-privileged", "pod-host-network"}, "node agent"},
		{"a,a,b -- dup", []string{"a", "b"}, "dup"},
		{"a -- reason -- with dashes", []string{"a"}, "reason -- with dashes"},
		{"a--tight", []string{"a"}, "tight"},
	}
	for _, tc := range tests {
		got, err := ParseAnnotation(tc.value)
		if err != nil {
			t.Errorf("ParseAnnotation(%q): %v", tc.value, err)
			continue
		}
		if !reflect.DeepEqual(got.Checks, tc.wantChecks) {
			t.Errorf("ParseAnnotation(%q).Checks = %q, want %q", tc.value, got.Checks, tc.wantChecks)
		}
		if got.Reason != tc.wantReason {
			t.Errorf("ParseAnnotation(%q).Reason = %q, want %q", tc.value, got.Reason, tc.wantReason)
		}
	}
}

func TestParseAnnotationErrors(t *testing.T) {
	tests := []struct {
		value string
		want  string
	}{
		{"pod-privileged", "has no reason"},
		{"pod-privileged --", "empty reason"},
		{"pod-privileged --   ", "empty reason"},
		{"", "has no reason"},
		{" -- reason", "empty check ID"},
		{"a,,b -- reason", "empty check ID"},
		{"a, -- reason", "empty check ID"},
		{"pod privileged -- reason", `"pod privileged" is not a check ID`},
	}
	for _, tc := range tests {
		_, err := ParseAnnotation(tc.value)
		if err == nil {
			t.Errorf("ParseAnnotation(%q): want an error, got none", tc.value)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseAnnotation(%q) error %q lacks %q", tc.value, err, tc.want)
		}
	}
}

func FuzzParseAnnotation(f *testing.F) {
	for _, s := range []string{"a -- b", "a,b--c", "--", "a,,b -- c", " -- ", "a -- b -- c", "\x00--\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, value string) {
		a, err := ParseAnnotation(value)
		if err != nil {
			return
		}
		if a.Reason == "" || strings.TrimSpace(a.Reason) != a.Reason {
			t.Fatalf("ParseAnnotation(%q) accepted reason %q", value, a.Reason)
		}
		if len(a.Checks) == 0 {
			t.Fatalf("ParseAnnotation(%q) accepted no check ID", value)
		}
		seen := map[string]bool{}
		for _, id := range a.Checks {
			if id == "" || strings.ContainsAny(id, ", \t\n") || strings.Contains(id, "--") {
				t.Fatalf("ParseAnnotation(%q) accepted check ID %q", value, id)
			}
			if seen[id] {
				t.Fatalf("ParseAnnotation(%q) kept duplicate %q", value, id)
			}
			seen[id] = true
		}
		if !strings.Contains(value, "--") {
			t.Fatalf("ParseAnnotation(%q) accepted a value without a reason separator", value)
		}
	})
}

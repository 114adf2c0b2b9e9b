package nearest

import (
	"slices"
	"testing"
)

func TestDistance(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"abc", "", 3}, {"kitten", "sitting", 3}, {"MS-M925", "MS-M9025", 1},
	}
	for _, tc := range tests {
		if got := Distance(tc.a, tc.b); got != tc.want {
			t.Errorf("Distance(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}

func TestNames(t *testing.T) {
	known := []string{"pod-privileged", "pod-host-pid", "pod-host-ipc", "rbac-wildcard-role"}
	tests := []struct {
		key  string
		n    int
		want []string
	}{
		{"pod-privilegd", 3, []string{"pod-privileged"}},
		{"POD-HOST-PDI", 3, []string{"pod-host-pid", "pod-host-ipc"}},
		{"pod-host-pdi", 1, []string{"pod-host-pid"}},
		{"zzzzzzzzzzzzzz", 3, []string{}},
		{"", 3, nil},
	}
	for _, tc := range tests {
		if got := Names(tc.key, known, tc.n); !slices.Equal(got, tc.want) {
			t.Errorf("Names(%q, %d) = %q, want %q", tc.key, tc.n, got, tc.want)
		}
	}
}

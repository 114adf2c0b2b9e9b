// Package nearest finds the known names closest to a mistyped one, for
// "did you mean" hints.
package nearest

import (
	"sort"
	"strings"
)

// Names returns up to n of the candidates closest to key by edit distance,
// ignoring case, nearest first and then in byte order. Candidates further
// than half the key's length, or than 2 for short keys, are left out.
func Names(key string, candidates []string, n int) []string {
	key = strings.ToUpper(strings.TrimSpace(key))
	if key == "" || n <= 0 {
		return nil
	}
	type scored struct {
		name string
		dist int
	}
	var all []scored
	for _, c := range candidates {
		if d := Distance(key, strings.ToUpper(c)); d <= max(2, len(key)/2) {
			all = append(all, scored{c, d})
		}
	}
	sort.SliceStable(all, func(i, j int) bool {
		if all[i].dist != all[j].dist {
			return all[i].dist < all[j].dist
		}
		return all[i].name < all[j].name
	})
	out := make([]string, 0, min(n, len(all)))
	for _, s := range all[:min(n, len(all))] {
		out = append(out, s.name)
	}
	return out
}

// Distance returns the Levenshtein distance between a and b, counted in
// bytes.
func Distance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// Package scanbench holds the scan benchmarks. scripts/bench-scan.sh uses
// the generator of synthetic manifests (gen) and the decode floor
// (decodefloor); the benchmarks below profile the pipeline's stages with
// go test -bench -cpuprofile.
package scanbench

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kubethreat/kubethreat/check"
	"github.com/kubethreat/kubethreat/internal/cli"
	"github.com/kubethreat/kubethreat/source"
)

// benchCorpus returns the folder to scan: $KUBETHREAT_BENCH_CORPUS, or a
// corpus of $KUBETHREAT_BENCH_OBJECTS (default 5000) generated objects.
func benchCorpus(b *testing.B) string {
	b.Helper()
	if dir := os.Getenv("KUBETHREAT_BENCH_CORPUS"); dir != "" {
		return dir
	}
	objects := 5000
	if s := os.Getenv("KUBETHREAT_BENCH_OBJECTS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			b.Fatalf("KUBETHREAT_BENCH_OBJECTS=%q: %v", s, err)
		}
		objects = n
	}
	dir := b.TempDir()
	cmd := exec.Command("go", "run", "./gen", "-objects", strconv.Itoa(objects), "-out", dir)
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		b.Fatalf("generating the corpus: %v", err)
	}
	return dir
}

// BenchmarkScan runs the whole scan command, JSON report included.
// $KUBETHREAT_BENCH_ARGS adds flags, such as "--skip-checks a,b".
func BenchmarkScan(b *testing.B) {
	dir := benchCorpus(b)
	args := append([]string{"scan", dir, "-o", "json", "--keep-going"}, strings.Fields(os.Getenv("KUBETHREAT_BENCH_ARGS"))...)
	b.ResetTimer()
	for b.Loop() {
		var out, errOut bytes.Buffer
		code := cli.Run(context.Background(), args, nil, &out, &errOut)
		if code == 2 {
			b.Fatalf("scan exited 2: %s", errOut.String())
		}
	}
}

// BenchmarkLoad runs the loader alone.
func BenchmarkLoad(b *testing.B) {
	dir := benchCorpus(b)
	b.ResetTimer()
	for b.Loop() {
		if _, err := source.Load(context.Background(), source.LoadOptions{Paths: []string{dir}}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkChecks runs each check alone over a loaded inventory and logs
// the checks that take longest, to find the one that dominates a scan.
// $KUBETHREAT_BENCH_SKIP lists ID prefixes to leave out, such as "rbac-".
func BenchmarkChecks(b *testing.B) {
	skip := strings.Fields(os.Getenv("KUBETHREAT_BENCH_SKIP"))
	dir := benchCorpus(b)
	res, err := source.Load(context.Background(), source.LoadOptions{Paths: []string{dir}})
	if err != nil {
		b.Fatal(err)
	}
	inv := check.NewInventory(res.Objects)
	type timing struct {
		id string
		d  time.Duration
	}
	var timings []timing
	b.ResetTimer()
	for b.Loop() {
		timings = timings[:0]
		for _, c := range check.All() {
			if slices.ContainsFunc(skip, func(p string) bool { return strings.HasPrefix(c.ID, p) }) {
				continue
			}
			start := time.Now()
			if _, err := check.Run(context.Background(), inv, check.Options{Checks: []*check.Check{c}}); err != nil {
				b.Fatal(err)
			}
			timings = append(timings, timing{c.ID, time.Since(start)})
		}
	}
	b.StopTimer()
	sort.Slice(timings, func(i, j int) bool { return timings[i].d > timings[j].d })
	for _, t := range timings[:min(10, len(timings))] {
		b.Logf("%-40s %s", t.id, t.d.Round(time.Microsecond))
	}
	b.Logf("%d objects from %s", len(res.Objects), filepath.Base(dir))
}

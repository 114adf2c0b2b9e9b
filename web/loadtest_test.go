package web

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestFixedRateLatency sends requests to KUBETHREAT_BENCH_URL at a fixed
// rate and prints latency percentiles. It stands in for wrk2, which Debian
// does not package. Each request has an intended start time on the
// schedule, and its latency counts from that time, so a server that falls
// behind is charged for the queue it causes.
//
// scripts/bench-web.sh runs it; it is skipped when the variable is unset.
// KUBETHREAT_BENCH_RATE (requests/s, default 5000), KUBETHREAT_BENCH_SECONDS
// (default 10) and KUBETHREAT_BENCH_CONNS (default 50) tune it.
func TestFixedRateLatency(t *testing.T) {
	target := os.Getenv("KUBETHREAT_BENCH_URL")
	if target == "" {
		t.Skip("skipping the fixed-rate load test: KUBETHREAT_BENCH_URL is not set")
	}
	rate := envInt(t, "KUBETHREAT_BENCH_RATE", 5000)
	seconds := envInt(t, "KUBETHREAT_BENCH_SECONDS", 10)
	conns := envInt(t, "KUBETHREAT_BENCH_CONNS", 50)

	client := &http.Client{Transport: &http.Transport{
		MaxIdleConnsPerHost: conns,
		MaxConnsPerHost:     conns,
		DisableCompression:  true,
	}}
	total := rate * seconds
	interval := time.Second / time.Duration(rate)
	latencies := make([]time.Duration, total)
	var next, failures atomic.Int64
	start := time.Now().Add(100 * time.Millisecond)

	var wg sync.WaitGroup
	for range conns {
		wg.Go(func() {
			for {
				i := next.Add(1) - 1
				if i >= int64(total) {
					return
				}
				intended := start.Add(time.Duration(i) * interval)
				time.Sleep(time.Until(intended))
				resp, err := client.Get(target)
				if err == nil {
					_, err = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != http.StatusOK {
						err = fmt.Errorf("status %d", resp.StatusCode)
					}
				}
				if err != nil {
					failures.Add(1)
				}
				latencies[i] = time.Since(intended)
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)

	if failures.Load() > 0 {
		t.Errorf("%d of %d requests failed", failures.Load(), total)
	}
	slices.Sort(latencies)
	pct := func(p float64) time.Duration { return latencies[min(len(latencies)-1, int(float64(len(latencies))*p))] }
	fmt.Printf("fixed-rate %s: target %d req/s, achieved %.0f req/s over %d connections; "+
		"p50 %s p90 %s p99 %s p99.9 %s max %s\n",
		target, rate, float64(total)/elapsed.Seconds(), conns,
		pct(0.50).Round(time.Microsecond), pct(0.90).Round(time.Microsecond), pct(0.99).Round(time.Microsecond),
		pct(0.999).Round(time.Microsecond), latencies[len(latencies)-1].Round(time.Microsecond))
}

func envInt(t *testing.T, name string, def int) int {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		t.Fatalf("invalid %s %q: use a positive integer", name, v)
	}
	return n
}

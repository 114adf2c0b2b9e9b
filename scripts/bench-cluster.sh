#!/usr/bin/env bash
# Times a live-cluster scan of the test API server filled with objects.
#
#   scripts/bench-cluster.sh            10,000 objects, 3 timed runs
#   BENCH_OBJECTS=20000 BENCH_RUNS=5 scripts/bench-cluster.sh
#
# It starts the test cluster if needed (scripts/testcluster.sh) and creates
# the objects once: namespaces kt-bench-NNN, each with 20 Deployments, 40
# Pods, 20 Roles and 19 RoleBindings, which a later run reuses. It prints
# their JSON size. Then it runs the scan BENCH_RUNS times after one warm-up
# run, and prints the wall time and peak RSS of each from /usr/bin/time -v.
#
# The scan is `kubethreat scan --cluster -A -o json` when the built binary
# has that flag, and otherwise internal/clustertest/benchscan, which reads
# the cluster and runs every check the same way.
set -euo pipefail

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
objects=${BENCH_OBJECTS:-10000}
runs=${BENCH_RUNS:-3}
work=$repo_root/.cache/bench-cluster

log() { printf 'bench-cluster: %s\n' "$*" >&2; }
die() {
	log "error: $*"
	exit 1
}

[[ -x /usr/bin/time ]] || die "/usr/bin/time is missing; install the Debian package time"

"$repo_root/scripts/testcluster.sh" start >&2
# shellcheck source=/dev/null
source "$repo_root/.cache/testcluster/run/env"
kubeconfig=$KUBETHREAT_TEST_KUBECONFIG

mkdir -p "$work"
log "building kubethreat and benchscan"
(cd "$repo_root" && go build -o "$work/kubethreat" ./cmd/kubethreat && go build -o "$work/benchscan" ./internal/clustertest/benchscan)

log "creating $objects objects (skipped for namespaces that are complete)"
"$work/benchscan" seed -kubeconfig "$kubeconfig" -objects "$objects" >&2
"$work/benchscan" size -kubeconfig "$kubeconfig" | tee "$work/size.txt"

if "$work/kubethreat" scan --help 2>/dev/null | grep -q -- '--cluster'; then
	scan=("$work/kubethreat" scan --cluster -A --kubeconfig "$kubeconfig" -o json --output-file "$work/scan.json")
	log "timing: kubethreat scan --cluster -A -o json"
else
	scan=("$work/benchscan" scan -kubeconfig "$kubeconfig")
	log "timing: benchscan scan (kubethreat scan has no --cluster flag in this build)"
fi

# The scan command exits 1 when findings reach --fail-on, which is unset
# here, so any non-zero status is a failure.
"${scan[@]}" >/dev/null
printf '%-4s %12s %14s\n' run wall_seconds max_rss_kib
for i in $(seq 1 "$runs"); do
	/usr/bin/time -v -o "$work/time-$i.txt" "${scan[@]}" >"$work/out-$i.txt"
	wall=$(awk -F': ' '/Elapsed \(wall clock\)/ { print $2 }' "$work/time-$i.txt")
	rss=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$work/time-$i.txt")
	# Elapsed is m:ss.ss or h:mm:ss; convert to seconds.
	seconds=$(awk -v t="$wall" 'BEGIN { n = split(t, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; printf "%.2f", s }')
	printf '%-4s %12s %14s\n' "$i" "$seconds" "$rss"
done
log "per-run output and /usr/bin/time reports are in $work"

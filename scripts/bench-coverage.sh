#!/usr/bin/env bash
# Measures how fast "kubethreat coverage" imports and maps detection rules.
#
#   scripts/bench-coverage.sh [RUNS]
#
# Uses the Falco, Sigma and Elastic rule folders of the test corpus kept
# beside the repository (../shared/corpus), and exits 0 with a message when
# it is absent. It prints two measurements:
#
#   1. the Go benchmark BenchmarkImportCorpus (import and mapping only,
#      in-process, rules per second);
#   2. the wall time of RUNS (default 20) runs of the built binary over the
#      same folders with -o json, and rules per second from it. This adds
#      start-up, knowledge-base loading, coverage and JSON writing.
#
# Numbers depend on the machine; record them with its CPU count and model.
set -euo pipefail

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
corpus=$repo_root/../shared/corpus
runs=${1:-20}

if [[ ! -d $corpus ]]; then
	echo "bench-coverage: test corpus not found at $corpus; nothing to measure"
	exit 0
fi

rule_dirs=(
	"$corpus/falcosecurity-rules/rules"
	"$corpus/falcosecurity-plugins/plugins/k8saudit/rules"
	"$corpus/falco/test/rules/k8s_audit"
	"$corpus/sigma/rules"
	"$corpus/elastic-detection-rules/rules"
	"$corpus/elastic-detection-rules/rules_building_block"
)
rule_args=()
for d in "${rule_dirs[@]}"; do
	rule_args+=(--rules "$d")
done

echo "machine: $(nproc) CPU(s), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"

echo "== go benchmark (import and mapping)"
(cd "$repo_root" && go test ./detect -run '^$' -bench BenchmarkImportCorpus -benchtime 3s -count 1) | grep -E 'Benchmark|ok'

echo "== binary, $runs runs"
bin=$(mktemp -d)/kubethreat
trap 'rm -rf "$(dirname "$bin")"' EXIT
(cd "$repo_root" && go build -o "$bin" ./cmd/kubethreat)

rules=$("$bin" coverage "${rule_args[@]}" -o json | python3 -c 'import json,sys; print(json.load(sys.stdin)["rules"]["rules"])')
start=$(date +%s.%N)
for ((i = 0; i < runs; i++)); do
	"$bin" coverage "${rule_args[@]}" -o json >/dev/null
done
end=$(date +%s.%N)
python3 - "$start" "$end" "$runs" "$rules" <<'PY'
import sys
start, end, runs, rules = float(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
per_run = (end - start) / runs
print(f"{rules} rules per run, {per_run * 1000:.1f} ms per run, {rules / per_run:.0f} rules/s")
PY

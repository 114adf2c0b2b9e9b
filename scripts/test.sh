#!/usr/bin/env bash
# Runs the whole test suite against real components: a kube-apiserver and
# etcd built from the Go module proxy and started on 127.0.0.1, and headless
# Chromium when /usr/bin/chromium exists. Each fuzz target then runs briefly.
#
# The first run builds the API server, which takes several minutes and about
# 3 GB of Go build cache; later runs reuse the binaries in .cache/.
#
# Environment:
#   FUZZTIME   how long each fuzz target runs (default 10s; 0 skips fuzzing)
#   TESTFLAGS  extra flags for go test, such as -run or -v
set -euo pipefail
cd "$(dirname "$0")/.."

fuzztime=${FUZZTIME:-10s}

if [ -x scripts/testcluster.sh ]; then
	echo "== test API server"
	scripts/testcluster.sh build
	scripts/testcluster.sh start
	trap 'scripts/testcluster.sh stop' EXIT
	# shellcheck disable=SC1091
	. .cache/testcluster/run/env
	export KUBETHREAT_TEST_KUBECONFIG KUBETHREAT_TEST_RESTRICTED_KUBECONFIG KUBETHREAT_TEST_AUDIT_LOG
fi

echo "== go test"
# shellcheck disable=SC2086
go test -race -count=1 ${TESTFLAGS:-} ./...

if [ "$fuzztime" != "0" ]; then
	echo "== fuzz targets, $fuzztime each"
	for file in $(git ls-files '*_test.go'); do
		for target in $(grep -oE '^func (Fuzz[A-Za-z0-9_]+)' "$file" | awk '{print $2}'); do
			echo "-- $target ($(dirname "$file"))"
			go test -run='^$' -fuzz="^${target}\$" -fuzztime="$fuzztime" "./$(dirname "$file")" 2>&1 | tail -n 3
		done
	done
fi
echo "== all tests passed"

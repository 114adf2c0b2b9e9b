#!/usr/bin/env bash
# Runs the whole test suite against real components: a kube-apiserver and
# etcd built from the Go module proxy and started on 127.0.0.1, a throwaway
# PostgreSQL when its Debian binaries exist (/usr/lib/postgresql/*/bin), and
# headless Chromium when /usr/bin/chromium exists. Each fuzz target then
# runs briefly.
#
# The first run builds the API server, which takes several minutes and about
# 3 GB of Go build cache; later runs reuse the binaries in .cache/.
#
# Environment:
#   FUZZTIME   how long each fuzz target runs (default 10s; 0 skips fuzzing)
#   TESTFLAGS  extra flags for go test, such as -run or -v
#   KUBETHREAT_TEST_POSTGRES_DSN  a PostgreSQL URL to test against instead
#              of starting a throwaway server
set -euo pipefail
cd "$(dirname "$0")/.."

fuzztime=${FUZZTIME:-10s}

# cleanup stops what this script started, on any exit.
cluster_started=
pg_dir=
cleanup() {
	if [ -n "$cluster_started" ]; then
		scripts/testcluster.sh stop || true
	fi
	if [ -n "$pg_dir" ]; then
		pg_run "$pg_bin/pg_ctl" -D "$pg_dir/data" -m fast -w stop >/dev/null 2>&1 || true
		rm -rf "$pg_dir"
	fi
}
trap cleanup EXIT

if [ -x scripts/testcluster.sh ]; then
	echo "== test API server"
	scripts/testcluster.sh build
	cluster_started=1
	scripts/testcluster.sh start
	# shellcheck disable=SC1091
	. .cache/testcluster/run/env
	export KUBETHREAT_TEST_KUBECONFIG KUBETHREAT_TEST_RESTRICTED_KUBECONFIG KUBETHREAT_TEST_AUDIT_LOG
fi

# A throwaway PostgreSQL for the store tests: a new data folder, trust
# authentication for the user kt, listening on 127.0.0.1 only. PostgreSQL
# does not run as root, so as root it runs as the unprivileged user ktpg.
pg_initdb=$(ls /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -n 1 || true)
if [ -n "$pg_initdb" ] && [ -z "${KUBETHREAT_TEST_POSTGRES_DSN:-}" ]; then
	echo "== PostgreSQL ($pg_initdb)"
	pg_bin=$(dirname "$pg_initdb")
	pg_user=
	if [ "$(id -u)" = 0 ]; then
		pg_user=ktpg
		id -u "$pg_user" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$pg_user"
	fi
	# pg_run runs a PostgreSQL program as pg_user, from the temporary
	# folder, which that user owns.
	pg_run() {
		if [ -n "$pg_user" ]; then
			(cd "$pg_dir" && runuser -u "$pg_user" -- "$@")
		else
			(cd "$pg_dir" && "$@")
		fi
	}
	pg_dir=$(mktemp -d "${TMPDIR:-/tmp}/kubethreat-pg.XXXXXX")
	if [ -n "$pg_user" ]; then
		chown "$pg_user" "$pg_dir"
	fi
	# The first free port from 55432.
	pg_port=55432
	while (exec 3<>"/dev/tcp/127.0.0.1/$pg_port") 2>/dev/null; do
		pg_port=$((pg_port + 1))
	done
	pg_run "$pg_bin/initdb" -D "$pg_dir/data" -A trust -U kt --no-sync >/dev/null
	pg_run "$pg_bin/pg_ctl" -D "$pg_dir/data" -o "-h 127.0.0.1 -p $pg_port -k $pg_dir" -l "$pg_dir/log" -w start >/dev/null
	pg_run "$pg_bin/createdb" -h 127.0.0.1 -p "$pg_port" -U kt kubethreat
	export KUBETHREAT_TEST_POSTGRES_DSN="postgres://kt@127.0.0.1:$pg_port/kubethreat?sslmode=disable"
	echo "PostgreSQL on 127.0.0.1:$pg_port"
fi

echo "== go test"
# shellcheck disable=SC2086
go test -race -count=1 ${TESTFLAGS:-} ./...

# fuzz runs one fuzz target and prints the end of its log, or all of it and
# the failing input when it fails. Go's fuzzing engine sometimes ends a run
# with a bare "context deadline exceeded" when -fuzztime expires while a
# worker is busy on a loaded machine: no input failed and none was
# written. Such a run is retried once and then reported as a
# warning. Every other failure fails the script.
fuzz() {
	local target=$1 pkg=$2 attempt log
	for attempt in 1 2; do
		log=$(mktemp)
		if go test -run='^$' -fuzz="^${target}\$" -fuzztime="$fuzztime" "./$pkg" >"$log" 2>&1; then
			tail -n 3 "$log"
			rm -f "$log"
			return 0
		fi
		local inputs
		inputs=$(git ls-files --others --exclude-standard "$pkg/testdata/fuzz/$target")
		if [ -z "$inputs" ] && grep -q 'context deadline exceeded' "$log" &&
			! grep -qE 'Failing input|panic:|_test\.go:[0-9]+:' "$log"; then
			echo "warning: $target ended at the -fuzztime deadline without a failing input (attempt $attempt)"
			rm -f "$log"
			continue
		fi
		# A real failure: show the whole log and the input that caused it,
		# which go test wrote under testdata/fuzz and which a CI clone loses.
		cat "$log"
		rm -f "$log"
		for input in $inputs; do
			echo "-- failing input $input:"
			cat "$input"
		done
		return 1
	done
	return 0
}

if [ "$fuzztime" != "0" ]; then
	echo "== fuzz targets, $fuzztime each"
	for file in $(git ls-files '*_test.go'); do
		for target in $(grep -oE '^func (Fuzz[A-Za-z0-9_]+)' "$file" | awk '{print $2}'); do
			echo "-- $target ($(dirname "$file"))"
			fuzz "$target" "$(dirname "$file")"
		done
	done
fi
echo "== all tests passed"

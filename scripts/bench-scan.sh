#!/usr/bin/env bash
# Measures kubethreat scan against the decode floor and kube-score.
#
#   scripts/bench-scan.sh [-n OBJECTS] [-r RUNS] [-t SECONDS]
#
#   -n OBJECTS   size of the generated corpus (default 100000)
#   -r RUNS      runs of kubethreat and of the floor, alternated (default
#                3). The run with the median wall time is reported.
#                kube-score runs once, because it takes minutes.
#   -t SECONDS   time limit for each measured run (default 900); a run that
#                hits it is reported as timed out
#
# The script builds kubethreat and the decode floor, generates a corpus of
# OBJECTS objects with internal/scanbench/gen (fixed seed), installs
# kube-score v1.20.0 into .cache/bench/bin, and measures, for the generated
# corpus and for the public test corpus beside the repository when it
# exists:
#
#   kubethreat   kubethreat scan DIR -o json --keep-going
#   floor        the same files decoded into yaml.v3 Node trees, nothing else
#   kube-score   kube-score score - (every manifest concatenated on stdin)
#
# Each run is measured with GNU time (/usr/bin/time -v): wall time, CPU time
# and peak resident set size. The script installs the Debian package "time"
# when /usr/bin/time is missing. Nothing is sent anywhere but the Go module
# proxy, which go install uses to fetch kube-score.
set -euo pipefail

objects=100000
runs=3
limit=900
while getopts "n:r:t:" opt; do
	case $opt in
	n) objects=$OPTARG ;;
	r) runs=$OPTARG ;;
	t) limit=$OPTARG ;;
	*)
		echo "usage: $0 [-n OBJECTS] [-r RUNS] [-t SECONDS]" >&2
		exit 2
		;;
	esac
done

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cache_dir=$repo_root/.cache/bench
bin_dir=$cache_dir/bin
shared_corpus=$repo_root/../shared/corpus
work_dir=$(mktemp -d)
trap 'rm -rf "$work_dir"' EXIT
mkdir -p "$bin_dir"

log() { printf '%s\n' "$*" >&2; }

ensure_gnu_time() {
	if [[ -x /usr/bin/time ]] && /usr/bin/time -v true >/dev/null 2>&1; then
		return
	fi
	log "installing the Debian package time for /usr/bin/time"
	if [[ $(id -u) -eq 0 ]]; then
		apt-get install -y time >/dev/null
	else
		sudo apt-get install -y time >/dev/null
	fi
}

build_tools() {
	log "building kubethreat and the decode floor"
	(cd "$repo_root" && go build -o "$bin_dir/kubethreat" ./cmd/kubethreat)
	(cd "$repo_root" && go build -o "$bin_dir/decodefloor" ./internal/scanbench/decodefloor)
	if [[ ! -x $bin_dir/kube-score ]]; then
		log "installing kube-score v1.20.0 into $bin_dir"
		if ! GOBIN=$bin_dir go install github.com/zegl/kube-score/cmd/kube-score@v1.20.0 >&2; then
			log "kube-score could not be installed; its column stays empty"
		fi
	fi
}

# measure NAME LOGFILE OUTFILE COMMAND... runs the command under GNU time
# with the time limit, writing its output to OUTFILE (/dev/null to discard
# it), and prints "wall_s cpu_s rss_kb status".
measure() {
	local name=$1 logfile=$2 outfile=$3
	shift 3
	local status=0
	timeout "$limit" /usr/bin/time -v -o "$logfile" "$@" >"$outfile" 2>"$logfile.stderr" || status=$?
	if [[ $status -eq 124 ]]; then
		echo "- - - timeout"
		return
	fi
	if [[ ! -s $logfile ]]; then
		echo "- - - failed"
		return
	fi
	awk -v status="$status" '
		/Elapsed \(wall clock\) time/ {
			n = split($NF, p, ":")
			wall = (n == 3) ? p[1] * 3600 + p[2] * 60 + p[3] : p[1] * 60 + p[2]
		}
		/User time \(seconds\)/ { user = $NF }
		/System time \(seconds\)/ { sys = $NF }
		/Maximum resident set size/ { rss = $NF }
		/Command exited with non-zero status/ { status = $NF }
		END { printf "%.2f %.2f %d exit-%s\n", wall, user + sys, rss, status }
	' "$logfile"
	log "  $name: done"
}

# stdin_measure NAME LOGFILE INPUT COMMAND... is measure with INPUT on
# stdin and the output discarded.
stdin_measure() {
	local name=$1 logfile=$2 input=$3
	shift 3
	measure "$name" "$logfile" /dev/null bash -c '"$@" < "$0"' "$input" "$@"
}

# median prints the line, among its arguments, with the median first field
# (the wall time).
median() { printf '%s\n' "$@" | sort -n -k1,1 | sed -n "$((($# + 1) / 2))p"; }

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "-" || b == "-" || b == 0) print "-"; else printf "%.2f", a / b }'; }

# usable STATUS VALUE prints VALUE, or "-" when the run did not complete.
usable() { case $1 in exit-*) echo "$2" ;; *) echo "-" ;; esac; }

# bench NAME DIR measures the three tools on one folder and prints one
# report block.
bench() {
	local name=$1 dir=$2
	local size_bytes files concat docs
	size_bytes=$(du -sb "$dir" | cut -f1)
	files=$(find "$dir" -type f \( -name '*.yaml' -o -name '*.yml' -o -name '*.json' \) | wc -l)
	concat=$work_dir/$name.concat.yaml
	# Every file starts a new document. xargs may split the list over several
	# awk runs, so the separator does not depend on NR.
	find "$dir" -type f \( -name '*.yaml' -o -name '*.yml' \) -print0 | sort -z |
		xargs -0 awk 'FNR == 1 { print "---" } { print }' >"$concat"

	log "measuring $name ($files files, $size_bytes bytes)"
	local ours floor score
	local ours_runs=() floor_runs=() i
	for ((i = 1; i <= runs; i++)); do
		ours_runs+=("$(measure kubethreat "$work_dir/$name.ours" /dev/null "$bin_dir/kubethreat" scan "$dir" -o json --keep-going)")
		floor_runs+=("$(measure floor "$work_dir/$name.floor" "$work_dir/$name.floor.out" "$bin_dir/decodefloor" "$dir")")
	done
	ours=$(median "${ours_runs[@]}")
	floor=$(median "${floor_runs[@]}")
	docs=$(grep -o '[0-9]* documents,' "$work_dir/$name.floor.out" | cut -d' ' -f1)
	if [[ -x $bin_dir/kube-score ]]; then
		score=$(stdin_measure kube-score "$work_dir/$name.score" "$concat" "$bin_dir/kube-score" score -)
		# kube-score stops at the first object it cannot parse, which makes
		# its time meaningless for that folder.
		if grep -q "Failed to score" "$work_dir/$name.score.stderr" 2>/dev/null; then
			score="${score% *} aborted:$(grep -o 'Failed to score.*' "$work_dir/$name.score.stderr" | head -1 | cut -c1-80 | tr ' ' '_')"
		fi
	else
		score="- - - missing"
	fi

	read -r o_wall o_cpu o_rss o_status <<<"$ours"
	read -r f_wall f_cpu f_rss f_status <<<"$floor"
	read -r s_wall s_cpu s_rss s_status <<<"$score"
	printf '\n== %s: %s files, %s documents, %s MB on disk\n' "$name" "$files" "$docs" "$(awk -v b="$size_bytes" 'BEGIN { printf "%.1f", b / 1048576 }')"
	printf '%-12s %10s %10s %12s %14s %s\n' tool "wall s" "cpu s" "peak RSS MB" "documents/s" status
	for row in "kubethreat $o_wall $o_cpu $o_rss $o_status" "floor $f_wall $f_cpu $f_rss $f_status" "kube-score $s_wall $s_cpu $s_rss $s_status"; do
		read -r tool wall cpu rss status <<<"$row"
		printf '%-12s %10s %10s %12s %14s %s\n' "$tool" "$wall" "$cpu" \
			"$(awk -v r="$rss" 'BEGIN { if (r == "-") print "-"; else printf "%.0f", r / 1024 }')" \
			"$(awk -v d="$docs" -v w="$wall" 'BEGIN { if (w == "-" || w == 0) print "-"; else printf "%.0f", d / w }')" "$status"
	done
	printf 'kubethreat / floor:       wall %s, cpu %s (target <= 2)\n' "$(ratio "$o_wall" "$f_wall")" "$(ratio "$o_cpu" "$f_cpu")"
	printf 'kubethreat / kube-score:  wall %s, cpu %s\n' "$(ratio "$o_wall" "$(usable "$s_status" "$s_wall")")" "$(ratio "$o_cpu" "$(usable "$s_status" "$s_cpu")")"
	printf 'peak RSS / size on disk:  kubethreat %s, floor %s (target <= 2)\n' \
		"$(ratio "$o_rss" "$(awk -v b="$size_bytes" 'BEGIN { print b / 1024 }')")" \
		"$(ratio "$f_rss" "$(awk -v b="$size_bytes" 'BEGIN { print b / 1024 }')")"
}

ensure_gnu_time
build_tools

log "generating $objects objects"
(cd "$repo_root" && go run ./internal/scanbench/gen -objects "$objects" -out "$work_dir/generated") >&2

printf 'kubethreat scan benchmark, %s, %s CPUs, Go %s, median of %s runs\n' "$(date -u +%Y-%m-%dT%H:%MZ)" "$(nproc)" "$(go env GOVERSION)" "$runs"
bench generated "$work_dir/generated"
if [[ -d $shared_corpus ]]; then
	bench corpus "$shared_corpus"
else
	log "public test corpus not found at $shared_corpus; measuring the generated corpus only"
fi

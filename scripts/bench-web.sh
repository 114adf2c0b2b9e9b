#!/usr/bin/env bash
# bench-web.sh measures `kubethreat serve` with wrk and compares it with
# nginx serving the same bytes from files.
#
# It builds kubethreat, starts `serve` on a free loopback port, saves the
# pages it measures, starts its own nginx (not the system service) on
# another free loopback port with a config file in a temporary folder, and
# runs wrk against both: 2 threads and 50 connections for the throughput
# figures, then 1 thread and 10 connections as a lighter load. Last, it
# measures latency at a fixed 5,000 requests/s on /, with wrk2 if it is
# installed and with the web package's fixed-rate load test if not.
#
# Requirements: Go, curl, wrk and nginx (Debian packages wrk and nginx).
# Usage: scripts/bench-web.sh [seconds per run, default 10]
set -euo pipefail

duration="${1:-10}"
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
# nginx, started as root, runs its workers as another user, who must be
# able to read the saved pages.
chmod 755 "$work"
server_pid=""
nginx_pid=""

cleanup() {
	if [[ -n "$server_pid" ]]; then kill "$server_pid" 2>/dev/null || true; fi
	if [[ -n "$nginx_pid" ]]; then kill "$nginx_pid" 2>/dev/null || true; fi
	wait 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

for tool in go curl wrk nginx; do
	if ! command -v "$tool" >/dev/null 2>&1 && [[ ! -x "/usr/sbin/$tool" ]]; then
		echo "bench-web: $tool is missing; install it (apt-get install -y wrk nginx curl)" >&2
		exit 2
	fi
done
nginx_bin="$(command -v nginx || echo /usr/sbin/nginx)"

# free_port prints a TCP port on 127.0.0.1 that nothing listens on.
free_port() {
	local port
	for _ in $(seq 1 100); do
		port=$((20000 + RANDOM % 20000))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
			echo "$port"
			return 0
		fi
	done
	echo "bench-web: found no free port" >&2
	return 1
}

# wait_for waits up to 10 seconds for a URL to respond.
wait_for() {
	for _ in $(seq 1 100); do
		if curl -fs -o /dev/null "$1"; then return 0; fi
		sleep 0.1
	done
	echo "bench-web: $1 did not respond within 10 seconds" >&2
	return 1
}

echo "Building kubethreat..."
(cd "$root" && go build -o "$work/kubethreat" ./cmd/kubethreat)

ours_port="$(free_port)"
"$work/kubethreat" serve --addr "127.0.0.1:$ours_port" --access-log=false 2>"$work/serve.log" &
server_pid=$!
ours="http://127.0.0.1:$ours_port"
if ! wait_for "$ours/"; then
	cat "$work/serve.log" >&2
	exit 1
fi

# Pages measured: path on our server, file that nginx serves, content type.
paths=("/" "/techniques/MS-TA9013" "/api/v1/techniques")
files=("index.html" "techniques/MS-TA9013.html" "api/v1/techniques.json")
mkdir -p "$work/www/techniques" "$work/www/api/v1"
for i in "${!paths[@]}"; do
	curl -fs "$ours${paths[$i]}" -o "$work/www/${files[$i]}"
done

nginx_port="$(free_port)"
mkdir -p "$work/nginx/logs" "$work/nginx/tmp"
cat >"$work/nginx/nginx.conf" <<CONF
worker_processes auto;
pid $work/nginx/nginx.pid;
error_log $work/nginx/logs/error.log warn;
events { worker_connections 1024; }
http {
	access_log off;
	sendfile on;
	tcp_nopush on;
	keepalive_requests 1000000;
	client_body_temp_path $work/nginx/tmp/body;
	proxy_temp_path $work/nginx/tmp/proxy;
	fastcgi_temp_path $work/nginx/tmp/fastcgi;
	uwsgi_temp_path $work/nginx/tmp/uwsgi;
	scgi_temp_path $work/nginx/tmp/scgi;
	types { text/html html; application/json json; }
	server {
		listen 127.0.0.1:$nginx_port;
		root $work/www;
		add_header Content-Security-Policy "default-src 'none'" always;
		add_header X-Content-Type-Options nosniff always;
		add_header Referrer-Policy no-referrer always;
		add_header X-Frame-Options DENY always;
		add_header Cache-Control no-cache always;
		location = / { try_files /index.html =404; }
		location /techniques/ { try_files \$uri.html =404; }
		location /api/v1/ { try_files \$uri.json =404; }
	}
}
CONF
"$nginx_bin" -p "$work/nginx" -c "$work/nginx/nginx.conf" -g 'daemon off;' &
nginx_pid=$!
theirs="http://127.0.0.1:$nginx_port"
if ! wait_for "$theirs/"; then
	cat "$work/nginx/logs/error.log" >&2 || true
	exit 1
fi

for i in "${!paths[@]}"; do
	if ! cmp -s <(curl -fs "$ours${paths[$i]}") <(curl -fs "$theirs${paths[$i]}"); then
		echo "bench-web: nginx serves different bytes for ${paths[$i]}" >&2
		exit 1
	fi
done

# run_wrk prints "requests/s p99-latency" for one wrk run.
run_wrk() {
	local threads="$1" conns="$2" url="$3" out
	out="$(wrk -t"$threads" -c"$conns" -d"${duration}s" --latency "$url")"
	local rps p99
	rps="$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")"
	p99="$(awk '$1 == "99%" {print $2}' <<<"$out")"
	echo "$rps $p99"
}

echo
echo "wrk, ${duration}s per run, on $(nproc) CPUs shared by wrk and the server"
echo "kubethreat: $ours   nginx $("$nginx_bin" -v 2>&1 | sed 's/.*\///'): $theirs"
for load in "2 50" "1 10"; do
	read -r threads conns <<<"$load"
	echo
	echo "Load: $threads threads, $conns connections"
	printf '%-24s %14s %10s %14s %10s %8s\n' "path" "ours req/s" "ours p99" "nginx req/s" "nginx p99" "ratio"
	for path in "${paths[@]}"; do
		read -r ours_rps ours_p99 <<<"$(run_wrk "$threads" "$conns" "$ours$path")"
		read -r nginx_rps nginx_p99 <<<"$(run_wrk "$threads" "$conns" "$theirs$path")"
		ratio="$(awk -v a="$ours_rps" -v b="$nginx_rps" 'BEGIN { printf "%.2f", a / b }')"
		printf '%-24s %14s %10s %14s %10s %8s\n' "$path" "$ours_rps" "$ours_p99" "$nginx_rps" "$nginx_p99" "$ratio"
	done
done

echo
echo "Fixed rate: 5000 requests/s for ${duration}s over 50 connections on /"
if command -v wrk2 >/dev/null 2>&1; then
	wrk2 -t2 -c50 -d"${duration}s" -R5000 --latency "$ours/" | awk '$1 == "99.000%" || /^Requests\/sec:/'
else
	# Debian has no wrk2: the web package's fixed-rate load test measures
	# latency from each request's scheduled start instead.
	(cd "$root" && go test -c -o "$work/web.test" ./web)
	for url in "$ours/" "$theirs/"; do
		KUBETHREAT_BENCH_URL="$url" KUBETHREAT_BENCH_SECONDS="$duration" \
			"$work/web.test" -test.run '^TestFixedRateLatency$' -test.count 1 | grep '^fixed-rate'
	done
fi

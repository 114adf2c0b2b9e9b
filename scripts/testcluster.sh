#!/usr/bin/env bash
# Runs a real kube-apiserver and etcd on 127.0.0.1 for integration tests.
#
#   scripts/testcluster.sh build    build both binaries (skipped when up to date)
#   scripts/testcluster.sh start    build if needed, start both, wait for /readyz
#   scripts/testcluster.sh stop     stop both with SIGTERM and remove the run dir
#   scripts/testcluster.sh status   show the cluster; exit status 1 when stopped
#
# Both binaries come from the Go module proxy: tools/testcluster is a nested
# Go module that pins k8s.io/kubernetes and go.etcd.io/etcd/server/v3.
#
# After `start`, `source .cache/testcluster/run/env` exports
#   KUBETHREAT_TEST_KUBECONFIG             admin (group system:masters)
#   KUBETHREAT_TEST_RESTRICTED_KUBECONFIG  user kt-restricted (no RBAC rights)
#   KUBETHREAT_TEST_AUDIT_LOG              JSON audit log, one event per line
#
# There is no controller manager, scheduler or kubelet. So pods stay Pending,
# deleted namespaces stay Terminating and no default service account is
# created. The ServiceAccount admission plugin is therefore disabled, and the
# API server stores pods as submitted.
set -euo pipefail

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
module_dir=$repo_root/tools/testcluster
cache_dir=$repo_root/.cache/testcluster
bin_dir=$cache_dir/bin
run_dir=$cache_dir/run
stamp_file=$bin_dir/stamp

# Seconds to wait for etcd health, API server readiness and for a process to
# exit after SIGTERM.
ready_timeout=${KUBETHREAT_TESTCLUSTER_READY_TIMEOUT:-120}
stop_timeout=30

log() { printf 'testcluster: %s\n' "$*" >&2; }
die() {
	log "error: $*"
	exit 1
}

# module_version prints the version that the nested go.mod requires for $1.
module_version() {
	awk -v mod="$1" '$1 == mod && $2 ~ /^v/ { print $2; exit }' "$module_dir/go.mod"
}

kube_version=$(module_version k8s.io/kubernetes)
etcd_version=$(module_version go.etcd.io/etcd/server/v3)
[[ -n $kube_version && -n $etcd_version ]] ||
	die "failed to read the k8s.io/kubernetes and etcd versions from $module_dir/go.mod"

# kube_ldflags prints the linker flags that set the version the API server
# reports, and the one in the user agent of its own client requests. Without
# them both are v0.0.0, and clients that compare versions misbehave.
kube_ldflags() {
	local minor=${kube_version#v1.}
	minor=${minor%%.*}
	local package
	for package in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
		printf '%s' "-X $package.gitVersion=$kube_version" \
			" -X $package.gitMajor=1" \
			" -X $package.gitMinor=$minor "
	done
}

# build_stamp identifies everything the binaries are built from: the pinned
# versions, the linker flags, the nested module's files and the Go toolchain.
build_stamp() {
	printf 'kubernetes %s\netcd %s\n%s\n' "$kube_version" "$etcd_version" "$(go env GOVERSION)"
	printf 'ldflags %s\n' "$(kube_ldflags)"
	(cd "$module_dir" && sha256sum go.mod go.sum kube-apiserver/main.go etcd/main.go)
}

cmd_build() {
	command -v go >/dev/null || die "go is not on PATH"
	local want
	want=$(build_stamp)
	if [[ -x $bin_dir/kube-apiserver && -x $bin_dir/etcd && -f $stamp_file ]] &&
		[[ $(cat "$stamp_file") == "$want" ]]; then
		log "binaries are up to date in $bin_dir (kube-apiserver $kube_version, etcd $etcd_version)"
		return 0
	fi

	mkdir -p "$bin_dir"
	rm -f "$stamp_file"

	log "building kube-apiserver $kube_version and etcd $etcd_version into $bin_dir"
	log "a cold build takes several minutes and about 3 GB of Go build cache"
	local start=$SECONDS
	# `go install` rejects modules with replace directives, so build in place.
	(
		cd "$module_dir" &&
			go build -trimpath -ldflags "$(kube_ldflags)" -o "$bin_dir/kube-apiserver" ./kube-apiserver &&
			go build -trimpath -o "$bin_dir/etcd" ./etcd
	) || die "go build failed in $module_dir"
	printf '%s\n' "$want" >"$stamp_file"
	log "built in $((SECONDS - start)) s"
}

# pid_alive reports whether the PID stored in file $1 runs the binary $2, so
# that a PID reused by another process is never signalled.
pid_alive() {
	local pid_file=$1 binary=$2 pid
	[[ -f $pid_file ]] || return 1
	pid=$(cat "$pid_file")
	[[ $pid =~ ^[0-9]+$ ]] || return 1
	# A rebuild while the process runs leaves its executable marked deleted.
	local exe
	exe=$(readlink "/proc/$pid/exe" 2>/dev/null) || return 1
	[[ $exe == "$binary" || $exe == "$binary (deleted)" ]]
}

# pid_started reports whether the process in pid file $1 is still running.
# During startup the process may not have executed its binary yet (nohup
# and the shell run first), so unlike pid_alive it does not compare the
# executable.
pid_started() {
	local pid
	[[ -f $1 ]] || return 1
	pid=$(cat "$1")
	[[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null
}

# free_port prints a TCP port on 127.0.0.1 that nothing listens on now.
free_port() {
	local port attempt
	for attempt in $(seq 1 50); do
		port=$((20000 + RANDOM % 20000))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
			printf '%s\n' "$port"
			return 0
		fi
	done
	die "found no free port on 127.0.0.1 after 50 attempts"
}

# wait_for_url polls URL $2 until it returns "ok", passing the arguments after
# $5 to curl. It fails when the process in pid file $3 exits or the timeout
# passes, and then prints the end of log file $5.
wait_for_url() {
	local name=$1 url=$2 pid_file=$3 binary=$4 log_file=$5
	shift 5
	local deadline=$((SECONDS + ready_timeout))
	while ((SECONDS < deadline)); do
		if ! pid_started "$pid_file"; then
			tail -n 30 "$log_file" >&2 || true
			die "$name exited during startup; its log is $log_file"
		fi
		if [[ $(curl --silent --max-time 2 "$@" "$url" 2>/dev/null) == ok ]]; then
			return 0
		fi
		sleep 0.2
	done
	tail -n 30 "$log_file" >&2 || true
	die "$name was not ready at $url after $ready_timeout s; its log is $log_file"
}

generate_certs() {
	local dir=$run_dir/pki
	mkdir -p "$dir"
	chmod 700 "$dir"

	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=kubethreat-test-ca" \
		-keyout "$dir/ca.key" -out "$dir/ca.crt" 2>/dev/null

	openssl req -new -newkey rsa:2048 -nodes -subj "/CN=kube-apiserver" \
		-keyout "$dir/apiserver.key" -out "$dir/apiserver.csr" 2>/dev/null
	printf '%s\n' \
		"basicConstraints=CA:FALSE" \
		"keyUsage=digitalSignature,keyEncipherment" \
		"extendedKeyUsage=serverAuth" \
		"subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc" \
		>"$dir/apiserver.ext"
	openssl x509 -req -days 2 -in "$dir/apiserver.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" \
		-CAcreateserial -extfile "$dir/apiserver.ext" -out "$dir/apiserver.crt" 2>/dev/null

	openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$dir/sa.key" 2>/dev/null
	openssl pkey -in "$dir/sa.key" -pubout -out "$dir/sa.pub" 2>/dev/null
}

# write_kubeconfig writes a kubeconfig for user $2 with bearer token $3.
write_kubeconfig() {
	local file=$1 user=$2 token=$3 port=$4
	local ca_data
	ca_data=$(base64 -w0 "$run_dir/pki/ca.crt")
	cat >"$file" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: kubethreat-test
  cluster:
    server: https://127.0.0.1:$port
    certificate-authority-data: $ca_data
users:
- name: $user
  user:
    token: $token
contexts:
- name: $user@kubethreat-test
  context:
    cluster: kubethreat-test
    user: $user
current-context: $user@kubethreat-test
EOF
	chmod 600 "$file"
}

cmd_start() {
	command -v openssl >/dev/null || die "openssl is not on PATH (Debian package openssl)"
	command -v curl >/dev/null || die "curl is not on PATH (Debian package curl)"

	if pid_alive "$run_dir/kube-apiserver.pid" "$bin_dir/kube-apiserver"; then
		log "already running; the environment file is $run_dir/env"
		cmd_status
		return 0
	fi
	if [[ -d $run_dir ]]; then
		log "removing the run dir of a cluster that is no longer running"
		stop_processes
		rm -rf "$run_dir"
	fi

	cmd_build

	local start=$SECONDS
	mkdir -p "$run_dir"
	chmod 700 "$run_dir"
	# A failed start stops what it started but keeps the logs in the run dir.
	trap 'stop_processes; log "start failed; the logs are in $run_dir, and the next start or stop removes them"' EXIT
	generate_certs

	local etcd_port etcd_peer_port api_port
	etcd_port=$(free_port)
	etcd_peer_port=$(free_port)
	while [[ $etcd_peer_port == "$etcd_port" ]]; do etcd_peer_port=$(free_port); done
	api_port=$(free_port)
	while [[ $api_port == "$etcd_port" || $api_port == "$etcd_peer_port" ]]; do api_port=$(free_port); done

	log "starting etcd on 127.0.0.1:$etcd_port"
	# --unsafe-no-fsync trades durability for speed, which a throwaway data dir
	# can afford.
	nohup "$bin_dir/etcd" \
		--name=kubethreat-test \
		--data-dir="$run_dir/etcd-data" \
		--listen-client-urls="http://127.0.0.1:$etcd_port" \
		--advertise-client-urls="http://127.0.0.1:$etcd_port" \
		--listen-peer-urls="http://127.0.0.1:$etcd_peer_port" \
		--initial-advertise-peer-urls="http://127.0.0.1:$etcd_peer_port" \
		--initial-cluster="kubethreat-test=http://127.0.0.1:$etcd_peer_port" \
		--unsafe-no-fsync \
		--log-level=warn \
		</dev/null >"$run_dir/etcd.log" 2>&1 9>&- &
	echo $! >"$run_dir/etcd.pid"
	wait_for_etcd "$etcd_port"

	local admin_token restricted_token
	admin_token=$(openssl rand -hex 24)
	restricted_token=$(openssl rand -hex 24)
	# Format: token,user,uid,"group,...". kt-restricted gets only the implicit
	# group system:authenticated.
	printf '%s\n' \
		"$admin_token,kt-admin,kt-admin-uid,\"system:masters\"" \
		"$restricted_token,kt-restricted,kt-restricted-uid" \
		>"$run_dir/tokens.csv"
	chmod 600 "$run_dir/tokens.csv"

	# One event per request at the ResponseComplete stage (watches also log
	# ResponseStarted), with no request or response bodies.
	cat >"$run_dir/audit-policy.yaml" <<'EOF'
apiVersion: audit.k8s.io/v1
kind: Policy
omitStages:
- RequestReceived
rules:
- level: Metadata
EOF

	log "starting kube-apiserver $kube_version on 127.0.0.1:$api_port"
	nohup "$bin_dir/kube-apiserver" \
		--etcd-servers="http://127.0.0.1:$etcd_port" \
		--bind-address=127.0.0.1 \
		--secure-port="$api_port" \
		--advertise-address=127.0.0.1 \
		--endpoint-reconciler-type=none \
		--allow-privileged=true \
		--cert-dir="$run_dir/pki" \
		--tls-cert-file="$run_dir/pki/apiserver.crt" \
		--tls-private-key-file="$run_dir/pki/apiserver.key" \
		--service-account-key-file="$run_dir/pki/sa.pub" \
		--service-account-signing-key-file="$run_dir/pki/sa.key" \
		--service-account-issuer=https://kubernetes.default.svc \
		--authorization-mode=RBAC \
		--token-auth-file="$run_dir/tokens.csv" \
		--audit-policy-file="$run_dir/audit-policy.yaml" \
		--audit-log-path="$run_dir/audit.log" \
		--audit-log-mode=blocking \
		--enable-admission-plugins=NodeRestriction \
		--disable-admission-plugins=ServiceAccount \
		--profiling=false \
		</dev/null >"$run_dir/kube-apiserver.log" 2>&1 9>&- &
	echo $! >"$run_dir/kube-apiserver.pid"
	echo "$api_port" >"$run_dir/port"

	wait_for_url kube-apiserver "https://127.0.0.1:$api_port/readyz" \
		"$run_dir/kube-apiserver.pid" "$bin_dir/kube-apiserver" "$run_dir/kube-apiserver.log" \
		--cacert "$run_dir/pki/ca.crt" -H "Authorization: Bearer $admin_token"

	write_kubeconfig "$run_dir/admin.kubeconfig" kt-admin "$admin_token" "$api_port"
	write_kubeconfig "$run_dir/restricted.kubeconfig" kt-restricted "$restricted_token" "$api_port"
	printf '%s\n' \
		"export KUBETHREAT_TEST_KUBECONFIG=$run_dir/admin.kubeconfig" \
		"export KUBETHREAT_TEST_RESTRICTED_KUBECONFIG=$run_dir/restricted.kubeconfig" \
		"export KUBETHREAT_TEST_AUDIT_LOG=$run_dir/audit.log" \
		>"$run_dir/env"

	trap - EXIT
	log "ready at https://127.0.0.1:$api_port after $((SECONDS - start)) s"
	log "run: source $run_dir/env"
}

wait_for_etcd() {
	local port=$1
	local deadline=$((SECONDS + ready_timeout))
	while ((SECONDS < deadline)); do
		if ! pid_started "$run_dir/etcd.pid"; then
			tail -n 30 "$run_dir/etcd.log" >&2 || true
			die "etcd exited during startup; its log is $run_dir/etcd.log"
		fi
		if curl --silent --max-time 2 "http://127.0.0.1:$port/health" 2>/dev/null | grep -q '"health":"true"'; then
			return 0
		fi
		sleep 0.2
	done
	tail -n 30 "$run_dir/etcd.log" >&2 || true
	die "etcd was not healthy on 127.0.0.1:$port after $ready_timeout s; its log is $run_dir/etcd.log"
}

# stop_process sends SIGTERM to the process in pid file $2, waits for it to
# exit and sends SIGKILL if it is still running after $stop_timeout seconds.
stop_process() {
	local name=$1 pid_file=$2 binary=$3 pid
	if ! pid_alive "$pid_file" "$binary"; then
		return 0
	fi
	pid=$(cat "$pid_file")
	log "stopping $name (PID $pid)"
	kill -TERM "$pid" 2>/dev/null || true
	local deadline=$((SECONDS + stop_timeout))
	while ((SECONDS < deadline)); do
		pid_alive "$pid_file" "$binary" || return 0
		sleep 0.2
	done
	log "$name (PID $pid) did not exit $stop_timeout s after SIGTERM; sending SIGKILL"
	kill -KILL "$pid" 2>/dev/null || true
}

stop_processes() {
	# The API server stops first because it still uses etcd while it shuts down.
	stop_process kube-apiserver "$run_dir/kube-apiserver.pid" "$bin_dir/kube-apiserver"
	stop_process etcd "$run_dir/etcd.pid" "$bin_dir/etcd"
}

cmd_stop() {
	if [[ ! -d $run_dir ]]; then
		log "not running"
		return 0
	fi
	stop_processes
	rm -rf "$run_dir"
	log "stopped and removed $run_dir"
}

cmd_status() {
	local api=stopped etcd=stopped
	pid_alive "$run_dir/kube-apiserver.pid" "$bin_dir/kube-apiserver" &&
		api="running (PID $(cat "$run_dir/kube-apiserver.pid"))"
	pid_alive "$run_dir/etcd.pid" "$bin_dir/etcd" &&
		etcd="running (PID $(cat "$run_dir/etcd.pid"))"
	printf 'kube-apiserver %s: %s\n' "$kube_version" "$api"
	printf 'etcd %s: %s\n' "$etcd_version" "$etcd"
	if [[ -f $run_dir/port && $api == running* ]]; then
		local ready
		ready=$(curl --silent --max-time 2 --cacert "$run_dir/pki/ca.crt" \
			"https://127.0.0.1:$(cat "$run_dir/port")/readyz" 2>/dev/null || true)
		printf 'server: https://127.0.0.1:%s (readyz: %s)\n' "$(cat "$run_dir/port")" "${ready:-no answer}"
		printf 'environment file: %s\n' "$run_dir/env"
	fi
	if [[ -f $stamp_file ]]; then
		printf 'binaries: %s\n' "$bin_dir"
	else
		printf 'binaries: not built (run %s build)\n' "$0"
	fi
	[[ $api == running* && $etcd == running* ]]
}

# lock serializes build, start and stop, so that two callers never build
# into the same files or start two clusters in one run dir.
lock() {
	mkdir -p "$cache_dir"
	exec 9>"$cache_dir/lock"
	if ! flock --nonblock 9; then
		log "waiting for another testcluster.sh command to finish"
		flock --timeout 900 9 || die "timed out after 900 s waiting for $cache_dir/lock"
	fi
}

case ${1:-} in
build)
	lock
	cmd_build
	;;
start)
	lock
	cmd_start
	;;
stop)
	lock
	cmd_stop
	;;
status) cmd_status ;;
*)
	printf 'usage: %s build|start|stop|status\n' "$0" >&2
	exit 2
	;;
esac

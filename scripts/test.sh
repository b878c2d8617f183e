#!/usr/bin/env bash
# scripts/test.sh: the test command. Runs `go vet` and `go test` against the
# real engines: SQLite (pure Go, nothing to start), a throwaway PostgreSQL
# cluster started here, and Debian's headless Chromium.
#
#   ./scripts/test.sh                      # vet and test ./...
#   ./scripts/test.sh ./internal/store/    # vet and test only those packages
#   ./scripts/test.sh -run TestX -v        # any other go test flags
#
# Missing PostgreSQL, Chromium or poppler-utils (pdftotext and pdfinfo, which
# the PDF tests read documents back with) is installed with apt when running
# as root; otherwise the script says what to install (and fails when CI=true).
# The cluster listens on a unix socket only, in a temp dir, and is stopped and
# removed on exit, whatever the outcome. Tests find it in DERBES_TEST_PG
# (see internal/dbtest).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

log() { printf 'test.sh: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }
now() { printf '%s' "${EPOCHREALTIME/[.,]/}"; } # microseconds
ms_since() { printf '%d' $((($(now) - $1) / 1000)); }

is_ci() { [[ "${CI:-}" == true || "${CI:-}" == 1 ]]; }
is_root() { [[ "$(id -u)" == 0 ]]; }

# find_initdb prints the initdb to use: from PATH, else the newest of
# Debian's /usr/lib/postgresql/*/bin.
find_initdb() {
	local p d
	if p="$(command -v initdb 2>/dev/null)"; then
		printf '%s\n' "$p"
		return 0
	fi
	for d in $(printf '%s\n' /usr/lib/postgresql/*/bin | sort -rV); do
		if [[ -x "$d/initdb" ]]; then
			printf '%s\n' "$d/initdb"
			return 0
		fi
	done
	return 1
}

find_chromium() {
	[[ -x /usr/bin/chromium ]] && printf '%s\n' /usr/bin/chromium
}

# find_pdftotext prints the pdftotext of poppler-utils (internal/pdf/pdftest).
find_pdftotext() {
	command -v pdftotext 2>/dev/null
}

# apt_install installs Debian packages quietly; the log is shown on failure.
apt_install() {
	local aptlog
	aptlog="$(mktemp)"
	export DEBIAN_FRONTEND=noninteractive
	if [[ -z "${apt_updated:-}" ]]; then
		apt-get -o DPkg::Lock::Timeout=600 update -q >"$aptlog" 2>&1 || { cat "$aptlog" >&2; rm -f "$aptlog"; die "apt-get update failed"; }
		apt_updated=1
	fi
	apt-get -o DPkg::Lock::Timeout=600 install -y -q "$@" >>"$aptlog" 2>&1 || { tail -n 50 "$aptlog" >&2; rm -f "$aptlog"; die "apt-get install $* failed"; }
	rm -f "$aptlog"
}

ensure_deps() {
	local missing=()
	find_initdb >/dev/null || missing+=(postgresql)
	find_chromium >/dev/null || missing+=(chromium)
	find_pdftotext >/dev/null || missing+=(poppler-utils)
	((${#missing[@]})) || return 0
	if ! is_root; then
		log "missing: ${missing[*]}; install with: sudo apt-get install -y ${missing[*]}"
		is_ci && die "CI=true: cannot run the tests without ${missing[*]}"
		log "continuing: the tests that need ${missing[*]} will fail"
		return 0
	fi
	local t0
	t0="$(now)"
	log "installing ${missing[*]} with apt-get (quiet)..."
	if [[ " ${missing[*]} " == *" postgresql "* ]]; then
		# Install postgresql-common first and tell it not to create (and start)
		# the system's "main" cluster: we only want the binaries.
		apt_install postgresql-common
		sed -i -E 's/^[#[:space:]]*create_main_cluster[[:space:]]*=.*/create_main_cluster = false/' \
			/etc/postgresql-common/createcluster.conf
	fi
	apt_install "${missing[@]}"
	log "installed ${missing[*]} in $(ms_since "$t0") ms"
}

# --- PostgreSQL cluster ----------------------------------------------------

pg_tmp=""      # temp dir holding data/, sock/ and the server log
pg_bin=""      # directory of initdb, pg_ctl, postgres
pg_user_cmd=() # prefix that runs a command as the cluster's owner
pg_pid=""      # our child that runs (or is) the postmaster

as_owner() { (cd "$pg_tmp" && "${pg_user_cmd[@]}" "$@"); }

stop_cluster() {
	[[ -n "$pg_tmp" ]] || return 0
	if [[ -n "$pg_pid" ]] && kill -0 "$pg_pid" 2>/dev/null; then
		# Fast shutdown: roll back open transactions, close sessions, exit.
		if ! as_owner "$pg_bin/pg_ctl" -D "$pg_tmp/data" -m fast -w -t 30 stop >/dev/null 2>&1; then
			log "pg_ctl stop failed; sending SIGQUIT to postmaster"
			pkill -QUIT -P "$pg_pid" 2>/dev/null || true # runuser's child: the postmaster
			kill -QUIT "$pg_pid" 2>/dev/null || true
		fi
		wait "$pg_pid" 2>/dev/null || true # reap it: no zombie left behind
	fi
	rm -rf "$pg_tmp"
	pg_tmp=""
	pg_pid=""
}

start_cluster() {
	local initdb t0 t1 port owner base
	initdb="$(find_initdb)" || die "initdb not found (install postgresql)"
	pg_bin="$(dirname "$(readlink -f "$initdb")")"
	t0="$(now)"

	# /tmp keeps the socket path short (unix socket paths max out at 107 bytes)
	# and is reachable by the postgres user, unlike a root-only TMPDIR.
	base=/tmp
	[[ -w "$base" ]] || base="${TMPDIR:-/tmp}"
	pg_tmp="$(mktemp -d "$base/derbes-pg.XXXXXX")"
	chmod 755 "$pg_tmp"
	mkdir -m 755 "$pg_tmp/sock"
	if is_root; then
		# PostgreSQL refuses to run as root: run it as the postgres user.
		if ! id -u postgres >/dev/null 2>&1; then
			useradd --system --user-group --no-create-home --home-dir /var/lib/postgresql \
				--shell /usr/sbin/nologin postgres
			log "created system user postgres"
		fi
		owner=postgres
		chown postgres: "$pg_tmp" "$pg_tmp/sock"
		pg_user_cmd=(runuser -u postgres --)
	else
		owner="$(id -un)"
		pg_user_cmd=(env)
	fi

	# The port only names the socket file (.s.PGSQL.<port>); nothing listens
	# on TCP. Random anyway, so that no two clusters could ever share a name.
	port=$((20000 + RANDOM % 40000))

	as_owner "$pg_bin/initdb" -D "$pg_tmp/data" -U postgres --auth=trust \
		--encoding=UTF8 --locale=C.UTF-8 --no-sync >"$pg_tmp/initdb.log" 2>&1 ||
		{ cat "$pg_tmp/initdb.log" >&2; die "initdb failed"; }
	# --no-sync above only skips flushing initdb's own files (the cluster is
	# thrown away); the server itself runs with fsync on.
	cat >>"$pg_tmp/data/postgresql.conf" <<-EOF

		# scripts/test.sh
		listen_addresses = ''
		unix_socket_directories = '$pg_tmp/sock'
		unix_socket_permissions = 0777
		port = $port
		max_connections = 200
		shared_buffers = 128MB
		fsync = on
		synchronous_commit = on
		full_page_writes = on
		log_min_messages = warning
	EOF
	# The server runs as a child of this script (not daemonized by pg_ctl), so
	# that it is reaped here when it stops, even where PID 1 reaps no orphans.
	# setsid keeps a Ctrl-C meant for go test from reaching it.
	t1="$(now)"
	(cd "$pg_tmp" && exec setsid "${pg_user_cmd[@]}" "$pg_bin/postgres" -D "$pg_tmp/data" \
		>"$pg_tmp/server.log" 2>&1 </dev/null) &
	pg_pid=$!
	local i
	for ((i = 0; i < 600; i++)); do
		"$pg_bin/pg_isready" -q -h "$pg_tmp/sock" -p "$port" -U postgres -d postgres && break
		kill -0 "$pg_pid" 2>/dev/null || { cat "$pg_tmp/server.log" >&2; die "PostgreSQL exited at start"; }
		sleep 0.05
	done
	((i < 600)) || { cat "$pg_tmp/server.log" >&2; die "PostgreSQL not ready after 30 s"; }
	pg_timing="initdb $(((t1 - t0) / 1000)) ms + start $(ms_since "$t1") ms"

	export DERBES_TEST_PG="postgres://postgres@/postgres?host=$pg_tmp/sock&port=$port&sslmode=disable"
	pg_version="$("$pg_bin/postgres" --version)"
	pg_summary="$pg_version as $owner, socket $pg_tmp/sock/.s.PGSQL.$port, $pg_timing"
}

# --- main --------------------------------------------------------------------

cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	stop_cluster
	exit "$rc"
}

# run runs a command in its own process group and waits for it. A signal to
# this script (Ctrl-C, or `timeout` sending TERM) then ends the command, with
# the test binaries go test started, at once rather than when it finishes;
# and then cleanup stops the cluster.
job=""
run() {
	setsid "$@" &
	job=$!
	local rc=0
	wait "$job" || rc=$?
	job=""
	return "$rc"
}
on_signal() {
	if [[ -n "$job" ]]; then
		# INT, not TERM: go test then reaps the test binaries it started.
		# Whatever still runs 10 s later is killed.
		kill -INT -- "-$job" 2>/dev/null || true
		setsid bash -c 'sleep 10 && kill -KILL -- "-$1"' _ "$job" 2>/dev/null &
		local killer=$!
		wait "$job" 2>/dev/null || true
		kill -- "-$killer" 2>/dev/null || true
		wait "$killer" 2>/dev/null || true
	fi
	exit "$1"
}
trap cleanup EXIT
trap 'on_signal 130' INT
trap 'on_signal 143' TERM

ensure_deps

# Packages named on the command line replace ./... for both vet and test;
# everything else is passed to go test as it is.
pkgs=()
for a in "$@"; do
	case "$a" in
	. | ./* | ../* | */... | github.com/*) pkgs+=("$a") ;;
	esac
done
default_pkgs=()
((${#pkgs[@]})) || { pkgs=(./...) && default_pkgs=(./...); }

t0="$(now)"
run go vet "${pkgs[@]}" || die "go vet ${pkgs[*]} failed"
log "go vet ${pkgs[*]}: ok in $(ms_since "$t0") ms"

if find_initdb >/dev/null; then
	start_cluster
else
	# Only reached outside CI, without root: run anyway so that the tests that
	# need PostgreSQL fail and say why (or use a server the caller named).
	pg_summary="PostgreSQL MISSING (DERBES_TEST_PG=${DERBES_TEST_PG:-unset})"
fi

sqlite_version="$(go list -m -f '{{.Path}} {{.Version}}' modernc.org/sqlite 2>/dev/null || echo 'modernc.org/sqlite ?')"
if chromium="${DERBES_CHROMIUM:-$(find_chromium)}"; then
	export DERBES_CHROMIUM="$chromium" # a DERBES_CHROMIUM set by the caller wins
	chromium_version="$("$chromium" --version 2>/dev/null | head -n 1 || true)"
	chromium_summary="${chromium_version:-Chromium NOT RUNNABLE} at $chromium"
else
	chromium_summary="Chromium MISSING"
fi
log "engines: SQLite via $sqlite_version; $pg_summary; $chromium_summary"

rc=0
run go test -count=1 -timeout 10m "${default_pkgs[@]}" "$@" || rc=$?
exit "$rc"

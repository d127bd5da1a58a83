# simhost.sh: start and stop a simulated Xen host with vgpuback (source it).
#
#   simhost_start [vgpuback options...]   simxen in a fresh $SIMXEN_DIR, vgpuback
#   simhost_guest NAME POOL PRIO          a domain with one vgpu device; prints its id
#   simhost_backend_restart [options...]  SIGKILL vgpuback and start it again
#   simhost_stop                          stop everything this file started
#
# Binaries come from $VGPU_BUILDDIR (default: the build tree this file is in).
# $VGPUBACK_WRAPPER, when set, prefixes the vgpuback command (e.g. valgrind
# and its options; split on spaces); the backend then gets longer to start.
: "${VGPU_BUILDDIR:=${top_builddir:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}}"
SIM=$VGPU_BUILDDIR/test-harness/simxen/vgpu-sim
VGPUBACK=$VGPU_BUILDDIR/backend/vgpuback
VGPUCTL=$VGPU_BUILDDIR/xenstore-hooks/vgpuctl
VGPUFRONT=$VGPU_BUILDDIR/frontend/vgpufront
GUEST=$VGPU_BUILDDIR/test-harness/scenarios/vgpu-guest
simhost_backend_pid=
simhost_backend_args=

simhost_start_backend() {
	local i tries=100
	[ -n "${VGPUBACK_WRAPPER:-}" ] && tries=1200
	# shellcheck disable=SC2086
	${VGPUBACK_WRAPPER:-} "$VGPUBACK" --foreground --config /dev/null \
		--control-socket "$SIMXEN_DIR/vgpuback.sock" \
		--xl-config-dirs "$SIMXEN_DIR/etc/xen" --xl-userdata-dir "$SIMXEN_DIR/userdata" \
		$simhost_backend_args \
		2>>"$SIMXEN_DIR/vgpuback.log" &
	simhost_backend_pid=$!
	for i in $(seq $tries); do
		[ -S "$SIMXEN_DIR/vgpuback.sock" ] && "$VGPUCTL" pools >/dev/null 2>&1 && return 0
		sleep 0.05
	done
	echo "simhost: vgpuback did not start; its log:" >&2
	cat "$SIMXEN_DIR/vgpuback.log" >&2
	return 1
}

simhost_start() {
	SIMXEN_DIR=$(mktemp -d "${TMPDIR:-/tmp}/vgpu-sim.XXXXXX")
	export SIMXEN_DIR
	"$SIM" host start || return 1
	eval "$("$SIM" env)"
	export VGPU_CONTROL_SOCKET=$SIMXEN_DIR/vgpuback.sock
	simhost_backend_args="$*"
	simhost_start_backend
}

simhost_guest() {
	local id
	id=$("$SIM" domain create "$1") || return 1
	"$VGPUCTL" attach "$1" "pool=$2,prio=$3" >/dev/null || return 1
	echo "$id"
}

simhost_backend_restart() {
	[ -n "$simhost_backend_pid" ] && kill -KILL "$simhost_backend_pid" 2>/dev/null
	wait "$simhost_backend_pid" 2>/dev/null
	rm -f "$SIMXEN_DIR/vgpuback.sock"
	[ $# -gt 0 ] && simhost_backend_args="$*"
	simhost_start_backend
}

simhost_stop() {
	if [ -n "$simhost_backend_pid" ]; then
		kill -TERM "$simhost_backend_pid" 2>/dev/null
		local i
		for i in $(seq 50); do kill -0 "$simhost_backend_pid" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$simhost_backend_pid" 2>/dev/null
		wait "$simhost_backend_pid" 2>/dev/null
		simhost_backend_pid=
	fi
	[ -n "${SIMXEN_DIR:-}" ] && "$SIM" host stop >/dev/null 2>&1
	[ -n "${SIMXEN_DIR:-}" ] && [ -z "${SIMHOST_KEEP:-}" ] && rm -rf "$SIMXEN_DIR"
}

# What vgpuback holds: "jobs":J,"buffers":B,"mappings":M,"allocations":A,
# "mem_bytes":N,"modules":L (vgpuctl stats).
SIMHOST_IDLE='"jobs":0,"buffers":0,"mappings":0,"allocations":0,"mem_bytes":0,"modules":0'
simhost_resources() {
	"$VGPUCTL" --json stats 2>/dev/null | sed -n 's/.*"resources":{\([^}]*\)}.*/\1/p'
}

# Wait (up to N tenths of a second, default 100) until vgpuback holds
# nothing; prints what it holds then.
simhost_wait_idle() {
	local i res
	for i in $(seq "${1:-100}"); do
		res=$(simhost_resources)
		[ "$res" = "$SIMHOST_IDLE" ] && break
		sleep 0.1
	done
	echo "$res"
}

# simxen's lines for guest domains that still have grants, mappings or ports.
simhost_sim_leaks() {
	"$SIM" stats | awk '/^domain [1-9]/ && ($4 != 0 || $6 != 0 || $10 != 0)'
}

# The number of jobs vgpuback holds queued (all priorities).
simhost_queued() {
	"$VGPUCTL" --json stats 2>/dev/null |
		sed -n 's/.*"queued":{"high":\([0-9]*\),"medium":\([0-9]*\),"low":\([0-9]*\)}.*/\1 \2 \3/p' |
		awk '{ print $1 + $2 + $3 }'
}

# Wait until vgpuback holds N queued jobs (bounded); 0 when it does.
simhost_wait_queued() {
	local i
	for i in $(seq 200); do
		[ "$(simhost_queued)" = "$1" ] && return 0
		sleep 0.02
	done
	return 1
}

# Requests vgpuback has taken from domain DOMID's rings so far.
simhost_submitted() {
	"$VGPUCTL" --json stats 2>/dev/null | tr '{' '\n' |
		sed -n "s/^\"domid\":$1,.*\"submitted\":\([0-9]*\).*/\1/p" |
		awk '{ s += $1 } END { print s + 0 }'
}

# Wait until vgpuback has taken N requests from DOMID (bounded); 0 when it has.
simhost_wait_submitted() {
	local i
	for i in $(seq 500); do
		[ "$(simhost_submitted "$1")" -ge "$2" ] && return 0
		sleep 0.01
	done
	return 1
}

# CPU ticks (utime + stime, /proc/PID/stat) of PID, default vgpuback: what a
# storm cost dom0.
simhost_cpu_ticks() {
	awk '{ print $14 + $15 }' "/proc/${1:-$simhost_backend_pid}/stat"
}

# simhost_relay NAME FILE RC PROG: a scenario guest's "CHECK ok|FAIL SUB:
# WHAT" lines in FILE (guest_checks.h) as TAP lines, then its DONE line and
# exit status RC (FILE.err holds its stderr).
simhost_relay() {
	local line n=0
	while IFS= read -r line; do
		case $line in
		"CHECK ok "*) _tap_report 0 "$1: ${line#CHECK ok }"; n=$((n + 1)) ;;
		"CHECK FAIL "*) _tap_report 1 "$1: ${line#CHECK FAIL }"; n=$((n + 1)) ;;
		"# "*) echo "$line" ;;
		esac
	done <"$2"
	like "$(grep '^DONE' "$2")" "checks=$n failed=0\$" "$1: $4 ran to its end ($n checks)"
	is "$3" 0 "$1: $4 exits 0" || sed 's/^/#   stderr: /' "$2.err"
}

# simhost_front_bad WANT ARGS...: vgpufront ARGS must exit 2 with the one
# line WANT.  No XenStore here ($tmp/none): a case that got past the
# argument checks would fail another way.
simhost_front_bad() {
	local want=$1 out rc lines
	shift
	out=$(XENSTORED_PATH=$tmp/none "$VGPUFRONT" "$@" 2>&1 >/dev/null)
	rc=$?
	lines=$(printf '%s\n' "$out" | wc -l)
	is "$rc/$lines" "2/1" "vgpufront $*: exit 2, one line"
	is "$out" "$want" "vgpufront $*: says what is wrong"
}

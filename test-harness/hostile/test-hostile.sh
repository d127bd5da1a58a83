#!/bin/bash
# Hostile guests: vgpu-hostile, one attack per domain, turned on a running
# vgpuback while a well-behaved guest works beside it.  For every attack:
# the hostile program's own cases (each status compared with the one it
# computed), the daemon alive, every request of the good guest right and in
# bounded time, the offending device failed with a log line where it broke
# the protocol (and not failed where it did not), and afterwards nothing
# left: vgpuback's jobs, buffers and mappings, simxen's grants, mappings and
# ports, vgpuback's fds and XenStore connections back to where they were.
# At the end vgpuback must stop cleanly (under ASan: with no leak reported).
. "$top_srcdir/test-harness/lib/tap.sh"
export VGPU_BUILDDIR=$top_builddir
. "$top_srcdir/test-harness/scenarios/simhost.sh"
HOSTILE=$VGPU_BUILDDIR/test-harness/hostile/vgpu-hostile
tmp=$(mktemp -d)
good_pid=
good_stop() {
	[ -n "$good_pid" ] || return 0
	touch "$tmp/good-stop"
	wait "$good_pid"
	good_pid=
}
# HOSTILE_KEEP=1 keeps every program's output (SIMHOST_KEEP=1 the host's files).
trap 'good_stop; simhost_stop; [ -n "${HOSTILE_KEEP:-}" ] || rm -rf "$tmp"' EXIT

# The backend's limits; vgpu-hostile gets the same numbers as its expectation.
LIMITS="--max-inflight 48 --max-buffers 16 --max-buffer-pages 8192"
GOOD_REQS=40
GOOD_MAX_MS=${GOOD_MAX_MS:-5000}	# one request of the good guest, submit to answer
SEED=${HOSTILE_SEED:-$(( $(date +%s) % 100000 + 1 ))}
diag "seed $SEED (HOSTILE_SEED=$SEED to repeat)"

simhost_start --executor cpu --slots 2 --cpu-delay-us 200 $LIMITS ||
	{ echo "Bail out! no simulated host"; exit 1; }
bpid=$simhost_backend_pid
log=$SIMXEN_DIR/vgpuback.log

nfds() { ls "/proc/$bpid/fd" 2>/dev/null | wc -l; }
xs_conns() { "$SIM" stats | sed -n 's/^xenstore .* connections \([0-9]*\)$/\1/p'; }
# Log lines about one device: log_count DOMID TEXT
log_count() { grep -c "vgpu $1/0: $2" "$log"; }

base_fds=$(nfds)
base_conns=$(xs_conns)
base_res=$SIMHOST_IDLE
good_id=$(simhost_guest good B medium)
diag "vgpuback has $base_fds fds, simxen $base_conns XenStore connections before any guest"

# The well-behaved guest: vgpu-guest runs, one after another, until told to stop.
good_start() {
	rm -f "$tmp/good-stop"
	: >"$tmp/good.out"
	: >"$tmp/good.rc"
	(
		while [ ! -e "$tmp/good-stop" ]; do
			timeout 60 "$SIM" exec good -- "$GUEST" --name good --op vadd --n 4096 \
				--requests $GOOD_REQS --inflight 8 >>"$tmp/good.out" 2>>"$tmp/good.err"
			echo $? >>"$tmp/good.rc"
		done
	) &
	good_pid=$!
	local i
	for i in $(seq 200); do
		grep -q '^SUBMITTED' "$tmp/good.out" && return 0
		sleep 0.05
	done
}

good_check() {
	local name=$1 runs bad reqs right slow
	runs=$(wc -l <"$tmp/good.rc")
	bad=$(grep -vc '^0$' "$tmp/good.rc")
	reqs=$(grep -c '^REQ ' "$tmp/good.out")
	right=$(grep -c '^REQ .* status=0 ok=1' "$tmp/good.out")
	slow=$(grep '^REQ ' "$tmp/good.out" | sed 's/.*submit_ns=\([0-9]*\) done_ns=\([0-9]*\).*/\1 \2/' |
		awk '{ ms = ($2 - $1) / 1e6; if (ms > max) max = ms } END { printf "%d", max }')
	ok "$name: the good guest ran beside it ($runs runs), each exiting 0" \
		test "$runs" -ge 1 -a "$bad" -eq 0
	is "$right" "$((runs * GOOD_REQS))" "$name: every good request answered right ($reqs reported)"
	ok "$name: the slowest good request took ${slow} ms (bound ${GOOD_MAX_MS} ms)" \
		test "${slow:-999999}" -le "$GOOD_MAX_MS"
}

# attack NAME [vgpu-hostile options]: runs it in a fresh domain h-NAME.
attack() {
	local name=$1 id rc cases failed
	shift
	good_start
	id=$(simhost_guest "h-$name" A medium)
	timeout 120 "$SIM" exec "h-$name" -- "$HOSTILE" --attack "$name" $LIMITS \
		--seed "$SEED" "$@" >"$tmp/$name.out" 2>"$tmp/$name.err"
	rc=$?
	good_stop
	for f in out err rc; do cp "$tmp/good.$f" "$tmp/$name.good.$f"; done
	cases=$(grep -c '^CASE ' "$tmp/$name.out")
	failed=$(grep -c '^CASE .* ok=0' "$tmp/$name.out")
	is "$rc" 0 "$name: vgpu-hostile exits 0"
	ok "$name: all $cases of its cases got what it computed they must" \
		test "$cases" -gt 0 -a "$failed" -eq 0
	grep '^CASE .* ok=0' "$tmp/$name.out" | head -5 | sed 's/^/# /'
	[ "$rc" -ne 0 ] && tail -3 "$tmp/$name.err" | sed 's/^/# /'
	if ! kill -0 "$bpid" 2>/dev/null; then
		ok "$name: vgpuback still runs" false
		tail -5 "$log" | sed 's/^/# /'
		echo "Bail out! vgpuback died during $name"
		exit 1
	fi
	ok "$name: vgpuback still runs" true
	good_check "$name"
	hostile_id=$id
	summary=$(grep '^SUMMARY' "$tmp/$name.out")
	diag "${summary:-$name: no summary}"
}

# Wait (bounded) until vgpuback holds nothing and has its first fds again.
settle() {
	local i
	for i in $(seq 100); do
		res=$(simhost_resources)
		fds=$(nfds)
		[ "$res" = "$base_res" ] && [ "$fds" = "$base_fds" ] && return 0
		sleep 0.05
	done
}

# After the attack: nothing may stay, neither while the hostile domain still
# exists (its frontend idle) nor after it went as xl destroy takes it.
cleanup_check() {
	local name=$1 id=$2 i conns leak
	settle
	is "$res/$fds" "$base_res/$base_fds" \
		"$name: with the hostile domain idle, vgpuback holds no job, buffer, mapping or extra fd"
	"$SIM" domain destroy "h-$name" >/dev/null
	"$VGPUCTL" detach "$id" 0 >/dev/null 2>&1
	settle
	for i in $(seq 100); do
		conns=$(xs_conns)
		[ "$conns" = "$base_conns" ] && break
		sleep 0.05
	done
	is "$res" "$base_res" "$name: vgpuback holds no job, buffer or mapping after the destroy"
	is "$fds" "$base_fds" "$name: vgpuback's fds back to $base_fds"
	is "$conns" "$base_conns" "$name: simxen's XenStore connections back to $base_conns"
	leak=$("$SIM" stats | awk '/^domain / && ($4 != 0 || $6 != 0 || $10 != 0)')
	is "$leak" "" "$name: simxen holds no grant, mapping or port of any domain"
	is "$(grep -c 'Sanitizer\|runtime error' "$log")" 0 "$name: no sanitizer report in vgpuback's log"
}

iters() { sed -n 's/^SUMMARY .* iterations=\([0-9]*\) .*/\1/p' "$tmp/$1.out"; }

# --- the ring index far ahead, behind, and broken silently under completions
# (regression: a completion finding the broken index tore the device down
# while the same event batch still held its event-channel wake: SIGSEGV)
attack prod-ahead --iterations 48 --seconds 15
n=$(iters prod-ahead)
is "$(log_count "$hostile_id" 'broken frontend: req_prod')" "${n:-x}" \
	"prod-ahead: each of the $n broken indices logged and the device disconnected"
cleanup_check prod-ahead "$hostile_id"

# --- requests rewritten under the backend (XSA-155)
attack rewrite --iterations 12000 --seconds 8
is "$(log_count "$hostile_id" 'disconnecting')" 1 \
	"rewrite: rewritten requests are answered, not a reason to drop the device (one close, its own)"
cleanup_check rewrite "$hostile_id"

# --- malformed, out-of-range, ungranted and aliasing requests
attack bad-ops --iterations 20 --seconds 15 --other-domid "$good_id"
ok "bad-ops: grant refs that could not be mapped are logged" \
	test "$(log_count "$hostile_id" 'buffer [0-9]*: cannot map')" -gt 0
is "$(log_count "$hostile_id" 'broken frontend')" 0 \
	"bad-ops: bad requests fail alone; the device stays"
cleanup_check bad-ops "$hostile_id"

# --- flood: full rings, idle notifications, answers left unread
attack flood --iterations 40 --seconds 15
is "$(log_count "$hostile_id" 'broken frontend')" 0 "flood: a full ring is no protocol error"
cleanup_check flood "$hostile_id"

# --- garbage in its XenStore nodes, random states, rings of noise
attack xs-garbage --iterations 600 --seconds 15
ok "xs-garbage: refused ring nodes are logged" \
	test "$(log_count "$hostile_id" 'frontend published bad ring nodes')" -gt 0
cleanup_check xs-garbage "$hostile_id"

# --- its backend's nodes: pool and priority are the toolstack's
attack be-nodes --iterations 20 --seconds 10 --other-domid "$good_id"
is "$(xenstore-read "/local/domain/0/backend/vgpu/$hostile_id/0/pool")" A "be-nodes: pool still A"
is "$(xenstore-read "/local/domain/0/backend/vgpu/$hostile_id/0/priority")" medium \
	"be-nodes: priority still medium"
is "$(xenstore-read "/local/domain/0/backend/vgpu/$good_id/0/pool")" B \
	"be-nodes: the good guest's pool still B"
cleanup_check be-nodes "$hostile_id"

# --- disconnects with work queued and running
attack disconnect-mid --iterations 24 --seconds 15
n=$(iters disconnect-mid)
c=$(log_count "$hostile_id" 'connected (')
d=$(log_count "$hostile_id" 'disconnecting: the frontend')
is "$c/$d" "$((${n:-0} + 1))/$((${n:-0} + 1))" \
	"disconnect-mid: each of the $n connections, and the last good one, connected and torn down once"
cleanup_check disconnect-mid "$hostile_id"

# --- deaths with work in flight: the backend must notice by itself
# (regression: a death whose wake came with the last requests went unseen)
attack die-inflight --iterations 24 --seconds 15
n=$(iters die-inflight)
is "$(log_count "$hostile_id" 'disconnecting: the frontend closed its event channel')" "${n:-x}" \
	"die-inflight: each of the $n dead frontends noticed and its device closed"
cleanup_check die-inflight "$hostile_id"

# --- vgpuback stops cleanly: under ASan this is where a leak would show.
"$VGPUCTL" detach "$good_id" 0 >/dev/null 2>&1
for i in $(seq 100); do
	"$VGPUCTL" --json stats | grep -q '"domains":\[\]' && break
	sleep 0.05
done
kill -TERM "$bpid"
wait "$bpid"
is "$?" 0 "vgpuback exits 0 on SIGTERM after all of it"
simhost_backend_pid=
is "$(grep -c 'Sanitizer\|runtime error' "$log")" 0 "no sanitizer report (leaks included) at its exit"
done_testing

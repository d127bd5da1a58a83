#!/bin/bash
# Protocol version 2 from guests, on the CPU executor (device memory is host
# memory in each guest's worker), or with VGPU_TEST_EXECUTOR=cuda on a GPU
# (test-harness/bench/run-gpu-checks.sh: device memory of each guest's own
# CUDA context).  vgpu-mem (vgpu-mem.c) checks every result
# against its own reference (the random bytes it wrote, a CPU model of each
# copy and memset, the exact status each bad request must get) and prints
# one line per check; each becomes a TAP line here:
#  - sessions; round trips host -> device -> host of random data at several
#    sizes and offsets; device to device; memset with 1-, 2- and 4-byte
#    elements, byte by byte; many allocations;
#  - the domain's --mem-quota, --max-sessions and --max-allocations: past
#    them VGPU_ENOMEM, and nothing leaks (the whole quota fits again);
#  - bad requests, each with its exact status;
#  - a session of another device of the guest; two guests given each
#    other's session and device pointer, each one's memory unchanged;
#  - a guest killed (kill -9) holding sessions, memory and buffers: vgpuback
#    and simxen hold nothing of it afterwards;
#  - the guest's worker killed while the guest holds memory: its next call
#    says so (VGPU_ELOST, or EPIPE as the device closes) and a new
#    connection works.
. "$top_srcdir/test-harness/lib/tap.sh"
export VGPU_BUILDDIR=$top_builddir
. "$top_srcdir/test-harness/scenarios/simhost.sh"
MEM=$top_builddir/test-harness/scenarios/vgpu-mem
EXAMPLE=$top_builddir/frontend/examples/vgpu-memcopy
tmp=$(mktemp -d)
trap 'touch "$tmp/go" "$tmp/wgo"; simhost_stop; rm -rf "$tmp"' EXIT

Q=$((64 << 20))	# --mem-quota: bytes per domain
MS=8		# --max-sessions per domain
MA=512		# --max-allocations per domain (above vgpu-mem many's 200)
T=300		# seconds any one guest program may run (a hang fails, rc 124)

relay() { simhost_relay "$1" "$2" "$3" vgpu-mem; }
# mem NAME GUEST ARGS...: vgpu-mem in GUEST, relayed.
mem() {
	local name=$1 guest=$2
	shift 2
	timeout $T "$SIM" exec "$guest" -- "$MEM" --name "$name" "$@" >"$tmp/$name" 2>"$tmp/$name.err"
	relay "$name" "$tmp/$name" $?
}
# Wait (bounded) until FILE has a line matching RE.
wait_line() {
	local i
	for i in $(seq 600); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.05; done
	return 1
}
# One field of vgpuback's resources object (vgpuctl --json stats).
resource() { simhost_resources | tr ',' '\n' | sed -n "s/^\"$1\":\([0-9]*\)$/\1/p"; }
# The pid of the worker vgpuback last started for domain DOMID (its log).
worker_of() {
	sed -n "s/.*worker \([0-9]*\) started for domain $1 .*/\1/p" "$SIMXEN_DIR/vgpuback.log" | tail -1
}

simhost_start --executor "${VGPU_TEST_EXECUTOR:-cpu}" --mem-quota $Q --max-sessions $MS --max-allocations $MA ||
	{ echo "Bail out! no host"; exit 1; }
g=$(simhost_guest g A high)
"$VGPUCTL" attach g pool=A,prio=high >/dev/null	# devid 1
h=$(simhost_guest h B low)

# --- what a guest can do with its memory ------------------------------------
out=$(timeout $T "$SIM" exec g -- "$EXAMPLE" 1000003 2>&1)
like "$out" "1000003 bytes host -> device -> device -> host: all right" \
	"the example vgpu-memcopy copies 1000003 bytes there and back, right"
mem basics g --seed 1 session roundtrip dtod memset many
mem bad g --seed 2 bad
mem quota g --seed 3 --quota $Q quota
mem limits g --seed 4 --max-sessions $MS --max-allocations $MA limits
mem xdev g --seed 5 --device 0 --device2 1 xdev

# --- two guests, each given the other's session and pointer ------------------
timeout $T "$SIM" exec g -- "$MEM" --name peer-g --seed 6 --peer-out "$tmp/pg" --peer-in "$tmp/ph" \
	peer >"$tmp/peer-g" 2>"$tmp/peer-g.err" &
pg=$!
timeout $T "$SIM" exec h -- "$MEM" --name peer-h --seed 7 --skip-sessions 1 --peer-out "$tmp/ph" \
	--peer-in "$tmp/pg" peer >"$tmp/peer-h" 2>"$tmp/peer-h.err" &
ph=$!
wait $pg
relay peer-g "$tmp/peer-g" $?
wait $ph
relay peer-h "$tmp/peer-h" $?
res=$(simhost_wait_idle)
is "$res" "$SIMHOST_IDLE" "vgpuback holds nothing once the guests closed their sessions"

# --- a guest killed with sessions, memory and buffers open -------------------
"$SIM" exec g -- "$MEM" --name hold --seed 8 hold >"$tmp/hold" 2>"$tmp/hold.err" &
hp=$!
wait_line "$tmp/hold" '^HOLD'
ok "g holds sessions and memory" test $? -eq 0
held=$(sed -n 's/^HOLD .* allocations=\([0-9]*\) bytes=\([0-9]*\)$/\1 \2/p' "$tmp/hold")
is "$(grep -c '^CHECK FAIL' "$tmp/hold")" 0 "g's allocations were made and filled"
if [ -n "$(resource allocations)" ]; then
	is "$(resource allocations) $(resource mem_bytes)" "$held" \
		"vgpuback counts g's allocations and bytes as g made them ($held)"
else
	diag "vgpuback's resources have no device memory counts: $(simhost_resources)"
fi
kill -KILL $hp
wait $hp 2>/dev/null
res=$(simhost_wait_idle)
is "$res" "$SIMHOST_IDLE" "g killed (kill -9): vgpuback holds nothing of it"
is "$(simhost_sim_leaks)" "" "simxen: no guest has grants, mappings or ports left"
mem after-kill g --seed 9 --quota $Q quota

# --- the guest's worker killed while the guest holds memory ------------------
timeout $T "$SIM" exec h -- "$MEM" --name worker --seed 10 --go-file "$tmp/wgo" worker roundtrip \
	>"$tmp/worker" 2>"$tmp/worker.err" &
wp=$!
wait_line "$tmp/worker" '^READY'
ok "h holds memory in its worker" test $? -eq 0
w=$(worker_of "$h")
ok "h has a worker ($w)" test -n "$w"
kill -KILL "$w"
wait_line "$SIMXEN_DIR/vgpuback.log" "worker $w of domain $h ended"
ok "vgpuback saw h's worker end" test $? -eq 0
touch "$tmp/wgo"
wait $wp
relay worker "$tmp/worker" $?
w2=$(worker_of "$h")
ok "h's new connection runs in a new worker ($w2)" test -n "$w2" -a "$w2" != "$w"

res=$(simhost_wait_idle)
is "$res" "$SIMHOST_IDLE" "at the end vgpuback holds nothing"
is "$(simhost_sim_leaks)" "" "simxen: no guest has grants, mappings or ports left"
ok "vgpuback still runs" kill -0 "$simhost_backend_pid"
done_testing

#!/bin/bash
# The supervisor (vgpuback --workers no --supervise yes, supervise.c; with
# workers, the default, test-workers.sh): an executor that breaks
# (here the CPU executor's test fault, standing in for a sticky CUDA error,
# which no process can clear in itself) makes the worker close every device
# and exit 75; the supervisor, whose pid never changes, starts a new worker;
# guests see their requests answered or failed with a status, none lost, and
# reconnect.  The GPU side of the same path: test-gpu-fault.sh.
. "$top_srcdir/test-harness/lib/tap.sh"
export VGPU_BUILDDIR=$top_builddir
. "$top_srcdir/test-harness/scenarios/simhost.sh"
tmp=$(mktemp -d)
trap 'simhost_stop; rm -rf "$tmp"' EXIT

simhost_start --executor cpu --slots 1 --cpu-delay-us 20000 --test-faults yes --supervise yes --workers no ||
	{ echo "Bail out! no host"; exit 1; }
log=$SIMXEN_DIR/vgpuback.log
worker_pids() { sed -n 's/.*supervisor: worker \([0-9]*\) started.*/\1/p' "$log"; }
first=$(worker_pids | tail -1)
ok "a supervisor started worker $first" test -n "$first"
ok "the worker is the supervisor's child" test "$(ps -o ppid= -p "$first" 2>/dev/null | tr -d ' ')" = "$simhost_backend_pid"
simhost_guest a B low >/dev/null
simhost_guest f A high >/dev/null

"$SIM" exec a -- "$GUEST" --name a --op add --requests 60 --inflight 4 >"$tmp/a" 2>&1 &
apid=$!
simhost_wait_submitted 1 8
# High priority: the fault runs next, while a has requests queued and running.
"$SIM" exec f -- "$GUEST" --name f --op add --requests 1 --fault-every 1 >"$tmp/f" 2>&1
frc=$?
wait $apid
arc=$?

is "$(grep -c '^REQ .* fault=1' "$tmp/f")" 1 "the faulting guest sent its faulting request"
like "$(grep '^REQ' "$tmp/f")" 'status=-8 ok=1 fault=1' "the faulting request failed with VGPU_EIO"
for i in $(seq 100); do [ "$(worker_pids | wc -l)" -ge 2 ] && break; sleep 0.05; done
second=$(worker_pids | tail -1)
ok "the supervisor started a new worker ($first, then $second)" test -n "$second" -a "$second" != "$first"
ok "the old worker is gone" bash -c "! kill -0 $first 2>/dev/null"
ok "the supervisor (pid $simhost_backend_pid) lives on" kill -0 "$simhost_backend_pid"
ok "the worker said why it restarts" grep -q 'lost its GPU state; closing every device' "$log"
ok "the old worker exited 75 for the supervisor" grep -q "starting a new worker" "$log"
sub=$(grep -c '^SUBMITTED' "$tmp/a")
rep=$(grep -c '^REQ ' "$tmp/a")
right=$(grep -c '^REQ .* status=0 ok=1' "$tmp/a")
gone=$(grep '^REQ ' "$tmp/a" | grep -c ' done_ns=0 .*status=-32 ')
diag "guest a: $sub submitted, $right answered right, $gone failed when its device closed (EPIPE)"
is "$rep" "$sub" "guest a: every request it submitted is reported, none lost"
is "$((right + gone))" "$rep" "guest a: each right, or failed with EPIPE as the device closed"
is "$arc" "$((gone > 0 ? 3 : 0))" "guest a exits $((gone > 0 ? 3 : 0)) (3: the backend went while it had work)"
for i in $(seq 100); do [ -S "$SIMXEN_DIR/vgpuback.sock" ] && "$VGPUCTL" pools >/dev/null 2>&1 && break; sleep 0.05; done
out=$("$SIM" exec a -- "$VGPUFRONT" add 40 2 2>&1)
is "$out" 42 "guest a reconnects to the new worker: add 40 2 answers 42"
out=$("$SIM" exec f -- "$VGPUFRONT" vadd --n 4096 --verify 2>&1)
like "$out" "verified: all 4096" "the faulting guest reconnects and a vector add verifies"
res=$(simhost_wait_idle)
is "$res" "$SIMHOST_IDLE" "the new worker holds nothing once the guests are idle"
leak=$("$SIM" stats | awk '/^domain 0/ && ($6 != 0)')
is "$leak" "" "simxen: the old worker's mappings went with it"
kill -TERM "$simhost_backend_pid"
for i in $(seq 100); do kill -0 "$simhost_backend_pid" 2>/dev/null || break; sleep 0.05; done
ok "SIGTERM to the supervisor ends it" bash -c "! kill -0 $simhost_backend_pid 2>/dev/null"
ok "and its worker" bash -c "! kill -0 $second 2>/dev/null"
wait "$simhost_backend_pid"
is "$?" 0 "the supervisor exits 0 after a clean shutdown"
simhost_backend_pid=
done_testing

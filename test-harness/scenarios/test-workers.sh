#!/bin/bash
# A worker process per guest (backend/workers.h), on the CPU executor:
#  - each guest that does work gets a worker of its own, a child of vgpuback
#    that cannot gain privileges; a pool marked shared-worker-pools gets one
#    worker for all its guests; a guest with no device connected keeps its
#    worker 2 s, then holds none;
#  - a guest's fault (the CPU executor's test fault, standing in for a
#    sticky CUDA error) ends that guest's worker only: the faulting request
#    fails with VGPU_EIO, another guest's burst running at the same time is
#    answered right, every request of it, and the faulting guest goes on;
#  - kill -9 of a guest's worker mid-burst: its requests in flight fail with
#    VGPU_ELOST (or EPIPE as its device closes), none is lost, the other
#    guest's burst is right, and the guest reconnects to a new worker;
#  - a request past its pool's deadline gets its worker killed and the
#    guest VGPU_ETIMEDOUT, while a guest of a pool without that deadline is
#    served meanwhile.
. "$top_srcdir/test-harness/lib/tap.sh"
export VGPU_BUILDDIR=$top_builddir
. "$top_srcdir/test-harness/scenarios/simhost.sh"
tmp=$(mktemp -d)
trap 'simhost_stop; rm -rf "$tmp"' EXIT

# The pid of the worker vgpuback last started for domain DOMID (its log).
worker_of() {
	sed -n "s/.*worker \([0-9]*\) started for domain $1 .*/\1/p" "$SIMXEN_DIR/vgpuback.log" | tail -1
}
alive() { kill -0 "$1" 2>/dev/null; }
# Lines of guest output FILE: "submitted reported right failed-with-S1-or-S2..."
count() { grep -c "$2" "$1"; }

simhost_start --executor cpu --slots 4 --cpu-delay-us 20000 --test-faults yes \
	--pools A,B,C --shared-worker-pools C || { echo "Bail out! no host"; exit 1; }
log=$SIMXEN_DIR/vgpuback.log
a=$(simhost_guest a B low)
f=$(simhost_guest f A high)
b=$(simhost_guest b A medium)

# --- a fault in f while a works --------------------------------------------
"$SIM" exec a -- "$GUEST" --name a --op add --requests 60 --inflight 4 >"$tmp/a" 2>&1 &
apid=$!
simhost_wait_submitted "$a" 8
"$SIM" exec f -- "$GUEST" --name f --op add --requests 1 --fault-every 1 >"$tmp/f" 2>&1
wait $apid
arc=$?
wa=$(worker_of "$a")
wf=$(worker_of "$f")
ok "guest a has a worker of its own ($wa)" test -n "$wa"
ok "guest f has another ($wf)" test -n "$wf" -a "$wf" != "$wa"
like "$(grep '^REQ' "$tmp/f")" 'status=-8 ok=1 fault=1' "f's faulting request failed with VGPU_EIO"
is "$(count "$tmp/a" '^REQ .* status=0 ok=1')" 60 "guest a: all 60 requests right through f's fault"
is "$arc" 0 "guest a exits 0"
for i in $(seq 100); do alive "$wf" || break; sleep 0.05; done
ok "f's worker is gone" bash -c "! kill -0 $wf 2>/dev/null"
ok "a's worker lives on" alive "$wa"
ok "vgpuback said why f's worker ended" grep -q "worker $wf of domain $f ended (its GPU state was lost" "$log"
out=$("$SIM" exec f -- "$VGPUFRONT" vadd --n 4096 --verify 2>&1)
like "$out" "verified: all 4096" "f reconnects and a vector add verifies"
wf2=$(worker_of "$f")
ok "f runs in a new worker ($wf2)" test -n "$wf2" -a "$wf2" != "$wf"

# --- kill -9 of a's worker mid-burst, b unaffected -------------------------
"$SIM" exec a -- "$GUEST" --name a --op add --requests 200 --inflight 4 >"$tmp/a2" 2>&1 &
apid=$!
"$SIM" exec b -- "$GUEST" --name b --op add --requests 100 --inflight 4 >"$tmp/b" 2>&1 &
bpid=$!
simhost_wait_submitted "$a" 90
# a's worker now (the first one may have ended: a guest with no device
# connected keeps its worker 2 s only).
wa=$(worker_of "$a")
is "$(ps -o ppid= -p "$wa" | tr -d ' ')" "$simhost_backend_pid" "a's worker ($wa) is vgpuback's child"
is "$(ps -o comm= -p "$wa")" "vgpu-worker" "it is named vgpu-worker"
is "$(awk '/^NoNewPrivs:/ { print $2 }' "/proc/$wa/status")" 1 "it cannot gain privileges"
fds=$(ls "/proc/$wa/fd" | wc -l)
ok "it holds few descriptors ($fds)" test "$fds" -le 12
ok "it does not hold vgpuback's control socket" \
	bash -c "! ls -l /proc/$wa/fd | grep -q vgpuback.sock"
kill -KILL "$wa"
wait $apid
wait $bpid
brc=$?
sub=$(count "$tmp/a2" '^SUBMITTED')
rep=$(count "$tmp/a2" '^REQ ')
right=$(count "$tmp/a2" '^REQ .* status=0 ok=1')
lost=$(grep '^REQ ' "$tmp/a2" | grep -cE ' status=(-15|-32) ')
diag "guest a: $sub submitted, $right right, $lost failed (VGPU_ELOST or EPIPE)"
is "$rep" "$sub" "guest a: every request it submitted is reported"
is "$((right + lost))" "$rep" "guest a: each right, or failed with VGPU_ELOST or EPIPE"
ok "guest a: some failed as its worker died ($lost)" test "$lost" -ge 1
is "$(count "$tmp/b" '^REQ .* status=0 ok=1')" 100 "guest b: all 100 right while a's worker died"
is "$brc" 0 "guest b exits 0"
ok "vgpuback said a's worker was killed" grep -q "worker $wa of domain $a ended (killed by signal 9)" "$log"
out=$("$SIM" exec a -- "$VGPUFRONT" add 40 2 2>&1)
is "$out" 42 "guest a reconnects to a new worker: add 40 2 answers 42"

# --- a shared pool: one worker for its guests ------------------------------
c1=$(simhost_guest c1 C low)
c2=$(simhost_guest c2 C high)
is "$("$SIM" exec c1 -- "$VGPUFRONT" add 1 2 2>&1)" 3 "c1 (pool C) is served"
is "$("$SIM" exec c2 -- "$VGPUFRONT" add 3 4 2>&1)" 7 "c2 (pool C) is served"
is "$(grep -c 'started for pool 2 ' "$log")" 1 "pool C's guests share one worker"
is "$(worker_of "$c1")$(worker_of "$c2")" "" "and neither has one of its own"

res=$(simhost_wait_idle)
is "$res" "$SIMHOST_IDLE" "vgpuback holds nothing once the guests are idle"
for i in $(seq 100); do
	[ "$(ps --ppid "$simhost_backend_pid" -o comm= | grep -c vgpu-worker)" -le 1 ] && break
	sleep 0.1
done
is "$(ps --ppid "$simhost_backend_pid" -o comm= | grep -c vgpu-worker)" 1 \
	"the idle guests' workers ended; only the probe remains"
ok "vgpuback said why" grep -q "ends: no device of it is connected" "$log"
is "$(simhost_sim_leaks)" "" "simxen: no guest has grants, mappings or ports left"
simhost_stop

# --- a deadline ------------------------------------------------------------
simhost_start --executor cpu --slots 4 --cpu-delay-us 1500000 --pool-deadline-ms B=300 ||
	{ echo "Bail out! no host"; exit 1; }
log=$SIMXEN_DIR/vgpuback.log
s=$(simhost_guest s B high)
t=$(simhost_guest t A low)
"$SIM" exec t -- "$GUEST" --name t --op add --requests 1 >"$tmp/t" 2>&1 &
tpid=$!
"$SIM" exec s -- "$GUEST" --name s --op add --requests 1 >"$tmp/s" 2>&1
wait $tpid
like "$(grep '^REQ' "$tmp/s")" 'status=-14 ' "s's request past pool B's 300 ms got VGPU_ETIMEDOUT"
snd=$(sed -n 's/.*submit_ns=\([0-9]*\) done_ns=\([0-9]*\).*/\1 \2/p' "$tmp/s" | awk '{ print int(($2 - $1) / 1e6) }')
ok "s was answered after the deadline, before the work's 1500 ms ($snd ms)" \
	test "$snd" -ge 300 -a "$snd" -lt 1400
like "$(grep '^REQ' "$tmp/t")" 'status=0 ok=1' "t (pool A, default deadline) was served meanwhile"
ok "vgpuback said whose deadline passed" grep -q "domain $s: a scalar_add request ran past pool B's deadline of 300 ms" "$log"
out=$("$SIM" exec s -- "$VGPUFRONT" info 2>&1)
like "$out" "executor" "s goes on with a new worker: vgpufront info answers"
done_testing

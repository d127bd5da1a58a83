#!/bin/bash
# Lifecycle: a guest that disconnects and reconnects; a guest destroyed with
# requests queued and in flight (others unaffected, nothing leaks); vgpuback
# killed and restarted while guests are connected (every request a guest made
# is answered or failed with a clear status, never lost; guests reconnect).
. "$top_srcdir/test-harness/lib/tap.sh"
export VGPU_BUILDDIR=$top_builddir
. "$top_srcdir/test-harness/scenarios/simhost.sh"
tmp=$(mktemp -d)
trap 'simhost_stop; rm -rf "$tmp"' EXIT

simhost_start --executor cpu --slots 1 --cpu-delay-us 20000 || { echo "Bail out! no host"; exit 1; }
simhost_guest a A high >/dev/null
simhost_guest b B low >/dev/null
simhost_guest c A medium >/dev/null

# --- disconnect and reconnect
for round in 1 2 3; do
	out=$("$SIM" exec a -- "$VGPUFRONT" add $round 1000 2>&1)
	is "$out" "$((round + 1000))" "reconnect round $round: guest a connects, adds, closes"
done
is "$(xenstore-read /local/domain/0/backend/vgpu/1/0/state)" 6 "after the guest closed, the backend says Closed"
out=$("$SIM" exec a -- "$VGPUFRONT" vadd --n 100000 --verify 2>&1)
like "$out" "verified: all 100000" "guest a reconnects again and its vadd verifies"
# The ring's form changes between connections: no node of the old one stays.
out=$("$SIM" exec a -- "$VGPUFRONT" --ring-order 3 add 5 6 2>&1)
is "$out" 11 "guest a connects with an 8-page ring (ring-page-order, ring-ref0..7)"
out=$("$SIM" exec a -- "$VGPUFRONT" --ring-order 0 add 7 8 2>&1)
is "$out" 15 "then with a one-page ring (ring-ref): the backend maps the new ring"
fe=$(xenstore-ls /local/domain/1/device/vgpu/0 2>/dev/null)
is "$(grep -cE '^ *(ring-page-order|ring-ref[0-9])' <<<"$fe")" 0 "no node of the 8-page ring is left"
# Synchronous calls while responses to other requests wait in the library.
out=$("$SIM" exec a -- "$top_builddir/test-harness/scenarios/vgpu-bufs" open:0 async:8 \
	ping:3 drain:8 2>&1 | tr '\n' ' ')
like "$out" 'ASYNC n=8 status=0 PING k=3 ok=3 DRAIN want=8 got=8' \
	"three sync pings find their answers beside eight async ones, which all arrive"

# --- destroy a guest with work queued and in flight
"$SIM" exec b -- "$GUEST" --name b --op vadd --n 4096 --requests 40 --inflight 40 \
	>"$tmp/b" 2>&1 &
bpid=$!
"$SIM" exec c -- "$GUEST" --name c --op add --requests 30 --inflight 4 >"$tmp/c" 2>&1 &
cpid=$!
simhost_wait_submitted 2 40
ok "guest b has 40 requests in vgpuback" test $? -eq 0
"$SIM" domain destroy b
ok "domain b destroyed while its requests were queued and running" test $? -eq 0
wait $bpid
ok "guest b's process is gone" test $? -ne 0
wait $cpid
ok "guest c, running beside it, exits 0" test $? -eq 0
is "$(grep -c '^REQ .* status=0 ok=1' "$tmp/c")" 30 "guest c: 30 of 30 results right"
ok "domain b's XenStore home is gone" test -z "$(xenstore-read /local/domain/2/name 2>/dev/null)"
"$VGPUCTL" detach 2 0 >/dev/null 2>&1	# the toolstack's part, as libxl does on destroy
res=$(simhost_wait_idle 100)
is "$res" "$SIMHOST_IDLE" "vgpuback dropped b's queued jobs, finished its running one, unmapped everything"
leak=$(simhost_sim_leaks)
is "$leak" "" "simxen: nothing of b's left granted or mapped"
ok "vgpuback still runs" kill -0 "$simhost_backend_pid"

# --- vgpuback killed and restarted under load
"$SIM" exec c -- "$GUEST" --name c --op add --requests 200 --inflight 8 >"$tmp/c2" 2>&1 &
cpid=$!
simhost_wait_submitted 3 40
simhost_backend_restart --executor cpu --slots 1 --cpu-delay-us 20000
ok "vgpuback restarted after SIGKILL" test $? -eq 0
wait $cpid
rc=$?
sub=$(grep -c '^SUBMITTED' "$tmp/c2")
rep=$(grep -c '^REQ ' "$tmp/c2")
good=$(grep -c '^REQ .* status=0 ok=1' "$tmp/c2")
failed=$(grep '^REQ ' "$tmp/c2" | grep -vc 'ok=1')
is "$rep" "$sub" "every request guest c submitted is reported ($sub submitted)"
ok "guest c saw the backend go (exit 3) rather than hang or lie" test "$rc" -eq 3
diag "answered $good, failed with a clear status $failed (backend gone), lost $((sub - rep))"
ok "the answered ones are right" test "$(grep '^REQ .* done_ns=[1-9]' "$tmp/c2" | grep -c 'ok=0')" -eq 0
is "$(grep '^REQ .* done_ns=0 ' "$tmp/c2" | grep -vc 'status=-32 ')" 0 "the unanswered ones failed with EPIPE (backend gone), not silently" 
out=$("$SIM" exec c -- "$VGPUFRONT" add 2 40 2>&1)
is "$out" 42 "guest c reconnects to the new vgpuback and is served"
out=$("$SIM" exec a -- "$VGPUFRONT" add 5 6 2>&1)
is "$out" 11 "guest a is served by the new vgpuback too"
done_testing

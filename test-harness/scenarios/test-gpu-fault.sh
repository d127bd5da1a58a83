#!/bin/bash
# A GPU fault while other guests run (issues 7 and 13): a guest's request
# makes its CUDA context fail for good (an out-of-bounds store behind the
# test-only fault flag).  Each guest's work runs in its own worker process
# (backend/workers.h), so the fault stays in the faulting guest's worker:
# vgpuback lives, the faulting request fails with VGPU_EIO or VGPU_ERESET,
# every request of the other two guests, running on the same GPU at the
# time, is answered right, and everyone is served right afterwards (the
# faulting guest by a new worker if its own could not recover); twice.  Needs the
# CUDA executor and a GPU: VGPU_TEST_EXECUTOR=cuda
# (test-harness/bench/run-gpu-checks.sh).
. "$top_srcdir/test-harness/lib/tap.sh"
[ "${VGPU_TEST_EXECUTOR:-cpu}" = cuda ] || skip_all "needs a GPU: VGPU_TEST_EXECUTOR=cuda"
export VGPU_BUILDDIR=$top_builddir
. "$top_srcdir/test-harness/scenarios/simhost.sh"
tmp=$(mktemp -d)
trap 'simhost_stop; rm -rf "$tmp"' EXIT

simhost_start --executor cuda --slots 4 --test-faults yes || { echo "Bail out! no host"; exit 1; }
log=$SIMXEN_DIR/vgpuback.log
grep -q 'executor: cuda' "$log" || { echo "Bail out! vgpuback did not take the GPU"; exit 1; }
simhost_guest v A high >/dev/null
simhost_guest s B low >/dev/null
simhost_guest f A medium >/dev/null

ended() { grep -c "worker [0-9]* of domain 3 ended" "$log"; }
for round in 1 2; do
	e0=$(ended)
	# Long enough (seconds) that the fault comes while both run.
	"$SIM" exec v -- "$GUEST" --name v --op vadd --n 1048576 --requests 8000 --inflight 4 \
		--same-slice >"$tmp/v" 2>&1 &
	vpid=$!
	"$SIM" exec s -- "$GUEST" --name s --op add --requests 100000 --inflight 2 >"$tmp/s" 2>&1 &
	spid=$!
	simhost_wait_submitted 1 20 && simhost_wait_submitted 2 20
	# 20 good requests, then one that faults.
	"$SIM" exec f -- "$GUEST" --name f --op vadd --n 65536 --requests 21 --fault-every 21 >"$tmp/f" 2>&1
	wait $vpid $spid

	ok "round $round: vgpuback (pid $simhost_backend_pid) lives" kill -0 "$simhost_backend_pid"
	like "$(grep '^REQ .* fault=1' "$tmp/f")" 'status=-(8|9) ok=1' \
		"round $round: the faulting request failed with VGPU_EIO or VGPU_ERESET"
	is "$(grep '^REQ' "$tmp/f" | grep -v 'fault=1' | grep -c 'status=0 ok=1')" 20 \
		"round $round: the faulting guest's 20 requests before it are right"
	ok "round $round: the log names the CUDA error" \
		grep -q 'cuda: GPU [0-9]* (.*): .*; resetting it' "$log"
	for g in v s; do
		sub=$(grep -c '^SUBMITTED' "$tmp/$g")
		rep=$(grep -c '^REQ' "$tmp/$g")
		right=$(grep -c '^REQ .* status=0 ok=1' "$tmp/$g")
		diag "round $round: guest $g: $sub submitted, $right right"
		is "$rep" "$sub" "round $round: guest $g: every request it submitted is reported"
		is "$right" "$rep" "round $round: guest $g: every request right through f's fault"
	done
	for i in $(seq 200); do
		[ "$(ended)" -gt "$e0" ] || grep -q 'reset; serving again' "$log" && break
		sleep 0.05
	done
	if [ "$(ended)" -gt "$e0" ]; then
		diag "round $round: f's worker could not bring its GPU context back and ended"
		ok "round $round: f's worker ended, a new one serves f" true
	else
		ok "round $round: f's worker reset its GPU context and serves again" \
			grep -q 'reset; serving again' "$log"
	fi
	out=$("$SIM" exec v -- "$VGPUFRONT" vadd --n 1048576 --verify 2>&1)
	like "$out" "verified: all 1048576" "round $round: after the fault a 1M-float vector add verifies"
	out=$("$SIM" exec f -- "$VGPUFRONT" vadd --n 65536 --verify 2>&1)
	like "$out" "verified: all 65536" "round $round: the faulting guest is served right again"
	out=$("$SIM" exec s -- "$VGPUFRONT" add 40 2 2>&1)
	is "$out" 42 "round $round: after the fault add 40 2 answers 42"
done
[ "$_tap_failed" -eq 0 ] || grep -E 'cuda|error|warning|worker' "$log" | tail -40 | sed 's/^/# vgpuback: /'
done_testing

#!/bin/bash
# A GPU fault while other guests run (issue 7): a guest's request makes the
# CUDA context fail for good (an out-of-bounds store behind the test-only
# fault flag).  vgpuback must live, answer the faulting request with
# VGPU_EIO or VGPU_ERESET, answer or fail with a clear status everything
# else that was in flight (VGPU_ERESET if the GPU was reset under it,
# VGPU_EIO if it reached the GPU once it was lost, EPIPE if the worker had to
# restart: CUDA clears a sticky error only in a new process), and serve
# everyone right again afterwards; twice.  Needs the
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

workers() { grep -c 'supervisor: worker [0-9]* started' "$log"; }
for round in 1 2; do
	w0=$(workers) b0=$(grep -c 'could not be brought back' "$log")
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
		reset=$(grep -c '^REQ .* status=-9 ' "$tmp/$g")
		eio=$(grep -c '^REQ .* status=-8 ' "$tmp/$g")
		gone=$(grep -c '^REQ .* done_ns=0 .*status=-32 ' "$tmp/$g")
		diag "round $round: guest $g: $sub submitted, $right right, $reset VGPU_ERESET (running at the fault)," \
			"$eio VGPU_EIO (dispatched to the lost GPU), $gone EPIPE (the worker restarted)"
		is "$rep" "$sub" "round $round: guest $g: every request it submitted is reported"
		is "$((right + reset + eio + gone))" "$rep" \
			"round $round: guest $g: each right, or failed with VGPU_ERESET, VGPU_EIO or EPIPE"
		ok "round $round: guest $g got right answers before the fault ($right)" test "$right" -ge 1
	done
	if [ "$(grep -c 'could not be brought back' "$log")" -gt "$b0" ]; then
		diag "round $round: the GPU did not compute after cudaDeviceReset: the worker restarted"
		for i in $(seq 200); do
			[ "$(workers)" -gt "$w0" ] && "$VGPUCTL" pools >/dev/null 2>&1 && break
			sleep 0.05
		done
		ok "round $round: the supervisor started a new worker" test "$(workers)" -gt "$w0"
	else
		ok "round $round: the GPU was reset in place and serves again" grep -q 'reset; serving again' "$log"
	fi
	out=$("$SIM" exec v -- "$VGPUFRONT" vadd --n 1048576 --verify 2>&1)
	like "$out" "verified: all 1048576" "round $round: after the fault a 1M-float vector add verifies"
	out=$("$SIM" exec s -- "$VGPUFRONT" add 40 2 2>&1)
	is "$out" 42 "round $round: after the fault add 40 2 answers 42"
done
[ "$_tap_failed" -eq 0 ] || grep -E 'cuda|error|warning|supervisor' "$log" | tail -40 | sed 's/^/# vgpuback: /'
done_testing

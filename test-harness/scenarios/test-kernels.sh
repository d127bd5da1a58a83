#!/bin/bash
# Modules and launches from guests.  On the CPU executor (CI): every request
# vgpuback must refuse before an executor sees it gets its exact status; a
# session's requests queued at once run in order (a stream); events
# (record, query, synchronize, elapsed time, refusals, --max-events);
# module loads answer VGPU_ENOSYS and the session goes on; --max-modules
# holds with loads in flight and is given back.  With
# VGPU_TEST_EXECUTOR=cuda on a GPU (test-harness/bench/run-gpu-checks.sh):
# the built-in kernels (vector add, saxpy, a tiled matrix multiply, a
# reduction) from PTX, and a vector add from a cubin (VGPU_TEST_CUBIN),
# checked against the CPU; parameter layouts; 1000 launches queued back to
# back on one session; the driver's refusals; several guests at once; a
# guest's kernel that writes through another guest's pointer faults only
# that guest (the other's memory is unchanged and its kernels run); an
# endless kernel is stopped at its pool's deadline while another guest's
# requests keep completing; a module's globals (GLOBAL_GET): a kernel reads
# coefficients a copy wrote into its __constant__ memory and adds to its
# __device__ counter, each checked against the CPU; a name the module
# lacks, a copy one byte past a global, MEM_FREE of one, another session
# and every copy after the unload are refused.  On the CPU executor the
# refusals of GLOBAL_GET (bad) and its VGPU_ENOENT with no module
# (nokernels).  vgpu-kern (vgpu-kern*.c) checks each result
# against its own CPU reference; each of its checks is a TAP line here.
. "$top_srcdir/test-harness/lib/tap.sh"
export VGPU_BUILDDIR=$top_builddir
. "$top_srcdir/test-harness/scenarios/simhost.sh"
KERN=$top_builddir/test-harness/scenarios/vgpu-kern
tmp=$(mktemp -d)
trap 'simhost_stop; rm -rf "$tmp"' EXIT
T=300		# seconds any one guest program may run (a hang fails, rc 124)
MM=3		# --max-modules per domain
MS=5		# --max-streams per domain
ME=6		# --max-events per domain
EXEC=${VGPU_TEST_EXECUTOR:-cpu}

# kern NAME GUEST ARGS...: vgpu-kern in GUEST, relayed.
kern() {
	local name=$1 guest=$2
	shift 2
	timeout $T "$SIM" exec "$guest" -- "$KERN" --name "$name" "$@" >"$tmp/$name" 2>"$tmp/$name.err"
	simhost_relay "$name" "$tmp/$name" $? vgpu-kern
}

if [ "$EXEC" = cpu ]; then
	# Every request takes 0.3 s: loads stay in flight long enough to count.
	# Pool B is pinned to GPU 1, which a CPU host does not have.
	simhost_start --executor cpu --max-modules $MM --max-streams $MS --max-events $ME \
		--slots 4 --cpu-delay-us 300000 --pool-gpu B=1 ||
		{ echo "Bail out! no host"; exit 1; }
	g=$(simhost_guest g A high)
	h=$(simhost_guest h B low)
	out=$(timeout $T "$SIM" exec h -- "$VGPUFRONT" mem --n 4096 2>&1)
	rc=$?
	is "$rc" 1 "a guest of a pool pinned to a GPU the host lacks cannot open a session (exit 1)"
	like "$out" "pool-gpu" "and is told why: VGPU_ERANGE, the pool's GPU (vgpuback --pool-gpu)"
	kern bad g --seed 1 bad
	kern nokernels g --seed 2 --max-streams $MS nokernels order streams
	kern counts g --seed 3 --max-modules $MM counts
	kern events g --seed 4 --max-events $ME --delay-us 300000 events
	is "$(simhost_wait_idle)" "$SIMHOST_IDLE" "at the end vgpuback holds nothing"
	ok "vgpuback still runs" kill -0 "$simhost_backend_pid"
	done_testing
	exit
fi

# The CUDA executor.  Pool B's deadline is 4 s: the endless kernel's guest.
simhost_start --executor "$EXEC" --max-modules 16 --max-streams $MS --max-events $ME \
	--pool-deadline-ms B=4000 ||
	{ echo "Bail out! no host"; exit 1; }
a=$(simhost_guest a A high)
b=$(simhost_guest b B low)
c=$(simhost_guest c A low)
kern bad a --seed 1 --max-streams $MS --max-events $ME bad order streams events
kern kernels a --seed 2 kernels layout stream errors
kern globals a --seed 5 globals
# What the host's nvidia-smi says of GPU 0, for the device query to match.
IFS=, read -r smi_name smi_cc smi_mem < <(nvidia-smi -i 0 --query-gpu=name,compute_cap,memory.total \
	--format=csv,noheader,nounits 2>/dev/null | sed 's/, /,/g')
if [ -n "${smi_mem:-}" ]; then
	kern devinfo a --expect-name "$smi_name" --expect-cc "$smi_cc" --expect-mem-mib "$smi_mem" devinfo
else
	diag "no nvidia-smi: the device query not compared"
fi
if [ -n "${VGPU_TEST_CUBIN:-}" ]; then
	kern cubin a --seed 3 --cubin "$VGPU_TEST_CUBIN" cubin
else
	diag "no cubin built (VGPU_TEST_CUBIN): the vector add from a cubin not run"
fi

# Several guests at once (one process per device), every result right.
for i in 1 2 3; do
	timeout $T "$SIM" exec "$(echo _ a b c | cut -d' ' -f$((i + 1)))" -- "$KERN" --name "many$i" \
		--seed $((10 + i)) kernels >"$tmp/many$i" 2>"$tmp/many$i.err" &
	eval "p$i=\$!"
done
for i in 1 2 3; do
	eval "wait \$p$i"
	simhost_relay "many$i" "$tmp/many$i" $? vgpu-kern
done

# a writes through b's pointer: a faults alone.
timeout $T "$SIM" exec b -- "$KERN" --name victim --seed 20 --peer-out "$tmp/pb" \
	--peer-in "$tmp/pa" victim >"$tmp/victim" 2>"$tmp/victim.err" &
pv=$!
timeout $T "$SIM" exec a -- "$KERN" --name fault --seed 21 --peer-out "$tmp/pa" \
	--peer-in "$tmp/pb" fault >"$tmp/fault" 2>"$tmp/fault.err"
simhost_relay fault "$tmp/fault" $? vgpu-kern
wait $pv
simhost_relay victim "$tmp/victim" $? vgpu-kern

# b's kernel never ends: its deadline stops it; a's requests go on meanwhile.
timeout $T "$SIM" exec a -- "$VGPUFRONT" bench --seconds 8 --json >"$tmp/bench" 2>&1 &
pbench=$!
kern spin b --seed 30 spin
wait $pbench
is "$?" 0 "a's bench ran while b's kernel spun, none of its requests failed"
diag "a's requests meanwhile: $(jq -c '[.results[] | {request, median_us, p99_us, req_per_s}]' \
	"$tmp/bench" 2>/dev/null || tail -3 "$tmp/bench")"

is "$(simhost_wait_idle)" "$SIMHOST_IDLE" "at the end vgpuback holds nothing"
ok "vgpuback still runs" kill -0 "$simhost_backend_pid"
done_testing

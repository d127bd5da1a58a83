#!/bin/bash
# The guest libcuda.so.1 under the CUDA runtime (libcuda-vgpu(7)): an
# unmodified runtime-API program, built with plain nvcc (cudart linked
# statically: it reaches the driver through cuGetProcAddress and the
# export tables of cuGetExportTable, and checks the driver's integrity
# answer), runs in a guest with LD_LIBRARY_PATH pointing at the built
# library.  cuda-rt-test checks each result against its own reference
# (bytes copied back, memset(3) of the same ranges, the quota, the
# runtime's error strings); each of its checks is a TAP line here.  On the
# CPU executor its kernel cannot run: the launch says cudaErrorNotSupported
# and the program goes on.  Then, from VGPU_CUDA_TRACE=1: the runtime's
# calls were served by this library, export tables and integrity check
# included.
. "$top_srcdir/test-harness/lib/tap.sh"
export VGPU_BUILDDIR=$top_builddir
. "$top_srcdir/test-harness/scenarios/simhost.sh"
PROG=$top_builddir/frontend/libcuda/tests/cuda-rt-test
LIBDIR=$top_builddir/frontend/libcuda/.libs
[ -x "$PROG" ] && [ -f "$LIBDIR/libcuda.so.1" ] ||
	skip_all "the runtime test program is not built (configure found no nvcc or no cuda.h)"
tmp=$(mktemp -d)
trap 'simhost_stop; rm -rf "$tmp"' EXIT
T=300		# seconds any one guest program may run (a hang fails, rc 124)
Q=$((64 << 20))	# --mem-quota: bytes per domain
EXEC=${VGPU_TEST_EXECUTOR:-cpu}
. "$top_srcdir/test-harness/scenarios/libcuda.sh"

# rt NAME ARGS...: cuda-rt-test in guest g on our libcuda.so.1, relayed.
rt() {
	local name=$1
	shift
	timeout $T "$SIM" exec g -- "${NOGPU[@]}" env LD_LIBRARY_PATH="$LIBDIR${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" "${LIBCUDA_SAN[@]}" \
		CUDA_MODULE_LOADING="${CUDA_MODULE_LOADING:-}" "$PROG" --executor "$EXEC" \
		--quota $Q "$@" >"$tmp/$name" 2>"$tmp/$name.err"
	simhost_relay "$name" "$tmp/$name" $? cuda-rt-test
}

simhost_start --executor "$EXEC" --mem-quota $Q ||
	{ echo "Bail out! no host"; exit 1; }
g=$(simhost_guest g A high)
libcuda_check_hidden g "$PROG" --executor cuda device

rt all --seed 1 device memory memset async events errors launch many legacy reset
is "$(simhost_wait_idle)" "$SIMHOST_IDLE" "the program exited: vgpuback holds nothing of it"
is "$(grep -c -v '^vgpu-cuda: ' "$tmp/all.err")" 0 \
	"untraced, the program's stderr has only the library's notes"

# CUDA_LAUNCH_BLOCKING=1: every launch waits for its kernel (on the GPU the
# same checks, through the waiting path; on the CPU executor as above).
CUDA_LAUNCH_BLOCKING=1 rt blocking --seed 6 device launch many legacy

# cudaDeviceReset, then the runtime goes on with the same handle.
rt reuse --seed 5 device reset reuse memory

# Modules loaded eagerly: cudart loads its fatbin at start-up, with no
# context current; the library keeps it until a kernel is asked for.
CUDA_MODULE_LOADING=EAGER rt eager --seed 3 device memory launch

# The same binary with the trace on: the runtime's calls are ours.
VGPU_CUDA_TRACE=1 rt traced --seed 2 device memory async launch
tr=$tmp/traced.err
for t in cudart hooks tls cls check integrity; do
	like "$(grep -c "^vgpu-cuda: cuGetExportTable([0-9a-f-]* $t) = CUDA_SUCCESS\$" "$tr")" '^[1-9]' \
		"cudart asked for the export table $t and got it"
done
like "$(grep -m1 '^vgpu-cuda: integrity_check(integrity slot 1: [0-9]*2,' "$tr")" '= CUDA_SUCCESS$' \
	"the integrity check that hashes (its version ends in 2) was answered"
like "$(grep -c '^vgpu-cuda: rt_primary_ctx(rt slot 2: 0 -> 0x' "$tr")" '^[1-9]' \
	"cudart took device 0's primary context through the cudart table"
like "$(grep -c '^vgpu-cuda: cls_put(' "$tr")" '^[1-9]' "and kept its state in context-local storage"
like "$(grep -c '^vgpu-cuda: cuMemcpyHtoD_v2(.*) = CUDA_SUCCESS$' "$tr")" '^[1-9]' \
	"cudaMemcpy HtoD became our cuMemcpyHtoD_v2"
like "$(grep -c '^vgpu-cuda: cuMemcpyDtoH_v2(.*) = CUDA_SUCCESS$' "$tr")" '^[1-9]' \
	"cudaMemcpy DtoH became our cuMemcpyDtoH_v2"
like "$(grep -c '^vgpu-cuda: cuMemcpyHtoDAsync_v2(.*) = CUDA_SUCCESS$' "$tr")" '^[1-9]' \
	"cudaMemcpyAsync became our cuMemcpyHtoDAsync_v2"
like "$(grep -m1 '^vgpu-cuda: cuLibraryLoadData(' "$tr")" ' -> 0x[0-9a-f]*\) = CUDA_SUCCESS$' \
	"the launch loaded the program's fatbin as a library"
if [ "$EXEC" = cuda ]; then
	like "$(grep -m1 '^vgpu-cuda: cuLibraryGetKernel(' "$tr")" '"_Z7rt_fillPiii"\) = CUDA_SUCCESS$' \
		"and asked for rt_fill, which the GPU loaded"
	like "$(grep -c '^vgpu-cuda: cuLaunchKernel(.*) = CUDA_SUCCESS$' "$tr")" '^[1-9]' \
		"cudart's <<<>>> became our cuLaunchKernel"
else
	like "$(grep -m1 '^vgpu-cuda: cuLibraryGetKernel(' "$tr")" '"_Z7rt_fillPiii"\) = CUDA_ERROR_NOT_SUPPORTED$' \
		"and asked for rt_fill, which the CPU executor cannot load"
fi
is "$(grep -c '^vgpu-cuda: cuGetExportTable(.*unknown)' "$tr")" 1 \
	"the one table cudart 13.0 does without (f8cff951) is refused, once"
is "$(grep -v '^vgpu-cuda: cuGetProcAddress' "$tr" | grep -c 'is not supported\|(\.\.\.) = CUDA_ERROR_NOT_SUPPORTED')" 0 \
	"no call of the runtime reached an unsupported stub"
ok "vgpuback still runs" kill -0 "$simhost_backend_pid"
done_testing

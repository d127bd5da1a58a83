#!/bin/bash
# The guest libcuda.so.1 (frontend/libcuda, libcuda-vgpu(7)): a driver-API
# program written as a CUDA user writes one (cuda-drv-test, <cuda.h> and
# -lcuda) runs in a guest with LD_LIBRARY_PATH pointing at the built
# library.  On the CPU executor (CI): device memory round trips at several
# sizes and offsets (past the staging buffer), memsets, DtoD, async forms on
# streams, OUT_OF_MEMORY past --mem-quota, INVALID_VALUE for bad pointers,
# module loads refused with CUDA_ERROR_NOT_SUPPORTED, cuGetProcAddress,
# events; with VGPU_TEST_EXECUTOR=cuda on a GPU, also the built-in PTX's
# vgpu_vadd launched (kernelParams and `extra`) and checked against the CPU.
# cuda-drv-test checks every result against its own reference; each of its
# checks is a TAP line here.  Then: the library is ours (its trace), exports
# the driver's names, says once what it does not support.
. "$top_srcdir/test-harness/lib/tap.sh"
export VGPU_BUILDDIR=$top_builddir
. "$top_srcdir/test-harness/scenarios/simhost.sh"
PROG=$top_builddir/frontend/libcuda/tests/cuda-drv-test
LIBDIR=$top_builddir/frontend/libcuda/.libs
PTX=$top_srcdir/frontend/kernels/vgpu_kernels.ptx
[ -x "$PROG" ] && [ -f "$LIBDIR/libcuda.so.1" ] ||
	skip_all "the guest libcuda is not built (configure found no cuda.h)"
tmp=$(mktemp -d)
trap 'simhost_stop; rm -rf "$tmp"' EXIT
T=300		# seconds any one guest program may run (a hang fails, rc 124)
Q=$((64 << 20))	# --mem-quota: bytes per domain
EXEC=${VGPU_TEST_EXECUTOR:-cpu}
. "$top_srcdir/test-harness/scenarios/libcuda.sh"

# drv NAME ARGS...: cuda-drv-test in guest g on our libcuda.so.1, relayed.
drv() {
	local name=$1
	shift
	timeout $T "$SIM" exec g -- "${NOGPU[@]}" env LD_LIBRARY_PATH="$LIBDIR${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" "$PROG" --executor "$EXEC" \
		--ptx "$PTX" --quota $Q "$@" >"$tmp/$name" 2>"$tmp/$name.err"
	simhost_relay "$name" "$tmp/$name" $? cuda-drv-test
}

simhost_start --executor "$EXEC" --mem-quota $Q ||
	{ echo "Bail out! no host"; exit 1; }
g=$(simhost_guest g A high)
libcuda_check_hidden g "$PROG" --executor cuda init

drv all --seed 1 preinit versions init ctx memory memset dtod async bad quota module procaddr events threads pinned
# A staging buffer of 64 KiB: every copy above a few KiB goes in many
# chunks, four in flight, staged and copied out in order.
VGPU_CUDA_STAGING_KB=64 drv small-staging --seed 4 init ctx memory dtod async
is "$(simhost_wait_idle)" "$SIMHOST_IDLE" "the program exited: vgpuback holds nothing of it"

# The same binary with the trace on: every call is ours, on stderr.
VGPU_CUDA_TRACE=1 drv traced --seed 2 init ctx memory
like "$(grep -c '^vgpu-cuda: cuMemcpyHtoD_v2(' "$tmp/traced.err")" '^[1-9][0-9]*$' \
	"VGPU_CUDA_TRACE=1: the copies are traced (the library is ours)"
like "$(grep -m1 '^vgpu-cuda: cuInit(' "$tmp/traced.err")" '^vgpu-cuda: cuInit\(0\) = CUDA_SUCCESS$' \
	"VGPU_CUDA_TRACE=1: cuInit's line names its result"
is "$(grep -c -v '^vgpu-cuda: ' "$tmp/all.err")" 0 \
	"untraced, the program's stderr has only the library's notes"
is "$(grep -c 'cuMemGetInfo_v2 is not supported' "$tmp/all.err")" 1 \
	"a call not supported is said once, by name, though called twice"

# No vgpu device: cuInit says CUDA_ERROR_NO_DEVICE and why, no crash.
out=$(VGPU_CUDA_DEVICE=7 timeout $T "$SIM" exec g -- "${NOGPU[@]}" env LD_LIBRARY_PATH="$LIBDIR${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" "$PROG" \
	--executor "$EXEC" init 2>&1)
like "$out" "CHECK FAIL init: cuInit: CUDA_ERROR_NO_DEVICE" "VGPU_CUDA_DEVICE=7 (none): cuInit says NO_DEVICE"
like "$out" "vgpu-cuda: no vgpu device 7" "and stderr says which device is missing"

# What the library exports: the driver's names, nothing of libvgpufront.
syms=$(nm -D --defined-only "$LIBDIR/libcuda.so.1" | awk '{ print $3 }')
for s in cuInit cuMemAlloc_v2 cuMemcpyHtoD_v2 cuMemcpyHtoD_v2_ptds cuLaunchKernel cuGetProcAddress \
	cuGetProcAddress_v2 cuCtxCreate_v4 cuLibraryLoadData cuGetExportTable; do
	ok "libcuda.so.1 exports $s" grep -qx "$s" <<<"$syms"
done
is "$(grep -cv '^cu[A-Z]' <<<"$syms")" 0 "it exports nothing but cu* names"
like "$(objdump -p "$LIBDIR/libcuda.so.1" | awk '/SONAME/ { print $2 }')" '^libcuda\.so\.1$' \
	"its soname is libcuda.so.1"
ok "vgpuback still runs" kill -0 "$simhost_backend_pid"
done_testing

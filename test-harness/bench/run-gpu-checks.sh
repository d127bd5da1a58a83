#!/bin/bash
# run-gpu-checks.sh: the GPU tier, in one call on the GPU machine: the
# scenario tests with the CUDA executor (seven VMs, many guests, a GPU fault
# while others run), then the benchmark against native CUDA.
#
#   test-harness/bench/run-gpu-checks.sh BINDIR
#
# BINDIR as for run-gpu-bench.sh.  Each test's TAP output goes to $OUT (or
# /tmp) as gpu-TEST.log; the last lines are a summary and the benchmark table.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
. "$here/gpu-tree.sh"
gpu_tree "${1:?BINDIR}"
out=${OUT:-/tmp}
export top_srcdir=$top VGPU_TEST_EXECUTOR=cuda
summary=
# The built-in kernels as a cubin too, when the machine has nvcc.
nvcc=$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)
if [ -x "$nvcc" ] && "$nvcc" -cubin -arch=sm_90 -o "$out/vgpu_kernels.cubin" \
	"$top/frontend/kernels/vgpu_kernels.cu" >"$out/cubin.log" 2>&1; then
	export VGPU_TEST_CUBIN=$out/vgpu_kernels.cubin
fi
for t in test-seven-vm test-many-guests test-gpu-fault test-gpu-stats test-mem test-kernels \
	 test-front-kernels test-libcuda test-libcuda-rt test-libcuda-samples; do
	log=$out/gpu-$t.log
	timeout 240 bash "$top/test-harness/scenarios/$t.sh" >"$log" 2>&1
	rc=$?
	p=$(grep -c '^ok ' "$log"); f=$(grep -c '^not ok ' "$log")
	grep '^not ok' -A3 "$log" | head -20
	summary="$summary$t: $p passed, $f failed (exit $rc)"$'\n'
done
# The main job on the GPU, as README runs it (its table is kept).
timeout 120 "$top/test-harness/scenarios/vgpu-demo" --executor cuda >"$out/gpu-demo.txt" 2>&1
summary="${summary}vgpu-demo --executor cuda: exit $?"$'\n'
bash "$here/run-gpu-bench.sh" "$1"
# Unmodified CUDA programs on the guest libcuda.so.1 (where carried).
[ -f "$1/libcuda.so.1" ] && bash "$here/run-libcuda-bench.sh" "$1"
echo
printf '%s' "$summary"

#!/bin/bash
# make-carry.sh: build what the GPU machine runs and lay it out in .carry/
# (the device tool's carry path), from a copy of this tree.
#
#   test-harness/bench/make-carry.sh [BUILDDIR]    (default /tmp/gpub)
#
# Then, on the GPU machine: bash test-harness/bench/run-gpu-checks.sh .carry
# A static build (--disable-shared): the binaries need only the few Xen and
# Debian libraries copied into .carry/lib.  .carry/ belongs in .git/info/exclude.
set -e
top=$(cd "$(dirname "$0")/../.." && pwd)
b=${1:-/tmp/gpub}
src=$b.src
rsync -a --delete --exclude .git --exclude .carry "$top/" "$src/"
(cd "$src" && { test -x configure || ./autogen.sh >/dev/null 2>&1; })
rm -rf "$b" && mkdir -p "$b"
cd "$b"
"$src/configure" --quiet --disable-shared >/dev/null
nice make -j2 >"$b.log" 2>&1 || { tail -20 "$b.log"; exit 1; }
nice make test-harness/scenarios/vgpu-bufs test-harness/bench/native_bench \
	test-harness/bench/native_launch >>"$b.log" 2>&1
c=$top/.carry
rm -rf "$c" && mkdir -p "$c/lib"
cp test-harness/simxen/vgpu-sim backend/vgpuback xenstore-hooks/vgpuctl frontend/vgpufront \
   test-harness/scenarios/vgpu-guest test-harness/scenarios/vgpu-bufs \
   test-harness/scenarios/vgpu-mem test-harness/scenarios/vgpu-kern \
   frontend/examples/vgpu-memcopy test-harness/bench/native_bench \
   test-harness/bench/vgpu-launch test-harness/bench/native_launch "$c/"
cp "$(command -v xenstore-ls)" "$c/" 2>/dev/null || true
# The guest libcuda.so.1 is a shared library: a second, shared build makes
# it and its two test programs (only where configure found cuda.h).
if grep -q 'S\["BUILD_LIBCUDA_TRUE"\]=""' config.status; then
	s=$b-shared
	samples="vadd matmul streams events devquery templates constmem fault oom drvptx"
	rm -rf "$s" && mkdir -p "$s"
	(cd "$s" && "$src/configure" --quiet >/dev/null &&
	 nice make -j2 frontend/libcuda/libcuda.la frontend/libcuda/tests/cuda-drv-test \
		frontend/libcuda/tests/cuda-rt-test frontend/libcuda/tests/cuda-launch-bench \
		$(printf 'frontend/libcuda/tests/samples/%s ' $samples) >"$s.log" 2>&1) || { tail -20 "$s.log"; exit 1; }
	cp -L "$s/frontend/libcuda/.libs/libcuda.so.1" "$s/frontend/libcuda/tests/cuda-drv-test" \
		"$s/frontend/libcuda/tests/cuda-rt-test" "$s/frontend/libcuda/tests/cuda-launch-bench" "$c/"
	mkdir -p "$c/samples"
	for x in $samples; do cp -L "$s/frontend/libcuda/tests/samples/$x" "$c/samples/"; done
fi
for x in "$c"/vgpu-sim "$c"/vgpuback "$c"/vgpuctl "$c"/vgpufront "$c"/vgpu-guest "$c"/xenstore-ls \
	 "$c"/libcuda.so.1; do
	[ -e "$x" ] && ldd "$x" | awk '/=> \// { print $3 }'
done | sort -u | grep -E 'libxen|libxlutil|libyajl|libncursesw|libtinfo' | xargs -r cp -L -t "$c/lib"
ls "$c" "$c/lib"

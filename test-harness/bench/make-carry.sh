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
for x in "$c"/vgpu-sim "$c"/vgpuback "$c"/vgpuctl "$c"/vgpufront "$c"/vgpu-guest "$c"/xenstore-ls; do
	ldd "$x" | awk '/=> \// { print $3 }'
done | sort -u | grep -E 'libxen|libxlutil|libyajl|libncursesw|libtinfo' | xargs -r cp -L -t "$c/lib"
ls "$c" "$c/lib"

#!/bin/bash
# CUDA programs as users write them (frontend/libcuda/tests/samples: plain
# `nvcc -o prog prog.cu`, and drvptx, a C driver-API program on -lcuda),
# each checking itself against its own CPU reference and ending with PASS,
# or FAIL and the CUDA error it met (exit 1), run in a guest on the guest
# libcuda.so.1 (libcuda-vgpu(7)).
#
# CPU executor (CI): no kernel can run.  The samples without one (devquery,
# oom) pass; each of the others fails cleanly: exit 1, not a signal, its
# one FAIL line naming the error the library gives for a kernel it cannot
# load, cudaErrorNotSupported ("operation not supported"; drvptx:
# CUDA_ERROR_NOT_SUPPORTED).  vgpuback holds nothing afterwards.  Traced
# (VGPU_CUDA_TRACE=1), the driver calls each sample reached that the
# library does not support are listed as diagnostics.
#
# VGPU_TEST_EXECUTOR=cuda, on a GPU: each sample runs natively on the real
# driver, then in the guest under nogpu (no /dev/nvidia*, no real
# libcuda); both must PASS and print the same lines (TIME lines apart).
# First: hidden by nogpu and without our library, a sample cannot pass.
. "$top_srcdir/test-harness/lib/tap.sh"
export VGPU_BUILDDIR=$top_builddir
. "$top_srcdir/test-harness/scenarios/simhost.sh"
S=$top_builddir/frontend/libcuda/tests/samples
LIBDIR=$top_builddir/frontend/libcuda/.libs
[ -x "$S/vadd" ] && [ -f "$LIBDIR/libcuda.so.1" ] ||
	skip_all "the samples are not built (configure found no nvcc or no cuda.h)"
tmp=$(mktemp -d)
trap 'simhost_stop; rm -rf "$tmp"' EXIT
T=300		# seconds any one program may run (a hang fails, rc 124)
Q=$((256 << 20))	# --mem-quota: bytes per domain (oom asks for far more)
EXEC=${VGPU_TEST_EXECUTOR:-cpu}
SAMPLES="vadd matmul streams events devquery templates constmem fault oom"
[ -x "$S/drvptx" ] && SAMPLES="$SAMPLES drvptx"
. "$top_srcdir/test-harness/scenarios/libcuda.sh"

# guest NAME [VAR=VALUE...]: sample NAME in guest g on our libcuda.so.1;
# stdout in $tmp/NAME.guest, stderr in .err; returns its exit status.
guest() {
	local name=$1 pre=()
	shift
	[ "$name" = drvptx ] || pre=("${LIBCUDA_SAN[@]}")
	timeout $T "$SIM" exec g -- "${NOGPU[@]}" env \
		LD_LIBRARY_PATH="$LIBDIR${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" "${pre[@]}" "$@" \
		"$S/$name" >"$tmp/$name.guest" 2>"$tmp/$name.guest.err"
}

# passed NAME RC FILE WHERE: exit 0 and PASS as the last line.
passed() {
	is "$2" 0 "$1: exits 0 $4"
	is "$(tail -n1 "$3")" PASS "$1: PASS $4"
	[ "$2" = 0 ] || tail -n 20 "$3.err" | sed 's/^/#   stderr: /'
}

# On the CPU executor: NAME has a kernel, so it must fail as described.
fails_cleanly() {
	local name=$1 rc=$2 out=$tmp/$1.guest want='cudaErrorNotSupported \(operation not supported\)$'
	[ "$name" = drvptx ] && want='CUDA_ERROR_NOT_SUPPORTED \(operation not supported\)$'
	is "$rc" 1 "$name: a kernel the CPU executor cannot run: exit 1, no crash"
	[ "$rc" = 1 ] || tail -n 20 "$out.err" | sed 's/^/#   stderr: /'
	is "$(grep -c '^FAIL' "$out")/$(grep -c '^PASS$' "$out")" 1/0 "$name: one FAIL line, no PASS"
	like "$(tail -n1 "$out")" "^FAIL .*$want" "$name: its last line names the error"
}

run_cpu() {
	local name rc
	for name in $SAMPLES; do
		guest "$name"
		rc=$?
		case $name in
		devquery | oom) passed "$name" $rc "$tmp/$name.guest" "in the guest (no kernel)" ;;
		*) fails_cleanly "$name" $rc ;;
		esac
		is "$(grep -c -v '^vgpu-cuda: ' "$tmp/$name.guest.err")" 0 \
			"$name: its stderr has only the library's notes"
	done
	like "$(grep '^device 0: ' "$tmp/devquery.guest")" '^device 0: xen-vgpu CPU executor \(no GPU\)$' \
		"devquery: the CPU executor's device, by its name"
	is "$(grep '^compute capability: ' "$tmp/devquery.guest")" "compute capability: 0.0" \
		"devquery: compute capability 0.0 (no kernel image matches)"
	is "$(grep '^driver version: ' "$tmp/devquery.guest")" "driver version: 13.0" \
		"devquery: the CPU executor's driver version, 13000"
	is "$(grep '^cudaMalloc(4 x ' "$tmp/oom.guest")" \
		"cudaMalloc(4 x totalGlobalMem): cudaErrorMemoryAllocation" \
		"oom: past the quota, cudaErrorMemoryAllocation"
}

# unsupported FILE: the driver calls the library does not support that
# FILE (a guest's stderr) names: untraced, each says so once; traced, each
# call's line shows no arguments and CUDA_ERROR_NOT_SUPPORTED.
unsupported() {
	local calls
	calls=$(sed -n -e 's/^vgpu-cuda: \(cu[A-Za-z0-9_]*\) is not supported.*/\1/p' \
		-e 's/^vgpu-cuda: \(cu[A-Za-z0-9_]*\)(\.\.\.) = CUDA_ERROR_NOT_SUPPORTED$/\1/p' \
		"$1" | sort -u | tr '\n' ' ')
	echo "${calls% }"
}

# The calls each sample reached, traced, that the library does not support.
list_unsupported() {
	local name calls
	for name in $SAMPLES; do
		guest "$name" VGPU_CUDA_TRACE=1
		calls=$(unsupported "$tmp/$name.guest.err")
		diag "$name reached, not supported: ${calls:-none}"
		case $name in
		devquery | oom) is "$calls" "" "$name: no call reached an unsupported stub" ;;
		esac
	done
}


# Natively, drvptx (built with the sanitizers there) runs on the real
# driver: its leaks are not ours, and it needs the shadow gap unprotected.
run_cuda() {
	local name rc calls
	# nogpu hides the GPU; else every comparison below would prove nothing.
	libcuda_check_hidden g "$S/devquery"
	for name in $SAMPLES; do
		ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0:protect_shadow_gap=0" \
			timeout $T "$S/$name" >"$tmp/$name.native" 2>"$tmp/$name.native.err"
		passed "$name" $? "$tmp/$name.native" "natively"
		guest "$name"
		rc=$?
		[ $rc = 125 ] && diag "$name: nogpu could not hide the GPU (exit 125)"
		passed "$name" $rc "$tmp/$name.guest" "in the guest, the GPU hidden"
		calls=$(unsupported "$tmp/$name.guest.err")
		diag "$name reached, not supported: ${calls:-none}"
		grep -v '^TIME' "$tmp/$name.native" >"$tmp/$name.native.cmp"
		grep -v '^TIME' "$tmp/$name.guest" >"$tmp/$name.guest.cmp"
		ok "$name: the guest printed what the GPU printed natively" \
			cmp -s "$tmp/$name.native.cmp" "$tmp/$name.guest.cmp"
		diff "$tmp/$name.native.cmp" "$tmp/$name.guest.cmp" | sed 's/^/#   /'
	done
}

simhost_start --executor "$EXEC" --mem-quota $Q ||
	{ echo "Bail out! no host"; exit 1; }
g=$(simhost_guest g A high)
if [ "$EXEC" = cuda ]; then
	run_cuda
else
	run_cpu
	list_unsupported
fi
is "$(simhost_wait_idle)" "$SIMHOST_IDLE" "the samples exited: vgpuback holds nothing of them"
ok "vgpuback still runs" kill -0 "$simhost_backend_pid"
done_testing

# libcuda.sh: what the guest libcuda.so.1 tests share (source it after
# simhost.sh and tap.sh, with LIBDIR and EXEC set).
#
# NOGPU: the command prefix that hides the GPU from a guest program on a
# GPU machine (test-harness/lib/nogpu: no /dev/nvidia*, no real libcuda), so
# that a pass proves the ring carried the work; empty on the CPU executor.
NOGPU=()
[ "$EXEC" = cuda ] && NOGPU=("$top_srcdir/test-harness/lib/nogpu")
# LIBCUDA_SAN: env assignments for an nvcc-built program on a library built
# with the sanitizers (make check under --enable-sanitizers): their runtime
# preloaded, leak reports off (they would be cudart's own), last so that it
# wins over make check's detect_leaks=1.
LIBCUDA_SAN=()
if grep -aq __asan_init "$LIBDIR/libcuda.so.1"; then
	_asan=$(${CC:-gcc} -print-file-name=libasan.so)
	[ -f "$_asan" ] || skip_all "the library is built with AddressSanitizer, and no libasan.so to preload"
	LIBCUDA_SAN=(LD_PRELOAD="$_asan" ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0")
fi

# libcuda_check_hidden GUEST PROG [ARG...]: on a GPU, two TAP checks that
# nogpu hides it: nogpu works here, and PROG on the host's own driver
# (without our library) does not pass under it.
libcuda_check_hidden() {
	local g=$1 rc out
	shift
	[ "$EXEC" = cuda ] || return 0
	"$SIM" exec "$g" -- "${NOGPU[@]}" true
	is "$?" 0 "nogpu can hide the GPU here (exit 125: it cannot, not root or no unshare)"
	out=$(timeout 300 "$SIM" exec "$g" -- "${NOGPU[@]}" "$@" 2>&1)
	rc=$?
	grep -q '^PASS$' <<<"$out" && rc=0
	ok "hidden, $(basename "$1") on the host's own driver does not pass (exit $rc)" [ "$rc" -ne 0 ]
}

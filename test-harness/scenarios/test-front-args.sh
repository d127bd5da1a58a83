#!/bin/bash
# The vgpufront tool's bad input: every number on its command line is
# checked before anything runs.  Each case must exit 2 with exactly one
# line on stderr naming the option, the value and what is allowed (the
# expected line is written out here in full).  Then, on a simulated host,
# the edges of each range are accepted and served, and (without sanitizers,
# with valgrind) the tool passes no uninitialised option to libvgpufront.
. "$top_srcdir/test-harness/lib/tap.sh"
export VGPU_BUILDDIR=$top_builddir
. "$top_srcdir/test-harness/scenarios/simhost.sh"
tmp=$(mktemp -d)
trap 'simhost_stop; rm -rf "$tmp"' EXIT

bad() { simhost_front_bad "$@"; }

N="a whole number from 1 to 268435456 (floats; 2^28 is the protocol's maximum)"
bad "vgpufront: --repeat '-3': a whole number from 1 to 1000000" vadd --n 1000 --repeat -3
bad "vgpufront: --repeat '0': a whole number from 1 to 1000000" vadd --n 1000 --repeat 0
bad "vgpufront: --count '-1': a whole number from 1 to 10000000" ping --count -1
bad "vgpufront: --count '0': a whole number from 1 to 10000000" ping --count 0
bad "vgpufront: --count '1e3': a whole number from 1 to 10000000" ping --count 1e3
bad "vgpufront: --count ' 5': a whole number from 1 to 10000000" ping --count ' 5'
bad "vgpufront: --n '1.5': $N" vadd --n 1.5
bad "vgpufront: --n '0': $N" vadd --n 0
bad "vgpufront: --n '0x10': $N" vadd --n 0x10
bad "vgpufront: --n '99999999999': $N" vadd --n 99999999999
bad "vgpufront: --n '268435457': $N" vadd --n 268435457
bad "vgpufront: --n '18446744073709551617': $N" vadd --n 18446744073709551617
bad "vgpufront: --device 'x': a whole number from 0 to 2147483647" -d x info
bad "vgpufront: --device '-1': a whole number from 0 to 2147483647" -d -1 info
bad "vgpufront: --timeout 'x': a whole number from 1 to 3600000" -t x info
bad "vgpufront: --timeout '-1': a whole number from 1 to 3600000" -t -1 info
bad "vgpufront: --timeout '0': a whole number from 1 to 3600000" -t 0 info
bad "vgpufront: --ring-order '9': a whole number from 0 to 4 (ring of 2^N pages)" -r 9 info
bad "vgpufront: --ring-order '-1': a whole number from 0 to 4 (ring of 2^N pages)" -r -1 info
bad "vgpufront: --seconds '0': a number of seconds above 0, at most 3600" bench --seconds 0
bad "vgpufront: --seconds 'nan': a number of seconds above 0, at most 3600" bench --seconds nan
bad "vgpufront: --seconds '1x': a number of seconds above 0, at most 3600" bench --seconds 1x
bad "vgpufront: --inflight '0': a whole number from 1 to 512" bench --inflight 0
bad "vgpufront: --inflight '513': a whole number from 1 to 512" bench --inflight 513
bad "vgpufront: add NUM2 'x': a 64-bit integer" add 1 x
bad "vgpufront: add NUM1 '9223372036854775808': a 64-bit integer" add 9223372036854775808 1
bad "vgpufront: add NUM1 '0x10': a 64-bit integer" add 0x10 1
bad "vgpufront: add NUM1 ' 5': a 64-bit integer" add ' 5' 1
bad "vgpufront: ping: --n does not apply to this command" ping --n 5
bad "vgpufront: add takes 2 arguments, not 1" add 1
bad "vgpufront: vadd needs --n N (1 to 2^28 floats)" vadd --verify
bad "vgpufront: unknown command 'frob' (info, ping, add, vadd, bench, mem, run, matmul)" frob

# The edges of each range are accepted and served.
simhost_start --executor cpu || { echo "Bail out! no host"; exit 1; }
simhost_guest g A high >/dev/null
"$SIM" exec g -- "$VGPUFRONT" -d 0 -t 1 -r 4 info >/dev/null 2>&1
rc=$?
ok "-t 1 is accepted (served, or timed out: exit $rc)" test "$rc" -eq 0 -o "$rc" -eq 3
out=$("$SIM" exec g -- "$VGPUFRONT" -d 0 -t 3600000 -r 4 add -- -9223372036854775807 -1 2>&1)
is "$out" "-9223372036854775808" "-t 3600000 -r 4, add of INT64_MIN's parts: served"
out=$("$SIM" exec g -- "$VGPUFRONT" -r 0 vadd --n 1 --repeat 3 --verify 2>&1 | tail -1)
is "$out" "verified: all 1 elements equal a + b" "-r 0 vadd --n 1 --repeat 3: served and verified"
out=$("$SIM" exec g -- "$VGPUFRONT" ping --count 1 2>&1)
like "$out" '^1 pings: ' "ping --count 1: served"
out=$("$SIM" exec g -- "$VGPUFRONT" bench --seconds 0.05 --inflight 512 2>&1 | head -1)
like "$out" '^request ' "bench --seconds 0.05 --inflight 512: served"

# The options struct the tool hands libvgpufront is initialised (spin_us
# once was stack garbage): memcheck sees every byte of it used.
if ! command -v valgrind >/dev/null; then
	diag "skipped the memcheck run: no valgrind"
elif grep -aq -e __asan_init -e __ubsan_handle "$top_builddir/frontend/.libs/vgpufront" \
	"$top_builddir/frontend/vgpufront" 2>/dev/null; then
	diag "skipped the memcheck run: a sanitizer build"
else
	"$SIM" exec g -- "$top_builddir/libtool" --mode=execute valgrind -q --error-exitcode=99 \
		--log-file="$tmp/vg.log" "$VGPUFRONT" ping --count 3 >/dev/null 2>&1
	is "$?" 0 "vgpufront ping under memcheck: no uninitialised value used"
	grep -m3 'uninitialised' "$tmp/vg.log" | sed 's/^/# /'
fi
done_testing

#!/bin/bash
# vgpuback under valgrind memcheck on simxen: three guests doing vadd, add
# and nop with every result checked, one of them at its buffer and in-flight
# limits, a domain from an xl config, a reconnect, a guest destroyed with work
# queued and running, a guest still connected with buffers registered when
# vgpuback gets SIGTERM.  vgpuback must exit cleanly and valgrind must report
# no error and no definite leak.  Skips without valgrind and on sanitizer
# builds (ASan and valgrind do not mix).
. "$top_srcdir/test-harness/lib/tap.sh"
export VGPU_BUILDDIR=$top_builddir
. "$top_srcdir/test-harness/scenarios/simhost.sh"
BUFS=$top_builddir/test-harness/scenarios/vgpu-bufs
command -v valgrind >/dev/null || skip_all "valgrind not installed"
command -v xenstore-read >/dev/null || skip_all "xenstore-utils not installed"
# A sanitizer runtime in the binary: its symbols are there, stripped or not.
grep -aq -e __asan_init -e __ubsan_handle -e __tsan_init "$VGPUBACK" &&
	skip_all "vgpuback is built with sanitizers (--enable-sanitizers); valgrind cannot run it"
tmp=$(mktemp -d)
trap 'touch "$tmp/release"; simhost_stop; rm -rf "$tmp"' EXIT

VGPUBACK_WRAPPER="valgrind --tool=memcheck --leak-check=full --show-leak-kinds=definite
	--errors-for-leak-kinds=definite --error-exitcode=99 --track-fds=yes
	--num-callers=30 --log-file=$tmp/valgrind.log"
M=16	# --max-inflight
B=4	# --max-buffers
simhost_start --executor cpu --slots 1 --cpu-delay-us 20000 --max-inflight $M \
	--max-buffers $B || { echo "Bail out! vgpuback does not start under valgrind"; exit 1; }
vg=$simhost_backend_pid
ok "vgpuback runs under valgrind (pid $vg)" grep -q "Memcheck" "$tmp/valgrind.log"

simhost_guest a A high >/dev/null
b=$(simhost_guest b B low)
printf 'name = "c"\nvgpu = [ "pool=A,prio=medium" ]\n' >"$tmp/c.cfg"
c=$("$SIM" domain create c --config "$tmp/c.cfg")
for i in $(seq 200); do
	[ "$(xenstore-read /local/domain/0/backend/vgpu/$c/0/state 2>/dev/null)" = 2 ] && break
	sleep 0.05
done
is "$(xenstore-read /local/domain/0/backend/vgpu/$c/0/priority 2>/dev/null)" medium \
	"domain c's device came from its xl config (the hook parsed it)"

# --- three guests at once, every result checked
"$SIM" exec a -- "$GUEST" --name a --op vadd --n 4096 --requests 20 --inflight 4 >"$tmp/a" 2>&1 &
pa=$!
"$SIM" exec b -- "$GUEST" --name b --op add --requests 30 --inflight 8 >"$tmp/b" 2>&1 &
pb=$!
"$SIM" exec c -- "$GUEST" --name c --op nop --requests 30 --inflight 4 >"$tmp/c" 2>&1 &
pc=$!
wait $pa; ra=$?
wait $pb; rb=$?
wait $pc; rc=$?
is "$ra $rb $rc" "0 0 0" "guests a, b and c exit 0"
is "$(grep -c '^REQ .* status=0 ok=1$' "$tmp/a")" 20 "a: 20 of 20 vadds verified"
is "$(grep -c '^REQ .* status=0 ok=1$' "$tmp/b")" 30 "b: 30 of 30 sums right"
is "$(grep -c '^REQ .* status=0 ok=1$' "$tmp/c")" 30 "c: 30 of 30 nops answered"

# --- limits and error paths: a burst past max-inflight, buffers past max-buffers
K=$((M + 8))
"$SIM" exec b -- "$GUEST" --name b --op add --requests $K --inflight $K >"$tmp/b2" 2>&1
is "$(grep -c '^REQ .* status=0 ok=1$' "$tmp/b2") $(grep -c '^REQ .* status=-7 ' "$tmp/b2")" \
	"$M $((K - M))" "b: a burst of $K gets $M served and $((K - M)) VGPU_EBUSY"
steps="open:0"
for i in $(seq $((B + 1))); do steps="$steps alloc:2"; done
# shellcheck disable=SC2086
"$SIM" exec a -- "$BUFS" $steps vadd:0,1,2 free:1 alloc:2 vadd:0,$((B + 1)),2 \
	>"$tmp/bufs" 2>&1
is "$(grep -c 'status=0' "$tmp/bufs") $(grep -c 'status=-6' "$tmp/bufs")" "$((B + 5)) 1" \
	"a: $B buffers registered, the $((B + 1))th refused, vadds and re-registering work"
out=$("$SIM" exec c -- "$VGPUFRONT" add 40 2 2>&1)
is "$out" 42 "c reconnects (a new ring on the same device) and is served"

# --- a guest destroyed with work queued and running
sub=$(simhost_submitted "$b")
"$SIM" exec b -- "$GUEST" --name b --op vadd --n 4096 --requests 12 --inflight 12 >"$tmp/b3" 2>&1 &
pb=$!
simhost_wait_submitted "$b" $((sub + 3 + 12))	# 3 buffers, 12 vadds
ok "b has its 12 vadds in vgpuback" test $? -eq 0
"$SIM" domain destroy b
ok "domain b destroyed with its work queued and running" test $? -eq 0
wait $pb 2>/dev/null
"$VGPUCTL" detach "$b" 0 >/dev/null 2>&1	# the toolstack's part, as libxl does on destroy
res=$(simhost_wait_idle 300)
is "$res" "$SIMHOST_IDLE" "vgpuback let go of everything b had"

# --- SIGTERM with a guest still connected and holding buffers
"$SIM" exec a -- "$BUFS" open:0 alloc:4 alloc:4 alloc:4 vadd:0,1,2 hold:"$tmp/release" \
	>"$tmp/hold" 2>&1 &
ph=$!
for i in $(seq 600); do grep -q '^HOLD' "$tmp/hold" && break; sleep 0.05; done
is "$(grep -c 'status=0' "$tmp/hold")" 5 "a holds 3 buffers and a verified vadd when vgpuback is told to stop"
sub=$(simhost_submitted "$c")
"$SIM" exec c -- "$GUEST" --name c --op add --requests 20 --inflight 20 >"$tmp/c3" 2>&1 &
pc=$!
simhost_wait_submitted "$c" $((sub + 20))
ok "and c has 20 requests queued and running" test $? -eq 0
ok "vgpuctl stats and list answer" eval '"$VGPUCTL" stats >/dev/null && "$VGPUCTL" list >/dev/null'
kill -TERM "$vg"
for i in $(seq 600); do kill -0 "$vg" 2>/dev/null || break; sleep 0.1; done
kill -KILL "$vg" 2>/dev/null && diag "vgpuback did not stop within 60 s of SIGTERM"
wait "$vg"
st=$?
simhost_backend_pid=
is "$st" 0 "vgpuback exits 0 after SIGTERM under valgrind (99: valgrind found errors)"
touch "$tmp/release"
wait $ph 2>/dev/null
wait $pc
ok "c saw vgpuback go (exit 3: backend gone), not a hang" test $? -eq 3

# --- what valgrind says
log=$tmp/valgrind.log
errs=$(sed -n 's/.*ERROR SUMMARY: \([0-9]*\) errors.*/\1/p' "$log" | tail -1)
if grep -q 'no leaks are possible' "$log"; then
	def=0
else
	def=$(sed -n 's/.*definitely lost: \([0-9,]*\) bytes.*/\1/p' "$log" | tail -1 | tr -d ,)
fi
fds=$(sed -n 's/.*FILE DESCRIPTORS: \([0-9]*\) open.*/\1/p' "$log" | tail -1)
grep -E 'HEAP SUMMARY|in use at exit|total heap usage|definitely lost|indirectly lost|possibly lost|still reachable|no leaks are possible|ERROR SUMMARY|FILE DESCRIPTORS' \
	"$log" | sed 's/^==[0-9]*== */valgrind: /' | while read -r l; do diag "$l"; done
is "${errs:-missing}" 0 "valgrind: 0 errors"
is "${def:-missing}" 0 "valgrind: 0 bytes definitely lost"
# Every descriptor open at exit must be one vgpuback was started with.
own=$(awk '/== Open / { o = 1; next } o { if ($0 !~ /inherited from parent/) n++; o = 0 } END { print n + 0 }' "$log")
ok "valgrind: --track-fds saw the exit (${fds:-no} descriptors open)" test -n "$fds"
is "$own" 0 "valgrind: vgpuback closed every descriptor it opened"
if [ "${errs:-1}" != 0 ] || [ "${def:-1}" != 0 ]; then
	# Each error and definite leak with its stack, for whoever reads the log.
	awk '/^==[0-9]+== *$/ { p = 0 }
	     /Invalid|uninitialised|Conditional jump|Syscall param|Mismatched|definitely lost in/ { p = 1 }
	     p' "$log" | head -200 | sed 's/^/# /'
fi
done_testing

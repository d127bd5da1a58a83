#!/bin/bash
# Grant budgets and registrations in progress.
#  1. Defaults leave dom0's grant mapping table (262,144 entries by default,
#     shared with blkback and netback) room: vgpuback advertises 65,536 pages
#     per domain and refuses more with VGPU_ENOMEM, counted as a failure.
#  2. A grant ref repeated within one buffer (a 1024-page buffer of one
#     granted page) is refused with VGPU_EINVAL, so no page counts twice.
#  3. The host-wide cap (--max-host-buffer-pages) holds across guests, each
#     under its own per-domain cap; freeing makes room for the others.
#  4. Guests that filled their own per-device buffer tables do not keep a
#     new guest from registering (CPU executor).
#  5. A registration still being mapped when its device is detached, its
#     domain destroyed or vgpuback stopped: no leak, no use after free
#     (vgpuback runs under ASan in `make check`), vgpuback keeps serving.
# Expected values come from the caps given here, not from vgpuback.
. "$top_srcdir/test-harness/lib/tap.sh"
export VGPU_BUILDDIR=$top_builddir
. "$top_srcdir/test-harness/scenarios/simhost.sh"
GR=$top_builddir/test-harness/scenarios/vgpu-grants
tmp=$(mktemp -d)
SIMHOST_KEEP=1
trap 'touch "$tmp"/rel.*; simhost_stop; rm -rf "$SIMXEN_DIR" "$tmp"' EXIT
EINVAL=-1
ENOMEM=-6

# field DOMID NAME: NAME summed over the domain's devices (vgpuctl stats).
field() {
	"$VGPUCTL" --json stats | tr '{' '\n' |
		sed -n "s/^\"domid\":$1,.*\"$2\":\([0-9]*\).*/\1/p" | awk '{ s += $1 } END { print s + 0 }'
}
wait_line() {
	local i
	for i in $(seq 600); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.05; done
	return 1
}
# No sanitizer report in vgpuback's log so far.
san_clean() { ! grep -qE 'ERROR: (Address|Leak|Undefined)Sanitizer|runtime error:' "$SIMXEN_DIR/vgpuback.log"; }
# Stop the host; at exit vgpuback's LeakSanitizer reports what it still held.
stop_host() {
	simhost_stop
	ok "$1: no sanitizer report, none at vgpuback's exit" san_clean ||
		grep -E 'Sanitizer|runtime error' "$SIMXEN_DIR/vgpuback.log" | head -5 | sed 's/^/# /'
	rm -rf "$SIMXEN_DIR"
}
idle_and_clean() { # what
	is "$(simhost_wait_idle 100)" "$SIMHOST_IDLE" "$1: vgpuback holds no jobs, buffers or mappings"
	is "$(simhost_sim_leaks)" "" "$1: simxen: nothing of the guests left granted or mapped"
}

# --- 1 and 2: the defaults
simhost_start --executor cpu || { echo "Bail out! no host"; exit 1; }
g1=$(simhost_guest g1 A high)
like "$("$SIM" exec g1 -- "$VGPUFRONT" info 2>&1)" "max buffers: +65536 pages per domain" \
	"default per-domain cap: 65536 pages (a quarter of dom0's default grant map table)"
f0=$(field "$g1" failed)
out=$("$SIM" exec g1 -- "$GR" reg:4 repeat:1024 dupe:5 repeat:2 reg:65532 repeat:1 \
	reg:1 free repeat:65537 2>&1)
want="REG n=4 status=0
REPEAT n=1024 status=$EINVAL
DUPE n=5 status=$EINVAL
REPEAT n=2 status=$EINVAL
REG n=65532 status=0
REPEAT n=1 status=$ENOMEM
REG n=1 status=$ENOMEM
FREE n=2 status=0
REPEAT n=65537 status=$ENOMEM"
is "$out" "$want" "repeated refs refused (VGPU_EINVAL); the 65536-page cap filled exactly, \
one page more refused (VGPU_ENOMEM), as is 65537 pages alone"
is "$(( $(field "$g1" failed) - f0 ))" 6 "the six refusals are counted as failed requests"
idle_and_clean "defaults"
stop_host "defaults"

# --- 3: host-wide cap H across three guests, each under per-domain cap P
P=48
H=100
simhost_start --executor cpu --max-buffer-pages $P --max-host-buffer-pages $H ||
	{ echo "Bail out! no host"; exit 1; }
for g in h1 h2 h3; do simhost_guest $g A high >/dev/null; done
"$SIM" exec h1 -- "$GR" reg:$P reg:1 hold:"$tmp/rel.h1" >"$tmp/h1" 2>&1 &
pids=($!)
wait_line "$tmp/h1" '^HOLD'
"$SIM" exec h2 -- "$GR" reg:40 hold:"$tmp/rel.h2" >"$tmp/h2" 2>&1 &
h2pid=$!
wait_line "$tmp/h2" '^HOLD'
# The host now holds P + 40 = 88 of H = 100 pages.
"$SIM" exec h3 -- "$GR" reg:$((H - P - 40)) reg:1 hold:"$tmp/rel.h3a" reg:1 \
	hold:"$tmp/rel.h3" >"$tmp/h3" 2>&1 &
pids+=($!)
wait_line "$tmp/h3" '^HOLD'
is "$(head -2 "$tmp/h1")" "REG n=$P status=0
REG n=1 status=$ENOMEM" "h1: its $P pages register, one more passes its per-domain cap"
is "$(head -1 "$tmp/h2")" "REG n=40 status=0" "h2: 40 pages register (host: $((P + 40)) of $H)"
is "$(head -2 "$tmp/h3")" "REG n=$((H - P - 40)) status=0
REG n=1 status=$ENOMEM" "h3: the host cap filled exactly ($H), one page more refused though h3 holds only $((H - P - 40)) of $P"
touch "$tmp/rel.h2"
wait $h2pid
touch "$tmp/rel.h3a"
wait_line "$tmp/h3" '^REG n=1 status=0' 
is "$(sed -n 3,4p "$tmp/h3")" "HOLD
REG n=1 status=0" "h3: once h2 let its 40 pages go, h3 registers again"
touch "$tmp/rel.h1" "$tmp/rel.h3"
wait "${pids[@]}"
idle_and_clean "host cap"
stop_host "host cap"

# --- 4: guests with full buffer tables beside a new guest (CPU executor)
B=4
N=6
simhost_start --executor cpu --max-buffers $B || { echo "Bail out! no host"; exit 1; }
steps=()
pids=()
for i in $(seq $B); do steps+=(reg:1); done
for i in $(seq $N); do
	simhost_guest "f$i" A high >/dev/null
	"$SIM" exec "f$i" -- "$GR" "${steps[@]}" reg:1 hold:"$tmp/rel.f" >"$tmp/f$i" 2>&1 &
	pids+=($!)
done
for i in $(seq $N); do wait_line "$tmp/f$i" '^HOLD'; done
full=0
for i in $(seq $N); do
	[ "$(grep -c 'status=0$' "$tmp/f$i") $(grep -c "status=$ENOMEM$" "$tmp/f$i")" = "$B 1" ] &&
		full=$((full + 1))
done
is "$full" "$N" "$N guests each filled their device's $B buffers; each one more was refused"
simhost_guest new A high >/dev/null
is "$("$SIM" exec new -- "$GR" "${steps[@]}" 2>&1 | grep -c 'status=0$')" "$B" \
	"a new guest still registers its $B buffers beside them"
touch "$tmp/rel.f"
wait "${pids[@]}"
idle_and_clean "full tables"
stop_host "full tables"

# --- 5: registrations in progress when their device or domain goes
# in_flight NAME DOMID: start a 1 GiB registration on NAME, return once
# vgpuback has taken it and not answered it (the device's inflight is 1).
BIG=262144
# Room on the host for three at once: d1's pages stay charged until the
# mapper has unmapped them, which may still run when d2 starts.  Each
# registration is held 3 s on the mapper thread (test faults only), so
# that the teardown below surely meets one in progress.
export VGPUBACK_TEST_MAP_DELAY_MS=3000
simhost_start --executor cpu --test-faults yes --max-buffer-pages $BIG \
	--max-host-buffer-pages $((BIG * 3)) || { echo "Bail out! no host"; exit 1; }
unset VGPUBACK_TEST_MAP_DELAY_MS
in_flight() {
	local i start=$SECONDS
	"$SIM" exec "$1" -- "$GR" reg:$BIG >"$tmp/$1" 2>&1 &
	pids+=($!)
	# Bounded by time, not by tries: under a loaded make check the guest
	# may take many seconds to grant its 1 GiB before it asks.
	for i in $(seq 12000); do
		[ "$(field "$2" inflight)" = 1 ] && return 0
		[ $SECONDS -ge $((start + 90)) ] && break
		sleep 0.005
	done
	diag "$1: inflight $(field "$2" inflight) after $((SECONDS - start)) s: $(tr '\n' ' ' <"$tmp/$1")"
	return 1
}
pids=()
d1=$(simhost_guest d1 A high)
in_flight d1 "$d1"
ok "d1: a 1 GiB registration is in progress" test $? -eq 0
"$VGPUCTL" --timeout 60 detach d1 0 >/dev/null 2>&1
ok "d1: its device detached meanwhile" test $? -eq 0
d2=$(simhost_guest d2 B low)
in_flight d2 "$d2"
ok "d2: a 1 GiB registration is in progress" test $? -eq 0
"$SIM" domain destroy d2 >/dev/null 2>&1
"$VGPUCTL" detach d2 0 >/dev/null 2>&1
ok "d2: its domain destroyed meanwhile" true
wait "${pids[@]}" 2>/dev/null
pids=()
n=$(simhost_guest n A high)
like "$("$SIM" exec n -- "$VGPUFRONT" ping --count 20 2>&1)" "20" "a new guest is served after both"
ok "vgpuback still runs" kill -0 "$simhost_backend_pid"
idle_and_clean "registrations cut short"
d3=$(simhost_guest d3 A high)
in_flight d3 "$d3"
ok "d3: a 1 GiB registration is in progress" test $? -eq 0
pid=$simhost_backend_pid
simhost_stop
wait "$pid" 2>/dev/null
ok "vgpuback stopped (SIGTERM) while mapping: it exits" true
ok "no sanitizer report, no leak at exit (LeakSanitizer)" san_clean
grep -E 'Sanitizer|runtime error' "$SIMXEN_DIR/vgpuback.log" | head -5 | sed 's/^/# /'
kill "${pids[@]}" 2>/dev/null	# d3 waits for an answer that cannot come
wait "${pids[@]}" 2>/dev/null
done_testing

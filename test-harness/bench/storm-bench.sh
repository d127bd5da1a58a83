#!/bin/bash
# storm-bench.sh: a neighbour's ping latency beside XenStore and event-channel
# storms (a table, never a pass/fail test).
#
#   VGPU_BUILDDIR=BUILD test-harness/bench/storm-bench.sh [DEVICES] [PINGS]
#
# On simxen with DEVICES vgpu devices (default 100, all but one idle in
# InitWait), guest n1 pings PINGS times (default 5000) with nothing else
# running, then while a guest with no vgpu device writes its data/ node in a
# loop, then while a guest notifies its device's event channel in a tight
# loop without requests.  Each row: p50 and p99 of the pings, and the CPU
# ticks vgpuback and simxend used over the run.  $VGPUBACK_WRAPPER (see
# simhost.sh) runs another vgpuback, e.g. an older build, for a before/after.
set -u
here=$(cd "$(dirname "$0")" && pwd)
: "${VGPU_BUILDDIR:?the build directory}"
export VGPU_BUILDDIR
. "$here/../scenarios/simhost.sh"
STORM=$VGPU_BUILDDIR/test-harness/scenarios/vgpu-storm
ndev=${1:-100}
pings=${2:-5000}
trap 'kill $bg 2>/dev/null; simhost_stop' EXIT
bg=

simhost_start --executor cpu >/dev/null || exit 1
simhost_guest n1 A high >/dev/null
simhost_guest st A low >/dev/null
for i in $(seq 3 "$ndev"); do simhost_guest "g$i" B low >/dev/null; done
"$SIM" domain create w >/dev/null

ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
simpid=$(cat "$SIMXEN_DIR/simxend.pid")

row() { # NAME: ping beside whatever runs now
	local b0 s0 out
	b0=$(ticks "$simhost_backend_pid") s0=$(ticks "$simpid")
	out=$("$SIM" exec n1 -- "$VGPUFRONT" ping --count "$pings" 2>&1) ||
		echo "# $1: the ping failed: $(tail -1 <<<"$out")" >&2
	printf '%-22s %8s %8s %10s %10s\n' "$1" \
		"$(sed -n 's/.*median \([0-9.]*\) us.*/\1/p' <<<"$out")" \
		"$(sed -n 's/.*p99 \([0-9.]*\) us.*/\1/p' <<<"$out")" \
		"$(($(ticks "$simhost_backend_pid") - b0))" "$(($(ticks "$simpid") - s0))"
}

printf '# %s devices, %s pings, vgpuback %s\n' "$ndev" "$pings" "${VGPUBACK_WRAPPER:-$VGPUBACK}"
printf '%-22s %8s %8s %10s %10s\n' "neighbour ping" "p50 us" "p99 us" "vgpuback" "simxend"
row "quiet"
"$SIM" exec w -- "$STORM" xs-write data/storm 100000000 >/dev/null 2>&1 &
bg=$!
sleep 1
row "data/ writer"
kill "$bg" 2>/dev/null; wait "$bg" 2>/dev/null
"$SIM" exec st -- "$STORM" notify 0 3600 >/dev/null 2>&1 &
bg=$!
sleep 3
row "event-channel stormer"
kill "$bg" 2>/dev/null; wait "$bg" 2>/dev/null
bg=

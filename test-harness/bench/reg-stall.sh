#!/bin/bash
# reg-stall.sh: how long one guest's buffer registrations hold a neighbour's
# answers back.  On a simulated host (simxen, CPU executor), guest R
# registers and frees a BIG-page buffer (default 262144 pages, 1 GiB) over
# and over, while guest N sends NOPs one at a time; the table gives N's
# round trips alone and beside R (VGPU_BENCH_EXECUTOR=cuda: on the GPU).
# A benchmark, not a test: it prints a table and never fails on a number.  A registration on the loop stalls the
# one ping in flight (max_us, ">10ms": pings slower than 10 ms), so the
# percentiles move little unless pings are few.  regs: registrations that
# succeeded while the pings ran.
#
#   reg-stall.sh [--pings K] [--pages BIG] BUILDDIR...
#
# Each BUILDDIR is a built tree (vgpuback, vgpu-sim, vgpuctl, vgpu-guest,
# vgpu-bufs); give the tree before a change and after it to compare.
set -u
pings=20000
big=262144
while [ $# -gt 0 ]; do
	case $1 in
	--pings) pings=$2; shift 2 ;;
	--pages) big=$2; shift 2 ;;
	-h|--help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) break ;;
	esac
done
[ $# -gt 0 ] || { echo "usage: reg-stall.sh [--pings K] [--pages BIG] BUILDDIR..." >&2; exit 2; }
here=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'touch "$tmp/stop"; simhost_stop >/dev/null 2>&1; rm -rf "$tmp"' EXIT

# pct FILE: p50 p99 p99.9 max (us) of the round trips in a vgpu-guest report.
pct() {
	sed -n 's/^REQ .* submit_ns=\([0-9]*\) done_ns=\([0-9]*\) .*status=0 .*/\1 \2/p' "$1" |
		awk '{ print ($2 - $1) / 1000 }' | sort -n |
		awk '{ v[NR] = $1 } END {
			if (!NR) { print "- - - - 0 0"; exit }
			for (i = 1; i <= NR; i++) slow += v[i] > 10000
			printf "%.0f %.0f %.0f %.0f %d %d\n", v[int(NR * .50) + 1], v[int(NR * .99) + 1],
				v[int(NR * .999) + 1], v[NR], NR, slow }'
}

printf '%-20s %-8s %6s %6s %7s %8s %8s %7s %5s\n' build load pings p50_us p99_us p99.9_us max_us '>10ms' regs
for b in "$@"; do
	b=$(cd "$b" && pwd)
	VGPU_BUILDDIR=$b
	. "$here/scenarios/simhost.sh"
	caps="--max-buffer-pages $big"
	"$b/backend/vgpuback" --help | grep -q max-host-buffer-pages &&
		caps="$caps --max-host-buffer-pages $big"
	# shellcheck disable=SC2086
	simhost_start --executor "${VGPU_BENCH_EXECUTOR:-cpu}" $caps >/dev/null 2>&1 || { echo "$b: no host" >&2; continue; }
	simhost_guest n A high >/dev/null
	simhost_guest r B low >/dev/null
	for load in none register; do
		rm -f "$tmp/stop" "$tmp/regs"
		if [ $load = register ]; then
			(n=0; while [ ! -e "$tmp/stop" ]; do
				"$SIM" exec r -- "$b/test-harness/scenarios/vgpu-bufs" open:0 \
					alloc:"$big" free:0 2>/dev/null | grep -c '^ALLOC.* status=0$' >/dev/null &&
					n=$((n + 1))	# registered, not refused
				echo $n >"$tmp/regs"
			done) &
			rp=$!
			sleep 1	# the first registration under way
		fi
		"$SIM" exec n -- "$GUEST" --name n --op nop --requests "$pings" --inflight 1 \
			>"$tmp/n.$load" 2>&1
		touch "$tmp/stop"
		[ $load = register ] && wait $rp
		read -r p50 p99 p999 max cnt slow < <(pct "$tmp/n.$load")
		printf '%-20s %-8s %6s %6s %7s %8s %8s %7s %5s\n' "$(basename "$b")" $load "$cnt" \
			"$p50" "$p99" "$p999" "$max" "$slow" "$(cat "$tmp/regs" 2>/dev/null || echo -)"
	done
	simhost_stop >/dev/null 2>&1
done

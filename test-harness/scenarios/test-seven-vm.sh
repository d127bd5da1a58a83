#!/bin/bash
# The seven-VM scenario: VM1-3 Pool A, VM4-6 Pool B, VM7 in either pool at any
# priority; all submit while the executor is busy.  Completion order must be
# priority, then arrival, whatever the pool; every result right.  The expected
# order is computed here from the configuration, not taken from vgpuback.
. "$top_srcdir/test-harness/lib/tap.sh"
export VGPU_BUILDDIR=$top_builddir
demo=$top_srcdir/test-harness/scenarios/vgpu-demo
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Expected: stable sort of VM1..VM7 (arrival order) by priority rank.
expected() { # prios of VM1..VM7
	local i=1 p
	for p in "$@"; do
		case $p in high) r=0 ;; medium) r=1 ;; low) r=2 ;; esac
		echo "$r $i VM$i"
		i=$((i + 1))
	done | sort -k1,1n -k2,2n | awk '{ printf "%s ", $3 }'
}

# On a GPU a small request takes microseconds, closer together than guests
# wake up to note their completions: big ones keep the completions apart.
executor=${VGPU_TEST_EXECUTOR:-cpu}
n=${VGPU_TEST_N:-4096}
[ "$executor" = cuda ] && n=${VGPU_TEST_N:-16777216}

run_case() { # label vm7spec prios(6)
	local label=$1 vm7=$2 prios=$3 out=$tmp/$label
	timeout 120 "$demo" --executor "$executor" --delay-ms 150 --n "$n" --vm7 "$vm7" \
		--prios "$prios" --json "$out.lines" >"$out.txt" 2>&1
	ok "$label: vgpu-demo exits 0" test $? -eq 0 || sed 's/^/# /' "$out.txt"
	local got want vm7prio
	got=$(grep '^REQ vm=VM' "$out.lines" | sed 's/.*vm=\(VM[0-9]\).*done_ns=\([0-9]*\).*/\2 \1/' |
		sort -n | awk '{ printf "%s ", $2 }')
	vm7prio=$(sed -n 's/.*prio=\([a-z]*\).*/\1/p' <<<"$vm7")
	want=$(expected ${prios//,/ } "$vm7prio")
	is "$got" "$want" "$label: completion order is priority then arrival" ||
		grep -E '^(REQ|SUBMITTED)' "$out.lines" | sort -t= -k5 | sed 's/^/# /'
	[ "$got" = "$want" ] || grep -vE '^(REQ|SUBMITTED|READY)' "$out.txt" | sed 's/^/# demo: /' | head -40
	is "$(grep -c '^REQ vm=VM.* status=0 ok=1' "$out.lines")" 7 \
		"$label: all seven results right (checked by each guest against its own CPU sum)"
	# Independent of completion times: dispatch = arrival + time queued.
	local starts
	starts=$(grep '^REQ vm=VM' "$out.lines" |
		sed 's/.*vm=\(VM[0-9]\).*submit_ns=\([0-9]*\).*queue_ns=\([0-9]*\).*/\2 \3 \1/' |
		awk '{ printf "%.0f %s\n", $1 + $2, $3 }' | sort -n | awk '{ printf "%s ", $2 }')
	is "$starts" "$want" "$label: dispatch times (arrival + time queued in vgpuback) give the same order"
	if [ "$label" = default ]; then
		# VM1 (Pool A, high) arrived before VM6 and VM7 (Pool B, high).
		like "$got" '^VM1 VM6 VM7 ' "$label: Pool A high and Pool B high are served in arrival order"
	fi
}

run_case default "pool=B,prio=high" "high,medium,low,low,medium,high"
run_case vm7-A-low "pool=A,prio=low" "low,low,high,high,low,medium"
run_case all-high "pool=A,prio=high" "high,high,high,high,high,high"
run_case mixed "pool=B,prio=medium" "medium,high,low,high,medium,low"
done_testing

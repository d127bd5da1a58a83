#!/bin/bash
# Many guests x many requests in flight, every result verified by the guest
# against its own computation; the stock xenstore-ls shows every device; and
# when the guests are gone nothing is left mapped or granted.
. "$top_srcdir/test-harness/lib/tap.sh"
export VGPU_BUILDDIR=$top_builddir
. "$top_srcdir/test-harness/scenarios/simhost.sh"
trap simhost_stop EXIT
command -v xenstore-ls >/dev/null || skip_all "xenstore-ls not installed (Debian: xenstore-utils)"

simhost_start --executor "${VGPU_TEST_EXECUTOR:-cpu}" --slots 2 || { echo "Bail out! no simulated host"; exit 1; }
ok "simulated host and vgpuback are up" true
pools=(A B A B A B)
prios=(high low medium high low medium)
for i in 0 1 2 3 4 5; do
	simhost_guest "g$i" "${pools[$i]}" "${prios[$i]}" >/dev/null
done
ls=$(xenstore-ls /local/domain/0/backend/vgpu)
for i in 0 1 2 3 4 5; do
	id=$((i + 1))
	blk=$(xenstore-ls "/local/domain/0/backend/vgpu/$id/0")
	like "$blk" "frontend = \"/local/domain/$id/device/vgpu/0\"" "xenstore-ls: g$i has its frontend path"
	like "$blk" "frontend-id = \"$id\"" "xenstore-ls: g$i frontend-id"
	like "$blk" "pool = \"${pools[$i]}\"" "xenstore-ls: g$i pool ${pools[$i]}"
	like "$blk" "priority = \"${prios[$i]}\"" "xenstore-ls: g$i priority ${prios[$i]}"
	like "$blk" "state = \"2\"" "xenstore-ls: g$i backend in InitWait"
done
ok "xenstore-ls lists six devices" test "$(grep -c '^ *0 = ""' <<<"$ls")" -eq 6

tmp=$(mktemp -d)
ops=(vadd add vadd nop vadd add)
pids=()
for i in 0 1 2 3 4 5; do
	"$SIM" exec "g$i" -- "$GUEST" --name "g$i" --op "${ops[$i]}" --n 2048 \
		--requests 300 --inflight 24 >"$tmp/g$i" 2>&1 &
	pids+=($!)
done
for i in 0 1 2 3 4 5; do
	wait "${pids[$i]}"
	ok "g$i (${ops[$i]}) exits 0" test $? -eq 0 || tail -5 "$tmp/g$i" | sed 's/^/# /'
	is "$(grep -c '^REQ .* status=0 ok=1' "$tmp/g$i")" 300 "g$i: 300 of 300 results right"
done
total=$("$VGPUCTL" --json stats | tr '{' '\n' | sed -n 's/.*"completed":\([0-9]*\),"failed":\([0-9]*\).*/\1 \2/p' |
	awk '{ c += $1; f += $2 } END { print c, f }')
# Each guest also made 3 buffer registrations and unregistrations (vadd).
like "$total" '^18[0-9][0-9] 0$' "vgpuback counts every request answered, none failed ($total)"
res=$(simhost_wait_idle)
is "$res" "$SIMHOST_IDLE" "vgpuback holds no jobs, buffers or mappings after the guests left"
leak=$(simhost_sim_leaks)
is "$leak" "" "simxen: no grants, mappings or channels left by any guest"
rm -rf "$tmp"
done_testing

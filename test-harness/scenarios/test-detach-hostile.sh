#!/bin/bash
# A hostile guest against the toolstack (XSA-175 class): vgpuctl acts only on
# what dom0's record (/tool/vgpu) and dom0's backend tree say, never on a
# path or number the guest wrote.  The guest points its backend node at a
# neighbour's tree, writes garbage, huge numbers and foreign paths into every
# node of its frontend directory and makes extra device entries; then attach,
# list and detach: nothing outside the guest's own frontend directory changes
# (XenStore snapshots before and after), the neighbour's tree is intact,
# attach picks a sane devid and list shows the garbage only as text.
. "$top_srcdir/test-harness/lib/tap.sh"
export VGPU_BUILDDIR=$top_builddir
. "$top_srcdir/test-harness/scenarios/simhost.sh"
tmp=$(mktemp -d)
trap 'simhost_stop; rm -rf "$tmp"' EXIT
simhost_start --executor cpu || { echo "Bail out! no host"; exit 1; }
be=/local/domain/0/backend/vgpu

n=$(simhost_guest neighbour A high)
g=$(simhost_guest hostile B low)
gfe=/local/domain/$g/device
# Until vgpuback has published both devices (InitWait): the tree is settled.
for i in $(seq 200); do
	[ "$(xenstore-read $be/$n/0/state 2>/dev/null)$(xenstore-read $be/$g/0/state 2>/dev/null)" = 22 ] && break
	sleep 0.05
done
# Every node, full path and permissions, sorted; the guest's own frontend
# directory left out (the guest may write there what it likes).
snapshot() {
	xenstore-ls -f -p / | grep -v "^$gfe[/ ]" | sort
}
snapshot >"$tmp/before"
xenstore-ls -f -p /local/domain/$n >"$tmp/neighbour-before"
ok "the snapshot holds the hostile guest's backend directory" grep -q "^$be/$g/0/pool" "$tmp/before"
ok "and dom0's record of it, dom0's only" grep -q "^/tool/vgpu/$g/device/0/backend = .*(n0)$" "$tmp/before"
"$SIM" exec hostile -- xenstore-read /tool/vgpu/$g/device/0/backend >/dev/null 2>&1
ok "the guest cannot read dom0's record" test $? -ne 0
"$SIM" exec hostile -- xenstore-write /tool/vgpu/$g/device/0/backend /local/domain/$n 2>/dev/null
ok "nor write it" test $? -ne 0

# The attack: every node the guest owns in its frontend directory.
gw() { "$SIM" exec hostile -- xenstore-write "$@" 2>/dev/null; }
gw $gfe/vgpu/0/backend /local/domain/$n
gw $gfe/vgpu/0/backend-id $n
gw $gfe/vgpu/0/state 99999999999
gw $gfe/vgpu/0/event-channel -1
gw $gfe/vgpu/0/ring-ref 4294967296
gw $gfe/vgpu/0/ring-page-order 99
gw $gfe/vgpu/0/protocol "$(printf 'x\033[2J\001"\\')"
gw $gfe/vgpu/0/frontend /local/domain/$n
for id in 99999999999 -1 7 255 00 x; do
	gw $gfe/vgpu/$id/backend /local/domain/$n
	gw $gfe/vgpu/$id/state 4
done
gw "$gfe/vgpu/../x" 1
gw $gfe/vgpu/1/backend $be/$n/0
ok "the guest's writes landed" test "$(xenstore-read $gfe/vgpu/0/backend)" = /local/domain/$n

# attach: a sane devid from dom0's record, not the guest's 99999999999.
d=$("$VGPUCTL" attach hostile pool=A)
is "$d" 1 "attach picks devid 1 (dom0's record holds 0)"
is "$(xenstore-read $gfe/vgpu/1/backend)" "$be/$g/1" "the new device's frontend dir is rewritten by dom0"
"$VGPUCTL" list >"$tmp/list" 2>&1
is "$?" 0 "vgpuctl list runs"
ok "list output is plain text" eval '! LC_ALL=C grep -q "[^[:print:]]" "$tmp/list"'
like "$(grep "^$g " "$tmp/list" | awk '$3 == 0 { print $7 }')" "invalid" "a garbage frontend state shows as invalid"
is "$(awk -v g="$g" '$1 == g { print $3 }' "$tmp/list" | tr '\n' ' ')" "0 1 " "list shows dom0's devices only (0 and 1)"
if command -v python3 >/dev/null; then
	"$VGPUCTL" --json list >"$tmp/json"
	ok "vgpuctl --json list is valid JSON" python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$tmp/json"
fi
ok "detach of device 1" "$VGPUCTL" detach hostile 1
# Device 0's frontend "state" is garbage: vgpuback treats it as gone, and so
# does the detach (nothing connected to wait for).  The old vgpuctl removed
# the path in the guest's backend node: the neighbour's whole tree.
"$VGPUCTL" detach hostile 0 2>"$tmp/err"
is "$?" 0 "detach of device 0 (its backend node points at the neighbour)"
ok "the neighbour's tree is intact" diff -u "$tmp/neighbour-before" <(xenstore-ls -f -p /local/domain/$n)
ok "the neighbour's backend directory is intact" test "$(xenstore-read $be/$n/0/pool)" = A
"$VGPUCTL" detach hostile 99999999999 2>/dev/null
is "$?" 2 "detach of the guest's made-up devid 99999999999 is refused as usage"
"$VGPUCTL" detach hostile 7 2>/dev/null
is "$?" 1 "detach of the guest's made-up devid 7: no such device"
ok "which removed nothing of the guest's" test -n "$(xenstore-read $gfe/vgpu/7/backend 2>/dev/null)"

# Rounds of the same with other foreign paths and numbers (VGPU_HOSTILE_ROUNDS,
# default 8): the guest rewrites its nodes between attach, list and detach.
rounds=${VGPU_HOSTILE_ROUNDS:-8}
targets=("/local/domain/$n" / /tool /tool/vgpu "$be/$n" "$be/$n/0" /local/domain/0 \
	 "/local/domain/$n/device/vgpu/0" "$be" "$be/$g" "/local/domain/$g" "../../$n" "")
bad_rounds=0
for r in $(seq "$rounds"); do
	t=${targets[$((r % ${#targets[@]}))]}
	for node in backend frontend backend-id state; do gw "$gfe/vgpu/0/$node" "$t"; done
	gw "$gfe/vgpu/$((RANDOM * 65536 + RANDOM))/backend" "$t"
	d=$("$VGPUCTL" attach hostile pool=A 2>/dev/null)
	[ "$d" = 0 ] || { bad_rounds=$((bad_rounds + 1)); diag "round $r: attach gave '$d'"; }
	for node in backend frontend backend-id state; do gw "$gfe/vgpu/$d/$node" "$t"; done
	gw "$gfe/vgpu/$d/state" $((RANDOM % 9))
	"$VGPUCTL" list >/dev/null 2>&1 || bad_rounds=$((bad_rounds + 1))
	"$VGPUCTL" detach --timeout 1 hostile "$d" >/dev/null 2>&1 ||
		"$VGPUCTL" detach --force hostile "$d" >/dev/null 2>&1 || bad_rounds=$((bad_rounds + 1))
done
is "$bad_rounds" 0 "$rounds rounds of foreign paths: attach, list and detach did their job"
ok "the neighbour's tree is still intact" diff -u "$tmp/neighbour-before" <(xenstore-ls -f -p /local/domain/$n)

# Attach the guest's device as it was; then only its frontend dir differs.
ok "attach again" test "$("$VGPUCTL" attach hostile pool=B,prio=low)" = 0
for i in $(seq 200); do
	[ "$(xenstore-read $be/$g/0/state 2>/dev/null)" = 2 ] && break
	sleep 0.05
done
snapshot >"$tmp/after"
ok "nothing outside the guest's frontend directory changed" diff -u "$tmp/before" "$tmp/after"
done_testing

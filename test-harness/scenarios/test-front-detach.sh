#!/bin/bash
# Detach under a connected guest: the toolstack removes the device while a
# guest holds it open (vgpuctl --force detach, or xenstore-rm as dom0 where
# vgpuctl has no --force).  When the guest then closes, libvgpufront must
# not write its state into the removed directory (that would recreate
# device/vgpu/<devid> owned by the guest, and the devid could never be
# attached again): the directory stays gone, the same devid attaches again
# and the guest is served on it.  A guest opening a removed device creates
# nothing either.
. "$top_srcdir/test-harness/lib/tap.sh"
export VGPU_BUILDDIR=$top_builddir
. "$top_srcdir/test-harness/scenarios/simhost.sh"
BUFS=$top_builddir/test-harness/scenarios/vgpu-bufs
tmp=$(mktemp -d)
trap 'touch "$tmp/go"; simhost_stop; rm -rf "$tmp"' EXIT

simhost_start --executor cpu || { echo "Bail out! no host"; exit 1; }
id=$(simhost_guest g A high)
fe=/local/domain/$id/device/vgpu/0
be=/local/domain/0/backend/vgpu/$id/0

detach_now() {
	if "$VGPUCTL" --help 2>&1 | grep -q -- '--force'; then
		"$VGPUCTL" --force detach g 0
	else
		xenstore-rm "$be" && xenstore-rm "$fe"
	fi
}

for round in 1 2; do
	rm -f "$tmp/go"
	"$SIM" exec g -- "$BUFS" open:0 alloc:4 alloc:4 alloc:4 vadd:0,1,2 hold:"$tmp/go" \
		>"$tmp/bufs" 2>"$tmp/bufs.err" &
	gpid=$!
	for i in $(seq 200); do grep -q '^HOLD' "$tmp/bufs" && break; sleep 0.05; done
	like "$(grep '^VADD' "$tmp/bufs")" 'status=0 ok=1' "round $round: the guest is connected and served"
	is "$(xenstore-read "$fe/state" 2>/dev/null)" 4 "round $round: the guest's state is Connected"
	detach_now >/dev/null 2>&1
	ok "round $round: the toolstack removed the device under the guest" \
		test -z "$(xenstore-read "$fe/state" 2>/dev/null)"
	touch "$tmp/go"
	wait "$gpid"
	diag "round $round: the guest exited $? ($(tr '\n' ' ' <"$tmp/bufs.err"))"
	ok "round $round: after the guest closed, device/vgpu/0 does not exist" \
		test -z "$(xenstore-ls "$fe" 2>/dev/null)$(xenstore-read "$fe/state" 2>/dev/null)"
	is "$(xenstore-list "/local/domain/$id/device/vgpu" 2>/dev/null | tr '\n' ' ')" "" \
		"round $round: the guest's device/vgpu holds nothing"
	is "$(grep -c 'Sanitizer\|runtime error' "$tmp/bufs.err")" 0 "round $round: no sanitizer report"
	out=$("$SIM" exec g -- "$VGPUFRONT" -t 2000 info 2>&1)
	is "$?" 3 "round $round: vgpufront on the removed device exits 3"
	like "$out" 'no vgpu device 0' "round $round: and says there is no such device"
	ok "round $round: opening it created nothing" \
		test -z "$(xenstore-read "$fe/state" 2>/dev/null)"
	out=$("$VGPUCTL" attach g pool=A,prio=high,devid=0 2>&1)
	is "$out" 0 "round $round: devid 0 attaches again"
	out=$("$SIM" exec g -- "$VGPUFRONT" add 2 40 2>&1)
	is "$out" 42 "round $round: the guest is served on the re-attached device"
done
ok "vgpuback still runs" kill -0 "$simhost_backend_pid"
done_testing

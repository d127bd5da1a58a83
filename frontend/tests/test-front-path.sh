#!/bin/bash
# libvgpufront's choice of path ($VGPUFRONT_PATH, vgpufront(1)): simxen
# cannot load the guest kernel driver, so /dev/vgpuN never exists here and
# auto is the user-space path; kernel, forced, fails at once and says the
# driver is not loaded (naming the node), without touching the device;
# garbage in the variable is refused by name; `vgpufront info` says which
# path it took, in text and JSON.  The kernel path itself is the real-Xen
# test's (test-harness/xen-qemu).
. "$top_srcdir/test-harness/lib/tap.sh"
export VGPU_BUILDDIR=$top_builddir
. "$top_srcdir/test-harness/scenarios/simhost.sh"

for d in 0 3; do
	[ -e /dev/vgpu$d ] && skip_all "this machine has /dev/vgpu$d (a guest with the driver loaded)"
done
tmp=$(mktemp -d)
trap 'simhost_stop; rm -rf "$tmp"' EXIT
EXIT_NODEV=3

# --- no simulated host at all: the kernel path is tried before XenStore
VGPUFRONT_PATH=kernel "$VGPUFRONT" -t 2000 ping >"$tmp/out" 2>"$tmp/err"
is "$?" $EXIT_NODEV "VGPUFRONT_PATH=kernel without /dev/vgpu0: exit status 3 (no device)"
like "$(cat "$tmp/err")" '^vgpufront: VGPUFRONT_PATH=kernel: /dev/vgpu0: the guest kernel driver xen-vgpufront is not loaded' \
	"... and the error says the node is missing because the driver is not loaded"
like "$(cat "$tmp/err")" 'vgpu\(4\)' "... and points at vgpu(4)"
is "$(cat "$tmp/out")" "" "... and nothing on stdout"
VGPUFRONT_PATH=kernel "$VGPUFRONT" -d 3 -t 2000 ping 2>"$tmp/err"
is "$?" $EXIT_NODEV "VGPUFRONT_PATH=kernel, device 3: exit status 3"
like "$(cat "$tmp/err")" 'VGPUFRONT_PATH=kernel: /dev/vgpu3: ' "... and the error names /dev/vgpu3"
VGPUFRONT_PATH=kernal "$VGPUFRONT" -t 2000 ping 2>"$tmp/err"
is "$?" $EXIT_NODEV "VGPUFRONT_PATH=kernal (a typo): refused"
like "$(cat "$tmp/err")" 'VGPUFRONT_PATH=kernal: not auto, kernel or user' "... by name, with the values it takes"

# --- a simulated host: auto and user take the user-space path
simhost_start --executor cpu || { echo "Bail out! no host"; exit 1; }
simhost_guest g A high >/dev/null || { echo "Bail out! no guest"; exit 1; }
front() { "$SIM" exec g -- env "$@"; }
field() { sed -n "s/^$2: *//p" <<<"$1" | head -1; }

for p in "" auto user; do
	i=$(front VGPUFRONT_PATH=$p "$VGPUFRONT" info 2>&1)
	is "$(field "$i" path)" "user space (gntalloc, evtchn)" \
		"VGPUFRONT_PATH='$p': info says the user-space path"
	is "$(field "$i" executor)" cpu "VGPUFRONT_PATH='$p': and it is served (executor cpu)"
done
a=$(front VGPUFRONT_PATH=auto "$VGPUFRONT" add 100 200 2>&1)
like "$a" '(^|[^0-9])300([^0-9]|$)' "auto: add 100 200 answers 300 on the user-space path"

front VGPUFRONT_PATH=kernel "$VGPUFRONT" -t 2000 add 1 2 >"$tmp/out" 2>"$tmp/err"
is "$?" $EXIT_NODEV "in a simxen guest, VGPUFRONT_PATH=kernel fails (simxen loads no driver)"
like "$(cat "$tmp/err")" 'VGPUFRONT_PATH=kernel: /dev/vgpu0: the guest kernel driver xen-vgpufront is not loaded' \
	"... and says so"
a=$(front VGPUFRONT_PATH= "$VGPUFRONT" add 5 6 2>&1)
like "$a" '(^|[^0-9])11([^0-9]|$)' "the forced kernel attempt left the device alone: auto's add 5 6 answers 11"

if command -v jq >/dev/null; then
	front VGPUFRONT_PATH=user "$VGPUFRONT" info --json >"$tmp/i.json" 2>"$tmp/err"
	is "$(jq -r '.guest_path + "/" + (.guest_node | tostring)' "$tmp/i.json")" "user/null" \
		"info --json: guest_path user, guest_node null"
	is "$(jq -r '.path' "$tmp/i.json")" cpu "info --json: path (the backend's data path) is unchanged"
else
	diag "no jq: info --json not checked"
fi
done_testing

#!/bin/bash
# Detach as libxl does it, seen from vgpuback (netback's rules): with online
# 0, a device no frontend uses goes Closed at once and stays Closed when its
# frontend says Initialising again; a connected one says Closing, waits for
# its frontend, then frees everything and says Closed; a device whose nodes
# the toolstack removes is torn down, connected or not.  vgpuback now learns
# all this from the backend root and each frontend's state node only.
# The old vgpuback ignored online and a Closing it did not write: the idle
# device stayed Closing, the connected one Connected (tests 3, 5, 8 and 10
# failed).
. "$top_srcdir/test-harness/lib/tap.sh"
export VGPU_BUILDDIR=$top_builddir
. "$top_srcdir/test-harness/scenarios/simhost.sh"
tmp=$(mktemp -d)
trap 'simhost_stop; rm -rf "$tmp"' EXIT
command -v xenstore-write >/dev/null || skip_all "xenstore-utils not installed"
BUFS=$top_builddir/test-harness/scenarios/vgpu-bufs
BE=/local/domain/0/backend/vgpu

simhost_start --executor cpu || { echo "Bail out! no simulated host"; exit 1; }
a=$(simhost_guest a A high) && b=$(simhost_guest b B low) && c=$(simhost_guest c A medium)
ok "three guests with a device each" test -n "$c"

# Wait (bounded) until backend node $1/state reads $2; prints what it read.
be_state() {
	local i v
	for i in $(seq 250); do
		v=$(xenstore-read "$1/state" 2>/dev/null)
		[ "$v" = "$2" ] && break
		sleep 0.02
	done
	echo "$v"
}

# Everything vgpuback saw before this has been acted on: it handles
# XenStore events in order, and it has answered a new domain's device.
barrier_n=0
barrier() {
	local id
	barrier_n=$((barrier_n + 1))
	id=$(simhost_guest "z$barrier_n" B low) && [ "$(be_state "$BE/$id/0" 2)" = 2 ]
}

# What vgpuback serves: "domid/devid state" lines from its control socket.
served() {
	"$VGPUCTL" --json stats | tr '{' '\n' |
		sed -n 's/^"domid":\([0-9]*\),"devid":\([0-9]*\),.*"state":"\([A-Za-z]*\)".*/\1\/\2 \3/p'
}

# --- a device nobody connected
is "$(be_state "$BE/$a/0" 2)" 2 "a's device waits in InitWait"
xenstore-write "$BE/$a/0/online" 0 "$BE/$a/0/state" 5
is "$(be_state "$BE/$a/0" 6)" 6 "online 0 and Closing: vgpuback says Closed at once (no frontend to wait for)"
"$SIM" exec a -- xenstore-write "device/vgpu/0/state" 1
ok "barrier: vgpuback serves a new device after that" barrier
is "$(xenstore-read "$BE/$a/0/state")" 6 "a detached device stays Closed when its frontend says Initialising"

# --- a connected device: online 0 only (vgpuback says Closing itself)
"$SIM" exec b -- "$BUFS" open:0 alloc:4 hold:"$tmp/go-b" ping:1 >"$tmp/b" 2>&1 &
bpid=$!
is "$(be_state "$BE/$b/0" 4)" 4 "b connects"
# Connected comes before its buffer is registered (a worker maps it): HOLD after.
for i in $(seq 400); do grep -q '^HOLD' "$tmp/b" && break; sleep 0.05; done
like "$(simhost_resources)" '"buffers":1,' "b holds a buffer in vgpuback"
xenstore-write "$BE/$b/0/online" 0
is "$(be_state "$BE/$b/0" 5)" 5 "online 0 with the frontend connected: vgpuback says Closing"
ok "barrier" barrier
is "$(xenstore-read "$BE/$b/0/state")" 5 "... and waits for the frontend while it stays connected"
touch "$tmp/go-b"
wait $bpid
is "$(be_state "$BE/$b/0" 6)" 6 "the frontend closed: vgpuback says Closed"
is "$(simhost_wait_idle)" "$SIMHOST_IDLE" "b's ring and buffer are unmapped, its jobs gone"
like "$(served)" "$b/0 Closed" "vgpuback keeps the device (Closed) until its nodes go"
xenstore-rm "$BE/$b/0"
ok "barrier" barrier
is "$(served | grep -c "^$b/0 ")" 0 "its nodes removed: vgpuback forgets it"

# --- a connected device whose nodes are removed at once (detach --force)
"$SIM" exec c -- "$BUFS" open:0 alloc:2 hold:"$tmp/go-c" ping:1 >"$tmp/c" 2>&1 &
cpid=$!
is "$(be_state "$BE/$c/0" 4)" 4 "c connects"
xenstore-rm "$BE/$c/0"
ok "barrier" barrier
is "$(served | grep -c "^$c/0 ")" 0 "c's nodes removed while connected: vgpuback forgets it"
is "$(simhost_wait_idle)" "$SIMHOST_IDLE" "... and unmapped its ring and buffer"
touch "$tmp/go-c"
wait $cpid
is "$(simhost_sim_leaks)" "" "simxen: nothing left granted, mapped or bound"
ok "vgpuback still runs" kill -0 "$simhost_backend_pid"
done_testing

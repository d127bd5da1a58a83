#!/bin/bash
# vgpuctl detach the way libxl does it: online 0 and backend Closing, wait
# (bounded, --timeout) for the frontend to close, then remove; --force removes
# at once; a timeout says so, exits 1 and removes nothing.  And every number
# on vgpuctl's command line is checked (exit 2, one line naming the value).
. "$top_srcdir/test-harness/lib/tap.sh"
export VGPU_BUILDDIR=$top_builddir
. "$top_srcdir/test-harness/scenarios/simhost.sh"
tmp=$(mktemp -d)
pids=
trap 'for p in $pids; do kill $p 2>/dev/null; done; simhost_stop; rm -rf "$tmp"' EXIT
simhost_start --executor cpu || { echo "Bail out! no host"; exit 1; }
be=/local/domain/0/backend/vgpu

wait_state() { # wait_state PATH VALUE: until the node reads VALUE (bounded)
	local i
	for i in $(seq 200); do
		[ "$(xenstore-read "$1" 2>/dev/null)" = "$2" ] && return 0
		sleep 0.05
	done
	return 1
}

# A busy connected guest: the detach closes it and then removes it.
busy=$(simhost_guest busy A high)
"$SIM" exec busy -- "$VGPUFRONT" bench --seconds 60 >"$tmp/bench.out" 2>&1 &
bench=$!
pids="$pids $bench"
ok "the busy guest connects" wait_state /local/domain/$busy/device/vgpu/0/state 4
"$VGPUCTL" detach busy 0 2>"$tmp/err"
is "$?" 0 "detach of a connected guest: exit 0"
is "$(cat "$tmp/err")" "" "and says nothing"
ok "its backend directory is gone" test -z "$(xenstore-ls $be/$busy 2>/dev/null)"
ok "and dom0's record of it" test -z "$(xenstore-ls /tool/vgpu/$busy 2>/dev/null)"
for i in $(seq 100); do kill -0 $bench 2>/dev/null || break; sleep 0.1; done
ok "the guest's program saw the device close and ended" eval '! kill -0 $bench 2>/dev/null'
log=$(grep "vgpu $busy/0:" "$SIMXEN_DIR/vgpuback.log")
# Before: the toolstack removed a Connected device under vgpuback
# ("disconnecting: device removed").  Now the frontend closes first.
like "$(printf '%s\n' "$log" | grep -m1 disconnecting)" \
	"disconnecting: (detached by the toolstack|the frontend is closing)" \
	"vgpuback disconnected as the frontend closed, before the nodes went"
like "$(printf '%s\n' "$log" | sed -n '/disconnecting/,$p' | tr '\n' ' ')" \
	"removed by the toolstack" "and the nodes went after that"

# An idle connected guest that never closes: a timeout, nothing removed.
idle=$(simhost_guest idle B low)
"$SIM" exec idle -- "$GUEST" --name idle --requests 1 --go-file "$tmp/never" >"$tmp/idle.out" 2>&1 &
pids="$pids $!"
ok "the idle guest connects" wait_state /local/domain/$idle/device/vgpu/0/state 4
# Connected is not idle: it still registers its buffers, and a frontend that
# sees Closing in the middle of that rightly closes.  READY: it holds still.
for i in $(seq 600); do grep -q "^READY" "$tmp/idle.out" && break; sleep 0.05; done
ok "and has registered its buffers (READY)" grep -q "^READY" "$tmp/idle.out"
"$VGPUCTL" detach --timeout 1 idle 0 2>"$tmp/err"
is "$?" 1 "detach --timeout 1 of a guest that does not close: exit 1"
like "$(cat "$tmp/err")" "did not close within 1 s .*not removed" "and says so"
is "$(wc -l <"$tmp/err")" 1 "in one line"
is "$(xenstore-read $be/$idle/0/online)" 0 "the device is left online 0"
is "$(xenstore-read $be/$idle/0/state)" 5 "and Closing"
ok "and nothing is removed" test -n "$(xenstore-read /tool/vgpu/$idle/device/0/backend 2>/dev/null)"
ok "detach --force removes it at once" "$VGPUCTL" detach --force idle 0
ok "its backend directory is gone" test -z "$(xenstore-ls $be/$idle 2>/dev/null)"

# A device whose guest never opened it (frontend Initialising): no wait.
"$VGPUCTL" attach idle pool=A >/dev/null
ok "detach of a device never connected" "$VGPUCTL" detach idle 0
ok "is removed" test -z "$(xenstore-ls $be/$idle 2>/dev/null)"

# A connected guest while vgpuback is down: nobody says backend Closed, so
# the detach ends when the frontend let go.
late=$(simhost_guest late A low)
"$SIM" exec late -- "$VGPUFRONT" bench --seconds 60 >/dev/null 2>&1 &
bench=$!
pids="$pids $bench"
ok "a third guest connects" wait_state /local/domain/$late/device/vgpu/0/state 4
kill -KILL "$simhost_backend_pid"
wait "$simhost_backend_pid" 2>/dev/null
simhost_backend_pid=
"$VGPUCTL" detach late 0 2>"$tmp/err"
is "$?" 0 "with vgpuback down, detach of a connected guest ends when the guest closes"
ok "its nodes are gone" test -z "$(xenstore-ls $be/$late 2>/dev/null)$(xenstore-ls /tool/vgpu/$late 2>/dev/null)"
for i in $(seq 100); do kill -0 $bench 2>/dev/null || break; sleep 0.1; done
ok "the guest's program ended" eval '! kill -0 $bench 2>/dev/null'

# Bad input: exit 2, one line naming the value and what is allowed.
"$VGPUCTL" attach idle pool=A >/dev/null
for bad in "detach idle x:DEVID 'x'" "detach idle 256:DEVID '256'" "detach idle 1.5:DEVID '1.5'" \
	   "detach idle 0x1:DEVID '0x1'" "detach idle -1:'-1'" "--timeout -1 detach idle 0:'-1'" \
	   "--timeout x detach idle 0:--timeout 'x'" "--timeout 99999 detach idle 0:--timeout '99999'" \
	   "detach idle 99999999999:DEVID '99999999999'" "--timeout:--timeout" "detach:DOMAIN" \
	   "attach idle:DOMAIN SPEC" "frob:unknown command 'frob'" "stats now:'now'"; do
	args=${bad%%:*}
	# shellcheck disable=SC2086
	"$VGPUCTL" $args >"$tmp/out" 2>"$tmp/err"
	rc=$?
	is "$rc $(wc -l <"$tmp/err")" "2 1" "vgpuctl $args: exit 2, one line"
	like "$(cat "$tmp/err")" "${bad#*:}" "vgpuctl $args: the line names the value"
done
like "$(cat "$tmp/err")" . "the last message is not empty"
"$VGPUCTL" detach idle x 2>"$tmp/err"
like "$(cat "$tmp/err")" "want a whole number 0-255" "a bad DEVID says what is allowed"
ok "device 0 is still there after the bad detaches" test -n "$(xenstore-read $be/$idle/0/pool 2>/dev/null)"
"$VGPUCTL" detach nosuchvm 0 2>"$tmp/err"
is "$?" 1 "detach from an unknown domain: exit 1"
like "$(cat "$tmp/err")" "no such domain: nosuchvm" "and says so"
"$VGPUCTL" detach 99999999999 0 2>"$tmp/err"
is "$?" 1 "detach from domain 99999999999: exit 1"
"$VGPUCTL" detach 0 0 2>"$tmp/err"
is "$?" 1 "detach from dom0: exit 1"
like "$(cat "$tmp/err")" "is dom0" "and says so"
"$VGPUCTL" list nosuchvm 2>"$tmp/err"
is "$?" 1 "list of an unknown domain: exit 1"
"$VGPUCTL" detach idle 7 2>"$tmp/err"
is "$?" 1 "detach of a missing device: exit 1"
like "$(cat "$tmp/err")" "no such device" "and says so"
done_testing

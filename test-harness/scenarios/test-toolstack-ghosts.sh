#!/bin/bash
# Backend nodes of domains destroyed while vgpuback was down are removed
# when it starts (they stayed for ever, a ghost in InitWait in vgpuctl list),
# with dom0's record; a live domain's devices stay.
. "$top_srcdir/test-harness/lib/tap.sh"
export VGPU_BUILDDIR=$top_builddir
. "$top_srcdir/test-harness/scenarios/simhost.sh"
trap 'simhost_stop' EXIT
simhost_start --executor cpu || { echo "Bail out! no host"; exit 1; }
be=/local/domain/0/backend/vgpu

live=$(simhost_guest live A high)
ghost=$(simhost_guest ghost B low)
"$VGPUCTL" attach ghost pool=A >/dev/null
# vgpuback stops (as if it crashed or was stopped for an upgrade)...
kill -KILL "$simhost_backend_pid"
wait "$simhost_backend_pid" 2>/dev/null
rm -f "$SIMXEN_DIR/vgpuback.sock"
# ...a domain is destroyed meanwhile...
"$SIM" domain destroy ghost >/dev/null
ok "its backend nodes are still there while vgpuback is down" test -n "$(xenstore-ls $be/$ghost 2>/dev/null)"
ok "and dom0's record" test -n "$(xenstore-ls /tool/vgpu/$ghost 2>/dev/null)"
ok "vgpuctl detach by the dead domain's id cleans up one by hand" "$VGPUCTL" detach "$ghost" 1
ok "device 1 is gone" test -z "$(xenstore-ls $be/$ghost/1 2>/dev/null)$(xenstore-ls /tool/vgpu/$ghost/device/1 2>/dev/null)"
ok "device 0 is not" test -n "$(xenstore-read $be/$ghost/0/pool 2>/dev/null)"
# ...and vgpuback starts again.
simhost_start_backend || { echo "Bail out! vgpuback did not start again"; exit 1; }
for i in $(seq 100); do [ -z "$(xenstore-ls $be/$ghost 2>/dev/null)" ] && break; sleep 0.05; done
ok "at start the dead domain's backend nodes are removed" test -z "$(xenstore-ls $be/$ghost 2>/dev/null)"
ok "and its record" test -z "$(xenstore-ls /tool/vgpu/$ghost 2>/dev/null)"
is "$("$VGPUCTL" list | awk 'NR > 1 { print $1, $3 }' | tr '\n' ' ')" "$live 0 " \
	"vgpuctl list shows only the live domain's device"
like "$(grep "domain $ghost is gone" "$SIMXEN_DIR/vgpuback.log")" "vgpu nodes removed" "vgpuback says so"
is "$(xenstore-read $be/$live/0/pool)" A "the live domain's device stays"
ok "with its record" test -n "$(xenstore-read /tool/vgpu/$live/device/0/backend 2>/dev/null)"

# The same with the xl hook off: vgpuback's start still sweeps.
ghost2=$(simhost_guest ghost2 A low)
kill -KILL "$simhost_backend_pid"
wait "$simhost_backend_pid" 2>/dev/null
rm -f "$SIMXEN_DIR/vgpuback.sock"
"$SIM" domain destroy ghost2 >/dev/null
simhost_backend_args="$simhost_backend_args --xl-hook no"
simhost_start_backend || { echo "Bail out! vgpuback did not start again"; exit 1; }
for i in $(seq 100); do [ -z "$(xenstore-ls $be/$ghost2 2>/dev/null)" ] && break; sleep 0.05; done
ok "with --xl-hook no too" test -z "$(xenstore-ls $be/$ghost2 2>/dev/null)$(xenstore-ls /tool/vgpu/$ghost2 2>/dev/null)"
is "$(xenstore-read $be/$live/0/pool)" A "and the live domain's device stays"
done_testing

#!/bin/bash
# simxen against stock xenstore-utils and through the platform layer:
# XenStore reads, writes, listings, watches, a transaction conflict, guest
# permissions; grants and event channels between two domains with data
# checked, a third domain refused, nothing leaked when a process dies.
. "$top_srcdir/test-harness/lib/tap.sh"
command -v xenstore-write >/dev/null || skip_all "xenstore-utils not installed"
SIM=$top_builddir/test-harness/simxen/vgpu-sim
PEER=$top_builddir/test-harness/simxen/tests/grant_peer
TX=$top_builddir/test-harness/simxen/tests/xs_tx_conflict
SIMXEN_DIR=$(mktemp -d)
export SIMXEN_DIR
trap '"$SIM" host stop >/dev/null 2>&1; rm -rf "$SIMXEN_DIR"' EXIT
ok "simxend starts" "$SIM" host start
eval "$("$SIM" env)"

ok "xenstore-write" xenstore-write /tool/a hello /tool/b world
is "$(xenstore-read /tool/a)" hello "xenstore-read returns what was written"
is "$(xenstore-list /tool | tr '\n' ' ')" "a b " "xenstore-list lists the children"
like "$(xenstore-ls /tool)" 'b = "world"' "xenstore-ls shows values"
ok "xenstore-rm" xenstore-rm /tool/a
ok "a removed node is gone" test -z "$(xenstore-read /tool/a 2>/dev/null)"
timeout 5 xenstore-watch -n 3 /tool >"$SIMXEN_DIR/watch.out" 2>&1 &
wpid=$!
sleep 0.3
xenstore-write /tool/c 1
xenstore-write /other 1
wait $wpid
is "$(tr '\n' ' ' <"$SIMXEN_DIR/watch.out")" "/tool /tool/c " "a watch fires: initial event, then the change below it, not elsewhere"
like "$("$TX" 2>&1)" "EAGAIN" "a transaction whose node changed under it ends with EAGAIN"

vm1=$("$SIM" domain create vm1)
vm2=$("$SIM" domain create vm2)
vm3=$("$SIM" domain create vm3)
is "$vm1 $vm2 $vm3" "1 2 3" "three domains created"
is "$(xenstore-read /local/domain/1/name)" vm1 "the toolstack wrote the domain's name"
is "$("$SIM" exec vm1 -- xenstore-read domid)" 1 "a guest reads its own relative path"
ok "a guest writes in its own device tree" "$SIM" exec vm1 -- xenstore-write device/x 1
"$SIM" exec vm1 -- xenstore-write /tool/evil 1 2>/dev/null
ok "a guest is denied writing outside its tree" test $? -ne 0
"$SIM" exec vm1 -- xenstore-write /local/domain/2/device/x 1 2>/dev/null
ok "a guest is denied writing another guest's tree" test $? -ne 0
xenstore-write /secret s3cret
xenstore-chmod /secret n0
"$SIM" exec vm1 -- xenstore-read /secret 2>/dev/null
ok "a guest is denied reading a node without permission" test $? -ne 0
xenstore-chmod /secret n0 r1
is "$("$SIM" exec vm1 -- xenstore-read /secret)" s3cret "and may read it once given r"
"$SIM" exec vm2 -- xenstore-read /secret 2>/dev/null
ok "while another guest still may not" test $? -ne 0

xenstore-write /local/domain/0/data-test ""
xenstore-chmod /local/domain/0/data-test b0
"$SIM" exec vm1 -- "$PEER" offer "$vm2" 8 >"$SIMXEN_DIR/offer" 2>&1 &
opid=$!
"$SIM" exec vm2 -- "$PEER" take "$vm1" >"$SIMXEN_DIR/take" 2>&1 &
tpid=$!
wait $tpid
ok "vm2 maps vm1's grants, checks 8 pages, answers, notifies and is notified" test $? -eq 0 ||
	sed 's/^/# /' "$SIMXEN_DIR/take"
wait $opid
ok "vm1 sees vm2's answer in its pages and the notification" test $? -eq 0 ||
	sed 's/^/# /' "$SIMXEN_DIR/offer"

"$SIM" exec vm1 -- "$PEER" offer "$vm2" 2 >"$SIMXEN_DIR/offer2" 2>&1 &
opid=$!
sleep 0.3
like "$("$SIM" exec vm3 -- "$PEER" steal "$vm1" 2>&1)" "refused" "a third domain cannot map vm1's grant to vm2"
"$SIM" exec vm2 -- "$PEER" take "$vm1" linger >"$SIMXEN_DIR/take2" 2>&1 &
tpid=$!
for i in $(seq 100); do grep -q ok "$SIMXEN_DIR/take2" && break; sleep 0.05; done
wait $opid
kill -9 $tpid 2>/dev/null
wait $tpid 2>/dev/null
sleep 0.3
st=$("$SIM" stats)
like "$st" "domain 1 grants 0 maps 0 mapped-pages 0 ports 0" "vm1's grants and port are gone after it exited"
like "$st" "domain 2 grants 0 maps 0 mapped-pages 0 ports 0" "vm2 killed while holding a channel: nothing left"
ok "domain destroy" "$SIM" domain destroy vm3
ok "its XenStore home is gone" test -z "$(xenstore-read /local/domain/3/name 2>/dev/null)"
like "$("$SIM" domain list)" "^0 Domain-0" "domain list shows dom0"
done_testing

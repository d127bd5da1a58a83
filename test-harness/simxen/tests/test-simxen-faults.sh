#!/bin/bash
# simxend when guests die under it: a guest killed (SIGKILL) in the middle of
# a XenStore transaction, with writes in it; a guest killed while its watch
# has events waiting that it never read; domains destroyed while their
# processes hold both.  simxend must live on, a dead transaction's writes
# must never appear, other clients' transactions and watches must go on
# working, and when the domains are gone nothing of them may be left.  Also
# many short-lived processes run in one domain, one after another.
. "$top_srcdir/test-harness/lib/tap.sh"
command -v xenstore-write >/dev/null || skip_all "xenstore-utils not installed"
SIM=$top_builddir/test-harness/simxen/vgpu-sim
HOLD=$top_builddir/test-harness/simxen/tests/xs_hold
TX=$top_builddir/test-harness/simxen/tests/xs_tx_conflict
SIMXEN_DIR=$(mktemp -d)
export SIMXEN_DIR
pids=
trap 'for p in $pids; do kill -KILL $p 2>/dev/null; done; "$SIM" host stop >/dev/null 2>&1; rm -rf "$SIMXEN_DIR"' EXIT
d=$SIMXEN_DIR/t
mkdir "$d"
ok "simxend starts" "$SIM" host start
eval "$("$SIM" env)"
spid=$(cat "$SIMXEN_DIR/simxend.pid")

# xs FIELD: nodes, watches, transactions or connections, from vgpu-sim stats.
xs() { "$SIM" stats | sed -n "s/^xenstore .*$1 \([0-9]*\).*/\1/p"; }
# until CMD: wait (bounded, 10 s) until the shell command CMD succeeds.
until_ok() {
	local i
	for i in $(seq 200); do eval "$1" && return 0; sleep 0.05; done
	return 1
}
nodes0=$(xs nodes)
is "$(xs transactions) $(xs watches) $(xs connections)" "0 0 0" \
	"a fresh simxend: no transactions, watches or connections ($nodes0 nodes)"

vm1=$("$SIM" domain create vm1)
vm2=$("$SIM" domain create vm2)
vm3=$("$SIM" domain create vm3)
xenstore-write /tool/shared ""
xenstore-chmod /tool/shared n0 b$vm1 b$vm2

# --- 1. a guest killed mid-transaction
"$SIM" exec vm1 -- "$HOLD" tx data/tx/a=1 data/tx/b=2 /tool/shared/x=vm1 >"$d/h1" 2>&1 &
h1=$!
"$SIM" exec vm2 -- "$HOLD" tx --go "$d/go2" data/tx2/k=b /tool/shared/x=vm2 >"$d/h2" 2>&1 &
h2=$!
pids="$h1 $h2"
until_ok 'grep -qx OPEN "$d/h1" && grep -qx OPEN "$d/h2"'
ok "vm1 and vm2 each opened a transaction and wrote in it" test $? -eq 0 ||
	sed 's/^/# /' "$d/h1" "$d/h2"
is "$(xs transactions)" 2 "simxend holds both transactions"
xenstore-read /tool/shared/x >/dev/null 2>&1
ok "what they wrote is not visible before a commit" test $? -ne 0
kill -KILL $h1
wait $h1 2>/dev/null
ok "vm1 is killed (SIGKILL) before TRANSACTION_END" test $? -eq 137
until_ok '[ "$(xs transactions)" = 1 ]'
ok "simxend dropped vm1's transaction with its connection (1 left)" test $? -eq 0
ok "simxend lives" kill -0 "$spid"
is "$(xenstore-read /local/domain/0/name 2>&1)" Domain-0 "and answers"
xenstore-read /local/domain/$vm1/data/tx/a >/dev/null 2>&1
ok "vm1's transaction writes never appear: data/tx/a" test $? -ne 0
is "$(xenstore-list /local/domain/$vm1/data 2>&1)" "" "vm1's data directory is as it was: empty"
xenstore-read /tool/shared/x >/dev/null 2>&1
ok "nor its write to the shared node" test $? -ne 0
touch "$d/go2"
wait $h2
ok "vm2's helper exits 0" test $? -eq 0
is "$(tail -1 "$d/h2")" COMMITTED "vm2's transaction, open beside it on the same node, commits"
is "$(xenstore-read /tool/shared/x 2>&1) $(xenstore-read /local/domain/$vm2/data/tx2/k 2>&1)" "vm2 b" \
	"and its writes are there"
like "$("$TX" 2>&1)" "EAGAIN on conflict; retry committed: 3" \
	"dom0's transactions still fail on a conflict and commit on retry"
is "$(xs transactions)" 0 "no transaction left open"

# --- 2. a guest killed while its watch has events it never read.  Stuck
# watchers with long tokens: vm2's and a dom0 client's events outgrow what a
# guest may have queued (1 MiB in simxend, as xenstored's quota) many times.
E=4000
tok=$(printf 't%.0s' $(seq 600))
W=/local/domain/$vm2/data/w
xenstore-write $W/x 0
"$SIM" exec vm2 -- "$HOLD" watch data/w "$tok" >"$d/w" 2>&1 &
hw=$!
"$HOLD" watch $W "$tok" >"$d/w0" 2>&1 &
hw0=$!
pids="$pids $hw $hw0"
until_ok 'grep -qx WATCHING "$d/w" && grep -qx WATCHING "$d/w0"'
ok "vm2 and a dom0 client watch data/w and stop reading" test $? -eq 0 ||
	sed 's/^/# /' "$d/w" "$d/w0"
timeout 60 xenstore-watch -n $((E + 1)) $W >"$d/dom0w" 2>&1 &
wp=$!
until_ok '[ "$(xs watches)" = 3 ]'
ok "and a dom0 xenstore-watch reads the same path" test $? -eq 0
for half in 1 2; do
	args=()
	for i in $(seq $((E / 2))); do args+=("$W/x" "$half.$i"); done
	xenstore-write "${args[@]}" || break
done
ok "dom0 changed data/w/x $E times" test $? -eq 0
wait $wp
ok "the reading watcher got to the end while two others read nothing" test $? -eq 0
is "$(grep -c "^$W/x\$" "$d/dom0w")" "$E" "xenstore-watch: all $E events for data/w/x"
rel=data/w/x
evsize=$((16 + ${#rel} + 1 + ${#tok} + 1))	# header, path and token with their NULs
pending=$(sed -n 's/^PENDING //p' "$d/w" | tail -1)
ok "events wait unread in vm2's socket ($pending bytes of $((E * evsize)) sent its way)" \
	test "${pending:-0}" -gt 0
ok "that is more than vm2's socket and its 1 MiB quota in simxend hold" \
	test $((E * evsize)) -gt $((pending + (1 << 20)))
is "$(xs watches) $(xs connections)" "2 2" \
	"neither stuck watcher lost its connection: vm2 loses events past its quota, dom0 none"
kill -KILL $hw
wait $hw 2>/dev/null
ok "vm2's watcher is killed (SIGKILL) with events pending" test $? -eq 137
kill -KILL $hw0
wait $hw0 2>/dev/null
until_ok '[ "$(xs watches) $(xs connections)" = "0 0" ]'
ok "simxend dropped both watches and connections" test $? -eq 0
ok "simxend lives" kill -0 "$spid"
"$SIM" exec vm2 -- timeout 20 xenstore-watch -n 2 $W/x >"$d/w2" 2>&1 &
wp=$!
until_ok '[ "$(xs watches)" = 1 ]'
xenstore-write $W/x again
wait $wp
is "$(tr '\n' ' ' <"$d/w2")" "$W/x $W/x " "vm2 watches again: the initial event and the change"

# --- 3. many short-lived guest processes: each one that ran and died must
# not keep a place in simxend's table of a domain's processes (64 places)
n=0
for i in $(seq 80); do
	[ "$("$SIM" exec vm1 -- xenstore-read domid 2>/dev/null)" = "$vm1" ] && n=$((n + 1))
done
is "$n" 80 "80 processes run one after another in vm1, each with vm1's identity"

# --- 4. domains destroyed while their processes hold a transaction and a watch
"$SIM" exec vm3 -- "$HOLD" tx data/z=1 >"$d/h3" 2>&1 &
h3=$!
"$SIM" exec vm3 -- "$HOLD" watch data tok3 >"$d/w3" 2>&1 &
w3=$!
pids="$pids $h3 $w3"
until_ok 'grep -qx OPEN "$d/h3" && grep -qx WATCHING "$d/w3"'
ok "vm3 holds a transaction and a watch" test $? -eq 0
for i in 1 2 3; do xenstore-write /local/domain/$vm3/data/e$i $i; done
until_ok '[ "$(sed -n "s/^PENDING //p" "$d/w3" | tail -1)" -gt 0 ]'
ok "vm3 has events pending" test $? -eq 0
is "$(xs transactions) $(xs watches)" "1 1" "simxend counts them"
ok "vm3 destroyed" "$SIM" domain destroy vm3
wait $h3 2>/dev/null
r1=$?
wait $w3 2>/dev/null
is "$r1 $?" "137 137" "destroy killed both of vm3's processes"
until_ok '[ "$(xs transactions) $(xs watches) $(xs connections)" = "0 0 0" ]'
ok "their transaction, watch and connections are gone" test $? -eq 0
xenstore-read /local/domain/$vm3/data/z >/dev/null 2>&1
ok "vm3's uncommitted write never appeared" test $? -ne 0
ok "vm3's XenStore home is gone" test -z "$(xenstore-list /local/domain 2>&1 | grep -x "$vm3")"
ok "destroy vm1" "$SIM" domain destroy vm1
ok "destroy vm2" "$SIM" domain destroy vm2
xenstore-rm /tool
xenstore-rm /txtest	# xs_tx_conflict's
st=$("$SIM" stats)
is "$(printf '%s\n' "$st" | grep -c '^domain [1-9]')" 0 "vgpu-sim stats: no domain left but dom0"
is "$(xs nodes) $(xs transactions) $(xs watches) $(xs connections)" "$nodes0 0 0 0" \
	"the store is as it was before any domain: $nodes0 nodes, nothing open"
ok "simxend lives on" kill -0 "$spid"
like "$("$SIM" domain list)" "^0 Domain-0" "and serves"
done_testing

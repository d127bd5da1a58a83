#!/bin/bash
# The toolstack side on simxen: a domain created with an xl config holding
# vgpu=[...] gets its devices (stock xenstore-ls, permissions, vgpufront ping
# in the guest); bad specs are refused with a message and no node; the nodes
# go when the domain goes; vgpuctl's commands and errors.
. "$top_srcdir/test-harness/lib/tap.sh"
export VGPU_BUILDDIR=$top_builddir
. "$top_srcdir/test-harness/scenarios/simhost.sh"
tmp=$(mktemp -d)
trap 'simhost_stop; rm -rf "$tmp"' EXIT
simhost_start --executor cpu || { echo "Bail out! no host"; exit 1; }

cat >"$tmp/web.cfg" <<'CFG'
# an xl config, as an operator writes it
name = "web"
memory = 512
vgpu = [ 'pool=A,prio=high',   # the first device
         "pool=B,prio=low,devid=3" ]
CFG
id=$("$SIM" domain create web --config "$tmp/web.cfg")
for i in $(seq 100); do [ -n "$(xenstore-read /local/domain/0/backend/vgpu/$id/3/pool 2>/dev/null)" ] && break; sleep 0.05; done
ls=$(xenstore-ls /local/domain/0/backend/vgpu/$id)
like "$ls" 'pool = "A"' "device 0 from the config: pool A"
like "$ls" 'priority = "high"' "device 0: priority high"
like "$ls" 'pool = "B"' "device 3 from the config: pool B"
like "$ls" 'priority = "low"' "device 3: priority low"
perms=$(xenstore-ls -p /local/domain/0/backend/vgpu/$id/0 | grep 'pool =')
like "$perms" "\(n0,r$id\)" "backend dir: dom0 owns it, the guest may only read"
perms=$(xenstore-ls -p /local/domain/$id/device/vgpu/0 | grep '^backend =')
like "$perms" "\(n$id,r0\)" "frontend dir: the guest owns it, dom0 may read"
"$SIM" exec web -- xenstore-write /local/domain/0/backend/vgpu/$id/0/priority high 2>/dev/null
ok "the guest cannot write its own priority" test $? -ne 0
is "$("$SIM" exec web -- "$VGPUFRONT" ping --count 10 2>&1 | grep -c pings)" 1 "vgpufront ping works in the guest on device 0"
is "$("$SIM" exec web -- "$VGPUFRONT" --device 3 add 20 22 2>&1)" 42 "and on device 3"

for bad in "pool=A,color=red:unknown key 'color'" "pool=Z:unknown pool 'Z'" \
	   "pool=A,prio=urgent:prio 'urgent'" "pool=A,pool=B:given twice"; do
	spec=${bad%%:*}
	msg=${bad#*:}
	name=bad$RANDOM
	printf 'name = "%s"\nvgpu = [ "pool=B", "%s" ]\n' "$name" "$spec" >"$tmp/$name.cfg"
	bid=$("$SIM" domain create "$name" --config "$tmp/$name.cfg")
	for i in $(seq 50); do grep -q "domain $bid ($name)" "$SIMXEN_DIR/vgpuback.log" && break; sleep 0.05; done
	like "$(grep "domain $bid ($name)" "$SIMXEN_DIR/vgpuback.log")" "$msg" "bad spec '$spec' is refused naming the key"
	ok "no node written for $name (not even its good spec)" test -z "$(xenstore-ls /local/domain/0/backend/vgpu/$bid 2>/dev/null)"
done

like "$(grep "domain $id (web): vgpu 3" "$SIMXEN_DIR/vgpuback.log")" "priority low from .*web.cfg:5" \
	"the hook logs priority by name (was 'priority 2') and the config line"

# vgpu= mistakes that were silent: each is an error naming the domain, the
# config file and line, and a refused device in vgpuctl list.
mistake() { # mistake NAME CONFIG-TEXT WANT-LINE WANT-TEXT
	local name=$1 cfg="$tmp/$1.cfg" mid
	printf '%b' "$2" >"$cfg"
	mid=$("$SIM" domain create "$name" --config "$cfg")
	for i in $(seq 100); do grep -q "domain $mid ($name)" "$SIMXEN_DIR/vgpuback.log" && break; sleep 0.05; done
	like "$(grep "domain $mid ($name)" "$SIMXEN_DIR/vgpuback.log")" "(error|<3>).*$name.cfg:$3: .*$4" \
		"$name: an error naming the domain, $name.cfg line $3: $4"
	for i in $(seq 50); do "$VGPUCTL" list "$name" | grep -q refused && break; sleep 0.05; done
	like "$("$VGPUCTL" list "$name" | awk 'NR > 1')" "^$mid +$name +- .* refused .*$name.cfg:$3: .*$4" \
		"$name: vgpuctl list shows the refused device with the reason"
	ok "$name: no node written" test -z "$(xenstore-ls /local/domain/0/backend/vgpu/$mid 2>/dev/null)"
}
mistake str 'name = "str"\nmemory = 512\nvgpu = "pool=A"\n' 3 "single value, not a list"
mistake syn 'name = "syn"\nvgpu = [ "pool=A",\n"pool=B"\nmemory = 512\n' 4 "syntax error"
mistake dup 'name = "dup"\nvgpu = [ "pool=A",\n\t"pool=B,devid=0" ]\n' 3 "devid 0 is also device 1.s .line 2."
mistake nopool 'name = "nopool"\nvgpu = [ "pool=A",\n  "pool=Z" ]\n' 3 "unknown pool 'Z' .vgpuback serves: A, B."
mistake otherbe 'name = "otherbe"\nvgpu = [ "pool=A,backend=3" ]\n' 2 "backend '3': want 0"
like "$("$VGPUCTL" --json list)" '"refused":\[.*"name":"dup","reason":"[^"]*dup.cfg:3: ' \
	"vgpuctl --json list has the refusals"

# vgpuctl
is "$("$VGPUCTL" list web | awk 'NR > 1 { print $3, $4, $5 }' | tr '\n' ' ')" "0 A high 3 B low " "vgpuctl list shows web's devices"
like "$("$VGPUCTL" --json list)" '"name":"web","devid":0,"pool":"A","priority":"high"' "vgpuctl --json list"
d=$("$VGPUCTL" attach web pool=B,prio=medium)
is "$d" 4 "vgpuctl attach picks the next free devid"
is "$(xenstore-read /local/domain/0/backend/vgpu/$id/4/priority)" medium "attached device has its priority"
ok "vgpuctl detach" "$VGPUCTL" detach web 4
ok "detached device's nodes are gone" test -z "$(xenstore-read /local/domain/0/backend/vgpu/$id/4/pool 2>/dev/null)"
"$VGPUCTL" attach nosuchvm pool=A >/dev/null 2>"$tmp/err"
is "$?" 1 "vgpuctl attach to a missing domain exits 1"
like "$(cat "$tmp/err")" "no such domain: nosuchvm" "and says so"
"$VGPUCTL" detach web 9 2>"$tmp/err"
is "$?" 1 "vgpuctl detach of a missing device exits 1"
like "$(cat "$tmp/err")" "no such device" "and says so"
"$VGPUCTL" attach web pool=A,colour=red 2>"$tmp/err"
like "$(cat "$tmp/err")" "unknown key 'colour'" "vgpuctl attach refuses a bad spec"
"$VGPUCTL" attach web pool=Z 2>"$tmp/err"
is "$?" 1 "vgpuctl attach of a pool vgpuback does not have: exit 1 (was 0)"
like "$(cat "$tmp/err")" "unknown pool 'Z' \(vgpuback serves: A, B\)" "and says which it has"
"$VGPUCTL" attach web pool=A,backend=3 2>"$tmp/err"
is "$?" 1 "vgpuctl attach with backend=3: exit 1 (vgpuback serves dom0's tree only)"
like "$(cat "$tmp/err")" "backend '3': want 0" "and says so"
ok "neither wrote a node" test -z "$(xenstore-read /local/domain/0/backend/vgpu/$id/5/pool 2>/dev/null)"
like "$("$VGPUCTL" stats)" "executor cpu" "vgpuctl stats shows the executor"
like "$("$VGPUCTL" --json stats)" '"queued":\{"high":0' "vgpuctl --json stats"
like "$("$VGPUCTL" pools)" "^B +-1" "vgpuctl pools lists pool B"
VGPU_CONTROL_SOCKET=$tmp/none "$VGPUCTL" stats 2>"$tmp/err"
is "$?" 3 "vgpuctl stats without vgpuback exits 3"
like "$(cat "$tmp/err")" "vgpuback is not running" "and says so"

"$SIM" domain destroy web
for i in $(seq 100); do [ -z "$(xenstore-ls /local/domain/0/backend/vgpu/$id 2>/dev/null)" ] && break; sleep 0.05; done
ok "the nodes go when the domain goes" test -z "$(xenstore-ls /local/domain/0/backend/vgpu/$id 2>/dev/null)"
done_testing

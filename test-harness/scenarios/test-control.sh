#!/bin/bash
# The control plane (vgpu-control(7)): vgpuback answers in JSON built by a
# JSON library and vgpuctl parses it into typed data.  Guests do counted work
# and vgpuctl stats --json (read with jq) shows exactly that per device; the
# CPU executor is named and lists no GPU; every subcommand's --json output is
# JSON; strings holding '"', ',' and '}' (a domain name here, a GPU name from
# a stand-in daemon below) come out whole in the table and in JSON.
. "$top_srcdir/test-harness/lib/tap.sh"
export VGPU_BUILDDIR=$top_builddir
. "$top_srcdir/test-harness/scenarios/simhost.sh"
command -v jq >/dev/null || skip_all "no jq (test-harness/install-deps.sh installs it)"
tmp=$(mktemp -d)
fake=
trap '[ -n "$fake" ] && kill $fake 2>/dev/null; simhost_stop; rm -rf "$tmp"' EXIT

M=3	# --max-inflight: a burst beyond it gets VGPU_EBUSY, counted as failed
simhost_start --executor cpu --slots 1 --cpu-delay-us 50000 --max-inflight $M ||
	{ echo "Bail out! no host"; exit 1; }
A='ctl"a,b}'		# a domain name that breaks text searching
a=$(simhost_guest "$A" A high)
b=$(simhost_guest ctlb B low)
"$VGPUCTL" attach ctlb pool=B,prio=low >/dev/null	# devid 1
ok "two guests with three devices" test -n "$a" -a -n "$b"

# work DOMNAME DEVID GUEST-ARGS...: run it, keep the guest's report.
work() {
	local name=$1 dev=$2
	shift 2
	"$SIM" exec "$name" -- "$GUEST" --name "w$dev" --device "$dev" --op add "$@" \
		>"$tmp/work-$name-$dev" 2>&1
}
# counted DOMNAME DEVID: "submitted completed failed" from the guest's report.
counted() {
	sed -n 's/^REQ .* status=\(-*[0-9]*\) ok=.*/\1/p' "$tmp/work-$1-$2" |
		awk '{ n++; if ($1 == 0) c++; else f++ } END { printf "%d %d %d", n, c, f }'
}
work "$A" 0 --requests 5
work ctlb 0 --requests 7 --inflight 7
work ctlb 1 --requests 2
is "$(counted "$A" 0 | cut -d' ' -f1)" 5 "guest $A: all 5 requests answered"
like "$(counted ctlb 0)" '^7 [0-9]+ [1-9]' "guest ctlb: a burst of 7 over max-inflight $M, some refused"

"$VGPUCTL" --json stats >"$tmp/stats.json"
is "$?" 0 "vgpuctl --json stats: exit 0"
ok "vgpuctl --json stats parses (jq)" jq -e . "$tmp/stats.json"
dev() { # dev DOMID DEVID: the device's counters in the snapshot
	jq -r --argjson d "$1" --argjson v "$2" '.domains[] | select(.domid == $d and .devid == $v)
		| "\(.submitted) \(.completed) \(.failed)"' "$tmp/stats.json"
}
is "$(dev "$a" 0)" "$(counted "$A" 0)" "device $a/0: submitted, completed, failed as the guest counted"
is "$(dev "$b" 0)" "$(counted ctlb 0)" "device $b/0: submitted, completed, failed as the guest counted"
is "$(dev "$b" 1)" "$(counted ctlb 1)" "device $b/1: submitted, completed, failed as the guest counted"
is "$(jq -c '[.domains[] | [.domid, .devid, .pool, .priority]] | sort' "$tmp/stats.json")" \
	"$(jq -c sort <<<"[[$a,0,\"A\",\"high\"],[$b,0,\"B\",\"low\"],[$b,1,\"B\",\"low\"]]")" \
	"stats: each device's pool and priority"
is "$(jq -r .executor "$tmp/stats.json")" cpu "stats names the executor: cpu"
is "$(jq -c .gpus "$tmp/stats.json")" "[]" "stats: the CPU executor lists no GPU"
is "$(jq -c .resources "$tmp/stats.json")" '{"jobs":0,"buffers":0,"mappings":0,"allocations":0,"mem_bytes":0,"modules":0}' \
	"stats: nothing held once the guests are done"
is "$(jq -c '[.queued.high, .queued.medium, .queued.low, .inflight]' "$tmp/stats.json")" \
	"[0,0,0,0]" "stats: nothing queued or running"
sum=$(jq '[.domains[].submitted] | add' "$tmp/stats.json")
is "$(jq '[.pools[].submitted] | add' "$tmp/stats.json")" \
	"$(jq '[.domains[].completed] | add' "$tmp/stats.json")" \
	"stats: the pools ran what the devices completed ($sum submitted)"

# The table shows the same numbers, the GPU line too.
"$VGPUCTL" stats >"$tmp/stats.txt"
like "$(cat "$tmp/stats.txt")" "^executor cpu, 1 slots, 0 running" "vgpuctl stats: the executor line"
is "$(awk -v d="$a" '$1 == d && $2 == 0 { print $6, $7, $8 }' "$tmp/stats.txt")" \
	"$(counted "$A" 0)" "vgpuctl stats table: device $a/0's counters"
like "$(cat "$tmp/stats.txt")" "gpus: none" "vgpuctl stats table: no GPU"

# Every subcommand with --json prints JSON.
for args in "list" "list ctlb" "stats" "pools"; do
	# shellcheck disable=SC2086
	out=$("$VGPUCTL" --json $args)
	ok "vgpuctl --json $args: exit 0, JSON" jq -e . <<<"$out"
done
out=$("$VGPUCTL" --json attach ctlb pool=A)
is "$(jq -c . <<<"$out")" "{\"domid\":$b,\"devid\":2}" "vgpuctl --json attach: JSON with the new devid"
out=$("$VGPUCTL" --json detach ctlb 2)
is "$(jq -c . <<<"$out")" "{\"domid\":$b,\"devid\":2}" "vgpuctl --json detach: JSON naming the device"
is "$(jq -c '.pools | map([.name, .gpu, .devices])' <<<"$("$VGPUCTL" --json pools)")" \
	'[["A",-1,1],["B",-1,2]]' "vgpuctl --json pools: names, GPUs, devices"

# A name with '"', ',' and '}' comes out whole.
is "$(jq -r --argjson d "$a" '.devices[] | select(.domid == $d) | .name' \
	<<<"$("$VGPUCTL" --json list)")" "$A" "vgpuctl --json list: the name $A whole"
is "$("$VGPUCTL" list "$A" | awk 'NR > 1 { print $2, $3, $4, $5 }')" "$A 0 A high" \
	"vgpuctl list $A: name, devid, pool, priority"
is "$(jq -r --argjson d "$b" '[.devices[] | select(.domid == $d) | .devid] | join(" ")' \
	<<<"$("$VGPUCTL" --json list)")" "0 1" "vgpuctl --json list: ctlb's devices"

# A stand-in daemon: GPUs with such names, keys in another order, a key
# repeated at every level and one vgpuctl does not know.
if ! command -v python3 >/dev/null; then
	echo "ok $((_tap_n + 1)) # SKIP no python3 for the stand-in daemon"
	_tap_n=$((_tap_n + 1))
	done_testing
	exit
fi
GPU='H200 "NVL", rev}2'
cat >"$tmp/answer-stats" <<JSON
{"future":{"name":"x","inflight":9},"resources":{"mappings":0,"jobs":1,"buffers":2},
 "gpus":[{"name":"$(sed 's/"/\\"/g' <<<"$GPU")","inflight":2,"mem_used":150754820096,
 "mem_total":150754820097,"index":0},{"index":1,"name":"b}","mem_total":1,"mem_used":0,"inflight":0},
 {"index":2,"name":"x\\\\y\\"z\\nw","mem_total":3,"mem_used":0,"inflight":0}],
 "latency_us":{"exec_p99":4,"exec_p50":3,"queue_p99":2,"queue_p50":1,"count":10},
 "pools":[{"completed":5,"submitted":6,"gpu":0,"name":"A"}],
 "domains":[{"throttled":0,"spurious":0,"buffer_pages":0,"buffers":0,"queued":1,
 "inflight":2,"failed":0,"completed":5,"submitted":8,"state":"Connected",
 "priority":"high","pool":"A","devid":0,"domid":7}],
 "queued":{"low":0,"medium":0,"high":1},"inflight":3,"slots":8,"executor":"cuda"}
JSON
printf '%s\n' '{"pools":[{"devices":1,"gpu":0,"name":"A"}]}' >"$tmp/answer-pools"
cat >"$tmp/fake.py" <<'PY'
import os, socket, sys
d = sys.argv[1]
s = socket.socket(socket.AF_UNIX)
s.bind(d + "/fake.sock")
s.listen(4)
while True:
    c, _ = s.accept()
    word = c.recv(64).decode().strip()
    mode = open(d + "/mode").read().strip()
    f = d + "/answer-" + word
    ans = {"error": b'{"error":"unknown command"}\n', "garbage": b'{"executor":"cp'}.get(mode)
    c.sendall(ans if ans else open(f, "rb").read() if os.path.exists(f) else b"")
    c.close()
PY
echo good >"$tmp/mode"
python3 "$tmp/fake.py" "$tmp" &
fake=$!
for i in $(seq 100); do [ -S "$tmp/fake.sock" ] && break; sleep 0.05; done
F=("$VGPUCTL" --socket "$tmp/fake.sock")
out=$("${F[@]}" --json stats)
is "$(jq -r '.gpus[0].name' <<<"$out")" "$GPU" "stand-in: the GPU name $GPU whole in --json"
is "$(jq -c '[.gpus[0].mem_total, .gpus[0].mem_used, .gpus[1].name, .inflight, .slots]' <<<"$out")" \
	'[150754820097,150754820096,"b}",3,8]' "stand-in: each value from its own key"
is "$(jq -c '.domains[0] | [.domid, .submitted, .completed, .inflight, .queued]' <<<"$out")" \
	'[7,8,5,2,1]' "stand-in: the device's counters, keys in another order"
like "$out" '^\{"executor":"cuda","slots":8,"inflight":3,"queued":\{"high":1' \
	"stand-in: vgpuctl writes vgpuback's key order"
out=$("${F[@]}" stats)
like "$out" "^executor cuda, 8 slots, 3 running" "stand-in table: the executor line"
like "$out" "0 +H200 \"NVL\", rev\}2 +143771 +143771 +2" "stand-in table: the GPU row, MiB"
# --prometheus (test-prometheus.sh checks the format): label values escaped
# (\\, \", \n), no histogram from a vgpuback of before them.
out=$("${F[@]}" stats --prometheus)
is "$?" 0 "stand-in: vgpuctl stats --prometheus: exit 0"
is "$(grep -F '{gpu="0",' <<<"$out" | head -1)" \
	'vgpu_gpu_memory_total_bytes{gpu="0",name="H200 \"NVL\", rev}2"} 150754820097' \
	"stand-in --prometheus: the GPU name's '\"' escaped, memory in bytes"
is "$(grep -F '{gpu="2",' <<<"$out" | head -1)" \
	'vgpu_gpu_memory_total_bytes{gpu="2",name="x\\y\"z\nw"} 3' \
	"stand-in --prometheus: '\\', '\"' and a newline escaped"
is "$(grep -c '_seconds_bucket' <<<"$out")" 0 "stand-in --prometheus: no histogram from an answer without them"
is "$(grep '^vgpu_request_recent_p99_seconds' <<<"$out")" \
	'vgpu_request_recent_p99_seconds{domid="7",devid="0",pool="A",priority="high"} 0' \
	"stand-in --prometheus: no device latencies in the answer: 0"
echo error >"$tmp/mode"
"${F[@]}" stats >/dev/null 2>"$tmp/err"
is "$?" 1 "an error answer: exit 1"
like "$(cat "$tmp/err")" "error: unknown command" "and vgpuctl says what vgpuback said"
echo garbage >"$tmp/mode"
"${F[@]}" --json pools >"$tmp/out" 2>"$tmp/err"
is "$? $(wc -c <"$tmp/out")" "1 0" "a cut answer: exit 1, nothing on stdout"
like "$(cat "$tmp/err")" "not a JSON object" "and vgpuctl says so"
done_testing

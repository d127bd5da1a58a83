#!/bin/bash
# vgpufront info, the guest's view of its device: on a simulated host with
# the CPU executor, each of two devices shows the pool and priority the
# toolstack gave it, the executor and data path are cpu, the limits are the
# ones vgpuback was started with; --json is one object (jq) that agrees
# with the text; bench --json parses; vadd --repeat shows its progress on
# a terminal (script -qc) and none when stderr is a pipe.
. "$top_srcdir/test-harness/lib/tap.sh"
export VGPU_BUILDDIR=$top_builddir
. "$top_srcdir/test-harness/scenarios/simhost.sh"
tmp=$(mktemp -d)
trap 'simhost_stop; rm -rf "$tmp"' EXIT

M=24		# --max-inflight
P=4096		# --max-buffer-pages
O=1		# --max-ring-page-order

simhost_start --executor cpu --max-inflight $M --max-buffer-pages $P --pool-mem-quota B=1073741824 \
	--max-ring-page-order $O || { echo "Bail out! no host"; exit 1; }
simhost_guest g A high >/dev/null || { echo "Bail out! no guest"; exit 1; }
"$VGPUCTL" attach g pool=B,prio=low >/dev/null || { echo "Bail out! no device 1"; exit 1; }
front() { "$SIM" exec g -- "$VGPUFRONT" "$@"; }
json_ok() { jq -e "${2:-.}" "$1" >/dev/null; }
# The value of LABEL: in text INFO.
field() { sed -n "s/^$2: *//p" <<<"$1" | head -1; }

# --- the text, device by device
i0=$(front -d 0 info 2>&1)
i1=$(front -d 1 info 2>&1)
is "$(field "$i0" pool)/$(field "$i0" priority)" "A/high" "device 0: pool A, priority high"
is "$(field "$i1" pool)/$(field "$i1" priority)" "B/low" "device 1: pool B, priority low"
is "$(field "$i0" executor)" "cpu" "executor cpu"
like "$(field "$i0" 'data path')" '^cpu' "data path cpu"
is "$(field "$i0" 'max inflight')" "$M per domain" "max inflight: --max-inflight $M"
is "$(field "$i0" 'max buffers')" "$P pages per domain" "max buffers: --max-buffer-pages $P"
is "$(field "$i0" protocol)" "2" "protocol version 2"
is "$(field "$i0" gpus)" "0" "no GPU behind the CPU executor"
like "$(field "$i0" 'gpu memory')" 'free to this guest: 4\.0 GiB \(its quota\)' \
	"device 0 (pool A): memory free to this guest: the default quota, 4 GiB"
like "$(field "$i1" 'gpu memory')" 'free to this guest: 1\.0 GiB \(its quota\)' \
	"device 1 (pool B): pool B's own quota, 1 GiB"
like "$(field "$i0" 'cpu model')" '.' "the host's CPU model is shown"
grep -qE '^[a-z0-9_.]+=' <<<"$i0"
is "$?" 1 "no raw key=value line in the text"
r0=$(field "$(front -d 0 -r 0 info)" 'ring size' | cut -d' ' -f1)
r1=$(field "$(front -d 0 -r $O info)" 'ring size' | cut -d' ' -f1)
r4=$(field "$(front -d 0 -r 4 info)" 'ring size' | cut -d' ' -f1)
ok "ring size: order 0 ($r0) < order $O ($r1)" test "${r0:-0}" -gt 0 -a "${r0:-0}" -lt "${r1:-0}"
is "$r4" "$r1" "ring size: -r 4 is capped by --max-ring-page-order $O"

# --- --json: one object, the same as the text
for d in 0 1; do
	front -d $d info --json >"$tmp/i$d.json" 2>"$tmp/i$d.err"
	is "$?" 0 "device $d: info --json exits 0"
	ok "device $d: info --json is valid JSON" json_ok "$tmp/i$d.json"
	is "$(wc -l <"$tmp/i$d.json")" 1 "device $d: info --json is one line"
done
j() { jq -r "$2" "$tmp/i$1.json"; }
is "$(j 0 '.pool + "/" + .priority')" "A/high" "json device 0: pool A, priority high"
is "$(j 1 '.pool + "/" + .priority')" "B/low" "json device 1: pool B, priority low"
is "$(j 0 '.executor + "/" + .path')" "cpu/cpu" "json: executor cpu, path cpu"
is "$(j 0 .limits.max_inflight)" "$M" "json: max_inflight $M"
is "$(j 0 .limits.max_buf_pages)" "$P" "json: max_buf_pages $P"
is "$(j 0 .limits.ring_size)" "$(field "$i0" 'ring size' | cut -d' ' -f1)" "json: ring size as the text"
is "$(j 0 .protocol)/$(j 0 .device)/$(j 1 .device)" "2/0/1" "json: protocol, device numbers"
is "$(j 0 '.gpus | length')/$(j 0 .gpu_mem_free_to_guest)" "0/4294967296" \
	"json: no GPUs; the device memory quota (vgpuback's default, 4 GiB)"
is "$(j 0 .cpu_model)" "$(field "$i0" 'cpu model')" "json: cpu model as the text"
is "$(j 0 .domain)" "$(field "$i0" device | sed 's/.*domain \([0-9]*\).*/\1/')" "json: domain as the text"
is "$(cat "$tmp/i0.err" "$tmp/i1.err")" "" "info --json: nothing on stderr"

# --- bench --json
front bench --seconds 0.05 --inflight 4 --json >"$tmp/b.json" 2>"$tmp/b.err"
is "$?" 0 "bench --json exits 0"
ok "bench --json is valid JSON" json_ok "$tmp/b.json"
is "$(jq -r '[.results[].request] | join(",")' "$tmp/b.json")" "nop,vadd_1k" "bench --json: nop and vadd_1k"
ok "bench --json: every rate and latency is a positive number" \
	json_ok "$tmp/b.json" '[.results[] | .median_us, .p99_us, .req_per_s] | all(type == "number" and . > 0)'
is "$(jq -r .inflight "$tmp/b.json")" 4 "bench --json: inflight 4"
is "$(cat "$tmp/b.err")" "" "bench piped: nothing on stderr"
ok "--json does not apply to ping" bash -c '! "$0" ping --json 2>/dev/null' "$VGPUFRONT"

# --- progress: a terminal gets one updating line, a pipe nothing
cmd="$SIM exec g -- $VGPUFRONT vadd --n 1024 --repeat 3000"
script -qec "$cmd" /dev/null >"$tmp/tty.out" 2>&1 </dev/null
is "$?" 0 "vadd --repeat 3000 on a terminal exits 0"
like "$(tr '\r' '\n' <"$tmp/tty.out")" 'vadd 3000/3000 \(100%\)' "on a terminal: the progress line reaches 3000/3000 (100%)"
ok "on a terminal: the line is updated in place (carriage returns)" grep -q $'\r' "$tmp/tty.out"
$cmd >"$tmp/pipe.out" 2>"$tmp/pipe.err"
is "$?" 0 "vadd --repeat 3000 piped exits 0"
is "$(cat "$tmp/pipe.err")" "" "piped: no progress on stderr"
like "$(cat "$tmp/pipe.out")" '^vadd n=1024: ' "piped: the result on stdout"
done_testing

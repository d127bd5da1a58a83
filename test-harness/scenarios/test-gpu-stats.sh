#!/bin/bash
# vgpuctl stats on a GPU (issue 12): with the CUDA executor, the control
# socket lists every GPU vgpuback drives, and what it says agrees with
# nvidia-smi (name, memory total) and with the work running (in flight while
# a guest keeps the GPU busy, none after).  Needs the CUDA executor and a
# GPU: VGPU_TEST_EXECUTOR=cuda (test-harness/bench/run-gpu-checks.sh).
. "$top_srcdir/test-harness/lib/tap.sh"
[ "${VGPU_TEST_EXECUTOR:-cpu}" = cuda ] || skip_all "needs a GPU: VGPU_TEST_EXECUTOR=cuda"
command -v nvidia-smi >/dev/null || skip_all "no nvidia-smi"
command -v python3 >/dev/null || skip_all "no python3 to read the JSON"
export VGPU_BUILDDIR=$top_builddir
. "$top_srcdir/test-harness/scenarios/simhost.sh"
tmp=$(mktemp -d)
trap 'simhost_stop; rm -rf "$tmp"' EXIT

# jv FILE EXPR: a Python expression over the parsed document j.
jv() { python3 -c 'import json, sys; j = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"; }

simhost_start --executor cuda --slots 4 || { echo "Bail out! no host"; exit 1; }
grep -q 'executor: cuda' "$SIMXEN_DIR/vgpuback.log" || { echo "Bail out! vgpuback did not take the GPU"; exit 1; }
simhost_guest g A high >/dev/null

smi_n=$(nvidia-smi --query-gpu=name --format=csv,noheader | wc -l)
"$VGPUCTL" --json stats >"$tmp/idle.json"
ok "stats --json parses" python3 -c 'import json, sys; json.load(open(sys.argv[1]))' "$tmp/idle.json"
is "$(jv "$tmp/idle.json" 'j["executor"]')" cuda "the executor is cuda"
is "$(jv "$tmp/idle.json" 'len(j["gpus"])')" "$smi_n" "one entry per GPU nvidia-smi lists ($smi_n)"
i=0
while IFS=, read -r name total; do
	total=${total% MiB}; total=${total# }
	is "$(jv "$tmp/idle.json" "j['gpus'][$i]['name']")" "$name" "GPU $i: the name nvidia-smi gives"
	ok "GPU $i: memory total within 1% of nvidia-smi's $total MiB" \
		python3 -c 'import sys; a = int(sys.argv[1]) / 1048576; b = float(sys.argv[2]); sys.exit(abs(a - b) > b / 100)' \
		"$(jv "$tmp/idle.json" "j['gpus'][$i]['mem_total']")" "$total"
	ok "GPU $i: memory in use is above 0 and below the total" \
		python3 -c 'import sys; u, t = map(int, sys.argv[1:]); sys.exit(not 0 < u < t)' \
		"$(jv "$tmp/idle.json" "j['gpus'][$i]['mem_used']")" \
		"$(jv "$tmp/idle.json" "j['gpus'][$i]['mem_total']")"
	is "$(jv "$tmp/idle.json" "j['gpus'][$i]['inflight']")" 0 "GPU $i: nothing in flight when idle"
	i=$((i + 1))
done < <(nvidia-smi --query-gpu=name,memory.total --format=csv,noheader)

# Keep the GPU busy (4 in flight), then sample until one sample shows work.
"$SIM" exec g -- "$GUEST" --name g --op vadd --n 4194304 --requests 3000 --same-slice --inflight 4 \
	>"$tmp/g" 2>&1 &
gpid=$!
busy=0
for s in $(seq 100); do
	"$VGPUCTL" --json stats >"$tmp/busy.json" 2>/dev/null || continue
	n=$(jv "$tmp/busy.json" 'sum(g["inflight"] for g in j["gpus"])')
	top=$(jv "$tmp/busy.json" 'j["inflight"]')
	[ "$n" -gt 0 ] && { busy=$n; break; }
	sleep 0.05
done
ok "under load a sample shows work in flight on the GPU ($busy)" test "$busy" -gt 0
ok "no more in flight on the GPUs ($busy) than the executor has ($top) and its 4 slots" \
	test "$busy" -le "$top" -a "$busy" -le 4
wait $gpid
is "$(grep -c '^REQ .* ok=1' "$tmp/g")" 3000 "the guest's 3000 requests all succeeded (results checked by the guest)"
# What the guest sees: vgpufront info against nvidia-smi and the driver.
"$SIM" exec g -- "$VGPUFRONT" info --json >"$tmp/info.json"
is "$(jv "$tmp/info.json" 'j["executor"] + " " + j["path"]')" "cuda dma" "vgpufront info: executor cuda, path dma"
is "$(jv "$tmp/info.json" 'len(j["gpus"])')" "$smi_n" "vgpufront info: one entry per GPU"
IFS=, read -r name cc <<<"$(nvidia-smi --query-gpu=name,compute_cap --format=csv,noheader | head -1)"
is "$(jv "$tmp/info.json" 'j["gpus"][0]["name"]')" "$name" "vgpufront info: the GPU's name"
is "$(jv "$tmp/info.json" 'j["gpus"][0]["compute_capability"]')" "${cc# }" \
	"vgpufront info: the compute capability nvidia-smi gives"
is "$(jv "$tmp/info.json" 'j["gpus"][0]["mem_total"]')" "$(jv "$tmp/idle.json" 'j["gpus"][0]["mem_total"]')" \
	"vgpufront info: memory total as vgpuctl stats says"
drv=$(nvidia-smi --query-gpu=driver_version --format=csv,noheader | head -1)
is "$(jv "$tmp/info.json" 'j["driver_version"]')" "$drv" "vgpufront info: the host driver version"
is "$(jv "$tmp/info.json" 'j["pool"] + "/" + j["priority"]')" "A/high" "vgpufront info: this device's pool and priority"
"$SIM" exec g -- "$VGPUFRONT" info >"$tmp/info.txt"
echo "# $(tr '\n' '|' <"$tmp/info.txt")"
"$VGPUCTL" stats >"$tmp/stats.txt"
like "$(cat "$tmp/stats.txt")" "$(nvidia-smi --query-gpu=name --format=csv,noheader | head -1)" \
	"the stats table names the GPU"
done_testing

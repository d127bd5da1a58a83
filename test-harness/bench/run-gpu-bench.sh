#!/bin/bash
# run-gpu-bench.sh: xen-vgpu against native CUDA on the same GPU, in one run.
#
#   test-harness/bench/run-gpu-bench.sh BINDIR
#
# BINDIR holds vgpu-sim, vgpuback, vgpuctl, vgpufront, vgpu-guest, native_bench
# (and lib/ with their shared libraries).  The xen-vgpu path is the whole one:
# separate guest processes on simxen -> ring -> vgpuback -> CUDA executor.
# Prints one table; its raw lines go to $OUT (or /tmp) as bench-raw.txt.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/gpu-tree.sh"
gpu_tree "${1:?BINDIR}"
bin=$(cd "$1" && pwd)
raw=${OUT:-/tmp}/bench-raw.txt
: >"$raw"
out=$(mktemp -d)	# each guest's lines
. "$here/../scenarios/simhost.sh"
trap 'simhost_stop; rm -rf "$out"' EXIT

nvidia-smi --query-gpu=name,driver_version --format=csv,noheader | tee -a "$raw"
"$bin/native_bench" | tee -a "$raw" || exit 1

# Seven guests of 16M floats pass the host-wide page default (vgpuback(8)).
simhost_start --executor "${VGPU_BENCH_EXECUTOR:-cuda}" --slots 8 \
	--max-buffer-pages 262144 --max-host-buffer-pages 1048576 || exit 1
grep -E "cuda|executor" "$SIMXEN_DIR/vgpuback.log" | tee -a "$raw"
for i in 1 2 3 4 5 6 7; do simhost_guest "g$i" A high >/dev/null; done

# Median and p99 of a guest's round trips (done - submit), from its REQ
# lines, and the medians of what vgpuback saw: queued and executing.
stats() { # file -> "median_us p99_us ok_count queue_median_us exec_median_us"
	local rt q e
	rt=$(grep '^REQ' "$1" | sed 's/.*submit_ns=\([0-9]*\) done_ns=\([0-9]*\).* ok=\([01]\)/\1 \2 \3/' |
		awk '{ print ($2 - $1) / 1000, $3 }' | sort -n |
		awk '{ v[NR] = $1; ok += $2 } END { printf "%.2f %.2f %d\n", v[int(NR / 2) + 1], v[int(NR * 0.99)], ok }')
	q=$(sed -n 's/^REQ .* queue_ns=\([0-9]*\) .*/\1/p' "$1" | sort -n | awk '{ v[NR] = $1 } END { printf "%.2f", v[int(NR / 2) + 1] / 1000 }')
	e=$(sed -n 's/^REQ .* exec_ns=\([0-9]*\) .*/\1/p' "$1" | sort -n | awk '{ v[NR] = $1 } END { printf "%.2f", v[int(NR / 2) + 1] / 1000 }')
	echo "$rt $q $e"
}

"$SIM" exec g1 -- "$VGPUFRONT" ping --count 20 >/dev/null
"$SIM" exec g1 -- "$VGPUFRONT" ping --count 5000 | tee -a "$raw"
for spec in "1024 2000" "65536 1000" "1048576 200" "16777216 40"; do
	set -- $spec
	timeout 120 "$SIM" exec g1 -- "$GUEST" --name g1 --op vadd --n "$1" --requests "$(( $2 + 10 ))" \
		--inflight 1 --same-slice >"$out/vgpu-$1.txt" 2>&1
	# Drop the 10 warm-up requests.
	grep '^REQ' "$out/vgpu-$1.txt" | awk -F'idx=' '{ split($2, a, " "); if (a[1] >= 10) print }' >"$out/vgpu-$1.req"
	echo "VGPU name=vadd n=$1 $(stats "$out/vgpu-$1.req")" | tee -a "$raw"
done

# Protocol 2: one guest's copies to and from its own device memory
# (vgpufront mem: medians of 200 rounds, every byte checked each round).
for n in 4096 1048576 67108864; do
	m=$(timeout 120 "$SIM" exec g1 -- "$VGPUFRONT" mem --n $n --repeat 200 --json)
	echo "VGPUMEM n=$n $(jq -r '"htod_gbps=\(.htod_gbps) dtoh_gbps=\(.dtoh_gbps) dtod_gbps=\(.dtod_gbps) verified=\(.verified)"' <<<"$m")" |
		tee -a "$raw"
done

# Seven guests at once, 1M floats each, 2 in flight per guest.
pids=()
for i in 1 2 3 4 5 6 7; do
	timeout 120 "$SIM" exec "g$i" -- "$GUEST" --name "g$i" --op vadd --n 1048576 --requests 60 \
		--inflight 2 --same-slice >"$out/seven-$i.txt" 2>&1 &
	pids+=($!)
done
wait "${pids[@]}"
cat "$out"/seven-*.txt | grep '^REQ' | awk '
	{ for (i = 2; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
	  if (!t0 || f["submit_ns"] < t0) t0 = f["submit_ns"]; if (f["done_ns"] > t1) t1 = f["done_ns"]; n++; ok += f["ok"] }
	END { printf "SEVEN requests=%d ok=%d seconds=%.3f gbps=%.2f\n", n, ok, (t1 - t0) / 1e9, n * 3 * 4 * 1048576 / ((t1 - t0)) }' | tee -a "$raw"
"$VGPUCTL" stats | tee -a "$raw"

# The spins' part: vgpuback's busy poll of the executor (--busy-poll-us) and
# libvgpufront's watch of the ring (VGPUFRONT_SPIN_US), off, then long.
spin_variant() { # label busy_poll_us spin_us
	local n
	simhost_backend_restart --executor "${VGPU_BENCH_EXECUTOR:-cuda}" --slots 8 --busy-poll-us "$2" || return
	export VGPUFRONT_SPIN_US=$3
	for n in 1024 1048576; do
		timeout 120 "$SIM" exec g1 -- "$GUEST" --name g1 --op vadd --n $n --requests 1010 \
			--inflight 1 --same-slice >"$out/$1-$n.txt" 2>&1
		grep '^REQ' "$out/$1-$n.txt" | awk -F'idx=' '{ split($2, a, " "); if (a[1] >= 10) print }' >"$out/$1-$n.req"
		echo "SPIN label=$1 busy_poll_us=$2 spin_us=$3 n=$n $(stats "$out/$1-$n.req")" | tee -a "$raw"
	done
	unset VGPUFRONT_SPIN_US
}
spin_variant off 0 -1
spin_variant long 5000 5000

# Two GPUs (where there are): the same seven guests pinned to GPU 0, then free.
seven() { # label
	local pids=() i
	for i in 1 2 3 4 5 6 7; do
		timeout 120 "$SIM" exec "g$i" -- "$GUEST" --name "g$i" --op vadd --n 16777216 \
			--requests 12 --inflight 2 --same-slice >"$out/two-$i.txt" 2>&1 &
		pids+=($!)
	done
	wait "${pids[@]}"
	cat "$out"/two-*.txt | grep '^REQ' | awk -v label="$1" '
		{ for (i = 2; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
		  if (!t0 || f["submit_ns"] < t0) t0 = f["submit_ns"]; if (f["done_ns"] > t1) t1 = f["done_ns"]; n++; ok += f["ok"] }
		END { printf "GPUS label=%s requests=%d ok=%d gbps=%.2f\n", label, n, ok, n * 3 * 4 * 16777216 / (t1 - t0) }'
}
if [ "$(nvidia-smi -L | grep -c '^GPU')" -ge 2 ]; then
	simhost_backend_restart --executor cuda --slots 8 --pool-gpu A=0 && sleep 1 && seven one | tee -a "$raw"
	simhost_backend_restart --executor cuda --slots 8 && sleep 1 && seven two | tee -a "$raw"
	awk '/^GPUS label=one/ { split($5, a, "="); one = a[2] } /^GPUS label=two/ { split($5, a, "="); two = a[2] }
		END { printf "TWO_GPUS one=%.2f two=%.2f ratio=%.2f\n", one, two, two / one }' "$raw" | tee -a "$raw"
fi
# The process model (vgpuback(8), WORKERS): a worker per guest (default),
# one shared worker for the pool (--shared-worker-pools A), and the work in
# vgpuback itself (--workers no): one guest's round trips, seven guests'
# throughput at 1M and 16M floats.
seven_n() { # label n requests
	local pids=() i
	for i in 1 2 3 4 5 6 7; do
		timeout 120 "$SIM" exec "g$i" -- "$GUEST" --name "g$i" --op vadd --n "$2" \
			--requests "$3" --inflight 2 --same-slice >"$out/m-$i.txt" 2>&1 &
		pids+=($!)
	done
	wait "${pids[@]}"
	cat "$out"/m-*.txt | grep '^REQ' | awk -v label="$1" -v n="$2" '
		{ for (i = 2; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
		  if (!t0 || f["submit_ns"] < t0) t0 = f["submit_ns"]; if (f["done_ns"] > t1) t1 = f["done_ns"]; r++; ok += f["ok"] }
		END { printf "MODEL7 label=%s n=%d requests=%d ok=%d gbps=%.2f\n", label, n, r, ok, r * 3 * 4 * n / (t1 - t0) }'
}
model() { # label options...
	local label=$1 n
	shift
	simhost_backend_restart --executor cuda --slots 8 --max-buffer-pages 262144 \
		--max-host-buffer-pages 1048576 "$@" || return
	"$SIM" exec g1 -- "$VGPUFRONT" ping --count 20 >/dev/null
	echo "MODELPING label=$label $("$SIM" exec g1 -- "$VGPUFRONT" ping --count 2000 | grep 'pings: median')" |
		tee -a "$raw"
	for n in 1024 1048576; do
		timeout 120 "$SIM" exec g1 -- "$GUEST" --name g1 --op vadd --n $n --requests 1010 \
			--inflight 1 --same-slice >"$out/model-$n.txt" 2>&1
		grep '^REQ' "$out/model-$n.txt" | awk -F'idx=' '{ split($2, a, " "); if (a[1] >= 10) print }' >"$out/model-$n.req"
		echo "MODEL label=$label n=$n $(stats "$out/model-$n.req")" | tee -a "$raw"
	done
	seven_n "$label" 1048576 60 | tee -a "$raw"
	seven_n "$label" 16777216 12 | tee -a "$raw"
}
# Not in a pipeline: the vgpuback it starts would hold the pipe open.
model per-guest
model shared-pool --shared-worker-pools A
model in-process --workers no
simhost_backend_restart --executor cuda --slots 8 >/dev/null

# One native process at the same size, as many requests back to back.
grep 'NATIVE name=vadd n=1048576' "$raw" | sed 's/NATIVE/ONE_NATIVE/' >>"$raw"

# Launches: the built-in PTX natively (driver API) and from guest g1.
if [ -x "$bin/native_launch" ] && [ -x "$bin/vgpu-launch" ]; then
	"$bin/native_launch" "$here/../../frontend/kernels/vgpu_kernels.ptx" | tee -a "$raw"
	timeout 300 "$SIM" exec g1 -- "$bin/vgpu-launch" | tee -a "$raw"
	# Seven guests at once, each 10 SGEMMs of 4096 (vgpufront matmul, its
	# own module and memory): the whole loop's wall time, all seven's flops.
	t0=$(date +%s%N)
	mmpids=()
	for i in 1 2 3 4 5 6 7; do
		timeout 300 "$SIM" exec "g$i" -- "$VGPUFRONT" matmul --n 4096 --repeat 10 --json \
			>"$out/mm$i.json" 2>"$out/mm$i.err" &
		mmpids+=($!)
	done
	wait "${mmpids[@]}"	# not a bare wait: vgpu-sim and vgpuback are this shell's too
	t1=$(date +%s%N)
	ok=$(cat "$out"/mm*.json | jq -s '[.[] | select(.gflops != null)] | length' 2>/dev/null)
	echo "SEVENMM n=4096 repeat=10 wall_ms=$(( (t1 - t0) / 1000000 )) ok=${ok:-0}" | tee -a "$raw"
fi

echo
echo "xen-vgpu vs native CUDA, same GPU, same run ($(head -1 "$raw"))"
awk '
/^NATIVE name=launch_sync/ { for (i = 2; i <= NF; i++) { split($i, kv, "="); ls[kv[1]] = kv[2] } }
/^NATIVE name=vadd/ { for (i = 2; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] } nm[f["n"]] = f["median_us"]; np[f["n"]] = f["p99_us"] }
/^VGPU name=vadd/ { split($3, a, "="); vm[a[2]] = $4; vp[a[2]] = $5; vok[a[2]] = $6; vq[a[2]] = $7; ve[a[2]] = $8 }
/^SPIN / { for (i = 2; i <= NF; i++) if (split($i, kv, "=") == 2) g[kv[1]] = kv[2]
	sp[++nsp] = sprintf("  %-5s %8s %8s %9s %9.1f %9.1f %9.1f %9.1f", g["label"], g["busy_poll_us"], g["spin_us"], g["n"], $6, $7, $10, $6 - $9 - $10) }
/^[0-9]+ pings: median/ { pm = $4; pp = $7 }
/^SEVEN/ { for (i = 2; i <= NF; i++) { split($i, kv, "="); s[kv[1]] = kv[2] } }
END {
	printf "%-22s %12s %12s %10s %10s %8s\n", "measure", "native", "xen-vgpu", "nat GB/s", "vgpu GB/s", "ratio"
	split("1024 65536 1048576 16777216", ns, " ")
	for (k = 1; k <= 4; k++) { n = ns[k]; b = 3 * 4 * n
		printf "%-22s %10.1fus %10.1fus %10.2f %10.2f %8.2f\n", "vadd " n " (median)", nm[n], vm[n], b / nm[n] / 1e3, b / vm[n] / 1e3, nm[n] / vm[n] }
	printf "%-22s %10.1fus %10.1fus %10s %10s %+7.1fus\n", "vadd 1024 (p99)", np[1024], vp[1024], "", "", vp[1024] - np[1024]
	printf "%-22s %10.1fus %10.1fus %10s %10s %+7.1fus\n", "nop vs launch+sync", ls["median_us"], pm, "", "", pm - ls["median_us"]
	printf "%-22s %10.1fus %10.1fus %10s %10s %+7.1fus\n", "nop p99 vs launch p99", ls["p99_us"], pp, "", "", pp - ls["p99_us"]
	one = 3 * 4 * 1048576 / nm[1048576] / 1e3
	printf "%-22s %10s %10s %10.2f %10.2f %8.2f\n", "7 guests x 1M vadd", "1 process", "7 guests", one, s["gbps"], s["gbps"] / one
	printf "(results checked by every guest: small %s/%s, seven guests %s/%s right)\n", vok[1024], 2000, s["ok"], s["requests"]
	printf "where the xen-vgpu time goes (medians, us): n, round trip, queued in vgpuback, executing (dispatch to completion seen), the rest (ring, event channels, guest)\n"
	for (k = 1; k <= 4; k++) { n = ns[k]; printf "  %-10s %10.1f %8.1f %10.1f %8.1f\n", n, vm[n], vq[n], ve[n], vm[n] - vq[n] - ve[n] }
	printf "the spins (default: vgpuback --busy-poll-us 500, VGPUFRONT_SPIN_US 200), medians in us:\n"
	printf "  %-5s %8s %8s %9s %9s %9s %9s %9s\n", "spins", "poll_us", "spin_us", "n", "round", "p99", "exec", "rest"
	for (i = 1; i <= nsp; i++) print sp[i]
}' "$raw"
echo
echo "the process model (vgpuback(8), WORKERS), same run: medians in us, seven guests in GB/s"
awk '
/^MODELPING/ { split($2, a, "="); pm[a[2]] = $6 }
/^MODEL label/ { split($2, a, "="); split($3, b, "="); md[a[2] "," b[2]] = $4 }
/^MODEL7/ { for (i = 2; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
	g[f["label"] "," f["n"]] = f["gbps"]; ok[f["label"]] += f["ok"]; rq[f["label"]] += f["requests"] }
END {
	printf "  %-12s %8s %10s %10s %12s %12s %8s\n", "model", "nop", "vadd 1K", "vadd 1M", "7x1M GB/s", "7x16M GB/s", "right"
	split("per-guest shared-pool in-process", m, " ")
	for (k = 1; k <= 3; k++) { l = m[k]
		printf "  %-12s %8.1f %10.1f %10.1f %12.2f %12.2f %4d/%d\n", l, pm[l], md[l ",1024"], md[l ",1048576"], g[l ",1048576"], g[l ",16777216"], ok[l], rq[l] }
}' "$raw"
echo
echo "protocol 2, one guest's device memory copies vs native cudaMemcpyAsync + sync (pinned), GB/s of medians"
awk '
/^NATIVE name=(htod|dtoh)/ { for (i = 2; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] } nat[f["name"] "," f["n"]] = f["gbps"] }
/^VGPUMEM/ { for (i = 2; i <= NF; i++) { split($i, kv, "="); g[kv[1]] = kv[2] }
	n = g["n"]; vh[n] = g["htod_gbps"]; vd[n] = g["dtoh_gbps"]; vv[n] = g["verified"]; ns[++k] = n }
END {
	printf "  %-10s %10s %10s %7s %10s %10s %7s %9s\n", "bytes", "nat htod", "vgpu htod", "ratio", "nat dtoh", "vgpu dtoh", "ratio", "verified"
	for (i = 1; i <= k; i++) { n = ns[i]
		printf "  %-10s %10.2f %10.2f %7.2f %10.2f %10.2f %7.2f %9s\n", n, nat["htod," n], vh[n], vh[n] / nat["htod," n], nat["dtoh," n], vd[n], vd[n] / nat["dtoh," n], vv[n] }
}' "$raw"

echo
echo "protocol 2, launches of the built-in PTX: native (driver API, one process) and one guest, medians"
awk '
/^(NATIVE|GUEST) name=(launch_rt|launch_10k|sgemm)/ {
	for (i = 2; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
	t[$1 "," f["name"]] = f["median_us"] }
/^SEVENMM/ { for (i = 2; i <= NF; i++) { split($i, kv, "="); mm[kv[1]] = kv[2] } }
END {
	if (!t["GUEST,launch_rt"]) { print "  (not run: no native_launch or vgpu-launch)"; exit }
	printf "  %-34s %12s %12s %12s\n", "measure", "native", "guest", "guest/native"
	printf "  %-34s %10.1fus %10.1fus %+10.1fus\n", "empty kernel, launch + wait", t["NATIVE,launch_rt"], t["GUEST,launch_rt"], t["GUEST,launch_rt"] - t["NATIVE,launch_rt"]
	n = 1e4 / (t["NATIVE,launch_10k"] / 1e6); g = 1e4 / (t["GUEST,launch_10k"] / 1e6)
	printf "  %-34s %10.0f/s %10.0f/s %12.2f\n", "10,000 launches queued, launches/s", n, g, g / n
	printf "  %-34s %10.2fms %10.2fms %12.2f\n", "SGEMM 4096 (vgpu_matmul), speed", t["NATIVE,sgemm"] / 1e3, t["GUEST,sgemm"] / 1e3, t["NATIVE,sgemm"] / t["GUEST,sgemm"]
	if (mm["wall_ms"]) {	/* 70 SGEMMs: one native process back to back vs seven guests */
		flop = 70 * 2 * 4096 ^ 3
		printf "  %-34s %8.0fGF/s %8.0fGF/s %12.2f  (%d/7 guests done; wall incl. set-up)\n", "7 guests x 10 SGEMM 4096, total", flop / (70 * t["NATIVE,sgemm"]) / 1e3, flop / mm["wall_ms"] / 1e6, (70 * t["NATIVE,sgemm"] / 1e3) / mm["wall_ms"], mm["ok"]
	}
}' "$raw"

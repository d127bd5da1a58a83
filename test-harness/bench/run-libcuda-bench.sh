#!/bin/bash
# run-libcuda-bench.sh: unmodified CUDA programs natively and in a guest on
# libcuda-vgpu(7), the same binaries, same GPU, same run.
#
#   test-harness/bench/run-libcuda-bench.sh BINDIR
#
# BINDIR as for run-gpu-bench.sh, with libcuda.so.1, cuda-launch-bench and
# samples/ (make-carry.sh).  The guest runs under nogpu (no /dev/nvidia*,
# no real libcuda).  Prints one table; raw lines go to $OUT/libcuda-raw.txt.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/gpu-tree.sh"
gpu_tree "${1:?BINDIR}"
bin=$(cd "$1" && pwd)
[ -f "$bin/libcuda.so.1" ] || { echo "run-libcuda-bench: no libcuda.so.1 in $bin" >&2; exit 1; }
raw=${OUT:-/tmp}/libcuda-raw.txt
: >"$raw"
. "$here/../scenarios/simhost.sh"
trap 'simhost_stop' EXIT
nogpu=$here/../lib/nogpu
simhost_start --executor cuda --slots 16 --mem-quota $((16 << 30)) \
	--max-buffer-pages 262144 --max-host-buffer-pages 1048576 || exit 1
simhost_guest g1 A high >/dev/null
# where PROG ARGS...: natively (label NATIVE), then in guest g1 (GUEST).
both() {
	local tag=$1
	shift
	"$@" 2>&1 | sed "s/^/NATIVE $tag /" | tee -a "$raw"
	timeout 300 "$SIM" exec g1 -- "$nogpu" env LD_LIBRARY_PATH="$bin${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" \
		"$@" 2>&1 | grep -v '^vgpu-cuda' | sed "s/^/GUEST $tag /" | tee -a "$raw"
}
both launch "$bin/cuda-launch-bench" 10000 9
both vadd1m "$bin/samples/vadd" --n 1048576 --time 50
both vadd16m "$bin/samples/vadd" --n 16777216 --time 20
both mm4096 "$bin/samples/matmul" --n 4096 --time 5
echo
echo "unmodified CUDA programs (plain nvcc, static cudart): native vs guest libcuda.so.1, same binary, medians"
awk '
{ who = $1; tag = $2
  for (i = 3; i <= NF; i++) if (split($i, kv, "=") == 2) v[who "," tag "," kv[1]] = kv[2] }
/ PASS$/ { pass[$1 "," $2] = 1 }
END {
	printf "  %-34s %12s %12s %10s\n", "measure", "native", "guest", "ratio"
	q = "us_per_launch"
	printf "  %-34s %10.2fus %10.2fus %10.2f\n", "10,000 empty launches, per launch", v["NATIVE,launch," q], v["GUEST,launch," q], v["NATIVE,launch," q] / v["GUEST,launch," q]
	printf "  %-34s %10.2fus %10.2fus %+9.1fus\n", "one empty launch + sync", v["NATIVE,launch,us"], v["GUEST,launch,us"], v["GUEST,launch,us"] - v["NATIVE,launch,us"]
	split("vadd1m vadd16m mm4096", t, " ")
	split("vector add 1M (copies + kernel)|vector add 16M (copies + kernel)|matmul 4096 (copies + kernel)", d, "|")
	for (k = 1; k <= 3; k++)
		printf "  %-34s %10.2fms %10.2fms %10.2f  %s\n", d[k], v["NATIVE," t[k] ",median_ms"], v["GUEST," t[k] ",median_ms"],
			v["NATIVE," t[k] ",median_ms"] / v["GUEST," t[k] ",median_ms"],
			(pass["NATIVE," t[k]] && pass["GUEST," t[k]]) ? "both PASS" : "NOT BOTH PASS"
}' "$raw"

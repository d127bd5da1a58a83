#!/bin/bash
# Per-domain resource limits: a guest that keeps more than --max-inflight
# requests outstanding gets VGPU_EBUSY for the excess (on one device or
# summed over its devices) and right answers for the rest; buffers beyond
# --max-buffers per device or --max-buffer-pages per domain get VGPU_ENOMEM
# while the earlier ones keep working, and freeing makes room again; another
# guest, running beside one at its limits, is served in full; at the end
# vgpuback holds nothing.  Every expected count comes from the limits below.
. "$top_srcdir/test-harness/lib/tap.sh"
export VGPU_BUILDDIR=$top_builddir
. "$top_srcdir/test-harness/scenarios/simhost.sh"
BUFS=$top_builddir/test-harness/scenarios/vgpu-bufs
tmp=$(mktemp -d)
trap 'touch "$tmp/release" "$tmp/go" "$tmp/go2"; simhost_stop; rm -rf "$tmp"' EXIT

M=8		# --max-inflight: requests in flight per domain
P=64		# --max-buffer-pages: registered pages per domain
B=4		# --max-buffers: registered buffers per device
D=200000	# --cpu-delay-us: one slot, so requests pile up behind the first
EBUSY=-7
ENOMEM=-6

simhost_start --executor cpu --slots 1 --cpu-delay-us $D \
	--max-inflight $M --max-buffer-pages $P --max-buffers $B ||
	{ echo "Bail out! no host"; exit 1; }
g1=$(simhost_guest g1 A high)
"$VGPUCTL" attach g1 pool=A,prio=high >/dev/null	# devid 1
"$VGPUCTL" attach g1 pool=A,prio=high >/dev/null	# devid 2
g2=$(simhost_guest g2 B low)
is "$("$VGPUCTL" list g1 | awk 'NR > 1 { print $3 }' | tr '\n' ' ')" "0 1 2 " \
	"guest g1 (domain $g1) has three vgpu devices"

# stats FILE: one snapshot of vgpuctl --json stats.
# field FILE DOMID NAME: NAME summed over the domain's devices in that snapshot.
stats() { "$VGPUCTL" --json stats >"$1"; }
field() {
	tr '{' '\n' <"$1" | sed -n "s/^\"domid\":$2,.*\"$3\":\([0-9]*\).*/\1/p" |
		awk '{ s += $1 } END { print s + 0 }'
}
# Wait (bounded) until FILE has a line matching RE.
wait_line() {
	local i
	for i in $(seq 600); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.05; done
	return 1
}
# Status of request IDX in a vgpu-guest report.
statuses() { sed -n 's/^REQ .* idx=\([0-9]*\) .* status=\(-*[0-9]*\) ok=\([01]\)$/\1 \2 \3/p' "$1"; }

info=$("$SIM" exec g2 -- "$VGPUFRONT" info 2>&1)
like "$info" "max inflight: +$M per domain" "the backend advertises max-inflight $M"
like "$info" "max buffers: +$P pages per domain" "the backend advertises max-buffer-pages $P"
ring=$(printf '%s\n' "$info" | sed -n 's/^ring size: *\([0-9]*\).*/\1/p')

# --- 1. one device, K > M requests outstanding at once
K=$((M + M / 2))
ok "the ring ($ring slots) holds all $K requests, so only the limit can refuse them" \
	test "${ring:-0}" -ge "$K"
"$SIM" exec g1 -- "$GUEST" --name g1 --device 0 --op add --requests $K --inflight $K \
	>"$tmp/burst" 2>&1
statuses "$tmp/burst" >"$tmp/burst.st"
is "$(wc -l <"$tmp/burst.st")" "$K" "burst: all $K requests answered"
is "$(awk -v m=$M '$1 < m && $2 == 0 && $3 == 1' "$tmp/burst.st" | wc -l)" "$M" \
	"burst: the first $M (max-inflight) are served and their sums are right"
is "$(awk -v m=$M -v e=$EBUSY '$1 >= m && $2 == e' "$tmp/burst.st" | wc -l)" "$((K - M))" \
	"burst: the $((K - M)) beyond max-inflight get VGPU_EBUSY ($EBUSY)"

# --- 2. the limit is per domain: two devices of g1, K2 each, K2 < M < 2*K2
K2=$((M / 2 + 2))
stats "$tmp/s0"
sub0=$(field "$tmp/s0" "$g1" submitted)
com0=$(field "$tmp/s0" "$g1" completed)
fail0=$(field "$tmp/s0" "$g1" failed)
twopids=()
for dev in 0 1; do
	"$SIM" exec g1 -- "$GUEST" --name g1d$dev --device $dev --op add --requests $K2 \
		--inflight $K2 --go-file "$tmp/go" >"$tmp/two$dev" 2>&1 &
	twopids+=($!)
done
wait_line "$tmp/two0" '^READY' && wait_line "$tmp/two1" '^READY'
ok "both devices of g1 connected" test $? -eq 0
touch "$tmp/go"
simhost_wait_submitted "$g1" $((sub0 + 2 * K2))
ok "vgpuback took all $((2 * K2)) requests from g1's two rings" test $? -eq 0
stats "$tmp/s1"
inf1=$(field "$tmp/s1" "$g1" inflight)
com1=$(field "$tmp/s1" "$g1" completed)
fail1=$(field "$tmp/s1" "$g1" failed)
is "$((inf1 + com1 - com0))" "$M" \
	"per domain: in flight plus already done is max-inflight ($M) over both devices"
is "$((fail1 - fail0))" "$((2 * K2 - M))" "per domain: the other $((2 * K2 - M)) were refused at once"
wait "${twopids[@]}"
cat "$tmp/two0" "$tmp/two1" >"$tmp/two"
statuses "$tmp/two" >"$tmp/two.st"
is "$(awk '$2 == 0 && $3 == 1' "$tmp/two.st" | wc -l)" "$M" \
	"two devices: $M served with right sums in all"
is "$(awk -v e=$EBUSY '$2 == e' "$tmp/two.st" | wc -l)" "$((2 * K2 - M))" \
	"two devices: $((2 * K2 - M)) got VGPU_EBUSY"
is "$(wc -l <"$tmp/two.st")" "$((2 * K2))" "two devices: nothing else, nothing lost"

# --- 3. buffers: walk g1 (devices 0 and 1) to both limits
S=$((P / 4))
R=$((P - 3 * S - 1))
steps=(open:0 alloc:$S alloc:$S alloc:$S alloc:$R alloc:1
	open:1 alloc:2 alloc:1 alloc:1 vadd:0,1,2
	free:3 alloc:$R alloc:1 free:8 alloc:1 alloc:1 alloc:1 alloc:1)
# The model: what the limits say each step must answer.
model() {
	local cur=0 used=0 i=0 s p j why
	local -a nb=() pg=() dv=()
	for s in "${steps[@]}"; do
		case $s in
		open:*)
			cur=${s#open:}
			echo "OPEN dev=$cur status=0|open device $cur" ;;
		alloc:*)
			p=${s#alloc:}
			if [ "${nb[$cur]:-0}" -ge "$B" ]; then
				why="refused: device $cur already has max-buffers ($B)"
				echo "ALLOC buf=$i dev=$cur pages=$p status=$ENOMEM|$why"
			elif [ $((used + p)) -gt "$P" ]; then
				why="refused: domain would hold $((used + p)) > $P pages"
				echo "ALLOC buf=$i dev=$cur pages=$p status=$ENOMEM|$why"
			else
				used=$((used + p))
				nb[cur]=$((${nb[$cur]:-0} + 1))
				pg[i]=$p
				dv[i]=$cur
				echo "ALLOC buf=$i dev=$cur pages=$p status=0|registered: domain holds $used of $P pages, device $cur ${nb[$cur]} of $B buffers"
			fi
			i=$((i + 1)) ;;
		free:*)
			j=${s#free:}
			used=$((used - pg[j]))
			nb[dv[j]]=$((nb[dv[j]] - 1))
			echo "FREE buf=$j status=0|freed: domain holds $used pages" ;;
		vadd:*)
			echo "VADD bufs=${s#vadd:} n=$((S * 4096 / 4)) status=0 ok=1|earlier buffers still work: vadd verified" ;;
		hold:*)
			echo "HOLD|holding $used pages" ;;
		esac
	done
	echo "$used" >"$tmp/model.used"
	echo "$(( ${nb[0]:-0} + ${nb[1]:-0} ))" >"$tmp/model.nbufs"
}
# Then fill the domain's pages on device 0, check the first buffers again, hold.
model >/dev/null
steps+=(open:0 alloc:$((P - $(cat "$tmp/model.used"))) vadd:0,1,2 hold:"$tmp/release")
model >"$tmp/model"
is "$(cat "$tmp/model.used")" "$P" "model: g1 ends holding max-buffer-pages ($P)"
refusals=$(grep -c "status=$ENOMEM" "$tmp/model")
nc=$(grep -c 'already has max-buffers' "$tmp/model")
np=$(grep -c "> $P pages" "$tmp/model")
nf=$(grep -c "holds $P of $P pages" "$tmp/model")
ok "the steps reach each limit twice and fill exactly $P pages 3 times (model: $nc, $np, $nf)" \
	test "$nc" -ge 2 -a "$np" -ge 2 -a "$nf" -ge 3
"$SIM" exec g1 -- "$BUFS" "${steps[@]}" >"$tmp/bufs" 2>"$tmp/bufs.err" &
bpid=$!
wait_line "$tmp/bufs" '^HOLD'
ok "g1 walked through ${#steps[@]} buffer steps and holds its buffers" test $? -eq 0
n=0
while IFS='|' read -r want why; do
	n=$((n + 1))
	got=$(sed -n "${n}p" "$tmp/bufs")
	is "$got" "$want" "buffers step $n: $why"
done <"$tmp/model"
is "$(grep -c "status=$ENOMEM" "$tmp/bufs")" "$refusals" "buffers: exactly $refusals VGPU_ENOMEM ($ENOMEM)"
stats "$tmp/s2"
is "$(field "$tmp/s2" "$g1" buffer_pages)" "$(cat "$tmp/model.used")" \
	"vgpuback counts g1's registered pages across its devices as the model does"
is "$(field "$tmp/s2" "$g1" buffers)" "$(cat "$tmp/model.nbufs")" "and its buffers"

# --- 4. g2 beside g1 at its limits: g1 holds P pages and bursts K requests
# on its third device; g2 registers 3*M pages and keeps M requests in flight.
"$SIM" exec g1 -- "$GUEST" --name g1 --device 2 --op add --requests $K --inflight $K \
	--go-file "$tmp/go2" >"$tmp/burst2" 2>&1 &
p1=$!
"$SIM" exec g2 -- "$GUEST" --name g2 --op vadd --n 1024 --requests $M --inflight $M \
	--go-file "$tmp/go2" >"$tmp/g2" 2>&1 &
p2=$!
wait_line "$tmp/burst2" '^READY' && wait_line "$tmp/g2" '^READY'
ok "g2 registered $((3 * M)) pages while g1 holds $P: the page limit is g1's alone" test $? -eq 0
stats "$tmp/s3"
sub1=$(field "$tmp/s3" "$g1" submitted)
com1=$(field "$tmp/s3" "$g1" completed)
sub2=$(field "$tmp/s3" "$g2" submitted)
com2=$(field "$tmp/s3" "$g2" completed)
touch "$tmp/go2"
simhost_wait_submitted "$g1" $((sub1 + K)) && simhost_wait_submitted "$g2" $((sub2 + M))
ok "vgpuback took g1's $K and g2's $M requests" test $? -eq 0
stats "$tmp/s4"
is "$(( $(field "$tmp/s4" "$g2" inflight) + $(field "$tmp/s4" "$g2" completed) - com2 ))" "$M" \
	"g2: all $M of its requests were accepted while g1 was at max-inflight"
is "$(( $(field "$tmp/s4" "$g1" inflight) + $(field "$tmp/s4" "$g1" completed) - com1 ))" "$M" \
	"g1: still only max-inflight ($M) accepted"
wait $p2
ok "g2 exits 0" test $? -eq 0
is "$(grep -c '^REQ .* status=0 ok=1$' "$tmp/g2")" "$M" "g2: $M of $M vadds served and verified"
wait $p1
statuses "$tmp/burst2" >"$tmp/burst2.st"
is "$(awk '$2 == 0 && $3 == 1' "$tmp/burst2.st" | wc -l) $(awk -v e=$EBUSY '$2 == e' "$tmp/burst2.st" | wc -l)" \
	"$M $((K - M))" "g1 beside g2: $M served, $((K - M)) VGPU_EBUSY, as alone"
touch "$tmp/release"
wait $bpid
ok "g1 let its buffers go (vgpu-bufs exits 0)" test $? -eq 0 || sed 's/^/# /' "$tmp/bufs.err"

# --- 5. after freeing, g1 may fill its pages again, and not more
N=$(( (P / 3) * 1024 ))
out=$("$SIM" exec g1 -- "$VGPUFRONT" vadd --n $N --verify 2>&1)
like "$out" "verified: all $N" "g1 registers 3 x $((P / 3)) pages again and its vadd verifies"
N2=$(( (P / 3 + 1) * 1024 ))
out=$("$SIM" exec g1 -- "$VGPUFRONT" vadd --n $N2 --verify 2>&1)
rc=$?
ok "3 x $((P / 3 + 1)) pages > $P: vgpufront vadd fails (exit $rc)" test "$rc" -eq 1
like "$out" "limit|ENOMEM|memory" "and says why: $(printf '%s' "$out" | head -1)"

res=$(simhost_wait_idle 100)
is "$res" "$SIMHOST_IDLE" "vgpuback holds no jobs, buffers or mappings at the end"
leak=$(simhost_sim_leaks)
is "$leak" "" "simxen: nothing of the guests left granted or mapped"
ok "vgpuback still runs" kill -0 "$simhost_backend_pid"
done_testing

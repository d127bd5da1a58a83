#!/bin/bash
# vgpufront bench --svg FILE (vgpufront(1)): on a simulated host whose CPU
# executor has two slots and a fixed cost per request, bench sweeps 1, 2,
# 4 ... K requests in flight; its JSON (jq) has a point per depth, the SVG
# is valid (xmllint), and every dot and bar in it carries that same run's
# numbers and sits where they put it on the SVG's own scales; the text table
# of a run agrees with its chart; more in flight than slots waits longer and
# does more; a bad --svg exits as vgpufront(1) says.
. "$top_srcdir/test-harness/lib/tap.sh"
export VGPU_BUILDDIR=$top_builddir
command -v xmllint >/dev/null || skip_all "xmllint missing (Debian: libxml2-utils)"
command -v jq >/dev/null || skip_all "jq missing (test-harness/install-deps.sh installs it)"
. "$top_srcdir/test-harness/scenarios/simhost.sh"
tmp=$(mktemp -d)
trap 'simhost_stop; rm -rf "$tmp"' EXIT

simhost_start --executor cpu --slots 2 --cpu-delay-us 300 ||
	{ echo "Bail out! no host"; exit 1; }
simhost_guest g A high >/dev/null || { echo "Bail out! no guest"; exit 1; }
front() { "$SIM" exec g -- "$VGPUFRONT" "$@"; }
attr() { # FILE ELEMENT-ID ATTRIBUTE
	xmllint --xpath "string(//*[@id='$2']/@$3)" "$1" 2>/dev/null
}
root() { xmllint --xpath "string(/*/@$2)" "$1"; }
# near GOT WANT: equal within the SVG's two decimals
near() { awk -v g="$1" -v w="$2" 'BEGIN { d = g - w; exit !(g != "" && d < 0.011 && d > -0.011) }'; }
# depths K: 1, 2, 4 ... below K, then K, as vgpufront(1) says
depths() { awk -v k="$1" 'BEGIN { for (d = 1; d < k; d *= 2) printf "%d ", d; printf "%d\n", k }'; }

# calc EXPR with awk's numbers (-v pairs before it): one value, 4 decimals
calc() { local e=${*: -1}; awk "${@:1:$#-1}" "BEGIN { printf \"%.4f\", $e }"; }
# point_ok SVG K P50 P99 RPS CX: depth K's dots and bar carry those numbers
# and sit where they put them (y0, pus, prps: check_chart's scales).
point_ok() {
	local svg=$1 k=$2 p50=$3 p99=$4 rps=$5 cx=$6 s bx bw by bh
	for s in p50 p99; do
		local us=$p50
		[ $s = p99 ] && us=$p99
		near "$(attr "$svg" "$s-$k" data-us)" "$us" || return 1
		near "$(attr "$svg" "$s-$k" cx)" "$cx" || return 1
		near "$(attr "$svg" "$s-$k" cy)" "$(calc -v y0="$y0" -v s="$pus" -v v="$us" 'y0 - v * s')" ||
			return 1
	done
	[ "$(attr "$svg" "rps-$k" data-req-per-s)" = "$rps" ] || return 1
	bx=$(attr "$svg" "rps-$k" x) bw=$(attr "$svg" "rps-$k" width)
	by=$(attr "$svg" "rps-$k" y) bh=$(attr "$svg" "rps-$k" height)
	near "$bh" "$(calc -v r="$rps" -v s="$prps" 'r * s')" &&
		near "$(calc -v y="$by" -v h="$bh" 'y + h')" "$y0" &&
		near "$(calc -v x="$bx" -v w="$bw" 'x + w / 2')" "$cx"
}
# check_chart SVG FILE-OF-"K P50 P99 RPS"-LINES: the chart shows those numbers,
# in that order, each dot and bar where they put it; prints how many depths are off.
check_chart() {
	local svg=$1 y0 pus prps band x0 bad=0 i=0 k p50 p99 rps cx
	y0=$(root "$svg" data-y0) pus=$(root "$svg" data-px-per-us)
	prps=$(root "$svg" data-px-per-rps) band=$(root "$svg" data-band) x0=$(root "$svg" data-x0)
	while read -r k p50 p99 rps; do
		cx=$(calc -v x0="$x0" -v b="$band" -v i="$i" 'x0 + b * (i + 0.5)')
		if ! point_ok "$svg" "$k" "$p50" "$p99" "$rps" "$cx"; then
			bad=$((bad + 1))
			echo "# depth $k: want p50 $p50 p99 $p99 rps $rps at x $cx" >&2
		fi
		i=$((i + 1))
	done <"$2"
	echo "$bad"
}

# --- bench --json --svg: the same run's numbers in both
K=6
front bench --seconds 0.2 --inflight $K --json --svg "$tmp/b.svg" >"$tmp/b.json" 2>"$tmp/b.err"
is "$? $(wc -c <"$tmp/b.err")" "0 0" "bench --json --svg: exit 0, nothing on stderr (piped)"
json_ok() { jq -e . "$1" >/dev/null; }
ok "bench --json is valid JSON" json_ok "$tmp/b.json"
is "$(jq -r '[.sweep[].inflight] | join(" ")' "$tmp/b.json")" "$(depths $K)" \
	"bench --inflight $K --svg: the sweep's depths are $(depths $K)"
is "$(jq -r '[.results[].request] | join(",")' "$tmp/b.json")" "nop,vadd_1k" \
	"bench --svg keeps the nop and vadd_1k results"
is "$(jq '[.sweep[] | select(.requests > 0 and .p50_us > 0 and .p50_us <= .p99_us and
	.req_per_s > 0)] | length' "$tmp/b.json")" "$(depths $K | wc -w)" "every depth answered requests, 0 < p50 <= p99, req/s > 0"
ok "the SVG is valid XML" xmllint --noout "$tmp/b.svg"
is "$(root "$tmp/b.svg" data-points) $(xmllint --xpath 'count(//*[@class="p50"])' "$tmp/b.svg")" \
	"$(depths $K | wc -w) $(depths $K | wc -w)" "a point per depth"
jq -r '.sweep[] | "\(.inflight) \(.p50_us) \(.p99_us) \(.req_per_s)"' "$tmp/b.json" >"$tmp/pts"
is "$(check_chart "$tmp/b.svg" "$tmp/pts")" 0 \
	"every dot and bar carries the JSON's p50, p99, req/s and sits where they put it"
awk 'NR == 1 { $2 += 0.5 } { print }' "$tmp/pts" >"$tmp/pts-off"
is "$(check_chart "$tmp/b.svg" "$tmp/pts-off" 2>/dev/null)" 1 "the check catches a dot 0.5 us off"
# The lines go through the dots.
for s in p50 p99; do
	want=$(for k in $(depths $K); do printf '%s,%s ' "$(attr "$tmp/b.svg" "$s-$k" cx)" \
		"$(attr "$tmp/b.svg" "$s-$k" cy)"; done)
	is "$(attr "$tmp/b.svg" "line-$s" points) " "$want" "the $s line goes through its dots in order"
done
is "$(attr "$tmp/b.svg" line-p50 stroke) $(attr "$tmp/b.svg" line-p99 stroke)" \
	"$(attr "$tmp/b.svg" legend-p50 fill) $(attr "$tmp/b.svg" legend-p99 fill)" \
	"p50 and p99 lines in the legend's colours"
# Two slots, a fixed cost: six in flight queue behind the slots and do more.
is "$(jq -r '(.sweep | first) as $a | (.sweep | last) as $b |
	[$b.p50_us > $a.p50_us, $b.req_per_s > $a.req_per_s] | @tsv' "$tmp/b.json")" "true	true" \
	"$K in flight: p50 higher and req/s higher than 1 in flight (2 slots)"

# --- the text table of a run agrees with its chart
front bench --seconds 0.1 --inflight 3 --svg "$tmp/t.svg" >"$tmp/t.txt" 2>&1
is "$?" 0 "bench --svg (text): exit 0"
ok "its SVG is valid XML" xmllint --noout "$tmp/t.svg"
like "$(head -1 "$tmp/t.txt")" '^request ' "the table starts as bench's always has"
awk '/^vadd 1K in flight/ { on = 1; next } on && /^[0-9]+ / { print $1, $2, $3, $4 }' \
	"$tmp/t.txt" >"$tmp/tpts"
is "$(cut -d' ' -f1 "$tmp/tpts" | tr '\n' ' ')" "$(depths 3) " "the text's sweep rows: $(depths 3)"
is "$(check_chart "$tmp/t.svg" "$tmp/tpts")" 0 "the chart shows the text table's numbers"

# --- without --svg: no sweep; bad --svg
front bench --seconds 0.05 --inflight 2 --json >"$tmp/n.json" 2>&1
is "$(jq -c 'has("sweep")' "$tmp/n.json")" false "bench --json without --svg: no sweep"
front bench --seconds 0.05 --svg "$tmp/no/such/dir.svg" >"$tmp/o" 2>"$tmp/e"
is "$? $(wc -l <"$tmp/e") $(wc -c <"$tmp/o")" "1 1 0" \
	"--svg into a missing directory: exit 1, one line"
like "$(cat "$tmp/e")" "bench --svg '$tmp/no/such/dir.svg': No such file" \
	"that line names the file and why"
front ping --svg "$tmp/p.svg" >/dev/null 2>"$tmp/e"
is "$? $(cat "$tmp/e")" "2 vgpufront: ping: --svg does not apply to this command" \
	"ping --svg: exit 2, does not apply"
front bench --svg '' >/dev/null 2>"$tmp/e"
is "$? $(cat "$tmp/e")" "2 vgpufront: --svg '': a file name" "bench --svg '': exit 2"
ok "no chart left where none was asked for" test ! -e "$tmp/p.svg"
done_testing

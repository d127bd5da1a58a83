#!/bin/bash
# vgpu-demo --svg/--png: the picture of the seven VMs.  The generator
# (timeline-svg) on a fixed table with known geometry, then the demo itself:
# one row per VM in the order its table says they ran, every bar where the
# table's milliseconds put it on the SVG's own scale, every running bar in
# its VM's priority colour.  The PNG only where rsvg-convert is present.
. "$top_srcdir/test-harness/lib/tap.sh"
export VGPU_BUILDDIR=$top_builddir
demo=$top_srcdir/test-harness/scenarios/vgpu-demo
gen=$top_srcdir/test-harness/scenarios/timeline-svg
command -v xmllint >/dev/null || skip_all "xmllint missing (Debian: libxml2-utils)"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

attr() { # FILE ELEMENT-ID ATTRIBUTE
	xmllint --xpath "string(//*[@id='$2']/@$3)" "$1" 2>/dev/null
}
# near GOT WANT: equal within the SVG's two decimals
near() { awk -v g="$1" -v w="$2" 'BEGIN { d = g - w; exit !(g != "" && d < 0.011 && d > -0.011) }'; }

# --- the generator alone, on a fixed table ---
cat >"$tmp/table" <<'EOF'
order VM   pool/pri   arrived    submit   started  finished    waited result checked
                             #        ms        ms        ms        ms
1     VM2  B/high           2      20.0     100.0     250.0      80.0 yes
2     VM1  A/low            1      10.0     250.0     400.0     240.0 yes
EOF
"$gen" --title 'fixed <input> & more' "$tmp/table" >"$tmp/fixed.svg"
ok "timeline-svg draws a fixed table" test $? -eq 0
ok "its SVG is valid XML (title escaped)" xmllint --noout "$tmp/fixed.svg"
f=$tmp/fixed.svg
is "$(xmllint --xpath 'string(/*/@data-px-per-ms)' "$f") $(xmllint --xpath 'string(/*/@data-x0)' "$f")" \
	"2.000000 300" "fixed: 800 px for the 400 ms the table spans, plot from x=300"
is "$(attr "$f" row-1 data-vm) $(attr "$f" row-2 data-vm)" "VM2 VM1" "fixed: rows in the table's order"
is "$(attr "$f" wait-VM2 x) $(attr "$f" wait-VM2 width) $(attr "$f" run-VM2 x) $(attr "$f" run-VM2 width)" \
	"340.00 160.00 500.00 300.00" "fixed: VM2 waits 20-100 ms, runs 100-250 ms"
is "$(attr "$f" wait-VM1 x) $(attr "$f" wait-VM1 width) $(attr "$f" run-VM1 x) $(attr "$f" run-VM1 width)" \
	"320.00 480.00 800.00 300.00" "fixed: VM1 waits 10-250 ms, runs 250-400 ms"
is "$(attr "$f" run-VM2 fill) $(attr "$f" run-VM1 fill)" \
	"$(attr "$f" legend-high fill) $(attr "$f" legend-low fill)" "fixed: running bars in the legend's priority colours"
is "$(xmllint --xpath "count(//*[@class='tick'])" "$f")" 9 "fixed: a time axis with ticks every 50 ms, 0 to 400"
like "$(xmllint --xpath "string(//*[@id='row-1']/*[1])" "$f")" '^1\. VM2 · pool B · high · arrival #2$' \
	"fixed: the row's label names VM, pool, priority and arrival"
"$gen" </dev/null >/dev/null 2>"$tmp/err"
is "$? $(wc -l <"$tmp/err")" "1 1" "timeline-svg without table rows: exit 1, one line"

# --- vgpu-demo's options ---
like "$("$demo" --help | tr "\n" " ")" '--svg FILE.*--png FILE' "vgpu-demo --help names --svg and --png"
RSVG_CONVERT=$tmp/none "$demo" --png "$tmp/x.png" >/dev/null 2>"$tmp/err"
is "$? $(wc -l <"$tmp/err")" "2 1" "--png without rsvg-convert: exit 2, one line"
like "$(cat "$tmp/err")" 'librsvg2-bin' "that line names the package"

# --- the demo's own picture ---
pngarg=()
command -v rsvg-convert >/dev/null && pngarg=(--png "$tmp/demo.png")
timeout 120 "$demo" --executor cpu --delay-ms 150 --n 4096 --svg "$tmp/demo.svg" "${pngarg[@]}" \
	>"$tmp/demo.txt" 2>&1
ok "vgpu-demo --svg exits 0" test $? -eq 0 || sed 's/^/# /' "$tmp/demo.txt"
d=$tmp/demo.svg
ok "the demo's SVG is valid XML" xmllint --noout "$d"
# The table's rows: order VM pool/pri arrived submit started finished ...
grep -E '^[0-9]+ +VM[0-9] ' "$tmp/demo.txt" >"$tmp/rows"
is "$(wc -l <"$tmp/rows") $(xmllint --xpath 'count(//*[starts-with(@id, "row-")])' "$d")" "7 7" \
	"seven rows in the table, seven in the picture"
want=$(awk '{ printf "%s ", $2 }' "$tmp/rows")
got=$(for i in 1 2 3 4 5 6 7; do printf '%s ' "$(attr "$d" "row-$i" data-vm)"; done)
is "$got" "$want" "the picture's rows are in the order the table says they ran"
scale=$(xmllint --xpath 'string(/*/@data-px-per-ms)' "$d")
x0=$(xmllint --xpath 'string(/*/@data-x0)' "$d")
# bar_at FILE ID FROM-MS TO-MS: the bar spans FROM..TO on the SVG's own scale
bar_at() {
	local x w
	x=$(awk -v ms="$3" -v s="$scale" -v x0="$x0" 'BEGIN { printf "%.4f", x0 + ms * s }')
	w=$(awk -v a="$3" -v b="$4" -v s="$scale" 'BEGIN { printf "%.4f", (b - a) * s }')
	near "$(attr "$1" "$2" x)" "$x" && near "$(attr "$1" "$2" width)" "$w"
}
geo=0 col=0
while read -r _ vm pp _ sub start fin _; do
	if ! bar_at "$d" "wait-$vm" "$sub" "$start" || ! bar_at "$d" "run-$vm" "$start" "$fin"; then
		geo=$((geo + 1))
		diag "$vm: table $sub $start $fin, bars $(attr "$d" "wait-$vm" x)+$(attr "$d" "wait-$vm" width)" \
			"$(attr "$d" "run-$vm" x)+$(attr "$d" "run-$vm" width) (scale $scale, x0 $x0)"
	fi
	[ "$(attr "$d" "run-$vm" fill)" = "$(attr "$d" "legend-${pp#*/}" fill)" ] ||
		{ col=$((col + 1)); diag "$vm ($pp): fill $(attr "$d" "run-$vm" fill)"; }
done <"$tmp/rows"
is "$geo" 0 "every bar's x and width are the table's submit/started/finished ms on the SVG's scale"
read -r _ vm _ _ _ start fin _ <"$tmp/rows"
is "$(bar_at "$d" "run-$vm" "$(awk -v s="$start" 'BEGIN { print s + 0.1 }')" "$fin"; echo $?)" 1 \
	"the geometry check catches a bar 0.1 ms off"
is "$col" 0 "every running bar has its VM's priority colour from the legend"
is "$(for p in high medium low; do attr "$d" "legend-$p" fill; echo; done | sort -u | grep -c .)" 3 \
	"three distinct priority colours in the legend"
if [ ${#pngarg[@]} -gt 0 ]; then
	is "$(head -c 8 "$tmp/demo.png" | od -An -tx1 | tr -d ' \n')" 89504e470d0a1a0a "--png writes a PNG"
	ok "the PNG is a picture, not a stub (over 10 kB)" test "$(wc -c <"$tmp/demo.png")" -gt 10000
else
	diag "rsvg-convert missing: --png not drawn (Debian: librsvg2-bin)"
fi
done_testing

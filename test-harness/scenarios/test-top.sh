#!/bin/bash
# vgpuctl top (vgpuctl(8)): guests do counted work; batch mode (-b) prints
# plain frames with every device's domain name, pool, priority and done
# count as the guests counted, sorted by the key asked for; bad options exit
# 2; --json (-j; it implies -b) prints a JSON object per frame, one a line,
# whose devices agree with vgpuctl stats --json taken in the same quiet
# state; in a real terminal (tmux) the screen shows the same, a sort key
# reorders the rows at once and q ends top with status 0; without vgpuback
# top says so, in text and in JSON.
. "$top_srcdir/test-harness/lib/tap.sh"
export LC_ALL=C		# sort as strcmp does
export VGPU_BUILDDIR=$top_builddir
. "$top_srcdir/test-harness/scenarios/simhost.sh"
tmp=$(mktemp -d)
tsock=vgpu-top-$$
trap 'command -v tmux >/dev/null && tmux -L "$tsock" kill-server 2>/dev/null;
	simhost_stop; rm -rf "$tmp"' EXIT

simhost_start --executor cpu --slots 1 --cpu-delay-us 2000 ||
	{ echo "Bail out! no host"; exit 1; }
a=$(simhost_guest topa A high)
b=$(simhost_guest topb B low)
c=$(simhost_guest topc A medium)
"$VGPUCTL" attach topb pool=A,prio=low >/dev/null	# devid 1
ok "three guests with four devices" test -n "$a" -a -n "$b" -a -n "$c"

# work DOMNAME DEVID N: N requests; "done" counts the answers with status 0.
work() {
	"$SIM" exec "$1" -- "$GUEST" --name "w$2" --device "$2" --op add --requests "$3" \
		>"$tmp/work-$1-$2" 2>&1
}
done_by() {
	sed -n 's/^REQ .* status=\(-*[0-9]*\) ok=.*/\1/p' "$tmp/work-$1-$2" |
		awk '$1 == 0 { n++ } END { print n + 0 }'
}
work topa 0 5
work topb 0 9
work topb 1 3
work topc 0 7
# The devices as "domid devid name pool prio done", by domid and devid.
expect=$(printf '%s\n' "$a 0 topa A high $(done_by topa 0)" \
	"$b 0 topb B low $(done_by topb 0)" "$b 1 topb A low $(done_by topb 1)" \
	"$c 0 topc A medium $(done_by topc 0)" | sort -k1,1n -k2,2n)
is "$(awk '{ s += $6 } END { print s }' <<<"$expect")" 24 "the guests got 24 answers"

# rows FILE: the device rows of the last frame, as $expect has them.
rows() {
	awk '/^vgpuctl top - / { n = 0; delete r } /^DOMAIN / { on = 1; next }
		/^vgpuctl top - / { on = 0 } on && $2 ~ /^[0-9]+\/[0-9]+$/ { r[n++] = $0 }
		END { for (i = 0; i < n; i++) print r[i] }' "$1" |
		awk '{ split($2, id, "/"); print id[1], id[2], $1, $3, $4, $8 }'
}

"$VGPUCTL" top -b -n 2 -d 0.5 -s domid >"$tmp/b1" 2>"$tmp/b1.err"
is "$?" 0 "top -b -n 2 -d 0.5: exit 0"
is "$(grep -c '^vgpuctl top - ' "$tmp/b1")" 2 "top -b -n 2: two frames"
ok "top -b: no escape codes" bash -c "! grep -q $'\e' '$tmp/b1'"
like "$(cat "$tmp/b1")" "executor cpu, 1 slots, 0 running, sort domid" "top -b: the header"
like "$(cat "$tmp/b1")" "queued: high 0, medium 0, low 0; devices 4: submitted 24, done 24" \
	"top -b: queue depth and totals"
like "$(cat "$tmp/b1")" "gpus: none" "top -b: the CPU executor drives no GPU"
is "$(rows "$tmp/b1")" "$expect" "top -b -s domid: name, pool, priority, done per device, by domid"
like "$(awk -v d="$a" '$2 == d "/0" { print $10, $11, $12 }' "$tmp/b1" | tail -1)" \
	'^0\.0 [1-9][0-9]* [1-9][0-9]*$' "top -b: second frame: rate 0.0 (idle), p50 and p99 of topa"
is "$(awk -v d="$a" '$2 == d "/0" && $11 > $12 { print "p50 > p99" }' "$tmp/b1")" "" \
	"top -b: p50 <= p99"

for key in done:6 pool:4 prio:5; do
	k=${key%:*}
	col=${key#*:}
	"$VGPUCTL" top -b -n 1 -s "$k" >"$tmp/s-$k"
	case $k in
	done) want=$(sort -s -k1,1n -k2,2n <<<"$expect" | sort -s -k6,6nr) ;;
	prio) want=$(sed 's/ high / 0high /; s/ medium / 1medium /; s/ low / 2low /' <<<"$expect" |
		sort -s -k5,5 | sed 's/ [0-2]\(high\|medium\|low\) / \1 /') ;;
	*) want=$(sort -s -k"$col,$col" <<<"$expect") ;;
	esac
	is "$(rows "$tmp/s-$k" | cut -d' ' -f1,2)" "$(cut -d' ' -f1,2 <<<"$want")" \
		"top -b -s $k: rows in the order the test computes"
done

# --- --json: JSON Lines, checked with jq against stats --json (all idle now).
if ! command -v jq >/dev/null; then
	echo "ok $((_tap_n + 1)) # SKIP no jq (test-harness/install-deps.sh installs it)"
	_tap_n=$((_tap_n + 1))
else
	"$VGPUCTL" top -b -n 3 -d 0.2 -s name --json >"$tmp/j1" 2>"$tmp/j1.err"
	is "$? $(wc -c <"$tmp/j1.err")" "0 0" "top -b -n 3 --json: exit 0, nothing on stderr"
	"$VGPUCTL" stats --json >"$tmp/stats.json"
	is "$(wc -l <"$tmp/j1")" 3 "top -b -n 3 --json: three lines"
	json_ok() { jq -e . "$1" >/dev/null; }
	ok "top --json: every line is valid JSON" json_ok "$tmp/j1"
	is "$(jq -c '[.frame, .up, .sort]' "$tmp/j1" | tr '\n' ' ')" \
		'[1,true,"name"] [2,true,"name"] [3,true,"name"] ' "top --json: one object per frame, numbered"
	is "$(jq -c '[.devices[].rate]' "$tmp/j1" | tr '\n' ' ')" \
		'[null,null,null,null] [0,0,0,0] [0,0,0,0] ' \
		"top --json: rate null on the first frame, 0.0 (idle) after"
	is "$(jq -r '.devices[].name' "$tmp/j1" | tail -4 | tr '\n' ' ')" \
		"$(sort -s -k3,3 <<<"$expect" | awk '{ printf "%s ", $3 }')" "top --json -s name: rows by name"
	# The per-device numbers, by domid and devid: top's last frame, stats, the guests.
	dev_keys='.domid, .devid, .pool, .priority, .state, .submitted, .queued, .inflight,
		.completed, .failed, .lat_p50_us, .lat_p99_us'
	tail -1 "$tmp/j1" | jq -r ".devices | sort_by(.domid, .devid)[] | [$dev_keys] | @tsv" \
		>"$tmp/j-devs"
	jq -r ".domains | sort_by(.domid, .devid)[] | [$dev_keys] | @tsv" "$tmp/stats.json" \
		>"$tmp/s-devs"
	ok "stats --json has the four devices" test "$(wc -l <"$tmp/s-devs")" -eq 4
	is "$(cat "$tmp/j-devs")" "$(cat "$tmp/s-devs")" \
		"top --json: every device's pool, priority, state, counts, p50, p99 as stats --json has them"
	is "$(tail -1 "$tmp/j1" | jq -r '.devices | sort_by(.domid, .devid)[] |
		"\(.domid) \(.devid) \(.name) \(.pool) \(.priority) \(.completed)"')" "$expect" \
		"top --json: names, pools, priorities and done as the guests counted"
	is "$(tail -1 "$tmp/j1" | jq -c '[.executor, .slots, .inflight, .queued, .gpus]')" \
		"$(jq -c '[.executor, .slots, .inflight, .queued, .gpus]' "$tmp/stats.json")" \
		"top --json: executor, slots, running, queue depth per priority and GPUs as stats --json"
	is "$(tail -1 "$tmp/j1" | jq -c .totals)" \
		"$(jq -c '{devices: (.domains | length), submitted: ([.domains[].submitted] | add),
			completed: ([.domains[].completed] | add), failed: ([.domains[].failed] | add)}' \
			"$tmp/stats.json")" "top --json: the totals are the sums of stats --json"
	# -j, --json before the command, and --json without -b (batch implied).
	for form in "top -b -n 1 -j" "--json top -b -n 1" "top -n 1 --json"; do
		# shellcheck disable=SC2086
		"$VGPUCTL" $form >"$tmp/jf" 2>&1 </dev/null
		is "$? $(wc -l <"$tmp/jf") $(jq -c '[.frame, (.devices | length)]' "$tmp/jf" 2>&1)" \
			"0 1 [1,4]" "vgpuctl $form: one JSON line, four devices"
	done
fi

for bad in "-d abc" "-d 0" "-d 1e9" "-d" "-n 0" "-n x" "-s bogus" "-x" "extra" "--jsn" \
	"--json=1"; do
	# shellcheck disable=SC2086
	"$VGPUCTL" top -b $bad >"$tmp/o" 2>"$tmp/e"
	is "$? $(wc -l <"$tmp/e") $(wc -c <"$tmp/o")" "2 1 0" "top $bad: exit 2, one line, no frame"
done

# A real terminal: tmux.
if ! command -v tmux >/dev/null; then
	echo "ok $((_tap_n + 1)) # SKIP no tmux (test-harness/install-deps.sh installs it)"
	_tap_n=$((_tap_n + 1))
else
	tmux -L "$tsock" -f /dev/null new-session -d -x 160 -y 40 -s top \
		"'$VGPUCTL' top -d 0.3 -s domid; echo \$? >'$tmp/exit'; sleep 60"
	screen() { tmux -L "$tsock" capture-pane -p -t top; }
	# until PATTERN: poll the screen (10 s at most).
	until_on() {
		local i
		for i in $(seq 100); do screen >"$tmp/screen"; grep -q "$1" "$tmp/screen" && return 0
			sleep 0.1; done
		return 1
	}
	ok "tmux: top draws its screen" until_on "^topc "
	like "$(cat "$tmp/screen")" "executor cpu, 1 slots, 0 running, sort domid" \
		"tmux: the header"
	is "$(rows "$tmp/screen")" "$expect" "tmux: every device's name, pool, priority, done"
	tmux -L "$tsock" send-keys -t top C
	ok "tmux: C sorts by done" until_on "sort done"
	want=$(sort -s -k6,6nr <<<"$expect")
	is "$(rows "$tmp/screen" | cut -d' ' -f1,2)" "$(cut -d' ' -f1,2 <<<"$want")" \
		"tmux: the rows by done, at once"
	tmux -L "$tsock" send-keys -t top s
	ok "tmux: s moves to the next key (failed)" until_on "sort failed"
	tmux -L "$tsock" send-keys -t top q
	for i in $(seq 100); do [ -s "$tmp/exit" ] && break; sleep 0.1; done
	is "$(cat "$tmp/exit" 2>/dev/null)" 0 "tmux: q ends top, status 0"
fi

# Without vgpuback top says so, and keeps trying.
kill -TERM "$simhost_backend_pid"
wait "$simhost_backend_pid" 2>/dev/null
simhost_backend_pid=
"$VGPUCTL" top -b -n 2 -d 0.2 >"$tmp/gone" 2>&1
is "$?" 3 "top -b without vgpuback: exit 3"
is "$(grep -c 'vgpuback is not running' "$tmp/gone")" 2 "top -b: each frame says vgpuback is gone"
if command -v jq >/dev/null; then
	"$VGPUCTL" top -b -n 2 -d 0.2 --json >"$tmp/gone.json" 2>"$tmp/gone.err"
	is "$? $(wc -l <"$tmp/gone.json") $(wc -c <"$tmp/gone.err")" "3 2 0" \
		"top --json without vgpuback: exit 3, two lines"
	is "$(jq -c '[.frame, .up, (.error | test("cannot reach"))]' "$tmp/gone.json" | tr '\n' ' ')" \
		'[1,false,true] [2,false,true] ' "top --json: each frame says up false and why"
fi
done_testing

#!/bin/bash
# Options that would leave vgpuback running but useless (serving nothing,
# refusing everything, a pool no device can choose), and values that do not
# fit, are refused at start, on the command line and in the configuration
# file alike: exit status 2 and one line naming the option, the value and
# what is allowed.  Good values still get past the option check (vgpuback
# then stops for want of XenStore: exit 1, not 2).
. "$top_srcdir/test-harness/lib/tap.sh"
VGPUBACK=$top_builddir/backend/vgpuback
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# No XenStore reachable: a vgpuback that gets past its options stops at once.
export XENSTORED_PATH=$tmp/no-xenstored VGPU_PLATFORM=sim SIMXEN_DIR=$tmp/no-sim
unset JOURNAL_STREAM INVOCATION_ID

# bad KEY VALUE ALLOWED-RE: refused, both ways.
bad() {
	local key=$1 val=$2 allowed=$3 out rc
	out=$("$VGPUBACK" --config /dev/null --foreground "--$key" "$val" 2>&1 >/dev/null)
	rc=$?
	is "$rc" 2 "--$key '$val': exit 2"
	is "$(printf '%s\n' "$out" | wc -l)" 1 "--$key '$val': one line"
	like "$out" "^vgpuback: --$key: bad value '$(sed 's/[][\.*^$]/\\&/g' <<<"$val")' \\(allowed: $allowed\\)$" \
		"--$key '$val': names the option, the value and what is allowed"
	printf '# a comment\n%s = %s\n' "$key" "$val" >"$tmp/conf"
	out=$("$VGPUBACK" --config "$tmp/conf" --foreground 2>&1 >/dev/null)
	rc=$?
	is "$rc" 2 "config $key = $val: exit 2"
	like "$out" "^vgpuback: $tmp/conf:2: $key: bad value .*allowed: $allowed" \
		"config $key = $val: file, line, key, value and what is allowed"
}

bad max-batch 0 "1 to 4096"
bad max-inflight 0 "1 to 1048576"
bad max-buffers 0 "1 to 4096"
bad max-buffer-pages 0 "1 to 16777216"
bad max-host-buffer-pages 0 "1 to 16777216"
bad max-host-buffer-pages -5 "1 to 16777216"
bad max-batch 1.5 "1 to 4096"
bad max-batch 99999999999999999999 "1 to 4096"
bad slots 1025 "0 to 1024"
bad max-ring-page-order 5 "0 to 4"
bad pools A,A "a comma-separated list of up to 16 distinct names.*"
bad pools "A,B,A" "a comma-separated list of up to 16 distinct names.*"
bad pools "" "a comma-separated list.*"
bad executor gpu "cpu, cuda or auto"
bad log-level loud "error, warning, notice, info or debug"
bad xl-hook maybe "yes or no"
bad control-socket "" "1 to 255 characters"
long=/$(printf 'x%.0s' $(seq 300))
out=$("$VGPUBACK" --config /dev/null --foreground --pid-file "$long" 2>&1 >/dev/null)
is "$?" 2 "--pid-file of 301 characters: exit 2 (it was cut short without a word)"
like "$out" "^vgpuback: --pid-file: bad value '/x{63}\.\.\.' \(allowed: 1 to 255 characters\)$" \
	"--pid-file of 301 characters: one line, the value shortened, what is allowed"

# Good values pass the option check: vgpuback goes on and fails only for
# want of XenStore (exit 1), which shows the check did not refuse them.
for opt in "--max-batch 1" "--max-inflight 1" "--pools A,B,C" \
	"--max-host-buffer-pages 1" "--max-buffer-pages 65536" "--slots 0"; do
	# shellcheck disable=SC2086
	ASAN_OPTIONS=detect_leaks=0 "$VGPUBACK" --config /dev/null --foreground $opt --control-socket "$tmp/s" \
		--pid-file "$tmp/pid" --xl-hook no >/dev/null 2>&1
	is "$?" 1 "$opt is accepted (vgpuback then stops: no XenStore)"
done

# The shipped configuration file is valid as it is.
ASAN_OPTIONS=detect_leaks=0 "$VGPUBACK" --config "$top_srcdir/backend/init/vgpuback.conf" --foreground \
	--control-socket "$tmp/s" --pid-file "$tmp/pid" --xl-hook no >/dev/null 2>&1
is "$?" 1 "backend/init/vgpuback.conf passes the option check"

# Under systemd (stderr is the journal), the line carries priority err.
: >"$tmp/err"
JOURNAL_STREAM=$(stat -c '%d:%i' "$tmp/err") "$VGPUBACK" --config /dev/null --max-batch 0 \
	2>>"$tmp/err"
is "$(cat "$tmp/err")" "<3>--max-batch: bad value '0' (allowed: 1 to 4096)" \
	"stderr is the journal (JOURNAL_STREAM matches it): the line has the err prefix <3>"
: >"$tmp/err2"
JOURNAL_STREAM=$(stat -c '%d:%i' "$tmp") "$VGPUBACK" --config /dev/null --max-batch 0 \
	2>>"$tmp/err2"
like "$(cat "$tmp/err2")" "^vgpuback: --max-batch" \
	"JOURNAL_STREAM naming another file (inherited): no prefix"
done_testing

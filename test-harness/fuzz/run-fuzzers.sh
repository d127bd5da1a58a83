#!/bin/bash
# run-fuzzers.sh: run each libFuzzer harness in $FUZZERS for $FUZZ_SECONDS
# over a scratch copy of its corpus, then replay its regression inputs
# (inputs that once crashed it).  TAP: one line per run, with the count of
# executions libFuzzer reports.
. "$top_srcdir/test-harness/lib/tap.sh"

[ -n "${FUZZERS:-}" ] || skip_all "no fuzzers built (configure found no clang, or --disable-fuzzers)"
secs=${FUZZ_SECONDS:-8}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

for f in $FUZZERS; do
	name=${f##*/fuzz_}
	bin=$top_builddir/$f
	corpus=$tmp/$name
	mkdir -p "$corpus"
	cp -r "$top_srcdir/test-harness/fuzz/corpus/$name/." "$corpus/" 2>/dev/null
	log=$tmp/$name.log
	timeout $((secs + 60)) "$bin" -max_total_time="$secs" -print_final_stats=1 \
		-timeout=10 -rss_limit_mb=2048 -artifact_prefix="$tmp/crash-$name-" \
		"$corpus" >"$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	_tap_report $rc "fuzz_$name: ${execs:-?} executions in ${secs}s, no crash"
	if [ $rc -ne 0 ]; then
		tail -30 "$log" | sed 's/^/# /'
		ls "$tmp"/crash-"$name"-* 2>/dev/null | sed 's/^/# crash input: /'
	fi
	reg=$top_srcdir/test-harness/fuzz/regressions/$name
	inputs=$(find "$reg" -type f ! -name .keep 2>/dev/null | sort)
	if [ -n "$inputs" ]; then
		# shellcheck disable=SC2086
		timeout 120 "$bin" $inputs >"$log.reg" 2>&1
		_tap_report $? "fuzz_$name: $(echo "$inputs" | wc -l) regression inputs replayed"
	fi
done
done_testing

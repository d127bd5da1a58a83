#!/bin/bash
# vgpuctl stats --prometheus (vgpuctl(8), METRICS) and the latencies behind
# it.  Guests do counted work on the simulated host; the exposition is
# checked line by line against the text format 0.0.4 (a validator below;
# promtool too when it is installed), its counters against what the guests
# counted, its histograms against the pools' job counts; each device's
# round-trip p50 and p99 (--json) against the guests' own measured round
# trips.
. "$top_srcdir/test-harness/lib/tap.sh"
export VGPU_BUILDDIR=$top_builddir
. "$top_srcdir/test-harness/scenarios/simhost.sh"
command -v jq >/dev/null || skip_all "no jq (test-harness/install-deps.sh installs it)"
command -v python3 >/dev/null || skip_all "no python3 for the format's validator"
tmp=$(mktemp -d)
trap 'simhost_stop; rm -rf "$tmp"' EXIT

# The validator: exit 0 when @file is the text format and its histograms add
# up; --dump: every sample as a JSON line {"name":..,"labels":{..},"value":..}.
cat >"$tmp/promcheck.py" <<'PY'
import json, math, re, sys
NAME = r'[a-zA-Z_:][a-zA-Z0-9_:]*'
LNAME = r'[a-zA-Z_][a-zA-Z0-9_]*'
LVAL = r'"((?:\\[\\"n]|[^"\\\n])*)"'
SAMPLE = re.compile(r'^(?P<name>%s)(?:\{(?P<body>(?:%s=%s(?:,%s=%s)*)?,?)\})?'
                    r' (?P<value>\S+)(?: -?[0-9]+)?$' % (NAME, LNAME, LVAL, LNAME, LVAL))
LABEL = re.compile(r'(%s)=%s' % (LNAME, LVAL))
errors, samples, types, seen, done = [], [], {}, set(), set()
def fail(n, msg):
    errors.append("line %d: %s" % (n, msg))
def family(name):
    for suf in ("_bucket", "_sum", "_count"):
        base = name[:-len(suf)]
        if name.endswith(suf) and types.get(base) in ("histogram", "summary"):
            return base
    return name
def unescape(v):
    return re.sub(r'\\(.)', lambda m: '\n' if m.group(1) == 'n' else m.group(1), v)
current = None
lines = open(sys.argv[-1]).read().split('\n')
if lines[-1] != '':
    fail(len(lines), "no newline at the end")
for n, line in enumerate(lines[:-1], 1):
    if line.startswith('#'):
        m = re.match(r'^# (HELP|TYPE) (%s) (.*)$' % NAME, line)
        if not m:
            if re.match(r'^# (HELP|TYPE)', line):
                fail(n, "bad HELP or TYPE line")
            continue
        if m.group(1) == 'TYPE':
            if m.group(3) not in ('counter', 'gauge', 'histogram', 'summary', 'untyped'):
                fail(n, "unknown type " + m.group(3))
            if m.group(2) in types or m.group(2) in done:
                fail(n, "second TYPE for " + m.group(2))
            types[m.group(2)] = m.group(3)
        continue
    m = SAMPLE.match(line)
    if not m:
        fail(n, "not a sample: " + line)
        continue
    name, value, body = m.group('name'), m.group('value'), m.group('body') or ''
    labels = {}
    for lm in LABEL.finditer(body):
        if lm.group(1) in labels:
            fail(n, "label %s twice" % lm.group(1))
        labels[lm.group(1)] = unescape(lm.group(2))
    try:
        v = float(value)
    except ValueError:
        fail(n, "value %r is not a float" % value)
        continue
    fam = family(name)
    if fam not in types:
        fail(n, "no TYPE line before %s" % name)
    if fam != current:
        if fam in done:
            fail(n, "%s's lines are not in one group" % fam)
        if current:
            done.add(current)
        current = fam
    key = (name, tuple(sorted(labels.items())))
    if key in seen:
        fail(n, "sample repeated: " + line)
    seen.add(key)
    if types.get(fam) == 'counter' and not name.endswith('_total'):
        fail(n, "counter %s does not end in _total" % name)
    if not name.startswith('vgpu_'):
        fail(n, "%s has no vgpu_ prefix" % name)
    samples.append({"name": name, "labels": labels, "value": v})
# Histograms: per label set, le rising, counts not falling, +Inf == _count.
for fam, t in types.items():
    if t != 'histogram':
        continue
    groups = {}
    for s in samples:
        ls = {k: v for k, v in s["labels"].items() if k != 'le'}
        g = groups.setdefault(tuple(sorted(ls.items())), {"b": [], "sum": None, "count": None})
        if s["name"] == fam + "_bucket":
            g["b"].append((float(s["labels"]["le"]), s["value"]))
        elif s["name"] == fam + "_sum":
            g["sum"] = s["value"]
        elif s["name"] == fam + "_count":
            g["count"] = s["value"]
    for ls, g in groups.items():
        if not g["b"]:
            continue
        les = [b[0] for b in g["b"]]
        if les != sorted(set(les)):
            errors.append("%s%s: le not rising" % (fam, ls))
        if any(a[1] > b[1] for a, b in zip(g["b"], g["b"][1:])):
            errors.append("%s%s: buckets not cumulative" % (fam, ls))
        if not math.isinf(les[-1]) or g["b"][-1][1] != g["count"] or g["sum"] is None:
            errors.append("%s%s: no +Inf bucket equal to _count, or no _sum" % (fam, ls))
for e in errors:
    print(e, file=sys.stderr)
if '--dump' in sys.argv:
    for s in samples:
        v = s["value"]
        s["value"] = int(v) if v.is_integer() else v
        print(json.dumps(s))
sys.exit(1 if errors else 0)
PY
check() { python3 "$tmp/promcheck.py" "$@"; }

M=3	# --max-inflight: a burst beyond it gets VGPU_EBUSY, counted as failed
simhost_start --executor cpu --slots 1 --cpu-delay-us 2000 --max-inflight $M ||
	{ echo "Bail out! no host"; exit 1; }
a=$(simhost_guest proma A high)
b=$(simhost_guest promb B low)
ok "two guests" test -n "$a" -a -n "$b"

# work DOMNAME GUEST-ARGS...: device 0's work, the guest's report kept.
work() {
	local name=$1
	shift
	"$SIM" exec "$name" -- "$GUEST" --name "w$name" --device 0 --op add "$@" \
		>"$tmp/work-$name" 2>&1
}
# counted DOMNAME: "submitted completed failed" from the guest's report.
counted() {
	sed -n 's/^REQ .* status=\(-*[0-9]*\) ok=.*/\1/p' "$tmp/work-$1" |
		awk '{ n++; if ($1 == 0) c++; else f++ } END { printf "%d %d %d", n, c, f }'
}
# slowest DOMNAME: the guest's longest successful round trip, in us (rounded up).
slowest() {
	sed -n 's/^REQ .* submit_ns=\([0-9]*\) done_ns=\([0-9]*\) .* status=0 .*/\1 \2/p' \
		"$tmp/work-$1" | awk '{ d = $2 - $1; if (d > m) m = d } END { printf "%d", (m + 999) / 1000 }'
}
work proma --requests 30
work promb --requests 9 --inflight 9
is "$(counted proma | cut -d' ' -f1)" 30 "guest proma: all 30 requests answered"
like "$(counted promb)" '^9 [0-9]+ [1-9]' "guest promb: a burst of 9 over max-inflight $M, some refused"

"$VGPUCTL" stats --prometheus >"$tmp/prom.txt"
is "$?" 0 "vgpuctl stats --prometheus: exit 0"
check "$tmp/prom.txt" 2>"$tmp/check.err"
is "$?" 0 "the exposition is the text format 0.0.4, histograms add up"
[ -s "$tmp/check.err" ] && diag "$(cat "$tmp/check.err")"
PROMTOOL=${PROMTOOL:-$(command -v promtool)}	# $PROMTOOL: one not on PATH
if [ -n "$PROMTOOL" ]; then
	ok "promtool check metrics (its lint too)" "$PROMTOOL" check metrics <"$tmp/prom.txt"
else
	echo "ok $((_tap_n + 1)) # SKIP no promtool (Debian's prometheus package has it)"
	_tap_n=$((_tap_n + 1))
fi
check --dump "$tmp/prom.txt" >"$tmp/samples.json"
# val NAME JQ-FILTER-ON-LABELS: the sample's value, as an integer when whole.
val() {
	jq -rs --arg n "$1" "[.[] | select(.name == \$n and (.labels | $2))] |
		if length == 1 then .[0].value else \"none or many\" end" "$tmp/samples.json"
}
devcounts() { # devcounts DOMID: submitted completed failed of device DOMID/0
	local s="(.domid == \"$1\" and .devid == \"0\")"
	echo "$(val vgpu_requests_submitted_total "$s") $(val vgpu_requests_completed_total "$s")" \
		"$(val vgpu_requests_failed_total "$s")"
}
is "$(devcounts "$a")" "$(counted proma)" "device $a/0: the counters are what the guest counted"
is "$(devcounts "$b")" "$(counted promb)" "device $b/0: the counters are what the guest counted"
is "$(val vgpu_requests_submitted_total "(.domid == \"$a\" and .pool == \"A\" and .priority == \"high\")")" \
	30 "device $a/0: labelled with its pool and priority"
for p in A B; do
	dom=$([ $p = A ] && echo proma || echo promb)
	done_=$(counted "$dom" | cut -d' ' -f2)
	is "$(val vgpu_request_duration_seconds_count ".pool == \"$p\"")" "$done_" \
		"pool $p: the round-trip histogram counts its $done_ jobs"
	is "$(val vgpu_queue_duration_seconds_count ".pool == \"$p\"")" "$done_" \
		"pool $p: the queue-time histogram counts its $done_ jobs"
	is "$(val vgpu_pool_requests_completed_total ".pool == \"$p\"")" "$done_" \
		"pool $p: completed_total is its $done_ jobs"
	is "$(val vgpu_request_duration_seconds_bucket ".pool == \"$p\" and .le == \"+Inf\"")" \
		"$done_" "pool $p: the +Inf bucket holds them all"
done
# 30 jobs of 2ms each, one at a time: at least 60ms of work in the sum.
ok "pool A: the round trips' sum is at least the work done (30 x 2ms)" \
	awk -v s="$(val vgpu_request_duration_seconds_sum '.pool == "A"')" 'BEGIN { exit !(s >= 0.06) }'
is "$(val vgpu_request_duration_seconds_bucket '.pool == "A" and .le == "0.001"')" 0 \
	"pool A: no 2ms job in the le=1ms bucket"
is "$(val vgpu_queue_depth '.priority == "high"') $(val vgpu_requests_inflight "(.domid == \"$a\")")" \
	"0 0" "gauges: nothing queued or in flight once the guests are done"
is "$(val vgpu_executor_slots '.executor == "cpu"')" 1 "vgpu_executor_slots{executor=\"cpu\"}: 1"
is "$(grep -c '^vgpu_gpu_' "$tmp/prom.txt")" 0 "the CPU executor: no GPU sample"
like "$(cat "$tmp/prom.txt")" "# TYPE vgpu_request_duration_seconds histogram" "the round trip is a histogram"

# Each device's last jobs' round trips (--json): p50 <= p99, both within
# what the guest itself measured around them.
"$VGPUCTL" --json stats >"$tmp/stats.json"
for d in "$a:proma" "$b:promb"; do
	id=${d%%:*} dom=${d#*:}
	read -r p50 p99 < <(jq -r --argjson d "$id" \
		'.domains[] | select(.domid == $d and .devid == 0) | "\(.lat_p50_us) \(.lat_p99_us)"' \
		"$tmp/stats.json")
	max=$(slowest "$dom")
	ok "device $id/0: 0 < p50 $p50 <= p99 $p99 <= the guest's slowest round trip $max us" \
		test "$p50" -gt 0 -a "$p50" -le "$p99" -a "$p99" -le "$max"
	is "$(val vgpu_request_recent_p99_seconds "(.domid == \"$id\")")" \
		"$(awk -v u="$p99" 'BEGIN { printf "%g", u / 1e6 }')" \
		"device $id/0: the p99 gauge is --json's lat_p99_us in seconds"
done
is "$(jq -c '.buckets_us' "$tmp/stats.json")" \
	"[10,50,100,500,1000,5000,10000,50000,100000,500000,1000000]" "--json: the buckets' bounds"
is "$(jq '[.pools[] | select(.name == "A") | .request_time.buckets | add] | .[0]' "$tmp/stats.json")" \
	30 "--json: pool A's request_time buckets hold its 30 jobs"

# Label values that need escaping come from a stand-in daemon in test-control.sh.
done_testing

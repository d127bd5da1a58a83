#!/bin/bash
# A hostile backend (XSA-403): vgpu-hostile-backend plays dom0's backend for
# one device and, after a few right answers, sends a response producer index
# a ring ahead, a response to an id never asked, or the answer to the
# request before again.  libvgpufront must fail the device at once: the
# guest (the vgpufront tool's sync calls, vgpu-guest's async ones) reports
# the protocol error once, exits 3 (device unusable) instead of waiting for
# its timeout or taking a wrong answer, and leaves nothing granted.  The
# control: the same backend, playing fair, serves the guest.
. "$top_srcdir/test-harness/lib/tap.sh"
B=$top_builddir
SIM=$B/test-harness/simxen/vgpu-sim
BACK=$B/test-harness/hostile/vgpu-hostile-backend
VGPUFRONT=$B/frontend/vgpufront
GUEST=$B/test-harness/scenarios/vgpu-guest
tmp=$(mktemp -d)
SIMXEN_DIR=$tmp/sim
export SIMXEN_DIR
mkdir -p "$SIMXEN_DIR"
trap '"$SIM" host stop >/dev/null 2>&1; rm -rf "$tmp"' EXIT
"$SIM" host start || { echo "Bail out! no simulated host"; exit 1; }
eval "$("$SIM" env)"

# Long enough that a guest which missed the attack times out visibly.
TIMEOUT_MS=4000
AFTER=5

# run_case NAME ATTACK KIND: a fresh domain, the backend, one guest of KIND.
run_case() {
	local name=$1 attack=$2 kind=$3 id i
	id=$("$SIM" domain create "$name") || return 1
	"$BACK" --domid "$id" --attack "$attack" --after $AFTER --seconds 30 \
		>"$tmp/$name.back" 2>&1 &
	local bpid=$!
	for i in $(seq 100); do
		grep -q '^READY' "$tmp/$name.back" && break
		sleep 0.05
	done
	if [ "$kind" = tool ]; then
		timeout 60 "$SIM" exec "$name" -- "$VGPUFRONT" -t $TIMEOUT_MS ping --count 50 \
			>"$tmp/$name.out" 2>"$tmp/$name.err"
	else
		timeout 60 "$SIM" exec "$name" -- "$GUEST" --name "$name" --op nop \
			--requests 100 --inflight 8 --open-retries 0 \
			>"$tmp/$name.out" 2>"$tmp/$name.err"
	fi
	guest_rc=$?
	wait "$bpid"
	back_rc=$?
	"$SIM" domain destroy "$name" >/dev/null 2>&1
}

run_case control good tool
is "$guest_rc" 0 "control: a fair backend serves the guest (exit 0)"
like "$(cat "$tmp/control.out")" '^50 pings' "control: 50 pings answered"
is "$back_rc" 0 "control: the backend saw the guest connect and leave"

for attack in prod-ahead unknown-id duplicate-id; do
	for kind in tool guest; do
		n=$attack-$kind
		run_case "$n" "$attack" "$kind"
		err=$(cat "$tmp/$n.err")
		is "$guest_rc" 3 "$n: the guest exits 3 (device unusable), no crash, no hang"
		is "$(grep -c 'libvgpufront: vgpu device 0: the backend broke the protocol' <<<"$err")" 1 \
			"$n: libvgpufront logs the protocol error once"
		if [ "$kind" = tool ]; then
			like "$err" '^vgpufront: ping: the backend broke the protocol: ' \
				"$n: vgpufront names the protocol error, not a timeout"
			is "$(grep -c '^ATTACK' "$tmp/$n.back")" 1 "$n: the backend attacked once"
		else
			like "$err" "vgpu-guest $n: (submit: )?the backend broke the protocol" \
				"$n: vgpu-guest's next call fails with the protocol error"
			is "$(grep '^REQ ' "$tmp/$n.out" | grep -c 'ok=0' | awk '{ print ($1 > 0) }')" 1 \
				"$n: the unanswered requests are reported failed"
			is "$(grep '^REQ .* done_ns=0 ' "$tmp/$n.out" | grep -vc 'status=-71 ')" 0 \
				"$n: every unanswered request failed with EPROTO"
		fi
		is "$(grep -c 'Sanitizer\|runtime error' <<<"$err")" 0 "$n: no sanitizer report"
		is "$back_rc" 0 "$n: the guest closed the device (the backend saw it leave)"
		[ -n "${FRONT_HOSTILE_VERBOSE:-}" ] && sed 's/^/# /' "$tmp/$n.err" "$tmp/$n.back"
	done
done

# What vgpufront says when nobody serves the device (vgpuback down when xl
# created the guest), and when the domain has no vgpu device at all.
id=$("$SIM" domain create silent)
"$BACK" --domid "$id" --attack silent --seconds 3 >"$tmp/silent.back" 2>&1 &
bpid=$!
for i in $(seq 100); do grep -q '^READY' "$tmp/silent.back" && break; sleep 0.05; done
out=$("$SIM" exec silent -- "$VGPUFRONT" -t 1000 info 2>&1)
is "$?" 3 "silent backend: vgpufront exits 3"
is "$out" "vgpufront: vgpu device 0: the backend (vgpuback in domain 0) did not answer within 1000 ms (backend state 1): is it running?" \
	"silent backend: vgpufront says the backend did not answer, not that the config lacks a vgpu= line"
wait "$bpid"
out=$("$SIM" exec silent -- "$VGPUFRONT" -t 1000 info 2>&1)
is "$?" 3 "no device: vgpufront exits 3"
like "$out" '^vgpufront: no vgpu device 0: no vgpu device is configured for this domain' \
	"no device: vgpufront says the domain has no vgpu device"
"$SIM" domain destroy silent >/dev/null 2>&1

leak=$("$SIM" stats | awk '/^domain / && ($4 != 0 || $6 != 0 || $10 != 0)')
is "$leak" "" "simxen: no grant, mapping or port left in any domain"
done_testing

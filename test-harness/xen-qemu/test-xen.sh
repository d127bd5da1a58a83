#!/bin/bash
# test-xen.sh: the real-Xen test (`make check-xen`), TAP on stdout.
#
# Builds the image (build-image.sh: Debian's Xen 4.17, a bookworm rootfs with
# the project installed by `make install`), boots it under QEMU (run.sh), and
# asserts here, on the host, on what dom0 brought out on the results disk:
# dom0 under systemd with Debian's Xen units, vgpuback.service started at
# boot and by `systemctl start`, the project's sysv init script too, two PV
# guests made by
# `xl create` from configs holding vgpu= lines, their requests answered over
# real grant tables and event channels, the XenStore nodes and vgpuctl output,
# the clean-up after one guest is destroyed with requests in flight, the
# guest kernel driver, and that driver against a hostile backend
# (vgpu-hostile-backend in dom0: garbage nodes, ring protocol broken).
#
# A machine that cannot run it (not root, no qemu/debootstrap installable, no
# space, no apt mirror) gets "1..0 # SKIP <reason>", never a pass.
# Environment: XEN_QEMU_CACHE (default /var/tmp/xen-vgpu-qemu), XEN_QEMU_TIMEOUT
# (QEMU's hard limit, default 1200 s), XEN_QEMU_RUN_DIR (use the results of an
# earlier run instead of booting: for working on the assertions).
set -u
here=$(cd "$(dirname "$0")" && pwd)
: "${top_srcdir:=$(cd "$here/../.." && pwd)}"
. "$top_srcdir/test-harness/lib/tap.sh"

cache=${XEN_QEMU_CACHE:-/var/tmp/xen-vgpu-qemu}
mkdir -p "$cache" 2>/dev/null
work=$(mktemp -d "${TMPDIR:-/tmp}/xen-qemu-test.XXXXXX")
trap 'rm -rf "$work"' EXIT
t0=$(date +%s)

loud_skip() {
	echo "########################################################" >&2
	echo "# check-xen SKIPPED: $*" >&2
	echo "########################################################" >&2
	skip_all "real-Xen test cannot run here: $*"
}

# ---- 1. the image ----------------------------------------------------------
if [ -n "${XEN_QEMU_RUN_DIR:-}" ]; then
	run=$XEN_QEMU_RUN_DIR
	diag "using the earlier run $run"
else
	timeout 3600 "$here/build-image.sh" --srcdir "$top_srcdir" --cache "$cache" \
		>"$work/build.log" 2>&1
	rc=$?
	sed 's/^/# /' "$work/build.log" | grep -v '^# /' | tail -25
	if [ $rc -eq 77 ]; then
		loud_skip "$(sed -n 's/^SKIP: //p' "$work/build.log" | tail -1)"
	fi
	cp "$work/build.log" "$cache/build-last.log" 2>/dev/null
	ok "image built (build-image.sh, $(( $(date +%s) - t0 ))s; log $cache/build-last.log)" test $rc -eq 0
	if [ $rc -ne 0 ]; then
		diag "build-image.sh failed (rc=$rc):"
		tail -30 "$work/build.log" | sed 's/^/#   /'
		done_testing
		exit 1
	fi
	img=$(tail -1 "$work/build.log")

	# ---- 2. the boot -------------------------------------------------------
	t1=$(date +%s)
	"$here/run.sh" "$img" >"$work/run.log" 2>&1
	sed 's/^/# /' "$work/run.log"
	run=$(tail -1 "$work/run.log")
	diag "boot and test took $(( $(date +%s) - t1 ))s"
fi
R=$run/results
[ -s "$R/fallbacks" ] && { diag "FALLBACKS used in this run (what they stand in for fails its own assertion):"
	sed 's/^/#   /' "$R/fallbacks"; }
status=$(cat "$run/status" 2>/dev/null)
like "$status" 'done=1' "dom0 ran its test to the end and QEMU stopped within the limit ($status)"
ok "dom0's results came out on the results disk" test -s "$R/steps"
ok "dom0's test finished before its own deadline (nothing hung)" eval "! grep -q '^deadline' '$R/steps'"

# ---- 3. dom0's steps ---------------------------------------------------------
step_is_ok() { grep -qx "$1 ok" "$R/steps" 2>/dev/null; }
step_ok() {
	local s=$1 what=$2
	if step_is_ok "$s"; then
		ok "$what" true
	else
		ok "$what [step $s: $(grep "^$s " "$R/steps" 2>/dev/null || echo 'not reached')]" false
		[ -s "$R/$s.out" ] && tail -8 "$R/$s.out" | sed 's/^/#   | /'
	fi
}
mode=$(cat "$R/dom0-init" 2>/dev/null)
initscript=$(cat "$R/initscript" 2>/dev/null)
# skip_ok WHAT: one TAP line that is a skip, never a pass
skip_ok() { _tap_n=$((_tap_n + 1)); echo "ok $_tap_n - $1 # SKIP dom0 booted without systemd (XEN_QEMU_DOM0_INIT=sysv)"; }
if [ "${XEN_QEMU_DOM0_INIT:-systemd}" = sysv ] && [ "$mode" = sysv ]; then
	for w in "dom0 booted under systemd" "Debian's /etc/init.d/xen ran as xen.service" \
		"vgpuback.service started at boot" "systemd ordered vgpuback after xen.service, xendomains after vgpuback" \
		"systemctl stop / start / is-active vgpuback"; do
		skip_ok "$w"
	done
	step_ok modules "dom0: Xen modules loaded, xenfs mounted"
	step_ok xenstored "dom0: xenstored started"
	step_ok xen-init-dom0 "dom0: xen-init-dom0"
	step_ok xenconsoled "dom0: xenconsoled started"
	like "${initscript:-none}" '^/etc/init.d/' "make install put a sysv init script in /etc/init.d ($initscript)"
	step_ok vgpuback-start "vgpuback started by '$initscript start'"
	step_ok vgpuback-status "'$initscript status' says it runs"
	step_ok vgpuback-running "a vgpuback process runs"
else
	is "${mode:-none}" systemd "dom0 booted under systemd (PID 1)"
	step_ok xen-service "Debian's /etc/init.d/xen ran as xen.service (the sysv generator's unit)"
	step_ok modules "dom0: Xen modules loaded, xenfs mounted"
	step_ok xenstored "dom0: xenstored answers (started by xen.service)"
	step_ok xen-init-dom0 "dom0: xen-init-dom0 ran (Domain-0 named)"
	step_ok xenconsoled "dom0: xenconsoled runs"
	# Debian 12 has no xenstored.service: the unit of README's
	# `systemctl enable --now vgpuback` must start without it.
	step_ok vgpuback-boot "vgpuback.service, enabled with systemctl enable, started at boot on Debian's Xen units"
	step_ok vgpuback-boot-pid "vgpuback.service's main process is the vgpuback that runs"
	u=$R/systemd-boot-units.txt
	ts() { sed -n "s/^$1 $2=//p" "$u" 2>/dev/null | head -1; }
	xen_up=$(ts xen.service ActiveEnterTimestampMonotonic)
	vb_start=$(ts vgpuback.service InactiveExitTimestampMonotonic)
	vb_up=$(ts vgpuback.service ActiveEnterTimestampMonotonic)
	xd_start=$(ts xendomains.service InactiveExitTimestampMonotonic)
	ok "systemd started vgpuback.service after xen.service was up (at ${vb_start:-?} us, xen.service ${xen_up:-?} us)" \
		test "${xen_up:-0}" -gt 0 -a "${vb_start:-0}" -ge "${xen_up:-0}"
	ok "systemd started xendomains.service after vgpuback.service was up (guests started at boot find it: ${xd_start:-?} us >= ${vb_up:-?} us)" \
		test "${vb_up:-0}" -gt 0 -a "${xd_start:-0}" -ge "${vb_up:-0}"
	ok "xendomains.service is ordered after vgpuback.service" grep -qx 'xendomains.service after vgpuback.service' "$u"
	step_ok systemctl-stop "systemctl stop vgpuback"
	step_ok systemctl-stopped "no vgpuback process after systemctl stop"
	like "${initscript:-none}" '^/etc/init.d/' "make install put a sysv init script in /etc/init.d ($initscript)"
	step_ok vgpuback-start "the sysv path: vgpuback started by '$initscript start'"
	step_ok vgpuback-status "'$initscript status' says it runs"
	step_ok vgpuback-running "a vgpuback process runs"
	step_ok sysv-vgpuctl "vgpuctl list answers the vgpuback the sysv script started"
	step_ok vgpuback-stop "'$initscript stop'"
	step_ok vgpuback-stopped "vgpuback is gone after '$initscript stop'"
	step_ok systemctl-start "systemctl start vgpuback (it serves the guests below)"
	step_ok systemctl-active "systemctl is-active vgpuback"
	step_ok systemctl-pid "vgpuback.service's main process is the vgpuback that runs"
fi
step_ok xl-create-a "xl create /etc/xen/vgpu-a.cfg"
step_ok xl-create-b "xl create /etc/xen/vgpu-b.cfg"

da=$(awk '$1 == "vgpu-a" {print $2}' "$R/domids" 2>/dev/null)
db=$(awk '$1 == "vgpu-b" {print $2}' "$R/domids" 2>/dev/null)
da=${da:-none} db=${db:-none}
step_ok backend-nodes "the xl hook wrote backend/vgpu/$da/0 for guest A"

guest_case() { # guest_case LOG NAME -> rc of that case, or "missing"
	local v
	v=$(tr -d '\r' <"$1" 2>/dev/null | sed -n "s/^VGPU-CASE $2 rc=\([0-9]*\).*/\1/p" | tail -1)
	echo "${v:-missing}"
}
guest_out() { tr -d '\r' <"$1" 2>/dev/null | sed -n "s/^VGPU-OUT $2 | //p"; }
# case_ok LOG NAME WHAT: the case ran and exited 0 (else show its output)
case_ok() {
	local r
	r=$(guest_case "$1" "$2")
	is "$r" 0 "$3"
	[ "$r" = 0 ] || guest_out "$1" "$2" | tail -5 | sed 's/^/#   | /'
}
# ---- 4. XenStore: both devices with their pools and priorities ---------------
xs=$R/xs-backend-perms.txt
# Nodes the test wrote itself (fallback when the hook wrote none) prove nothing.
by_hook=1; grep -q nodes "$R/fallbacks" 2>/dev/null && by_hook=0
node() { [ $by_hook = 1 ] || { echo "(written by the test's fallback, not the hook)"; return; }; sed -n "s|^/local/domain/0/backend/vgpu/$1/0/$2 = \"\([^\"]*\)\".*|\1|p" "$xs" 2>/dev/null | head -1; }
perms() { [ $by_hook = 1 ] || { echo "(fallback)"; return; }; sed -n "s|^/local/domain/0/backend/vgpu/$1/0 = \"[^\"]*\" *(\(.*\))|\1|p" "$xs" 2>/dev/null | head -1; }
is "$(node "$da" pool)/$(node "$da" priority)" "A/high" "xenstore-ls: guest A's device is pool A, priority high"
is "$(node "$db" pool)/$(node "$db" priority)" "B/low" "xenstore-ls: guest B's device is pool B, priority low"
is "$(node "$da" frontend)" "/local/domain/$da/device/vgpu/0" "xenstore-ls: guest A's backend points at its frontend"
is "$(node "$db" frontend-id)" "$db" "xenstore-ls: guest B's frontend-id"
is "$(perms "$da")" "n0,r$da" "backend directory owned by dom0, readable by guest A (as libxl sets)"
is "$(guest_case "$R/xen-logs/console/guest-vgpu-a.log" write-own-priority)" 1 \
	"guest A cannot write its own priority (the write is refused)"

# ---- 5. the guests' requests ---------------------------------------------------
for g in a b; do
	gl=$R/xen-logs/console/guest-vgpu-$g.log
	G=$(echo $g | tr a-z A-Z)
	ok "guest $G booted and ran its test" grep -q 'VGPU-GUEST .*guest userspace reached' "$gl"
	case_ok "$gl" info "guest $G: vgpufront info"
	like "$(guest_out "$gl" info | tr '\n' ' ')" 'executor: *cpu' "guest $G: info says the CPU executor serves"
	like "$(guest_out "$gl" info | tr '\n' ' ')" 'path: +user space \(gntalloc, evtchn\)' \
		"guest $G: without the driver loaded, info says path: user space"
	case_ok "$gl" ping "guest $G: vgpufront ping"
	case_ok "$gl" add "guest $G: vgpufront add 100 200 succeeds"
	like "$(guest_out "$gl" add | tr '\n' ' ')" '(^|[^0-9])300([^0-9]|$)' "guest $G: add 100 200 answers 300"
	case_ok "$gl" vadd "guest $G: vgpufront vadd --n 1048576 --verify"
	case_ok "$gl" mem "guest $G: vgpufront mem (protocol 2: session, device memory, copies)"
	like "$(guest_out "$gl" mem | tr '\n' ' ')" 'verified: all 1048576 bytes' \
		"guest $G: every byte through device memory is right"
	bad=
	for c in burst-bench burst-vadd burst-add-1 burst-add-2 burst-add-3 burst-add-4; do
		r=$(guest_case "$gl" $c)
		[ "$r" = 0 ] || bad="$bad $c=$r"
	done
	is "${bad:-none}" none "guest $G: burst (bench with 16 in flight in both guests at once, vadd, adds) all succeed"
	for i in 1 2 3 4; do
		want=$((i * 1000 + i * 7))
		guest_out "$gl" burst-add-$i | grep -Eq "(^|[^0-9])$want([^0-9]|$)" || bad="$bad burst-add-$i!=$want"
	done
	is "${bad:-none}" none "guest $G: burst results are right"
done
step_ok guests-ready "both guests did their single requests"
step_ok burst-done "both guests finished the burst"

# ---- 6. vgpuctl ------------------------------------------------------------------
have_py=0; command -v python3 >/dev/null && have_py=1
pyjson() { # pyjson FILE EXPR: evaluate EXPR with j = the JSON in FILE
	[ $have_py = 1 ] || { echo "no-python3"; return; }
	python3 - "$1" "$2" <<'PY' 2>/dev/null || echo "bad-json"
import json, sys
try:
    j = json.load(open(sys.argv[1]))
except Exception as e:
    print("bad-json"); sys.exit(0)
print(eval(sys.argv[2]))
PY
}
devs="sorted((d['domid'], d['pool'], d['priority']) for d in j['devices'])"
is "$(pyjson "$R/vgpuctl-list.json" "$devs")" "[($da, 'A', 'high'), ($db, 'B', 'low')]" \
	"vgpuctl list --json shows both devices with pool and priority"
ok "vgpuctl list (table) runs" test "$(cat "$R/vgpuctl-list.txt.rc" 2>/dev/null)" = 0
ok "vgpuctl stats (table) runs" test "$(cat "$R/vgpuctl-stats.txt.rc" 2>/dev/null)" = 0
is "$(pyjson "$R/vgpuctl-stats-burst.json" "j['executor']")" cpu "vgpuctl stats: the CPU executor serves"
served="sorted(d['domid'] for d in j['domains'] if d['completed'] > 0)"
is "$(pyjson "$R/vgpuctl-stats-burst.json" "$served")" "[$da, $db]" \
	"vgpuctl stats after the burst: both guests have completed requests"
failed="sum(d['failed'] for d in j['domains'])"
is "$(pyjson "$R/vgpuctl-stats-burst.json" "$failed")" 0 "vgpuctl stats after the burst: no failed request"

# ---- 7. B destroyed with requests in flight ------------------------------------------
step_ok b-inflight "guest B started its long stream of requests"
busy="[d['inflight'] + d['queued'] for d in j['domains'] if d['domid'] == $db]"
like "$(pyjson "$R/vgpuctl-stats-before-destroy.json" "$busy")" '^\[[1-9][0-9]*\]$' \
	"guest B had requests queued or in flight just before xl destroy"
step_ok xl-destroy-b "xl destroy vgpu-b"
had_b=$(grep -s "^/local/domain/0/backend/vgpu/$db/0/pool = " "$xs")
if [ -n "$had_b" ]; then
	step_ok b-backend-gone "guest B's backend nodes are removed"
else
	ok "guest B's backend nodes are removed [there never were any]" false
fi
step_ok b-domain-gone "Xen released guest B entirely (no grant mapping kept it a zombie)"
ok "xenstore-ls after the destroy shows no node of guest B" \
	eval "[ -n '$had_b' ] && ! grep -q '^/local/domain/0/backend/vgpu/$db/' '$R/xs-after-destroy.txt'"
ids="sorted(d['domid'] for d in j['devices'])"
is "$(pyjson "$R/vgpuctl-list-after-destroy.json" "$ids")" "[$da]" "vgpuctl list after the destroy: only guest A's device"
is "$(pyjson "$R/vgpuctl-stats-after-destroy.json" "[d['domid'] for d in j['domains'] if d['domid'] == $db]")" \
	"[]" "vgpuctl stats after the destroy: guest B is gone"
before=$(cat "$R/gntdev-pages-before-destroy" 2>/dev/null)
like "${before:-none}" '^[1-9][0-9]*$' "vgpuback had guest pages mapped when B was destroyed ($before pages)"
is "$(cat "$R/gntdev-pages-after-destroy" 2>/dev/null)" 0 \
	"B's grant mappings released after the destroy (A idle: no page mapped)"
is "$(pyjson "$R/vgpuctl-stats-after-destroy.json" "sorted(j.get('resources', {'missing': 1}).items())")" \
	"[('allocations', 0), ('buffers', 0), ('jobs', 0), ('mappings', 0), ('mem_bytes', 0), ('modules', 0)]" \
	"vgpuctl stats resources after the destroy: no job, buffer, mapping or device memory left"
step_ok a-after-done "guest A still served after B was destroyed"
for c in after-ping after-add after-vadd; do
	case_ok "$R/xen-logs/console/guest-vgpu-a.log" $c "guest A after the destroy: $c"
done
like "$(guest_out "$R/xen-logs/console/guest-vgpu-a.log" after-add | tr '\n' ' ')" \
	'(^|[^0-9])3([^0-9]|$)' "guest A after the destroy: add 1 2 answers 3"

# ---- 7b. the kernel driver (xen-vgpufront.ko) in guest A --------------------------------
gla=$R/xen-logs/console/guest-vgpu-a.log
like "$(grep -s '^kmod ' "${img:-/nonexistent}/manifest")" \
	'updates/xen-vgpufront.ko' "xen-vgpufront.ko built against the image kernel's own headers (KCFLAGS=-Werror) and installed"
step_ok a-kmod-done "guest A ran the kernel driver's cases"
case_ok "$gla" kmod-installed "guest A: the image has xen-vgpufront.ko (modinfo)"
case_ok "$gla" kmod-autoload "guest A: udev loaded xen-vgpufront by the device's modalias (xen:vgpu) and /dev/vgpu0 appeared"
case_ok "$gla" kmod-perms "guest A: /dev/vgpu0 is group vgpu, mode 660 (60-vgpu.rules)"
case_ok "$gla" kmod-info "guest A, a user in group vgpu: vgpu-devtest info (connected through the driver)"
case_ok "$gla" kmod-add "guest A, a user in group vgpu: vgpu-devtest add 100 200 through /dev/vgpu0"
like "$(guest_out "$gla" kmod-add | tr '\n' ' ')" '(^|[^0-9])300([^0-9]|$)' \
	"guest A through /dev/vgpu0: add 100 200 answers 300"
case_ok "$gla" kmod-vadd "guest A through /dev/vgpu0: vadd of 1M floats in kernel-granted buffers, checked on the CPU"
case_ok "$gla" kmod-burst "guest A through /dev/vgpu0: two processes at once, each its own file on the one ring"
like "$(guest_out "$gla" kmod-burst | tr '\n' ' ')" 'burst: 2 of 2 processes right' \
	"guest A through /dev/vgpu0: every answer of both processes right"
case_ok "$gla" kmod-burst-kill "guest A through /dev/vgpu0: a third process killed (SIGKILL) mid-burst with requests in flight"
like "$(guest_out "$gla" kmod-burst-kill | tr '\n' ' ')" 'burst: 2 of 2 processes right, another killed mid-burst' \
	"guest A through /dev/vgpu0: the two others' answers all right despite the kill"
case_ok "$gla" kmod-isolation "guest A through /dev/vgpu0: a file cannot name, map or free another file's buffer, nor send the kernel's own ops"
case_ok "$gla" kmod-mem "guest A through /dev/vgpu0: protocol 2 (the file's session, device memory, copies)"
like "$(guest_out "$gla" kmod-mem | tr '\n' ' ')" '1048576 bytes there and back in session [1-9]' \
	"guest A through /dev/vgpu0: every byte through device memory right, in the file's own session"
is "$(guest_case "$gla" kmod-not-in-group)" 1 "guest A: a user not in group vgpu cannot open /dev/vgpu0"
# libvgpufront through the driver: the vgpufront tool, unchanged, run by a
# user of the vgpu group takes the kernel path by itself (VGPUFRONT_PATH auto)
case_ok "$gla" kmod-lib-info "guest A, a user in group vgpu: vgpufront info (libvgpufront, auto path)"
like "$(guest_out "$gla" kmod-lib-info | tr '\n' ' ')" 'path: +kernel \(/dev/vgpu0\)' \
	"guest A: vgpufront info says path: kernel (/dev/vgpu0)"
like "$(guest_out "$gla" kmod-lib-info | tr '\n' ' ')" 'executor: *cpu.*pool: +A .*priority: +high' \
	"guest A through the driver: info shows the executor, pool A and priority high (from the driver's report)"
like "$(guest_out "$gla" kmod-lib-info-json | tr -d ' \n')" '"guest_path":"kernel","guest_node":"/dev/vgpu0"' \
	"guest A: vgpufront info --json says guest_path kernel, guest_node /dev/vgpu0"
case_ok "$gla" kmod-lib-add "guest A, a user in group vgpu: vgpufront add 100 200 through the driver"
like "$(guest_out "$gla" kmod-lib-add | tr '\n' ' ')" '(^|[^0-9])300([^0-9]|$)' \
	"guest A through the driver: vgpufront add 100 200 answers 300"
case_ok "$gla" kmod-lib-vadd "guest A through the driver: vgpufront vadd --n 1048576 --verify (buffers the driver allocated, mapped by the library)"
like "$(guest_out "$gla" kmod-lib-vadd | tr '\n' ' ')" 'verified: all 1048576 elements equal a \+ b' \
	"guest A through the driver: every element of vadd checked"
case_ok "$gla" kmod-lib-mem "guest A through the driver: vgpufront mem (protocol 2 in the handle's one session)"
like "$(guest_out "$gla" kmod-lib-mem | tr '\n' ' ')" 'verified: all 1048576 bytes' \
	"guest A through the driver: every byte through device memory is right"
case_ok "$gla" kmod-lib-three "guest A through the driver: vgpufront bench, vadd and mem at once (three processes, three files)"
like "$(guest_out "$gla" kmod-lib-three | tr '\n' ' ')" 'vadd: verified: all 262144 elements.*mem: verified: all 262144 bytes.*exit: bench 0 vadd 0 mem 0' \
	"guest A through the driver: both checked processes right while bench kept 16 in flight"
is "$(guest_case "$gla" kmod-lib-forced-user)" 3 \
	"guest A: VGPUFRONT_PATH=user while the driver holds the device is refused (exit 3)"
like "$(guest_out "$gla" kmod-lib-forced-user | tr '\n' ' ')" 'driver xen-vgpufront holds vgpu device 0' \
	"guest A: ... and says that the driver holds the device"
step_ok a-save "xl save of guest A while a process holds /dev/vgpu0 with requests in flight"
step_ok a-restore "xl restore of guest A"
case_ok "$gla" kmod-restore "guest A after xl restore: the driver reconnected (resume), requests in flight got an answer or VGPU_ESHUTDOWN, the session says lost, the buffers serve again"
like "$(guest_out "$gla" kmod-restore | tr '\n' ' ')" 'reconnected: generation [0-9]+ -> [0-9]+.*session [0-9]+: lost.*after: add 100 200 = 300' \
	"guest A after xl restore: what vgpu-devtest hold saw"
case_ok "$gla" kmod-after-restore "guest A after xl restore: a new process uses /dev/vgpu0 (add 7 8)"
case_ok "$gla" kmod-lib-after-restore "guest A after xl restore: vgpufront add 7 8 through the driver"
like "$(guest_out "$gla" kmod-lib-after-restore | tr '\n' ' ')" '(^|[^0-9])15([^0-9]|$)' \
	"guest A after xl restore: vgpufront add 7 8 answers 15"
case_ok "$gla" kmod-lib-mem-after-restore "guest A after xl restore: vgpufront mem through the driver (a new session)"
like "$(guest_out "$gla" kmod-lib-mem-after-restore | tr '\n' ' ')" 'verified: all 65536 bytes' \
	"guest A after xl restore: every byte through device memory is right"
like "$(guest_out "$gla" kmod-lib-info-after-restore | tr '\n' ' ')" 'path: +kernel \(/dev/vgpu0\)' \
	"guest A after xl restore: vgpufront info still says path: kernel"
case_ok "$gla" kmod-rmmod "guest A: unbind vgpu-0 and rmmod xen_vgpufront"
case_ok "$gla" kmod-userspace-after "guest A: after rmmod the user-space path has the device again (vgpufront add)"
like "$(guest_out "$gla" kmod-userspace-info | tr '\n' ' ')" 'path: +user space \(gntalloc, evtchn\)' \
	"guest A after rmmod: vgpufront info says path: user space"
case_ok "$gla" kmod-dmesg "guest A: its kernel logged no BUG, WARNING or Oops"

# ---- 7c. a hostile backend against the kernel driver (XSA-403) ---------------------------
# dom0's vgpu-hostile-backend plays guest A's backend (vgpuback detached
# and stopped): fair once (the control), then it answers 5 pings right and
# breaks the protocol once: a response producer a ring ahead, an answer to
# an id never asked, the answer before again.  The driver must fail the
# device (VGPU_DEV_FAILED, state 2 in vgpu-devtest info), the process get
# an error at once (no hang: every guest command is under timeout, 124), a
# new request EIO; no oops; and once vgpuback serves A again, A is served.
hb() { cat "$R/hostile-$1.back" 2>/dev/null; }
step_ok hostile-detach "hostile phase: vgpuctl detach vgpu-a (vgpuback lets go of A's device)"
step_ok hostile-vgpuback-stopped "hostile phase: vgpuback stopped (it would take the hostile backend's nodes)"
case_ok "$gla" hostile-modprobe "guest A: modprobe xen-vgpufront again for the hostile phase"
case_ok "$gla" hostile-good-connect "hostile control: the driver connected to vgpu-hostile-backend playing fair (INFO connected)"
case_ok "$gla" hostile-good-run "hostile control: vgpufront ping --count 50 through /dev/vgpu0, served by the fair hostile backend"
like "$(guest_out "$gla" hostile-good-run | tr '\n' ' ')" '^50 pings' "hostile control: 50 pings answered"
case_ok "$gla" hostile-good-info "hostile control: the device is still connected after (vgpu-devtest info)"
like "$(guest_out "$gla" hostile-good-add | tr '\n' ' ')" '^3 ' "hostile control: vgpu-devtest add 1 2 answers 3"
is "$(hb good | grep -c '^ATTACK'):$(cat "$R/hostile-good.back.rc" 2>/dev/null)" "0:0" \
	"hostile control: the backend never attacked, and saw the guest connect (exit 0)"
# xs-garbage: state values no state has, then an overflowing ring order, a
# non-numeric protocol version, a negative page limit, a 2000-byte pool
# before InitWait; then it plays fair: the driver ignores or caps them (the
# kernel's xenbus_read_unsigned is sscanf "%u": "2abc" reads as 2 and
# "18446744073709551621" as 5, wrapped; min3() with the driver's own order
# keeps the ring as wide as with a fair backend)
case_ok "$gla" hostile-xs-garbage-connect "hostile xs-garbage: the driver connected after garbage in the backend's state and feature nodes"
like "$(guest_out "$gla" hostile-xs-garbage-run | tr '\n' ' ')" '^50 pings' "hostile xs-garbage: 50 pings answered through /dev/vgpu0"
is "$(hb xs-garbage | grep -c '^GARBAGE state='):$(hb xs-garbage | grep -c '^ATTACK')" "5:0" \
	"hostile xs-garbage: the backend wrote its 5 garbage states, and no ring attack"
gi=$(guest_out "$gla" hostile-xs-garbage-info | tr '\n' ' ')
like "$gi" '^device 0 abi [0-9]+ state 1 protocol [12] ring [0-9]+ .*pool P{15} priority' \
	"hostile xs-garbage: INFO connected, protocol 1 or 2 (from '2abc'), the 2000-byte pool cut to the driver's 16-byte field"
rg=$(sed -n 's/.* ring \([0-9]*\) .*/\1/p' <<<"$gi"); rf=$(guest_out "$gla" hostile-good-info | sed -n 's/.* ring \([0-9]*\) .*/\1/p')
ok "hostile xs-garbage: an overflowing max-ring-page-order does not widen the ring (${rg:-?} slots, ${rf:-?} with the fair backend)" \
	eval "[ -n '$rg' ] && [ -n '$rf' ] && [ '$rg' -gt 0 ] && [ '$rg' -le '$rf' ]"
like "$(guest_out "$gla" hostile-xs-garbage-add | tr '\n' ' ')" '^3 ' "hostile xs-garbage: vgpu-devtest add 1 2 answers 3"
is "$(cat "$R/hostile-xs-garbage.back.rc" 2>/dev/null)" 0 "hostile xs-garbage: the backend saw the guest connect (exit 0)"
case_ok "$gla" hostile-xs-garbage-gone "hostile xs-garbage: the device went with the backend's nodes"
for a in prod-ahead unknown-id duplicate-id; do
	case_ok "$gla" hostile-$a-connect "hostile $a: the driver connected to the hostile backend"
	is "$(hb $a | grep -c "^ATTACK kind=$a request=5")" 1 "hostile $a: the backend broke the protocol once, at the 6th request"
	r=$(guest_case "$gla" hostile-$a-run)
	ok "hostile $a: vgpufront ping fails, no hang (exit ${r:-none}; 124 would be the timeout)" \
		eval "[ -n '$r' ] && [ '$r' != 0 ] && [ '$r' != 124 ] && [ '$r' != 137 ]"
	# as on the user-space path (test-front-hostile.sh): exit 3, the
	# protocol error named (2026-12-03: "ping: executor or GPU error", exit
	# 1: libvgpufront's kernel path takes the driver's VGPU_EIO completion
	# for an executor error and never asks INFO whether the device failed)
	like "$r:$(guest_out "$gla" hostile-$a-run | tr '\n' ' ')" '^3:.*broke the protocol' \
		"hostile $a: vgpufront exits 3 and says the backend broke the protocol, as on the user-space path"
	like "$(guest_out "$gla" hostile-$a-info | tr '\n' ' ')" '^device 0 abi [0-9]+ state 2 ' \
		"hostile $a: /dev/vgpu0 reports the device failed (INFO state VGPU_DEV_FAILED)"
	r=$(guest_case "$gla" hostile-$a-add)
	like "${r:-none}:$(guest_out "$gla" hostile-$a-add | tr '\n' ' ')" '^1:.*submit op [0-9]+: Input/output error' \
		"hostile $a: a new request on the failed device gets EIO at once"
	like "$(hb $a | tr '\n' ' ')" 'LEFT guest_state=[56] .*SUMMARY .*stopped=1' \
		"hostile $a: the guest closed the device (Closing or Closed) while the backend lingered"
	is "$(cat "$R/hostile-$a.back.rc" 2>/dev/null)" 0 "hostile $a: the backend exited 0 on SIGTERM"
	case_ok "$gla" hostile-$a-gone "hostile $a: the device went with the backend's nodes"
done
alerts=$(guest_out "$gla" hostile-alerts)
is "$(grep -c 'vgpu0: response producer too far ahead' <<<"$alerts"):$(grep -c 'vgpu0: response to no request outstanding' <<<"$alerts")" \
	"1:2" "the driver's log names each attack: producer ahead once, no request outstanding twice (unknown-id, duplicate-id)"
step_ok hostile-attach "hostile phase: vgpuback started again, vgpuctl attach vgpu-a"
like "$(guest_out "$gla" hostile-recover-info | tr '\n' ' ')" '^device 0 abi [0-9]+ state 1 .*pool A priority high' \
	"after the hostile backend: the driver connected to vgpuback (state connected, pool A, priority high)"
like "$(guest_out "$gla" hostile-recover-add | tr '\n' ' ')" '^300 ' \
	"after the hostile backend: vgpu-devtest add 100 200 answers 300 through the driver"
like "$(guest_out "$gla" hostile-recover-lib | tr '\n' ' ')" '(^|[^0-9])15([^0-9]|$)' \
	"after the hostile backend: vgpufront add 7 8 answers 15"
like "$(guest_out "$gla" hostile-recover-lib-info | tr '\n' ' ')" 'path: +kernel \(/dev/vgpu0\)' \
	"after the hostile backend: vgpufront info says path: kernel"
case_ok "$gla" hostile-dmesg "guest A after the hostile backend: its kernel logged no BUG, WARNING, Oops or call trace"

# ---- 8. nothing left ----------------------------------------------------------------------
burst_pages=$(cat "$R"/gntdev-pages-burst-* 2>/dev/null | sort -n | tail -1)
like "${burst_pages:-none}" '^[1-9][0-9]*$' "vgpuback held gntdev mappings while the guests ran (max $burst_pages pages)"
step_ok a-domain-gone "guest A powered off and was released"
is "$(cat "$R/gntdev-pages-end" 2>/dev/null)" 0 "no grant mapping left in vgpuback once both guests are gone"
ok "no vgpu backend node left at the end (there were some)" \
	eval "[ -n '$had_b' ] && ! grep -q '^/local/domain/0/backend/vgpu/[0-9]' '$R/xs-end.txt'"
step_ok vgpuback-alive-end "vgpuback survived it all"
if [ "$mode" = systemd ]; then
	step_ok systemctl-stop-end "systemctl stop vgpuback"
	step_ok systemctl-stopped-end "vgpuback is gone after systemctl stop"
	# journalctl's own lines ("-- No entries --", "-- Boot ...") are no entry
	entries() { grep -v '^-- ' "$R/$1" 2>/dev/null; }
	n_info=$(entries journal-vgpuback-info.txt | grep -c .)
	ok "the journal holds vgpuback.service's lines ($n_info at info or more urgent)" test "$n_info" -gt 0
	is "$(cat "$R/journal-vgpuback-err.txt.rc" 2>/dev/null):$(entries journal-vgpuback-err.txt | head -5)" "0:" \
		"a clean run: journalctl -p err shows no line of vgpuback.service"
	like "$(entries journal-bad-config-err.txt | tr '\n' ' ')" "nonexistent/vgpuback.conf" \
		"an error (vgpuback --config of a missing file, as a service) is in journalctl -p err"
	ok "no raw epoch time stamps in vgpuback's journal lines" \
		eval "! grep -Eq 'vgpuback\[[0-9]{9,}\.' '$R/journal-vgpuback.txt'"
else
	step_ok vgpuback-stop "'$initscript stop'"
	step_ok vgpuback-stopped "vgpuback is gone after stop"
fi
ok "Xen did not crash" eval "! grep -aEq 'Panic on CPU|FATAL TRAP' '$run/console.log'"
ok "dom0 kernel reported no BUG/Oops" eval "! grep -aEq 'BUG:|Oops:|general protection' '$R/dom0-dmesg.txt'"

diag "run directory: $run (console log: $run/console.log)"
diag "total $(( $(date +%s) - t0 ))s"
if [ "$_tap_failed" -ne 0 ]; then
	diag "FAILED; console log kept: $run/console.log; its tail:"
	tr -d '\r' <"$run/console.log" 2>/dev/null | tail -60 | sed 's/^/#   /'
	[ -f "$R/steps" ] && { diag "dom0 steps:"; sed 's/^/#   /' "$R/steps"; }
	[ -s "$R/syslog.txt" ] && { diag "vgpuback's log (syslog or journal, last 30 lines):"
		grep -a -E "vgpuback|vgpuctl" "$R/syslog.txt" | tail -30 | sed 's/^/#   /'; }
fi
done_testing

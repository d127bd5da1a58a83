#!/bin/bash
# /opt/vgpu-test/dom0-test.sh: the dom0 half of the real-Xen test, run by
# vgpu-dom0-test.service under systemd (dom0's PID 1 by default), or by
# vgpu-test-init (XEN_QEMU_DOM0_INIT=sysv); either powers the host off when
# this returns.
#
# Under systemd, Debian's own /etc/init.d/xen (xen.service) has started the
# Xen daemons, and vgpuback.service, enabled in the image as README says,
# has started at boot; the test checks that, stops it, runs the project's
# sysv init script (start, status, stop), then starts vgpuback again with
# `systemctl start` for the guests.  Under vgpu-test-init it starts what a
# Xen host starts (modules, xenstored, xen-init-dom0, xenconsoled), then
# vgpuback through the project's own init script.  Then it creates
# the two guests with `xl create` from /etc/xen/vgpu-{a,b}.cfg, paces them
# through XenStore, captures xenstore-ls / vgpuctl output, destroys guest B
# with requests in flight and records what is left of it; then it plays a
# hostile backend for guest A's kernel driver (hostile_phase).  Nothing is judged
# here: every observation lands in /root/results (written as a tar stream to
# the results disk, /dev/vdd) and the host asserts on it.  Each step also
# prints "VGPU-STEP <name> ok|FAIL" on the console so a broken run still says
# how far it got.
XB=/usr/lib/xen-4.17/bin
R=/root/results
RESULTS_DEV=/dev/vdd
rm -rf $R; mkdir -p $R
: >$R/steps
mode=sysv
[ -d /run/systemd/system ] && mode=systemd
echo $mode >$R/dom0-init

up() { cut -d' ' -f1 /proc/uptime; }
log() { echo "VGPU-DOM0 [$(up)s] $*"; }
# step NAME CMD...: run CMD, keep its output in $R/NAME.out, record the status
step() {
	local n=$1 rc
	shift
	log "step $n: $*"
	"$@" >"$R/$n.out" 2>&1
	rc=$?
	head -40 "$R/$n.out" | sed 's/^/  | /'
	if [ $rc -eq 0 ]; then
		echo "$n ok" >>$R/steps; log "VGPU-STEP $n ok"
	else
		echo "$n FAIL rc=$rc" >>$R/steps; log "VGPU-STEP $n FAIL rc=$rc"
	fi
	return $rc
}
# capture FILE CMD...: keep CMD's output and status, judge nothing
capture() {
	local f=$1
	shift
	"$@" >"$R/$f" 2>&1
	echo $? >"$R/$f.rc"
}
# wait_for SECONDS CMD...: until CMD succeeds (wall clock: TCG is slow)
wait_for() {
	local end=$((SECONDS + $1))
	shift
	while :; do
		"$@" >/dev/null 2>&1 && return 0
		[ $SECONDS -lt $end ] || return 1
		sleep 0.5
	done
}
phase_is() { [ "$(xenstore-read /local/domain/$1/data/vgpu-test/phase 2>/dev/null)" = "$2" ]; }
go() { xenstore-write /local/domain/$1/data/vgpu-test/go "$2"; log "go=$2 to domain $1"; }
no_node() { ! xenstore-read "$1" >/dev/null 2>&1 && ! xenstore-list "$1" >/dev/null 2>&1; }
vgpuback_pid() { pidof vgpuback; }
# pages of guest memory vgpuback has mapped through gntdev right now
gntdev_pages() {
	local pid range n=0
	pid=$(vgpuback_pid) || { echo none; return; }
	while read -r range _; do
		n=$((n + (0x${range#*-} - 0x${range%-*}) / 4096))
	done < <(grep /dev/xen/gntdev /proc/$pid/maps 2>/dev/null)
	echo $n
}
# proc_diag FILE: what each vgpuback thread is doing (for a hang)
proc_diag() {
	local pid t
	pid=$(vgpuback_pid) || { echo "no vgpuback" >$R/$1; return; }
	for t in /proc/$pid/task/*; do
		echo "== $t $(cat $t/comm) state=$(awk '/^State/ {print $2}' $t/status) wchan=$(cat $t/wchan)"
		cat $t/stack 2>/dev/null
	done >$R/$1 2>&1
}
domain_gone() { ! xl list "$1" >/dev/null 2>&1 && ! xl list | grep -q '(null)'; }
# Nothing the product does may hang the run: every tool call is bounded.
vgpuctl() { timeout 20 vgpuctl "$@"; }
xl() { timeout 180 xl "$@"; }
# journal_checks: vgpuback's own lines in the journal (its stderr stream,
# _SYSTEMD_UNIT=, not PID 1's lines about the unit) by priority: a clean run
# has none at err; an error (a --config file that does not exist, in a unit
# like vgpuback.service) is at err.
journal_checks() {
	local u=/run/systemd/system/vgpuback-bad-config.service
	printf '[Service]\nType=oneshot\nExecStart=%s --foreground --config /nonexistent/vgpuback.conf\n' \
		"$(command -v vgpuback)" >$u
	systemctl daemon-reload
	capture systemctl-start-bad-config.txt systemctl start vgpuback-bad-config.service
	journalctl --sync >/dev/null 2>&1; sleep 1
	capture journal-bad-config-err.txt journalctl --no-pager -p err _SYSTEMD_UNIT=vgpuback-bad-config.service
	capture journal-bad-config-all.txt journalctl --no-pager -o verbose _SYSTEMD_UNIT=vgpuback-bad-config.service
	capture journal-vgpuback-err.txt journalctl --no-pager -b -p err _SYSTEMD_UNIT=vgpuback.service
	capture journal-vgpuback-info.txt journalctl --no-pager -b -p info _SYSTEMD_UNIT=vgpuback.service
}
collect() {
	log "collecting logs"
	if [ $mode = systemd ]; then
		journalctl -b --no-pager -o short-monotonic >$R/syslog.txt 2>&1
		journalctl -b --no-pager -o short-monotonic -u vgpuback.service >$R/journal-vgpuback.txt 2>&1
	else
		cp /var/log/messages $R/syslog.txt 2>/dev/null
	fi
	mkdir -p $R/xen-logs
	cp -a /var/log/xen/. $R/xen-logs/ 2>/dev/null
	xl dmesg >$R/xl-dmesg.txt 2>&1
	dmesg >$R/dom0-dmesg.txt 2>&1
	echo "$(up)" >$R/dom0-uptime-at-end
	if tar -C /root -cf $RESULTS_DEV results; then
		log "results written to $RESULTS_DEV"
	else
		log "could not write results to $RESULTS_DEV"
	fi
	sync
}
finish() {
	[ -n "${watchdog:-}" ] && kill $watchdog 2>/dev/null
	[ $mode = systemd ] && journal_checks
	collect
	log "VGPU-DONE"
	exit 0
}

# Watchdog: whatever hangs, the results still come out before the host's
# QEMU limit of 1200 s (DOM0_DEADLINE seconds of dom0 uptime, default 1050:
# systemd's boot and the vgpuback.service checks take some 90 s more than
# vgpu-test-init did).
deadline=${DOM0_DEADLINE:-1050}
( while [ "$(cut -d. -f1 /proc/uptime)" -lt $deadline ]; do sleep 5; done
  echo "deadline FAIL dom0 test still running after ${deadline}s of uptime" >>$R/steps
  log "VGPU-STEP deadline FAIL: still running after ${deadline}s; writing results now"
  [ $mode = systemd ] && journal_checks
  collect; log "VGPU-DONE (deadline)"; sync; echo o >/proc/sysrq-trigger ) &
watchdog=$!
log "dom0 userspace reached; kernel $(uname -r); hypervisor $(cat /sys/hypervisor/type 2>/dev/null) $(cat /sys/hypervisor/version/major 2>/dev/null).$(cat /sys/hypervisor/version/minor 2>/dev/null)"
mkdir -p /var/lib/xen /var/log/xen/console /run/xen /run/xenstored /var/run/xen-hotplug
rm -f /var/log/xen/console/guest-*.log /var/lib/xen/userdata-*

# ---- a Xen host's own start-up ------------------------------------------------
log "dom0 init: $mode"
load_modules() {
	local m rc=0
	for m in xenfs xen-evtchn xen-gntdev xen-gntalloc xen-privcmd xen-blkback; do
		modprobe $m || rc=1
	done
	mountpoint -q /proc/xen || mount -t xenfs xenfs /proc/xen || rc=1
	mountpoint -q /sys/kernel/debug || mount -t debugfs debugfs /sys/kernel/debug
	ls /dev/xen
	return $rc
}
start_xenstored() {
	XENSTORED_ROOTDIR=/run/xenstored $XB/xenstored --pid-file=/run/xenstored.pid &&
		wait_for 30 xenstore-ls /
}
if [ $mode = systemd ]; then
	# Debian's /etc/init.d/xen did it all, as xen.service (the sysv generator)
	step xen-service systemctl is-active xen.service
	step modules load_modules
	step xenstored wait_for 30 xenstore-ls /
	step xen-init-dom0 eval '[ "$(xenstore-read /local/domain/0/name)" = Domain-0 ]'
	step xenconsoled pidof xenconsoled
else
	step modules load_modules
	step xenstored start_xenstored
	step xen-init-dom0 $XB/xen-init-dom0
	step xenconsoled $XB/xenconsoled --pid-file=/run/xenconsoled.pid --log=guest \
		--log-dir=/var/log/xen/console
	# vgpuback logs to syslog; minbase has no syslogd, busybox's will do
	busybox syslogd -O /var/log/messages 2>/dev/null || log "no syslogd"
fi
step xl-info xl info

# ---- vgpuback.service, as systemd started it at boot -----------------------------
# show_units FILE: the start/stop times (monotonic, us) systemd recorded
show_units() {
	local u
	for u in xen.service vgpuback.service xendomains.service; do
		systemctl show -p ActiveEnterTimestampMonotonic -p InactiveExitTimestampMonotonic \
			-p ActiveState -p Result -p NRestarts $u | sed "s/^/$u /"
	done >$R/$1
	systemctl show -p After --value xendomains.service | tr ' ' '\n' |
		sed 's/^/xendomains.service after /' >>$R/$1
}
if [ $mode = systemd ]; then
	show_units systemd-boot-units.txt
	capture systemctl-status-boot.txt systemctl status --no-pager vgpuback.service
	capture systemctl-failed.txt systemctl list-units --failed --no-pager
	step vgpuback-boot systemctl is-active vgpuback.service
	step vgpuback-boot-pid eval '[ "$(systemctl show -p MainPID --value vgpuback.service)" = "$(pidof vgpuback)" ]'
	step systemctl-stop systemctl stop vgpuback.service
	step systemctl-stopped wait_for 20 eval '! pidof vgpuback'
fi

# ---- vgpuback, through the project's init script -------------------------------
initscript=$(ls /etc/init.d/*vgpu* 2>/dev/null | head -1)
echo "${initscript:-none}" >$R/initscript
if [ $mode = systemd ] && [ -n "$initscript" ]; then
	# The sysv path: start, status, an answer, stop (systemd's copy is stopped)
	step vgpuback-start "$initscript" start
	sleep 1
	step vgpuback-status "$initscript" status
	step vgpuback-running vgpuback_pid
	step sysv-vgpuctl vgpuctl list
	step vgpuback-stop "$initscript" stop
	step vgpuback-stopped wait_for 20 eval '! pidof vgpuback'
	# ... then vgpuback.service serves the guests
	step systemctl-start systemctl start vgpuback.service
	step systemctl-active systemctl is-active vgpuback.service
	step systemctl-pid wait_for 10 eval '[ "$(systemctl show -p MainPID --value vgpuback.service)" = "$(pidof vgpuback)" ]'
elif [ -z "$initscript" ]; then
	echo "init-script FAIL no /etc/init.d/*vgpu* installed" >>$R/steps
	log "VGPU-STEP init-script FAIL: make install put no /etc/init.d/*vgpu*"
	# The init script's assertions fail; start vgpuback by hand anyway so
	# the rest of the run still tests the data path over real Xen.
	if command -v vgpuback >/dev/null; then
		log "FALLBACK: starting vgpuback by hand"
		echo "vgpuback started by hand (no init script)" >>$R/fallbacks
		vgpuback --foreground >$R/vgpuback-by-hand.out 2>&1 &
		( tail -n +1 -F $R/vgpuback-by-hand.out 2>/dev/null | sed -u 's/^/  vgpuback| /' ) &
		sleep 2
	fi
else
	step vgpuback-start "$initscript" start
	sleep 1
	step vgpuback-status "$initscript" status
	step vgpuback-running vgpuback_pid
fi
cp /etc/xen-vgpu/vgpuback.conf $R/vgpuback.conf 2>/dev/null

# ---- the guests ------------------------------------------------------------
step xl-create-a xl create /etc/xen/vgpu-a.cfg
step xl-create-b xl create /etc/xen/vgpu-b.cfg
da=$(xl domid vgpu-a 2>/dev/null); db=$(xl domid vgpu-b 2>/dev/null)
echo "vgpu-a ${da:-none}" >$R/domids; echo "vgpu-b ${db:-none}" >>$R/domids
log "guest domains: vgpu-a=$da vgpu-b=$db"
capture xl-list-created.txt xl list
# stream the guests' test lines onto our console as they arrive (their
# kernel messages stay in xenconsoled's logs: the serial line is slow)
( tail -n +1 -F /var/log/xen/console/guest-vgpu-a.log /var/log/xen/console/guest-vgpu-b.log 2>/dev/null |
	tr -d '\r' | grep --line-buffered -E '^(==>|VGPU-|.*(BUG|Oops|panic))' | sed -u 's/^/  guest| /' ) &
tailpid=$!
[ -n "$da" ] && [ -n "$db" ] || { log "a guest did not start"; kill $tailpid; finish; }

bv=/local/domain/0/backend/vgpu
# fallback_nodes DOMID POOL PRIO: the nodes the hook should have written,
# with libxl's permissions (used only when the hook wrote none)
fallback_nodes() {
	local b=$bv/$1/0 f=/local/domain/$1/device/vgpu/0
	xenstore-write $b/frontend $f $b/frontend-id $1 $b/online 1 $b/state 1 \
		$b/pool $2 $b/priority $3 &&
	xenstore-chmod -r $bv/$1 n0 r$1 &&
	xenstore-write $f/backend $b $f/backend-id 0 $f/state 1 &&
	xenstore-chmod -r /local/domain/$1/device/vgpu n$1 r0
}
if ! step backend-nodes wait_for 30 xenstore-read $bv/$da/0/state; then
	log "FALLBACK: the xl hook wrote no nodes; writing them by hand"
	echo "backend/frontend nodes written by hand (no xl hook)" >>$R/fallbacks
	fallback_nodes $da A high; fallback_nodes $db B low
fi
wait_for 30 xenstore-read $bv/$db/0/state
capture xs-backend-created.txt xenstore-ls -fp $bv

# ---- single requests in each guest, then a burst from both -----------------
step guests-ready wait_for 600 eval "phase_is $da ready && phase_is $db ready"
capture xs-backend.txt xenstore-ls $bv
capture xs-backend-perms.txt xenstore-ls -fp $bv
capture xs-frontend-a.txt xenstore-ls -fp /local/domain/$da/device/vgpu
capture xs-frontend-b.txt xenstore-ls -fp /local/domain/$db/device/vgpu
capture vgpuback-ps.txt ps -eo pid,stat,wchan:24,time,args
proc_diag vgpuback-threads-ready.txt
capture vgpuctl-list.txt vgpuctl list
capture vgpuctl-list.json vgpuctl list --json
capture vgpuctl-pools.txt vgpuctl pools
capture vgpuctl-stats-before.json vgpuctl stats --json
go $da burst; go $db burst
for i in 1 2 3 4 5 6; do
	capture vgpuctl-stats-burst-$i.json vgpuctl stats --json
	echo "$(gntdev_pages)" >$R/gntdev-pages-burst-$i
	sleep 1
done
step burst-done wait_for 600 eval "phase_is $da burst-done && phase_is $db burst-done"
proc_diag vgpuback-threads-burst.txt
capture vgpuctl-stats-burst.json vgpuctl stats --json
capture vgpuctl-stats.txt vgpuctl stats

# ---- destroy B while it has requests in flight -------------------------------
go $db inflight
step b-inflight wait_for 120 phase_is $db inflight
# let its requests reach the queue: watch vgpuctl stats until B has some
for i in $(seq 1 40); do
	vgpuctl stats --json >$R/vgpuctl-stats-before-destroy.json 2>&1
	tr -d ' \n' <$R/vgpuctl-stats-before-destroy.json |
		grep -Eq "\"domid\":$db,[^}]*\"inflight\":[1-9]|\"domid\":$db,[^}]*\"queued\":[1-9]" && break
	sleep 0.25
done
echo "$(gntdev_pages)" >$R/gntdev-pages-before-destroy
step xl-destroy-b xl destroy vgpu-b
step b-backend-gone wait_for 60 no_node $bv/$db
step b-domain-gone wait_for 60 domain_gone $db
capture xl-list-after-destroy.txt xl list
capture xs-after-destroy.txt xenstore-ls -f $bv
capture vgpuctl-list-after-destroy.txt vgpuctl list
capture vgpuctl-list-after-destroy.json vgpuctl list --json
capture vgpuctl-stats-after-destroy.json vgpuctl stats --json
echo "$(gntdev_pages)" >$R/gntdev-pages-after-destroy

# ---- a hostile backend against guest A's kernel driver (XSA-403) -------------
# vgpuback lets go of A's device (vgpuctl detach) and stops: it watches the
# whole backend root and would take the hostile backend's nodes for its own.
# vgpu-hostile-backend then plays A's backend, once fair (the control), once
# fair after garbage in its XenStore nodes (xs-garbage) and once per ring
# attack, each time a device of its own (its nodes made, and
# removed when it stops); guest A's driver binds each, the guest runs
# vgpufront through /dev/vgpu0 and looks at the device while the backend
# still lingers Connected, then dom0 stops the backend (SIGTERM) and the
# device goes.  Then vgpuback starts again, the device is attached again
# and A is served by it.
HOSTILE_ATTACKS="good xs-garbage prod-ahead unknown-id duplicate-id"
vgpuback_ctl() { # vgpuback_ctl start|stop, as this boot runs it
	if [ $mode = systemd ]; then
		systemctl $1 vgpuback.service
	else
		"$initscript" $1
	fi
}
hostile_case() {
	local a=$1 pid killer rc
	vgpu-hostile-backend --domid $da --attack $a --after 5 --seconds 600 \
		--linger 300 >$R/hostile-$a.back 2>&1 &
	pid=$!
	wait_for 20 grep -q '^READY' $R/hostile-$a.back
	go $da hostile-$a
	step hostile-$a-checked wait_for 300 phase_is $da hostile-$a-checked
	capture xs-hostile-$a.txt xenstore-ls -f /local/domain/$da/device/vgpu
	# it stops at once on SIGTERM; SIGKILL after 30 s all the same
	kill -TERM $pid 2>/dev/null
	( sleep 30; kill -KILL $pid 2>/dev/null ) &
	killer=$!
	wait $pid
	rc=$?
	kill $killer 2>/dev/null
	echo $rc >$R/hostile-$a.back.rc
	sed "s/^/  hostile-$a| /" $R/hostile-$a.back
	log "vgpu-hostile-backend --attack $a exited rc=$rc"
	step hostile-$a-nodes-gone wait_for 30 eval "no_node $bv/$da/0 && no_node /local/domain/$da/device/vgpu/0"
	step hostile-$a-done wait_for 120 phase_is $da hostile-$a-done
}
hostile_phase() {
	local a
	phase_is $da kmod-done || return
	step hostile-detach vgpuctl detach vgpu-a
	step hostile-vgpuback-stop vgpuback_ctl stop
	step hostile-vgpuback-stopped wait_for 20 eval '! pidof vgpuback'
	go $da hostile-prep
	step hostile-prep wait_for 120 phase_is $da hostile-ready || return
	for a in $HOSTILE_ATTACKS; do
		hostile_case $a || break
	done
	step hostile-vgpuback-start vgpuback_ctl start
	step hostile-vgpuback-up wait_for 30 vgpuctl list
	step hostile-attach vgpuctl attach vgpu-a 'pool=A,prio=high'
	go $da hostile-recover
	step hostile-recovered wait_for 300 phase_is $da hostile-done
	capture vgpuctl-list-after-hostile.txt vgpuctl list
}

# ---- A is still served; then A powers off -----------------------------------
go $da after
step a-after-done wait_for 300 phase_is $da after-done
# then A tries the kernel driver (guest-test.sh's kmod_cases), and is saved
# and restored while a process holds its /dev/vgpu0 (phase kmod-hold)
phase_kmod() { phase_is $da kmod-hold || phase_is $da kmod-done; }
if step a-kmod-hold wait_for 400 phase_kmod && phase_is $da kmod-hold; then
	capture vgpuctl-list-before-save.txt vgpuctl list
	# the image has no room for A's 512 MiB: a tmpfs in dom0's 2 GiB holds it
	mkdir -p /run/vgpu-save
	mount -t tmpfs -o size=640m tmpfs /run/vgpu-save
	step a-save xl save vgpu-a /run/vgpu-save/vgpu-a.save
	step a-restore xl restore /run/vgpu-save/vgpu-a.save
	rm -f /run/vgpu-save/vgpu-a.save
	umount /run/vgpu-save
	da=$(xl domid vgpu-a 2>/dev/null)
	echo "vgpu-a-restored ${da:-none}" >>$R/domids
	log "guest A restored as domain $da"
	capture xs-backend-restored.txt xenstore-ls -f $bv
fi
step a-kmod-done wait_for 400 phase_is $da kmod-done
capture vgpuctl-list-after-restore.txt vgpuctl list
hostile_phase
go $da exit
step a-domain-gone wait_for 120 domain_gone $da
sleep 2
capture xl-list-end.txt xl list
capture xs-end.txt xenstore-ls -f $bv
capture vgpuctl-list-end.txt vgpuctl list
capture vgpuctl-stats-end.json vgpuctl stats --json
echo "$(gntdev_pages)" >$R/gntdev-pages-end
step vgpuback-alive-end vgpuback_pid
xl debug-keys g >/dev/null 2>&1 && xl dmesg | tail -60 >$R/xen-grant-table-dump.txt

if [ $mode = systemd ]; then
	step systemctl-stop-end systemctl stop vgpuback.service
	step systemctl-stopped-end wait_for 20 eval '! pidof vgpuback'
	capture systemctl-status-end.txt systemctl status --no-pager vgpuback.service
elif [ -n "$initscript" ]; then
	step vgpuback-stop "$initscript" stop
	step vgpuback-stopped wait_for 20 eval '! pidof vgpuback'
elif pid=$(vgpuback_pid); then
	kill -TERM $pid
	wait_for 20 eval '! pidof vgpuback' || log "vgpuback (by hand) did not stop on SIGTERM"
fi
kill $tailpid 2>/dev/null
finish

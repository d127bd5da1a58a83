#!/bin/bash
# /opt/vgpu-test/guest-test.sh: runs in each PV guest of the real-Xen test
# (child of vgpu-test-init).  Everything it prints goes to hvc0, which
# xenconsoled in dom0 logs; dom0 puts that log on the results disk and the
# host asserts on the lines
#   VGPU-CASE <name> rc=<rc>        one per command
#   VGPU-OUT <name> | <line>        that command's output
# dom0 and the guest pace each other through the guest's own XenStore
# directory: the guest writes data/vgpu-test/phase, dom0 writes
# data/vgpu-test/go.
up() { cut -d' ' -f1 /proc/uptime; }
log() { echo "VGPU-GUEST [$(up)s] $*"; }

# case NAME CMD...: run one command, report its status and output
case_run() {
	local name=$1 rc
	shift
	log "\$ $*"
	"$@" >"/tmp/$name.out" 2>&1
	rc=$?
	sed "s/^/VGPU-OUT $name | /" "/tmp/$name.out"
	echo "VGPU-CASE $name rc=$rc"
	return $rc
}
phase() { xenstore-write data/vgpu-test/phase "$1"; log "phase $1"; }
# wait_go WORD SECONDS: until dom0 writes WORD (or "exit") into data/vgpu-test/go
wait_go() {
	local end=$((SECONDS + $2)) v
	while [ $SECONDS -lt $end ]; do
		v=$(xenstore-read data/vgpu-test/go 2>/dev/null)
		if [ "$v" = "$1" ] || [ "$v" = exit ]; then
			log "go=$v"
			[ "$v" = "$1" ]
			return
		fi
		sleep 0.5
	done
	log "no go=$1 from dom0 after $2 s"
	return 1
}

# TCG runs the guest and dom0 some 50 times slower than hardware: give
# vgpufront's handshake and requests 30 s instead of the default 10 s.
vgpufront() { command vgpufront -t 30000 "$@"; }

log "guest userspace reached; kernel $(uname -r)"
# gntalloc allows 1024 pages by default; vadd of 1M floats shares 3 x 4 MiB
for m in xenfs xen-evtchn xen-gntdev; do modprobe $m || log "modprobe $m failed"; done
modprobe xen-gntalloc limit=262144 || log "modprobe xen-gntalloc failed"
mountpoint -q /proc/xen || mount -t xenfs xenfs /proc/xen
name=$(xenstore-read name)
domid=$(xenstore-read domid)
log "I am $name, domain $domid; /dev/xen: $(ls /dev/xen | tr '\n' ' ')"
xenstore-write data/vgpu-test/go wait

# The device the toolstack hook wrote for us (give it a little time).
end=$((SECONDS + 150))
while [ $SECONDS -lt $end ] && ! xenstore-read device/vgpu/0/backend >/dev/null 2>&1; do
	sleep 0.5
done
case_run frontend-nodes xenstore-ls -f device/vgpu
# pool and priority belong to dom0: writing them must be refused
be=$(xenstore-read device/vgpu/0/backend 2>/dev/null)
if [ -z "$be" ]; then
	echo "VGPU-CASE write-own-priority rc=2 (no device/vgpu/0/backend)"
elif xenstore-write "$be/priority" high 2>/dev/null; then
	echo "VGPU-CASE write-own-priority rc=0"
else
	echo "VGPU-CASE write-own-priority rc=1"
fi

case_run info vgpufront info
case_run ping vgpufront ping
case_run add vgpufront add 100 200
case_run vadd vgpufront vadd --n 1048576 --verify
# Protocol 2 from a real PV guest: a session, device memory, copies, memset.
case_run mem vgpufront mem --n 1048576

# libvgpufront through the driver: the same vgpufront commands as above, run
# by a user of the vgpu group; with the node there (VGPUFRONT_PATH unset:
# auto) the library takes the kernel path.  Three processes at once, each
# its own file (and session) on the one ring: bench keeps 16 requests in
# flight (submit and poll), vadd and mem check every element and byte.
kmod_lib_three() {
	local r1 r2 r3
	$U vgpufront -t 30000 bench --seconds 3 --inflight 16 >/tmp/three-bench.out 2>&1 &
	local p1=$!
	$U vgpufront -t 30000 vadd --n 262144 --verify --repeat 4 >/tmp/three-vadd.out 2>&1 &
	local p2=$!
	$U vgpufront -t 30000 mem --n 262144 >/tmp/three-mem.out 2>&1 &
	local p3=$!
	wait $p1; r1=$?
	wait $p2; r2=$?
	wait $p3; r3=$?
	sed 's/^/bench: /' /tmp/three-bench.out
	sed 's/^/vadd: /' /tmp/three-vadd.out
	sed 's/^/mem: /' /tmp/three-mem.out
	echo "exit: bench $r1 vadd $r2 mem $r3"
	[ $r1 = 0 ] && [ $r2 = 0 ] && [ $r3 = 0 ]
}

# The kernel driver (xen-vgpufront.ko, vgpu(4)), after the user-space path
# is done with the device: udev loads the driver for the device by its
# modalias (xen:vgpu), /dev/vgpu0 appears with the vgpu group's permissions,
# a user of that group (not root) runs vgpu-devtest through it, a user not in
# it is refused; a save/restore with the device open; then unbind and
# rmmod, and the user-space path works again.
kmod_cases() {
	local udevd=/lib/systemd/systemd-udevd d U N
	if ! modinfo xen-vgpufront >/dev/null 2>&1; then
		echo "VGPU-CASE kmod-installed rc=1 (no xen-vgpufront.ko in this image)"
		return
	fi
	echo "VGPU-CASE kmod-installed rc=0"
	[ -x $udevd ] || udevd=/usr/lib/systemd/systemd-udevd
	$udevd --daemon
	# re-announce the device that was there all along: udev's kmod builtin
	# loads what its MODALIAS names
	udevadm trigger --action=add --subsystem-match=xen --sysname-match='vgpu-*'
	udevadm settle -t 60
	end=$((SECONDS + 120))
	while [ $SECONDS -lt $end ] && [ "$(stat -c %G 2>/dev/null /dev/vgpu0)" != vgpu ]; do
		sleep 0.5
	done
	case_run kmod-autoload sh -c 'grep -w xen_vgpufront /proc/modules && ls -l /dev/vgpu0'
	case_run kmod-perms eval '[ "$(stat -c %G:%a /dev/vgpu0)" = vgpu:660 ]'
	U="setpriv --reuid=vgpuuser --regid=vgpuuser --init-groups"
	N="setpriv --reuid=novgpu --regid=novgpu --init-groups"
	case_run kmod-info $U vgpu-devtest info
	case_run kmod-add $U vgpu-devtest add 100 200
	case_run kmod-vadd $U vgpu-devtest vadd --n 1048576 --verify
	case_run kmod-burst $U vgpu-devtest burst --procs 2 --count 500
	case_run kmod-burst-kill $U vgpu-devtest burst --procs 2 --count 500 --kill-one
	case_run kmod-isolation $U vgpu-devtest isolation
	case_run kmod-mem $U vgpu-devtest mem --n 1048576
	case_run kmod-lib-info $U vgpufront -t 30000 info
	case_run kmod-lib-info-json $U vgpufront -t 30000 info --json
	case_run kmod-lib-add $U vgpufront -t 30000 add 100 200
	case_run kmod-lib-vadd $U vgpufront -t 30000 vadd --n 1048576 --verify
	case_run kmod-lib-mem $U vgpufront -t 30000 mem --n 1048576
	case_run kmod-lib-three kmod_lib_three
	case_run kmod-lib-forced-user $U env VGPUFRONT_PATH=user vgpufront -t 30000 ping
	case_run kmod-not-in-group $N vgpu-devtest info
	# Save/restore with the device open: dom0 saves and restores this
	# domain (phase kmod-hold) while vgpu-devtest keeps adds in flight; the
	# driver reconnects in its resume, what was in flight fails with
	# VGPU_ESHUTDOWN, the session says it was lost, the buffers serve again.
	rm -f /tmp/hold-ready
	$U vgpu-devtest hold --seconds 500 --ready /tmp/hold-ready >/tmp/kmod-restore.out 2>&1 &
	hold=$!
	end=$((SECONDS + 120))
	while [ $SECONDS -lt $end ] && [ ! -e /tmp/hold-ready ] && kill -0 $hold 2>/dev/null; do
		sleep 0.5
	done
	phase kmod-hold
	wait $hold
	rc=$?
	sed "s/^/VGPU-OUT kmod-restore | /" /tmp/kmod-restore.out
	echo "VGPU-CASE kmod-restore rc=$rc"
	case_run kmod-after-restore $U vgpu-devtest add 7 8
	case_run kmod-lib-after-restore $U vgpufront -t 30000 add 7 8
	case_run kmod-lib-mem-after-restore $U vgpufront -t 30000 mem --n 65536
	case_run kmod-lib-info-after-restore $U vgpufront -t 30000 info
	# xenbus holds the module while a device is bound to it: unbind first
	# (remove: the driver says Closed), then rmmod
	case_run kmod-rmmod sh -c 'echo vgpu-0 >/sys/bus/xen/drivers/vgpu/unbind && rmmod xen_vgpufront && ! grep -w xen_vgpufront /proc/modules'
	xenstore-read device/vgpu/0/state | sed 's/^/VGPU-GUEST frontend state after unbind: /'
	case_run kmod-userspace-after vgpufront add 5 6
	case_run kmod-userspace-info vgpufront info
	case_run kmod-dmesg sh -c 'dmesg | grep -iE "vgpu|BUG|WARNING|Oops"; ! dmesg | grep -Eq "BUG:|WARNING:|Oops:|general protection"'
	d=$(pidof systemd-udevd) && kill $d
}

# A hostile backend (dom0's vgpu-hostile-backend, XSA-403) against the
# driver: for each of dom0's go=hostile-<attack> a device of that backend
# appears, the driver binds it; vgpufront pings 50 times through
# /dev/vgpu0 (the backend answers 5 right, then breaks the protocol once:
# prod-ahead, unknown-id, duplicate-id; good and xs-garbage never do);
# then the device's state (VGPU_IOC_INFO), and a new request on it.  Root
# runs them (udevd is gone, /dev/vgpu0 is devtmpfs' root 0600).  Every
# command is bounded by timeout: a hang is exit 124, not a stuck test.
hostile_wait_dev() { # until /dev/vgpu0 answers INFO as connected (or 120 s)
	local end=$((SECONDS + 120))
	while [ $SECONDS -lt $end ] && ! timeout 20 vgpu-devtest info >/dev/null 2>&1; do
		sleep 0.5
	done
}
hostile_case() {
	local a=$1 end
	hostile_wait_dev
	case_run hostile-$a-connect timeout 60 vgpu-devtest info
	case_run hostile-$a-run timeout 150 vgpufront -t 30000 ping --count 50
	case_run hostile-$a-info timeout 60 vgpu-devtest info
	case_run hostile-$a-add timeout 90 vgpu-devtest add 1 2
	case_run hostile-$a-poll sh -c 'cat /sys/bus/xen/devices/vgpu-0/state; xenstore-read device/vgpu/0/state device/vgpu/0/error'
	phase hostile-$a-checked
	# dom0 stops the backend: the nodes go, and the device with them
	end=$((SECONDS + 90))
	while [ $SECONDS -lt $end ] && { [ -e /sys/bus/xen/devices/vgpu-0 ] || [ -e /dev/vgpu0 ]; }; do
		sleep 0.5
	done
	case_run hostile-$a-gone sh -c '! [ -e /sys/bus/xen/devices/vgpu-0 ] && ! [ -e /dev/vgpu0 ]'
	phase hostile-$a-done
}
hostile_recover() {
	hostile_wait_dev
	case_run hostile-recover-info timeout 60 vgpu-devtest info
	case_run hostile-recover-add timeout 90 vgpu-devtest add 100 200
	case_run hostile-recover-lib timeout 120 vgpufront -t 30000 add 7 8
	case_run hostile-recover-lib-info timeout 120 vgpufront -t 30000 info
	case_run hostile-alerts sh -c 'dmesg | grep -E "xen-vgpufront|vgpu-0"'
	case_run hostile-dmesg sh -c '! dmesg | grep -Eq "BUG:|WARNING:|Oops:|general protection|Call Trace"'
}
hostile_phase() {
	local v
	case_run hostile-modprobe modprobe xen-vgpufront
	phase hostile-ready
	while :; do
		v=$(xenstore-read data/vgpu-test/go 2>/dev/null)
		case $v in
		hostile-prep) ;;
		hostile-recover) hostile_recover; phase hostile-done; return ;;
		hostile-*-done) ;;
		hostile-*)
			if [ ! -e /tmp/hostile-${v#hostile-}.did ]; then
				touch /tmp/hostile-${v#hostile-}.did
				hostile_case ${v#hostile-}
			fi ;;
		exit|'') return ;;
		esac
		sleep 0.5
	done
}

# Burst: both guests at once (dom0 says go when both are ready).
phase ready
# One vgpufront process at a time per guest (each one opens the device);
# bench keeps 16 requests in flight, and both guests run it at once.
if wait_go burst 600; then
	case_run burst-bench vgpufront bench --seconds 3 --inflight 16
	case_run burst-vadd vgpufront vadd --n 262144 --verify --repeat 4
	for i in 1 2 3 4; do
		case_run burst-add-$i vgpufront add $((i * 1000)) $((i * 7))
	done
fi
phase burst-done

# Then dom0 asks one guest to keep requests in flight (it will destroy it)
# and the other to show it is still served afterwards.
while :; do
	v=$(xenstore-read data/vgpu-test/go 2>/dev/null)
	case $v in
	inflight)
		phase inflight
		# keep the executor busy with large requests until dom0 destroys us
		for i in $(seq 1 100); do
			vgpufront vadd --n 1048576 --repeat 1000 >/dev/null 2>&1
			echo "VGPU-GUEST inflight: vadd stream $i ended"
		done
		phase inflight-not-destroyed
		break ;;
	after)
		case_run after-ping vgpufront ping
		case_run after-add vgpufront add 1 2
		case_run after-vadd vgpufront vadd --n 65536 --verify
		phase after-done
		kmod_cases
		phase kmod-done
		# dom0's hostile phase, when it has one; then exit
		wait_go hostile-prep 300 && hostile_phase
		wait_go exit 300
		break ;;
	exit) break ;;
	esac
	sleep 0.5
done
log "guest test done"

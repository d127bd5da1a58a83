#!/bin/bash
# run.sh: boot the image build-image.sh made: Xen 4.17 under
# qemu-system-x86_64 (TCG), a PV dom0 under systemd that runs
# /opt/vgpu-test/dom0-test.sh (vgpu-dom0-test.service), which creates the two
# PV guests.  Nothing is judged here (test-xen.sh does
# that on the host); this script boots, waits, and brings the results out.
#
#   run.sh IMAGE_DIR [RUN_DIR]
#
# RUN_DIR (default $XEN_QEMU_CACHE/runs/<stamp>) receives
#   console.log   the serial console (Xen, dom0 and, copied by dom0, the guests)
#   cmdline       the QEMU command line
#   results/      what dom0 wrote to the results disk (a tar stream)
#   status        qemu=<rc> done=<0|1> seconds=<n> why=<...>
# The last line of output is RUN_DIR.
#
# Environment: XEN_QEMU_TIMEOUT (hard limit for QEMU, seconds, default 1200),
#   XEN_QEMU_CPU (default qemu64), XEN_QEMU_MEM (6G), XEN_QEMU_SMP (2),
#   XEN_QEMU_DOM0_INIT (systemd, the default, or sysv: vgpu-test-init as PID 1).
# Only the QEMU this script starts is ever killed (by its pid).
set -uo pipefail

img=${1:?usage: run.sh IMAGE_DIR [RUN_DIR]}
img=$(cd "$img" && pwd)
cache=${XEN_QEMU_CACHE:-/var/tmp/xen-vgpu-qemu}
run=${2:-$cache/runs/$(date +%Y%m%d-%H%M%S)-$$}
limit=${XEN_QEMU_TIMEOUT:-1200}
mkdir -p "$run"
run=$(cd "$run" && pwd)
log=$run/console.log

for f in xen.elf vmlinuz initrd.img rootfs.img; do
	[ -s "$img/$f" ] || { echo "run.sh: $img/$f missing (run build-image.sh)"; exit 2; }
done

# Every disk is a copy-on-write overlay: the cached image is never written.
# vda dom0 root, vdb guest A root, vdc guest B root, vdd results (raw).
for d in dom0 guest-a guest-b; do
	qemu-img create -q -f qcow2 -F raw -b "$img/rootfs.img" "$run/$d.qcow2" ||
		{ echo "run.sh: qemu-img create failed"; exit 2; }
done
rm -f "$run/results.img"; truncate -s 64M "$run/results.img"

# smap=0: under TCG dom0 dies at its first page fault otherwise.
# QEMU splits -initrd at commas: the dom0 command line must have none.
xen_args="dom0_mem=2G,max:2G dom0_max_vcpus=${XEN_QEMU_SMP:-2} console=com1 com1=115200,8n1"
xen_args="$xen_args loglvl=all guest_loglvl=all smap=0 console_timestamps=boot"
# dom0's PID 1: systemd (it runs vgpu-dom0-test.service), or the test's own
# init (XEN_QEMU_DOM0_INIT=sysv: no systemd at all, as before).
# systemd.show_status=error: no progress spinner on the serial console
# (under TCG each byte of it costs; the journal has it all).
case ${XEN_QEMU_DOM0_INIT:-systemd} in
systemd) dom0_init="init=/lib/systemd/systemd systemd.show_status=error" ;;
sysv) dom0_init=init=/sbin/vgpu-test-init ;;
*) echo "run.sh: XEN_QEMU_DOM0_INIT must be systemd or sysv"; exit 2 ;;
esac
dom0_args="root=/dev/vda rw console=hvc0 earlyprintk=xen $dom0_init vgpu_role=dom0"
qemu=(qemu-system-x86_64 -accel tcg,thread=multi -cpu "${XEN_QEMU_CPU:-qemu64}"
	-m "${XEN_QEMU_MEM:-6G}" -smp "${XEN_QEMU_SMP:-2}"
	-display none -monitor none -serial stdio -nic none -no-reboot
	-kernel "$img/xen.elf" -append "$xen_args"
	-initrd "$img/vmlinuz $dom0_args,$img/initrd.img")
for d in dom0 guest-a guest-b; do
	qemu+=(-drive "file=$run/$d.qcow2,if=virtio,format=qcow2")
done
qemu+=(-drive "file=$run/results.img,if=virtio,format=raw")
printf '%q ' "${qemu[@]}" >"$run/cmdline"; echo >>"$run/cmdline"

qpid=
stop_qemu() {
	[ -n "$qpid" ] || return 0
	kill -TERM "$qpid" 2>/dev/null || return 0
	for _ in $(seq 1 20); do kill -0 "$qpid" 2>/dev/null || return 0; sleep 0.5; done
	kill -KILL "$qpid" 2>/dev/null
}
trap 'stop_qemu; exit 130' INT TERM
trap 'stop_qemu' EXIT

echo "run.sh: booting Xen in QEMU (TCG, limit ${limit}s); console: $log"
start=$(date +%s)
"${qemu[@]}" </dev/null >"$log" 2>&1 &
qpid=$!

# Watch the console: report each step as dom0 records it, give QEMU 60 s
# to power off after dom0 says VGPU-DONE, and never more than $limit.
why=exited done_at= shown=0
while kill -0 "$qpid" 2>/dev/null; do
	sleep 2
	now=$(date +%s)
	lines=$(grep -a -E 'VGPU-STEP|VGPU-DONE|VGPU-INIT|\(XEN\) Xen version|Panic on CPU' "$log" | tr -d '\r')
	n=$(printf '%s\n' "$lines" | grep -c .)
	if [ "$n" -gt "$shown" ]; then
		printf '%s\n' "$lines" | tail -n +$((shown + 1)) |
			sed -e 's/^.*\(VGPU-\)/\1/' -e "s/^/run.sh [$((now - start))s] /"
		shown=$n
	fi
	if [ -z "$done_at" ] && grep -aq VGPU-DONE "$log"; then done_at=$now; fi
	if [ -n "$done_at" ] && [ $((now - done_at)) -gt 60 ]; then
		why="no power-off 60 s after VGPU-DONE"; stop_qemu; break
	fi
	if [ $((now - start)) -ge "$limit" ]; then
		why="TIMEOUT after ${limit}s"; stop_qemu; break
	fi
done
wait "$qpid" 2>/dev/null
qrc=$?
qpid=
secs=$(( $(date +%s) - start ))
done=0; grep -aq VGPU-DONE "$log" && done=1
echo "qemu=$qrc done=$done seconds=$secs why=$why" >"$run/status"
echo "run.sh: qemu exited rc=$qrc after ${secs}s ($why); dom0 finished: $([ $done = 1 ] && echo yes || echo NO)"

rm -rf "$run/results"
if tar -C "$run" -xf "$run/results.img" 2>/dev/null && [ -d "$run/results" ]; then
	echo "run.sh: results in $run/results"
else
	echo "run.sh: no results on the results disk"
fi
rm -f "$run"/*.qcow2 "$run/results.img"
# keep the ten newest runs
ls -1dt "$cache"/runs/*/ 2>/dev/null | tail -n +11 | xargs -r rm -rf
echo "$run"

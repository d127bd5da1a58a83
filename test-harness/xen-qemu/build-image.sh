#!/bin/bash
# build-image.sh: build (and cache) what the real-Xen test boots.
#
#   build-image.sh [--srcdir DIR] [--cache DIR]
#
# Produces, in $XEN_QEMU_CACHE (default /var/tmp/xen-vgpu-qemu, outside the
# clone), an image directory img-<key>/ holding
#   xen.elf      Debian's xen-hypervisor-4.17-amd64, unpacked (QEMU's multiboot
#                loader wants the plain ELF, not xen.gz)
#   vmlinuz, initrd.img   the rootfs' kernel (dom0 and the PV guests share it)
#   rootfs.img   ext4: debootstrap --variant=minbase bookworm + Xen tools +
#                the project installed by its own `make install DESTDIR=`
#                and vgpuback.service enabled with `systemctl enable`
#                + this folder's guest/ scripts, dom0's test unit, xl configs
#                + xen-vgpufront.ko built against the rootfs kernel's headers,
#                its udev rule, vgpu-devtest, a vgpu group and its user
#                + vgpu-hostile-backend (test-harness/hostile) for dom0
#   manifest     package versions, source hash, what make install put where
# and prints that directory as the last line of its output.
#
# Cache keys: the debootstrap tree is keyed by the package list; the image by
# the rootfs' package versions, the hypervisor version and a hash of the
# project's source tree (this folder included), so any change rebuilds it.
#
# Exit status: 0 built (or cached), 77 this machine cannot do it (the reason
# is printed on a line "SKIP: ..."), anything else: a real failure.
# The Debian mirror is read from this machine's apt sources at run time.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
srcdir=$(cd "$here/../.." && pwd)
cache=${XEN_QEMU_CACHE:-/var/tmp/xen-vgpu-qemu}
while [ $# -gt 0 ]; do
	case $1 in
	--srcdir) srcdir=$(cd "$2" && pwd); shift 2 ;;
	--cache) cache=$2; shift 2 ;;
	-h|--help) sed -n '2,25p' "$0"; exit 0 ;;
	*) echo "build-image.sh: unknown argument $1" >&2; exit 2 ;;
	esac
done

suite=bookworm
# What the rootfs holds.  The libxen* runtime packages are the libraries the
# project links (libxenstore, libxengnttab, libxenevtchn, libxenctrl and
# libxlutil from libxenmisc); busybox gives dom0 a syslogd for vgpuback's log
# in the sysv boot; systemd is PID 1 of dom0 in the systemd boot.
pkgs="linux-image-amd64 initramfs-tools kmod udev xen-utils-4.17 xenstore-utils
      libxenstore4 libxengnttab1 libxenevtchn1 libxenmisc4.17 libxentoollog1
      libxencall1 libxenforeignmemory1 libxendevicemodel1 libxentoolcore1
      libxenhypfs1 libcmocka0 util-linux procps busybox systemd"

t_all=$(date +%s)
say() { echo "=== [$(date +%T)] build-image: $*"; }
die() { echo "build-image: FAILED: $*" >&2; exit 1; }
skip() { echo "SKIP: $*"; exit 77; }
elapsed() { echo "$(( $(date +%s) - $1 ))s"; }

# ---- what this machine must offer ------------------------------------------
[ "$(id -u)" -eq 0 ] || skip "needs root (debootstrap, chroot)"
need_tools() {
	command -v qemu-system-x86_64 >/dev/null && command -v qemu-img >/dev/null &&
	command -v debootstrap >/dev/null && command -v mkfs.ext4 >/dev/null &&
	command -v apt-get >/dev/null
}
if ! need_tools; then
	command -v apt-get >/dev/null || skip "no apt-get to install qemu-system-x86/debootstrap"
	say "installing host tools (qemu-system-x86 qemu-utils debootstrap e2fsprogs)"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >/dev/null 2>&1 || true
	apt-get install -y -qq --no-install-recommends qemu-system-x86 qemu-utils \
		debootstrap e2fsprogs >/dev/null 2>&1 ||
		skip "could not install qemu-system-x86/qemu-utils/debootstrap/e2fsprogs with apt-get"
	need_tools || skip "qemu-system-x86_64, qemu-img or debootstrap missing after apt-get install"
fi

mkdir -p "$cache" || skip "cannot create cache directory $cache"
avail_mb=$(df -Pm "$cache" | awk 'NR==2 {print $4}')
[ "${avail_mb:-0}" -ge 4096 ] || skip "only ${avail_mb} MB free in $cache (needs 4096)"

mirror=$(grep -h -E '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null |
	awk '{print $2}' | grep -v security | head -1 || true)
[ -n "$mirror" ] || mirror=$(grep -h -E '^deb ' /etc/apt/sources.list \
	/etc/apt/sources.list.d/*.list 2>/dev/null | awk '{print $2}' |
	grep -v security | head -1 || true)
[ -n "$mirror" ] || skip "no Debian mirror in this machine's apt sources"

# One build at a time per cache (CI and a developer may share it).
exec 9>"$cache/lock"
flock -w 1800 9 || die "another build-image.sh holds $cache/lock"

# ---- 1. debootstrap tree (keyed by suite and package list) ----------------
bkey=$(printf '%s\n' "$suite" $pkgs | sha256sum | cut -c1-16)
base=$cache/base-$bkey
if [ ! -e "$base/.done" ]; then
	say "1. debootstrap $suite (minbase) into $base/rootfs"
	t=$(date +%s)
	rm -rf "$base"; mkdir -p "$base"
	if ! debootstrap --variant=minbase --include="$(echo $pkgs | tr ' ' ,)" \
		"$suite" "$base/rootfs" "$mirror" >"$base/debootstrap.log" 2>&1; then
		tail -30 "$base/debootstrap.log"
		die "debootstrap (log: $base/debootstrap.log)"
	fi
	# the mirror used stays on this machine only
	rm -f "$base/rootfs/etc/apt/sources.list"
	rm -rf "$base/rootfs/var/cache/apt/archives/"*.deb
	chroot "$base/rootfs" dpkg-query -W -f='${Package} ${Version}\n' >"$base/packages"
	touch "$base/.done"
	say "debootstrap took $(elapsed $t)"
else
	say "1. debootstrap tree cached: $base"
fi

# ---- 2. hypervisor of the same version as the rootfs' xen-utils ------------
xenver=$(awk '$1 == "xen-utils-4.17" {print $2}' "$base/packages")
[ -n "$xenver" ] || die "no xen-utils-4.17 in the rootfs"
hv=$cache/hv-$xenver
if [ ! -s "$hv/xen.elf" ]; then
	say "2. xen-hypervisor-4.17-amd64=$xenver"
	rm -rf "$hv"; mkdir -p "$hv/x"
	(cd "$hv" && apt-get download "xen-hypervisor-4.17-amd64=$xenver" >download.log 2>&1) ||
		die "apt-get download xen-hypervisor-4.17-amd64=$xenver ($(tail -1 "$hv/download.log"))"
	dpkg -x "$hv"/xen-hypervisor-4.17-amd64_*.deb "$hv/x"
	zcat "$hv/x/boot/xen-4.17-amd64.gz" >"$hv/xen.elf.tmp"
	mv "$hv/xen.elf.tmp" "$hv/xen.elf"
	rm -rf "$hv/x" "$hv"/*.deb
else
	say "2. hypervisor cached: $hv/xen.elf"
fi

# ---- 3. the project, built out of tree from this checkout -----------------
# Hash of the source tree: every file git knows or would know (generated
# autotools files are ignored and follow from the rest), else every file.
src_hash() {
	cd "$srcdir"
	if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
		git ls-files -z -co --exclude-standard | sort -z |
			xargs -0 -r sha256sum 2>/dev/null
	else
		find . -type f ! -path './autom4te.cache/*' ! -name '*.o' ! -name '*.lo' \
			! -path '*/.libs/*' ! -path '*/.deps/*' -print0 | sort -z |
			xargs -0 -r sha256sum
	fi | sha256sum | cut -c1-16
}
shash=$(src_hash)
[ -x "$srcdir/configure" ] || die "$srcdir/configure missing: run ./autogen.sh there first"
ikey=$( { cat "$base/packages"; echo "xen $xenver"; echo "src $shash"; } | sha256sum | cut -c1-16)
img=$cache/img-$ikey
if [ -e "$img/.done" ]; then
	say "image cached (source $shash): $img"
	echo "$img"
	exit 0
fi

build=$cache/build-$(printf '%s' "$srcdir" | sha256sum | cut -c1-12)
make_project() {
	mkdir -p "$build"
	(
		cd "$build"
		if [ ! -f Makefile ]; then
			"$srcdir/configure" -q --prefix=/usr --sysconfdir=/etc \
				--localstatedir=/var --without-cuda --disable-fuzzers
		fi
		make -j2
	) >"$cache/make.log" 2>&1
}
say "3. building the project from $srcdir (source hash $shash) in $build"
t=$(date +%s)
if ! make_project; then
	say "incremental build failed; building from scratch"
	rm -rf "$build"
	make_project || { tail -40 "$cache/make.log"; die "make (log: $cache/make.log)"; }
fi
say "build took $(elapsed $t)"

# ---- 3b. the guest kernel driver, against the rootfs kernel's headers -------
# xen-vgpufront.ko (frontend/kmod) is built here, on the host, with kbuild
# and the linux-headers package of exactly the rootfs' kernel (same ABI and
# package version: apt-get installs it on the host when missing), warnings as
# errors; so is vgpu-devtest.  A failure does not stop the image: the guest
# then reports the module missing and those assertions fail.
kver=$(ls "$base/rootfs/lib/modules" | sort -V | tail -1)
kpkgver=$(awk -v p="linux-image-$kver" '$1 == p {print $2}' "$base/packages")
kmod_build=$cache/kmod-build
build_kmod() {
	local have
	have=$(dpkg-query -W -f='${Version}' "linux-headers-$kver" 2>/dev/null || true)
	if [ "$have" != "$kpkgver" ]; then
		echo "installing linux-headers-$kver=$kpkgver (host has '${have:-none}')"
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
			"linux-headers-$kver=$kpkgver" || return 1
	fi
	rm -rf "$kmod_build"
	mkdir -p "$kmod_build/frontend" "$kmod_build/ring"
	cp -a "$srcdir/frontend/kmod" "$kmod_build/frontend/"
	cp "$srcdir/ring/vgpuif.h" "$srcdir/ring/xsnodes.h" "$kmod_build/ring/"
	make -C "/lib/modules/$kver/build" M="$kmod_build/frontend/kmod" \
		KCFLAGS=-Werror modules &&
	make -C "$kmod_build/frontend/kmod" devtest
}
say "3b. xen-vgpufront.ko for $kver (linux-headers $kpkgver)"
if ! build_kmod >"$cache/kmod.log" 2>&1; then
	tail -20 "$cache/kmod.log"
	say "the kernel module did not build (log: $cache/kmod.log); the image has none"
	rm -f "$kmod_build/frontend/kmod/xen-vgpufront.ko"
fi

# ---- 4. the rootfs: debootstrap tree + make install + test scripts --------
say "4. staging rootfs"
t=$(date +%s)
stage=$cache/stage
rm -rf "$stage" "$cache/destdir"
cp -a "$base/rootfs" "$stage"
mkdir -p "$cache/destdir"
(cd "$build" && make install DESTDIR="$stage" && make install DESTDIR="$cache/destdir") \
	>"$cache/install.log" 2>&1 || { tail -30 "$cache/install.log"; die "make install (log: $cache/install.log)"; }
chroot "$stage" ldconfig
# The hostile backend (test-harness/hostile; make install leaves it out):
# dom0 plays a backend that breaks the ring protocol against guest A's
# kernel driver with it (dom0-test.sh's hostile phase).
install -m 0755 "$build/test-harness/hostile/vgpu-hostile-backend" \
	"$stage/usr/local/bin/vgpu-hostile-backend" || die "no vgpu-hostile-backend in $build"

# The kernel driver where it built: installed as DKMS would (updates/),
# depmod'ed for its modalias (xen:vgpu), the udev rule for /dev/vgpuN, the
# vgpu group with one user in it and one user not.
kmod_dir=$kmod_build/frontend/kmod
if [ -f "$kmod_dir/xen-vgpufront.ko" ]; then
	install -D -m 0644 "$kmod_dir/xen-vgpufront.ko" "$stage/lib/modules/$kver/updates/xen-vgpufront.ko"
	chroot "$stage" depmod -a "$kver" || die "depmod in the rootfs"
	install -D -m 0644 "$srcdir/frontend/kmod/60-vgpu.rules" "$stage/etc/udev/rules.d/60-vgpu.rules"
	install -m 0755 "$kmod_dir/tests/vgpu-devtest" "$stage/usr/local/bin/vgpu-devtest"
	chroot "$stage" groupadd --system vgpu
	chroot "$stage" useradd --create-home --groups vgpu vgpuuser
	chroot "$stage" useradd --create-home novgpu
fi

g=$here/guest
install -m 0755 "$g/vgpu-test-init" "$stage/sbin/vgpu-test-init"
install -d "$stage/opt/vgpu-test"
install -m 0755 "$g/dom0-test.sh" "$g/guest-test.sh" "$stage/opt/vgpu-test/"
install -m 0644 "$g/vgpu-a.cfg" "$g/vgpu-b.cfg" "$stage/etc/xen/"
echo xen-vgpu-test >"$stage/etc/hostname"
: >"$stage/etc/fstab"
# dom0 under systemd: Debian's /etc/init.d/xen (xen.service) starts
# xenconsoled with these arguments; the guests' consoles are the test's output.
install -d "$stage/var/log/xen/console"
echo 'XENCONSOLED_ARGS="--log=guest --log-dir=/var/log/xen/console"' >>"$stage/etc/default/xen"
install -m 0644 "$g/vgpu-dom0-test.service" "$stage/etc/systemd/system/"
# `systemctl enable vgpuback` as README says (the chroot's systemctl works
# offline); no login prompt on the console.
chroot "$stage" systemctl enable vgpuback.service vgpu-dom0-test.service ||
	die "systemctl enable vgpuback.service in the rootfs"
chroot "$stage" systemctl mask getty.target

# Everything make install put in the rootfs must find its libraries there.
missing=
while IFS= read -r -d '' f; do
	[ "$(head -c4 "$f" | tail -c3)" = ELF ] || continue
	rel=${f#"$cache/destdir"}
	m=$(chroot "$stage" ldd "$rel" 2>&1 | grep 'not found' || true)
	[ -z "$m" ] || missing="$missing $rel: $m;"
done < <(find "$cache/destdir" -type f -print0)
m=$(chroot "$stage" ldd /usr/local/bin/vgpu-hostile-backend 2>&1 | grep 'not found' || true)
[ -z "$m" ] || missing="$missing /usr/local/bin/vgpu-hostile-backend: $m;"
[ -z "$missing" ] || die "installed programs miss libraries in the rootfs:$missing"

{
	echo "source $srcdir"
	echo "source-hash $shash"
	echo "git $(git -C "$srcdir" describe --always --dirty 2>/dev/null || echo none)"
	echo "xen-hypervisor $xenver"
	echo "kernel $(ls "$stage/lib/modules" | sort -V | tail -1)"
	echo "kmod $(ls "$stage/lib/modules/$kver/updates/xen-vgpufront.ko" 2>/dev/null || echo none) (linux-headers-$kver $kpkgver)"
	echo "--- make install"
	(cd "$cache/destdir" && find . -type f -o -type l | sort)
	echo "--- packages"
	cat "$base/packages"
} >"$cache/manifest"
say "staging took $(elapsed $t)"

# ---- 5. images -------------------------------------------------------------
say "5. images"
t=$(date +%s)
new=$cache/img-$ikey.tmp
rm -rf "$new"; mkdir -p "$new"
kver=$(ls "$stage/lib/modules" | sort -V | tail -1)
cp "$stage/boot/vmlinuz-$kver" "$new/vmlinuz"
cp "$stage/boot/initrd.img-$kver" "$new/initrd.img"
cp "$hv/xen.elf" "$new/xen.elf"
mv "$cache/manifest" "$new/manifest"
used_mb=$(du -sm "$stage" | awk '{print $1}')
mkfs.ext4 -q -F -L vgpu-root -d "$stage" "$new/rootfs.img" "$((used_mb + 512))M" ||
	die "mkfs.ext4"
rm -rf "$stage" "$cache/destdir"
touch "$new/.done"
rm -rf "$img"; mv "$new" "$img"
# keep the two newest images
ls -1dt "$cache"/img-* 2>/dev/null | grep -v '\.tmp$' | tail -n +3 | xargs -r rm -rf
say "images took $(elapsed $t); rootfs ${used_mb} MB"
say "total $(elapsed $t_all)"
echo "$img"

#!/bin/bash
# xen-vgpufront.ko (frontend/kmod) builds against the installed headers of
# the Debian guest kernel (linux-headers-*-amd64, as the real-Xen image's
# kernel), with warnings as errors (KCFLAGS=-Werror), from the checkout and
# from the tree `make dkms-src` makes; the module says what udev and the
# kernel need (modalias xen:vgpu, a GPL-compatible licence, the headers'
# vermagic); vgpu-devtest and the uapi header build warning-free in user
# space.  No kernel headers installed: a skip, never a pass.  KVER picks
# the kernel (default: every /lib/modules/*/build with a Debian config).
. "$top_srcdir/test-harness/lib/tap.sh"

kvers=${KVER:-}
if [ -z "$kvers" ]; then
	for d in /lib/modules/*/build; do
		[ -f "$d/Makefile" ] && [ -f "$d/.config" ] && kvers="$kvers ${d#/lib/modules/}"
	done
	kvers=$(echo "$kvers" | sed 's|/build||g')
fi
[ -n "${kvers// /}" ] ||
	skip_all "no kernel headers in /lib/modules/*/build (apt-get install linux-headers-amd64)"
command -v make >/dev/null && command -v objcopy >/dev/null || skip_all "no make or objcopy"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# A copy laid out as the checkout (kbuild writes next to the sources; the
# source tree may be read-only, as in distcheck).
mkdir -p "$tmp/src/frontend" "$tmp/src/ring"
cp -R "$top_srcdir/frontend/kmod" "$tmp/src/frontend/"
chmod -R u+w "$tmp/src"
cp "$top_srcdir/ring/vgpuif.h" "$top_srcdir/ring/xsnodes.h" "$tmp/src/ring/"
kdir=$tmp/src/frontend/kmod

# modinfo KO FIELD: the values of FIELD in the module's .modinfo
modinfo_of() {
	objcopy -O binary -j .modinfo "$1" "$tmp/modinfo" 2>/dev/null &&
		tr '\0' '\n' <"$tmp/modinfo" | sed -n "s/^$2=//p"
}
build() { # build KVER DIR LOG
	nice -n 19 make -C "/lib/modules/$1/build" M="$2" KCFLAGS=-Werror modules >"$3" 2>&1
}

for k in $kvers; do
	ok "xen-vgpufront.ko builds against $k's headers with KCFLAGS=-Werror" \
		build "$k" "$kdir" "$tmp/build-$k.log"
	grep -E 'warning|error' "$tmp/build-$k.log" | head -20 | sed 's/^/#   /'
	ko=$kdir/xen-vgpufront.ko
	is "$(modinfo_of "$ko" alias)" "xen:vgpu" "$k: the module's alias is xen:vgpu (udev loads it for the device)"
	like "$(modinfo_of "$ko" license)" '^(GPL|GPL v2|Dual MIT/GPL|Dual BSD/GPL)$' \
		"$k: its licence is GPL-compatible (the xenbus and grant symbols are GPL-only)"
	like "$(modinfo_of "$ko" vermagic)" "^$k " "$k: its vermagic is the headers' kernel"
	is "$(grep -c 'undefined!' "$tmp/build-$k.log")" 0 "$k: modpost finds every symbol it uses"
	nice -n 19 make -C "/lib/modules/$k/build" M="$kdir" clean >/dev/null 2>&1

	rm -rf "$tmp/dkms"
	make -s -C "$kdir" dkms-src DESTDIR="$tmp/dkms" VERSION=0.0.1 >"$tmp/dkms-src.log" 2>&1
	dk=$tmp/dkms/usr/src/xen-vgpufront-0.0.1
	ok "$k: the DKMS source tree (make dkms-src) builds with KCFLAGS=-Werror" \
		build "$k" "$dk" "$tmp/dkms-$k.log"
	grep -E 'warning|error' "$tmp/dkms-$k.log" "$tmp/dkms-src.log" | head -10 | sed 's/^/#   /'
	like "$(grep '^PACKAGE_VERSION=' "$dk/dkms.conf" 2>/dev/null)" '"0.0.1"' \
		"$k: dkms.conf in that tree carries its version"
done

cc=${CC:-cc}
ok "vgpu-devtest builds with -std=c11 -Wall -Wextra -Werror" \
	"$cc" -std=c11 -O2 -Wall -Wextra -Werror -I"$kdir" -o "$tmp/vgpu-devtest" \
	"$kdir/tests/vgpu-devtest.c"
printf '#include "uapi/vgpu_dev.h"\n_Static_assert(sizeof(struct vgpu_dev_request) == 64, "request");\n_Static_assert(sizeof(struct vgpu_dev_completion) == 64, "completion");\nint main(void) { return 0; }\n' >"$tmp/uapi.c"
ok "uapi/vgpu_dev.h stands alone (-pedantic) and its envelopes are the wire's 64 bytes" \
	"$cc" -std=c11 -pedantic -Wall -Wextra -Werror -I"$kdir" -o "$tmp/uapi" "$tmp/uapi.c"
"$tmp/vgpu-devtest" >/dev/null 2>&1
is "$?" 2 "vgpu-devtest without a command exits 2 (usage)"
done_testing

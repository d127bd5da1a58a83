#!/bin/bash
# libvgpufront as a guest program outside the tree sees it: install the
# library part of the build (DESTDIR), build a program with nothing but
# `pkg-config --cflags --libs libvgpufront` and <xen-vgpu/vgpufront.h>,
# run it, and check that the library exports its API (the vgpufront_*
# functions vgpufront.h declares, versions VGPUFRONT_1, _2, _3 and _4)
# and nothing else.
. "$top_srcdir/test-harness/lib/tap.sh"

la=$top_builddir/frontend/libvgpufront.la
grep -q "^dlname=''" "$la" 2>/dev/null &&
	skip_all "no shared libvgpufront (configure --disable-shared)"
command -v pkg-config >/dev/null || skip_all "no pkg-config"
command -v nm >/dev/null || skip_all "no nm"
cc=${CC:-cc}
command -v "$cc" >/dev/null || skip_all "no C compiler ($cc)"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
dest=$tmp/dest

# Only the library's part of make install, its output kept for a failure.
install_lib() {
	${MAKE:-make} -C "$top_builddir" DESTDIR="$dest" install-libLTLIBRARIES \
		install-vgpufrontincludeHEADERS install-pkgconfigDATA \
		>"$tmp/install.log" 2>&1 && return
	sed 's/^/# /' "$tmp/install.log"
	return 1
}
ok "make install (library, headers, pkg-config file) into DESTDIR" install_lib
pc=$(find "$dest" -name libvgpufront.pc | head -1)
ok "libvgpufront.pc installed in \$(libdir)/pkgconfig" test -n "$pc"
[ -n "$pc" ] || { done_testing; exit; }
libdir=${pc%/pkgconfig/libvgpufront.pc}
lib=$libdir/libvgpufront.so
hdr=$(find "$dest" -path '*/xen-vgpu/vgpufront.h' | head -1)
ok "vgpufront.h installed as <xen-vgpu/vgpufront.h>" test -n "$hdr"
ok "vgpuif.h installed beside it" test -f "${hdr%/vgpufront.h}/vgpuif.h"
is "$(find "$dest" -name '*.h' ! -path '*/xen-vgpu/*' | wc -l)" 0 \
	"no header straight in \$(includedir)"

export PKG_CONFIG_PATH=${pc%/libvgpufront.pc}${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}
export PKG_CONFIG_SYSROOT_DIR=$dest
flags=$(pkg-config --cflags --libs libvgpufront 2>&1)
ok "pkg-config --cflags --libs libvgpufront" test $? -eq 0
diag "pkg-config: $flags"

mkdir "$tmp/guest"
cat >"$tmp/guest/guest.c" <<'C'
#include <stdio.h>
#include <xen-vgpu/vgpufront.h>

int main(void)
{
	struct vgpufront *(*open)(unsigned, const struct vgpufront_opts *,
				  char *, size_t) = vgpufront_open;

	printf("%s|%d\n", vgpufront_strerror(VGPUFRONT_E(VGPU_ENOSYS)),
	       open != NULL);
	return 0;
}
C
# A sanitized build's library needs the sanitizer runtime in the program.
san=
readelf -d "$lib" 2>/dev/null | grep -q 'libasan' && san=-fsanitize=address,undefined
# shellcheck disable=SC2086
ok "a guest program outside the tree builds and links with pkg-config's flags" \
	"$cc" -std=gnu11 -Wall -Werror $san -o "$tmp/guest/guest" "$tmp/guest/guest.c" \
	$(pkg-config --cflags --libs libvgpufront)
out=$(cd "$tmp/guest" && LD_LIBRARY_PATH=$libdir ASAN_OPTIONS=detect_leaks=0 ./guest 2>&1)
is "$out" "unknown operation|1" "it runs against the installed library"

# The API: the functions vgpufront.h declares (its static inlines aside).
api=$(grep -v 'static inline' "$hdr" | grep -oE '\bvgpufront_[a-z_]+\(' | tr -d '(' |
	grep -vxE "$(grep 'static inline' "$hdr" | grep -oE 'vgpufront_[a-z_]+' | paste -sd'|')" |
	sort -u)
exported=$(nm -D --defined-only "$lib" | awk '$2 != "A" { sub(/@.*/, "", $3); print $3 }' | sort -u)
is "$exported" "$api" "exports exactly the functions vgpufront.h declares"
# Version 1's functions keep VGPUFRONT_1; protocol 2's calls came with VGPUFRONT_2.
v2='vgpufront_(protocol_version|session_(open|close)|mem_(alloc|free)|memcpy_(htod|dtoh|dtod)|memset)'
versioned=$(nm -D --defined-only "$lib" | awk '$2 != "A" { print $3 }')
is "$(printf '%s\n' "$versioned" | grep -cE "^$v2@@VGPUFRONT_2\$")" 9 \
	"protocol 2's nine functions have version VGPUFRONT_2"
# Modules, launches, streams and events came with VGPUFRONT_3.
v3='vgpufront_(module_(load|unload)|func_get|params_pack|launch|launch_submit|device_info|stream_(create|destroy|synchronize)|event_(create|destroy|record|query|synchronize|elapsed))'
is "$(printf '%s\n' "$versioned" | grep -cE "^$v3@@VGPUFRONT_3\$")" 16 \
	"modules, launches, the device query, streams and events: 16 functions with version VGPUFRONT_3"
# The kernel path's call and module globals came with VGPUFRONT_4.
v4='vgpufront_(path|global_get)'
is "$(printf '%s\n' "$versioned" | grep -cE "^$v4@@VGPUFRONT_4\$")" 2 \
	"vgpufront_path (which path a handle took) and vgpufront_global_get have version VGPUFRONT_4"
is "$(printf '%s\n' "$versioned" | grep -vE "^$v2@@VGPUFRONT_2\$" | grep -vE "^$v3@@VGPUFRONT_3\$" |
	grep -vE "^$v4@@VGPUFRONT_4\$" | grep -vc '@@VGPUFRONT_1$')" 0 "every other exported symbol has version VGPUFRONT_1"
is "$(readelf -d "$lib" | sed -n 's/.*Library soname: \[\(.*\)\]/\1/p')" libvgpufront.so.1 \
	"the soname stays libvgpufront.so.1 (interfaces only added)"
done_testing

#!/bin/bash
# `make install DESTDIR=...` installs the daemon, the tools, the library, the
# dom0 units, the default config and the manual pages; the init script and the
# unit point at the installed daemon; a second install keeps an edited config.
. "$top_srcdir/test-harness/lib/tap.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
make -s -C "$top_builddir" install DESTDIR="$tmp/a" >"$tmp/make.log" 2>&1
ok "make install DESTDIR=... succeeds" test $? -eq 0 || sed 's/^/# /' "$tmp/make.log"
# Where the configured prefix put things (/usr/local by default).
daemon=$(cd "$tmp/a" && find . -path '*/sbin/vgpuback' | sed 's|^\.||')
P=$tmp/a${daemon%/sbin/vgpuback}
etc=$(cd "$tmp/a" && find . -path '*/xen-vgpu/vgpuback.conf' | sed 's|^\.||; s|/xen-vgpu/vgpuback.conf$||')
E=$tmp/a$etc
ok "the daemon is installed (as $daemon)" test -n "$daemon"
for f in "$P/sbin/vgpuctl" "$P/bin/vgpufront" "$P/include/vgpufront.h" "$P/include/vgpuif.h" \
	 "$E/init.d/vgpuback" "$E/xen-vgpu/vgpuback.conf" "$P/share/man/man8/vgpuback.8" \
	 "$P/share/man/man8/vgpuctl.8" "$P/share/man/man1/vgpufront.1" \
	 "$P/share/man/man5/xl-vgpu.5" "$P/share/man/man7/vgpu-xenstore.7" \
	 "$P/lib/systemd/system/vgpuback.service"; do
	ok "installs ${f#$tmp/a}" test -e "$f"
done
ok "installs libvgpufront" test -e "$P/lib/libvgpufront.so"
like "$(grep ExecStart "$P/lib/systemd/system/vgpuback.service")" \
	"$daemon --foreground --config $etc/xen-vgpu/vgpuback.conf" "the unit runs the installed daemon"
like "$(grep After= "$P/lib/systemd/system/vgpuback.service")" "xenstored.service" "the unit starts after xenstored"
like "$(grep '^DAEMON=' "$E/init.d/vgpuback")" "$daemon" "the sysv script runs the installed daemon"
ok "the sysv script is executable" test -x "$E/init.d/vgpuback"
sh "$E/init.d/vgpuback" bogus >/dev/null 2>&1
is "$?" 2 "the sysv script answers an unknown action with usage (exit 2)"
VGPUBACK_PIDFILE=$tmp/none.pid sh "$E/init.d/vgpuback" status >/dev/null
is "$?" 3 "status of a stopped daemon exits 3 (LSB)"
"$top_builddir/backend/vgpuback" --config "$E/xen-vgpu/vgpuback.conf" --help >/dev/null
is "$?" 0 "the default config parses"
mkdir -p "$tmp/b$etc/xen-vgpu"
echo "# edited" >"$tmp/b$etc/xen-vgpu/vgpuback.conf"
make -s -C "$top_builddir" install DESTDIR="$tmp/b" >/dev/null 2>&1
is "$(cat "$tmp/b$etc/xen-vgpu/vgpuback.conf")" "# edited" "a second install keeps the operator's config"
done_testing

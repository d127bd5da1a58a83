# xenstore-hooks/: the toolstack side: vgpu= specs, XenStore nodes, vgpuctl.
noinst_LTLIBRARIES += xenstore-hooks/libvgpuhooks.la
xenstore_hooks_libvgpuhooks_la_SOURCES = xenstore-hooks/spec.h xenstore-hooks/spec.c \
	xenstore-hooks/nodes.h xenstore-hooks/nodes.c
xenstore_hooks_libvgpuhooks_la_CFLAGS = $(AM_CFLAGS) $(XENSTORE_CFLAGS)
xenstore_hooks_libvgpuhooks_la_LIBADD = $(XENSTORE_LIBS)

sbin_PROGRAMS += xenstore-hooks/vgpuctl
xenstore_hooks_vgpuctl_SOURCES = xenstore-hooks/vgpuctl.c
xenstore_hooks_vgpuctl_CFLAGS = $(AM_CFLAGS) $(XENSTORE_CFLAGS)
xenstore_hooks_vgpuctl_LDADD = xenstore-hooks/libvgpuhooks.la $(XENSTORE_LIBS)

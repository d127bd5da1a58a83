# xenstore-hooks/: the toolstack side: vgpu= specs, XenStore nodes, vgpuctl.
noinst_LTLIBRARIES += xenstore-hooks/libvgpuhooks.la
xenstore_hooks_libvgpuhooks_la_SOURCES = xenstore-hooks/spec.h xenstore-hooks/spec.c \
	xenstore-hooks/nodes.h xenstore-hooks/nodes.c \
	xenstore-hooks/xlhook.h xenstore-hooks/xlhook.c
xenstore_hooks_libvgpuhooks_la_CFLAGS = $(AM_CFLAGS) $(XENSTORE_CFLAGS) $(XLUTIL_CFLAGS)
xenstore_hooks_libvgpuhooks_la_LIBADD = $(XENSTORE_LIBS) $(XLUTIL_LIBS)

sbin_PROGRAMS += xenstore-hooks/vgpuctl
xenstore_hooks_vgpuctl_SOURCES = xenstore-hooks/vgpuctl.h xenstore-hooks/vgpuctl.c xenstore-hooks/vgpuctl_util.c \
	xenstore-hooks/vgpuctl_list.c xenstore-hooks/vgpuctl_attach.c \
	xenstore-hooks/vgpuctl_stats.c xenstore-hooks/vgpuctl_prom.c \
	xenstore-hooks/vgpuctl_control.h xenstore-hooks/vgpuctl_control.c \
	xenstore-hooks/vgpuctl_top.h xenstore-hooks/vgpuctl_top.c xenstore-hooks/vgpuctl_top_render.c \
	xenstore-hooks/vgpuctl_top_json.c \
	backend/control_gen.h backend/control_gen.c
xenstore_hooks_vgpuctl_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/backend
xenstore_hooks_vgpuctl_CFLAGS = $(AM_CFLAGS) $(XENSTORE_CFLAGS) $(YAJL_CFLAGS) $(NCURSES_CFLAGS)
xenstore_hooks_vgpuctl_LDADD = xenstore-hooks/libvgpuhooks.la ring/libvgpuring.la $(XENSTORE_LIBS) \
	$(YAJL_LIBS) $(NCURSES_LIBS)

check_PROGRAMS += xenstore-hooks/tests/test_spec
TESTS += xenstore-hooks/tests/test_spec
xenstore_hooks_tests_test_spec_SOURCES = xenstore-hooks/tests/test_spec.c
xenstore_hooks_tests_test_spec_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/xenstore-hooks
xenstore_hooks_tests_test_spec_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
xenstore_hooks_tests_test_spec_LDADD = xenstore-hooks/libvgpuhooks.la ring/libvgpuring.la $(CMOCKA_LIBS)

check_PROGRAMS += xenstore-hooks/tests/test_xlconfig
TESTS += xenstore-hooks/tests/test_xlconfig
xenstore_hooks_tests_test_xlconfig_SOURCES = xenstore-hooks/tests/test_xlconfig.c
xenstore_hooks_tests_test_xlconfig_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/xenstore-hooks
xenstore_hooks_tests_test_xlconfig_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(XENSTORE_CFLAGS)
xenstore_hooks_tests_test_xlconfig_LDADD = xenstore-hooks/libvgpuhooks.la ring/libvgpuring.la $(CMOCKA_LIBS)

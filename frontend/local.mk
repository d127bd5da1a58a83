# frontend/: libvgpufront (the guest library) and the vgpufront tool.
#
# The library's objects are one convenience library: libvgpufront.la is it
# behind a version script that exports only the API (vgpufront_*), and test
# programs that reach into the device state (front_priv.h) link it whole.
noinst_LTLIBRARIES += frontend/libvgpufront_core.la
frontend_libvgpufront_core_la_SOURCES = frontend/vgpufront.h frontend/front_priv.h \
	frontend/xsdev.c frontend/transport.c frontend/buffers.c frontend/ops.c \
	frontend/errors.c frontend/xenbus.c
frontend_libvgpufront_core_la_CFLAGS = $(AM_CFLAGS) $(XENSTORE_CFLAGS)
frontend_libvgpufront_core_la_LIBADD = ring/libvgpuring.la $(XENSTORE_LIBS)

# -version-info current:revision:age.  1:0:0: the interface of 0:0:0 less
# every symbol that was never API (front_*, vgpu_*, sim_*, vgpuif_*), so a
# new current with age 0 (soname libvgpufront.so.1).
lib_LTLIBRARIES += frontend/libvgpufront.la
frontend_libvgpufront_la_SOURCES =
frontend_libvgpufront_la_LIBADD = frontend/libvgpufront_core.la
frontend_libvgpufront_la_LDFLAGS = $(AM_LDFLAGS) -version-info 1:0:0
if HAVE_LD_VERSION_SCRIPT
frontend_libvgpufront_la_LDFLAGS += \
	-Wl,--version-script=$(top_srcdir)/frontend/libvgpufront.map
endif
EXTRA_frontend_libvgpufront_la_DEPENDENCIES = $(top_srcdir)/frontend/libvgpufront.map

# Installed as <xen-vgpu/vgpufront.h> beside the wire protocol it includes.
vgpufrontincludedir = $(includedir)/xen-vgpu
vgpufrontinclude_HEADERS = frontend/vgpufront.h ring/vgpuif.h
pkgconfigdir = $(libdir)/pkgconfig
pkgconfig_DATA = frontend/libvgpufront.pc
EXTRA_DIST += frontend/libvgpufront.pc.in frontend/libvgpufront.map

bin_PROGRAMS += frontend/vgpufront
frontend_vgpufront_SOURCES = frontend/vgpufront_tool.c frontend/tool_priv.h \
	frontend/tool_info.c frontend/tool_progress.c frontend/tool_bench.c
frontend_vgpufront_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/frontend
frontend_vgpufront_CFLAGS = $(AM_CFLAGS) $(YAJL_CFLAGS)
frontend_vgpufront_LDADD = frontend/libvgpufront.la $(YAJL_LIBS) -lm
# The tool's end-to-end test (info, --json, progress) is listed in TESTS by
# test-harness/scenarios/local.mk; it ships from here.
dist_check_SCRIPTS += test-harness/scenarios/test-front-info.sh

check_PROGRAMS += frontend/tests/test_front_status
TESTS += frontend/tests/test_front_status
frontend_tests_test_front_status_SOURCES = frontend/tests/test_front_status.c
frontend_tests_test_front_status_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/frontend
frontend_tests_test_front_status_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(XENSTORE_CFLAGS)
frontend_tests_test_front_status_LDADD = frontend/libvgpufront.la ring/libvgpuring.la $(CMOCKA_LIBS)

# The installed library from outside the tree: pkg-config, the headers'
# paths, the exported symbols.
TESTS += frontend/tests/test-pkgconfig.sh
dist_check_SCRIPTS += frontend/tests/test-pkgconfig.sh

# vgpufront info's parser of the executor's key=value text.
check_PROGRAMS += frontend/tests/test_tool_info
TESTS += frontend/tests/test_tool_info
frontend_tests_test_tool_info_SOURCES = frontend/tests/test_tool_info.c
frontend_tests_test_tool_info_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/frontend
frontend_tests_test_tool_info_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(YAJL_CFLAGS)
frontend_tests_test_tool_info_LDADD = frontend/libvgpufront.la $(YAJL_LIBS) $(CMOCKA_LIBS)

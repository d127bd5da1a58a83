# frontend/: libvgpufront (the guest library) and the vgpufront tool.
#
# The library's objects are one convenience library: libvgpufront.la is it
# behind a version script that exports only the API (vgpufront_*), and test
# programs that reach into the device state (front_priv.h) link it whole.
noinst_LTLIBRARIES += frontend/libvgpufront_core.la
frontend_libvgpufront_core_la_SOURCES = frontend/vgpufront.h frontend/front_priv.h \
	frontend/xsdev.c frontend/transport.c frontend/buffers.c frontend/ops.c \
	frontend/errors.c frontend/xenbus.c frontend/mem.c
frontend_libvgpufront_core_la_CFLAGS = $(AM_CFLAGS) $(XENSTORE_CFLAGS)
frontend_libvgpufront_core_la_LIBADD = ring/libvgpuring.la $(XENSTORE_LIBS)

# -version-info current:revision:age.  1:0:0: the interface of 0:0:0 less
# every symbol that was never API (front_*, vgpu_*, sim_*, vgpuif_*), so a
# new current with age 0 (soname libvgpufront.so.1).  2:0:1: protocol
# version 2's calls added (version node VGPUFRONT_2), nothing removed, so
# age 1 and the soname stays libvgpufront.so.1.
lib_LTLIBRARIES += frontend/libvgpufront.la
frontend_libvgpufront_la_SOURCES =
frontend_libvgpufront_la_LIBADD = frontend/libvgpufront_core.la
frontend_libvgpufront_la_LDFLAGS = $(AM_LDFLAGS) -version-info 2:0:1
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
	frontend/tool_info.c frontend/tool_progress.c frontend/tool_bench.c \
	frontend/tool_mem.c
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

# The example of the memory API (a CUDA user's first program), built in the
# tree so that it keeps compiling; it ships as documentation.
noinst_PROGRAMS += frontend/examples/vgpu-memcopy
frontend_examples_vgpu_memcopy_SOURCES = frontend/examples/vgpu-memcopy.c
frontend_examples_vgpu_memcopy_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/frontend
frontend_examples_vgpu_memcopy_LDADD = frontend/libvgpufront.la

# How mem.c packs version 2's requests: vgpufront_call and the XenStore
# read are wrapped at link time (so the core library, linked statically).
check_PROGRAMS += frontend/tests/test_front_mem
TESTS += frontend/tests/test_front_mem
frontend_tests_test_front_mem_SOURCES = frontend/tests/test_front_mem.c
frontend_tests_test_front_mem_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/frontend
frontend_tests_test_front_mem_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(XENSTORE_CFLAGS)
frontend_tests_test_front_mem_LDFLAGS = $(AM_LDFLAGS) -Wl,--wrap=vgpufront_call \
	-Wl,--wrap=vgpufront_connected -Wl,--wrap=vgpufront_backend_node
frontend_tests_test_front_mem_LDADD = frontend/libvgpufront_core.la $(CMOCKA_LIBS)

# frontend/: libvgpufront (the guest library) and the vgpufront tool.
lib_LTLIBRARIES += frontend/libvgpufront.la
include_HEADERS += frontend/vgpufront.h ring/vgpuif.h
frontend_libvgpufront_la_SOURCES = frontend/vgpufront.h frontend/front_priv.h \
	frontend/xenbus.c frontend/io.c frontend/buffers.c
frontend_libvgpufront_la_CFLAGS = $(AM_CFLAGS) $(XENSTORE_CFLAGS)
frontend_libvgpufront_la_LIBADD = ring/libvgpuring.la $(XENSTORE_LIBS)
frontend_libvgpufront_la_LDFLAGS = $(AM_LDFLAGS) -version-info 0:0:0

bin_PROGRAMS += frontend/vgpufront
frontend_vgpufront_SOURCES = frontend/vgpufront_tool.c
frontend_vgpufront_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/frontend
frontend_vgpufront_LDADD = frontend/libvgpufront.la -lm

check_PROGRAMS += frontend/tests/test_front_status
TESTS += frontend/tests/test_front_status
frontend_tests_test_front_status_SOURCES = frontend/tests/test_front_status.c
frontend_tests_test_front_status_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/frontend
frontend_tests_test_front_status_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(XENSTORE_CFLAGS)
frontend_tests_test_front_status_LDADD = frontend/libvgpufront.la ring/libvgpuring.la $(CMOCKA_LIBS)

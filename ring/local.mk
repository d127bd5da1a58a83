# ring/: wire protocol, request copy-and-validate, the platform layer.
noinst_LTLIBRARIES += ring/libvgpuring.la
ring_libvgpuring_la_SOURCES = \
	ring/vgpuif.h ring/xsnodes.h ring/request.h ring/request.c \
	ring/platform.h ring/platform_impl.h ring/platform.c \
	ring/platform_xen.c ring/platform_sim.c ring/simproto.h \
	ring/simclient.h ring/simclient.c \
	ring/vgpu_clock.h ring/vgpu_names.h ring/vgpu_names.c \
	ring/vgpu_xs.h ring/vgpu_xs.c ring/vgpu_ops.h ring/vgpu_ops.c
ring_libvgpuring_la_CFLAGS = $(AM_CFLAGS) $(XENGNTTAB_CFLAGS) $(XENEVTCHN_CFLAGS) \
	$(XENSTORE_CFLAGS)
ring_libvgpuring_la_LIBADD = $(XENGNTTAB_LIBS) $(XENEVTCHN_LIBS) $(XENSTORE_LIBS)

check_PROGRAMS += ring/tests/test_vgpuif_header ring/tests/test_request \
	ring/tests/test_shared
TESTS += ring/tests/test_vgpuif_header ring/tests/test_request \
	ring/tests/test_shared
ring_tests_test_vgpuif_header_SOURCES = ring/tests/test_vgpuif_header.c
ring_tests_test_request_SOURCES = ring/tests/test_request.c
ring_tests_test_request_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
ring_tests_test_request_LDADD = ring/libvgpuring.la $(CMOCKA_LIBS)
ring_tests_test_shared_SOURCES = ring/tests/test_shared.c
ring_tests_test_shared_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
ring_tests_test_shared_LDADD = ring/libvgpuring.la $(CMOCKA_LIBS)

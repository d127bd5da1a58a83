# frontend/: libvgpufront (the guest library) and the vgpufront tool.
#
# The library's objects are one convenience library: libvgpufront.la is it
# behind a version script that exports only the API (vgpufront_*), and test
# programs that reach into the device state (front_priv.h) link it whole.
noinst_LTLIBRARIES += frontend/libvgpufront_core.la
frontend_libvgpufront_core_la_SOURCES = frontend/vgpufront.h frontend/front_priv.h \
	frontend/xsdev.c frontend/transport.c frontend/buffers.c frontend/ops.c \
	frontend/errors.c frontend/xenbus.c frontend/mem.c frontend/streams.c frontend/events.c frontend/launch.c \
	frontend/kdev.h frontend/kdev.c
frontend_libvgpufront_core_la_CFLAGS = $(AM_CFLAGS) $(XENSTORE_CFLAGS)
frontend_libvgpufront_core_la_LIBADD = ring/libvgpuring.la $(XENSTORE_LIBS)

# -version-info current:revision:age.  1:0:0: the interface of 0:0:0 less
# every symbol that was never API (front_*, vgpu_*, sim_*, vgpuif_*), so a
# new current with age 0 (soname libvgpufront.so.1).  2:0:1: protocol
# version 2's calls added (version node VGPUFRONT_2), nothing removed, so
# age 1 and the soname stays libvgpufront.so.1.  3:0:2: modules and
# launches added (version node VGPUFRONT_3), nothing removed: age 2, the
# soname still libvgpufront.so.1.  4:0:3: vgpufront_path (the kernel path)
# and vgpufront_global_get added (version node VGPUFRONT_4), nothing
# removed: age 3.
lib_LTLIBRARIES += frontend/libvgpufront.la
frontend_libvgpufront_la_SOURCES =
frontend_libvgpufront_la_LIBADD = frontend/libvgpufront_core.la
frontend_libvgpufront_la_LDFLAGS = $(AM_LDFLAGS) -version-info 4:0:3
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
	frontend/tool_mem.c frontend/tool_json.h frontend/tool_json.c frontend/tool_run.c frontend/tool_matmul.c
frontend_vgpufront_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/frontend
frontend_vgpufront_CFLAGS = $(AM_CFLAGS) $(YAJL_CFLAGS)
frontend_vgpufront_LDADD = frontend/libvgpufront.la frontend/libvgpukernels.la \
	$(YAJL_LIBS) -lm

# The built-in module (vgpufront run, matmul; test programs): the PTX the
# tree ships, as a C string, so that building needs no nvcc.  A maintainer
# who edits vgpu_kernels.cu runs `make regen-ptx` (configure's nvcc, or
# NVCC=...) and commits the PTX.  compute_80: any GPU from Ampere on
# JIT-compiles it.
noinst_LTLIBRARIES += frontend/libvgpukernels.la
nodist_frontend_libvgpukernels_la_SOURCES = frontend/kernels/vgpu_kernels_ptx.c
frontend_libvgpukernels_la_SOURCES = frontend/kernels/vgpu_kernels.h
frontend_libvgpukernels_la_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/frontend/kernels
CLEANFILES += frontend/kernels/vgpu_kernels_ptx.c
EXTRA_DIST += frontend/kernels/vgpu_kernels.cu frontend/kernels/vgpu_kernels.ptx

# Each PTX line becomes one string literal ("line\n"), \ and " escaped.
frontend/kernels/vgpu_kernels_ptx.c: $(top_srcdir)/frontend/kernels/vgpu_kernels.ptx
	$(AM_V_GEN)$(MKDIR_P) frontend/kernels && { \
	  echo '/* Generated from vgpu_kernels.ptx by make: do not edit. */'; \
	  echo '#include "vgpu_kernels.h"'; \
	  echo 'const char vgpu_kernels_ptx[] ='; \
	  sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/"/' -e 's/$$/\\n"/' \
	    $(top_srcdir)/frontend/kernels/vgpu_kernels.ptx; \
	  echo ';'; \
	  echo 'const size_t vgpu_kernels_ptx_len = sizeof(vgpu_kernels_ptx) - 1;'; \
	} >$@-t && mv -f $@-t $@

regen-ptx:
	@test -n "$(NVCC)" || { echo "regen-ptx: no nvcc (configure found none; make NVCC=/path/to/nvcc)" >&2; exit 1; }
	$(NVCC) -ptx -arch=compute_80 -o $(top_srcdir)/frontend/kernels/vgpu_kernels.ptx \
	  $(top_srcdir)/frontend/kernels/vgpu_kernels.cu
.PHONY: regen-ptx
# The tool's end-to-end test (info, --json, progress) is listed in TESTS by
# test-harness/scenarios/local.mk; it ships from here.
dist_check_SCRIPTS += test-harness/scenarios/test-front-info.sh

check_PROGRAMS += frontend/tests/test_front_status
TESTS += frontend/tests/test_front_status
frontend_tests_test_front_status_SOURCES = frontend/tests/test_front_status.c
frontend_tests_test_front_status_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/frontend
frontend_tests_test_front_status_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(XENSTORE_CFLAGS)
frontend_tests_test_front_status_LDADD = frontend/libvgpufront.la ring/libvgpuring.la $(CMOCKA_LIBS)

# The kernel path (kdev.c) against a model of the driver's node: ioctl,
# mmap, munmap and dup3 are wrapped at link time (the core library linked
# statically), so no kernel is needed.
check_PROGRAMS += frontend/tests/test_front_kdev
TESTS += frontend/tests/test_front_kdev
frontend_tests_test_front_kdev_SOURCES = frontend/tests/test_front_kdev.c
frontend_tests_test_front_kdev_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/frontend
frontend_tests_test_front_kdev_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(XENSTORE_CFLAGS)
frontend_tests_test_front_kdev_LDFLAGS = $(AM_LDFLAGS) -Wl,--wrap=ioctl -Wl,--wrap=mmap \
	-Wl,--wrap=munmap -Wl,--wrap=dup3
frontend_tests_test_front_kdev_LDADD = frontend/libvgpufront_core.la $(CMOCKA_LIBS)

# The choice of path ($VGPUFRONT_PATH): auto is user space on simxen (no
# driver there), kernel forced without /dev/vgpuN fails and says why.
TESTS += frontend/tests/test-front-path.sh
dist_check_SCRIPTS += frontend/tests/test-front-path.sh

# The installed library from outside the tree: pkg-config, the headers'
# paths, the exported symbols.
TESTS += frontend/tests/test-pkgconfig.sh
dist_check_SCRIPTS += frontend/tests/test-pkgconfig.sh

# vgpufront info's parser of the executor's key=value text.
check_PROGRAMS += frontend/tests/test_tool_info
TESTS += frontend/tests/test_tool_info
frontend_tests_test_tool_info_SOURCES = frontend/tests/test_tool_info.c frontend/tool_json.c
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
frontend_tests_test_front_mem_SOURCES = frontend/tests/test_front_mem.c frontend/tests/wire_expect.h
frontend_tests_test_front_mem_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/frontend
frontend_tests_test_front_mem_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(XENSTORE_CFLAGS)
frontend_tests_test_front_mem_LDFLAGS = $(AM_LDFLAGS) -Wl,--wrap=vgpufront_call \
	-Wl,--wrap=vgpufront_connected -Wl,--wrap=vgpufront_backend_node
frontend_tests_test_front_mem_LDADD = frontend/libvgpufront_core.la $(CMOCKA_LIBS)

# How launch.c packs modules, kernels and launches, and what it believes of
# FUNC_GET's answer: vgpufront_call, _submit and the buffers are wrapped.
check_PROGRAMS += frontend/tests/test_front_launch
TESTS += frontend/tests/test_front_launch
frontend_tests_test_front_launch_SOURCES = frontend/tests/test_front_launch.c \
	frontend/tests/wire_expect.h
frontend_tests_test_front_launch_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/frontend
frontend_tests_test_front_launch_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(XENSTORE_CFLAGS)
frontend_tests_test_front_launch_LDFLAGS = $(AM_LDFLAGS) -Wl,--wrap=vgpufront_call \
	-Wl,--wrap=vgpufront_submit -Wl,--wrap=vgpufront_connected \
	-Wl,--wrap=vgpufront_buf_alloc -Wl,--wrap=vgpufront_buf_free
frontend_tests_test_front_launch_LDADD = frontend/libvgpufront_core.la \
	frontend/libvgpukernels.la $(CMOCKA_LIBS)

# vgpufront run and matmul on a backend that cannot run kernels (the CPU
# executor), and their arguments; listed in TESTS by
# test-harness/scenarios/local.mk.
dist_check_SCRIPTS += test-harness/scenarios/test-front-kernels.sh

# The guest kernel driver (frontend/kmod, vgpu(4)): kbuild builds it against
# a guest kernel's headers, not automake; test-kmod-build.sh checks that it
# builds without a warning, the real-Xen test runs it.
EXTRA_DIST += frontend/kmod/.gitignore frontend/kmod/Kbuild frontend/kmod/Makefile \
	frontend/kmod/dkms.conf frontend/kmod/60-vgpu.rules frontend/kmod/vgpu_kmod.h \
	frontend/kmod/xenbus.c frontend/kmod/conn.c frontend/kmod/ring.c frontend/kmod/file.c \
	frontend/kmod/session.c frontend/kmod/buffers.c frontend/kmod/uapi/vgpu_dev.h \
	frontend/kmod/compat/stdint.h frontend/kmod/compat/stddef.h \
	frontend/kmod/compat/xen/io/ring.h frontend/kmod/tests/vgpu-devtest.c

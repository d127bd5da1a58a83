# frontend/libcuda/: the guest libcuda.so.1 (libcuda-vgpu(7)), the CUDA
# driver API over libvgpufront.  Built when configure found the toolkit's
# cuda.h (BUILD_LIBCUDA); installed in its own directory, $(libdir)/xen-vgpu,
# never where it would shadow a real driver: a guest selects it with
# LD_LIBRARY_PATH.  libvgpufront goes inside it (the convenience library),
# hidden behind libcuda.map: the guest needs no other vgpu library.
if BUILD_LIBCUDA
vgpucudadir = $(libdir)/xen-vgpu
vgpucuda_LTLIBRARIES = frontend/libcuda/libcuda.la
frontend_libcuda_libcuda_la_SOURCES = frontend/libcuda/cuda_priv.h \
	frontend/libcuda/cuda_names.h frontend/libcuda/cuda_init.c frontend/libcuda/cuda_ctx.c \
	frontend/libcuda/cuda_mem.c frontend/libcuda/cuda_module.c frontend/libcuda/cuda_launch.c \
	frontend/libcuda/cuda_stream.c frontend/libcuda/cuda_event.c frontend/libcuda/cuda_errors.c \
	frontend/libcuda/cuda_procaddr.c frontend/libcuda/cuda_stubs.c \
	frontend/libcuda/cuda_export.c frontend/libcuda/cuda_hash.c frontend/libcuda/cuda_library.c \
	frontend/libcuda/cuda_cpudev.c frontend/libcuda/cuda_rt.c frontend/libcuda/cuda_async.c \
	frontend/libcuda/cuda_copy.c frontend/libcuda/cuda_hostmem.c
frontend_libcuda_libcuda_la_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/frontend $(LIBCUDA_CFLAGS)
frontend_libcuda_libcuda_la_LIBADD = frontend/libvgpufront_core.la
# 1:0:0: the soname is libcuda.so.1, the driver's.
frontend_libcuda_libcuda_la_LDFLAGS = $(AM_LDFLAGS) -version-info 1:0:0 -Wl,-z,defs
if HAVE_LD_VERSION_SCRIPT
frontend_libcuda_libcuda_la_LDFLAGS += -Wl,--version-script=$(top_srcdir)/frontend/libcuda/libcuda.map
endif
EXTRA_frontend_libcuda_libcuda_la_DEPENDENCIES = $(top_srcdir)/frontend/libcuda/libcuda.map

# The driver-API test program, built as a CUDA user builds one: <cuda.h>
# and -lcuda from the toolkit's stubs, so that it runs on whatever
# libcuda.so.1 the loader finds (test-libcuda.sh points it at ours).
check_PROGRAMS += frontend/libcuda/tests/cuda-drv-test
frontend_libcuda_tests_cuda_drv_test_SOURCES = frontend/libcuda/tests/cuda-drv-test.c
frontend_libcuda_tests_cuda_drv_test_CPPFLAGS = $(AM_CPPFLAGS) $(LIBCUDA_CFLAGS)
if HAVE_CUDA_STUBS
frontend_libcuda_tests_cuda_drv_test_LDADD = $(CUDA_STUBS_LIBS) -ldl -lpthread
else
frontend_libcuda_tests_cuda_drv_test_LDADD = frontend/libcuda/libcuda.la -ldl -lpthread
endif

# The runtime-API test program, built as a CUDA user builds one: plain
# `nvcc -o prog prog.cu`, cudart linked statically, reaching the driver
# through cuGetProcAddress and cuGetExportTable (test-libcuda-rt.sh).
if HAVE_CUDA
check_PROGRAMS += frontend/libcuda/tests/cuda-rt-test
frontend_libcuda_tests_cuda_rt_test_SOURCES =
frontend/libcuda/tests/cuda-rt-test$(EXEEXT): $(srcdir)/frontend/libcuda/tests/cuda-rt-test.cu
	$(AM_V_GEN)$(MKDIR_P) frontend/libcuda/tests && $(NVCC) -o $@ $<
# Launch rates, native and in a guest (run-gpu-bench.sh; not a test).
EXTRA_PROGRAMS += frontend/libcuda/tests/cuda-launch-bench
frontend_libcuda_tests_cuda_launch_bench_SOURCES =
frontend/libcuda/tests/cuda-launch-bench$(EXEEXT): $(srcdir)/frontend/libcuda/tests/cuda-launch-bench.cu
	$(AM_V_GEN)$(MKDIR_P) frontend/libcuda/tests && $(NVCC) -o $@ $<
endif
endif
include $(srcdir)/frontend/libcuda/tests/samples/local.mk
EXTRA_DIST += frontend/libcuda/libcuda.map frontend/libcuda/gen-names.sh \
	frontend/libcuda/tests/cuda-rt-test.cu frontend/libcuda/tests/cuda-launch-bench.cu

# cuda_names.h from the toolkit's stubs/libcuda.so and cudaTypedefs.h, after
# a CUDA upgrade; the tree ships it.
regen-cuda-names:
	@test -n "$(CUDA_STUBS_DIR)" || { echo "regen-cuda-names: no CUDA stubs (configure found none)" >&2; exit 1; }
	$(SHELL) $(top_srcdir)/frontend/libcuda/gen-names.sh $(CUDA_STUBS_DIR)/libcuda.so \
	  $(LIBCUDA_INCDIR)/cudaTypedefs.h >$(top_srcdir)/frontend/libcuda/cuda_names.h
.PHONY: regen-cuda-names

# The guest program under simxen (skips when libcuda is not built).
TESTS += test-harness/scenarios/test-libcuda.sh test-harness/scenarios/test-libcuda-rt.sh
dist_check_SCRIPTS += test-harness/scenarios/test-libcuda.sh test-harness/scenarios/libcuda.sh \
	test-harness/scenarios/test-libcuda-rt.sh
dist_man_MANS += man/libcuda-vgpu.7

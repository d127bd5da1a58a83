# test-harness/bench/: benchmarks (tables, never pass/fail tests).
EXTRA_DIST += test-harness/bench/native_bench.cu test-harness/bench/run-gpu-bench.sh \
	test-harness/bench/run-gpu-checks.sh test-harness/bench/gpu-tree.sh \
	test-harness/bench/reg-stall.sh \
	test-harness/bench/storm-bench.sh test-harness/bench/native_launch.cu \
	test-harness/bench/make-carry.sh test-harness/bench/run-libcuda-bench.sh
# The guest side of the launch benchmarks (run-gpu-bench.sh).
noinst_PROGRAMS += test-harness/bench/vgpu-launch
test_harness_bench_vgpu_launch_SOURCES = test-harness/bench/vgpu-launch.c
test_harness_bench_vgpu_launch_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/frontend \
	-I$(top_srcdir)/frontend/kernels
test_harness_bench_vgpu_launch_LDADD = frontend/libvgpufront.la frontend/libvgpukernels.la
if HAVE_CUDA
noinst_PROGRAMS += test-harness/bench/native_launch
test_harness_bench_native_launch_SOURCES =
test-harness/bench/native_launch$(EXEEXT): $(srcdir)/test-harness/bench/native_launch.cu
	$(AM_V_GEN)$(MKDIR_P) test-harness/bench && $(NVCC) -O2 -arch=$(CUDA_ARCH) -std=c++17 \
		-o $@ $< $(CUDA_LIBS)
noinst_PROGRAMS += test-harness/bench/native_bench
test_harness_bench_native_bench_SOURCES =
test-harness/bench/native_bench$(EXEEXT): $(srcdir)/test-harness/bench/native_bench.cu
	$(AM_V_GEN)$(MKDIR_P) test-harness/bench && $(NVCC) -O2 -arch=$(CUDA_ARCH) -std=c++17 \
		-o $@ $< $(CUDA_LIBS)
endif

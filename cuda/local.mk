# cuda/: the CUDA executor, built when configure found nvcc.  Static cudart:
# nothing is needed at run time but the driver; without a GPU the executor
# says so and vgpuback serves with the CPU executor.
EXTRA_DIST += cuda/exec_cuda.cu cuda/cuda_modules.h cuda/cuda_modules.cu \
	cuda/cuda_streams.h cuda/cuda_streams.cu cuda/cuda_events.h cuda/cuda_events.cu
if HAVE_CUDA
NVCCFLAGS = -O2 -DHAVE_CUDA_EXECUTOR -arch=$(CUDA_ARCH) -std=c++17 -Xcompiler -fPIC,-Wall,-Wextra,-Werror \
	-Werror all-warnings -I$(top_srcdir)/ring -I$(top_srcdir)/backend -I$(top_builddir)
cuda/exec_cuda.o: $(srcdir)/cuda/exec_cuda.cu $(srcdir)/backend/executor.h $(srcdir)/ring/vgpuif.h \
	$(srcdir)/ring/vgpu_ops.h $(srcdir)/ring/vgpu_clock.h
	$(AM_V_GEN)$(MKDIR_P) cuda && $(NVCC) $(NVCCFLAGS) -c -o $@ $<
cuda/exec_cuda.o: $(srcdir)/cuda/cuda_modules.h $(srcdir)/cuda/cuda_streams.h \
	$(srcdir)/cuda/cuda_events.h
cuda/cuda_modules.o: $(srcdir)/cuda/cuda_modules.cu $(srcdir)/cuda/cuda_modules.h $(srcdir)/ring/vgpuif.h
	$(AM_V_GEN)$(MKDIR_P) cuda && $(NVCC) $(NVCCFLAGS) -c -o $@ $<
cuda/cuda_streams.o: $(srcdir)/cuda/cuda_streams.cu $(srcdir)/cuda/cuda_streams.h
	$(AM_V_GEN)$(MKDIR_P) cuda && $(NVCC) $(NVCCFLAGS) -c -o $@ $<
cuda/cuda_events.o: $(srcdir)/cuda/cuda_events.cu $(srcdir)/cuda/cuda_events.h $(srcdir)/ring/vgpuif.h
	$(AM_V_GEN)$(MKDIR_P) cuda && $(NVCC) $(NVCCFLAGS) -c -o $@ $<
CUDA_OBJS = cuda/exec_cuda.o cuda/cuda_modules.o cuda/cuda_streams.o cuda/cuda_events.o
CLEANFILES += $(CUDA_OBJS)
VGPU_CUDA_LDADD = $(CUDA_OBJS) ring/libvgpuring.la $(CUDA_LIBS) -lstdc++
backend_vgpuback_CPPFLAGS += -DHAVE_CUDA_EXECUTOR
else
VGPU_CUDA_LDADD =
endif

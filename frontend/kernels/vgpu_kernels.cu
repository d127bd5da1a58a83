/* SPDX-License-Identifier: MIT */
/*
 * vgpu_kernels.cu: the kernels a guest runs through its vgpu device, the
 * built-in module of vgpufront run and matmul (vgpufront(1)).  The tree
 * ships their PTX (vgpu_kernels.ptx, for compute_80 so that any GPU from
 * Ampere on JIT-compiles it), so that building needs no nvcc: after editing
 * this file, `make regen-ptx` (with nvcc found by configure, or NVCC=...).
 *
 * Every kernel is extern "C": a guest names it by its plain name.
 */

#define TILE 16

/* C = A B, n x n row-major floats; 16 x 16 blocks, grid ceil(n / 16)^2. */
extern "C" __global__ void vgpu_matmul(const float *A, const float *B, float *C, int n)
{
	__shared__ float as[TILE][TILE];
	__shared__ float bs[TILE][TILE];
	int row = blockIdx.y * TILE + threadIdx.y;
	int col = blockIdx.x * TILE + threadIdx.x;
	float acc = 0.0f;

	for (int t = 0; t < n; t += TILE) {
		int ac = t + threadIdx.x, br = t + threadIdx.y;

		/* Outside the matrix a tile holds zeros: n need not be a multiple of 16. */
		as[threadIdx.y][threadIdx.x] = row < n && ac < n ? A[(size_t)row * n + ac] : 0.0f;
		bs[threadIdx.y][threadIdx.x] = br < n && col < n ? B[(size_t)br * n + col] : 0.0f;
		__syncthreads();
		for (int k = 0; k < TILE; k++)
			acc += as[threadIdx.y][k] * bs[k][threadIdx.x];
		__syncthreads();
	}
	if (row < n && col < n)
		C[(size_t)row * n + col] = acc;
}

/* y = a x + y over n floats. */
extern "C" __global__ void vgpu_saxpy(int n, float a, const float *x, float *y)
{
	int i = blockIdx.x * blockDim.x + threadIdx.x;

	if (i < n)
		y[i] = a * x[i] + y[i];
}

/* c = a + b over n floats. */
extern "C" __global__ void vgpu_vadd(const float *a, const float *b, float *c, int n)
{
	int i = blockIdx.x * blockDim.x + threadIdx.x;

	if (i < n)
		c[i] = a[i] + b[i];
}

/*
 * out[0] += the sum of in[0 .. n - 1]: each block sums its grid-stride share
 * in shared memory, one atomicAdd per block.  Blocks of up to 1024 threads,
 * a power of two; out[0] is the caller's to zero.
 */
extern "C" __global__ void vgpu_reduce_sum(const float *in, float *out, int n)
{
	__shared__ float part[1024];
	unsigned tid = threadIdx.x;
	float s = 0.0f;

	for (int i = blockIdx.x * blockDim.x + tid; i < n; i += gridDim.x * blockDim.x)
		s += in[i];
	part[tid] = s;
	__syncthreads();
	for (unsigned half = blockDim.x / 2; half > 0; half /= 2) {
		if (tid < half)
			part[tid] += part[tid + half];
		__syncthreads();
	}
	if (tid == 0)
		atomicAdd(out, part[0]);
}

/* Nothing: what a launch costs by itself. */
extern "C" __global__ void vgpu_empty(void)
{
}

/*
 * Busy for @cycles GPU clocks (0: forever): deadlines, kills, fairness
 * tests.  The clock is read on every pass: a loop with no side effect may
 * be assumed to end, and nvcc dropped the endless one (seen on the H200).
 */
extern "C" __global__ void vgpu_spin(unsigned long long cycles)
{
	long long start = clock64();

	for (;;) {
		long long now = clock64();

		if (cycles && (unsigned long long)(now - start) >= cycles)
			break;
	}
}

/* Store @value at @addr: with an address outside the guest's memory, a fault on purpose. */
extern "C" __global__ void vgpu_poke(unsigned long long addr, int value)
{
	*(volatile int *)addr = value;
}

/*
 * A module's globals, for GLOBAL_GET (cuModuleGetGlobal): vgpu_poly reads
 * its coefficients from constant memory and counts the elements it did in
 * a __device__ counter.  Variables at file scope keep their plain names.
 */
__constant__ float vgpu_coef[4];
__device__ unsigned int vgpu_count;

/* y = coef[0] + coef[1] x + coef[2] x^2 + coef[3] x^3 over n floats; count += n. */
extern "C" __global__ void vgpu_poly(const float *x, float *y, int n)
{
	int i = blockIdx.x * blockDim.x + threadIdx.x;

	if (i < n) {
		float v = x[i];

		y[i] = vgpu_coef[0] + v * (vgpu_coef[1] + v * (vgpu_coef[2] + v * vgpu_coef[3]));
		atomicAdd(&vgpu_count, 1u);
	}
}

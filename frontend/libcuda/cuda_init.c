/* SPDX-License-Identifier: MIT */
/*
 * cuda_init.c: the process's one vgpufront device (cuInit), the trace, and
 * the device queries (cuDeviceGet*, answered from DEVICE_INFO).
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cuda_priv.h"

struct cu_state cu = { .lock = PTHREAD_MUTEX_INITIALIZER };

void cu_lock(void)
{
	pthread_mutex_lock(&cu.lock);
}

void cu_unlock(void)
{
	pthread_mutex_unlock(&cu.lock);
}

/*
 * Read before main, so that calls made before cuInit are traced too, and
 * once: a launch need not look through the environment.
 */
__attribute__((constructor)) static void cu_env(void)
{
	const char *t = getenv("VGPU_CUDA_TRACE"), *b = getenv("CUDA_LAUNCH_BLOCKING");

	cu.trace = t && *t && strcmp(t, "0") != 0;
	cu.launch_blocking = b && *b == '1';
}

/*
 * At exit, close the device: the backend frees the sessions at once rather
 * than when it notices the process gone.  Skipped if a thread is inside a
 * call (the lock is held): the backend cleans up after a closed process too.
 */
__attribute__((destructor)) static void cu_fini(void)
{
	if (pthread_mutex_trylock(&cu.lock))
		return;
	if (cu.dev)
		vgpufront_close(cu.dev);
	cu.dev = NULL;
	cu_async_reset();
	cu_hosts_forget();
	cu.inited = false;
	pthread_mutex_unlock(&cu.lock);
}

CUresult cu_ret(const char *fn, CUresult rc, const char *fmt, ...)
{
	va_list ap;

	if (!cu.trace)
		return rc;
	flockfile(stderr);
	fprintf(stderr, "vgpu-cuda: %s(", fn);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, ") = %s\n", cu_error_name(rc));
	funlockfile(stderr);
	return rc;
}

CUresult cu_check_init(void)
{
	return cu.inited ? CUDA_SUCCESS : CUDA_ERROR_NOT_INITIALIZED;
}

static unsigned env_devid(void)
{
	const char *s = getenv("VGPU_CUDA_DEVICE");
	char *end;
	unsigned long v;

	if (!s || !*s)
		return 0;
	v = strtoul(s, &end, 10);
	return *end || v > 0xffff ? 0 : (unsigned)v;
}

/* Under the lock: connect and learn what the backend has. */
static CUresult cu_connect(void)
{
	char err[256] = "";
	int rc;

	cu.devid = env_devid();
	cu.dev = vgpufront_open(cu.devid, NULL, err, sizeof(err));
	if (!cu.dev) {
		fprintf(stderr, "vgpu-cuda: no vgpu device %u: %s\n", cu.devid, err);
		return CUDA_ERROR_NO_DEVICE;
	}
	rc = vgpufront_protocol_version(cu.dev);
	if (rc < 2)
		fprintf(stderr, "vgpu-cuda: vgpu device %u speaks protocol %d, not 2\n", cu.devid, rc);
	if (rc >= 2)
		rc = vgpufront_query(cu.dev, &cu.q, NULL, 0);
	else
		rc = -EOPNOTSUPP;
	if (!rc) {
		cu.gpu = cu.q.executor == VGPU_EXEC_CUDA;
		/* The CPU executor is one device: memory, streams, events. */
		cu.ndevs = cu.gpu ? cu.q.ngpus : 1;
		cu.devs = calloc(cu.ndevs ? cu.ndevs : 1, sizeof(*cu.devs));
		if (cu.devs && cu.ndevs > 0)
			return CUDA_SUCCESS;
		rc = cu.devs ? 0 : -ENOMEM;
	}
	free(cu.devs);
	cu.devs = NULL;
	vgpufront_close(cu.dev);
	cu.dev = NULL;
	return rc ? cu_status(rc) : CUDA_ERROR_NO_DEVICE;
}

CUresult CUDAAPI cuInit(unsigned int Flags)
{
	CUresult rc = CUDA_SUCCESS;

	if (Flags)
		RET(CUDA_ERROR_INVALID_VALUE, "%u", Flags);
	cu_lock();
	if (!cu.inited) {
		rc = cu_connect();
		cu.inited = rc == CUDA_SUCCESS;
	}
	cu_unlock();
	RET(rc, "%u", Flags);
}

/*
 * The host driver's version (DEVICE_INFO of GPU 0); the CPU executor, or a
 * process that has not called cuInit, gets CU_CPU_DRIVER_VERSION.
 */
CUresult CUDAAPI cuDriverGetVersion(int *driverVersion)
{
	const struct vgpuif_device_info *info;

	if (!driverVersion)
		RET(CUDA_ERROR_INVALID_VALUE, "NULL");
	*driverVersion = CU_CPU_DRIVER_VERSION;
	cu_lock();
	if (cu.inited && cu.gpu && cu_device_info(0, &info) == CUDA_SUCCESS &&
	    info->driver_version > 0)
		*driverVersion = info->driver_version;
	cu_unlock();
	RET(CUDA_SUCCESS, "-> %d", *driverVersion);
}

CUresult cu_check_device(CUdevice d)
{
	CUresult rc = cu_check_init();

	if (rc)
		return rc;
	return d >= 0 && d < cu.ndevs ? CUDA_SUCCESS : CUDA_ERROR_INVALID_DEVICE;
}

CUresult cu_device_info(CUdevice d, const struct vgpuif_device_info **info)
{
	CUresult rc = cu_check_device(d);
	struct cu_device *dv;

	if (rc)
		return rc;
	dv = &cu.devs[d];
	if (!cu.gpu && !dv->has_info) {
		cu_cpu_device_info(&dv->info);
		dv->has_info = true;
	}
	if (!dv->has_info) {
		rc = cu_status(vgpufront_device_info(cu.dev, (unsigned)d, &dv->info));
		if (rc)
			return rc;
		dv->has_info = true;
	}
	*info = &dv->info;
	return CUDA_SUCCESS;
}

CUresult CUDAAPI cuDeviceGetCount(int *count)
{
	CUresult rc;

	if (!count)
		RET(CUDA_ERROR_INVALID_VALUE, "NULL");
	cu_lock();
	rc = cu_check_init();
	*count = rc ? 0 : cu.ndevs;
	cu_unlock();
	RET(rc, "-> %d", *count);
}

CUresult CUDAAPI cuDeviceGet(CUdevice *device, int ordinal)
{
	CUresult rc;

	if (!device)
		RET(CUDA_ERROR_INVALID_VALUE, "NULL, %d", ordinal);
	cu_lock();
	rc = cu_check_device(ordinal);
	cu_unlock();
	if (!rc)
		*device = ordinal;
	RET(rc, "%d", ordinal);
}

CUresult CUDAAPI cuDeviceGetName(char *name, int len, CUdevice dev)
{
	const struct vgpuif_device_info *info;
	CUresult rc;

	if (!name || len <= 0)
		RET(CUDA_ERROR_INVALID_VALUE, "%p, %d, %d", (void *)name, len, dev);
	cu_lock();
	rc = cu_device_info(dev, &info);
	if (rc == CUDA_ERROR_NOT_SUPPORTED) {
		snprintf(name, (size_t)len, "%s", CU_CPU_NAME);
		rc = CUDA_SUCCESS;
	} else if (!rc) {
		snprintf(name, (size_t)len, "%s", info->name);
	}
	cu_unlock();
	RET(rc, "%d, %d -> \"%s\"", len, dev, rc ? "" : name);
}

CUresult CUDAAPI cuDeviceTotalMem(size_t *bytes, CUdevice dev)
{
	const struct vgpuif_device_info *info;
	CUresult rc;

	if (!bytes)
		RET(CUDA_ERROR_INVALID_VALUE, "NULL, %d", dev);
	cu_lock();
	rc = cu_device_info(dev, &info);
	if (!rc)
		*bytes = info->total_mem;
	cu_unlock();
	RET(rc, "%d", dev);
}

CUresult CUDAAPI cuDeviceGetAttribute(int *pi, CUdevice_attribute attrib, CUdevice dev)
{
	const struct vgpuif_device_info *info;
	CUresult rc;

	if (!pi)
		RET(CUDA_ERROR_INVALID_VALUE, "NULL, %d, %d", (int)attrib, dev);
	cu_lock();
	rc = cu_device_info(dev, &info);
	if (!rc && ((int)attrib < 1 || (unsigned)attrib >= info->nattrs))
		rc = CUDA_ERROR_INVALID_VALUE;
	if (!rc)
		*pi = info->attrs[attrib];
	cu_unlock();
	RET(rc, "%d, %d -> %d", (int)attrib, dev, rc ? 0 : *pi);
}

CUresult CUDAAPI cuDeviceComputeCapability(int *major, int *minor, CUdevice dev)
{
	const struct vgpuif_device_info *info;
	CUresult rc;

	if (!major || !minor)
		RET(CUDA_ERROR_INVALID_VALUE, "NULL, %d", dev);
	cu_lock();
	rc = cu_device_info(dev, &info);
	if (!rc) {
		*major = info->attrs[CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR];
		*minor = info->attrs[CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR];
	}
	cu_unlock();
	RET(rc, "%d", dev);
}

static CUresult get_uuid(const char *fn, CUuuid *uuid, CUdevice dev)
{
	const struct vgpuif_device_info *info;
	CUresult rc;

	if (!uuid)
		return cu_ret(fn, CUDA_ERROR_INVALID_VALUE, "NULL, %d", dev);
	cu_lock();
	rc = cu_device_info(dev, &info);
	if (!rc)
		memcpy(uuid->bytes, info->uuid, sizeof(uuid->bytes));
	cu_unlock();
	return cu_ret(fn, rc, "%d", dev);
}

/* cuda.h maps cuDeviceGetUuid to _v2; the driver exports both (same ABI). */
#undef cuDeviceGetUuid
CUresult CUDAAPI cuDeviceGetUuid(CUuuid *uuid, CUdevice dev);

CUresult CUDAAPI cuDeviceGetUuid(CUuuid *uuid, CUdevice dev)
{
	return get_uuid(__func__, uuid, dev);
}

CUresult CUDAAPI cuDeviceGetUuid_v2(CUuuid *uuid, CUdevice dev)
{
	return get_uuid(__func__, uuid, dev);
}

/* SPDX-License-Identifier: MIT */
/*
 * launch.c: protocol version 2's modules and kernel launches, shaped like
 * the CUDA driver API (cuModuleLoadData, cuModuleGetFunction with
 * cuFuncGetParamInfo, cuLaunchKernel), and the device query beside them
 * (cuDeviceGetName, cuDeviceGetAttribute).  As in mem.c, each call fills one
 * request (everything it does not use zero) and the backend judges it;
 * only what a request cannot carry is refused here (a block side above
 * 65535 does not fit the wire's u16, an image or name that does not fit
 * its u32 or the protocol's bound).
 *
 * What comes back is not trusted: a function's parameter layout is copied
 * out of the shared buffer once and only the copy is checked (every
 * parameter inside param_bytes, param_bytes within the protocol's bound),
 * since vgpufront_params_pack() writes where the layout says.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "front_priv.h"

/* The layout buffer: as many entries as a vgpufront_func reports. */
#define LAYOUT_BYTES (VGPUFRONT_MAX_PARAMS * sizeof(struct vgpuif_param))

/*
 * Call @req with @len bytes of @data in a buffer of their own, named at
 * @ref: read-only, as the backend only reads an image or a name; the
 * buffer goes once answered.
 */
static int call_with_copy(struct vgpufront *dev, struct vgpuif_request *req, const void *data,
			  size_t len, struct vgpuif_bufref *ref, struct vgpuif_response *rsp)
{
	struct vgpufront_buf *buf;
	int rc = front_check_v2(dev);

	if (rc)
		return rc;
	buf = vgpufront_buf_alloc(dev, len, VGPUFRONT_BUF_READONLY, &rc);
	if (!buf)
		return rc;
	memcpy(buf->addr, data, len);
	*ref = (struct vgpuif_bufref){ buf->handle, 0 };
	rc = vgpufront_call(dev, req, rsp);
	vgpufront_buf_free(dev, buf);
	return rc;
}

int vgpufront_module_load(struct vgpufront *dev, uint32_t session, const void *image,
			  size_t len, uint64_t *module)
{
	struct vgpuif_request req;
	struct vgpuif_response rsp;
	int rc;

	if (!image || !module || !len || len > VGPUIF_MAX_IMAGE)
		return -EINVAL;
	front_request_init(&req, VGPU_OP_MODULE_LOAD, session);
	req.u.module_load.bytes = (uint32_t)len;
	rc = call_with_copy(dev, &req, image, len, &req.u.module_load.image, &rsp);
	if (rc)
		return rc;
	*module = (uint64_t)rsp.result.scalar;
	return 0;
}

int vgpufront_module_unload(struct vgpufront *dev, uint32_t session, uint64_t module)
{
	struct vgpuif_request req;
	struct vgpuif_response rsp;

	front_request_init(&req, VGPU_OP_MODULE_UNLOAD, session);
	req.u.module_unload.module = module;
	return front_call_v2(dev, &req, &rsp);
}

/*
 * FUNC_GET's answer, from @res and the @layout the backend wrote: copied
 * once into @f, then checked.  -EPROTO for what no backend may say.
 */
static int take_func(const struct vgpuif_func_result *res, const void *layout,
		     struct vgpufront_func *f)
{
	uint32_t n = res->nparams, i;
	struct vgpuif_param *l = NULL;

	/* Each parameter takes a byte at least: more than the bytes is a lie. */
	if (res->param_bytes > VGPUIF_MAX_PARAM_BYTES || n > res->param_bytes)
		return -EPROTO;
	if (n > VGPUFRONT_MAX_PARAMS)
		n = VGPUFRONT_MAX_PARAMS;
	if (n) {
		l = malloc(n * sizeof(*l));
		if (!l)
			return -ENOMEM;
		memcpy(l, layout, n * sizeof(*l));
	}
	for (i = 0; i < n; i++)
		if ((uint64_t)l[i].offset + l[i].size > res->param_bytes) {
			free(l);
			return -EPROTO;
		}
	f->handle = res->func;
	f->nparams = res->nparams;
	f->param_bytes = res->param_bytes;
	f->layout = l;
	return 0;
}

int vgpufront_func_get(struct vgpufront *dev, uint32_t session, uint64_t module,
		       const char *name, struct vgpufront_func *f)
{
	struct vgpuif_request req;
	struct vgpuif_response rsp;
	struct vgpufront_buf *buf;
	size_t len, layout_off;
	int rc;

	if (!name || !f)
		return -EINVAL;
	len = strnlen(name, VGPUIF_MAX_NAME + 1);
	if (!len || len > VGPUIF_MAX_NAME)
		return -EINVAL;
	rc = front_check_v2(dev);
	if (rc)
		return rc;
	/* One buffer: the name, then the layout where the backend wants it (4-aligned). */
	layout_off = (len + 3) & ~(size_t)3;
	buf = vgpufront_buf_alloc(dev, layout_off + LAYOUT_BYTES, 0, &rc);
	if (!buf)
		return rc;
	memcpy(buf->addr, name, len);
	front_request_init(&req, VGPU_OP_FUNC_GET, session);
	req.u.func_get.module = module;
	req.u.func_get.name = (struct vgpuif_bufref){ buf->handle, 0 };
	req.u.func_get.name_len = (uint32_t)len;
	req.u.func_get.layout = (struct vgpuif_bufref){ buf->handle, (uint32_t)layout_off };
	req.u.func_get.layout_len = LAYOUT_BYTES;
	rc = vgpufront_call(dev, &req, &rsp);
	if (!rc)
		rc = take_func(&rsp.result.func, (char *)buf->addr + layout_off, f);
	vgpufront_buf_free(dev, buf);
	return rc;
}

int vgpufront_global_get(struct vgpufront *dev, uint32_t session, uint64_t module,
			 const char *name, uint64_t *dptr, uint64_t *bytes)
{
	struct vgpuif_request req;
	struct vgpuif_response rsp;
	uint64_t end;
	size_t len;
	int rc;

	if (!name || !dptr || !bytes)
		return -EINVAL;
	len = strnlen(name, VGPUIF_MAX_NAME + 1);
	if (!len || len > VGPUIF_MAX_NAME)
		return -EINVAL;
	front_request_init(&req, VGPU_OP_GLOBAL_GET, session);
	req.u.global_get.module = module;
	req.u.global_get.name_len = (uint32_t)len;
	rc = call_with_copy(dev, &req, name, len, &req.u.global_get.name, &rsp);
	if (rc)
		return rc;
	/* No variable is empty, none wraps past the end of the address space. */
	if (!rsp.result.global.dptr || !rsp.result.global.bytes ||
	    __builtin_add_overflow(rsp.result.global.dptr, rsp.result.global.bytes, &end))
		return -EPROTO;
	*dptr = rsp.result.global.dptr;
	*bytes = rsp.result.global.bytes;
	return 0;
}

int vgpufront_params_pack(const struct vgpufront_func *f, void *const *args, void *blob)
{
	uint32_t i;

	if (!f || (f->param_bytes && !blob))
		return -EINVAL;
	if (f->nparams > VGPUFRONT_MAX_PARAMS || (f->nparams && (!args || !f->layout)))
		return -EINVAL;
	/* Check all before writing any: a refused pack leaves @blob as it was. */
	for (i = 0; i < f->nparams; i++)
		if (!args[i] ||
		    (uint64_t)f->layout[i].offset + f->layout[i].size > f->param_bytes)
			return -EINVAL;
	if (f->param_bytes)
		memset(blob, 0, f->param_bytes);	/* padding: no stale bytes leave */
	for (i = 0; i < f->nparams; i++)
		memcpy((char *)blob + f->layout[i].offset, args[i], f->layout[i].size);
	return 0;
}

/* The LAUNCH request for @l; -EINVAL for what the wire cannot carry. */
static int launch_request(uint32_t session, const struct vgpufront_launch *l,
			  struct vgpuif_request *req)
{
	unsigned i;

	if (!l || (l->params_len && !l->params))
		return -EINVAL;
	for (i = 0; i < 3; i++)
		if (l->block[i] > UINT16_MAX)
			return -EINVAL;
	front_request_init(req, VGPU_OP_LAUNCH, session);
	req->u.launch.func = l->func;
	for (i = 0; i < 3; i++) {
		req->u.launch.grid[i] = l->grid[i];
		req->u.launch.block[i] = (uint16_t)l->block[i];
	}
	req->u.launch.shmem = l->shmem;
	req->u.launch.stream = l->stream;
	if (l->params)
		req->u.launch.params = (struct vgpuif_bufref){ l->params->handle, l->params_off };
	req->u.launch.params_len = l->params_len;
	return 0;
}

int vgpufront_launch(struct vgpufront *dev, uint32_t session, const struct vgpufront_launch *l)
{
	struct vgpuif_request req;
	struct vgpuif_response rsp;
	int rc = launch_request(session, l, &req);

	if (!rc)
		rc = front_check_v2(dev);
	return rc ? rc : vgpufront_call(dev, &req, &rsp);
}

int vgpufront_launch_submit(struct vgpufront *dev, uint32_t session,
			    const struct vgpufront_launch *l, uint64_t *id)
{
	struct vgpuif_request req;
	int rc;

	if (!id)
		return -EINVAL;
	rc = launch_request(session, l, &req);
	if (!rc)
		rc = front_check_v2(dev);
	if (!rc)
		rc = vgpufront_submit(dev, &req);
	if (!rc)
		*id = req.id;
	return rc;
}

int vgpufront_device_info(struct vgpufront *dev, unsigned gpu, struct vgpuif_device_info *out)
{
	struct vgpuif_request req;
	struct vgpuif_response rsp;
	struct vgpufront_buf *buf;
	int rc;

	if (!out)
		return -EINVAL;
	rc = front_check_v2(dev);
	if (rc)
		return rc;
	buf = vgpufront_buf_alloc(dev, sizeof(*out), 0, &rc);
	if (!buf)
		return rc;
	front_request_init(&req, VGPU_OP_DEVICE_INFO, 0);
	req.u.device_info.out = (struct vgpuif_bufref){ buf->handle, 0 };
	req.u.device_info.gpu = gpu;
	rc = vgpufront_call(dev, &req, &rsp);
	if (!rc) {
		memcpy(out, buf->addr, sizeof(*out));	/* once: the backend wrote it */
		out->name[sizeof(out->name) - 1] = 0;
		if (out->nattrs > VGPUIF_DEVICE_ATTRS)
			out->nattrs = VGPUIF_DEVICE_ATTRS;
	}
	vgpufront_buf_free(dev, buf);
	return rc;
}

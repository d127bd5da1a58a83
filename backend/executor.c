/* SPDX-License-Identifier: MIT */
/* executor.c: the executors built into this vgpuback. */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <syslog.h>

#include "executor.h"
#include "log.h"

const struct vgpu_executor_ops *vgpu_executor_find(const char *name)
{
	if (!strcmp(name, "cpu"))
		return &vgpu_cpu_executor_ops;
#ifdef HAVE_CUDA_EXECUTOR
	if (!strcmp(name, "cuda"))
		return &vgpu_cuda_executor_ops;
#endif
	return NULL;
}

int vgpu_executor_start(const char *name, const struct vgpu_exec_config *cfg,
			const struct vgpu_executor_ops **ops, struct vgpu_executor **ex)
{
	int rc;

	if (!strcmp(name, "auto")) {
		*ops = vgpu_executor_find("cuda");
		if (*ops && (*ops)->create(cfg, ex) == 0) {
			vlog(LOG_INFO, "executor: cuda (a GPU answered)");
			return 0;
		}
		vlog(LOG_INFO, "executor: cpu (%s)", *ops ? "no GPU answered" :
		     "this vgpuback was built without CUDA");
		name = "cpu";
	}
	*ops = vgpu_executor_find(name);
	if (!*ops) {
		vlog(LOG_ERR, "executor '%s' is not built into this vgpuback", name);
		return -ENOENT;
	}
	rc = (*ops)->create(cfg, ex);
	if (rc)
		vlog(LOG_ERR, "executor '%s' failed to start: %s", name, strerror(-rc));
	else
		vlog(LOG_INFO, "executor: %s", name);
	return rc;
}

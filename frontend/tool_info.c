/* SPDX-License-Identifier: MIT */
/*
 * tool_info.c: `vgpufront info`, this guest's view of its device as
 * nvidia-smi -q gives a CUDA user theirs: the GPUs, the host's versions,
 * the executor and data path, the pool and priority the toolstack gave the
 * device, the limits, and which path this process reaches the device by
 * (the kernel driver's /dev/vgpuN, or user space); --json the same as one object.  The executor's
 * QUERY text is key=value lines: unknown keys are ignored, bad lines
 * skipped (the backend is not trusted to be well-formed).
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


#include "tool_json.h"
#include "tool_priv.h"

#define MAX_KV		256
#define MAX_GPUS_SHOWN	16
#define NO_DEVMEM	"n/a (protocol 1 has no device memory)"

struct kv {
	char key[48];
	char val[208];
};

struct info {
	struct vgpuif_query_result q;
	struct kv kv[MAX_KV];
	unsigned nkv;
	char pool[64], prio[32];
	char quota[32];			/* feature-mem-quota: "" before protocol 2 */
	bool quota_hidden;		/* XenStore is root's (a vgpu group user) */
	int path;			/* VGPUFRONT_PATH_* */
	char node[64];			/* the kernel path's device node */
};

/* What device memory this guest may hold, as one phrase. */
static const char *free_to_guest(const struct info *in, char *buf, size_t len)
{
	if (in->quota_hidden)
		return "unknown (its quota is in XenStore, which only root reads)";
	if (!in->quota[0])
		return NO_DEVMEM;
	snprintf(buf, len, "%.1f GiB (its quota)", strtod(in->quota, NULL) / (1u << 30));
	return buf;
}

static bool key_ok(const char *s, size_t n)
{
	return n && n < sizeof(((struct kv *)0)->key) &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_.") >= n;
}

/* Printable ASCII only (so valid JSON text too), and short enough to keep. */
static bool val_ok(const char *s, size_t n)
{
	size_t i;

	if (n >= sizeof(((struct kv *)0)->val))
		return false;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
			return false;
	return true;
}

/* A XenStore value shown as it is where printable ASCII, '?' elsewhere. */
static void printable(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			*s = '?';
}

/* "key=value" lines into @in->kv; a line that is not one is skipped. */
static void parse_text(struct info *in, const char *text)
{
	const char *line = text;

	while (*line && in->nkv < MAX_KV) {
		size_t len = strcspn(line, "\n");
		const char *eq = memchr(line, '=', len);

		if (eq && key_ok(line, (size_t)(eq - line)) &&
		    val_ok(eq + 1, len - (size_t)(eq - line) - 1)) {
			struct kv *kv = &in->kv[in->nkv++];

			snprintf(kv->key, sizeof(kv->key), "%.*s", (int)(eq - line), line);
			snprintf(kv->val, sizeof(kv->val), "%.*s",
				 (int)(len - (size_t)(eq - line) - 1), eq + 1);
		}
		line += len + (line[len] == '\n');
	}
}

/* The value of @key (the first line that has it), or NULL. */
static const char *get(const struct info *in, const char *key)
{
	unsigned i;

	for (i = 0; i < in->nkv; i++)
		if (!strcmp(in->kv[i].key, key))
			return in->kv[i].val;
	return NULL;
}

static const char *gpu_get(const struct info *in, unsigned g, const char *what)
{
	char key[48];

	snprintf(key, sizeof(key), "gpu%u.%s", g, what);
	return get(in, key);
}

/* GPU @g's @what := @fmt..., replacing what the executor's text said. */
static void gpu_set(struct info *in, unsigned g, const char *what, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void gpu_set(struct info *in, unsigned g, const char *what, const char *fmt, ...)
{
	struct kv *kv = NULL;
	char key[48];
	va_list ap;
	unsigned i;

	snprintf(key, sizeof(key), "gpu%u.%s", g, what);
	for (i = 0; i < in->nkv && !kv; i++)
		if (!strcmp(in->kv[i].key, key))
			kv = &in->kv[i];
	if (!kv && in->nkv == MAX_KV)
		return;
	if (!kv) {
		kv = &in->kv[in->nkv++];
		snprintf(kv->key, sizeof(kv->key), "%s", key);
	}
	va_start(ap, fmt);
	vsnprintf(kv->val, sizeof(kv->val), fmt, ap);
	va_end(ap);
}

/*
 * The device query (protocol 2, the CUDA executor) is what the host's
 * driver says of each GPU, as cuDeviceGetAttribute: it overrides the
 * executor's summary and adds what a CUDA user sizes kernels by.
 */
static void device_query(struct tool *t, struct info *in)
{
	struct vgpuif_device_info d;
	unsigned g, i;
	char uuid[40];

	for (g = 0; g < in->q.ngpus && g < MAX_GPUS_SHOWN; g++) {
		if (vgpufront_device_info(t->dev, g, &d))
			return;	/* the CPU executor, or an older backend */
		printable(d.name);
		for (i = 0; i < 16; i++)
			snprintf(uuid + 2 * i, 3, "%02x", d.uuid[i]);
		gpu_set(in, g, "name", "%s", d.name);
		gpu_set(in, g, "uuid", "GPU-%.8s-%.4s-%.4s-%.4s-%.12s", uuid, uuid + 8,
			uuid + 12, uuid + 16, uuid + 20);
		gpu_set(in, g, "cc", "%d.%d", d.attrs[75], d.attrs[76]);
		gpu_set(in, g, "sms", "%d", d.attrs[16]);
		gpu_set(in, g, "mem_total", "%" PRIu64, d.total_mem);
		gpu_set(in, g, "max_threads_per_block", "%d", d.attrs[1]);
		gpu_set(in, g, "warp_size", "%d", d.attrs[10]);
		gpu_set(in, g, "shared_mem_per_block_optin", "%d", d.attrs[97]);
		gpu_set(in, g, "l2_cache_bytes", "%d", d.attrs[38]);
	}
}

static const char *exec_name(unsigned e)
{
	return e == VGPU_EXEC_CPU ? "cpu" : e == VGPU_EXEC_CUDA ? "cuda" : "unknown";
}

static const char *path_name(unsigned p)
{
	return p == VGPU_PATH_CPU ? "cpu" : p == VGPU_PATH_DMA ? "dma" :
	       p == VGPU_PATH_STAGING ? "staging" : "unknown";
}

static const char *path_note(unsigned p)
{
	return p == VGPU_PATH_CPU ? " (mapped pages)" : p == VGPU_PATH_DMA ?
	       " (registered guest pages)" : p == VGPU_PATH_STAGING ?
	       " (pinned bounce buffers)" : "";
}

static unsigned gpus_shown(const struct info *in)
{
	return in->q.ngpus < MAX_GPUS_SHOWN ? in->q.ngpus : MAX_GPUS_SHOWN;
}

#define LABEL "%-20s"

static const char *guest_path_name(const struct info *in)
{
	return in->path == VGPUFRONT_PATH_KERNEL ? "kernel" : "user";
}

/* "kernel (/dev/vgpu0)" or "user space (gntalloc, evtchn)" */
static void print_guest_path(const struct info *in)
{
	if (in->path == VGPUFRONT_PATH_KERNEL)
		printf(LABEL "kernel (%s)\n", "path:", in->node);
	else
		printf(LABEL "user space (gntalloc, evtchn)\n", "path:");
}

static void print_opt(const char *label, const char *val)
{
	if (val)
		printf(LABEL "%s\n", label, val);
}

/* A GPU's lines sit under "gpu N:", their labels one column wider. */
#define GPU_LABEL "%-23s"

static void print_gpu_opt(const char *label, const char *val)
{
	if (val)
		printf(GPU_LABEL "%s\n", label, val);
}

static void print_gpus(const struct info *in)
{
	char buf[64];
	unsigned g;

	for (g = 0; g < gpus_shown(in); g++) {
		const char *mem = gpu_get(in, g, "mem_total");

		printf("gpu %u:\n", g);
		print_gpu_opt("  name:", gpu_get(in, g, "name"));
		print_gpu_opt("  compute capability:", gpu_get(in, g, "cc"));
		print_gpu_opt("  SMs:", gpu_get(in, g, "sms"));
		print_gpu_opt("  uuid:", gpu_get(in, g, "uuid"));
		print_gpu_opt("  max threads/block:", gpu_get(in, g, "max_threads_per_block"));
		print_gpu_opt("  warp size:", gpu_get(in, g, "warp_size"));
		print_gpu_opt("  shared mem/block:", gpu_get(in, g, "shared_mem_per_block_optin"));
		print_gpu_opt("  L2 cache bytes:", gpu_get(in, g, "l2_cache_bytes"));
		if (mem)
			printf(GPU_LABEL "%.1f GiB (%s bytes)\n", "  memory total:",
			       strtod(mem, NULL) / (1u << 30), mem);
		printf("  memory free to this guest: %s\n", free_to_guest(in, buf, sizeof(buf)));
	}
}

/*
 * The lines scripts already read stay as they were ("executor:",
 * "ring size:", "max inflight:", "max buffers:" at the start of a line).
 */
static void print_text(struct tool *t, const struct info *in)
{
	char buf[64];
	const struct vgpuif_query_result *q = &in->q;

	printf(LABEL "%u (domain %u)\n", "device:", t->devid, vgpufront_domid(t->dev));
	print_guest_path(in);
	printf(LABEL "%u\n", "protocol:", q->version);
	printf(LABEL "%s\n", "executor:", exec_name(q->executor));
	printf(LABEL "%s%s\n", "data path:", path_name(q->path), path_note(q->path));
	printf(LABEL "%s\n", "pool:", in->pool[0] ? in->pool : "(none)");
	printf(LABEL "%s\n", "priority:", in->prio[0] ? in->prio : "(none)");
	print_opt("cpu model:", get(in, "cpu_model"));
	print_opt("driver version:", get(in, "driver_version"));
	print_opt("cuda version:", get(in, "cuda_version"));
	print_opt("runtime version:", get(in, "runtime_version"));
	printf(LABEL "%u\n", "gpus:", q->ngpus);
	print_gpus(in);
	printf(LABEL "%.1f GiB (free to this guest: %s)\n", "gpu memory:",
	       (double)q->gpu_mem_total / (1u << 30), free_to_guest(in, buf, sizeof(buf)));
	printf(LABEL "%u\n", "slots:", q->slots);
	printf(LABEL "%u (local %u)\n", "ring size:", q->ring_size,
	       vgpufront_ring_size(t->dev));
	printf(LABEL "%u per domain\n", "max inflight:", q->max_inflight);
	printf(LABEL "%u pages per domain\n", "max buffers:", q->max_buf_pages);
}

/* @key: @val as a string, or null when there is none. */
static void gen_str(yajl_gen g, const char *key, const char *val)
{
	tool_json_key(g, key);
	if (val)
		yajl_gen_string(g, (const unsigned char *)val, strlen(val));
	else
		yajl_gen_null(g);
}

static void gen_uint(yajl_gen g, const char *key, uint64_t v)
{
	char num[24];

	tool_json_key(g, key);
	snprintf(num, sizeof(num), "%" PRIu64, v);
	yajl_gen_number(g, num, strlen(num));
}

/* A number the executor sent as text: a number when it is one, else null. */
static void gen_num_text(yajl_gen g, const char *key, const char *val)
{
	if (val && val[0] && strspn(val, "0123456789") == strlen(val) && strlen(val) < 20)
		gen_uint(g, key, strtoull(val, NULL, 10));
	else
		gen_str(g, key, NULL);
}

static void gen_gpus(yajl_gen g, const struct info *in)
{
	unsigned i;

	tool_json_key(g, "gpus");
	yajl_gen_array_open(g);
	for (i = 0; i < gpus_shown(in); i++) {
		yajl_gen_map_open(g);
		gen_uint(g, "index", i);
		gen_str(g, "name", gpu_get(in, i, "name"));
		gen_str(g, "compute_capability", gpu_get(in, i, "cc"));
		gen_num_text(g, "sms", gpu_get(in, i, "sms"));
		gen_str(g, "uuid", gpu_get(in, i, "uuid"));
		gen_num_text(g, "max_threads_per_block", gpu_get(in, i, "max_threads_per_block"));
		gen_num_text(g, "warp_size", gpu_get(in, i, "warp_size"));
		gen_num_text(g, "shared_mem_per_block_optin",
			     gpu_get(in, i, "shared_mem_per_block_optin"));
		gen_num_text(g, "l2_cache_bytes", gpu_get(in, i, "l2_cache_bytes"));
		gen_num_text(g, "mem_total", gpu_get(in, i, "mem_total"));
		gen_num_text(g, "mem_free_to_guest", in->quota[0] ? in->quota : NULL);
		yajl_gen_map_close(g);
	}
	yajl_gen_array_close(g);
}

static void gen_limits(yajl_gen g, struct tool *t, const struct info *in)
{
	tool_json_key(g, "limits");
	yajl_gen_map_open(g);
	gen_uint(g, "max_inflight", in->q.max_inflight);
	gen_uint(g, "max_buf_pages", in->q.max_buf_pages);
	gen_uint(g, "ring_size", in->q.ring_size);
	gen_uint(g, "local_ring_size", vgpufront_ring_size(t->dev));
	gen_uint(g, "slots", in->q.slots);
	yajl_gen_map_close(g);
}

static int print_json(struct tool *t, const struct info *in)
{
	yajl_gen g = yajl_gen_alloc(NULL);
	const unsigned char *buf;
	size_t len;

	if (!g)
		return EXIT_FAILED;
	yajl_gen_config(g, yajl_gen_validate_utf8, 1);
	yajl_gen_map_open(g);
	gen_uint(g, "device", t->devid);
	gen_uint(g, "domain", vgpufront_domid(t->dev));
	gen_uint(g, "protocol", in->q.version);
	gen_str(g, "executor", exec_name(in->q.executor));
	gen_str(g, "path", path_name(in->q.path));
	gen_str(g, "guest_path", guest_path_name(in));
	gen_str(g, "guest_node", in->path == VGPUFRONT_PATH_KERNEL ? in->node : NULL);
	gen_str(g, "pool", in->pool[0] ? in->pool : NULL);
	gen_str(g, "priority", in->prio[0] ? in->prio : NULL);
	gen_str(g, "cpu_model", get(in, "cpu_model"));
	gen_str(g, "driver_version", get(in, "driver_version"));
	gen_str(g, "cuda_version", get(in, "cuda_version"));
	gen_str(g, "runtime_version", get(in, "runtime_version"));
	gen_uint(g, "gpu_mem_total", in->q.gpu_mem_total);
	gen_num_text(g, "gpu_mem_free_to_guest", in->quota[0] ? in->quota : NULL);
	gen_gpus(g, in);
	gen_limits(g, t, in);
	yajl_gen_map_close(g);
	if (yajl_gen_get_buf(g, &buf, &len) == yajl_gen_status_ok)
		printf("%.*s\n", (int)len, buf);
	yajl_gen_free(g);
	return 0;
}

int cmd_info(struct tool *t, const struct args *a)
{
	struct info *in = calloc(1, sizeof(*in));
	char text[4096];
	int rc;

	if (!in)
		return tool_fail(t, "info", -ENOMEM);
	rc = vgpufront_query(t->dev, &in->q, text, sizeof(text));
	if (rc) {
		free(in);
		return tool_fail(t, "info", rc);
	}
	parse_text(in, text);
	if (in->q.executor == VGPU_EXEC_CUDA && vgpufront_protocol_version(t->dev) >= 2)
		device_query(t, in);
	/* Absent nodes stay empty: a device the toolstack gave neither. */
	if (vgpufront_backend_node(t->dev, "pool", in->pool, sizeof(in->pool)))
		in->pool[0] = 0;
	rc = vgpufront_backend_node(t->dev, "feature-mem-quota", in->quota, sizeof(in->quota));
	if (rc || strspn(in->quota, "0123456789") != strlen(in->quota))
		in->quota[0] = 0;	/* an older backend, or a value it cannot mean */
	in->quota_hidden = rc == -EACCES && vgpufront_protocol_version(t->dev) >= 2;
	in->path = vgpufront_path(t->dev, in->node, sizeof(in->node));
	rc = 0;
	if (vgpufront_backend_node(t->dev, "priority", in->prio, sizeof(in->prio)))
		in->prio[0] = 0;
	printable(in->pool);
	printable(in->prio);
	if (a->json)
		rc = print_json(t, in);
	else
		print_text(t, in);
	free(in);
	return rc;
}

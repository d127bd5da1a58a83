/* SPDX-License-Identifier: MIT */
/*
 * tool_run.c: vgpufront run, one kernel launched as the command line says
 * (vgpufront(1)): a module (a file, or the built-in vgpu_kernels), the
 * kernel's parameters from --arg specs checked against the layout the
 * backend reports, device memory filled from the guest, and after the
 * launch some of that memory printed or dumped.  Also what run and matmul
 * share: their options, a session with a module and kernel, the parameter
 * blob, and the one line that says a backend cannot run kernels.
 */
#include "config.h"

#include <errno.h>
#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>


#include "kernels/vgpu_kernels.h"
#include "tool_json.h"
#include "tool_priv.h"
#include "vgpu_clock.h"

#define MAX_GRID_X	2147483647u
#define MAX_COUNT	1000000u	/* --print values */
#define MAX_BUF_BYTES	(1ull << 30)	/* one --arg's device memory */

/* Bad input: one line naming the option, the value and what is allowed. */
static int bad(const char *opt, const char *val, const char *allowed)
{
	fprintf(stderr, "vgpufront: %s '%s': %s\n", opt, val, allowed);
	return EXIT_USAGE;
}

/* Digits only, in [min, max], up to @end (NUL or the first of @stops). */
static int num_u64(const char *s, const char *stops, uint64_t min, uint64_t max,
		   uint64_t *v, const char **end)
{
	char *e;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	*v = strtoull(s, &e, 10);
	if (errno || *v < min || *v > max || (*e && !strchr(stops, *e)))
		return -1;
	*end = e;
	return 0;
}

/* X[,Y[,Z]]: x in [1, xmax], y and z in [1, yzmax]; missing ones are 1. */
static int parse_dim3(const char *s, uint64_t xmax, uint64_t yzmax, uint32_t *d)
{
	const char *p = s;
	uint64_t v;
	unsigned i;

	for (i = 0; i < 3; i++)
		d[i] = 1;
	for (i = 0; i < 3; i++) {
		if (num_u64(p, ",", 1, i ? yzmax : xmax, &v, &p))
			return -1;
		d[i] = (uint32_t)v;
		if (!*p)
			return 0;
		p++;		/* the comma */
	}
	return -1;		/* a fourth number */
}

static int parse_grid(const char *s, struct args *a)
{
	if (parse_dim3(s, MAX_GRID_X, VGPUIF_MAX_GRID_Y, a->grid))
		return bad("--grid", s, "X[,Y[,Z]]: X from 1 to 2147483647, Y and Z from 1 to 65535");
	a->given |= 1u << OPT_GRID;
	return 0;
}

static int parse_block(const char *s, struct args *a)
{
	if (parse_dim3(s, VGPUIF_MAX_BLOCK, VGPUIF_MAX_BLOCK, a->block) ||
	    (uint64_t)a->block[0] * a->block[1] * a->block[2] > VGPUIF_MAX_BLOCK)
		return bad("--block", s, "X[,Y[,Z]]: whole numbers from 1, X * Y * Z at most 1024");
	a->given |= 1u << OPT_BLOCK;
	return 0;
}

/* A float or double, strictly: all of @s, finite or not, no blank before it. */
static int num_double(const char *s, double *v)
{
	char *e;

	if (!*s || *s == ' ' || *s == '\t')
		return -1;
	errno = 0;
	*v = strtod(s, &e);
	return errno == ERANGE && *v != 0 ? -1 : *e ? -1 : 0;
}

static int num_i64(const char *s, int64_t min, int64_t max, int64_t *v)
{
	char *e;

	if (!((*s >= '0' && *s <= '9') || *s == '-' || *s == '+'))
		return -1;
	errno = 0;
	*v = strtoll(s, &e, 10);
	return errno || *e || *v < min || *v > max ? -1 : 0;
}

/* i32:V ... f64:V into r's bytes (little-endian, as the kernel reads them). */
static int parse_scalar(const char *type, const char *v, struct run_arg *r)
{
	int64_t i = 0;
	uint64_t u = 0;
	double d = 0;
	const char *end;
	float f;

	r->kind = RUN_SCALAR;
	if (!strcmp(type, "i32") && !num_i64(v, INT32_MIN, INT32_MAX, &i)) {
		int32_t x = (int32_t)i;
		memcpy(r->val, &x, r->size = 4);
	} else if (!strcmp(type, "u32") && !num_u64(v, "", 0, UINT32_MAX, &u, &end)) {
		uint32_t x = (uint32_t)u;
		memcpy(r->val, &x, r->size = 4);
	} else if (!strcmp(type, "i64") && !num_i64(v, INT64_MIN, INT64_MAX, &i)) {
		memcpy(r->val, &i, r->size = 8);
	} else if (!strcmp(type, "u64") && !num_u64(v, "", 0, UINT64_MAX, &u, &end)) {
		memcpy(r->val, &u, r->size = 8);
	} else if (!strcmp(type, "f32") && !num_double(v, &d) &&
		   (!isfinite(d) || fabs(d) <= FLT_MAX)) {
		f = (float)d;
		memcpy(r->val, &f, r->size = 4);
	} else if (!strcmp(type, "f64") && !num_double(v, &d)) {
		memcpy(r->val, &d, r->size = 8);
	} else {
		return -1;
	}
	return 0;
}

/* zeros:BYTES file:PATH f32seq:N f32fill:N:V: device memory. */
static int parse_buffer(const char *type, const char *v, struct run_arg *r)
{
	const char *end;
	double d;

	if (!strcmp(type, "zeros")) {
		r->kind = RUN_ZEROS;
		return num_u64(v, "", 1, MAX_BUF_BYTES, &r->bytes, &end);
	}
	if (!strcmp(type, "file")) {
		r->kind = RUN_FILE;
		return *v ? 0 : -1;
	}
	if (!strcmp(type, "f32seq")) {
		r->kind = RUN_SEQ;
		if (num_u64(v, "", 1, MAX_BUF_BYTES / 4, &r->bytes, &end))
			return -1;
		r->bytes *= 4;
		return 0;
	}
	if (!strcmp(type, "f32fill")) {
		r->kind = RUN_FILL;
		if (num_u64(v, ":", 1, MAX_BUF_BYTES / 4, &r->bytes, &end) || *end != ':' ||
		    num_double(end + 1, &d))
			return -1;
		r->bytes *= 4;
		r->fill = (float)d;
		return 0;
	}
	return -1;
}

static int parse_arg(const char *s, struct args *a)
{
	struct run_arg *r = &a->args[a->nargs];
	const char *colon = strchr(s, ':');
	char type[16];

	if (a->nargs >= RUN_MAX_ARGS)
		return bad("--arg", s, "at most 64 arguments");
	if (!colon || colon - s >= (ptrdiff_t)sizeof(type))
		goto fail;
	memcpy(type, s, (size_t)(colon - s));
	type[colon - s] = 0;
	memset(r, 0, sizeof(*r));
	r->spec = s;
	if (parse_scalar(type, colon + 1, r) && parse_buffer(type, colon + 1, r))
		goto fail;
	a->nargs++;
	a->given |= 1u << OPT_ARG;
	return 0;
fail:
	return bad("--arg", s, "TYPE:VALUE: i32, u32, i64, u64, f32, f64 with a number; "
		   "zeros:BYTES, file:PATH, f32seq:N or f32fill:N:V (device memory, "
		   "up to 1 GiB)");
}

/* --print I[:TYPE[:COUNT]] and --dump I:FILE. */
static int parse_out(const char *s, bool dump, struct args *a)
{
	struct run_out *o = &a->outs[a->nouts];
	const char *p, *opt = dump ? "--dump" : "--print";
	uint64_t v;

	if (a->nouts >= RUN_MAX_OUTS)
		return bad(opt, s, "at most 16 --print and --dump options together");
	memset(o, 0, sizeof(*o));
	o->type = 'f';
	o->count = 8;
	if (num_u64(s, ":", 0, RUN_MAX_ARGS - 1, &v, &p))
		goto fail;
	o->arg = (unsigned)v;
	if (dump) {
		if (*p != ':' || !p[1])
			goto fail;
		o->path = p + 1;
	} else if (*p) {
		p++;
		if (!strncmp(p, "f32", 3) || !strncmp(p, "i32", 3) || !strncmp(p, "u32", 3))
			o->type = *p == 'f' ? 'f' : *p == 'i' ? 'i' : 'u', p += 3;
		else if (!strncmp(p, "u8", 2))
			o->type = 'b', p += 2;
		else
			goto fail;
		if (*p && (*p != ':' || num_u64(p + 1, "", 1, MAX_COUNT, &o->count, &p)))
			goto fail;
	}
	a->nouts++;
	a->given |= 1u << (dump ? OPT_DUMP : OPT_PRINT);
	return 0;
fail:
	return bad(opt, s, dump ? "I:FILE, I an argument's index (0-63)" :
		   "I[:TYPE[:COUNT]], I an argument's index (0-63), TYPE f32, i32, u32 "
		   "or u8, COUNT 1-1000000");
}

static int parse_name(const char *opt, const char *s, size_t max, const char **to)
{
	if (!*s || strlen(s) > max)
		return bad(opt, s, max == VGPUIF_MAX_NAME ? "a kernel's name, 1-256 bytes" :
			   "a file name, or builtin");
	*to = s;
	return 0;
}

int tool_run_option(int c, const char *arg, struct args *a)
{
	const char *end;
	uint64_t v;

	switch (c) {
	case 'M':
		a->given |= 1u << OPT_MODULE;
		return parse_name("--module", arg, 4096, &a->module);
	case 'K':
		a->given |= 1u << OPT_KERNEL;
		return parse_name("--kernel", arg, VGPUIF_MAX_NAME, &a->kernel);
	case 'g':
		return parse_grid(arg, a);
	case 'b':
		return parse_block(arg, a);
	case 'S':
		a->given |= 1u << OPT_SHMEM;
		if (num_u64(arg, "", 0, VGPUIF_MAX_SHMEM, &v, &end))
			return bad("--shmem", arg, "bytes of dynamic shared memory, 0-262144");
		a->shmem = (uint32_t)v;
		return 0;
	case 'a':
		return parse_arg(arg, a);
	case 'p':
	case 'D':
		return parse_out(arg, c == 'D', a);
	case 'e':
		a->given |= 1u << OPT_SEED;
		if (num_u64(arg, "", 0, UINT64_MAX, &a->seed, &end))
			return bad("--seed", arg, "a whole number from 0 to 18446744073709551615");
		return 0;
	}
	return -1;
}

/* Every --print and --dump names an --arg that is device memory. */
int tool_run_check(char **argv, struct args *a)
{
	char idx[16];
	unsigned i;

	(void)argv;
	for (i = 0; i < a->nouts; i++) {
		const struct run_out *o = &a->outs[i];

		snprintf(idx, sizeof(idx), "%u", o->arg);
		if (o->arg >= a->nargs)
			return bad(o->path ? "--dump" : "--print", idx,
				   "no such --arg (they count from 0)");
		if (a->args[o->arg].kind == RUN_SCALAR)
			return bad(o->path ? "--dump" : "--print", idx,
				   "that --arg is a scalar, not device memory");
	}
	return 0;
}

/*
 * A module load the backend refused: a backend that cannot run kernels at
 * all (VGPU_ENOSYS) says so in one line, with the executor it has.
 */
static int load_failed(struct tool *t, const char *cmd, int rc)
{
	struct vgpuif_query_result q;
	char why[512], what[64];

	if (rc != VGPUFRONT_E(VGPU_ENOSYS)) {
		snprintf(what, sizeof(what), "%s: module load", cmd);
		return tool_fail(t, what, rc);
	}
	vgpufront_explain(t->dev, rc, why, sizeof(why));
	if (vgpufront_query(t->dev, &q, NULL, 0))
		q.executor = 0xff;
	fprintf(stderr, "vgpufront: %s: the backend cannot run kernels: %s (its executor "
		"is the %s executor)\n", cmd, why, q.executor == VGPU_EXEC_CPU ? "CPU" :
		q.executor == VGPU_EXEC_CUDA ? "CUDA" : "unknown");
	return EXIT_FAILED;
}

int tool_kernel_open(struct tool *t, const char *cmd, const void *image, size_t len,
		     const char *name, struct kernel_ctx *k)
{
	char what[VGPUIF_MAX_NAME + 64];
	int rc;

	memset(k, 0, sizeof(*k));
	rc = vgpufront_session_open(t->dev, 0, &k->session);
	if (rc) {
		snprintf(what, sizeof(what), "%s: session", cmd);
		return tool_fail(t, what, rc);
	}
	rc = vgpufront_module_load(t->dev, k->session, image, len, &k->module);
	if (rc) {
		tool_kernel_close(t, k);
		return load_failed(t, cmd, rc);
	}
	rc = vgpufront_func_get(t->dev, k->session, k->module, name, &k->f);
	if (rc) {
		tool_kernel_close(t, k);
		snprintf(what, sizeof(what), "%s: kernel '%s'", cmd, name);
		return tool_fail(t, what, rc);
	}
	return 0;
}

void tool_kernel_close(struct tool *t, struct kernel_ctx *k)
{
	free(k->f.layout);
	k->f.layout = NULL;
	if (k->session)
		vgpufront_session_close(t->dev, k->session);	/* its modules, memory */
	k->session = 0;
}

int tool_kernel_params(struct tool *t, const struct vgpufront_func *f, void *const *args,
		       struct vgpufront_buf **buf)
{
	int rc = 0;

	*buf = NULL;
	if (!f->param_bytes)
		return 0;
	*buf = vgpufront_buf_alloc(t->dev, f->param_bytes, VGPUFRONT_BUF_READONLY, &rc);
	if (!*buf)
		return rc;
	rc = vgpufront_params_pack(f, args, (*buf)->addr);
	if (rc) {
		vgpufront_buf_free(t->dev, *buf);
		*buf = NULL;
	}
	return rc;
}

/* The file @path (1 .. @max bytes) into @data; 0 or EXIT_USAGE after saying why. */
static int read_file(const char *opt, const char *path, uint64_t max, void **data,
		     size_t *len)
{
	FILE *f = fopen(path, "rb");
	const char *why = NULL;
	struct stat st;
	char *p = NULL;

	if (!f || fstat(fileno(f), &st))
		why = strerror(errno);
	else if (!S_ISREG(st.st_mode))
		why = "not a regular file";
	else if (st.st_size == 0 || (uint64_t)st.st_size > max)
		why = st.st_size ? "larger than one request may carry" : "empty";
	else if (!(p = malloc((size_t)st.st_size)))
		why = "no memory for it";
	else if (fread(p, 1, (size_t)st.st_size, f) != (size_t)st.st_size)
		why = "cannot read it all";
	if (f)
		fclose(f);
	if (why) {
		free(p);
		fprintf(stderr, "vgpufront: %s '%s': %s\n", opt, path, why);
		return EXIT_USAGE;
	}
	*data = p;
	*len = (size_t)st.st_size;
	return 0;
}

struct run_state {
	struct kernel_ctx k;
	void *image;			/* --module FILE's bytes; NULL: built in */
	void *host[RUN_MAX_ARGS];	/* a buffer's first contents; NULL: zeros */
	uint64_t bytes[RUN_MAX_ARGS];
	uint64_t dptr[RUN_MAX_ARGS];
	uint64_t ns;			/* launch + wait */
};

/* Each buffer --arg's contents, in the guest, before the device is touched. */
static int host_data(const struct args *a, struct run_state *r)
{
	uint64_t i, j;
	size_t len;

	for (i = 0; i < a->nargs; i++) {
		const struct run_arg *g = &a->args[i];
		float *f;

		r->bytes[i] = g->bytes;
		if (g->kind == RUN_FILE) {
			const char *path = strchr(g->spec, ':') + 1;

			if (read_file("--arg file", path, MAX_BUF_BYTES, &r->host[i], &len))
				return EXIT_USAGE;
			r->bytes[i] = len;
		} else if (g->kind == RUN_SEQ || g->kind == RUN_FILL) {
			f = malloc(g->bytes);
			if (!f) {
				fprintf(stderr, "vgpufront: run: no memory for --arg '%s'\n", g->spec);
				return EXIT_FAILED;
			}
			for (j = 0; j < g->bytes / 4; j++)
				f[j] = g->kind == RUN_SEQ ? (float)j : g->fill;
			r->host[i] = f;
		}
	}
	return 0;
}

/* Each --arg against the kernel's layout: as many, each of its parameter's size. */
static int check_layout(const struct args *a, const struct vgpufront_func *f)
{
	unsigned i, size;

	if (f->nparams != a->nargs) {
		fprintf(stderr, "vgpufront: run: kernel '%s' takes %u parameter%s, --arg was "
			"given %u time%s\n", a->kernel, f->nparams, f->nparams == 1 ? "" : "s",
			a->nargs, a->nargs == 1 ? "" : "s");
		return EXIT_USAGE;
	}
	for (i = 0; i < a->nargs; i++) {
		size = a->args[i].kind == RUN_SCALAR ? a->args[i].size : 8;
		if (f->layout[i].size != size) {
			fprintf(stderr, "vgpufront: run: --arg %u '%s' is %u bytes, but the "
				"kernel's parameter %u is %u bytes\n", i, a->args[i].spec, size,
				i, f->layout[i].size);
			return EXIT_USAGE;
		}
	}
	return 0;
}

/* @bytes of @data through a guest buffer to device address @dptr (or back, @in false). */
static int stage(struct tool *t, uint32_t session, uint64_t dptr, void *data,
		 uint64_t bytes, bool in)
{
	struct vgpufront_buf *b;
	int rc;

	b = vgpufront_buf_alloc(t->dev, bytes, in ? VGPUFRONT_BUF_READONLY : 0, &rc);
	if (!b)
		return rc;
	if (in) {
		memcpy(b->addr, data, bytes);
		rc = vgpufront_memcpy_htod(t->dev, session, dptr, b, 0, bytes);
	} else {
		rc = vgpufront_memcpy_dtoh(t->dev, session, b, 0, dptr, bytes);
		if (!rc)
			memcpy(data, b->addr, bytes);
	}
	vgpufront_buf_free(t->dev, b);
	return rc;
}

/* Device memory for the buffer --args, filled; then the launch, timed. */
static int launch(struct tool *t, const struct args *a, struct run_state *r)
{
	struct vgpufront_launch l = { .shmem = a->shmem };
	void *argp[RUN_MAX_ARGS];
	struct vgpufront_buf *params;
	unsigned i;
	uint64_t t0;
	int rc = 0;

	for (i = 0; !rc && i < a->nargs; i++) {
		argp[i] = (void *)a->args[i].val;
		if (a->args[i].kind == RUN_SCALAR)
			continue;
		/* Allocations come zeroed: zeros:BYTES needs no copy. */
		rc = vgpufront_mem_alloc(t->dev, r->k.session, r->bytes[i], &r->dptr[i]);
		if (!rc && r->host[i])
			rc = stage(t, r->k.session, r->dptr[i], r->host[i], r->bytes[i], true);
		argp[i] = &r->dptr[i];
	}
	if (!rc)
		rc = tool_kernel_params(t, &r->k.f, argp, &params);
	if (rc)
		return tool_fail(t, "run: arguments", rc);
	l.func = r->k.f.handle;
	memcpy(l.grid, a->grid, sizeof(l.grid));
	memcpy(l.block, a->block, sizeof(l.block));
	l.params = params;
	l.params_len = r->k.f.param_bytes;
	t0 = vgpu_now_ns();
	rc = vgpufront_launch(t->dev, r->k.session, &l);
	r->ns = vgpu_now_ns() - t0;
	if (params)
		vgpufront_buf_free(t->dev, params);
	return rc ? tool_fail(t, "run: launch", rc) : 0;
}

static unsigned elem_size(char type)
{
	return type == 'b' ? 1 : 4;
}

static const char *type_name(char type)
{
	return type == 'f' ? "f32" : type == 'i' ? "i32" : type == 'u' ? "u32" : "u8";
}

/* Value @i of @p as @type, as text. */
static void value_text(const void *p, uint64_t i, char type, char *buf, size_t len)
{
	const uint8_t *b = p;
	int32_t x;
	float f;

	if (type == 'b') {
		snprintf(buf, len, "%u", b[i]);
		return;
	}
	memcpy(&x, b + 4 * i, 4);
	memcpy(&f, b + 4 * i, 4);
	if (type == 'f')
		snprintf(buf, len, "%.9g", (double)f);
	else if (type == 'i')
		snprintf(buf, len, "%" PRId32, x);
	else
		snprintf(buf, len, "%" PRIu32, (uint32_t)x);
}

/* --print's values: text, or into the JSON generator @g. */
static void print_values(const struct run_out *o, const void *p, uint64_t n, yajl_gen g)
{
	char v[48];
	uint64_t i;

	if (!g) {
		printf("arg %u %s:", o->arg, type_name(o->type));
	} else {
		yajl_gen_map_open(g);
		tool_json_key(g, "arg");
		yajl_gen_integer(g, o->arg);
		tool_json_key(g, "type");
		yajl_gen_string(g, (const unsigned char *)type_name(o->type),
				strlen(type_name(o->type)));
		tool_json_key(g, "values");
		yajl_gen_array_open(g);
	}
	for (i = 0; i < n; i++) {
		value_text(p, i, o->type, v, sizeof(v));
		if (!g)
			printf(" %s", v);
		else if (o->type == 'f' && !strpbrk(v, "0123456789"))
			yajl_gen_null(g);	/* nan, inf: JSON has no such number */
		else
			yajl_gen_number(g, v, strlen(v));
	}
	if (!g) {
		printf("\n");
		return;
	}
	yajl_gen_array_close(g);
	yajl_gen_map_close(g);
}

static int dump(const struct run_out *o, const void *p, uint64_t bytes)
{
	FILE *f = fopen(o->path, "wb");
	bool ok = f && fwrite(p, 1, bytes, f) == bytes;

	if (f && fclose(f))
		ok = false;
	if (!ok) {
		fprintf(stderr, "vgpufront: run: --dump '%s': %s\n", o->path, strerror(errno));
		return EXIT_FAILED;
	}
	return 0;
}

/* Each --print and --dump, after the launch: the memory read back once each. */
static int outputs(struct tool *t, const struct args *a, struct run_state *r, yajl_gen g)
{
	unsigned i;
	int rc = 0;

	for (i = 0; !rc && i < a->nouts; i++) {
		const struct run_out *o = &a->outs[i];
		uint64_t bytes = r->bytes[o->arg], n = bytes / elem_size(o->type);
		void *p = malloc(bytes);

		if (!o->path && n > o->count)
			n = o->count;
		rc = p ? stage(t, r->k.session, r->dptr[o->arg], p, bytes, false) : -ENOMEM;
		if (rc) {
			free(p);
			return tool_fail(t, "run: reading back", rc);
		}
		if (o->path)
			rc = dump(o, p, bytes);
		else
			print_values(o, p, n, g);
		free(p);
	}
	return rc;
}

static void dim3_json(yajl_gen g, const char *k, const uint32_t *d)
{
	unsigned i;

	tool_json_key(g, k);
	yajl_gen_array_open(g);
	for (i = 0; i < 3; i++)
		yajl_gen_integer(g, d[i]);
	yajl_gen_array_close(g);
}

/* What ran, how long it took, then the --print values: text or one JSON object. */
static int report(struct tool *t, const struct args *a, struct run_state *r)
{
	yajl_gen g = a->json ? yajl_gen_alloc(NULL) : NULL;
	const unsigned char *buf;
	size_t len;
	int rc;

	if (!g) {
		printf("%s: grid %u,%u,%u block %u,%u,%u: %.1f us (launch + wait)\n", a->kernel,
		       a->grid[0], a->grid[1], a->grid[2], a->block[0], a->block[1],
		       a->block[2], r->ns / 1e3);
		return outputs(t, a, r, NULL);
	}
	yajl_gen_map_open(g);
	tool_json_key(g, "kernel");
	yajl_gen_string(g, (const unsigned char *)a->kernel, strlen(a->kernel));
	dim3_json(g, "grid", a->grid);
	dim3_json(g, "block", a->block);
	tool_json_key(g, "shmem");
	yajl_gen_integer(g, a->shmem);
	tool_json_num(g, "time_us", "%.3f", r->ns / 1e3);
	tool_json_key(g, "prints");
	yajl_gen_array_open(g);
	rc = outputs(t, a, r, g);
	yajl_gen_array_close(g);
	yajl_gen_map_close(g);
	if (!rc && yajl_gen_get_buf(g, &buf, &len) == yajl_gen_status_ok)
		printf("%.*s\n", (int)len, buf);
	yajl_gen_free(g);
	return rc;
}

int cmd_run(struct tool *t, const struct args *a)
{
	struct run_state r = { 0 };
	const void *image = vgpu_kernels_ptx;
	size_t len = vgpu_kernels_ptx_len;
	unsigned i;
	int rc = 0;

	if (a->module && strcmp(a->module, "builtin")) {
		rc = read_file("--module", a->module, VGPUIF_MAX_IMAGE, &r.image, &len);
		image = r.image;
	}
	if (!rc)
		rc = host_data(a, &r);
	if (!rc)
		rc = tool_kernel_open(t, "run", image, len, a->kernel, &r.k);
	if (!rc)
		rc = check_layout(a, &r.k.f);
	if (!rc)
		rc = launch(t, a, &r);
	if (!rc)
		rc = report(t, a, &r);
	tool_kernel_close(t, &r.k);	/* the session: its module and memory */
	for (i = 0; i < a->nargs; i++)
		free(r.host[i]);
	free(r.image);
	return rc;
}

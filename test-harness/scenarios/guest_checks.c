/* SPDX-License-Identifier: MIT */
/* guest_checks.c: the scenario guests' checks and helpers (guest_checks.h). */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "guest_checks.h"
#include "vgpufront.h"

static const char *const status_names[] = {
	"VGPU_OK", "VGPU_EINVAL", "VGPU_ENOSYS", "VGPU_EBADBUF", "VGPU_ERANGE",
	"VGPU_EACCES", "VGPU_ENOMEM", "VGPU_EBUSY", "VGPU_EIO", "VGPU_ERESET",
	"VGPU_ESHUTDOWN", "VGPU_EEXIST", "VGPU_EGRANT", "VGPU_EOVERFLOW",
	"VGPU_ETIMEDOUT", "VGPU_ELOST", "VGPU_ESESSION", "VGPU_EBADPTR",
	"VGPU_ENOENT", "VGPU_EIMAGE", "VGPU_ELAUNCH", "VGPU_EFAULT",
	"VGPU_ENOTREADY",
};

_Static_assert(sizeof(status_names) / sizeof(status_names[0]) == 1 - VGPU_ELAST,
	       "a name for every status");

const char *gc_rc_name(int rc, char *buf, size_t len)
{
	int wire = rc + VGPUFRONT_STATUS_BASE;

	if (rc == 0)
		return "0";
	if (vgpufront_is_status(rc) && wire >= VGPU_ELAST)
		snprintf(buf, len, "%s", status_names[-wire]);
	else if (vgpufront_is_status(rc))
		snprintf(buf, len, "status %d", wire);
	else
		snprintf(buf, len, "%d (%s)", rc, strerror(-rc));
	return buf;
}

int gc_args_done(struct checks *k, int optind, int argc, void (*usage)(FILE *))
{
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	k->rng = k->rng ? k->rng : 0x9e3779b97f4a7c15ull;
	return 0;
}

bool gc_vcheck(struct checks *k, bool pass, const char *fmt, va_list ap)
{
	k->checks++;
	k->failed += !pass;
	printf("CHECK %s %s: ", pass ? "ok" : "FAIL", k->sub);
	vprintf(fmt, ap);
	putchar('\n');
	fflush(stdout);
	return pass;
}

static bool gc_check(struct checks *k, bool pass, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static bool gc_check(struct checks *k, bool pass, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	pass = gc_vcheck(k, pass, fmt, ap);
	va_end(ap);
	return pass;
}

bool gc_expect(struct checks *k, int got, int want, const char *what)
{
	char g[80], w[80];

	return gc_check(k, got == want, "%s: %s%s%s", what, gc_rc_name(got, g, sizeof(g)),
			got == want ? "" : ", want ",
			got == want ? "" : gc_rc_name(want, w, sizeof(w)));
}

uint64_t gc_rnd(struct checks *k)
{
	k->rng ^= k->rng >> 12;
	k->rng ^= k->rng << 25;
	k->rng ^= k->rng >> 27;
	return k->rng * 0x2545f4914f6cdd1dull;
}

void gc_fill_random(struct checks *k, uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(gc_rnd(k) >> 32);
}

bool gc_same_bytes(struct checks *k, const uint8_t *got, const uint8_t *want, size_t n,
		   const char *what)
{
	size_t i, bad = 0, first = n;

	for (i = 0; i < n; i++)
		if (got[i] != want[i])
			first = bad++ ? first : i;
	if (!bad)
		return gc_check(k, true, "%s: %zu bytes right", what, n);
	return gc_check(k, false, "%s: %zu of %zu bytes wrong, first at %zu (0x%02x, want 0x%02x)",
			what, bad, n, first, got[first], want[first]);
}

bool gc_wait_file(const char *path)
{
	unsigned i;

	for (i = 0; access(path, F_OK) && i < 6000; i++)
		usleep(10000);
	return access(path, F_OK) == 0;
}

bool gc_publish(const char *path, const char *suffix, const char *text)
{
	char tmp[512], fin[512];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s%s.tmp", path, suffix);
	snprintf(fin, sizeof(fin), "%s%s", path, suffix);
	f = fopen(tmp, "w");
	if (!f)
		return false;
	fputs(text, f);
	return fclose(f) == 0 && rename(tmp, fin) == 0;
}

/* SPDX-License-Identifier: MIT */
/*
 * vgpu-storm: a guest that makes work for dom0 without asking for any, for
 * test-storm-*.sh.  Runs inside a simulated domain (vgpu-sim exec DOM -- ...).
 *
 *   xs-write PATH COUNT    write PATH COUNT times on one XenStore connection
 *                          (PATH relative to the domain's home, or absolute);
 *                          prints  WROTE n=COUNT failed=F
 *   notify DEVID SECONDS   connect device DEVID with libvgpufront, then
 *                          notify its event channel in a tight loop for
 *                          SECONDS without producing a request (a compromised
 *                          guest kernel reaching past the library); then
 *                          a NOP through the library; prints
 *                          NOTIFIED n=N served=0|1 ping_ms=T
 *
 * Exit status: 0 done (and, for notify, served afterwards), 1 failed,
 * 2 usage.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "front_priv.h"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int parse_count(const char *what, const char *s, unsigned long min,
		       unsigned long max, unsigned long *out)
{
	char *end;

	errno = 0;
	*out = strtoul(s, &end, 10);
	if (errno || s[0] < '0' || s[0] > '9' || *end || *out < min || *out > max) {
		fprintf(stderr, "vgpu-storm: %s: bad value '%s' (allowed: %lu to %lu)\n",
			what, s, min, max);
		return -1;
	}
	return 0;
}

static int xs_write_loop(const char *path, unsigned long count)
{
	struct xs_handle *xs = xs_open(0);
	unsigned long i, failed = 0;
	char val[32];

	if (!xs) {
		perror("vgpu-storm: xs_open");
		return 1;
	}
	for (i = 0; i < count; i++) {
		snprintf(val, sizeof(val), "%lu", i);
		failed += !xs_write(xs, XBT_NULL, path, val, strlen(val));
	}
	xs_close(xs);
	printf("WROTE n=%lu failed=%lu\n", count, failed);
	return failed ? 1 : 0;
}

static int notify_loop(unsigned long devid, unsigned long seconds)
{
	struct vgpufront_opts fo = { .timeout_ms = 10000 };
	struct vgpufront *dev;
	unsigned long n = 0;
	double t_end, t0;
	char err[512] = "";
	int rc;

	dev = vgpufront_open((unsigned)devid, &fo, err, sizeof(err));
	if (!dev) {
		fprintf(stderr, "vgpu-storm: %s\n", err);
		return 1;
	}
	t_end = now_s() + (double)seconds;
	while (now_s() < t_end) {
		unsigned k;

		for (k = 0; k < 1000; k++)
			vgpu_evtchn_notify(dev->evtchn, (uint32_t)dev->port);
		n += k;
	}
	t0 = now_s();
	rc = vgpufront_ping(dev);
	printf("NOTIFIED n=%lu served=%d ping_ms=%.1f\n", n, rc == 0,
	       (now_s() - t0) * 1e3);
	if (rc)
		fprintf(stderr, "vgpu-storm: ping after the storm: %s\n",
			vgpufront_strerror(rc));
	vgpufront_close(dev);
	return rc ? 1 : 0;
}

int main(int argc, char **argv)
{
	unsigned long a;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 4 && !strcmp(argv[1], "xs-write")) {
		if (parse_count("COUNT", argv[3], 1, 100000000ul, &a))
			return 2;
		return xs_write_loop(argv[2], a);
	}
	if (argc == 4 && !strcmp(argv[1], "notify")) {
		unsigned long secs;

		if (parse_count("DEVID", argv[2], 0, 0xfffffffful, &a) ||
		    parse_count("SECONDS", argv[3], 1, 3600, &secs))
			return 2;
		return notify_loop(a, secs);
	}
	fprintf(stderr, "Usage: vgpu-storm xs-write PATH COUNT | notify DEVID SECONDS\n");
	return 2;
}

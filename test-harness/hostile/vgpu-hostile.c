/* SPDX-License-Identifier: MIT */
/*
 * vgpu-hostile: a hostile vgpu frontend for test-hostile.sh.
 *
 * It runs inside a simulated guest domain (vgpu-sim exec DOM -- ...) and
 * performs one attack per invocation, the ones Xen's advisories against
 * netback and blkback describe: ring indices far ahead (the backend must
 * disconnect, not crash), requests rewritten while the backend reads them
 * (XSA-155), malformed, out-of-range and ungranted requests, floods, garbage
 * in its XenStore nodes, writes to its backend's nodes, disconnects and
 * deaths with work in flight.  Each attack starts from a real connection
 * made by libvgpufront and then reaches past it to the shared ring
 * (front_priv.h), as a compromised guest kernel would.
 *
 * Every check compares what came back with what this program worked out on
 * its own that the backend must do, and prints one line
 *
 *   CASE attack=A name=N expected=E got=G ok=0|1
 *
 * and at the end one line the test turns into its counts:
 *
 *   SUMMARY attack=A iterations=I cases=C failed=F [key=value ...]
 *
 * The attacks live in one file per family (hostile.h); this file only
 * picks the one the command line names.
 *
 * Exit status: 0 every case as expected, 1 some case not, 2 usage,
 * 3 not a single case ran.
 */
#include "config.h"

#include <getopt.h>

#include "hostile.h"

/* What each attack is called and how often it runs by default. */
static const struct {
	const char *name;
	void (*fn)(struct hostile *h);
	unsigned iterations;
} attacks[] = {
	{ "prod-ahead", attack_prod_ahead, 20 },
	{ "rewrite", attack_rewrite, 20000 },
	{ "bad-ops", attack_bad_ops, 10 },
	{ "flood", attack_flood, 20 },
	{ "xs-garbage", attack_xs_garbage, 300 },
	{ "be-nodes", attack_be_nodes, 10 },
	{ "disconnect-mid", attack_disconnect_mid, 20 },
	{ "die-inflight", attack_die_inflight, 12 },
};

#define NR_ATTACKS (sizeof(attacks) / sizeof(attacks[0]))

static void usage(FILE *f)
{
	unsigned i;

	fprintf(f, "Usage: vgpu-hostile --attack NAME [--iterations N] [--seconds S] [--device D]\n"
		   "                    [--seed S] [--max-inflight N] [--max-buffers N]\n"
		   "                    [--max-buffer-pages N] [--other-domid D] [--variant V]\n"
		   "Attacks (default iterations):");
	for (i = 0; i < NR_ATTACKS; i++)
		fprintf(f, " %s (%u)", attacks[i].name, attacks[i].iterations);
	fprintf(f, "\nThe --max-* values are the backend's limits as the caller set them;\n"
		   "--variant V runs only variant V (0-4) of prod-ahead; --seconds S stops\n"
		   "an attack early, and SUMMARY says how many iterations it ran.\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "attack", required_argument, NULL, 'a' },
		{ "iterations", required_argument, NULL, 'n' },
		{ "seconds", required_argument, NULL, 's' },
		{ "device", required_argument, NULL, 'd' },
		{ "seed", required_argument, NULL, 'r' },
		{ "max-inflight", required_argument, NULL, 'i' },
		{ "max-buffers", required_argument, NULL, 'b' },
		{ "max-buffer-pages", required_argument, NULL, 'p' },
		{ "other-domid", required_argument, NULL, 'o' },
		{ "variant", required_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct hostile h = {
		.max_inflight = 256, .max_buffers = 64, .max_buffer_pages = 1u << 19,
		.other_domid = -1, .variant = -1,
	};
	unsigned i, which = NR_ATTACKS;
	long iterations = -1;
	int ch;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'a': h.attack = optarg; break;
		case 'n': iterations = strtol(optarg, NULL, 10); break;
		case 's': h.seconds = strtod(optarg, NULL); break;
		case 'd': h.devid = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'r': h.seed = strtoull(optarg, NULL, 0); break;
		case 'i': h.max_inflight = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'b': h.max_buffers = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'p': h.max_buffer_pages = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'o': h.other_domid = atoi(optarg); break;
		case 'v': h.variant = atoi(optarg); break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	for (i = 0; h.attack && i < NR_ATTACKS; i++)
		if (!strcmp(h.attack, attacks[i].name))
			which = i;
	if (which == NR_ATTACKS || optind < argc || iterations == 0) {
		usage(stderr);
		return 2;
	}
	h.iterations = iterations > 0 ? (unsigned)iterations : attacks[which].iterations;
	if (!h.seed)
		h.seed = vgpu_now_ns() ^ (uint64_t)getpid() << 20;
	h.seed |= 1;
	signal(SIGPIPE, SIG_IGN);
	printf("START attack=%s seed=%" PRIu64 "\n", h.attack, h.seed);
	fflush(stdout);
	h.t_start = vgpu_now_ns();
	attacks[which].fn(&h);
	printf("SUMMARY attack=%s iterations=%u cases=%u failed=%u seconds=%.2f%s\n",
	       h.attack, h.done, h.cases, h.failed,
	       (double)(vgpu_now_ns() - h.t_start) / 1e9, h.stats);
	if (!h.cases)
		return 3;
	return h.failed ? 1 : 0;
}

/* SPDX-License-Identifier: MIT */
/*
 * vgpuctl: manage vgpu devices and look into vgpuback (vgpuctl(8)).
 * This file: options and the command table; what the commands share is
 * in vgpuctl_util.c.
 * list: vgpuctl_list.c; attach, detach: vgpuctl_attach.c; stats, pools:
 * vgpuctl_stats.c over the control-socket client vgpuctl_control.c.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control_gen.h"
#include "vgpu_names.h"
#include "vgpuctl.h"

#define HELP_COLUMN 28

struct vgpuctl_cmd {
	const char *name;
	int (*run)(struct vgpuctl *c, int argc, char **argv);
	const char *args;		/* as the usage line and errors show them */
	const char *help;		/* '\n' continues in the help column */
	int min_args, max_args;
};

static const struct vgpuctl_cmd cmds[] = {
	{ "attach", vgpuctl_attach, "DOMAIN SPEC",
	  "add a vgpu device, SPEC as in xl-vgpu(5): pool=A,prio=high", 2, 2 },
	{ "detach", vgpuctl_detach, "DOMAIN [DEVID]",
	  "remove a device (default: device 0); a connected one is\n"
	  "closed first (online 0, Closing) and waited for", 1, 2 },
	{ "list", vgpuctl_list, "[DOMAIN]",
	  "devices: domain, devid, pool, priority, states, and the\n"
	  "vgpu= devices vgpuback refused, with the reason", 0, 1 },
	{ "stats", vgpuctl_stats, "",
	  "vgpuback's queue, per-domain and per-pool counts, GPUs,\nlatencies", 0, 0 },
	{ "pools", vgpuctl_pools, "", "vgpuback's pools and their GPUs", 0, 0 },
	{ "top", vgpuctl_top, "[-b -j -n N -d S -s KEY]",
	  "live view of vgpuback: GPUs, devices, rates, latency;\n-b plain-text frames, "
	  "-j JSON Lines (implies -b),\n-n N frames, -d S seconds apart, -s KEY sort "
	  "(vgpuctl(8))", 0, 9 },
};

#define NCMDS (sizeof(cmds) / sizeof(cmds[0]))

static void usage_cmd(FILE *f, const struct vgpuctl_cmd *cmd)
{
	char lead[HELP_COLUMN];
	const char *p;

	snprintf(lead, sizeof(lead), "%s%s%s", cmd->name, *cmd->args ? " " : "", cmd->args);
	fprintf(f, "  %-*s", HELP_COLUMN - 2, lead);
	for (p = cmd->help; *p; p++) {
		fputc(*p, f);
		if (*p == '\n')
			fprintf(f, "%*s", HELP_COLUMN, "");
	}
	fputc('\n', f);
}

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "Usage: vgpuctl [OPTIONS] COMMAND [ARGS]\n"
		"Manage xen-vgpu devices (dom0).\n\nCommands:\n");
	for (i = 0; i < NCMDS; i++)
		usage_cmd(f, &cmds[i]);
	fprintf(f,
"\n"
"DOMAIN is a domain name or id, as xl takes them.\n"
"\n"
"Options:\n"
"  -j, --json                machine-readable output (JSON, every command)\n"
"      --prometheus          stats: Prometheus text format (vgpuctl(8), METRICS)\n"
"  -t, --timeout SECONDS     detach: how long to wait for the guest (0-3600, default 10);\n"
"                            past it nothing is removed and vgpuctl exits 1\n"
"  -f, --force               detach: remove at once, without waiting for the guest\n"
"  -s, --socket PATH         vgpuback's control socket (vgpu-control(7))\n"
"                            (default $VGPU_CONTROL_SOCKET or " RUNSTATEDIR "/xen-vgpu/vgpuback.sock)\n"
"  -h, --help                this help\n"
"  -V, --version             version\n"
"\n"
"Exit status: 0 success, 1 failure (no such domain or device, bad spec or pool,\n"
"detach timed out), 2 usage, 3 vgpuback is not running.\n");
}

/*
 * 0 when the options parsed, else the exit status (after --help: 0 too, in
 * *@done).  @to_cmd: stop at the first argument, the command's name.
 */
static int parse_options(struct vgpuctl *c, int argc, char **argv, bool to_cmd, bool *done)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "prometheus", no_argument, NULL, 'P' },
		{ "socket", required_argument, NULL, 's' },
		{ "timeout", required_argument, NULL, 't' },
		{ "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int o;

	opterr = 0;	/* our one line says what is wrong */
	while ((o = getopt_long(argc, argv, to_cmd ? "+:js:t:fhV" : ":js:t:fhV", opts,
				 NULL)) != -1) {
		switch (o) {
		case 'j': c->json = true; break;
		case 'P': c->prometheus = true; break;
		case 's': c->sock = optarg; break;
		case 't':
			if (!vgpuctl_num_arg("--timeout", optarg, 3600, &c->timeout_s))
				return EXIT_USAGE;
			break;
		case 'f': c->force = true; break;
		case 'h': usage(stdout); *done = true; return 0;
		case 'V': printf("vgpuctl %s\n", PACKAGE_VERSION); *done = true; return 0;
		case ':':
			fprintf(stderr, "vgpuctl: option '%s' wants a value (see vgpuctl --help)\n",
				argv[optind - 1]);
			return EXIT_USAGE;
		default:
			fprintf(stderr, "vgpuctl: unknown option '%s' (options: --json, --prometheus, "
				"--socket, --timeout, --force, --help, --version)\n", argv[optind - 1]);
			return EXIT_USAGE;
		}
	}
	return 0;
}

static const struct vgpuctl_cmd *find_cmd(const char *name)
{
	size_t i;

	for (i = 0; i < NCMDS; i++)
		if (!strcmp(name, cmds[i].name))
			return &cmds[i];
	fprintf(stderr, "vgpuctl: unknown command '%s' (commands:", name);
	for (i = 0; i < NCMDS; i++)
		fprintf(stderr, "%s %s", i ? "," : "", cmds[i].name);
	fprintf(stderr, ")\n");
	return NULL;
}

static bool args_fit(const struct vgpuctl_cmd *cmd, int argc, char **argv)
{
	if (argc >= cmd->min_args && argc <= cmd->max_args)
		return true;
	if (!cmd->max_args)
		fprintf(stderr, "vgpuctl: %s takes no argument (got '%s')\n", cmd->name, argv[0]);
	else
		fprintf(stderr, "vgpuctl: %s: want %s\n", cmd->name, cmd->args);
	return false;
}

int main(int argc, char **argv)
{
	struct vgpuctl c = { .sock = getenv("VGPU_CONTROL_SOCKET"), .timeout_s = 10 };
	const struct vgpuctl_cmd *cmd;
	bool done = false;
	int rc;

	if (!c.sock || !*c.sock)
		c.sock = RUNSTATEDIR "/xen-vgpu/vgpuback.sock";
	rc = parse_options(&c, argc, argv, true, &done);
	if (rc || done)
		return rc;
	if (optind >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	cmd = find_cmd(argv[optind]);
	if (!cmd)
		return EXIT_USAGE;
	argc -= optind;
	argv += optind;		/* argv[0]: the command's name */
	optind = 0;		/* getopt starts again at argv[1] */
	if (cmd->run != vgpuctl_top) {	/* options may follow; top reads its own */
		rc = parse_options(&c, argc, argv, false, &done);
		if (rc || done)
			return rc;
	}
	argc -= optind ? optind : 1;
	argv += optind ? optind : 1;
	if (!args_fit(cmd, argc, argv))
		return EXIT_USAGE;
	rc = cmd->run(&c, argc, argv);
	if (c.xs)
		xs_close(c.xs);
	return rc;
}

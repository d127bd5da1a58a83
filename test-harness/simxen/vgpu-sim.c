/* SPDX-License-Identifier: MIT */
/*
 * vgpu-sim: drive the simulated Xen host (simxen).
 *
 *   vgpu-sim host start|stop|run     start simxend (daemon), stop it, or run it in the foreground
 *   vgpu-sim env                     print the environment a client needs
 *   vgpu-sim domain create NAME [--config FILE]
 *   vgpu-sim domain destroy NAME|ID
 *   vgpu-sim domain list
 *   vgpu-sim stats                   live grants, mappings, ports, XenStore use
 *   vgpu-sim exec NAME|ID -- CMD...  run CMD as that domain
 *
 * The host lives in $SIMXEN_DIR (default /tmp/simxen-$UID).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "simclient.h"
#include "simxend.h"

static char dir[PATH_MAX];

static void usage(FILE *f)
{
	fprintf(f,
"Usage: vgpu-sim COMMAND [ARGS]\n"
"Drive simxen, the one-host simulation of a Xen host (hypervisor and xenstored).\n"
"\n"
"  host start               start simxend in the background (waits until it answers)\n"
"  host run                 run simxend in the foreground\n"
"  host stop                stop simxend\n"
"  env                      print SIMXEN_DIR, XENSTORED_PATH and VGPU_PLATFORM exports\n"
"  domain create NAME [--config FILE]\n"
"                           create a domain (prints its id); with --config the xl\n"
"                           config is kept as $SIMXEN_DIR/etc/xen/NAME.cfg first\n"
"  domain destroy NAME|ID   kill its processes, release its grants and channels\n"
"  domain list              list domains: id and name\n"
"  stats                    live grants, mappings and ports per domain; XenStore use\n"
"  exec NAME|ID -- CMD...   run CMD as that domain (0: dom0)\n"
"\n"
"Options: -h, --help.  Environment: SIMXEN_DIR (default /tmp/simxen-UID).\n"
"Exit status: 0 success, 1 failure, 2 usage.\n");
}

static int call(uint32_t op, uint32_t a, uint32_t b, const char *text,
		struct sim_msg *r)
{
	struct sim_msg *q = calloc(1, SIM_MSG_MAX);
	size_t len = text ? strlen(text) + 1 : 0;
	int fd, rc;

	if (!q)
		return -ENOMEM;
	fd = sim_connect(dir);
	if (fd < 0) {
		free(q);
		return fd;
	}
	q->op = op;
	q->a = a;
	q->b = b;
	if (text) {
		memcpy(q->data, text, len);
		q->count = (uint32_t)len;
	}
	rc = sim_call(fd, q, len, r, NULL, 0, NULL);
	close(fd);
	free(q);
	return rc;
}

static int die_rc(const char *what, int rc)
{
	if (rc == -ENOENT || rc == -ECONNREFUSED)
		fprintf(stderr, "vgpu-sim: %s: simxend is not running in %s\n", what, dir);
	else
		fprintf(stderr, "vgpu-sim: %s: %s\n", what, strerror(-rc));
	return 1;
}

/* A domain by name or id; -1 if unknown. */
static long resolve(const char *who)
{
	struct sim_msg *r = malloc(SIM_MSG_MAX);
	char *end, *line, *save = NULL;
	long id = strtol(who, &end, 10), found = -1;

	if (!r)
		return -1;
	if (call(SIM_CTL_LIST, 0, 0, NULL, r) == 0) {
		for (line = strtok_r((char *)r->data, "\n", &save); line;
		     line = strtok_r(NULL, "\n", &save)) {
			long d = strtol(line, NULL, 10);
			const char *name = strchr(line, ' ');

			if ((!*end && d == id) || (name && !strcmp(name + 1, who)))
				found = d;
		}
	}
	free(r);
	if (found < 0 && !*end && id == 0)
		found = 0;
	return found;
}

static int host_start(bool foreground)
{
	char pidf[PATH_MAX + 16];
	struct sim_msg r;
	pid_t pid;
	int i;

	if (mkdir(dir, 0700) && errno != EEXIST) {
		fprintf(stderr, "vgpu-sim: %s: %s\n", dir, strerror(errno));
		return 1;
	}
	snprintf(pidf, sizeof(pidf), "%s/etc", dir);
	mkdir(pidf, 0755);
	snprintf(pidf, sizeof(pidf), "%s/etc/xen", dir);
	mkdir(pidf, 0755);
	if (call(SIM_CTL_WHOAMI, 0, 0, NULL, &r) == 0) {
		fprintf(stderr, "vgpu-sim: simxend already runs in %s\n", dir);
		return 1;
	}
	if (foreground)
		return simxend_run(dir);
	pid = fork();
	if (pid < 0)
		return die_rc("fork", -errno);
	if (pid == 0) {
		int fd = open("/dev/null", O_RDWR);

		setsid();
		if (fd >= 0) {
			dup2(fd, 0);
			dup2(fd, 1);
			close(fd);
		}
		_exit(simxend_run(dir));
	}
	snprintf(pidf, sizeof(pidf), "%s/%s", dir, SIMXEN_PID_FILE);
	for (i = 0; i < 500; i++) {
		struct timespec ts = { 0, 10 * 1000 * 1000 };
		int st;

		if (call(SIM_CTL_WHOAMI, 0, 0, NULL, &r) == 0) {
			FILE *f = fopen(pidf, "w");

			if (f) {
				fprintf(f, "%d\n", (int)pid);
				fclose(f);
			}
			return 0;
		}
		if (waitpid(pid, &st, WNOHANG) == pid) {
			fprintf(stderr, "vgpu-sim: simxend exited at start\n");
			return 1;
		}
		nanosleep(&ts, NULL);
	}
	fprintf(stderr, "vgpu-sim: simxend did not answer within 5 s\n");
	kill(pid, SIGTERM);
	return 1;
}

static int host_stop(void)
{
	char pidf[PATH_MAX + 16];
	FILE *f;
	int pid = 0, i;

	snprintf(pidf, sizeof(pidf), "%s/%s", dir, SIMXEN_PID_FILE);
	f = fopen(pidf, "r");
	if (!f || fscanf(f, "%d", &pid) != 1 || pid <= 1) {
		if (f)
			fclose(f);
		fprintf(stderr, "vgpu-sim: no simxend pid file in %s\n", dir);
		return 1;
	}
	fclose(f);
	if (kill(pid, SIGTERM) && errno == ESRCH) {
		unlink(pidf);
		return 0;
	}
	for (i = 0; i < 500 && kill(pid, 0) == 0; i++) {
		struct timespec ts = { 0, 10 * 1000 * 1000 };

		nanosleep(&ts, NULL);
	}
	if (kill(pid, 0) == 0)
		kill(pid, SIGKILL);
	unlink(pidf);
	return 0;
}

static int copy_file(const char *from, const char *to)
{
	char buf[65536];
	FILE *in = fopen(from, "r"), *out;
	size_t n;
	int rc = 0;

	if (!in)
		return -errno;
	out = fopen(to, "w");
	if (!out) {
		rc = -errno;
		fclose(in);
		return rc;
	}
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		if (fwrite(buf, 1, n, out) != n)
			rc = -EIO;
	fclose(in);
	if (fclose(out))
		rc = -EIO;
	return rc;
}

static int domain_cmd(int argc, char **argv)
{
	struct sim_msg *r = malloc(SIM_MSG_MAX);
	int rc = 1, e;

	if (!r)
		return 1;
	if (argc >= 2 && !strcmp(argv[0], "create")) {
		if (argc == 4 && !strcmp(argv[2], "--config")) {
			char to[PATH_MAX + 300];

			snprintf(to, sizeof(to), "%s/etc/xen/%s.cfg", dir, argv[1]);
			e = copy_file(argv[3], to);
			if (e) {
				fprintf(stderr, "vgpu-sim: %s: %s\n", argv[3], strerror(-e));
				goto out;
			}
		} else if (argc != 2) {
			usage(stderr);
			rc = 2;
			goto out;
		}
		e = call(SIM_CTL_CREATE, 0, 0, argv[1], r);
		if (e) {
			rc = die_rc(argv[1], e);
			goto out;
		}
		printf("%u\n", r->a);
		rc = 0;
	} else if (argc == 2 && !strcmp(argv[0], "destroy")) {
		long id = resolve(argv[1]);

		if (id <= 0) {
			fprintf(stderr, "vgpu-sim: no such domain: %s\n", argv[1]);
			goto out;
		}
		e = call(SIM_CTL_DESTROY, (uint32_t)id, 0, NULL, r);
		rc = e ? die_rc(argv[1], e) : 0;
	} else if (argc == 1 && !strcmp(argv[0], "list")) {
		e = call(SIM_CTL_LIST, 0, 0, NULL, r);
		if (e) {
			rc = die_rc("list", e);
			goto out;
		}
		fputs((char *)r->data, stdout);
		rc = 0;
	} else {
		usage(stderr);
		rc = 2;
	}
out:
	free(r);
	return rc;
}

static int exec_cmd(int argc, char **argv)
{
	char xs[PATH_MAX + 32];
	struct sim_msg r;
	long id;
	int e;

	if (argc < 3 || strcmp(argv[1], "--")) {
		usage(stderr);
		return 2;
	}
	id = resolve(argv[0]);
	if (id < 0) {
		fprintf(stderr, "vgpu-sim: no such domain: %s\n", argv[0]);
		return 1;
	}
	if (id > 0) {
		e = call(SIM_CTL_REGISTER, (uint32_t)id, (uint32_t)getpid(), NULL, &r);
		if (e)
			return die_rc("exec", e);
	}
	snprintf(xs, sizeof(xs), "%s/%s", dir, SIMXEN_XS_SOCK);
	setenv("SIMXEN_DIR", dir, 1);
	setenv("XENSTORED_PATH", xs, 1);
	setenv("VGPU_PLATFORM", "sim", 1);
	execvp(argv[2], argv + 2);
	fprintf(stderr, "vgpu-sim: %s: %s\n", argv[2], strerror(errno));
	return 127;
}

int main(int argc, char **argv)
{
	const char *d = getenv("SIMXEN_DIR");
	struct sim_msg *r;
	int e;

	if (d && *d)
		snprintf(dir, sizeof(dir), "%s", d);
	else
		snprintf(dir, sizeof(dir), "/tmp/simxen-%u", (unsigned)getuid());
	setenv("SIMXEN_DIR", dir, 1);
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "host") && argc == 3) {
		if (!strcmp(argv[2], "start"))
			return host_start(false);
		if (!strcmp(argv[2], "run"))
			return host_start(true);
		if (!strcmp(argv[2], "stop"))
			return host_stop();
	}
	if (!strcmp(argv[1], "env") && argc == 2) {
		printf("export SIMXEN_DIR='%s'; export XENSTORED_PATH='%s/%s'; "
		       "export VGPU_PLATFORM=sim\n", dir, dir, SIMXEN_XS_SOCK);
		return 0;
	}
	if (!strcmp(argv[1], "domain"))
		return domain_cmd(argc - 2, argv + 2);
	if (!strcmp(argv[1], "exec"))
		return exec_cmd(argc - 2, argv + 2);
	if (!strcmp(argv[1], "stats") && argc == 2) {
		r = malloc(SIM_MSG_MAX);
		if (!r)
			return 1;
		e = call(SIM_CTL_STATS, 0, 0, NULL, r);
		if (e) {
			free(r);
			return die_rc("stats", e);
		}
		fputs((char *)r->data, stdout);
		free(r);
		return 0;
	}
	usage(stderr);
	return 2;
}

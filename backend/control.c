/* SPDX-License-Identifier: MIT */
/*
 * control.c: the control socket vgpuctl talks to (vgpu-control(7)).  A client
 * sends one line ("stats", "pools" or "devices"); the daemon answers one JSON
 * object on one line (control_json.c builds it) and closes.  Served inline:
 * the answer is small and built from memory.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <syslog.h>
#include <unistd.h>

#include "control_json.h"
#include "vgpuback.h"

/* One request word and the builder of its answer. */
struct control_cmd {
	const char *word;
	char *(*answer)(struct vgpuback *bk, size_t *len);
};

static const struct control_cmd control_cmds[] = {
	{ "stats", control_json_stats },
	{ "pools", control_json_pools },
	{ "devices", control_json_devices },
};

static char *answer(struct vgpuback *bk, const char *word, size_t *len)
{
	size_t i;

	for (i = 0; i < sizeof(control_cmds) / sizeof(control_cmds[0]); i++)
		if (!strcmp(word, control_cmds[i].word))
			return control_cmds[i].answer(bk, len);
	return control_json_error("unknown command; try stats, pools or devices", len);
}

int control_open(struct vgpuback *bk)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char dir[256], *slash;
	int fd;

	if (snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", bk->cfg.control_socket) >=
	    (int)sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	snprintf(dir, sizeof(dir), "%s", bk->cfg.control_socket);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = 0;
		mkdir(dir, 0755);
	}
	unlink(sa.sun_path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 16)) {
		int e = -errno;

		close(fd);
		return e;
	}
	chmod(sa.sun_path, 0600);
	return fd;
}

void control_serve(struct vgpuback *bk)
{
	struct timeval tv = { .tv_sec = 1, .tv_usec = 0 };
	char line[64], *out;
	size_t len;
	ssize_t n;
	int fd = accept4(bk->control_fd, NULL, NULL, SOCK_CLOEXEC);

	if (fd < 0)
		return;
	/* A client that says nothing cannot hold the loop long. */
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	n = recv(fd, line, sizeof(line) - 1, 0);
	if (n > 0) {
		line[n] = 0;
		line[strcspn(line, "\r\n")] = 0;
		out = answer(bk, line, &len);
		if (!out)
			vlog(LOG_WARNING, "control: no memory for an answer");
		else if (send(fd, out, len, MSG_NOSIGNAL) < 0)
			vlog(LOG_DEBUG, "control: client went away");
		free(out);
	}
	close(fd);
}

/* SPDX-License-Identifier: MIT */
/*
 * tool_progress.c: the progress line of vgpufront's long commands.  Only on
 * a terminal: a script reading stderr gets no carriage returns.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <unistd.h>

#include "tool_priv.h"
#include "vgpu_clock.h"

#define PROGRESS_EVERY_NS 100000000ull	/* ten updates a second at most */

void progress_start(struct progress *p, const char *what, uint64_t total)
{
	p->what = what;
	p->total = total ? total : 1;
	p->next_ns = 0;
	p->on = isatty(STDERR_FILENO);
}

void progress_step(struct progress *p, uint64_t done)
{
	uint64_t now;

	if (!p->on)
		return;
	now = vgpu_now_ns();
	if (now < p->next_ns && done < p->total)
		return;
	p->next_ns = now + PROGRESS_EVERY_NS;
	fprintf(stderr, "\r%s %" PRIu64 "/%" PRIu64 " (%u%%)\033[K", p->what, done,
		p->total, (unsigned)(done * 100 / p->total));
	fflush(stderr);
}

void progress_end(struct progress *p)
{
	if (!p->on)
		return;
	fputs("\r\033[K", stderr);
	fflush(stderr);
}

/* SPDX-License-Identifier: MIT */
/* xs_tx_conflict: a transaction reads a node, someone else changes it, the
 * commit must fail with EAGAIN; a retry then commits.  Prints what happened. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xenstore.h>

int main(void)
{
	struct xs_handle *a = xs_open(0), *b = xs_open(0);
	xs_transaction_t t;
	unsigned int len;
	char *v;

	if (!a || !b)
		return 1;
	xs_write(a, XBT_NULL, "/txtest", "0", 1);
	t = xs_transaction_start(a);
	v = xs_read(a, t, "/txtest", &len);
	free(v);
	xs_write(a, t, "/txtest", "1", 1);
	xs_write(b, XBT_NULL, "/txtest", "2", 1);	/* the conflict */
	if (xs_transaction_end(a, t, false) || errno != EAGAIN) {
		printf("commit did not fail with EAGAIN\n");
		return 1;
	}
	t = xs_transaction_start(a);
	xs_write(a, t, "/txtest", "3", 1);
	if (!xs_transaction_end(a, t, false)) {
		printf("retry failed: %s\n", strerror(errno));
		return 1;
	}
	v = xs_read(b, XBT_NULL, "/txtest", &len);
	printf("EAGAIN on conflict; retry committed: %s\n", v ? v : "?");
	free(v);
	xs_close(a);
	xs_close(b);
	return 0;
}

/* librecsgd. SPDX-License-Identifier: BSD-2-Clause
 * test_scale.h: how many trials a randomised comparison runs. Under slow
 * executors (valgrind, qemu-user) the point is to run every code path with
 * its memory checked, not to draw thousands of random cases again: there
 * .ci/run sets RS_TEST_QUICK=1 and such tests run about an eighth of their
 * trials (the first ones, so a quick run is a prefix of the full one). The
 * native, sanitizer and TSan runs always do all of them. */
#ifndef RS_TESTS_TEST_SCALE_H
#define RS_TESTS_TEST_SCALE_H

#include <stdlib.h>
#include <string.h>

static inline int rs_test_quick(void)
{
    const char *q = getenv("RS_TEST_QUICK");
    return q && *q && strcmp(q, "0") != 0;
}

/* n trials, or n / 8 (at least 1) under RS_TEST_QUICK. */
static inline unsigned rs_test_trials(unsigned n)
{
    return rs_test_quick() ? (n / 8 > 0 ? n / 8 : 1) : n;
}

#endif

/* librecsgd tests. SPDX-License-Identifier: BSD-2-Clause
 * check_api_sizes.c: sizes that do not fit the platform. 262144 users with
 * 4096 factors need 2^30 floats (4 GiB) of user factors: more than a 32-bit
 * size_t can count, so there rs_fit must refuse with RS_ERR_RANGE and a
 * message, before allocating them. On a 64-bit platform the same request is
 * addressable, and an allocator that refuses blocks above 256 MiB makes it
 * RS_ERR_NOMEM. Either way nothing leaks and the model keeps its last fit.
 * Run natively and, by tests/cross/run.sh, on i686 and s390x under qemu. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include <librecsgd/recsgd.h>
#include "testutil.h"

#define BIG_USERS 262144
#define BIG_FACTORS 4096

/* tu_alloc_fn, but blocks above cap bytes fail. */
typedef struct capped {
    tu_alloc t;
    size_t cap, refused;
} capped;

static void *capped_fn(void *ud, void *ptr, size_t osize, size_t nsize)
{
    capped *c = ud;
    if (nsize > c->cap) {
        c->refused++;
        return NULL;
    }
    return tu_alloc_fn(&c->t, ptr, osize, nsize);
}

START_TEST(test_sizes_factors_times_users_beyond_size_t)
{
    /* one rating per user, over 4 items */
    int64_t *users = malloc(BIG_USERS * sizeof *users);
    int64_t *items = malloc(BIG_USERS * sizeof *items);
    float *ratings = malloc(BIG_USERS * sizeof *ratings);
    ck_assert(users && items && ratings);
    for (size_t u = 0; u < BIG_USERS; u++) {
        users[u] = (int64_t)u + 1;
        items[u] = (int64_t)(u % 4) + 1;
        ratings[u] = (float)(u % 5) + 1.0f;
    }
    rs_dataset *big = NULL, *small = NULL;
    ck_assert_int_eq(rs_dataset_new(&big, NULL, NULL), RS_OK);
    ck_assert_int_eq(rs_dataset_add_ratings(big, users, items, ratings, NULL, BIG_USERS), RS_OK);
    ck_assert_int_eq(rs_dataset_new(&small, NULL, NULL), RS_OK);
    ck_assert_int_eq(rs_dataset_add_ratings(small, users, items, ratings, NULL, 40), RS_OK);

    capped c = {{0}, (size_t)256 << 20, 0};
    rs_model *m = NULL;
    ck_assert_int_eq(rs_model_new(&m, RS_SCORER_COLLABORATIVE, capped_fn, &c), RS_OK);
    ck_assert_int_eq(rs_model_set_int(m, RS_PARAM_EPOCHS, 2), RS_OK);
    ck_assert_int_eq(rs_fit(m, small, NULL), RS_OK); /* default factors: a small model */
    float before = 0, after = 0;
    ck_assert_int_eq(rs_predict(m, 3, 3, &before), RS_OK);
    size_t live = c.t.live_bytes;

    ck_assert_int_eq(rs_model_set_int(m, RS_PARAM_FACTORS, BIG_FACTORS), RS_OK);
    rs_status st = rs_fit(m, big, NULL);
    printf("size_t of %u bits: rs_fit of 262144 users x %d factors: %s: %s\n",
           (unsigned)(sizeof(size_t) * 8), BIG_FACTORS, rs_status_string(st), rs_model_last_error(m));
    if (sizeof(size_t) * 8 <= 32) {
        /* 262144 x 4096 x 4 bytes = 2^32: not a size_t; refused before any allocation of it */
        ck_assert_int_eq(st, RS_ERR_RANGE);
        ck_assert_ptr_nonnull(strstr(rs_model_last_error(m), "can address"));
        ck_assert_uint_eq(c.refused, 0);
    } else {
        ck_assert_int_eq(st, RS_ERR_NOMEM);
        ck_assert_uint_gt(c.refused, 0);
    }
    /* the previous fit is intact, and nothing of the failed one is left */
    ck_assert_uint_eq(rs_model_num_users(m), 40);
    ck_assert_int_eq(rs_predict(m, 3, 3, &after), RS_OK);
    ck_assert(memcmp(&before, &after, sizeof before) == 0);
    ck_assert_uint_eq(c.t.live_bytes, live);
    ck_assert_uint_eq(c.t.bad_osize, 0);

    rs_model_free(m);
    ck_assert_uint_eq(c.t.live_bytes, 0);
    rs_dataset_free(big);
    rs_dataset_free(small);
    free(users);
    free(items);
    free(ratings);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("check_api_sizes");
    TCase *tc = tcase_create("sizes");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_sizes_factors_times_users_beyond_size_t);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

/* librecsgd tests. SPDX-License-Identifier: BSD-2-Clause
 * reltest.h: helpers of the reliability tests (issue 11): a model's saved
 * bytes (to prove that a failed call changed nothing), small fitted models
 * of every scorer on synthetic data, and a dataset that makes SGD explode.
 * Public API only. */
#ifndef RS_TESTS_RELTEST_H
#define RS_TESTS_RELTEST_H

#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <librecsgd/recsgd.h>
#include "synth.h"

/* The saved blob of a model (malloc'ed, *n bytes), or NULL when it cannot be
 * saved (not fitted: *st tells why). */
static inline unsigned char *rt_blob(const rs_model *m, size_t *n, rs_status *st)
{
    size_t size = 0;
    rs_status s = rs_model_save_buffer(m, NULL, 0, &size, NULL, 0);
    if (st)
        *st = s;
    *n = 0;
    if (s != RS_ERR_RANGE && s != RS_OK)
        return NULL;
    unsigned char *b = malloc(size ? size : 1);
    if (!b)
        return NULL;
    s = rs_model_save_buffer(m, b, size, n, NULL, 0);
    if (st)
        *st = s;
    if (s != RS_OK) {
        free(b);
        return NULL;
    }
    return b;
}

/* Asserts that the model saves to exactly (ref, n). */
#define RT_ASSERT_SAME_BLOB(m, ref, n)                                                   \
    do {                                                                                 \
        size_t rt_n_;                                                                    \
        unsigned char *rt_b_ = rt_blob((m), &rt_n_, NULL);                               \
        ck_assert_msg(rt_b_ != NULL, "the model no longer saves");                      \
        ck_assert_msg(rt_n_ == (n) && memcmp(rt_b_, (ref), (n)) == 0,                   \
                      "the model changed: %zu bytes saved, %zu before", rt_n_, (size_t)(n)); \
        free(rt_b_);                                                                     \
    } while (0)

static const int32_t RT_SCORERS[3] = {RS_SCORER_COLLABORATIVE, RS_SCORER_CONTENT,
                                      RS_SCORER_HYBRID};

/* Small synthetic train/test data with features (40 users x 30 items). */
static inline void rt_data(rs_dataset **train, rs_dataset **test, uint64_t seed)
{
    ck_assert_int_eq(rs_dataset_new(train, NULL, NULL), RS_OK);
    if (test)
        ck_assert_int_eq(rs_dataset_new(test, NULL, NULL), RS_OK);
    ck_assert_uint_gt(synth_make(*train, test ? *test : NULL, 40, 30, 3, 0.5, 0.1, test ? 0.2 : 0.0,
                                 seed),
                      0);
}

/* A model of one scorer with small, fast, deterministic settings, or NULL
 * when that scorer is not built. */
static inline rs_model *rt_model(int32_t scorer, rs_alloc_fn alloc, void *ud)
{
    rs_model *m = NULL;
    rs_status st = rs_model_new(&m, scorer, alloc, ud);
    if (st == RS_ERR_NOT_BUILT)
        return NULL;
    ck_assert_int_eq(st, RS_OK);
    ck_assert_int_eq(rs_model_set_int(m, RS_PARAM_FACTORS, 4), RS_OK);
    ck_assert_int_eq(rs_model_set_int(m, RS_PARAM_EPOCHS, 8), RS_OK);
    ck_assert_int_eq(rs_model_set_double(m, RS_PARAM_LEARNING_RATE, 0.02), RS_OK);
    ck_assert_int_eq(rs_model_set_double(m, RS_PARAM_INIT_SCALE, 0.1), RS_OK);
    ck_assert_int_eq(rs_model_set_int(m, RS_PARAM_COLD_EPOCHS, 2), RS_OK);
    return m;
}

/* Ratings of +-5e29 for ids that also occur in rt_data: a mis-scaled column
 * that makes the first epoch explode. The dataset's range is widened so
 * they are accepted at all. */
static inline rs_dataset *rt_exploding(int users, int items)
{
    rs_dataset *ds;
    ck_assert_int_eq(rs_dataset_new(&ds, NULL, NULL), RS_OK);
    ck_assert_int_eq(rs_dataset_set_double(ds, RS_PARAM_RATING_MIN, -1e30), RS_OK);
    ck_assert_int_eq(rs_dataset_set_double(ds, RS_PARAM_RATING_MAX, 1e30), RS_OK);
    ck_assert_int_eq(synth_features(ds, users, items), 0);
    for (int u = 0; u < users; u++)
        for (int i = 0; i < items; i += 2)
            ck_assert_int_eq(rs_dataset_add_rating(ds, u + 1, 1000000 + i,
                                                   (u + i) % 4 < 2 ? 5e29f : -5e29f, 1.0f),
                             RS_OK);
    return ds;
}

/* CRC-32C (Castagnoli), bit by bit: the test's own copy of the format's
 * checksum, to forge blobs whose checksum is right (docs/format.md). */
static inline uint32_t rt_crc32c(const unsigned char *p, size_t n)
{
    uint32_t c = 0xFFFFFFFFu;
    for (size_t k = 0; k < n; k++) {
        c ^= p[k];
        for (int b = 0; b < 8; b++)
            c = (c >> 1) ^ (0x82F63B78u & (0u - (c & 1u)));
    }
    return c ^ 0xFFFFFFFFu;
}
static inline void rt_put32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)v, p[1] = (unsigned char)(v >> 8);
    p[2] = (unsigned char)(v >> 16), p[3] = (unsigned char)(v >> 24);
}
/* Rewrite the trailer: the last 4 bytes become the checksum of the rest. */
static inline void rt_reseal(unsigned char *p, size_t n) { rt_put32(p + n - 4, rt_crc32c(p, n - 4)); }

/* A reader over bytes handing out at most `chunk` per call (0: all asked). */
typedef struct rt_reader {
    const unsigned char *p;
    size_t len, pos, chunk;
} rt_reader;
static inline int32_t rt_read(void *ud, void *buf, size_t cap, size_t *len_out)
{
    rt_reader *r = ud;
    size_t n = r->len - r->pos;
    if (n > cap)
        n = cap;
    if (r->chunk && n > r->chunk)
        n = r->chunk;
    memcpy(buf, r->p + r->pos, n);
    r->pos += n;
    *len_out = n;
    return 0;
}

#endif

/* librecsgd. SPDX-License-Identifier: BSD-2-Clause
 * split.c: train/test splits. Both outputs copy src's parameters, id maps
 * and feature rows, so dense indices mean the same thing in src, train and
 * test (a model fitted on train can be scored on test without remapping);
 * the ratings are partitioned, each part keeping src's order (and the
 * weights and timestamps of each rating). */
#include <string.h>

#include "common/rng.h"
#include "dataset.h"

/* A new dataset like src (allocator, parameters, ids, features) with room
 * for n ratings and none stored yet. */
static rs_status clone_empty(const rs_dataset *src, size_t n, rs_dataset **out)
{
    rs_dataset *ds;
    rs_status st = rs_dataset_new(&ds, src->alloc.fn, src->alloc.ud);
    if (st != RS_OK)
        return st;
    rs__dataset_copy_params(ds, src);
    st = rs__idmap_copy(&ds->users, &src->users, &ds->alloc);
    if (st == RS_OK)
        st = rs__idmap_copy(&ds->items, &src->items, &ds->alloc);
    if (st == RS_OK)
        st = rs__features_copy(&ds->user_feat, &src->user_feat, &ds->alloc);
    if (st == RS_OK)
        st = rs__features_copy(&ds->item_feat, &src->item_feat, &ds->alloc);
    if (st == RS_OK && n > 0)
        st = rs__dataset_reserve_exact(ds, n);
    if (st == RS_OK && src->weight)
        st = rs__dataset_enable_weights(ds);
    if (st == RS_OK && src->time)
        st = rs__dataset_enable_time(ds);
    if (st != RS_OK) {
        rs_dataset_free(ds);
        return st;
    }
    *out = ds;
    return RS_OK;
}

/* Build both outputs from a 0/1 mark per rating (1 = test). */
static rs_status build(const rs_dataset *src, const unsigned char *is_test, size_t n_test,
                       rs_dataset **train_out, rs_dataset **test_out)
{
    rs_dataset *train = NULL, *test = NULL;
    rs_status st = clone_empty(src, src->n - n_test, &train);
    if (st == RS_OK)
        st = clone_empty(src, n_test, &test);
    if (st != RS_OK) {
        rs_dataset_free(train);
        return st;
    }
    for (size_t k = 0; k < src->n; k++)
        rs__dataset_push_timed(is_test[k] ? test : train, src->user[k], src->item[k],
                               src->rating[k], src->weight ? src->weight[k] : 1.0f,
                               src->time ? src->time[k] : RS_NO_TIMESTAMP);
    *train_out = train;
    *test_out = test;
    return RS_OK;
}

static rs_status check_outputs(rs_dataset **train_out, rs_dataset **test_out)
{
    if (train_out)
        *train_out = NULL;
    if (test_out)
        *test_out = NULL;
    return (train_out && test_out && train_out != test_out) ? RS_OK : RS_ERR_INVALID_ARG;
}

rs_status rs_dataset_split_random(const rs_dataset *src, double test_fraction, uint64_t seed,
                                  rs_dataset **train_out, rs_dataset **test_out)
{
    if (check_outputs(train_out, test_out) != RS_OK || !src)
        return RS_ERR_INVALID_ARG;
    if (!(test_fraction >= 0.0 && test_fraction <= 1.0))
        return RS_ERR_RANGE;
    size_t n = src->n;
    unsigned char *is_test = rs__calloc(&src->alloc, n ? n : 1, 1);
    if (!is_test)
        return RS_ERR_NOMEM;
    /* Exactly round(n * fraction) test ratings, each subset equally likely
     * (selection sampling, Knuth's Algorithm S). */
    size_t want = (size_t)((double)n * test_fraction + 0.5);
    if (want > n)
        want = n;
    rs__rng rng;
    rs__rng_seed(&rng, seed);
    size_t chosen = 0;
    for (size_t k = 0; k < n && chosen < want; k++)
        if (rs__rng_below(&rng, n - k) < want - chosen) {
            is_test[k] = 1;
            chosen++;
        }
    rs_status st = build(src, is_test, want, train_out, test_out);
    rs__free(&src->alloc, is_test, n ? n : 1, 1);
    return st;
}

/* Rating indices grouped by user (counting sort, each group in src order):
 * group u is order[start[u], start[u + 1]). */
static rs_status group_by_user(const rs_dataset *src, size_t **start_out, size_t **order_out)
{
    const rs__allocator *a = &src->alloc;
    size_t n = src->n, nu = src->users.count;
    size_t *start = rs__calloc(a, nu + 1, sizeof *start);
    size_t *order = rs__alloc(a, n ? n : 1, sizeof *order);
    if (!start || !order) {
        rs__free(a, start, nu + 1, sizeof *start);
        rs__free(a, order, n ? n : 1, sizeof *order);
        return RS_ERR_NOMEM;
    }
    for (size_t k = 0; k < n; k++)
        start[src->user[k] + 1]++;
    for (size_t u = 0; u < nu; u++)
        start[u + 1] += start[u];
    /* Fill using start[u] as a cursor, then shift the cursors back. */
    for (size_t k = 0; k < n; k++)
        order[start[src->user[k]]++] = k;
    for (size_t u = nu; u > 0; u--)
        start[u] = start[u - 1];
    start[0] = 0;
    *start_out = start;
    *order_out = order;
    return RS_OK;
}

static void free_groups(const rs_dataset *src, size_t *start, size_t *order)
{
    rs__free(&src->alloc, start, src->users.count + 1, sizeof *start);
    rs__free(&src->alloc, order, src->n ? src->n : 1, sizeof *order);
}

rs_status rs_dataset_split_holdout(const rs_dataset *src, size_t n_hold, uint64_t seed,
                                   rs_dataset **train_out, rs_dataset **test_out)
{
    if (check_outputs(train_out, test_out) != RS_OK || !src)
        return RS_ERR_INVALID_ARG;
    const rs__allocator *a = &src->alloc;
    size_t n = src->n, nu = src->users.count;
    /* Pick n_hold of each larger group with a partial Fisher-Yates shuffle. */
    size_t *start = NULL, *order = NULL;
    unsigned char *is_test = rs__calloc(a, n ? n : 1, 1);
    if (!is_test)
        return RS_ERR_NOMEM;
    rs_status st = group_by_user(src, &start, &order);
    if (st == RS_OK) {
        rs__rng rng;
        rs__rng_seed(&rng, seed);
        size_t n_test = 0;
        for (size_t u = 0; u < nu; u++) {
            size_t *g = order + start[u];
            size_t cnt = start[u + 1] - start[u];
            if (cnt <= n_hold)
                continue;
            for (size_t j = 0; j < n_hold; j++) {
                size_t r = j + (size_t)rs__rng_below(&rng, cnt - j);
                size_t t = g[j];
                g[j] = g[r];
                g[r] = t;
                is_test[g[j]] = 1;
            }
            n_test += n_hold;
        }
        st = build(src, is_test, n_test, train_out, test_out);
        free_groups(src, start, order);
    }
    rs__free(a, is_test, n ? n : 1, 1);
    return st;
}

/* ---- by time ---- */

/* Sort one user's rating indices by (timestamp, index): insertion sort for
 * the short groups most users have, a heap sort beyond (no recursion, no
 * allocation, O(n log n) for a user with millions of ratings). */
static int later(const int64_t *t, size_t a, size_t b)
{
    return t[a] > t[b] || (t[a] == t[b] && a > b);
}

static void sift_down(const int64_t *t, size_t *g, size_t root, size_t n)
{
    for (;;) {
        size_t child = 2 * root + 1;
        if (child >= n)
            return;
        if (child + 1 < n && later(t, g[child + 1], g[child]))
            child++;
        if (!later(t, g[child], g[root]))
            return;
        size_t tmp = g[root];
        g[root] = g[child];
        g[child] = tmp;
        root = child;
    }
}

static void sort_by_time(const int64_t *t, size_t *g, size_t n)
{
    if (n <= 32) {
        for (size_t j = 1; j < n; j++) {
            size_t v = g[j], k = j;
            for (; k > 0 && later(t, g[k - 1], v); k--)
                g[k] = g[k - 1];
            g[k] = v;
        }
        return;
    }
    for (size_t r = n / 2; r-- > 0;)
        sift_down(t, g, r, n);
    for (size_t end = n; end-- > 1;) {
        size_t tmp = g[0];
        g[0] = g[end];
        g[end] = tmp;
        sift_down(t, g, 0, end);
    }
}

rs_status rs_dataset_split_by_time(const rs_dataset *src, int32_t mode, int64_t value,
                                   rs_dataset **train_out, rs_dataset **test_out)
{
    if (check_outputs(train_out, test_out) != RS_OK || !src)
        return RS_ERR_INVALID_ARG;
    if (mode != RS_TIME_SPLIT_CUTOFF && mode != RS_TIME_SPLIT_LAST_N)
        return RS_ERR_INVALID_ARG;
    if (mode == RS_TIME_SPLIT_LAST_N && value < 0)
        return RS_ERR_RANGE;
    if (!src->time && src->n > 0)
        return RS_ERR_STATE;
    const int64_t *t = src->time;
    size_t n = src->n;
    for (size_t k = 0; k < n; k++)
        if (t[k] == RS_NO_TIMESTAMP)
            return RS_ERR_STATE;
    const rs__allocator *a = &src->alloc;
    unsigned char *is_test = rs__calloc(a, n ? n : 1, 1);
    if (!is_test)
        return RS_ERR_NOMEM;
    size_t n_test = 0;
    rs_status st = RS_OK;
    if (mode == RS_TIME_SPLIT_CUTOFF) {
        for (size_t k = 0; k < n; k++)
            if (t[k] >= value) {
                is_test[k] = 1;
                n_test++;
            }
    } else {
        size_t *start = NULL, *order = NULL;
        st = group_by_user(src, &start, &order);
        for (size_t u = 0; st == RS_OK && u < src->users.count; u++) {
            size_t *g = order + start[u];
            size_t cnt = start[u + 1] - start[u];
            if (cnt <= (uint64_t)value)
                continue;
            sort_by_time(t, g, cnt);
            for (size_t j = cnt - (size_t)value; j < cnt; j++)
                is_test[g[j]] = 1;
            n_test += (size_t)value;
        }
        if (st == RS_OK)
            free_groups(src, start, order);
    }
    if (st == RS_OK)
        st = build(src, is_test, n_test, train_out, test_out);
    rs__free(a, is_test, n ? n : 1, 1);
    return st;
}

/* librecsgd. SPDX-License-Identifier: BSD-2-Clause
 * ratings.c: rs_model_evaluate_ratings - RMSE and MAE of rs_predict over a
 * test set. The test set is cut into fixed blocks whose sums are added in
 * file order, so the figures are the same on any number of threads. */
#include <math.h>
#include <string.h>

#include "eval.h"

/* Ratings per block: large enough that a thread's share is worth it. */
#define BLOCK 4096

typedef struct part {
    double se, ae;
    size_t scored, fallbacks, unscored;
} part;

typedef struct job {
    const rs_model *m;
    const rs_dataset *test;
    size_t n;
    part *parts;
} job;

static rs_status score_block(void *ud, size_t task, size_t worker)
{
    (void)worker;
    job *j = ud;
    part p;
    memset(&p, 0, sizeof p);
    size_t lo = task * BLOCK, hi = lo + BLOCK < j->n ? lo + BLOCK : j->n;
    for (size_t x = lo; x < hi; x++) {
        int64_t u, i;
        float r, y;
        if (rs_dataset_get_rating(j->test, x, &u, &i, &r, NULL) != RS_OK)
            continue;
        rs_status st = rs_predict(j->m, u, i, &y);
        if (st != RS_OK && st != RS_FALLBACK) {
            p.unscored++;
            continue;
        }
        p.fallbacks += st == RS_FALLBACK;
        double e = (double)r - (double)y;
        p.se += e * e;
        p.ae += fabs(e);
        p.scored++;
    }
    j->parts[task] = p;
    return RS_OK;
}

rs_status rs_model_evaluate_ratings(const rs_model *m, const rs_dataset *test,
                                    double *metrics_out, size_t cap, size_t *n_out)
{
    if (n_out)
        *n_out = 0;
    if (!m || !test || !n_out || (cap > 0 && !metrics_out))
        return RS_ERR_INVALID_ARG;
    if (!m->fitted)
        return RS_ERR_STATE;
    size_t n = rs_dataset_num_ratings(test);
    size_t blocks = (n + BLOCK - 1) / BLOCK;
    const rs__allocator *a = &m->alloc;
    part *parts = blocks ? rs__calloc(a, blocks, sizeof *parts) : NULL;
    if (blocks && !parts)
        return RS_ERR_NOMEM;
    job j = {m, test, n, parts};
    rs_status st = blocks ? rs__parallel_run(blocks, rs__model_workers(m, blocks), score_block, &j, a)
                          : RS_OK;
    if (st == RS_OK) {
        part t;
        memset(&t, 0, sizeof t);
        for (size_t b = 0; b < blocks; b++) {
            t.se += parts[b].se;
            t.ae += parts[b].ae;
            t.scored += parts[b].scored;
            t.fallbacks += parts[b].fallbacks;
            t.unscored += parts[b].unscored;
        }
        double cnt = (double)t.scored;
        rs__eval_put(metrics_out, cap, RS_METRIC_RMSE, t.scored ? sqrt(t.se / cnt) : NAN, n_out);
        rs__eval_put(metrics_out, cap, RS_METRIC_MAE, t.scored ? t.ae / cnt : NAN, n_out);
        rs__eval_put(metrics_out, cap, RS_METRIC_SCORED, cnt, n_out);
        rs__eval_put(metrics_out, cap, RS_METRIC_FALLBACKS, (double)t.fallbacks, n_out);
        rs__eval_put(metrics_out, cap, RS_METRIC_UNSCORED, (double)t.unscored, n_out);
    }
    rs__free(a, parts, blocks, sizeof *parts);
    return st;
}

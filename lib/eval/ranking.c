/* librecsgd. SPDX-License-Identifier: BSD-2-Clause
 * ranking.c: rs_model_evaluate_ranking - precision, recall, NDCG, MAP and
 * hit rate at k and the per-user AUC, over the test users that have a
 * relevant item.
 *
 * Every ranked user gets the whole ranking of the candidates from the
 * serving paths users get (rs_topk_batch over every item, rs_topk with an
 * allow list for a candidate set), so the figures describe exactly what
 * rs_topk returns. Per-user results are stored by user and summed in the
 * test set's user order at the end: the thread count never changes them.
 * Formulas: docs/guide/evaluation.md. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "eval.h"
#include "common/sort.h"
#include "serve/serve.h"

/* Per-user values kept until the final, ordered sum. */
enum { V_PRECISION, V_RECALL, V_NDCG, V_AP, V_HIT, V_AUC, V_COUNT };

/* A list per id, compressed: the entries of id x are val[off[x] .. off[x + 1]). */
typedef struct csr {
    size_t *off;
    int64_t *val;
    size_t rows, nnz;
} csr;

typedef struct scratch {
    int64_t *items;
    float *scores;
    size_t *counts;
    int64_t *uids;
    unsigned char *mark; /* by model item index: MARK_* bits, cleared after each user */
    size_t n_list;       /* entries of items/scores */
} scratch;

enum { MARK_RELEVANT = 1, MARK_EXCLUDED = 2 };

typedef struct job {
    const rs_model *m;
    const rs_dataset *test, *exclude;
    csr rel;              /* relevant item ids per test user index */
    csr ex;               /* excluded item ids per exclude-set user index */
    const int32_t *rank;  /* test user indices to rank */
    size_t n_rank;
    const int64_t *cand;  /* unique known candidate ids, or NULL: every item */
    size_t n_cand;
    size_t list_len;      /* ranking length per user */
    size_t chunk;         /* users per task */
    size_t k;
    int32_t topk_flags;
    scratch *scr;         /* one per worker */
    double *vals;         /* n_rank x V_COUNT */
} job;

static void csr_free(csr *c, const rs__allocator *a)
{
    rs__free(a, c->off, c->rows + 1, sizeof *c->off);
    rs__free(a, c->val, c->nnz, sizeof *c->val);
    memset(c, 0, sizeof *c);
}

static int cmp_i64(const void *x, const void *y)
{
    int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
    return (a > b) - (a < b);
}

/* Lists of item ids per user index of ds, sorted and without duplicates;
 * with relevant_only, only ratings >= threshold. */
static rs_status csr_build(csr *c, const rs_dataset *ds, int relevant_only, double threshold,
                           const rs__allocator *a)
{
    memset(c, 0, sizeof *c);
    size_t n = rs_dataset_num_ratings(ds);
    c->rows = rs_dataset_num_users(ds);
    c->off = rs__calloc(a, c->rows + 1, sizeof *c->off);
    if (!c->off)
        return RS_ERR_NOMEM;
    for (int pass = 0; pass < 2; pass++) {
        size_t *fill = NULL;
        if (pass == 1) {
            for (size_t u = 0; u < c->rows; u++)
                c->off[u + 1] += c->off[u];
            c->nnz = c->off[c->rows];
            c->val = c->nnz ? rs__alloc(a, c->nnz, sizeof *c->val) : NULL;
            fill = rs__calloc(a, c->rows + 1, sizeof *fill);
            if ((c->nnz && !c->val) || !fill) {
                rs__free(a, fill, c->rows + 1, sizeof *fill);
                csr_free(c, a);
                return RS_ERR_NOMEM;
            }
        }
        for (size_t j = 0; j < n; j++) {
            int64_t uid, iid;
            float r;
            int32_t ui;
            if (rs_dataset_get_rating(ds, j, &uid, &iid, &r, NULL) != RS_OK ||
                (relevant_only && !((double)r >= threshold)) ||
                rs_dataset_id_to_index(ds, RS_SIDE_USER, uid, &ui) != RS_OK)
                continue;
            if (pass == 0)
                c->off[(size_t)ui + 1]++;
            else
                c->val[c->off[ui] + fill[ui]++] = iid;
        }
        rs__free(a, fill, c->rows + 1, sizeof *fill);
    }
    /* Sort each list and squeeze out duplicates (a pair rated twice counts once). */
    size_t w = 0;
    for (size_t u = 0; u < c->rows; u++) {
        size_t lo = c->off[u], hi = c->off[u + 1];
        rs__sort(c->val + lo, hi - lo, sizeof *c->val, cmp_i64); /* not qsort: it mallocs (sort.h) */
        c->off[u] = w;
        for (size_t x = lo; x < hi; x++)
            if (x == lo || c->val[x] != c->val[x - 1])
                c->val[w++] = c->val[x];
    }
    c->off[c->rows] = w; /* nnz keeps the allocated size for rs__free */
    return RS_OK;
}

/* Mark (or, with bits 0, clear) the model items of one id list. */
static void mark_items(const rs_model *m, unsigned char *mark, const int64_t *ids, size_t n,
                       unsigned char bits, int clear)
{
    for (size_t x = 0; x < n; x++) {
        int32_t j = rs__serve_item(m, ids[x]);
        if (j >= 0)
            mark[j] = clear ? 0 : (unsigned char)(mark[j] | bits);
    }
}

/* The metrics of one user from their ranking (best first). */
static void score_user(const job *jb, const unsigned char *mark, const int64_t *items,
                       const float *scores, size_t len, size_t n_relevant, double *v)
{
    const rs_model *m = jb->m;
    size_t k = jb->k, pos = 0, hits = 0, n_pos = 0, n_neg = 0;
    double dcg = 0, ap = 0, wrong = 0; /* wrong: negative-over-positive pairs, ties 1/2 */
    size_t negs_above = 0, grp_pos = 0, grp_neg = 0;
    float grp_score = 0.0f;
    for (size_t r = 0; r < len; r++) {
        int32_t j = rs__serve_item(m, items[r]);
        unsigned char mk = j >= 0 ? mark[j] : 0;
        if (mk & MARK_EXCLUDED)
            continue;
        int rel = (mk & MARK_RELEVANT) != 0;
        if (pos < k && rel) {
            hits++;
            dcg += 1.0 / log2((double)pos + 2.0);
            ap += (double)hits / (double)(pos + 1);
        }
        pos++;
        /* AUC: entries come in descending score order; a run of equal
         * scores is one group of ties. */
        if ((grp_pos || grp_neg) && scores[r] != grp_score) {
            wrong += (double)grp_pos * (double)negs_above + 0.5 * (double)grp_pos * (double)grp_neg;
            negs_above += grp_neg;
            grp_pos = grp_neg = 0;
        }
        grp_score = scores[r];
        if (rel)
            grp_pos++, n_pos++;
        else
            grp_neg++, n_neg++;
    }
    wrong += (double)grp_pos * (double)negs_above + 0.5 * (double)grp_pos * (double)grp_neg;
    double idcg = 0;
    size_t ideal = n_relevant < k ? n_relevant : k;
    for (size_t r = 0; r < ideal; r++)
        idcg += 1.0 / log2((double)r + 2.0);
    v[V_PRECISION] = (double)hits / (double)k;
    v[V_RECALL] = (double)hits / (double)n_relevant;
    v[V_NDCG] = dcg / idcg;
    v[V_AP] = ap / (double)ideal;
    v[V_HIT] = hits > 0;
    v[V_AUC] = n_pos && n_neg ? 1.0 - wrong / ((double)n_pos * (double)n_neg) : NAN;
}

static rs_status rank_chunk(void *ud, size_t task, size_t worker)
{
    job *jb = ud;
    scratch *s = &jb->scr[worker];
    const rs_model *m = jb->m;
    size_t lo = task * jb->chunk, hi = lo + jb->chunk < jb->n_rank ? lo + jb->chunk : jb->n_rank;
    size_t nb = hi - lo, L = jb->list_len;
    for (size_t b = 0; b < nb; b++)
        rs_dataset_index_to_id(jb->test, RS_SIDE_USER, jb->rank[lo + b], &s->uids[b]);
    rs_status st = RS_OK;
    if (!jb->cand) {
        st = rs_topk_batch(m, s->uids, nb, L, jb->topk_flags, s->items, s->scores, s->counts);
    } else {
        for (size_t b = 0; b < nb && (st == RS_OK || st == RS_FALLBACK); b++)
            st = rs_topk(m, s->uids[b], L, jb->topk_flags, NULL, 0, jb->cand, jb->n_cand,
                         s->items + b * L, s->scores + b * L, &s->counts[b]);
    }
    if (st != RS_OK && st != RS_FALLBACK)
        return st;
    for (size_t b = 0; b < nb; b++) {
        int32_t tu = jb->rank[lo + b];
        const int64_t *rel = jb->rel.val + jb->rel.off[tu];
        size_t n_rel = jb->rel.off[tu + 1] - jb->rel.off[tu];
        const int64_t *ex = NULL;
        size_t n_ex = 0;
        int32_t eu;
        if (jb->exclude &&
            rs_dataset_id_to_index(jb->exclude, RS_SIDE_USER, s->uids[b], &eu) == RS_OK) {
            ex = jb->ex.val + jb->ex.off[eu];
            n_ex = jb->ex.off[eu + 1] - jb->ex.off[eu];
        }
        mark_items(m, s->mark, rel, n_rel, MARK_RELEVANT, 0);
        mark_items(m, s->mark, ex, n_ex, MARK_EXCLUDED, 0);
        score_user(jb, s->mark, s->items + b * L, s->scores + b * L, s->counts[b], n_rel,
                   jb->vals + (lo + b) * V_COUNT);
        mark_items(m, s->mark, rel, n_rel, 0, 1);
        mark_items(m, s->mark, ex, n_ex, 0, 1);
    }
    return RS_OK;
}

static void scratch_free(scratch *s, size_t chunk, size_t n_items, const rs__allocator *a)
{
    rs__free(a, s->items, s->n_list, sizeof *s->items);
    rs__free(a, s->scores, s->n_list, sizeof *s->scores);
    rs__free(a, s->counts, chunk, sizeof *s->counts);
    rs__free(a, s->uids, chunk, sizeof *s->uids);
    rs__free(a, s->mark, n_items, 1);
}

/* The unique known ids of the candidate list, in their first order. */
static rs_status unique_candidates(const rs_model *m, const int64_t *cand, size_t n,
                                   int64_t **out, size_t *n_out, const rs__allocator *a)
{
    size_t ni = m->w.n_items;
    *out = NULL;
    *n_out = 0;
    unsigned char *taken = rs__calloc(a, ni ? ni : 1, 1);
    int64_t *u = rs__alloc(a, n ? n : 1, sizeof *u);
    if (!taken || !u) {
        rs__free(a, taken, ni ? ni : 1, 1);
        rs__free(a, u, n ? n : 1, sizeof *u);
        return RS_ERR_NOMEM;
    }
    size_t c = 0;
    for (size_t x = 0; x < n; x++) {
        int32_t j = rs__serve_item(m, cand[x]);
        if (j >= 0 && !taken[j]) {
            taken[j] = 1;
            u[c++] = cand[x];
        }
    }
    rs__free(a, taken, ni ? ni : 1, 1);
    *out = u;
    *n_out = c;
    return RS_OK;
}

rs_status rs_model_evaluate_ranking(const rs_model *m, const rs_dataset *test,
                                    const rs_dataset *exclude, const int64_t *candidates,
                                    size_t n_candidates, size_t k, double threshold,
                                    int32_t flags, double *metrics_out, size_t cap, size_t *n_out)
{
    if (n_out)
        *n_out = 0;
    if (!m || !test || !n_out || (cap > 0 && !metrics_out) || k == 0 || !isfinite(threshold) ||
        (flags & ~(int32_t)RS_EVAL_INCLUDE_SEEN) || (n_candidates > 0 && !candidates))
        return RS_ERR_INVALID_ARG;
    if (!m->fitted || !rs__serve_consistent(m))
        return RS_ERR_STATE;
    const rs__allocator *a = &m->alloc;
    job jb;
    memset(&jb, 0, sizeof jb);
    jb.m = m;
    jb.test = test;
    jb.exclude = exclude;
    jb.k = k;
    jb.topk_flags = (flags & RS_EVAL_INCLUDE_SEEN) ? RS_TOPK_INCLUDE_SEEN : 0;
    size_t n_test_users = rs_dataset_num_users(test), workers = 1, n_tasks = 0;
    size_t skipped = 0, fallback = 0, unranked = 0;
    int32_t *rank = NULL;
    int64_t *cand = NULL;
    rs_status st = csr_build(&jb.rel, test, 1, threshold, a);
    if (st == RS_OK && exclude)
        st = csr_build(&jb.ex, exclude, 0, 0.0, a);
    if (st == RS_OK && candidates)
        st = unique_candidates(m, candidates, n_candidates, &cand, &jb.n_cand, a);
    jb.cand = cand;
    if (st == RS_OK && !(rank = rs__alloc(a, n_test_users ? n_test_users : 1, sizeof *rank)))
        st = RS_ERR_NOMEM;
    /* Which test users are ranked. */
    for (size_t tu = 0; st == RS_OK && tu < n_test_users; tu++) {
        if (jb.rel.off[tu + 1] == jb.rel.off[tu]) {
            skipped++;
            continue;
        }
        int64_t uid;
        rs_dataset_index_to_id(test, RS_SIDE_USER, (int32_t)tu, &uid);
        if (rs__serve_user(m, uid) < 0) {
            if (m->params.cold_start == RS_COLD_START_ERROR) {
                unranked++;
                continue;
            }
            fallback++;
        }
        rank[jb.n_rank++] = (int32_t)tu;
    }
    jb.rank = rank;
    if (st == RS_OK && jb.n_rank > 0) {
        jb.list_len = cand ? jb.n_cand : m->w.n_items;
        size_t per = jb.list_len ? jb.list_len : 1;
        /* Up to 64 users per task (the batch path's block), fewer for large
         * catalogs so a worker's lists stay near a million entries. */
        jb.chunk = ((size_t)1 << 20) / per;
        jb.chunk = jb.chunk < 1 ? 1 : jb.chunk > 64 ? 64 : jb.chunk;
        if (cand)
            jb.chunk = jb.chunk > 8 ? 8 : jb.chunk;
        n_tasks = (jb.n_rank + jb.chunk - 1) / jb.chunk;
        workers = rs__model_workers(m, n_tasks);
        jb.vals = rs__alloc(a, jb.n_rank * V_COUNT, sizeof *jb.vals);
        jb.scr = rs__calloc(a, workers, sizeof *jb.scr);
        if (!jb.vals || !jb.scr)
            st = RS_ERR_NOMEM;
        for (size_t w = 0; st == RS_OK && w < workers; w++) {
            scratch *s = &jb.scr[w];
            s->n_list = jb.chunk * per;
            s->items = rs__alloc(a, s->n_list, sizeof *s->items);
            s->scores = rs__alloc(a, s->n_list, sizeof *s->scores);
            s->counts = rs__calloc(a, jb.chunk, sizeof *s->counts);
            s->uids = rs__calloc(a, jb.chunk, sizeof *s->uids);
            s->mark = rs__calloc(a, m->w.n_items ? m->w.n_items : 1, 1);
            if (!s->items || !s->scores || !s->counts || !s->uids || !s->mark)
                st = RS_ERR_NOMEM;
        }
        if (st == RS_OK)
            st = rs__parallel_run(n_tasks, workers, rank_chunk, &jb, a);
    }
    if (st == RS_OK) {
        double sum[V_COUNT] = {0}, auc_users = 0;
        for (size_t x = 0; x < jb.n_rank; x++) {
            const double *v = jb.vals + x * V_COUNT;
            for (int c = 0; c < V_AUC; c++)
                sum[c] += v[c];
            if (v[V_AUC] == v[V_AUC]) {
                sum[V_AUC] += v[V_AUC];
                auc_users++;
            }
        }
        double nu = (double)jb.n_rank;
        rs__eval_put(metrics_out, cap, RS_METRIC_PRECISION, jb.n_rank ? sum[V_PRECISION] / nu : NAN, n_out);
        rs__eval_put(metrics_out, cap, RS_METRIC_RECALL, jb.n_rank ? sum[V_RECALL] / nu : NAN, n_out);
        rs__eval_put(metrics_out, cap, RS_METRIC_NDCG, jb.n_rank ? sum[V_NDCG] / nu : NAN, n_out);
        rs__eval_put(metrics_out, cap, RS_METRIC_MAP, jb.n_rank ? sum[V_AP] / nu : NAN, n_out);
        rs__eval_put(metrics_out, cap, RS_METRIC_HIT_RATE, jb.n_rank ? sum[V_HIT] / nu : NAN, n_out);
        rs__eval_put(metrics_out, cap, RS_METRIC_AUC, auc_users > 0 ? sum[V_AUC] / auc_users : NAN, n_out);
        rs__eval_put(metrics_out, cap, RS_METRIC_USERS, nu, n_out);
        rs__eval_put(metrics_out, cap, RS_METRIC_USERS_SKIPPED, (double)skipped, n_out);
        rs__eval_put(metrics_out, cap, RS_METRIC_USERS_FALLBACK, (double)fallback, n_out);
        rs__eval_put(metrics_out, cap, RS_METRIC_USERS_UNRANKED, (double)unranked, n_out);
        rs__eval_put(metrics_out, cap, RS_METRIC_AUC_USERS, auc_users, n_out);
    }
    if (jb.scr)
        for (size_t w = 0; w < workers; w++)
            scratch_free(&jb.scr[w], jb.chunk, m->w.n_items ? m->w.n_items : 1, a);
    rs__free(a, jb.scr, workers, sizeof *jb.scr);
    rs__free(a, jb.vals, jb.n_rank * V_COUNT, sizeof *jb.vals);
    rs__free(a, rank, n_test_users ? n_test_users : 1, sizeof *rank);
    rs__free(a, cand, n_candidates ? n_candidates : 1, sizeof *cand);
    csr_free(&jb.rel, a);
    csr_free(&jb.ex, a);
    return st;
}

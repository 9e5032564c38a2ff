/* librecsgd tests. SPDX-License-Identifier: BSD-2-Clause
 * check_unit_sgd.c: white-box tests of the optimizer core - every scorer's
 * gradient against finite differences, the specialised MF loop against the
 * generic step, the built-in policies, the block grid and the seen lists. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/rng.h"
#include "core/model.h"
#include "data/dataset.h"
#include "optim/fitdata.h"
#include "optim/train.h"
#include "policies/policies.h"
#include "scorers/collaborative/mf.h"
#include "scorers/scorer.h"

static const int32_t KINDS[] = {RS_SCORER_COLLABORATIVE, RS_SCORER_CONTENT, RS_SCORER_HYBRID};
#define N_KINDS ((int)(sizeof KINDS / sizeof KINDS[0]))

enum { NU = 6, NI = 5, K = 5, NUF = 3, NIF = 4 };

/* Weights of a tiny model of any scorer, every parameter random, with random
 * sparse feature rows for every user and item; with svdpp, implicit user
 * factors too (N(u): 1 to NI - 1 items per user, user 0 with none). */
static int make_weights_ex(const rs__scorer_ops *ops, rs__weights *w, rs__allocator *a,
                           uint64_t seed, int svdpp)
{
    rs__params p;
    rs__params_default(&p);
    p.factors = K;
    p.implicit_user_factors = svdpp;
    memset(w, 0, sizeof *w);
    rs__features_init(&w->user_feat);
    rs__features_init(&w->item_feat);
    w->n_users = NU;
    w->n_items = NI;
    w->factors = K;
    rs__rng r;
    rs__rng_seed(&r, seed);
    char name[16];
    for (int f = 0; f < NUF; f++) {
        int32_t idx;
        snprintf(name, sizeof name, "uf%d", f);
        ck_assert_int_eq(rs__features_add_name(&w->user_feat, a, name, &idx), RS_OK);
    }
    for (int f = 0; f < NIF; f++) {
        int32_t idx;
        snprintf(name, sizeof name, "if%d", f);
        ck_assert_int_eq(rs__features_add_name(&w->item_feat, a, name, &idx), RS_OK);
    }
    for (size_t u = 0; u < NU; u++) {
        int32_t col[2] = {(int32_t)(u % NUF), (int32_t)((u + 1) % NUF)};
        float val[2] = {(float)rs__rng_uniform(&r) + 0.5f, 1.0f};
        ck_assert_int_eq(rs__features_set_row(&w->user_feat, a, u, col, val, 2), RS_OK);
    }
    for (size_t i = 0; i < NI; i++) {
        int32_t col[2] = {(int32_t)(i % NIF), (int32_t)((i + 2) % NIF)};
        float val[2] = {1.0f, (float)rs__rng_uniform(&r) + 0.5f};
        ck_assert_int_eq(rs__features_set_row(&w->item_feat, a, i, col, val, 2), RS_OK);
    }
    w->n_user_features = NUF;
    w->n_item_features = NIF;
    if (ops->layout(w, a, &p) != RS_OK)
        return 0;
    if (svdpp) {
        size_t off[NU + 1] = {0};
        int32_t items[NU * NI];
        for (size_t u = 0; u < NU; u++) {
            off[u + 1] = off[u];
            for (int32_t i = 0; i < NI; i++)
                if (u > 0 && ((size_t)i + u) % 3 != 0)
                    items[off[u + 1]++] = i;
        }
        ck_assert_int_eq(rs__weights_implicit_block(w), (int32_t)w->n_blocks - 1);
        ck_assert_int_eq(rs__weights_implicit_build(&w->implicit, a, off, items, NU), RS_OK);
    }
    for (size_t b = 0; b < w->n_blocks; b++) {
        rs__block *blk = &w->blocks[b];
        for (size_t row = 0; row < blk->rows; row++)
            for (size_t c = 0; c < blk->cols; c++)
                blk->data[row * blk->stride + c] = (float)(rs__rng_normal(&r) * 0.5);
    }
    w->global_mean = 3.0f;
    /* Cold-start tastes (content, hybrid): every other user and item had no
     * ratings in rs_fit (flag 0), so the tastes take part in half the pairs. */
    for (int32_t side = RS_SIDE_USER; ops->taste_block && side <= RS_SIDE_ITEM; side++) {
        int32_t tb = ops->taste_block(w, side);
        if (tb < 0)
            continue;
        rs__block *T = &w->blocks[tb];
        for (size_t row = 0; row < T->rows; row++)
            T->data[row * T->stride + T->cols - 1] = row % 2 == (size_t)side ? 0.0f : 1.0f;
    }
    return 1;
}

/* x . theta + intercept of a taste row, computed here from the blocks. */
static double taste_of(const rs__block *T, size_t row, const rs__features *ft, size_t id)
{
    const int32_t *col;
    const float *val;
    size_t n = rs__features_row(ft, id, &col, &val), nf = T->cols - 2;
    const float *t = T->data + row * T->stride;
    double s = t[nf];
    for (size_t j = 0; j < n; j++)
        s += val[j] * t[col[j]];
    return s;
}

/* RS_PARAM_COLD_TASTE: a pair adds the user's taste for the item's features
 * only when the item had no ratings (flag 0) or is scored as new
 * (predict_cold), and the item's taste for the user's features likewise. */
START_TEST(test_cold_tastes_apply_only_to_untrained_partners)
{
    const rs__scorer_ops *ops = rs__scorer_ops_for(KINDS[_i]);
    if (!ops || !ops->taste_block)
        return; /* collaborative, or not built */
    rs__allocator a;
    rs__allocator_init(&a, NULL, NULL);
    rs__weights w;
    ck_assert(make_weights_ex(ops, &w, &a, 21, 0));
    int32_t tu = ops->taste_block(&w, RS_SIDE_USER), ti = ops->taste_block(&w, RS_SIDE_ITEM);
    ck_assert_int_ge(tu, 0);
    ck_assert_int_ge(ti, 0);
    rs__block *TU = &w.blocks[tu], *TI = &w.blocks[ti];
    ck_assert_uint_eq(TU->cols, NIF + 2);
    ck_assert_uint_eq(TI->cols, NUF + 2);
    for (int32_t u = 0; u < NU; u++)
        for (int32_t i = 0; i < NI; i++) {
            float *fu = &TU->data[(size_t)u * TU->stride + TU->cols - 1];
            float *fi = &TI->data[(size_t)i * TI->stride + TI->cols - 1];
            float keep_u = *fu, keep_i = *fi;
            double full = ops->predict(&w, u, i);
            double cold_item = ops->predict_cold(&w, u, i, RS_SIDE_ITEM);
            double cold_user = ops->predict_cold(&w, u, i, RS_SIDE_USER);
            double su = taste_of(TU, (size_t)u, &w.item_feat, (size_t)i);
            double si = taste_of(TI, (size_t)i, &w.user_feat, (size_t)u);
            *fu = *fi = 1.0f; /* a trained pair: no taste */
            double warm = ops->predict(&w, u, i);
            double warm_cold_item = ops->predict_cold(&w, u, i, RS_SIDE_ITEM);
            *fu = keep_u;
            *fi = keep_i;
            double want = warm + (keep_i == 0.0f ? su : 0.0) + (keep_u == 0.0f ? si : 0.0);
            ck_assert_double_eq_tol(full, want, 1e-4 * (1.0 + fabs(want)));
            /* Scored as a new item: the user's taste always, the item's as the flag says. */
            ck_assert_double_eq_tol(cold_item, warm_cold_item + (keep_u == 0.0f ? si : 0.0) +
                                                   0.0, 1e-4 * (1.0 + fabs(cold_item)));
            ck_assert(fabs(su) > 1e-3); /* the check above would not see a zero taste */
            /* Raising the user's intercept by 1 moves the new-item score by 1
             * always, the pair's own score only when the item is untrained. */
            float *icpt = &TU->data[(size_t)u * TU->stride + NIF];
            *icpt += 1.0f;
            ck_assert_double_eq_tol(ops->predict_cold(&w, u, i, RS_SIDE_ITEM), cold_item + 1.0,
                                    1e-4 * (1.0 + fabs(cold_item)));
            ck_assert_double_eq_tol(ops->predict(&w, u, i), full + (keep_i == 0.0f ? 1.0 : 0.0),
                                    1e-4 * (1.0 + fabs(full)));
            ck_assert_double_eq_tol(ops->predict_cold(&w, u, i, RS_SIDE_USER), cold_user +
                                    (keep_i == 0.0f ? 1.0 : 0.0), 1e-4 * (1.0 + fabs(cold_user)));
            *icpt -= 1.0f;
        }
    rs__weights_free(&w, &a);
}
END_TEST


static void check_gradients(int kind_index, int svdpp)
{
    const rs__scorer_ops *ops = rs__scorer_ops_for(KINDS[kind_index]);
    if (!ops)
        return; /* scorer not built */
    rs__allocator a;
    rs__allocator_init(&a, NULL, NULL);
    rs__weights w;
    ck_assert(make_weights_ex(ops, &w, &a, 11 + (uint64_t)kind_index, svdpp));
    size_t mt = ops->max_touches(&w), sf = ops->scratch_floats(&w);
    rs__touch *t = calloc(mt, sizeof *t);
    float *scratch = calloc(sf, sizeof *scratch);
    int blocks_checked[RS__MAX_BLOCKS] = {0};
    for (int32_t u = 0; u < NU; u++) {
        for (int32_t i = 0; i < NI; i++) {
            size_t nt = ops->pred_grad(&w, u, i, t, mt, scratch, sf);
            ck_assert_uint_gt(nt, 0);
            for (size_t k = 0; k < nt; k++) {
                rs__block *b = &w.blocks[t[k].block];
                ck_assert_uint_eq(t[k].n, b->cols);
                blocks_checked[t[k].block] = 1;
                for (size_t c = 0; c < t[k].n; c++) {
                    float *x = &b->data[t[k].row * b->stride + c];
                    float keep = *x, h = 1e-2f;
                    *x = keep + h;
                    double up = ops->predict(&w, u, i);
                    *x = keep - h;
                    double down = ops->predict(&w, u, i);
                    *x = keep;
                    double fd = (up - down) / (2.0 * h);
                    ck_assert_msg(fabs(fd - t[k].grad[c]) <= 2e-3 * (1.0 + fabs(fd)),
                                  "scorer %d svdpp %d block %d row %zu col %zu: analytic %g vs "
                                  "numeric %g", (int)KINDS[kind_index], svdpp, (int)t[k].block,
                                  t[k].row, c, t[k].grad[c], fd);
                }
            }
        }
    }
    /* Every block of the scorer has a gradient somewhere, except the
     * cold-start tastes, which the refit fits in closed form (their pairs
     * here all have trained flags, so predict does not read them). */
    for (size_t b = 0; b < w.n_blocks; b++)
        ck_assert_msg(blocks_checked[b] || w.blocks[b].role == RS__ROLE_USER_COLD_TASTE ||
                          w.blocks[b].role == RS__ROLE_ITEM_COLD_TASTE,
                      "block %zu never touched", b);
    free(t);
    free(scratch);
    rs__weights_free(&w, &a);
}

START_TEST(test_gradient_matches_finite_differences) { check_gradients(_i, 0); }
END_TEST

/* Implicit user factors (SVD++): the y_j rows of N(u) get |N(u)|^-1/2 q_i
 * (z_i for the feature models), p_u and the item rows see the effective
 * user vector; every parameter the prediction depends on is touched, and
 * no other (a rating of user 0, whose N(u) is empty, touches no y_j). */
START_TEST(test_svdpp_gradient_matches_finite_differences) { check_gradients(_i, 1); }
END_TEST

/* A user clip policy: the exported norm clip, counted, so the test sees the
 * fused loop call it once per row like the generic step. */
static size_t clip_calls;
static int32_t counting_clip(void *ud, float *g, size_t n)
{
    clip_calls++;
    return rs_clip_norm(ud, g, n);
}

/* The deferred blocks of w differ from the weights make_weights_ex(seed 5)
 * started them from: the merge point moved them. */
static void check_deferred_moved(const rs__scorer_ops *ops, const rs__weights *w, rs__allocator *a)
{
    rs__weights w0;
    ck_assert(make_weights_ex(ops, &w0, a, 5, 0));
    for (size_t b = 0; b < w->n_blocks; b++) {
        if (!(ops->deferred_blocks >> b & 1u))
            continue;
        int moved = 0;
        for (size_t k = 0; k < w->blocks[b].rows * w->blocks[b].stride; k++)
            moved |= w0.blocks[b].data[k] != w->blocks[b].data[k];
        ck_assert_msg(moved, "deferred block %zu never updated", b);
    }
    rs__weights_free(&w0, a);
}

/* How the deferred rows' sums are kept in compare_paths_for: one set
 * (the fused loop keeps per-id sums), or three sets (per block) with the
 * fused loop's choice made as for a fit of `ratings` training ratings: 0
 * gives both sides per-block sums, 33 per-block sums for the 6 users and
 * per-id caches for the 5 items (2 features each: fm_train.c), N per-id
 * caches on both sides. The fused loop adds to set 2, the generic step to
 * set 1. */
typedef struct sums_mode {
    size_t slots, ratings;
} sums_mode;
static const sums_mode SUMS_MODES[] = {{1, 200}, {3, 0}, {3, 33}, {3, 200}};
#define N_SUMS_MODES ((int)(sizeof SUMS_MODES / sizeof SUMS_MODES[0]))

/* Run one chunk with a scorer's specialised loop and with the generic step
 * from the same start and compare every parameter. Scorers with deferred
 * shared rows (optim/deferred.h) get their merge point after the chunk,
 * twice (two sub-epochs), so the deferred updates are compared too. With
 * implicit user factors (svdpp) nothing is deferred: those fits step the
 * feature rows per rating on one thread, as the generic step does. */
static void compare_paths_ex(const rs__scorer_ops *ops, int32_t clip_kind, int32_t isa,
                             int32_t lr_policy, sums_mode sm, int svdpp)
{
    rs__allocator a;
    rs__allocator_init(&a, NULL, NULL);
    rs__weights w1, w2;
    ck_assert(make_weights_ex(ops, &w1, &a, 5, svdpp));
    ck_assert_int_eq(rs__weights_clone(&w2, &w1, &a), RS_OK);
    enum { N = 200 };
    int32_t us[N], is[N];
    float rs[N], wts[N];
    rs__rng r;
    rs__rng_seed(&r, 99);
    for (int j = 0; j < N; j++) {
        us[j] = (int32_t)rs__rng_below(&r, NU);
        is[j] = (int32_t)rs__rng_below(&r, NI);
        rs[j] = 1.0f + 4.0f * (float)rs__rng_uniform(&r);
        wts[j] = 0.5f + (float)rs__rng_uniform(&r);
    }
    rs__chunk ch = {us, is, rs, wts, N};
    rs__optstate opt1, opt2;
    rs__optstate_init(&opt1, &w1, lr_policy, &a);
    rs__optstate_init(&opt2, &w1, lr_policy, &a);
    size_t sf = ops->scratch_floats(&w1), mt = ops->max_touches(&w1);
    float *scratch = calloc(sf + 64, sizeof(float));
    rs__touch *touches = calloc(mt, sizeof *touches);
    rs__train_ctx c1 = {0}, c2;
    c1.ops = ops;
    c1.lr_policy = lr_policy;
    c1.beta1 = 0.9f;
    c1.beta2 = 0.999f;
    c1.eps = 1e-8f;
    c1.lr = svdpp ? 0.01f : 0.05f; /* a rating moves every y_j of N(u) too */
    c1.l2[RS__REG_FACTORS] = 0.02f;
    c1.l2[RS__REG_BIAS] = 0.01f;
    c1.l2[RS__REG_FEATURES] = 0.03f;
    c1.l2[RS__REG_IMPLICIT] = 0.04f;
    c1.clip = (rs__clip_policy){clip_kind, 0.3f, NULL, NULL};
    static double custom_c = 0.3;
    if (clip_kind == RS_CLIP_CUSTOM) /* the exported norm clip, called through the pointer */
        c1.clip = (rs__clip_policy){RS_CLIP_CUSTOM, 0.3f, counting_clip, &custom_c};
    c1.blowup = 1e6f;
    c1.touches = touches;
    c1.max_touches = mt;
    c1.scratch = scratch;
    c1.scratch_floats = sf;
    c1.gbuf = scratch + sf;
    c1.gbuf_floats = 64;
    void *rowbuf_raw;
    size_t rowbuf_bytes;
    c1.rowbuf = rs__alloc_floats_aligned(&a, RS__ROWBUF_ROWS * 64, &rowbuf_raw, &rowbuf_bytes);
    ck_assert_ptr_nonnull(c1.rowbuf);
    c1.isa = isa;
    c2 = c1;
    c1.w = &w1;
    c2.w = &w2;
    c1.opt = &opt1;
    c2.opt = &opt2;
    rs__deferred d1, d2;
    ck_assert_int_eq(rs__deferred_init(&d1, ops, &w1, us, is, N, sm.slots, &a), RS_OK);
    ck_assert_int_eq(rs__deferred_init(&d2, ops, &w2, us, is, N, sm.slots, &a), RS_OK);
    ck_assert_uint_eq(d1.mask, svdpp ? 0u : ops->deferred_blocks);
    if (d1.mask) {
        ck_assert_uint_eq(d1.slots, sm.slots);
        /* the fused loop's state chosen again for sm.ratings ratings */
        d1.n_ratings = sm.ratings;
        ops->defer_free(d1.scorer_state, &a);
        d1.scorer_state = NULL;
        ck_assert_int_eq(ops->defer_new(&d1.scorer_state, &w1, &d1, &a), RS_OK);
        c1.band = sm.slots - 1;
        c2.band = sm.slots > 1 ? 1 : 0;
    }
    c1.defer = &d1;
    c2.defer = &d2;
    size_t fused_calls = 0, generic_calls = 0;
    for (int sub = 0; sub < 2; sub++) {
        clip_calls = 0;
        if (svdpp) {
            /* The implicit-factor loops step the y_j once per run of a user's
             * ratings; a run of one rating is the generic step, so feed them
             * one rating at a time. */
            for (int j = 0; j < N; j++) {
                rs__chunk one = {us + j, is + j, rs + j, wts + j, 1};
                ops->train_chunk(&c1, &one);
            }
        } else {
            ops->train_chunk(&c1, &ch);
        }
        rs__deferred_apply(&c1);
        fused_calls += clip_calls;
        clip_calls = 0;
        rs__train_chunk_generic(&c2, &ch);
        rs__deferred_apply(&c2);
        generic_calls += clip_calls;
        if (sub == 0 && d1.mask)
            check_deferred_moved(ops, &w1, &a);
    }
    ck_assert_uint_eq(fused_calls, generic_calls);
    ck_assert_int_eq(c1.diverged, 0);
    ck_assert_int_eq(c2.diverged, 0);
    for (size_t b = 0; b < w1.n_blocks; b++)
        for (size_t k = 0; k < w1.blocks[b].rows * w1.blocks[b].stride; k++) {
            float x = w1.blocks[b].data[k], y = w2.blocks[b].data[k];
            ck_assert_msg(fabsf(x - y) <= 1e-4f * (1.0f + fabsf(y)),
                          "clip %d isa %d block %zu cell %zu: fast %g generic %g", (int)clip_kind,
                          (int)isa, b, k, x, y);
        }
    ck_assert_double_eq_tol(c1.st.sq_err, c2.st.sq_err, 1e-3 * c2.st.sq_err);
    ck_assert_double_eq_tol(c1.st.gnorm_sum, c2.st.gnorm_sum, 1e-3 * c2.st.gnorm_sum);
    ck_assert_double_eq_tol(c1.st.fnorm_sum, c2.st.fnorm_sum, 1e-3 * c2.st.fnorm_sum + 1e-9);
    ck_assert_uint_eq(c1.st.n_rows, c2.st.n_rows);
    ck_assert_uint_eq(c1.st.n_clipped, c2.st.n_clipped);
    for (size_t b = 0; b < w1.n_blocks; b++) /* the merge point left every sum empty */
        for (size_t k = 0; d1.mask >> b & 1u && k < d1.slots * d1.rows[b]; k++) {
            ck_assert_uint_eq(d1.count[b][k], 0);
            ck_assert_uint_eq(d2.count[b][k], 0);
        }
    if (clip_kind != RS_CLIP_NONE)
        ck_assert_uint_gt(c1.st.n_clipped, 0);
    rs__deferred_free(&d1, &a);
    rs__deferred_free(&d2, &a);
    free(scratch);
    free(touches);
    rs__free_aligned(&a, rowbuf_raw, rowbuf_bytes);
    rs__optstate_free(&opt1, &a);
    rs__optstate_free(&opt2, &a);
    rs__weights_free(&w1, &a);
    rs__weights_free(&w2, &a);
}

static void compare_paths_for(const rs__scorer_ops *ops, int32_t clip_kind, int32_t isa,
                              int32_t lr_policy, sums_mode sm)
{
    compare_paths_ex(ops, clip_kind, isa, lr_policy, sm, 0);
}

/* SVD++: every scorer's own loop (mf's implicit-factor loop, the feature
 * model's) against the generic step, every clip and learning-rate policy,
 * on every kernel ISA this CPU runs. */
START_TEST(test_svdpp_loops_match_generic_step)
{
    static const int32_t clips[] = {RS_CLIP_NONE, RS_CLIP_VALUE, RS_CLIP_NORM, RS_CLIP_CUSTOM};
    static const int32_t policies[] = {RS_LR_CONSTANT, RS_LR_ADAGRAD, RS_LR_ADAM};
    int32_t clip = clips[_i % 4], policy = policies[_i / 4];
    for (int k = 0; k < N_KINDS; k++) {
        const rs__scorer_ops *ops = rs__scorer_ops_for(KINDS[k]);
        if (!ops)
            continue;
        for (int32_t isa = RS__ISA_BASELINE; isa <= rs__isa_detect(); isa++)
            compare_paths_ex(ops, clip, isa, policy, SUMS_MODES[0], 1);
    }
}
END_TEST

/* Every clip policy (none, value, norm, a user callback) x every learning-
 * rate policy, on every kernel ISA this CPU runs. */
START_TEST(test_mf_fast_loop_matches_generic_step)
{
    static const int32_t clips[] = {RS_CLIP_NONE, RS_CLIP_VALUE, RS_CLIP_NORM, RS_CLIP_CUSTOM};
    static const int32_t policies[] = {RS_LR_CONSTANT, RS_LR_ADAGRAD, RS_LR_ADAM};
    int32_t clip = clips[_i % 4], policy = policies[_i / 4];
    for (int32_t isa = RS__ISA_BASELINE; isa <= rs__isa_detect(); isa++)
        compare_paths_for(&rs__collaborative_ops, clip, isa, policy, SUMS_MODES[0]);
}
END_TEST

/* The same for the content and hybrid scorers, whose fused loop keeps
 * per-id sums of the deferred feature rows, or adds to per-block sums in
 * another order than the generic step, in every way of keeping them. */
START_TEST(test_feature_model_loop_matches_generic_step)
{
    static const int32_t clips[] = {RS_CLIP_NONE, RS_CLIP_VALUE, RS_CLIP_NORM, RS_CLIP_CUSTOM};
    static const int32_t policies[] = {RS_LR_CONSTANT, RS_LR_ADAGRAD, RS_LR_ADAM};
    for (int k = 1; k < N_KINDS; k++) {
        const rs__scorer_ops *ops = rs__scorer_ops_for(KINDS[k]);
        if (!ops)
            continue;
        for (int32_t isa = RS__ISA_BASELINE; isa <= rs__isa_detect(); isa++)
            for (int sm = 0; sm < N_SUMS_MODES; sm++)
                compare_paths_for(ops, clips[_i % 4], isa, policies[_i / 4], SUMS_MODES[sm]);
    }
}
END_TEST

START_TEST(test_builtin_clipping)
{
    float g[4] = {3.0f, -4.0f, 0.5f, 0.0f};
    double c = 1.0;
    ck_assert_int_eq(rs_clip_value(&c, g, 4), 1);
    ck_assert_float_eq(g[0], 1.0f);
    ck_assert_float_eq(g[1], -1.0f);
    ck_assert_float_eq(g[2], 0.5f);
    ck_assert_int_eq(rs_clip_value(&c, g, 4), 0);

    float h[2] = {3.0f, 4.0f};
    c = 1.0;
    ck_assert_int_eq(rs_clip_norm(&c, h, 2), 1);
    ck_assert_float_eq_tol(sqrtf(h[0] * h[0] + h[1] * h[1]), 1.0f, 1e-6f);
    ck_assert_float_eq_tol(h[0] / h[1], 0.75f, 1e-6f); /* direction kept */
    ck_assert_int_eq(rs_clip_norm(&c, h, 2), 0);
    ck_assert_int_eq(rs_clip_norm(NULL, NULL, 0), 0);

    /* The built-ins are recognised and inlined, with their threshold. */
    double t = 0.25;
    rs__clip_policy p = rs__clip_resolve(RS_CLIP_NONE, 1.0, rs_clip_norm, &t);
    ck_assert_int_eq(p.kind, RS_CLIP_NORM);
    ck_assert_float_eq(p.c, 0.25f);
    p = rs__clip_resolve(RS_CLIP_VALUE, 2.0, NULL, NULL);
    ck_assert_int_eq(p.kind, RS_CLIP_VALUE);
    ck_assert_float_eq(p.c, 2.0f);
}
END_TEST

START_TEST(test_builtin_initialisers)
{
    enum { R = 200, C = 50 };
    static float a[R * C], b[R * C];
    double s = 0.1;
    rs_init_normal(&s, RS_BLOCK_USER_FACTORS, a, R, C, 123);
    rs_init_normal(&s, RS_BLOCK_USER_FACTORS, b, R, C, 123);
    ck_assert_int_eq(memcmp(a, b, sizeof a), 0);
    rs_init_normal(&s, RS_BLOCK_USER_FACTORS, b, R, C, 124);
    ck_assert_int_ne(memcmp(a, b, sizeof a), 0);
    double m = 0, v = 0;
    for (int k = 0; k < R * C; k++)
        m += a[k];
    m /= R * C;
    for (int k = 0; k < R * C; k++)
        v += (a[k] - m) * (a[k] - m);
    ck_assert_double_eq_tol(sqrt(v / (R * C)), 0.1, 0.005);

    s = 2.0;
    rs_init_scaled_normal(&s, 0, a, R, C, 7);
    v = 0;
    for (int k = 0; k < R * C; k++)
        v += a[k] * a[k];
    ck_assert_double_eq_tol(sqrt(v / (R * C)), 2.0 / sqrt((double)C), 0.02);

    s = 0.3;
    rs_init_uniform(&s, 0, a, R, C, 7);
    for (int k = 0; k < R * C; k++)
        ck_assert(a[k] >= -0.3f && a[k] <= 0.3f);
    rs_init_zero(NULL, 0, a, R, C, 7);
    for (int k = 0; k < R * C; k++)
        ck_assert_float_eq(a[k], 0.0f);
}
END_TEST

static rs_dataset *random_dataset(size_t n, int users, int items, uint64_t seed)
{
    rs_dataset *ds;
    ck_assert_int_eq(rs_dataset_new(&ds, NULL, NULL), RS_OK);
    rs__rng r;
    rs__rng_seed(&r, seed);
    for (size_t j = 0; j < n; j++)
        ck_assert_int_eq(rs_dataset_add_rating(ds, (int64_t)rs__rng_below(&r, (uint64_t)users) * 7,
                                               (int64_t)rs__rng_below(&r, (uint64_t)items) * 3 + 1,
                                               (float)(1 + rs__rng_below(&r, 5)), 1.0f),
                         RS_OK);
    return ds;
}

START_TEST(test_block_grid_partitions_ratings_into_disjoint_diagonals)
{
    rs_dataset *ds = random_dataset(5000, 97, 61, 3);
    rs__allocator a;
    rs__allocator_init(&a, NULL, NULL);
    rs__fitdata fd;
    size_t B = 4;
    ck_assert_int_eq(rs__fitdata_build(&fd, ds, NULL, &ds->users, &ds->items, B, 42, &a), RS_OK);
    ck_assert_uint_eq(fd.n, ds->n);
    ck_assert_uint_eq(fd.block_off[B * B], ds->n);
    /* Every user lives in exactly one row band, every item in one column band. */
    int *ub = malloc(sizeof(int) * ds->users.count), *ib = malloc(sizeof(int) * ds->items.count);
    for (size_t k = 0; k < ds->users.count; k++)
        ub[k] = -1;
    for (size_t k = 0; k < ds->items.count; k++)
        ib[k] = -1;
    double sum_fd = 0, sum_ds = 0;
    for (size_t blk = 0; blk < B * B; blk++)
        for (size_t j = fd.block_off[blk]; j < fd.block_off[blk + 1]; j++) {
            int bu = (int)(blk / B), bi = (int)(blk % B);
            ck_assert(ub[fd.u[j]] == -1 || ub[fd.u[j]] == bu);
            ck_assert(ib[fd.i[j]] == -1 || ib[fd.i[j]] == bi);
            ub[fd.u[j]] = bu;
            ib[fd.i[j]] = bi;
            sum_fd += fd.r[j] * (1 + fd.u[j]) * (1 + fd.i[j]);
        }
    for (size_t j = 0; j < ds->n; j++)
        sum_ds += ds->rating[j] * (1 + ds->user[j]) * (1 + ds->item[j]);
    ck_assert_double_eq_tol(sum_fd, sum_ds, 1e-6 * sum_ds); /* same multiset of ratings */
    free(ub);
    free(ib);
    rs__fitdata_free(&fd, &a);
    rs_dataset_free(ds);
}
END_TEST

static int cmp_int(const void *x, const void *y)
{
    int32_t a = *(const int32_t *)x, b = *(const int32_t *)y;
    return (a > b) - (a < b);
}

START_TEST(test_seen_lists_are_sorted_and_unique)
{
    rs_dataset *ds = random_dataset(3000, 40, 30, 9); /* many duplicate pairs */
    rs__allocator a;
    rs__allocator_init(&a, NULL, NULL);
    size_t *off, nnz;
    int32_t *items;
    ck_assert_int_eq(rs__seen_build(ds, ds->users.count, ds->items.count, &off, &items, &nnz, &a),
                     RS_OK);
    int32_t *tmp = malloc(sizeof(int32_t) * ds->n);
    for (size_t u = 0; u < ds->users.count; u++) {
        size_t m = 0;
        for (size_t j = 0; j < ds->n; j++)
            if ((size_t)ds->user[j] == u)
                tmp[m++] = ds->item[j];
        qsort(tmp, m, sizeof *tmp, cmp_int);
        size_t w = 0;
        for (size_t k = 0; k < m; k++)
            if (k == 0 || tmp[k] != tmp[k - 1])
                tmp[w++] = tmp[k];
        ck_assert_uint_eq(off[u + 1] - off[u], w);
        ck_assert_int_eq(memcmp(items + off[u], tmp, w * sizeof *tmp), 0);
    }
    free(tmp);
    rs__free(&a, off, ds->users.count + 1, sizeof *off);
    rs__free(&a, items, nnz, sizeof *items);
    rs_dataset_free(ds);
}
END_TEST

/* The in-place layout (rs_fit_consume) gives exactly the copying layout's
 * grid, and turning it into seen lists in place gives rs__seen_build's. */
START_TEST(test_adopted_columns_give_the_same_grid_and_seen_lists)
{
    rs_dataset *ds = random_dataset(4000, 53, 37, 11);
    rs__allocator a;
    rs__allocator_init(&a, NULL, NULL);
    rs__fitdata ref, fd;
    ck_assert_int_eq(rs__fitdata_build(&ref, ds, NULL, &ds->users, &ds->items, 8, 5, &a), RS_OK);
    size_t n = ds->n, nu = ds->users.count, ni = ds->items.count;
    rs__rating_columns cols;
    rs__dataset_take_ratings(ds, &cols);
    ck_assert_uint_eq(rs_dataset_num_ratings(ds), 0);
    ck_assert_int_eq(rs__fitdata_adopt(&fd, &cols, nu, ni, 8, 5, &a), RS_OK);
    ck_assert_ptr_null(cols.user); /* fd owns them now */
    ck_assert_uint_eq(fd.n, n);
    ck_assert_int_eq(memcmp(fd.block_off, ref.block_off, (8 * 8 + 1) * sizeof *fd.block_off), 0);
    ck_assert_int_eq(memcmp(fd.u, ref.u, n * sizeof *fd.u), 0);
    ck_assert_int_eq(memcmp(fd.i, ref.i, n * sizeof *fd.i), 0);
    ck_assert_int_eq(memcmp(fd.r, ref.r, n * sizeof *fd.r), 0);
    ck_assert(fd.mean == ref.mean && fd.std == ref.std);
    /* Seen lists in place against the reference build (from the dataset
     * the reference copied: give the ratings back in the grid's order). */
    rs__rating_columns back = {0};
    back.n = n;
    back.user = malloc(n * sizeof(int32_t));
    back.item = malloc(n * sizeof(int32_t));
    back.rating = malloc(n * sizeof(float));
    back.acap[0] = back.acap[1] = back.acap[2] = n;
    memcpy(back.user, ref.u, n * sizeof(int32_t));
    memcpy(back.item, ref.i, n * sizeof(int32_t));
    memcpy(back.rating, ref.r, n * sizeof(float));
    rs__dataset_return_ratings(ds, &back);
    size_t *off_ref, nnz_ref;
    int32_t *items_ref;
    ck_assert_int_eq(rs__seen_build(ds, nu, ni, &off_ref, &items_ref, &nnz_ref, &a), RS_OK);
    size_t *off = malloc((nu + 1) * sizeof *off), *next = malloc(nu * sizeof *next);
    int32_t *items;
    size_t cap;
    rs__fitdata_into_seen(&fd, nu, off, next, &items, &cap, &a);
    ck_assert_int_eq(memcmp(off, off_ref, (nu + 1) * sizeof *off), 0);
    ck_assert_int_eq(memcmp(items, items_ref, off[nu] * sizeof *items), 0);
    ck_assert_uint_ge(cap, off[nu]);
    ck_assert_ptr_null(fd.u);
    free(off);
    free(next);
    rs__free(&a, items, cap, sizeof *items);
    rs__free(&a, off_ref, nu + 1, sizeof *off_ref);
    rs__free(&a, items_ref, nnz_ref, sizeof *items_ref);
    rs__fitdata_free(&fd, &a);
    rs__fitdata_free(&ref, &a);
    rs_dataset_free(ds);
}
END_TEST

static Suite *sgd_suite(void)
{
    Suite *s = suite_create("check_unit_sgd");
    TCase *tc = tcase_create("core");
    tcase_add_loop_test(tc, test_gradient_matches_finite_differences, 0, N_KINDS);
    tcase_add_loop_test(tc, test_cold_tastes_apply_only_to_untrained_partners, 0, N_KINDS);
    tcase_add_loop_test(tc, test_svdpp_gradient_matches_finite_differences, 0, N_KINDS);
    tcase_add_loop_test(tc, test_svdpp_loops_match_generic_step, 0, 12);
    tcase_add_loop_test(tc, test_mf_fast_loop_matches_generic_step, 0, 12);
    tcase_add_loop_test(tc, test_feature_model_loop_matches_generic_step, 0, 12);
    tcase_add_test(tc, test_builtin_clipping);
    tcase_add_test(tc, test_adopted_columns_give_the_same_grid_and_seen_lists);
    tcase_add_test(tc, test_builtin_initialisers);
    tcase_add_test(tc, test_block_grid_partitions_ratings_into_disjoint_diagonals);
    tcase_add_test(tc, test_seen_lists_are_sorted_and_unique);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(sgd_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

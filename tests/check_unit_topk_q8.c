/* librecsgd. SPDX-License-Identifier: BSD-2-Clause
 * check_unit_topk_q8.c: white-box tests of the serving kernels (every ISA
 * variant this CPU runs against the baseline, bit for bit), the int8 item
 * copy (its error bound, its lifecycle across fit, partial fit, fold-in,
 * set_features, load and the setter) and the int8 top-k, which must return
 * exactly the items and scores of the float scan. */
#include <check.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "serve_fixture.h"
#include "synth.h"
#include "common/dots.h"
#include "common/q8mat.h"
#include "common/vec.h"
#include "serve/topk_q8.h"

#if RS_ENABLE_THREADS
#include <pthread.h>
#endif

#define MAXK 64

static float rnd(uint64_t *s) { return (float)((double)(fx_next(s) >> 11) / 9007199254740992.0 * 2.0 - 1.0); }

/* a, b equal as floats (so -0 == +0), or both NaN. */
static void assert_same_floats(const float *a, const float *b, size_t n, const char *what, int isa)
{
    for (size_t j = 0; j < n; j++)
        ck_assert_msg(a[j] == b[j] || (a[j] != a[j] && b[j] != b[j]),
                      "%s, %s variant, entry %zu: %.9g != %.9g", what, rs__dots_isa_name(isa), j,
                      (double)a[j], (double)b[j]);
}

/* ---- kernels ---- */

START_TEST(test_dots_variants_match_baseline)
{
    uint64_t s = 99;
    size_t cols_list[] = {1, 2, 9, 16, 70, 128};
    for (size_t ci = 0; ci < sizeof cols_list / sizeof cols_list[0]; ci++) {
        size_t cols = cols_list[ci], lda = rs__stride_for(cols), rows = 37, nx = 13;
        float *a = calloc(rows * lda + 16, sizeof *a), *x = calloc(nx * lda + 16, sizeof *x);
        float bias[37], base[13], ref[13 * 37], got[13 * 37];
        ck_assert(a && x);
        for (size_t r = 0; r < rows; r++)
            for (size_t c = 0; c < cols; c++)
                a[r * lda + c] = rnd(&s);
        for (size_t i = 0; i < nx; i++)
            for (size_t c = 0; c < cols; c++)
                x[i * lda + c] = rnd(&s);
        for (size_t r = 0; r < rows; r++)
            bias[r] = rnd(&s);
        for (size_t i = 0; i < nx; i++)
            base[i] = 3.0f + rnd(&s);
        const float *xs[13];
        for (size_t i = 0; i < nx; i++)
            xs[i] = x + i * lda;
        for (int with_bias = 0; with_bias <= 1; with_bias++) {
            const float *b = with_bias ? bias : NULL;
            /* the reference is rs__vec_dot with the biases in predict()'s association */
            for (size_t i = 0; i < nx; i++)
                for (size_t r = 0; r < rows; r++)
                    ref[i * rows + r] = (b ? base[i] + b[r] : base[i]) +
                                        rs__vec_dot(xs[i], a + r * lda, cols);
            for (int32_t isa = RS__DOTS_BASELINE; isa < RS__DOTS_COUNT; isa++) {
                if (!rs__dots_isa_supported(isa))
                    continue;
                /* single query, every row count (the 4-row blocks and their tails) */
                for (size_t nr = 0; nr <= rows; nr += nr < 9 ? 1 : 7) {
                    rs__dots_rows(isa, x, a, lda, nr, cols, base[0], b, got);
                    assert_same_floats(got, ref, nr, "rows", isa);
                }
                /* batch: every query count (pairs and tiles of 4 and 8 with tails) */
                size_t pf = rs__dots_pack_floats(isa, nx, cols);
                float *pk = malloc(pf * sizeof *pk);
                ck_assert_ptr_nonnull(pk);
                for (size_t nq = 1; nq <= nx; nq += nq < 10 ? 1 : 3) {
                    rs__dots_pack(isa, xs, nq, cols, pk);
                    for (size_t nr = 1; nr <= rows; nr += nr < 3 ? 1 : 11) {
                        rs__dots_batch(isa, pk, nq, base, a, lda, nr, cols, b, got, rows);
                        for (size_t i = 0; i < nq; i++)
                            assert_same_floats(got + i * rows, ref + i * rows, nr, "batch", isa);
                    }
                }
                free(pk);
            }
        }
        free(a);
        free(x);
    }
}
END_TEST

START_TEST(test_q8_scores_exact_integers_every_variant)
{
    uint64_t s = 7;
    size_t cols_list[] = {1, 2, 3, 16, 63, 64, 130};
    for (size_t ci = 0; ci < sizeof cols_list / sizeof cols_list[0]; ci++) {
        size_t cols = cols_list[ci], n = 16 * 9 + 5, pairs = (cols + 1) / 2;
        rs__allocator al;
        rs__allocator_init(&al, NULL, NULL);
        rs__q8mat q;
        memset(&q, 0, sizeof q);
        ck_assert_int_eq(rs__q8mat_resize(&q, &al, n, cols), RS_OK);
        /* rows of integers in [-127, 127] with a 127 in each, so the scale is 1 */
        float *src = malloc(n * cols * sizeof *src);
        int16_t *xq = calloc(2 * pairs, sizeof *xq);
        float *scale1 = malloc((n + 16) * sizeof *scale1), *bias = malloc(n * sizeof *bias);
        ck_assert(src && xq && scale1 && bias);
        for (size_t j = 0; j < n; j++) {
            for (size_t c = 0; c < cols; c++)
                src[j * cols + c] = (float)((int)(fx_next(&s) % 255) - 127);
            src[j * cols + j % cols] = 127.0f;
            bias[j] = (float)(j % 7) - 3.0f;
        }
        for (size_t j = 0; j < n + 16; j++)
            scale1[j] = 1.0f;
        ck_assert_int_eq(rs__q8mat_set_rows(&q, src, cols, 0, n), 1);
        for (size_t j = 0; j < n; j++)
            ck_assert_float_eq(q.scale[j], 1.0f);
        for (size_t c = 0; c < cols; c++)
            xq[c] = (int16_t)((int)(fx_next(&s) % 2001) - 1000);
        float ref[16 * 9 + 5], got[16 * 9 + 5];
        for (size_t j = 0; j < n; j++) {
            long long d = 0;
            for (size_t c = 0; c < cols; c++)
                d += (long long)src[j * cols + c] * xq[c];
            ref[j] = (float)d * (1.0f * 1.0f) + (0.5f + bias[j]); /* |d| < 2^24: exact */
        }
        for (int32_t isa = RS__DOTS_BASELINE; isa < RS__DOTS_COUNT; isa++) {
            if (!rs__dots_isa_supported(isa))
                continue;
            /* whole range, and every start block with odd counts */
            rs__q8_scores(isa, q.blocks, q.pairs, xq, 0, n, 1.0f, scale1, 0.5f, bias, got);
            assert_same_floats(got, ref, n, "q8 scores", isa);
            for (size_t first = 16; first < n; first += 32) {
                size_t cnt = n - first < 21 ? n - first : 21;
                rs__q8_scores(isa, q.blocks, q.pairs, xq, first, cnt, 1.0f, scale1, 0.5f, bias,
                              got);
                assert_same_floats(got, ref + first, cnt, "q8 scores (offset)", isa);
            }
        }
        /* real scales: every variant gives the baseline's floats */
        for (size_t j = 0; j < n * cols; j++)
            src[j] = rnd(&s);
        ck_assert_int_eq(rs__q8mat_set_rows(&q, src, cols, 0, n), 1);
        rs__q8_scores(RS__DOTS_BASELINE, q.blocks, q.pairs, xq, 0, n, 0.001f, q.scale, 2.0f, NULL,
                      ref);
        for (int32_t isa = RS__DOTS_BASELINE + 1; isa < RS__DOTS_COUNT; isa++) {
            if (!rs__dots_isa_supported(isa))
                continue;
            rs__q8_scores(isa, q.blocks, q.pairs, xq, 0, n, 0.001f, q.scale, 2.0f, NULL, got);
            assert_same_floats(got, ref, n, "q8 scores (scaled)", isa);
        }
        rs__q8mat_free(&q, &al);
        free(src);
        free(xq);
        free(scale1);
        free(bias);
    }
}
END_TEST

/* ---- the int8 copy and the query ---- */

START_TEST(test_q8mat_error_bound_and_growth)
{
    uint64_t s = 3;
    rs__allocator al;
    rs__allocator_init(&al, NULL, NULL);
    size_t cols = 21, n = 100;
    float *src = malloc(300 * cols * sizeof *src);
    ck_assert_ptr_nonnull(src);
    for (size_t j = 0; j < 300 * cols; j++)
        src[j] = rnd(&s) * (float)(1 + (j / cols) % 5) * ((j / cols) % 11 == 0 ? 1e-30f : 1.0f);
    for (size_t c = 0; c < cols; c++)
        src[7 * cols + c] = 0.0f; /* an all-zero row */
    rs__q8mat q;
    memset(&q, 0, sizeof q);
    ck_assert_int_eq(rs__q8mat_resize(&q, &al, n, cols), RS_OK);
    ck_assert_int_eq(rs__q8mat_set_rows(&q, src, cols, 0, n), 1);
    /* grow one row at a time, as fold-ins do: earlier rows keep their values */
    for (size_t m = n + 1; m <= 300; m++) {
        ck_assert_int_eq(rs__q8mat_resize(&q, &al, m, cols), RS_OK);
        ck_assert_int_eq(rs__q8mat_set_rows(&q, src, cols, m - 1, 1), 1);
    }
    ck_assert_uint_eq(q.n, 300);
    ck_assert_uint_ge(rs__q8mat_bytes(&q), 300 * (cols + 1 + 4));
    for (size_t j = 0; j < 300; j++) {
        ck_assert(q.scale[j] <= q.scale_max);
        const int8_t *blk = q.blocks + (j / 16) * q.pairs * 32 + 2 * (j % 16);
        for (size_t c = 0; c < cols; c++) {
            int v = blk[(c / 2) * 32 + c % 2];
            ck_assert_int_le(abs(v), 127);
            double err = fabs((double)src[j * cols + c] - (double)q.scale[j] * v);
            ck_assert_msg(err <= 0.51 * (double)q.scale[j], "row %zu col %zu: error %g, scale %g",
                          j, c, err, (double)q.scale[j]);
        }
    }
    ck_assert_float_eq(q.scale[7], 0.0f);
    /* a non-finite value is reported */
    src[5 * cols + 3] = NAN;
    ck_assert_int_eq(rs__q8mat_set_rows(&q, src, cols, 5, 1), 0);
    src[5 * cols + 3] = INFINITY;
    ck_assert_int_eq(rs__q8mat_set_rows(&q, src, cols, 0, 300), 0);
    rs__q8mat_free(&q, &al);
    ck_assert_ptr_null(q.blocks);
    ck_assert_uint_eq(rs__q8mat_bytes(&q), 0);
    free(src);
}
END_TEST

START_TEST(test_q8_query_bound)
{
    uint64_t s = 5;
    size_t cols_list[] = {1, 2, 5, 64, 4096};
    for (size_t ci = 0; ci < 5; ci++) {
        size_t cols = cols_list[ci], pairs = (cols + 1) / 2;
        float *x = malloc(cols * sizeof *x);
        int16_t *xq = malloc(2 * pairs * sizeof *xq);
        ck_assert(x && xq);
        for (size_t c = 0; c < cols; c++)
            x[c] = rnd(&s) * 3.0f;
        float t;
        double l1;
        ck_assert_int_eq(rs__q8_query(x, cols, xq, &t, &l1), 1);
        double sum = 0, mx = 0;
        for (size_t c = 0; c < 2 * pairs; c++) {
            sum += abs(xq[c]);
            if (abs(xq[c]) > mx)
                mx = abs(xq[c]);
            if (c < cols)
                ck_assert(fabs((double)x[c] - (double)t * xq[c]) <= 0.51 * (double)t);
            else
                ck_assert_int_eq(xq[c], 0);
        }
        ck_assert_double_eq(sum, l1);
        ck_assert(mx * 127.0 * 2.0 * (double)pairs < 2147483648.0); /* no int32 overflow */
        x[cols / 2] = NAN;
        ck_assert_int_eq(rs__q8_query(x, cols, xq, &t, &l1), 0);
        free(x);
        free(xq);
    }
    float z[3] = {0, 0, 0};
    int16_t zq[4];
    float t;
    double l1;
    ck_assert_int_eq(rs__q8_query(z, 3, zq, &t, &l1), 1);
    ck_assert_float_eq(t, 0.0f);
    ck_assert_double_eq(l1, 0.0);
}
END_TEST

/* ---- int8 top-k against the float scan ---- */

/* What the int8 path returns for dense user u (or -1 if it declines), built
 * like topk_one: seen items (unless INCLUDE_SEEN) and block list excluded. */
static long q8_topk(const rs_model *m, int32_t u, size_t k, int32_t flags, const int64_t *block,
                    size_t n_block, int64_t *ids, float *sc, rs__q8_stats *st)
{
    const rs__serving *sv = rs__model_serving_copy(m);
    ck_assert_ptr_nonnull(sv);
    const rs__block *P = rs__weights_cblock(&m->w, RS__ROLE_USER_FACTORS);
    const rs__block *Q = rs__weights_cblock(&m->w, RS__ROLE_ITEM_FACTORS);
    const rs__block *UB = rs__weights_cblock(&m->w, RS__ROLE_USER_BIAS);
    const rs__block *IB = rs__weights_cblock(&m->w, RS__ROLE_ITEM_BIAS);
    size_t n = m->w.n_items, cap = k < n ? k : n;
    const int32_t *seen = NULL;
    size_t n_seen = 0;
    if (!(flags & RS_TOPK_INCLUDE_SEEN)) {
        seen = m->seen_item + m->seen_off[u];
        n_seen = m->seen_off[u + 1] - m->seen_off[u];
    }
    uint8_t *mark = NULL;
    if (n_block > 0) {
        mark = calloc(n, 1);
        ck_assert_ptr_nonnull(mark);
        for (size_t t = 0; t < n_seen; t++)
            mark[seen[t]] = 1;
        for (size_t t = 0; t < n_block; t++) {
            int32_t j = rs__idmap_find(&m->items, block[t]);
            if (j >= 0)
                mark[j] = 1;
        }
    }
    rs__hentry heap[MAXK];
    rs__topheap h;
    rs__topheap_init(&h, heap, cap);
    int used = 0;
    float base = m->w.global_mean + UB->data[u];
    int32_t isa = rs__dots_isa();
    ck_assert_int_eq(rs__topk_q8(m, sv, isa, P->data + (size_t)u * P->stride, base, Q, IB->data,
                                 mark, seen, n_seen, &h, &used, st),
                     RS_OK);
    free(mark);
    if (!used)
        return -1;
    return (long)rs__topheap_finish(&h, ids, sc);
}

/* The int8 path and rs_topk's float scan give the same ids and scores for
 * every user; returns how many users the int8 path took and counts its
 * second passes. */
static size_t check_model(rs_model *m, size_t k, int32_t flags, const int64_t *block,
                          size_t n_block, size_t *second)
{
    size_t took = 0;
    for (size_t u = 0; u < m->w.n_users; u++) {
        int64_t ie[MAXK], iq[MAXK];
        float se[MAXK], sq[MAXK];
        size_t ne;
        rs__q8_stats st;
        ck_assert_int_eq(rs_topk(m, FX_USER_ID(u), k, flags, block, n_block, NULL, 0, ie, se, &ne),
                         RS_OK);
        long nq = q8_topk(m, (int32_t)u, k, flags, block, n_block, iq, sq, &st);
        if (nq < 0)
            continue;
        took++;
        *second += (size_t)st.second_pass;
        ck_assert_uint_eq((size_t)nq, ne);
        for (size_t r = 0; r < ne; r++) {
            ck_assert_msg(iq[r] == ie[r], "user %zu rank %zu: int8 id %lld, exact %lld", u, r,
                          (long long)iq[r], (long long)ie[r]);
            ck_assert_msg(sq[r] == se[r], "user %zu rank %zu: int8 score %.9g, exact %.9g", u, r,
                          (double)sq[r], (double)se[r]);
        }
    }
    return took;
}

START_TEST(test_topk_q8_equals_exact_random_models)
{
    size_t took = 0, second = 0;
    for (uint64_t seed = 1; seed <= 24; seed++) {
        uint64_t s = seed * 31;
        size_t nu = fx_range(&s, 1, 6), ni = fx_range(&s, 400, 3000), f = fx_range(&s, 1, 70);
        int quant = seed % 3 == 0; /* multiples of 1/16: many exact ties, broken by id */
        rs_model *m = fx_model(nu, ni, f, seed, quant, (int)fx_range(&s, 0, 30));
        ck_assert_int_eq(rs_model_set_int(m, RS_PARAM_SERVE_OVERSAMPLE, (int64_t)fx_range(&s, 1, 8)),
                         RS_OK);
        ck_assert_int_eq(rs_model_set_int(m, RS_PARAM_SERVE_QUANTIZED, RS_QUANT_INT8), RS_OK);
        size_t ks[] = {1, 3, 10, 40};
        for (size_t kk = 0; kk < 4; kk++)
            for (int32_t flags = 0; flags <= RS_TOPK_INCLUDE_SEEN; flags++)
                took += check_model(m, ks[kk], flags, NULL, 0, &second);
        /* a block list goes through the mark array */
        int64_t block[5] = {FX_ITEM_ID(0), FX_ITEM_ID(3), FX_ITEM_ID(ni - 1), FX_UNKNOWN_ID,
                            FX_ITEM_ID(ni / 2)};
        took += check_model(m, 10, 0, block, 5, &second);
        rs_model_free(m);
    }
    ck_assert_uint_gt(took, 500);
}
END_TEST

/* Item vectors that differ far less than the int8 step: the first
 * candidates never clear the bound, so the second pass must find the rest. */
START_TEST(test_topk_q8_second_pass_near_ties)
{
    size_t took = 0, second = 0;
    for (uint64_t seed = 1; seed <= 6; seed++) {
        uint64_t s = seed;
        size_t nu = 4, ni = 2000, f = 16;
        rs_model *m = fx_model(nu, ni, f, seed, 0, 5);
        rs__block *Q = fx_block(m, RS__ROLE_ITEM_FACTORS), *B = fx_block(m, RS__ROLE_ITEM_BIAS);
        for (size_t i = 0; i < ni; i++) {
            for (size_t c = 0; c < f; c++)
                Q->data[i * Q->stride + c] = 0.5f + (float)c * 0.01f + rnd(&s) * 1e-4f;
            B->data[i] = seed % 2 ? 0.0f : rnd(&s) * 1e-5f;
        }
        ck_assert_int_eq(rs_model_set_int(m, RS_PARAM_SERVE_OVERSAMPLE, 1), RS_OK);
        ck_assert_int_eq(rs_model_set_int(m, RS_PARAM_SERVE_QUANTIZED, RS_QUANT_INT8), RS_OK);
        took += check_model(m, 10, 0, NULL, 0, &second);
        took += check_model(m, 1, RS_TOPK_INCLUDE_SEEN, NULL, 0, &second);
        int64_t block[2] = {FX_ITEM_ID(1), FX_ITEM_ID(2)};
        took += check_model(m, 5, 0, block, 2, &second);
        rs_model_free(m);
    }
    ck_assert_uint_gt(took, 0);
    ck_assert_uint_gt(second, 0);
}
END_TEST

/* Through the public calls: a catalogue big enough for rs_topk to use the
 * copy, against the same model without it; batch and single agree. */
START_TEST(test_topk_q8_public_calls)
{
    size_t nu = 20, ni = 9000, f = 64; /* 9000 x 64 floats: 2.3 MB, over RS__TOPK_Q8_MIN_BYTES */
    rs_model *m = fx_model(nu, ni, f, 77, 0, 2), *e = fx_model(nu, ni, f, 77, 0, 2);
    ck_assert_uint_ge(ni * f * sizeof(float), RS__TOPK_Q8_MIN_BYTES);
    ck_assert_int_eq(rs_model_set_int(m, RS_PARAM_SERVE_QUANTIZED, RS_QUANT_INT8), RS_OK);
    int64_t v;
    ck_assert_int_eq(rs_model_get_int(m, RS_PARAM_SERVE_QUANTIZED, &v), RS_OK);
    ck_assert_int_eq(v, RS_QUANT_INT8);
    ck_assert_ptr_nonnull(rs__model_serving_copy(m));
    ck_assert_ptr_null(rs__model_serving_copy(e));
    int64_t block[3] = {FX_ITEM_ID(10), FX_ITEM_ID(20), FX_ITEM_ID(30)};
    int64_t allow[4] = {FX_ITEM_ID(5), FX_ITEM_ID(6), FX_ITEM_ID(7), FX_ITEM_ID(8000)};
    int64_t users[22];
    for (size_t u = 0; u < nu; u++)
        users[u] = FX_USER_ID(u);
    users[20] = FX_UNKNOWN_ID; /* falls back: scored exactly either way */
    users[21] = FX_USER_ID(3);
    for (size_t q = 0; q < 22; q++) {
        for (int variant = 0; variant < 3; variant++) {
            int64_t a[MAXK], b[MAXK];
            float sa[MAXK], sb[MAXK];
            size_t na, nb;
            const int64_t *bl = variant == 1 ? block : NULL, *al = variant == 2 ? allow : NULL;
            size_t nbl = variant == 1 ? 3 : 0, nal = variant == 2 ? 4 : 0;
            rs_status s1 = rs_topk(m, users[q], 25, 0, bl, nbl, al, nal, a, sa, &na);
            rs_status s2 = rs_topk(e, users[q], 25, 0, bl, nbl, al, nal, b, sb, &nb);
            ck_assert_int_eq(s1, s2);
            ck_assert_int_eq(s1, q == 20 ? RS_FALLBACK : RS_OK);
            ck_assert_uint_eq(na, nb);
            for (size_t r = 0; r < na; r++) {
                ck_assert_int_eq(a[r], b[r]);
                ck_assert_float_eq(sa[r], sb[r]);
            }
        }
    }
    /* the batch scans the floats; its rows equal the single calls of the int8 model */
    static int64_t bids[22 * 25];
    static float bsc[22 * 25];
    size_t counts[22];
    ck_assert_int_eq(rs_topk_batch(m, users, 22, 25, 0, bids, bsc, counts), RS_FALLBACK);
    for (size_t q = 0; q < 22; q++) {
        int64_t a[MAXK];
        float sa[MAXK];
        size_t na;
        rs_topk(m, users[q], 25, 0, NULL, 0, NULL, 0, a, sa, &na);
        ck_assert_uint_eq(counts[q], na);
        for (size_t r = 0; r < na; r++) {
            ck_assert_int_eq(bids[q * 25 + r], a[r]);
            ck_assert_float_eq(bsc[q * 25 + r], sa[r]);
        }
    }
    /* switching it off frees the copy */
    ck_assert_int_eq(rs_model_set_int(m, RS_PARAM_SERVE_QUANTIZED, RS_QUANT_NONE), RS_OK);
    ck_assert_ptr_null(rs__model_serving_copy(m));
    ck_assert_uint_eq(rs__q8mat_bytes(&m->serving.items), 0);
    rs_model_free(m);
    rs_model_free(e);
}
END_TEST

/* ---- lifecycle of the copy ---- */

/* The copy equals one built afresh from the model's current floats (row
 * values and scales), and its maxima bound the rows. */
static void assert_copy_fresh(const rs_model *m)
{
    const rs__serving *sv = rs__model_serving_copy(m);
    ck_assert_ptr_nonnull(sv);
    const rs__block *Q = rs__weights_cblock(&m->w, RS__ROLE_ITEM_FACTORS);
    const rs__block *B = rs__weights_cblock(&m->w, RS__ROLE_ITEM_BIAS);
    size_t n = m->w.n_items;
    rs__q8mat f;
    memset(&f, 0, sizeof f);
    ck_assert_int_eq(rs__q8mat_resize(&f, &m->alloc, n, Q->cols), RS_OK);
    ck_assert_int_eq(rs__q8mat_set_rows(&f, Q->data, Q->stride, 0, n), 1);
    ck_assert_uint_eq(sv->items.n, n);
    for (size_t j = 0; j < n; j++) {
        ck_assert_float_eq(sv->items.scale[j], f.scale[j]);
        ck_assert(sv->items.scale[j] <= sv->items.scale_max);
        ck_assert(fabsf(B->data[j]) <= sv->bias_absmax);
        size_t off = (j / 16) * f.pairs * 32 + 2 * (j % 16);
        for (size_t p = 0; p < f.pairs; p++)
            ck_assert(memcmp(sv->items.blocks + off + 32 * p, f.blocks + off + 32 * p, 2) == 0);
    }
    rs__q8mat_free(&f, &m->alloc);
}

/* Every user: the int8 path equals the float scan. */
static void assert_serves_exactly(rs_model *m)
{
    for (size_t u = 0; u < m->w.n_users; u++) {
        int64_t ie[10], iq[10];
        float se[10], sq[10];
        size_t ne;
        ck_assert(rs_topk(m, m->users.ids[u], 10, 0, NULL, 0, NULL, 0, ie, se, &ne) == RS_OK);
        const rs__serving *sv = rs__model_serving_copy(m);
        const rs__block *P = rs__weights_cblock(&m->w, RS__ROLE_USER_FACTORS);
        const rs__block *Q = rs__weights_cblock(&m->w, RS__ROLE_ITEM_FACTORS);
        const rs__block *UB = rs__weights_cblock(&m->w, RS__ROLE_USER_BIAS);
        const rs__block *IB = rs__weights_cblock(&m->w, RS__ROLE_ITEM_BIAS);
        rs__hentry heap[10];
        rs__topheap h;
        rs__topheap_init(&h, heap, ne);
        int used;
        size_t a = m->seen_off[u], b = m->seen_off[u + 1];
        ck_assert_int_eq(rs__topk_q8(m, sv, rs__dots_isa(), P->data + u * P->stride,
                                     m->w.global_mean + UB->data[u], Q, IB->data, NULL,
                                     m->seen_item + a, b - a, &h, &used, NULL),
                         RS_OK);
        if (!used)
            continue;
        size_t nq = rs__topheap_finish(&h, iq, sq);
        ck_assert_uint_eq(nq, ne);
        for (size_t r = 0; r < ne; r++) {
            ck_assert_int_eq(iq[r], ie[r]);
            ck_assert_float_eq(sq[r], se[r]);
        }
    }
}

static int save_load(const rs_model *m, rs_model **out)
{
    size_t size = 0;
    rs_model_save_buffer(m, NULL, 0, &size, NULL, 0);
    void *buf = malloc(size);
    ck_assert_ptr_nonnull(buf);
    ck_assert_int_eq(rs_model_save_buffer(m, buf, size, &size, NULL, 0), RS_OK);
    rs_status st = rs_model_load_buffer(out, buf, size, NULL, NULL, NULL, 0);
    free(buf);
    return st;
}

START_TEST(test_serving_copy_follows_the_model)
{
    rs_dataset *ds = NULL;
    ck_assert_int_eq(rs_dataset_new(&ds, NULL, NULL), RS_OK);
    ck_assert_uint_gt(synth_make(ds, NULL, 60, 700, 4, 0.15, 0.1, 0.0, 11), 0);
    rs_model *m = NULL;
    ck_assert_int_eq(rs_model_new(&m, RS_SCORER_COLLABORATIVE, NULL, NULL), RS_OK);
    ck_assert_int_eq(rs_model_set_int(m, RS_PARAM_FACTORS, 12), RS_OK);
    ck_assert_int_eq(rs_model_set_int(m, RS_PARAM_EPOCHS, 5), RS_OK);
    /* set before fitting: nothing to copy yet */
    ck_assert_int_eq(rs_model_set_int(m, RS_PARAM_SERVE_QUANTIZED, RS_QUANT_INT8), RS_OK);
    ck_assert_ptr_null(rs__model_serving_copy(m));
    ck_assert_int_eq(rs_fit(m, ds, NULL), RS_OK);
    assert_copy_fresh(m);
    assert_serves_exactly(m);

    /* fold-in of a known item (in place) and of a new one (a row more) */
    int64_t users[5], item = m->items.ids[3];
    float ratings[5] = {5, 4, 1, 2, 5};
    for (int t = 0; t < 5; t++)
        users[t] = m->users.ids[t * 7];
    ck_assert_int_eq(rs_fold_in_item(m, item, users, ratings, 5), RS_OK);
    assert_copy_fresh(m);
    size_t n0 = m->w.n_items;
    ck_assert_int_eq(rs_fold_in_item(m, 987654321, users, ratings, 5), RS_OK);
    ck_assert_uint_eq(m->w.n_items, n0 + 1);
    assert_copy_fresh(m);
    assert_serves_exactly(m);
    /* a user fold-in leaves the items alone */
    int64_t items[3] = {m->items.ids[0], m->items.ids[1], m->items.ids[2]};
    ck_assert_int_eq(rs_fold_in_user(m, 123456789, items, ratings, 3), RS_OK);
    assert_copy_fresh(m);

    /* partial fit with a new item and a new user */
    rs_dataset *more = NULL;
    ck_assert_int_eq(rs_dataset_new(&more, NULL, NULL), RS_OK);
    ck_assert_int_eq(rs_dataset_add_rating(more, users[0], 55555, 4.0f, 1.0f), RS_OK);
    ck_assert_int_eq(rs_dataset_add_rating(more, 77777, item, 3.0f, 1.0f), RS_OK);
    ck_assert_int_eq(rs_partial_fit(m, more, ds), RS_OK);
    assert_copy_fresh(m);
    assert_serves_exactly(m);

    /* a new item registered through set_features (zero factors) */
    ck_assert_int_eq(rs_model_set_features(m, RS_SIDE_ITEM, 4242, NULL, NULL, 0), RS_OK);
    assert_copy_fresh(m);

    /* load rebuilds it from the stored floats (the setting is a parameter) */
    rs_model *l = NULL;
    ck_assert_int_eq(save_load(m, &l), RS_OK);
    int64_t v;
    ck_assert_int_eq(rs_model_get_int(l, RS_PARAM_SERVE_QUANTIZED, &v), RS_OK);
    ck_assert_int_eq(v, RS_QUANT_INT8);
    assert_copy_fresh(l);
    assert_serves_exactly(l);
    rs_model_free(l);

    /* a refit replaces it */
    ck_assert_int_eq(rs_model_set_int(m, RS_PARAM_FACTORS, 9), RS_OK);
    ck_assert_int_eq(rs_fit(m, ds, NULL), RS_OK);
    assert_copy_fresh(m);
    ck_assert_uint_eq(m->serving.items.cols, 9);

    /* a non-finite factor: no copy (serving stays exact) */
    rs__block *Q = rs__weights_block(&m->w, RS__ROLE_ITEM_FACTORS);
    float keep = Q->data[0];
    Q->data[0] = NAN;
    rs__model_serving_refresh(m, 0, SIZE_MAX);
    ck_assert_ptr_null(rs__model_serving_copy(m));
    Q->data[0] = keep;
    rs__model_serving_refresh(m, 0, SIZE_MAX);
    assert_copy_fresh(m);

    /* off, then on again on a fitted model */
    ck_assert_int_eq(rs_model_set_int(m, RS_PARAM_SERVE_QUANTIZED, RS_QUANT_NONE), RS_OK);
    ck_assert_ptr_null(rs__model_serving_copy(m));
    ck_assert_int_eq(rs_model_set_int(m, RS_PARAM_SERVE_QUANTIZED, RS_QUANT_INT8), RS_OK);
    assert_copy_fresh(m);
    ck_assert_int_eq(rs_model_set_int(m, RS_PARAM_SERVE_QUANTIZED, 2), RS_ERR_RANGE);
    rs_model_free(m);
    rs_dataset_free(more);
    rs_dataset_free(ds);
}
END_TEST

/* Other scorers have no dense item-factor block: no copy, exact serving. */
START_TEST(test_serving_copy_only_for_collaborative)
{
    int32_t kinds[2] = {RS_SCORER_CONTENT, RS_SCORER_HYBRID};
    for (int kk = 0; kk < 2; kk++) {
        rs_model *m = NULL;
        rs_status st = rs_model_new(&m, kinds[kk], NULL, NULL);
        if (st == RS_ERR_NOT_BUILT)
            continue;
        ck_assert_int_eq(st, RS_OK);
        rs_dataset *ds = NULL;
        ck_assert_int_eq(rs_dataset_new(&ds, NULL, NULL), RS_OK);
        ck_assert_uint_gt(synth_make(ds, NULL, 20, 50, 4, 0.3, 0.1, 0.0, 5), 0);
        ck_assert_int_eq(rs_model_set_int(m, RS_PARAM_FACTORS, 4), RS_OK);
        ck_assert_int_eq(rs_model_set_int(m, RS_PARAM_EPOCHS, 2), RS_OK);
        ck_assert_int_eq(rs_model_set_int(m, RS_PARAM_SERVE_QUANTIZED, RS_QUANT_INT8), RS_OK);
        ck_assert_int_eq(rs_fit(m, ds, NULL), RS_OK);
        ck_assert_ptr_null(rs__model_serving_copy(m));
        int64_t ids[5];
        size_t n;
        ck_assert_int_eq(rs_topk(m, m->users.ids[0], 5, 0, NULL, 0, NULL, 0, ids, NULL, &n), RS_OK);
        ck_assert_uint_eq(n, 5);
        rs_model_free(m);
        rs_dataset_free(ds);
    }
}
END_TEST

/* Out of memory while building: the setter fails and changes nothing. */
START_TEST(test_serving_copy_setter_out_of_memory)
{
    fx_alloc_state st = {0, 0, -1};
    rs_model *m = fx_model_alloc(3, 500, 16, 4, 0, 10, fx_alloc, &st);
    int ok = 0;
    for (long budget = 0; budget < 20 && !ok; budget++) {
        st.calls = 0;
        st.fail_after = budget;
        long long live = st.live;
        rs_status r = rs_model_set_int(m, RS_PARAM_SERVE_QUANTIZED, RS_QUANT_INT8);
        st.fail_after = -1;
        int64_t v;
        ck_assert_int_eq(rs_model_get_int(m, RS_PARAM_SERVE_QUANTIZED, &v), RS_OK);
        if (r == RS_ERR_NOMEM) {
            ck_assert_int_eq(v, RS_QUANT_NONE);
            ck_assert_ptr_null(rs__model_serving_copy(m));
            ck_assert_int_eq(st.live, live);
            ck_assert_str_ne(rs_model_last_error(m), "");
        } else {
            ck_assert_int_eq(r, RS_OK);
            ck_assert_int_eq(v, RS_QUANT_INT8);
            ok = 1;
        }
    }
    ck_assert(ok);
    assert_copy_fresh(m);
    /* a query without memory for its scratch fails cleanly, leaking nothing */
    int answered = 0;
    for (long budget = 0; budget < 8; budget++) {
        const rs__serving *sv = rs__model_serving_copy(m);
        const rs__block *P = rs__weights_cblock(&m->w, RS__ROLE_USER_FACTORS);
        const rs__block *Q = rs__weights_cblock(&m->w, RS__ROLE_ITEM_FACTORS);
        rs__hentry heap[10];
        rs__topheap h;
        rs__topheap_init(&h, heap, 10);
        int used = 0;
        long long live = st.live;
        st.calls = 0;
        st.fail_after = budget;
        rs_status r = rs__topk_q8(m, sv, rs__dots_isa(), P->data, 3.5f, Q, NULL, NULL, NULL, 0,
                                  &h, &used, NULL);
        st.fail_after = -1;
        ck_assert_int_eq(st.live, live);
        if (r == RS_ERR_NOMEM) {
            ck_assert_uint_eq(h.n, 0);
        } else {
            ck_assert_int_eq(r, RS_OK);
            ck_assert_int_eq(used, 1);
            ck_assert_uint_eq(h.n, 10);
            answered = 1;
        }
    }
    ck_assert(answered);
    long long before = st.live;
    rs_model_free(m);
    ck_assert_int_lt(st.live, before);
    ck_assert_int_eq(st.live, 0);
}
END_TEST

#if RS_ENABLE_THREADS
typedef struct q8_job {
    const rs_model *m, *e;
    size_t from, to;
    int bad;
} q8_job;

static void *q8_worker(void *arg)
{
    q8_job *j = arg;
    for (int rep = 0; rep < 3; rep++)
        for (size_t u = j->from; u < j->to; u++) {
            int64_t a[10], b[10];
            float sa[10], sb[10];
            size_t na, nb;
            rs_topk(j->m, FX_USER_ID(u), 10, 0, NULL, 0, NULL, 0, a, sa, &na);
            rs_topk(j->e, FX_USER_ID(u), 10, 0, NULL, 0, NULL, 0, b, sb, &nb);
            j->bad |= na != nb || memcmp(a, b, na * sizeof *a) != 0 ||
                      memcmp(sa, sb, na * sizeof *sa) != 0;
        }
    return NULL;
}

/* Concurrent readers of one int8 model (shared calls only read the copy). */
START_TEST(test_topk_q8_concurrent_callers)
{
    size_t nu = 16, ni = 9000, f = 64;
    rs_model *m = fx_model(nu, ni, f, 12, 0, 3), *e = fx_model(nu, ni, f, 12, 0, 3);
    ck_assert_int_eq(rs_model_set_int(m, RS_PARAM_SERVE_QUANTIZED, RS_QUANT_INT8), RS_OK);
    pthread_t th[4];
    q8_job jobs[4];
    for (int t = 0; t < 4; t++) {
        jobs[t] = (q8_job){m, e, (size_t)t * 4, (size_t)t * 4 + 4, 0};
        ck_assert_int_eq(pthread_create(&th[t], NULL, q8_worker, &jobs[t]), 0);
    }
    for (int t = 0; t < 4; t++) {
        pthread_join(th[t], NULL);
        ck_assert_int_eq(jobs[t].bad, 0);
    }
    rs_model_free(m);
    rs_model_free(e);
}
END_TEST
#endif

static Suite *suite(void)
{
    Suite *s = suite_create("topk_q8");
    TCase *tk = tcase_create("kernels");
    tcase_add_test(tk, test_dots_variants_match_baseline);
    tcase_add_test(tk, test_q8_scores_exact_integers_every_variant);
    tcase_add_test(tk, test_q8mat_error_bound_and_growth);
    tcase_add_test(tk, test_q8_query_bound);
    suite_add_tcase(s, tk);
    TCase *tq = tcase_create("int8 top-k");
    tcase_set_timeout(tq, 120);
    tcase_add_test(tq, test_topk_q8_equals_exact_random_models);
    tcase_add_test(tq, test_topk_q8_second_pass_near_ties);
    tcase_add_test(tq, test_topk_q8_public_calls);
#if RS_ENABLE_THREADS
    tcase_add_test(tq, test_topk_q8_concurrent_callers);
#endif
    suite_add_tcase(s, tq);
    TCase *tl = tcase_create("lifecycle");
    tcase_set_timeout(tl, 60);
    tcase_add_test(tl, test_serving_copy_follows_the_model);
    tcase_add_test(tl, test_serving_copy_only_for_collaborative);
    tcase_add_test(tl, test_serving_copy_setter_out_of_memory);
    suite_add_tcase(s, tl);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

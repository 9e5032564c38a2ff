/* librecsgd benchmarks. SPDX-License-Identifier: BSD-2-Clause
 * cold_reference.c: the closed-form linear yardstick described in
 * cold_reference.h (two stages of ridge regression, Cholesky solves). */
#include "cold_reference.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum { MAX_DIM = 256 };

/* Solve (A + lambda I) x = b for a symmetric positive semi-definite d x d A.
 * Returns -1 when the matrix is not positive definite (lambda 0 and A
 * singular). */
static int ridge_solve(const double *A, const double *b, int d, double lambda, double *x)
{
    static double L[MAX_DIM * MAX_DIM]; /* benchmark code: one thread */
    for (int r = 0; r < d; r++)
        for (int c = 0; c <= r; c++) {
            double s = A[r * d + c] + (r == c ? lambda : 0.0);
            for (int k = 0; k < c; k++)
                s -= L[r * d + k] * L[c * d + k];
            if (r == c) {
                if (s <= 0)
                    return -1;
                L[r * d + r] = sqrt(s);
            } else {
                L[r * d + c] = s / L[c * d + c];
            }
        }
    for (int r = 0; r < d; r++) { /* L y = b */
        double s = b[r];
        for (int k = 0; k < r; k++)
            s -= L[r * d + k] * x[k];
        x[r] = s / L[r * d + r];
    }
    for (int r = d - 1; r >= 0; r--) { /* L^T x = y */
        double s = x[r];
        for (int k = r + 1; k < d; k++)
            s -= L[k * d + r] * x[k];
        x[r] = s / L[r * d + r];
    }
    return 0;
}

/* Dense feature vector of `id` with a trailing intercept 1. */
static void feature_vector(const rs_dataset *feats, int32_t side, int64_t id, int d, double *x)
{
    int32_t f[MAX_DIM];
    float v[MAX_DIM];
    size_t k = 0;
    memset(x, 0, sizeof(double) * (size_t)d);
    if (rs_dataset_get_features(feats, side, id, f, v, MAX_DIM, &k) == RS_OK)
        for (size_t j = 0; j < k && j < MAX_DIM; j++)
            if (f[j] >= 0 && f[j] < d - 1)
                x[f[j]] = v[j];
    x[d - 1] = 1.0;
}

static void add_outer(double *A, double *b, const double *x, double y, int d)
{
    for (int r = 0; r < d; r++) {
        if (x[r] == 0)
            continue;
        for (int c = 0; c < d; c++)
            A[r * d + c] += x[r] * x[c];
        b[r] += x[r] * y;
    }
}

static double dot(const double *a, const double *b, int d)
{
    double s = 0;
    for (int k = 0; k < d; k++)
        s += a[k] * b[k];
    return s;
}

/* The fallback's prediction for `other` paired with an id it has never
 * seen: global mean plus the other side's bias. */
static float base_of(const rs_model *m, int32_t cold_side, int64_t other)
{
    float y = 0;
    if (cold_side == RS_SIDE_ITEM)
        rs_predict(m, other, INT64_MIN, &y);
    else
        rs_predict(m, INT64_MIN, other, &y);
    return y;
}

int cold_reference(const rs_model *fallback, const rs_dataset *train, const rs_dataset *test,
                   const rs_dataset *feats, int32_t cold_side, const double *lambdas, size_t n,
                   double *rmse_out, const char **why)
{
    int32_t other_side = cold_side == RS_SIDE_ITEM ? RS_SIDE_USER : RS_SIDE_ITEM;
    int d = (int)rs_dataset_num_features(feats, cold_side) + 1;
    if (d > MAX_DIM) {
        *why = "more features than the reference handles";
        return -1;
    }
    size_t n_other = other_side == RS_SIDE_USER ? rs_dataset_num_users(train)
                                                : rs_dataset_num_items(train);
    size_t n_train = rs_dataset_num_ratings(train), dd = (size_t)d * (size_t)d;
    double *A = calloc(dd, sizeof *A), *b = calloc((size_t)d, sizeof *b);
    double *Ao = calloc(n_other * dd, sizeof *Ao), *bo = calloc(n_other * (size_t)d, sizeof *bo);
    double *theta = calloc(n_other * (size_t)d, sizeof *theta), *base = calloc(n_other, sizeof *base);
    double w[MAX_DIM], x[MAX_DIM];
    int rc = -1;
    *why = "out of memory";
    if (!A || !b || !Ao || !bo || !theta || !base)
        goto done;
    float lo = INFINITY, hi = -INFINITY;
    for (size_t o = 0; o < n_other; o++) {
        int64_t id;
        rs_dataset_index_to_id(train, other_side, (int32_t)o, &id);
        base[o] = base_of(fallback, cold_side, id);
    }
    /* Stage 1: one shared feature effect on r - base. */
    for (size_t j = 0; j < n_train; j++) {
        int64_t u, i;
        float r;
        int32_t o;
        rs_dataset_get_rating(train, j, &u, &i, &r, NULL);
        rs_dataset_id_to_index(train, other_side, cold_side == RS_SIDE_ITEM ? u : i, &o);
        feature_vector(feats, cold_side, cold_side == RS_SIDE_ITEM ? i : u, d, x);
        add_outer(A, b, x, r - base[o], d);
        lo = r < lo ? r : lo;
        hi = r > hi ? r : hi;
    }
    *why = "singular system";
    if (ridge_solve(A, b, d, 100.0, w) != 0)
        goto done;
    /* Stage 2: per other id, a response to the features on what is left. */
    for (size_t j = 0; j < n_train; j++) {
        int64_t u, i;
        float r;
        int32_t o;
        rs_dataset_get_rating(train, j, &u, &i, &r, NULL);
        rs_dataset_id_to_index(train, other_side, cold_side == RS_SIDE_ITEM ? u : i, &o);
        feature_vector(feats, cold_side, cold_side == RS_SIDE_ITEM ? i : u, d, x);
        add_outer(Ao + (size_t)o * dd, bo + (size_t)o * (size_t)d, x, r - base[o] - dot(x, w, d), d);
    }
    for (size_t l = 0; l < n; l++) {
        for (size_t o = 0; o < n_other; o++)
            if (ridge_solve(Ao + o * dd, bo + o * (size_t)d, d, lambdas[l], theta + o * (size_t)d) != 0)
                goto done;
        double se = 0;
        size_t n_test = rs_dataset_num_ratings(test);
        for (size_t j = 0; j < n_test; j++) {
            int64_t u, i;
            float r;
            int32_t o;
            rs_dataset_get_rating(test, j, &u, &i, &r, NULL);
            int64_t other = cold_side == RS_SIDE_ITEM ? u : i;
            feature_vector(feats, cold_side, cold_side == RS_SIDE_ITEM ? i : u, d, x);
            int known = rs_dataset_id_to_index(train, other_side, other, &o) == RS_OK;
            double y = (known ? base[o] : base_of(fallback, cold_side, other)) + dot(x, w, d);
            if (known)
                y += dot(x, theta + (size_t)o * (size_t)d, d);
            y = y < lo ? lo : y > hi ? hi : y;
            se += (r - y) * (r - y);
        }
        rmse_out[l] = sqrt(se / (double)n_test);
    }
    rc = 0;
done:
    free(A);
    free(b);
    free(Ao);
    free(bo);
    free(theta);
    free(base);
    return rc;
}

/* librecsgd tests. SPDX-License-Identifier: BSD-2-Clause
 * synth.h: deterministic synthetic rating data with a known low-rank
 * structure: r = 3 + b_u + b_i + <p_u, q_i> + N(0, noise^2), a random
 * `density` share of the user x item grid observed. Uses only the public API. */
#ifndef RS_TESTS_SYNTH_H
#define RS_TESTS_SYNTH_H

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <librecsgd/recsgd.h>

typedef struct synth_rng {
    uint64_t s;
} synth_rng;

static inline uint64_t synth_next(synth_rng *r)
{
    uint64_t z = (r->s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}
static inline double synth_uniform(synth_rng *r) { return (double)(synth_next(r) >> 11) * 0x1.0p-53; }
static inline double synth_normal(synth_rng *r)
{
    double u1 = synth_uniform(r), u2 = synth_uniform(r);
    if (u1 < 1e-300)
        u1 = 1e-300;
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

#define SYNTH_ITEM_TAGS 20
#define SYNTH_USER_GROUPS 8

/* Item i carries two of SYNTH_ITEM_TAGS tags and its factors and bias are the
 * sum of its tags' (so item features explain items completely); user u
 * belongs to one of SYNTH_USER_GROUPS groups, which sets half of its factors. */
static inline void synth_tags(int i, int tags[2])
{
    tags[0] = i % SYNTH_ITEM_TAGS;
    tags[1] = (i * 7 + 3) % SYNTH_ITEM_TAGS;
    if (tags[1] == tags[0])
        tags[1] = (tags[0] + 1) % SYNTH_ITEM_TAGS;
}

/* Declare the features and give every user and item of ds its feature row. */
static inline int synth_features(rs_dataset *ds, int users, int items)
{
    char name[32];
    for (int t = 0; t < SYNTH_ITEM_TAGS; t++) {
        snprintf(name, sizeof name, "tag=%d", t);
        if (rs_dataset_add_feature(ds, RS_SIDE_ITEM, name, NULL) != RS_OK)
            return -1;
    }
    for (int g = 0; g < SYNTH_USER_GROUPS; g++) {
        snprintf(name, sizeof name, "group=%d", g);
        if (rs_dataset_add_feature(ds, RS_SIDE_USER, name, NULL) != RS_OK)
            return -1;
    }
    for (int i = 0; i < items; i++) {
        int tags[2];
        synth_tags(i, tags);
        int32_t f[2] = {tags[0], tags[1]};
        if (rs_dataset_set_features(ds, RS_SIDE_ITEM, 1000000 + i, f, NULL, 2) != RS_OK)
            return -1;
    }
    for (int u = 0; u < users; u++) {
        int32_t f = u % SYNTH_USER_GROUPS;
        if (rs_dataset_set_features(ds, RS_SIDE_USER, u + 1, &f, NULL, 1) != RS_OK)
            return -1;
    }
    return 0;
}

/* Fill train and test (either may be NULL) with the observed cells; a cell
 * goes to test with probability test_share. Ids are 1-based (user u -> u + 1,
 * item i -> 1000000 + i) so dense indices and ids differ. train also gets the
 * user and item features. Returns the number of ratings generated, or 0 on
 * failure. */
static inline size_t synth_make(rs_dataset *train, rs_dataset *test, int users, int items,
                                int rank, double density, double noise, double test_share,
                                uint64_t seed)
{
    synth_rng rng = {seed};
    double *P = malloc(sizeof(double) * (size_t)users * (size_t)rank);
    double *Q = malloc(sizeof(double) * (size_t)items * (size_t)rank);
    double *bu = malloc(sizeof(double) * (size_t)users);
    double *bi = malloc(sizeof(double) * (size_t)items);
    size_t n = 0;
    if (!P || !Q || !bu || !bi)
        goto out;
    double E[SYNTH_ITEM_TAGS][16], G[SYNTH_USER_GROUPS][16], c[SYNTH_ITEM_TAGS];
    if (rank > 16)
        goto out;
    for (int t = 0; t < SYNTH_ITEM_TAGS; t++) {
        for (int k = 0; k < rank; k++)
            E[t][k] = synth_normal(&rng) * 0.42;
        c[t] = synth_normal(&rng) * 0.2;
    }
    for (int g = 0; g < SYNTH_USER_GROUPS; g++)
        for (int k = 0; k < rank; k++)
            G[g][k] = synth_normal(&rng) * 0.42;
    for (int u = 0; u < users; u++)
        for (int k = 0; k < rank; k++)
            P[u * rank + k] = G[u % SYNTH_USER_GROUPS][k] + synth_normal(&rng) * 0.42;
    for (int i = 0; i < items; i++) {
        int tags[2];
        synth_tags(i, tags);
        for (int k = 0; k < rank; k++)
            Q[i * rank + k] = E[tags[0]][k] + E[tags[1]][k];
        bi[i] = c[tags[0]] + c[tags[1]];
    }
    for (int u = 0; u < users; u++)
        bu[u] = synth_normal(&rng) * 0.3;
    if (train && synth_features(train, users, items) != 0)
        goto out;
    for (int u = 0; u < users; u++) {
        for (int i = 0; i < items; i++) {
            if (synth_uniform(&rng) >= density)
                continue;
            double r = 3.0 + bu[u] + bi[i];
            for (int k = 0; k < rank; k++)
                r += P[u * rank + k] * Q[i * rank + k];
            r += noise * synth_normal(&rng);
            rs_dataset *dst = synth_uniform(&rng) < test_share ? test : train;
            if (dst && rs_dataset_add_rating(dst, u + 1, 1000000 + i, (float)r, 1.0f) != RS_OK) {
                n = 0;
                goto out;
            }
            n++;
        }
    }
out:
    free(P);
    free(Q);
    free(bu);
    free(bi);
    return n;
}

/* RMSE of the model on the ratings of ds whose user id is above `from`
 * (fallback scores included); INFINITY when a prediction fails. */
static inline double synth_rmse_users_above(const rs_model *m, const rs_dataset *ds, int64_t from)
{
    size_t n = 0;
    double se = 0;
    for (size_t j = 0; j < rs_dataset_num_ratings(ds); j++) {
        int64_t u, i;
        float r, w, y = 0;
        rs_dataset_get_rating(ds, j, &u, &i, &r, &w);
        if (u <= from)
            continue;
        rs_status st = rs_predict(m, u, i, &y);
        if (st != RS_OK && st != RS_FALLBACK)
            return INFINITY;
        se += ((double)r - y) * ((double)r - y);
        n++;
    }
    return n ? sqrt(se / (double)n) : NAN;
}

/* RMSE of the model on every rating of ds (fallback scores included). */
static inline double synth_rmse(const rs_model *m, const rs_dataset *ds)
{
    return synth_rmse_users_above(m, ds, INT64_MIN);
}

#endif

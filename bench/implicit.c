/* librecsgd benchmarks. SPDX-License-Identifier: BSD-2-Clause
 * implicit.c: implicit-feedback mode on the five MovieLens 100K folds. The
 * positives are the training ratings >= 4 (the rating itself is dropped);
 * a collaborative model with RS_PARAM_IMPLICIT = 1 ranks items, and top-10
 * lists (every item the user rated in training excluded) are scored against
 * the test ratings >= 4: precision@10 and recall@10. Compared with the
 * most-popular-items baseline (most positives in training) and with the
 * explicit-rating model's top-10. Exits 77 when the data is absent. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <librecsgd/recsgd.h>
#include "ml_ratings.h"

#define K 10

typedef struct scores {
    double p, r;
    size_t users;
} scores;

/* Score one user's list against their relevant test items. */
static void score(scores *s, const int64_t *top, size_t got, const rating *test, size_t nt, int64_t u)
{
    size_t rel = 0, hits = 0;
    for (size_t j = 0; j < nt; j++)
        if (test[j].u == u && test[j].r >= 4.0f) {
            rel++;
            for (size_t k = 0; k < got; k++)
                hits += top[k] == test[j].i;
        }
    if (rel == 0)
        return;
    s->p += (double)hits / K;
    s->r += (double)hits / (double)rel;
    s->users++;
}

int main(int argc, char **argv)
{
    const char *env = getenv("RS_DATA_DIR");
    const char *dir = env && *env ? env : "../shared/data";
    int64_t negatives = argc > 1 ? atoll(argv[1]) : 4;
    double sum[3][2] = {{0, 0}, {0, 0}, {0, 0}};
    int folds = 0;
    for (int fold = 1; fold <= 5; fold++) {
        char path[4096];
        size_t nb, nt;
        snprintf(path, sizeof path, "%s/ml-100k/u%d.base", dir, fold);
        rating *base = read_all(path, &nb);
        snprintf(path, sizeof path, "%s/ml-100k/u%d.test", dir, fold);
        rating *test = read_all(path, &nt);
        if (!base || !test) {
            printf("implicit: SKIP: MovieLens 100K not found under %s (set RS_DATA_DIR)\n", dir);
            return 77;
        }
        rs_dataset *pos, *expl;
        rs_dataset_new(&pos, NULL, NULL);
        rs_dataset_new(&expl, NULL, NULL);
        int64_t max_item = 0, max_user = 0;
        for (size_t j = 0; j < nb; j++) {
            if (base[j].r >= 4.0f)
                rs_dataset_add_rating(pos, base[j].u, base[j].i, 1.0f, 1.0f);
            rs_dataset_add_rating(expl, base[j].u, base[j].i, base[j].r, 1.0f);
            if (base[j].i > max_item)
                max_item = base[j].i;
            if (base[j].u > max_user)
                max_user = base[j].u;
        }
        rs_model *im, *em;
        rs_model_new(&im, RS_SCORER_COLLABORATIVE, NULL, NULL);
        rs_model_set_int(im, RS_PARAM_IMPLICIT, 1);
        rs_model_set_int(im, RS_PARAM_NEGATIVES, negatives);
        rs_model_set_int(im, RS_PARAM_EPOCHS, 30);
        rs_model_set_int(im, RS_PARAM_FACTORS, 64);
        rs_model_set_double(im, RS_PARAM_LEARNING_RATE, 0.02);
        rs_model_set_double(im, RS_PARAM_INIT_SCALE, 0.05);
        rs_model_set_double(im, RS_PARAM_L2_FACTORS, 0.02);
        rs_model_set_double(im, RS_PARAM_TOLERANCE, 0.0);
        if (rs_fit(im, pos, NULL) != RS_OK) {
            fprintf(stderr, "implicit: %s\n", rs_model_last_error(im));
            return 1;
        }
        rs_model_new(&em, RS_SCORER_COLLABORATIVE, NULL, NULL);
        if (rs_fit(em, expl, NULL) != RS_OK)
            return 1;
        /* popularity: positives per item */
        double *pop = calloc((size_t)max_item + 1, sizeof *pop);
        for (size_t j = 0; j < nb; j++)
            if (base[j].r >= 4.0f)
                pop[base[j].i] += 1.0;
        scores s[3] = {{0, 0, 0}, {0, 0, 0}, {0, 0, 0}};
        int64_t *block = malloc(nb * sizeof *block);
        for (int64_t u = 1; u <= max_user; u++) {
            size_t nbk = 0;
            for (size_t j = 0; j < nb; j++)
                if (base[j].u == u)
                    block[nbk++] = base[j].i;
            if (nbk == 0)
                continue;
            int64_t top[K];
            size_t got;
            /* implicit model: every training item of the user blocked */
            if (rs_topk(im, u, K, 0, block, nbk, NULL, 0, top, NULL, &got) == RS_OK)
                score(&s[0], top, got, test, nt, u);
            if (rs_topk(em, u, K, 0, NULL, 0, NULL, 0, top, NULL, &got) == RS_OK)
                score(&s[1], top, got, test, nt, u);
            /* most popular items the user has not rated */
            got = 0;
            for (size_t k = 0; k < K; k++) {
                int64_t best = -1;
                for (int64_t it = 1; it <= max_item; it++) {
                    int skip = 0;
                    for (size_t b = 0; b < nbk && !skip; b++)
                        skip = block[b] == it;
                    for (size_t t = 0; t < got && !skip; t++)
                        skip = top[t] == it;
                    if (!skip && (best < 0 || pop[it] > pop[best]))
                        best = it;
                }
                top[got++] = best;
            }
            score(&s[2], top, got, test, nt, u);
        }
        static const char *names[3] = {"implicit", "explicit", "popular"};
        printf("fold=%d", fold);
        for (int k = 0; k < 3; k++) {
            double p = s[k].p / (double)s[k].users, r = s[k].r / (double)s[k].users;
            sum[k][0] += p;
            sum[k][1] += r;
            printf(" %s_precision@10=%.4f %s_recall@10=%.4f", names[k], p, names[k], r);
        }
        printf("\n");
        fflush(stdout);
        folds++;
        free(block);
        free(pop);
        free(base);
        free(test);
        rs_model_free(im);
        rs_model_free(em);
        rs_dataset_free(pos);
        rs_dataset_free(expl);
    }
    printf("implicit: folds=%d mean_implicit_precision@10=%.4f mean_implicit_recall@10=%.4f "
           "mean_explicit_precision@10=%.4f mean_popular_precision@10=%.4f mean_popular_recall@10=%.4f "
           "implicit_over_popular=%.2f\n",
           folds, sum[0][0] / folds, sum[0][1] / folds, sum[1][0] / folds, sum[2][0] / folds,
           sum[2][1] / folds, sum[0][0] / sum[2][0]);
    return 0;
}

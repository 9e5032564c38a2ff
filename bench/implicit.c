/* librecsgd benchmarks. SPDX-License-Identifier: BSD-2-Clause
 * implicit.c: implicit-feedback mode on the five MovieLens 100K folds. The
 * positives are the training ratings >= 4 (the rating itself is dropped);
 * a collaborative model with RS_PARAM_IMPLICIT = 1 and otherwise the
 * library's defaults (implicit mode has its own, docs/guide/tuning.md) ranks
 * items. Scored by rs_model_evaluate_ranking against the test ratings >= 4,
 * every item the user rated in training excluded (the explicit training set
 * is passed as the exclusion dataset): precision, recall, NDCG and MAP at
 * 10, and AUC. Compared with the most-popular-items baseline (most
 * positives in training; scored here, it is not a model) and with the
 * explicit-rating model's ranking.
 *
 *   implicit [--fold N] [--param name=value ...]
 *
 * --param overrides a model parameter of the implicit model. Exits 77 when
 * the data is absent. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <librecsgd/recsgd.h>
#include "ml_ratings.h"
#include "set_param.h"

#define K 10

static int n_overrides;
static const char *overrides[32];

static void apply_overrides(rs_model *m)
{
    for (int k = 0; k < n_overrides; k++)
        if (set_param(m, overrides[k]) != RS_OK) {
            fprintf(stderr, "implicit: --param %s: %s\n", overrides[k], rs_model_last_error(m));
            exit(2);
        }
}

typedef struct pop_scores {
    double p, r, ndcg;
    size_t users;
} pop_scores;


/* Most popular items first (positives in training, ties by the smaller id). */
static const double *g_pop;
static int by_pop(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    if (g_pop[x] != g_pop[y])
        return g_pop[x] > g_pop[y] ? -1 : 1;
    return (x > y) - (x < y);
}

/* The baseline: each user's K most popular items not rated in training,
 * scored with the definitions of docs/guide/evaluation.md. */
static pop_scores popular(const rating *base, size_t nb, const rating *test, size_t nt,
                          int64_t max_user, int64_t max_item)
{
    pop_scores s = {0, 0, 0, 0};
    double *pop = calloc((size_t)max_item + 1, sizeof *pop);
    int64_t *order = malloc(((size_t)max_item + 1) * sizeof *order);
    unsigned char *mark = calloc((size_t)max_item + 1, 1);
    size_t n_items = 0;
    for (size_t j = 0; j < nb; j++)
        if (base[j].r >= 4.0f)
            pop[base[j].i] += 1.0;
    unsigned char *known = calloc((size_t)max_item + 1, 1);
    for (size_t j = 0; j < nb; j++)
        known[base[j].i] = 1;
    for (int64_t it = 0; it <= max_item; it++)
        if (known[it])
            order[n_items++] = it;
    g_pop = pop;
    qsort(order, n_items, sizeof *order, by_pop);
    for (int64_t u = 1; u <= max_user; u++) {
        size_t rel = 0;
        for (size_t j = 0; j < nt; j++)
            if (test[j].u == u && test[j].r >= 4.0f && test[j].i <= max_item)
                rel += !(mark[test[j].i] & 2), mark[test[j].i] |= 2;
            else if (test[j].u == u && test[j].r >= 4.0f)
                rel++;
        if (rel == 0)
            continue;
        for (size_t j = 0; j < nb; j++)
            if (base[j].u == u)
                mark[base[j].i] |= 1;
        double hits = 0, dcg = 0, idcg = 0;
        size_t pos = 0;
        for (size_t x = 0; x < n_items && pos < K; x++) {
            if (mark[order[x]] & 1)
                continue;
            if (mark[order[x]] & 2) {
                hits++;
                dcg += 1.0 / log2((double)pos + 2.0);
            }
            pos++;
        }
        for (size_t r = 0; r < K && r < rel; r++)
            idcg += 1.0 / log2((double)r + 2.0);
        s.p += hits / K;
        s.r += hits / (double)rel;
        s.ndcg += dcg / idcg;
        s.users++;
        memset(mark, 0, (size_t)max_item + 1);
    }
    s.p /= (double)s.users, s.r /= (double)s.users, s.ndcg /= (double)s.users;
    free(pop), free(order), free(mark), free(known);
    return s;
}

static void eval(const rs_model *m, const rs_dataset *test, const rs_dataset *exclude, double *v)
{
    size_t n;
    if (rs_model_evaluate_ranking(m, test, exclude, NULL, 0, K, 4.0, 0, v, RS_METRIC_COUNT_V0_2,
                                  &n) != RS_OK) {
        fprintf(stderr, "implicit: evaluation failed\n");
        exit(1);
    }
}

int main(int argc, char **argv)
{
    int fold_from = 1, fold_to = 5;
    for (int k = 1; k < argc; k++) {
        if (strcmp(argv[k], "--param") == 0 && k + 1 < argc && n_overrides < 32)
            overrides[n_overrides++] = argv[++k];
        else if (strcmp(argv[k], "--fold") == 0 && k + 1 < argc && atoi(argv[k + 1]) >= 1 &&
                 atoi(argv[k + 1]) <= 5)
            fold_from = fold_to = atoi(argv[++k]);
        else {
            fprintf(stderr, "usage: implicit [--fold N] [--param name=value ...]\n");
            return 2;
        }
    }
    const char *env = getenv("RS_DATA_DIR");
    const char *dir = env && *env ? env : "../shared/data";
    double sum[2][5] = {{0}}, psum[3] = {0};
    int folds = 0;
    int64_t epochs_used = 0;
    for (int fold = fold_from; fold <= fold_to; fold++) {
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
        rs_dataset *pos, *expl, *te;
        rs_dataset_new(&pos, NULL, NULL);
        rs_dataset_new(&expl, NULL, NULL);
        rs_dataset_new(&te, NULL, NULL);
        int64_t max_item = 0, max_user = 0;
        for (size_t j = 0; j < nb; j++) {
            if (base[j].r >= 4.0f)
                rs_dataset_add_rating(pos, base[j].u, base[j].i, 1.0f, 1.0f);
            rs_dataset_add_rating(expl, base[j].u, base[j].i, base[j].r, 1.0f);
            max_item = base[j].i > max_item ? base[j].i : max_item;
            max_user = base[j].u > max_user ? base[j].u : max_user;
        }
        for (size_t j = 0; j < nt; j++)
            rs_dataset_add_rating(te, test[j].u, test[j].i, test[j].r, 1.0f);
        rs_model *im, *em;
        rs_model_new(&im, RS_SCORER_COLLABORATIVE, NULL, NULL);
        rs_model_set_int(im, RS_PARAM_IMPLICIT, 1);
        apply_overrides(im);
        if (rs_fit(im, pos, NULL) != RS_OK) {
            fprintf(stderr, "implicit: %s\n", rs_model_last_error(im));
            return 1;
        }
        epochs_used += (int64_t)rs_model_num_epoch_stats(im);
        rs_model_new(&em, RS_SCORER_COLLABORATIVE, NULL, NULL);
        if (rs_fit(em, expl, NULL) != RS_OK)
            return 1;
        double v[2][RS_METRIC_COUNT_V0_2];
        eval(im, te, expl, v[0]);
        eval(em, te, NULL, v[1]);
        pop_scores ps = popular(base, nb, test, nt, max_user, max_item);
        static const char *names[2] = {"implicit", "explicit"};
        static const int32_t metric[5] = {RS_METRIC_PRECISION, RS_METRIC_RECALL, RS_METRIC_NDCG,
                                          RS_METRIC_MAP, RS_METRIC_AUC};
        printf("fold=%d", fold);
        for (int k = 0; k < 2; k++) {
            printf(" %s_precision@10=%.4f %s_recall@10=%.4f %s_ndcg@10=%.4f %s_map@10=%.4f %s_auc=%.4f",
                   names[k], v[k][RS_METRIC_PRECISION], names[k], v[k][RS_METRIC_RECALL], names[k],
                   v[k][RS_METRIC_NDCG], names[k], v[k][RS_METRIC_MAP], names[k], v[k][RS_METRIC_AUC]);
            for (int x = 0; x < 5; x++)
                sum[k][x] += v[k][metric[x]];
        }
        printf(" popular_precision@10=%.4f popular_recall@10=%.4f popular_ndcg@10=%.4f users=%.0f "
               "implicit_epochs=%zu\n",
               ps.p, ps.r, ps.ndcg, v[0][RS_METRIC_USERS], rs_model_num_epoch_stats(im));
        psum[0] += ps.p, psum[1] += ps.r, psum[2] += ps.ndcg;
        fflush(stdout);
        folds++;
        free(base);
        free(test);
        rs_model_free(im);
        rs_model_free(em);
        rs_dataset_free(pos);
        rs_dataset_free(expl);
        rs_dataset_free(te);
    }
    printf("implicit: folds=%d mean_implicit_precision@10=%.4f mean_implicit_recall@10=%.4f "
           "mean_implicit_ndcg@10=%.4f mean_implicit_map@10=%.4f mean_implicit_auc=%.4f "
           "mean_explicit_precision@10=%.4f mean_explicit_ndcg@10=%.4f mean_explicit_auc=%.4f "
           "mean_popular_precision@10=%.4f mean_popular_recall@10=%.4f mean_popular_ndcg@10=%.4f "
           "implicit_over_popular=%.2f mean_implicit_epochs=%.1f\n",
           folds, sum[0][0] / folds, sum[0][1] / folds, sum[0][2] / folds, sum[0][3] / folds,
           sum[0][4] / folds, sum[1][0] / folds, sum[1][2] / folds, sum[1][4] / folds,
           psum[0] / folds, psum[1] / folds, psum[2] / folds, sum[0][0] / psum[0],
           (double)epochs_used / folds);
    return 0;
}

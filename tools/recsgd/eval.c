/* recsgd command-line tool. SPDX-License-Identifier: BSD-2-Clause
 * eval.c: `recsgd eval`: accuracy of a saved model on a rating file.
 * RMSE and MAE are computed exactly as bench/ml100k does (rs_predict per
 * pair, float score, double accumulation in file order, fallback scores
 * included), so the two print the same figures for the same model and data.
 * The ranking metrics follow bench/ml100k too: per user with at least one
 * relevant item (rating >= the threshold), rs_topk(k) with the training items
 * excluded, precision = hits / k, recall = hits / relevant, NDCG with binary
 * gains, averaged over those users. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

typedef struct eval_opts {
    const char *model, *data;
    int32_t format;
    int64_t k;
    double threshold;
    int json;
} eval_opts;

typedef struct accuracy {
    double rmse, mae;
    size_t n, fallbacks, skipped;
} accuracy;

typedef struct ranking {
    double precision, recall, ndcg;
    size_t users;
} ranking;

/* A relevant (test user index, item) pair; sorted for binary search. */
typedef struct pair {
    int32_t user;
    int64_t item;
} pair;

static int parse_args(int argc, char **argv, eval_opts *o)
{
    memset(o, 0, sizeof *o);
    o->format = CLI_FORMAT_AUTO;
    o->k = 10;
    o->threshold = 4.0;
    cli_args a;
    cli_args_init(&a, argc, argv, 1);
    while (cli_args_more(&a)) {
        int rc = 0;
        if (cli_args_value(&a, "--model", "-m"))
            o->model = a.val;
        else if (cli_args_value(&a, "--data", NULL))
            o->data = a.val;
        else if (cli_args_value(&a, "--format", NULL))
            rc = a.bad ? 0 : cli_parse_format(a.opt, a.val, &o->format);
        else if (cli_args_value(&a, "--k", "-k"))
            rc = a.bad ? 0 : cli_parse_int(a.opt, a.val, 1, &o->k);
        else if (cli_args_value(&a, "--relevance", NULL))
            rc = a.bad ? 0 : cli_parse_real(a.opt, a.val, &o->threshold);
        else if (cli_args_flag(&a, "--json"))
            o->json = 1;
        else if (cli_args_positional(&a))
            return cli_fail(CLI_USAGE, "eval: unexpected argument '%s'", argv[a.i - 1]);
        if (rc)
            return rc;
    }
    if (a.bad)
        return CLI_USAGE;
    if (!o->model)
        return cli_fail(CLI_USAGE, "eval: --model FILE is required");
    if (!o->data)
        return cli_fail(CLI_USAGE, "eval: --data FILE is required");
    if (o->k > 100000)
        return cli_fail(CLI_USAGE, "-k: '%lld' is too large (at most 100000)", (long long)o->k);
    return 0;
}

static accuracy score_pairs(const rs_model *m, const rs_dataset *te)
{
    accuracy acc = {0, 0, 0, 0, 0};
    double se = 0, ae = 0;
    size_t n = rs_dataset_num_ratings(te);
    for (size_t j = 0; j < n; j++) {
        int64_t u, i;
        float r, y;
        rs_dataset_get_rating(te, j, &u, &i, &r, NULL);
        rs_status ps = rs_predict(m, u, i, &y);
        if (ps == RS_FALLBACK)
            acc.fallbacks++;
        else if (ps != RS_OK) {
            /* Only a model saved with cold_start = error gets here. */
            acc.skipped++;
            continue;
        }
        se += ((double)r - y) * ((double)r - y);
        ae += fabs((double)r - y);
        acc.n++;
    }
    acc.rmse = acc.n ? sqrt(se / (double)acc.n) : NAN;
    acc.mae = acc.n ? ae / (double)acc.n : NAN;
    return acc;
}

static int pair_cmp(const void *a, const void *b)
{
    const pair *x = a, *y = b;
    if (x->user != y->user)
        return x->user < y->user ? -1 : 1;
    return x->item < y->item ? -1 : x->item > y->item;
}

static int is_relevant(const pair *rel, size_t lo, size_t hi, int32_t user, int64_t item)
{
    pair key = {user, item};
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = pair_cmp(&rel[mid], &key);
        if (c == 0)
            return 1;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

static int rank_users(const rs_model *m, const rs_dataset *te, size_t k, double threshold,
                      ranking *out)
{
    memset(out, 0, sizeof *out);
    size_t n = rs_dataset_num_ratings(te), nu = rs_dataset_num_users(te);
    pair *rel = malloc((n ? n : 1) * sizeof *rel);
    size_t *start = calloc(nu + 1, sizeof *start);
    int64_t *top = malloc(k * sizeof *top);
    if (!rel || !start || !top) {
        free(rel);
        free(start);
        free(top);
        return cli_fail(CLI_ERR, "out of memory");
    }
    size_t nrel = 0;
    for (size_t j = 0; j < n; j++) {
        int64_t u, i;
        int32_t ui;
        float r;
        rs_dataset_get_rating(te, j, &u, &i, &r, NULL);
        if (r < threshold)
            continue;
        rs_dataset_id_to_index(te, RS_SIDE_USER, u, &ui);
        rel[nrel++] = (pair){ui, i};
    }
    qsort(rel, nrel, sizeof *rel, pair_cmp);
    for (size_t j = 0; j < nrel; j++)
        start[rel[j].user + 1]++;
    for (size_t u = 0; u < nu; u++)
        start[u + 1] += start[u];
    for (size_t ui = 0; ui < nu; ui++) {
        size_t cnt = start[ui + 1] - start[ui];
        if (cnt == 0)
            continue;
        int64_t uid;
        rs_dataset_index_to_id(te, RS_SIDE_USER, (int32_t)ui, &uid);
        size_t got = 0;
        rs_status st = rs_topk(m, uid, k, 0, NULL, 0, NULL, 0, top, NULL, &got);
        if (st != RS_OK && st != RS_FALLBACK)
            continue;
        double hits = 0, dcg = 0, idcg = 0;
        for (size_t r = 0; r < got; r++)
            if (is_relevant(rel, start[ui], start[ui + 1], (int32_t)ui, top[r])) {
                hits += 1;
                dcg += 1.0 / log2((double)r + 2.0);
            }
        for (size_t r = 0; r < k && r < cnt; r++)
            idcg += 1.0 / log2((double)r + 2.0);
        out->precision += hits / (double)k;
        out->recall += hits / (double)cnt;
        out->ndcg += dcg / idcg;
        out->users++;
    }
    if (out->users) {
        out->precision /= (double)out->users;
        out->recall /= (double)out->users;
        out->ndcg /= (double)out->users;
    }
    free(rel);
    free(start);
    free(top);
    return 0;
}

static void print_results(const eval_opts *o, const accuracy *acc, const ranking *rk)
{
    char name[64];
    if (o->json) {
        cli_json j;
        cli_json_begin(&j, stdout);
        cli_json_str(&j, "command", "eval");
        cli_json_str(&j, "model", o->model);
        cli_json_str(&j, "data", o->data);
        cli_json_int(&j, "ratings", (int64_t)acc->n);
        cli_json_int(&j, "fallbacks", (int64_t)acc->fallbacks);
        cli_json_int(&j, "skipped", (int64_t)acc->skipped);
        cli_json_num(&j, "rmse", acc->rmse);
        cli_json_num(&j, "mae", acc->mae);
        cli_json_int(&j, "k", o->k);
        cli_json_num(&j, "relevance", o->threshold);
        cli_json_int(&j, "ranked_users", (int64_t)rk->users);
        snprintf(name, sizeof name, "precision@%lld", (long long)o->k);
        cli_json_num(&j, name, rk->users ? rk->precision : NAN);
        snprintf(name, sizeof name, "recall@%lld", (long long)o->k);
        cli_json_num(&j, name, rk->users ? rk->recall : NAN);
        snprintf(name, sizeof name, "ndcg@%lld", (long long)o->k);
        cli_json_num(&j, name, rk->users ? rk->ndcg : NAN);
        cli_json_end(&j);
        return;
    }
    printf("ratings       %zu (fallbacks %zu, skipped %zu)\n", acc->n, acc->fallbacks,
           acc->skipped);
    printf("rmse          %.4f\n", acc->rmse);
    printf("mae           %.4f\n", acc->mae);
    printf("ranked users  %zu (with a rating >= %g)\n", rk->users, o->threshold);
    if (rk->users) {
        snprintf(name, sizeof name, "precision@%lld", (long long)o->k);
        printf("%-13s %.4f\n", name, rk->precision);
        snprintf(name, sizeof name, "recall@%lld", (long long)o->k);
        printf("%-13s %.4f\n", name, rk->recall);
        snprintf(name, sizeof name, "ndcg@%lld", (long long)o->k);
        printf("%-13s %.4f\n", name, rk->ndcg);
    }
}

int cli_eval(int argc, char **argv)
{
    eval_opts o;
    int rc = parse_args(argc, argv, &o);
    if (rc)
        return rc;
    rs_model *m = NULL;
    rs_dataset *te = NULL;
    if ((rc = cli_load_model(&m, o.model)) != 0 || (rc = cli_load_ratings(&te, o.data, o.format)) != 0)
        goto out;
    accuracy acc = score_pairs(m, te);
    ranking rk;
    if ((rc = rank_users(m, te, (size_t)o.k, o.threshold, &rk)) != 0)
        goto out;
    print_results(&o, &acc, &rk);
    if (acc.n == 0)
        rc = cli_fail(CLI_ERR, "%s: the model could score none of the ratings", o.data);
out:
    rs_model_free(m);
    rs_dataset_free(te);
    return rc;
}

int cli_eval_check_args(int argc, char **argv)
{
    eval_opts o;
    return parse_args(argc, argv, &o);
}

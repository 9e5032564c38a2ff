/* recsgd command-line tool. SPDX-License-Identifier: BSD-2-Clause
 * eval.c: `recsgd eval`: accuracy of a saved model on a rating file. It
 * prints what the library's evaluation API returns
 * (rs_model_evaluate_ratings, rs_model_evaluate_ranking; formulas in
 * docs/guide/evaluation.md) and computes nothing itself, so its figures are
 * the ones bench/ml100k and every other caller of the API get for the same
 * model and data. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

enum {
    O_MODEL = 1, O_DATA, O_RATING, O_RANKING, O_K, O_RELEVANCE, O_SEEN, O_EXCLUDE, O_CANDIDATES,
    O_JSON
};

static const cli_opt eval_table[] = {
    {O_MODEL, "model", 'm', "FILE", "the model file (required)", NULL, 0},
    {O_DATA, "data", 'd', "FILE", "the test ratings (required; read with the model's kind of ids)",
     NULL, 0},
    CLI_DATA_OPT_ROWS,
    {O_RATING, "rating", 0, NULL, "only the rating metrics (RMSE, MAE)", "both kinds", 0},
    {O_RANKING, "ranking", 0, NULL, "only the ranking metrics (precision ... AUC)", "both kinds",
     0},
    {O_K, "k", 'k', "N", "cut-off of the ranking metrics", "10, range 1 to 100000", 0},
    {O_RELEVANCE, "relevance", 0, "X", "a test rating >= X is relevant", "4", 0},
    {O_SEEN, "include-seen", 0, NULL,
     "keep the items each user rated in training among the candidates", "left out", 0},
    {O_EXCLUDE, "exclude-ratings", 0, "FILE",
     "ratings whose (user, item) pairs are never candidates, e.g. a validation set (read like "
     "--data)",
     "none", 0},
    {O_CANDIDATES, "candidates", 0, "I1,I2,...",
     "rank only these items (repeatable; unknown ids are ignored), e.g. the cold items of a "
     "cold-start protocol",
     "every item of the model", 0},
    {O_JSON, "json", 0, NULL, "print one JSON object (the figures with 17 significant digits)",
     NULL, 0},
    {0, NULL, 0, NULL, NULL, NULL, 0}};

void cli_eval_help(FILE *f)
{
    cli_help(f, "recsgd eval --model M --data FILE [OPTIONS]",
             "Accuracy of a saved model on a ratings file, as the library's evaluation API "
             "computes it: RMSE and MAE of its predictions, and ranking metrics at k "
             "(precision, recall, NDCG, MAP, hit rate; AUC over all candidates) over the users "
             "with a relevant rating.",
             eval_table);
}

typedef struct eval_opts {
    const char *model, *data, *exclude;
    cli_data_opts d;
    int64_t k;
    double threshold;
    int rating, ranking, include_seen, json;
    char *candidates; /* comma-separated, every --candidates joined */
} eval_opts;

static int eval_option(void *ud, const cli_opt *o, const char *v)
{
    eval_opts *e = ud;
    int rc = 0;
    if (cli_data_option(&e->d, o, v, &rc))
        return rc;
    switch (o->id) {
    case O_MODEL: e->model = v; break;
    case O_DATA: e->data = v; break;
    case O_RATING: e->rating = 1; break;
    case O_RANKING: e->ranking = 1; break;
    case O_K: return cli_parse_int("-k", v, 1, &e->k);
    case O_RELEVANCE: return cli_parse_real("--relevance", v, &e->threshold);
    case O_SEEN: e->include_seen = 1; break;
    case O_EXCLUDE: e->exclude = v; break;
    case O_CANDIDATES: return cli_list_append(&e->candidates, v);
    case O_JSON: e->json = 1; break;
    default: break;
    }
    return 0;
}

/* On failure o->candidates is freed. */
static int parse_args(int argc, char **argv, eval_opts *o)
{
    memset(o, 0, sizeof *o);
    cli_data_opts d = CLI_DATA_OPTS_INIT;
    o->d = d;
    o->k = 10;
    o->threshold = 4.0;
    int rc = cli_parse_options(argc, argv, eval_table, eval_option, o);
    if (!rc && !o->model)
        rc = cli_fail(CLI_USAGE, "eval: --model FILE is required");
    if (!rc && !o->data)
        rc = cli_fail(CLI_USAGE, "eval: --data FILE is required");
    if (!rc && o->k > 100000)
        rc = cli_fail(CLI_USAGE, "-k: '%lld' is too large (at most 100000)", (long long)o->k);
    if (!rc && o->rating && o->ranking)
        rc = cli_fail(CLI_USAGE, "eval: --rating and --ranking exclude each other (give neither "
                                 "for both kinds of metrics)");
    if (!rc && o->rating && (o->include_seen || o->exclude || o->candidates))
        rc = cli_fail(CLI_USAGE, "eval: --include-seen, --exclude-ratings and --candidates "
                                 "choose the ranking's candidates; --rating prints no ranking");
    if (rc) {
        free(o->candidates);
        o->candidates = NULL;
    }
    return rc;
}

/* The --candidates list as the model's int64 ids (string ids through
 * rs_model_id_from_str, which gives a key even for an unknown string). */
static int candidate_ids(const rs_model *m, char *list, int64_t **ids, size_t *n)
{
    *ids = NULL;
    *n = 0;
    if (!list)
        return 0;
    if (!rs_model_has_string_ids(m))
        return cli_parse_id_list("--candidates", list, ids, n);
    const char **names;
    size_t count;
    int rc = cli_list_split(list, &names, &count);
    int64_t *v = rc ? NULL : malloc((count ? count : 1) * sizeof *v);
    if (!rc && !v)
        rc = cli_fail(CLI_ERR, "out of memory");
    for (size_t k = 0; !rc && k < count; k++) {
        rs_status st = rs_model_id_from_str(m, RS_SIDE_ITEM, names[k], &v[k]);
        if (st != RS_OK && st != RS_ERR_UNKNOWN_ID)
            rc = cli_fail(CLI_USAGE, "--candidates: '%s' is not an item id (1 to %d bytes)",
                          names[k], (int)RS_STR_ID_MAX);
    }
    free(names);
    if (rc) {
        free(v);
        return rc;
    }
    *ids = v;
    *n = count;
    return 0;
}

/* One "name@k" label. */
static const char *at_k(char *buf, size_t cap, const char *name, int64_t k)
{
    snprintf(buf, cap, "%s@%lld", name, (long long)k);
    return buf;
}

/* The ranking means, in RS_METRIC_* order; at_k: labelled name@k. */
static const struct {
    int32_t metric;
    const char *name;
    int at_k;
} RANK[] = {{RS_METRIC_PRECISION, "precision", 1}, {RS_METRIC_RECALL, "recall", 1},
            {RS_METRIC_NDCG, "ndcg", 1},           {RS_METRIC_MAP, "map", 1},
            {RS_METRIC_HIT_RATE, "hit_rate", 1},   {RS_METRIC_AUC, "auc", 0}};

static void print_json(const eval_opts *o, const double *v)
{
    char name[64];
    cli_json j;
    cli_json_begin(&j, stdout);
    cli_json_str(&j, "command", "eval");
    cli_json_str(&j, "model", o->model);
    cli_json_str(&j, "data", o->data);
    if (!o->ranking) {
        cli_json_int(&j, "ratings", (int64_t)v[RS_METRIC_SCORED]);
        cli_json_int(&j, "fallbacks", (int64_t)v[RS_METRIC_FALLBACKS]);
        cli_json_int(&j, "skipped", (int64_t)v[RS_METRIC_UNSCORED]);
        cli_json_exact(&j, "rmse", v[RS_METRIC_RMSE]);
        cli_json_exact(&j, "mae", v[RS_METRIC_MAE]);
    }
    if (!o->rating) {
        cli_json_int(&j, "k", o->k);
        cli_json_num(&j, "relevance", o->threshold);
        cli_json_bool(&j, "include_seen", o->include_seen);
        cli_json_int(&j, "ranked_users", (int64_t)v[RS_METRIC_USERS]);
        cli_json_int(&j, "users_without_relevant", (int64_t)v[RS_METRIC_USERS_SKIPPED]);
        cli_json_int(&j, "fallback_users", (int64_t)v[RS_METRIC_USERS_FALLBACK]);
        cli_json_int(&j, "unranked_users", (int64_t)v[RS_METRIC_USERS_UNRANKED]);
        cli_json_int(&j, "auc_users", (int64_t)v[RS_METRIC_AUC_USERS]);
        for (size_t r = 0; r < sizeof RANK / sizeof RANK[0]; r++)
            cli_json_exact(&j,
                           RANK[r].at_k ? at_k(name, sizeof name, RANK[r].name, o->k)
                                        : RANK[r].name,
                           v[RANK[r].metric]);
    }
    cli_json_end(&j);
}

static void print_text(const eval_opts *o, const double *v)
{
    char name[64];
    if (!o->ranking) {
        printf("ratings       %.0f (fallbacks %.0f, skipped %.0f)\n", v[RS_METRIC_SCORED],
               v[RS_METRIC_FALLBACKS], v[RS_METRIC_UNSCORED]);
        printf("rmse          %.4f\n", v[RS_METRIC_RMSE]);
        printf("mae           %.4f\n", v[RS_METRIC_MAE]);
    }
    if (o->rating)
        return;
    double users = v[RS_METRIC_USERS];
    printf("ranked users  %.0f (with a rating >= %g; %.0f without one left out)\n", users,
           o->threshold, v[RS_METRIC_USERS_SKIPPED]);
    if (v[RS_METRIC_USERS_FALLBACK] > 0 || v[RS_METRIC_USERS_UNRANKED] > 0)
        printf("unknown users %.0f ranked by the fallback, %.0f left out (cold_start error)\n",
               v[RS_METRIC_USERS_FALLBACK], v[RS_METRIC_USERS_UNRANKED]);
    if (users > 0)
        for (size_t r = 0; r < sizeof RANK / sizeof RANK[0]; r++)
            printf("%-13s %.4f\n",
                   RANK[r].at_k ? at_k(name, sizeof name, RANK[r].name, o->k) : RANK[r].name,
                   v[RANK[r].metric]);
    if (users > 0 && v[RS_METRIC_AUC_USERS] < users)
        printf("auc users     %.0f (the others have no relevant or no irrelevant candidate)\n",
               v[RS_METRIC_AUC_USERS]);
}

static int evaluate(const eval_opts *o, const rs_model *m, const rs_dataset *te,
                    const rs_dataset *ex, const int64_t *cand, size_t n_cand, double *v)
{
    size_t n;
    rs_status st = RS_OK;
    if (!o->ranking)
        st = rs_model_evaluate_ratings(m, te, v, RS_METRIC_COUNT_V0_2, &n);
    if (st == RS_OK && !o->rating)
        st = rs_model_evaluate_ranking(m, te, ex, o->candidates ? cand : NULL, n_cand, (size_t)o->k,
                                       o->threshold, o->include_seen ? RS_EVAL_INCLUDE_SEEN : 0, v,
                                       RS_METRIC_COUNT_V0_2, &n);
    if (st != RS_OK)
        return cli_fail(cli_status_code(st), "eval: %s", rs_status_string(st));
    return 0;
}

int cli_eval(int argc, char **argv)
{
    eval_opts o;
    int rc = parse_args(argc, argv, &o);
    if (rc)
        return rc;
    rs_model *m = NULL;
    rs_dataset *te = NULL, *ex = NULL;
    int64_t *cand = NULL;
    size_t n_cand = 0;
    if ((rc = cli_load_model(&m, o.model)) != 0 ||
        (rc = cli_load_ratings_with(&te, o.data, &o.d)) != 0 ||
        (o.exclude && (rc = cli_load_ratings_with(&ex, o.exclude, &o.d)) != 0) ||
        (rc = candidate_ids(m, o.candidates, &cand, &n_cand)) != 0)
        goto out;
    /* An empty but given list ranks nothing: never pass NULL for it. */
    int64_t none = 0;
    double v[RS_METRIC_COUNT_V0_2];
    if ((rc = evaluate(&o, m, te, ex, cand ? cand : &none, n_cand, v)) != 0)
        goto out;
    if (o.json)
        print_json(&o, v);
    else
        print_text(&o, v);
    if (!o.ranking && v[RS_METRIC_SCORED] == 0)
        rc = cli_fail(CLI_ERR, "%s: the model could score none of the ratings", o.data);
out:
    rs_model_free(m);
    rs_dataset_free(te);
    rs_dataset_free(ex);
    free(cand);
    free(o.candidates);
    return rc;
}

int cli_eval_check_args(int argc, char **argv)
{
    eval_opts o;
    int rc = parse_args(argc, argv, &o);
    free(o.candidates);
    return rc;
}

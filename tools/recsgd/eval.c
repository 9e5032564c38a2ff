/* recsgd command-line tool. SPDX-License-Identifier: BSD-2-Clause
 * eval.c: `recsgd eval`: accuracy of a saved model on a rating file. It
 * prints what the library's evaluation API returns
 * (rs_model_evaluate_ratings, rs_model_evaluate_ranking; formulas in
 * docs/guide/evaluation.md), so its figures are the ones bench/ml100k and
 * every other caller of the API get for the same model and data. */
#include <string.h>

#include "cli.h"

typedef struct eval_opts {
    const char *model, *data;
    int32_t format;
    int64_t k;
    double threshold;
    int json;
} eval_opts;

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

/* One "name@k" label. */
static const char *at_k(char *buf, size_t cap, const char *name, int64_t k)
{
    snprintf(buf, cap, "%s@%lld", name, (long long)k);
    return buf;
}

static void print_results(const eval_opts *o, const double *v)
{
    static const struct {
        int32_t metric;
        const char *name;
        int at_k;
    } RANK[] = {{RS_METRIC_PRECISION, "precision", 1}, {RS_METRIC_RECALL, "recall", 1},
                {RS_METRIC_NDCG, "ndcg", 1},           {RS_METRIC_MAP, "map", 1},
                {RS_METRIC_HIT_RATE, "hit_rate", 1},   {RS_METRIC_AUC, "auc", 0}};
    char name[64];
    double users = v[RS_METRIC_USERS];
    if (o->json) {
        cli_json j;
        cli_json_begin(&j, stdout);
        cli_json_str(&j, "command", "eval");
        cli_json_str(&j, "model", o->model);
        cli_json_str(&j, "data", o->data);
        cli_json_int(&j, "ratings", (int64_t)v[RS_METRIC_SCORED]);
        cli_json_int(&j, "fallbacks", (int64_t)v[RS_METRIC_FALLBACKS]);
        cli_json_int(&j, "skipped", (int64_t)v[RS_METRIC_UNSCORED]);
        cli_json_num(&j, "rmse", v[RS_METRIC_RMSE]);
        cli_json_num(&j, "mae", v[RS_METRIC_MAE]);
        cli_json_int(&j, "k", o->k);
        cli_json_num(&j, "relevance", o->threshold);
        cli_json_int(&j, "ranked_users", (int64_t)users);
        cli_json_int(&j, "users_without_relevant", (int64_t)v[RS_METRIC_USERS_SKIPPED]);
        cli_json_int(&j, "fallback_users", (int64_t)v[RS_METRIC_USERS_FALLBACK]);
        for (size_t r = 0; r < sizeof RANK / sizeof RANK[0]; r++)
            cli_json_num(&j, RANK[r].at_k ? at_k(name, sizeof name, RANK[r].name, o->k) : RANK[r].name,
                         v[RANK[r].metric]);
        cli_json_end(&j);
        return;
    }
    printf("ratings       %.0f (fallbacks %.0f, skipped %.0f)\n", v[RS_METRIC_SCORED],
           v[RS_METRIC_FALLBACKS], v[RS_METRIC_UNSCORED]);
    printf("rmse          %.4f\n", v[RS_METRIC_RMSE]);
    printf("mae           %.4f\n", v[RS_METRIC_MAE]);
    printf("ranked users  %.0f (with a rating >= %g; %.0f without one left out)\n", users,
           o->threshold, v[RS_METRIC_USERS_SKIPPED]);
    if (users > 0)
        for (size_t r = 0; r < sizeof RANK / sizeof RANK[0]; r++)
            printf("%-13s %.4f\n",
                   RANK[r].at_k ? at_k(name, sizeof name, RANK[r].name, o->k) : RANK[r].name,
                   v[RANK[r].metric]);
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
    double v[RS_METRIC_COUNT_V0_2];
    size_t n;
    rs_status st = rs_model_evaluate_ratings(m, te, v, RS_METRIC_COUNT_V0_2, &n);
    if (st == RS_OK)
        st = rs_model_evaluate_ranking(m, te, NULL, NULL, 0, (size_t)o.k, o.threshold, 0, v,
                                       RS_METRIC_COUNT_V0_2, &n);
    if (st != RS_OK) {
        rc = cli_fail(CLI_ERR, "eval: %s", rs_status_string(st));
        goto out;
    }
    print_results(&o, v);
    if (v[RS_METRIC_SCORED] == 0)
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

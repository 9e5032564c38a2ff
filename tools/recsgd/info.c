/* recsgd command-line tool. SPDX-License-Identifier: BSD-2-Clause
 * info.c: `recsgd info`: what a model file holds: scorer, counts, feature
 * counts and every parameter the library names (rs_param_name over the
 * integer, real and choice ranges), so new parameters appear unaided. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* The model parameter ranges of model.h (100-199 ints, 200-299 reals, 300-399 choices). */
static const struct { rs_param lo, hi; } ranges[] = {{100, 199}, {200, 299}, {300, 399}};

enum { O_MODEL = 1, O_JSON };

static const cli_opt info_table[] = {
    {O_MODEL, "model", 'm', "FILE", "the model file (required)", NULL, 0},
    {O_JSON, "json", 0, NULL, "print one JSON object", NULL, 0},
    {0, NULL, 0, NULL, NULL, NULL, 0}};

void cli_info_help(FILE *f)
{
    cli_help(f, "recsgd info --model M [--json]",
             "Print what a model file holds: scorer, counts, kind of ids and every parameter.",
             info_table);
}

typedef struct info_opts {
    const char *path;
    int json;
} info_opts;

static int info_option(void *ud, const cli_opt *o, const char *v)
{
    info_opts *io = ud;
    if (o->id == O_MODEL)
        io->path = v;
    else
        io->json = 1;
    return 0;
}

int cli_info(int argc, char **argv)
{
    info_opts io = {NULL, 0};
    int prc = cli_parse_options(argc, argv, info_table, info_option, &io);
    if (prc)
        return prc;
    const char *path = io.path;
    int json = io.json;
    if (!path)
        return cli_fail(CLI_USAGE, "info: --model FILE is required");
    rs_model *m;
    int rc = cli_load_model(&m, path);
    if (rc)
        return rc;
    int64_t scorer = 0;
    rs_model_get_int(m, RS_PARAM_SCORER, &scorer);
    cli_json j;
    if (json) {
        cli_json_begin(&j, stdout);
        cli_json_str(&j, "command", "info");
        cli_json_str(&j, "model", path);
        cli_json_str(&j, "library", rs_version_string());
        cli_json_str(&j, "scorer", cli_scorer_name(scorer));
        cli_json_int(&j, "users", (int64_t)rs_model_num_users(m));
        cli_json_int(&j, "items", (int64_t)rs_model_num_items(m));
        cli_json_str(&j, "ids", rs_model_has_string_ids(m) ? "string" : "int");
        cli_json_int(&j, "user_features", (int64_t)rs_model_num_features(m, RS_SIDE_USER));
        cli_json_int(&j, "item_features", (int64_t)rs_model_num_features(m, RS_SIDE_ITEM));
        cli_json_open(&j, "params", '{');
    } else {
        printf("model          %s\n", path);
        printf("library        %s\n", rs_version_string());
        printf("scorer         %s\n", cli_scorer_name(scorer));
        printf("users          %zu\n", rs_model_num_users(m));
        printf("items          %zu\n", rs_model_num_items(m));
        printf("ids            %s\n", rs_model_has_string_ids(m) ? "string" : "int");
        printf("user features  %zu\n", rs_model_num_features(m, RS_SIDE_USER));
        printf("item features  %zu\n", rs_model_num_features(m, RS_SIDE_ITEM));
        printf("parameters:\n");
    }
    for (size_t r = 0; r < sizeof ranges / sizeof ranges[0]; r++)
        for (rs_param p = ranges[r].lo; p <= ranges[r].hi; p++) {
            const char *name = rs_param_name(p);
            int64_t iv;
            double dv;
            if (!name)
                continue;
            if (rs_model_get_int(m, p, &iv) == RS_OK) {
                const char *choice = cli_choice_name(p, iv);
                if (json && choice)
                    cli_json_str(&j, name, choice);
                else if (json)
                    cli_json_int(&j, name, iv);
                else if (choice)
                    printf("  %-16s %s\n", name, choice);
                else
                    printf("  %-16s %" PRId64 "\n", name, iv);
            } else if (rs_model_get_double(m, p, &dv) == RS_OK) {
                if (json)
                    cli_json_num(&j, name, dv);
                else
                    printf("  %-16s %g\n", name, dv);
            }
        }
    if (json) {
        cli_json_close(&j, '{');
        cli_json_end(&j);
    }
    rs_model_free(m);
    return CLI_OK;
}

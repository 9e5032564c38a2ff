/* recsgd command-line tool. SPDX-License-Identifier: BSD-2-Clause
 * info.c: `recsgd info`: what a model file holds: scorer, counts, feature
 * counts and every parameter the library names (rs_param_name over the
 * integer, real and choice ranges), so new parameters appear unaided. */
#include <inttypes.h>
#include <string.h>

#include "cli.h"

/* The model parameter ranges of model.h (100-199 ints, 200-299 reals, 300-399 choices). */
static const struct { rs_param lo, hi; } ranges[] = {{100, 199}, {200, 299}, {300, 399}};

int cli_info(int argc, char **argv)
{
    const char *path = NULL;
    int json = 0;
    cli_args a;
    cli_args_init(&a, argc, argv, 1);
    while (cli_args_more(&a)) {
        if (cli_args_value(&a, "--model", "-m"))
            path = a.val;
        else if (cli_args_flag(&a, "--json"))
            json = 1;
        else if (cli_args_positional(&a))
            return cli_fail(CLI_USAGE, "info: unexpected argument '%s'", argv[a.i - 1]);
    }
    if (a.bad)
        return CLI_USAGE;
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
        cli_json_int(&j, "user_features", (int64_t)rs_model_num_features(m, RS_SIDE_USER));
        cli_json_int(&j, "item_features", (int64_t)rs_model_num_features(m, RS_SIDE_ITEM));
        cli_json_open(&j, "params", '{');
    } else {
        printf("model          %s\n", path);
        printf("library        %s\n", rs_version_string());
        printf("scorer         %s\n", cli_scorer_name(scorer));
        printf("users          %zu\n", rs_model_num_users(m));
        printf("items          %zu\n", rs_model_num_items(m));
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

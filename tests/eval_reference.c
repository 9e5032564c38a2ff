/* librecsgd. SPDX-License-Identifier: BSD-2-Clause
 * eval_reference.c: the evaluation API's figures for a saved model on a
 * ratings file, printed as "INDEX VALUE" lines (RS_METRIC_* index, %.17g),
 * for tests/check_cli.sh to compare with what `recsgd eval --json` prints.
 * It calls the library directly, with the arguments given here, so a CLI
 * that parsed an option wrongly, passed the wrong flag or printed an entry
 * under the wrong key is caught.
 *
 *   eval_reference MODEL DATA K THRESHOLD INCLUDE_SEEN [EXCLUDE|-] [I1,I2,...|-]
 *
 * DATA and EXCLUDE are read as TSV when they end in .tsv, else as
 * whitespace-separated MovieLens lines. Exit status 0, or 1 on any error. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <librecsgd/recsgd.h>

static rs_dataset *load(const char *path)
{
    rs_dataset *ds = NULL;
    size_t n = strlen(path);
    int32_t format = n > 4 && strcmp(path + n - 4, ".tsv") == 0 ? RS_FORMAT_TSV : RS_FORMAT_MOVIELENS;
    if (rs_dataset_new(&ds, NULL, NULL) != RS_OK || rs_dataset_load_file(ds, path, format) != RS_OK) {
        fprintf(stderr, "eval_reference: cannot load %s: %s\n", path,
                ds ? rs_dataset_last_error(ds) : "no memory");
        rs_dataset_free(ds);
        return NULL;
    }
    return ds;
}

int main(int argc, char **argv)
{
    if (argc < 6 || argc > 8) {
        fprintf(stderr, "usage: %s MODEL DATA K THRESHOLD INCLUDE_SEEN [EXCLUDE|-] [IDS|-]\n", argv[0]);
        return 1;
    }
    rs_model *m = NULL;
    rs_dataset *test = NULL, *exclude = NULL;
    int64_t cand[256];
    size_t n_cand = 0;
    int have_cand = argc > 7 && strcmp(argv[7], "-") != 0, rc = 1;
    char err[256];
    if (rs_model_load_file(&m, argv[1], NULL, NULL, err, sizeof err) != RS_OK) {
        fprintf(stderr, "eval_reference: %s\n", err);
        return 1;
    }
    if (!(test = load(argv[2])))
        goto out;
    if (argc > 6 && strcmp(argv[6], "-") != 0 && !(exclude = load(argv[6])))
        goto out;
    for (char *p = have_cand ? strtok(argv[7], ",") : NULL; p && n_cand < 256; p = strtok(NULL, ","))
        cand[n_cand++] = strtoll(p, NULL, 10);

    double v[RS_METRIC_COUNT_V0_2];
    size_t n1 = 0, n2 = 0;
    rs_status st = rs_model_evaluate_ratings(m, test, v, RS_METRIC_COUNT_V0_2, &n1);
    if (st == RS_OK)
        st = rs_model_evaluate_ranking(m, test, exclude, have_cand ? cand : NULL, n_cand,
                                       (size_t)strtoull(argv[3], NULL, 10), strtod(argv[4], NULL),
                                       atoi(argv[5]) ? RS_EVAL_INCLUDE_SEEN : 0, v,
                                       RS_METRIC_COUNT_V0_2, &n2);
    if (st != RS_OK || n1 + n2 != RS_METRIC_COUNT_V0_2) {
        fprintf(stderr, "eval_reference: %s (%zu + %zu entries)\n", rs_status_string(st), n1, n2);
        goto out;
    }
    for (int k = 0; k < RS_METRIC_COUNT_V0_2; k++)
        printf("%d %.17g\n", k, v[k]);
    rc = 0;
out:
    rs_model_free(m);
    rs_dataset_free(test);
    rs_dataset_free(exclude);
    return rc;
}

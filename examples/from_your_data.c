/* librecsgd. SPDX-License-Identifier: BSD-2-Clause
 * from_your_data.c: from a shop's CSV export to served recommendations
 * (docs/guide/from-your-data.md). The export, data/sample/export.csv, has a
 * header line with its own column names, 36-byte UUIDs for customers, SKUs
 * for products, star ratings and ISO 8601 purchase times. The program
 *   1. loads it with string ids and the columns named by position,
 *   2. holds out every customer's 2 latest purchases (a split by time),
 *   3. fits a model on the rest,
 *   4. measures the RMSE on the held-out purchases (and that of the global
 *      mean, the baseline to beat),
 *   5. recommends 5 products to a customer and names the products most
 *      like the first one, all in the export's own ids,
 *   6. saves the model to memory and loads it back: the ids come along.
 * Usage: from_your_data [DATA_DIR]   (default data/sample) */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <librecsgd/recsgd.h>

static int fail(const char *what, rs_status st, const char *msg)
{
    fprintf(stderr, "%s: %s (%s)\n", what, rs_status_string(st), msg ? msg : "");
    return EXIT_FAILURE;
}

/* RMSE of the model, and of the training mean, on the held-out ratings. */
static void evaluate(const rs_model *m, const rs_dataset *train, const rs_dataset *test,
                     double *rmse, double *baseline)
{
    double mean = 0, se = 0, se0 = 0;
    size_t n_train = rs_dataset_num_ratings(train), n = rs_dataset_num_ratings(test);
    for (size_t k = 0; k < n_train; k++) {
        float r;
        rs_dataset_get_rating(train, k, NULL, NULL, &r, NULL);
        mean += r;
    }
    mean /= (double)n_train;
    for (size_t k = 0; k < n; k++) {
        int64_t user, item; /* the int64 keys of the string ids */
        float r, p;
        rs_dataset_get_rating(test, k, &user, &item, &r, NULL);
        rs_predict(m, user, item, &p); /* RS_OK, or RS_FALLBACK for a product new in the test */
        se += (p - r) * (p - r);
        se0 += (mean - r) * (mean - r);
    }
    *rmse = sqrt(se / (double)n);
    *baseline = sqrt(se0 / (double)n);
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : "data/sample";
    char path[4096];
    snprintf(path, sizeof path, "%s/export.csv", dir);

    /* 1. Load: string ids; the export's column names are its own, so the
     *    columns are given by position (the header line is still detected
     *    and skipped; names such as user/item/rating/timestamp would be
     *    found without this). */
    rs_dataset *all;
    rs_status st = rs_dataset_new(&all, NULL, NULL);
    if (st != RS_OK)
        return fail("rs_dataset_new", st, NULL);
    rs_dataset_set_int(all, RS_PARAM_STRING_IDS, 1);
    rs_dataset_set_int(all, RS_PARAM_CSV_USER_COL, 0);   /* customer_id */
    rs_dataset_set_int(all, RS_PARAM_CSV_ITEM_COL, 1);   /* sku */
    rs_dataset_set_int(all, RS_PARAM_CSV_RATING_COL, 2); /* stars */
    rs_dataset_set_int(all, RS_PARAM_CSV_TIME_COL, 3);   /* purchased_at, ISO 8601 */
    st = rs_dataset_load_file(all, path, RS_FORMAT_CSV);
    if (st == RS_ERR_NOT_BUILT) {
        printf("skipped: built without the file conveniences (--disable-stdio)\n");
        rs_dataset_free(all);
        return EXIT_SUCCESS;
    }
    if (st != RS_OK)
        return fail("load", st, rs_dataset_last_error(all)); /* names the file and line */
    printf("loaded %zu ratings: %zu customers, %zu products, timestamps %s\n",
           rs_dataset_num_ratings(all), rs_dataset_num_users(all), rs_dataset_num_items(all),
           rs_dataset_has_timestamps(all) ? "yes" : "no");

    /* 2. Split by time: every customer's 2 latest purchases are the test. */
    rs_dataset *train, *test;
    st = rs_dataset_split_by_time(all, RS_TIME_SPLIT_LAST_N, 2, &train, &test);
    if (st != RS_OK)
        return fail("rs_dataset_split_by_time", st, NULL);
    printf("split by time: %zu ratings to train on, the %zu latest to test on\n",
           rs_dataset_num_ratings(train), rs_dataset_num_ratings(test));

    /* 3. Fit. */
    rs_model *m;
    if ((st = rs_model_new(&m, RS_SCORER_COLLABORATIVE, NULL, NULL)) != RS_OK)
        return fail("rs_model_new", st, NULL);
    rs_model_set_int(m, RS_PARAM_FACTORS, 8);
    rs_model_set_int(m, RS_PARAM_EPOCHS, 40);
    rs_model_set_double(m, RS_PARAM_LEARNING_RATE, 0.01);
    rs_model_set_double(m, RS_PARAM_L2_FACTORS, 0.1);
    if ((st = rs_fit(m, train, NULL)) != RS_OK)
        return fail("rs_fit", st, rs_model_last_error(m));

    /* 4. Evaluate on the held-out, later purchases. */
    double rmse, baseline;
    evaluate(m, train, test, &rmse, &baseline);
    printf("test RMSE %.4f (the training mean scores %.4f)\n", rmse, baseline);

    /* 5. Serve in the export's ids: a customer's 5 best products. */
    char customer[RS_STR_ID_MAX + 1];
    size_t len;
    rs_dataset_index_to_id_str(all, RS_SIDE_USER, 0, customer, sizeof customer, &len);
    char ids[5 * (RS_STR_ID_MAX + 1)];
    size_t offsets[5], n = 0;
    float scores[5];
    st = rs_topk_str(m, customer, 5, 0, NULL, 0, NULL, 0, ids, sizeof ids, offsets, scores, &n);
    if (st != RS_OK && st != RS_FALLBACK)
        return fail("rs_topk_str", st, NULL);
    printf("top %zu for customer %s:\n", n, customer);
    for (size_t k = 0; k < n; k++)
        printf("  %zu. %s  %.3f\n", k + 1, ids + offsets[k], scores[k]);
    char like[5 * (RS_STR_ID_MAX + 1)];
    size_t like_off[3], n_like = 0;
    if (n > 0 && rs_similar_items_str(m, ids + offsets[0], 3, like, sizeof like, like_off, NULL,
                                      &n_like) == RS_OK) {
        printf("products most like %s:", ids + offsets[0]);
        for (size_t k = 0; k < n_like; k++)
            printf(" %s", like + like_off[k]);
        printf("\n");
    }

    /* 6. Save and load: the string ids are saved with the model. */
    size_t size = 0;
    rs_model_save_buffer(m, NULL, 0, &size, NULL, 0); /* asks for the size */
    unsigned char *blob = malloc(size);
    rs_model *back = NULL;
    char msg[256];
    if (!blob || (st = rs_model_save_buffer(m, blob, size, &size, msg, sizeof msg)) != RS_OK ||
        (st = rs_model_load_buffer(&back, blob, size, NULL, NULL, msg, sizeof msg)) != RS_OK)
        return fail("save and load", st, msg);
    char ids2[5 * (RS_STR_ID_MAX + 1)];
    size_t offsets2[5], n2 = 0;
    rs_topk_str(back, customer, 5, 0, NULL, 0, NULL, 0, ids2, sizeof ids2, offsets2, NULL, &n2);
    int same = n2 == n;
    for (size_t k = 0; same && k < n; k++)
        same = strcmp(ids + offsets[k], ids2 + offsets2[k]) == 0;
    printf("saved (%zu bytes) and loaded: string ids %s, top %zu %s\n", size,
           rs_model_has_string_ids(back) ? "kept" : "lost", n, same ? "identical" : "DIFFERENT");

    free(blob);
    rs_model_free(back);
    rs_model_free(m);
    rs_dataset_free(train);
    rs_dataset_free(test);
    rs_dataset_free(all);
    return same ? EXIT_SUCCESS : EXIT_FAILURE;
}

/* librecsgd tests. SPDX-License-Identifier: BSD-2-Clause
 * check_api_experimental.c: the experimental zone, black box.
 * rs_exp_model_memory_bytes must equal what a counting allocator holding only
 * that model shows in use, after every kind of call: creation, rs_fit of each
 * scorer, scoring (whose scratch is freed again), saving and loading,
 * rs_partial_fit, fold-in and new ids with features. */
#define RS_ENABLE_EXPERIMENTAL 1
#include <librecsgd/experimental.h>

#include <check.h>
#include <stdlib.h>

#include "synth.h"
#include "testutil.h"

/* The model's bytes by its own account, checked against the allocator. */
#define ck_assert_model_bytes(m, t)                                                          \
    do {                                                                                     \
        size_t got_ = 0;                                                                     \
        ck_assert_int_eq(rs_exp_model_memory_bytes((m), &got_), RS_OK);                      \
        ck_assert_uint_eq(got_, (t)->live_bytes);                                            \
        ck_assert_uint_eq((t)->bad_osize, 0);                                                \
    } while (0)

static int32_t scorer_of(int k)
{
    static const int32_t kinds[] = {RS_SCORER_COLLABORATIVE, RS_SCORER_CONTENT, RS_SCORER_HYBRID};
    return kinds[k];
}

static int scorer_built(int32_t kind)
{
    uint32_t f = rs_build_features();
    return kind == RS_SCORER_COLLABORATIVE || (kind == RS_SCORER_CONTENT && (f & RS_FEATURE_CONTENT)) ||
           (kind == RS_SCORER_HYBRID && (f & RS_FEATURE_HYBRID));
}

START_TEST(test_memory_bytes_rejects_null)
{
    size_t n = 123;
    ck_assert_int_eq(rs_exp_model_memory_bytes(NULL, &n), RS_ERR_INVALID_ARG);
    ck_assert_uint_eq(n, 0);
    rs_model *m = NULL;
    ck_assert_int_eq(rs_model_new(&m, RS_SCORER_COLLABORATIVE, NULL, NULL), RS_OK);
    ck_assert_int_eq(rs_exp_model_memory_bytes(m, NULL), RS_ERR_INVALID_ARG);
    rs_model_free(m);
}
END_TEST

/* One scorer through the whole life of a model (_i: the scorer). */
START_TEST(test_memory_bytes_match_the_allocator)
{
    int32_t kind = scorer_of(_i);
    if (!scorer_built(kind))
        return;
    rs_dataset *train = NULL, *more = NULL;
    ck_assert_int_eq(rs_dataset_new(&train, NULL, NULL), RS_OK);
    ck_assert_int_eq(rs_dataset_new(&more, NULL, NULL), RS_OK);
    ck_assert_uint_gt(synth_make(train, more, 60, 40, 3, 0.4, 0.1, 0.2, 7), 0);

    tu_alloc t = {0};
    rs_model *m = NULL;
    ck_assert_int_eq(rs_model_new(&m, kind, tu_alloc_fn, &t), RS_OK);
    ck_assert_model_bytes(m, &t);
    size_t empty = t.live_bytes;
    ck_assert_int_eq(rs_model_set_int(m, RS_PARAM_FACTORS, 8), RS_OK);
    ck_assert_int_eq(rs_model_set_int(m, RS_PARAM_EPOCHS, 5), RS_OK);
    ck_assert_int_eq(rs_fit(m, train, NULL), RS_OK);
    ck_assert_model_bytes(m, &t);
    ck_assert_uint_gt(t.live_bytes, empty);

    /* Scoring allocates scratch and frees it again. */
    float s;
    int64_t items[10], users[3] = {1, 2, 3};
    float scores[30];
    int64_t batch_items[30];
    size_t n, counts[3];
    ck_assert_int_eq(rs_predict(m, 1, 1000001, &s), RS_OK);
    ck_assert_int_eq(rs_topk(m, 1, 10, 0, NULL, 0, NULL, 0, items, scores, &n), RS_OK);
    ck_assert_int_eq(rs_topk_batch(m, users, 3, 10, 0, batch_items, scores, counts), RS_OK);
    ck_assert_int_eq(rs_similar_items(m, 1000001, 5, items, scores, &n), RS_OK);
    ck_assert_model_bytes(m, &t);

    /* Saved and loaded: the loaded model's own count. */
    size_t size = 0;
    ck_assert_int_eq(rs_model_save_buffer(m, NULL, 0, &size, NULL, 0), RS_ERR_RANGE);
    void *blob = malloc(size);
    ck_assert_ptr_nonnull(blob);
    ck_assert_int_eq(rs_model_save_buffer(m, blob, size, &size, NULL, 0), RS_OK);
    tu_alloc t2 = {0};
    rs_model *m2 = NULL;
    ck_assert_int_eq(rs_model_load_buffer(&m2, blob, size, tu_alloc_fn, &t2, NULL, 0), RS_OK);
    ck_assert_model_bytes(m2, &t2);
    free(blob);
    rs_model_free(m2);
    ck_assert_uint_eq(t2.live_bytes, 0);

    /* Growth: online updates, fold-in of a new user and item, new ids with features. */
    ck_assert_int_eq(rs_partial_fit(m, more, NULL), RS_OK);
    ck_assert_model_bytes(m, &t);
    int64_t fold_items[3] = {1000001, 1000002, 1000003};
    float fold_r[3] = {4, 2, 5};
    ck_assert_int_eq(rs_fold_in_user(m, 777, fold_items, fold_r, 3), RS_OK);
    int64_t fold_users[2] = {1, 2};
    /* the content scorer has no item factors to fold in (RS_ERR_STATE, documented) */
    ck_assert_int_eq(rs_fold_in_item(m, 2000001, fold_users, fold_r, 2),
                     kind == RS_SCORER_CONTENT ? RS_ERR_STATE : RS_OK);
    ck_assert_model_bytes(m, &t);
    if (kind != RS_SCORER_COLLABORATIVE) {
        int32_t f[2] = {1, 2};
        ck_assert_int_eq(rs_model_set_features(m, RS_SIDE_ITEM, 3000001, f, NULL, 2), RS_OK);
        ck_assert_model_bytes(m, &t);
    }

    /* A second fit replaces the state. */
    ck_assert_int_eq(rs_fit(m, train, NULL), RS_OK);
    ck_assert_model_bytes(m, &t);
    rs_model_free(m);
    ck_assert_uint_eq(t.live_bytes, 0);
    rs_dataset_free(train);
    rs_dataset_free(more);
}
END_TEST

/* The int8 serving copy of the item vectors is counted too. */
START_TEST(test_memory_bytes_count_the_serving_copy)
{
    rs_dataset *train = NULL;
    ck_assert_int_eq(rs_dataset_new(&train, NULL, NULL), RS_OK);
    ck_assert_uint_gt(synth_make(train, NULL, 50, 300, 3, 0.3, 0.1, 0.0, 5), 0);
    tu_alloc t = {0};
    rs_model *m = NULL;
    ck_assert_int_eq(rs_model_new(&m, RS_SCORER_COLLABORATIVE, tu_alloc_fn, &t), RS_OK);
    ck_assert_int_eq(rs_model_set_int(m, RS_PARAM_FACTORS, 16), RS_OK);
    ck_assert_int_eq(rs_model_set_int(m, RS_PARAM_EPOCHS, 2), RS_OK);
    ck_assert_int_eq(rs_fit(m, train, NULL), RS_OK);
    size_t plain = 0;
    ck_assert_int_eq(rs_exp_model_memory_bytes(m, &plain), RS_OK);
    ck_assert_int_eq(rs_model_set_int(m, RS_PARAM_SERVE_QUANTIZED, RS_QUANT_INT8), RS_OK);
    ck_assert_model_bytes(m, &t);
    size_t quantized = 0;
    ck_assert_int_eq(rs_exp_model_memory_bytes(m, &quantized), RS_OK);
    ck_assert_uint_gt(quantized, plain + 300 * 16); /* at least a byte per item value */
    int64_t items[10];
    float scores[10];
    size_t n;
    ck_assert_int_eq(rs_topk(m, 1, 10, 0, NULL, 0, NULL, 0, items, scores, &n), RS_OK);
    ck_assert_int_eq(rs_fold_in_item(m, 7000001, (int64_t[]){1, 2}, (float[]){4, 2}, 2), RS_OK);
    ck_assert_model_bytes(m, &t);
    rs_model_free(m);
    ck_assert_uint_eq(t.live_bytes, 0);
    rs_dataset_free(train);
}
END_TEST

/* More factors hold more bytes: the count follows the parameters. */
START_TEST(test_memory_bytes_grow_with_factors)
{
    rs_dataset *train = NULL;
    ck_assert_int_eq(rs_dataset_new(&train, NULL, NULL), RS_OK);
    ck_assert_uint_gt(synth_make(train, NULL, 50, 30, 3, 0.5, 0.1, 0.0, 3), 0);
    size_t bytes[2];
    for (int k = 0; k < 2; k++) {
        tu_alloc t = {0};
        rs_model *m = NULL;
        ck_assert_int_eq(rs_model_new(&m, RS_SCORER_COLLABORATIVE, tu_alloc_fn, &t), RS_OK);
        ck_assert_int_eq(rs_model_set_int(m, RS_PARAM_FACTORS, k ? 64 : 8), RS_OK);
        ck_assert_int_eq(rs_model_set_int(m, RS_PARAM_EPOCHS, 2), RS_OK);
        ck_assert_int_eq(rs_fit(m, train, NULL), RS_OK);
        ck_assert_model_bytes(m, &t);
        ck_assert_int_eq(rs_exp_model_memory_bytes(m, &bytes[k]), RS_OK);
        rs_model_free(m);
    }
    /* (50 + 30) rows of 64 instead of 16 padded floats: at least 80 * 48 * 4 bytes more */
    ck_assert_uint_ge(bytes[1], bytes[0] + 80 * 48 * sizeof(float));
    rs_dataset_free(train);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("check_api_experimental");
    TCase *tc = tcase_create("memory_bytes");
    tcase_add_test(tc, test_memory_bytes_rejects_null);
    tcase_add_loop_test(tc, test_memory_bytes_match_the_allocator, 0, 3);
    tcase_add_test(tc, test_memory_bytes_grow_with_factors);
    tcase_add_test(tc, test_memory_bytes_count_the_serving_copy);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

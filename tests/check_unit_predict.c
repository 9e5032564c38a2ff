/* librecsgd. SPDX-License-Identifier: BSD-2-Clause
 * check_unit_predict.c: white-box tests of rs_predict and rs_predict_batch on
 * hand-built models (serve_fixture.h): known pairs, clamping, the cold-start
 * fallback chain, RS_COLD_START_ERROR, argument and state errors. */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "serve_fixture.h"
#include "core/inflight.h"

static float clamp15(double s) { return (float)(s < 1.0 ? 1.0 : s > 5.0 ? 5.0 : s); }

START_TEST(test_predict_known_pairs_match_scorer)
{
    rs_model *m = fx_model(12, 40, 16, 3, 1, 0);
    for (size_t u = 0; u < 12; u++)
        for (size_t i = 0; i < 40; i++) {
            float s = -1;
            ck_assert_int_eq(rs_predict(m, FX_USER_ID(u), FX_ITEM_ID(i), &s), RS_OK);
            ck_assert_float_eq(s, clamp15(fx_ref_score(m, (int32_t)u, i)));
        }
    rs_model_free(m);
}
END_TEST

START_TEST(test_predict_clamps_only_when_asked)
{
    rs_model *m = fx_model(2, 3, 4, 1, 1, 0);
    rs__block *ib = fx_block(m, RS__ROLE_ITEM_BIAS);
    rs__block *Q = fx_block(m, RS__ROLE_ITEM_FACTORS);
    memset(Q->data, 0, Q->rows * Q->stride * sizeof(float));
    rs__block *ub = fx_block(m, RS__ROLE_USER_BIAS);
    ub->data[0] = 0.0f;
    ib->data[0] = 3.0f;  /* 3.5 + 3 = 6.5 > 5 */
    ib->data[1] = -3.0f; /* 0.5 < 1 */
    ib->data[2] = 0.25f; /* 3.75 inside */
    float s;
    ck_assert_int_eq(rs_predict(m, FX_USER_ID(0), FX_ITEM_ID(0), &s), RS_OK);
    ck_assert_float_eq(s, 5.0f);
    ck_assert_int_eq(rs_predict(m, FX_USER_ID(0), FX_ITEM_ID(1), &s), RS_OK);
    ck_assert_float_eq(s, 1.0f);
    ck_assert_int_eq(rs_predict(m, FX_USER_ID(0), FX_ITEM_ID(2), &s), RS_OK);
    ck_assert_float_eq(s, 3.75f);
    /* the fallback chain is clamped too */
    ck_assert_int_eq(rs_predict(m, FX_UNKNOWN_ID, FX_ITEM_ID(0), &s), RS_FALLBACK);
    ck_assert_float_eq(s, 5.0f);
    ck_assert_int_eq(rs_model_set_int(m, RS_PARAM_CLAMP, 0), RS_OK);
    ck_assert_int_eq(rs_predict(m, FX_USER_ID(0), FX_ITEM_ID(0), &s), RS_OK);
    ck_assert_float_eq(s, 6.5f);
    ck_assert_int_eq(rs_predict(m, FX_USER_ID(0), FX_ITEM_ID(1), &s), RS_OK);
    ck_assert_float_eq(s, 0.5f);
    rs_model_free(m);
}
END_TEST

START_TEST(test_predict_fallback_chain_values)
{
    rs_model *m = fx_model(4, 5, 4, 7, 1, 0);
    ck_assert_int_eq(rs_model_set_int(m, RS_PARAM_CLAMP, 0), RS_OK);
    const rs__block *ub = fx_block(m, RS__ROLE_USER_BIAS), *ib = fx_block(m, RS__ROLE_ITEM_BIAS);
    float s = -1;
    /* both unknown: the global mean */
    ck_assert_int_eq(rs_predict(m, FX_UNKNOWN_ID, FX_UNKNOWN_ID - 1, &s), RS_FALLBACK);
    ck_assert_float_eq(s, 3.5f);
    for (size_t i = 0; i < 5; i++) {
        /* unknown user, known item: mean + item bias */
        ck_assert_int_eq(rs_predict(m, FX_UNKNOWN_ID, FX_ITEM_ID(i), &s), RS_FALLBACK);
        ck_assert_float_eq(s, 3.5f + ib->data[i]);
    }
    for (size_t u = 0; u < 4; u++) {
        /* known user, unknown item: mean + user bias */
        ck_assert_int_eq(rs_predict(m, FX_USER_ID(u), FX_UNKNOWN_ID, &s), RS_FALLBACK);
        ck_assert_float_eq(s, 3.5f + ub->data[u]);
    }
    rs_model_free(m);
}
END_TEST

START_TEST(test_predict_cold_start_error)
{
    rs_model *m = fx_model(2, 2, 4, 7, 1, 0);
    ck_assert_int_eq(rs_model_set_int(m, RS_PARAM_COLD_START, RS_COLD_START_ERROR), RS_OK);
    float s = 9;
    ck_assert_int_eq(rs_predict(m, FX_UNKNOWN_ID, FX_ITEM_ID(0), &s), RS_ERR_UNKNOWN_ID);
    ck_assert_int_eq(rs_predict(m, FX_USER_ID(0), FX_UNKNOWN_ID, &s), RS_ERR_UNKNOWN_ID);
    ck_assert_int_eq(rs_predict(m, FX_UNKNOWN_ID, FX_UNKNOWN_ID, &s), RS_ERR_UNKNOWN_ID);
    ck_assert_int_eq(rs_predict(m, FX_USER_ID(1), FX_ITEM_ID(1), &s), RS_OK);
    rs_model_free(m);
}
END_TEST

START_TEST(test_predict_unfitted_and_invalid_args)
{
    rs_model *m = NULL;
    float s = 1;
    ck_assert_int_eq(rs_model_new(&m, RS_SCORER_COLLABORATIVE, NULL, NULL), RS_OK);
    ck_assert_int_eq(rs_predict(m, 1, 2, &s), RS_ERR_STATE);
    int64_t u[2] = {1, 2}, i[2] = {3, 4};
    float out[2] = {7, 7};
    rs_status st[2] = {RS_OK, RS_OK};
    ck_assert_int_eq(rs_predict_batch(m, u, i, 2, out, st), RS_ERR_STATE);
    ck_assert_int_eq(st[0], RS_ERR_STATE);
    ck_assert_float_eq(out[1], 0.0f);
    ck_assert_int_eq(rs_predict(NULL, 1, 2, &s), RS_ERR_INVALID_ARG);
    rs_model_free(m);

    m = fx_model(2, 2, 4, 7, 1, 0);
    ck_assert_int_eq(rs_predict(m, FX_USER_ID(0), FX_ITEM_ID(0), NULL), RS_ERR_INVALID_ARG);
    ck_assert_int_eq(rs_predict_batch(NULL, u, i, 2, out, st), RS_ERR_INVALID_ARG);
    ck_assert_int_eq(rs_predict_batch(m, NULL, i, 2, out, st), RS_ERR_INVALID_ARG);
    ck_assert_int_eq(rs_predict_batch(m, u, NULL, 2, out, st), RS_ERR_INVALID_ARG);
    ck_assert_int_eq(rs_predict_batch(m, u, i, 2, NULL, st), RS_ERR_INVALID_ARG);
    ck_assert_int_eq(rs_predict_batch(m, NULL, NULL, 0, NULL, NULL), RS_OK);
    rs_model_free(m);
}
END_TEST

START_TEST(test_predict_batch_equals_single)
{
    rs_model *m = fx_model(20, 30, 8, 13, 0, 0);
    size_t n = 200;
    int64_t users[200], items[200];
    float out[200];
    rs_status st[200];
    uint64_t s = 99;
    for (size_t j = 0; j < n; j++) {
        users[j] = j % 23 == 4 ? FX_UNKNOWN_ID : FX_USER_ID(fx_range(&s, 0, 19));
        items[j] = j % 29 == 6 ? FX_UNKNOWN_ID : FX_ITEM_ID(fx_range(&s, 0, 29));
    }
    ck_assert_int_eq(rs_predict_batch(m, users, items, n, out, st), RS_FALLBACK);
    for (size_t j = 0; j < n; j++) {
        float one;
        rs_status r = rs_predict(m, users[j], items[j], &one);
        ck_assert_int_eq(st[j], r);
        ck_assert_float_eq(out[j], one);
    }
    /* all known: RS_OK, and status_out may be NULL */
    ck_assert_int_eq(rs_predict_batch(m, users, items, 4, out, NULL), RS_OK);

    /* with RS_COLD_START_ERROR the first per-pair error is returned and the
     * failed pairs score 0 */
    ck_assert_int_eq(rs_model_set_int(m, RS_PARAM_COLD_START, RS_COLD_START_ERROR), RS_OK);
    ck_assert_int_eq(rs_predict_batch(m, users, items, n, out, st), RS_ERR_UNKNOWN_ID);
    ck_assert_int_eq(st[4], RS_ERR_UNKNOWN_ID);
    ck_assert_float_eq(out[4], 0.0f);
    ck_assert_int_eq(st[0], RS_OK);
    rs_model_free(m);
}
END_TEST

/* The scorer's own predict() serves known pairs, whatever the scorer kind. */
static float half_predict(const rs__weights *w, int32_t u, int32_t i)
{
    return rs__collaborative_ops.predict(w, u, i) * 0.5f;
}

START_TEST(test_predict_uses_scorer_ops)
{
    static rs__scorer_ops ops;
    ops = rs__collaborative_ops;
    ops.kind = RS_SCORER_HYBRID;
    ops.predict = half_predict;
    rs_model *m = fx_model(3, 3, 4, 2, 1, 0);
    ck_assert_int_eq(rs_model_set_int(m, RS_PARAM_CLAMP, 0), RS_OK);
    m->ops = &ops;
    float s;
    ck_assert_int_eq(rs_predict(m, FX_USER_ID(2), FX_ITEM_ID(1), &s), RS_OK);
    ck_assert_float_eq(s, (float)fx_ref_score(m, 2, 1) * 0.5f);
    rs_model_free(m);
}
END_TEST

START_TEST(test_predict_does_not_modify_model)
{
    rs_model *m = fx_model(3, 3, 4, 2, 1, 0);
    strcpy(m->err.msg, "sentinel");
    rs_model before;
    memcpy(&before, m, sizeof before);
    float s, out[2];
    int64_t u[2] = {FX_USER_ID(0), FX_UNKNOWN_ID}, i[2] = {FX_ITEM_ID(0), FX_ITEM_ID(1)};
    rs_predict(m, FX_USER_ID(0), FX_ITEM_ID(0), &s);
    rs_predict(m, FX_UNKNOWN_ID, FX_ITEM_ID(0), &s);
    rs_predict_batch(m, u, i, 2, out, NULL);
    ck_assert_int_eq(memcmp(&before, m, sizeof before), 0);
    ck_assert_str_eq(rs_model_last_error(m), "sentinel");
    rs_model_free(m);
}
END_TEST

/* The misuse check (core/inflight.h) in both of its fence modes: with
 * membarrier(2) (the mode rs_model_new picks on Linux) and with readers
 * fencing themselves (kernels without it: forced here), an exclusive call
 * in flight turns rs_predict away, and a shared call in flight turns an
 * exclusive call away with a message; once both are over, both work. */
START_TEST(test_predict_misuse_check_in_both_fence_modes)
{
#if RS__MISUSE_CHECK
    rs_model *m = fx_model(3, 4, 4, 1, 1, 0);
    for (int readers_fence = 0; readers_fence <= 1; readers_fence++) {
        int idle = readers_fence ? RS__INFLIGHT_READERS_FENCE : 0;
        m->inflight.readers_fence = readers_fence;
        atomic_store(&m->inflight.exclusive, idle);
        float s;
        ck_assert_int_eq(rs_predict(m, FX_USER_ID(0), FX_ITEM_ID(1), &s), RS_OK);

        ck_assert_int_eq(rs__exclusive_enter(m, "rs_fit"), RS_OK);
        ck_assert_int_eq(rs_predict(m, FX_USER_ID(0), FX_ITEM_ID(1), &s), RS_ERR_MISUSE);
        ck_assert_int_eq(rs__exclusive_enter(m, "rs_partial_fit"), RS_ERR_MISUSE);
        ck_assert_ptr_nonnull(strstr(rs_model_last_error(m), "another exclusive call"));
        rs__exclusive_leave(m);
        ck_assert_int_eq(atomic_load(&m->inflight.exclusive), idle);

        unsigned slot;
        ck_assert_int_eq(rs__shared_enter(m, &slot), 1);
        /* (no rs_predict here: on this thread it would use the same slot and
         * clear it on return, the documented missed report) */
        ck_assert_int_eq(rs__exclusive_enter(m, "rs_fit"), RS_ERR_MISUSE);
        ck_assert_ptr_nonnull(strstr(rs_model_last_error(m), "rs_fit called while 1 shared call"));
        ck_assert_int_eq(atomic_load(&m->inflight.exclusive), idle); /* the refusal undid its flag */
        rs__shared_leave(m, slot);
        ck_assert_int_eq(rs__exclusive_enter(m, "rs_fit"), RS_OK);
        rs__exclusive_leave(m);
        ck_assert_int_eq(rs_predict(m, FX_USER_ID(0), FX_ITEM_ID(1), &s), RS_OK);
    }
    rs_model_free(m);
#endif
}
END_TEST

static Suite *predict_suite(void)
{
    Suite *s = suite_create("check_unit_predict");
    TCase *tc = tcase_create("predict");
    tcase_add_test(tc, test_predict_known_pairs_match_scorer);
    tcase_add_test(tc, test_predict_clamps_only_when_asked);
    tcase_add_test(tc, test_predict_fallback_chain_values);
    tcase_add_test(tc, test_predict_cold_start_error);
    tcase_add_test(tc, test_predict_unfitted_and_invalid_args);
    tcase_add_test(tc, test_predict_batch_equals_single);
    tcase_add_test(tc, test_predict_uses_scorer_ops);
    tcase_add_test(tc, test_predict_does_not_modify_model);
    tcase_add_test(tc, test_predict_misuse_check_in_both_fence_modes);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(predict_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

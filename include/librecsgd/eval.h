/* librecsgd - embeddable recommender library. SPDX-License-Identifier: BSD-2-Clause
 * eval.h: scoring a fitted model on a test dataset - rating metrics (RMSE,
 * MAE) and ranking metrics at k (precision, recall, NDCG, MAP, AUC, hit
 * rate) - so that no caller writes them again. The formulas are in
 * docs/guide/evaluation.md.
 *
 * Results go into a caller array of doubles indexed by RS_METRIC_* (as
 * rs_model_epoch_stats fills RS_STAT_*): each call writes only its own
 * entries, so one array can collect both calls. Both calls only read the
 * model (`shared`); they use up to RS_PARAM_THREADS threads, and their
 * results do not depend on the number of threads. */
#ifndef LIBRECSGD_EVAL_H
#define LIBRECSGD_EVAL_H

#include <stddef.h>
#include <stdint.h>
#include "export.h"
#include "status.h"
#include "dataset.h"
#include "model.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- constants ---- */

/* Indices into the metrics array. Counts are stored as doubles (exact up to
 * 2^53). Append only; never renumbered. */
enum {
    /* rs_model_evaluate_ratings() */
    RS_METRIC_RMSE            = 0,  /* root mean squared error of rs_predict over the scored ratings */
    RS_METRIC_MAE             = 1,  /* mean absolute error over the scored ratings */
    RS_METRIC_SCORED          = 2,  /* test ratings scored (fallback scores included) */
    RS_METRIC_FALLBACKS       = 3,  /* of those, scored by the cold-start fallback chain */
    RS_METRIC_UNSCORED        = 4,  /* not scored: unknown id under RS_COLD_START_ERROR */
    /* rs_model_evaluate_ranking(): means over the ranked users */
    RS_METRIC_PRECISION       = 5,  /* hits in the top k / k */
    RS_METRIC_RECALL          = 6,  /* hits in the top k / relevant items */
    RS_METRIC_NDCG            = 7,  /* DCG@k / ideal DCG@k, binary gains */
    RS_METRIC_MAP             = 8,  /* average precision at k (mean over users: MAP@k) */
    RS_METRIC_HIT_RATE        = 9,  /* share of users with at least one hit in the top k */
    RS_METRIC_AUC             = 10, /* mean per-user AUC over all candidates (ties count 1/2) */
    RS_METRIC_USERS           = 11, /* users ranked: test users with a relevant item */
    RS_METRIC_USERS_SKIPPED   = 12, /* test users with no relevant item (left out of the means) */
    RS_METRIC_USERS_FALLBACK  = 13, /* ranked users unknown to the model (fallback ranking) */
    RS_METRIC_USERS_UNRANKED  = 14, /* users with a relevant item but unknown under RS_COLD_START_ERROR */
    RS_METRIC_AUC_USERS       = 15, /* ranked users with both a relevant and an irrelevant candidate
                                       (the users RS_METRIC_AUC averages over) */
    RS_METRIC_COUNT_V0_2      = 16  /* number of entries defined by version 0.2 */
};

/* rs_model_evaluate_ranking() flags. */
enum {
    RS_EVAL_INCLUDE_SEEN = 0x1 /* do not exclude the items each user rated in training */
};

/* ---- evaluation ---- */

/**
 * rs_model_evaluate_ratings() - rating-prediction accuracy on a test set.
 *
 * Every test rating r is scored as y = rs_predict(model, user, item) (so
 * clamped when RS_PARAM_CLAMP is on, and scored by the fallback chain when
 * an id is unknown); RMSE = sqrt(sum (r - y)^2 / n), MAE = sum |r - y| / n
 * over the n scored ratings, unweighted. Sums run in double precision over
 * fixed blocks of the test set in file order, so the result does not depend
 * on the number of threads. Writes RS_METRIC_RMSE, RS_METRIC_MAE,
 * RS_METRIC_SCORED, RS_METRIC_FALLBACKS and RS_METRIC_UNSCORED (the
 * entries below cap; the others are left untouched). With no scored
 * rating, RMSE and MAE are NaN.
 *
 * @param model       fitted model
 * @param test        test ratings (weights and features are ignored)
 * @param metrics_out caller array indexed by RS_METRIC_*
 * @param cap         capacity of metrics_out (RS_METRIC_COUNT_V0_2 holds every metric)
 * @param n_out       receives the number of entries written (0 on error)
 * @return RS_OK, RS_ERR_INVALID_ARG, RS_ERR_STATE (not fitted), RS_ERR_NOMEM
 * Errors: may fail with RS_ERR_NOMEM (threads' scratch); writes no error message.
 * Ownership: nothing retained.
 * Thread safety: shared
 * @since 0.2
 */
RS_API rs_status rs_model_evaluate_ratings(const rs_model *model, const rs_dataset *test,
                                           double *metrics_out, size_t cap, size_t *n_out);

/**
 * rs_model_evaluate_ranking() - top-k ranking quality on a test set.
 *
 * For every user of test with at least one relevant test item (a test
 * rating >= threshold), the candidate items are ranked by the model's raw
 * score, best first, ties broken by the smaller item id (exactly the order
 * rs_topk and rs_topk_batch return). Candidates are the items in candidates
 * (or every item the model knows), minus the items the user rated in
 * training (the model's seen lists, unless flags has RS_EVAL_INCLUDE_SEEN)
 * and minus the user's items in exclude. Relevant items the model does not
 * know, or that are not candidates, still count as relevant (they can never
 * be hit). Users unknown to the model are ranked by the fallback chain and
 * counted in RS_METRIC_USERS_FALLBACK (under RS_COLD_START_ERROR they are
 * left out and counted in RS_METRIC_USERS_UNRANKED). Writes RS_METRIC_PRECISION
 * to RS_METRIC_AUC_USERS (the entries below cap); the formulas are in
 * docs/guide/evaluation.md. Means over no user are NaN.
 *
 * @param model        fitted model
 * @param test         test ratings
 * @param exclude      ratings whose (user, item) pairs are never candidates (e.g. the
 *                     training set of a model that was fitted elsewhere), or NULL
 * @param candidates   n_candidates item ids to rank among (unknown ids and duplicates are
 *                     ignored), or NULL for every item the model knows
 * @param n_candidates length of candidates (0 when candidates is NULL)
 * @param k            cut-off of the top-k metrics, >= 1
 * @param threshold    test ratings >= threshold are relevant (finite)
 * @param flags        0 or RS_EVAL_INCLUDE_SEEN
 * @param metrics_out  caller array indexed by RS_METRIC_*
 * @param cap          capacity of metrics_out
 * @param n_out        receives the number of entries written (0 on error)
 * @return RS_OK, RS_ERR_INVALID_ARG (NULL pointers, k == 0, unknown flags, threshold not
 *         finite), RS_ERR_STATE (not fitted), RS_ERR_NOMEM
 * Errors: may fail with RS_ERR_NOMEM; writes no error message. Every candidate is
 *         scored for every ranked user (AUC needs the whole ranking): about
 *         users x items x factors operations, through the batch top-k path.
 * Ownership: nothing retained.
 * Thread safety: shared
 * @since 0.2
 */
RS_API rs_status rs_model_evaluate_ranking(const rs_model *model, const rs_dataset *test,
                                           const rs_dataset *exclude, const int64_t *candidates,
                                           size_t n_candidates, size_t k, double threshold,
                                           int32_t flags, double *metrics_out, size_t cap,
                                           size_t *n_out);

#ifdef __cplusplus
}
#endif

#endif /* LIBRECSGD_EVAL_H */

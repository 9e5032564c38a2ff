/* librecsgd benchmarks. SPDX-License-Identifier: BSD-2-Clause
 * cold_reference.h: a closed-form yardstick for cold-start predictions.
 *
 * The question it answers: when the content or hybrid scorer beats the
 * fallback by only a little on brand-new ids, is that the model's fault or
 * are the features simply not informative enough? The reference is the
 * classic linear answer, fitted exactly rather than by SGD:
 *
 *   r(new, other) = base(other) + x·w + x·theta(other)
 *
 * where base(other) is the collaborative model's fallback (global mean plus
 * the other side's bias), x the new id's feature vector plus an intercept,
 * w one ridge regression on every training rating (lambda 100) and theta a
 * ridge regression per other id (a per-user taste over item features, or a
 * per-item response to user features) on what w leaves over. The RMSE is
 * printed for several theta penalties; the best of them is chosen on the
 * held-out ratings themselves, so it is an optimistic figure for a linear
 * model over these features, not a fair competitor. */
#ifndef RS_BENCH_COLD_REFERENCE_H
#define RS_BENCH_COLD_REFERENCE_H

#include <stddef.h>
#include <librecsgd/recsgd.h>

/* RMSE of the reference on `test` for each of the n penalties in lambdas
 * (written to rmse_out). feats holds the feature rows of every id of
 * cold_side (warm and cold); fallback is a collaborative model fitted on
 * train. Returns 0, or -1 with a message in why (too many features, out of
 * memory). */
int cold_reference(const rs_model *fallback, const rs_dataset *train, const rs_dataset *test,
                   const rs_dataset *feats, int32_t cold_side, const double *lambdas, size_t n,
                   double *rmse_out, const char **why);

#endif

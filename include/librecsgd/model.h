/* librecsgd - embeddable recommender library. SPDX-License-Identifier: BSD-2-Clause
 * model.h: rs_model - create, configure, train (rs_fit), score (rs_predict,
 * rs_topk) and inspect a recommendation model.
 *
 * Unless stated otherwise, functions are `exclusive` on their model: the
 * caller guarantees that no other call on that model is in flight. `shared`
 * calls (scoring, getters) may run concurrently with each other on one model.
 * Different models are fully independent. The library takes no locks and
 * keeps no global mutable state. In builds with threads (RS_FEATURE_THREADS)
 * an overlap is detected (since 0.2): a shared call that finds an exclusive
 * call running returns RS_ERR_MISUSE (code only), and an exclusive call that
 * finds any other call running returns RS_ERR_MISUSE with a message; either
 * way the model is unchanged (docs/guide/threads.md). Every status-returning
 * model function below may therefore also return RS_ERR_MISUSE. */
#ifndef LIBRECSGD_MODEL_H
#define LIBRECSGD_MODEL_H

#include <stddef.h>
#include <stdint.h>
#include "export.h"
#include "status.h"
#include "alloc.h"
#include "dataset.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- constants ---- */

/* Scorer kinds, chosen once in rs_model_new(). */
enum {
    RS_SCORER_COLLABORATIVE = 1, /* biased matrix factorisation on ids */
    RS_SCORER_CONTENT       = 2, /* scores from user and item features */
    RS_SCORER_HYBRID        = 3  /* id factors plus feature factors */
};

/* Model parameters. Values are pinned; ranges tell the type:
 * 100-199 integers, 200-299 reals, 300-399 enumerated choices (set as int).
 * The defaults are tuned for explicit 1-5 star ratings of the MovieLens kind
 * (bench/ml100k: mean five-fold RMSE 0.904 on MovieLens 100K); the small
 * initialisation and the epoch count work together as regularisation.
 * Defaults and bounds are in the library: rs_model_get_*, rs_param_bounds. */
enum {
    RS_PARAM_FACTORS        = 100, /* latent dimensions, default 128, [1, 4096] */
    RS_PARAM_EPOCHS         = 101, /* maximum epochs, default 80, [1, 100000] */
    RS_PARAM_THREADS        = 102, /* threads of rs_fit, rs_topk_batch(_ex), evaluation; default 1, [1, 256] */
    RS_PARAM_SEED           = 103, /* random seed, default 42, [0, 2^62] */
    RS_PARAM_PATIENCE       = 104, /* epochs without validation gain before stopping, default 3, [1, 100000] */
    RS_PARAM_CLAMP          = 105, /* 1: clamp predictions to the training rating range, default 1, [0, 1] */
    RS_PARAM_ONLINE_EPOCHS  = 106, /* epochs of rs_partial_fit over the new ratings, default 5, [1, 1000] */
    RS_PARAM_IMPLICIT       = 107, /* 1: implicit feedback - every training pair is a positive (target 1,
                                      weight w * (1 + confidence * value)) and each epoch draws
                                      RS_PARAM_NEGATIVES unobserved items per positive (target 0);
                                      scores are then in [0, 1]; setting it moves every parameter
                                      the user has not set to the mode's defaults (factors 64,
                                      epochs 50, learning_rate 0.02, init_scale 0.05,
                                      l2_factors 0.02, tolerance 0; docs/guide/tuning.md;
                                      since 0.2); default 0, [0, 1] */
    RS_PARAM_NEGATIVES      = 108, /* implicit: negatives drawn per positive per epoch, default 4, [1, 100] */
    RS_PARAM_COLD_EPOCHS    = 109, /* content/hybrid: at most this many epochs of the cold-start refit
                                      after rs_fit (feature parts retrained to score brand-new ids;
                                      the count is chosen on held-out ids, predictions of trained ids
                                      do not change); 0 = off; default 10, [0, 1000] */
    RS_PARAM_EPOCHS_TRAINED = 110, /* read-only, since 0.2: epochs of training behind the current
                                      weights (rs_fit sets it, rs_partial_fit adds its epochs; saved
                                      with the model). RS_LR_INVERSE_TIME and RS_LR_AUTO continue their decay from
                                      it, so online updates take the small steps training ended
                                      with; 0 before a fit */
    RS_PARAM_SERVE_OVERSAMPLE = 111, /* since 0.2, with RS_PARAM_SERVE_QUANTIZED: candidates the
                                      compact scan keeps per requested item (k * this, at least 32)
                                      before re-scoring them exactly; changes speed, never results;
                                      default 8, [1, 1000] */
    RS_PARAM_KEEP_PARTIAL   = 112, /* what a diverged rs_fit / rs_partial_fit leaves behind. 0 (default):
                                      the model exactly as it was before the call (unfitted before a
                                      first fit), as after every other failure. 1: a run that
                                      diverges (RS_ERR_NUMERIC) after at least one good epoch keeps
                                      its last good epoch instead, as 0.1 did. (A stop requested by
                                      the progress callback always keeps the last complete epoch.)
                                      [0, 1]; since 0.2 */
    RS_PARAM_IMPLICIT_USER_FACTORS = 113, /* since 0.2, collaborative and hybrid (and content): 1
                                      adds implicit user factors (SVD++, Koren 2008) - the user
                                      vector becomes p_u + |N(u)|^-1/2 * sum over j in N(u) of y_j,
                                      N(u) the items the user rated in training (fold-in and
                                      rs_partial_fit extend it), y_j a learned vector per item
                                      (RS_BLOCK_ITEM_IMPLICIT_FACTORS), saved with the model. The
                                      y_j of a user step once per run of the user's ratings in a
                                      block of the grid; training runs on one thread and costs
                                      2-20 times more on MovieLens 100K (docs/guide/tuning.md);
                                      default 0, [0, 1] */
    RS_PARAM_COLD_TASTE     = 114, /* since 0.2, content and hybrid: 1 gives every user a linear
                                      response to item features (and every item one to user
                                      features), fitted in closed form (ridge, penalty chosen on
                                      held-out ids) by the cold-start refit on what the feature
                                      parts leave over, and used only for pairs whose other id had
                                      no ratings in rs_fit (new items, new users); trained pairs
                                      score as without it. Costs n_users x (item features + 2)
                                      and n_items x (user features + 2) floats, saved with the
                                      model (docs/guide/scorers.md); needs RS_PARAM_COLD_EPOCHS >
                                      0; default 1, [0, 1] */

    RS_PARAM_LEARNING_RATE  = 200, /* initial step size, default 0.05 (0.005 before 0.2), (0, 10] */
    RS_PARAM_L2_FACTORS     = 201, /* L2 on user and item factors, default 0.06, [0, 1e3] */
    RS_PARAM_L2_BIAS        = 202, /* L2 on biases, default 0.03, [0, 1e3] */
    RS_PARAM_L2_FEATURES    = 203, /* L2 on feature weights (content, hybrid), default 0.05, [0, 1e3] */
    RS_PARAM_LR_DECAY       = 204, /* RS_LR_INVERSE_TIME, RS_LR_AUTO: lr / (1 + decay * (t - 1)) at the t-th epoch
                                      of training (counting RS_PARAM_EPOCHS_TRAINED), default 0.5
                                      (0.1 before 0.2), [0, 1e3] */
    RS_PARAM_TOLERANCE      = 205, /* stop when training loss improves by less than this share, default 1e-4, [0, 1] */
    RS_PARAM_INIT_SCALE     = 206, /* std (normal) or half width (uniform) of the built-in init, default 0.005, [0, 100] */
    RS_PARAM_CLIP_THRESHOLD = 207, /* c of the built-in clipping policies, default 1, (0, 1e6] */
    RS_PARAM_ADAM_BETA1     = 208, /* Adam first-moment decay, default 0.9, [0, 1) */
    RS_PARAM_ADAM_BETA2     = 209, /* Adam second-moment decay, default 0.999, [0, 1) */
    RS_PARAM_EPSILON        = 210, /* AdaGrad/Adam denominator guard, default 1e-8, (0, 1] */
    RS_PARAM_DIVERGENCE     = 211, /* loss growth factor that counts as divergence, default 4, (1, 1e6] */
    RS_PARAM_REPLAY_RATIO   = 212, /* rs_partial_fit: old ratings replayed per new rating, default 1, [0, 100] */
    RS_PARAM_CONFIDENCE     = 214, /* implicit: alpha of the positive weight 1 + alpha * value, default 0, [0, 1e3] */
    RS_PARAM_ID_DROPOUT     = 213, /* content/hybrid: chance a rating trains without the user's (and,
                                      independently, the item's) id part, so features learn to stand
                                      alone for cold start; default 0, [0, 1) */
    RS_PARAM_L2_IMPLICIT    = 215, /* since 0.2, with RS_PARAM_IMPLICIT_USER_FACTORS: L2 on the
                                      implicit item vectors y_j, default 0.005, [0, 1e3] */
    RS_PARAM_IMPLICIT_LR_SCALE = 216, /* since 0.2, with RS_PARAM_IMPLICIT_USER_FACTORS: the
                                      learning rate of the y_j rows is RS_PARAM_LEARNING_RATE times
                                      this, default 1, (0, 100] */

    RS_PARAM_LR_POLICY      = 300, /* RS_LR_*, default RS_LR_AUTO (RS_LR_CONSTANT before 0.2) */
    RS_PARAM_INIT           = 301, /* RS_INIT_*, default RS_INIT_NORMAL */
    RS_PARAM_CLIP           = 302, /* RS_CLIP_*, default RS_CLIP_NONE */
    RS_PARAM_ON_DIVERGENCE  = 303, /* RS_DIVERGENCE_*, default RS_DIVERGENCE_STOP */
    RS_PARAM_COLD_START     = 304, /* RS_COLD_START_*, default RS_COLD_START_FALLBACK */
    RS_PARAM_SCORER         = 305, /* RS_SCORER_*, read-only (fixed by rs_model_new) */
    RS_PARAM_SERVE_QUANTIZED = 306 /* RS_QUANT_*, since 0.2: a compact copy of the item vectors that
                                      rs_topk scans first, re-scoring the best exactly; the items and
                                      scores returned are those of the exact scan (see rs_topk);
                                      default RS_QUANT_NONE */
    /* 1000-1999: reserved for experimental parameters (values not stable) */
};

/* Learning-rate policies (RS_PARAM_LR_POLICY). */
/* RS_LR_AUTO (since 0.2, the default): the inverse-time schedule, its
 * steps scaled up for epoch budgets shorter than the default 80 so that a
 * short run covers the same total step (docs/guide/tuning.md):
 * lr * k / (1 + decay * (t - 1)), k = min(4, max(1, H(80) / H(epochs))),
 * H(E) the sum of 1 / (1 + decay * (t - 1)) over t = 1..E. */
enum { RS_LR_CONSTANT = 0, RS_LR_INVERSE_TIME = 1, RS_LR_ADAGRAD = 2, RS_LR_ADAM = 3, RS_LR_AUTO = 4 };
/* Built-in initialisers (RS_PARAM_INIT); RS_INIT_CUSTOM is reported after rs_model_set_init_callback. */
enum { RS_INIT_NORMAL = 0, RS_INIT_UNIFORM = 1, RS_INIT_SCALED_NORMAL = 2, RS_INIT_ZERO = 3, RS_INIT_CUSTOM = 4 };
/* Built-in clipping (RS_PARAM_CLIP); RS_CLIP_CUSTOM is reported after rs_model_set_clip_callback. */
enum { RS_CLIP_NONE = 0, RS_CLIP_VALUE = 1, RS_CLIP_NORM = 2, RS_CLIP_CUSTOM = 3 };
/* What rs_fit does when training diverges (RS_PARAM_ON_DIVERGENCE). */
enum { RS_DIVERGENCE_STOP = 0, RS_DIVERGENCE_HALVE_LR = 1 };
/* Unknown ids at scoring time (RS_PARAM_COLD_START). */
enum { RS_COLD_START_FALLBACK = 0, RS_COLD_START_ERROR = 1 };
/* Compact item copy for rs_topk (RS_PARAM_SERVE_QUANTIZED), since 0.2: none, or int8 with one
 * scale per item (about f + 4 bytes per item for f factors, against 4 f for the floats). */
enum { RS_QUANT_NONE = 0, RS_QUANT_INT8 = 1 };

/* Parameter blocks, as passed to an rs_init_fn. */
enum {
    RS_BLOCK_USER_FACTORS         = 0,
    RS_BLOCK_ITEM_FACTORS         = 1,
    RS_BLOCK_USER_FEATURE_FACTORS = 2, /* one row per user feature (content, hybrid) */
    RS_BLOCK_ITEM_FEATURE_FACTORS = 3, /* one row per item feature (hybrid) */
    RS_BLOCK_ITEM_IMPLICIT_FACTORS = 4 /* since 0.2: one row per item, the implicit vectors y_j of
                                          RS_PARAM_IMPLICIT_USER_FACTORS */
};

/* Per-epoch training statistics: indices into the stats array given to the
 * progress callback and filled by rs_model_epoch_stats(). Append only. */
enum {
    RS_STAT_EPOCH          = 0, /* 1-based epoch number */
    RS_STAT_TRAIN_RMSE     = 1, /* weighted RMSE over the epoch's updates (measured as they ran) */
    RS_STAT_VALID_RMSE     = 2, /* RMSE on the validation set after the epoch; NaN without one */
    RS_STAT_GRAD_NORM_MEAN = 3, /* mean L2 norm of one rating's gradient, before clipping */
    RS_STAT_GRAD_NORM_MAX  = 4, /* largest such norm in the epoch */
    RS_STAT_CLIP_SHARE     = 5, /* share of parameter-row updates the clip policy changed */
    RS_STAT_LEARNING_RATE  = 6, /* base learning rate in force during the epoch */
    RS_STAT_SECONDS        = 7, /* wall-clock seconds since rs_fit started */
    RS_STAT_DIVERGED       = 8, /* 1 if this epoch diverged and was rolled back, else 0 */
    RS_STAT_FACTOR_GRAD_NORM_MEAN = 9, /* mean L2 norm of the factor rows' part of the gradient
                                          (biases left out): 0 means the factors cannot learn */
    RS_STAT_COUNT_V0_1     = 10, /* number of entries filled by version 0.1 */
    RS_STAT_BASELINE_RMSE  = 10, /* since 0.2: RMSE of the bias-only baseline (global mean plus damped
                                    user and item biases, solved on the training ratings) on the
                                    validation set, else on the training ratings; the same in every
                                    row; NaN for implicit feedback and rs_partial_fit */
    RS_STAT_WORSE_THAN_BASELINE = 11, /* since 0.2: in the last row of a successful rs_fit, 1 if the
                                    model it kept scores a higher RMSE than RS_STAT_BASELINE_RMSE on
                                    the same ratings (it learned nothing useful; also logged at
                                    RS_LOG_WARN), else 0; 0 in every other row and while the
                                    progress callback runs */
    RS_STAT_COUNT_V0_2     = 12  /* number of entries filled by version 0.2 */
};

/* rs_topk flags. */
#define RS_TOPK_INCLUDE_SEEN 0x1 /* also rank items the user rated in training */

typedef struct rs_model rs_model;

/* ---- model lifecycle ---- */

/**
 * rs_model_new() - create an untrained model of one scorer kind.
 *
 * Every parameter starts at its documented default, so the model is usable at once.
 *
 * @param out      receives the model, or NULL on failure
 * @param scorer   RS_SCORER_COLLABORATIVE, RS_SCORER_CONTENT or RS_SCORER_HYBRID
 * @param alloc    allocator hook for everything the model allocates; NULL = libc
 * @param alloc_ud user data passed to alloc
 * @return RS_OK, RS_ERR_INVALID_ARG (out NULL or unknown scorer), RS_ERR_NOT_BUILT
 *         (scorer compiled out), RS_ERR_NOMEM
 * Errors: may fail with RS_ERR_NOMEM; no handle exists to hold a message.
 * Ownership: free with rs_model_free().
 * Thread safety: any
 * @since 0.1
 */
RS_API rs_status rs_model_new(rs_model **out, int32_t scorer, rs_alloc_fn alloc, void *alloc_ud);

/**
 * rs_model_free() - free a model and everything it holds.
 *
 * @param model model, or NULL (no-op)
 * Errors: never fails.
 * Ownership: model is invalid afterwards.
 * Thread safety: exclusive
 * @since 0.1
 */
RS_API void rs_model_free(rs_model *model);

/**
 * rs_model_last_error() - message of the last failed mutating call.
 *
 * Mutating calls (setters, rs_fit) write it; read-only calls never do.
 *
 * @param model model (NULL gives a static message)
 * @return NUL-terminated text owned by the model, valid until the next mutating
 *         call; "" when the last mutating call succeeded.
 * Errors: never fails.
 * Ownership: owned by the model.
 * Thread safety: shared
 * @since 0.1
 */
RS_API const char *rs_model_last_error(const rs_model *model);

/* ---- parameters ---- */

/**
 * rs_model_set_int() - set an integer or enumerated parameter.
 *
 * @param model model
 * @param param RS_PARAM_* in 100-199 or 300-399
 * @param value new value
 * @return RS_OK, RS_ERR_INVALID_ARG, RS_ERR_UNKNOWN_PARAM, RS_ERR_PARAM_TYPE,
 *         RS_ERR_RANGE (message names the bounds), RS_ERR_NOT_BUILT (threads > 1
 *         without thread support), RS_ERR_MISUSE (from inside a callback)
 * Errors: never allocates. The model is unchanged on failure.
 * Ownership: nothing retained.
 * Thread safety: exclusive
 * @since 0.1
 */
RS_API rs_status rs_model_set_int(rs_model *model, rs_param param, int64_t value);

/**
 * rs_model_set_double() - set a real parameter.
 *
 * @param model model
 * @param param RS_PARAM_* in 200-299
 * @param value new value (finite, inside the bounds)
 * @return RS_OK, RS_ERR_INVALID_ARG, RS_ERR_UNKNOWN_PARAM, RS_ERR_PARAM_TYPE, RS_ERR_RANGE, RS_ERR_MISUSE
 * Errors: never allocates. The model is unchanged on failure.
 * Ownership: nothing retained.
 * Thread safety: exclusive
 * @since 0.1
 */
RS_API rs_status rs_model_set_double(rs_model *model, rs_param param, double value);

/**
 * rs_model_get_int() - read an integer or enumerated parameter.
 *
 * @param model model
 * @param param RS_PARAM_* in 100-199 or 300-399
 * @param out   receives the value
 * @return RS_OK, RS_ERR_INVALID_ARG, RS_ERR_UNKNOWN_PARAM, RS_ERR_PARAM_TYPE
 * Errors: never allocates.
 * Thread safety: shared
 * @since 0.1
 */
RS_API rs_status rs_model_get_int(const rs_model *model, rs_param param, int64_t *out);

/**
 * rs_model_get_double() - read a real parameter.
 *
 * @param model model
 * @param param RS_PARAM_* in 200-299
 * @param out   receives the value
 * @return RS_OK, RS_ERR_INVALID_ARG, RS_ERR_UNKNOWN_PARAM, RS_ERR_PARAM_TYPE
 * Errors: never allocates.
 * Thread safety: shared
 * @since 0.1
 */
RS_API rs_status rs_model_get_double(const rs_model *model, rs_param param, double *out);

/**
 * rs_param_bounds() - inclusive bounds of a parameter (model or dataset).
 *
 * Open bounds such as (0, 10] are reported as their closed limit; the setter's
 * error message states whether the limit itself is allowed.
 *
 * @param param any RS_PARAM_*
 * @param lo    receives the lower bound, or NULL
 * @param hi    receives the upper bound, or NULL
 * @return RS_OK, RS_ERR_UNKNOWN_PARAM
 * Errors: never allocates.
 * Thread safety: any
 * @since 0.1
 */
RS_API rs_status rs_param_bounds(rs_param param, double *lo, double *hi);

/**
 * rs_param_name() - the keyword name of a parameter, e.g. "factors".
 *
 * @param param any RS_PARAM_*
 * @return static string, or NULL for an unknown parameter
 * Errors: never fails.
 * Thread safety: any
 * @since 0.1
 */
RS_API const char *rs_param_name(rs_param param);

/**
 * rs_param_from_name() - the parameter with a keyword name.
 *
 * @param name keyword such as "learning_rate" (NULL allowed)
 * @return the RS_PARAM_* value, or -1 if unknown
 * Errors: never fails.
 * Thread safety: any
 * @since 0.1
 */
RS_API rs_param rs_param_from_name(const char *name);

/* ---- callbacks and policies ---- */

/**
 * rs_model_set_log_callback() - route diagnostics to fn (NULL unregisters).
 *
 * @param model model
 * @param fn    log hook, or NULL
 * @param ud    user data passed to fn
 * @return RS_OK, RS_ERR_INVALID_ARG, RS_ERR_MISUSE
 * Errors: never allocates.
 * Ownership: ud is retained (not owned) until replaced or the model is freed.
 * Thread safety: exclusive
 * @since 0.1
 */
RS_API rs_status rs_model_set_log_callback(rs_model *model, rs_log_fn fn, void *ud);

/**
 * rs_model_set_progress_callback() - per-epoch statistics hook (NULL unregisters).
 *
 * @param model model
 * @param fn    progress hook, or NULL
 * @param ud    user data passed to fn
 * @return RS_OK, RS_ERR_INVALID_ARG, RS_ERR_MISUSE
 * Errors: never allocates.
 * Ownership: ud is retained (not owned).
 * Thread safety: exclusive
 * @since 0.1
 */
RS_API rs_status rs_model_set_progress_callback(rs_model *model, rs_progress_fn fn, void *ud);

/**
 * rs_model_set_init_callback() - custom initialisation policy.
 *
 * fn == NULL restores the built-in selected by RS_PARAM_INIT. Passing one of
 * the built-ins (rs_init_normal, ...) is allowed; the library recognises them.
 *
 * @param model model
 * @param fn    initialiser, or NULL
 * @param ud    user data passed to fn
 * @return RS_OK, RS_ERR_INVALID_ARG, RS_ERR_MISUSE
 * Errors: never allocates.
 * Ownership: ud is retained (not owned).
 * Thread safety: exclusive
 * @since 0.1
 */
RS_API rs_status rs_model_set_init_callback(rs_model *model, rs_init_fn fn, void *ud);

/**
 * rs_model_set_clip_callback() - custom gradient clipping policy.
 *
 * fn == NULL restores the built-in selected by RS_PARAM_CLIP. The built-ins
 * (rs_clip_value, rs_clip_norm) are recognised and inlined in the update loop.
 *
 * @param model model
 * @param fn    clipping policy, or NULL
 * @param ud    user data passed to fn
 * @return RS_OK, RS_ERR_INVALID_ARG, RS_ERR_MISUSE
 * Errors: never allocates.
 * Ownership: ud is retained (not owned).
 * Thread safety: exclusive
 * @since 0.1
 */
RS_API rs_status rs_model_set_clip_callback(rs_model *model, rs_clip_fn fn, void *ud);

/**
 * rs_init_normal() - built-in initialiser: N(0, s^2) from the seed.
 *
 * @param ud     pointer to a double s (standard deviation), or NULL for 0.1
 * @param block  RS_BLOCK_* (unused)
 * @param values rows * cols floats to fill
 * @param rows   rows of the block
 * @param cols   columns of the block
 * @param seed   random seed
 * @return 0
 * Errors: never fails, never allocates.
 * Thread safety: any
 * @since 0.1
 */
RS_API int32_t rs_init_normal(void *ud, int32_t block, float *values, size_t rows, size_t cols,
                              uint64_t seed);

/**
 * rs_init_uniform() - built-in initialiser: U(-a, a) from the seed.
 *
 * @param ud     pointer to a double a (half width), or NULL for 0.1
 * @param block  RS_BLOCK_* (unused)
 * @param values rows * cols floats to fill
 * @param rows   rows of the block
 * @param cols   columns of the block
 * @param seed   random seed
 * @return 0
 * Errors: never fails, never allocates.
 * Thread safety: any
 * @since 0.1
 */
RS_API int32_t rs_init_uniform(void *ud, int32_t block, float *values, size_t rows, size_t cols,
                               uint64_t seed);

/**
 * rs_init_scaled_normal() - built-in initialiser: N(0, (s / sqrt(cols))^2).
 *
 * Keeps the expected dot product of two rows near s^2 whatever the number of
 * factors, so the first predictions neither explode nor vanish.
 *
 * @param ud     pointer to a double s, or NULL for 1
 * @param block  RS_BLOCK_* (unused)
 * @param values rows * cols floats to fill
 * @param rows   rows of the block
 * @param cols   columns of the block
 * @param seed   random seed
 * @return 0
 * Errors: never fails, never allocates.
 * Thread safety: any
 * @since 0.1
 */
RS_API int32_t rs_init_scaled_normal(void *ud, int32_t block, float *values, size_t rows,
                                     size_t cols, uint64_t seed);

/**
 * rs_init_zero() - built-in initialiser: all zero (demonstrates vanishing gradients).
 *
 * @param ud     unused
 * @param block  RS_BLOCK_* (unused)
 * @param values rows * cols floats to fill
 * @param rows   rows of the block
 * @param cols   columns of the block
 * @param seed   unused
 * @return 0
 * Errors: never fails, never allocates.
 * Thread safety: any
 * @since 0.1
 */
RS_API int32_t rs_init_zero(void *ud, int32_t block, float *values, size_t rows, size_t cols,
                            uint64_t seed);

/**
 * rs_clip_value() - built-in clipping: each component into [-c, c].
 *
 * @param ud   pointer to a double c > 0, or NULL for 1
 * @param grad n gradient components, changed in place
 * @param n    number of components
 * @return 1 if any component was changed, else 0
 * Errors: never fails, never allocates.
 * Thread safety: any
 * @since 0.1
 */
RS_API int32_t rs_clip_value(void *ud, float *grad, size_t n);

/**
 * rs_clip_norm() - built-in clipping: rescale the row so its L2 norm is <= c.
 *
 * @param ud   pointer to a double c > 0, or NULL for 1
 * @param grad n gradient components, changed in place
 * @param n    number of components
 * @return 1 if the row was rescaled, else 0
 * Errors: never fails, never allocates.
 * Thread safety: any
 * @since 0.1
 */
RS_API int32_t rs_clip_norm(void *ud, float *grad, size_t n);

/* ---- training ---- */

/**
 * rs_fit() - train the model from scratch on a dataset.
 *
 * Maps train's ids into the model, initialises parameters with the init
 * policy and runs SGD on weighted MSE + L2 until RS_PARAM_EPOCHS, the
 * RS_PARAM_TOLERANCE test or early stopping on valid ends it. With valid, the
 * parameters of the best validation epoch are kept. Ratings in valid whose
 * user or item is not in train are skipped. The progress callback runs after
 * every epoch on the calling thread. If an epoch diverges, training goes
 * back to its last good epoch and, per RS_PARAM_ON_DIVERGENCE, rs_fit
 * returns RS_ERR_NUMERIC or halves the learning rate and continues.
 * A model never holds NaN or Inf. Whatever makes rs_fit fail (divergence in
 * any epoch, out of memory, a failing init policy, bad input), the model is
 * left exactly as it was before the call (it saves the same bytes; a model
 * never fitted stays unfitted); only the epoch statistics describe the
 * failed run. With RS_PARAM_KEEP_PARTIAL = 1, a run that diverges after at
 * least one good epoch keeps its last good epoch instead. A stop requested by
 * the progress callback is an early end, not a failure of the training: it
 * returns RS_ERR_CANCELLED and keeps the last complete epoch (the previous
 * state if no epoch completed).
 * When the fit ends worse than the bias-only baseline (RS_STAT_BASELINE_RMSE)
 * rs_fit still returns RS_OK but says so at RS_LOG_WARN and in
 * RS_STAT_WORSE_THAN_BASELINE of the last epoch's statistics.
 *
 * @param model model
 * @param train training ratings (and features, for content/hybrid); not retained
 * @param valid validation ratings, or NULL
 * @return RS_OK, RS_ERR_INVALID_ARG, RS_ERR_EMPTY (no ratings), RS_ERR_NUMERIC,
 *         RS_ERR_CANCELLED (the progress callback asked to stop: last complete epoch kept;
 *         the init policy failed: unchanged), RS_ERR_MISUSE, RS_ERR_NOMEM; on every
 *         failure the model is unchanged (see RS_PARAM_KEEP_PARTIAL)
 * Errors: may fail with RS_ERR_NOMEM; message in rs_model_last_error().
 * Ownership: nothing retained from train or valid.
 * Thread safety: exclusive (train and valid are only read)
 * @since 0.1
 */
RS_API rs_status rs_fit(rs_model *model, const rs_dataset *train, const rs_dataset *valid);

/**
 * rs_fit_consume() - rs_fit() that trains on train's ratings instead of a copy.
 *
 * The same fit as rs_fit() (the same model, bit for bit, for the same
 * parameters and data), but the rating columns of train become the
 * training data and then the model's seen lists, so no second copy of the
 * ratings is ever made: peak memory is about half of rs_fit()'s on large
 * data. On success train keeps its ids, features and parameters and has no
 * ratings left (rs_dataset_num_ratings() is 0). On failure it has all its
 * ratings again, possibly in a different order (the fit's grid order), and
 * the model is unchanged as with rs_fit(). train is copied as rs_fit() does
 * (and left as it was) when it is also valid, when it was made with another
 * allocator than the model, or in implicit mode (RS_PARAM_IMPLICIT), which
 * reads train's ratings during the run.
 *
 * @param model model
 * @param train training ratings (and features, for content/hybrid); its
 *        ratings are taken (see above)
 * @param valid validation ratings, or NULL; only read
 * @return as rs_fit()
 * Errors: may fail with RS_ERR_NOMEM; message in rs_model_last_error().
 * Ownership: the model takes train's rating arrays on success; nothing is retained from valid.
 * Thread safety: exclusive on model and on train (train is changed)
 * @since 0.2
 */
RS_API rs_status rs_fit_consume(rs_model *model, rs_dataset *train, const rs_dataset *valid);

/**
 * rs_model_num_epoch_stats() - number of epochs recorded by the last rs_fit.
 *
 * @param model model (NULL gives 0)
 * @return the count (0 before the first fit)
 * Errors: never fails.
 * Thread safety: shared
 * @since 0.1
 */
RS_API size_t rs_model_num_epoch_stats(const rs_model *model);

/**
 * rs_model_epoch_stats() - statistics of one epoch of the last rs_fit.
 *
 * @param model     model
 * @param epoch     0-based index < rs_model_num_epoch_stats(model)
 * @param stats_out caller buffer indexed by RS_STAT_*
 * @param cap       capacity of stats_out
 * @param n_out     receives the number of entries written (min(cap, available)); 0 on error
 * @return RS_OK, RS_ERR_INVALID_ARG, RS_ERR_RANGE
 * Errors: never allocates.
 * Thread safety: shared
 * @since 0.1
 */
RS_API rs_status rs_model_epoch_stats(const rs_model *model, size_t epoch, double *stats_out,
                                      size_t cap, size_t *n_out);

/* ---- scoring ---- */

/**
 * rs_predict() - predicted rating of one (user, item) pair.
 *
 * With RS_COLD_START_FALLBACK (default) an unknown id is scored by the
 * fallback chain: global mean, plus the item bias if the item is known, plus
 * the user bias if the user is known; the call then returns RS_FALLBACK.
 *
 * @param model     fitted model
 * @param user      external user id
 * @param item      external item id
 * @param score_out receives the score (always finite)
 * @return RS_OK, RS_FALLBACK, RS_ERR_INVALID_ARG, RS_ERR_STATE (not fitted),
 *         RS_ERR_UNKNOWN_ID (with RS_COLD_START_ERROR)
 * Errors: never allocates; writes no error message.
 * Thread safety: shared
 * @since 0.1
 */
RS_API rs_status rs_predict(const rs_model *model, int64_t user, int64_t item, float *score_out);

/**
 * rs_predict_batch() - predicted ratings of n pairs.
 *
 * @param model      fitted model
 * @param users      n external user ids
 * @param items      n external item ids
 * @param n          number of pairs
 * @param scores_out receives n scores (a failed pair gets 0)
 * @param status_out receives n per-pair statuses, or NULL
 * @return RS_OK; RS_FALLBACK if any pair used the fallback; the first per-pair
 *         error otherwise; RS_ERR_INVALID_ARG, RS_ERR_STATE
 * Errors: never allocates; writes no error message.
 * Thread safety: shared
 * @since 0.1
 */
RS_API rs_status rs_predict_batch(const rs_model *model, const int64_t *users, const int64_t *items,
                                  size_t n, float *scores_out, rs_status *status_out);

/**
 * rs_topk() - the k best-scored items for one user.
 *
 * Items the user rated in training are excluded unless flags has
 * RS_TOPK_INCLUDE_SEEN. Items in block are excluded; when allow is not NULL
 * only items in allow are candidates. Unknown ids in block/allow are ignored.
 * Exactly min(k, eligible items) are returned, best first, ties broken by the
 * smaller external item id. An unknown user is ranked by the fallback chain
 * (global mean + item bias) and the call returns RS_FALLBACK. Scores are the
 * model's raw scores: unlike rs_predict, they are not clamped to the rating
 * range (clamping would turn the head of the ranking into ties).
 *
 * With RS_PARAM_SERVE_QUANTIZED (collaborative models), the model keeps an
 * int8 copy of the item factors: the call scans it first, re-scores the best
 * candidates exactly, and re-scores further items only while the known bound
 * on the int8 error leaves them a chance, so the items and scores returned
 * are always those of the exact scan; only the time changes. Allow lists are
 * scored exactly either way. The call never starts threads.
 *
 * @param model      fitted model
 * @param user       external user id
 * @param k          number of items wanted; 0 is valid
 * @param flags      0 or RS_TOPK_INCLUDE_SEEN
 * @param block      n_block item ids never to return, or NULL
 * @param n_block    length of block
 * @param allow      n_allow candidate item ids, or NULL for all items
 * @param n_allow    length of allow
 * @param items_out  caller buffer of >= k item ids
 * @param scores_out caller buffer of >= k scores, or NULL
 * @param n_out      receives the number of items written (0 on error)
 * @return RS_OK, RS_FALLBACK, RS_ERR_INVALID_ARG, RS_ERR_STATE, RS_ERR_UNKNOWN_ID, RS_ERR_NOMEM
 * Errors: may fail with RS_ERR_NOMEM (scratch space comes from the model's
 *         allocator); writes no error message.
 * Ownership: no pointer is retained after return.
 * Thread safety: shared
 * @since 0.1
 */
RS_API rs_status rs_topk(const rs_model *model, int64_t user, size_t k, int32_t flags,
                         const int64_t *block, size_t n_block, const int64_t *allow,
                         size_t n_allow, int64_t *items_out, float *scores_out, size_t *n_out);

/**
 * rs_topk_batch() - rs_topk for many users at once (scores 64 users per tile of items).
 *
 * Row u of the outputs starts at u * k. Unknown users get the fallback ranking.
 * Each row equals what rs_topk returns for that user, bit for bit. With the
 * default RS_PARAM_THREADS = 1 the call starts no threads; since 0.2, with
 * RS_PARAM_THREADS > 1 it scores ranges of 256 users on up to that many
 * threads, started and joined inside the call (the rows are the same).
 *
 * @param model      fitted model
 * @param users      n_users external user ids
 * @param n_users    number of users
 * @param k          items per user
 * @param flags      0 or RS_TOPK_INCLUDE_SEEN
 * @param items_out  caller buffer of >= n_users * k item ids
 * @param scores_out caller buffer of >= n_users * k scores, or NULL
 * @param counts_out caller buffer of n_users counts (items written per user)
 * @return RS_OK, RS_FALLBACK (some user unknown), RS_ERR_INVALID_ARG, RS_ERR_STATE,
 *         RS_ERR_UNKNOWN_ID, RS_ERR_NOMEM
 * Errors: may fail with RS_ERR_NOMEM; writes no error message.
 * Ownership: no pointer is retained after return.
 * Thread safety: shared
 * @since 0.1
 */
RS_API rs_status rs_topk_batch(const rs_model *model, const int64_t *users, size_t n_users,
                               size_t k, int32_t flags, int64_t *items_out, float *scores_out,
                               size_t *counts_out);

/**
 * rs_topk_batch_ex() - rs_topk_batch() with a list of items to leave out for each user.
 *
 * The exclusions are in CSR form: user b's are exclude_items[exclude_offsets[b]]
 * to exclude_items[exclude_offsets[b + 1] - 1] (ids the model does not know
 * are ignored), on top of the seen items unless flags has
 * RS_TOPK_INCLUDE_SEEN. exclude_offsets NULL means no exclusions: the call
 * is then rs_topk_batch(). Row b of the outputs starts at b * k.
 *
 * @param model           fitted model
 * @param users           n_users external user ids
 * @param n_users         number of users
 * @param k               items per user
 * @param flags           0 or RS_TOPK_INCLUDE_SEEN
 * @param exclude_offsets n_users + 1 non-decreasing offsets into exclude_items, or NULL
 * @param exclude_items   the excluded item ids of all users, back to back (may be NULL
 *                        when no user has any)
 * @param items_out       caller buffer of >= n_users * k item ids
 * @param scores_out      caller buffer of >= n_users * k scores, or NULL
 * @param counts_out      caller buffer of n_users counts (items written per user)
 * @return as rs_topk_batch(), plus RS_ERR_INVALID_ARG for decreasing offsets
 * Errors: may fail with RS_ERR_NOMEM; writes no error message.
 * Ownership: no pointer is retained after return.
 * Thread safety: shared
 * @since 0.2
 */
RS_API rs_status rs_topk_batch_ex(const rs_model *model, const int64_t *users, size_t n_users,
                                  size_t k, int32_t flags, const size_t *exclude_offsets,
                                  const int64_t *exclude_items, int64_t *items_out,
                                  float *scores_out, size_t *counts_out);

/**
 * rs_similar_items() - the k items whose learned factors are closest by cosine.
 *
 * @param model      fitted model
 * @param item       external item id (excluded from its own result)
 * @param k          number wanted
 * @param items_out  caller buffer of >= k ids
 * @param scores_out caller buffer of >= k cosine similarities, or NULL
 * @param n_out      receives the number written (0 on error)
 * @return RS_OK, RS_ERR_INVALID_ARG, RS_ERR_STATE, RS_ERR_UNKNOWN_ID, RS_ERR_NOMEM
 * Errors: may fail with RS_ERR_NOMEM; writes no error message.
 * Thread safety: shared
 * @since 0.1
 */
RS_API rs_status rs_similar_items(const rs_model *model, int64_t item, size_t k, int64_t *items_out,
                                  float *scores_out, size_t *n_out);

/**
 * rs_similar_users() - the k users whose learned factors are closest by cosine.
 *
 * @param model      fitted model
 * @param user       external user id (excluded from its own result)
 * @param k          number wanted
 * @param users_out  caller buffer of >= k ids
 * @param scores_out caller buffer of >= k cosine similarities, or NULL
 * @param n_out      receives the number written (0 on error)
 * @return RS_OK, RS_ERR_INVALID_ARG, RS_ERR_STATE, RS_ERR_UNKNOWN_ID, RS_ERR_NOMEM
 * Errors: may fail with RS_ERR_NOMEM; writes no error message.
 * Thread safety: shared
 * @since 0.1
 */
RS_API rs_status rs_similar_users(const rs_model *model, int64_t user, size_t k, int64_t *users_out,
                                  float *scores_out, size_t *n_out);

/* ---- string ids ----
 * A model fitted on a dataset with RS_PARAM_STRING_IDS keeps the strings of
 * its ids (and saves them with the model). Every int64 call takes the id's
 * int64 key (rs_model_id_from_str, or rs_dataset_index_to_id on the
 * training data); the _str calls below take and return the strings
 * themselves. On a model with int64 ids they return RS_ERR_STATE. Top-k and
 * similarity results are written into one caller buffer as NUL-terminated
 * strings back to back: result j starts at ids_out + offsets_out[j], and
 * k * (RS_STR_ID_MAX + 1) bytes always suffice (RS_ERR_RANGE and *n_out = 0
 * when ids_cap is too small for the result). */

/**
 * rs_model_has_string_ids() - whether the model's ids are byte strings.
 *
 * @param model model (NULL or unfitted gives 0)
 * @return 1 when fitted (or loaded) with string ids, else 0
 * Errors: never fails.
 * Thread safety: shared
 * @since 0.2
 */
RS_API int32_t rs_model_has_string_ids(const rs_model *model);

/**
 * rs_model_id_from_str() - the int64 key of a string id, for the int64 calls.
 *
 * The key is a fixed 64-bit hash of the string (the same in every dataset
 * and model), so it is written even for a string the model does not know:
 * rs_predict and rs_topk then score it by the cold-start fallback chain.
 *
 * @param model  fitted model with string ids
 * @param side   RS_SIDE_USER or RS_SIDE_ITEM
 * @param id     NUL-terminated string id (1 to RS_STR_ID_MAX bytes)
 * @param id_out receives the key
 * @return RS_OK, RS_ERR_UNKNOWN_ID (not an id of the model; *id_out is still
 *         written), RS_ERR_INVALID_ARG, RS_ERR_STATE (int64 ids, or not fitted)
 * Errors: never allocates.
 * Thread safety: shared
 * @since 0.2
 */
RS_API rs_status rs_model_id_from_str(const rs_model *model, int32_t side, const char *id,
                                      int64_t *id_out);

/**
 * rs_model_id_to_str() - the string id of an int64 key (for example an item of rs_topk).
 *
 * @param model   fitted model with string ids
 * @param side    RS_SIDE_USER or RS_SIDE_ITEM
 * @param id      int64 key of an id of the model
 * @param buf     caller buffer; receives the string and a NUL when cap > length
 * @param cap     capacity of buf (RS_STR_ID_MAX + 1 always suffices)
 * @param len_out receives the length without the NUL (0 on error)
 * @return RS_OK, RS_ERR_INVALID_ARG, RS_ERR_STATE, RS_ERR_UNKNOWN_ID, RS_ERR_RANGE
 *         (cap <= length: nothing written, *len_out tells the length)
 * Errors: never allocates.
 * Thread safety: shared
 * @since 0.2
 */
RS_API rs_status rs_model_id_to_str(const rs_model *model, int32_t side, int64_t id, char *buf,
                                    size_t cap, size_t *len_out);

/**
 * rs_predict_str() - rs_predict() with string ids.
 *
 * @param model     fitted model with string ids
 * @param user      NUL-terminated user id (unknown ids use the fallback chain)
 * @param item      NUL-terminated item id
 * @param score_out receives the score
 * @return as rs_predict(), plus RS_ERR_STATE for a model with int64 ids
 * Errors: never allocates; writes no error message.
 * Thread safety: shared
 * @since 0.2
 */
RS_API rs_status rs_predict_str(const rs_model *model, const char *user, const char *item,
                                float *score_out);

/**
 * rs_topk_str() - rs_topk() with string ids in and out.
 *
 * @param model       fitted model with string ids
 * @param user        NUL-terminated user id (unknown: the fallback ranking, RS_FALLBACK)
 * @param k           number of items wanted
 * @param flags       0 or RS_TOPK_INCLUDE_SEEN
 * @param block       n_block item ids never to return, or NULL
 * @param n_block     length of block
 * @param allow       n_allow candidate item ids, or NULL for all items
 * @param n_allow     length of allow
 * @param ids_out     caller buffer of ids_cap bytes: the item ids as NUL-terminated
 *                    strings back to back (k * (RS_STR_ID_MAX + 1) bytes always suffice)
 * @param ids_cap     its capacity
 * @param offsets_out caller buffer of >= k offsets: result j is ids_out + offsets_out[j]
 * @param scores_out  caller buffer of >= k scores, or NULL
 * @param n_out       receives the number of items (0 on error)
 * @return as rs_topk(), plus RS_ERR_STATE (int64 ids) and RS_ERR_RANGE (ids_cap too small)
 * Errors: may fail with RS_ERR_NOMEM; writes no error message.
 * Ownership: no pointer is retained after return.
 * Thread safety: shared
 * @since 0.2
 */
RS_API rs_status rs_topk_str(const rs_model *model, const char *user, size_t k, int32_t flags,
                             const char *const *block, size_t n_block, const char *const *allow,
                             size_t n_allow, char *ids_out, size_t ids_cap, size_t *offsets_out,
                             float *scores_out, size_t *n_out);

/**
 * rs_similar_items_str() - rs_similar_items() with string ids in and out.
 *
 * @param model       fitted model with string ids
 * @param item        NUL-terminated item id
 * @param k           number wanted
 * @param ids_out     caller buffer: the item ids as NUL-terminated strings back to back
 * @param ids_cap     its capacity in bytes
 * @param offsets_out caller buffer of >= k offsets: result j is ids_out + offsets_out[j]
 * @param scores_out  caller buffer of >= k similarities, or NULL
 * @param n_out       receives the number written (0 on error)
 * @return as rs_similar_items(), plus RS_ERR_STATE and RS_ERR_RANGE (ids_cap)
 * Errors: may fail with RS_ERR_NOMEM; writes no error message.
 * Thread safety: shared
 * @since 0.2
 */
RS_API rs_status rs_similar_items_str(const rs_model *model, const char *item, size_t k,
                                      char *ids_out, size_t ids_cap, size_t *offsets_out,
                                      float *scores_out, size_t *n_out);

/**
 * rs_similar_users_str() - rs_similar_users() with string ids in and out.
 *
 * @param model       fitted model with string ids
 * @param user        NUL-terminated user id
 * @param k           number wanted
 * @param ids_out     caller buffer: the user ids as NUL-terminated strings back to back
 * @param ids_cap     its capacity in bytes
 * @param offsets_out caller buffer of >= k offsets: result j is ids_out + offsets_out[j]
 * @param scores_out  caller buffer of >= k similarities, or NULL
 * @param n_out       receives the number written (0 on error)
 * @return as rs_similar_users(), plus RS_ERR_STATE and RS_ERR_RANGE (ids_cap)
 * Errors: may fail with RS_ERR_NOMEM; writes no error message.
 * Thread safety: shared
 * @since 0.2
 */
RS_API rs_status rs_similar_users_str(const rs_model *model, const char *user, size_t k,
                                      char *ids_out, size_t ids_cap, size_t *offsets_out,
                                      float *scores_out, size_t *n_out);

/* ---- online updates ---- */

/**
 * rs_partial_fit() - train new ratings into a fitted model without a full retrain.
 *
 * New users and items in ratings are added to the model (their factors start
 * from the init policy, their biases at zero) and the new (user, item) pairs
 * join the seen lists. Then RS_PARAM_ONLINE_EPOCHS epochs of the same SGD
 * core run over the new ratings, mixed with RS_PARAM_REPLAY_RATIO times as
 * many ratings sampled from replay (older ratings the caller still holds;
 * ids the model does not know are skipped), so the model keeps what it
 * learned. The learning rate is RS_PARAM_LEARNING_RATE under the model's
 * policy (AdaGrad/Adam state starts fresh); the global mean is kept. The
 * divergence guard, clipping and the progress callback work as in rs_fit, and
 * the epoch statistics are replaced by this run's.
 *
 * @param model   fitted model
 * @param ratings the new ratings (features in it are ignored: register them
 *                with rs_model_set_features); with the model's kind of id
 *                (RS_ERR_STATE otherwise), so the strings of new string ids
 *                come along
 * @param replay  older ratings to sample from, or NULL
 * @return RS_OK, RS_ERR_INVALID_ARG, RS_ERR_STATE (not fitted), RS_ERR_EMPTY, RS_ERR_NUMERIC
 *         (diverged), RS_ERR_CANCELLED, RS_ERR_MISUSE, RS_ERR_RANGE (too many ids),
 *         RS_ERR_NOMEM; on every failure the model is unchanged, bit for bit (with
 *         RS_PARAM_KEEP_PARTIAL = 1 a divergence after a good epoch keeps that
 *         epoch; a stop the progress callback requests keeps the last complete one)
 * Errors: may fail with RS_ERR_NOMEM.
 * Ownership: nothing retained from ratings or replay.
 * Thread safety: exclusive
 * @since 0.1
 */
RS_API rs_status rs_partial_fit(rs_model *model, const rs_dataset *ratings, const rs_dataset *replay);

/**
 * rs_fold_in_user() - compute one user's bias and factors from their ratings,
 * with every item frozen, so a new user gets recommendations at once.
 *
 * The prediction is linear in the user's own bias and factors, so the
 * library solves the ridge regression exactly, shrunk toward the fallback
 * chain's prediction by a prior worth 5 ratings for the bias and 300
 * ratings along every factor dimension, plus the per-rating L2 of SGD
 * (RS_PARAM_L2_BIAS and RS_PARAM_L2_FACTORS times the number of ratings):
 * with one rating the user moves a little away from the fallback, with
 * hundreds the solve is what training does (docs/guide/online.md; since 0.2,
 * 0.1 had no prior). A new user id is added; a known user's parameters are
 * replaced. The rated items join the user's seen list. Items the model does
 * not know are skipped. A model with string ids folds in only ids it knows
 * (a new id needs its string: RS_ERR_STATE).
 *
 * @param model   fitted model (collaborative, content or hybrid)
 * @param user    external user id, new or known
 * @param items   n external item ids
 * @param ratings n finite ratings
 * @param n       number of ratings
 * @return RS_OK, RS_ERR_INVALID_ARG, RS_ERR_STATE, RS_ERR_RANGE (non-finite rating),
 *         RS_ERR_UNKNOWN_ID (no item known), RS_ERR_NUMERIC, RS_ERR_MISUSE, RS_ERR_NOMEM
 * Errors: may fail with RS_ERR_NOMEM; the model is unchanged on failure.
 * Ownership: nothing retained.
 * Thread safety: exclusive
 * @since 0.1
 */
RS_API rs_status rs_fold_in_user(rs_model *model, int64_t user, const int64_t *items,
                                 const float *ratings, size_t n);

/**
 * rs_fold_in_item() - compute one item's bias and factors from its ratings,
 * with every user frozen (collaborative and hybrid scorers; the content
 * scorer has no item factors - its items are their features - and returns
 * RS_ERR_STATE).
 *
 * @param model   fitted model
 * @param item    external item id, new or known
 * @param users   n external user ids
 * @param ratings n finite ratings
 * @param n       number of ratings
 * @return as rs_fold_in_user()
 * Errors: may fail with RS_ERR_NOMEM; the model is unchanged on failure.
 * Ownership: nothing retained.
 * Thread safety: exclusive
 * @since 0.1
 */
RS_API rs_status rs_fold_in_item(rs_model *model, int64_t item, const int64_t *users,
                                 const float *ratings, size_t n);

/* ---- cold start: new users and items with features ---- */

/**
 * rs_model_set_features() - register a user or item with its features, or
 * replace the features of a known one, on a fitted model.
 *
 * A new id starts with zero id parameters and no seen items: the content and
 * hybrid scorers then score it from its features alone, the collaborative
 * scorer from the global mean and the other side's bias (the fallback
 * chain's numbers, reported as RS_OK because the id is now known). After the
 * call rs_predict, rs_topk and the similarity calls accept the id. Feature
 * indices are the model's (see rs_model_feature_index); the collaborative
 * scorer has none, so it accepts only n == 0. A model with string ids takes
 * new ids only through rs_model_set_features_str (RS_ERR_STATE here).
 *
 * @param model    fitted model
 * @param side     RS_SIDE_USER or RS_SIDE_ITEM
 * @param id       external id, new or known
 * @param features n feature indices < rs_model_num_features(model, side), no duplicates
 * @param values   n finite values, or NULL for all 1
 * @param n        number of features (0 registers the id with no features)
 * @return RS_OK, RS_ERR_INVALID_ARG, RS_ERR_STATE (not fitted), RS_ERR_RANGE (index out of
 *         range, NaN/Inf value), RS_ERR_FORMAT (duplicate index), RS_ERR_MISUSE, RS_ERR_NOMEM
 * Errors: may fail with RS_ERR_NOMEM; the model is unchanged on failure.
 * Ownership: nothing retained.
 * Thread safety: exclusive
 * @since 0.1
 */
RS_API rs_status rs_model_set_features(rs_model *model, int32_t side, int64_t id,
                                       const int32_t *features, const float *values, size_t n);

/**
 * rs_model_set_features_str() - rs_model_set_features() for a string id.
 *
 * @param model    fitted model with string ids
 * @param side     RS_SIDE_USER or RS_SIDE_ITEM
 * @param id       NUL-terminated string id, new or known (1 to RS_STR_ID_MAX bytes)
 * @param features n feature indices
 * @param values   n finite values, or NULL for all 1
 * @param n        number of features
 * @return as rs_model_set_features(), plus RS_ERR_STATE (int64 ids) and RS_ERR_RANGE
 *         (a new id whose key another id of the model already has)
 * Errors: may fail with RS_ERR_NOMEM; the model is unchanged on failure.
 * Ownership: the id is copied.
 * Thread safety: exclusive
 * @since 0.2
 */
RS_API rs_status rs_model_set_features_str(rs_model *model, int32_t side, const char *id,
                                           const int32_t *features, const float *values,
                                           size_t n);

/**
 * rs_model_feature_index() - the model's index of a named feature.
 *
 * @param model     fitted model
 * @param side      RS_SIDE_USER or RS_SIDE_ITEM
 * @param name      feature name as declared in the training dataset
 * @param index_out receives the index (-1 on error)
 * @return RS_OK, RS_ERR_INVALID_ARG, RS_ERR_STATE, RS_ERR_UNKNOWN_ID (no such feature)
 * Errors: never allocates.
 * Thread safety: shared
 * @since 0.1
 */
RS_API rs_status rs_model_feature_index(const rs_model *model, int32_t side, const char *name,
                                        int32_t *index_out);

/**
 * rs_model_num_features() - number of features the model knows on one side.
 *
 * @param model model (NULL or unfitted gives 0)
 * @param side  RS_SIDE_USER or RS_SIDE_ITEM
 * @return the count (0 for the collaborative scorer)
 * Errors: never fails.
 * Thread safety: shared
 * @since 0.1
 */
RS_API size_t rs_model_num_features(const rs_model *model, int32_t side);

/* ---- persistence ----
 * One versioned, little-endian, checksummed binary format for every scorer
 * (docs/format.md). A blob written by a newer format version is refused with
 * RS_ERR_VERSION; a truncated, corrupt or foreign blob with RS_ERR_FORMAT.
 * Integrity is verified before content is believed: a damaged blob is always
 * RS_ERR_FORMAT, never RS_ERR_VERSION or RS_ERR_NOT_BUILT.
 * Loading never returns a half-built model. Saving is a read-only call: it
 * does not touch the model's last-error message, so its failures are
 * described in the optional errmsg buffer instead (as are load failures,
 * which have no model yet). errmsg may be NULL; it is always NUL-terminated
 * when errmsg_cap > 0 ("" on success). */

/**
 * rs_model_save() - write a fitted model through a writer callback.
 *
 * @param model      fitted model
 * @param writer     called with consecutive pieces of the blob; non-zero return fails the save
 * @param ud         user data for writer
 * @param errmsg     caller buffer for a message, or NULL
 * @param errmsg_cap capacity of errmsg
 * @return RS_OK, RS_ERR_INVALID_ARG, RS_ERR_STATE (not fitted), RS_ERR_IO (writer failed)
 * Errors: may allocate a small buffer (RS_ERR_NOMEM).
 * Ownership: nothing retained.
 * Thread safety: shared
 * @since 0.1
 */
RS_API rs_status rs_model_save(const rs_model *model, rs_writer_fn writer, void *ud, char *errmsg,
                               size_t errmsg_cap);

/**
 * rs_model_load() - read a model through a reader callback.
 *
 * @param out        receives the model, or NULL on failure
 * @param reader     reader hook, called until the blob is complete
 * @param ud         user data for reader
 * @param alloc      allocator hook for the new model; NULL = libc
 * @param alloc_ud   user data for alloc
 * @param errmsg     caller buffer for a message, or NULL
 * @param errmsg_cap capacity of errmsg
 * @return RS_OK, RS_ERR_INVALID_ARG, RS_ERR_FORMAT, RS_ERR_VERSION, RS_ERR_NOT_BUILT (scorer
 *         compiled out), RS_ERR_IO (reader failed), RS_ERR_NOMEM
 * Errors: may fail with RS_ERR_NOMEM; nothing is leaked on failure.
 * Ownership: free the model with rs_model_free().
 * Thread safety: any
 * @since 0.1
 */
RS_API rs_status rs_model_load(rs_model **out, rs_reader_fn reader, void *ud, rs_alloc_fn alloc,
                               void *alloc_ud, char *errmsg, size_t errmsg_cap);

/**
 * rs_model_save_file() - write a fitted model to a file, atomically.
 *
 * Writes a temporary file in the same directory, flushes it to disk and
 * renames it over path, so a crash mid-save never destroys an older file.
 *
 * @param model      fitted model
 * @param path       destination path
 * @param errmsg     caller buffer for a message, or NULL
 * @param errmsg_cap capacity of errmsg
 * @return RS_OK, RS_ERR_INVALID_ARG, RS_ERR_STATE, RS_ERR_IO, RS_ERR_NOT_BUILT (--disable-stdio)
 * Errors: may fail with RS_ERR_NOMEM.
 * Thread safety: shared
 * @since 0.1
 */
RS_API rs_status rs_model_save_file(const rs_model *model, const char *path, char *errmsg,
                                    size_t errmsg_cap);

/**
 * rs_model_load_file() - read a model from a file.
 *
 * @param out        receives the model, or NULL on failure
 * @param path       file path
 * @param alloc      allocator hook for the new model; NULL = libc
 * @param alloc_ud   user data for alloc
 * @param errmsg     caller buffer for a message, or NULL
 * @param errmsg_cap capacity of errmsg
 * @return as rs_model_load(), plus RS_ERR_IO (missing file) and RS_ERR_NOT_BUILT
 * Errors: may fail with RS_ERR_NOMEM.
 * Ownership: free the model with rs_model_free().
 * Thread safety: any
 * @since 0.1
 */
RS_API rs_status rs_model_load_file(rs_model **out, const char *path, rs_alloc_fn alloc,
                                    void *alloc_ud, char *errmsg, size_t errmsg_cap);

/**
 * rs_model_save_buffer() - write a fitted model into a caller buffer.
 *
 * @param model      fitted model
 * @param buf        caller buffer (may be NULL when cap is 0, to ask for the size)
 * @param cap        capacity of buf in bytes
 * @param size_out   receives the blob's size (also when buf is too small)
 * @param errmsg     caller buffer for a message, or NULL
 * @param errmsg_cap capacity of errmsg
 * @return RS_OK, RS_ERR_INVALID_ARG, RS_ERR_STATE, RS_ERR_RANGE (cap < *size_out; nothing useful written)
 * Errors: may fail with RS_ERR_NOMEM.
 * Thread safety: shared
 * @since 0.1
 */
RS_API rs_status rs_model_save_buffer(const rs_model *model, void *buf, size_t cap,
                                      size_t *size_out, char *errmsg, size_t errmsg_cap);

/**
 * rs_model_load_buffer() - read a model from memory (no filesystem needed).
 *
 * @param out        receives the model, or NULL on failure
 * @param buf        the blob
 * @param size       its size in bytes
 * @param alloc      allocator hook for the new model; NULL = libc
 * @param alloc_ud   user data for alloc
 * @param errmsg     caller buffer for a message, or NULL
 * @param errmsg_cap capacity of errmsg
 * @return as rs_model_load()
 * Errors: may fail with RS_ERR_NOMEM.
 * Ownership: buf is not retained; free the model with rs_model_free().
 * Thread safety: any
 * @since 0.1
 */
RS_API rs_status rs_model_load_buffer(rs_model **out, const void *buf, size_t size,
                                      rs_alloc_fn alloc, void *alloc_ud, char *errmsg,
                                      size_t errmsg_cap);

/* ---- inspection ---- */

/**
 * rs_model_num_users() - users known to the fitted model.
 *
 * @param model model (NULL gives 0)
 * @return the count (0 before fitting)
 * Errors: never fails.
 * Thread safety: shared
 * @since 0.1
 */
RS_API size_t rs_model_num_users(const rs_model *model);

/**
 * rs_model_num_items() - items known to the fitted model.
 *
 * @param model model (NULL gives 0)
 * @return the count (0 before fitting)
 * Errors: never fails.
 * Thread safety: shared
 * @since 0.1
 */
RS_API size_t rs_model_num_items(const rs_model *model);

/**
 * rs_model_copy_user_factors() - copy one user's learned factor vector.
 *
 * @param model fitted model
 * @param user  external user id
 * @param dst   caller buffer of cap floats
 * @param cap   capacity of dst
 * @param n_out receives the vector length (RS_PARAM_FACTORS); only min(cap, length) are copied
 * @return RS_OK, RS_ERR_INVALID_ARG, RS_ERR_STATE, RS_ERR_UNKNOWN_ID
 * Errors: never allocates.
 * Thread safety: shared
 * @since 0.1
 */
RS_API rs_status rs_model_copy_user_factors(const rs_model *model, int64_t user, float *dst,
                                            size_t cap, size_t *n_out);

/**
 * rs_model_copy_item_factors() - copy one item's learned factor vector.
 *
 * @param model fitted model
 * @param item  external item id
 * @param dst   caller buffer of cap floats
 * @param cap   capacity of dst
 * @param n_out receives the vector length; only min(cap, length) are copied
 * @return RS_OK, RS_ERR_INVALID_ARG, RS_ERR_STATE, RS_ERR_UNKNOWN_ID
 * Errors: never allocates.
 * Thread safety: shared
 * @since 0.1
 */
RS_API rs_status rs_model_copy_item_factors(const rs_model *model, int64_t item, float *dst,
                                            size_t cap, size_t *n_out);

#ifdef __cplusplus
}
#endif

#endif /* LIBRECSGD_MODEL_H */

/* librecsgd. SPDX-License-Identifier: BSD-2-Clause
 * featmodel.h: the feature-aware factor model shared by the content scorer
 * and (with item id parameters added) the hybrid scorer.
 *
 *   user vector  t_u = P_u + sum_g y_ug U_g          (id taste + feature map)
 *   item vector  z_i = [Q_i +] sum_f x_if V_f        (hybrid adds item ids)
 *   prediction   mu + b_u + b_i + sum_g y_ug d_g + sum_f x_if c_f + <t_u, z_i>
 *
 * Both scorers keep an id bias b_i per item (zero for a new item). During
 * training, RS_PARAM_ID_DROPOUT drops the user's or the item's id part
 * (bias and factors) from a rating at random, so the feature parts learn to
 * predict on their own: the cold-start setting.
 *
 * y_u and x_i are the sparse feature rows of the user and the item. A user or
 * item with features and no ratings still gets a profile from its features. */
#ifndef RS_SCORERS_FEATMODEL_H
#define RS_SCORERS_FEATMODEL_H

#include "scorers/scorer.h"

/* Block order (indices into rs__weights.blocks). */
enum {
    FM_UBIAS = 0,  /* b_u    n_users x 1 */
    FM_P = 1,      /* P      n_users x k */
    FM_IFBIAS = 2, /* c      n_item_features x 1 */
    FM_V = 3,      /* V      n_item_features x k */
    FM_UFBIAS = 4, /* d      n_user_features x 1 */
    FM_U = 5,      /* U      n_user_features x k */
    FM_IBIAS = 6,  /* b_i    n_items x 1 */
    FM_Q = 7       /* Q      n_items x k (hybrid only) */
};

/* RS_PARAM_COLD_TASTE adds two blocks after these (before the implicit
 * block): per user, theta_u over the item features, then an intercept and
 * the trained flag (FM_TASTE_EXTRA columns); per item, the same over the
 * user features. A pair adds x_i . theta_u + theta_u0 when the item had no
 * ratings in rs_fit (flag 0), and y_u . phi_i + phi_i0 when the user had
 * none. The cold-start refit fits them in closed form (coldfit.c); SGD never
 * moves them, so pred_grad has no touches for them. */
enum { FM_TASTE_EXTRA = 2 };
/* A side with more features than this gets a taste of the intercept alone:
 * the refit solves one dense system of that size per id of the other side. */
enum { FM_TASTE_MAX_FEATURES = 64 };

/* Index of the user taste block (the item one follows it), or -1. */
static inline int32_t rs__fm_taste_block(const rs__weights *w)
{
    int32_t b = w->n_blocks > FM_Q && w->blocks[FM_Q].role == RS__ROLE_ITEM_FACTORS ? FM_Q + 1
                                                                                  : FM_Q;
    return w->n_blocks > (size_t)b + 1 && w->blocks[b].role == RS__ROLE_USER_COLD_TASTE ? b : -1;
}

RS_INTERNAL rs_status rs__fm_layout(rs__weights *w, const rs__allocator *a, const rs__params *p,
                                    int with_item_ids);
RS_INTERNAL float rs__fm_predict(const rs__weights *w, int32_t u, int32_t i);
RS_INTERNAL size_t rs__fm_pred_grad(const rs__weights *w, int32_t u, int32_t i, rs__touch *t,
                                    size_t max_t, float *scratch, size_t scratch_floats);
RS_INTERNAL size_t rs__fm_max_touches(const rs__weights *w);
RS_INTERNAL size_t rs__fm_scratch_floats(const rs__weights *w);
struct rs__train_ctx;
struct rs__chunk;
/* The feature rows, trained deferred by the core (optim/deferred.h). */
#define RS__FM_DEFERRED_BLOCKS                                                                     \
    ((1u << FM_IFBIAS) | (1u << FM_V) | (1u << FM_UFBIAS) | (1u << FM_U))
/* The fused loop (fm_train.c): per-id caches of the frozen feature parts
 * and per-id gradient sums, every learning-rate and clip policy, run-time
 * ISA dispatch. */
RS_INTERNAL void rs__fm_train_chunk(struct rs__train_ctx *c, const struct rs__chunk *ch);
/* The loop of fits with implicit user factors (featmodel.c), which defer
 * nothing: one implicit sum per run of a user's ratings, every row stepped
 * per rating; rs__fm_train_chunk calls it for weights with the y_j block. */
RS_INTERNAL void rs__fm_train_chunk_implicit(struct rs__train_ctx *c, const struct rs__chunk *ch);
struct rs__deferred;
RS_INTERNAL rs_status rs__fm_defer_new(void **state, const rs__weights *w, const struct rs__deferred *d,
                                      const rs__allocator *a);
RS_INTERNAL void rs__fm_defer_free(void *state, const rs__allocator *a);
RS_INTERNAL void rs__fm_defer_collect(struct rs__train_ctx *c);
/* The cold-start refit hooks of rs__scorer_ops (see scorer.h). */
RS_INTERNAL int rs__fm_cold_blocks(const rs__weights *w, int32_t side, int32_t *bias_blk,
                                   int32_t *factor_blk);
RS_INTERNAL float rs__fm_predict_cold(const rs__weights *w, int32_t u, int32_t i, int32_t side);
RS_INTERNAL int32_t rs__fm_taste_block_of(const rs__weights *w, int32_t side);
/* The cold-start tastes' term of a pair's prediction (0 without the taste
 * blocks); use: bit 1 the user id part, bit 2 the item id part (fm_train.c
 * adds it to its prediction as predict does). */
RS_INTERNAL float rs__fm_cold_tastes(const rs__weights *w, int32_t u, int32_t i, int use);
RS_INTERNAL void rs__fm_cold_absorb(rs__weights *w, int32_t side, const float *old_bias,
                                    const float *old_factors, const uint32_t *ratings_per_id);

#endif

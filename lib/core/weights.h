/* librecsgd. SPDX-License-Identifier: BSD-2-Clause
 * weights.h (internal): parameter blocks, the learned state of every model.
 *
 * Learned state is a list of parameter blocks (rows x cols float matrices,
 * rows padded to 64 bytes). Every scorer declares its blocks through the
 * scorer interface; the optimizer core, snapshots, the divergence guard and
 * persistence treat all blocks alike and never need to know the scorer.
 * Blocks know nothing of rs_model: model.c and ids.c build on this file,
 * never the other way round. */
#ifndef RS_CORE_WEIGHTS_H
#define RS_CORE_WEIGHTS_H

#include <stddef.h>
#include <stdint.h>
#include <librecsgd/dataset.h>
#include "common/alloc.h"
#include "data/features.h"

/* What a block is: scorers look their blocks up by role. */
enum {
    RS__ROLE_USER_BIAS = 0,
    RS__ROLE_ITEM_BIAS,
    RS__ROLE_USER_FACTORS,
    RS__ROLE_ITEM_FACTORS,
    RS__ROLE_USER_FEATURE_FACTORS,
    RS__ROLE_ITEM_FEATURE_FACTORS,
    RS__ROLE_USER_FEATURE_BIAS,
    RS__ROLE_ITEM_FEATURE_BIAS,
    RS__ROLE_ITEM_IMPLICIT_FACTORS, /* y_j of RS_PARAM_IMPLICIT_USER_FACTORS, always the last block */
    /* RS_PARAM_COLD_TASTE: per user, the response to item features, an
     * intercept and a flag (1: the user had ratings in rs_fit); per item,
     * the same over user features. Fitted in closed form, never by SGD. */
    RS__ROLE_USER_COLD_TASTE,
    RS__ROLE_ITEM_COLD_TASTE,
    RS__ROLE_COUNT
};
/* Which L2 coefficient applies to a block. */
enum { RS__REG_FACTORS = 0, RS__REG_BIAS = 1, RS__REG_FEATURES = 2, RS__REG_IMPLICIT = 3 };
#define RS__REG_COUNT 4

/* The hybrid scorer's eight blocks, the two cold-start taste blocks and the
 * implicit vectors. */
#define RS__MAX_BLOCKS 11

typedef struct rs__block {
    int32_t role;       /* RS__ROLE_* */
    int32_t init_block; /* RS_BLOCK_* handed to the init policy, or -1: starts at zero */
    int32_t reg;        /* RS__REG_* */
    size_t rows, cols;  /* logical shape */
    size_t stride;      /* floats between rows: cols rounded up to 16 (1 for cols == 1) */
    size_t cap_rows;    /* rows allocated (>= rows; extra rows are zero) */
    float *data;        /* rows * stride floats, 64-byte aligned, padding kept at 0 */
    void *raw;
    size_t raw_bytes;
} rs__block;

typedef struct rs__weights {
    size_t n_blocks;
    rs__block blocks[RS__MAX_BLOCKS];
    size_t n_users, n_items, factors;
    float global_mean;
    float rating_min, rating_max; /* observed in training, for clamping */
    /* feature rows of known users/items (content, hybrid), by dense index */
    rs__features user_feat, item_feat;
    size_t n_user_features, n_item_features;
    /* With implicit user factors (an RS__ROLE_ITEM_IMPLICIT_FACTORS block):
     * N(u), the user's training items (the model's seen lists), as rows
     * indexed by user whose entries are item indices with the value
     * |N(u)|^-1/2; built by rs__weights_implicit_build, empty otherwise. */
    rs__features implicit;
} rs__weights;

/* Block of a role, or NULL. */
static inline rs__block *rs__weights_block(rs__weights *w, int32_t role)
{
    for (size_t b = 0; b < w->n_blocks; b++)
        if (w->blocks[b].role == role)
            return &w->blocks[b];
    return NULL;
}
static inline const rs__block *rs__weights_cblock(const rs__weights *w, int32_t role)
{
    for (size_t b = 0; b < w->n_blocks; b++)
        if (w->blocks[b].role == role)
            return &w->blocks[b];
    return NULL;
}
/* RS_SIDE_USER or RS_SIDE_ITEM for a block indexed by user or item id
 * (id biases and id factors), -1 for feature blocks. */
static inline int32_t rs__block_side(const rs__block *b)
{
    if (b->role == RS__ROLE_USER_BIAS || b->role == RS__ROLE_USER_FACTORS ||
        b->role == RS__ROLE_USER_COLD_TASTE)
        return RS_SIDE_USER;
    if (b->role == RS__ROLE_ITEM_BIAS || b->role == RS__ROLE_ITEM_FACTORS ||
        b->role == RS__ROLE_ITEM_COLD_TASTE ||
        b->role == RS__ROLE_ITEM_IMPLICIT_FACTORS) /* one row per item id */
        return RS_SIDE_ITEM;
    return -1;
}
static inline size_t rs__stride_for(size_t cols) { return cols <= 1 ? 1 : (cols + 15) & ~(size_t)15; }

/* Declare a block (data allocated zeroed). */
RS_INTERNAL rs_status rs__weights_add_block(rs__weights *w, const rs__allocator *a, int32_t role,
                                            int32_t init_block, int32_t reg, size_t rows,
                                            size_t cols);
RS_INTERNAL void rs__weights_free(rs__weights *w, const rs__allocator *a);
/* Bytes the weights hold through their allocator (what rs__weights_free releases). */
RS_INTERNAL size_t rs__weights_bytes(const rs__weights *w);
/* Make room for `rows` rows (the new rows are zero); rows itself is unchanged. */
RS_INTERNAL rs_status rs__block_reserve_rows(rs__block *b, const rs__allocator *a, size_t rows);
/* Same shapes as src, contents copied (dst must be empty). */
RS_INTERNAL rs_status rs__weights_clone(rs__weights *dst, const rs__weights *src,
                                        const rs__allocator *a);
/* Copy contents between two weights of the same shapes. */
RS_INTERNAL void rs__weights_copy_data(rs__weights *dst, const rs__weights *src);
/* 1 if every parameter is finite. */
RS_INTERNAL int rs__weights_all_finite(const rs__weights *w);
/* Index of the implicit-vector block (the scorers declare it last), or -1. */
static inline int32_t rs__weights_implicit_block(const rs__weights *w)
{
    return w->n_blocks > 0 && w->blocks[w->n_blocks - 1].role == RS__ROLE_ITEM_IMPLICIT_FACTORS
               ? (int32_t)w->n_blocks - 1
               : -1;
}
/* N(u) rows for users [0, n_users) from seen lists (off: n_users + 1
 * offsets into items, each list sorted and distinct) into *out (initialised
 * here; on failure empty). */
RS_INTERNAL rs_status rs__weights_implicit_build(rs__features *out, const rs__allocator *a,
                                                 const size_t *off, const int32_t *items,
                                                 size_t n_users);
/* The longest N(u) row (rs__scorer_ops.max_touches needs it). */
RS_INTERNAL size_t rs__weights_implicit_max_row(const rs__weights *w);

#endif

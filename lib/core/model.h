/* librecsgd. SPDX-License-Identifier: BSD-2-Clause
 * model.h (internal): the layout of rs_model.
 *
 * Learned state is a list of parameter blocks (rows x cols float matrices,
 * rows padded to 64 bytes). Every scorer declares its blocks through the
 * scorer interface; the optimizer core, snapshots, the divergence guard and
 * persistence treat all blocks alike and never need to know the scorer. */
#ifndef RS_CORE_MODEL_H
#define RS_CORE_MODEL_H

#include <stddef.h>
#include <stdint.h>
#include <librecsgd/model.h>
#include "common/alloc.h"
#include "common/error.h"
#include "data/idmap.h"
#include "data/features.h"
#include "common/q8mat.h"
#include "params.h"

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
    RS__ROLE_COUNT
};
/* Which L2 coefficient applies to a block. */
enum { RS__REG_FACTORS = 0, RS__REG_BIAS = 1, RS__REG_FEATURES = 2 };

#define RS__MAX_BLOCKS 8

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
} rs__weights;

/* The int8 copy of the item vectors that RS_PARAM_SERVE_QUANTIZED asks for:
 * a cache the exclusive calls that change item parameters keep current
 * (rs__model_serving_refresh); rs_topk only reads it, and scores exactly
 * without it. */
typedef struct rs__serving {
    rs__q8mat items;     /* items.n == 0: no copy */
    float bias_absmax;   /* >= |item bias| of every row of the copy */
    const float *src;    /* the item-factor rows it was built from */
} rs__serving;

struct rs_model {
    rs__allocator alloc;
    rs__errbuf err;
    int32_t scorer_kind;
    const struct rs__scorer_ops *ops;
    rs__params params;
    /* callbacks */
    rs_log_fn log_fn;           void *log_ud;
    rs_progress_fn progress_fn; void *progress_ud;
    rs_init_fn init_fn;         void *init_ud; /* NULL: built-in from params.init */
    rs_clip_fn clip_fn;         void *clip_ud; /* NULL: built-in from params.clip */
    int32_t in_callback;        /* set while a callback runs: re-entry is RS_ERR_MISUSE */
    /* fitted state */
    int32_t fitted;
    rs__idmap users, items;
    rs__weights w;
    size_t *seen_off;           /* n_users + 1 offsets into seen_item (room for seen_users_cap + 1) */
    size_t seen_users_cap;
    int32_t *seen_item;         /* each user's training items, sorted ascending */
    size_t seen_nnz;
    /* statistics of the last fit: n_epoch_stats rows of RS__NSTATS doubles */
    double *epoch_stats;
    size_t n_epoch_stats, epoch_stats_cap;
    /* serving: the optional int8 copy of the item vectors (lib/core/serving.c) */
    rs__serving serving;
};

#define RS__NSTATS ((size_t)RS_STAT_COUNT_V0_1)

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
    if (b->role == RS__ROLE_USER_BIAS || b->role == RS__ROLE_USER_FACTORS)
        return RS_SIDE_USER;
    if (b->role == RS__ROLE_ITEM_BIAS || b->role == RS__ROLE_ITEM_FACTORS)
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

/* Drop the fitted state (weights, id maps, seen lists). */
RS_INTERNAL void rs__model_clear_fitted(rs_model *m);

/* Room for `extra` more ids on one side (RS_SIDE_*) of a fitted model:
 * id map, every id-indexed block and the seen lists. Nothing observable
 * changes, so a later failure needs no undo. */
RS_INTERNAL rs_status rs__model_reserve_ids(rs_model *m, int32_t side, size_t extra);
/* Add a new id after rs__model_reserve_ids: zero parameters, no seen items.
 * Cannot fail. Returns the dense index. */
RS_INTERNAL int32_t rs__model_push_id(rs_model *m, int32_t side, int64_t id);

/* Undo rs__model_push_id back to `count` ids on one side. */
RS_INTERNAL void rs__model_pop_ids(rs_model *m, int32_t side, size_t count);

/* The serving copy (lib/core/serving.c). refresh: item rows [first,
 * first + count) changed, or rows were added (count = SIZE_MAX: all rows,
 * as after a fit); builds, updates or drops the copy as the parameters say.
 * On failure the copy is dropped (serving stays exact, only slower) and a
 * warning is logged. build: the same for all rows, reporting failure
 * (RS_ERR_NOMEM) instead, for callers that can still fail cleanly. */
RS_INTERNAL void rs__model_serving_refresh(rs_model *m, size_t first, size_t count);
RS_INTERNAL rs_status rs__model_serving_build(rs_model *m);
RS_INTERNAL void rs__model_serving_free(rs_model *m);
/* The copy when it matches the model's current item factors Q, else NULL. */
RS_INTERNAL const rs__serving *rs__model_serving_copy(const rs_model *m);

/* Log through the model's hook (no-op without one). */
RS_INTERNAL void rs__log(rs_model *m, int32_t level, const char *fmt, ...) RS_PRINTF(3, 4);

#endif

/* librecsgd. SPDX-License-Identifier: BSD-2-Clause
 * model.h (internal): the layout of rs_model: parameters, callbacks, id
 * maps, the learned blocks (weights.h), seen lists and epoch statistics. */
#ifndef RS_CORE_MODEL_H
#define RS_CORE_MODEL_H

#include <stddef.h>
#include <stdint.h>
#include <librecsgd/model.h>
#include "common/alloc.h"
#include "common/error.h"
#include "data/idmap.h"
#include "common/params.h"
#include "common/q8mat.h"
/* The misuse check of lib/core/inflight.h exists when threads do. */
#if RS_ENABLE_THREADS && !defined(__STDC_NO_ATOMICS__)
#define RS__MISUSE_CHECK 1
#include <stdatomic.h>
#else
#define RS__MISUSE_CHECK 0
#endif

#if RS__MISUSE_CHECK
/* A shared call marks one reader slot busy while it runs, picked by its
 * thread's stack address; each slot has a cache line of its own, so threads
 * serving one model do not write a common line. */
#define RS__READER_SLOTS_LOG2 4
#define RS__READER_SLOTS (1u << RS__READER_SLOTS_LOG2)
#define RS__CACHE_LINE 64
typedef struct rs__reader_slot {
    atomic_int busy;
    unsigned char pad_[RS__CACHE_LINE - sizeof(atomic_int)];
} rs__reader_slot;
/* Bits of rs__inflight.exclusive. */
#define RS__INFLIGHT_EXCLUSIVE 1      /* an exclusive call runs (or checks for readers) */
#define RS__INFLIGHT_READERS_FENCE 2  /* always set when readers_fence is: shared calls fence */
typedef struct rs__inflight {
    atomic_int exclusive; /* RS__INFLIGHT_* bits */
    int readers_fence;    /* 1: readers need a full fence (no membarrier(2)); 0: a compiler barrier */
    unsigned char pad_[RS__CACHE_LINE - sizeof(atomic_int) - sizeof(int)];
    rs__reader_slot readers[RS__READER_SLOTS];
} rs__inflight;
#endif

#include "weights.h"

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
    uint64_t params_set[RS__PARAM_SET_WORDS]; /* rows the user set (implicit-mode defaults skip them) */
    /* callbacks */
    rs_log_fn log_fn;           void *log_ud;
    rs_progress_fn progress_fn; void *progress_ud;
    rs_init_fn init_fn;         void *init_ud; /* NULL: built-in from params.init */
    rs_clip_fn clip_fn;         void *clip_ud; /* NULL: built-in from params.clip */
    int32_t in_callback;        /* set while a callback runs: re-entry is RS_ERR_MISUSE */
#if RS__MISUSE_CHECK
    rs__inflight inflight;      /* shared calls in flight, or an exclusive one (inflight.h) */
#endif
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

#define RS__NSTATS ((size_t)RS_STAT_COUNT_V0_2)

/* A new, unfitted model with every parameter at its default, using the given
 * scorer ops (rs_model_new looks them up). *out is NULL on failure. */
RS_INTERNAL rs_status rs__model_create(rs_model **out, int32_t scorer,
                                       const struct rs__scorer_ops *ops, rs_alloc_fn alloc,
                                       void *alloc_ud);

/* Drop the fitted state (weights, id maps, seen lists). */
RS_INTERNAL void rs__model_clear_fitted(rs_model *m);

/* Room for `extra` more ids on one side (RS_SIDE_*) of a fitted model:
 * id map, every id-indexed block and the seen lists. Nothing observable
 * changes, so a later failure needs no undo. */
RS_INTERNAL rs_status rs__model_reserve_ids(rs_model *m, int32_t side, size_t extra);
/* Add a new id after rs__model_reserve_ids: zero parameters, no seen items.
 * Cannot fail. Returns the dense index. */
RS_INTERNAL int32_t rs__model_push_id(rs_model *m, int32_t side, int64_t id);

/* The string-aware pair for ids that arrive with a dataset (rs_partial_fit):
 * room for every id of `fresh` (ids new to the model), with their strings
 * looked up by key in `src` when the model has string ids; then the push.
 * The kinds of id must agree (RS_ERR_STATE with a message otherwise). A
 * string model refuses rs__model_reserve_ids (RS_ERR_STATE): its new ids
 * need their bytes. */
RS_INTERNAL rs_status rs__model_reserve_new_ids(rs_model *m, int32_t side, const rs__idmap *fresh,
                                                const rs__idmap *src);
RS_INTERNAL void rs__model_push_new_ids(rs_model *m, int32_t side, const rs__idmap *fresh,
                                        const rs__idmap *src);

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

/* Threads a shared call of n_tasks tasks (an evaluation, rs_topk_batch)
 * uses on m: RS_PARAM_THREADS, at most n_tasks, 1 without thread support. */
static inline size_t rs__model_workers(const rs_model *m, size_t n_tasks)
{
#if RS_ENABLE_THREADS
    size_t t = m->params.threads > 1 ? (size_t)m->params.threads : 1;
    if (t > n_tasks)
        t = n_tasks ? n_tasks : 1;
    return t;
#else
    (void)m;
    (void)n_tasks;
    return 1;
#endif
}

#endif

/* librecsgd. SPDX-License-Identifier: BSD-2-Clause
 * params.h: the hyper-parameter table. One row per RS_PARAM_* (model and
 * dataset parameters): its name, type, bounds, default and where its value
 * lives, so that setters, getters, bounds, name lookup and the tests all read
 * the same table. It sits in lib/common, below both lib/data and lib/core, so
 * the dataset reads its rows without reaching up into the model layer. */
#ifndef RS_COMMON_PARAMS_H
#define RS_COMMON_PARAMS_H

#include <stddef.h>
#include <stdint.h>
#include <librecsgd/model.h>
#include "config.h"
#include "error.h"

typedef struct rs__params {
    int64_t factors, epochs, threads, seed, patience, clamp, online_epochs, implicit, negatives;
    int64_t cold_epochs, epochs_trained, keep_partial;
    double learning_rate, l2_factors, l2_bias, l2_features, lr_decay, tolerance;
    double init_scale, clip_threshold, adam_beta1, adam_beta2, epsilon, divergence, replay_ratio;
    double id_dropout, confidence;
    int64_t lr_policy, init, clip, on_divergence, cold_start, scorer;
    int64_t serve_quantized, serve_oversample; /* serving: RS_QUANT_*, candidates per item */
    int64_t implicit_user_factors;       /* SVD++ (RS_PARAM_IMPLICIT_USER_FACTORS) */
    int64_t cold_taste;                  /* RS_PARAM_COLD_TASTE */
    double l2_implicit, implicit_lr_scale;
} rs__params;

enum { RS__PT_INT = 0, RS__PT_REAL = 1, RS__PT_CHOICE = 2 };
enum { RS__OWNER_MODEL = 0, RS__OWNER_DATASET = 1 };

typedef struct rs__param_info {
    rs_param id;
    const char *name;
    int32_t type;     /* RS__PT_* */
    int32_t owner;    /* RS__OWNER_* */
    double lo, hi;    /* inclusive unless lo_open / hi_open */
    int32_t lo_open, hi_open;
    int32_t read_only;
    double def;
    size_t offset;    /* byte offset of the value inside rs__params (model rows) */
} rs__param_info;

/* Row for id, or NULL. */
RS_INTERNAL const rs__param_info *rs__param_find(rs_param id);
/* Every value at its default. */
RS_INTERNAL void rs__params_default(rs__params *p);
/* Bits of "set by the user" per table row (rs__param_index), kept by the
 * model so that mode-dependent defaults never override the user's choice. */
#define RS__PARAM_SET_WORDS 4
/* Position of a row in the table. */
RS_INTERNAL size_t rs__param_index(const rs__param_info *r);
/* The default of a row in explicit (implicit == 0) or implicit mode. */
RS_INTERNAL double rs__param_default(const rs__param_info *r, int implicit);
/* Every model parameter the user has not set takes its default for the
 * mode (RS_PARAM_IMPLICIT itself excepted). */
RS_INTERNAL void rs__params_apply_mode(rs__params *p, const uint64_t *user_set, int implicit);

/* Check a value against its row: type (is_real_setter says which setter was
 * used), read-only, finiteness and bounds. Writes a message naming the bounds. */
RS_INTERNAL rs_status rs__param_check_int(const rs__param_info *r, int64_t value, rs__errbuf *err);
RS_INTERNAL rs_status rs__param_check_real(const rs__param_info *r, double value, rs__errbuf *err);
#endif

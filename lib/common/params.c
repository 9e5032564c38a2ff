/* librecsgd. SPDX-License-Identifier: BSD-2-Clause
 * params.c: the one table of hyper-parameters (model and dataset). */
#include "params.h"

#include <stddef.h>
#include <string.h>
#include <librecsgd/dataset.h>

#define OFF(field) offsetof(rs__params, field)
#define NONE ((size_t)-1)

static const rs__param_info TABLE[] = {
    /* id, name, type, owner, lo, hi, lo_open, hi_open, read_only, default, offset */
    {RS_PARAM_FACTORS, "factors", RS__PT_INT, RS__OWNER_MODEL, 1, 4096, 0, 0, 0, 128, OFF(factors)},
    {RS_PARAM_EPOCHS, "epochs", RS__PT_INT, RS__OWNER_MODEL, 1, 100000, 0, 0, 0, 80, OFF(epochs)},
    {RS_PARAM_THREADS, "threads", RS__PT_INT, RS__OWNER_MODEL, 1, 256, 0, 0, 0, 1, OFF(threads)},
    {RS_PARAM_SEED, "seed", RS__PT_INT, RS__OWNER_MODEL, 0, 4611686018427387904.0, 0, 0, 0, 42, OFF(seed)},
    {RS_PARAM_PATIENCE, "patience", RS__PT_INT, RS__OWNER_MODEL, 1, 100000, 0, 0, 0, 3, OFF(patience)},
    {RS_PARAM_CLAMP, "clamp", RS__PT_INT, RS__OWNER_MODEL, 0, 1, 0, 0, 0, 1, OFF(clamp)},
    {RS_PARAM_IMPLICIT, "implicit", RS__PT_INT, RS__OWNER_MODEL, 0, 1, 0, 0, 0, 0, OFF(implicit)},
    {RS_PARAM_NEGATIVES, "negatives", RS__PT_INT, RS__OWNER_MODEL, 1, 100, 0, 0, 0, 4, OFF(negatives)},
    {RS_PARAM_ONLINE_EPOCHS, "online_epochs", RS__PT_INT, RS__OWNER_MODEL, 1, 1000, 0, 0, 0, 5, OFF(online_epochs)},
    {RS_PARAM_COLD_EPOCHS, "cold_epochs", RS__PT_INT, RS__OWNER_MODEL, 0, 1000, 0, 0, 0, 10, OFF(cold_epochs)},
    /* read_only 2: state of the model, not settable, but saved and loaded */
    {RS_PARAM_EPOCHS_TRAINED, "epochs_trained", RS__PT_INT, RS__OWNER_MODEL, 0, 4611686018427387904.0, 0, 0, 2, 0, OFF(epochs_trained)},
    {RS_PARAM_SERVE_OVERSAMPLE, "serve_oversample", RS__PT_INT, RS__OWNER_MODEL, 1, 1000, 0, 0, 0, 8, OFF(serve_oversample)},
    {RS_PARAM_KEEP_PARTIAL, "keep_partial", RS__PT_INT, RS__OWNER_MODEL, 0, 1, 0, 0, 0, 0, OFF(keep_partial)},
    {RS_PARAM_IMPLICIT_USER_FACTORS, "implicit_user_factors", RS__PT_INT, RS__OWNER_MODEL, 0, 1, 0, 0, 0, 0, OFF(implicit_user_factors)},
    {RS_PARAM_COLD_TASTE, "cold_taste", RS__PT_INT, RS__OWNER_MODEL, 0, 1, 0, 0, 0, 1, OFF(cold_taste)},

    {RS_PARAM_LEARNING_RATE, "learning_rate", RS__PT_REAL, RS__OWNER_MODEL, 0, 10, 1, 0, 0, 0.05, OFF(learning_rate)},
    {RS_PARAM_L2_FACTORS, "l2_factors", RS__PT_REAL, RS__OWNER_MODEL, 0, 1e3, 0, 0, 0, 0.06, OFF(l2_factors)},
    {RS_PARAM_L2_BIAS, "l2_bias", RS__PT_REAL, RS__OWNER_MODEL, 0, 1e3, 0, 0, 0, 0.03, OFF(l2_bias)},
    {RS_PARAM_L2_FEATURES, "l2_features", RS__PT_REAL, RS__OWNER_MODEL, 0, 1e3, 0, 0, 0, 0.05, OFF(l2_features)},
    {RS_PARAM_LR_DECAY, "lr_decay", RS__PT_REAL, RS__OWNER_MODEL, 0, 1e3, 0, 0, 0, 0.5, OFF(lr_decay)},
    {RS_PARAM_TOLERANCE, "tolerance", RS__PT_REAL, RS__OWNER_MODEL, 0, 1, 0, 0, 0, 1e-4, OFF(tolerance)},
    {RS_PARAM_INIT_SCALE, "init_scale", RS__PT_REAL, RS__OWNER_MODEL, 0, 100, 0, 0, 0, 0.005, OFF(init_scale)},
    {RS_PARAM_CLIP_THRESHOLD, "clip_threshold", RS__PT_REAL, RS__OWNER_MODEL, 0, 1e6, 1, 0, 0, 1.0, OFF(clip_threshold)},
    {RS_PARAM_ADAM_BETA1, "adam_beta1", RS__PT_REAL, RS__OWNER_MODEL, 0, 1, 0, 1, 0, 0.9, OFF(adam_beta1)},
    {RS_PARAM_ADAM_BETA2, "adam_beta2", RS__PT_REAL, RS__OWNER_MODEL, 0, 1, 0, 1, 0, 0.999, OFF(adam_beta2)},
    {RS_PARAM_EPSILON, "epsilon", RS__PT_REAL, RS__OWNER_MODEL, 0, 1, 1, 0, 0, 1e-8, OFF(epsilon)},
    {RS_PARAM_REPLAY_RATIO, "replay_ratio", RS__PT_REAL, RS__OWNER_MODEL, 0, 100, 0, 0, 0, 1.0, OFF(replay_ratio)},
    {RS_PARAM_CONFIDENCE, "confidence", RS__PT_REAL, RS__OWNER_MODEL, 0, 1e3, 0, 0, 0, 0.0, OFF(confidence)},
    {RS_PARAM_ID_DROPOUT, "id_dropout", RS__PT_REAL, RS__OWNER_MODEL, 0, 1, 0, 1, 0, 0.0, OFF(id_dropout)},
    {RS_PARAM_DIVERGENCE, "divergence", RS__PT_REAL, RS__OWNER_MODEL, 1, 1e6, 1, 0, 0, 4.0, OFF(divergence)},
    {RS_PARAM_L2_IMPLICIT, "l2_implicit", RS__PT_REAL, RS__OWNER_MODEL, 0, 1e3, 0, 0, 0, 0.005, OFF(l2_implicit)},
    {RS_PARAM_IMPLICIT_LR_SCALE, "implicit_lr_scale", RS__PT_REAL, RS__OWNER_MODEL, 0, 100, 1, 0, 0, 1.0, OFF(implicit_lr_scale)},

    {RS_PARAM_LR_POLICY, "lr_policy", RS__PT_CHOICE, RS__OWNER_MODEL, 0, 4, 0, 0, 0, RS_LR_AUTO, OFF(lr_policy)},
    {RS_PARAM_INIT, "init", RS__PT_CHOICE, RS__OWNER_MODEL, 0, 3, 0, 0, 0, RS_INIT_NORMAL, OFF(init)},
    {RS_PARAM_CLIP, "clip", RS__PT_CHOICE, RS__OWNER_MODEL, 0, 2, 0, 0, 0, RS_CLIP_NONE, OFF(clip)},
    {RS_PARAM_ON_DIVERGENCE, "on_divergence", RS__PT_CHOICE, RS__OWNER_MODEL, 0, 1, 0, 0, 0, RS_DIVERGENCE_STOP, OFF(on_divergence)},
    {RS_PARAM_COLD_START, "cold_start", RS__PT_CHOICE, RS__OWNER_MODEL, 0, 1, 0, 0, 0, RS_COLD_START_FALLBACK, OFF(cold_start)},
    {RS_PARAM_SCORER, "scorer", RS__PT_CHOICE, RS__OWNER_MODEL, 1, 3, 0, 0, 1, RS_SCORER_COLLABORATIVE, OFF(scorer)},
    {RS_PARAM_SERVE_QUANTIZED, "serve_quantized", RS__PT_CHOICE, RS__OWNER_MODEL, 0, 1, 0, 0, 0, RS_QUANT_NONE, OFF(serve_quantized)},

    {RS_PARAM_RATING_MIN, "rating_min", RS__PT_REAL, RS__OWNER_DATASET, -1e30, 1e30, 0, 0, 0, -1e6, NONE},
    {RS_PARAM_RATING_MAX, "rating_max", RS__PT_REAL, RS__OWNER_DATASET, -1e30, 1e30, 0, 0, 0, 1e6, NONE},
    {RS_PARAM_HAS_HEADER, "has_header", RS__PT_INT, RS__OWNER_DATASET, -1, 1, 0, 0, 0, -1, NONE},
    {RS_PARAM_STRING_IDS, "string_ids", RS__PT_INT, RS__OWNER_DATASET, 0, 1, 0, 0, 0, 0, NONE},
    {RS_PARAM_TIMESTAMPS, "timestamps", RS__PT_INT, RS__OWNER_DATASET, 0, 1, 0, 0, 0, 1, NONE},
    {RS_PARAM_CSV_DELIMITER, "csv_delimiter", RS__PT_INT, RS__OWNER_DATASET, 1, 255, 0, 0, 0, ',', NONE},
    {RS_PARAM_CSV_USER_COL, "csv_user_col", RS__PT_INT, RS__OWNER_DATASET, -1, 1023, 0, 0, 0, -1, NONE},
    {RS_PARAM_CSV_ITEM_COL, "csv_item_col", RS__PT_INT, RS__OWNER_DATASET, -1, 1023, 0, 0, 0, -1, NONE},
    {RS_PARAM_CSV_RATING_COL, "csv_rating_col", RS__PT_INT, RS__OWNER_DATASET, -1, 1023, 0, 0, 0, -1, NONE},
    {RS_PARAM_CSV_TIME_COL, "csv_time_col", RS__PT_INT, RS__OWNER_DATASET, -1, 1023, 0, 0, 0, -1, NONE},
    {RS_PARAM_MOVIELENS_TITLE_WORDS, "movielens_title_words", RS__PT_INT, RS__OWNER_DATASET, 0, 1000000, 0, 0, 0, 0, NONE},
    {RS_PARAM_MOVIELENS_YEAR, "movielens_year", RS__PT_INT, RS__OWNER_DATASET, 0, 1, 0, 0, 0, 0, NONE},
};

/* Defaults that differ in implicit mode (RS_PARAM_IMPLICIT = 1): a model
 * whose parameter was never set by the user takes these while implicit mode
 * is on (docs/guide/tuning.md). Ranking with sampled negatives needs more
 * epochs than rating prediction (the loss over fresh negatives stops
 * shrinking early, so the tolerance test is off), a larger constant step and
 * initialisation, and less L2 (every negative applies it too: feature rows,
 * touched by most updates, need far less). Chosen on MovieLens 100K
 * (bench/implicit, bench/coldstart's ranking protocol). */
static const struct {
    rs_param id;
    double value;
} IMPLICIT_DEFAULTS[] = {
    {RS_PARAM_FACTORS, 64},
    {RS_PARAM_EPOCHS, 50},
    {RS_PARAM_LEARNING_RATE, 0.02},
    {RS_PARAM_INIT_SCALE, 0.05},
    {RS_PARAM_L2_FACTORS, 0.02},
    {RS_PARAM_L2_FEATURES, 0.001},
    {RS_PARAM_TOLERANCE, 0.0},
    {RS_PARAM_LR_POLICY, RS_LR_CONSTANT},
};

double rs__param_default(const rs__param_info *r, int implicit)
{
    if (implicit)
        for (size_t k = 0; k < sizeof IMPLICIT_DEFAULTS / sizeof IMPLICIT_DEFAULTS[0]; k++)
            if (IMPLICIT_DEFAULTS[k].id == r->id)
                return IMPLICIT_DEFAULTS[k].value;
    return r->def;
}

_Static_assert(sizeof TABLE / sizeof TABLE[0] <= 64 * RS__PARAM_SET_WORDS,
               "rs_model.params_set needs more words");

size_t rs__param_index(const rs__param_info *r) { return (size_t)(r - TABLE); }

void rs__params_apply_mode(rs__params *p, const uint64_t *user_set, int implicit)
{
    for (size_t i = 0; i < sizeof TABLE / sizeof TABLE[0]; i++) {
        const rs__param_info *r = &TABLE[i];
        if (r->owner != RS__OWNER_MODEL || r->read_only || r->id == RS_PARAM_IMPLICIT ||
            (user_set[i / 64] >> (i % 64) & 1))
            continue;
        char *slot = (char *)p + r->offset;
        if (r->type == RS__PT_REAL)
            *(double *)slot = rs__param_default(r, implicit);
        else
            *(int64_t *)slot = (int64_t)rs__param_default(r, implicit);
    }
}

const rs__param_info *rs__param_find(rs_param id)
{
    for (size_t i = 0; i < sizeof TABLE / sizeof TABLE[0]; i++)
        if (TABLE[i].id == id)
            return &TABLE[i];
    return NULL;
}

void rs__params_default(rs__params *p)
{
    memset(p, 0, sizeof *p);
    for (size_t i = 0; i < sizeof TABLE / sizeof TABLE[0]; i++) {
        const rs__param_info *r = &TABLE[i];
        if (r->owner != RS__OWNER_MODEL)
            continue;
        char *slot = (char *)p + r->offset;
        if (r->type == RS__PT_REAL)
            *(double *)slot = r->def;
        else
            *(int64_t *)slot = (int64_t)r->def;
    }
}

rs_status rs_param_bounds(rs_param param, double *lo, double *hi)
{
    const rs__param_info *r = rs__param_find(param);
    if (!r)
        return RS_ERR_UNKNOWN_PARAM;
    if (lo)
        *lo = r->lo;
    if (hi)
        *hi = r->hi;
    return RS_OK;
}

const char *rs_param_name(rs_param param)
{
    const rs__param_info *r = rs__param_find(param);
    return r ? r->name : NULL;
}

rs_param rs_param_from_name(const char *name)
{
    if (!name)
        return -1;
    for (size_t i = 0; i < sizeof TABLE / sizeof TABLE[0]; i++)
        if (strcmp(TABLE[i].name, name) == 0)
            return TABLE[i].id;
    return -1;
}

static rs_status range_error(const rs__param_info *r, rs__errbuf *err, double v)
{
    return rs__err(err, RS_ERR_RANGE, "%s = %g is outside %c%g, %g%c", r->name, v,
                   r->lo_open ? '(' : '[', r->lo, r->hi, r->hi_open ? ')' : ']');
}

rs_status rs__param_check_int(const rs__param_info *r, int64_t value, rs__errbuf *err)
{
    if (r->type == RS__PT_REAL)
        return rs__err(err, RS_ERR_PARAM_TYPE, "%s is a real parameter: use the double setter",
                       r->name);
    if (r->read_only)
        return rs__err(err, RS_ERR_RANGE, "%s is read-only", r->name);
    /* Bounds of integer rows are whole numbers well inside int64. */
    if (value < (int64_t)r->lo || value > (int64_t)r->hi)
        return range_error(r, err, (double)value);
    return RS_OK;
}

rs_status rs__param_check_real(const rs__param_info *r, double value, rs__errbuf *err)
{
    if (r->type != RS__PT_REAL)
        return rs__err(err, RS_ERR_PARAM_TYPE, "%s is an integer parameter: use the int setter",
                       r->name);
    if (r->read_only)
        return rs__err(err, RS_ERR_RANGE, "%s is read-only", r->name);
    if (!(value == value) || value > 1e300 || value < -1e300)
        return rs__err(err, RS_ERR_RANGE, "%s must be finite", r->name);
    if (value < r->lo || value > r->hi || (r->lo_open && value == r->lo) ||
        (r->hi_open && value == r->hi))
        return range_error(r, err, value);
    return RS_OK;
}

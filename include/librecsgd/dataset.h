/* librecsgd - embeddable recommender library. SPDX-License-Identifier: BSD-2-Clause
 * dataset.h: rs_dataset, a set of ratings with optional user and item features.
 *
 * External ids are int64_t, or byte strings when RS_PARAM_STRING_IDS is set
 * (the *_str calls), and are mapped to dense indices in order of first
 * appearance. A failed call leaves the dataset exactly as it was.
 * Unless stated otherwise, functions are `exclusive` on their dataset.
 * A dataset is read-only during rs_fit and may be shared by concurrent fits. */
#ifndef LIBRECSGD_DATASET_H
#define LIBRECSGD_DATASET_H

#include <stddef.h>
#include <stdint.h>
#include "export.h"
#include "status.h"
#include "alloc.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Rating file formats (rs_dataset_load*). */
enum {
    RS_FORMAT_MOVIELENS = 1, /* whitespace separated: user item rating [timestamp] */
    RS_FORMAT_CSV       = 2, /* header line naming columns; see RS_PARAM_CSV_* */
    RS_FORMAT_LIBMF     = 3, /* LIBMF text: user item rating (whitespace separated, 3 columns) */
    RS_FORMAT_TSV       = 4  /* as RS_FORMAT_CSV with a tab delimiter, whatever RS_PARAM_CSV_DELIMITER says (since 0.2) */
};

/* Feature file formats (rs_dataset_load_features*). */
enum {
    RS_FEATURES_SPARSE          = 1, /* id name:value name:value ...; a bare name means value 1 */
    RS_FEATURES_MOVIELENS_ITEM  = 2, /* u.item: id|title|date|video|url|19 genre flags -> genres + decade
                                        (+ title words, year: RS_PARAM_MOVIELENS_*) */
    RS_FEATURES_MOVIELENS_USER  = 3  /* u.user: id|age|gender|occupation|zip -> age bucket, gender, occupation */
};

/* Which side a feature belongs to. */
enum { RS_SIDE_USER = 0, RS_SIDE_ITEM = 1 };

/* Dataset parameters (same rs_param space as the model; 500-599). */
enum {
    RS_PARAM_RATING_MIN     = 500, /* real, default -1e6 (-1e30 in 0.1), [-1e30, 1e30]: smaller ratings are rejected */
    RS_PARAM_RATING_MAX     = 501, /* real, default  1e6 (1e30 in 0.1), [-1e30, 1e30]: larger ratings are rejected.
                                      One rule for rs_dataset_add_rating(s) and every loader: a rating
                                      is accepted when its float value is finite and inside
                                      [RS_PARAM_RATING_MIN, RS_PARAM_RATING_MAX]. The default range
                                      catches a mis-scaled column (ratings of 1e29 make SGD explode);
                                      widen it for data that really is that large. */
    RS_PARAM_HAS_HEADER     = 502, /* int, default -1: the loaders detect a header line; 0: no header,
                                      1: the first line is a header (since 0.2) */
    RS_PARAM_STRING_IDS     = 503, /* int, default 0; 1: ids are byte strings (the *_str calls, and every
                                      loader reads id fields as strings). Only while the dataset is
                                      empty (since 0.2) */
    RS_PARAM_TIMESTAMPS     = 504, /* int, default 1: keep a timestamp column when the input has one
                                      (8 bytes per rating); 0: ignore it (since 0.2) */
    RS_PARAM_CSV_DELIMITER  = 550, /* int, default ',' (any byte but '"', '\n', '\r') */
    RS_PARAM_CSV_USER_COL   = 551, /* int, 0-based column; default -1: found by header name */
    RS_PARAM_CSV_ITEM_COL   = 552, /* int, 0-based column; default -1: found by header name */
    RS_PARAM_CSV_RATING_COL = 553, /* int, 0-based column; default -1: found by header name */
    RS_PARAM_CSV_TIME_COL   = 554, /* int, 0-based column; default -1: found by header name (since 0.2) */
    /* RS_FEATURES_MOVIELENS_ITEM options (since 0.2): */
    RS_PARAM_MOVIELENS_TITLE_WORDS = 560, /* int, default 0 (off): "title=<word>" features for the
                                             lower-case words of the titles that appear in at
                                             least this many titles, [0, 1000000] */
    RS_PARAM_MOVIELENS_YEAR        = 561  /* int, default 0; 1: a "year" feature, the release year
                                             standardised over the file's dated titles, [0, 1] */
};

/* Longest string id in bytes; ids are 1 to RS_STR_ID_MAX bytes, any byte but NUL (since 0.2). */
enum { RS_STR_ID_MAX = 255 };

/* Timestamp of a rating added without one (rs_dataset_get_timestamp; since 0.2). */
#define RS_NO_TIMESTAMP INT64_MIN

/* rs_dataset_split_by_time modes (since 0.2). */
enum {
    RS_TIME_SPLIT_CUTOFF = 1, /* value is a time: ratings at or after it are the test part */
    RS_TIME_SPLIT_LAST_N = 2  /* value is n: every user's n latest ratings are the test part */
};

typedef struct rs_dataset rs_dataset;

/* ---- dataset lifecycle ---- */

/**
 * rs_dataset_new() - create an empty dataset.
 *
 * @param out      receives the dataset, or NULL on failure
 * @param alloc    allocator hook for everything the dataset allocates; NULL = libc
 * @param alloc_ud user data passed to alloc
 * @return RS_OK, RS_ERR_INVALID_ARG (out is NULL), RS_ERR_NOMEM
 * Errors: may fail with RS_ERR_NOMEM; no handle exists to hold a message.
 * Ownership: free with rs_dataset_free().
 * Thread safety: any
 * @since 0.1
 */
RS_API rs_status rs_dataset_new(rs_dataset **out, rs_alloc_fn alloc, void *alloc_ud);

/**
 * rs_dataset_free() - free a dataset and everything it holds.
 *
 * @param ds dataset, or NULL (no-op)
 * Errors: never fails.
 * Ownership: ds is invalid afterwards.
 * Thread safety: exclusive
 * @since 0.1
 */
RS_API void rs_dataset_free(rs_dataset *ds);

/**
 * rs_dataset_last_error() - message of the last failed mutating call.
 *
 * @param ds dataset (NULL gives a static message)
 * @return NUL-terminated text owned by ds, valid until the next mutating call;
 *         "" when the last mutating call succeeded.
 * Errors: never fails.
 * Ownership: owned by ds.
 * Thread safety: shared
 * @since 0.1
 */
RS_API const char *rs_dataset_last_error(const rs_dataset *ds);

/**
 * rs_dataset_set_int() - set an integer dataset parameter (RS_PARAM_CSV_*).
 *
 * @param ds    dataset
 * @param param an integer RS_PARAM_* from dataset.h
 * @param value new value
 * @return RS_OK, RS_ERR_INVALID_ARG, RS_ERR_UNKNOWN_PARAM, RS_ERR_PARAM_TYPE, RS_ERR_RANGE
 * Errors: never allocates.
 * Ownership: nothing retained.
 * Thread safety: exclusive
 * @since 0.1
 */
RS_API rs_status rs_dataset_set_int(rs_dataset *ds, rs_param param, int64_t value);

/**
 * rs_dataset_set_double() - set a real dataset parameter (RS_PARAM_RATING_*).
 *
 * @param ds    dataset
 * @param param a real RS_PARAM_* from dataset.h
 * @param value new value (must be finite)
 * @return RS_OK, RS_ERR_INVALID_ARG, RS_ERR_UNKNOWN_PARAM, RS_ERR_PARAM_TYPE, RS_ERR_RANGE
 * Errors: never allocates.
 * Ownership: nothing retained.
 * Thread safety: exclusive
 * @since 0.1
 */
RS_API rs_status rs_dataset_set_double(rs_dataset *ds, rs_param param, double value);

/**
 * rs_dataset_get_int() - read an integer dataset parameter.
 *
 * @param ds    dataset
 * @param param an integer RS_PARAM_* from dataset.h
 * @param out   receives the value
 * @return RS_OK, RS_ERR_INVALID_ARG, RS_ERR_UNKNOWN_PARAM, RS_ERR_PARAM_TYPE
 * Errors: never allocates.
 * Ownership: nothing retained.
 * Thread safety: shared
 * @since 0.1
 */
RS_API rs_status rs_dataset_get_int(const rs_dataset *ds, rs_param param, int64_t *out);

/**
 * rs_dataset_get_double() - read a real dataset parameter.
 *
 * @param ds    dataset
 * @param param a real RS_PARAM_* from dataset.h
 * @param out   receives the value
 * @return RS_OK, RS_ERR_INVALID_ARG, RS_ERR_UNKNOWN_PARAM, RS_ERR_PARAM_TYPE
 * Errors: never allocates.
 * Ownership: nothing retained.
 * Thread safety: shared
 * @since 0.1
 */
RS_API rs_status rs_dataset_get_double(const rs_dataset *ds, rs_param param, double *out);

/* ---- ratings ---- */

/**
 * rs_dataset_add_rating() - append one rating.
 *
 * @param ds     dataset
 * @param user   external user id
 * @param item   external item id
 * @param rating finite, inside [RS_PARAM_RATING_MIN, RS_PARAM_RATING_MAX] (default [-1e6, 1e6])
 * @param weight finite and > 0 (use 1 for an unweighted rating)
 * @return RS_OK, RS_ERR_INVALID_ARG, RS_ERR_RANGE (NaN/Inf/out-of-range rating or weight), RS_ERR_NOMEM
 * Errors: may fail with RS_ERR_NOMEM; the dataset is unchanged on failure.
 * Ownership: nothing retained.
 * Thread safety: exclusive
 * @since 0.1
 */
RS_API rs_status rs_dataset_add_rating(rs_dataset *ds, int64_t user, int64_t item,
                                       float rating, float weight);

/**
 * rs_dataset_add_ratings() - append n ratings at once (all or none).
 *
 * @param ds      dataset
 * @param users   n external user ids
 * @param items   n external item ids
 * @param ratings n ratings (finite, inside the configured range)
 * @param weights n weights (finite, > 0), or NULL for all 1
 * @param n       number of ratings; 0 is a no-op
 * @return RS_OK, RS_ERR_INVALID_ARG, RS_ERR_RANGE, RS_ERR_NOMEM
 * Errors: may fail with RS_ERR_NOMEM; the dataset is unchanged on failure.
 * Ownership: nothing retained.
 * Thread safety: exclusive
 * @since 0.1
 */
RS_API rs_status rs_dataset_add_ratings(rs_dataset *ds, const int64_t *users, const int64_t *items,
                                        const float *ratings, const float *weights, size_t n);

/**
 * rs_dataset_add_ratings_timed() - append n ratings with their timestamps (all or none).
 *
 * The dataset keeps a timestamp column from the first timed rating on (8
 * bytes per rating); ratings added earlier or later without one read back
 * as RS_NO_TIMESTAMP.
 *
 * @param ds         dataset (int64 ids; see rs_dataset_add_ratings_str for string ids)
 * @param users      n external user ids
 * @param items      n external item ids
 * @param ratings    n ratings (finite, inside the configured range)
 * @param weights    n weights (finite, > 0), or NULL for all 1
 * @param timestamps n timestamps (any int64 but RS_NO_TIMESTAMP, e.g. Unix seconds), or NULL
 * @param n          number of ratings; 0 is a no-op
 * @return RS_OK, RS_ERR_INVALID_ARG, RS_ERR_RANGE, RS_ERR_STATE (the dataset uses
 *         string ids), RS_ERR_NOMEM
 * Errors: may fail with RS_ERR_NOMEM; the dataset is unchanged on failure.
 * Ownership: nothing retained.
 * Thread safety: exclusive
 * @since 0.2
 */
RS_API rs_status rs_dataset_add_ratings_timed(rs_dataset *ds, const int64_t *users,
                                              const int64_t *items, const float *ratings,
                                              const float *weights, const int64_t *timestamps,
                                              size_t n);

/**
 * rs_dataset_add_rating_str() - append one rating with string ids.
 *
 * @param ds     dataset with RS_PARAM_STRING_IDS set
 * @param user   user id: 1 to RS_STR_ID_MAX bytes, NUL-terminated
 * @param item   item id, the same rules
 * @param rating finite, inside [RS_PARAM_RATING_MIN, RS_PARAM_RATING_MAX]
 * @param weight finite and > 0
 * @return as rs_dataset_add_ratings_str()
 * Errors: may fail with RS_ERR_NOMEM; the dataset is unchanged on failure.
 * Ownership: the strings are copied.
 * Thread safety: exclusive
 * @since 0.2
 */
RS_API rs_status rs_dataset_add_rating_str(rs_dataset *ds, const char *user, const char *item,
                                           float rating, float weight);

/**
 * rs_dataset_add_ratings_str() - append n ratings with string ids (all or none).
 *
 * Each distinct string gets a dense index in order of first appearance, and
 * an int64 key (its 64-bit hash, the same in every dataset and model), which
 * is what rs_dataset_get_rating() and rs_dataset_index_to_id() report and
 * what every int64 call accepts. Two different strings with the same key are
 * refused (RS_ERR_RANGE; about n^2 / 2^65 odds for n ids).
 *
 * @param ds         dataset with RS_PARAM_STRING_IDS set
 * @param users      n NUL-terminated user ids (1 to RS_STR_ID_MAX bytes)
 * @param items      n NUL-terminated item ids
 * @param ratings    n ratings (finite, inside the configured range)
 * @param weights    n weights (finite, > 0), or NULL for all 1
 * @param timestamps n timestamps, or NULL (see rs_dataset_add_ratings_timed())
 * @param n          number of ratings; 0 is a no-op
 * @return RS_OK, RS_ERR_INVALID_ARG (NULL or over-long id), RS_ERR_RANGE,
 *         RS_ERR_STATE (the dataset uses int64 ids), RS_ERR_NOMEM
 * Errors: may fail with RS_ERR_NOMEM; the dataset is unchanged on failure.
 * Ownership: the strings are copied.
 * Thread safety: exclusive
 * @since 0.2
 */
RS_API rs_status rs_dataset_add_ratings_str(rs_dataset *ds, const char *const *users,
                                            const char *const *items, const float *ratings,
                                            const float *weights, const int64_t *timestamps,
                                            size_t n);

/**
 * rs_dataset_load() - append ratings parsed from a reader callback.
 *
 * @param ds     dataset
 * @param reader reader hook, called until it reports end of input
 * @param ud     user data for reader
 * Every format reads string ids when RS_PARAM_STRING_IDS is set, skips a
 * header line (detected, or as RS_PARAM_HAS_HEADER declares), accepts
 * two-column `user item` files (every rating 1), keeps a timestamp column
 * (RS_PARAM_TIMESTAMPS) and reads gzip-compressed input when the library is
 * built with zlib (RS_FEATURE_ZLIB; RS_ERR_NOT_BUILT otherwise).
 *
 * @param format RS_FORMAT_MOVIELENS, RS_FORMAT_CSV, RS_FORMAT_TSV or RS_FORMAT_LIBMF
 * @param name   name used in error messages (for example a file name); may be NULL
 * @return RS_OK, RS_ERR_INVALID_ARG, RS_ERR_FORMAT (malformed line, message names
 *         the line), RS_ERR_EMPTY (no ratings), RS_ERR_IO (reader failed), RS_ERR_NOMEM
 * Errors: may fail with RS_ERR_NOMEM; the dataset is unchanged on failure.
 * Ownership: nothing retained.
 * Thread safety: exclusive
 * @since 0.1
 */
RS_API rs_status rs_dataset_load(rs_dataset *ds, rs_reader_fn reader, void *ud,
                                 int32_t format, const char *name);

/**
 * rs_dataset_load_file() - append ratings parsed from a file.
 *
 * @param ds     dataset
 * @param path   file path
 * @param format RS_FORMAT_MOVIELENS, RS_FORMAT_CSV, RS_FORMAT_TSV or RS_FORMAT_LIBMF
 * @return as rs_dataset_load(), plus RS_ERR_IO (missing or unreadable file) and
 *         RS_ERR_NOT_BUILT (built with --disable-stdio)
 * Errors: may fail with RS_ERR_NOMEM; the dataset is unchanged on failure.
 * Ownership: nothing retained.
 * Thread safety: exclusive
 * @since 0.1
 */
RS_API rs_status rs_dataset_load_file(rs_dataset *ds, const char *path, int32_t format);

/**
 * rs_dataset_num_ratings() - number of ratings.
 *
 * @param ds dataset (NULL gives 0)
 * @return the count
 * Errors: never fails.
 * Thread safety: shared
 * @since 0.1
 */
RS_API size_t rs_dataset_num_ratings(const rs_dataset *ds);

/**
 * rs_dataset_num_users() - number of distinct users (with ratings or features).
 *
 * @param ds dataset (NULL gives 0)
 * @return the count; dense user indices run from 0 to count - 1
 * Errors: never fails.
 * Thread safety: shared
 * @since 0.1
 */
RS_API size_t rs_dataset_num_users(const rs_dataset *ds);

/**
 * rs_dataset_num_items() - number of distinct items (with ratings or features).
 *
 * @param ds dataset (NULL gives 0)
 * @return the count; dense item indices run from 0 to count - 1
 * Errors: never fails.
 * Thread safety: shared
 * @since 0.1
 */
RS_API size_t rs_dataset_num_items(const rs_dataset *ds);

/**
 * rs_dataset_get_rating() - read rating number index (in insertion order).
 *
 * @param ds     dataset
 * @param index  0 <= index < rs_dataset_num_ratings(ds)
 * @param user   receives the external user id, or NULL
 * @param item   receives the external item id, or NULL
 * @param rating receives the rating, or NULL
 * @param weight receives the weight, or NULL
 * @return RS_OK, RS_ERR_INVALID_ARG, RS_ERR_RANGE (index too large)
 * Errors: never allocates.
 * Thread safety: shared
 * @since 0.1
 */
RS_API rs_status rs_dataset_get_rating(const rs_dataset *ds, size_t index, int64_t *user,
                                       int64_t *item, float *rating, float *weight);

/**
 * rs_dataset_id_to_index() - dense index of an external id.
 *
 * @param ds        dataset
 * @param side      RS_SIDE_USER or RS_SIDE_ITEM
 * @param id        external id
 * @param index_out receives the dense index
 * @return RS_OK, RS_ERR_INVALID_ARG, RS_ERR_UNKNOWN_ID
 * Errors: never allocates.
 * Thread safety: shared
 * @since 0.1
 */
RS_API rs_status rs_dataset_id_to_index(const rs_dataset *ds, int32_t side, int64_t id,
                                        int32_t *index_out);

/**
 * rs_dataset_index_to_id() - external id of a dense index.
 *
 * @param ds     dataset
 * @param side   RS_SIDE_USER or RS_SIDE_ITEM
 * @param index  dense index
 * @param id_out receives the external id
 * @return RS_OK, RS_ERR_INVALID_ARG, RS_ERR_RANGE
 * Errors: never allocates.
 * Thread safety: shared
 * @since 0.1
 */
RS_API rs_status rs_dataset_index_to_id(const rs_dataset *ds, int32_t side, int32_t index,
                                        int64_t *id_out);

/**
 * rs_dataset_id_to_index_str() - dense index of a string id.
 *
 * @param ds        dataset with RS_PARAM_STRING_IDS set
 * @param side      RS_SIDE_USER or RS_SIDE_ITEM
 * @param id        NUL-terminated string id
 * @param index_out receives the dense index
 * @return RS_OK, RS_ERR_INVALID_ARG, RS_ERR_STATE (int64 ids), RS_ERR_UNKNOWN_ID
 * Errors: never allocates.
 * Thread safety: shared
 * @since 0.2
 */
RS_API rs_status rs_dataset_id_to_index_str(const rs_dataset *ds, int32_t side, const char *id,
                                            int32_t *index_out);

/**
 * rs_dataset_index_to_id_str() - string id of a dense index.
 *
 * @param ds      dataset with RS_PARAM_STRING_IDS set
 * @param side    RS_SIDE_USER or RS_SIDE_ITEM
 * @param index   dense index
 * @param buf     caller buffer; receives the id and a NUL when cap > length
 *                (RS_STR_ID_MAX + 1 bytes always suffice)
 * @param cap     capacity of buf in bytes (may be 0 to ask for the length)
 * @param len_out receives the id's length in bytes, without the NUL
 * @return RS_OK, RS_ERR_INVALID_ARG, RS_ERR_STATE (int64 ids), RS_ERR_RANGE
 *         (index out of range, or cap <= length: nothing written)
 * Errors: never allocates.
 * Thread safety: shared
 * @since 0.2
 */
RS_API rs_status rs_dataset_index_to_id_str(const rs_dataset *ds, int32_t side, int32_t index,
                                            char *buf, size_t cap, size_t *len_out);

/**
 * rs_dataset_has_timestamps() - whether the dataset keeps a timestamp column.
 *
 * @param ds dataset (NULL gives 0)
 * @return 1 when ratings carry timestamps (loaded, or added with one), else 0
 * Errors: never fails.
 * Thread safety: shared
 * @since 0.2
 */
RS_API int32_t rs_dataset_has_timestamps(const rs_dataset *ds);

/**
 * rs_dataset_get_timestamp() - timestamp of rating number index.
 *
 * @param ds     dataset
 * @param index  0 <= index < rs_dataset_num_ratings(ds)
 * @param ts_out receives the timestamp, or RS_NO_TIMESTAMP for a rating added
 *               without one
 * @return RS_OK, RS_ERR_INVALID_ARG, RS_ERR_RANGE (index), RS_ERR_STATE (no timestamps)
 * Errors: never allocates.
 * Thread safety: shared
 * @since 0.2
 */
RS_API rs_status rs_dataset_get_timestamp(const rs_dataset *ds, size_t index, int64_t *ts_out);

/* ---- features ---- */

/**
 * rs_dataset_add_feature() - declare a named feature (or find it if it exists).
 *
 * @param ds        dataset
 * @param side      RS_SIDE_USER or RS_SIDE_ITEM
 * @param name      non-empty UTF-8 name, copied
 * @param index_out receives the feature index (0-based, in order of declaration), or NULL
 * @return RS_OK, RS_ERR_INVALID_ARG, RS_ERR_NOMEM
 * Errors: may fail with RS_ERR_NOMEM; the dataset is unchanged on failure.
 * Ownership: name is copied.
 * Thread safety: exclusive
 * @since 0.1
 */
RS_API rs_status rs_dataset_add_feature(rs_dataset *ds, int32_t side, const char *name,
                                        int32_t *index_out);

/**
 * rs_dataset_num_features() - number of declared features on one side.
 *
 * @param ds   dataset (NULL gives 0)
 * @param side RS_SIDE_USER or RS_SIDE_ITEM (anything else gives 0)
 * @return the count
 * Errors: never fails.
 * Thread safety: shared
 * @since 0.1
 */
RS_API size_t rs_dataset_num_features(const rs_dataset *ds, int32_t side);

/**
 * rs_dataset_feature_name() - name of a declared feature.
 *
 * @param ds    dataset
 * @param side  RS_SIDE_USER or RS_SIDE_ITEM
 * @param index feature index
 * @return NUL-terminated name owned by ds, or NULL when out of range
 * Errors: never fails.
 * Ownership: owned by ds; valid until ds is freed.
 * Thread safety: shared
 * @since 0.1
 */
RS_API const char *rs_dataset_feature_name(const rs_dataset *ds, int32_t side, int32_t index);

/**
 * rs_dataset_set_features() - set (replace) the sparse feature row of one id.
 *
 * The id is added to the dataset's id map if it is new (an id with features
 * and no ratings is how cold-start users and items are described).
 *
 * @param ds       dataset
 * @param side     RS_SIDE_USER or RS_SIDE_ITEM
 * @param id       external id
 * @param features n feature indices, each < rs_dataset_num_features(ds, side), no duplicates
 * @param values   n finite values, or NULL for all 1
 * @param n        number of entries; 0 clears the row
 * @return RS_OK, RS_ERR_INVALID_ARG, RS_ERR_RANGE (index out of range, NaN/Inf value),
 *         RS_ERR_FORMAT (duplicate feature index), RS_ERR_NOMEM
 * Errors: may fail with RS_ERR_NOMEM; the dataset is unchanged on failure.
 * Ownership: nothing retained.
 * Thread safety: exclusive
 * @since 0.1
 */
RS_API rs_status rs_dataset_set_features(rs_dataset *ds, int32_t side, int64_t id,
                                         const int32_t *features, const float *values, size_t n);

/**
 * rs_dataset_set_features_str() - rs_dataset_set_features() for a string id.
 *
 * @param ds       dataset with RS_PARAM_STRING_IDS set
 * @param side     RS_SIDE_USER or RS_SIDE_ITEM
 * @param id       NUL-terminated string id (1 to RS_STR_ID_MAX bytes)
 * @param features n feature indices
 * @param values   n finite values, or NULL for all 1
 * @param n        number of entries; 0 clears the row
 * @return as rs_dataset_set_features(), plus RS_ERR_STATE (int64 ids)
 * Errors: may fail with RS_ERR_NOMEM; the dataset is unchanged on failure.
 * Ownership: the id is copied.
 * Thread safety: exclusive
 * @since 0.2
 */
RS_API rs_status rs_dataset_set_features_str(rs_dataset *ds, int32_t side, const char *id,
                                             const int32_t *features, const float *values,
                                             size_t n);

/**
 * rs_dataset_get_features() - copy the sparse feature row of one id.
 *
 * @param ds         dataset
 * @param side       RS_SIDE_USER or RS_SIDE_ITEM
 * @param id         external id
 * @param features   caller buffer of cap indices (may be NULL when cap is 0)
 * @param values     caller buffer of cap values (may be NULL when cap is 0)
 * @param cap        capacity of both buffers
 * @param n_out      receives the row length (even when larger than cap; then only cap are copied)
 * @return RS_OK, RS_ERR_INVALID_ARG, RS_ERR_UNKNOWN_ID
 * Errors: never allocates.
 * Thread safety: shared
 * @since 0.1
 */
RS_API rs_status rs_dataset_get_features(const rs_dataset *ds, int32_t side, int64_t id,
                                         int32_t *features, float *values, size_t cap,
                                         size_t *n_out);

/**
 * rs_dataset_load_features() - read feature rows from a reader callback.
 *
 * @param ds     dataset
 * @param side   RS_SIDE_USER or RS_SIDE_ITEM
 * @param reader reader hook
 * @param ud     user data for reader
 * @param format RS_FEATURES_SPARSE, RS_FEATURES_MOVIELENS_ITEM or RS_FEATURES_MOVIELENS_USER
 * @param name   name used in error messages; may be NULL
 * @return RS_OK, RS_ERR_INVALID_ARG, RS_ERR_FORMAT (message names the line),
 *         RS_ERR_EMPTY, RS_ERR_IO, RS_ERR_NOMEM
 * Errors: may fail with RS_ERR_NOMEM; the dataset is unchanged on failure.
 * Ownership: nothing retained.
 * Thread safety: exclusive
 * @since 0.1
 */
RS_API rs_status rs_dataset_load_features(rs_dataset *ds, int32_t side, rs_reader_fn reader,
                                          void *ud, int32_t format, const char *name);

/**
 * rs_dataset_load_features_file() - read feature rows from a file.
 *
 * @param ds     dataset
 * @param side   RS_SIDE_USER or RS_SIDE_ITEM
 * @param path   file path
 * @param format as rs_dataset_load_features()
 * @return as rs_dataset_load_features(), plus RS_ERR_IO and RS_ERR_NOT_BUILT
 * Errors: may fail with RS_ERR_NOMEM; the dataset is unchanged on failure.
 * Ownership: nothing retained.
 * Thread safety: exclusive
 * @since 0.1
 */
RS_API rs_status rs_dataset_load_features_file(rs_dataset *ds, int32_t side, const char *path,
                                               int32_t format);

/**
 * rs_dataset_standardize_features() - scale features to mean 0, variance 1.
 *
 * Each feature is standardised over the rows that hold it. Features whose
 * stored values are all equal (one-hot flags, for example) are left alone,
 * so sparse indicator features stay sparse.
 *
 * @param ds   dataset
 * @param side RS_SIDE_USER or RS_SIDE_ITEM
 * @return RS_OK, RS_ERR_INVALID_ARG, RS_ERR_NOMEM
 * Errors: may fail with RS_ERR_NOMEM; the dataset is unchanged on failure.
 * Thread safety: exclusive
 * @since 0.1
 */
RS_API rs_status rs_dataset_standardize_features(rs_dataset *ds, int32_t side);

/* ---- splits ---- */

/**
 * rs_dataset_split_random() - split ratings at random into two new datasets.
 *
 * Both outputs use src's allocator and parameters and get copies of its id
 * maps and feature rows, so dense indices agree across src and both parts
 * and an id may have no rating in one part (a model fitted on *train_out
 * then knows it, with zero id parameters); src is unchanged.
 *
 * @param src           dataset to split
 * @param test_fraction share of ratings that go to *test_out, in [0, 1]
 * @param seed          random seed (same seed, same split)
 * @param train_out     receives the training part
 * @param test_out      receives the test part
 * @return RS_OK, RS_ERR_INVALID_ARG, RS_ERR_RANGE, RS_ERR_NOMEM
 * Errors: may fail with RS_ERR_NOMEM; both outputs are NULL on failure.
 * Ownership: free both outputs with rs_dataset_free().
 * Thread safety: shared (on src)
 * @since 0.1
 */
RS_API rs_status rs_dataset_split_random(const rs_dataset *src, double test_fraction, uint64_t seed,
                                         rs_dataset **train_out, rs_dataset **test_out);

/**
 * rs_dataset_split_holdout() - hold out n ratings of every user.
 *
 * For every user with more than n ratings, n of them chosen at random go to
 * *test_out; users with n or fewer ratings keep all of theirs in *train_out.
 * Like rs_dataset_split_random(), both parts get copies of src's id maps and
 * feature rows.
 *
 * @param src       dataset to split
 * @param n         ratings held out per user
 * @param seed      random seed
 * @param train_out receives the training part
 * @param test_out  receives the held-out part
 * @return RS_OK, RS_ERR_INVALID_ARG, RS_ERR_NOMEM
 * Errors: may fail with RS_ERR_NOMEM; both outputs are NULL on failure.
 * Ownership: free both outputs with rs_dataset_free().
 * Thread safety: shared (on src)
 * @since 0.1
 */
RS_API rs_status rs_dataset_split_holdout(const rs_dataset *src, size_t n, uint64_t seed,
                                          rs_dataset **train_out, rs_dataset **test_out);

/**
 * rs_dataset_split_by_time() - split ratings by their timestamps.
 *
 * RS_TIME_SPLIT_CUTOFF: ratings with a timestamp >= value go to *test_out,
 * the others to *train_out (the usual "train on the past, test on the
 * future" split). RS_TIME_SPLIT_LAST_N: for every user with more than value
 * ratings, the value latest ones go to *test_out (ties by timestamp go to
 * the rating added later); users with value or fewer keep all theirs in
 * *train_out. Like rs_dataset_split_random(), both parts get copies of
 * src's id maps and feature rows, and keep the timestamps.
 *
 * @param src       dataset with timestamps on every rating
 * @param mode      RS_TIME_SPLIT_CUTOFF or RS_TIME_SPLIT_LAST_N
 * @param value     the cut-off time, or n (>= 0)
 * @param train_out receives the earlier part
 * @param test_out  receives the later part
 * @return RS_OK, RS_ERR_INVALID_ARG (NULL, unknown mode), RS_ERR_RANGE (negative n),
 *         RS_ERR_STATE (no timestamps, or some rating has none), RS_ERR_NOMEM
 * Errors: may fail with RS_ERR_NOMEM; both outputs are NULL on failure.
 * Ownership: free both outputs with rs_dataset_free().
 * Thread safety: shared (on src)
 * @since 0.2
 */
RS_API rs_status rs_dataset_split_by_time(const rs_dataset *src, int32_t mode, int64_t value,
                                          rs_dataset **train_out, rs_dataset **test_out);

#ifdef __cplusplus
}
#endif

#endif /* LIBRECSGD_DATASET_H */

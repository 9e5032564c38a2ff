/* librecsgd. SPDX-License-Identifier: BSD-2-Clause
 * features.h: sparse feature rows for one side (users or items) plus the
 * feature names. Rows are indexed by the owner's dense id index; a row is a
 * slice [off, off + len) of the shared col/val arrays (replacing a row appends
 * a new slice, so rows never move under a reader). */
#ifndef RS_DATA_FEATURES_H
#define RS_DATA_FEATURES_H

#include <stddef.h>
#include <stdint.h>
#include <librecsgd/status.h>
#include "common/alloc.h"

typedef struct rs__features {
    /* names */
    char **names;          /* n_features NUL-terminated copies */
    size_t n_features, names_cap;
    int32_t *name_slots;   /* hash of name -> index + 1; n_name_slots a power of two */
    size_t n_name_slots;
    /* rows, indexed by dense entity index; n_rows may be < the id map's count */
    size_t *row_off;
    uint32_t *row_len;
    size_t n_rows, rows_cap;
    int32_t *col;
    float *val;
    size_t nnz, nnz_cap;
} rs__features;

RS_INTERNAL void rs__features_init(rs__features *f);
RS_INTERNAL void rs__features_free(rs__features *f, const rs__allocator *a);
/* Bytes the table holds through its allocator (what rs__features_free releases). */
RS_INTERNAL size_t rs__features_bytes(const rs__features *f);
/* Index of name, or -1. */
RS_INTERNAL int32_t rs__features_find(const rs__features *f, const char *name);
/* Find or add name. */
RS_INTERNAL rs_status rs__features_add_name(rs__features *f, const rs__allocator *a,
                                            const char *name, int32_t *index_out);
/* Set row `row` (growing n_rows as needed) to n entries. Caller validated them.
 * val may be NULL for all 1. */
RS_INTERNAL rs_status rs__features_set_row(rs__features *f, const rs__allocator *a, size_t row,
                                           const int32_t *col, const float *val, size_t n);
/* Row view; an absent row has len 0. */
static inline size_t rs__features_row(const rs__features *f, size_t row, const int32_t **col,
                                      const float **val)
{
    if (row >= f->n_rows || f->row_len[row] == 0) {
        *col = NULL;
        *val = NULL;
        return 0;
    }
    *col = f->col + f->row_off[row];
    *val = f->val + f->row_off[row];
    return f->row_len[row];
}
/* Deep copy (dst freshly initialised). */
RS_INTERNAL rs_status rs__features_copy(rs__features *dst, const rs__features *src,
                                        const rs__allocator *a);
/* 1 when col[0..n) holds a repeated index, 0 when not, -1 when out of memory. */
RS_INTERNAL int rs__features_has_duplicate(const int32_t *col, size_t n, const rs__allocator *a);
/* Drop dead slices left by replaced rows when they dominate the arrays. Moves
 * rows, so never call it between a mark and its rollback. Best effort: an
 * allocation failure leaves f as it was. */
RS_INTERNAL void rs__features_compact(rs__features *f, const rs__allocator *a);
/* Snapshot sizes for rollback of a failed batch. */
typedef struct rs__features_mark {
    size_t n_features, n_rows, nnz;
} rs__features_mark;
RS_INTERNAL rs__features_mark rs__features_mark_now(const rs__features *f);
/* Undo everything since mark. Row slices replaced since the mark cannot be
 * restored this way; callers that replace rows keep their own undo log. */
RS_INTERNAL void rs__features_rollback(rs__features *f, const rs__allocator *a,
                                       rs__features_mark mark);

#endif

/* librecsgd. SPDX-License-Identifier: BSD-2-Clause
 * weights.c: parameter blocks - allocation, cloning (snapshots), finiteness. */
#include "weights.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

/* rows x stride floats as one block, with the alignment slack that
 * rs__alloc_floats_aligned adds: RS_ERR_RANGE when the bytes exceed size_t,
 * which happens on 32-bit platforms with many ids and factors (a count that
 * cannot be addressed is a range error, not an allocation failure). */
static rs_status block_floats(size_t rows, size_t stride, size_t *count)
{
    size_t bytes;
    if (rs__mul_size(rows, stride, count) != 0 || rs__mul_size(*count, sizeof(float), &bytes) != 0 ||
        bytes > (size_t)-1 - 64)
        return RS_ERR_RANGE;
    return RS_OK;
}

rs_status rs__weights_add_block(rs__weights *w, const rs__allocator *a, int32_t role,
                                int32_t init_block, int32_t reg, size_t rows, size_t cols)
{
    if (w->n_blocks >= RS__MAX_BLOCKS)
        return RS_ERR_STATE;
    rs__block *b = &w->blocks[w->n_blocks];
    memset(b, 0, sizeof *b);
    b->role = role;
    b->init_block = init_block;
    b->reg = reg;
    b->rows = rows;
    b->cols = cols;
    b->stride = rs__stride_for(cols);
    b->cap_rows = rows ? rows : 1;
    size_t count;
    rs_status st = block_floats(b->cap_rows, b->stride, &count);
    if (st != RS_OK)
        return st;
    b->data = rs__alloc_floats_aligned(a, count, &b->raw, &b->raw_bytes);
    if (!b->data)
        return RS_ERR_NOMEM;
    w->n_blocks++;
    return RS_OK;
}

void rs__weights_free(rs__weights *w, const rs__allocator *a)
{
    for (size_t b = 0; b < w->n_blocks; b++)
        rs__free_aligned(a, w->blocks[b].raw, w->blocks[b].raw_bytes);
    rs__features_free(&w->user_feat, a);
    rs__features_free(&w->item_feat, a);
    rs__features_free(&w->implicit, a);
    memset(w, 0, sizeof *w);
}

size_t rs__weights_bytes(const rs__weights *w)
{
    /* what rs__weights_free gives back */
    size_t n = rs__features_bytes(&w->user_feat) + rs__features_bytes(&w->item_feat) +
               rs__features_bytes(&w->implicit);
    for (size_t b = 0; b < w->n_blocks; b++)
        n += w->blocks[b].raw ? w->blocks[b].raw_bytes : 0;
    return n;
}

rs_status rs__weights_clone(rs__weights *dst, const rs__weights *src, const rs__allocator *a)
{
    memset(dst, 0, sizeof *dst);
    rs__features_init(&dst->user_feat);
    rs__features_init(&dst->item_feat);
    rs__features_init(&dst->implicit);
    for (size_t b = 0; b < src->n_blocks; b++) {
        const rs__block *s = &src->blocks[b];
        rs_status st = rs__weights_add_block(dst, a, s->role, s->init_block, s->reg, s->rows, s->cols);
        if (st != RS_OK) {
            rs__weights_free(dst, a);
            return st;
        }
        memcpy(dst->blocks[b].data, s->data, (s->rows ? s->rows : 1) * s->stride * sizeof(float));
    }
    dst->n_users = src->n_users;
    dst->n_items = src->n_items;
    dst->factors = src->factors;
    dst->global_mean = src->global_mean;
    dst->rating_min = src->rating_min;
    dst->rating_max = src->rating_max;
    dst->n_user_features = src->n_user_features;
    dst->n_item_features = src->n_item_features;
    rs_status st = rs__features_copy(&dst->user_feat, &src->user_feat, a);
    if (st == RS_OK)
        st = rs__features_copy(&dst->item_feat, &src->item_feat, a);
    if (st == RS_OK)
        st = rs__features_copy(&dst->implicit, &src->implicit, a);
    if (st != RS_OK)
        rs__weights_free(dst, a);
    return st;
}

void rs__weights_copy_data(rs__weights *dst, const rs__weights *src)
{
    for (size_t b = 0; b < src->n_blocks && b < dst->n_blocks; b++) {
        const rs__block *s = &src->blocks[b];
        memcpy(dst->blocks[b].data, s->data, (s->rows ? s->rows : 1) * s->stride * sizeof(float));
    }
    dst->global_mean = src->global_mean;
}

int rs__weights_all_finite(const rs__weights *w)
{
    for (size_t b = 0; b < w->n_blocks; b++) {
        const rs__block *blk = &w->blocks[b];
        size_t n = blk->rows * blk->stride;
        /* A float is Inf or NaN exactly when its exponent bits are all ones;
         * an integer OR-reduction over the bit patterns vectorises. */
        const uint32_t *bits = (const uint32_t *)(const void *)blk->data;
        uint32_t bad = 0;
        for (size_t j = 0; j < n; j++)
            bad |= (uint32_t)((bits[j] & 0x7f800000u) == 0x7f800000u);
        if (bad)
            return 0;
    }
    return isfinite(w->global_mean) ? 1 : 0;
}

rs_status rs__block_reserve_rows(rs__block *b, const rs__allocator *a, size_t rows)
{
    if (rows <= b->cap_rows)
        return RS_OK;
    size_t cap = b->cap_rows * 2 > rows ? b->cap_rows * 2 : rows;
    size_t count;
    rs_status st = block_floats(cap, b->stride, &count);
    if (st != RS_OK)
        return st;
    void *raw;
    size_t raw_bytes;
    float *data = rs__alloc_floats_aligned(a, count, &raw, &raw_bytes); /* zeroed */
    if (!data)
        return RS_ERR_NOMEM;
    memcpy(data, b->data, b->rows * b->stride * sizeof(float));
    rs__free_aligned(a, b->raw, b->raw_bytes);
    b->data = data;
    b->raw = raw;
    b->raw_bytes = raw_bytes;
    b->cap_rows = cap;
    return RS_OK;
}

rs_status rs__weights_implicit_build(rs__features *out, const rs__allocator *a, const size_t *off,
                                     const int32_t *items, size_t n_users)
{
    rs__features_init(out);
    if (!off || n_users == 0 || off[n_users] == 0)
        return RS_OK;
    /* One allocation for every row: the slices are laid out in user order. */
    size_t nnz = off[n_users];
    out->row_off = rs__alloc(a, n_users, sizeof *out->row_off);
    out->row_len = rs__alloc(a, n_users, sizeof *out->row_len);
    out->col = rs__alloc(a, nnz, sizeof *out->col);
    out->val = rs__alloc(a, nnz, sizeof *out->val);
    if (!out->row_off || !out->row_len || !out->col || !out->val) {
        rs__free(a, out->row_off, n_users, sizeof *out->row_off);
        rs__free(a, out->row_len, n_users, sizeof *out->row_len);
        rs__free(a, out->col, nnz, sizeof *out->col);
        rs__free(a, out->val, nnz, sizeof *out->val);
        rs__features_init(out);
        return RS_ERR_NOMEM;
    }
    out->n_rows = out->rows_cap = n_users;
    out->nnz = out->nnz_cap = nnz;
    memcpy(out->col, items, nnz * sizeof *out->col);
    for (size_t u = 0; u < n_users; u++) {
        size_t n = off[u + 1] - off[u];
        out->row_off[u] = off[u];
        out->row_len[u] = (uint32_t)n;
        float c = n ? 1.0f / sqrtf((float)n) : 0.0f;
        for (size_t j = off[u]; j < off[u + 1]; j++)
            out->val[j] = c;
    }
    return RS_OK;
}

size_t rs__weights_implicit_max_row(const rs__weights *w)
{
    size_t m = 0;
    for (size_t r = 0; r < w->implicit.n_rows; r++)
        if (w->implicit.row_len[r] > m)
            m = w->implicit.row_len[r];
    return m;
}

/* librecsgd. SPDX-License-Identifier: BSD-2-Clause
 * q8mat.c: building the int8 copy of q8mat.h and quantising a query. */
#include "q8mat.h"

#include <float.h>
#include <math.h>
#include <string.h>

/* Bytes of nb blocks; 0 on overflow. */
static size_t blocks_bytes(size_t nb, size_t pairs)
{
    size_t per, total;
    if (rs__mul_size(pairs, 32, &per) != 0 || rs__mul_size(nb, per, &total) != 0)
        return 0;
    return total;
}

rs_status rs__q8mat_resize(rs__q8mat *q, const rs__allocator *a, size_t n, size_t cols)
{
    size_t pairs = (cols + 1) / 2, need = rs__q8mat_blocks(n);
    int fresh = q->blocks == NULL || cols != q->cols;
    if (!fresh && need <= q->cap_blocks) {
        q->n = n;
        return RS_OK;
    }
    /* Grow by half again, so ids added one at a time (fold-in) cost
     * amortised O(1) copies. */
    size_t cap = need;
    if (!fresh && q->cap_blocks + q->cap_blocks / 2 > cap)
        cap = q->cap_blocks + q->cap_blocks / 2;
    if (cap == 0)
        cap = 1;
    size_t bytes = blocks_bytes(cap, pairs), nscale;
    if (bytes == 0 || rs__mul_size(cap, RS__Q8_BLOCK, &nscale) != 0)
        return RS_ERR_RANGE;
    void *raw;
    size_t raw_bytes;
    int8_t *blocks = (int8_t *)rs__alloc_floats_aligned(a, bytes / sizeof(float), &raw, &raw_bytes);
    float *scale = blocks ? rs__calloc(a, nscale, sizeof *scale) : NULL;
    if (!scale) {
        rs__free_aligned(a, raw, raw_bytes);
        return RS_ERR_NOMEM;
    }
    if (!fresh) {
        memcpy(blocks, q->blocks, blocks_bytes(q->cap_blocks, pairs));
        memcpy(scale, q->scale, q->cap_blocks * RS__Q8_BLOCK * sizeof *scale);
    }
    float smax = fresh ? 0.0f : q->scale_max;
    rs__q8mat_free(q, a);
    q->blocks = blocks;
    q->scale = scale;
    q->raw = raw;
    q->raw_bytes = raw_bytes;
    q->cap_blocks = cap;
    q->cols = cols;
    q->pairs = pairs;
    q->n = n;
    q->scale_max = smax;
    return RS_OK;
}

int rs__q8mat_set_rows(rs__q8mat *q, const float *src, size_t ld, size_t first, size_t count)
{
    int ok = 1;
    float smax = first == 0 && count >= q->n ? 0.0f : q->scale_max;
    size_t end = first + count < q->n ? first + count : q->n;
    for (size_t j = first; j < end; j++) {
        const float *row = src + j * ld;
        float m = 0.0f;
        for (size_t c = 0; c < q->cols; c++) {
            if (!isfinite(row[c]))
                ok = 0;
            else if (fabsf(row[c]) > m)
                m = fabsf(row[c]);
        }
        /* m / 127 never rounds a value past 127 by more than the clamp
         * below absorbs; a tiny scale is raised to FLT_MIN so 1 / s stays
         * finite (values still fit: |row| <= 127 * FLT_MIN there). */
        float s = m / 127.0f;
        if (m > 0.0f && s < FLT_MIN)
            s = FLT_MIN;
        float inv = s > 0.0f ? 1.0f / s : 0.0f;
        int8_t *blk = q->blocks + (j / RS__Q8_BLOCK) * q->pairs * 32 + 2 * (j % RS__Q8_BLOCK);
        for (size_t c = 0; c < 2 * q->pairs; c++) {
            int v = 0;
            if (c < q->cols && ok) {
                float x = row[c] * inv;
                v = (int)(x + (x >= 0.0f ? 0.5f : -0.5f));
                v = v > 127 ? 127 : v < -127 ? -127 : v;
            }
            blk[(c / 2) * 32 + (c % 2)] = (int8_t)v;
        }
        q->scale[j] = s;
        if (s > smax)
            smax = s;
    }
    q->scale_max = smax;
    return ok;
}

void rs__q8mat_free(rs__q8mat *q, const rs__allocator *a)
{
    rs__free_aligned(a, q->raw, q->raw_bytes);
    rs__free(a, q->scale, q->cap_blocks * RS__Q8_BLOCK, sizeof *q->scale);
    memset(q, 0, sizeof *q);
}

size_t rs__q8mat_bytes(const rs__q8mat *q)
{
    if (!q->blocks)
        return 0;
    return blocks_bytes(q->cap_blocks, q->pairs) + q->cap_blocks * RS__Q8_BLOCK * sizeof(float);
}

int rs__q8_query(const float *x, size_t cols, int16_t *xq, float *step, double *l1_out)
{
    size_t pairs = (cols + 1) / 2;
    float m = 0.0f;
    for (size_t c = 0; c < cols; c++) {
        if (!isfinite(x[c]))
            return 0;
        if (fabsf(x[c]) > m)
            m = fabsf(x[c]);
    }
    /* A row sum is at most 127 * qmax per value: keep it below 2^31. */
    double lim = 2147483647.0 / (127.0 * 2.0 * (double)(pairs ? pairs : 1));
    float qmax = lim > 32767.0 ? 32767.0f : (float)floor(lim);
    float t = m / qmax;
    if (m > 0.0f && t < FLT_MIN)
        t = FLT_MIN;
    float inv = t > 0.0f ? 1.0f / t : 0.0f;
    double l1 = 0.0;
    for (size_t c = 0; c < 2 * pairs; c++) {
        int v = 0;
        if (c < cols) {
            float y = x[c] * inv;
            v = (int)(y + (y >= 0.0f ? 0.5f : -0.5f));
            v = v > (int)qmax ? (int)qmax : v < -(int)qmax ? -(int)qmax : v;
        }
        xq[c] = (int16_t)v;
        l1 += v < 0 ? -v : v;
    }
    *step = t;
    *l1_out = l1;
    return 1;
}

/* librecsgd. SPDX-License-Identifier: BSD-2-Clause
 * features.c: feature names (a string hash) and sparse rows (append-only
 * slices, so a rollback is a matter of restoring sizes). */
#include "features.h"
#include "common/sort.h"

#include <stdlib.h>
#include <string.h>

static size_t hash_name(const char *s)
{
    /* FNV-1a: names are short and few; quality beyond this buys nothing. */
    uint64_t h = 0xcbf29ce484222325ull;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 0x100000001b3ull;
    }
    return (size_t)(h ^ (h >> 29));
}

void rs__features_init(rs__features *f) { memset(f, 0, sizeof *f); }

static void free_names_from(rs__features *f, const rs__allocator *a, size_t from)
{
    for (size_t i = from; i < f->n_features; i++)
        rs__free(a, f->names[i], strlen(f->names[i]) + 1, 1);
    f->n_features = from < f->n_features ? from : f->n_features;
}

void rs__features_free(rs__features *f, const rs__allocator *a)
{
    free_names_from(f, a, 0);
    rs__free(a, f->names, f->names_cap, sizeof *f->names);
    rs__free(a, f->name_slots, f->n_name_slots, sizeof *f->name_slots);
    rs__free(a, f->row_off, f->rows_cap, sizeof *f->row_off);
    rs__free(a, f->row_len, f->rows_cap, sizeof *f->row_len);
    rs__free(a, f->col, f->nnz_cap, sizeof *f->col);
    rs__free(a, f->val, f->nnz_cap, sizeof *f->val);
    rs__features_init(f);
}

size_t rs__features_bytes(const rs__features *f)
{
    /* what rs__features_free gives back */
    size_t n = 0;
    for (size_t i = 0; i < f->n_features; i++)
        n += strlen(f->names[i]) + 1;
    n += f->names ? f->names_cap * sizeof *f->names : 0;
    n += f->name_slots ? f->n_name_slots * sizeof *f->name_slots : 0;
    n += f->row_off ? f->rows_cap * sizeof *f->row_off : 0;
    n += f->row_len ? f->rows_cap * sizeof *f->row_len : 0;
    n += f->col ? f->nnz_cap * sizeof *f->col : 0;
    n += f->val ? f->nnz_cap * sizeof *f->val : 0;
    return n;
}

int32_t rs__features_find(const rs__features *f, const char *name)
{
    if (f->n_name_slots == 0)
        return -1;
    size_t mask = f->n_name_slots - 1;
    for (size_t h = hash_name(name) & mask;; h = (h + 1) & mask) {
        int32_t s = f->name_slots[h];
        if (s == 0)
            return -1;
        if (strcmp(f->names[s - 1], name) == 0)
            return s - 1;
    }
}

static void place_name(int32_t *slots, size_t nslots, char *const *names, int32_t index)
{
    size_t mask = nslots - 1;
    size_t h = hash_name(names[index]) & mask;
    while (slots[h] != 0)
        h = (h + 1) & mask;
    slots[h] = index + 1;
}

rs_status rs__features_add_name(rs__features *f, const rs__allocator *a, const char *name,
                                int32_t *index_out)
{
    int32_t found = rs__features_find(f, name);
    if (found >= 0) {
        if (index_out)
            *index_out = found;
        return RS_OK;
    }
    if (f->n_features >= (size_t)INT32_MAX - 1)
        return RS_ERR_RANGE;
    size_t want = f->n_features + 1;
    /* Grow both arrays before touching anything, so failure leaves f as it was. */
    if (want > f->names_cap) {
        size_t ncap = f->names_cap ? f->names_cap * 2 : 16;
        char **names = rs__realloc(a, f->names, f->names_cap, ncap, sizeof *names);
        if (!names)
            return RS_ERR_NOMEM;
        f->names = names;
        f->names_cap = ncap;
    }
    if (want * 2 > f->n_name_slots) {
        size_t ns = f->n_name_slots ? f->n_name_slots * 2 : 32;
        while (ns < want * 2)
            ns *= 2;
        int32_t *slots = rs__calloc(a, ns, sizeof *slots);
        if (!slots)
            return RS_ERR_NOMEM;
        for (size_t i = 0; i < f->n_features; i++)
            place_name(slots, ns, f->names, (int32_t)i);
        rs__free(a, f->name_slots, f->n_name_slots, sizeof *f->name_slots);
        f->name_slots = slots;
        f->n_name_slots = ns;
    }
    char *copy = rs__strdup(a, name);
    if (!copy)
        return RS_ERR_NOMEM;
    int32_t index = (int32_t)f->n_features;
    f->names[f->n_features++] = copy;
    place_name(f->name_slots, f->n_name_slots, f->names, index);
    if (index_out)
        *index_out = index;
    return RS_OK;
}

/* Two arrays share one capacity field, so grow them as a pair: allocate both
 * new blocks first and commit only when both exist (a realloc of the first
 * followed by a failure of the second would leave sizes we cannot describe). */
static rs_status grow_pair(const rs__allocator *a, void **p1, void **p2, size_t size1,
                           size_t size2, size_t used, size_t *cap, size_t need, size_t min_cap)
{
    if (need <= *cap)
        return RS_OK;
    size_t ncap = *cap + *cap / 2;
    if (ncap < need)
        ncap = need;
    if (ncap < min_cap)
        ncap = min_cap;
    void *n1 = rs__alloc(a, ncap, size1);
    void *n2 = n1 ? rs__alloc(a, ncap, size2) : NULL;
    if (!n2) {
        rs__free(a, n1, ncap, size1);
        return RS_ERR_NOMEM;
    }
    if (used) {
        memcpy(n1, *p1, used * size1);
        memcpy(n2, *p2, used * size2);
    }
    rs__free(a, *p1, *cap, size1);
    rs__free(a, *p2, *cap, size2);
    *p1 = n1;
    *p2 = n2;
    *cap = ncap;
    return RS_OK;
}

static rs_status grow_rows(rs__features *f, const rs__allocator *a, size_t need)
{
    void *p1 = f->row_off, *p2 = f->row_len;
    rs_status st = grow_pair(a, &p1, &p2, sizeof *f->row_off, sizeof *f->row_len, f->n_rows,
                             &f->rows_cap, need, 16);
    f->row_off = p1;
    f->row_len = p2;
    return st;
}

static rs_status grow_nnz(rs__features *f, const rs__allocator *a, size_t need)
{
    void *p1 = f->col, *p2 = f->val;
    rs_status st = grow_pair(a, &p1, &p2, sizeof *f->col, sizeof *f->val, f->nnz, &f->nnz_cap,
                             need, 64);
    f->col = p1;
    f->val = p2;
    return st;
}

rs_status rs__features_set_row(rs__features *f, const rs__allocator *a, size_t row,
                               const int32_t *col, const float *val, size_t n)
{
    if (n > UINT32_MAX || row >= (size_t)INT32_MAX)
        return RS_ERR_RANGE;
    if (n > (size_t)-1 - f->nnz)
        return RS_ERR_NOMEM;
    rs_status st = grow_rows(f, a, row + 1);
    if (st == RS_OK && n > 0)
        st = grow_nnz(f, a, f->nnz + n);
    if (st != RS_OK)
        return st;
    /* Rows past n_rows may hold stale values from a rollback: reset them. */
    for (size_t r = f->n_rows; r <= row; r++) {
        f->row_off[r] = 0;
        f->row_len[r] = 0;
    }
    if (row >= f->n_rows)
        f->n_rows = row + 1;
    if (n == 0) {
        f->row_off[row] = 0;
        f->row_len[row] = 0;
        return RS_OK;
    }
    /* Append a fresh slice: the old one stays in place until a compaction, so
     * an undo log can restore it by offset. */
    memcpy(f->col + f->nnz, col, n * sizeof *col);
    if (val)
        memcpy(f->val + f->nnz, val, n * sizeof *val);
    else
        for (size_t k = 0; k < n; k++)
            f->val[f->nnz + k] = 1.0f;
    f->row_off[row] = f->nnz;
    f->row_len[row] = (uint32_t)n;
    f->nnz += n;
    return RS_OK;
}

static size_t live_nnz(const rs__features *f)
{
    size_t live = 0;
    for (size_t r = 0; r < f->n_rows; r++)
        live += f->row_len[r];
    return live;
}

/* Copy rows (compacted) into dst's col/val arrays; dst has rows_cap >= n_rows
 * and nnz_cap >= live. */
static void copy_rows_compact(rs__features *dst, const rs__features *src)
{
    size_t at = 0;
    for (size_t r = 0; r < src->n_rows; r++) {
        uint32_t len = src->row_len[r];
        dst->row_len[r] = len;
        dst->row_off[r] = len ? at : 0;
        if (len) {
            memcpy(dst->col + at, src->col + src->row_off[r], len * sizeof *dst->col);
            memcpy(dst->val + at, src->val + src->row_off[r], len * sizeof *dst->val);
            at += len;
        }
    }
    dst->n_rows = src->n_rows;
    dst->nnz = at;
}

rs_status rs__features_copy(rs__features *dst, const rs__features *src, const rs__allocator *a)
{
    rs__features_init(dst);
    rs_status st = RS_OK;
    for (size_t i = 0; i < src->n_features && st == RS_OK; i++)
        st = rs__features_add_name(dst, a, src->names[i], NULL);
    if (st == RS_OK && src->n_rows)
        st = grow_rows(dst, a, src->n_rows);
    size_t live = live_nnz(src);
    if (st == RS_OK && live)
        st = grow_nnz(dst, a, live);
    if (st != RS_OK) {
        rs__features_free(dst, a);
        return st;
    }
    copy_rows_compact(dst, src);
    return RS_OK;
}

void rs__features_compact(rs__features *f, const rs__allocator *a)
{
    size_t live = live_nnz(f);
    /* Only worth a copy when most of the arrays are dead slices. */
    if (f->nnz_cap <= 1024 || f->nnz_cap <= 2 * live)
        return;
    rs__features tmp;
    rs__features_init(&tmp);
    size_t cap = live ? live : 1;
    tmp.col = rs__alloc(a, cap, sizeof *tmp.col);
    tmp.val = tmp.col ? rs__alloc(a, cap, sizeof *tmp.val) : NULL;
    if (!tmp.val) {
        rs__free(a, tmp.col, cap, sizeof *tmp.col);
        return; /* best effort: the data stays valid, just larger */
    }
    size_t at = 0;
    for (size_t r = 0; r < f->n_rows; r++) {
        uint32_t len = f->row_len[r];
        if (len) {
            memcpy(tmp.col + at, f->col + f->row_off[r], len * sizeof *tmp.col);
            memcpy(tmp.val + at, f->val + f->row_off[r], len * sizeof *tmp.val);
            f->row_off[r] = at;
            at += len;
        } else {
            f->row_off[r] = 0;
        }
    }
    rs__free(a, f->col, f->nnz_cap, sizeof *f->col);
    rs__free(a, f->val, f->nnz_cap, sizeof *f->val);
    f->col = tmp.col;
    f->val = tmp.val;
    f->nnz = at;
    f->nnz_cap = cap;
}

rs__features_mark rs__features_mark_now(const rs__features *f)
{
    rs__features_mark m = {f->n_features, f->n_rows, f->nnz};
    return m;
}

void rs__features_rollback(rs__features *f, const rs__allocator *a, rs__features_mark mark)
{
    if (f->n_features > mark.n_features) {
        free_names_from(f, a, mark.n_features);
        /* Linear probing has no cheap delete: rebuild the table in place. */
        if (f->n_name_slots) {
            memset(f->name_slots, 0, f->n_name_slots * sizeof *f->name_slots);
            for (size_t i = 0; i < f->n_features; i++)
                place_name(f->name_slots, f->n_name_slots, f->names, (int32_t)i);
        }
    }
    if (f->n_rows > mark.n_rows)
        f->n_rows = mark.n_rows;
    if (f->nnz > mark.nnz)
        f->nnz = mark.nnz;
}

static int cmp_i32(const void *x, const void *y)
{
    int32_t a = *(const int32_t *)x, b = *(const int32_t *)y;
    return (a > b) - (a < b);
}

int rs__features_has_duplicate(const int32_t *col, size_t n, const rs__allocator *a)
{
    if (n <= 64) {
        for (size_t i = 1; i < n; i++)
            for (size_t j = 0; j < i; j++)
                if (col[i] == col[j])
                    return 1;
        return 0;
    }
    int32_t *tmp = rs__alloc(a, n, sizeof *tmp);
    if (!tmp)
        return -1;
    memcpy(tmp, col, n * sizeof *tmp);
    rs__sort(tmp, n, sizeof *tmp, cmp_i32); /* not qsort: it mallocs (sort.h) */
    int dup = 0;
    for (size_t i = 1; i < n && !dup; i++)
        dup = tmp[i] == tmp[i - 1];
    rs__free(a, tmp, n, sizeof *tmp);
    return dup;
}

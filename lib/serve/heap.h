/* librecsgd. SPDX-License-Identifier: BSD-2-Clause
 * heap.h: bounded selection of the k best (score, id) pairs. A min-heap of
 * capacity k keeps the worst kept entry at the root, so scanning n scores
 * costs one comparison per score plus O(log k) per replacement, and the k
 * results are sorted once at the end (no full sort of n). "Better" means a
 * higher score, then the smaller external id, so results are deterministic. */
#ifndef RS_SERVE_HEAP_H
#define RS_SERVE_HEAP_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "common/config.h"
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

typedef struct rs__hentry {
    float score;
    int64_t id;
} rs__hentry;

typedef struct rs__topheap {
    rs__hentry *e; /* cap entries of caller scratch */
    size_t n, cap;
} rs__topheap;

static inline void rs__topheap_init(rs__topheap *h, rs__hentry *storage, size_t cap)
{
    h->e = storage;
    h->n = 0;
    h->cap = cap;
}

/* 1 if a ranks below b. */
static inline int rs__hentry_worse(float as, int64_t aid, float bs, int64_t bid)
{
    return as < bs || (as == bs && aid > bid);
}

static inline void rs__topheap_sift_down(rs__hentry *e, size_t n, size_t i)
{
    rs__hentry x = e[i];
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n)
            break;
        if (c + 1 < n && rs__hentry_worse(e[c + 1].score, e[c + 1].id, e[c].score, e[c].id))
            c++;
        if (!rs__hentry_worse(e[c].score, e[c].id, x.score, x.id))
            break;
        e[i] = e[c];
        i = c;
    }
    e[i] = x;
}

/* Offer one candidate. */
static inline void rs__topheap_push(rs__topheap *h, float score, int64_t id)
{
    rs__hentry *e = h->e;
    if (h->n < h->cap) {
        size_t i = h->n++;
        while (i > 0) {
            size_t p = (i - 1) / 2;
            if (!rs__hentry_worse(score, id, e[p].score, e[p].id))
                break;
            e[i] = e[p];
            i = p;
        }
        e[i].score = score;
        e[i].id = id;
    } else if (h->cap > 0 && rs__hentry_worse(e[0].score, e[0].id, score, id)) {
        e[0].score = score;
        e[0].id = id;
        rs__topheap_sift_down(e, h->n, 0);
    }
}

/* Score a candidate must reach (>=) to possibly enter: -inf until full. */
static inline float rs__topheap_threshold(const rs__topheap *h)
{
    return h->n < h->cap ? -INFINITY : h->e[0].score;
}

/* 1 if one of s[0, 16) is >= thr (NaN never is). SSE2 is part of x86-64,
 * and at -O2 gcc leaves the plain loop scalar. */
static inline int rs__any16_ge(const float *s, float thr)
{
#if defined(__SSE2__)
    __m128 t = _mm_set1_ps(thr);
    __m128 a = _mm_or_ps(_mm_cmpge_ps(_mm_loadu_ps(s), t), _mm_cmpge_ps(_mm_loadu_ps(s + 4), t));
    __m128 b = _mm_or_ps(_mm_cmpge_ps(_mm_loadu_ps(s + 8), t), _mm_cmpge_ps(_mm_loadu_ps(s + 12), t));
    return _mm_movemask_ps(_mm_or_ps(a, b)) != 0;
#else
    int any = 0;
    for (int l = 0; l < 16; l++)
        any |= s[l] >= thr;
    return any;
#endif
}

/* Offer s[j] for j in [lo, hi), with id ids[j], or id0 + j when ids is
 * NULL (dense indices), skipping j with mark[j] != 0 when mark is not
 * NULL. Blocks of 16 scores are first tested against the threshold at once
 * (rs__any16_ge); almost all blocks fail it once the heap is full. */
static inline void rs__topheap_scan_from(rs__topheap *h, const float *s, const int64_t *ids,
                                         int64_t id0, const uint8_t *mark, size_t lo, size_t hi)
{
    size_t j = lo;
    if (h->cap == 0)
        return;
#define RS__SCAN_ID(t) (ids ? ids[t] : id0 + (int64_t)(t))
    while (j < hi && h->n < h->cap) {
        if (!mark || !mark[j])
            rs__topheap_push(h, s[j], RS__SCAN_ID(j));
        j++;
    }
    float thr = h->e[0].score;
    for (; j + 16 <= hi; j += 16) {
        if (RS_LIKELY(!rs__any16_ge(s + j, thr)))
            continue;
        for (size_t t = j; t < j + 16; t++) {
            if (s[t] >= thr && (!mark || !mark[t])) {
                rs__topheap_push(h, s[t], RS__SCAN_ID(t));
                thr = h->e[0].score;
            }
        }
    }
    for (; j < hi; j++) {
        if (s[j] >= thr && (!mark || !mark[j])) {
            rs__topheap_push(h, s[j], RS__SCAN_ID(j));
            thr = h->e[0].score;
        }
    }
#undef RS__SCAN_ID
}

/* Offer s[j] with id ids[j] for j in [lo, hi) (see rs__topheap_scan_from). */
static inline void rs__topheap_scan(rs__topheap *h, const float *s, const int64_t *ids,
                                    const uint8_t *mark, size_t lo, size_t hi)
{
    rs__topheap_scan_from(h, s, ids, 0, mark, lo, hi);
}

/* A sorted list of dense indices to skip, walked once across consecutive
 * tiles of items (a user's seen items). */
typedef struct rs__skiplist {
    const int32_t *at;
    size_t n, pos;
} rs__skiplist;

static inline void rs__skiplist_init(rs__skiplist *k, const int32_t *at, size_t n)
{
    k->at = at;
    k->n = at ? n : 0;
    k->pos = 0;
}

/* The exclusions of one tile of items t0 .. t0 + nt - 1 as flags indexed
 * from t0: the items of k that fall in the tile (k advances past them) and
 * those with mark[item] != 0 (mark indexed from item 0, or NULL). Returns
 * NULL when nothing is excluded, mark + t0 when only mark excludes, else
 * tmark (nt bytes of zeroed scratch) filled in; rs__tile_unmark zeroes it
 * again. Flagging lets a tile be scanned in one pass: cutting it into
 * segments between excluded items makes short segments (a MovieLens user
 * has rated one item in 16) and slow per-item loops. */
static inline const uint8_t *rs__tile_mark(rs__skiplist *k, const uint8_t *mark, size_t t0,
                                           size_t nt, uint8_t *tmark, size_t *first)
{
    *first = k->pos;
    while (k->pos < k->n && (k->at[k->pos] < 0 || (size_t)k->at[k->pos] < t0 + nt))
        k->pos++;
    if (k->pos == *first)
        return mark ? mark + t0 : NULL;
    for (size_t t = *first; t < k->pos; t++)
        if (k->at[t] >= 0 && (size_t)k->at[t] >= t0)
            tmark[k->at[t] - (int32_t)t0] = 1;
    if (mark)
        for (size_t j = 0; j < nt; j++)
            tmark[j] |= mark[t0 + j];
    return tmark;
}

static inline void rs__tile_unmark(const rs__skiplist *k, const uint8_t *mark, size_t t0,
                                   size_t nt, uint8_t *tmark, size_t first)
{
    if (k->pos == first)
        return;
    if (mark) {
        memset(tmark, 0, nt);
        return;
    }
    for (size_t t = first; t < k->pos; t++)
        if (k->at[t] >= 0 && (size_t)k->at[t] >= t0)
            tmark[k->at[t] - (int32_t)t0] = 0;
}

/* Offer the scores s[0, nt) of items t0 .. t0 + nt - 1 (external ids ids,
 * indexed from item 0, or dense indices when ids is NULL) except the
 * exclusions of rs__tile_mark. Tiles must come in increasing order. */
static inline void rs__topheap_offer_tile(rs__topheap *h, const float *s, const int64_t *ids,
                                          const uint8_t *mark, size_t t0, size_t nt,
                                          rs__skiplist *k, uint8_t *tmark)
{
    size_t first;
    const uint8_t *tm = rs__tile_mark(k, mark, t0, nt, tmark, &first);
    rs__topheap_scan_from(h, s, ids ? ids + t0 : NULL, (int64_t)t0, tm, 0, nt);
    rs__tile_unmark(k, mark, t0, nt, tmark, first);
}

/* Sort the kept entries best first into ids_out/scores_out (scores_out may
 * be NULL) and return their count; the heap is consumed. */
static inline size_t rs__topheap_finish(rs__topheap *h, int64_t *ids_out, float *scores_out)
{
    size_t n = h->n;
    /* Heap sort: moving the worst (root) to the end leaves the array best first. */
    for (size_t end = n; end > 1; end--) {
        rs__hentry t = h->e[0];
        h->e[0] = h->e[end - 1];
        h->e[end - 1] = t;
        rs__topheap_sift_down(h->e, end - 1, 0);
    }
    for (size_t i = 0; i < n; i++) {
        ids_out[i] = h->e[i].id;
        if (scores_out)
            scores_out[i] = h->e[i].score;
    }
    h->n = 0;
    return n;
}

#endif

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
#include "common/config.h"

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

/* Offer s[j] for j in [lo, hi), with id ids[j], or id0 + j when ids is
 * NULL (dense indices), skipping j with mark[j] != 0 when mark is not
 * NULL. Blocks of 16 scores are first tested against the threshold with a
 * branch-free loop the compiler vectorises; almost all blocks fail it once
 * the heap is full. */
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
        int any = 0;
        if (mark) {
            for (int l = 0; l < 16; l++)
                any |= (s[j + l] >= thr) & (mark[j + l] == 0);
        } else {
            for (int l = 0; l < 16; l++)
                any |= s[j + l] >= thr;
        }
        if (RS_LIKELY(!any))
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

/* Offer the scores s[0, nt) of items t0 .. t0 + nt - 1 (external ids ids,
 * indexed from item 0, or dense indices when ids is NULL), skipping the
 * items of k and those with mark[item] != 0 (mark indexed from item 0, or
 * NULL). Tiles must come in increasing order: the excluded items cut each
 * tile into segments, so the hot loop needs no per-item test. */
static inline void rs__topheap_offer_tile(rs__topheap *h, const float *s, const int64_t *ids,
                                          const uint8_t *mark, size_t t0, size_t nt,
                                          rs__skiplist *k)
{
    const int64_t *tid = ids ? ids + t0 : NULL;
    const uint8_t *tm = mark ? mark + t0 : NULL;
    size_t pos = 0;
    while (k->pos < k->n && k->at[k->pos] < 0)
        k->pos++;
    while (k->pos < k->n && (size_t)k->at[k->pos] < t0 + nt) {
        size_t x = (size_t)k->at[k->pos++];
        if (x >= t0 + pos) {
            rs__topheap_scan_from(h, s, tid, (int64_t)t0, tm, pos, x - t0);
            pos = x - t0 + 1;
        }
    }
    rs__topheap_scan_from(h, s, tid, (int64_t)t0, tm, pos, nt);
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

/* librecsgd fuzzing. SPDX-License-Identifier: BSD-2-Clause
 * fuzz.h: what the libFuzzer harnesses share: a contract check that aborts
 * (so libFuzzer records the input), control bytes taken from the front of
 * the input, a reader callback that hands out random-sized pieces and can
 * fail part-way, and snapshots of a dataset to prove that a failed load
 * changed nothing. Built by tests/fuzz/run.sh with clang and
 * -fsanitize=fuzzer,address,undefined. */
#ifndef RS_FUZZ_H
#define RS_FUZZ_H

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <librecsgd/recsgd.h>

/* A broken contract is a finding: print what and abort. */
#define FUZZ_ASSERT(c)                                                                  \
    do {                                                                                \
        if (!(c)) {                                                                     \
            fprintf(stderr, "fuzz: contract broken: %s (%s:%d)\n", #c, __FILE__, __LINE__); \
            abort();                                                                    \
        }                                                                               \
    } while (0)

/* Control bytes: consumed from the front of the input (0 when it runs out). */
typedef struct fuzz_in {
    const uint8_t *p;
    size_t n;
} fuzz_in;

static inline uint8_t fuzz_byte(fuzz_in *in)
{
    if (in->n == 0)
        return 0;
    in->n--;
    return *in->p++;
}

/* A reader over bytes: pieces of 1..max_chunk bytes (0: as much as asked),
 * their sizes drawn from a small generator seeded by the input, failing with
 * -1 once fail_at bytes were handed out (0: never). */
typedef struct fuzz_reader {
    const uint8_t *p;
    size_t n, pos;
    size_t max_chunk, fail_at;
    uint32_t rng;
    int failed;
} fuzz_reader;

static inline int32_t fuzz_read(void *ud, void *buf, size_t cap, size_t *len_out)
{
    fuzz_reader *r = ud;
    *len_out = 0;
    if (r->fail_at && r->pos >= r->fail_at) {
        r->failed = 1;
        return -1;
    }
    size_t n = r->n - r->pos;
    if (n > cap)
        n = cap;
    if (r->max_chunk) {
        r->rng = r->rng * 1664525u + 1013904223u;
        size_t c = 1 + (r->rng >> 16) % r->max_chunk;
        if (n > c)
            n = c;
    }
    if (r->fail_at && n > r->fail_at - r->pos)
        n = r->fail_at - r->pos;
    memcpy(buf, r->p + r->pos, n);
    r->pos += n;
    *len_out = n;
    return 0;
}

static inline fuzz_reader fuzz_reader_of(const uint8_t *p, size_t n, size_t max_chunk,
                                         size_t fail_at, uint32_t seed)
{
    fuzz_reader r = {p, n, 0, max_chunk, fail_at, seed, 0};
    return r;
}

/* Messages are one printable line: no control characters. */
static inline int fuzz_printable(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || (unsigned char)*s == 0x7f)
            return 0;
    return 1;
}

/* The payload in a file, for the *_file loaders: one path per process. */
static inline const char *fuzz_write_file(const uint8_t *p, size_t n)
{
    static char path[64];
    if (!path[0])
        snprintf(path, sizeof path, "%s/rs_fuzz_%ld.in",
                 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", (long)getpid());
    unlink(path); /* a fresh file: truncating one in place makes ext4 flush it (auto_da_alloc) */
    FILE *f = fopen(path, "wb");
    FUZZ_ASSERT(f != NULL);
    FUZZ_ASSERT(fwrite(p, 1, n, f) == n);
    FUZZ_ASSERT(fclose(f) == 0);
    return path;
}

/* ---- dataset snapshots ---- */

typedef struct fuzz_snap {
    size_t n, users, items, nf[2];
    uint64_t hash; /* of every rating, feature name and feature row */
} fuzz_snap;

static inline uint64_t fuzz_mix(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t k = 0; k < n; k++)
        h = (h ^ b[k]) * 0x100000001b3ull;
    return h;
}

/* Everything observable about ds (also checks that every rating and feature
 * value is finite and that ratings respect the dataset's range). */
static inline fuzz_snap fuzz_snapshot(const rs_dataset *ds)
{
    fuzz_snap s;
    s.n = rs_dataset_num_ratings(ds);
    s.users = rs_dataset_num_users(ds);
    s.items = rs_dataset_num_items(ds);
    uint64_t h = 0xcbf29ce484222325ull;
    double lo, hi;
    FUZZ_ASSERT(rs_dataset_get_double(ds, RS_PARAM_RATING_MIN, &lo) == RS_OK);
    FUZZ_ASSERT(rs_dataset_get_double(ds, RS_PARAM_RATING_MAX, &hi) == RS_OK);
    for (size_t j = 0; j < s.n; j++) {
        int64_t u, i;
        float r, w;
        FUZZ_ASSERT(rs_dataset_get_rating(ds, j, &u, &i, &r, &w) == RS_OK);
        FUZZ_ASSERT(isfinite(r) && (double)r >= lo && (double)r <= hi);
        FUZZ_ASSERT(isfinite(w) && w > 0);
        h = fuzz_mix(h, &u, sizeof u);
        h = fuzz_mix(h, &i, sizeof i);
        h = fuzz_mix(h, &r, sizeof r);
        h = fuzz_mix(h, &w, sizeof w);
    }
    for (int side = 0; side < 2; side++) {
        s.nf[side] = rs_dataset_num_features(ds, side);
        for (size_t f = 0; f < s.nf[side]; f++) {
            const char *name = rs_dataset_feature_name(ds, side, (int32_t)f);
            FUZZ_ASSERT(name != NULL);
            h = fuzz_mix(h, name, strlen(name) + 1);
        }
        size_t ids = side == RS_SIDE_USER ? s.users : s.items;
        for (size_t k = 0; k < ids; k++) {
            int64_t id;
            FUZZ_ASSERT(rs_dataset_index_to_id(ds, side, (int32_t)k, &id) == RS_OK);
            int32_t col[64];
            float val[64];
            size_t len = 0;
            FUZZ_ASSERT(rs_dataset_get_features(ds, side, id, col, val, 64, &len) == RS_OK);
            h = fuzz_mix(h, &id, sizeof id);
            h = fuzz_mix(h, &len, sizeof len);
            for (size_t c = 0; c < len && c < 64; c++) {
                FUZZ_ASSERT(isfinite(val[c]));
                FUZZ_ASSERT(col[c] >= 0 && (size_t)col[c] < s.nf[side]);
                h = fuzz_mix(h, &col[c], sizeof col[c]);
                h = fuzz_mix(h, &val[c], sizeof val[c]);
            }
        }
    }
    s.hash = h;
    return s;
}

static inline int fuzz_same(fuzz_snap a, fuzz_snap b)
{
    return a.n == b.n && a.users == b.users && a.items == b.items && a.nf[0] == b.nf[0] &&
           a.nf[1] == b.nf[1] && a.hash == b.hash;
}

/* A dataset with a little content already, so that a failed load has
 * something to roll back to. */
static inline rs_dataset *fuzz_prefilled(void)
{
    rs_dataset *ds;
    FUZZ_ASSERT(rs_dataset_new(&ds, NULL, NULL) == RS_OK);
    FUZZ_ASSERT(rs_dataset_add_rating(ds, 1, 10, 4.0f, 1.0f) == RS_OK);
    FUZZ_ASSERT(rs_dataset_add_rating(ds, 2, 10, 2.5f, 2.0f) == RS_OK);
    FUZZ_ASSERT(rs_dataset_add_rating(ds, 2, 11, 1.0f, 1.0f) == RS_OK);
    int32_t f;
    FUZZ_ASSERT(rs_dataset_add_feature(ds, RS_SIDE_USER, "seed_u", &f) == RS_OK);
    FUZZ_ASSERT(rs_dataset_add_feature(ds, RS_SIDE_ITEM, "seed_i", &f) == RS_OK);
    FUZZ_ASSERT(rs_dataset_set_features(ds, RS_SIDE_USER, 1, &f, NULL, 1) == RS_OK);
    FUZZ_ASSERT(rs_dataset_set_features(ds, RS_SIDE_ITEM, 10, &f, NULL, 1) == RS_OK);
    return ds;
}

#endif

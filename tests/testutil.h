/* librecsgd. SPDX-License-Identifier: BSD-2-Clause
 * testutil.h: small shared fixtures: a temp file from a string, an
 * allocation-counting allocator and an allocator that fails after N calls. */
#ifndef RS_TESTS_TESTUTIL_H
#define RS_TESTS_TESTUTIL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Write text to a fresh /tmp file; path must hold 64 bytes. Returns 0 on success. */
static inline int tu_write_temp(char *path, const char *text)
{
    strcpy(path, "/tmp/rs_test_XXXXXX");
    int fd = mkstemp(path);
    if (fd < 0)
        return -1;
    size_t n = strlen(text);
    ssize_t w = n ? write(fd, text, n) : 0;
    close(fd);
    return (size_t)w == n ? 0 : -1;
}

/* Counting allocator: every live block and byte is tracked, and the osize
 * the library passes is checked against what it asked for. When fail_at > 0,
 * the fail_at-th allocation or growth (1-based) and every later one fail. */
typedef struct tu_alloc {
    size_t allocs, frees, live, live_bytes, calls;
    size_t peak_bytes;   /* the most live_bytes ever were */
    size_t fail_at;      /* 0 = never fail */
    size_t bad_osize;    /* frees/reallocs whose osize disagreed with our record */
} tu_alloc;

/* A header in front of each block records its size so osize can be verified. */
static inline void *tu_alloc_fn(void *ud, void *ptr, size_t osize, size_t nsize)
{
    tu_alloc *t = ud;
    size_t *h = ptr ? (size_t *)ptr - 2 : NULL;
    if (h && h[0] != osize)
        t->bad_osize++;
    if (nsize == 0) {
        if (h) {
            t->frees++;
            t->live--;
            t->live_bytes -= h[0];
            free(h);
        }
        return NULL;
    }
    t->calls++;
    if (t->fail_at && t->calls >= t->fail_at)
        return NULL;
    size_t *n = realloc(h, nsize + 2 * sizeof(size_t));
    if (!n)
        return NULL;
    if (!h) {
        t->allocs++;
        t->live++;
    } else {
        t->live_bytes -= n[0];
    }
    n[0] = nsize;
    t->live_bytes += nsize;
    if (t->live_bytes > t->peak_bytes)
        t->peak_bytes = t->live_bytes;
    return n + 2;
}

/* A reader over a string, handing out at most `chunk` bytes per call. */
typedef struct tu_reader {
    const char *s;
    size_t len, pos, chunk;
    int fail;            /* when set, the reader returns an error */
} tu_reader;

static inline int32_t tu_read(void *ud, void *buf, size_t cap, size_t *len_out)
{
    tu_reader *r = ud;
    if (r->fail)
        return -1;
    size_t n = r->len - r->pos;
    if (n > cap)
        n = cap;
    if (r->chunk && n > r->chunk)
        n = r->chunk;
    memcpy(buf, r->s + r->pos, n);
    r->pos += n;
    *len_out = n;
    return 0;
}

static inline tu_reader tu_reader_of(const char *s, size_t chunk)
{
    tu_reader r = {s, strlen(s), 0, chunk, 0};
    return r;
}

#endif

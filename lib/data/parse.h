/* librecsgd. SPDX-License-Identifier: BSD-2-Clause
 * parse.h: what every text loader shares: a block reader that hands out whole
 * lines from big reads (no per-line calls, no stdio in the hot loop) and
 * hand-rolled number parsers (locale-independent; no strtod/scanf). */
#ifndef RS_DATA_PARSE_H
#define RS_DATA_PARSE_H

#include <stddef.h>
#include <stdint.h>
#include <librecsgd/alloc.h>
#include <librecsgd/status.h>
#include "common/alloc.h"
#include "common/error.h"

/* Bytes asked of the reader per call; also the initial buffer size. */
#ifndef RS__BLOCK_SIZE /* the fuzz build (tests/fuzz/run.sh) makes it tiny to cross block edges */
#define RS__BLOCK_SIZE ((size_t)4 << 20)
#endif
/* Longest line accepted (the buffer grows up to this for one line). */
#define RS__LINE_MAX ((size_t)64 << 20)

/* Block reader. Complete lines live in buf[pos, end); each ends with '\n'.
 * At end of input a last line without '\n' gets one appended (buf has a
 * spare byte for it) and `unterminated` is set, so parsers may scan to '\n'
 * without bounds checks. */
typedef struct rs__lines {
    const rs__allocator *a;
    rs_reader_fn reader;
    void *ud;
    char *buf;
    size_t cap;          /* allocated bytes are cap + 1 */
    size_t len;          /* valid bytes */
    size_t pos, end;
    size_t consumed;     /* bytes handed out before buf[0] (for size estimates) */
    size_t line;         /* number of lines handed out so far */
    int eof;
    int started;         /* the byte order mark check has been done */
    int unterminated;
    const char *name;    /* for messages; never NULL */
    struct rs__gz *gz;   /* set when the input turned out to be gzip-compressed */
} rs__lines;

/* size_hint: total input bytes when known (a small input then gets a small
 * buffer), else 0. */
RS_INTERNAL rs_status rs__lines_init(rs__lines *L, const rs__allocator *a, rs_reader_fn reader,
                                     void *ud, const char *name, size_t size_hint);
RS_INTERNAL void rs__lines_free(rs__lines *L);
/* Make more complete lines available. RS_OK with pos < end when there are
 * lines; RS_OK with pos == end when the input is exhausted; RS_ERR_IO when
 * the reader failed; RS_ERR_FORMAT for an over-long line or corrupt gzip
 * data; RS_ERR_NOT_BUILT for gzip input without zlib; RS_ERR_NOMEM.
 * Writes a message into err on failure. Input that starts with the gzip
 * magic bytes is inflated on the fly (lib/data/gzip.c). */
RS_INTERNAL rs_status rs__lines_fill(rs__lines *L, rs__errbuf *err);
/* Next line (without '\n' and a trailing '\r'), or NULL at end / on error
 * (*st tells which). Increments L->line. */
RS_INTERNAL char *rs__lines_next(rs__lines *L, size_t *len, rs_status *st, rs__errbuf *err);
/* True when the line starting at p is the appended-newline last line. */
static inline int rs__lines_is_unterminated(const rs__lines *L, const char *line_end)
{
    return L->unterminated && line_end == L->buf + L->len;
}

/* True when the line rs__lines_next returned last was the unterminated one. */
static inline int rs__lines_last_unterminated(const rs__lines *L)
{
    return L->unterminated && L->pos > L->len;
}

/* The file reader of the *_file calls: a POSIX descriptor and a small
 * buffer inside the struct (on the caller's stack), so reading a file
 * allocates nothing outside the handle's allocator hook (stdio's FILE would:
 * docs/guide/embedding.md). open fails with RS_ERR_IO and
 * "<path>: cannot open: <strerror>" in err (RS_ERR_NOT_BUILT without stdio);
 * size is the file size or 0 when unknown. rs__file_read is an rs_reader_fn
 * over an rs__file; close turns a failed read into "<path>: read error:
 * <strerror>" and returns st otherwise. */
#define RS__FILE_BUF 8192
typedef struct rs__file {
    int fd;      /* -1 when closed */
    int err;     /* errno of a failed read, else 0 */
    size_t size;
    size_t pos, len; /* buffered bytes: buf[pos, len) */
    unsigned char buf[RS__FILE_BUF];
} rs__file;
RS_INTERNAL rs_status rs__file_open(rs__file *f, const char *path, rs__errbuf *err);
RS_INTERNAL int32_t rs__file_read(void *file, void *buf, size_t cap, size_t *len_out);
RS_INTERNAL rs_status rs__file_close(rs__file *f, const char *path, rs_status st,
                                     rs__errbuf *err);

/* ---- numbers ---- */

static inline int rs__is_digit(char c) { return (unsigned)(c - '0') < 10u; }
static inline int rs__is_blank(char c) { return c == ' ' || c == '\t'; }

/* Signed decimal integer. Returns the end of the digits, or NULL when there
 * are none; *overflow is set when the value does not fit int64. */
static inline const char *rs__parse_i64(const char *p, int64_t *out, int *overflow)
{
    int neg = 0;
    if (*p == '-' || *p == '+')
        neg = *p++ == '-';
    const char *start = p;
    uint64_t v = 0;
    while (rs__is_digit(*p) && p - start < 19)
        v = v * 10 + (uint64_t)(*p++ - '0');
    if (p == start)
        return NULL;
    *overflow = 0;
    if (rs__is_digit(*p)) {
        /* 20+ digits: overflow unless the extra digits follow leading zeros. */
        while (rs__is_digit(*p)) {
            if (v > (UINT64_MAX - 9) / 10)
                *overflow = 1;
            else
                v = v * 10 + (uint64_t)(*p - '0');
            p++;
        }
    }
    if (v > (uint64_t)INT64_MAX + (uint64_t)neg)
        *overflow = 1;
    /* -(INT64_MIN) does not fit: negate in unsigned arithmetic. */
    *out = neg ? (int64_t)(0 - v) : (int64_t)v;
    return p;
}

RS_INTERNAL double rs__scale10(uint64_t mantissa, int32_t exp10);

/* A timestamp field of n bytes: an integer (any int64), a decimal number
 * (rounded down to whole units), or an ISO 8601 date or date-time in UTC
 * or with an offset (2024-05-01, 2024-05-01T12:30, 2024-05-01 12:30:05.25Z,
 * 2024-05-01T12:30:05+02:00), which becomes Unix seconds. Returns 0, or -1
 * when the field is none of these (or out of range). */
RS_INTERNAL int rs__parse_time(const char *s, size_t n, int64_t *out);

/* Decimal number: [+-]digits[.digits][(e|E)[+-]digits] (also ".5" and "5.").
 * Exact for mantissas below 2^53 with a power of ten up to 22 (every
 * rating file in practice); other forms are scaled in rs__scale10. Returns
 * the end of the number, or NULL when p does not start one. */
static inline const char *rs__parse_num(const char *p, double *out)
{
    static const double p10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                 1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
    int neg = 0;
    if (*p == '-' || *p == '+')
        neg = *p++ == '-';
    uint64_t m = 0;
    int32_t nd = 0, exp10 = 0, any = 0;
    while (rs__is_digit(*p)) {
        any = 1;
        if (nd < 19) {
            m = m * 10 + (uint64_t)(*p - '0');
            nd += m != 0;
        } else {
            exp10++;
        }
        p++;
    }
    if (*p == '.') {
        p++;
        while (rs__is_digit(*p)) {
            any = 1;
            if (nd < 19) {
                m = m * 10 + (uint64_t)(*p - '0');
                nd += m != 0;
                exp10--;
            }
            p++;
        }
    }
    if (!any)
        return NULL;
    if (*p == 'e' || *p == 'E') {
        const char *q = p + 1;
        int eneg = 0;
        if (*q == '-' || *q == '+')
            eneg = *q++ == '-';
        if (rs__is_digit(*q)) {
            int32_t e = 0;
            while (rs__is_digit(*q)) {
                if (e < 100000)
                    e = e * 10 + (*q - '0');
                q++;
            }
            exp10 += eneg ? -e : e;
            p = q;
        }
        /* "5e" or "5e+" : leave p at 'e' so the caller sees junk after the number. */
    }
    double v;
    if (m == 0)
        v = 0.0;
    else if (m <= ((uint64_t)1 << 53) && exp10 >= -22 && exp10 <= 22)
        v = exp10 < 0 ? (double)m / p10[-exp10] : (double)m * p10[exp10];
    else
        v = rs__scale10(m, exp10);
    *out = neg ? -v : v;
    return p;
}

/* ---- gzip input (gzip.c) ---- */

typedef struct rs__gz rs__gz;
/* Inflate what reader yields; head holds the n bytes already read from it.
 * RS_ERR_NOT_BUILT (with a message) when zlib is not built in. */
RS_INTERNAL rs_status rs__gz_open(rs__gz **out, const rs__allocator *a, rs_reader_fn reader,
                                  void *ud, const void *head, size_t n, rs__errbuf *err,
                                  const char *name);
/* An rs_reader_fn over the inflated bytes. */
RS_INTERNAL int32_t rs__gz_read(void *gz, void *buf, size_t cap, size_t *len_out);
/* After rs__gz_read failed: the status of the failure, with its message in err. */
RS_INTERNAL rs_status rs__gz_error(const rs__gz *gz, rs__errbuf *err, const char *name);
RS_INTERNAL void rs__gz_close(rs__gz *gz);

/* Message prefix helpers: "<name>:<line>: ". */
#define RS__AT "%s:%zu: "

#endif

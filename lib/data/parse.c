/* librecsgd. SPDX-License-Identifier: BSD-2-Clause
 * parse.c: the block reader behind every text loader, the slow path of the
 * number parser, and the file reader for the *_file conveniences. */
/* open, read, fstat: POSIX; 64-bit file offsets on 32-bit platforms. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#ifndef _FILE_OFFSET_BITS
#define _FILE_OFFSET_BITS 64
#endif
#include "parse.h"

#include <string.h>

#if RS_ENABLE_STDIO
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#endif

rs_status rs__lines_init(rs__lines *L, const rs__allocator *a, rs_reader_fn reader, void *ud,
                         const char *name, size_t size_hint)
{
    size_t cap = RS__BLOCK_SIZE;
    /* +1 so that the whole input fits and the reader's end is seen in one go. */
    if (size_hint > 0 && size_hint < cap)
        cap = size_hint < 256 ? 256 : size_hint + 1;
    memset(L, 0, sizeof *L);
    L->a = a;
    L->reader = reader;
    L->ud = ud;
    L->name = name ? name : "<input>";
    L->buf = rs__alloc(a, cap + 1, 1);
    if (!L->buf)
        return RS_ERR_NOMEM;
    L->cap = cap;
    return RS_OK;
}

void rs__lines_free(rs__lines *L)
{
    if (L->gz)
        rs__gz_close(L->gz);
    L->gz = NULL;
    rs__free(L->a, L->buf, L->cap + 1, 1);
    L->buf = NULL;
    L->cap = 0;
}

/* The first bytes decide: gzip's magic (1f 8b) means the rest is inflated
 * through rs__gz_read; anything else is text, kept in the buffer. */
static rs_status detect_gzip(rs__lines *L, rs__errbuf *err)
{
    while (L->len < 2 && !L->eof) {
        size_t got = 0;
        if (L->reader(L->ud, L->buf + L->len, L->cap - L->len, &got) != 0)
            return rs__err(err, RS_ERR_IO, "%s: read error", L->name);
        if (got > L->cap - L->len)
            return rs__err(err, RS_ERR_IO, "%s: reader returned more bytes than asked", L->name);
        if (got == 0)
            L->eof = 1;
        L->len += got;
    }
    if (L->len < 2 || (unsigned char)L->buf[0] != 0x1f || (unsigned char)L->buf[1] != 0x8b)
        return RS_OK;
    rs_status st = rs__gz_open(&L->gz, L->a, L->reader, L->ud, L->buf, L->len, err, L->name);
    if (st != RS_OK)
        return st;
    L->reader = rs__gz_read;
    L->ud = L->gz;
    L->len = 0;
    L->eof = 0;
    return RS_OK;
}

static size_t last_newline(const char *buf, size_t from, size_t len)
{
    for (size_t k = len; k > from; k--)
        if (buf[k - 1] == '\n')
            return k;
    return from;
}

rs_status rs__lines_fill(rs__lines *L, rs__errbuf *err)
{
    if (L->pos < L->end)
        return RS_OK;
    if (L->eof) {
        L->pos = L->end = L->len;
        return RS_OK;
    }
    /* Move the partial line to the front, then read until the buffer is full
     * or the input ends: readers may hand out tiny pieces. */
    size_t keep = L->len - L->pos;
    if (L->pos > 0) {
        memmove(L->buf, L->buf + L->pos, keep);
        L->consumed += L->pos;
    }
    L->len = keep;
    L->pos = L->end = 0;
    if (!L->started) {
        rs_status st = detect_gzip(L, err);
        if (st != RS_OK)
            return st;
    }
    for (;;) {
        while (L->len < L->cap) {
            size_t got = 0;
            if (L->reader(L->ud, L->buf + L->len, L->cap - L->len, &got) != 0) {
                if (L->gz)
                    return rs__gz_error(L->gz, err, L->name);
                return rs__err(err, RS_ERR_IO, "%s: read error", L->name);
            }
            if (got == 0) {
                L->eof = 1;
                break;
            }
            if (got > L->cap - L->len)
                return rs__err(err, RS_ERR_IO, "%s: reader returned more bytes than asked",
                               L->name);
            L->len += got;
        }
        if (!L->started) {
            /* A UTF-8 byte order mark (spreadsheet exports) is not data. The
             * loop above filled the buffer, so 3 bytes are there unless the
             * input is shorter. */
            L->started = 1;
            if (L->len >= 3 && memcmp(L->buf, "\xEF\xBB\xBF", 3) == 0)
                L->pos = 3;
        }
        L->end = last_newline(L->buf, L->pos, L->len);
        if (L->eof) {
            size_t tail = L->end > L->pos ? L->end : L->pos;
            if (tail < L->len) {
                L->buf[L->len] = '\n';
                L->unterminated = 1;
                L->end = L->len + 1;
            }
            return RS_OK;
        }
        if (L->end > L->pos)
            return RS_OK;
        /* A full buffer without a newline: one very long line. */
        if (L->cap >= RS__LINE_MAX)
            return rs__err(err, RS_ERR_FORMAT, "%s:%zu: line longer than %zu bytes", L->name,
                           L->line + 1, RS__LINE_MAX);
        size_t ncap = L->cap * 2;
        char *nb = rs__realloc(L->a, L->buf, L->cap + 1, ncap + 1, 1);
        if (!nb)
            return rs__err(err, RS_ERR_NOMEM, "%s: out of memory", L->name);
        L->buf = nb;
        L->cap = ncap;
    }
}

char *rs__lines_next(rs__lines *L, size_t *len, rs_status *st, rs__errbuf *err)
{
    *st = RS_OK;
    if (L->pos >= L->end) {
        *st = rs__lines_fill(L, err);
        if (*st != RS_OK || L->pos >= L->end)
            return NULL;
    }
    char *s = L->buf + L->pos;
    char *nl = memchr(s, '\n', L->end - L->pos);
    size_t n = (size_t)(nl - s);
    L->pos += n + 1;
    L->line++;
    if (n > 0 && s[n - 1] == '\r')
        n--;
    s[n] = '\0'; /* callers get a C string; the '\n' (or '\r') slot is ours */
    *len = n;
    return s;
}

double rs__scale10(uint64_t m, int32_t exp10)
{
    /* Rare forms (long mantissas, big exponents): exact powers of ten are
     * applied in steps; the result may be off in the last bit, which is far
     * below float precision. */
    double v = (double)m;
    while (exp10 > 0 && v < 1e308) {
        int32_t s = exp10 > 22 ? 22 : exp10;
        static const double p[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                   1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                   1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
        v *= p[s];
        exp10 -= s;
    }
    if (exp10 > 0)
        return v * 1e308 * 10.0; /* overflows to infinity, as it should */
    while (exp10 < 0 && v > 0) {
        int32_t s = exp10 < -22 ? 22 : -exp10;
        static const double p[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                   1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                   1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
        v /= p[s];
        exp10 += s;
    }
    return v;
}

/* ---- timestamps ---- */

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar
 * (H. Hinnant's days_from_civil). */
static int64_t days_from_civil(int64_t y, int64_t m, int64_t d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* n digits at p as a number, or -1. */
static int64_t digits(const char *p, const char *e, int n)
{
    if (e - p < n)
        return -1;
    int64_t v = 0;
    for (int k = 0; k < n; k++) {
        if (!rs__is_digit(p[k]))
            return -1;
        v = v * 10 + (p[k] - '0');
    }
    return v;
}

static int parse_iso(const char *p, const char *e, int64_t *out)
{
    int64_t y = digits(p, e, 4), mo, d, h = 0, mi = 0, sec = 0, off = 0;
    if (y < 0 || e - p < 10 || p[4] != '-' || p[7] != '-')
        return -1;
    mo = digits(p + 5, e, 2);
    d = digits(p + 8, e, 2);
    static const int mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1])
        return -1;
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (mo == 2 && d == 29 && !leap)
        return -1;
    p += 10;
    if (p < e && (*p == 'T' || *p == 't' || *p == ' ')) {
        h = digits(p + 1, e, 2);
        if (h < 0 || h > 23 || e - p < 6 || p[3] != ':')
            return -1;
        mi = digits(p + 4, e, 2);
        if (mi < 0 || mi > 59)
            return -1;
        p += 6;
        if (p < e && *p == ':') {
            sec = digits(p + 1, e, 2);
            if (sec < 0 || sec > 60) /* 60: a leap second */
                return -1;
            p += 3;
            if (p < e && (*p == '.' || *p == ',')) { /* fractions of a second: rounded down */
                const char *q = ++p;
                while (p < e && rs__is_digit(*p))
                    p++;
                if (p == q)
                    return -1;
            }
        }
        if (p < e && (*p == 'Z' || *p == 'z')) {
            p++;
        } else if (p < e && (*p == '+' || *p == '-')) {
            int neg = *p == '-';
            int64_t oh = digits(p + 1, e, 2), om = 0;
            if (oh < 0 || oh > 23)
                return -1;
            p += 3;
            if (p < e && *p == ':')
                p++;
            if (p < e) {
                om = digits(p, e, 2);
                if (om < 0 || om > 59)
                    return -1;
                p += 2;
            }
            off = (oh * 3600 + om * 60) * (neg ? -1 : 1);
        }
    }
    if (p != e)
        return -1;
    *out = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec - off;
    return 0;
}

int rs__parse_time(const char *s, size_t n, int64_t *out)
{
    if (n == 0)
        return -1;
    const char *e = s + n;
    if (n >= 10 && rs__is_digit(s[0]) && s[4] == '-')
        return parse_iso(s, e, out);
    /* The field is followed by a separator, never by more digits, so the
     * number parsers stop at its end. */
    int ovf = 0;
    int64_t v;
    const char *q = rs__parse_i64(s, &v, &ovf);
    if (q == e) {
        if (ovf)
            return -1;
        *out = v;
        return 0;
    }
    double d;
    q = rs__parse_num(s, &d);
    if (q != e || !(d > -9.2e18 && d < 9.2e18))
        return -1;
    int64_t t = (int64_t)d;
    if ((double)t > d)
        t--; /* round down, also below zero */
    *out = t;
    return 0;
}

#if RS_ENABLE_STDIO
rs_status rs__file_open(rs__file *f, const char *path, rs__errbuf *err)
{
    f->fd = -1;
    f->err = 0;
    f->size = 0;
    f->pos = f->len = 0;
    int fd;
    do {
        errno = 0;
        fd = open(path, O_RDONLY);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0)
        return rs__err(err, RS_ERR_IO, "%s: cannot open: %s", path,
                       errno ? strerror(errno) : "unknown error");
    /* The size only sizes buffers and rating arrays up front; pipes and
     * other non-regular files leave it unknown. */
    struct stat sb;
    if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size > 0 &&
        (uintmax_t)sb.st_size <= (uintmax_t)(size_t)-1)
        f->size = (size_t)sb.st_size;
    f->fd = fd;
    return RS_OK;
}

/* One read(2), retried on EINTR: bytes read, 0 at the end, -1 on error. */
static ptrdiff_t read_some(rs__file *f, void *buf, size_t cap)
{
    ssize_t got;
    do {
        errno = 0;
        got = read(f->fd, buf, cap);
    } while (got < 0 && errno == EINTR);
    if (got < 0)
        f->err = errno ? errno : EIO;
    return (ptrdiff_t)got;
}

int32_t rs__file_read(void *file, void *buf, size_t cap, size_t *len_out)
{
    rs__file *f = file;
    *len_out = 0;
    if (cap == 0)
        return 0;
    if (f->pos == f->len) {
        /* Large requests go straight to the caller's buffer; small ones (the
         * model decoder asks for a few bytes at a time) come from ours. */
        if (cap >= sizeof f->buf) {
            ptrdiff_t got = read_some(f, buf, cap);
            if (got < 0)
                return -1;
            *len_out = (size_t)got;
            return 0;
        }
        ptrdiff_t got = read_some(f, f->buf, sizeof f->buf);
        if (got < 0)
            return -1;
        f->pos = 0;
        f->len = (size_t)got;
        if (got == 0)
            return 0;
    }
    size_t n = f->len - f->pos < cap ? f->len - f->pos : cap;
    memcpy(buf, f->buf + f->pos, n);
    f->pos += n;
    *len_out = n;
    return 0;
}

rs_status rs__file_close(rs__file *f, const char *path, rs_status st, rs__errbuf *err)
{
    if (f->fd >= 0)
        close(f->fd);
    f->fd = -1;
    if (st == RS_ERR_IO && f->err)
        return rs__err(err, RS_ERR_IO, "%s: read error: %s", path, strerror(f->err));
    return st;
}
#else
rs_status rs__file_open(rs__file *f, const char *path, rs__errbuf *err)
{
    (void)path;
    f->fd = -1;
    f->err = 0;
    f->size = 0;
    return rs__err(err, RS_ERR_NOT_BUILT, "file access is not built in (--disable-stdio)");
}
int32_t rs__file_read(void *file, void *buf, size_t cap, size_t *len_out)
{
    (void)file;
    (void)buf;
    (void)cap;
    *len_out = 0;
    return -1;
}
rs_status rs__file_close(rs__file *f, const char *path, rs_status st, rs__errbuf *err)
{
    (void)f;
    (void)path;
    (void)err;
    return st;
}
#endif

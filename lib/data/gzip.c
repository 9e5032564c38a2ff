/* librecsgd. SPDX-License-Identifier: BSD-2-Clause
 * gzip.c: gzip-compressed input for every text loader. The block reader
 * (parse.c) sees the gzip magic bytes at the start of an input and reads the
 * rest through rs__gz_read, which inflates what the caller's reader yields.
 * Concatenated gzip members (`cat a.gz b.gz`) are one input, as with gzip(1);
 * anything after the last member, a truncated member and corrupt data are
 * RS_ERR_FORMAT. zlib allocates through the dataset's allocator.
 *
 * zlib is optional (configure --with-zlib, RS_ENABLE_ZLIB; off in a vendored
 * build): without it a gzip input is RS_ERR_NOT_BUILT, with a message saying
 * so. */
#include "parse.h"

#include <string.h>

#if RS_ENABLE_ZLIB
#include <zlib.h>

/* Compressed bytes asked of the caller's reader per call. */
#define GZ_IN ((size_t)1 << 16)

enum { GZ_OK = 0, GZ_IO, GZ_CORRUPT, GZ_TRUNCATED, GZ_TRAILING, GZ_NOMEM };

struct rs__gz {
    z_stream zs;
    const rs__allocator *a;
    rs_reader_fn reader;
    void *ud;
    unsigned char *in; /* in_cap bytes: GZ_IN, or the first read if it was larger */
    size_t in_cap;
    int raw_eof;       /* the caller's reader reported the end */
    int member_done;   /* inflate reached the end of a member */
    int failure;       /* GZ_* of the first failure */
    char zmsg[96];     /* zlib's reason for GZ_CORRUPT */
};

/* zlib's allocator hooks over rs__allocator: zfree is not told the size,
 * so each block carries it in a header. */
typedef union blk_header {
    size_t size;
    max_align_t align;
} blk_header;

static voidpf gz_alloc(voidpf opaque, uInt items, uInt size)
{
    const rs__allocator *a = opaque;
    size_t bytes;
    if (rs__mul_size(items, size, &bytes) != 0 || bytes > (size_t)-1 - sizeof(blk_header))
        return Z_NULL;
    blk_header *h = rs__alloc(a, bytes + sizeof *h, 1);
    if (!h)
        return Z_NULL;
    h->size = bytes + sizeof *h;
    return h + 1;
}

static void gz_free(voidpf opaque, voidpf p)
{
    if (!p)
        return;
    blk_header *h = (blk_header *)p - 1;
    rs__free(opaque, h, h->size, 1);
}

rs_status rs__gz_open(rs__gz **out, const rs__allocator *a, rs_reader_fn reader, void *ud,
                      const void *head, size_t n, rs__errbuf *err, const char *name)
{
    *out = NULL;
    size_t in_cap = n > GZ_IN ? n : GZ_IN;
    rs__gz *gz = rs__calloc(a, 1, sizeof *gz);
    unsigned char *in = gz ? rs__alloc(a, in_cap, 1) : NULL;
    if (!in) {
        rs__free(a, gz, 1, sizeof *gz);
        return rs__err(err, RS_ERR_NOMEM, "%s: out of memory", name);
    }
    gz->a = a;
    gz->reader = reader;
    gz->ud = ud;
    gz->in = in;
    gz->in_cap = in_cap;
    memcpy(in, head, n);
    gz->zs.next_in = in;
    gz->zs.avail_in = (uInt)n;
    gz->zs.zalloc = gz_alloc;
    gz->zs.zfree = gz_free;
    gz->zs.opaque = (voidpf)a;
    /* 16 + MAX_WBITS: a gzip wrapper, not a raw or zlib stream. */
    int zr = inflateInit2(&gz->zs, 16 + MAX_WBITS);
    if (zr != Z_OK) {
        rs__free(a, in, in_cap, 1);
        rs__free(a, gz, 1, sizeof *gz);
        return rs__err(err, zr == Z_MEM_ERROR ? RS_ERR_NOMEM : RS_ERR_FORMAT,
                       "%s: cannot start inflating the gzip input", name);
    }
    *out = gz;
    return RS_OK;
}

static int fail(rs__gz *gz, int why)
{
    if (!gz->failure)
        gz->failure = why;
    return -1;
}

/* More compressed input; 0 when some arrived or the input ended. */
static int refill(rs__gz *gz)
{
    size_t got = 0;
    size_t want = gz->in_cap > (uInt)-1 ? (uInt)-1 : gz->in_cap;
    if (gz->reader(gz->ud, gz->in, want, &got) != 0)
        return fail(gz, GZ_IO);
    if (got > want)
        return fail(gz, GZ_IO);
    if (got == 0)
        gz->raw_eof = 1;
    gz->zs.next_in = gz->in;
    gz->zs.avail_in = (uInt)got;
    return 0;
}

int32_t rs__gz_read(void *p, void *buf, size_t cap, size_t *len_out)
{
    rs__gz *gz = p;
    *len_out = 0;
    if (gz->failure)
        return -1;
    if (cap > (uInt)-1)
        cap = (uInt)-1;
    gz->zs.next_out = buf;
    gz->zs.avail_out = (uInt)cap;
    while (gz->zs.avail_out == cap) { /* until something is produced, or the end */
        if (gz->zs.avail_in == 0 && !gz->raw_eof && refill(gz) != 0)
            return -1;
        if (gz->member_done) {
            if (gz->zs.avail_in == 0) {
                if (gz->raw_eof)
                    break; /* the end of the last member is the end of the input */
                continue;
            }
            /* Another member follows, or the input has trailing garbage. */
            if (gz->zs.next_in[0] != 0x1f)
                return fail(gz, GZ_TRAILING);
            if (inflateReset(&gz->zs) != Z_OK)
                return fail(gz, GZ_CORRUPT);
            gz->member_done = 0;
        }
        if (gz->zs.avail_in == 0 && gz->raw_eof)
            return fail(gz, GZ_TRUNCATED);
        int zr = inflate(&gz->zs, Z_NO_FLUSH);
        if (zr == Z_STREAM_END) {
            gz->member_done = 1;
        } else if (zr == Z_MEM_ERROR) {
            return fail(gz, GZ_NOMEM);
        } else if (zr == Z_DATA_ERROR || zr == Z_NEED_DICT || zr == Z_STREAM_ERROR) {
            const char *m = gz->zs.msg ? gz->zs.msg : "invalid data";
            size_t k = strlen(m);
            if (k >= sizeof gz->zmsg)
                k = sizeof gz->zmsg - 1;
            memcpy(gz->zmsg, m, k);
            gz->zmsg[k] = '\0';
            return fail(gz, GZ_CORRUPT);
        }
        /* Z_OK and Z_BUF_ERROR: progress was made, or more input is needed. */
    }
    *len_out = cap - gz->zs.avail_out;
    return 0;
}

rs_status rs__gz_error(const rs__gz *gz, rs__errbuf *err, const char *name)
{
    switch (gz->failure) {
    case GZ_NOMEM: return rs__err(err, RS_ERR_NOMEM, "%s: out of memory while inflating", name);
    case GZ_CORRUPT:
        return rs__err(err, RS_ERR_FORMAT, "%s: corrupt gzip data (%s)", name, gz->zmsg);
    case GZ_TRUNCATED:
        return rs__err(err, RS_ERR_FORMAT, "%s: truncated gzip data (the input ends inside a member)",
                       name);
    case GZ_TRAILING:
        return rs__err(err, RS_ERR_FORMAT, "%s: bytes after the end of the gzip data", name);
    default: return rs__err(err, RS_ERR_IO, "%s: read error", name);
    }
}

void rs__gz_close(rs__gz *gz)
{
    if (!gz)
        return;
    const rs__allocator *a = gz->a;
    inflateEnd(&gz->zs);
    rs__free(a, gz->in, gz->in_cap, 1);
    rs__free(a, gz, 1, sizeof *gz);
}

#else /* !RS_ENABLE_ZLIB */

rs_status rs__gz_open(rs__gz **out, const rs__allocator *a, rs_reader_fn reader, void *ud,
                      const void *head, size_t n, rs__errbuf *err, const char *name)
{
    (void)a;
    (void)reader;
    (void)ud;
    (void)head;
    (void)n;
    *out = NULL;
    return rs__err(err, RS_ERR_NOT_BUILT,
                   "%s: the input is gzip-compressed, but this library was built without zlib "
                   "(configure --with-zlib; see RS_FEATURE_ZLIB)",
                   name);
}

int32_t rs__gz_read(void *gz, void *buf, size_t cap, size_t *len_out)
{
    (void)gz;
    (void)buf;
    (void)cap;
    *len_out = 0;
    return -1;
}

rs_status rs__gz_error(const rs__gz *gz, rs__errbuf *err, const char *name)
{
    (void)gz;
    return rs__err(err, RS_ERR_NOT_BUILT, "%s: built without zlib", name);
}

void rs__gz_close(rs__gz *gz) { (void)gz; }

#endif

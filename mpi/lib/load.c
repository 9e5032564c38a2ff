/* librecsgd-mpi. SPDX-License-Identifier: BSD-2-Clause
 * load.c: rs_mpi_load_ratings - every rank parses only its share of the
 * input with the core loader (rs_dataset_load: same formats, same checks,
 * same messages).
 *
 * A split file is cut into equal byte ranges moved to line starts, so the
 * shares in rank order are the file and no line is read twice. CSV and TSV
 * need their header on every rank: ranks after the first read the lines up
 * to it first, when that first line is a header (declared by
 * RS_PARAM_HAS_HEADER, or detected by the core loader itself on that line
 * alone). A header can only start the file, so ranks after the first never
 * look for one in their range. A gzip-compressed file has no line starts to
 * cut at: it can be read whole by each rank (RS_MPI_SHARE_OWN_FILE), not
 * split.
 * A message names the line of the whole file: each rank counts the lines of
 * its range (finishing the count after a failure), an exclusive scan gives
 * the lines before it, and the loader's "path:LINE:" is renumbered. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* fseeko, ftello */
#endif
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "data/dataset.h"
#include "job.h"

typedef struct share_reader {
    FILE *f;
    char *prefix; /* CSV: the lines up to the header, for ranks after the first */
    size_t prefix_len, prefix_pos;
    uint64_t pos, end; /* the byte range still to deliver */
    uint64_t newlines; /* in the range bytes delivered so far */
    int failed;        /* errno of a failed read, or 0 */
} share_reader;

static uint64_t count_nl(const char *p, size_t n)
{
    uint64_t k = 0;
    const char *e = p + n;
    while ((p = memchr(p, '\n', (size_t)(e - p))) != NULL) {
        k++;
        p++;
    }
    return k;
}

static int share_read(void *ud, void *buf, size_t cap, size_t *len_out)
{
    share_reader *r = ud;
    *len_out = 0;
    if (r->prefix_pos < r->prefix_len) {
        size_t n = r->prefix_len - r->prefix_pos < cap ? r->prefix_len - r->prefix_pos : cap;
        memcpy(buf, r->prefix + r->prefix_pos, n);
        r->prefix_pos += n;
        *len_out = n;
        return 0;
    }
    if (r->pos >= r->end)
        return 0;
    size_t want = r->end - r->pos < cap ? (size_t)(r->end - r->pos) : cap;
    size_t got = fread(buf, 1, want, r->f);
    if (got == 0) {
        r->failed = ferror(r->f) ? (errno ? errno : EIO) : EIO; /* short file: it changed */
        return 1;
    }
    r->newlines += count_nl(buf, got);
    r->pos += got;
    *len_out = got;
    return 0;
}

/* Start of rank p's range: p / P of the way through, moved past the next
 * line end (0 for the first rank, size for p == P). */
static int range_start(FILE *f, uint64_t size, int p, int P, uint64_t *out)
{
    if (p <= 0) {
        *out = 0;
        return 0;
    }
    if (p >= P) {
        *out = size;
        return 0;
    }
    uint64_t off = (size / (uint64_t)P) * (uint64_t)p + (size % (uint64_t)P) * (uint64_t)p / (uint64_t)P;
    if (off == 0) {
        *out = 0;
        return 0;
    }
    /* Look from the byte before off: a line starting exactly at off starts the range. */
    if (fseeko(f, (off_t)(off - 1), SEEK_SET) != 0)
        return -1;
    char buf[4096];
    uint64_t pos = off - 1;
    for (;;) {
        size_t got = fread(buf, 1, sizeof buf, f);
        if (got == 0) {
            if (ferror(f))
                return -1;
            *out = size;
            return 0;
        }
        const char *nl = memchr(buf, '\n', got);
        if (nl) {
            *out = pos + (uint64_t)(nl - buf) + 1;
            return 0;
        }
        pos += got;
    }
}

/* CSV: the bytes up to and including the header line (blank and '#' lines
 * before it are skipped by the loader, as in a whole file). *cap_out is the
 * allocation's size, for freeing. 0, -1 on a read error, -2 out of memory. */
static int csv_prefix(FILE *f, const rs__allocator *a, char **out, size_t *len_out,
                      size_t *cap_out)
{
    *out = NULL;
    *len_out = *cap_out = 0;
    if (fseeko(f, 0, SEEK_SET) != 0)
        return -1;
    size_t cap = 0, len = 0;
    char *buf = NULL;
    int line_start = 1, in_skip = 0, c;
    while ((c = fgetc(f)) != EOF) {
        if (len + 1 > cap) {
            size_t ncap = cap ? 2 * cap : 256;
            char *nb = rs__realloc(a, buf, cap, ncap, 1);
            if (!nb) {
                rs__free(a, buf, cap, 1);
                return -2;
            }
            buf = nb;
            cap = ncap;
        }
        buf[len++] = (char)c;
        unsigned char u = (unsigned char)c;
        if (line_start && (c == ' ' || c == '\t' || c == '\r' || u == 0xEF || u == 0xBB || u == 0xBF))
            continue; /* blanks and a byte order mark before the first character */
        if (c == '\n') {
            if (!line_start && !in_skip)
                break; /* the header line ends here */
            line_start = 1;
            in_skip = 0;
            continue;
        }
        if (line_start) {
            in_skip = c == '#';
            line_start = 0;
        }
    }
    if (ferror(f)) {
        rs__free(a, buf, cap, 1);
        return -1;
    }
    *out = buf;
    *len_out = len;
    *cap_out = cap;
    return 0;
}

/* "path:LINE: rest" from the loader, with LINE moved by delta lines. */
static void renumber(char *msg, size_t cap, const char *path, int64_t delta)
{
    size_t pl = strlen(path);
    if (strncmp(msg, path, pl) != 0 || msg[pl] != ':')
        return;
    char *end;
    unsigned long long line = strtoull(msg + pl + 1, &end, 10);
    if (end == msg + pl + 1 || *end != ':')
        return;
    char rest[RS__ERRMSG_CAP];
    size_t n = strlen(end);
    if (n >= sizeof rest)
        n = sizeof rest - 1;
    memcpy(rest, end, n);
    rest[n] = '\0';
    char head[64];
    snprintf(head, sizeof head, ":%lld", (long long)line + (long long)delta);
    size_t hl = strlen(head);
    if (pl + hl + n + 1 > cap)
        return;
    memmove(msg + pl + hl, rest, n + 1);
    memcpy(msg + pl, head, hl);
}

/* Whether the lines of r's prefix end in a header, as the core loader
 * detects one (RS_PARAM_HAS_HEADER -1): loaded alone into ds, a header adds
 * no rating. ds is left as it was. */
static int prefix_is_header(rs_dataset *ds, share_reader *r, int32_t format, const char *path)
{
    rs__dataset_mark mark = rs__dataset_mark_now(ds);
    uint64_t pos = r->pos, end = r->end;
    r->prefix_pos = 0;
    r->pos = r->end = 0; /* the prefix only */
    rs_status st = rs_dataset_load(ds, share_read, r, format, path);
    int header = st == RS_ERR_EMPTY || (st == RS_OK && ds->n == mark.n);
    if (ds->n != mark.n || st != RS_OK)
        rs__dataset_rollback(ds, mark);
    r->prefix_pos = 0;
    r->pos = pos;
    r->end = end;
    r->newlines = 0;
    return header || (st != RS_OK && st != RS_ERR_EMPTY); /* a bad line: rank 0 reports it */
}

rs_status rs_mpi_load_ratings(rs_mpi_job *job, rs_dataset *ds, const char *path, int32_t format,
                              int32_t share)
{
    if (!job)
        return RS_ERR_INVALID_ARG;
    rs__err_clear(&job->err);
    rs_status st = RS_OK;
    char msg[RS__ERRMSG_CAP] = "";
    if (!ds || !path)
        st = RS_ERR_INVALID_ARG, snprintf(msg, sizeof msg, "dataset and path must not be NULL");
    else if (share != RS_MPI_SHARE_SPLIT && share != RS_MPI_SHARE_OWN_FILE)
        st = RS_ERR_INVALID_ARG, snprintf(msg, sizeof msg, "unknown share mode %d", (int)share);
    else if (format != RS_FORMAT_MOVIELENS && format != RS_FORMAT_CSV && format != RS_FORMAT_TSV &&
             format != RS_FORMAT_LIBMF)
        st = RS_ERR_INVALID_ARG, snprintf(msg, sizeof msg, "unknown rating format %d", (int)format);
    if ((st = rs__mpi_agree(job, st, msg)) != RS_OK)
        return st;

    const rs__allocator *a = &ds->alloc;
    rs__dataset_mark mark = rs__dataset_mark_now(ds);
    share_reader rd;
    memset(&rd, 0, sizeof rd);
    int split = share == RS_MPI_SHARE_SPLIT;
    size_t prefix_cap = 0;
    uint64_t prefix_lines = 0;
    rd.f = fopen(path, "rb");
    if (!rd.f) {
        st = RS_ERR_IO;
        snprintf(msg, sizeof msg, "%s: cannot open: %s", path, strerror(errno));
    } else {
        uint64_t size = 0, start = 0, end = 0;
        off_t sz = -1;
        if (fseeko(rd.f, 0, SEEK_END) == 0)
            sz = ftello(rd.f);
        int bad = sz < 0;
        size = bad ? 0 : (uint64_t)sz;
        int32_t has_header = ds->has_header;
        if (!bad && split) {
            unsigned char magic[2] = {0, 0};
            if (fseeko(rd.f, 0, SEEK_SET) != 0)
                bad = 1;
            else if (fread(magic, 1, 2, rd.f) == 2 && magic[0] == 0x1f && magic[1] == 0x8b) {
                st = RS_ERR_INVALID_ARG;
                snprintf(msg, sizeof msg, "%s: a gzip-compressed file cannot be split between the "
                         "ranks (decompress it, or give each rank a file of its own: "
                         "RS_MPI_SHARE_OWN_FILE)", path);
            }
        }
        if (!bad && split && st == RS_OK) {
            bad = range_start(rd.f, size, job->rank, job->size, &start) != 0 ||
                  range_start(rd.f, size, job->rank + 1, job->size, &end) != 0;
            if (!bad && (format == RS_FORMAT_CSV || format == RS_FORMAT_TSV) && has_header != 0) {
                /* The header starts rank 0's range; the others read it first. */
                int pr = csv_prefix(rd.f, a, &rd.prefix, &rd.prefix_len, &prefix_cap);
                if (pr == -2) {
                    st = RS_ERR_NOMEM;
                    snprintf(msg, sizeof msg, "%s: out of memory", path);
                }
                bad = pr == -1;
                uint64_t hdr = rd.prefix_len;
                if (start < hdr && job->rank > 0)
                    start = hdr;
                if (end < hdr && job->rank + 1 < job->size)
                    end = hdr;
                if (end < start)
                    end = start;
                if (job->rank == 0)
                    rd.prefix_len = 0; /* rank 0 reads it as part of its range */
                if (st == RS_OK && rd.prefix_len > 0 && has_header < 0 &&
                    !prefix_is_header(ds, &rd, format, path))
                    rd.prefix_len = 0; /* the first line is a rating: rank 0's */
                prefix_lines = count_nl(rd.prefix ? rd.prefix : "", rd.prefix_len);
            }
        } else if (!bad) {
            end = size;
        }
        if (bad && st == RS_OK) {
            st = RS_ERR_IO;
            snprintf(msg, sizeof msg, "%s: read error: %s", path, strerror(errno ? errno : EIO));
        }
        if (st == RS_OK && fseeko(rd.f, (off_t)start, SEEK_SET) != 0) {
            st = RS_ERR_IO;
            snprintf(msg, sizeof msg, "%s: read error: %s", path, strerror(errno));
        }
        rd.pos = start;
        rd.end = end;
        if (st == RS_OK && (rd.prefix_len > 0 || end > start)) {
            /* Past the file's start a line is never a header; before a
             * rank's range, the header is exactly the prefix. */
            if (split && job->rank > 0)
                ds->has_header = rd.prefix_len > 0 ? 1 : 0;
            st = rs_dataset_load(ds, share_read, &rd, format, path);
            ds->has_header = has_header;
            if (st == RS_ERR_EMPTY) {
                st = RS_OK; /* a share without ratings is fine; all of them empty is not */
            } else if (st != RS_OK && rd.failed) {
                st = RS_ERR_IO;
                snprintf(msg, sizeof msg, "%s: read error: %s", path, strerror(rd.failed));
            } else if (st != RS_OK) {
                snprintf(msg, sizeof msg, "%s", rs_dataset_last_error(ds));
            }
            /* Count the lines the loader did not read (it stops at an error). */
            if (st != RS_OK && !rd.failed) {
                char buf[1 << 14];
                size_t got;
                rd.prefix_pos = rd.prefix_len;
                while (rd.pos < rd.end && share_read(&rd, buf, sizeof buf, &got) == 0 && got > 0)
                    ;
            }
        }
        fclose(rd.f);
    }
    rs__free(a, rd.prefix, prefix_cap, 1);

    /* Lines before this range, for the message; then the agreed outcome. */
    uint64_t before = 0;
    if (split) {
        rs_status sst = rs__mpi_exscan_u64(job, rd.newlines, &before, "the other ranks' line counts");
        if (sst != RS_OK) {
            rs__dataset_rollback(ds, mark);
            return sst;
        }
        if (st != RS_OK)
            renumber(msg, sizeof msg, path, (int64_t)before - (int64_t)prefix_lines);
    }
    st = rs__mpi_agree(job, st, msg);
    uint64_t added = st == RS_OK ? (uint64_t)(ds->n - mark.n) : 0;
    if (st == RS_OK) {
        rs_status sst = rs__mpi_allreduce(job, &added, 1, MPI_UINT64_T, MPI_SUM, "the other ranks' "
                                          "rating counts");
        if (sst != RS_OK)
            st = sst;
        else if (added == 0)
            st = rs__err(&job->err, RS_ERR_EMPTY, "%s: no ratings", path);
    }
    if (st != RS_OK) {
        rs__dataset_rollback(ds, mark);
        rs__err(&ds->err, st, "%s", job->err.msg);
    }
    return st;
}

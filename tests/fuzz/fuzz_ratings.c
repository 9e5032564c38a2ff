/* librecsgd fuzzing. SPDX-License-Identifier: BSD-2-Clause
 * fuzz_ratings.c: the ratings loaders (MovieLens, CSV, LIBMF text) through
 * a reader callback that hands out random-sized pieces and may fail
 * part-way, and through the file path. Control bytes choose the format, the
 * CSV delimiter and column options, the rating range, the piece sizes and
 * the failure point; the rest is the text.
 *
 * Contract checked on every input:
 *  - a failed load leaves the (pre-filled) dataset exactly as it was and
 *    sets a printable message; a reader failure is reported as RS_ERR_IO or
 *    as the format error that came before it;
 *  - every stored rating is finite, inside the range, with a weight > 0;
 *  - the result does not depend on how the input is cut into pieces: the
 *    chunked load, a one-piece load and rs_dataset_load_file agree on the
 *    status and, on success, on every rating. */
#include "fuzz.h"

static const int32_t FORMATS[3] = {RS_FORMAT_MOVIELENS, RS_FORMAT_CSV, RS_FORMAT_LIBMF};
static const char DELIMS[4] = {',', ';', '\t', '|'};

typedef struct opts {
    int32_t format;
    int delim, cols, wide;
} opts;

static rs_dataset *configured(const opts *o)
{
    rs_dataset *ds = fuzz_prefilled();
    if (o->format == RS_FORMAT_CSV) {
        FUZZ_ASSERT(rs_dataset_set_int(ds, RS_PARAM_CSV_DELIMITER, DELIMS[o->delim]) == RS_OK);
        if (o->cols) {
            FUZZ_ASSERT(rs_dataset_set_int(ds, RS_PARAM_CSV_USER_COL, o->cols % 3) == RS_OK);
            FUZZ_ASSERT(rs_dataset_set_int(ds, RS_PARAM_CSV_ITEM_COL, (o->cols + 1) % 3) == RS_OK);
            FUZZ_ASSERT(rs_dataset_set_int(ds, RS_PARAM_CSV_RATING_COL, 3) == RS_OK);
        }
    }
    if (o->wide) {
        FUZZ_ASSERT(rs_dataset_set_double(ds, RS_PARAM_RATING_MIN, -1e30) == RS_OK);
        FUZZ_ASSERT(rs_dataset_set_double(ds, RS_PARAM_RATING_MAX, 1e30) == RS_OK);
    } else if (o->delim == 3) {
        FUZZ_ASSERT(rs_dataset_set_double(ds, RS_PARAM_RATING_MAX, 5.0) == RS_OK);
        FUZZ_ASSERT(rs_dataset_set_double(ds, RS_PARAM_RATING_MIN, 1.0) == RS_OK);
    }
    return ds;
}

static rs_status load(const opts *o, const uint8_t *p, size_t n, size_t max_chunk, size_t fail_at,
                      uint32_t seed, fuzz_snap *out, int *reader_failed)
{
    rs_dataset *ds = configured(o);
    fuzz_snap before = fuzz_snapshot(ds);
    fuzz_reader r = fuzz_reader_of(p, n, max_chunk, fail_at, seed);
    rs_status st = rs_dataset_load(ds, fuzz_read, &r, o->format, "in.txt");
    *out = fuzz_snapshot(ds);
    if (reader_failed)
        *reader_failed = r.failed;
    if (st != RS_OK) {
        FUZZ_ASSERT(fuzz_same(before, *out));
        const char *msg = rs_dataset_last_error(ds);
        FUZZ_ASSERT(msg[0] != '\0' && fuzz_printable(msg));
        FUZZ_ASSERT(st == RS_ERR_FORMAT || st == RS_ERR_EMPTY || st == RS_ERR_IO ||
                    st == RS_ERR_RANGE || st == RS_ERR_NOMEM);
        FUZZ_ASSERT(st != RS_ERR_IO || r.failed);
    } else {
        FUZZ_ASSERT(out->n > before.n);
        FUZZ_ASSERT(rs_dataset_last_error(ds)[0] == '\0');
    }
    rs_dataset_free(ds);
    return st;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_in in = {data, size};
    uint8_t c0 = fuzz_byte(&in), c1 = fuzz_byte(&in), c2 = fuzz_byte(&in);
    opts o = {FORMATS[c0 % 3], (c0 >> 2) & 3, (c0 >> 4) & 3, (c0 >> 6) & 1};
    size_t max_chunk = c1 % 17;               /* 0: whole reads */
    size_t fail_at = c2 ? (size_t)c2 * 3 : 0; /* 0: the reader never fails */
    uint32_t seed = (uint32_t)c1 * 2654435761u;

    fuzz_snap chunked, whole, file;
    int failed = 0;
    rs_status st_c = load(&o, in.p, in.n, max_chunk, fail_at, seed, &chunked, &failed);
    rs_status st_w = load(&o, in.p, in.n, 0, 0, 0, &whole, NULL);
    if (!failed) {
        FUZZ_ASSERT(st_c == st_w);
        FUZZ_ASSERT(fuzz_same(chunked, whole));
    } else if (st_c == RS_OK) {
        FUZZ_ASSERT(0); /* a failing reader cannot give a successful load */
    }

    /* The file path reads the same bytes. */
    rs_dataset *ds = configured(&o);
    fuzz_snap before = fuzz_snapshot(ds);
    rs_status st_f = rs_dataset_load_file(ds, fuzz_write_file(in.p, in.n), o.format);
    file = fuzz_snapshot(ds);
    FUZZ_ASSERT(st_f == st_w);
    FUZZ_ASSERT(fuzz_same(file, st_f == RS_OK ? whole : before));
    FUZZ_ASSERT(fuzz_printable(rs_dataset_last_error(ds)));
    rs_dataset_free(ds);
    return 0;
}

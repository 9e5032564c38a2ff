/* librecsgd fuzzing. SPDX-License-Identifier: BSD-2-Clause
 * fuzz_features.c: the feature loaders (sparse "id name:value ...", the
 * MovieLens u.item and u.user layouts) for both sides, through a chunked,
 * possibly failing reader and through the file path.
 *
 * Contract: a failed load leaves the dataset unchanged (ratings, ids,
 * feature names and rows) with a printable message; every stored feature
 * value is finite and every column names a declared feature; the chunked,
 * one-piece and file loads agree. */
#include "fuzz.h"

static const int32_t FORMATS[3] = {RS_FEATURES_SPARSE, RS_FEATURES_MOVIELENS_ITEM,
                                   RS_FEATURES_MOVIELENS_USER};

static rs_status load(int32_t side, int32_t format, const uint8_t *p, size_t n, size_t max_chunk,
                      size_t fail_at, uint32_t seed, fuzz_snap *out, int *reader_failed)
{
    rs_dataset *ds = fuzz_prefilled();
    fuzz_snap before = fuzz_snapshot(ds);
    fuzz_reader r = fuzz_reader_of(p, n, max_chunk, fail_at, seed);
    rs_status st = rs_dataset_load_features(ds, side, fuzz_read, &r, format, "feat.txt");
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
    }
    rs_dataset_free(ds);
    return st;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_in in = {data, size};
    uint8_t c0 = fuzz_byte(&in), c1 = fuzz_byte(&in), c2 = fuzz_byte(&in);
    int32_t side = c0 & 1 ? RS_SIDE_ITEM : RS_SIDE_USER;
    int32_t format = FORMATS[(c0 >> 1) % 3];
    size_t max_chunk = c1 % 17, fail_at = c2 ? (size_t)c2 * 3 : 0;
    uint32_t seed = (uint32_t)c1 * 2654435761u;

    fuzz_snap chunked, whole;
    int failed = 0;
    rs_status st_c = load(side, format, in.p, in.n, max_chunk, fail_at, seed, &chunked, &failed);
    rs_status st_w = load(side, format, in.p, in.n, 0, 0, 0, &whole, NULL);
    if (!failed) {
        FUZZ_ASSERT(st_c == st_w);
        FUZZ_ASSERT(fuzz_same(chunked, whole));
    } else {
        FUZZ_ASSERT(st_c != RS_OK);
    }

    rs_dataset *ds = fuzz_prefilled();
    fuzz_snap before = fuzz_snapshot(ds);
    rs_status st_f = rs_dataset_load_features_file(ds, side, fuzz_write_file(in.p, in.n), format);
    fuzz_snap file = fuzz_snapshot(ds);
    FUZZ_ASSERT(st_f == st_w);
    FUZZ_ASSERT(fuzz_same(file, st_f == RS_OK ? whole : before));
    rs_dataset_free(ds);
    return 0;
}

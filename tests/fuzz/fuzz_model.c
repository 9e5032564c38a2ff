/* librecsgd fuzzing. SPDX-License-Identifier: BSD-2-Clause
 * fuzz_model.c: rs_model_load_buffer and rs_model_load (a chunked reader
 * that may fail part-way) on arbitrary bytes. Half the inputs first get a
 * correct checksum (the last 4 bytes rewritten), so the decoder itself is
 * reached and not just the integrity check. A model that loads is then
 * scored (rs_predict, rs_topk, rs_similar_*), saved, reloaded and saved
 * again.
 *
 * Contract: a failed load returns NULL and a printable message; a blob the
 * memory loader accepts, the reader accepts too; RS_ERR_VERSION and
 * RS_ERR_NOT_BUILT only for a blob with a valid checksum; a loaded model
 * scores finitely, saves, and reloads to the same bytes and scores. */
#include "fuzz.h"

#include "io/format.h" /* rs__crc32c: the format's own checksum */

static void check_loaded(const rs_model *m)
{
    size_t nu = rs_model_num_users(m), ni = rs_model_num_items(m);
    FUZZ_ASSERT(nu > 0 || ni > 0 || nu == 0);
    /* Save, reload, save: the same bytes and the same scores. */
    size_t n1 = 0, n2 = 0;
    char msg[256];
    rs_status st = rs_model_save_buffer(m, NULL, 0, &n1, msg, sizeof msg);
    FUZZ_ASSERT(st == RS_ERR_RANGE || st == RS_OK);
    unsigned char *b1 = malloc(n1 ? n1 : 1), *b2 = NULL;
    FUZZ_ASSERT(b1 != NULL);
    FUZZ_ASSERT(rs_model_save_buffer(m, b1, n1, &n1, msg, sizeof msg) == RS_OK);
    rs_model *again = NULL;
    st = rs_model_load_buffer(&again, b1, n1, NULL, NULL, msg, sizeof msg);
    FUZZ_ASSERT(st == RS_OK);
    FUZZ_ASSERT(rs_model_save_buffer(again, NULL, 0, &n2, NULL, 0) != RS_ERR_STATE);
    b2 = malloc(n2 ? n2 : 1);
    FUZZ_ASSERT(b2 != NULL);
    FUZZ_ASSERT(rs_model_save_buffer(again, b2, n2, &n2, NULL, 0) == RS_OK);
    FUZZ_ASSERT(n1 == n2 && memcmp(b1, b2, n1) == 0);

    /* Scores: finite, and identical in the reloaded copy. Ids: a few known
     * ones (through the similarity lists) and unknown ones. */
    int64_t ids[8];
    float sims[8];
    size_t got = 0;
    int64_t users[4] = {0, 1, -1, INT64_MAX}, items[4] = {0, 1, -1, INT64_MIN};
    int64_t top[16];
    float tops[16];
    for (int k = 0; k < 4; k++) {
        for (int j = 0; j < 4; j++) {
            float y1 = 0, y2 = 0;
            rs_status s1 = rs_predict(m, users[k], items[j], &y1);
            rs_status s2 = rs_predict(again, users[k], items[j], &y2);
            FUZZ_ASSERT(s1 == s2);
            FUZZ_ASSERT(isfinite(y1) && memcmp(&y1, &y2, sizeof y1) == 0);
        }
        size_t nt = 0;
        st = rs_topk(m, users[k], 16, k & 1 ? RS_TOPK_INCLUDE_SEEN : 0, items, 2, NULL, 0, top,
                     tops, &nt);
        FUZZ_ASSERT(st == RS_OK || st == RS_FALLBACK || st == RS_ERR_UNKNOWN_ID ||
                    st == RS_ERR_NOMEM || st == RS_ERR_STATE);
        for (size_t r = 0; r < nt; r++)
            FUZZ_ASSERT(isfinite(tops[r]));
        st = rs_similar_items(m, items[k], 8, ids, sims, &got);
        FUZZ_ASSERT(st == RS_OK || st == RS_ERR_UNKNOWN_ID || st == RS_ERR_STATE ||
                    st == RS_ERR_NOMEM);
        st = rs_similar_users(m, users[k], 8, ids, sims, &got);
        FUZZ_ASSERT(st == RS_OK || st == RS_ERR_UNKNOWN_ID || st == RS_ERR_STATE ||
                    st == RS_ERR_NOMEM);
        for (size_t r = 0; st == RS_OK && r < got; r++) {
            float y = 0;
            FUZZ_ASSERT(isfinite(sims[r]));
            rs_status sp = rs_predict(m, ids[r], items[k], &y);
            FUZZ_ASSERT((sp == RS_OK || sp == RS_FALLBACK || sp == RS_ERR_UNKNOWN_ID) &&
                        isfinite(y));
        }
    }
    int64_t batch_users[3] = {1, 2, 3};
    int64_t bitems[3 * 4];
    float bscores[3 * 4];
    size_t counts[3];
    st = rs_topk_batch(m, batch_users, 3, 4, 0, bitems, bscores, counts);
    FUZZ_ASSERT(st == RS_OK || st == RS_FALLBACK || st == RS_ERR_UNKNOWN_ID ||
                st == RS_ERR_NOMEM || st == RS_ERR_STATE);
    rs_model_free(again);
    free(b1);
    free(b2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_in in = {data, size};
    uint8_t c0 = fuzz_byte(&in), c1 = fuzz_byte(&in);
    size_t n = in.n;
    uint8_t *blob = malloc(n ? n : 1);
    FUZZ_ASSERT(blob != NULL);
    memcpy(blob, in.p, n);
    int fixed = (c0 & 1) && n >= 12;
    if (fixed) { /* reach the decoder: make the trailer the checksum of the rest */
        uint32_t crc = rs__crc32c(0, blob, n - 4);
        for (int k = 0; k < 4; k++)
            blob[n - 4 + k] = (uint8_t)(crc >> (8 * k));
    }
    char msg[256];
    rs_model *m = (rs_model *)1;
    rs_status st_b = rs_model_load_buffer(&m, blob, n, NULL, NULL, msg, sizeof msg);
    if (st_b == RS_OK) {
        FUZZ_ASSERT(m != NULL && msg[0] == '\0');
        check_loaded(m);
        rs_model_free(m);
    } else {
        FUZZ_ASSERT(m == NULL && msg[0] != '\0' && fuzz_printable(msg));
        FUZZ_ASSERT(st_b == RS_ERR_FORMAT || st_b == RS_ERR_VERSION || st_b == RS_ERR_NOT_BUILT ||
                    st_b == RS_ERR_NOMEM);
    }
    /* Integrity first: only a checksummed blob may claim to be newer. */
    int crc_ok = n >= 12 && rs__crc32c(0, blob, n - 4) == ((uint32_t)blob[n - 4] |
                                                           (uint32_t)blob[n - 3] << 8 |
                                                           (uint32_t)blob[n - 2] << 16 |
                                                           (uint32_t)blob[n - 1] << 24);
    if (st_b == RS_ERR_VERSION || st_b == RS_ERR_NOT_BUILT)
        FUZZ_ASSERT(crc_ok);

    /* The same bytes through a chunked reader, possibly failing. */
    size_t max_chunk = c1 % 13, fail_at = (c0 >> 1) % 4 == 0 ? (size_t)(c0 >> 3) * 9 + 1 : 0;
    fuzz_reader r = fuzz_reader_of(blob, n, max_chunk, fail_at, (uint32_t)c1 * 2654435761u);
    m = (rs_model *)1;
    rs_status st_r = rs_model_load(&m, fuzz_read, &r, NULL, NULL, msg, sizeof msg);
    if (st_r == RS_OK) {
        FUZZ_ASSERT(m != NULL);
        rs_model_free(m);
    } else {
        FUZZ_ASSERT(m == NULL && msg[0] != '\0' && fuzz_printable(msg));
        FUZZ_ASSERT(st_r == RS_ERR_FORMAT || st_r == RS_ERR_VERSION ||
                    st_r == RS_ERR_NOT_BUILT || st_r == RS_ERR_NOMEM || st_r == RS_ERR_IO);
        FUZZ_ASSERT(st_r != RS_ERR_IO || r.failed);
    }
    if (!r.failed) {
        if (st_b == RS_OK)
            FUZZ_ASSERT(st_r == RS_OK);
        /* A verdict that needs the checksum holds whichever way the bytes come
         * (the reader may also stop at an earlier valid trailer). */
        if (st_b == RS_ERR_VERSION || st_b == RS_ERR_NOT_BUILT)
            FUZZ_ASSERT(st_r == st_b || st_r == RS_OK);
        if (st_r == RS_ERR_VERSION || st_r == RS_ERR_NOT_BUILT)
            FUZZ_ASSERT(st_b == st_r || st_b == RS_ERR_FORMAT);
    }
    free(blob);
    return 0;
}

/* librecsgd tests. SPDX-License-Identifier: BSD-2-Clause
 * check_api_persist.c: model persistence through the public API only -
 * round trips through memory, files and callbacks (bit-identical predictions
 * and top-k lists, identical re-saved bytes), cold-start ids, and refusal of
 * every truncated, corrupted, foreign or newer blob without a crash or a
 * leak, failing callbacks and allocators, and the atomic file save. Every
 * round-trip test runs for each scorer built into the library. */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <librecsgd/recsgd.h>
#include "synth.h"
#include "testutil.h"

#define N_USERS 30
#define N_ITEMS 20
#define ITEM0 1000000 /* synth.h: item i has id ITEM0 + i, user u has id u + 1 */

static const int32_t SCORERS[] = {RS_SCORER_COLLABORATIVE, RS_SCORER_CONTENT, RS_SCORER_HYBRID};
#define N_SCORERS ((int)(sizeof SCORERS / sizeof SCORERS[0]))

static rs_dataset *train_ds;

static void make_data(void)
{
    ck_assert_int_eq(rs_dataset_new(&train_ds, NULL, NULL), RS_OK);
    ck_assert_uint_gt(synth_make(train_ds, NULL, N_USERS, N_ITEMS, 4, 0.5, 0.1, 0.0, 11), 100);
}

static void free_data(void)
{
    rs_dataset_free(train_ds);
    train_ds = NULL;
}

/* A small fitted model of scorer SCORERS[idx], or NULL when it is not built. */
static rs_model *fit_model(int idx)
{
    rs_model *m = NULL;
    rs_status st = rs_model_new(&m, SCORERS[idx], NULL, NULL);
    if (st == RS_ERR_NOT_BUILT)
        return NULL;
    ck_assert_int_eq(st, RS_OK);
    ck_assert_int_eq(rs_model_set_int(m, RS_PARAM_FACTORS, 4), RS_OK);
    ck_assert_int_eq(rs_model_set_int(m, RS_PARAM_EPOCHS, 3), RS_OK);
    ck_assert_int_eq(rs_model_set_double(m, RS_PARAM_LEARNING_RATE, 0.02), RS_OK);
    ck_assert_int_eq(rs_model_set_double(m, RS_PARAM_INIT_SCALE, 0.3), RS_OK);
    /* Non-default values must survive as well. */
    ck_assert_int_eq(rs_model_set_int(m, RS_PARAM_SEED, 1234567), RS_OK);
    ck_assert_int_eq(rs_model_set_double(m, RS_PARAM_L2_BIAS, 0.125), RS_OK);
    ck_assert_int_eq(rs_model_set_int(m, RS_PARAM_COLD_START, RS_COLD_START_ERROR), RS_OK);
    ck_assert_int_eq(rs_fit(m, train_ds, NULL), RS_OK);
    return m;
}

typedef struct blob {
    unsigned char *p;
    size_t len, cap;
} blob;

static blob save_blob(const rs_model *m)
{
    blob b = {NULL, 0, 0};
    char msg[128];
    ck_assert_int_eq(rs_model_save_buffer(m, NULL, 0, &b.len, msg, sizeof msg), RS_ERR_RANGE);
    ck_assert_uint_gt(b.len, 64);
    b.p = malloc(b.len);
    b.cap = b.len;
    ck_assert_ptr_nonnull(b.p);
    size_t size = 0;
    ck_assert_int_eq(rs_model_save_buffer(m, b.p, b.cap, &size, msg, sizeof msg), RS_OK);
    ck_assert_str_eq(msg, "");
    ck_assert_uint_eq(size, b.len);
    return b;
}

static int32_t blob_writer(void *ud, const void *buf, size_t len)
{
    blob *b = ud;
    if (b->len + len > b->cap) {
        size_t cap = (b->len + len) * 2;
        unsigned char *p = realloc(b->p, cap);
        if (!p)
            return 1;
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, buf, len);
    b->len += len;
    return 0;
}

/* A reader over bytes, at most chunk bytes per call, failing once fail_after
 * bytes were handed out (fail_after == 0: never). */
typedef struct breader {
    const unsigned char *p;
    size_t len, pos, chunk, fail_after;
    size_t calls;
} breader;

static int32_t breader_read(void *ud, void *buf, size_t cap, size_t *len_out)
{
    breader *r = ud;
    r->calls++;
    *len_out = 0;
    if (r->fail_after && r->pos >= r->fail_after)
        return -1;
    size_t n = r->len - r->pos;
    if (n > cap)
        n = cap;
    if (r->chunk && n > r->chunk)
        n = r->chunk;
    memcpy(buf, r->p + r->pos, n);
    r->pos += n;
    *len_out = n;
    return 0;
}

/* CRC-32C bit by bit, independent of the library's table. */
static uint32_t crc32c(const unsigned char *p, size_t n)
{
    uint32_t c = 0xffffffffu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = c & 1 ? (c >> 1) ^ 0x82f63b78u : c >> 1;
    }
    return ~c;
}
static void put32(unsigned char *p, uint32_t v)
{
    for (int k = 0; k < 4; k++)
        p[k] = (unsigned char)(v >> (8 * k));
}
static void put64(unsigned char *p, uint64_t v)
{
    for (int k = 0; k < 8; k++)
        p[k] = (unsigned char)(v >> (8 * k));
}
static void reseal(blob *b) { put32(b->p + b->len - 4, crc32c(b->p, b->len - 4)); }

/* Header offsets (docs/format.md). */
#define OFF_VERSION 8
#define OFF_KIND 16
#define OFF_N_USERS 24
#define OFF_N_USER_FEATURES 48

static int same_float(float a, float b) { return memcmp(&a, &b, sizeof a) == 0; }

/* Every known and some unknown pairs: same status and bit-identical score. */
static void assert_same_predictions(const rs_model *a, const rs_model *b)
{
    ck_assert_uint_eq(rs_model_num_users(a), rs_model_num_users(b));
    ck_assert_uint_eq(rs_model_num_items(a), rs_model_num_items(b));
    for (int64_t u = 0; u <= N_USERS + 1; u++) {
        for (int64_t i = ITEM0 - 1; i <= ITEM0 + N_ITEMS; i++) {
            float ya = -1, yb = -2;
            rs_status sa = rs_predict(a, u, i, &ya), sb = rs_predict(b, u, i, &yb);
            ck_assert_int_eq(sa, sb);
            if (sa == RS_OK || sa == RS_FALLBACK)
                ck_assert_msg(same_float(ya, yb), "predict(%lld, %lld): %.9g vs %.9g",
                              (long long)u, (long long)i, ya, yb);
        }
    }
}

static void assert_same_topk(const rs_model *a, const rs_model *b, int64_t user)
{
    for (int32_t flags = 0; flags <= RS_TOPK_INCLUDE_SEEN; flags += RS_TOPK_INCLUDE_SEEN) {
        int64_t ia[8], ib[8];
        float sa[8], sb[8];
        size_t na = 99, nb = 98;
        rs_status ra = rs_topk(a, user, 8, flags, NULL, 0, NULL, 0, ia, sa, &na);
        rs_status rb = rs_topk(b, user, 8, flags, NULL, 0, NULL, 0, ib, sb, &nb);
        ck_assert_int_eq(ra, rb);
        ck_assert_uint_eq(na, nb);
        if (ra != RS_OK && ra != RS_FALLBACK)
            continue;
        for (size_t j = 0; j < na; j++) {
            ck_assert_int_eq(ia[j], ib[j]);
            ck_assert(same_float(sa[j], sb[j]));
        }
    }
}

static void assert_same_model(const rs_model *a, const rs_model *b)
{
    assert_same_predictions(a, b);
    for (int64_t u = 1; u <= N_USERS; u++)
        assert_same_topk(a, b, u);
    for (int64_t p = RS_PARAM_FACTORS; p <= RS_PARAM_CLAMP; p++) {
        int64_t va, vb;
        ck_assert_int_eq(rs_model_get_int(a, (rs_param)p, &va), RS_OK);
        ck_assert_int_eq(rs_model_get_int(b, (rs_param)p, &vb), RS_OK);
        ck_assert_int_eq(va, vb);
    }
    double da, db;
    ck_assert_int_eq(rs_model_get_double(a, RS_PARAM_L2_BIAS, &da), RS_OK);
    ck_assert_int_eq(rs_model_get_double(b, RS_PARAM_L2_BIAS, &db), RS_OK);
    ck_assert(da == db);
    int64_t cs;
    ck_assert_int_eq(rs_model_get_int(b, RS_PARAM_COLD_START, &cs), RS_OK);
    ck_assert_int_eq(cs, RS_COLD_START_ERROR);
    for (int32_t side = RS_SIDE_USER; side <= RS_SIDE_ITEM; side++)
        ck_assert_uint_eq(rs_model_num_features(a, side), rs_model_num_features(b, side));
    float fa[8], fb[8];
    size_t na, nb;
    ck_assert_int_eq(rs_model_copy_user_factors(a, 3, fa, 8, &na), RS_OK);
    ck_assert_int_eq(rs_model_copy_user_factors(b, 3, fb, 8, &nb), RS_OK);
    ck_assert_uint_eq(na, nb);
    ck_assert(memcmp(fa, fb, na * sizeof(float)) == 0);
}

static void assert_same_bytes(const blob *a, const blob *b)
{
    ck_assert_uint_eq(a->len, b->len);
    ck_assert(memcmp(a->p, b->p, a->len) == 0);
}

START_TEST(test_persist_buffer_round_trip_is_exact)
{
    rs_model *m = fit_model(_i);
    if (!m)
        return;
    blob b = save_blob(m);
    rs_model *l = NULL;
    char msg[128] = "junk";
    ck_assert_int_eq(rs_model_load_buffer(&l, b.p, b.len, NULL, NULL, msg, sizeof msg), RS_OK);
    ck_assert_str_eq(msg, "");
    ck_assert_ptr_nonnull(l);
    assert_same_model(m, l);
    blob again = save_blob(l);
    assert_same_bytes(&b, &again);
    /* Saving twice from the same model is deterministic as well. */
    blob twice = save_blob(m);
    assert_same_bytes(&b, &twice);
    free(b.p);
    free(again.p);
    free(twice.p);
    rs_model_free(l);
    rs_model_free(m);
}
END_TEST

START_TEST(test_persist_callback_round_trip_is_exact)
{
    rs_model *m = fit_model(_i);
    if (!m)
        return;
    blob ref = save_blob(m);
    blob w = {NULL, 0, 0};
    char msg[128] = "junk";
    ck_assert_int_eq(rs_model_save(m, blob_writer, &w, msg, sizeof msg), RS_OK);
    ck_assert_str_eq(msg, "");
    assert_same_bytes(&ref, &w);
    /* Odd chunk sizes split every field across reader calls. */
    const size_t chunks[] = {1, 7, 4096, 0};
    for (size_t c = 0; c < sizeof chunks / sizeof chunks[0]; c++) {
        breader r = {w.p, w.len, 0, chunks[c], 0, 0};
        rs_model *l = NULL;
        ck_assert_int_eq(rs_model_load(&l, breader_read, &r, NULL, NULL, msg, sizeof msg), RS_OK);
        ck_assert_str_eq(msg, "");
        /* The loader stops at the checksum: nothing past the blob is consumed. */
        ck_assert_uint_eq(r.pos, w.len);
        assert_same_predictions(m, l);
        assert_same_topk(m, l, 5);
        blob again = save_blob(l);
        assert_same_bytes(&ref, &again);
        free(again.p);
        rs_model_free(l);
    }
    free(ref.p);
    free(w.p);
    rs_model_free(m);
}
END_TEST

static size_t dir_entries(const char *dir)
{
    DIR *d = opendir(dir);
    ck_assert_ptr_nonnull(d);
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(d);
    return n;
}

static blob read_file(const char *path)
{
    blob b = {NULL, 0, 0};
    FILE *fp = fopen(path, "rb");
    ck_assert_ptr_nonnull(fp);
    unsigned char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, fp)) > 0)
        ck_assert_int_eq(blob_writer(&b, buf, n), 0);
    fclose(fp);
    return b;
}

static int have_stdio(void) { return (rs_build_features() & RS_FEATURE_STDIO) != 0; }

START_TEST(test_persist_file_round_trip_replaces_atomically)
{
    rs_model *m = fit_model(_i);
    if (!m)
        return;
    if (!have_stdio()) {
        rs_model *l = (rs_model *)1;
        char msg[128];
        ck_assert_int_eq(rs_model_save_file(m, "/tmp/rs_never_written", msg, sizeof msg),
                         RS_ERR_NOT_BUILT);
        ck_assert_str_ne(msg, "");
        ck_assert_int_eq(rs_model_load_file(&l, "/tmp/rs_never_written", NULL, NULL, msg,
                                            sizeof msg), RS_ERR_NOT_BUILT);
        ck_assert_ptr_null(l);
        rs_model_free(m);
        return;
    }
    char dir[] = "/tmp/rs_persist_XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char path[256];
    snprintf(path, sizeof path, "%s/model.rsgd", dir);
    /* An existing file is replaced. */
    FILE *fp = fopen(path, "wb");
    ck_assert_ptr_nonnull(fp);
    fputs("an older file", fp);
    fclose(fp);
    char msg[256] = "junk";
    ck_assert_int_eq(rs_model_save_file(m, path, msg, sizeof msg), RS_OK);
    ck_assert_str_eq(msg, "");
    ck_assert_uint_eq(dir_entries(dir), 1); /* no temporary file left behind */
    blob ref = save_blob(m), onfile = read_file(path);
    assert_same_bytes(&ref, &onfile);
    rs_model *l = NULL;
    ck_assert_int_eq(rs_model_load_file(&l, path, NULL, NULL, msg, sizeof msg), RS_OK);
    ck_assert_str_eq(msg, "");
    assert_same_model(m, l);
    /* Saving the loaded model over the file gives the same bytes. */
    ck_assert_int_eq(rs_model_save_file(l, path, msg, sizeof msg), RS_OK);
    free(onfile.p);
    onfile = read_file(path);
    assert_same_bytes(&ref, &onfile);
    rs_model_free(l);

    /* A failed save leaves the old file intact and no temporary file: an
     * unfitted model, and a destination that cannot be replaced (a directory). */
    rs_model *unfitted = NULL;
    ck_assert_int_eq(rs_model_new(&unfitted, SCORERS[_i], NULL, NULL), RS_OK);
    ck_assert_int_eq(rs_model_save_file(unfitted, path, msg, sizeof msg), RS_ERR_STATE);
    ck_assert_str_ne(msg, "");
    char sub[300];
    snprintf(sub, sizeof sub, "%s/sub", dir);
    ck_assert_int_eq(mkdir(sub, 0700), 0);
    ck_assert_int_eq(rs_model_save_file(m, sub, msg, sizeof msg), RS_ERR_IO);
    ck_assert_ptr_nonnull(strstr(msg, sub));
    ck_assert_uint_eq(dir_entries(dir), 2);
    ck_assert_uint_eq(dir_entries(sub), 0);
    ck_assert_int_eq(rmdir(sub), 0);
    ck_assert_int_eq(rs_model_load_file(&l, path, NULL, NULL, msg, sizeof msg), RS_OK);
    assert_same_predictions(m, l);
    rs_model_free(l);

    /* A missing directory or file is an I/O error with the system's reason. */
    char missing[300];
    snprintf(missing, sizeof missing, "%s/no/such/dir/model.rsgd", dir);
    ck_assert_int_eq(rs_model_save_file(m, missing, msg, sizeof msg), RS_ERR_IO);
    ck_assert_ptr_nonnull(strstr(msg, strerror(ENOENT)));
    l = (rs_model *)1;
    ck_assert_int_eq(rs_model_load_file(&l, missing, NULL, NULL, msg, sizeof msg), RS_ERR_IO);
    ck_assert_ptr_null(l);
    ck_assert_str_ne(msg, "");

    /* A truncated file and a file with trailing bytes are format errors. */
    fp = fopen(path, "wb");
    ck_assert_ptr_nonnull(fp);
    ck_assert_uint_eq(fwrite(ref.p, 1, ref.len / 2, fp), ref.len / 2);
    fclose(fp);
    l = (rs_model *)1;
    ck_assert_int_eq(rs_model_load_file(&l, path, NULL, NULL, msg, sizeof msg), RS_ERR_FORMAT);
    ck_assert_ptr_null(l);
    ck_assert_ptr_nonnull(strstr(msg, "truncated"));
    fp = fopen(path, "wb");
    ck_assert_ptr_nonnull(fp);
    ck_assert_uint_eq(fwrite(ref.p, 1, ref.len, fp), ref.len);
    fputc('x', fp);
    fclose(fp);
    ck_assert_int_eq(rs_model_load_file(&l, path, NULL, NULL, msg, sizeof msg), RS_ERR_FORMAT);
    ck_assert_ptr_null(l);

    ck_assert_int_eq(unlink(path), 0);
    ck_assert_int_eq(rmdir(dir), 0);
    free(ref.p);
    free(onfile.p);
    rs_model_free(unfitted);
    rs_model_free(m);
}
END_TEST

START_TEST(test_persist_cold_start_ids_survive)
{
    rs_model *m = fit_model(_i);
    if (!m)
        return;
    int64_t kind;
    ck_assert_int_eq(rs_model_get_int(m, RS_PARAM_SCORER, &kind), RS_OK);
    /* The collaborative scorer has no features: it registers bare ids. */
    int has_features = kind != RS_SCORER_COLLABORATIVE;
    int32_t uf[2] = {1, 3};
    float uv[2] = {0.5f, 2.0f};
    int32_t itf[2] = {4, 9};
    ck_assert_int_eq(rs_model_set_features(m, RS_SIDE_USER, 5000, uf, uv, has_features ? 2 : 0),
                     RS_OK);
    ck_assert_int_eq(rs_model_set_features(m, RS_SIDE_ITEM, 7000, itf, NULL, has_features ? 2 : 0),
                     RS_OK);
    /* Replacing a known user's row leaves a dead slice in memory; the blob
     * must not depend on it. */
    if (has_features)
        ck_assert_int_eq(rs_model_set_features(m, RS_SIDE_USER, 2, uf, NULL, 2), RS_OK);
    ck_assert_uint_eq(rs_model_num_users(m), N_USERS + 1);
    blob b = save_blob(m);
    rs_model *l = NULL;
    ck_assert_int_eq(rs_model_load_buffer(&l, b.p, b.len, NULL, NULL, NULL, 0), RS_OK);
    ck_assert_uint_eq(rs_model_num_users(l), N_USERS + 1);
    ck_assert_uint_eq(rs_model_num_items(l), N_ITEMS + 1);
    float ya, yb;
    ck_assert_int_eq(rs_predict(m, 5000, 7000, &ya), RS_OK);
    ck_assert_int_eq(rs_predict(l, 5000, 7000, &yb), RS_OK);
    ck_assert(same_float(ya, yb));
    for (int64_t i = ITEM0; i < ITEM0 + N_ITEMS; i++) {
        ck_assert_int_eq(rs_predict(m, 5000, i, &ya), RS_OK);
        ck_assert_int_eq(rs_predict(l, 5000, i, &yb), RS_OK);
        ck_assert(same_float(ya, yb));
    }
    assert_same_predictions(m, l);
    assert_same_topk(m, l, 5000);
    assert_same_topk(m, l, 2);
    if (has_features) {
        int32_t k = -1;
        ck_assert_int_eq(rs_model_feature_index(l, RS_SIDE_ITEM, "tag=7", &k), RS_OK);
        ck_assert_int_eq(k, 7);
        ck_assert_int_eq(rs_model_feature_index(l, RS_SIDE_USER, "group=2", &k), RS_OK);
        ck_assert_int_eq(k, 2);
    }
    /* The loaded model keeps growing like the original. */
    ck_assert_int_eq(rs_model_set_features(l, RS_SIDE_USER, 5001, uf, NULL, has_features ? 2 : 0),
                     RS_OK);
    ck_assert_uint_eq(rs_model_num_users(l), N_USERS + 2);
    blob again = save_blob(l);
    ck_assert_uint_gt(again.len, b.len);
    free(b.p);
    free(again.p);
    rs_model_free(l);
    rs_model_free(m);
}
END_TEST

/* Load bytes from memory and through a reader; both must fail with one of
 * the allowed codes, leave *out NULL and give a message. Returns the code. */
static rs_status load_fails(const unsigned char *p, size_t len, rs_status allowed1,
                            rs_status allowed2, int via_reader)
{
    rs_model *l = (rs_model *)1;
    char msg[256] = "junk";
    rs_status st = rs_model_load_buffer(&l, p, len, NULL, NULL, msg, sizeof msg);
    ck_assert_msg(st == allowed1 || st == allowed2, "len %zu: status %d (%s)", len, (int)st, msg);
    ck_assert_ptr_null(l);
    ck_assert_str_ne(msg, "");
    if (!via_reader)
        return st;
    breader r = {p, len, 0, 3, 0, 0};
    l = (rs_model *)1;
    rs_status st2 = rs_model_load(&l, breader_read, &r, NULL, NULL, msg, sizeof msg);
    ck_assert_msg(st2 == allowed1 || st2 == allowed2, "len %zu: reader status %d (%s)", len,
                  (int)st2, msg);
    ck_assert_ptr_null(l);
    ck_assert_str_ne(msg, "");
    return st;
}

START_TEST(test_persist_every_truncation_is_format_error)
{
    rs_model *m = fit_model(_i);
    if (!m)
        return;
    blob b = save_blob(m);
    for (size_t len = 0; len < b.len; len++)
        load_fails(b.p, len, RS_ERR_FORMAT, RS_ERR_FORMAT, 1);
    char msg[256];
    rs_model *l = NULL;
    ck_assert_int_eq(rs_model_load_buffer(&l, b.p, b.len / 2, NULL, NULL, msg, sizeof msg),
                     RS_ERR_FORMAT);
    ck_assert_ptr_nonnull(strstr(msg, "truncated"));
    /* Trailing bytes after a memory blob are refused too. */
    unsigned char *longer = malloc(b.len + 1);
    memcpy(longer, b.p, b.len);
    longer[b.len] = 0;
    ck_assert_int_eq(rs_model_load_buffer(&l, longer, b.len + 1, NULL, NULL, msg, sizeof msg),
                     RS_ERR_FORMAT);
    ck_assert_ptr_null(l);
    free(longer);
    free(b.p);
    rs_model_free(m);
}
END_TEST

START_TEST(test_persist_every_flipped_byte_is_refused)
{
    rs_model *m = fit_model(_i);
    if (!m)
        return;
    blob b = save_blob(m);
    /* Every byte inverted, and a single low or high bit in a spread of them;
     * the reader path (unknown input size) sees every 8th offset. */
    for (size_t off = 0; off < b.len; off++) {
        b.p[off] ^= 0xff;
        load_fails(b.p, b.len, RS_ERR_FORMAT, RS_ERR_VERSION, off % 8 == 0);
        b.p[off] ^= 0xff;
        if (off % 5 == 0) {
            unsigned char bit = off % 10 == 0 ? 0x01 : 0x80;
            b.p[off] ^= bit;
            load_fails(b.p, b.len, RS_ERR_FORMAT, RS_ERR_VERSION, 0);
            b.p[off] ^= bit;
        }
    }
    free(b.p);
    rs_model_free(m);
}
END_TEST

START_TEST(test_persist_newer_version_is_version_error)
{
    rs_model *m = fit_model(0);
    blob b = save_blob(m);
    char msg[256];
    rs_model *l = (rs_model *)1;
    /* This library reads versions 1 and 2 (docs/format.md). */
    put32(b.p + OFF_VERSION, 3);
    reseal(&b);
    ck_assert_int_eq(rs_model_load_buffer(&l, b.p, b.len, NULL, NULL, msg, sizeof msg),
                     RS_ERR_VERSION);
    ck_assert_ptr_null(l);
    ck_assert_ptr_nonnull(strstr(msg, "version 3"));
    breader r = {b.p, b.len, 0, 0, 0, 0};
    ck_assert_int_eq(rs_model_load(&l, breader_read, &r, NULL, NULL, msg, sizeof msg),
                     RS_ERR_VERSION);
    /* Version 0 was never written: corrupt. */
    put32(b.p + OFF_VERSION, 0);
    reseal(&b);
    ck_assert_int_eq(rs_model_load_buffer(&l, b.p, b.len, NULL, NULL, msg, sizeof msg),
                     RS_ERR_FORMAT);
    /* Version 1 with a correct checksum loads again, and so does version 2
     * with no flags (version 1 plus optional sections). */
    put32(b.p + OFF_VERSION, 1);
    reseal(&b);
    ck_assert_int_eq(rs_model_load_buffer(&l, b.p, b.len, NULL, NULL, msg, sizeof msg), RS_OK);
    rs_model_free(l);
    put32(b.p + OFF_VERSION, 2);
    reseal(&b);
    ck_assert_int_eq(rs_model_load_buffer(&l, b.p, b.len, NULL, NULL, msg, sizeof msg), RS_OK);
    rs_model_free(l);
    /* Version 1 defines no flags; version 2 only the string-id flag. */
    put32(b.p + 12, 1);
    put32(b.p + OFF_VERSION, 1);
    reseal(&b);
    ck_assert_int_eq(rs_model_load_buffer(&l, b.p, b.len, NULL, NULL, msg, sizeof msg),
                     RS_ERR_FORMAT);
    put32(b.p + 12, 2);
    put32(b.p + OFF_VERSION, 2);
    reseal(&b);
    ck_assert_int_eq(rs_model_load_buffer(&l, b.p, b.len, NULL, NULL, msg, sizeof msg),
                     RS_ERR_FORMAT);
    ck_assert_ptr_nonnull(strstr(msg, "unknown flags"));
    free(b.p);
    rs_model_free(m);
}
END_TEST

START_TEST(test_persist_foreign_data_is_format_error)
{
    const char *text = "user,item,rating\n1,2,3.5\n2,3,4.0\n1,3,1.0\n4,4,5.0\n5,1,2.0\n";
    char msg[256];
    rs_model *l = (rs_model *)1;
    ck_assert_int_eq(rs_model_load_buffer(&l, text, strlen(text), NULL, NULL, msg, sizeof msg),
                     RS_ERR_FORMAT);
    ck_assert_ptr_null(l);
    ck_assert_ptr_nonnull(strstr(msg, "not a librecsgd model"));
    rs_model *m = fit_model(0);
    blob b = save_blob(m);
    b.p[0] = 'X';
    reseal(&b);
    ck_assert_int_eq(rs_model_load_buffer(&l, b.p, b.len, NULL, NULL, msg, sizeof msg),
                     RS_ERR_FORMAT);
    ck_assert_ptr_nonnull(strstr(msg, "not a librecsgd model"));
    free(b.p);
    rs_model_free(m);
}
END_TEST

/* A blob of a scorer this build lacks is RS_ERR_NOT_BUILT; where the scorer
 * exists, a collaborative body under a hybrid header is corrupt. */
START_TEST(test_persist_scorer_kind_must_match_and_be_built)
{
    rs_model *m = fit_model(0);
    blob b = save_blob(m);
    put32(b.p + OFF_KIND, RS_SCORER_HYBRID);
    reseal(&b);
    char msg[256];
    rs_model *l = (rs_model *)1;
    rs_status want = rs_build_features() & RS_FEATURE_HYBRID ? RS_ERR_FORMAT : RS_ERR_NOT_BUILT;
    ck_assert_int_eq(rs_model_load_buffer(&l, b.p, b.len, NULL, NULL, msg, sizeof msg), want);
    ck_assert_ptr_null(l);
    ck_assert_str_ne(msg, "");
    put32(b.p + OFF_KIND, 7);
    reseal(&b);
    ck_assert_int_eq(rs_model_load_buffer(&l, b.p, b.len, NULL, NULL, msg, sizeof msg),
                     RS_ERR_FORMAT);
    free(b.p);
    rs_model_free(m);
}
END_TEST

START_TEST(test_persist_checksum_mismatch_is_format_error)
{
    rs_model *m = fit_model(0);
    blob b = save_blob(m);
    char msg[256];
    rs_model *l = (rs_model *)1;
    b.p[b.len - 1] ^= 0x10;
    ck_assert_int_eq(rs_model_load_buffer(&l, b.p, b.len, NULL, NULL, msg, sizeof msg),
                     RS_ERR_FORMAT);
    ck_assert_ptr_null(l);
    ck_assert_ptr_nonnull(strstr(msg, "checksum"));
    free(b.p);
    rs_model_free(m);
}
END_TEST

/* Peak-tracking wrapper over the counting allocator. */
typedef struct peak_alloc {
    tu_alloc t;
    size_t peak;
} peak_alloc;
static void *peak_alloc_fn(void *ud, void *ptr, size_t osize, size_t nsize)
{
    peak_alloc *p = ud;
    void *r = tu_alloc_fn(&p->t, ptr, osize, nsize);
    if (p->t.live_bytes > p->peak)
        p->peak = p->t.live_bytes;
    return r;
}

START_TEST(test_persist_huge_counts_fail_without_huge_allocations)
{
    rs_model *m = fit_model(_i);
    if (!m)
        return;
    blob b = save_blob(m);
    const struct {
        size_t off;
        uint64_t value;
    } lies[] = {
        {OFF_N_USERS, (uint64_t)1 << 60},   /* beyond any id map */
        {OFF_N_USERS, (uint64_t)1 << 30},   /* plausible, but the bytes are not there */
        {OFF_N_USERS, N_USERS + 1000},
        {OFF_N_USER_FEATURES, (uint64_t)1 << 30},
    };
    for (size_t k = 0; k < sizeof lies / sizeof lies[0]; k++) {
        blob c = {malloc(b.len), b.len, b.len};
        memcpy(c.p, b.p, b.len);
        put64(c.p + lies[k].off, lies[k].value);
        reseal(&c);
        char msg[256];
        for (int via_reader = 0; via_reader < 2; via_reader++) {
            peak_alloc pa;
            memset(&pa, 0, sizeof pa);
            rs_model *l = (rs_model *)1;
            breader r = {c.p, c.len, 0, 0, 0, 0};
            rs_status st = via_reader
                               ? rs_model_load(&l, breader_read, &r, peak_alloc_fn, &pa, msg,
                                               sizeof msg)
                               : rs_model_load_buffer(&l, c.p, c.len, peak_alloc_fn, &pa, msg,
                                                      sizeof msg);
            ck_assert_msg(st == RS_ERR_FORMAT, "lie %zu via %d: %d (%s)", k, via_reader, (int)st,
                          msg);
            ck_assert_ptr_null(l);
            ck_assert_uint_eq(pa.t.live, 0);
            /* Memory follows the bytes that arrived, not the counts claimed. */
            ck_assert_msg(pa.peak < ((size_t)4 << 20), "lie %zu via %d: peak %zu bytes", k,
                          via_reader, pa.peak);
        }
        free(c.p);
    }
    free(b.p);
    rs_model_free(m);
}
END_TEST

START_TEST(test_persist_unfitted_model_is_state_error)
{
    rs_model *m = NULL;
    ck_assert_int_eq(rs_model_new(&m, RS_SCORER_COLLABORATIVE, NULL, NULL), RS_OK);
    char msg[256] = "junk";
    size_t size = 77;
    unsigned char buf[64];
    ck_assert_int_eq(rs_model_save_buffer(m, buf, sizeof buf, &size, msg, sizeof msg),
                     RS_ERR_STATE);
    ck_assert_str_ne(msg, "");
    ck_assert_uint_eq(size, 0);
    blob w = {NULL, 0, 0};
    ck_assert_int_eq(rs_model_save(m, blob_writer, &w, msg, sizeof msg), RS_ERR_STATE);
    ck_assert_uint_eq(w.len, 0);
    /* A read-only call: the model's own last-error message is untouched. */
    ck_assert_str_eq(rs_model_last_error(m), "");
    rs_model_free(m);
}
END_TEST

START_TEST(test_persist_bad_arguments_are_rejected)
{
    rs_model *m = fit_model(0);
    char msg[64];
    size_t size;
    rs_model *l = (rs_model *)1;
    unsigned char byte = 0;
    ck_assert_int_eq(rs_model_save(NULL, blob_writer, NULL, msg, sizeof msg), RS_ERR_INVALID_ARG);
    ck_assert_int_eq(rs_model_save(m, NULL, NULL, msg, sizeof msg), RS_ERR_INVALID_ARG);
    ck_assert_int_eq(rs_model_save_buffer(m, NULL, 10, &size, msg, sizeof msg),
                     RS_ERR_INVALID_ARG);
    ck_assert_int_eq(rs_model_save_buffer(m, &byte, 1, NULL, msg, sizeof msg), RS_ERR_INVALID_ARG);
    ck_assert_int_eq(rs_model_save_file(m, NULL, msg, sizeof msg), RS_ERR_INVALID_ARG);
    ck_assert_int_eq(rs_model_load(NULL, breader_read, NULL, NULL, NULL, msg, sizeof msg),
                     RS_ERR_INVALID_ARG);
    ck_assert_int_eq(rs_model_load(&l, NULL, NULL, NULL, NULL, msg, sizeof msg),
                     RS_ERR_INVALID_ARG);
    ck_assert_ptr_null(l);
    l = (rs_model *)1;
    ck_assert_int_eq(rs_model_load_buffer(&l, NULL, 10, NULL, NULL, msg, sizeof msg),
                     RS_ERR_INVALID_ARG);
    ck_assert_ptr_null(l);
    ck_assert_int_eq(rs_model_load_file(NULL, "x", NULL, NULL, msg, sizeof msg),
                     RS_ERR_INVALID_ARG);
    ck_assert_int_eq(rs_model_load_buffer(&l, NULL, 0, NULL, NULL, msg, sizeof msg),
                     RS_ERR_FORMAT);
    rs_model_free(m);
}
END_TEST

START_TEST(test_persist_small_buffer_is_range_error)
{
    rs_model *m = fit_model(_i);
    if (!m)
        return;
    blob b = save_blob(m);
    unsigned char *buf = malloc(b.len + 16);
    memset(buf, 0xAB, b.len + 16);
    size_t size = 0;
    char msg[256];
    ck_assert_int_eq(rs_model_save_buffer(m, buf, b.len - 1, &size, msg, sizeof msg),
                     RS_ERR_RANGE);
    ck_assert_uint_eq(size, b.len);
    ck_assert_str_ne(msg, "");
    /* Nothing past cap is written. */
    for (size_t j = b.len - 1; j < b.len + 16; j++)
        ck_assert_uint_eq(buf[j], 0xAB);
    ck_assert_int_eq(rs_model_save_buffer(m, buf, b.len + 16, &size, msg, sizeof msg), RS_OK);
    ck_assert_uint_eq(size, b.len);
    ck_assert(memcmp(buf, b.p, b.len) == 0);
    ck_assert_uint_eq(buf[b.len], 0xAB);
    free(buf);
    free(b.p);
    rs_model_free(m);
}
END_TEST

START_TEST(test_persist_error_message_respects_capacity)
{
    const char *junk = "definitely not a model blob";
    rs_model *l;
    char msg[16];
    for (size_t cap = 0; cap <= 8; cap++) {
        memset(msg, 'Z', sizeof msg);
        ck_assert_int_eq(rs_model_load_buffer(&l, junk, strlen(junk), NULL, NULL,
                                              cap ? msg : NULL, cap), RS_ERR_FORMAT);
        if (cap > 0)
            ck_assert_uint_eq(strlen(msg), cap - 1);
        for (size_t j = cap; j < sizeof msg; j++)
            ck_assert_int_eq(msg[j], 'Z');
    }
    /* cap 0 with a buffer: not a byte written. */
    memset(msg, 'Z', sizeof msg);
    ck_assert_int_eq(rs_model_load_buffer(&l, junk, strlen(junk), NULL, NULL, msg, 0),
                     RS_ERR_FORMAT);
    ck_assert_int_eq(msg[0], 'Z');
}
END_TEST

START_TEST(test_persist_failing_reader_is_io_error)
{
    rs_model *m = fit_model(_i);
    if (!m)
        return;
    blob b = save_blob(m);
    const size_t after[] = {1, 9, 100, b.len / 2, b.len - 4}; /* b.len - 4: the checksum */
    for (size_t k = 0; k < sizeof after / sizeof after[0]; k++) {
        breader r = {b.p, b.len, 0, 5, after[k], 0};
        rs_model *l = (rs_model *)1;
        char msg[256];
        ck_assert_int_eq(rs_model_load(&l, breader_read, &r, NULL, NULL, msg, sizeof msg),
                         RS_ERR_IO);
        ck_assert_ptr_null(l);
        ck_assert_ptr_nonnull(strstr(msg, "reader"));
    }
    free(b.p);
    rs_model_free(m);
}
END_TEST

typedef struct failing_writer {
    size_t calls, fail_at;
} failing_writer;
static int32_t failing_write(void *ud, const void *buf, size_t len)
{
    (void)buf;
    (void)len;
    failing_writer *w = ud;
    return ++w->calls >= w->fail_at ? 1 : 0;
}

START_TEST(test_persist_failing_writer_is_io_error)
{
    rs_model *m = fit_model(_i);
    if (!m)
        return;
    failing_writer count = {0, (size_t)-1};
    ck_assert_int_eq(rs_model_save(m, failing_write, &count, NULL, 0), RS_OK);
    ck_assert_uint_gt(count.calls, 1);
    for (size_t at = 1; at <= count.calls; at++) {
        failing_writer w = {0, at};
        char msg[256];
        ck_assert_int_eq(rs_model_save(m, failing_write, &w, msg, sizeof msg), RS_ERR_IO);
        ck_assert_uint_eq(w.calls, at); /* no call after the failure */
        ck_assert_ptr_nonnull(strstr(msg, "writer"));
    }
    rs_model_free(m);
}
END_TEST

START_TEST(test_persist_load_out_of_memory_at_every_allocation)
{
    rs_model *m = fit_model(_i);
    if (!m)
        return;
    blob b = save_blob(m);
    size_t fail_at;
    for (int via_reader = 0; via_reader < 2; via_reader++) {
        for (fail_at = 1;; fail_at++) {
            tu_alloc t;
            memset(&t, 0, sizeof t);
            t.fail_at = fail_at;
            rs_model *l = (rs_model *)1;
            char msg[256];
            breader r = {b.p, b.len, 0, 0, 0, 0};
            rs_status st = via_reader
                               ? rs_model_load(&l, breader_read, &r, tu_alloc_fn, &t, msg,
                                               sizeof msg)
                               : rs_model_load_buffer(&l, b.p, b.len, tu_alloc_fn, &t, msg,
                                                      sizeof msg);
            ck_assert_uint_eq(t.bad_osize, 0);
            if (st == RS_OK) {
                assert_same_predictions(m, l);
                rs_model_free(l);
                ck_assert_uint_eq(t.live, 0);
                ck_assert_uint_eq(t.bad_osize, 0);
                break;
            }
            ck_assert_msg(st == RS_ERR_NOMEM, "fail_at %zu: %d (%s)", fail_at, (int)st, msg);
            ck_assert_ptr_null(l);
            ck_assert_uint_eq(t.live, 0);
            ck_assert_str_ne(msg, "");
        }
        ck_assert_uint_gt(fail_at, 5);
    }
    free(b.p);
    rs_model_free(m);
}
END_TEST

START_TEST(test_persist_loaded_model_uses_its_allocator)
{
    rs_model *m = fit_model(_i);
    if (!m)
        return;
    blob b = save_blob(m);
    tu_alloc t;
    memset(&t, 0, sizeof t);
    rs_model *l = NULL;
    ck_assert_int_eq(rs_model_load_buffer(&l, b.p, b.len, tu_alloc_fn, &t, NULL, 0), RS_OK);
    ck_assert_uint_gt(t.live, 0);
    /* Training the loaded model again works and stays on its allocator. */
    ck_assert_int_eq(rs_fit(l, train_ds, NULL), RS_OK);
    rs_model_free(l);
    ck_assert_uint_eq(t.live, 0);
    ck_assert_uint_eq(t.bad_osize, 0);
    free(b.p);
    rs_model_free(m);
}
END_TEST

static Suite *persist_suite(void)
{
    Suite *s = suite_create("check_api_persist");
    TCase *tc = tcase_create("persist");
    tcase_add_unchecked_fixture(tc, make_data, free_data);
    tcase_set_timeout(tc, 300);
    tcase_add_loop_test(tc, test_persist_buffer_round_trip_is_exact, 0, N_SCORERS);
    tcase_add_loop_test(tc, test_persist_callback_round_trip_is_exact, 0, N_SCORERS);
    tcase_add_loop_test(tc, test_persist_file_round_trip_replaces_atomically, 0, N_SCORERS);
    tcase_add_loop_test(tc, test_persist_cold_start_ids_survive, 0, N_SCORERS);
    tcase_add_loop_test(tc, test_persist_every_truncation_is_format_error, 0, N_SCORERS);
    tcase_add_loop_test(tc, test_persist_every_flipped_byte_is_refused, 0, N_SCORERS);
    tcase_add_test(tc, test_persist_newer_version_is_version_error);
    tcase_add_test(tc, test_persist_foreign_data_is_format_error);
    tcase_add_test(tc, test_persist_checksum_mismatch_is_format_error);
    tcase_add_test(tc, test_persist_scorer_kind_must_match_and_be_built);
    tcase_add_loop_test(tc, test_persist_huge_counts_fail_without_huge_allocations, 0, N_SCORERS);
    tcase_add_test(tc, test_persist_unfitted_model_is_state_error);
    tcase_add_test(tc, test_persist_bad_arguments_are_rejected);
    tcase_add_loop_test(tc, test_persist_small_buffer_is_range_error, 0, N_SCORERS);
    tcase_add_test(tc, test_persist_error_message_respects_capacity);
    tcase_add_loop_test(tc, test_persist_failing_reader_is_io_error, 0, N_SCORERS);
    tcase_add_loop_test(tc, test_persist_failing_writer_is_io_error, 0, N_SCORERS);
    tcase_add_loop_test(tc, test_persist_load_out_of_memory_at_every_allocation, 0, N_SCORERS);
    tcase_add_loop_test(tc, test_persist_loaded_model_uses_its_allocator, 0, N_SCORERS);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(persist_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

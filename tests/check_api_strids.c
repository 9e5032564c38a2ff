/* librecsgd. SPDX-License-Identifier: BSD-2-Clause
 * check_api_strids.c: string ids end to end through the public API: every
 * loader, lookups both ways, fit, rs_predict_str, rs_topk_str and the
 * similarity calls, online updates and cold-start registration, saving and
 * loading (format version 2, and a committed version-1 file that must keep
 * loading), bad input and allocation failures. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <librecsgd/recsgd.h>
#include "testutil.h"

static rs_dataset *new_str_ds(void)
{
    rs_dataset *ds = NULL;
    ck_assert_int_eq(rs_dataset_new(&ds, NULL, NULL), RS_OK);
    ck_assert_int_eq(rs_dataset_set_int(ds, RS_PARAM_STRING_IDS, 1), RS_OK);
    return ds;
}

static rs_status load_str(rs_dataset *ds, const char *text, int32_t format)
{
    tu_reader r = tu_reader_of(text, 0);
    return rs_dataset_load(ds, tu_read, &r, format, "in.txt");
}

/* The string id of a dense index. */
static const char *id_at(const rs_dataset *ds, int32_t side, int32_t index, char *buf)
{
    size_t len;
    ck_assert_int_eq(rs_dataset_index_to_id_str(ds, side, index, buf, RS_STR_ID_MAX + 1, &len),
                     RS_OK);
    ck_assert_uint_eq(strlen(buf), len);
    return buf;
}

static int32_t index_of(const rs_dataset *ds, int32_t side, const char *id)
{
    int32_t k = -1;
    ck_assert_int_eq(rs_dataset_id_to_index_str(ds, side, id, &k), RS_OK);
    return k;
}

/* A small string-id data set: 12 users (UUID-like), 8 items (SKUs), each
 * user rates 5 items, ratings from a hidden pattern so a model can learn. */
static rs_dataset *make_data(void)
{
    rs_dataset *ds = new_str_ds();
    char users[12][40], items[8][16];
    for (int u = 0; u < 12; u++)
        snprintf(users[u], sizeof users[u], "%08x-4b1d-4c0f-9e3a-%012x", 0x1000u * (unsigned)u,
                 (unsigned)(u * 7919));
    for (int i = 0; i < 8; i++)
        snprintf(items[i], sizeof items[i], "SKU-%03d", i * 11);
    for (int u = 0; u < 12; u++)
        for (int j = 0; j < 5; j++) {
            int i = (u + 3 * j) % 8; /* 5 distinct items per user */
            float r = (float)(1 + (u % 3 + i % 4) % 5);
            ck_assert_int_eq(rs_dataset_add_rating_str(ds, users[u], items[i], r, 1.0f), RS_OK);
        }
    return ds;
}

static rs_model *fit(const rs_dataset *ds, int32_t scorer)
{
    rs_model *m = NULL;
    ck_assert_int_eq(rs_model_new(&m, scorer, NULL, NULL), RS_OK);
    ck_assert_int_eq(rs_model_set_int(m, RS_PARAM_FACTORS, 4), RS_OK);
    ck_assert_int_eq(rs_model_set_int(m, RS_PARAM_EPOCHS, 20), RS_OK);
    ck_assert_int_eq(rs_model_set_double(m, RS_PARAM_LEARNING_RATE, 0.02), RS_OK);
    ck_assert_int_eq(rs_model_set_int(m, RS_PARAM_COLD_EPOCHS, 0), RS_OK);
    ck_assert_msg(rs_fit(m, ds, NULL) == RS_OK, "%s", rs_model_last_error(m));
    return m;
}

/* ---- the data layer ---- */

START_TEST(test_strids_dataset_lookups)
{
    rs_dataset *ds = make_data();
    ck_assert_uint_eq(rs_dataset_num_users(ds), 12);
    ck_assert_uint_eq(rs_dataset_num_items(ds), 8);
    int64_t v;
    ck_assert_int_eq(rs_dataset_get_int(ds, RS_PARAM_STRING_IDS, &v), RS_OK);
    ck_assert_int_eq(v, 1);
    char buf[RS_STR_ID_MAX + 1];
    ck_assert_str_eq(id_at(ds, RS_SIDE_ITEM, 0, buf), "SKU-000");
    int32_t k22 = index_of(ds, RS_SIDE_ITEM, "SKU-022");
    ck_assert_str_eq(id_at(ds, RS_SIDE_ITEM, k22, buf), "SKU-022");
    int32_t k;
    ck_assert_int_eq(rs_dataset_id_to_index_str(ds, RS_SIDE_ITEM, "SKU-999", &k), RS_ERR_UNKNOWN_ID);
    ck_assert_int_eq(rs_dataset_id_to_index_str(ds, 7, "SKU-000", &k), RS_ERR_INVALID_ARG);
    /* A short buffer: the length, nothing written. */
    size_t len = 0;
    char small[4] = "xyz";
    ck_assert_int_eq(rs_dataset_index_to_id_str(ds, RS_SIDE_ITEM, 0, small, sizeof small, &len),
                     RS_ERR_RANGE);
    ck_assert_uint_eq(len, 7);
    ck_assert_str_eq(small, "xyz");
    ck_assert_int_eq(rs_dataset_index_to_id_str(ds, RS_SIDE_ITEM, 8, buf, sizeof buf, &len),
                     RS_ERR_RANGE);
    /* The int64 view: keys, the same in every dataset. */
    int64_t key, u, i;
    ck_assert_int_eq(rs_dataset_index_to_id(ds, RS_SIDE_ITEM, k22, &key), RS_OK);
    rs_dataset *other = new_str_ds();
    ck_assert_int_eq(rs_dataset_add_rating_str(other, "someone", "SKU-022", 3, 1), RS_OK);
    ck_assert_int_eq(rs_dataset_get_rating(other, 0, &u, &i, NULL, NULL), RS_OK);
    ck_assert(i == key);
    ck_assert_int_eq(rs_dataset_id_to_index(other, RS_SIDE_ITEM, key, &k), RS_OK);
    ck_assert_int_eq(k, 0);
    rs_dataset_free(other);
    /* The two kinds never mix. */
    ck_assert_int_eq(rs_dataset_add_rating(ds, 1, 2, 3, 1), RS_ERR_STATE);
    ck_assert_ptr_nonnull(strstr(rs_dataset_last_error(ds), "string ids"));
    ck_assert_int_eq(rs_dataset_set_int(ds, RS_PARAM_STRING_IDS, 0), RS_ERR_STATE);
    ck_assert_int_eq(rs_dataset_set_int(ds, RS_PARAM_STRING_IDS, 1), RS_OK); /* no change */
    rs_dataset *ints;
    ck_assert_int_eq(rs_dataset_new(&ints, NULL, NULL), RS_OK);
    ck_assert_int_eq(rs_dataset_add_rating_str(ints, "a", "b", 3, 1), RS_ERR_STATE);
    ck_assert_int_eq(rs_dataset_id_to_index_str(ints, RS_SIDE_USER, "a", &k), RS_ERR_STATE);
    ck_assert_int_eq(rs_dataset_index_to_id_str(ints, RS_SIDE_USER, 0, buf, sizeof buf, &len),
                     RS_ERR_STATE);
    ck_assert_int_eq(rs_dataset_set_features_str(ints, RS_SIDE_USER, "a", NULL, NULL, 0),
                     RS_ERR_STATE);
    rs_dataset_free(ints);
    /* Bad strings: NULL, empty, longer than RS_STR_ID_MAX; all or nothing. */
    char longid[RS_STR_ID_MAX + 2];
    memset(longid, 'x', sizeof longid - 1);
    longid[sizeof longid - 1] = '\0';
    const char *us[2] = {"fine", longid}, *is[2] = {"SKU-000", "SKU-000"};
    float rs[2] = {1, 2};
    size_t n = rs_dataset_num_ratings(ds);
    ck_assert_int_eq(rs_dataset_add_ratings_str(ds, us, is, rs, NULL, NULL, 2), RS_ERR_INVALID_ARG);
    ck_assert_uint_eq(rs_dataset_num_ratings(ds), n);
    us[1] = "";
    ck_assert_int_eq(rs_dataset_add_ratings_str(ds, us, is, rs, NULL, NULL, 2), RS_ERR_INVALID_ARG);
    us[1] = NULL;
    ck_assert_int_eq(rs_dataset_add_ratings_str(ds, us, is, rs, NULL, NULL, 2), RS_ERR_INVALID_ARG);
    longid[RS_STR_ID_MAX] = '\0'; /* exactly RS_STR_ID_MAX bytes is fine */
    us[1] = longid;
    int64_t t[2] = {5, 6};
    ck_assert_int_eq(rs_dataset_add_ratings_str(ds, us, is, rs, NULL, t, 2), RS_OK);
    ck_assert_uint_eq(rs_dataset_num_users(ds), 14);
    ck_assert_str_eq(id_at(ds, RS_SIDE_USER, 13, buf), longid);
    int64_t ts;
    ck_assert_int_eq(rs_dataset_get_timestamp(ds, n + 1, &ts), RS_OK);
    ck_assert(ts == 6);
    rs_dataset_free(ds);
}
END_TEST

START_TEST(test_strids_every_loader)
{
    rs_dataset *ds = new_str_ds();
    /* MovieLens with a header and timestamps; then implicit; LIBMF. */
    ck_assert_int_eq(load_str(ds, "user item rating ts\nalice book-1 5 100\nbob book-1 3 200\n"
                                  "alice dvd:2 4.5 300\n",
                              RS_FORMAT_MOVIELENS),
                     RS_OK);
    ck_assert_int_eq(load_str(ds, "carol book-1\ncarol tape\n", RS_FORMAT_MOVIELENS), RS_OK);
    ck_assert_int_eq(load_str(ds, "bob tape 2\n", RS_FORMAT_LIBMF), RS_OK);
    /* CSV: quoted ids may hold the delimiter, blanks around fields go. */
    ck_assert_int_eq(load_str(ds, "userId,itemId,rating\n\"dave, jr.\",book-1,1\n"
                                  " erin , \"tape\" ,2\n",
                              RS_FORMAT_CSV),
                     RS_OK);
    ck_assert_int_eq(load_str(ds, "user\titem\trating\nalice\ttape\t3\n", RS_FORMAT_TSV), RS_OK);
    ck_assert_uint_eq(rs_dataset_num_ratings(ds), 9);
    ck_assert_uint_eq(rs_dataset_num_users(ds), 5);
    ck_assert_uint_eq(rs_dataset_num_items(ds), 3);
    char buf[RS_STR_ID_MAX + 1];
    ck_assert_str_eq(id_at(ds, RS_SIDE_USER, 3, buf), "dave, jr.");
    ck_assert_str_eq(id_at(ds, RS_SIDE_USER, 4, buf), "erin");
    ck_assert_int_eq(index_of(ds, RS_SIDE_ITEM, "tape"), 2);
    ck_assert_int_eq(index_of(ds, RS_SIDE_USER, "alice"), 0);
    /* Feature loaders read string ids too. */
    tu_reader r = tu_reader_of("book-1 genre=fiction\nnew-item genre=fiction length:2.5\n", 0);
    ck_assert_int_eq(rs_dataset_load_features(ds, RS_SIDE_ITEM, tu_read, &r, RS_FEATURES_SPARSE,
                                              "f.txt"),
                     RS_OK);
    ck_assert_uint_eq(rs_dataset_num_items(ds), 4);
    r = tu_reader_of("carol|34|F|writer|12345\n", 0);
    ck_assert_int_eq(rs_dataset_load_features(ds, RS_SIDE_USER, tu_read, &r,
                                              RS_FEATURES_MOVIELENS_USER, "u.user"),
                     RS_OK);
    int32_t feats[4];
    float vals[4];
    size_t nf;
    int64_t key;
    ck_assert_int_eq(rs_dataset_index_to_id(ds, RS_SIDE_ITEM, index_of(ds, RS_SIDE_ITEM, "new-item"),
                                            &key),
                     RS_OK);
    ck_assert_int_eq(rs_dataset_get_features(ds, RS_SIDE_ITEM, key, feats, vals, 4, &nf), RS_OK);
    ck_assert_uint_eq(nf, 2);
    int32_t f0;
    ck_assert_int_eq(rs_dataset_add_feature(ds, RS_SIDE_ITEM, "genre=fiction", &f0), RS_OK);
    ck_assert_int_eq(f0, 0);
    ck_assert_int_eq(rs_dataset_set_features_str(ds, RS_SIDE_ITEM, "tape", &f0, NULL, 1), RS_OK);
    ck_assert_int_eq(rs_dataset_set_features(ds, RS_SIDE_ITEM, key, &f0, NULL, 1), RS_ERR_STATE);
    rs_dataset_free(ds);
}
END_TEST

START_TEST(test_strids_loader_bad_input)
{
    char longid[300];
    memset(longid, 'u', 256);
    strcpy(longid + 256, " book 3\n");
    const struct {
        const char *text;
        int32_t format;
        const char *where;
    } cases[] = {
        {"a b 1\nc d x\n", RS_FORMAT_MOVIELENS, "in.txt:2: rating 'x'"},
        {"a b 1\nc\n", RS_FORMAT_MOVIELENS, "in.txt:2: expected 3 or 4 columns, found 1"},
        {"user,item,rating\n,b,1\n", RS_FORMAT_CSV, "in.txt:2: user id is empty"},
        {"user,item,rating\na,\"b\n", RS_FORMAT_CSV, "in.txt:2: unclosed quote"},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        rs_dataset *ds = new_str_ds();
        ck_assert_int_eq(rs_dataset_add_rating_str(ds, "keep", "me", 1, 1), RS_OK);
        ck_assert_int_eq(load_str(ds, cases[c].text, cases[c].format), RS_ERR_FORMAT);
        ck_assert_msg(strstr(rs_dataset_last_error(ds), cases[c].where) != NULL, "'%s' lacks '%s'",
                      rs_dataset_last_error(ds), cases[c].where);
        ck_assert_uint_eq(rs_dataset_num_ratings(ds), 1);
        ck_assert_uint_eq(rs_dataset_num_users(ds), 1);
        ck_assert_uint_eq(rs_dataset_num_items(ds), 1);
        rs_dataset_free(ds);
    }
    /* Longer than RS_STR_ID_MAX, and an id with a NUL byte inside. */
    rs_dataset *ds = new_str_ds();
    ck_assert_int_eq(load_str(ds, longid, RS_FORMAT_MOVIELENS), RS_ERR_FORMAT);
    ck_assert_ptr_nonnull(strstr(rs_dataset_last_error(ds), "in.txt:1: user id"));
    ck_assert_ptr_nonnull(strstr(rs_dataset_last_error(ds), "longer than 255 bytes"));
    static const char with_nul[] = "a b 1\nc d\0e 1\n";
    tu_reader r = {with_nul, sizeof with_nul - 1, 0, 0, 0};
    ck_assert_int_eq(rs_dataset_load(ds, tu_read, &r, RS_FORMAT_LIBMF, "nul.txt"), RS_ERR_FORMAT);
    ck_assert_ptr_nonnull(strstr(rs_dataset_last_error(ds), "nul.txt:2: item id contains a NUL"));
    ck_assert_uint_eq(rs_dataset_num_ratings(ds), 0);
    ck_assert_uint_eq(rs_dataset_num_users(ds), 0);
    rs_dataset_free(ds);
}
END_TEST

/* ---- the model ---- */

START_TEST(test_strids_fit_and_serve)
{
    rs_dataset *ds = make_data();
    rs_model *m = fit(ds, RS_SCORER_COLLABORATIVE);
    ck_assert_int_eq(rs_model_has_string_ids(m), 1);
    char user[RS_STR_ID_MAX + 1], item[RS_STR_ID_MAX + 1];
    id_at(ds, RS_SIDE_USER, 3, user);
    id_at(ds, RS_SIDE_ITEM, 5, item);
    /* Predictions by string equal those by key. */
    float s1, s2;
    int64_t ukey, ikey;
    ck_assert_int_eq(rs_predict_str(m, user, item, &s1), RS_OK);
    ck_assert_int_eq(rs_model_id_from_str(m, RS_SIDE_USER, user, &ukey), RS_OK);
    ck_assert_int_eq(rs_model_id_from_str(m, RS_SIDE_ITEM, item, &ikey), RS_OK);
    ck_assert_int_eq(rs_predict(m, ukey, ikey, &s2), RS_OK);
    ck_assert(s1 == s2);
    int64_t dkey;
    ck_assert_int_eq(rs_dataset_index_to_id(ds, RS_SIDE_USER, 3, &dkey), RS_OK);
    ck_assert(dkey == ukey);
    /* An unknown string: the fallback chain, as for an unknown int64 id. */
    int64_t nkey;
    ck_assert_int_eq(rs_model_id_from_str(m, RS_SIDE_USER, "nobody", &nkey), RS_ERR_UNKNOWN_ID);
    ck_assert_int_eq(rs_predict_str(m, "nobody", item, &s1), RS_FALLBACK);
    ck_assert_int_eq(rs_predict(m, nkey, ikey, &s2), RS_FALLBACK);
    ck_assert(s1 == s2);
    /* Top-k in strings is top-k in keys, written as strings. */
    char ids[10 * (RS_STR_ID_MAX + 1)];
    size_t off[10], n = 0, nk = 0;
    float sc[10], sk[10];
    int64_t keys[10];
    ck_assert_int_eq(rs_topk_str(m, user, 10, RS_TOPK_INCLUDE_SEEN, NULL, 0, NULL, 0, ids,
                                 sizeof ids, off, sc, &n),
                     RS_OK);
    ck_assert_int_eq(rs_topk(m, ukey, 10, RS_TOPK_INCLUDE_SEEN, NULL, 0, NULL, 0, keys, sk, &nk),
                     RS_OK);
    ck_assert_uint_eq(n, 8);
    ck_assert_uint_eq(nk, 8);
    for (size_t j = 0; j < n; j++) {
        char back[RS_STR_ID_MAX + 1];
        size_t len;
        ck_assert_int_eq(rs_model_id_to_str(m, RS_SIDE_ITEM, keys[j], back, sizeof back, &len),
                         RS_OK);
        ck_assert_str_eq(ids + off[j], back);
        ck_assert(sc[j] == sk[j]);
    }
    /* Seen items excluded by default; block and allow lists by string. */
    ck_assert_int_eq(rs_topk_str(m, user, 10, 0, NULL, 0, NULL, 0, ids, sizeof ids, off, NULL, &n),
                     RS_OK);
    ck_assert_uint_eq(n, 3);
    const char *allow[3] = {"SKU-000", "SKU-011", "no-such-item"};
    const char *block[1] = {"SKU-011"};
    ck_assert_int_eq(rs_topk_str(m, user, 10, RS_TOPK_INCLUDE_SEEN, block, 1, allow, 3, ids,
                                 sizeof ids, off, NULL, &n),
                     RS_OK);
    ck_assert_uint_eq(n, 1);
    ck_assert_str_eq(ids, "SKU-000");
    ck_assert_int_eq(rs_topk_str(m, user, 10, 0, NULL, 0, allow, 0, ids, sizeof ids, off, NULL, &n),
                     RS_OK);
    ck_assert_uint_eq(n, 0); /* an empty allow list allows nothing */
    ck_assert_int_eq(rs_topk_str(m, "nobody", 2, 0, NULL, 0, NULL, 0, ids, sizeof ids, off, NULL,
                                 &n),
                     RS_FALLBACK);
    ck_assert_uint_eq(n, 2);
    /* A buffer too small for the strings. */
    ck_assert_int_eq(rs_topk_str(m, user, 3, RS_TOPK_INCLUDE_SEEN, NULL, 0, NULL, 0, ids, 10, off,
                                 NULL, &n),
                     RS_ERR_RANGE);
    ck_assert_uint_eq(n, 0);
    ck_assert_int_eq(rs_topk_str(m, NULL, 3, 0, NULL, 0, NULL, 0, ids, sizeof ids, off, NULL, &n),
                     RS_ERR_INVALID_ARG);
    /* Similar items and users. */
    ck_assert_int_eq(rs_similar_items_str(m, item, 3, ids, sizeof ids, off, sc, &n), RS_OK);
    ck_assert_uint_eq(n, 3);
    for (size_t j = 0; j < n; j++)
        ck_assert_str_ne(ids + off[j], item);
    ck_assert_int_eq(rs_similar_users_str(m, user, 4, ids, sizeof ids, off, NULL, &n), RS_OK);
    ck_assert_uint_eq(n, 4);
    ck_assert_int_eq(rs_similar_items_str(m, "no-such-item", 3, ids, sizeof ids, off, NULL, &n),
                     RS_ERR_UNKNOWN_ID);
    /* Keys back to strings: bad arguments. */
    size_t len = 99;
    ck_assert_int_eq(rs_model_id_to_str(m, RS_SIDE_ITEM, nkey, user, sizeof user, &len),
                     RS_ERR_UNKNOWN_ID);
    ck_assert_uint_eq(len, 0);
    ck_assert_int_eq(rs_model_id_to_str(m, RS_SIDE_ITEM, ikey, user, 3, &len), RS_ERR_RANGE);
    ck_assert_uint_eq(len, 7);
    rs_model_free(m);
    /* A model with int64 ids refuses the _str calls. */
    rs_dataset *ints;
    ck_assert_int_eq(rs_dataset_new(&ints, NULL, NULL), RS_OK);
    for (int u = 0; u < 4; u++)
        for (int i = 0; i < 4; i++)
            ck_assert_int_eq(rs_dataset_add_rating(ints, u, i, (float)(1 + (u + i) % 5), 1), RS_OK);
    m = fit(ints, RS_SCORER_COLLABORATIVE);
    ck_assert_int_eq(rs_model_has_string_ids(m), 0);
    ck_assert_int_eq(rs_predict_str(m, "a", "b", &s1), RS_ERR_STATE);
    ck_assert_int_eq(rs_topk_str(m, "a", 2, 0, NULL, 0, NULL, 0, ids, sizeof ids, off, NULL, &n),
                     RS_ERR_STATE);
    ck_assert_int_eq(rs_model_id_from_str(m, RS_SIDE_USER, "a", &nkey), RS_ERR_STATE);
    ck_assert_int_eq(rs_model_set_features_str(m, RS_SIDE_USER, "a", NULL, NULL, 0), RS_ERR_STATE);
    /* ... and a validation set of the other kind. */
    ck_assert_int_eq(rs_fit(m, ints, ds), RS_ERR_INVALID_ARG);
    ck_assert_ptr_nonnull(strstr(rs_model_last_error(m), "kinds of id"));
    rs_model_free(m);
    rs_dataset_free(ints);
    rs_dataset_free(ds);
}
END_TEST

START_TEST(test_strids_online_and_cold_start)
{
    rs_dataset *ds = make_data();
    rs_model *m = fit(ds, RS_SCORER_COLLABORATIVE);
    size_t nu = rs_model_num_users(m), ni = rs_model_num_items(m);
    /* New ratings bring new string ids along. */
    rs_dataset *more = new_str_ds();
    ck_assert_int_eq(rs_dataset_add_rating_str(more, "newcomer", "SKU-000", 4, 1), RS_OK);
    ck_assert_int_eq(rs_dataset_add_rating_str(more, "newcomer", "SKU-NEW", 5, 1), RS_OK);
    ck_assert_msg(rs_partial_fit(m, more, ds) == RS_OK, "%s", rs_model_last_error(m));
    ck_assert_uint_eq(rs_model_num_users(m), nu + 1);
    ck_assert_uint_eq(rs_model_num_items(m), ni + 1);
    int64_t key;
    ck_assert_int_eq(rs_model_id_from_str(m, RS_SIDE_ITEM, "SKU-NEW", &key), RS_OK);
    char buf[RS_STR_ID_MAX + 1];
    size_t len;
    ck_assert_int_eq(rs_model_id_to_str(m, RS_SIDE_ITEM, key, buf, sizeof buf, &len), RS_OK);
    ck_assert_str_eq(buf, "SKU-NEW");
    float s;
    ck_assert_int_eq(rs_predict_str(m, "newcomer", "SKU-NEW", &s), RS_OK);
    /* Int64 ratings into a string model: refused with a message, unchanged. */
    rs_dataset *ints;
    ck_assert_int_eq(rs_dataset_new(&ints, NULL, NULL), RS_OK);
    ck_assert_int_eq(rs_dataset_add_rating(ints, 1, 2, 3, 1), RS_OK);
    ck_assert_int_eq(rs_partial_fit(m, ints, NULL), RS_ERR_STATE);
    ck_assert_ptr_nonnull(strstr(rs_model_last_error(m), "string ids"));
    ck_assert_uint_eq(rs_model_num_users(m), nu + 1);
    rs_dataset_free(ints);
    /* Registration of a new id by string; not by a bare key. */
    ck_assert_int_eq(rs_model_set_features_str(m, RS_SIDE_USER, "registered", NULL, NULL, 0), RS_OK);
    ck_assert_uint_eq(rs_model_num_users(m), nu + 2);
    ck_assert_int_eq(rs_predict_str(m, "registered", "SKU-000", &s), RS_OK);
    ck_assert_int_eq(rs_model_set_features(m, RS_SIDE_USER, 123456, NULL, NULL, 0), RS_ERR_STATE);
    ck_assert_int_eq(rs_model_set_features_str(m, RS_SIDE_USER, "", NULL, NULL, 0),
                     RS_ERR_INVALID_ARG);
    /* Fold-in of a known user works by key; a new one needs its string. */
    int64_t items[2];
    float ratings[2] = {5, 1};
    ck_assert_int_eq(rs_model_id_from_str(m, RS_SIDE_ITEM, "SKU-000", &items[0]), RS_OK);
    ck_assert_int_eq(rs_model_id_from_str(m, RS_SIDE_ITEM, "SKU-011", &items[1]), RS_OK);
    int64_t known;
    ck_assert_int_eq(rs_model_id_from_str(m, RS_SIDE_USER, "newcomer", &known), RS_OK);
    ck_assert_int_eq(rs_fold_in_user(m, known, items, ratings, 2), RS_OK);
    ck_assert_int_eq(rs_fold_in_user(m, 987654321, items, ratings, 2), RS_ERR_STATE);
    ck_assert_uint_eq(rs_model_num_users(m), nu + 2);
    rs_dataset_free(more);
    rs_model_free(m);
    rs_dataset_free(ds);
}
END_TEST

/* ---- persistence ---- */

typedef struct mem {
    unsigned char *p;
    size_t len, cap;
} mem;

static int32_t mem_write(void *ud, const void *buf, size_t len)
{
    mem *b = ud;
    if (b->len + len > b->cap) {
        size_t cap = (b->len + len) * 2;
        unsigned char *p = realloc(b->p, cap);
        if (!p)
            return -1;
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, buf, len);
    b->len += len;
    return 0;
}

static mem save(const rs_model *m)
{
    mem b = {NULL, 0, 0};
    char msg[256];
    ck_assert_int_eq(rs_model_save(m, mem_write, &b, msg, sizeof msg), RS_OK);
    return b;
}

/* CRC-32C (reflected 0x82F63B78), to reseal a blob after an edit. */
static uint32_t crc32c(const unsigned char *p, size_t n)
{
    uint32_t c = 0xFFFFFFFFu;
    for (size_t k = 0; k < n; k++) {
        c ^= p[k];
        for (int b = 0; b < 8; b++)
            c = (c >> 1) ^ (0x82F63B78u & (0u - (c & 1u)));
    }
    return c ^ 0xFFFFFFFFu;
}

static void reseal(mem *b)
{
    uint32_t c = crc32c(b->p, b->len - 4);
    for (int k = 0; k < 4; k++)
        b->p[b->len - 4 + k] = (unsigned char)(c >> (8 * k));
}

static uint32_t rd32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

START_TEST(test_strids_save_load)
{
    rs_dataset *ds = make_data();
    const int32_t scorers[2] = {RS_SCORER_COLLABORATIVE, RS_SCORER_HYBRID};
    for (int sc = 0; sc < 2; sc++) {
        if (scorers[sc] == RS_SCORER_HYBRID && !(rs_build_features() & RS_FEATURE_HYBRID))
            continue;
        if (scorers[sc] == RS_SCORER_HYBRID) {
            int32_t f;
            ck_assert_int_eq(rs_dataset_add_feature(ds, RS_SIDE_ITEM, "kind:a", &f), RS_OK);
            ck_assert_int_eq(rs_dataset_set_features_str(ds, RS_SIDE_ITEM, "SKU-000", &f, NULL, 1),
                             RS_OK);
        }
        rs_model *m = fit(ds, scorers[sc]);
        mem b = save(m);
        ck_assert_uint_eq(rd32(b.p + 8), 2); /* format version 2: string ids */
        ck_assert_uint_eq(rd32(b.p + 12), 1); /* flag: string sections */
        rs_model *l = NULL;
        char msg[256];
        ck_assert_int_eq(rs_model_load_buffer(&l, b.p, b.len, NULL, NULL, msg, sizeof msg), RS_OK);
        ck_assert_int_eq(rs_model_has_string_ids(l), 1);
        char user[RS_STR_ID_MAX + 1], item[RS_STR_ID_MAX + 1];
        for (int32_t u = 0; u < 12; u++)
            for (int32_t i = 0; i < 8; i++) {
                float a, c;
                id_at(ds, RS_SIDE_USER, u, user);
                id_at(ds, RS_SIDE_ITEM, i, item);
                ck_assert_int_eq(rs_predict_str(m, user, item, &a), RS_OK);
                ck_assert_int_eq(rs_predict_str(l, user, item, &c), RS_OK);
                ck_assert(memcmp(&a, &c, sizeof a) == 0);
            }
        char ids1[5 * 256], ids2[5 * 256];
        size_t o1[5], o2[5], n1, n2;
        ck_assert_int_eq(rs_topk_str(m, user, 5, 0, NULL, 0, NULL, 0, ids1, sizeof ids1, o1, NULL,
                                     &n1),
                         RS_OK);
        ck_assert_int_eq(rs_topk_str(l, user, 5, 0, NULL, 0, NULL, 0, ids2, sizeof ids2, o2, NULL,
                                     &n2),
                         RS_OK);
        ck_assert_uint_eq(n1, n2);
        for (size_t j = 0; j < n1; j++)
            ck_assert_str_eq(ids1 + o1[j], ids2 + o2[j]);
        /* Saving the loaded model gives the same bytes. */
        mem b2 = save(l);
        ck_assert_uint_eq(b2.len, b.len);
        ck_assert(memcmp(b2.p, b.p, b.len) == 0);
        free(b2.p);
        rs_model_free(l);
        /* Corrupt string sections, resealed so only the content is wrong. */
        unsigned char *ustr = NULL;
        for (size_t k = 0; k + 4 <= b.len; k++)
            if (memcmp(b.p + k, "USTR", 4) == 0)
                ustr = b.p + k;
        ck_assert_ptr_nonnull(ustr);
        unsigned char keep = ustr[8];
        ustr[8] ^= 0x20; /* a byte of the first user id: no longer matches its key */
        reseal(&b);
        ck_assert_int_eq(rs_model_load_buffer(&l, b.p, b.len, NULL, NULL, msg, sizeof msg),
                         RS_ERR_FORMAT);
        ck_assert_ptr_null(l);
        ck_assert_ptr_nonnull(strstr(msg, "does not match its key"));
        ustr[8] = keep;
        uint32_t len0 = rd32(ustr + 4);
        ustr[4] = 0; /* length 0 */
        reseal(&b);
        ck_assert_int_eq(rs_model_load_buffer(&l, b.p, b.len, NULL, NULL, msg, sizeof msg),
                         RS_ERR_FORMAT);
        ck_assert_ptr_nonnull(strstr(msg, "has length 0"));
        ustr[4] = (unsigned char)len0;
        reseal(&b);
        ck_assert_int_eq(rs_model_load_buffer(&l, b.p, b.len, NULL, NULL, msg, sizeof msg), RS_OK);
        rs_model_free(l);
        /* Truncated inside the strings. */
        ck_assert_int_eq(rs_model_load_buffer(&l, b.p, (size_t)(ustr - b.p) + 20, NULL, NULL, msg,
                                              sizeof msg),
                         RS_ERR_FORMAT);
        free(b.p);
        rs_model_free(m);
    }
    rs_dataset_free(ds);
}
END_TEST

/* A model file written by librecsgd 0.1 (format version 1): a hybrid model
 * (2 factors, 3 epochs) of users 100-104 and items 7000-7003, with the
 * predictions that library made (status, score). It must keep loading and
 * predicting the same, whatever later versions add to the format. */
static const struct {
    int64_t user, item;
    rs_status st;
    float score;
} V1_PREDICTIONS[] = {
    {100, 7000, 0, 0x1.9eac16p+1f},   {100, 7001, 0, 0x1.9cda76p+1f},
    {100, 7002, 0, 0x1.a08ef2p+1f},   {100, 7003, 0, 0x1.a4fbfep+1f},
    {100, 7004, 100, 0x1.a069a8p+1f}, {101, 7000, 0, 0x1.9cad06p+1f},
    {101, 7001, 0, 0x1.9ada86p+1f},   {101, 7002, 0, 0x1.9e8e1ep+1f},
    {101, 7003, 0, 0x1.a2fb26p+1f},   {101, 7004, 100, 0x1.9e6968p+1f},
    {102, 7000, 0, 0x1.94c7aap+1f},   {102, 7001, 0, 0x1.92f27cp+1f},
    {102, 7002, 0, 0x1.96a55ap+1f},   {102, 7003, 0, 0x1.9b1382p+1f},
    {102, 7004, 100, 0x1.96826ap+1f}, {103, 7000, 0, 0x1.9aec9p+1f},
    {103, 7001, 0, 0x1.991dfap+1f},   {103, 7002, 0, 0x1.9cd33ap+1f},
    {103, 7003, 0, 0x1.a13ef6p+1f},   {103, 7004, 100, 0x1.9cabeap+1f},
    {104, 7000, 0, 0x1.a01c2cp+1f},   {104, 7001, 0, 0x1.9e4c3ap+1f},
    {104, 7002, 0, 0x1.a20138p+1f},   {104, 7003, 0, 0x1.a66d9ap+1f},
    {104, 7004, 100, 0x1.a1dad2p+1f}, {105, 7000, 100, 0x1.9bccdp+1f},
    {105, 7001, 100, 0x1.99faf8p+1f}, {105, 7002, 100, 0x1.9daefep+1f},
    {105, 7003, 100, 0x1.a21be8p+1f}, {105, 7004, 100, 0x1.9d89d8p+1f},
};

START_TEST(test_strids_version1_file_still_loads)
{
    if (!(rs_build_features() & RS_FEATURE_HYBRID))
        return;
    const char *srcdir = getenv("srcdir");
    char path[4096];
    snprintf(path, sizeof path, "%s/tests/data/model-v1.rsgd", srcdir ? srcdir : ".");
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    unsigned char buf[4096];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    ck_assert_uint_gt(n, 100);
    ck_assert_uint_eq(rd32(buf + 8), 1);
    rs_model *m = NULL;
    char msg[256];
    ck_assert_msg(rs_model_load_buffer(&m, buf, n, NULL, NULL, msg, sizeof msg) == RS_OK, "%s", msg);
    ck_assert_int_eq(rs_model_has_string_ids(m), 0);
    ck_assert_uint_eq(rs_model_num_users(m), 5);
    ck_assert_uint_eq(rs_model_num_items(m), 4);
    for (size_t k = 0; k < sizeof V1_PREDICTIONS / sizeof V1_PREDICTIONS[0]; k++) {
        float s;
        rs_status st = rs_predict(m, V1_PREDICTIONS[k].user, V1_PREDICTIONS[k].item, &s);
        ck_assert_int_eq(st, V1_PREDICTIONS[k].st);
        ck_assert_msg(fabsf(s - V1_PREDICTIONS[k].score) <= 1e-5f * fabsf(V1_PREDICTIONS[k].score),
                      "pair %zu: %a vs %a", k, (double)s, (double)V1_PREDICTIONS[k].score);
    }
    /* A model without string ids is still written as version 1. */
    mem b = save(m);
    ck_assert_uint_eq(rd32(b.p + 8), 1);
    ck_assert_uint_eq(rd32(b.p + 12), 0);
    free(b.p);
    rs_model_free(m);
}
END_TEST

/* ---- allocation failures ---- */

START_TEST(test_strids_oom)
{
    const char *text = "user,item,rating\nalice,book,5\nbob,book,3\nalice,dvd,4\ncarol,dvd,2\n";
    for (size_t k = 1;; k++) {
        tu_alloc t;
        memset(&t, 0, sizeof t);
        rs_dataset *ds = NULL;
        ck_assert_int_eq(rs_dataset_new(&ds, tu_alloc_fn, &t), RS_OK);
        ck_assert_int_eq(rs_dataset_set_int(ds, RS_PARAM_STRING_IDS, 1), RS_OK);
        t.fail_at = t.calls + k;
        rs_status st = load_str(ds, text, RS_FORMAT_CSV);
        ck_assert_msg(st == RS_OK || st == RS_ERR_NOMEM, "fail_at %zu: %d", k, (int)st);
        rs_status st2 = RS_ERR_NOMEM;
        rs_model *m = NULL, *l = NULL;
        if (st == RS_OK && rs_model_new(&m, RS_SCORER_COLLABORATIVE, tu_alloc_fn, &t) == RS_OK) {
            rs_model_set_int(m, RS_PARAM_FACTORS, 2);
            rs_model_set_int(m, RS_PARAM_EPOCHS, 2);
            st2 = rs_fit(m, ds, NULL);
            ck_assert(st2 == RS_OK || st2 == RS_ERR_NOMEM);
            if (st2 == RS_OK) {
                char ids[1024];
                size_t off[4], n;
                rs_status s3 = rs_topk_str(m, "alice", 4, 0, NULL, 0, NULL, 0, ids, sizeof ids,
                                           off, NULL, &n);
                ck_assert(s3 == RS_OK || s3 == RS_ERR_NOMEM);
                unsigned char blob[4096];
                size_t len;
                char msg[128];
                rs_status s4 = rs_model_save_buffer(m, blob, sizeof blob, &len, msg, sizeof msg);
                ck_assert_int_eq(s4, RS_OK);
                s4 = rs_model_load_buffer(&l, blob, len, tu_alloc_fn, &t, msg, sizeof msg);
                ck_assert(s4 == RS_OK || s4 == RS_ERR_NOMEM);
                if (s4 != RS_OK)
                    st2 = s4;
            }
        }
        rs_model_free(l);
        rs_model_free(m);
        rs_dataset_free(ds);
        ck_assert_uint_eq(t.live, 0);
        ck_assert_uint_eq(t.bad_osize, 0);
        if (st == RS_OK && st2 == RS_OK && k > 60)
            break;
    }
}
END_TEST

static Suite *strids_suite(void)
{
    Suite *s = suite_create("api_strids");
    TCase *tc = tcase_create("strids");
    tcase_add_test(tc, test_strids_dataset_lookups);
    tcase_add_test(tc, test_strids_every_loader);
    tcase_add_test(tc, test_strids_loader_bad_input);
    tcase_add_test(tc, test_strids_fit_and_serve);
    tcase_add_test(tc, test_strids_online_and_cold_start);
    tcase_add_test(tc, test_strids_save_load);
    tcase_add_test(tc, test_strids_version1_file_still_loads);
    suite_add_tcase(s, tc);
    TCase *oom = tcase_create("strids_oom");
    tcase_set_tags(oom, "slow");
    tcase_set_timeout(oom, 120);
    tcase_add_test(oom, test_strids_oom);
    suite_add_tcase(s, oom);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(strids_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

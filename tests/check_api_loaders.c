/* librecsgd. SPDX-License-Identifier: BSD-2-Clause
 * check_api_loaders.c: rating and feature loaders: good input in every
 * format, each kind of bad input, rollback after failure, and OOM. */
#include <check.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <librecsgd/recsgd.h>
#include "testutil.h"

static rs_dataset *new_ds(void)
{
    rs_dataset *ds = NULL;
    ck_assert_int_eq(rs_dataset_new(&ds, NULL, NULL), RS_OK);
    return ds;
}

static int have_stdio(void) { return (rs_build_features() & RS_FEATURE_STDIO) != 0; }

static rs_status load_str(rs_dataset *ds, const char *text, int32_t format, const char *name)
{
    tu_reader r = tu_reader_of(text, 0);
    return rs_dataset_load(ds, tu_read, &r, format, name);
}

static rs_status load_feat_str(rs_dataset *ds, int32_t side, const char *text, int32_t format)
{
    tu_reader r = tu_reader_of(text, 0);
    return rs_dataset_load_features(ds, side, tu_read, &r, format, "feat.txt");
}

/* The load fails with code, and the message names the input and line. */
static void expect_fail(const char *text, int32_t format, rs_status code, const char *where)
{
    rs_dataset *ds = new_ds();
    ck_assert_int_eq(load_str(ds, text, format, "in.txt"), code);
    const char *msg = rs_dataset_last_error(ds);
    ck_assert_msg(strstr(msg, where) != NULL, "message '%s' lacks '%s'", msg, where);
    ck_assert_uint_eq(rs_dataset_num_ratings(ds), 0);
    ck_assert_uint_eq(rs_dataset_num_users(ds), 0);
    rs_dataset_free(ds);
}

static void get(const rs_dataset *ds, size_t k, int64_t *u, int64_t *i, float *r)
{
    ck_assert_int_eq(rs_dataset_get_rating(ds, k, u, i, r, NULL), RS_OK);
}

/* ---- good input ---- */

START_TEST(test_load_movielens_good)
{
    rs_dataset *ds = new_ds();
    const char *text = "1\t10\t5\t881250949\n"
                       "# a comment\n"
                       "\n"
                       "1 20 3.5 881250950\r\n"
                       "  2   10  -1.25\n"
                       "3\t30\t1e0\t0";
    ck_assert_int_eq(load_str(ds, text, RS_FORMAT_MOVIELENS, "u.data"), RS_OK);
    ck_assert_str_eq(rs_dataset_last_error(ds), "");
    ck_assert_uint_eq(rs_dataset_num_ratings(ds), 4);
    ck_assert_uint_eq(rs_dataset_num_users(ds), 3);
    ck_assert_uint_eq(rs_dataset_num_items(ds), 3);
    int64_t u, i;
    float r;
    get(ds, 1, &u, &i, &r);
    ck_assert(u == 1 && i == 20 && r == 3.5f);
    get(ds, 2, &u, &i, &r);
    ck_assert(u == 2 && i == 10 && r == -1.25f);
    get(ds, 3, &u, &i, &r);
    ck_assert(u == 3 && i == 30 && r == 1.0f);
    rs_dataset_free(ds);
}
END_TEST

START_TEST(test_load_movielens_small_chunks)
{
    /* A reader that hands out 3 bytes at a time must give the same result. */
    rs_dataset *ds = new_ds();
    tu_reader rd = tu_reader_of("10 1 4\n11 2 3\n10 3 2 99\n", 3);
    ck_assert_int_eq(rs_dataset_load(ds, tu_read, &rd, RS_FORMAT_MOVIELENS, NULL), RS_OK);
    ck_assert_uint_eq(rs_dataset_num_ratings(ds), 3);
    ck_assert_uint_eq(rs_dataset_num_users(ds), 2);
    int64_t u, i;
    float r;
    get(ds, 2, &u, &i, &r);
    ck_assert(u == 10 && i == 3 && r == 2.0f);
    rs_dataset_free(ds);
}
END_TEST

START_TEST(test_load_libmf_good)
{
    rs_dataset *ds = new_ds();
    ck_assert_int_eq(load_str(ds, "0 0 1.5\n0 1 2\n-7 2 0.25\n", RS_FORMAT_LIBMF, NULL), RS_OK);
    ck_assert_uint_eq(rs_dataset_num_ratings(ds), 3);
    int64_t u, i;
    float r;
    get(ds, 2, &u, &i, &r);
    ck_assert(u == -7 && i == 2 && r == 0.25f);
    rs_dataset_free(ds);
}
END_TEST

START_TEST(test_load_csv_good)
{
    rs_dataset *ds = new_ds();
    const char *text = "userId,movieId,rating,timestamp\r\n"
                       "1,31,2.5,1260759144\r\n"
                       "1,1029,3.0,1260759179\r\n"
                       "\"2\",10,4,1\r\n";
    ck_assert_int_eq(load_str(ds, text, RS_FORMAT_CSV, "ratings.csv"), RS_OK);
    ck_assert_uint_eq(rs_dataset_num_ratings(ds), 3);
    int64_t u, i;
    float r;
    get(ds, 1, &u, &i, &r);
    ck_assert(u == 1 && i == 1029 && r == 3.0f);
    get(ds, 2, &u, &i, &r);
    ck_assert(u == 2 && i == 10 && r == 4.0f);
    rs_dataset_free(ds);
}
END_TEST

START_TEST(test_load_csv_quotes_and_blanks)
{
    /* Plain lines and lines needing the general path, interleaved. */
    rs_dataset *ds = new_ds();
    const char *text = "user_id,title,item_id,score\n"
                       "1,plain,2,3\n"
                       "2,\"with, comma and \"\"quotes\"\"\",3,4.5\n"
                       "# comment\n"
                       " 3 , spaced , 4 , 1.25 \n"
                       "\n"
                       "4,x,5,5\r\n";
    ck_assert_int_eq(load_str(ds, text, RS_FORMAT_CSV, "q.csv"), RS_OK);
    ck_assert_uint_eq(rs_dataset_num_ratings(ds), 4);
    int64_t u, i;
    float r;
    get(ds, 1, &u, &i, &r);
    ck_assert(u == 2 && i == 3 && r == 4.5f);
    get(ds, 2, &u, &i, &r);
    ck_assert(u == 3 && i == 4 && r == 1.25f);
    get(ds, 3, &u, &i, &r);
    ck_assert(u == 4 && i == 5 && r == 5.0f);
    /* Errors keep their line numbers on either path. */
    ck_assert_int_eq(load_str(ds, "user,item,rating\n1,2,3\n\"1,2,3\n", RS_FORMAT_CSV, "q.csv"),
                     RS_ERR_FORMAT);
    ck_assert_ptr_nonnull(strstr(rs_dataset_last_error(ds), "q.csv:3: unclosed quote"));
    ck_assert_int_eq(load_str(ds, "user,item,rating\n1,2,3,4\n", RS_FORMAT_CSV, "q.csv"),
                     RS_ERR_FORMAT);
    ck_assert_ptr_nonnull(strstr(rs_dataset_last_error(ds), "q.csv:2: expected 3 columns"));
    ck_assert_uint_eq(rs_dataset_num_ratings(ds), 4);
    /* The three columns must be different. */
    ck_assert_int_eq(rs_dataset_set_int(ds, RS_PARAM_CSV_ITEM_COL, 0), RS_OK);
    ck_assert_int_eq(load_str(ds, "user,item,rating\n1,2,3\n", RS_FORMAT_CSV, "q.csv"),
                     RS_ERR_FORMAT);
    rs_dataset_free(ds);
}
END_TEST

START_TEST(test_load_csv_names_order_and_delimiter)
{
    rs_dataset *ds = new_ds();
    ck_assert_int_eq(rs_dataset_set_int(ds, RS_PARAM_CSV_DELIMITER, ';'), RS_OK);
    ck_assert_int_eq(load_str(ds, "Score;ITEM_ID;extra;User\n4.5;7;x;9\n", RS_FORMAT_CSV, NULL),
                     RS_OK);
    int64_t u, i;
    float r;
    get(ds, 0, &u, &i, &r);
    ck_assert(u == 9 && i == 7 && r == 4.5f);
    rs_dataset_free(ds);
}
END_TEST

START_TEST(test_load_csv_explicit_columns)
{
    rs_dataset *ds = new_ds();
    ck_assert_int_eq(rs_dataset_set_int(ds, RS_PARAM_CSV_USER_COL, 2), RS_OK);
    ck_assert_int_eq(rs_dataset_set_int(ds, RS_PARAM_CSV_ITEM_COL, 0), RS_OK);
    ck_assert_int_eq(rs_dataset_set_int(ds, RS_PARAM_CSV_RATING_COL, 1), RS_OK);
    ck_assert_int_eq(load_str(ds, "a,b,c\n5,2,8\n", RS_FORMAT_CSV, NULL), RS_OK);
    int64_t u, i;
    float r;
    get(ds, 0, &u, &i, &r);
    ck_assert(u == 8 && i == 5 && r == 2.0f);
    rs_dataset_free(ds);
}
END_TEST

START_TEST(test_load_csv_missing_column)
{
    expect_fail("who,movieId,rating\n1,2,3\n", RS_FORMAT_CSV, RS_ERR_FORMAT, "in.txt:1:");
}
END_TEST

START_TEST(test_load_byte_order_mark)
{
    rs_dataset *ds = new_ds();
    ck_assert_int_eq(load_str(ds, "\xEF\xBB\xBFuserId,movieId,rating\n1,2,3\n", RS_FORMAT_CSV, NULL),
                     RS_OK);
    ck_assert_int_eq(load_str(ds, "\xEF\xBB\xBF" "5 6 1", RS_FORMAT_LIBMF, NULL), RS_OK);
    ck_assert_uint_eq(rs_dataset_num_ratings(ds), 2);
    int64_t u, i;
    get(ds, 1, &u, &i, NULL);
    ck_assert(u == 5 && i == 6);
    rs_dataset_free(ds);
}
END_TEST

START_TEST(test_load_file_good)
{
    char path[64];
    ck_assert_int_eq(tu_write_temp(path, "1 2 3\n4 5 1\n"), 0);
    rs_dataset *ds = new_ds();
    if (!have_stdio()) {
        ck_assert_int_eq(rs_dataset_load_file(ds, path, RS_FORMAT_LIBMF), RS_ERR_NOT_BUILT);
        remove(path);
        rs_dataset_free(ds);
        return;
    }
    ck_assert_int_eq(rs_dataset_load_file(ds, path, RS_FORMAT_LIBMF), RS_OK);
    ck_assert_uint_eq(rs_dataset_num_ratings(ds), 2);
    remove(path);
    rs_dataset_free(ds);
}
END_TEST

START_TEST(test_load_appends)
{
    rs_dataset *ds = new_ds();
    ck_assert_int_eq(rs_dataset_add_rating(ds, 1, 2, 3.0f, 2.0f), RS_OK);
    ck_assert_int_eq(load_str(ds, "1 3 4\n5 2 1\n", RS_FORMAT_LIBMF, NULL), RS_OK);
    ck_assert_uint_eq(rs_dataset_num_ratings(ds), 3);
    ck_assert_uint_eq(rs_dataset_num_users(ds), 2);
    float w;
    ck_assert_int_eq(rs_dataset_get_rating(ds, 2, NULL, NULL, NULL, &w), RS_OK);
    ck_assert(w == 1.0f);
    rs_dataset_free(ds);
}
END_TEST

START_TEST(test_load_large_input_across_blocks)
{
    /* More than one 4 MiB block through a reader that hands out odd-sized
     * pieces: lines split across reads must come out whole. */
    const size_t lines = 400000;
    size_t cap = lines * 24 + 64, len = 0;
    char *text = malloc(cap);
    ck_assert_ptr_nonnull(text);
    for (size_t k = 0; k < lines; k++)
        len += (size_t)snprintf(text + len, cap - len, "%zu\t%zu\t%zu.5\t%zu\n", k / 7,
                                (k * 31) % 5003, k % 5, k);
    rs_dataset *ds = new_ds();
    tu_reader rd = tu_reader_of(text, 999983);
    ck_assert_int_eq(rs_dataset_load(ds, tu_read, &rd, RS_FORMAT_MOVIELENS, "big"), RS_OK);
    ck_assert_uint_eq(rs_dataset_num_ratings(ds), lines);
    ck_assert_uint_eq(rs_dataset_num_users(ds), (lines + 6) / 7);
    for (size_t k = 0; k < lines; k += 9973) {
        int64_t u, i;
        float r;
        get(ds, k, &u, &i, &r);
        ck_assert(u == (int64_t)(k / 7) && i == (int64_t)((k * 31) % 5003) &&
                  r == (float)(k % 5) + 0.5f);
    }
    /* The same input with a bad last line: everything is rolled back. */
    snprintf(text + len, cap - len, "1 2\n");
    rd = tu_reader_of(text, 65536);
    ck_assert_int_eq(rs_dataset_load(ds, tu_read, &rd, RS_FORMAT_MOVIELENS, "big"),
                     RS_ERR_FORMAT);
    char want[64];
    snprintf(want, sizeof want, "big:%zu:", lines + 1);
    ck_assert_ptr_nonnull(strstr(rs_dataset_last_error(ds), want));
    ck_assert_uint_eq(rs_dataset_num_ratings(ds), lines);
    ck_assert_uint_eq(rs_dataset_num_users(ds), (lines + 6) / 7);
    free(text);
    rs_dataset_free(ds);
}
END_TEST

/* ---- bad input: one test per kind ---- */

START_TEST(test_load_bad_column_count)
{
    expect_fail("1 2 3\n1 2\n", RS_FORMAT_MOVIELENS, RS_ERR_FORMAT, "in.txt:2:");
    expect_fail("1 2 3 4 5\n", RS_FORMAT_MOVIELENS, RS_ERR_FORMAT, "in.txt:1:");
    expect_fail("1 2 3 4\n", RS_FORMAT_LIBMF, RS_ERR_FORMAT, "in.txt:1: expected 3 columns");
    expect_fail("user,item,rating\n1,2\n", RS_FORMAT_CSV, RS_ERR_FORMAT, "in.txt:2:");
}
END_TEST

START_TEST(test_load_bad_non_numeric)
{
    expect_fail("1 2 3\n1 x 3\n", RS_FORMAT_MOVIELENS, RS_ERR_FORMAT, "in.txt:2: item id");
    expect_fail("1a 2 3\n", RS_FORMAT_LIBMF, RS_ERR_FORMAT, "in.txt:1: user id");
    expect_fail("1 2 three\n", RS_FORMAT_LIBMF, RS_ERR_FORMAT, "in.txt:1: rating");
    expect_fail("1 2 3 yesterday\n", RS_FORMAT_MOVIELENS, RS_ERR_FORMAT, "in.txt:1: timestamp");
    expect_fail("user,item,rating\n1,2,4x\n", RS_FORMAT_CSV, RS_ERR_FORMAT, "in.txt:2: rating");
}
END_TEST

START_TEST(test_load_bad_nan_inf)
{
    expect_fail("1 2 nan\n", RS_FORMAT_MOVIELENS, RS_ERR_FORMAT, "in.txt:1: rating");
    expect_fail("1 2 3\n1 2 -inf\n", RS_FORMAT_LIBMF, RS_ERR_FORMAT, "in.txt:2: rating");
    expect_fail("1 2 1e999\n", RS_FORMAT_LIBMF, RS_ERR_FORMAT, "not finite");
}
END_TEST

START_TEST(test_load_bad_out_of_range)
{
    rs_dataset *ds = new_ds();
    ck_assert_int_eq(rs_dataset_set_double(ds, RS_PARAM_RATING_MIN, 1.0), RS_OK);
    ck_assert_int_eq(rs_dataset_set_double(ds, RS_PARAM_RATING_MAX, 5.0), RS_OK);
    ck_assert_int_eq(load_str(ds, "1 2 5\n1 3 5.5\n", RS_FORMAT_MOVIELENS, "r.dat"),
                     RS_ERR_FORMAT);
    ck_assert_ptr_nonnull(strstr(rs_dataset_last_error(ds), "r.dat:2:"));
    ck_assert_ptr_nonnull(strstr(rs_dataset_last_error(ds), "outside"));
    ck_assert_int_eq(load_str(ds, "1 2 0.5\n", RS_FORMAT_LIBMF, "r.dat"), RS_ERR_FORMAT);
    ck_assert_int_eq(load_str(ds, "1 2 1\n1 3 5\n", RS_FORMAT_LIBMF, "r.dat"), RS_OK);
    ck_assert_uint_eq(rs_dataset_num_ratings(ds), 2);
    rs_dataset_free(ds);
}
END_TEST

START_TEST(test_load_bad_id_overflow)
{
    expect_fail("9223372036854775808 1 3\n", RS_FORMAT_LIBMF, RS_ERR_FORMAT, "int64");
    expect_fail("1 99999999999999999999999 3\n", RS_FORMAT_MOVIELENS, RS_ERR_FORMAT,
                "in.txt:1: item id");
    /* The extremes themselves fit. */
    rs_dataset *ds = new_ds();
    ck_assert_int_eq(
        load_str(ds, "9223372036854775807 -9223372036854775808 3\n", RS_FORMAT_LIBMF, NULL),
        RS_OK);
    int64_t u, i;
    get(ds, 0, &u, &i, NULL);
    ck_assert(u == INT64_MAX && i == INT64_MIN);
    rs_dataset_free(ds);
}
END_TEST

START_TEST(test_load_bad_truncated_last_line)
{
    expect_fail("1 2 3 4\n5 6", RS_FORMAT_MOVIELENS, RS_ERR_FORMAT, "in.txt:2: truncated");
    expect_fail("user,item,rating\n1,2,3\n4,", RS_FORMAT_CSV, RS_ERR_FORMAT, "in.txt:3: truncated");
    /* A complete last line without a newline is fine. */
    rs_dataset *ds = new_ds();
    ck_assert_int_eq(load_str(ds, "1 2 3\n5 6 1", RS_FORMAT_LIBMF, NULL), RS_OK);
    ck_assert_uint_eq(rs_dataset_num_ratings(ds), 2);
    rs_dataset_free(ds);
}
END_TEST

START_TEST(test_load_bad_empty)
{
    expect_fail("", RS_FORMAT_MOVIELENS, RS_ERR_EMPTY, "in.txt");
    expect_fail("# only a comment\n\n", RS_FORMAT_LIBMF, RS_ERR_EMPTY, "in.txt");
    expect_fail("userId,movieId,rating\n", RS_FORMAT_CSV, RS_ERR_EMPTY, "in.txt");
    char path[64];
    ck_assert_int_eq(tu_write_temp(path, ""), 0);
    rs_dataset *ds = new_ds();
    rs_status st = rs_dataset_load_file(ds, path, RS_FORMAT_MOVIELENS);
    ck_assert_int_eq(st, have_stdio() ? RS_ERR_EMPTY : RS_ERR_NOT_BUILT);
    if (have_stdio())
        ck_assert_ptr_nonnull(strstr(rs_dataset_last_error(ds), path));
    remove(path);
    rs_dataset_free(ds);
}
END_TEST

START_TEST(test_load_bad_missing_file)
{
    rs_dataset *ds = new_ds();
    const char *path = "/tmp/rs_test_definitely_missing_file.dat";
    rs_status st = rs_dataset_load_file(ds, path, RS_FORMAT_MOVIELENS);
    if (!have_stdio()) {
        ck_assert_int_eq(st, RS_ERR_NOT_BUILT);
        rs_dataset_free(ds);
        return;
    }
    ck_assert_int_eq(st, RS_ERR_IO);
    ck_assert_ptr_nonnull(strstr(rs_dataset_last_error(ds), path));
    ck_assert_ptr_nonnull(strstr(rs_dataset_last_error(ds), strerror(ENOENT)));
    ck_assert_int_eq(rs_dataset_load_features_file(ds, RS_SIDE_ITEM, path, RS_FEATURES_SPARSE),
                     RS_ERR_IO);
    ck_assert_ptr_nonnull(strstr(rs_dataset_last_error(ds), path));
    /* A directory opens but cannot be read. */
    ck_assert_int_eq(rs_dataset_load_file(ds, "/tmp", RS_FORMAT_MOVIELENS), RS_ERR_IO);
    ck_assert_ptr_nonnull(strstr(rs_dataset_last_error(ds), "/tmp"));
    ck_assert_uint_eq(rs_dataset_num_ratings(ds), 0);
    rs_dataset_free(ds);
}
END_TEST

START_TEST(test_load_bad_reader_error)
{
    rs_dataset *ds = new_ds();
    tu_reader r = tu_reader_of("1 2 3\n", 0);
    r.fail = 1;
    ck_assert_int_eq(rs_dataset_load(ds, tu_read, &r, RS_FORMAT_LIBMF, "sock"), RS_ERR_IO);
    ck_assert_int_eq(rs_dataset_load(ds, NULL, NULL, RS_FORMAT_LIBMF, NULL), RS_ERR_INVALID_ARG);
    ck_assert_int_eq(load_str(ds, "1 2 3\n", 99, NULL), RS_ERR_INVALID_ARG);
    ck_assert_int_eq(rs_dataset_load(NULL, tu_read, &r, RS_FORMAT_LIBMF, NULL), RS_ERR_INVALID_ARG);
    rs_dataset_free(ds);
}
END_TEST

START_TEST(test_load_random_garbage_never_crashes)
{
    /* Random text from a number-heavy alphabet through every loader: the
     * answer is OK, FORMAT or EMPTY, and a failure changes nothing. */
    static const char alphabet[] = "0123456789012345678901234567890123456789 \t\n\n\r.-+e#,|:aM\"\xe9";
    uint64_t x = 88172645463325252ull;
    char text[200];
    int formats[6] = {RS_FORMAT_MOVIELENS, RS_FORMAT_LIBMF, RS_FORMAT_CSV, RS_FEATURES_SPARSE,
                      RS_FEATURES_MOVIELENS_ITEM, RS_FEATURES_MOVIELENS_USER};
    rs_dataset *ds = new_ds();
    ck_assert_int_eq(load_str(ds, "1 1 1\n", RS_FORMAT_LIBMF, NULL), RS_OK);
    for (int iter = 0; iter < 3000; iter++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        size_t len = x % (sizeof text - 1);
        for (size_t k = 0; k < len; k++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            text[k] = alphabet[x % (sizeof alphabet - 1)];
        }
        text[len] = '\0';
        if (iter % 3 == 0 && len > 20)
            memcpy(text, "userId,item,rating\n", 19); /* give CSV a chance */
        int f = formats[iter % 6];
        size_t n = rs_dataset_num_ratings(ds), nu = rs_dataset_num_users(ds),
               ni = rs_dataset_num_items(ds);
        size_t nfu = rs_dataset_num_features(ds, RS_SIDE_USER),
               nfi = rs_dataset_num_features(ds, RS_SIDE_ITEM);
        rs_status st = iter % 6 < 3 ? load_str(ds, text, f, "g")
                                    : load_feat_str(ds, iter % 2 ? RS_SIDE_USER : RS_SIDE_ITEM,
                                                    text, f);
        ck_assert_msg(st == RS_OK || st == RS_ERR_FORMAT || st == RS_ERR_EMPTY,
                      "iter %d: status %d", iter, (int)st);
        if (st != RS_OK) {
            ck_assert_str_ne(rs_dataset_last_error(ds), "");
            ck_assert_uint_eq(rs_dataset_num_ratings(ds), n);
            ck_assert_uint_eq(rs_dataset_num_users(ds), nu);
            ck_assert_uint_eq(rs_dataset_num_items(ds), ni);
            ck_assert_uint_eq(rs_dataset_num_features(ds, RS_SIDE_USER), nfu);
            ck_assert_uint_eq(rs_dataset_num_features(ds, RS_SIDE_ITEM), nfi);
        }
    }
    rs_dataset_free(ds);
}
END_TEST

/* ---- rollback ---- */

START_TEST(test_load_failure_leaves_dataset_unchanged)
{
    rs_dataset *ds = new_ds();
    ck_assert_int_eq(load_str(ds, "1 1 4\n2 2 3\n", RS_FORMAT_LIBMF, NULL), RS_OK);
    int32_t f;
    ck_assert_int_eq(rs_dataset_add_feature(ds, RS_SIDE_ITEM, "old", &f), RS_OK);
    ck_assert_int_eq(rs_dataset_set_features(ds, RS_SIDE_ITEM, 1, &f, NULL, 1), RS_OK);
    /* Many new ids, then a bad line late in the input. */
    char big[8192] = "";
    for (int k = 0; k < 300; k++)
        sprintf(big + strlen(big), "%d %d 2\n", 100 + k, 200 + k);
    strcat(big, "7 7 oops\n");
    ck_assert_int_eq(load_str(ds, big, RS_FORMAT_LIBMF, NULL), RS_ERR_FORMAT);
    ck_assert_uint_eq(rs_dataset_num_ratings(ds), 2);
    ck_assert_uint_eq(rs_dataset_num_users(ds), 2);
    ck_assert_uint_eq(rs_dataset_num_items(ds), 2);
    int32_t idx;
    ck_assert_int_eq(rs_dataset_id_to_index(ds, RS_SIDE_USER, 100, &idx), RS_ERR_UNKNOWN_ID);
    float r;
    get(ds, 1, NULL, NULL, &r);
    ck_assert(r == 3.0f);
    /* A failed feature load restores replaced rows and forgets new names and ids. */
    ck_assert_int_eq(load_feat_str(ds, RS_SIDE_ITEM, "1 new:2\n555 a b\n2 c:zz\n",
                                   RS_FEATURES_SPARSE),
                     RS_ERR_FORMAT);
    ck_assert_ptr_nonnull(strstr(rs_dataset_last_error(ds), "feat.txt:3:"));
    ck_assert_uint_eq(rs_dataset_num_features(ds, RS_SIDE_ITEM), 1);
    ck_assert_uint_eq(rs_dataset_num_items(ds), 2);
    int32_t cols[4];
    float vals[4];
    size_t n;
    ck_assert_int_eq(rs_dataset_get_features(ds, RS_SIDE_ITEM, 1, cols, vals, 4, &n), RS_OK);
    ck_assert_uint_eq(n, 1);
    ck_assert(cols[0] == f && vals[0] == 1.0f);
    /* And the dataset still works. */
    ck_assert_int_eq(load_str(ds, "3 3 1\n", RS_FORMAT_LIBMF, NULL), RS_OK);
    ck_assert_uint_eq(rs_dataset_num_ratings(ds), 3);
    rs_dataset_free(ds);
}
END_TEST

/* ---- features ---- */

START_TEST(test_load_features_sparse)
{
    rs_dataset *ds = new_ds();
    ck_assert_int_eq(load_feat_str(ds, RS_SIDE_USER, "10 age:0.5 premium\n# c\n11 city:3 age:-2\r\n",
                                   RS_FEATURES_SPARSE),
                     RS_OK);
    ck_assert_uint_eq(rs_dataset_num_features(ds, RS_SIDE_USER), 3);
    ck_assert_str_eq(rs_dataset_feature_name(ds, RS_SIDE_USER, 1), "premium");
    ck_assert_uint_eq(rs_dataset_num_users(ds), 2);
    int32_t cols[4];
    float vals[4];
    size_t n;
    ck_assert_int_eq(rs_dataset_get_features(ds, RS_SIDE_USER, 11, cols, vals, 4, &n), RS_OK);
    ck_assert_uint_eq(n, 2);
    ck_assert_str_eq(rs_dataset_feature_name(ds, RS_SIDE_USER, cols[0]), "city");
    ck_assert(vals[0] == 3.0f && cols[1] == 0 && vals[1] == -2.0f);
    ck_assert_int_eq(load_feat_str(ds, RS_SIDE_USER, "12 a:1 a:2\n", RS_FEATURES_SPARSE),
                     RS_ERR_FORMAT);
    ck_assert_int_eq(load_feat_str(ds, RS_SIDE_USER, "12 a:nan\n", RS_FEATURES_SPARSE),
                     RS_ERR_FORMAT);
    ck_assert_int_eq(load_feat_str(ds, RS_SIDE_USER, "", RS_FEATURES_SPARSE), RS_ERR_EMPTY);
    ck_assert_int_eq(load_feat_str(ds, RS_SIDE_USER, "99999999999999999999 a\n",
                                   RS_FEATURES_SPARSE),
                     RS_ERR_FORMAT);
    ck_assert_uint_eq(rs_dataset_num_users(ds), 2);
    rs_dataset_free(ds);
}
END_TEST

static int has_feature(rs_dataset *ds, int32_t side, int64_t id, const char *name)
{
    int32_t cols[64];
    float vals[64];
    size_t n;
    ck_assert_int_eq(rs_dataset_get_features(ds, side, id, cols, vals, 64, &n), RS_OK);
    for (size_t k = 0; k < n && k < 64; k++)
        if (strcmp(rs_dataset_feature_name(ds, side, cols[k]), name) == 0)
            return vals[k] == 1.0f;
    return 0;
}

START_TEST(test_load_features_movielens_item)
{
    rs_dataset *ds = new_ds();
    const char *text =
        "1|Toy Story (1995)|01-Jan-1995||http://us.imdb.com/M/title-exact?Toy%20Story%20(1995)"
        "|0|0|0|1|1|1|0|0|0|0|0|0|0|0|0|0|0|0|0\n"
        "267|unknown||||1|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0\n"
        "1300|'Til There Was You (\xe9t\xe9) (1997)|30-May-1997||x|0|0|0|0|0|0|0|0|1|0|0|0|0|0"
        "|1|1|0|0|0\n";
    ck_assert_int_eq(load_feat_str(ds, RS_SIDE_ITEM, text, RS_FEATURES_MOVIELENS_ITEM), RS_OK);
    ck_assert_uint_eq(rs_dataset_num_items(ds), 3);
    ck_assert_str_eq(rs_dataset_feature_name(ds, RS_SIDE_ITEM, 0), "genre=unknown");
    ck_assert_str_eq(rs_dataset_feature_name(ds, RS_SIDE_ITEM, 18), "genre=Western");
    ck_assert(has_feature(ds, RS_SIDE_ITEM, 1, "genre=Animation"));
    ck_assert(has_feature(ds, RS_SIDE_ITEM, 1, "genre=Children's"));
    ck_assert(has_feature(ds, RS_SIDE_ITEM, 1, "genre=Comedy"));
    ck_assert(has_feature(ds, RS_SIDE_ITEM, 1, "decade=1990"));
    ck_assert(!has_feature(ds, RS_SIDE_ITEM, 1, "genre=Action"));
    ck_assert(has_feature(ds, RS_SIDE_ITEM, 267, "genre=unknown"));
    ck_assert(has_feature(ds, RS_SIDE_ITEM, 1300, "genre=Romance"));
    size_t n;
    ck_assert_int_eq(rs_dataset_get_features(ds, RS_SIDE_ITEM, 267, NULL, NULL, 0, &n), RS_OK);
    ck_assert_uint_eq(n, 1);
    /* Wrong field count, bad flag, truncated last line. */
    ck_assert_int_eq(load_feat_str(ds, RS_SIDE_ITEM, "5|x|01-Jan-1995||u|0|0\n",
                                   RS_FEATURES_MOVIELENS_ITEM),
                     RS_ERR_FORMAT);
    ck_assert_int_eq(load_feat_str(ds, RS_SIDE_ITEM,
                                   "5|x|01-Jan-1995||u|0|0|0|2|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0\n",
                                   RS_FEATURES_MOVIELENS_ITEM),
                     RS_ERR_FORMAT);
    ck_assert_int_eq(load_feat_str(ds, RS_SIDE_ITEM, "5|x|01-Jan-1995||u|0|0|0",
                                   RS_FEATURES_MOVIELENS_ITEM),
                     RS_ERR_FORMAT);
    ck_assert_ptr_nonnull(strstr(rs_dataset_last_error(ds), "feat.txt:1: truncated"));
    ck_assert_uint_eq(rs_dataset_num_items(ds), 3);
    rs_dataset_free(ds);
}
END_TEST

/* The MovieLens item options (RS_PARAM_MOVIELENS_TITLE_WORDS, _YEAR): title
 * words found in at least that many titles, and the standardised year. */
static float feature_value(rs_dataset *ds, int64_t id, const char *name)
{
    int32_t cols[64];
    float vals[64];
    size_t n;
    ck_assert_int_eq(rs_dataset_get_features(ds, RS_SIDE_ITEM, id, cols, vals, 64, &n), RS_OK);
    for (size_t k = 0; k < n && k < 64; k++)
        if (strcmp(rs_dataset_feature_name(ds, RS_SIDE_ITEM, cols[k]), name) == 0)
            return vals[k];
    return NAN;
}

static int feature_declared(rs_dataset *ds, const char *name)
{
    for (size_t f = 0; f < rs_dataset_num_features(ds, RS_SIDE_ITEM); f++)
        if (strcmp(rs_dataset_feature_name(ds, RS_SIDE_ITEM, (int32_t)f), name) == 0)
            return 1;
    return 0;
}

START_TEST(test_load_features_movielens_item_titles_and_year)
{
    const char *text =
        "1|Toy Story (1995)|01-Jan-1995||u|0|0|0|1|1|1|0|0|0|0|0|0|0|0|0|0|0|0|0\n"
        "2|Toy Story 2: The Story (1999)|01-Jan-1999||u|0|0|0|1|1|1|0|0|0|0|0|0|0|0|0|0|0|0|0\n"
        "3|Story of Us, The (\xe9t\xe9) (1993)|01-Jan-1993||u|0|0|0|0|0|0|0|0|1|0|0|0|0|0|0|0|0|0|0\n"
        "4|unknown||||1|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0\n";
    rs_dataset *ds = new_ds();
    int64_t v;
    ck_assert_int_eq(rs_dataset_get_int(ds, RS_PARAM_MOVIELENS_TITLE_WORDS, &v), RS_OK);
    ck_assert_int_eq(v, 0);
    ck_assert_int_eq(rs_dataset_set_int(ds, RS_PARAM_MOVIELENS_TITLE_WORDS, 2), RS_OK);
    ck_assert_int_eq(rs_dataset_set_int(ds, RS_PARAM_MOVIELENS_YEAR, 1), RS_OK);
    ck_assert_int_eq(rs_dataset_set_int(ds, RS_PARAM_MOVIELENS_YEAR, 2), RS_ERR_RANGE);
    ck_assert_int_eq(rs_dataset_set_int(ds, RS_PARAM_MOVIELENS_TITLE_WORDS, -1), RS_ERR_RANGE);
    ck_assert_int_eq(load_feat_str(ds, RS_SIDE_ITEM, text, RS_FEATURES_MOVIELENS_ITEM), RS_OK);
    /* "story" is in three titles (twice in one: counted once), "toy" and "the"
     * in two; "2", "of", "us" and "unknown" in one. The "(1995)" is no word. */
    ck_assert(has_feature(ds, RS_SIDE_ITEM, 1, "title=story"));
    ck_assert(has_feature(ds, RS_SIDE_ITEM, 1, "title=toy"));
    ck_assert(has_feature(ds, RS_SIDE_ITEM, 2, "title=the"));
    ck_assert(has_feature(ds, RS_SIDE_ITEM, 3, "title=story"));
    ck_assert(has_feature(ds, RS_SIDE_ITEM, 3, "title=the"));
    ck_assert(!feature_declared(ds, "title=of"));
    ck_assert(!feature_declared(ds, "title=1995"));
    ck_assert(!feature_declared(ds, "title=unknown"));
    ck_assert(!feature_declared(ds, "title=2"));
    ck_assert(isnan(feature_value(ds, 4, "year"))); /* no date, no year */
    /* Years 1995, 1999, 1993: mean 1995.67, population sd 2.494. */
    ck_assert_float_eq_tol(feature_value(ds, 1, "year"), (1995 - 5987.0 / 3) / 2.4944, 1e-3);
    ck_assert_float_eq_tol(feature_value(ds, 2, "year"), (1999 - 5987.0 / 3) / 2.4944, 1e-3);
    ck_assert(has_feature(ds, RS_SIDE_ITEM, 2, "decade=1990"));
    ck_assert(has_feature(ds, RS_SIDE_ITEM, 3, "genre=Drama"));
    size_t n_features = rs_dataset_num_features(ds, RS_SIDE_ITEM);
    /* A bad line anywhere leaves the dataset as it was: rows are stored only
     * once the whole file is read. */
    const char *bad = "9|New Story (1990)|01-Jan-1990||u|0|0|0|0|0|0|0|0|1|0|0|0|0|0|0|0|0|0|0\n"
                      "10|Bad|01-Jan-1990||u|0|0\n";
    ck_assert_int_eq(load_feat_str(ds, RS_SIDE_ITEM, bad, RS_FEATURES_MOVIELENS_ITEM), RS_ERR_FORMAT);
    ck_assert_uint_eq(rs_dataset_num_items(ds), 4);
    ck_assert_uint_eq(rs_dataset_num_features(ds, RS_SIDE_ITEM), n_features);
    rs_dataset_free(ds);
}
END_TEST

START_TEST(test_load_features_movielens_item_options_out_of_memory)
{
    const char *text =
        "1|Toy Story (1995)|01-Jan-1995||u|0|0|0|1|1|1|0|0|0|0|0|0|0|0|0|0|0|0|0\n"
        "2|Toy Story 2 (1999)|01-Jan-1999||u|0|0|0|1|1|1|0|0|0|0|0|0|0|0|0|0|0|0|0\n";
    for (size_t k = 1; k < 200; k++) {
        tu_alloc t = {0};
        rs_dataset *ds;
        ck_assert_int_eq(rs_dataset_new(&ds, tu_alloc_fn, &t), RS_OK);
        ck_assert_int_eq(rs_dataset_set_int(ds, RS_PARAM_MOVIELENS_TITLE_WORDS, 1), RS_OK);
        ck_assert_int_eq(rs_dataset_set_int(ds, RS_PARAM_MOVIELENS_YEAR, 1), RS_OK);
        t.fail_at = t.calls + k;
        rs_status st = load_feat_str(ds, RS_SIDE_ITEM, text, RS_FEATURES_MOVIELENS_ITEM);
        t.fail_at = 0;
        ck_assert_msg(st == RS_OK || st == RS_ERR_NOMEM, "fail at %zu: %d", k, (int)st);
        if (st == RS_ERR_NOMEM)
            ck_assert_uint_eq(rs_dataset_num_items(ds), 0);
        rs_dataset_free(ds);
        ck_assert_uint_eq(t.live, 0);
        ck_assert_uint_eq(t.bad_osize, 0);
        if (st == RS_OK)
            break;
    }
}
END_TEST

START_TEST(test_load_features_movielens_user)
{
    rs_dataset *ds = new_ds();
    const char *text = "1|24|M|technician|85711\n2|53|F|other|94043\n3|17|M|student|T8H1N\n"
                       "4|56|F|retired|00000\n";
    ck_assert_int_eq(load_feat_str(ds, RS_SIDE_USER, text, RS_FEATURES_MOVIELENS_USER), RS_OK);
    ck_assert(has_feature(ds, RS_SIDE_USER, 1, "age=18-24"));
    ck_assert(has_feature(ds, RS_SIDE_USER, 1, "gender=M"));
    ck_assert(has_feature(ds, RS_SIDE_USER, 1, "occupation=technician"));
    ck_assert(has_feature(ds, RS_SIDE_USER, 2, "age=50-55"));
    ck_assert(has_feature(ds, RS_SIDE_USER, 2, "gender=F"));
    ck_assert(has_feature(ds, RS_SIDE_USER, 3, "age=<18"));
    ck_assert(has_feature(ds, RS_SIDE_USER, 4, "age=56+"));
    ck_assert_int_eq(load_feat_str(ds, RS_SIDE_USER, "9|x|M|a|1\n", RS_FEATURES_MOVIELENS_USER),
                     RS_ERR_FORMAT);
    ck_assert_int_eq(load_feat_str(ds, RS_SIDE_USER, "9|20|Q|a|1\n", RS_FEATURES_MOVIELENS_USER),
                     RS_ERR_FORMAT);
    ck_assert_int_eq(load_feat_str(ds, RS_SIDE_USER, "9|20|M\n", RS_FEATURES_MOVIELENS_USER),
                     RS_ERR_FORMAT);
    ck_assert_uint_eq(rs_dataset_num_users(ds), 4);
    rs_dataset_free(ds);
}
END_TEST

START_TEST(test_load_real_movielens_if_present)
{
    /* The MovieLens 100K files are not part of the project: skip when absent. */
    const char *dir = getenv("RS_DATA_DIR");
    char path[512];
    snprintf(path, sizeof path, "%s/ml-100k/u.data", dir ? dir : "../shared/data");
    FILE *probe = fopen(path, "rb");
    if (!probe || !have_stdio()) {
        if (probe)
            fclose(probe);
        return;
    }
    fclose(probe);
    rs_dataset *ds = new_ds();
    ck_assert_int_eq(rs_dataset_load_file(ds, path, RS_FORMAT_MOVIELENS), RS_OK);
    ck_assert_uint_eq(rs_dataset_num_ratings(ds), 100000);
    ck_assert_uint_eq(rs_dataset_num_users(ds), 943);
    ck_assert_uint_eq(rs_dataset_num_items(ds), 1682);
    snprintf(path, sizeof path, "%s/ml-100k/u.item", dir ? dir : "../shared/data");
    ck_assert_int_eq(rs_dataset_load_features_file(ds, RS_SIDE_ITEM, path,
                                                   RS_FEATURES_MOVIELENS_ITEM),
                     RS_OK);
    snprintf(path, sizeof path, "%s/ml-100k/u.user", dir ? dir : "../shared/data");
    ck_assert_int_eq(rs_dataset_load_features_file(ds, RS_SIDE_USER, path,
                                                   RS_FEATURES_MOVIELENS_USER),
                     RS_OK);
    ck_assert_uint_eq(rs_dataset_num_items(ds), 1682);
    ck_assert_uint_eq(rs_dataset_num_users(ds), 943);
    rs_dataset_free(ds);
}
END_TEST

/* ---- allocator: OOM at every allocation (libuv test-loop-oom style) ---- */

static rs_status run_workload(tu_alloc *t, rs_dataset **keep)
{
    rs_dataset *ds = NULL;
    rs_status st = rs_dataset_new(&ds, tu_alloc_fn, t);
    if (st != RS_OK) {
        ck_assert_ptr_null(ds);
        return st;
    }
    if ((st = rs_dataset_add_rating(ds, 1, 2, 3.0f, 1.0f)) == RS_OK &&
        (st = rs_dataset_add_rating(ds, 1, 3, 4.0f, 0.5f)) == RS_OK &&
        (st = load_str(ds, "5 6 1\n7 8 2 100\n5 8 3\n", RS_FORMAT_MOVIELENS, NULL)) == RS_OK &&
        (st = load_str(ds, "user,item,rating\n9,9,1\n", RS_FORMAT_CSV, NULL)) == RS_OK &&
        (st = load_feat_str(ds, RS_SIDE_ITEM, "2 a:1 b\n6 c:2\n", RS_FEATURES_SPARSE)) == RS_OK &&
        (st = load_feat_str(ds, RS_SIDE_USER, "1|30|F|artist|1\n", RS_FEATURES_MOVIELENS_USER)) ==
            RS_OK &&
        (st = rs_dataset_standardize_features(ds, RS_SIDE_ITEM)) == RS_OK) {
        rs_dataset *tr = NULL, *te = NULL;
        st = rs_dataset_split_random(ds, 0.5, 3, &tr, &te);
        if (st == RS_OK) {
            rs_dataset_free(tr);
            rs_dataset_free(te);
            st = rs_dataset_split_holdout(ds, 1, 3, &tr, &te);
        }
        if (st == RS_OK) {
            rs_dataset_free(tr);
            rs_dataset_free(te);
        } else {
            ck_assert(tr == NULL && te == NULL);
        }
    }
    *keep = ds;
    return st;
}

START_TEST(test_alloc_counting_no_leaks)
{
    tu_alloc t;
    memset(&t, 0, sizeof t);
    rs_dataset *ds;
    ck_assert_int_eq(run_workload(&t, &ds), RS_OK);
    ck_assert_uint_eq(rs_dataset_num_ratings(ds), 6);
    rs_dataset_free(ds);
    ck_assert_uint_gt(t.allocs, 0);
    ck_assert_uint_eq(t.allocs, t.frees);
    ck_assert_uint_eq(t.live, 0);
    ck_assert_uint_eq(t.live_bytes, 0);
    ck_assert_uint_eq(t.bad_osize, 0);
}
END_TEST

START_TEST(test_alloc_fail_at_every_allocation)
{
    size_t total;
    {
        tu_alloc t;
        memset(&t, 0, sizeof t);
        rs_dataset *ds;
        ck_assert_int_eq(run_workload(&t, &ds), RS_OK);
        rs_dataset_free(ds);
        total = t.calls;
    }
    size_t failures = 0;
    for (size_t k = 1; k <= total; k++) {
        tu_alloc t;
        memset(&t, 0, sizeof t);
        t.fail_at = k;
        rs_dataset *ds = NULL;
        rs_status st = run_workload(&t, &ds);
        ck_assert_msg(st == RS_OK || st == RS_ERR_NOMEM, "fail_at %zu gave %d (%s)", k, (int)st,
                      ds ? rs_dataset_last_error(ds) : "");
        if (st != RS_OK)
            failures++;
        if (ds && st != RS_OK) {
            /* Whatever step failed, what was loaded before it is intact. */
            size_t n = rs_dataset_num_ratings(ds);
            ck_assert(n == 0 || n == 1 || n == 2 || n == 5 || n == 6);
        }
        rs_dataset_free(ds);
        ck_assert_msg(t.live == 0 && t.live_bytes == 0, "leak with fail_at %zu", k);
        ck_assert_uint_eq(t.bad_osize, 0);
    }
    ck_assert_uint_gt(failures, 0);
}
END_TEST

static Suite *loaders_suite(void)
{
    Suite *s = suite_create("loaders");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_load_movielens_good);
    tcase_add_test(tc, test_load_movielens_small_chunks);
    tcase_add_test(tc, test_load_libmf_good);
    tcase_add_test(tc, test_load_csv_good);
    tcase_add_test(tc, test_load_csv_quotes_and_blanks);
    tcase_add_test(tc, test_load_csv_names_order_and_delimiter);
    tcase_add_test(tc, test_load_csv_explicit_columns);
    tcase_add_test(tc, test_load_csv_missing_column);
    tcase_add_test(tc, test_load_byte_order_mark);
    tcase_add_test(tc, test_load_file_good);
    tcase_add_test(tc, test_load_appends);
    tcase_add_test(tc, test_load_large_input_across_blocks);
    tcase_add_test(tc, test_load_bad_column_count);
    tcase_add_test(tc, test_load_bad_non_numeric);
    tcase_add_test(tc, test_load_bad_nan_inf);
    tcase_add_test(tc, test_load_bad_out_of_range);
    tcase_add_test(tc, test_load_bad_id_overflow);
    tcase_add_test(tc, test_load_bad_truncated_last_line);
    tcase_add_test(tc, test_load_bad_empty);
    tcase_add_test(tc, test_load_bad_missing_file);
    tcase_add_test(tc, test_load_bad_reader_error);
    tcase_add_test(tc, test_load_failure_leaves_dataset_unchanged);
    tcase_add_test(tc, test_load_random_garbage_never_crashes);
    tcase_add_test(tc, test_load_features_sparse);
    tcase_add_test(tc, test_load_features_movielens_item);
    tcase_add_test(tc, test_load_features_movielens_item_titles_and_year);
    tcase_add_test(tc, test_load_features_movielens_item_options_out_of_memory);
    tcase_add_test(tc, test_load_features_movielens_user);
    tcase_add_test(tc, test_load_real_movielens_if_present);
    tcase_add_test(tc, test_alloc_counting_no_leaks);
    tcase_add_test(tc, test_alloc_fail_at_every_allocation);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(loaders_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

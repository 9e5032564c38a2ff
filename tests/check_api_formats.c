/* librecsgd. SPDX-License-Identifier: BSD-2-Clause
 * check_api_formats.c: the forgiving formats of 0.2 through the public API:
 * header lines (detected and declared) in every format, two-column implicit
 * files, single-byte delimiters and RS_FORMAT_TSV, gzip input, timestamps
 * (numbers and ISO 8601) and rs_dataset_split_by_time. Every new path is also
 * fed bad input: the error names the input and the line, and the dataset is
 * left as it was. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <librecsgd/recsgd.h>
#include "gzip_fixtures.h"
#include "testutil.h"

static rs_dataset *new_ds(void)
{
    rs_dataset *ds = NULL;
    ck_assert_int_eq(rs_dataset_new(&ds, NULL, NULL), RS_OK);
    return ds;
}

static int have_zlib(void) { return (rs_build_features() & RS_FEATURE_ZLIB) != 0; }

/* Bytes (binary-safe: tu_reader with an explicit length), chunk bytes per call. */
static rs_status load_bytes(rs_dataset *ds, const void *p, size_t len, size_t chunk,
                            int32_t format, const char *name)
{
    tu_reader r = {(const char *)p, len, 0, chunk, 0};
    return rs_dataset_load(ds, tu_read, &r, format, name);
}

static rs_status load_str(rs_dataset *ds, const char *text, int32_t format)
{
    return load_bytes(ds, text, strlen(text), 0, format, "in.txt");
}

/* The load fails with code, the message names the place, and the dataset
 * (prepared by the caller, with some ratings) is unchanged. */
static void expect_fail_on(rs_dataset *ds, const char *text, int32_t format, rs_status code,
                           const char *where)
{
    size_t n = rs_dataset_num_ratings(ds), nu = rs_dataset_num_users(ds),
           ni = rs_dataset_num_items(ds);
    int32_t had_time = rs_dataset_has_timestamps(ds);
    ck_assert_int_eq(load_str(ds, text, format), code);
    const char *msg = rs_dataset_last_error(ds);
    ck_assert_msg(strstr(msg, where) != NULL, "message '%s' lacks '%s'", msg, where);
    ck_assert_uint_eq(rs_dataset_num_ratings(ds), n);
    ck_assert_uint_eq(rs_dataset_num_users(ds), nu);
    ck_assert_uint_eq(rs_dataset_num_items(ds), ni);
    ck_assert_int_eq(rs_dataset_has_timestamps(ds), had_time);
}

static void expect_fail(const char *text, int32_t format, rs_status code, const char *where)
{
    rs_dataset *ds = new_ds();
    ck_assert_int_eq(rs_dataset_add_rating(ds, 1000, 2000, 3, 1), RS_OK);
    expect_fail_on(ds, text, format, code, where);
    rs_dataset_free(ds);
}

static void get(const rs_dataset *ds, size_t k, int64_t *u, int64_t *i, float *r)
{
    ck_assert_int_eq(rs_dataset_get_rating(ds, k, u, i, r, NULL), RS_OK);
}

static int64_t ts(const rs_dataset *ds, size_t k)
{
    int64_t t;
    ck_assert_int_eq(rs_dataset_get_timestamp(ds, k, &t), RS_OK);
    return t;
}

/* ---- header lines ---- */

START_TEST(test_header_detected_in_blank_formats)
{
    const int32_t formats[2] = {RS_FORMAT_MOVIELENS, RS_FORMAT_LIBMF};
    for (int f = 0; f < 2; f++) {
        rs_dataset *ds = new_ds();
        ck_assert_int_eq(load_str(ds, "# export\nuser_id\titem_id\tstars\n1\t10\t5\n2\t10\t3\n",
                                  formats[f]),
                         RS_OK);
        ck_assert_uint_eq(rs_dataset_num_ratings(ds), 2);
        int64_t u, i;
        float r;
        get(ds, 1, &u, &i, &r);
        ck_assert(u == 2 && i == 10 && r == 3.0f);
        rs_dataset_free(ds);
    }
    /* Names the loaders know make a header even with numbers on the line. */
    rs_dataset *ds = new_ds();
    ck_assert_int_eq(load_str(ds, "user item rating 2024\n1 2 3\n", RS_FORMAT_MOVIELENS), RS_OK);
    ck_assert_uint_eq(rs_dataset_num_ratings(ds), 1);
    rs_dataset_free(ds);
}
END_TEST

START_TEST(test_header_declared)
{
    /* has_header = 1: the first line goes whatever it holds. */
    rs_dataset *ds = new_ds();
    ck_assert_int_eq(rs_dataset_set_int(ds, RS_PARAM_HAS_HEADER, 1), RS_OK);
    ck_assert_int_eq(load_str(ds, "5 6 7\n1 2 3\n", RS_FORMAT_LIBMF), RS_OK);
    ck_assert_uint_eq(rs_dataset_num_ratings(ds), 1);
    int64_t v;
    ck_assert_int_eq(rs_dataset_get_int(ds, RS_PARAM_HAS_HEADER, &v), RS_OK);
    ck_assert_int_eq(v, 1);
    rs_dataset_free(ds);
    /* has_header = 0: a header-like first line is data, and so an error. */
    ds = new_ds();
    ck_assert_int_eq(rs_dataset_set_int(ds, RS_PARAM_HAS_HEADER, 0), RS_OK);
    expect_fail_on(ds, "user item rating\n1 2 3\n", RS_FORMAT_MOVIELENS, RS_ERR_FORMAT,
                   "in.txt:1: user id 'user' is not an integer");
    /* CSV without a header: the columns are user, item, rating, timestamp. */
    ck_assert_int_eq(load_str(ds, "1,2,3.5,99\n4,5,1,100\n", RS_FORMAT_CSV), RS_OK);
    int64_t u, i;
    float r;
    get(ds, 0, &u, &i, &r);
    ck_assert(u == 1 && i == 2 && r == 3.5f && ts(ds, 0) == 99);
    ck_assert_int_eq(rs_dataset_set_int(ds, RS_PARAM_HAS_HEADER, 2), RS_ERR_RANGE);
    rs_dataset_free(ds);
}
END_TEST

START_TEST(test_header_detected_in_csv_and_tsv)
{
    /* No header in a CSV file is now fine: the first line is a rating. */
    rs_dataset *ds = new_ds();
    ck_assert_int_eq(load_str(ds, "7,8,4\n9,8,2\n", RS_FORMAT_CSV), RS_OK);
    ck_assert_uint_eq(rs_dataset_num_ratings(ds), 2);
    /* TSV: a tab delimiter whatever csv_delimiter says, header by name. */
    ck_assert_int_eq(rs_dataset_set_int(ds, RS_PARAM_CSV_DELIMITER, ';'), RS_OK);
    ck_assert_int_eq(load_str(ds, "itemId\tscore\tuserId\n30\t1.5\t7\n", RS_FORMAT_TSV), RS_OK);
    int64_t u, i;
    float r;
    get(ds, 2, &u, &i, &r);
    ck_assert(u == 7 && i == 30 && r == 1.5f);
    rs_dataset_free(ds);
}
END_TEST

/* ---- two-column implicit files ---- */

START_TEST(test_implicit_two_columns)
{
    rs_dataset *ds = new_ds();
    ck_assert_int_eq(load_str(ds, "1 10\n1 11\r\n2\t10\n", RS_FORMAT_MOVIELENS), RS_OK);
    ck_assert_uint_eq(rs_dataset_num_ratings(ds), 3);
    for (size_t k = 0; k < 3; k++) {
        float r;
        get(ds, k, NULL, NULL, &r);
        ck_assert(r == 1.0f);
    }
    /* CSV: user and item only, or with a timestamp column. */
    ck_assert_int_eq(load_str(ds, "user,item\n3,12\n", RS_FORMAT_CSV), RS_OK);
    ck_assert_int_eq(load_str(ds, "user;item;time\n4;13;2024-01-02\n", RS_FORMAT_CSV),
                     RS_ERR_FORMAT); /* csv_delimiter is ',': one column */
    ck_assert_int_eq(rs_dataset_set_int(ds, RS_PARAM_CSV_DELIMITER, ';'), RS_OK);
    ck_assert_int_eq(load_str(ds, "user;item;time\n4;13;2024-01-02\n", RS_FORMAT_CSV), RS_OK);
    ck_assert_uint_eq(rs_dataset_num_ratings(ds), 5);
    float r;
    get(ds, 4, NULL, NULL, &r);
    ck_assert(r == 1.0f);
    ck_assert(ts(ds, 4) == 1704153600); /* 2024-01-02T00:00:00Z */
    ck_assert(ts(ds, 0) == RS_NO_TIMESTAMP);
    rs_dataset_free(ds);
}
END_TEST

START_TEST(test_implicit_bad_input)
{
    /* The first data line fixes the layout. */
    expect_fail("1 10\n2 11 5\n", RS_FORMAT_MOVIELENS, RS_ERR_FORMAT,
                "in.txt:2: expected 2 (as the first line: user item) columns, found 3");
    expect_fail("1 10 4\n2 11\n", RS_FORMAT_MOVIELENS, RS_ERR_FORMAT,
                "in.txt:2: expected 3 or 4 columns, found 2");
    expect_fail("1 10\n", RS_FORMAT_LIBMF, RS_ERR_FORMAT, "in.txt:1: expected 3 columns");
    expect_fail("user,item,extra\n1,2,3\n", RS_FORMAT_CSV, RS_ERR_FORMAT,
                "in.txt:1: the header names no rating column");
    /* An implicit rating of 1 must fit the declared range too. */
    rs_dataset *ds = new_ds();
    ck_assert_int_eq(rs_dataset_set_double(ds, RS_PARAM_RATING_MIN, 2.0), RS_OK);
    expect_fail_on(ds, "1 10\n", RS_FORMAT_MOVIELENS, RS_ERR_FORMAT, "in.txt:1: implicit rating 1");
    expect_fail_on(ds, "user,item\n1,10\n", RS_FORMAT_CSV, RS_ERR_FORMAT, "in.txt:1: implicit");
    rs_dataset_free(ds);
}
END_TEST

/* ---- delimiters ---- */

START_TEST(test_any_single_byte_delimiter)
{
    const char delims[] = {',', ';', '|', ':', '\t', ' ', '\x1f', (char)0xA7};
    for (size_t k = 0; k < sizeof delims; k++) {
        char d = delims[k];
        char text[128];
        snprintf(text, sizeof text, "user%citem%crating\n1%c2%c4.5\n3%c2%c1\n", d, d, d, d, d, d);
        rs_dataset *ds = new_ds();
        ck_assert_int_eq(rs_dataset_set_int(ds, RS_PARAM_CSV_DELIMITER, (unsigned char)d), RS_OK);
        ck_assert_msg(load_str(ds, text, RS_FORMAT_CSV) == RS_OK, "delimiter 0x%02x: %s",
                      (unsigned char)d, rs_dataset_last_error(ds));
        ck_assert_uint_eq(rs_dataset_num_ratings(ds), 2);
        int64_t u, i;
        float r;
        get(ds, 0, &u, &i, &r);
        ck_assert(u == 1 && i == 2 && r == 4.5f);
        rs_dataset_free(ds);
    }
    rs_dataset *ds = new_ds();
    ck_assert_int_eq(rs_dataset_set_int(ds, RS_PARAM_CSV_DELIMITER, '"'), RS_ERR_RANGE);
    ck_assert_int_eq(rs_dataset_set_int(ds, RS_PARAM_CSV_DELIMITER, '\n'), RS_ERR_RANGE);
    ck_assert_int_eq(rs_dataset_set_int(ds, RS_PARAM_CSV_DELIMITER, 256), RS_ERR_RANGE);
    rs_dataset_free(ds);
}
END_TEST

/* ---- gzip ---- */

START_TEST(test_gzip_input)
{
    rs_dataset *ds = new_ds();
    if (!have_zlib()) {
        ck_assert_int_eq(load_bytes(ds, GZ_SMALL, sizeof GZ_SMALL, 0, RS_FORMAT_MOVIELENS, "r.gz"),
                         RS_ERR_NOT_BUILT);
        ck_assert_ptr_nonnull(strstr(rs_dataset_last_error(ds), "r.gz: the input is gzip"));
        ck_assert_uint_eq(rs_dataset_num_ratings(ds), 0);
        rs_dataset_free(ds);
        return;
    }
    /* Any chunking of the compressed bytes gives the same ratings. */
    const size_t chunks[3] = {0, 1, 7};
    for (int c = 0; c < 3; c++) {
        ck_assert_int_eq(
            load_bytes(ds, GZ_SMALL, sizeof GZ_SMALL, chunks[c], RS_FORMAT_MOVIELENS, "r.gz"),
            RS_OK);
        ck_assert_uint_eq(rs_dataset_num_ratings(ds), 3 * (size_t)(c + 1));
    }
    int64_t u, i;
    float r;
    get(ds, 2, &u, &i, &r);
    ck_assert(u == 2 && i == 11 && r == 4.0f && ts(ds, 2) == 300);
    /* Concatenated members are one input. */
    ck_assert_int_eq(
        load_bytes(ds, GZ_TWO_MEMBERS, sizeof GZ_TWO_MEMBERS, 5, RS_FORMAT_LIBMF, "two.gz"), RS_OK);
    get(ds, rs_dataset_num_ratings(ds) - 1, &u, &i, &r);
    ck_assert(u == 8 && i == 80 && r == 2.0f);
    rs_dataset_free(ds);
    /* More than one block of inflated text, read from a file. */
    ds = new_ds();
    char path[64] = "/tmp/rs_test_gz_XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq((int)write(fd, GZ_BIG, sizeof GZ_BIG), (int)sizeof GZ_BIG);
    close(fd);
    if (rs_build_features() & RS_FEATURE_STDIO) {
        ck_assert_int_eq(rs_dataset_load_file(ds, path, RS_FORMAT_LIBMF), RS_OK);
        ck_assert_uint_eq(rs_dataset_num_ratings(ds), 800000);
    }
    unlink(path);
    rs_dataset_free(ds);
}
END_TEST

START_TEST(test_gzip_bad_input)
{
    if (!have_zlib())
        return;
    rs_dataset *ds = new_ds();
    ck_assert_int_eq(rs_dataset_add_rating(ds, 1, 1, 1, 1), RS_OK);
    unsigned char bad[sizeof GZ_SMALL + 8];
    /* truncated */
    ck_assert_int_eq(load_bytes(ds, GZ_SMALL, sizeof GZ_SMALL - 9, 0, RS_FORMAT_MOVIELENS, "t.gz"),
                     RS_ERR_FORMAT);
    ck_assert_ptr_nonnull(strstr(rs_dataset_last_error(ds), "t.gz: truncated gzip data"));
    /* corrupt deflate data (or checksum) */
    memcpy(bad, GZ_SMALL, sizeof GZ_SMALL);
    bad[14] ^= 0x55;
    bad[sizeof GZ_SMALL - 6] ^= 0x01;
    ck_assert_int_eq(load_bytes(ds, bad, sizeof GZ_SMALL, 0, RS_FORMAT_MOVIELENS, "c.gz"),
                     RS_ERR_FORMAT);
    ck_assert_ptr_nonnull(strstr(rs_dataset_last_error(ds), "c.gz: corrupt gzip data"));
    /* trailing garbage after the last member */
    memcpy(bad, GZ_SMALL, sizeof GZ_SMALL);
    memcpy(bad + sizeof GZ_SMALL, "garbage!", 8);
    ck_assert_int_eq(load_bytes(ds, bad, sizeof bad, 0, RS_FORMAT_MOVIELENS, "g.gz"),
                     RS_ERR_FORMAT);
    ck_assert_ptr_nonnull(strstr(rs_dataset_last_error(ds), "g.gz: bytes after the end"));
    ck_assert_uint_eq(rs_dataset_num_ratings(ds), 1);
    ck_assert_uint_eq(rs_dataset_num_users(ds), 1);
    ck_assert_int_eq(rs_dataset_has_timestamps(ds), 0);
    rs_dataset_free(ds);
}
END_TEST

/* ---- timestamps ---- */

START_TEST(test_timestamps_kept)
{
    rs_dataset *ds = new_ds();
    ck_assert_int_eq(rs_dataset_has_timestamps(ds), 0);
    ck_assert_int_eq(load_str(ds, "1 10 5\n", RS_FORMAT_MOVIELENS), RS_OK);
    ck_assert_int_eq(rs_dataset_has_timestamps(ds), 0); /* no column: no memory for one */
    int64_t t;
    ck_assert_int_eq(rs_dataset_get_timestamp(ds, 0, &t), RS_ERR_STATE);
    ck_assert_int_eq(load_str(ds, "1 11 4 881250949\n2 10 3 -5\n2 12 1 12.75\n", RS_FORMAT_MOVIELENS),
                     RS_OK);
    ck_assert_int_eq(rs_dataset_has_timestamps(ds), 1);
    ck_assert(ts(ds, 0) == RS_NO_TIMESTAMP);
    ck_assert(ts(ds, 1) == 881250949 && ts(ds, 2) == -5 && ts(ds, 3) == 12);
    ck_assert_int_eq(rs_dataset_get_timestamp(ds, 4, &t), RS_ERR_RANGE);
    /* ISO 8601 in CSV, UTC or with an offset, with and without seconds. */
    ck_assert_int_eq(load_str(ds,
                              "userId,movieId,rating,timestamp\n"
                              "3,10,4,2001-09-09T01:46:40Z\n"
                              "3,11,4,\"2001-09-09 03:46:40.999+02:00\"\n"
                              "3,12,4,2000-02-29T23:59\n"
                              "3,13,4,1969-12-31\n",
                              RS_FORMAT_CSV),
                     RS_OK);
    ck_assert(ts(ds, 4) == 1000000000 && ts(ds, 5) == 1000000000);
    ck_assert(ts(ds, 6) == 951868740 && ts(ds, 7) == -86400);
    /* Added ratings without a time read RS_NO_TIMESTAMP; with one, keep it. */
    int64_t users[2] = {9, 9}, items[2] = {1, 2}, times[2] = {7, 8};
    float ratings[2] = {1, 2};
    ck_assert_int_eq(rs_dataset_add_rating(ds, 9, 3, 1, 1), RS_OK);
    ck_assert_int_eq(rs_dataset_add_ratings_timed(ds, users, items, ratings, NULL, times, 2), RS_OK);
    ck_assert(ts(ds, 8) == RS_NO_TIMESTAMP && ts(ds, 9) == 7 && ts(ds, 10) == 8);
    times[1] = RS_NO_TIMESTAMP;
    ck_assert_int_eq(rs_dataset_add_ratings_timed(ds, users, items, ratings, NULL, times, 2),
                     RS_ERR_RANGE);
    ck_assert_uint_eq(rs_dataset_num_ratings(ds), 11);
    rs_dataset_free(ds);
    /* RS_PARAM_TIMESTAMPS = 0: checked, not kept. */
    ds = new_ds();
    ck_assert_int_eq(rs_dataset_set_int(ds, RS_PARAM_TIMESTAMPS, 0), RS_OK);
    ck_assert_int_eq(load_str(ds, "1 11 4 881250949\n", RS_FORMAT_MOVIELENS), RS_OK);
    ck_assert_int_eq(rs_dataset_has_timestamps(ds), 0);
    expect_fail_on(ds, "1 11 4 soon\n", RS_FORMAT_MOVIELENS, RS_ERR_FORMAT, "in.txt:1: timestamp");
    rs_dataset_free(ds);
}
END_TEST

START_TEST(test_timestamps_bad_input)
{
    const char *bad[] = {"2024-13-01", "2023-02-29", "2024-01-01T24:00", "2024-01-01T10:61",
                         "2024-01-01T10:00:00+25:00", "2024-01-01X", "99999999999999999999",
                         "2024-01-01T10:00:00.", "nan"};
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        char text[128];
        snprintf(text, sizeof text, "user,item,rating,time\n1,2,3,2024-01-01\n1,3,3,%s\n", bad[k]);
        expect_fail(text, RS_FORMAT_CSV, RS_ERR_FORMAT, "in.txt:3: timestamp");
        snprintf(text, sizeof text, "1 2 3 1\n1 3 3 %s\n", bad[k]);
        expect_fail(text, RS_FORMAT_MOVIELENS, RS_ERR_FORMAT, "in.txt:2: timestamp");
    }
    /* A failed timed load leaves no timestamp column behind. */
    expect_fail("1 2 3 100\n1 3 x 200\n", RS_FORMAT_MOVIELENS, RS_ERR_FORMAT, "in.txt:2: rating");
}
END_TEST

/* ---- split by time ---- */

START_TEST(test_split_by_time)
{
    rs_dataset *ds = new_ds();
    /* user 1: times 5, 1, 3, 3 (two ties); user 2: 10; user 3: 2, 8 */
    int64_t users[7] = {1, 1, 2, 1, 3, 3, 1}, items[7] = {1, 2, 1, 3, 1, 2, 4};
    int64_t times[7] = {5, 1, 10, 3, 2, 8, 3};
    float ratings[7] = {1, 2, 3, 4, 5, 1, 2};
    ck_assert_int_eq(rs_dataset_add_ratings_timed(ds, users, items, ratings, NULL, times, 7), RS_OK);
    rs_dataset *train, *test;
    ck_assert_int_eq(rs_dataset_split_by_time(ds, RS_TIME_SPLIT_CUTOFF, 5, &train, &test), RS_OK);
    ck_assert_uint_eq(rs_dataset_num_ratings(test), 3); /* times 5, 10, 8 */
    ck_assert_uint_eq(rs_dataset_num_ratings(train), 4);
    for (size_t k = 0; k < 3; k++)
        ck_assert(ts(test, k) >= 5);
    for (size_t k = 0; k < 4; k++)
        ck_assert(ts(train, k) < 5);
    ck_assert_uint_eq(rs_dataset_num_users(train), 3); /* id maps are shared */
    rs_dataset_free(train);
    rs_dataset_free(test);
    /* Last 2 of every user with more than 2: user 1 keeps 1 and the earlier
     * tie at 3 (item 3, added first), user 3 has only 2 and keeps both. */
    ck_assert_int_eq(rs_dataset_split_by_time(ds, RS_TIME_SPLIT_LAST_N, 2, &train, &test), RS_OK);
    ck_assert_uint_eq(rs_dataset_num_ratings(test), 2);
    int64_t u, i;
    get(test, 0, &u, &i, NULL);
    ck_assert(u == 1 && i == 1 && ts(test, 0) == 5);
    get(test, 1, &u, &i, NULL);
    ck_assert(u == 1 && i == 4 && ts(test, 1) == 3);
    ck_assert_uint_eq(rs_dataset_num_ratings(train), 5);
    rs_dataset_free(train);
    rs_dataset_free(test);
    ck_assert_int_eq(rs_dataset_split_by_time(ds, RS_TIME_SPLIT_LAST_N, 0, &train, &test), RS_OK);
    ck_assert_uint_eq(rs_dataset_num_ratings(test), 0);
    rs_dataset_free(train);
    rs_dataset_free(test);
    /* Bad arguments and missing timestamps. */
    ck_assert_int_eq(rs_dataset_split_by_time(ds, 3, 0, &train, &test), RS_ERR_INVALID_ARG);
    ck_assert_ptr_null(train);
    ck_assert_int_eq(rs_dataset_split_by_time(ds, RS_TIME_SPLIT_LAST_N, -1, &train, &test),
                     RS_ERR_RANGE);
    ck_assert_int_eq(rs_dataset_split_by_time(ds, RS_TIME_SPLIT_CUTOFF, 0, &train, &train),
                     RS_ERR_INVALID_ARG);
    ck_assert_int_eq(rs_dataset_split_by_time(NULL, RS_TIME_SPLIT_CUTOFF, 0, &train, &test),
                     RS_ERR_INVALID_ARG);
    ck_assert_int_eq(rs_dataset_add_rating(ds, 4, 4, 4, 1), RS_OK);
    ck_assert_int_eq(rs_dataset_split_by_time(ds, RS_TIME_SPLIT_CUTOFF, 0, &train, &test),
                     RS_ERR_STATE);
    ck_assert_ptr_null(test);
    rs_dataset_free(ds);
    ds = new_ds();
    ck_assert_int_eq(rs_dataset_add_rating(ds, 4, 4, 4, 1), RS_OK);
    ck_assert_int_eq(rs_dataset_split_by_time(ds, RS_TIME_SPLIT_CUTOFF, 0, &train, &test),
                     RS_ERR_STATE);
    rs_dataset_free(ds);
}
END_TEST

START_TEST(test_split_by_time_big_user)
{
    /* One user with many ratings in reverse time order (the heap sort path). */
    rs_dataset *ds = new_ds();
    for (int64_t k = 0; k < 500; k++) {
        int64_t u = 1, i = k, t = 1000 - k;
        float r = 3;
        ck_assert_int_eq(rs_dataset_add_ratings_timed(ds, &u, &i, &r, NULL, &t, 1), RS_OK);
    }
    rs_dataset *train, *test;
    ck_assert_int_eq(rs_dataset_split_by_time(ds, RS_TIME_SPLIT_LAST_N, 10, &train, &test), RS_OK);
    ck_assert_uint_eq(rs_dataset_num_ratings(test), 10);
    for (size_t k = 0; k < 10; k++) {
        int64_t i;
        get(test, k, NULL, &i, NULL);
        ck_assert(i < 10); /* the ten latest: items 0..9, times 1000..991 */
    }
    rs_dataset_free(train);
    rs_dataset_free(test);
    rs_dataset_free(ds);
}
END_TEST

/* ---- OOM on the new paths ---- */

START_TEST(test_formats_oom)
{
    const char *text = "user\titem\ttime\n1\t2\t2024-01-01\n3\t4\t2024-01-02\n";
    for (size_t k = 1;; k++) {
        tu_alloc t;
        memset(&t, 0, sizeof t);
        rs_dataset *ds = NULL;
        ck_assert_int_eq(rs_dataset_new(&ds, tu_alloc_fn, &t), RS_OK);
        t.fail_at = t.calls + k;
        rs_status st = load_str(ds, text, RS_FORMAT_TSV);
        ck_assert_msg(st == RS_OK || st == RS_ERR_NOMEM, "fail_at %zu: %d", k, (int)st);
        if (st == RS_ERR_NOMEM) {
            ck_assert_uint_eq(rs_dataset_num_ratings(ds), 0);
            ck_assert_int_eq(rs_dataset_has_timestamps(ds), 0);
        }
        rs_dataset *tr = NULL, *te = NULL;
        t.fail_at = 0;
        if (st == RS_OK) {
            t.fail_at = t.calls + k;
            rs_status s2 = rs_dataset_split_by_time(ds, RS_TIME_SPLIT_LAST_N, 1, &tr, &te);
            ck_assert(s2 == RS_OK || s2 == RS_ERR_NOMEM);
            rs_dataset_free(tr);
            rs_dataset_free(te);
        }
        rs_dataset_free(ds);
        ck_assert_uint_eq(t.live, 0);
        ck_assert_uint_eq(t.bad_osize, 0);
        if (st == RS_OK && k > 40)
            break;
    }
}
END_TEST

static Suite *formats_suite(void)
{
    Suite *s = suite_create("api_formats");
    TCase *tc = tcase_create("formats");
    tcase_add_test(tc, test_header_detected_in_blank_formats);
    tcase_add_test(tc, test_header_declared);
    tcase_add_test(tc, test_header_detected_in_csv_and_tsv);
    tcase_add_test(tc, test_implicit_two_columns);
    tcase_add_test(tc, test_implicit_bad_input);
    tcase_add_test(tc, test_any_single_byte_delimiter);
    tcase_add_test(tc, test_gzip_input);
    tcase_add_test(tc, test_gzip_bad_input);
    tcase_add_test(tc, test_timestamps_kept);
    tcase_add_test(tc, test_timestamps_bad_input);
    tcase_add_test(tc, test_split_by_time);
    tcase_add_test(tc, test_split_by_time_big_user);
    tcase_add_test(tc, test_formats_oom);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(formats_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

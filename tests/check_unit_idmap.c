/* librecsgd. SPDX-License-Identifier: BSD-2-Clause
 * check_unit_idmap.c: white-box tests of the id map, the number parsers and
 * the feature-table rollback the loaders rely on. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/dataset.h"
#include "data/features.h"
#include "data/idmap.h"
#include "data/parse.h"

static rs__allocator libc_alloc(void)
{
    rs__allocator a;
    rs__allocator_init(&a, NULL, NULL);
    return a;
}

START_TEST(test_idmap_insert_find_roundtrip)
{
    rs__allocator a = libc_alloc();
    rs__idmap m;
    rs__idmap_init(&m);
    ck_assert_int_eq(rs__idmap_find(&m, 5), -1);
    for (int64_t k = 0; k < 10000; k++) {
        int32_t idx;
        ck_assert_int_eq(rs__idmap_insert(&m, &a, (k * 2654435761) ^ INT64_MIN, &idx), RS_OK);
        ck_assert_int_eq(idx, (int32_t)k);
    }
    for (int64_t k = 0; k < 10000; k++) {
        int32_t idx = rs__idmap_find(&m, (k * 2654435761) ^ INT64_MIN);
        ck_assert_int_eq(idx, (int32_t)k);
        ck_assert(m.ids[idx] == ((k * 2654435761) ^ INT64_MIN));
    }
    int32_t again;
    ck_assert_int_eq(rs__idmap_insert(&m, &a, INT64_MIN, &again), RS_OK);
    ck_assert_int_eq(again, 0);
    ck_assert_uint_eq(m.count, 10000);
    rs__idmap_free(&m, &a);
}
END_TEST

START_TEST(test_idmap_truncate_and_copy)
{
    rs__allocator a = libc_alloc();
    rs__idmap m, c;
    rs__idmap_init(&m);
    for (int64_t k = 0; k < 100; k++) {
        int32_t idx;
        ck_assert_int_eq(rs__idmap_insert(&m, &a, k * 10, &idx), RS_OK);
    }
    rs__idmap_truncate(&m, 40);
    ck_assert_uint_eq(m.count, 40);
    ck_assert_int_eq(rs__idmap_find(&m, 390), 39);
    ck_assert_int_eq(rs__idmap_find(&m, 400), -1);
    int32_t idx;
    ck_assert_int_eq(rs__idmap_insert(&m, &a, 990, &idx), RS_OK);
    ck_assert_int_eq(idx, 40);
    ck_assert_int_eq(rs__idmap_copy(&c, &m, &a), RS_OK);
    ck_assert_uint_eq(c.count, 41);
    ck_assert_int_eq(rs__idmap_find(&c, 990), 40);
    rs__idmap_free(&m, &a);
    rs__idmap_free(&c, &a);
}
END_TEST

static double num(const char *s, int *ok)
{
    double v = NAN;
    const char *e = rs__parse_num(s, &v);
    *ok = e && *e == '\0';
    return v;
}

START_TEST(test_parse_num_exact)
{
    int ok;
    ck_assert(num("4", &ok) == 4.0 && ok);
    ck_assert(num("3.5", &ok) == 3.5 && ok);
    ck_assert(num("-1.25", &ok) == -1.25 && ok);
    ck_assert(num("1e3", &ok) == 1000.0 && ok);
    ck_assert(num("2.5E-1", &ok) == 0.25 && ok);
    ck_assert(num("+.5", &ok) == 0.5 && ok);
    ck_assert(num("5.", &ok) == 5.0 && ok);
    ck_assert(num("0.1", &ok) == 0.1 && ok);
    ck_assert(num("0.001", &ok) == 0.001 && ok);
    ck_assert(num("123456.789", &ok) == 123456.789 && ok);
    ck_assert(num("-0", &ok) == 0.0 && ok);
    ck_assert(fabs(num("3.14159265358979323846264", &ok) - 3.14159265358979323846) < 1e-15 && ok);
    ck_assert(fabs(num("1e-30", &ok) / 1e-30 - 1) < 1e-14 && ok);
    ck_assert(isinf(num("1e999", &ok)) && ok);
    num("", &ok);
    ck_assert(!ok);
    num(".", &ok);
    ck_assert(!ok);
    num("-", &ok);
    ck_assert(!ok);
    num("nan", &ok);
    ck_assert(!ok);
    num("1e", &ok);
    ck_assert(!ok);
    num("1.2.3", &ok);
    ck_assert(!ok);
}
END_TEST

START_TEST(test_parse_i64_bounds)
{
    int64_t v;
    int ovf;
    const char *s = "9223372036854775807";
    ck_assert(rs__parse_i64(s, &v, &ovf) == s + strlen(s) && !ovf && v == INT64_MAX);
    s = "-9223372036854775808";
    ck_assert(rs__parse_i64(s, &v, &ovf) == s + strlen(s) && !ovf && v == INT64_MIN);
    s = "9223372036854775808";
    ck_assert(rs__parse_i64(s, &v, &ovf) && ovf);
    s = "-9223372036854775809";
    ck_assert(rs__parse_i64(s, &v, &ovf) && ovf);
    s = "18446744073709551616";
    ck_assert(rs__parse_i64(s, &v, &ovf) && ovf);
    s = "000000000000000000000042";
    ck_assert(rs__parse_i64(s, &v, &ovf) && !ovf && v == 42);
    s = "-";
    ck_assert(rs__parse_i64(s, &v, &ovf) == NULL);
    s = "12x";
    ck_assert(rs__parse_i64(s, &v, &ovf) == s + 2 && v == 12);
}
END_TEST

START_TEST(test_features_rollback_restores_sizes)
{
    rs__allocator a = libc_alloc();
    rs__features f;
    rs__features_init(&f);
    int32_t x, y;
    ck_assert_int_eq(rs__features_add_name(&f, &a, "x", &x), RS_OK);
    int32_t col[1] = {x};
    float val[1] = {2.0f};
    ck_assert_int_eq(rs__features_set_row(&f, &a, 1, col, val, 1), RS_OK);
    rs__features_mark mk = rs__features_mark_now(&f);
    ck_assert_int_eq(rs__features_add_name(&f, &a, "y", &y), RS_OK);
    int32_t col2[2] = {x, y};
    ck_assert_int_eq(rs__features_set_row(&f, &a, 5, col2, NULL, 2), RS_OK);
    rs__features_rollback(&f, &a, mk);
    ck_assert_uint_eq(f.n_features, 1);
    ck_assert_int_eq(rs__features_find(&f, "y"), -1);
    ck_assert_int_eq(rs__features_find(&f, "x"), x);
    ck_assert_uint_eq(f.n_rows, 2);
    const int32_t *c;
    const float *v;
    ck_assert_uint_eq(rs__features_row(&f, 1, &c, &v), 1);
    ck_assert(c[0] == x && v[0] == 2.0f);
    ck_assert_uint_eq(rs__features_row(&f, 5, &c, &v), 0);
    /* Re-growing after a rollback must not resurrect stale rows. */
    ck_assert_int_eq(rs__features_set_row(&f, &a, 6, col, val, 1), RS_OK);
    ck_assert_uint_eq(rs__features_row(&f, 5, &c, &v), 0);
    rs__features cp;
    ck_assert_int_eq(rs__features_copy(&cp, &f, &a), RS_OK);
    ck_assert_uint_eq(rs__features_row(&cp, 6, &c, &v), 1);
    ck_assert_uint_eq(cp.nnz, 2);
    rs__features_free(&cp, &a);
    rs__features_free(&f, &a);
}
END_TEST

typedef struct str_reader {
    const char *s;
    size_t len, pos;
} str_reader;

static int32_t read_str(void *ud, void *buf, size_t cap, size_t *len_out)
{
    str_reader *r = ud;
    size_t n = r->len - r->pos < cap ? r->len - r->pos : cap;
    memcpy(buf, r->s + r->pos, n);
    r->pos += n;
    *len_out = n;
    return 0;
}

START_TEST(test_lines_long_line_and_unterminated_tail)
{
    /* A size hint far too small: the buffer must grow for the long line. */
    rs__allocator a = libc_alloc();
    size_t longlen = 5000;
    char *text = malloc(longlen + 16);
    memset(text, 'x', longlen);
    strcpy(text + longlen, "\r\nabc");
    str_reader r = {text, strlen(text), 0};
    rs__lines L;
    rs__errbuf err;
    ck_assert_int_eq(rs__lines_init(&L, &a, read_str, &r, "t", 10), RS_OK);
    size_t len;
    rs_status st;
    char *line = rs__lines_next(&L, &len, &st, &err);
    ck_assert_ptr_nonnull(line);
    ck_assert_uint_eq(len, longlen); /* CR stripped */
    ck_assert_int_eq(line[0], 'x');
    ck_assert_int_eq(rs__lines_last_unterminated(&L), 0);
    line = rs__lines_next(&L, &len, &st, &err);
    ck_assert_ptr_nonnull(line);
    ck_assert_str_eq(line, "abc");
    ck_assert_int_eq(rs__lines_last_unterminated(&L), 1);
    ck_assert_uint_eq(L.line, 2);
    ck_assert_ptr_null(rs__lines_next(&L, &len, &st, &err));
    ck_assert_int_eq(st, RS_OK);
    rs__lines_free(&L);
    free(text);
}
END_TEST

START_TEST(test_idmap_strings)
{
    rs__allocator a = libc_alloc();
    rs__idmap m, c;
    rs__idmap_init(&m);
    rs__idmap_use_strings(&m);
    char id[32];
    for (int k = 0; k < 5000; k++) {
        snprintf(id, sizeof id, "user-%d", k * 7);
        int32_t idx;
        ck_assert_int_eq(rs__idmap_insert_str(&m, &a, id, strlen(id), &idx), RS_OK);
        ck_assert_int_eq(idx, k);
        ck_assert(m.ids[k] == rs__str_key(id, strlen(id)));
    }
    ck_assert_int_eq(rs__idmap_find_str(&m, "user-7", 6), 1);
    ck_assert_int_eq(rs__idmap_find_str(&m, "user-8", 6), -1);
    ck_assert_int_eq(rs__idmap_find_str(&m, "user-7x", 7), -1);
    size_t n;
    const char *s1 = rs__idmap_str(&m, 4999, &n);
    ck_assert_uint_eq(n, strlen("user-34993"));
    ck_assert(memcmp(s1, "user-34993", n) == 0);
    int32_t idx;
    ck_assert_int_eq(rs__idmap_insert(&m, &a, 5, &idx), RS_ERR_STATE); /* no bare keys */
    /* Truncation forgets strings and bytes; a copy is deep. */
    rs__idmap_truncate(&m, 10);
    ck_assert_uint_eq(m.count, 10);
    ck_assert_int_eq(rs__idmap_find_str(&m, "user-70", 7), -1);
    ck_assert_uint_eq(m.nbytes, (size_t)m.off[10]);
    ck_assert_int_eq(rs__idmap_copy(&c, &m, &a), RS_OK);
    ck_assert_int_eq(c.strings, 1);
    ck_assert_int_eq(rs__idmap_find_str(&c, "user-63", 7), 9);
    ck_assert_int_eq(rs__idmap_insert_str(&c, &a, "new", 3, &idx), RS_OK);
    ck_assert_int_eq(idx, 10);
    ck_assert_int_eq(rs__idmap_find_str(&m, "new", 3), -1);
    /* Keys are the same on every host: pinned values (docs/format.md). */
    ck_assert(rs__str_key("", 0) == (int64_t)0xEF46DB3751D8E999ull); /* XXH64("") */
    ck_assert(rs__str_key("alice", 5) == (int64_t)0x73A3EA485F2E6049ull);
    ck_assert(rs__str_key("00000000-4b1d-4c0f-9e3a-000000000000", 36) ==
              (int64_t)0x499EBDE1ABEE8FCFull);
    rs__idmap_free(&c, &a);
    rs__idmap_free(&m, &a);
}
END_TEST

/* Two strings with one 64-bit key cannot be found by search, so the key of
 * an interned string is overwritten to make one. */
START_TEST(test_idmap_string_key_clash)
{
    rs__allocator a = libc_alloc();
    rs__idmap m;
    rs__idmap_init(&m);
    rs__idmap_use_strings(&m);
    int32_t idx;
    ck_assert_int_eq(rs__idmap_insert_str(&m, &a, "a", 1, &idx), RS_OK);
    ck_assert_int_eq(rs__idmap_insert_str(&m, &a, "x", 1, &idx), RS_OK);
    m.ids[0] = rs__str_key("b", 1);
    rs__idmap_truncate(&m, 1); /* rebuilds the table from the keys */
    ck_assert_int_eq(rs__idmap_insert_str(&m, &a, "b", 1, &idx), RS_ERR_FORMAT);
    ck_assert_int_eq(idx, 0);
    ck_assert_uint_eq(m.count, 1);
    ck_assert_int_eq(rs__idmap_find_str(&m, "b", 1), -1);
    rs__idmap_free(&m, &a);
    /* Through the dataset: RS_ERR_RANGE naming both ids, nothing added. */
    rs_dataset *ds;
    ck_assert_int_eq(rs_dataset_new(&ds, NULL, NULL), RS_OK);
    ck_assert_int_eq(rs_dataset_set_int(ds, RS_PARAM_STRING_IDS, 1), RS_OK);
    ck_assert_int_eq(rs_dataset_add_rating_str(ds, "a", "i", 1, 1), RS_OK);
    ck_assert_int_eq(rs_dataset_add_rating_str(ds, "x", "i", 1, 1), RS_OK);
    ds->users.ids[0] = rs__str_key("b", 1);
    rs__idmap_truncate(&ds->users, 1);
    ds->n = 1;
    ck_assert_int_eq(rs_dataset_add_rating_str(ds, "b", "j", 1, 1), RS_ERR_RANGE);
    ck_assert_ptr_nonnull(strstr(rs_dataset_last_error(ds), "user ids 'b' and 'a' have the same"));
    ck_assert_uint_eq(rs_dataset_num_ratings(ds), 1);
    ck_assert_uint_eq(rs_dataset_num_items(ds), 1);
    rs_dataset_free(ds);
}
END_TEST

static Suite *idmap_suite(void)
{
    Suite *s = suite_create("idmap");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_idmap_insert_find_roundtrip);
    tcase_add_test(tc, test_idmap_truncate_and_copy);
    tcase_add_test(tc, test_idmap_strings);
    tcase_add_test(tc, test_idmap_string_key_clash);
    tcase_add_test(tc, test_parse_num_exact);
    tcase_add_test(tc, test_parse_i64_bounds);
    tcase_add_test(tc, test_features_rollback_restores_sizes);
    tcase_add_test(tc, test_lines_long_line_and_unterminated_tail);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(idmap_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

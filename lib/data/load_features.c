/* librecsgd. SPDX-License-Identifier: BSD-2-Clause
 * load_features.c: rs_dataset_load_features / rs_dataset_load_features_file.
 *
 * Formats (one entity per line; blank lines and '#' lines are skipped; CRLF
 * is accepted; a repeated id replaces the earlier row):
 *   RS_FEATURES_SPARSE          `id name:value name:value ...`, blank separated;
 *                               a bare `name` means value 1; the value is the
 *                               text after the last ':'; names are declared on
 *                               first use; a name twice in a line is an error.
 *   RS_FEATURES_MOVIELENS_ITEM  u.item: `id|title|release date|video date|url|`
 *                               then 19 genre flags (0/1). Features: "genre=<g>"
 *                               for the standard MovieLens genres (all 19 are
 *                               declared first, in the u.genre order) and a
 *                               one-hot "decade=1990" from the release year
 *                               (none when the date is empty). The title is
 *                               never decoded (u.item is ISO-8859-1).
 *   RS_FEATURES_MOVIELENS_USER  u.user: `id|age|gender|occupation|zip`. Features:
 *                               "age=<18", "age=18-24", "age=25-34", "age=35-44",
 *                               "age=45-49", "age=50-55", "age=56+"; "gender=M"
 *                               or "gender=F"; "occupation=<name>". zip is ignored.
 * Errors name the input and the 1-based line; a failed load leaves the
 * dataset as it was (replaced rows are restored from an undo log). */
#include <math.h>
#include <stdio.h> /* snprintf only */
#include <string.h>

#include "dataset.h"
#include "parse.h"

static const char *const GENRES[19] = {
    "unknown", "Action", "Adventure", "Animation", "Children's", "Comedy", "Crime",
    "Documentary", "Drama", "Fantasy", "Film-Noir", "Horror", "Musical", "Mystery",
    "Romance", "Sci-Fi", "Thriller", "War", "Western"};

typedef struct undo_entry {
    size_t row, off;
    uint32_t len;
} undo_entry;

typedef struct floader {
    rs_dataset *ds;
    int32_t side;
    rs__features *f;
    rs__idmap *ids;
    rs__lines L;
    size_t rows_at_start;
    undo_entry *undo;
    size_t n_undo, undo_cap;
    int32_t *col;
    float *val;
    size_t n, cap;
    size_t loaded;
} floader;

static rs_status nomem(floader *fl)
{
    return rs__err(&fl->ds->err, RS_ERR_NOMEM, RS__AT "out of memory", fl->L.name, fl->L.line);
}

static rs_status bad(floader *fl, const char *what)
{
    return rs__err(&fl->ds->err, RS_ERR_FORMAT, RS__AT "%s", fl->L.name, fl->L.line, what);
}

static rs_status push_entry(floader *fl, const char *name, float value)
{
    int32_t idx;
    rs_status st = rs__features_add_name(fl->f, &fl->ds->alloc, name, &idx);
    if (st != RS_OK)
        return st == RS_ERR_NOMEM ? nomem(fl) : bad(fl, "too many features");
    if (fl->n == fl->cap) {
        size_t ncap = fl->cap ? fl->cap * 2 : 32;
        int32_t *c = rs__alloc(&fl->ds->alloc, ncap, sizeof *c);
        float *v = c ? rs__alloc(&fl->ds->alloc, ncap, sizeof *v) : NULL;
        if (!v) {
            rs__free(&fl->ds->alloc, c, ncap, sizeof *c);
            return nomem(fl);
        }
        if (fl->n) {
            memcpy(c, fl->col, fl->n * sizeof *c);
            memcpy(v, fl->val, fl->n * sizeof *v);
        }
        rs__free(&fl->ds->alloc, fl->col, fl->cap, sizeof *fl->col);
        rs__free(&fl->ds->alloc, fl->val, fl->cap, sizeof *fl->val);
        fl->col = c;
        fl->val = v;
        fl->cap = ncap;
    }
    fl->col[fl->n] = idx;
    fl->val[fl->n] = value;
    fl->n++;
    return RS_OK;
}

/* The id of a line: an int64, or (string ids) the bytes of its field. */
typedef struct line_id {
    int64_t id;
    const char *s;
    size_t n;
} line_id;

/* Store the collected entries as the row of id, logging what they replace. */
static rs_status commit_row(floader *fl, line_id id)
{
    rs_dataset *ds = fl->ds;
    int dup = rs__features_has_duplicate(fl->col, fl->n, &ds->alloc);
    if (dup < 0)
        return nomem(fl);
    if (dup)
        return bad(fl, "a feature appears twice");
    int32_t row;
    rs_status st = rs__dataset_string_ids(ds)
                       ? rs__dataset_intern_str(ds, fl->side, id.s, id.n, &row)
                       : rs__idmap_insert(fl->ids, &ds->alloc, id.id, &row);
    if (st != RS_OK && ds->err.msg[0]) { /* a key clash: add the place */
        char why[sizeof ds->err.msg];
        memcpy(why, ds->err.msg, sizeof why);
        return rs__err(&ds->err, st, RS__AT "%s", fl->L.name, fl->L.line, why);
    }
    if (st != RS_OK)
        return st == RS_ERR_NOMEM ? nomem(fl) : bad(fl, "too many ids");
    if ((size_t)row < fl->rows_at_start) {
        if (fl->n_undo == fl->undo_cap) {
            size_t ncap = fl->undo_cap ? fl->undo_cap * 2 : 64;
            undo_entry *u = rs__realloc(&ds->alloc, fl->undo, fl->undo_cap, ncap, sizeof *u);
            if (!u)
                return nomem(fl);
            fl->undo = u;
            fl->undo_cap = ncap;
        }
        undo_entry e = {(size_t)row, fl->f->row_off[row], fl->f->row_len[row]};
        fl->undo[fl->n_undo++] = e;
    }
    st = rs__features_set_row(fl->f, &ds->alloc, (size_t)row, fl->col, fl->val, fl->n);
    if (st != RS_OK) {
        if ((size_t)row < fl->rows_at_start)
            fl->n_undo--; /* the row was not touched */
        return st == RS_ERR_NOMEM ? nomem(fl) : bad(fl, "row too long");
    }
    fl->loaded++;
    return RS_OK;
}

static rs_status parse_id(floader *fl, const char *s, size_t n, line_id *lid)
{
    lid->s = s;
    lid->n = n;
    lid->id = 0;
    if (rs__dataset_string_ids(fl->ds)) {
        if (n == 0 || n > RS__STR_ID_MAX || memchr(s, '\0', n))
            return rs__err(&fl->ds->err, RS_ERR_FORMAT,
                           RS__AT "id '%.*s' is not 1 to %zu bytes without NUL", fl->L.name,
                           fl->L.line, (int)(n > 40 ? 40 : n), s, RS__STR_ID_MAX);
        return RS_OK;
    }
    int64_t *id = &lid->id;
    int ovf = 0;
    const char *e = n ? rs__parse_i64(s, id, &ovf) : NULL;
    if (!e || e != s + n)
        return rs__err(&fl->ds->err, RS_ERR_FORMAT, RS__AT "id '%.*s' is not an integer",
                       fl->L.name, fl->L.line, (int)(n > 40 ? 40 : n), s);
    if (ovf)
        return rs__err(&fl->ds->err, RS_ERR_FORMAT, RS__AT "id '%.*s' does not fit in int64",
                       fl->L.name, fl->L.line, (int)(n > 40 ? 40 : n), s);
    return RS_OK;
}

/* ---- sparse ---- */

static rs_status line_sparse(floader *fl, char *line, size_t len)
{
    char *p = line, *end = line + len;
    while (p < end && rs__is_blank(*p))
        p++;
    char *tok = p;
    while (p < end && !rs__is_blank(*p))
        p++;
    line_id id;
    rs_status st = parse_id(fl, tok, (size_t)(p - tok), &id);
    if (st != RS_OK)
        return st;
    for (;;) {
        while (p < end && rs__is_blank(*p))
            p++;
        if (p >= end)
            break;
        tok = p;
        while (p < end && !rs__is_blank(*p))
            p++;
        *p++ = '\0'; /* the line is ours; its last byte is already NUL */
        char *colon = strrchr(tok, ':');
        float value = 1.0f;
        if (colon) {
            double v;
            const char *e = rs__parse_num(colon + 1, &v);
            if (!e || *e != '\0')
                return rs__err(&fl->ds->err, RS_ERR_FORMAT,
                               RS__AT "value of '%.60s' is not a number", fl->L.name,
                               fl->L.line, tok);
            value = (float)v;
            if (!isfinite(v) || !isfinite(value))
                return rs__err(&fl->ds->err, RS_ERR_FORMAT, RS__AT "value of '%.60s' is not finite",
                               fl->L.name, fl->L.line, tok);
            *colon = '\0';
        }
        if (tok[0] == '\0')
            return bad(fl, "empty feature name");
        st = push_entry(fl, tok, value);
        if (st != RS_OK)
            return st;
    }
    return commit_row(fl, id);
}

/* ---- MovieLens ---- */

/* Split on '|' into at most cap fields; returns the field count. */
static int split_bar(char *line, size_t len, char **fs, size_t *fn, int cap)
{
    int count = 0;
    char *p = line, *end = line + len;
    for (;;) {
        char *s = p;
        while (p < end && *p != '|')
            p++;
        if (count < cap) {
            fs[count] = s;
            fn[count] = (size_t)(p - s);
        }
        count++;
        if (p >= end)
            return count;
        p++;
    }
}

static rs_status field_count_error(floader *fl, int found, int want)
{
    if (found < want && rs__lines_last_unterminated(&fl->L))
        return rs__err(&fl->ds->err, RS_ERR_FORMAT,
                       RS__AT "truncated last line (no final newline): expected %d fields, found %d",
                       fl->L.name, fl->L.line, want, found);
    return rs__err(&fl->ds->err, RS_ERR_FORMAT, RS__AT "expected %d '|'-separated fields, found %d",
                   fl->L.name, fl->L.line, want, found);
}

static rs_status line_ml_item(floader *fl, char *line, size_t len)
{
    char *fs[24];
    size_t fn[24];
    int count = split_bar(line, len, fs, fn, 24);
    if (count != 24)
        return field_count_error(fl, count, 24);
    line_id id;
    rs_status st = parse_id(fl, fs[0], fn[0], &id);
    if (st != RS_OK)
        return st;
    char name[64];
    for (int g = 0; g < 19; g++) {
        const char *s = fs[5 + g];
        if (fn[5 + g] != 1 || (s[0] != '0' && s[0] != '1'))
            return rs__err(&fl->ds->err, RS_ERR_FORMAT, RS__AT "genre flag %d is not 0 or 1",
                           fl->L.name, fl->L.line, g + 1);
        if (s[0] == '1') {
            snprintf(name, sizeof name, "genre=%s", GENRES[g]);
            if ((st = push_entry(fl, name, 1.0f)) != RS_OK)
                return st;
        }
    }
    /* Release date "01-Jan-1995": the year is the last four characters. */
    const char *d = fs[2];
    size_t dn = fn[2];
    if (dn > 0) {
        if (dn < 4 || !rs__is_digit(d[dn - 4]) || !rs__is_digit(d[dn - 3]) ||
            !rs__is_digit(d[dn - 2]) || !rs__is_digit(d[dn - 1]) ||
            (dn > 4 && rs__is_digit(d[dn - 5])))
            return rs__err(&fl->ds->err, RS_ERR_FORMAT,
                           RS__AT "release date '%.*s' does not end in a 4-digit year",
                           fl->L.name, fl->L.line, (int)(dn > 40 ? 40 : dn), d);
        int year = (d[dn - 4] - '0') * 1000 + (d[dn - 3] - '0') * 100 + (d[dn - 2] - '0') * 10 +
                   (d[dn - 1] - '0');
        snprintf(name, sizeof name, "decade=%d", year / 10 * 10);
        if ((st = push_entry(fl, name, 1.0f)) != RS_OK)
            return st;
    }
    return commit_row(fl, id);
}

static const char *age_bucket(int64_t age)
{
    if (age < 18)
        return "age=<18";
    if (age <= 24)
        return "age=18-24";
    if (age <= 34)
        return "age=25-34";
    if (age <= 44)
        return "age=35-44";
    if (age <= 49)
        return "age=45-49";
    if (age <= 55)
        return "age=50-55";
    return "age=56+";
}

static rs_status line_ml_user(floader *fl, char *line, size_t len)
{
    char *fs[5];
    size_t fn[5];
    int count = split_bar(line, len, fs, fn, 5);
    if (count != 5)
        return field_count_error(fl, count, 5);
    line_id id;
    int64_t age;
    rs_status st = parse_id(fl, fs[0], fn[0], &id);
    if (st != RS_OK)
        return st;
    int ovf = 0;
    const char *e = fn[1] ? rs__parse_i64(fs[1], &age, &ovf) : NULL;
    if (!e || e != fs[1] + fn[1] || ovf || age < 0 || age > 200)
        return rs__err(&fl->ds->err, RS_ERR_FORMAT, RS__AT "age '%.*s' is not an integer in [0, 200]",
                       fl->L.name, fl->L.line, (int)(fn[1] > 40 ? 40 : fn[1]), fs[1]);
    if (fn[2] != 1 || (fs[2][0] != 'M' && fs[2][0] != 'F'))
        return rs__err(&fl->ds->err, RS_ERR_FORMAT, RS__AT "gender '%.*s' is not M or F",
                       fl->L.name, fl->L.line, (int)(fn[2] > 40 ? 40 : fn[2]), fs[2]);
    if (fn[3] == 0 || fn[3] > 200)
        return bad(fl, "occupation must be 1 to 200 bytes long");
    char name[224];
    if ((st = push_entry(fl, age_bucket(age), 1.0f)) != RS_OK)
        return st;
    snprintf(name, sizeof name, "gender=%c", fs[2][0]);
    if ((st = push_entry(fl, name, 1.0f)) != RS_OK)
        return st;
    snprintf(name, sizeof name, "occupation=%.*s", (int)fn[3], fs[3]);
    if ((st = push_entry(fl, name, 1.0f)) != RS_OK)
        return st;
    return commit_row(fl, id);
}

/* ---- driver ---- */

static int skippable(const char *s, size_t n)
{
    size_t k = 0;
    while (k < n && rs__is_blank(s[k]))
        k++;
    return k == n || s[k] == '#';
}

static rs_status load_lines(floader *fl, int32_t format)
{
    rs_dataset *ds = fl->ds;
    if (format == RS_FEATURES_MOVIELENS_ITEM) {
        /* Declared up front so genre indices do not depend on the file. */
        char name[64];
        for (int g = 0; g < 19; g++) {
            snprintf(name, sizeof name, "genre=%s", GENRES[g]);
            if (rs__features_add_name(fl->f, &ds->alloc, name, NULL) != RS_OK)
                return rs__err(&ds->err, RS_ERR_NOMEM, "%s: out of memory", fl->L.name);
        }
    }
    for (;;) {
        size_t len;
        rs_status st;
        char *line = rs__lines_next(&fl->L, &len, &st, &ds->err);
        if (!line)
            return st;
        if (skippable(line, len))
            continue;
        fl->n = 0;
        if (format == RS_FEATURES_SPARSE)
            st = line_sparse(fl, line, len);
        else if (format == RS_FEATURES_MOVIELENS_ITEM)
            st = line_ml_item(fl, line, len);
        else
            st = line_ml_user(fl, line, len);
        if (st != RS_OK)
            return st;
    }
}

static rs_status load_features_any(rs_dataset *ds, int32_t side, rs_reader_fn reader, void *ud,
                                   int32_t format, const char *name, size_t size_hint)
{
    floader fl;
    memset(&fl, 0, sizeof fl);
    fl.ds = ds;
    fl.side = side;
    fl.f = rs__dataset_features(ds, side);
    fl.ids = rs__dataset_idmap(ds, side);
    fl.rows_at_start = fl.f->n_rows;
    rs__dataset_mark mark = rs__dataset_mark_now(ds);
    rs_status st = rs__lines_init(&fl.L, &ds->alloc, reader, ud, name, size_hint);
    if (st != RS_OK)
        return rs__err(&ds->err, st, "%s: out of memory", name ? name : "<input>");
    st = load_lines(&fl, format);
    if (st == RS_OK && fl.loaded == 0)
        st = rs__err(&ds->err, RS_ERR_EMPTY, "%s: %s", fl.L.name,
                     fl.L.consumed + fl.L.len == 0 ? "empty input" : "no feature rows");
    if (st != RS_OK) {
        /* Newest first, so a row replaced twice ends at its original slice. */
        for (size_t k = fl.n_undo; k-- > 0;) {
            fl.f->row_off[fl.undo[k].row] = fl.undo[k].off;
            fl.f->row_len[fl.undo[k].row] = fl.undo[k].len;
        }
        rs__dataset_rollback(ds, mark);
    }
    rs__lines_free(&fl.L);
    rs__free(&ds->alloc, fl.undo, fl.undo_cap, sizeof *fl.undo);
    rs__free(&ds->alloc, fl.col, fl.cap, sizeof *fl.col);
    rs__free(&ds->alloc, fl.val, fl.cap, sizeof *fl.val);
    if (st == RS_OK)
        rs__features_compact(fl.f, &ds->alloc);
    return st;
}

static rs_status check_args(rs_dataset *ds, int32_t side, int32_t format)
{
    if (side != RS_SIDE_USER && side != RS_SIDE_ITEM)
        return rs__err(&ds->err, RS_ERR_INVALID_ARG, "side must be RS_SIDE_USER or RS_SIDE_ITEM");
    if (format != RS_FEATURES_SPARSE && format != RS_FEATURES_MOVIELENS_ITEM &&
        format != RS_FEATURES_MOVIELENS_USER)
        return rs__err(&ds->err, RS_ERR_INVALID_ARG, "unknown feature format %d", (int)format);
    return RS_OK;
}

rs_status rs_dataset_load_features(rs_dataset *ds, int32_t side, rs_reader_fn reader, void *ud,
                                   int32_t format, const char *name)
{
    if (!ds)
        return RS_ERR_INVALID_ARG;
    rs__err_clear(&ds->err);
    rs_status st = check_args(ds, side, format);
    if (st != RS_OK)
        return st;
    if (!reader)
        return rs__err(&ds->err, RS_ERR_INVALID_ARG, "reader must not be NULL");
    return load_features_any(ds, side, reader, ud, format, name, 0);
}

rs_status rs_dataset_load_features_file(rs_dataset *ds, int32_t side, const char *path,
                                        int32_t format)
{
    if (!ds)
        return RS_ERR_INVALID_ARG;
    rs__err_clear(&ds->err);
    rs_status st = check_args(ds, side, format);
    if (st != RS_OK)
        return st;
    if (!path)
        return rs__err(&ds->err, RS_ERR_INVALID_ARG, "path must not be NULL");
#if RS_ENABLE_STDIO
    rs__file f;
    st = rs__file_open(&f, path, &ds->err);
    if (st != RS_OK)
        return st;
    st = load_features_any(ds, side, rs__file_read, &f, format, path, f.size);
    return rs__file_close(&f, path, st, &ds->err);
#else
    return rs__err(&ds->err, RS_ERR_NOT_BUILT, "file access is not built in (--disable-stdio)");
#endif
}

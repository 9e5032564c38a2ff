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
 *                               (none when the date is empty). Options (dataset
 *                               parameters): RS_PARAM_MOVIELENS_TITLE_WORDS = m
 *                               adds "title=<word>" (value 1) for every word
 *                               found in at least m titles - words are runs of
 *                               ASCII letters and digits, lower-cased; the
 *                               trailing "(year)" and other bytes (u.item is
 *                               ISO-8859-1) separate words; RS_PARAM_MOVIELENS_YEAR
 *                               adds "year" = (year - mean) / sd over the file's
 *                               dated titles. Both need the whole file, so the
 *                               rows are kept and stored at the end.
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
    /* MovieLens item options: rows held back until the file is read */
    int32_t title_min_df, with_year;
    struct pending *pend;
    size_t n_pend, pend_cap;
    int32_t *pcol;      /* the held rows' genre/decade entries (all of value 1) */
    size_t n_pe, pe_cap;
    char *words;        /* the held rows' title words, each NUL-terminated */
    size_t n_words_bytes, words_cap;
} floader;

/* A u.item row held back: its entries and words, and its release year. */
typedef struct pending {
    int64_t id;
    size_t s_off, s_n;  /* string ids: the id's bytes, into words (s_n 0: an int64 id) */
    size_t e_off, n_e;  /* into pcol */
    size_t w_off, n_w;  /* into words (n_w words, one after the other) */
    int32_t year;       /* -1: no date */
} pending;

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

/* ---- MovieLens item options: title words and the release year ---- */

/* Grow *p (elements of size sz, capacity *cap) to hold need elements. */
static int grow(const rs__allocator *a, void **p, size_t *cap, size_t need, size_t sz)
{
    if (need <= *cap)
        return 0;
    size_t ncap = *cap ? *cap : 64;
    while (ncap < need)
        ncap *= 2;
    void *q = rs__realloc(a, *p, *cap, ncap, sz);
    if (!q)
        return -1;
    *p = q;
    *cap = ncap;
    return 0;
}

static int is_word_byte(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || rs__is_digit(c);
}

/* Keep the row's entries, title words and year for the end of the file. */
static rs_status hold_row(floader *fl, line_id id, const char *title, size_t tn, int32_t year)
{
    const rs__allocator *a = &fl->ds->alloc;
    if (grow(a, (void **)&fl->pend, &fl->pend_cap, fl->n_pend + 1, sizeof *fl->pend) ||
        grow(a, (void **)&fl->pcol, &fl->pe_cap, fl->n_pe + fl->n, sizeof *fl->pcol))
        return nomem(fl);
    pending *p = &fl->pend[fl->n_pend];
    p->id = id.id;
    p->s_off = fl->n_words_bytes;
    p->s_n = id.s && rs__dataset_string_ids(fl->ds) ? id.n : 0;
    /* A string id lives in the line, which the next line overwrites: its
     * bytes are kept with the title words (offsets: the buffer may move). */
    if (p->s_n) {
        if (grow(a, (void **)&fl->words, &fl->words_cap, fl->n_words_bytes + p->s_n, 1))
            return nomem(fl);
        memcpy(fl->words + fl->n_words_bytes, id.s, p->s_n);
        fl->n_words_bytes += p->s_n;
    }
    p->e_off = fl->n_pe;
    p->n_e = fl->n;
    p->w_off = fl->n_words_bytes;
    p->n_w = 0;
    p->year = year;
    memcpy(fl->pcol + fl->n_pe, fl->col, fl->n * sizeof *fl->col);
    /* The trailing "(1995)" is the year, not a word of the title. */
    size_t end = tn;
    if (end >= 6 && title[end - 1] == ')' && title[end - 6] == '(')
        end -= 6;
    for (size_t k = 0; k < end;) {
        while (k < end && !is_word_byte(title[k]))
            k++;
        size_t s0 = k;
        while (k < end && is_word_byte(title[k]))
            k++;
        if (k == s0 || k - s0 > 40)
            continue;
        if (grow(a, (void **)&fl->words, &fl->words_cap, fl->n_words_bytes + (k - s0) + 1, 1))
            return nomem(fl);
        for (size_t c = s0; c < k; c++) {
            char ch = title[c];
            fl->words[fl->n_words_bytes++] = (char)(ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch);
        }
        fl->words[fl->n_words_bytes++] = '\0';
        p->n_w++;
    }
    fl->n_pe += fl->n;
    fl->n_pend++;
    return RS_OK;
}

/* Open-addressing counts of the distinct words of each title. */
typedef struct word_count {
    size_t off;      /* into fl->words; (size_t)-1 = empty slot */
    size_t titles;   /* titles containing the word */
    size_t last;     /* last row that counted it (dedups a word within a title) */
} word_count;

static uint64_t word_hash(const char *w)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (; *w; w++)
        h = (h ^ (unsigned char)*w) * 1099511628211ull;
    return h;
}

static word_count *word_slot(word_count *t, size_t mask, const char *words, const char *w)
{
    for (size_t k = (size_t)word_hash(w) & mask;; k = (k + 1) & mask)
        if (t[k].off == (size_t)-1 || strcmp(words + t[k].off, w) == 0)
            return &t[k];
}

/* Store every held row with its title words (those in at least
 * title_min_df titles) and standardised year. */
static rs_status commit_held(floader *fl)
{
    const rs__allocator *a = &fl->ds->alloc;
    size_t n_words = 0;
    for (size_t r = 0; r < fl->n_pend; r++)
        n_words += fl->pend[r].n_w;
    size_t slots = 64;
    while (slots < 2 * n_words + 2)
        slots *= 2;
    word_count *t = n_words ? rs__alloc(a, slots, sizeof *t) : NULL;
    if (n_words && !t)
        return nomem(fl);
    for (size_t k = 0; t && k < slots; k++)
        t[k].off = (size_t)-1;
    double ysum = 0, ysq = 0, ny = 0;
    for (size_t r = 0; r < fl->n_pend; r++) {
        const pending *p = &fl->pend[r];
        const char *w = fl->words + p->w_off;
        for (size_t k = 0; k < p->n_w; k++, w += strlen(w) + 1) {
            word_count *c = word_slot(t, slots - 1, fl->words, w);
            if (c->off == (size_t)-1)
                *c = (word_count){(size_t)(w - fl->words), 0, (size_t)-1};
            if (c->last != r)
                c->titles++, c->last = r;
        }
        if (p->year >= 0)
            ysum += p->year, ysq += (double)p->year * p->year, ny++;
    }
    double ymean = ny > 0 ? ysum / ny : 0.0;
    double ysd = ny > 1 ? sqrt(fmax(ysq / ny - ymean * ymean, 0.0)) : 0.0;
    rs_status st = RS_OK;
    char name[64];
    for (size_t r = 0; r < fl->n_pend && st == RS_OK; r++) {
        const pending *p = &fl->pend[r];
        fl->n = 0;
        for (size_t e = 0; e < p->n_e && st == RS_OK; e++) {
            /* the held genre/decade entry (value 1), by its declared name */
            st = push_entry(fl, fl->f->names[fl->pcol[p->e_off + e]], 1.0f);
        }
        const char *w = fl->words + p->w_off;
        for (size_t k = 0; k < p->n_w && st == RS_OK && fl->title_min_df > 0;
             k++, w += strlen(w) + 1) {
            word_count *c = word_slot(t, slots - 1, fl->words, w);
            if (c->titles < (size_t)fl->title_min_df || c->last == (size_t)-2 - r)
                continue;
            c->last = (size_t)-2 - r; /* once per title */
            snprintf(name, sizeof name, "title=%s", w);
            st = push_entry(fl, name, 1.0f);
        }
        if (st == RS_OK && fl->with_year && p->year >= 0 && ysd > 0)
            st = push_entry(fl, "year", (float)(((double)p->year - ymean) / ysd));
        if (st == RS_OK) {
            line_id id = {p->id, p->s_n ? fl->words + p->s_off : NULL, p->s_n};
            st = commit_row(fl, id);
        }
    }
    rs__free(a, t, n_words ? slots : 0, sizeof *t);
    return st;
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
    int32_t year = -1;
    const char *d = fs[2];
    size_t dn = fn[2];
    if (dn > 0) {
        if (dn < 4 || !rs__is_digit(d[dn - 4]) || !rs__is_digit(d[dn - 3]) ||
            !rs__is_digit(d[dn - 2]) || !rs__is_digit(d[dn - 1]) ||
            (dn > 4 && rs__is_digit(d[dn - 5])))
            return rs__err(&fl->ds->err, RS_ERR_FORMAT,
                           RS__AT "release date '%.*s' does not end in a 4-digit year",
                           fl->L.name, fl->L.line, (int)(dn > 40 ? 40 : dn), d);
        year = (d[dn - 4] - '0') * 1000 + (d[dn - 3] - '0') * 100 + (d[dn - 2] - '0') * 10 +
               (d[dn - 1] - '0');
        snprintf(name, sizeof name, "decade=%d", (int)(year / 10 * 10)); /* int32_t is long on newlib */
        if ((st = push_entry(fl, name, 1.0f)) != RS_OK)
            return st;
    }
    if (fl->title_min_df > 0 || fl->with_year)
        return hold_row(fl, id, fs[1], fn[1], year);
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
    if (format == RS_FEATURES_MOVIELENS_ITEM) {
        fl->title_min_df = ds->ml_title_words;
        fl->with_year = ds->ml_year;
    }
    for (;;) {
        size_t len;
        rs_status st;
        char *line = rs__lines_next(&fl->L, &len, &st, &ds->err);
        if (!line)
            return st == RS_OK && fl->n_pend > 0 ? commit_held(fl) : st;
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
    rs__free(&ds->alloc, fl.pend, fl.pend_cap, sizeof *fl.pend);
    rs__free(&ds->alloc, fl.pcol, fl.pe_cap, sizeof *fl.pcol);
    rs__free(&ds->alloc, fl.words, fl.words_cap, 1);
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

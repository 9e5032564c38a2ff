/* librecsgd. SPDX-License-Identifier: BSD-2-Clause
 * load_ratings.c: rs_dataset_load / rs_dataset_load_file.
 *
 * Formats:
 *   RS_FORMAT_MOVIELENS  `user item rating [timestamp]`, blank (space/tab)
 *                        separated, 3 or 4 columns; the timestamp must be a
 *                        number and is ignored.
 *   RS_FORMAT_LIBMF      `user item rating`, blank separated, exactly 3 columns.
 *   RS_FORMAT_CSV        a header line naming the columns, then one rating per
 *                        line separated by RS_PARAM_CSV_DELIMITER. The user,
 *                        item and rating columns are RS_PARAM_CSV_*_COL when
 *                        set (>= 0), otherwise found by header name, ignoring
 *                        case: userId/user/user_id, movieId/itemId/item/
 *                        item_id/movie_id, rating/score. Other columns are
 *                        ignored; fields may be "quoted"; every line must have
 *                        as many fields as the header.
 * In every format: ids are int64 integers; ratings are decimal numbers
 * (3, 3.5, -1.25, 1e3) that must be finite and inside [RS_PARAM_RATING_MIN,
 * RS_PARAM_RATING_MAX]; lines may end in CRLF; blank lines and lines whose
 * first non-blank character is '#' are skipped (also before a CSV header); a
 * last line without a final newline is accepted when it is complete; a UTF-8
 * byte order mark at the very start is ignored.
 *
 * Errors name the input (the `name` argument or the path) and the 1-based
 * line: `ratings.dat:17: expected 3 or 4 columns, found 2`. Every failure
 * rolls the dataset back to its state before the call.
 *
 * Speed: input is read in RS__BLOCK_SIZE blocks; the blank-separated formats
 * are parsed in one pass over each block with inline number parsers, and the
 * id maps are skipped when an id repeats the previous line's (files are
 * usually grouped by user). Rating arrays are sized from the file size (or
 * grown by half) and trimmed at the end, so they never hold more than a few
 * percent of slack. */
#include <math.h>
#include <string.h>

#include "dataset.h"
#include "parse.h"

/* Small non-negative ids (the common case) are cached in a flat array
 * indexed by the id itself, which beats hashing by a wide margin. The array
 * only grows while it stays within 8 slots per distinct id (32 bytes, freed
 * after the load) and below 2^26 slots, so sparse or huge ids simply take
 * the hash map path. */
typedef struct direct_ids {
    int32_t *slot; /* id -> dense index + 1, 0 = not cached */
    size_t n;
} direct_ids;

typedef struct loader {
    rs_dataset *ds;
    rs__lines L;
    size_t size_hint; /* total input bytes when known, else 0 */
    size_t n0;        /* ds->n at the start */
    int have_u;
    int64_t last_uid;
    int32_t last_u;
    direct_ids du, di;
} loader;

/* ---- capacity ---- */

static size_t count_newlines(const char *p, size_t n)
{
    size_t c = 0;
    const char *e = p + n;
    while (p < e) {
        const char *q = memchr(p, '\n', (size_t)(e - p));
        if (!q)
            break;
        c++;
        p = q + 1;
    }
    return c;
}

/* Size the arrays once from the first block: with the input size known, the
 * line density of the first block predicts the total. */
static rs_status presize(loader *ld)
{
    rs__lines *L = &ld->L;
    size_t lines = count_newlines(L->buf + L->pos, L->end - L->pos);
    size_t extra;
    if (L->eof)
        extra = lines + 1;
    else if (ld->size_hint > L->end && L->end > 0)
        extra = (size_t)((double)ld->size_hint / (double)L->end * (double)lines * 1.02) + 64;
    else
        extra = lines + 64;
    return rs__dataset_reserve_exact(ld->ds, extra);
}

static rs_status grow(loader *ld)
{
    rs_dataset *ds = ld->ds;
    size_t loaded = ds->n - ld->n0;
    size_t bytes = ld->L.consumed + ld->L.pos;
    size_t extra = ds->cap / 2 + 64;
    if (ld->size_hint > bytes && loaded > 0 && bytes > 0) {
        double per_line = (double)bytes / (double)loaded;
        size_t rest = (size_t)((double)(ld->size_hint - bytes) / per_line * 1.02) + 1024;
        if (rest < extra)
            extra = rest;
    }
    return rs__dataset_reserve_exact(ds, extra);
}

/* ---- ids ---- */

static rs_status id_error(loader *ld, rs_status st)
{
    if (st == RS_ERR_RANGE)
        return rs__err(&ld->ds->err, RS_ERR_RANGE, RS__AT "too many distinct ids", ld->L.name,
                       ld->L.line);
    return rs__err(&ld->ds->err, st, RS__AT "out of memory", ld->L.name, ld->L.line);
}

static void direct_free(loader *ld, direct_ids *d)
{
    rs__free(&ld->ds->alloc, d->slot, d->n, sizeof *d->slot);
    d->slot = NULL;
    d->n = 0;
}

/* Cache id -> index when the id is small enough (best effort: a failed
 * growth only means the hash map keeps answering for this id). */
static void direct_put(loader *ld, direct_ids *d, const rs__idmap *m, int64_t id, int32_t index)
{
    if (id < 0)
        return;
    if ((uint64_t)id >= d->n) {
        size_t want = d->n ? d->n : 1024;
        while (want <= (uint64_t)id && want < ((size_t)1 << 26))
            want *= 2;
        if (want <= (uint64_t)id || (want > 65536 && want / 8 > m->count))
            return;
        int32_t *ns = rs__realloc(&ld->ds->alloc, d->slot, d->n, want, sizeof *ns);
        if (!ns)
            return;
        memset(ns + d->n, 0, (want - d->n) * sizeof *ns);
        d->slot = ns;
        d->n = want;
    }
    d->slot[id] = index + 1;
}

static inline rs_status lookup(loader *ld, direct_ids *d, rs__idmap *m, int64_t id,
                               int32_t *index)
{
    if ((uint64_t)id < d->n && d->slot[id] != 0) {
        *index = d->slot[id] - 1;
        return RS_OK;
    }
    rs_status st = rs__idmap_insert(m, &ld->ds->alloc, id, index);
    if (RS_UNLIKELY(st != RS_OK))
        return id_error(ld, st);
    direct_put(ld, d, m, id, *index);
    return RS_OK;
}

static inline rs_status add_one(loader *ld, int64_t uid, int64_t iid, float r)
{
    rs_dataset *ds = ld->ds;
    rs_status st;
    if (!ld->have_u || uid != ld->last_uid) {
        st = lookup(ld, &ld->du, &ds->users, uid, &ld->last_u);
        if (RS_UNLIKELY(st != RS_OK))
            return st;
        ld->last_uid = uid;
        ld->have_u = 1;
    }
    int32_t item;
    st = lookup(ld, &ld->di, &ds->items, iid, &item);
    if (RS_UNLIKELY(st != RS_OK))
        return st;
    if (RS_UNLIKELY(ds->n == ds->cap)) {
        st = grow(ld);
        if (st != RS_OK)
            return id_error(ld, st);
    }
    rs__dataset_push(ds, ld->last_u, item, r, 1.0f);
    return RS_OK;
}

/* ---- field checks shared by the diagnosis paths ---- */

typedef struct field {
    const char *s;
    size_t n;
} field;

static int prefix_ci(const char *s, size_t n, const char *word)
{
    size_t k = 0;
    for (; word[k]; k++)
        if (k >= n || ((s[k] >= 'A' && s[k] <= 'Z') ? s[k] + 32 : s[k]) != word[k])
            return 0;
    return 1;
}

/* Check an id field; RS_OK or a formatted RS_ERR_FORMAT. */
static rs_status check_id(loader *ld, field f, const char *what, int64_t *out)
{
    int ovf = 0;
    const char *e = f.n ? rs__parse_i64(f.s, out, &ovf) : NULL;
    if (!e || e != f.s + f.n)
        return rs__err(&ld->ds->err, RS_ERR_FORMAT, RS__AT "%s '%.*s' is not an integer",
                       ld->L.name, ld->L.line, what, (int)(f.n > 40 ? 40 : f.n), f.s);
    if (ovf)
        return rs__err(&ld->ds->err, RS_ERR_FORMAT, RS__AT "%s '%.*s' does not fit in int64",
                       ld->L.name, ld->L.line, what, (int)(f.n > 40 ? 40 : f.n), f.s);
    return RS_OK;
}

static rs_status check_rating(loader *ld, field f, float *out)
{
    rs_dataset *ds = ld->ds;
    double v;
    const char *s = f.s;
    size_t n = f.n;
    int shown = (int)(n > 40 ? 40 : n);
    const char *e = n ? rs__parse_num(s, &v) : NULL;
    if (!e || e != s + n) {
        size_t k = (n && (s[0] == '-' || s[0] == '+')) ? 1 : 0;
        if (prefix_ci(s + k, n - k, "nan") || prefix_ci(s + k, n - k, "inf"))
            return rs__err(&ds->err, RS_ERR_FORMAT, RS__AT "rating '%.*s' is not finite",
                           ld->L.name, ld->L.line, shown, s);
        return rs__err(&ds->err, RS_ERR_FORMAT, RS__AT "rating '%.*s' is not a number",
                       ld->L.name, ld->L.line, shown, s);
    }
    float r = (float)v;
    if (!isfinite(v) || !isfinite(r))
        return rs__err(&ds->err, RS_ERR_FORMAT, RS__AT "rating '%.*s' is not finite as a float",
                       ld->L.name, ld->L.line, shown, s);
    if (!rs__rating_ok(ds, r)) {
        char why[200];
        rs__rating_why(ds, v, why, sizeof why);
        return rs__err(&ds->err, RS_ERR_FORMAT, RS__AT "%s", ld->L.name, ld->L.line, why);
    }
    *out = r;
    return RS_OK;
}

/* ---- blank-separated formats (MovieLens, LIBMF) ---- */

/* The slow twin of the fast loop: explain why line `ls` (ending at the
 * '\n' nl) was rejected. Always returns an error. */
static rs_status diagnose_blank(loader *ld, const char *ls, const char *nl, int min_cols,
                                int max_cols)
{
    const char *le = nl;
    if (le > ls && le[-1] == '\r')
        le--;
    field f[5];
    int count = 0;
    for (const char *p = ls; p < le;) {
        while (p < le && rs__is_blank(*p))
            p++;
        if (p >= le)
            break;
        const char *s = p;
        while (p < le && !rs__is_blank(*p))
            p++;
        if (count < 5)
            f[count].s = s, f[count].n = (size_t)(p - s);
        count++;
    }
    const char *cols = min_cols == max_cols ? "3" : "3 or 4";
    if (count < min_cols && rs__lines_is_unterminated(&ld->L, nl))
        return rs__err(&ld->ds->err, RS_ERR_FORMAT,
                       RS__AT "truncated last line (no final newline): expected %s columns, found %d",
                       ld->L.name, ld->L.line, cols, count);
    if (count < min_cols || count > max_cols)
        return rs__err(&ld->ds->err, RS_ERR_FORMAT, RS__AT "expected %s columns, found %d",
                       ld->L.name, ld->L.line, cols, count);
    int64_t id;
    float r;
    rs_status st = check_id(ld, f[0], "user id", &id);
    if (st == RS_OK)
        st = check_id(ld, f[1], "item id", &id);
    if (st == RS_OK)
        st = check_rating(ld, f[2], &r);
    if (st == RS_OK && count == 4) {
        double t;
        const char *e = rs__parse_num(f[3].s, &t);
        if (!e || e != f[3].s + f[3].n)
            st = rs__err(&ld->ds->err, RS_ERR_FORMAT, RS__AT "timestamp '%.*s' is not a number",
                         ld->L.name, ld->L.line, (int)(f[3].n > 40 ? 40 : f[3].n), f[3].s);
    }
    if (st == RS_OK) /* the fast path and this one disagree: still reject */
        st = rs__err(&ld->ds->err, RS_ERR_FORMAT, RS__AT "malformed line", ld->L.name,
                     ld->L.line);
    return st;
}

/* Most rating files hold "4" or "3.5": take those without the general parser
 * (same result: both are exact). Anything longer goes to rs__parse_num. */
static inline const char *parse_rating(const char *p, double *r)
{
    if (rs__is_digit(p[0])) {
        char c1 = p[1];
        if (!rs__is_digit(c1) && c1 != '.' && c1 != 'e' && c1 != 'E') {
            *r = p[0] - '0';
            return p + 1;
        }
        if (c1 == '.' && rs__is_digit(p[2]) && !rs__is_digit(p[3]) && p[3] != 'e' &&
            p[3] != 'E') {
            *r = (double)((p[0] - '0') * 10 + (p[2] - '0')) / 10.0;
            return p + 3;
        }
    }
    return rs__parse_num(p, r);
}

static const char *skip_blanks(const char *p)
{
    while (rs__is_blank(*p))
        p++;
    return p;
}

/* Parse the complete lines in the buffer. Every line ends in '\n', so the
 * scanners need no bounds checks. */
static rs_status parse_blank_block(loader *ld, int max_cols)
{
    rs__lines *L = &ld->L;
    const double rmin = ld->ds->rating_min, rmax = ld->ds->rating_max;
    const char *p = L->buf + L->pos, *e = L->buf + L->end;
    rs_status st = RS_OK;
    while (p < e) {
        const char *ls = p;
        L->line++;
        p = skip_blanks(p);
        if (*p == '\n' || *p == '#' || (*p == '\r' && p[1] == '\n')) {
            p = (const char *)memchr(p, '\n', (size_t)(e - p)) + 1;
            continue;
        }
        int64_t uid, iid;
        int ovf1 = 0, ovf2 = 0;
        double r;
        p = rs__parse_i64(p, &uid, &ovf1);
        if (RS_UNLIKELY(!p || !rs__is_blank(*p)))
            goto slow;
        p = rs__parse_i64(skip_blanks(p), &iid, &ovf2);
        if (RS_UNLIKELY(!p || !rs__is_blank(*p) || (ovf1 | ovf2)))
            goto slow;
        p = parse_rating(skip_blanks(p), &r);
        if (RS_UNLIKELY(!p))
            goto slow;
        p = skip_blanks(p);
        if (max_cols == 4 && *p != '\n' && *p != '\r' && rs__is_blank(p[-1])) {
            /* The timestamp is only validated: a run of digits needs no value. */
            const char *q = p;
            while (rs__is_digit(*q))
                q++;
            if (q > p && (rs__is_blank(*q) || *q == '\n' || *q == '\r')) {
                p = q;
            } else {
                double t;
                p = rs__parse_num(p, &t);
                if (RS_UNLIKELY(!p))
                    goto slow;
            }
            p = skip_blanks(p);
        }
        if (*p == '\r')
            p++;
        if (RS_UNLIKELY(*p != '\n'))
            goto slow;
        p++;
        float rf = (float)r;
        if (RS_UNLIKELY(!((double)rf >= rmin && (double)rf <= rmax))) /* rs__rating_ok */
            goto slow;
        st = add_one(ld, uid, iid, rf);
        if (RS_UNLIKELY(st != RS_OK))
            break;
        continue;
    slow: {
        const char *nl = memchr(ls, '\n', (size_t)(e - ls));
        st = diagnose_blank(ld, ls, nl, 3, max_cols);
        p = nl + 1;
        break;
    }
    }
    L->pos = (size_t)(p - L->buf);
    return st;
}

static rs_status load_blank(loader *ld, int max_cols)
{
    int sized = 0;
    for (;;) {
        rs_status st = rs__lines_fill(&ld->L, &ld->ds->err);
        if (st != RS_OK)
            return st;
        if (ld->L.pos >= ld->L.end)
            return RS_OK;
        if (!sized) {
            sized = 1;
            st = presize(ld);
            if (st != RS_OK)
                return rs__err(&ld->ds->err, st, "%s: out of memory", ld->L.name);
        }
        st = parse_blank_block(ld, max_cols);
        if (st != RS_OK)
            return st;
    }
}

/* ---- CSV ---- */

/* Split a NUL-terminated line into fields. A field may be "quoted" (with ""
 * for a quote inside); blanks around unquoted fields are trimmed. Returns the
 * number of fields (only the first cap are stored), or -1 for an unclosed quote. */
static int csv_split(const char *s, size_t len, char delim, field *out, int cap)
{
    const char *p = s, *end = s + len;
    int count = 0;
    for (;;) {
        while (p < end && rs__is_blank(*p) && *p != delim)
            p++;
        const char *fs, *fe;
        if (p < end && *p == '"') {
            fs = ++p;
            for (;;) {
                if (p >= end)
                    return -1;
                if (*p == '"') {
                    if (p + 1 < end && p[1] == '"') {
                        p += 2;
                        continue;
                    }
                    break;
                }
                p++;
            }
            fe = p++;
            while (p < end && rs__is_blank(*p) && *p != delim)
                p++;
            if (p < end && *p != delim)
                return -1;
        } else {
            fs = p;
            while (p < end && *p != delim)
                p++;
            fe = p;
            while (fe > fs && rs__is_blank(fe[-1]) && fe[-1] != delim)
                fe--;
        }
        if (count < cap)
            out[count].s = fs, out[count].n = (size_t)(fe - fs);
        count++;
        if (p >= end)
            return count;
        p++; /* the delimiter */
    }
}

/* Two fields of the same length equal ignoring ASCII case. */
static int prefix_ci_field(field a, field b)
{
    for (size_t k = 0; k < a.n; k++) {
        char x = a.s[k], y = b.s[k];
        if (x >= 'A' && x <= 'Z')
            x = (char)(x + 32);
        if (y >= 'A' && y <= 'Z')
            y = (char)(y + 32);
        if (x != y)
            return 0;
    }
    return 1;
}

static int name_is(field f, const char *const *names)
{
    for (; *names; names++) {
        size_t n = strlen(*names);
        if (n == f.n && prefix_ci(f.s, f.n, *names))
            return 1;
    }
    return 0;
}

static int skippable(const char *s, size_t n)
{
    size_t k = 0;
    while (k < n && rs__is_blank(s[k]))
        k++;
    return k == n || s[k] == '#';
}

static rs_status csv_column(loader *ld, int32_t param_col, field *hdr, int nh,
                            const char *const *names, const char *what, const char *shown,
                            int *col)
{
    if (param_col >= 0) {
        if (param_col >= nh)
            return rs__err(&ld->ds->err, RS_ERR_FORMAT,
                           RS__AT "csv_%s_col = %d but the header has %d columns", ld->L.name,
                           ld->L.line, what, (int)param_col, nh);
        *col = param_col;
        return RS_OK;
    }
    for (int k = 0; k < nh; k++)
        if (name_is(hdr[k], names)) {
            /* Two columns of one role ("user" and "user_id"): which one is
             * meant is a guess, so refuse rather than pick the first. */
            for (int j = k + 1; j < nh; j++)
                if (name_is(hdr[j], names))
                    return rs__err(&ld->ds->err, RS_ERR_FORMAT,
                                   RS__AT "the header names two %s columns ('%.*s' in column %d, "
                                          "'%.*s' in column %d); set csv_%s_col",
                                   ld->L.name, ld->L.line, what, (int)(hdr[k].n > 40 ? 40 : hdr[k].n),
                                   hdr[k].s, k + 1, (int)(hdr[j].n > 40 ? 40 : hdr[j].n), hdr[j].s,
                                   j + 1, what);
            *col = k;
            return RS_OK;
        }
    return rs__err(&ld->ds->err, RS_ERR_FORMAT,
                   RS__AT "the header names no %s column (expected one of %s, or set csv_%s_col)",
                   ld->L.name, ld->L.line, what, shown, what);
}

/* A header that names one column twice ("user,item,rating,user") is refused:
 * whichever copy the loader took, it might be the wrong one. Names compare
 * ignoring case; empty names (trailing commas of spreadsheet exports) may repeat. */
static rs_status csv_unique_names(loader *ld, const field *hdr, int nh)
{
    for (int k = 1; k < nh; k++) {
        if (hdr[k].n == 0)
            continue;
        for (int j = 0; j < k; j++)
            if (hdr[j].n == hdr[k].n && prefix_ci_field(hdr[j], hdr[k]))
                return rs__err(&ld->ds->err, RS_ERR_FORMAT,
                               RS__AT "the header names column '%.*s' twice (columns %d and %d)",
                               ld->L.name, ld->L.line, (int)(hdr[k].n > 40 ? 40 : hdr[k].n),
                               hdr[k].s, j + 1, k + 1);
    }
    return RS_OK;
}

typedef struct csv_cols {
    int nh, cu, ci, cr; /* header width; user, item, rating columns */
    char delim;
    field *fields;      /* nh entries */
} csv_cols;

/* The general path for one NUL-terminated line: quotes, blanks around
 * fields, comments, and every error message. */
static rs_status csv_line(loader *ld, const csv_cols *c, const char *line, size_t len,
                          int unterminated)
{
    rs_dataset *ds = ld->ds;
    rs__lines *L = &ld->L;
    if (skippable(line, len))
        return RS_OK;
    int n = csv_split(line, len, c->delim, c->fields, c->nh);
    if (n < 0)
        return rs__err(&ds->err, RS_ERR_FORMAT, RS__AT "unclosed quote", L->name, L->line);
    if (n != c->nh) {
        if (n < c->nh && unterminated)
            return rs__err(&ds->err, RS_ERR_FORMAT,
                           RS__AT "truncated last line (no final newline): expected %d "
                                  "columns, found %d",
                           L->name, L->line, c->nh, n);
        return rs__err(&ds->err, RS_ERR_FORMAT, RS__AT "expected %d columns, found %d", L->name,
                       L->line, c->nh, n);
    }
    int64_t uid, iid;
    float r;
    rs_status st = check_id(ld, c->fields[c->cu], "user id", &uid);
    if (st == RS_OK)
        st = check_id(ld, c->fields[c->ci], "item id", &iid);
    if (st == RS_OK)
        st = check_rating(ld, c->fields[c->cr], &r);
    if (st == RS_OK)
        st = add_one(ld, uid, iid, r);
    return st;
}

static inline int csv_field_end(const char *p, char delim, int last)
{
    return last ? (*p == '\n' || (*p == '\r' && p[1] == '\n')) : *p == delim;
}

/* Plain lines (no quotes, no blanks around numbers) in one pass over the
 * block; any other line is handed to csv_line. */
static rs_status parse_csv_block(loader *ld, const csv_cols *c)
{
    rs__lines *L = &ld->L;
    const double rmin = ld->ds->rating_min, rmax = ld->ds->rating_max;
    const char delim = c->delim;
    char *p = L->buf + L->pos, *e = L->buf + L->end;
    rs_status st = RS_OK;
    while (p < e) {
        char *ls = p;
        L->line++;
        int64_t uid = 0, iid = 0;
        double r = 0;
        int ok = 1;
        for (int col = 0; col < c->nh; col++) {
            int last = col == c->nh - 1;
            const char *q;
            if (col == c->cu || col == c->ci) {
                int64_t v;
                int ovf = 0;
                q = rs__parse_i64(p, &v, &ovf);
                if (!q || ovf || !csv_field_end(q, delim, last)) {
                    ok = 0;
                    break;
                }
                if (col == c->cu)
                    uid = v;
                else
                    iid = v;
            } else if (col == c->cr) {
                q = parse_rating(p, &r);
                if (!q || !csv_field_end(q, delim, last)) {
                    ok = 0;
                    break;
                }
            } else {
                q = p;
                while (*q != delim && *q != '\n' && *q != '"')
                    q++;
                if (*q == '"' || (last ? *q != '\n' : *q != delim)) {
                    ok = 0;
                    break;
                }
            }
            p = (char *)q + (last ? 0 : 1);
        }
        if (ok) {
            if (*p == '\r')
                p++;
            p++; /* the '\n' that csv_field_end saw */
        }
        float rf = (float)r;
        if (RS_UNLIKELY(!ok || !((double)rf >= rmin && (double)rf <= rmax))) { /* rs__rating_ok */
            char *nl = memchr(ls, '\n', (size_t)(e - ls));
            size_t len = (size_t)(nl - ls);
            if (len > 0 && ls[len - 1] == '\r')
                len--;
            int unterminated = rs__lines_is_unterminated(L, nl);
            ls[len] = '\0';
            st = csv_line(ld, c, ls, len, unterminated);
            p = nl + 1;
            if (st != RS_OK)
                break;
            continue;
        }
        st = add_one(ld, uid, iid, rf);
        if (RS_UNLIKELY(st != RS_OK))
            break;
    }
    L->pos = (size_t)(p - L->buf);
    return st;
}

static rs_status load_csv(loader *ld)
{
    static const char *const user_names[] = {"userid", "user", "user_id", NULL};
    static const char *const item_names[] = {"movieid", "itemid", "item", "item_id",
                                             "movie_id", NULL};
    static const char *const rating_names[] = {"rating", "score", NULL};
    rs_dataset *ds = ld->ds;
    const rs__allocator *a = &ds->alloc;
    rs__lines *L = &ld->L;
    csv_cols c;
    c.delim = (char)ds->csv_delim;
    rs_status st;
    size_t len;
    char *line;
    /* Header. */
    do {
        line = rs__lines_next(L, &len, &st, &ds->err);
    } while (line && skippable(line, len));
    if (!line)
        return st;
    c.nh = csv_split(line, len, c.delim, NULL, 0);
    if (c.nh < 0)
        return rs__err(&ds->err, RS_ERR_FORMAT, RS__AT "unclosed quote in the header", L->name,
                       L->line);
    c.fields = rs__alloc(a, (size_t)c.nh, sizeof *c.fields);
    if (!c.fields)
        return rs__err(&ds->err, RS_ERR_NOMEM, "%s: out of memory", L->name);
    csv_split(line, len, c.delim, c.fields, c.nh);
    c.cu = c.ci = c.cr = -1;
    st = csv_unique_names(ld, c.fields, c.nh);
    if (st == RS_OK)
        st = csv_column(ld, ds->csv_user_col, c.fields, c.nh, user_names, "user",
                    "userId, user, user_id", &c.cu);
    if (st == RS_OK)
        st = csv_column(ld, ds->csv_item_col, c.fields, c.nh, item_names, "item",
                        "movieId, itemId, item, item_id, movie_id", &c.ci);
    if (st == RS_OK)
        st = csv_column(ld, ds->csv_rating_col, c.fields, c.nh, rating_names, "rating",
                        "rating, score", &c.cr);
    if (st == RS_OK && (c.cu == c.ci || c.cu == c.cr || c.ci == c.cr))
        st = rs__err(&ds->err, RS_ERR_FORMAT,
                     RS__AT "the user, item and rating columns must differ (%d, %d, %d)",
                     L->name, L->line, c.cu, c.ci, c.cr);
    int sized = 0;
    while (st == RS_OK) {
        st = rs__lines_fill(L, &ds->err);
        if (st != RS_OK || L->pos >= L->end)
            break;
        if (!sized) {
            sized = 1;
            st = presize(ld);
            if (st != RS_OK) {
                st = rs__err(&ds->err, st, "%s: out of memory", L->name);
                break;
            }
        }
        st = parse_csv_block(ld, &c);
    }
    rs__free(a, c.fields, (size_t)c.nh, sizeof *c.fields);
    return st;
}

/* ---- entry points ---- */

static rs_status load_any(rs_dataset *ds, rs_reader_fn reader, void *ud, int32_t format,
                          const char *name, size_t size_hint)
{
    loader ld;
    memset(&ld, 0, sizeof ld);
    ld.ds = ds;
    ld.size_hint = size_hint;
    ld.n0 = ds->n;
    rs__dataset_mark mark = rs__dataset_mark_now(ds);
    rs_status st = rs__lines_init(&ld.L, &ds->alloc, reader, ud, name, size_hint);
    if (st != RS_OK)
        return rs__err(&ds->err, st, "%s: out of memory", name ? name : "<input>");
    if (format == RS_FORMAT_MOVIELENS)
        st = load_blank(&ld, 4);
    else if (format == RS_FORMAT_LIBMF)
        st = load_blank(&ld, 3);
    else
        st = load_csv(&ld);
    if (st == RS_OK && ds->n == ld.n0)
        st = rs__err(&ds->err, RS_ERR_EMPTY, "%s: %s", ld.L.name,
                     ld.L.consumed + ld.L.len == 0 ? "empty input" : "no ratings");
    rs__lines_free(&ld.L);
    direct_free(&ld, &ld.du);
    direct_free(&ld, &ld.di);
    if (st != RS_OK)
        rs__dataset_rollback(ds, mark);
    rs__dataset_shrink(ds);
    return st;
}

static int valid_format(int32_t format)
{
    return format == RS_FORMAT_MOVIELENS || format == RS_FORMAT_LIBMF || format == RS_FORMAT_CSV;
}

rs_status rs_dataset_load(rs_dataset *ds, rs_reader_fn reader, void *ud, int32_t format,
                          const char *name)
{
    if (!ds)
        return RS_ERR_INVALID_ARG;
    rs__err_clear(&ds->err);
    if (!reader)
        return rs__err(&ds->err, RS_ERR_INVALID_ARG, "reader must not be NULL");
    if (!valid_format(format))
        return rs__err(&ds->err, RS_ERR_INVALID_ARG, "unknown rating format %d", (int)format);
    return load_any(ds, reader, ud, format, name, 0);
}

rs_status rs_dataset_load_file(rs_dataset *ds, const char *path, int32_t format)
{
    if (!ds)
        return RS_ERR_INVALID_ARG;
    rs__err_clear(&ds->err);
    if (!path)
        return rs__err(&ds->err, RS_ERR_INVALID_ARG, "path must not be NULL");
    if (!valid_format(format))
        return rs__err(&ds->err, RS_ERR_INVALID_ARG, "unknown rating format %d", (int)format);
#if RS_ENABLE_STDIO
    rs__file f;
    rs_status st = rs__file_open(&f, path, &ds->err);
    if (st != RS_OK)
        return st;
    st = load_any(ds, rs__file_read, &f, format, path, f.size);
    return rs__file_close(&f, path, st, &ds->err);
#else
    return rs__err(&ds->err, RS_ERR_NOT_BUILT, "file access is not built in (--disable-stdio)");
#endif
}

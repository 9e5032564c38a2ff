/* librecsgd. SPDX-License-Identifier: BSD-2-Clause
 * load_ratings.c: rs_dataset_load / rs_dataset_load_file.
 *
 * Formats:
 *   RS_FORMAT_MOVIELENS  `user item rating [timestamp]`, blank (space/tab)
 *                        separated, 3 or 4 columns; or `user item` on every
 *                        line (an implicit-feedback file: every rating is 1)
 *                        when the first data line has 2 columns.
 *   RS_FORMAT_LIBMF      `user item rating`, blank separated, exactly 3 columns.
 *   RS_FORMAT_CSV        one rating per line separated by RS_PARAM_CSV_DELIMITER
 *                        (any byte but '"', '\n', '\r'), usually after a
 *                        header line naming the columns. The user, item,
 *                        rating and timestamp columns are RS_PARAM_CSV_*_COL
 *                        when set (>= 0), otherwise found by header name,
 *                        ignoring case: userId/user/user_id, movieId/itemId/
 *                        item/item_id/movie_id, rating/score, timestamp/time/
 *                        ts/date/datetime. A file whose only other column is
 *                        the timestamp (or that has just user and item) is
 *                        implicit feedback: every rating is 1. Without a
 *                        header the columns are user, item, rating (when
 *                        there are 3 or more), timestamp (4 or more). Other
 *                        columns are ignored; fields may be "quoted"; every
 *                        line must have as many fields as the first.
 *   RS_FORMAT_TSV        RS_FORMAT_CSV with a tab delimiter.
 * Header lines: RS_PARAM_HAS_HEADER 1 says the first line (after blank and
 * comment lines) is one, 0 says there is none, and -1 (the default) detects
 * one: a first line is a header when one of its fields is a column name
 * listed above, or when none of its fields is a number (except in a
 * two-column file with string ids, where both kinds of line look alike).
 * The blank-separated formats skip a header; CSV and TSV read the column
 * names from it.
 * Ids are int64 integers, or byte strings of 1 to RS_STR_ID_MAX bytes when
 * RS_PARAM_STRING_IDS is set. Ratings are decimal numbers (3, 3.5, -1.25,
 * 1e3) that must be finite and inside [RS_PARAM_RATING_MIN,
 * RS_PARAM_RATING_MAX]. A timestamp is an integer, a decimal number (rounded
 * down) or an ISO 8601 date or date-time (stored as Unix seconds); it is
 * kept (8 bytes per rating) unless RS_PARAM_TIMESTAMPS is 0; an empty CSV
 * field means the rating has none (RS_NO_TIMESTAMP). In every
 * format: lines may end in CRLF; blank lines and lines whose first non-blank
 * character is '#' are skipped; a last line without a final newline is
 * accepted when it is complete; a UTF-8 byte order mark at the very start is
 * ignored; gzip-compressed input is inflated when zlib is built in
 * (parse.c, gzip.c).
 *
 * Errors name the input (the `name` argument or the path) and the 1-based
 * line: `ratings.dat:17: expected 3 or 4 columns, found 2`. Every failure
 * rolls the dataset back to its state before the call.
 *
 * Speed: input is read in RS__BLOCK_SIZE blocks; each format is parsed in
 * one pass over each block with inline number parsers, and the id maps are
 * skipped when a user id repeats the previous line's (files are usually
 * grouped by user). Rating arrays are sized from the file size (or grown by
 * half) and trimmed at the end, so they never hold more than a few percent
 * of slack. Any line the fast loops do not take is handed to a general path
 * that either accepts it or says exactly why not. */
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
    int strings;      /* string ids */
    int implicit;     /* no rating column: every rating is 1 */
    int have_u;
    int64_t last_uid;
    int32_t last_u;
    size_t last_ulen; /* string ids: the previous line's user */
    char last_ubuf[RS__STR_ID_MAX];
    direct_ids du, di;
} loader;

typedef struct field {
    const char *s;
    size_t n;
} field;

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

static inline rs_status lookup_str(loader *ld, int32_t side, const char *s, size_t n,
                                   int32_t *index)
{
    rs_status st = rs__dataset_intern_str(ld->ds, side, s, n, index);
    if (RS_UNLIKELY(st != RS_OK)) {
        if (st == RS_ERR_RANGE && ld->ds->err.msg[0]) { /* a key clash: add the place */
            char why[sizeof ld->ds->err.msg];
            memcpy(why, ld->ds->err.msg, sizeof why);
            return rs__err(&ld->ds->err, st, RS__AT "%s", ld->L.name, ld->L.line, why);
        }
        return id_error(ld, st);
    }
    return RS_OK;
}

/* The rating after the ids are known: the timestamp column starts with the
 * first timestamp seen (earlier ratings read RS_NO_TIMESTAMP). */
static inline rs_status push(loader *ld, int32_t item, float r, int64_t t)
{
    rs_dataset *ds = ld->ds;
    rs_status st;
    if (RS_UNLIKELY(t != RS_NO_TIMESTAMP && !ds->time) && ds->keep_time &&
        (st = rs__dataset_enable_time(ds)) != RS_OK)
        return id_error(ld, st);
    if (RS_UNLIKELY(ds->n == ds->cap)) {
        st = grow(ld);
        if (st != RS_OK)
            return id_error(ld, st);
    }
    rs__dataset_push_timed(ds, ld->last_u, item, r, 1.0f, t);
    return RS_OK;
}

static inline rs_status add_one(loader *ld, int64_t uid, int64_t iid, float r, int64_t t)
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
    return push(ld, item, r, t);
}

static inline rs_status add_one_str(loader *ld, field u, field i, float r, int64_t t)
{
    rs_status st;
    if (!ld->have_u || u.n != ld->last_ulen || memcmp(u.s, ld->last_ubuf, u.n) != 0) {
        st = lookup_str(ld, RS_SIDE_USER, u.s, u.n, &ld->last_u);
        if (RS_UNLIKELY(st != RS_OK))
            return st;
        memcpy(ld->last_ubuf, u.s, u.n);
        ld->last_ulen = u.n;
        ld->have_u = 1;
    }
    int32_t item;
    st = lookup_str(ld, RS_SIDE_ITEM, i.s, i.n, &item);
    if (RS_UNLIKELY(st != RS_OK))
        return st;
    return push(ld, item, r, t);
}

/* ---- field checks shared by the diagnosis paths ---- */

static int prefix_ci(const char *s, size_t n, const char *word)
{
    size_t k = 0;
    for (; word[k]; k++)
        if (k >= n || ((s[k] >= 'A' && s[k] <= 'Z') ? s[k] + 32 : s[k]) != word[k])
            return 0;
    return 1;
}

static int shown(field f) { return (int)(f.n > 40 ? 40 : f.n); }

/* Check an integer id field; RS_OK or a formatted RS_ERR_FORMAT. */
static rs_status check_id(loader *ld, field f, const char *what, int64_t *out)
{
    int ovf = 0;
    const char *e = f.n ? rs__parse_i64(f.s, out, &ovf) : NULL;
    if (!e || e != f.s + f.n)
        return rs__err(&ld->ds->err, RS_ERR_FORMAT,
                       RS__AT "%s '%.*s' is not an integer (set RS_PARAM_STRING_IDS for string ids)",
                       ld->L.name, ld->L.line, what, shown(f), f.s);
    if (ovf)
        return rs__err(&ld->ds->err, RS_ERR_FORMAT, RS__AT "%s '%.*s' does not fit in int64",
                       ld->L.name, ld->L.line, what, shown(f), f.s);
    return RS_OK;
}

/* Check a string id field: 1 to RS_STR_ID_MAX bytes, no NUL. */
static rs_status check_str(loader *ld, field f, const char *what)
{
    if (f.n == 0)
        return rs__err(&ld->ds->err, RS_ERR_FORMAT, RS__AT "%s is empty", ld->L.name, ld->L.line,
                       what);
    if (f.n > RS__STR_ID_MAX)
        return rs__err(&ld->ds->err, RS_ERR_FORMAT,
                       RS__AT "%s '%.*s...' is longer than %zu bytes", ld->L.name, ld->L.line,
                       what, shown(f), f.s, RS__STR_ID_MAX);
    if (memchr(f.s, '\0', f.n))
        return rs__err(&ld->ds->err, RS_ERR_FORMAT, RS__AT "%s contains a NUL byte", ld->L.name,
                       ld->L.line, what);
    return RS_OK;
}

static rs_status check_rating(loader *ld, field f, float *out)
{
    rs_dataset *ds = ld->ds;
    double v;
    const char *s = f.s;
    size_t n = f.n;
    const char *e = n ? rs__parse_num(s, &v) : NULL;
    if (!e || e != s + n) {
        size_t k = (n && (s[0] == '-' || s[0] == '+')) ? 1 : 0;
        if (prefix_ci(s + k, n - k, "nan") || prefix_ci(s + k, n - k, "inf"))
            return rs__err(&ds->err, RS_ERR_FORMAT, RS__AT "rating '%.*s' is not finite",
                           ld->L.name, ld->L.line, shown(f), s);
        return rs__err(&ds->err, RS_ERR_FORMAT, RS__AT "rating '%.*s' is not a number",
                       ld->L.name, ld->L.line, shown(f), s);
    }
    float r = (float)v;
    if (!isfinite(v) || !isfinite(r))
        return rs__err(&ds->err, RS_ERR_FORMAT, RS__AT "rating '%.*s' is not finite as a float",
                       ld->L.name, ld->L.line, shown(f), s);
    if (!rs__rating_ok(ds, r)) {
        char why[200];
        rs__rating_why(ds, v, why, sizeof why);
        return rs__err(&ds->err, RS_ERR_FORMAT, RS__AT "%s", ld->L.name, ld->L.line, why);
    }
    *out = r;
    return RS_OK;
}

static rs_status check_time(loader *ld, field f, int64_t *out)
{
    if (f.n == 0) { /* an empty cell: this rating has no timestamp */
        *out = RS_NO_TIMESTAMP;
        return RS_OK;
    }
    if (rs__parse_time(f.s, f.n, out) != 0 || *out == RS_NO_TIMESTAMP)
        return rs__err(&ld->ds->err, RS_ERR_FORMAT,
                       RS__AT "timestamp '%.*s' is not a number or an ISO 8601 date",
                       ld->L.name, ld->L.line, shown(f), f.s);
    return RS_OK;
}

/* Checks and adds one rating from its fields (r NULL: implicit, t NULL: no
 * timestamp): the general path of every format. */
static rs_status add_fields(loader *ld, field u, field i, const field *r, const field *t)
{
    float rv = 1.0f;
    int64_t tv = RS_NO_TIMESTAMP;
    int64_t uid = 0, iid = 0;
    rs_status st;
    if (ld->strings) {
        if ((st = check_str(ld, u, "user id")) != RS_OK || (st = check_str(ld, i, "item id")) != RS_OK)
            return st;
    } else if ((st = check_id(ld, u, "user id", &uid)) != RS_OK ||
               (st = check_id(ld, i, "item id", &iid)) != RS_OK) {
        return st;
    }
    if (r && (st = check_rating(ld, *r, &rv)) != RS_OK)
        return st;
    if (!r && !(1.0 >= ld->ds->rating_min && 1.0 <= ld->ds->rating_max))
        return rs__err(&ld->ds->err, RS_ERR_FORMAT,
                       RS__AT "implicit rating 1 is outside [%g, %g] (RS_PARAM_RATING_MIN/MAX)",
                       ld->L.name, ld->L.line, ld->ds->rating_min, ld->ds->rating_max);
    if (t && (st = check_time(ld, *t, &tv)) != RS_OK)
        return st;
    if (!ld->ds->keep_time)
        tv = RS_NO_TIMESTAMP; /* still checked, as before timestamps were kept */
    return ld->strings ? add_one_str(ld, u, i, rv, tv) : add_one(ld, uid, iid, rv, tv);
}

/* ---- header lines ---- */

static const char *const USER_NAMES[] = {"userid", "user", "user_id", NULL};
static const char *const ITEM_NAMES[] = {"movieid", "itemid", "item", "item_id", "movie_id", NULL};
static const char *const RATING_NAMES[] = {"rating", "score", NULL};
static const char *const TIME_NAMES[] = {"timestamp", "time", "ts", "date", "datetime", NULL};

static int name_is(field f, const char *const *names)
{
    for (; *names; names++) {
        size_t n = strlen(*names);
        if (n == f.n && prefix_ci(f.s, f.n, *names))
            return 1;
    }
    return 0;
}

static int is_number(field f)
{
    double v;
    const char *e = f.n ? rs__parse_num(f.s, &v) : NULL;
    return e == f.s + f.n;
}

/* Whether the first line, split into n fields, is a header. */
static int is_header(const loader *ld, const field *f, int n)
{
    int32_t declared = ld->ds->has_header;
    if (declared >= 0)
        return declared;
    int numbers = 0;
    for (int k = 0; k < n; k++) {
        if (name_is(f[k], USER_NAMES) || name_is(f[k], ITEM_NAMES) ||
            name_is(f[k], RATING_NAMES) || name_is(f[k], TIME_NAMES))
            return 1;
        numbers += is_number(f[k]);
    }
    return numbers == 0 && !(ld->strings && n == 2);
}

static int skippable(const char *s, size_t n)
{
    size_t k = 0;
    while (k < n && rs__is_blank(s[k]))
        k++;
    return k == n || s[k] == '#';
}

/* ---- blank-separated formats (MovieLens, LIBMF) ---- */

/* Split a line on blanks: stores the first cap fields, returns the count. */
static int split_blank(const char *s, const char *e, field *f, int cap)
{
    int count = 0;
    for (const char *p = s; p < e;) {
        while (p < e && rs__is_blank(*p))
            p++;
        if (p >= e)
            break;
        const char *q = p;
        while (p < e && !rs__is_blank(*p))
            p++;
        if (count < cap)
            f[count].s = q, f[count].n = (size_t)(p - q);
        count++;
    }
    return count;
}

/* The end of a line's content: its '\n', or the '\r' before it. */
static const char *content_end(const char *ls, const char *nl)
{
    return nl > ls && nl[-1] == '\r' ? nl - 1 : nl;
}

/* The slow twin of the fast loop: take line `ls` (ending at the '\n' nl)
 * through the general path, which accepts it or says why not. */
static rs_status diagnose_blank(loader *ld, const char *ls, const char *nl, int max_cols)
{
    const char *le = content_end(ls, nl);
    field f[5];
    int count = split_blank(ls, le, f, 5);
    int min_cols = ld->implicit ? 2 : 3;
    if (ld->implicit)
        max_cols = 2;
    const char *cols = ld->implicit ? "2 (as the first line: user item)"
                                    : max_cols == 3 ? "3" : "3 or 4";
    if (count < min_cols && rs__lines_is_unterminated(&ld->L, nl))
        return rs__err(&ld->ds->err, RS_ERR_FORMAT,
                       RS__AT "truncated last line (no final newline): expected %s columns, found %d",
                       ld->L.name, ld->L.line, cols, count);
    if (count < min_cols || count > max_cols)
        return rs__err(&ld->ds->err, RS_ERR_FORMAT, RS__AT "expected %s columns, found %d",
                       ld->L.name, ld->L.line, cols, count);
    return add_fields(ld, f[0], f[1], ld->implicit ? NULL : &f[2], count == 4 ? &f[3] : NULL);
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

/* End of a blank-separated string field: the first blank, CR, LF or NUL. */
static inline const char *scan_word(const char *p)
{
    for (;;) {
        unsigned char c = (unsigned char)*p;
        if (c <= ' ' && (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\0'))
            return p;
        p++;
    }
}

/* A timestamp field starting at p (a run of digits is the common case). */
static inline const char *parse_time_at(const char *p, const char *end, int64_t *t)
{
    const char *q = p;
    uint64_t v = 0; /* wraps harmlessly past 18 digits, which go the general way */
    while (rs__is_digit(*q))
        v = v * 10 + (uint64_t)(*q++ - '0');
    if (q > p && q - p <= 18 && (q == end || rs__is_blank(*q) || *q == '\n' || *q == '\r')) {
        *t = (int64_t)v;
        return q;
    }
    q = end ? end : scan_word(p);
    if (rs__parse_time(p, (size_t)(q - p), t) != 0 || *t == RS_NO_TIMESTAMP)
        return NULL;
    return q;
}

/* Parse the complete lines in the buffer. Every line ends in '\n', so the
 * scanners need no bounds checks. Always inlined into one copy per kind of
 * id and layout (parse_blank), so the loop tests no constant flags. */
static RS_ALWAYS_INLINE rs_status parse_blank_lines(loader *ld, int max_cols, const int strings,
                                                    const int implicit)
{
    rs__lines *L = &ld->L;
    const double rmin = ld->ds->rating_min, rmax = ld->ds->rating_max;
    const int keep_time = ld->ds->keep_time;
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
        int64_t uid = 0, iid = 0, t = RS_NO_TIMESTAMP;
        field us = {p, 0}, is = {p, 0};
        double r = 1.0;
        if (strings) {
            p = scan_word(p);
            us.n = (size_t)(p - us.s);
            if (RS_UNLIKELY(!rs__is_blank(*p) || us.n > RS__STR_ID_MAX))
                goto slow;
            is.s = p = skip_blanks(p);
            p = scan_word(p);
            is.n = (size_t)(p - is.s);
            if (RS_UNLIKELY(is.n == 0 || is.n > RS__STR_ID_MAX))
                goto slow;
        } else {
            int ovf1 = 0, ovf2 = 0;
            p = rs__parse_i64(p, &uid, &ovf1);
            if (RS_UNLIKELY(!p || !rs__is_blank(*p)))
                goto slow;
            p = rs__parse_i64(skip_blanks(p), &iid, &ovf2);
            if (RS_UNLIKELY(!p || (ovf1 | ovf2)))
                goto slow;
        }
        if (implicit) {
            p = skip_blanks(p);
        } else {
            if (RS_UNLIKELY(!rs__is_blank(*p)))
                goto slow;
            p = parse_rating(skip_blanks(p), &r);
            if (RS_UNLIKELY(!p))
                goto slow;
            p = skip_blanks(p);
            if (max_cols == 4 && *p != '\n' && *p != '\r' && rs__is_blank(p[-1])) {
                int64_t tv;
                p = parse_time_at(p, NULL, &tv);
                if (RS_UNLIKELY(!p))
                    goto slow;
                if (keep_time)
                    t = tv;
                p = skip_blanks(p);
            }
        }
        if (*p == '\r')
            p++;
        if (RS_UNLIKELY(*p != '\n'))
            goto slow;
        p++;
        float rf = (float)r;
        if (RS_UNLIKELY(!((double)rf >= rmin && (double)rf <= rmax))) /* rs__rating_ok */
            goto slow;
        st = strings ? add_one_str(ld, us, is, rf, t) : add_one(ld, uid, iid, rf, t);
        if (RS_UNLIKELY(st != RS_OK))
            break;
        continue;
    slow: {
        const char *nl = memchr(ls, '\n', (size_t)(e - ls));
        st = diagnose_blank(ld, ls, nl, max_cols);
        p = nl + 1;
        if (st != RS_OK)
            break;
    }
    }
    L->pos = (size_t)(p - L->buf);
    return st;
}

static rs_status parse_blank_block(loader *ld, int max_cols)
{
    if (ld->strings)
        return ld->implicit ? parse_blank_lines(ld, max_cols, 1, 1)
                            : parse_blank_lines(ld, max_cols, 1, 0);
    return ld->implicit ? parse_blank_lines(ld, max_cols, 0, 1) : parse_blank_lines(ld, max_cols, 0, 0);
}

/* Skip blank and comment lines up to the first line with content; returns
 * it in [*ls, *nl) (the buffer position stays at it), or *ls NULL at the
 * end of the input. */
static rs_status first_line(loader *ld, const char **ls, const char **nl)
{
    rs__lines *L = &ld->L;
    *ls = NULL;
    for (;;) {
        rs_status st = rs__lines_fill(L, &ld->ds->err);
        if (st != RS_OK || L->pos >= L->end)
            return st;
        while (L->pos < L->end) {
            const char *s = L->buf + L->pos;
            const char *n = memchr(s, '\n', L->end - L->pos);
            if (!skippable(s, (size_t)(content_end(s, n) - s))) {
                *ls = s;
                *nl = n;
                return RS_OK;
            }
            L->pos = (size_t)(n + 1 - L->buf);
            L->line++;
        }
    }
}

static rs_status load_blank(loader *ld, int max_cols)
{
    rs__lines *L = &ld->L;
    const char *ls, *nl;
    field f[5];
    rs_status st = first_line(ld, &ls, &nl);
    if (st != RS_OK || !ls)
        return st;
    int count = split_blank(ls, content_end(ls, nl), f, 5);
    if (is_header(ld, f, count < 5 ? count : 5)) {
        L->pos = (size_t)(nl + 1 - L->buf);
        L->line++;
        if ((st = first_line(ld, &ls, &nl)) != RS_OK || !ls)
            return st;
        count = split_blank(ls, content_end(ls, nl), f, 5);
    }
    /* The first data line fixes the layout: two columns mean no ratings. */
    ld->implicit = max_cols == 4 && count == 2;
    int sized = 0;
    for (;;) {
        st = rs__lines_fill(L, &ld->ds->err);
        if (st != RS_OK)
            return st;
        if (L->pos >= L->end)
            return RS_OK;
        if (!sized) {
            sized = 1;
            st = presize(ld);
            if (st != RS_OK)
                return rs__err(&ld->ds->err, st, "%s: out of memory", L->name);
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
    int nh;             /* fields per line */
    int cu, ci, cr, ct; /* user, item, rating (-1: implicit), timestamp (-1: none) columns */
    char delim;
    field *fields;      /* nh entries */
} csv_cols;

/* A column from its parameter (>= 0) or the header names (hdr NULL: no
 * header); -1 when none matches. *twin gets a second matching column (-1:
 * none): two columns of one role ("user" and "user_id") leave which one is
 * meant a guess, so the caller refuses rather than pick the first. */
static int csv_find(int32_t param_col, const field *hdr, int nh, const char *const *names,
                    int *twin)
{
    *twin = -1;
    if (param_col >= 0)
        return param_col;
    int found = -1;
    for (int k = 0; hdr && k < nh; k++)
        if (name_is(hdr[k], names)) {
            if (found < 0) {
                found = k;
            } else {
                *twin = k;
                break;
            }
        }
    return found;
}

/* The columns, from the parameters and the header (hdr NULL: no header,
 * so positions 0, 1, 2, 3 unless set). */
static rs_status csv_columns(loader *ld, csv_cols *c, const field *hdr)
{
    rs_dataset *ds = ld->ds;
    rs__lines *L = &ld->L;
    int nh = c->nh;
    if (hdr) {
        rs_status st = csv_unique_names(ld, hdr, nh);
        if (st != RS_OK)
            return st;
    }
    int twin[4];
    c->cu = csv_find(ds->csv_user_col, hdr, nh, USER_NAMES, &twin[0]);
    c->ci = csv_find(ds->csv_item_col, hdr, nh, ITEM_NAMES, &twin[1]);
    c->cr = csv_find(ds->csv_rating_col, hdr, nh, RATING_NAMES, &twin[2]);
    c->ct = csv_find(ds->csv_time_col, hdr, nh, TIME_NAMES, &twin[3]);
    if (!hdr) {
        if (c->cu < 0)
            c->cu = 0;
        if (c->ci < 0)
            c->ci = 1;
        if (c->cr < 0 && nh >= 3)
            c->cr = 2;
        if (c->ct < 0 && nh >= 4)
            c->ct = 3;
    }
    const char *lines = hdr ? "the header has" : "the first line has";
    const struct {
        int col;
        int32_t param;
        const char *what, *names;
    } cols[4] = {{c->cu, ds->csv_user_col, "user", "userId, user, user_id"},
                 {c->ci, ds->csv_item_col, "item", "movieId, itemId, item, item_id, movie_id"},
                 {c->cr, ds->csv_rating_col, "rating", "rating, score"},
                 {c->ct, ds->csv_time_col, "time", "timestamp, time, ts, date, datetime"}};
    for (int k = 0; k < 4; k++)
        if (twin[k] >= 0) {
            const field *x = &hdr[cols[k].col], *y = &hdr[twin[k]];
            return rs__err(&ds->err, RS_ERR_FORMAT,
                           RS__AT "the header names two %s columns ('%.*s' in column %d, "
                                  "'%.*s' in column %d); set csv_%s_col",
                           L->name, L->line, cols[k].what, (int)(x->n > 40 ? 40 : x->n), x->s,
                           cols[k].col + 1, (int)(y->n > 40 ? 40 : y->n), y->s, twin[k] + 1,
                           cols[k].what);
        }
    for (int k = 0; k < 4; k++)
        if (cols[k].param >= 0 && cols[k].param >= nh)
            return rs__err(&ds->err, RS_ERR_FORMAT, RS__AT "csv_%s_col = %d but %s %d columns",
                           L->name, L->line, cols[k].what, (int)cols[k].param, lines, nh);
    if (!hdr && nh < 2)
        return rs__err(&ds->err, RS_ERR_FORMAT,
                       RS__AT "expected at least 2 columns (user and item), found %d", L->name,
                       L->line, nh);
    for (int k = 0; k < 2; k++)
        if (cols[k].col < 0)
            return rs__err(&ds->err, RS_ERR_FORMAT,
                           RS__AT "the header names no %s column (expected one of %s, or set "
                                  "csv_%s_col)",
                           L->name, L->line, cols[k].what, cols[k].names, cols[k].what);
    if (c->cr < 0 && nh > 2 + (c->ct >= 0))
        return rs__err(&ds->err, RS_ERR_FORMAT,
                       RS__AT "the header names no rating column (expected one of rating, score, "
                              "or set csv_rating_col; a file of user and item columns only, and "
                              "perhaps a timestamp, is implicit feedback)",
                       L->name, L->line);
    int all[4] = {c->cu, c->ci, c->cr, c->ct};
    for (int a = 0; a < 4; a++)
        for (int b = a + 1; b < 4; b++)
            if (all[a] >= 0 && all[a] == all[b])
                return rs__err(&ds->err, RS_ERR_FORMAT,
                               RS__AT "the %s and %s columns must differ (both are column %d)",
                               L->name, L->line, cols[a].what, cols[b].what, all[a]);
    ld->implicit = c->cr < 0;
    if (ld->implicit && !(1.0 >= ds->rating_min && 1.0 <= ds->rating_max))
        return rs__err(&ds->err, RS_ERR_FORMAT,
                       RS__AT "implicit rating 1 is outside [%g, %g] (RS_PARAM_RATING_MIN/MAX)",
                       L->name, L->line, ds->rating_min, ds->rating_max);
    if (!ds->keep_time)
        c->ct = -1;
    return RS_OK;
}

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
    return add_fields(ld, c->fields[c->cu], c->fields[c->ci], c->cr >= 0 ? &c->fields[c->cr] : NULL,
                      c->ct >= 0 ? &c->fields[c->ct] : NULL);
}

static inline int csv_field_end(const char *p, char delim, int last)
{
    return last ? (*p == '\n' || (*p == '\r' && p[1] == '\n')) : *p == delim;
}

/* End of an unquoted CSV field: the delimiter, CR, LF, a quote or NUL (the
 * last three send the line to the general path). */
static inline const char *scan_csv(const char *p, char delim)
{
    while (*p != delim && *p != '\n' && *p != '\r' && *p != '"' && *p != '\0')
        p++;
    return p;
}

/* Plain lines (no quotes, no blanks around numbers or ids) in one pass over
 * the block; any other line is handed to csv_line. */
static rs_status parse_csv_block(loader *ld, const csv_cols *c)
{
    rs__lines *L = &ld->L;
    const double rmin = ld->ds->rating_min, rmax = ld->ds->rating_max;
    const char delim = c->delim;
    const int strings = ld->strings;
    char *p = L->buf + L->pos, *e = L->buf + L->end;
    rs_status st = RS_OK;
    while (p < e) {
        char *ls = p;
        L->line++;
        int64_t uid = 0, iid = 0, t = RS_NO_TIMESTAMP;
        field us = {p, 0}, is = {p, 0};
        double r = 1.0;
        int ok = 1;
        for (int col = 0; col < c->nh; col++) {
            int last = col == c->nh - 1;
            const char *q;
            if (col == c->cu || col == c->ci) {
                if (strings) {
                    q = scan_csv(p, delim);
                    size_t n = (size_t)(q - p);
                    if (n == 0 || n > RS__STR_ID_MAX || rs__is_blank(p[0]) ||
                        rs__is_blank(q[-1]) || !csv_field_end(q, delim, last)) {
                        ok = 0;
                        break;
                    }
                    field *f = col == c->cu ? &us : &is;
                    f->s = p;
                    f->n = n;
                } else {
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
                }
            } else if (col == c->cr) {
                q = parse_rating(p, &r);
                if (!q || !csv_field_end(q, delim, last)) {
                    ok = 0;
                    break;
                }
            } else if (col == c->ct) {
                const char *fe = scan_csv(p, delim);
                q = fe > p && !rs__is_blank(p[0]) && !rs__is_blank(fe[-1])
                        ? parse_time_at(p, fe, &t)
                        : NULL;
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
        st = strings ? add_one_str(ld, us, is, rf, t) : add_one(ld, uid, iid, rf, t);
        if (RS_UNLIKELY(st != RS_OK))
            break;
    }
    L->pos = (size_t)(p - L->buf);
    return st;
}

static rs_status load_csv(loader *ld, char delim)
{
    rs_dataset *ds = ld->ds;
    const rs__allocator *a = &ds->alloc;
    rs__lines *L = &ld->L;
    csv_cols c;
    memset(&c, 0, sizeof c);
    c.delim = delim;
    rs_status st;
    size_t len;
    char *line;
    /* The first line: a header, or the first rating. */
    do {
        line = rs__lines_next(L, &len, &st, &ds->err);
    } while (line && skippable(line, len));
    if (!line)
        return st;
    int unterminated = rs__lines_last_unterminated(L);
    c.nh = csv_split(line, len, c.delim, NULL, 0);
    if (c.nh < 0)
        return rs__err(&ds->err, RS_ERR_FORMAT, RS__AT "unclosed quote in the first line",
                       L->name, L->line);
    c.fields = rs__alloc(a, (size_t)c.nh, sizeof *c.fields);
    if (!c.fields)
        return rs__err(&ds->err, RS_ERR_NOMEM, "%s: out of memory", L->name);
    csv_split(line, len, c.delim, c.fields, c.nh);
    int header = is_header(ld, c.fields, c.nh);
    st = csv_columns(ld, &c, header ? c.fields : NULL);
    if (st == RS_OK && !header)
        st = csv_line(ld, &c, line, len, unterminated);
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
    ld.strings = rs__dataset_string_ids(ds);
    rs__dataset_mark mark = rs__dataset_mark_now(ds);
    rs_status st = rs__lines_init(&ld.L, &ds->alloc, reader, ud, name, size_hint);
    if (st != RS_OK)
        return rs__err(&ds->err, st, "%s: out of memory", name ? name : "<input>");
    /* A compressed input's size says little about its line count. */
    st = rs__lines_fill(&ld.L, &ds->err);
    if (ld.L.gz)
        ld.size_hint = 0;
    if (st == RS_OK) {
        if (format == RS_FORMAT_MOVIELENS)
            st = load_blank(&ld, 4);
        else if (format == RS_FORMAT_LIBMF)
            st = load_blank(&ld, 3);
        else
            st = load_csv(&ld, format == RS_FORMAT_TSV ? '\t' : (char)ds->csv_delim);
    }
    if (st == RS_OK && ds->n == ld.n0)
        st = rs__err(&ds->err, RS_ERR_EMPTY, "%s: %s", ld.L.name,
                     ld.L.consumed + ld.L.len == 0 ? "empty input" : "no ratings");
    rs__lines_free(&ld.L);
    direct_free(&ld, &ld.du);
    direct_free(&ld, &ld.di);
    if (st != RS_OK)
        rs__dataset_rollback(ds, mark);
    rs__dataset_shrink(ds);
    if (ld.strings) {
        rs__idmap_shrink_bytes(&ds->users, &ds->alloc);
        rs__idmap_shrink_bytes(&ds->items, &ds->alloc);
    }
    return st;
}

static int valid_format(int32_t format)
{
    return format == RS_FORMAT_MOVIELENS || format == RS_FORMAT_LIBMF ||
           format == RS_FORMAT_CSV || format == RS_FORMAT_TSV;
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

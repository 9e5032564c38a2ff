/* librecsgd example. SPDX-License-Identifier: BSD-2-Clause
 * examples/baremetal/main.c: librecsgd on a Cortex-M4F with no operating
 * system and no malloc. Every byte the library uses comes from a static
 * arena through the allocator hook; output goes through semihosting
 * (startup.c). It fits a tiny collaborative model on ratings made up here,
 * scores it, saves it into a buffer, frees everything, loads it back and
 * checks that it answers the same. examples/baremetal/build.sh builds it
 * (the vendored one-line build of lib/) and runs it under qemu-system-arm. */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <librecsgd/recsgd.h>

void bm_write(const char *s);

/* ---- a static arena: bump allocation, the top block grows and shrinks in
 * place, and freeing the top block gives its bytes back. The library tells
 * the old size of every block, so no headers are needed. ---- */

#define ARENA_BYTES (96 * 1024)
static _Alignas(8) unsigned char arena[ARENA_BYTES];

typedef struct arena_stats {
    size_t top, high, in_use, calls, failed;
} arena_stats;

static size_t round8(size_t n) { return (n + 7) & ~(size_t)7; }

static void *arena_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    arena_stats *a = ud;
    unsigned char *p = ptr;
    a->calls++;
    int is_top = p && p + round8(osize) == arena + a->top;
    if (nsize == 0) {
        if (p) {
            a->in_use -= osize;
            if (is_top)
                a->top -= round8(osize);
        }
        return NULL;
    }
    if (is_top) { /* grow or shrink the top block where it is */
        if (round8(nsize) - round8(osize) > ARENA_BYTES - a->top && nsize > osize) {
            a->failed++;
            return NULL;
        }
        a->top = a->top - round8(osize) + round8(nsize);
    } else {
        if (round8(nsize) > ARENA_BYTES - a->top) {
            a->failed++;
            return NULL;
        }
        unsigned char *q = arena + a->top;
        a->top += round8(nsize);
        if (p) {
            memcpy(q, p, osize < nsize ? osize : nsize);
            /* the old block is not on top: its bytes stay used until the arena is reset */
        }
        p = q;
    }
    a->in_use = a->in_use - (ptr ? osize : 0) + nsize;
    if (a->top > a->high)
        a->high = a->top;
    return p;
}

/* ---- output without printf (newlib's would bring malloc in) ---- */

static char *put_u(char *o, unsigned long v)
{
    char d[24];
    int n = 0;
    do
        d[n++] = (char)('0' + v % 10);
    while ((v /= 10) != 0);
    while (n)
        *o++ = d[--n];
    return o;
}

static char *put_s(char *o, const char *s)
{
    while (*s)
        *o++ = *s++;
    return o;
}

/* v with three decimals */
static char *put_f3(char *o, float v)
{
    if (v < 0) {
        *o++ = '-';
        v = -v;
    }
    unsigned long m = (unsigned long)(v * 1000.0f + 0.5f);
    o = put_u(o, m / 1000);
    *o++ = '.';
    *o++ = (char)('0' + m / 100 % 10);
    *o++ = (char)('0' + m / 10 % 10);
    *o++ = (char)('0' + m % 10);
    return o;
}

static void say(char *line, char *end)
{
    *end++ = '\n';
    *end = '\0';
    bm_write(line);
}

static int check(rs_status st, const char *what)
{
    if (st == RS_OK)
        return 1;
    char line[128], *o = put_s(line, "FAIL: ");
    o = put_s(o, what);
    o = put_s(o, ": ");
    o = put_s(o, rs_status_string(st));
    say(line, o);
    return 0;
}

/* ---- made-up ratings with a low-rank structure ---- */

#define USERS 24
#define ITEMS 16

static uint32_t rng = 12345;
static float uniform(void)
{
    rng = rng * 1664525u + 1013904223u;
    return (float)(rng >> 8) * (1.0f / 16777216.0f);
}

static rs_status make_ratings(rs_dataset *ds, size_t *n)
{
    float p[USERS][2], q[ITEMS][2];
    for (int u = 0; u < USERS; u++)
        for (int k = 0; k < 2; k++)
            p[u][k] = uniform() * 2.0f - 1.0f;
    for (int i = 0; i < ITEMS; i++)
        for (int k = 0; k < 2; k++)
            q[i][k] = uniform() * 2.0f - 1.0f;
    *n = 0;
    for (int u = 0; u < USERS; u++)
        for (int i = 0; i < ITEMS; i++) {
            if (uniform() < 0.4f)
                continue;
            float r = 3.0f + p[u][0] * q[i][0] + p[u][1] * q[i][1];
            rs_status st = rs_dataset_add_rating(ds, 100 + u, 500 + i, r, 1.0f);
            if (st != RS_OK)
                return st;
            (*n)++;
        }
    return RS_OK;
}

#define TOPK 5
static unsigned char blob[16 * 1024];

int main(void)
{
    char line[160], *o;
    arena_stats a = {0};
    rs_dataset *ds = NULL;
    rs_model *m = NULL, *back = NULL;
    int64_t items[TOPK], items2[TOPK];
    float scores[TOPK], scores2[TOPK];
    size_t n_ratings = 0, n = 0, n2 = 0, size = 0;

    bm_write("librecsgd ");
    bm_write(rs_version_string());
    bm_write(" on a Cortex-M4F, no OS, no malloc\n");
    if (!check(rs_dataset_new(&ds, arena_alloc, &a), "rs_dataset_new") ||
        !check(make_ratings(ds, &n_ratings), "rs_dataset_add_rating") ||
        !check(rs_model_new(&m, RS_SCORER_COLLABORATIVE, arena_alloc, &a), "rs_model_new") ||
        !check(rs_model_set_int(m, RS_PARAM_FACTORS, 4), "factors") ||
        !check(rs_model_set_int(m, RS_PARAM_EPOCHS, 60), "epochs") ||
        !check(rs_model_set_double(m, RS_PARAM_LEARNING_RATE, 0.05), "learning rate") ||
        !check(rs_fit(m, ds, NULL), "rs_fit"))
        return 1;

    /* training RMSE */
    double se = 0;
    for (size_t j = 0; j < n_ratings; j++) {
        int64_t u, i;
        float r, w, y = 0;
        rs_dataset_get_rating(ds, j, &u, &i, &r, &w);
        if (!check(rs_predict(m, u, i, &y), "rs_predict"))
            return 1;
        se += (double)(r - y) * (double)(r - y);
    }
    float rmse = sqrtf((float)(se / (double)n_ratings));
    o = put_s(line, "fitted ");
    o = put_u(o, n_ratings);
    o = put_s(o, " ratings of ");
    o = put_u(o, USERS);
    o = put_s(o, " users x ");
    o = put_u(o, ITEMS);
    o = put_s(o, " items, 4 factors: train RMSE ");
    o = put_f3(o, rmse);
    say(line, o);

    if (!check(rs_topk(m, 100, TOPK, 0, NULL, 0, NULL, 0, items, scores, &n), "rs_topk"))
        return 1;
    o = put_s(line, "recommended for user 100 (up to 5 items not rated yet):");
    for (size_t j = 0; j < n; j++) {
        o = put_s(o, " ");
        o = put_u(o, (unsigned long)items[j]);
        o = put_s(o, " (");
        o = put_f3(o, scores[j]);
        o = put_s(o, ")");
    }
    say(line, o);

    /* save into a buffer, free everything, load back from it */
    if (!check(rs_model_save_buffer(m, blob, sizeof blob, &size, NULL, 0), "rs_model_save_buffer"))
        return 1;
    rs_model_free(m);
    rs_dataset_free(ds);
    o = put_s(line, "saved a ");
    o = put_u(o, size);
    o = put_s(o, "-byte model; freed the model and the ratings: ");
    o = put_u(o, a.in_use);
    o = put_s(o, " bytes in use");
    say(line, o);
    if (!check(rs_model_load_buffer(&back, blob, size, arena_alloc, &a, NULL, 0), "rs_model_load_buffer") ||
        !check(rs_topk(back, 100, TOPK, 0, NULL, 0, NULL, 0, items2, scores2, &n2), "rs_topk"))
        return 1;
    int same = n == n2 && !memcmp(items, items2, n * sizeof *items) && !memcmp(scores, scores2, n * sizeof *scores);
    o = put_s(line, "loaded back: ");
    o = put_u(o, rs_model_num_users(back));
    o = put_s(o, " users, ");
    o = put_u(o, rs_model_num_items(back));
    o = put_s(o, " items; same recommendations: ");
    o = put_s(o, same ? "yes" : "NO");
    say(line, o);
    rs_model_free(back);

    o = put_s(line, "arena: ");
    o = put_u(o, ARENA_BYTES);
    o = put_s(o, " bytes, high-water mark ");
    o = put_u(o, a.high);
    o = put_s(o, ", ");
    o = put_u(o, a.calls);
    o = put_s(o, " hook calls, ");
    o = put_u(o, a.failed);
    o = put_s(o, " failed, ");
    o = put_u(o, a.in_use);
    o = put_s(o, " bytes still in use");
    say(line, o);
    /* Built with RS_ENABLE_MALLOC=0: there is no libc allocator behind a NULL hook. */
    rs_model *none = NULL;
    rs_status st = rs_model_new(&none, RS_SCORER_COLLABORATIVE, NULL, NULL);
    o = put_s(line, "rs_model_new with a NULL hook: ");
    o = put_s(o, rs_status_string(st));
    say(line, o);
    int ok = same && a.in_use == 0 && a.failed == 0 && rmse < 0.5f && st == RS_ERR_NOMEM && !none;
    bm_write(ok ? "PASS\n" : "FAIL\n");
    return ok ? 0 : 1;
}

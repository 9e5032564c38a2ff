/* librecsgd benchmarks. SPDX-License-Identifier: BSD-2-Clause
 * scorers.c: train-only epoch time of the three scorers side by side, at
 * the same factors, on 1 and 2 threads, and whether 1 and 2 threads give
 * the same model.
 *
 * Data sets (each run on its own with --data):
 *   ml     MovieLens 100K fold 1 ($RS_DATA_DIR/ml-100k/u1.base, RS_DATA_DIR
 *          defaults to ../shared/data) with the item features (genres,
 *          release decade) and user features (gender, age, occupation) that
 *          bench/ml100k loads; skipped when absent;
 *   synth  a generated set with features: --users x --items, --ratings
 *          ratings; every user belongs to one of 20 groups and one of 50
 *          regions, every item carries 3 of 300 tags; the true rating is
 *          3.5 + a group and tag bias + <group + user taste, sum of tag
 *          vectors + item taste> (rank 10) + noise 0.5, items drawn with a
 *          Zipf-like popularity.
 * The collaborative scorer gets the same ratings (it ignores features).
 *
 * Every fit runs --epochs epochs (default 8; the cold-start refit is off,
 * it is not an epoch) with the library's defaults otherwise. The epoch time
 * is taken between progress callbacks, so setup stays out: a fit's figure
 * is the median over its epochs 2..E of the wall time and of the process
 * CPU time (all threads) of one epoch. --repeats rounds (default 3) each fit
 * every scorer on 1 and on 2 threads, the three scorers of a thread count
 * back to back; the ratios content/collaborative and hybrid/collaborative
 * (same thread count) and the 2-thread speedup (1-thread wall / 2-thread
 * wall) are taken within a round, and the summary prints the median over
 * the rounds, with the median times. SCORER_same_model=yes when every fit
 * of the scorer (every round, 1 and 2 threads) predicts bit-identical
 * scores for the first 5000 training pairs. On a shared machine the
 * figures are noisy: run it under callgrind with --only SCORER --threads 1
 * --repeats 1 for instruction counts.
 * The last line of each data set is a key=value summary. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <librecsgd/recsgd.h>

#define MAX_EPOCHS 200
#define N_PROBE 5000
#define MAX_REPEATS 15

typedef struct opts {
    const char *data;      /* "ml", "synth" or "both" */
    const char *data_dir;
    int64_t factors, epochs, max_threads;
    int repeats;
    int only;              /* 0: all scorers, else RS_SCORER_* */
    long users, items, ratings;
} opts;

typedef struct timing {
    double wall[MAX_EPOCHS + 1], cpu[MAX_EPOCHS + 1];
    int n;
} timing;

static double clock_of(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int32_t on_epoch(void *ud, const double *stats, size_t n_stats)
{
    (void)stats, (void)n_stats;
    timing *t = ud;
    if (t->n < MAX_EPOCHS) {
        t->n++;
        t->wall[t->n] = clock_of(CLOCK_MONOTONIC);
        t->cpu[t->n] = clock_of(CLOCK_PROCESS_CPUTIME_ID);
    }
    return 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Median of the epoch times 2..n (epoch 1 carries the setup). */
static double median_epoch(const double *at, int n)
{
    double d[MAX_EPOCHS];
    int m = 0;
    for (int e = 2; e <= n; e++)
        d[m++] = at[e] - at[e - 1];
    if (m == 0)
        return NAN;
    qsort(d, (size_t)m, sizeof *d, cmp_double);
    return m % 2 ? d[m / 2] : 0.5 * (d[m / 2 - 1] + d[m / 2]);
}

typedef struct result {
    double wall, cpu;
    float *probe; /* N_PROBE predictions */
} result;

static int fit_one(const opts *o, const rs_dataset *ds, int32_t scorer, int64_t threads, result *res)
{
    rs_model *m = NULL;
    if (rs_model_new(&m, scorer, NULL, NULL) != RS_OK)
        return -1;
    timing t;
    memset(&t, 0, sizeof t);
    int bad = 0;
    if (o->factors > 0)
        bad |= rs_model_set_int(m, RS_PARAM_FACTORS, o->factors) != RS_OK;
    bad |= rs_model_set_int(m, RS_PARAM_EPOCHS, o->epochs) != RS_OK;
    bad |= rs_model_set_int(m, RS_PARAM_THREADS, threads) != RS_OK;
    bad |= rs_model_set_double(m, RS_PARAM_TOLERANCE, 0.0) != RS_OK; /* every epoch runs */
    if (scorer != RS_SCORER_COLLABORATIVE)
        bad |= rs_model_set_int(m, RS_PARAM_COLD_EPOCHS, 0) != RS_OK;
    bad |= rs_model_set_progress_callback(m, on_epoch, &t) != RS_OK;
    t.wall[0] = clock_of(CLOCK_MONOTONIC);
    t.cpu[0] = clock_of(CLOCK_PROCESS_CPUTIME_ID);
    rs_status st = bad ? RS_ERR_INVALID_ARG : rs_fit(m, ds, NULL);
    if (st != RS_OK) {
        fprintf(stderr, "scorers: fit failed: %s\n", rs_model_last_error(m));
        rs_model_free(m);
        return -1;
    }
    res->wall = median_epoch(t.wall, t.n);
    res->cpu = median_epoch(t.cpu, t.n);
    size_t n = rs_dataset_num_ratings(ds);
    for (size_t j = 0; j < N_PROBE; j++) {
        int64_t u, i;
        rs_dataset_get_rating(ds, j % n, &u, &i, NULL, NULL);
        if (rs_predict(m, u, i, &res->probe[j]) != RS_OK)
            res->probe[j] = NAN;
    }
    rs_model_free(m);
    return 0;
}

static const char *scorer_name(int32_t s)
{
    return s == RS_SCORER_CONTENT ? "content" : s == RS_SCORER_HYBRID ? "hybrid" : "collaborative";
}

static double median_of(double *x, int n)
{
    qsort(x, (size_t)n, sizeof *x, cmp_double);
    return n % 2 ? x[n / 2] : 0.5 * (x[n / 2 - 1] + x[n / 2]);
}

/* Every repeat fits each scorer on 1..T threads, the scorers of one thread
 * count back to back (so a change in the machine's load hits them alike);
 * a ratio is taken within a repeat and the median over repeats printed. */
static int run_set(const opts *o, const char *name, const rs_dataset *ds)
{
    static const int32_t kinds[3] = {RS_SCORER_COLLABORATIVE, RS_SCORER_CONTENT, RS_SCORER_HYBRID};
    int64_t factors = o->factors;
    if (factors <= 0) {
        rs_model *m;
        rs_model_new(&m, RS_SCORER_COLLABORATIVE, NULL, NULL);
        rs_model_get_int(m, RS_PARAM_FACTORS, &factors);
        rs_model_free(m);
    }
    printf("data=%s ratings=%zu users=%zu items=%zu user_features=%zu item_features=%zu "
           "factors=%lld epochs=%lld repeats=%d\n",
           name, rs_dataset_num_ratings(ds), rs_dataset_num_users(ds), rs_dataset_num_items(ds),
           rs_dataset_num_features(ds, RS_SIDE_USER), rs_dataset_num_features(ds, RS_SIDE_ITEM),
           (long long)factors, (long long)o->epochs, o->repeats);
    fflush(stdout);
    int64_t T = o->max_threads;
    int R = o->repeats;
    /* per repeat, scorer and thread count: median epoch times */
    double wall[MAX_REPEATS][3][2], cpu[MAX_REPEATS][3][2];
    float *probe[3][2];
    memset(probe, 0, sizeof probe);
    int identical[3] = {1, 1, 1};
    for (int rep = 0; rep < R; rep++) {
        for (int64_t t = 1; t <= T; t++) {
            for (int k = 0; k < 3; k++) {
                if (o->only && o->only != kinds[k])
                    continue;
                result x;
                x.probe = malloc(N_PROBE * sizeof *x.probe);
                if (!x.probe || fit_one(o, ds, kinds[k], t, &x) != 0)
                    return -1;
                wall[rep][k][t - 1] = x.wall;
                cpu[rep][k][t - 1] = x.cpu;
                printf("repeat=%d scorer=%s threads=%lld epoch_wall=%.4f epoch_cpu=%.4f\n", rep + 1,
                       scorer_name(kinds[k]), (long long)t, x.wall, x.cpu);
                fflush(stdout);
                /* every fit of a scorer predicts the same as its first */
                if (!probe[k][0])
                    probe[k][0] = x.probe;
                else {
                    identical[k] &= memcmp(probe[k][0], x.probe, N_PROBE * sizeof(float)) == 0;
                    free(x.probe);
                }
            }
        }
    }
    printf("summary: data=%s factors=%lld repeats=%d", name, (long long)factors, R);
    double tmp[MAX_REPEATS];
    for (int64_t t = 1; t <= T; t++)
        for (int k = 0; k < 3; k++) {
            if (o->only && o->only != kinds[k])
                continue;
            for (int rep = 0; rep < R; rep++)
                tmp[rep] = wall[rep][k][t - 1];
            printf(" %s_t%lld_wall=%.4f", scorer_name(kinds[k]), (long long)t, median_of(tmp, R));
            for (int rep = 0; rep < R; rep++)
                tmp[rep] = cpu[rep][k][t - 1];
            printf(" %s_t%lld_cpu=%.4f", scorer_name(kinds[k]), (long long)t, median_of(tmp, R));
        }
    for (int64_t t = 1; t <= T && !o->only; t++)
        for (int k = 1; k < 3; k++) {
            for (int rep = 0; rep < R; rep++)
                tmp[rep] = wall[rep][k][t - 1] / wall[rep][0][t - 1];
            printf(" %s_vs_collaborative_t%lld_wall=%.2f", scorer_name(kinds[k]), (long long)t,
                   median_of(tmp, R));
            for (int rep = 0; rep < R; rep++)
                tmp[rep] = cpu[rep][k][t - 1] / cpu[rep][0][t - 1];
            printf(" %s_vs_collaborative_t%lld_cpu=%.2f", scorer_name(kinds[k]), (long long)t,
                   median_of(tmp, R));
        }
    for (int k = 0; k < 3; k++) {
        if (o->only && o->only != kinds[k])
            continue;
        if (T >= 2) {
            for (int rep = 0; rep < R; rep++)
                tmp[rep] = wall[rep][k][0] / wall[rep][k][1];
            printf(" %s_speedup_t2=%.2f", scorer_name(kinds[k]), median_of(tmp, R));
        }
        printf(" %s_same_model=%s", scorer_name(kinds[k]), identical[k] ? "yes" : "no");
    }
    printf("\n");
    for (int k = 0; k < 3; k++)
        free(probe[k][0]);
    return 0;
}

static rs_dataset *load_ml(const char *dir)
{
    char path[4096];
    rs_dataset *ds = NULL;
    if (rs_dataset_new(&ds, NULL, NULL) != RS_OK)
        return NULL;
    snprintf(path, sizeof path, "%s/ml-100k/u1.base", dir);
    rs_status st = rs_dataset_load_file(ds, path, RS_FORMAT_MOVIELENS);
    if (st == RS_OK) {
        snprintf(path, sizeof path, "%s/ml-100k/u.item", dir);
        st = rs_dataset_load_features_file(ds, RS_SIDE_ITEM, path, RS_FEATURES_MOVIELENS_ITEM);
    }
    if (st == RS_OK) {
        snprintf(path, sizeof path, "%s/ml-100k/u.user", dir);
        st = rs_dataset_load_features_file(ds, RS_SIDE_USER, path, RS_FEATURES_MOVIELENS_USER);
    }
    if (st != RS_OK) {
        rs_dataset_free(ds);
        return NULL;
    }
    return ds;
}

/* splitmix64 */
static uint64_t next_u64(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}
static double uniform(uint64_t *s) { return (double)(next_u64(s) >> 11) * 0x1.0p-53; }
static double normal(uint64_t *s)
{
    double u1 = uniform(s), u2 = uniform(s);
    return sqrt(-2.0 * log(u1 > 1e-300 ? u1 : 1e-300)) * cos(6.283185307179586 * u2);
}

enum { GROUPS = 20, REGIONS = 50, TAGS = 300, TAGS_PER_ITEM = 3, RANK = 10 };

static rs_dataset *make_synth(long users, long items, long ratings)
{
    uint64_t s = 20240611;
    rs_dataset *ds = NULL;
    double *uv = malloc(sizeof(double) * (size_t)users * RANK);
    double *iv = malloc(sizeof(double) * (size_t)items * RANK);
    double *cdf = malloc(sizeof(double) * (size_t)items);
    double gv[GROUPS][RANK], tv[TAGS][RANK], gb[GROUPS], tb[TAGS];
    int32_t *itag = malloc(sizeof(int32_t) * (size_t)items * TAGS_PER_ITEM);
    int32_t *ugroup = malloc(sizeof(int32_t) * (size_t)users);
    int64_t *uu = malloc(sizeof(int64_t) * (size_t)ratings), *ii = malloc(sizeof(int64_t) * (size_t)ratings);
    float *rr = malloc(sizeof(float) * (size_t)ratings);
    if (!uv || !iv || !cdf || !itag || !ugroup || !uu || !ii || !rr || rs_dataset_new(&ds, NULL, NULL) != RS_OK)
        goto fail;
    for (int g = 0; g < GROUPS; g++) {
        gb[g] = 0.3 * normal(&s);
        for (int k = 0; k < RANK; k++)
            gv[g][k] = 0.25 * normal(&s);
    }
    for (int t = 0; t < TAGS; t++) {
        tb[t] = 0.2 * normal(&s);
        for (int k = 0; k < RANK; k++)
            tv[t][k] = 0.2 * normal(&s);
    }
    char name[32];
    for (int g = 0; g < GROUPS; g++) {
        snprintf(name, sizeof name, "group=%d", g);
        if (rs_dataset_add_feature(ds, RS_SIDE_USER, name, NULL) != RS_OK)
            goto fail;
    }
    for (int r = 0; r < REGIONS; r++) {
        snprintf(name, sizeof name, "region=%d", r);
        if (rs_dataset_add_feature(ds, RS_SIDE_USER, name, NULL) != RS_OK)
            goto fail;
    }
    for (int t = 0; t < TAGS; t++) {
        snprintf(name, sizeof name, "tag=%d", t);
        if (rs_dataset_add_feature(ds, RS_SIDE_ITEM, name, NULL) != RS_OK)
            goto fail;
    }
    for (long u = 0; u < users; u++) {
        int32_t f[2] = {(int32_t)(next_u64(&s) % GROUPS), GROUPS + (int32_t)(next_u64(&s) % REGIONS)};
        ugroup[u] = f[0];
        for (int k = 0; k < RANK; k++)
            uv[u * RANK + k] = gv[f[0]][k] + 0.25 * normal(&s);
        if (rs_dataset_set_features(ds, RS_SIDE_USER, u, f, NULL, 2) != RS_OK)
            goto fail;
    }
    double total = 0;
    for (long i = 0; i < items; i++) {
        int32_t *f = itag + i * TAGS_PER_ITEM;
        for (int t = 0; t < TAGS_PER_ITEM; t++) {
            int again;
            do { /* distinct tags */
                f[t] = (int32_t)(next_u64(&s) % TAGS);
                again = 0;
                for (int q = 0; q < t; q++)
                    again |= f[q] == f[t];
            } while (again);
        }
        for (int k = 0; k < RANK; k++) {
            double x = 0.15 * normal(&s);
            for (int t = 0; t < TAGS_PER_ITEM; t++)
                x += tv[f[t]][k];
            iv[i * RANK + k] = x;
        }
        if (rs_dataset_set_features(ds, RS_SIDE_ITEM, i, f, NULL, TAGS_PER_ITEM) != RS_OK)
            goto fail;
        total += 1.0 / pow((double)(i + 10), 0.8); /* Zipf-like popularity */
        cdf[i] = total;
    }
    for (long j = 0; j < ratings; j++) {
        long u = (long)(next_u64(&s) % (uint64_t)users);
        double x = uniform(&s) * total;
        long lo = 0, hi = items - 1;
        while (lo < hi) {
            long mid = (lo + hi) / 2;
            if (cdf[mid] < x)
                lo = mid + 1;
            else
                hi = mid;
        }
        long i = lo;
        double y = 3.5 + gb[ugroup[u]] + 0.5 * normal(&s);
        for (int t = 0; t < TAGS_PER_ITEM; t++)
            y += tb[itag[i * TAGS_PER_ITEM + t]];
        for (int k = 0; k < RANK; k++)
            y += uv[u * RANK + k] * iv[i * RANK + k] * 4.0;
        uu[j] = u;
        ii[j] = i;
        rr[j] = (float)(y < 1.0 ? 1.0 : y > 5.0 ? 5.0 : y);
    }
    if (rs_dataset_add_ratings(ds, uu, ii, rr, NULL, (size_t)ratings) != RS_OK)
        goto fail;
    free(uv), free(iv), free(cdf), free(itag), free(ugroup), free(uu), free(ii), free(rr);
    return ds;
fail:
    free(uv), free(iv), free(cdf), free(itag), free(ugroup), free(uu), free(ii), free(rr);
    rs_dataset_free(ds);
    return NULL;
}

static void usage(void)
{
    fprintf(stderr, "usage: scorers [--data ml|synth|both] [--factors N] [--epochs N] [--threads N]\n"
                    "               [--repeats N]\n"
                    "               [--only collaborative|content|hybrid]\n"
                    "               [--users N] [--items N] [--ratings N]   (synth)\n");
}

int main(int argc, char **argv)
{
    opts o;
    memset(&o, 0, sizeof o);
    const char *env = getenv("RS_DATA_DIR");
    o.data_dir = env && *env ? env : "../shared/data";
    o.data = "both";
    o.epochs = 8;
    o.max_threads = 2;
    o.repeats = 3;
    o.users = 50000;
    o.items = 10000;
    o.ratings = 1000000;
    for (int k = 1; k < argc; k++) {
        const char *a = argv[k], *v = k + 1 < argc ? argv[k + 1] : NULL;
#define TAKE(name) (strcmp(a, name) == 0 && v && (k++, 1))
        if (TAKE("--data"))
            o.data = v;
        else if (TAKE("--data-dir"))
            o.data_dir = v;
        else if (TAKE("--factors"))
            o.factors = atoll(v);
        else if (TAKE("--epochs"))
            o.epochs = atoll(v);
        else if (TAKE("--threads"))
            o.max_threads = atoll(v);
        else if (TAKE("--repeats"))
            o.repeats = atoi(v);
        else if (TAKE("--users"))
            o.users = atol(v);
        else if (TAKE("--items"))
            o.items = atol(v);
        else if (TAKE("--ratings"))
            o.ratings = atol(v);
        else if (TAKE("--only")) {
            o.only = strcmp(v, "collaborative") == 0 ? RS_SCORER_COLLABORATIVE
                     : strcmp(v, "content") == 0     ? RS_SCORER_CONTENT
                     : strcmp(v, "hybrid") == 0      ? RS_SCORER_HYBRID
                                                     : -1;
            if (o.only < 0) {
                usage();
                return 2;
            }
        } else {
            usage();
            return 2;
        }
#undef TAKE
    }
    if (o.epochs < 2 || o.epochs > MAX_EPOCHS || o.max_threads < 1 || o.max_threads > 2 ||
        o.repeats < 1 || o.repeats > MAX_REPEATS ||
        o.users < 1 || o.items < 1 || o.ratings < 1) {
        usage();
        return 2;
    }
    int ran = 0;
    if (strcmp(o.data, "ml") == 0 || strcmp(o.data, "both") == 0) {
        rs_dataset *ds = load_ml(o.data_dir);
        if (!ds) {
            printf("data=ml100k-u1 skipped: %s/ml-100k not found\n", o.data_dir);
        } else {
            if (run_set(&o, "ml100k-u1", ds) != 0)
                return 1;
            rs_dataset_free(ds);
            ran++;
        }
    }
    if (strcmp(o.data, "synth") == 0 || strcmp(o.data, "both") == 0) {
        rs_dataset *ds = make_synth(o.users, o.items, o.ratings);
        if (!ds) {
            fprintf(stderr, "scorers: could not build the synthetic set\n");
            return 1;
        }
        if (run_set(&o, "synth", ds) != 0)
            return 1;
        rs_dataset_free(ds);
        ran++;
    }
    return ran ? 0 : 77;
}

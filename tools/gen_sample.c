/* librecsgd. SPDX-License-Identifier: BSD-2-Clause
 * gen_sample.c: writes the synthetic sample data set under data/sample/.
 *
 * Standalone on purpose (no librecsgd): the committed files must be
 * reproducible byte for byte on any IEEE-754 machine, so the generator uses
 * its own PRNG, an Irwin-Hall normal (sum of 12 uniforms) instead of
 * Box-Muller's log/cos, and only +, -, *, / and sqrt, which IEEE-754 rounds
 * exactly (sqrt is the only libm call).
 *
 * Model: rating = mu + b_u + b_i + p_u . q_i + noise, noise ~ N(0, 0.3^2),
 * then clipped to [1, 5] and written with one decimal. The rank-5 factors
 * p_u and q_i are a feature part (sum of per-feature latent vectors, so user
 * demographics and item genres/decades carry information) plus an individual
 * residual that only the ids can explain.
 *
 * export.csv holds the ratings of the first users again, written as a shop's
 * export would have them (string ids, a header line, ISO 8601 times) for
 * docs/guide/from-your-data.md.
 *
 * Build: cc -std=c11 -O2 tools/gen_sample.c -lm -o gen_sample
 * Usage: gen_sample [OUTDIR]   (default data/sample)
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N_USERS 1000
#define N_ITEMS 800
#define RANK 5
#define NOISE_STD 0.3
#define GLOBAL_MEAN 3.3
#define SEED 20261128u

/* ---- PRNG: splitmix64, good enough and trivially portable ---- */

static uint64_t rng_state = SEED;

static uint64_t rng_next(void)
{
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* Uniform in [0, 1) with 53 random bits: exact in a double. */
static double rng_uniform(void) { return (double)(rng_next() >> 11) * (1.0 / 9007199254740992.0); }

static uint32_t rng_below(uint32_t n) { return (uint32_t)(rng_uniform() * n); }

/* Approximate N(0, 1): Irwin-Hall with 12 terms has mean 6 and variance 1. */
static double rng_normal(void)
{
    double s = 0.0;
    for (int k = 0; k < 12; k++)
        s += rng_uniform();
    return s - 6.0;
}

/* ---- feature vocabularies ---- */

static const char *const AGES[] = {"age_under25", "age_25_34", "age_35_44", "age_45_54", "age_55plus"};
static const char *const GENDERS[] = {"gender_f", "gender_m"};
static const char *const OCCUPATIONS[] = {"occ_student", "occ_engineer", "occ_artist", "occ_educator",
                                          "occ_healthcare", "occ_writer", "occ_retired", "occ_other"};
static const char *const GENRES[] = {"genre_action", "genre_comedy", "genre_drama", "genre_romance",
                                     "genre_thriller", "genre_scifi", "genre_animation",
                                     "genre_documentary", "genre_horror", "genre_crime"};
static const char *const DECADES[] = {"decade_1970s", "decade_1980s", "decade_1990s", "decade_2000s",
                                      "decade_2010s"};

#define N_AGES (sizeof AGES / sizeof AGES[0])
#define N_GENDERS (sizeof GENDERS / sizeof GENDERS[0])
#define N_OCCS (sizeof OCCUPATIONS / sizeof OCCUPATIONS[0])
#define N_GENRES (sizeof GENRES / sizeof GENRES[0])
#define N_DECADES (sizeof DECADES / sizeof DECADES[0])

/* Latent vectors of the features: the information the features carry. */
static double age_vec[N_AGES][RANK], gender_vec[N_GENDERS][RANK], occ_vec[N_OCCS][RANK];
static double genre_vec[N_GENRES][RANK], decade_vec[N_DECADES][RANK];
static double age_bias[N_AGES], genre_bias[N_GENRES], decade_bias[N_DECADES];

typedef struct user {
    int age, gender, occ;
    double tenure; /* real-valued, uninformative: exercises name:value */
    double p[RANK], bias;
    int n_ratings;
} user;

typedef struct item {
    int genres[3], n_genres, decade;
    double runtime_h; /* real-valued, uninformative */
    double q[RANK], bias;
} item;

static user users[N_USERS];
static item items[N_ITEMS];

static void fill_normal(double *v, size_t n, double sd)
{
    for (size_t k = 0; k < n; k++)
        v[k] = sd * rng_normal();
}

static void make_vocab_vectors(void)
{
    /* Feature parts have variance ~0.25 per factor, the id residual ~0.12:
     * features explain about two thirds of the interaction signal. */
    const double sd3 = 0.2887; /* sqrt(0.25 / 3): three user features add up */
    for (size_t a = 0; a < N_AGES; a++) {
        fill_normal(age_vec[a], RANK, sd3);
        age_bias[a] = 0.15 * rng_normal();
    }
    for (size_t g = 0; g < N_GENDERS; g++)
        fill_normal(gender_vec[g], RANK, sd3);
    for (size_t o = 0; o < N_OCCS; o++)
        fill_normal(occ_vec[o], RANK, sd3);
    for (size_t g = 0; g < N_GENRES; g++) {
        fill_normal(genre_vec[g], RANK, 0.45);
        genre_bias[g] = 0.25 * rng_normal();
    }
    for (size_t d = 0; d < N_DECADES; d++) {
        fill_normal(decade_vec[d], RANK, 0.2);
        decade_bias[d] = 0.15 * rng_normal();
    }
}

static void make_users(void)
{
    for (int u = 0; u < N_USERS; u++) {
        user *x = &users[u];
        x->age = (int)rng_below(N_AGES);
        x->gender = (int)rng_below(N_GENDERS);
        x->occ = (int)rng_below(N_OCCS);
        x->tenure = (double)rng_below(1000) / 100.0;
        for (int k = 0; k < RANK; k++)
            x->p[k] = age_vec[x->age][k] + gender_vec[x->gender][k] + occ_vec[x->occ][k] +
                      0.35 * rng_normal();
        x->bias = age_bias[x->age] + 0.25 * rng_normal();
        /* Activity skew: a few heavy raters, many light ones (mean ~60). */
        double a = rng_uniform();
        x->n_ratings = 8 + (int)(a * a * a * 208.0);
    }
}

static void make_items(void)
{
    for (int i = 0; i < N_ITEMS; i++) {
        item *x = &items[i];
        x->n_genres = 1 + (int)rng_below(3);
        for (int g = 0; g < x->n_genres; g++) {
            int pick, dup;
            do {
                pick = (int)rng_below(N_GENRES);
                dup = 0;
                for (int h = 0; h < g; h++)
                    dup |= x->genres[h] == pick;
            } while (dup);
            x->genres[g] = pick;
        }
        x->decade = (int)rng_below(N_DECADES);
        x->runtime_h = 1.2 + (double)rng_below(160) / 100.0;
        double scale = 1.0 / sqrt((double)x->n_genres);
        x->bias = decade_bias[x->decade] + 0.3 * rng_normal();
        for (int k = 0; k < RANK; k++) {
            double s = 0.0;
            for (int g = 0; g < x->n_genres; g++)
                s += genre_vec[x->genres[g]][k];
            x->q[k] = scale * s + decade_vec[x->decade][k] + 0.35 * rng_normal();
        }
        for (int g = 0; g < x->n_genres; g++)
            x->bias += scale * genre_bias[x->genres[g]];
    }
}

/* Popularity: item at popularity rank r has weight 1 / (r + 15); the ranks
 * are a random permutation of the items. cdf[i] is the running sum. */
static double cdf[N_ITEMS];

static void make_popularity(void)
{
    int perm[N_ITEMS];
    for (int i = 0; i < N_ITEMS; i++)
        perm[i] = i;
    for (int i = N_ITEMS - 1; i > 0; i--) {
        int j = (int)rng_below((uint32_t)i + 1);
        int t = perm[i];
        perm[i] = perm[j];
        perm[j] = t;
    }
    double w[N_ITEMS];
    for (int r = 0; r < N_ITEMS; r++)
        w[perm[r]] = 1.0 / (double)(r + 15);
    double s = 0.0;
    for (int i = 0; i < N_ITEMS; i++) {
        s += w[i];
        cdf[i] = s;
    }
}

static int sample_item(void)
{
    double t = rng_uniform() * cdf[N_ITEMS - 1];
    int lo = 0, hi = N_ITEMS - 1;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (cdf[mid] > t)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

static double true_rating(int u, int i)
{
    double r = GLOBAL_MEAN + users[u].bias + items[i].bias;
    for (int k = 0; k < RANK; k++)
        r += users[u].p[k] * items[i].q[k];
    return r;
}

static FILE *open_out(const char *dir, const char *name)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "gen_sample: cannot write %s\n", path);
        exit(EXIT_FAILURE);
    }
    return f;
}

static void close_out(FILE *f, const char *name)
{
    if (ferror(f) || fclose(f) != 0) {
        fprintf(stderr, "gen_sample: error writing %s\n", name);
        exit(EXIT_FAILURE);
    }
}

/* One decimal, rounded half away from zero without libm's round(). */
static void put_decimal(FILE *f, double v)
{
    long t = (long)(v * 10.0 + (v >= 0 ? 0.5 : -0.5));
    if (t < 0) {
        fputc('-', f);
        t = -t;
    }
    fprintf(f, "%ld.%ld", t / 10, t % 10);
}

/* ---- export.csv: the first users' ratings as a shop's export has them ---- */

#define EXPORT_USERS 100

/* A version-4 style UUID of a user number (36 bytes). */
static void put_uuid(FILE *f, int user)
{
    uint64_t s = 0x5EED0000u + (uint64_t)user, a, b;
    a = (s += 0x9E3779B97F4A7C15ull);
    a = (a ^ (a >> 30)) * 0xBF58476D1CE4E5B9ull;
    a = (a ^ (a >> 27)) * 0x94D049BB133111EBull;
    a ^= a >> 31;
    b = (s += 0x9E3779B97F4A7C15ull);
    b = (b ^ (b >> 30)) * 0xBF58476D1CE4E5B9ull;
    b = (b ^ (b >> 27)) * 0x94D049BB133111EBull;
    b ^= b >> 31;
    fprintf(f, "%08x-%04x-4%03x-%04x-%012llx", (unsigned)(a >> 32), (unsigned)(a >> 16 & 0xffff),
            (unsigned)(a & 0xfff), (unsigned)(0x8000 | (b >> 48 & 0x3fff)),
            (unsigned long long)(b & 0xffffffffffffull));
}

/* Unix seconds as an ISO 8601 UTC date-time (H. Hinnant's civil_from_days). */
static void put_iso(FILE *f, uint32_t t)
{
    long z = (long)(t / 86400u) + 719468;
    long era = z / 146097, doe = z - era * 146097;
    long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
    long d = doy - (153 * mp + 2) / 5 + 1, m = mp < 10 ? mp + 3 : mp - 9;
    long y = yoe + era * 400 + (m <= 2);
    uint32_t sec = t % 86400u;
    fprintf(f, "%04ld-%02ld-%02ldT%02u:%02u:%02uZ", y, m, d, sec / 3600, sec / 60 % 60, sec % 60);
}

static void export_line(FILE *f, int user, int item, double r, uint32_t ts)
{
    put_uuid(f, user);
    fprintf(f, ",SKU-%05d,", item);
    put_decimal(f, r);
    fputc(',', f);
    put_iso(f, ts);
    fputc('\n', f);
}

static size_t write_ratings(const char *dir, double *sse_noise)
{
    FILE *f = open_out(dir, "ratings.tsv");
    FILE *ex = open_out(dir, "export.csv");
    fprintf(ex, "# librecsgd sample export (tools/gen_sample.c): the ratings of users 1-%d of\n"
                "# ratings.tsv as a shop's CSV export has them: customer UUIDs, product SKUs,\n"
                "# star ratings and ISO 8601 purchase times; see docs/guide/from-your-data.md\n"
                "customer_id,sku,stars,purchased_at\n",
            EXPORT_USERS);
    static unsigned char seen[N_ITEMS];
    size_t total = 0;
    uint32_t ts = 978300000u;
    *sse_noise = 0.0;
    /* librecsgd's loaders skip '#' lines, so the file can say what it is. */
    fprintf(f, "# librecsgd sample ratings (tools/gen_sample.c): user item rating timestamp\n"
               "# rank %d, noise std %.2f before clipping to [1, 5]; see data/sample/README.md\n",
            RANK, NOISE_STD);
    for (int u = 0; u < N_USERS; u++) {
        memset(seen, 0, sizeof seen);
        for (int n = 0; n < users[u].n_ratings; n++) {
            int i;
            do
                i = sample_item();
            while (seen[i]);
            seen[i] = 1;
            double clean = true_rating(u, i);
            double r = clean + NOISE_STD * rng_normal();
            if (r < 1.0)
                r = 1.0;
            if (r > 5.0)
                r = 5.0;
            double cl = clean < 1.0 ? 1.0 : clean > 5.0 ? 5.0 : clean;
            long t = (long)(r * 10.0 + 0.5);
            double written = (double)t / 10.0;
            *sse_noise += (written - cl) * (written - cl);
            ts += 1 + rng_below(600);
            fprintf(f, "%d\t%d\t", u + 1, i + 1);
            put_decimal(f, r);
            fprintf(f, "\t%u\n", ts);
            if (u < EXPORT_USERS)
                export_line(ex, u + 1, i + 1, r, ts);
            total++;
        }
    }
    close_out(f, "ratings.tsv");
    close_out(ex, "export.csv");
    return total;
}

static void write_user_features(const char *dir)
{
    FILE *f = open_out(dir, "user_features.txt");
    fprintf(f, "# librecsgd sample user features (tools/gen_sample.c): id name[:value] ...\n");
    for (int u = 0; u < N_USERS; u++) {
        const user *x = &users[u];
        fprintf(f, "%d %s %s %s tenure_years:", u + 1, AGES[x->age], GENDERS[x->gender],
                OCCUPATIONS[x->occ]);
        put_decimal(f, x->tenure);
        fputc('\n', f);
    }
    close_out(f, "user_features.txt");
}

static void write_item_features(const char *dir)
{
    FILE *f = open_out(dir, "item_features.txt");
    fprintf(f, "# librecsgd sample item features (tools/gen_sample.c): id name[:value] ...\n");
    for (int i = 0; i < N_ITEMS; i++) {
        const item *x = &items[i];
        fprintf(f, "%d", i + 1);
        for (int g = 0; g < x->n_genres; g++)
            fprintf(f, " %s", GENRES[x->genres[g]]);
        fprintf(f, " %s runtime_hours:", DECADES[x->decade]);
        put_decimal(f, x->runtime_h);
        fputc('\n', f);
    }
    close_out(f, "item_features.txt");
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : "data/sample";
    if (argc > 2) {
        fprintf(stderr, "usage: gen_sample [OUTDIR]\n");
        return EXIT_FAILURE;
    }
    make_vocab_vectors();
    make_users();
    make_items();
    make_popularity();
    double sse;
    size_t n = write_ratings(dir, &sse);
    write_user_features(dir);
    write_item_features(dir);
    /* The irreducible error: what a perfect model of the clean signal would
     * score (noise after clipping and rounding to one decimal). */
    printf("# gen_sample: %d users, %d items, rank %d, %zu ratings\n", N_USERS, N_ITEMS, RANK, n);
    printf("# noise std %.2f (before clipping); RMSE of the true model on the data: %.4f\n",
           NOISE_STD, sqrt(sse / (double)n));
    return EXIT_SUCCESS;
}

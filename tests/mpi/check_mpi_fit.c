/* librecsgd. SPDX-License-Identifier: BSD-2-Clause
 * check_mpi_fit.c: librecsgd-mpi against rs_fit, run under mpirun with any
 * rank count by tests/mpi/check_mpi.sh (one case per run):
 *
 *   equal SCORER POLICY [EPOCHS]  synthetic data (tests/synth.h) split into the ranks'
 *                        shares; rs_mpi_fit's model against rs_fit's on the
 *                        whole set: the saved bytes must be identical where
 *                        the scheme promises it (collaborative; any scorer on
 *                        one rank), else a test RMSE at most 1% above
 *                        rs_fit's; a second rs_mpi_fit with the same seed
 *                        and rank count must save the same bytes
 *   exact SCORER POLICY  the same without the cold-start refit (it runs on
 *                        one rank only): the saved bytes must be rs_fit's
 *                        on any rank count (content and hybrid: the
 *                        deferred feature rows' sums are added over the
 *                        ranks after every diagonal, mpi/lib/epoch.c)
 *   threads              two training threads per rank (and in rs_fit)
 *   valid                the same with a validation set and early stopping
 *   halve                a learning rate that diverges: rollback and halving
 *   file PATH            rs_mpi_load_ratings (split) + rs_mpi_fit against
 *                        rs_dataset_load_file + rs_fit on the same file:
 *                        the shares hold the file's ratings, the model is
 *                        rs_fit's
 *   csv                  a CSV file with comments and a header, split
 *   formats              CSV without a header, TSV with one, string ids
 *   gzip                 a gzip file cannot be split: every rank says so
 *   badline              a malformed line in one rank's share: every rank
 *                        fails alike, the message names that rank and the
 *                        line of the whole file; the datasets are unchanged
 *   nomem                the last rank's allocator fails its k-th allocation
 *                        (k = 1, 2, ...): every rank returns the same status,
 *                        no rank leaks, the models are untouched
 *   timeout              the last rank joins late: the others give up after
 *                        the job's timeout instead of hanging
 *   resume               checkpoints every 3 epochs of 7; a second job
 *                        resumes from epoch 6 and must save the same bytes
 *
 * Prints "PASS ..." lines on rank 0 and exits non-zero on any failure. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <librecsgd/recsgd_mpi.h>

#include "synth.h"
#include "testutil.h"

static int rank, size, failures;
static int64_t g_threads = 1; /* RS_PARAM_THREADS of every model */
static int64_t g_cold = -1;    /* RS_PARAM_COLD_EPOCHS of every model (-1: the default) */

#define CHECK(cond, ...)                                                                      \
    do {                                                                                      \
        if (!(cond)) {                                                                        \
            fprintf(stderr, "FAIL [rank %d] %s:%d: ", rank, __FILE__, __LINE__);              \
            fprintf(stderr, __VA_ARGS__);                                                     \
            fputc('\n', stderr);                                                              \
            failures++;                                                                       \
        }                                                                                     \
    } while (0)

enum { USERS = 300, ITEMS = 200 };

static unsigned char *model_bytes(const rs_model *m, size_t *n)
{
    *n = 0;
    if (rs_model_save_buffer(m, NULL, 0, n, NULL, 0) != RS_ERR_RANGE && *n == 0)
        return NULL;
    unsigned char *b = malloc(*n);
    if (b && rs_model_save_buffer(m, b, *n, n, NULL, 0) != RS_OK) {
        free(b);
        return NULL;
    }
    return b;
}

/* Ratings [r * n / size, (r + 1) * n / size) of full: the shares in rank
 * order are full. Features (every rank all of them) when asked. */
static rs_dataset *share_of(const rs_dataset *full, int features)
{
    rs_dataset *ds;
    if (rs_dataset_new(&ds, NULL, NULL) != RS_OK)
        return NULL;
    size_t n = rs_dataset_num_ratings(full);
    size_t lo = n * (size_t)rank / (size_t)size, hi = n * (size_t)(rank + 1) / (size_t)size;
    for (size_t j = lo; j < hi; j++) {
        int64_t u, i;
        float r, w;
        rs_dataset_get_rating(full, j, &u, &i, &r, &w);
        if (rs_dataset_add_rating(ds, u, i, r, w) != RS_OK) {
            rs_dataset_free(ds);
            return NULL;
        }
    }
    if (features && synth_features(ds, USERS, ITEMS) != 0) {
        rs_dataset_free(ds);
        return NULL;
    }
    return ds;
}

/* Ratings first, then the features (the order a file-based run loads them):
 * the feature-only ids then come after the rated ones, as in the shares. */
static void make_data(rs_dataset **train, rs_dataset **test, int features)
{
    rs_dataset *tr, *te, *ord;
    rs_dataset_new(&tr, NULL, NULL);
    rs_dataset_new(&te, NULL, NULL);
    synth_make(tr, te, USERS, ITEMS, 4, 0.12, 0.2, 0.1, 20240601);
    rs_dataset_new(&ord, NULL, NULL);
    for (size_t j = 0; j < rs_dataset_num_ratings(tr); j++) {
        int64_t u, i;
        float r, w;
        rs_dataset_get_rating(tr, j, &u, &i, &r, &w);
        rs_dataset_add_rating(ord, u, i, r, w);
    }
    if (features)
        synth_features(ord, USERS, ITEMS);
    rs_dataset_free(tr);
    *train = ord;
    *test = te;
}

static rs_model *new_model(int32_t scorer, int64_t policy, int64_t epochs, double lr)
{
    rs_model *m;
    if (rs_model_new(&m, scorer, NULL, NULL) != RS_OK)
        return NULL;
    rs_model_set_int(m, RS_PARAM_FACTORS, 8);
    rs_model_set_int(m, RS_PARAM_EPOCHS, epochs);
    rs_model_set_int(m, RS_PARAM_SEED, 7);
    rs_model_set_int(m, RS_PARAM_LR_POLICY, policy);
    rs_model_set_int(m, RS_PARAM_THREADS, g_threads);
    if (g_cold >= 0)
        rs_model_set_int(m, RS_PARAM_COLD_EPOCHS, g_cold);
    if (lr > 0)
        rs_model_set_double(m, RS_PARAM_LEARNING_RATE, lr);
    return m;
}

static rs_mpi_job *new_job(void)
{
    rs_mpi_job *job = NULL;
    rs_status st = rs_mpi_job_new(&job, MPI_COMM_WORLD, NULL, NULL);
    CHECK(st == RS_OK, "rs_mpi_job_new: %s", rs_status_string(st));
    return job;
}

/* The status every rank got must be one status. */
static void check_same_status(rs_status st, const char *what)
{
    int lo = st, hi = st;
    MPI_Allreduce(MPI_IN_PLACE, &lo, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    MPI_Allreduce(MPI_IN_PLACE, &hi, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    CHECK(lo == hi, "%s: the ranks returned different statuses (%d .. %d)", what, lo, hi);
}

/* Every rank holds rank 0's message. */
static void check_same_message(const char *msg, const char *what)
{
    char m0[512] = "";
    snprintf(m0, sizeof m0, "%s", msg);
    MPI_Bcast(m0, sizeof m0, MPI_CHAR, 0, MPI_COMM_WORLD);
    CHECK(strcmp(m0, msg) == 0, "%s: message '%s' differs from rank 0's '%s'", what, msg, m0);
}

/* rs_mpi_fit on shares of train against rs_fit on train (rank 0). */
static size_t diverged_epochs(const rs_model *m)
{
    size_t n = 0;
    for (size_t e = 0; e < rs_model_num_epoch_stats(m); e++) {
        double row[32];
        size_t got = 0;
        if (rs_model_epoch_stats(m, e, row, 32, &got) == RS_OK && got > RS_STAT_DIVERGED &&
            row[RS_STAT_DIVERGED] == 1.0)
            n++;
    }
    return n;
}

static void compare_fit(const char *name, int32_t scorer, int64_t policy, int64_t epochs, double lr,
                        int with_valid, int expect_identical)
{
    rs_dataset *train, *test;
    int features = scorer != RS_SCORER_COLLABORATIVE;
    make_data(&train, &test, features);
    rs_dataset *share = share_of(train, features), *vshare = with_valid ? share_of(test, 0) : NULL;
    rs_model *m = new_model(scorer, policy, epochs, lr);
    if (scorer == RS_SCORER_COLLABORATIVE && lr > 1.0)
        rs_model_set_int(m, RS_PARAM_ON_DIVERGENCE, RS_DIVERGENCE_HALVE_LR);
    rs_mpi_job *job = new_job();
    CHECK(share && m && job && (!with_valid || vshare), "%s: setup", name);
    if (!share || !m || !job)
        return;
    rs_status st = rs_mpi_fit(job, m, share, vshare);
    CHECK(st == RS_OK, "%s: rs_mpi_fit: %s (%s)", name, rs_status_string(st), rs_mpi_job_last_error(job));
    check_same_status(st, name);
    /* Determinism: the same seed and rank count give the same bytes. */
    rs_model *again = new_model(scorer, policy, epochs, lr);
    if (again && scorer == RS_SCORER_COLLABORATIVE && lr > 1.0)
        rs_model_set_int(again, RS_PARAM_ON_DIVERGENCE, RS_DIVERGENCE_HALVE_LR);
    rs_status st2 = again ? rs_mpi_fit(job, again, share, vshare) : RS_ERR_NOMEM;
    CHECK(st2 == st, "%s: the second rs_mpi_fit: %s", name, rs_status_string(st2));
    int repeatable = 0;
    if (rank == 0 && st == RS_OK && st2 == RS_OK) {
        size_t n1 = 0, n2 = 0;
        unsigned char *b1 = model_bytes(m, &n1), *b2 = model_bytes(again, &n2);
        repeatable = b1 && b2 && n1 == n2 && memcmp(b1, b2, n1) == 0;
        CHECK(repeatable, "%s: two runs with seed 7 on %d ranks saved different models", name, size);
        free(b1);
        free(b2);
    }
    rs_model_free(again);
    if (rank == 0 && st == RS_OK) {
        rs_model *ref = new_model(scorer, policy, epochs, lr);
        if (scorer == RS_SCORER_COLLABORATIVE && lr > 1.0)
            rs_model_set_int(ref, RS_PARAM_ON_DIVERGENCE, RS_DIVERGENCE_HALVE_LR);
        rs_status rst = rs_fit(ref, train, with_valid ? test : NULL);
        CHECK(rst == RS_OK, "%s: rs_fit: %s", name, rs_model_last_error(ref));
        size_t na = 0, nb = 0;
        unsigned char *a = model_bytes(m, &na), *b = model_bytes(ref, &nb);
        int same = a && b && na == nb && memcmp(a, b, na) == 0;
        double ra = synth_rmse(m, test), rb = synth_rmse(ref, test);
        size_t ea = rs_model_num_epoch_stats(m), eb = rs_model_num_epoch_stats(ref);
        int64_t bands = 0;
        rs_mpi_job_get_int(job, RS_MPI_INFO_BANDS, &bands);
        if (expect_identical)
            CHECK(same, "%s: the model differs from rs_fit's (%zu / %zu bytes; test RMSE %.6f vs "
                  "%.6f; epochs %zu vs %zu)", name, na, nb, ra, rb, ea, eb);
        /* Where the model is not rs_fit's (content and hybrid on more than
         * one rank: no cold-start refit there), its test
         * RMSE must not be more than 1% above rs_fit's; it may be lower
         * (docs/guide/distributed.md has the figures). */
        if (expect_identical)
            CHECK(fabs(ra - rb) <= 0.01 * rb, "%s: test RMSE %.6f vs rs_fit's %.6f: more than 1%% "
                  "apart", name, ra, rb);
        else
            CHECK(ra <= 1.01 * rb, "%s: test RMSE %.6f is more than 1%% above rs_fit's %.6f", name,
                  ra, rb);
        size_t dv = diverged_epochs(m), dr = diverged_epochs(ref);
        CHECK(dv == dr, "%s: %zu diverged epochs, rs_fit %zu", name, dv, dr);
        CHECK(lr <= 1.0 || dv > 0, "%s: the learning rate %g did not diverge", name, lr);
        printf("PASS %s on %d ranks (%lld bands): %s; test RMSE %.6f vs rs_fit %.6f (%+.3f%%), "
               "%zu epochs (%zu diverged, rolled back); %s\n", name, size, (long long)bands,
               same ? "model bytes identical to rs_fit's" : "model differs (as documented)", ra, rb,
               100.0 * (ra - rb) / rb, ea, dv,
               repeatable ? "a second run saved the same bytes" : "second run differs");
        free(a);
        free(b);
        rs_model_free(ref);
    }
    rs_mpi_job_free(job);
    rs_model_free(m);
    rs_dataset_free(share);
    rs_dataset_free(vshare);
    rs_dataset_free(train);
    rs_dataset_free(test);
}

/* RMSE of m on a dataset with string ids (rs_model_evaluate_ratings). */
static double str_rmse(const rs_model *m, const rs_dataset *ds)
{
    double met[16];
    size_t got = 0;
    if (rs_model_evaluate_ratings(m, ds, met, 16, &got) != RS_OK || got <= RS_METRIC_RMSE)
        return NAN;
    return met[RS_METRIC_RMSE];
}

/* An order-free digest of a dataset's ratings (a sum of per-rating hashes). */
static unsigned long long ratings_digest(const rs_dataset *ds)
{
    unsigned long long sum = 0;
    for (size_t j = 0; j < rs_dataset_num_ratings(ds); j++) {
        int64_t u = 0, i = 0;
        float r, w;
        rs_dataset_get_rating(ds, j, &u, &i, &r, &w); /* string ids: their 64-bit keys */
        uint32_t rb;
        memcpy(&rb, &r, sizeof rb);
        unsigned long long z = (unsigned long long)u * 0x9E3779B97F4A7C15ull ^
                               (unsigned long long)i * 0xBF58476D1CE4E5B9ull ^ rb;
        z = (z ^ (z >> 31)) * 0x94D049BB133111EBull;
        sum += z ^ (z >> 29);
    }
    return sum;
}

static void case_file_ids(const char *path, int32_t format, int strings)
{
    rs_mpi_job *job = new_job();
    rs_dataset *ds, *full;
    rs_dataset_new(&ds, NULL, NULL);
    if (strings)
        rs_dataset_set_int(ds, RS_PARAM_STRING_IDS, 1);
    rs_status st = rs_mpi_load_ratings(job, ds, path, format, RS_MPI_SHARE_SPLIT);
    CHECK(st == RS_OK, "load %s: %s", path, rs_mpi_job_last_error(job));
    unsigned long long n = rs_dataset_num_ratings(ds), total = 0;
    MPI_Allreduce(&n, &total, 1, MPI_UNSIGNED_LONG_LONG, MPI_SUM, MPI_COMM_WORLD);
    rs_dataset_new(&full, NULL, NULL);
    if (strings)
        rs_dataset_set_int(full, RS_PARAM_STRING_IDS, 1);
    rs_status fst = rs_dataset_load_file(full, path, format);
    CHECK(fst == RS_OK, "rs_dataset_load_file %s: %s", path, rs_dataset_last_error(full));
    CHECK(total == rs_dataset_num_ratings(full), "shares hold %llu ratings, the file %zu", total,
          rs_dataset_num_ratings(full));
    unsigned long long dig = ratings_digest(ds), dig_all = 0;
    MPI_Allreduce(&dig, &dig_all, 1, MPI_UNSIGNED_LONG_LONG, MPI_SUM, MPI_COMM_WORLD);
    CHECK(dig_all == ratings_digest(full), "the shares do not hold the file's ratings");
    rs_model *m = new_model(RS_SCORER_COLLABORATIVE, RS_LR_AUTO, 5, 0);
    st = rs_mpi_fit(job, m, ds, NULL);
    CHECK(st == RS_OK, "rs_mpi_fit on %s: %s", path, rs_mpi_job_last_error(job));
    if (rank == 0) {
        rs_model *ref = new_model(RS_SCORER_COLLABORATIVE, RS_LR_AUTO, 5, 0);
        CHECK(rs_fit(ref, full, NULL) == RS_OK, "rs_fit: %s", rs_model_last_error(ref));
        size_t na = 0, nb = 0;
        unsigned char *a = model_bytes(m, &na), *b = model_bytes(ref, &nb);
        int same = a && b && na == nb && memcmp(a, b, na) == 0;
        double ra = strings ? str_rmse(m, full) : synth_rmse(m, full);
        double rb = strings ? str_rmse(ref, full) : synth_rmse(ref, full);
        CHECK(rs_model_has_string_ids(m) == strings, "the model's kind of id");
        CHECK(same, "the model of the split file differs from rs_fit's on the whole file "
              "(training RMSE %.6f vs %.6f)", ra, rb);
        printf("PASS file %s on %d ranks: the shares hold the file's %llu ratings, %s (training "
               "RMSE %.6f vs %.6f)\n", path, size, total,
               same ? "model identical to rs_fit's" : "model differs", ra, rb);
        free(a);
        free(b);
        rs_model_free(ref);
    }
    rs_model_free(m);
    rs_dataset_free(ds);
    rs_dataset_free(full);
    rs_mpi_job_free(job);
}

static void case_file(const char *path, int32_t format) { case_file_ids(path, format, 0); }

/* A file written by rank 0 for all ranks (one machine, or a shared FS). */
static void shared_file(char *path, const char *text)
{
    if (rank == 0)
        CHECK(tu_write_temp(path, text) == 0, "cannot write a temp file");
    MPI_Bcast(path, 64, MPI_CHAR, 0, MPI_COMM_WORLD);
}

static void case_csv(void)
{
    /* Comments and blank lines before the header, CRLF, a quoted field. */
    char *text = malloc(1 << 20);
    size_t n = 0;
    n += (size_t)sprintf(text + n, "# ratings\n\n  # more\nuserId,movieId,rating,timestamp\r\n");
    for (int j = 0; j < 3000; j++)
        n += (size_t)sprintf(text + n, "%d,\"%d\",%d.5,%d\n", j % 97 + 1, (j * 31) % 113 + 1,
                             j % 4 + 1, 1000 + j);
    char path[64];
    shared_file(path, text);
    case_file(path, RS_FORMAT_CSV);
    if (rank == 0)
        unlink(path);
    free(text);
}

/* A CSV file without a header (detected: its first line is a rating), a TSV
 * file with one, and a file of string ids: the shares hold the file's
 * ratings once each. */
static void case_formats(void)
{
    char *text = malloc(1 << 20);
    char path[64];
    for (int kind = 0; kind < 3; kind++) {
        size_t n = 0;
        if (kind == 1)
            n += (size_t)sprintf(text + n, "user\titem\trating\n");
        for (int j = 0; j < 3000; j++) {
            int u = j % 97 + 1, i = (j * 31) % 113 + 1, r = j % 4 + 1;
            if (kind == 0)
                n += (size_t)sprintf(text + n, "%d,%d,%d\n", u, i, r);
            else if (kind == 1)
                n += (size_t)sprintf(text + n, "%d\t%d\t%d\n", u, i, r);
            else
                n += (size_t)sprintf(text + n, "user-%d sku:%d %d\n", u, i, r);
        }
        shared_file(path, text);
        if (kind == 0)
            case_file(path, RS_FORMAT_CSV);
        else if (kind == 1)
            case_file(path, RS_FORMAT_TSV);
        else
            case_file_ids(path, RS_FORMAT_MOVIELENS, 1);
        MPI_Barrier(MPI_COMM_WORLD);
        if (rank == 0)
            unlink(path);
    }
    free(text);
}

/* A gzip file cannot be split by byte ranges: every rank says so, alike. */
static void case_gzip(void)
{
    char path[64];
    shared_file(path, "\x1f\x8b\x08\x00 not really compressed\n");
    rs_mpi_job *job = new_job();
    rs_dataset *ds;
    rs_dataset_new(&ds, NULL, NULL);
    rs_status st = rs_mpi_load_ratings(job, ds, path, RS_FORMAT_MOVIELENS, RS_MPI_SHARE_SPLIT);
    const char *msg = rs_mpi_job_last_error(job);
    CHECK(st == RS_ERR_INVALID_ARG && strstr(msg, "gzip"), "gzip split: %s (%s)",
          rs_status_string(st), msg);
    check_same_status(st, "gzip split");
    check_same_message(msg, "gzip split");
    if (rank == 0)
        printf("PASS gzip on %d ranks: every rank: %s\n", size, msg);
    rs_dataset_free(ds);
    rs_mpi_job_free(job);
    MPI_Barrier(MPI_COMM_WORLD);
    if (rank == 0)
        unlink(path);
}

/* Options rs_mpi_fit does not support are refused on every rank alike, and
 * the model stays unfitted. */
static void case_unsupported(void)
{
    rs_mpi_job *job = new_job();
    rs_dataset *ds;
    rs_dataset_new(&ds, NULL, NULL);
    for (int j = 0; j < 200; j++)
        rs_dataset_add_rating(ds, rank * 1000 + j % 20, j % 13, (float)(1 + j % 5), 1.0f);
    rs_model *m = new_model(RS_SCORER_COLLABORATIVE, RS_LR_AUTO, 3, 0);
    CHECK(rs_model_set_int(m, RS_PARAM_IMPLICIT_USER_FACTORS, 1) == RS_OK, "set option");
    rs_status st = rs_mpi_fit(job, m, ds, NULL);
    const char *msg = rs_mpi_job_last_error(job);
    CHECK(st == RS_ERR_INVALID_ARG && strstr(msg, "RS_PARAM_IMPLICIT_USER_FACTORS"),
          "implicit user factors: %s (%s)", rs_status_string(st), msg);
    CHECK(rs_model_num_users(m) == 0, "the refused fit left a fitted model");
    check_same_status(st, "implicit user factors");
    check_same_message(msg, "implicit user factors");
    if (rank == 0)
        printf("PASS unsupported option on %d ranks: every rank: %s\n", size, msg);
    rs_model_free(m);
    rs_dataset_free(ds);
    rs_mpi_job_free(job);
}

static void case_badline(void)
{
    char *text = malloc(1 << 16);
    size_t n = 0;
    for (int j = 1; j <= 1000; j++)
        n += (size_t)sprintf(text + n, j == 777 ? "%d 5 x\n" : "%d %d 4\n", j % 50 + 1, j % 40 + 1);
    char path[64];
    shared_file(path, text);
    rs_mpi_job *job = new_job();
    rs_dataset *ds;
    rs_dataset_new(&ds, NULL, NULL);
    rs_dataset_add_rating(ds, 1, 1, 3.0f, 1.0f); /* must survive the failed load */
    rs_status st = rs_mpi_load_ratings(job, ds, path, RS_FORMAT_MOVIELENS, RS_MPI_SHARE_SPLIT);
    const char *msg = rs_mpi_job_last_error(job);
    CHECK(st == RS_ERR_FORMAT, "bad line: status %s (%s)", rs_status_string(st), msg);
    check_same_status(st, "bad line");
    check_same_message(msg, "bad line");
    char want[128];
    snprintf(want, sizeof want, "%s:777:", path);
    CHECK(strncmp(msg, "rank ", 5) == 0 && strstr(msg, want), "bad line: message '%s' lacks "
          "the rank or '%s'", msg, want);
    CHECK(rs_dataset_num_ratings(ds) == 1, "bad line: the dataset changed (%zu ratings)",
          rs_dataset_num_ratings(ds));
    if (rank == 0)
        printf("PASS badline on %d ranks: every rank: %s\n", size, msg);
    rs_dataset_free(ds);
    rs_mpi_job_free(job);
    if (rank == 0)
        unlink(path);
    free(text);
}

static void case_nomem(void)
{
    rs_dataset *train, *test;
    make_data(&train, &test, 0);
    rs_dataset *share = share_of(train, 0);
    rs_mpi_job *job = new_job();
    int victim = size - 1, fails = 0, k;
    for (k = 1; k < 2000; k++) {
        tu_alloc ta;
        memset(&ta, 0, sizeof ta);
        rs_model *m = NULL;
        if (rank == victim) {
            rs_model_new(&m, RS_SCORER_COLLABORATIVE, tu_alloc_fn, &ta);
            rs_model_set_int(m, RS_PARAM_FACTORS, 8);
            rs_model_set_int(m, RS_PARAM_EPOCHS, 2);
            rs_model_set_int(m, RS_PARAM_SEED, 7);
            rs_model_set_int(m, RS_PARAM_LR_POLICY, RS_LR_AUTO);
            ta.fail_at = ta.calls + (size_t)k;
        } else {
            m = new_model(RS_SCORER_COLLABORATIVE, RS_LR_AUTO, 2, 0);
        }
        rs_status st = rs_mpi_fit(job, m, share, NULL);
        check_same_status(st, "out of memory");
        const char *msg = rs_mpi_job_last_error(job);
        if (st == RS_OK) {
            rs_model_free(m);
            CHECK(rank != victim || ta.live == 0, "k=%d: %zu blocks leaked", k, ta.live);
            break;
        }
        fails++;
        char want[64];
        snprintf(want, sizeof want, "rank %d: out of memory", victim);
        CHECK(st == RS_ERR_NOMEM && strncmp(msg, want, strlen(want)) == 0,
              "k=%d: %s: '%s' (expected '%s ...')", k, rs_status_string(st), msg, want);
        CHECK(rs_model_num_users(m) == 0, "k=%d: a failed fit changed the model", k);
        rs_model_free(m);
        CHECK(rank != victim || ta.live == 0, "k=%d: %zu blocks leaked", k, ta.live);
        CHECK(rank != victim || ta.bad_osize == 0, "k=%d: wrong osize", k);
    }
    CHECK(k < 2000 && fails > 5, "out of memory: %d failing points, stopped at k=%d", fails, k);
    if (rank == 0)
        printf("PASS nomem on %d ranks: rank %d failing at each of %d allocations of the fit: every "
               "rank returned RS_ERR_NOMEM naming it, no leak; then RS_OK\n", size, victim, fails);
    rs_mpi_job_free(job);
    rs_dataset_free(share);
    rs_dataset_free(train);
    rs_dataset_free(test);
}

static void case_timeout(void)
{
    rs_dataset *train, *test;
    make_data(&train, &test, 0);
    rs_dataset *share = share_of(train, 0);
    rs_mpi_job *job = new_job();
    rs_mpi_job_set_double(job, RS_MPI_PARAM_TIMEOUT, 1.0);
    rs_model *m = new_model(RS_SCORER_COLLABORATIVE, RS_LR_AUTO, 2, 0);
    if (rank == size - 1) {
        /* Late: the others must give up; then the job is aborted. */
        sleep(20);
        return;
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    rs_status st = rs_mpi_fit(job, m, share, NULL);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
    int64_t broken = 0;
    rs_mpi_job_get_int(job, RS_MPI_INFO_BROKEN, &broken);
    CHECK(st == RS_ERR_IO && broken == 1 && secs < 10.0, "timeout: %s after %.1f s, broken %lld (%s)",
          rs_status_string(st), secs, (long long)broken, rs_mpi_job_last_error(job));
    if (rank == 0) {
        printf("PASS timeout on %d ranks: rank 0 gave up after %.1f s: %s\n", size, secs,
               rs_mpi_job_last_error(job));
        fflush(stdout);
    }
    MPI_Abort(MPI_COMM_WORLD, failures ? 1 : 0);
}

static void case_resume(void)
{
    rs_dataset *train, *test;
    make_data(&train, &test, 0);
    rs_dataset *share = share_of(train, 0);
    char ck[64];
    strcpy(ck, "/tmp/rs_ckpt_XXXXXX");
    if (rank == 0) {
        int fd = mkstemp(ck);
        if (fd >= 0)
            close(fd);
    }
    MPI_Bcast(ck, sizeof ck, MPI_CHAR, 0, MPI_COMM_WORLD);
    size_t na = 0, nb = 0;
    unsigned char *a = NULL, *b = NULL;
    for (int pass = 0; pass < 2; pass++) {
        rs_mpi_job *job = new_job();
        rs_mpi_job_set_string(job, RS_MPI_PARAM_CHECKPOINT, ck);
        rs_mpi_job_set_int(job, RS_MPI_PARAM_CHECKPOINT_EVERY, 3);
        rs_mpi_job_set_int(job, RS_MPI_PARAM_RESUME, pass);
        rs_model *m = new_model(RS_SCORER_COLLABORATIVE, RS_LR_ADAGRAD, 7, 0);
        rs_status st = rs_mpi_fit(job, m, share, NULL);
        CHECK(st == RS_OK, "resume pass %d: %s", pass, rs_mpi_job_last_error(job));
        int64_t resumed = 0;
        rs_mpi_job_get_int(job, RS_MPI_INFO_RESUMED_EPOCH, &resumed);
        CHECK(resumed == (pass ? 6 : 0), "pass %d resumed after epoch %lld", pass, (long long)resumed);
        if (rank == 0) {
            if (pass == 0)
                a = model_bytes(m, &na);
            else
                b = model_bytes(m, &nb);
        }
        rs_model_free(m);
        rs_mpi_job_free(job);
    }
    if (rank == 0) {
        CHECK(a && b && na == nb && memcmp(a, b, na) == 0, "the resumed run's model differs");
        printf("PASS resume on %d ranks: a run resumed from the checkpoint of epoch 6 of 7 saves "
               "the uninterrupted run's bytes (%zu)\n", size, na);
        unlink(ck);
    }
    free(a);
    free(b);
    rs_dataset_free(share);
    rs_dataset_free(train);
    rs_dataset_free(test);
}

static int32_t scorer_of(const char *s)
{
    return strcmp(s, "content") == 0 ? RS_SCORER_CONTENT
           : strcmp(s, "hybrid") == 0 ? RS_SCORER_HYBRID : RS_SCORER_COLLABORATIVE;
}

static int64_t policy_of(const char *s)
{
    return strcmp(s, "constant") == 0 ? RS_LR_CONSTANT
           : strcmp(s, "adagrad") == 0 ? RS_LR_ADAGRAD
           : strcmp(s, "adam") == 0 ? RS_LR_ADAM
           : strcmp(s, "inverse_time") == 0 ? RS_LR_INVERSE_TIME : RS_LR_AUTO;
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    const char *c = argc > 1 ? argv[1] : "";
    if (strcmp(c, "equal") == 0 && argc > 3) {
        int32_t sc = scorer_of(argv[2]);
        char name[64];
        snprintf(name, sizeof name, "equal %s %s", argv[2], argv[3]);
        int64_t epochs = argc > 4 ? atoi(argv[4]) : 6;
        compare_fit(name, sc, policy_of(argv[3]), epochs, 0, 0,
                    sc == RS_SCORER_COLLABORATIVE || size == 1);
    } else if (strcmp(c, "exact") == 0 && argc > 3) {
        int32_t sc = scorer_of(argv[2]);
        char name[64];
        snprintf(name, sizeof name, "exact %s %s", argv[2], argv[3]);
        g_cold = 0; /* the refit runs on one rank only */
        compare_fit(name, sc, policy_of(argv[3]), 6, 0, 0, 1);
    } else if (strcmp(c, "threads") == 0) {
        g_threads = 2;
        compare_fit("threads 2", RS_SCORER_COLLABORATIVE, RS_LR_ADAGRAD, 6, 0, 0, 1);
    } else if (strcmp(c, "valid") == 0) {
        compare_fit("valid", RS_SCORER_COLLABORATIVE, RS_LR_AUTO, 40, 0, 1, 1);
    } else if (strcmp(c, "halve") == 0) {
                compare_fit("halve", RS_SCORER_COLLABORATIVE, RS_LR_CONSTANT, 6, 4.0, 0, 1);
    } else if (strcmp(c, "file") == 0 && argc > 2) {
        case_file(argv[2], RS_FORMAT_MOVIELENS);
    } else if (strcmp(c, "csv") == 0) {
        case_csv();
    } else if (strcmp(c, "formats") == 0) {
        case_formats();
    } else if (strcmp(c, "gzip") == 0) {
        case_gzip();
    } else if (strcmp(c, "badline") == 0) {
        case_badline();
    } else if (strcmp(c, "unsupported") == 0) {
        case_unsupported();
    } else if (strcmp(c, "nomem") == 0) {
        case_nomem();
    } else if (strcmp(c, "timeout") == 0) {
        case_timeout();
    } else if (strcmp(c, "resume") == 0) {
        case_resume();
    } else {
        if (rank == 0)
            fprintf(stderr, "usage: check_mpi_fit equal SCORER POLICY [EPOCHS] | threads | valid | halve | file PATH | "
                            "csv | formats | gzip | badline | unsupported | nomem | timeout | resume\n");
        failures++;
    }
    int all = failures;
    MPI_Allreduce(MPI_IN_PLACE, &all, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    MPI_Finalize();
    return all ? 1 : 0;
}

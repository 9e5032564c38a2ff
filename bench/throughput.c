/* librecsgd benchmarks. SPDX-License-Identifier: BSD-2-Clause
 * throughput.c: SGD training speed, memory and default accuracy on a
 * synthetic set shaped like LIBMF's benchmarks, run as a user runs them:
 * ratings in a LIBMF text file ("user item rating" lines), loaded with
 * rs_dataset_load_file and trained by rs_fit_consume (as `recsgd train`).
 *
 * Data (bench/synth_libmf.h): users x items (default ratings/100 x
 * ratings/500: 100k x 20k for 10M), true rank 10, Zipf-skewed item
 * popularity, Gaussian noise 0.5, ratings clipped to [1, 5]; 1% of the lines
 * go to a test file. The files are written once into --dir (default: a
 * temporary directory, removed at the end).
 *
 * For every factor count, thread count and learning-rate policy it runs
 * --repeat times (interleaved with LIBMF when LIBMF_TRAIN is set) in a fresh
 * child process each time, so peak RSS is that run's own, and prints:
 *   - train-only updates per second: ratings / the median epoch time of
 *     epochs 2..E (wall time between progress callbacks; setup apart);
 *   - setup seconds (rs_fit start to the end of epoch 1, minus one epoch);
 *   - peak RSS and peak RSS per rating (loading and training included).
 * Medians of the repeats; ratios against LIBMF in the same run.
 *
 * LIBMF (built outside this repository from its public source, never
 * committed) is run through LIBMF_TRAIN=/path/to/harness: a program that
 * takes `-k K -t E -s T [--test FILE] TRAIN`, loads the file once, times
 * mf_train in-process for 1 and for E+1 iterations and prints
 *   libmf_load_seconds=.. libmf_setup_seconds=.. libmf_epoch_seconds=..
 *   [libmf_test_rmse=..]
 * (per-epoch = (T(E+1) - T(1)) / E: its text loading, which varies by a
 * second here, stays out). Its peak RSS comes from wait4.
 *
 * --defaults: instead of speed, the accuracy of the library's defaults with
 * only `factors` and `epochs` set (what `recsgd train --factors 32
 * --epochs 10` does): test RMSE, against LIBMF's `-k 32 -t 10` on the same
 * files.
 * --background-load: a CPU-bound `nice -n 19` process spins beside the runs.
 *
 * The last line is a key=value summary. */
#define _XOPEN_SOURCE 700
#define _DEFAULT_SOURCE /* wait4 */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <librecsgd/recsgd.h>
#include "synth_libmf.h"
#include "timing.h"

#define MAX_LIST 8
#define MAX_REPEAT 15
#define MAX_EPOCHS 200


/* ---- one run of the library, in a child process ---- */

typedef struct run_result {
    double epoch_s;   /* median of epochs 2..E (epoch 1 when E = 1) */
    double epoch_cpu_s; /* the same in process CPU seconds */
    double setup_s;
    double load_s;
    double test_rmse; /* NAN unless asked */
    double rss_mb;
    double train_rmse;
    int epochs_run;
    size_t n_ratings;
} run_result;

typedef struct timing {
    double start, ends[MAX_EPOCHS];
    double cpu_start, cpu_ends[MAX_EPOCHS]; /* process CPU time: less sensitive to a busy machine */
    int n;
} timing;

static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int32_t on_epoch(void *ud, const double *stats, size_t n_stats)
{
    (void)stats;
    (void)n_stats;
    timing *t = ud;
    if (t->n < MAX_EPOCHS) {
        t->cpu_ends[t->n] = cpu_now();
        t->ends[t->n++] = now();
    }
    return 0;
}

static double rss_mb_self(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_maxrss / 1024.0;
}

/* RMSE on the test file from the library's evaluation API (rs_predict over
 * every rating, fallbacks included). */
static double test_rmse_of(const rs_model *m, const char *test_path)
{
    rs_dataset *te = NULL;
    double v[RS_METRIC_COUNT_V0_2];
    size_t n;
    double rmse = NAN;
    if (rs_dataset_new(&te, NULL, NULL) == RS_OK &&
        rs_dataset_load_file(te, test_path, RS_FORMAT_LIBMF) == RS_OK &&
        rs_model_evaluate_ratings(m, te, v, RS_METRIC_COUNT_V0_2, &n) == RS_OK)
        rmse = v[RS_METRIC_RMSE];
    rs_dataset_free(te);
    return rmse;
}

/* Load, fit, measure; returns 0 on success. Runs in the child. */
static int run_library(const char *train_path, const char *test_path, int factors, int threads,
                       int epochs, const char *policy, int defaults_only, run_result *out)
{
    double t0 = now();
    rs_dataset *ds;
    if (rs_dataset_new(&ds, NULL, NULL) != RS_OK)
        return 1;
    if (rs_dataset_load_file(ds, train_path, RS_FORMAT_LIBMF) != RS_OK) {
        fprintf(stderr, "throughput: %s\n", rs_dataset_last_error(ds));
        return 1;
    }
    out->load_s = now() - t0;
    out->n_ratings = rs_dataset_num_ratings(ds);
    rs_model *m;
    if (rs_model_new(&m, RS_SCORER_COLLABORATIVE, NULL, NULL) != RS_OK)
        return 1;
    rs_model_set_int(m, RS_PARAM_FACTORS, factors);
    rs_model_set_int(m, RS_PARAM_EPOCHS, epochs);
    if (!defaults_only) {
        rs_model_set_int(m, RS_PARAM_THREADS, threads);
        rs_model_set_double(m, RS_PARAM_TOLERANCE, 0.0); /* every epoch runs */
        if (policy) {
            rs_param lp = rs_param_from_name("lr_policy");
            int64_t v = strcmp(policy, "adagrad") == 0 ? RS_LR_ADAGRAD
                        : strcmp(policy, "adam") == 0  ? RS_LR_ADAM
                                                       : RS_LR_CONSTANT;
            if (rs_model_set_int(m, lp, v) != RS_OK) {
                fprintf(stderr, "throughput: %s\n", rs_model_last_error(m));
                return 1;
            }
        }
    }
    timing tm = {0};
    rs_model_set_progress_callback(m, on_epoch, &tm);
    tm.start = now();
    /* As `recsgd train` does: the loaded ratings are trained in place. */
    rs_status st = rs_fit_consume(m, ds, NULL);
    if (st != RS_OK) {
        fprintf(stderr, "throughput: rs_fit_consume: %s\n", rs_model_last_error(m));
        return 1;
    }
    double ep[MAX_EPOCHS], cp[MAX_EPOCHS];
    int ne = 0;
    for (int e = 1; e < tm.n; e++) {
        cp[ne] = tm.cpu_ends[e] - tm.cpu_ends[e - 1];
        ep[ne++] = tm.ends[e] - tm.ends[e - 1];
    }
    out->epoch_cpu_s = ne ? median(cp, ne) : NAN;
    if (ne == 0 && tm.n == 1)
        ep[ne++] = tm.ends[0] - tm.start;
    out->epochs_run = tm.n;
    out->epoch_s = ne ? median(ep, ne) : NAN;
    out->setup_s = tm.n ? (tm.ends[0] - tm.start) - out->epoch_s : NAN;
    double s[RS_STAT_COUNT_V0_1];
    size_t got;
    rs_model_epoch_stats(m, rs_model_num_epoch_stats(m) - 1, s, RS_STAT_COUNT_V0_1, &got);
    out->train_rmse = s[RS_STAT_TRAIN_RMSE];
    out->test_rmse = test_path ? test_rmse_of(m, test_path) : NAN;
    out->rss_mb = rss_mb_self();
    rs_model_free(m);
    rs_dataset_free(ds);
    return 0;
}

static int in_child(const char *train_path, const char *test_path, int factors, int threads,
                    int epochs, const char *policy, int defaults_only, run_result *out)
{
    int fd[2];
    if (pipe(fd) != 0)
        return 1;
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0)
        return 1;
    if (pid == 0) {
        close(fd[0]);
        run_result r;
        memset(&r, 0, sizeof r);
        int rc = run_library(train_path, test_path, factors, threads, epochs, policy, defaults_only, &r);
        if (rc == 0 && write(fd[1], &r, sizeof r) != (ssize_t)sizeof r)
            rc = 1;
        _exit(rc);
    }
    close(fd[1]);
    ssize_t got = read(fd[0], out, sizeof *out);
    close(fd[0]);
    int status;
    waitpid(pid, &status, 0);
    return got == (ssize_t)sizeof *out && WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}

/* ---- one run of LIBMF's harness ---- */

typedef struct libmf_result {
    double epoch_s, setup_s, load_s, test_rmse, rss_mb;
} libmf_result;

static int run_libmf(const char *harness, const char *train_path, const char *test_path,
                     int factors, int threads, int epochs, libmf_result *out)
{
    int fd[2];
    if (pipe(fd) != 0)
        return 1;
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0)
        return 1;
    if (pid == 0) {
        close(fd[0]);
        dup2(fd[1], 1);
        char k[16], t[16], s[16];
        snprintf(k, sizeof k, "%d", factors);
        snprintf(t, sizeof t, "%d", epochs);
        snprintf(s, sizeof s, "%d", threads);
        if (test_path)
            execl(harness, harness, "-k", k, "-t", t, "-s", s, "--test", test_path, train_path,
                  (char *)NULL);
        else
            execl(harness, harness, "-k", k, "-t", t, "-s", s, train_path, (char *)NULL);
        _exit(127);
    }
    close(fd[1]);
    char buf[512];
    size_t len = 0;
    ssize_t r;
    while (len + 1 < sizeof buf && (r = read(fd[0], buf + len, sizeof buf - 1 - len)) > 0)
        len += (size_t)r;
    buf[len] = '\0';
    close(fd[0]);
    int status;
    struct rusage ru;
    if (wait4(pid, &status, 0, &ru) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return 1;
    out->rss_mb = (double)ru.ru_maxrss / 1024.0;
    out->test_rmse = NAN;
    const char *p;
    if (!(p = strstr(buf, "libmf_epoch_seconds=")))
        return 1;
    out->epoch_s = atof(p + strlen("libmf_epoch_seconds="));
    out->setup_s = (p = strstr(buf, "libmf_setup_seconds=")) ? atof(p + 20) : NAN;
    out->load_s = (p = strstr(buf, "libmf_load_seconds=")) ? atof(p + 19) : NAN;
    if ((p = strstr(buf, "libmf_test_rmse=")))
        out->test_rmse = atof(p + 16);
    return 0;
}

/* ---- a CPU-bound neighbour ---- */

static pid_t start_background_load(void)
{
    pid_t pid = fork();
    if (pid == 0) {
        if (nice(19) == -1 && errno != 0)
            _exit(1);
        volatile double x = 1.0;
        for (;;)
            x = x * 1.0000001 + 1e-9;
    }
    return pid;
}

/* ---- main ---- */

static int parse_list(const char *s, int *out, int max)
{
    int n = 0;
    while (*s && n < max) {
        out[n++] = atoi(s);
        const char *c = strchr(s, ',');
        if (!c)
            break;
        s = c + 1;
    }
    return n;
}

static void usage(void)
{
    fprintf(stderr,
            "usage: throughput [--ratings N] [--users U] [--items I] [--epochs E] [--repeat R]\n"
            "                  [--factors 32,128] [--threads 1,2] [--policies constant,adagrad,adam]\n"
            "                  [--dir DIR] [--background-load] [--defaults]\n"
            "  LIBMF_TRAIN=/path/to/harness runs LIBMF beside the library (see the source).\n");
}

int main(int argc, char **argv)
{
    size_t n = 10000000;
    int users = 0, items = 0, repeat = 3, epochs = 10, background = 0, defaults_only = 0;
    int factors[MAX_LIST] = {32, 128}, n_factors = 2;
    int threads[MAX_LIST] = {1, 2}, n_threads = 2;
    const char *policies[MAX_LIST] = {"constant", "adagrad", "adam"};
    int n_policies = 3;
    const char *dir = NULL;
    char *policy_arg = NULL;
    for (int k = 1; k < argc; k++) {
        const char *a = argv[k];
        const char *v = k + 1 < argc ? argv[k + 1] : NULL;
        if (strcmp(a, "--ratings") == 0 && v)
            n = (size_t)atof(v), k++;
        else if (strcmp(a, "--users") == 0 && v)
            users = atoi(v), k++;
        else if (strcmp(a, "--items") == 0 && v)
            items = atoi(v), k++;
        else if (strcmp(a, "--repeat") == 0 && v)
            repeat = atoi(v), k++;
        else if (strcmp(a, "--epochs") == 0 && v)
            epochs = atoi(v), k++;
        else if (strcmp(a, "--factors") == 0 && v)
            n_factors = parse_list(v, factors, MAX_LIST), k++;
        else if (strcmp(a, "--threads") == 0 && v)
            n_threads = parse_list(v, threads, MAX_LIST), k++;
        else if (strcmp(a, "--policies") == 0 && v) {
            policy_arg = strdup(v);
            n_policies = 0;
            for (char *t = strtok(policy_arg, ","); t && n_policies < MAX_LIST; t = strtok(NULL, ","))
                policies[n_policies++] = t;
            k++;
        } else if (strcmp(a, "--dir") == 0 && v)
            dir = v, k++;
        else if (strcmp(a, "--background-load") == 0)
            background = 1;
        else if (strcmp(a, "--defaults") == 0)
            defaults_only = 1;
        else {
            usage();
            return 2;
        }
    }
    if (repeat < 1 || repeat > MAX_REPEAT || n < 1000 || epochs < 1 || epochs >= MAX_EPOCHS) {
        usage();
        return 2;
    }
    if (!users)
        users = (int)(n / 100 > 100 ? n / 100 : 100);
    if (!items)
        items = (int)(n / 500 > 100 ? n / 500 : 100);
    if (!(rs_build_features() & RS_FEATURE_THREADS))
        n_threads = 1, threads[0] = 1;
    const char *harness = getenv("LIBMF_TRAIN");
    if (harness && !*harness)
        harness = NULL;

    char tmpl[] = "/tmp/rs-throughput.XXXXXX";
    int own_dir = dir == NULL;
    if (own_dir && !(dir = mkdtemp(tmpl))) {
        perror("throughput: mkdtemp");
        return 1;
    }
    char train_path[4096], test_path[4096];
    snprintf(train_path, sizeof train_path, "%s/train-%zu.txt", dir, n);
    snprintf(test_path, sizeof test_path, "%s/test-%zu.txt", dir, n);
    struct stat sb;
    double t0 = now();
    if (stat(train_path, &sb) != 0 || stat(test_path, &sb) != 0) {
        if (synth_write_files(train_path, test_path, n, users, items, 10) != 0) {
            fprintf(stderr, "throughput: could not write %s\n", train_path);
            return 1;
        }
        printf("generated %s: about %zu ratings, %d users x %d items, rank 10 (%.1f s)\n",
               train_path, n, users, items, now() - t0);
    } else {
        printf("reusing %s\n", train_path);
    }
    pid_t bg = background ? start_background_load() : -1;
    if (background)
        printf("background load: a nice -n 19 CPU-bound process (pid %d)\n", (int)bg);
    printf("library %s; LIBMF: %s\n", rs_version_string(), harness ? harness : "(LIBMF_TRAIN not set)");
    fflush(stdout);

    int status = 0;
    if (defaults_only) {
        /* Accuracy of the defaults: only factors and epochs set. */
        double rm[MAX_REPEAT], lm = NAN;
        run_result r;
        if (in_child(train_path, test_path, factors[0], 1, epochs, NULL, 1, &r) != 0)
            return 1;
        rm[0] = r.test_rmse;
        libmf_result l;
        if (harness && run_libmf(harness, train_path, test_path, factors[0], 1, epochs, &l) == 0)
            lm = l.test_rmse;
        printf("defaults: ratings=%zu factors=%d epochs=%d test_rmse=%.4f libmf_test_rmse=%.4f "
               "ratio=%.3f\n",
               n, factors[0], epochs, rm[0], lm, rm[0] / lm);
    } else {
            printf("%-8s %3s %2s %-9s %12s %12s %9s %8s %9s %7s %12s %8s\n", "ratings", "k", "T",
               "policy", "updates/s", "per_cpu_s", "setup_s", "rss_mb", "B/rating", "rmse",
               "vs_libmf", "rss_vs");
        for (int f = 0; f < n_factors; f++)
            for (int t = 0; t < n_threads; t++) {
                double l_ep[MAX_REPEAT], l_rss[MAX_REPEAT], l_setup[MAX_REPEAT];
                int n_l = 0;
                double n_tr = (double)n;
                for (int p = 0; p < n_policies; p++) {
                    double ep[MAX_REPEAT], rss[MAX_REPEAT], setup[MAX_REPEAT], cpu[MAX_REPEAT];
                    double rmse = NAN;
                    for (int r = 0; r < repeat; r++) {
                        run_result rr;
                        if (in_child(train_path, NULL, factors[f], threads[t], epochs, policies[p], 0,
                                     &rr) != 0) {
                            status = 1;
                            goto done;
                        }
                        ep[r] = rr.epoch_s;
                        cpu[r] = rr.epoch_cpu_s;
                        rss[r] = rr.rss_mb;
                        setup[r] = rr.setup_s;
                        rmse = rr.train_rmse;
                        n_tr = (double)rr.n_ratings;
                        /* LIBMF interleaved, once per repeat of the first policy */
                        libmf_result lr;
                        if (harness && p == 0 &&
                            run_libmf(harness, train_path, NULL, factors[f], threads[t], epochs, &lr) == 0) {
                            l_ep[n_l] = lr.epoch_s;
                            l_rss[n_l] = lr.rss_mb;
                            l_setup[n_l] = lr.setup_s;
                            n_l++;
                        }
                    }
                    double e = median(ep, repeat), m_rss = median(rss, repeat);
                    double ups = n_tr / e;
                    double vs = n_l ? median(l_ep, n_l) / e : NAN;
                    double rss_vs = n_l ? m_rss / median(l_rss, n_l) : NAN;
                    printf("%-8zu %3d %2d %-9s %12.4g %12.4g %9.2f %8.0f %9.1f %7.4f %11.2fx %7.2fx\n", n,
                           factors[f], threads[t], policies[p], ups, n_tr / median(cpu, repeat),
                           median(setup, repeat), m_rss,
                           m_rss * 1048576.0 / (n_tr), rmse, vs, rss_vs);
                    fflush(stdout);
                }
                if (n_l) {
                    double e = median(l_ep, n_l), m_rss = median(l_rss, n_l);
                    printf("%-8zu %3d %2d %-9s %12.4g %12s %9.2f %8.0f %9.1f %7s %12s %8s\n", n, factors[f],
                           threads[t], "LIBMF", n_tr / e, "-", median(l_setup, n_l), m_rss,
                           m_rss * 1048576.0 / (n_tr), "-", "1.00x", "1.00x");
                    fflush(stdout);
                }
            }
    }
done:
    if (bg > 0) {
        kill(bg, SIGKILL);
        waitpid(bg, NULL, 0);
    }
    if (own_dir) {
        unlink(train_path);
        unlink(test_path);
        rmdir(dir);
    }
    free(policy_arg);
    printf("throughput: done ratings=%zu repeat=%d epochs=%d%s\n", n, repeat, epochs,
           background ? " background_load=1" : "");
    return status;
}

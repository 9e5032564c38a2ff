/* librecsgd benchmarks. SPDX-License-Identifier: BSD-2-Clause
 * mpi_throughput.c: training speed of librecsgd-mpi for 1, 2 and 4 ranks on
 * bench/throughput's synthetic set (bench/synth_libmf.h; default 10M
 * ratings, 100k users x 20k items), run as users run it: the file read by
 * rs_mpi_load_ratings (each rank its byte range), trained by rs_mpi_fit.
 *
 *   bench/mpi_throughput [--ratings N] [--ranks 1,2,4] [--factors K]
 *                        [--epochs E] [--policy constant|adagrad|adam|auto]
 *                        [--dir D] [--rounds R]
 *
 * The driver writes the file once (into --dir, default a temporary
 * directory removed at the end), then runs `mpirun -np R` of itself as a
 * worker for each rank count (MPIRUN names the launcher; --oversubscribe,
 * and --allow-run-as-root as root). Per rank count it prints:
 *   - updates per second: ratings / the median epoch time of epochs 2..E
 *     (wall time between rank 0's progress callbacks, setup apart);
 *   - the speed-up over the first rank count;
 *   - compute-bound updates per second: ratings / the CPU seconds per epoch
 *     the slowest rank spent training its blocks (RS_MPI_INFO_COMPUTE_SECONDS)
 *     - what the split of the work allows when every rank has a core of its
 *     own, waits and messages apart (on a shared machine the wall-time
 *     figure measures the other sessions as much as this one), and its
 *     speed-up;
 *   - bytes sent per epoch (item bands, all ranks together);
 *   - the share of the epochs' time the ranks spent waiting for each other
 *     (mean over ranks);
 *   - the model's test RMSE on the 1% test lines (close for every rank
 *     count; -np 1 gives rs_fit's model).
 * With --rounds R (default 1) the rank counts run R times in turn (1, 2, 4,
 * 1, 2, 4, ...); every figure is then the median over the rounds, and a
 * speed-up the median of each round's own ratio (runs a minute apart see the
 * same host; on a shared one, the speed of a core drifts by tens of percent
 * over minutes). The last line is a key=value summary. Figures from a
 * shared, loaded machine are not results. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <librecsgd/recsgd_mpi.h>

#include "synth_libmf.h"
#include "timing.h"


#define MAX_RANKS_LIST 8
#define MAX_ROUNDS 15
#define MAX_EPOCHS 200

typedef struct timing {
    double ends[MAX_EPOCHS + 1];
    int n;
} timing;

static int32_t on_epoch(void *ud, const double *stats, size_t n_stats)
{
    (void)stats;
    (void)n_stats;
    timing *t = ud;
    if (t->n <= MAX_EPOCHS)
        t->ends[t->n++] = now();
    return 0;
}

static double test_rmse(const rs_model *m, const char *path)
{
    rs_dataset *te;
    if (rs_dataset_new(&te, NULL, NULL) != RS_OK || rs_dataset_load_file(te, path, RS_FORMAT_LIBMF))
        return NAN;
    double se = 0;
    size_t n = rs_dataset_num_ratings(te);
    for (size_t j = 0; j < n; j++) {
        int64_t u, i;
        float r, w, y = 0;
        rs_dataset_get_rating(te, j, &u, &i, &r, &w);
        rs_predict(m, u, i, &y);
        se += ((double)r - y) * ((double)r - y);
    }
    rs_dataset_free(te);
    return n ? sqrt(se / (double)n) : NAN;
}

/* One run on the ranks of MPI_COMM_WORLD; rank 0 prints one line. */
static int worker(const char *train, const char *test, int factors, int epochs, int policy)
{
    MPI_Init(NULL, NULL);
    int rank = 0, size = 1;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    rs_mpi_job *job = NULL;
    rs_dataset *ds = NULL;
    rs_model *m = NULL;
    rs_status st = rs_mpi_job_new(&job, MPI_COMM_WORLD, NULL, NULL);
    if (st != RS_OK) {
        fprintf(stderr, "mpi_throughput: rs_mpi_job_new: %s\n", rs_status_string(st));
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    double t0 = now();
    rs_dataset_new(&ds, NULL, NULL);
    st = rs_mpi_load_ratings(job, ds, train, RS_FORMAT_LIBMF, RS_MPI_SHARE_SPLIT);
    double load_s = now() - t0;
    rs_model_new(&m, RS_SCORER_COLLABORATIVE, NULL, NULL);
    rs_model_set_int(m, RS_PARAM_FACTORS, factors);
    rs_model_set_int(m, RS_PARAM_EPOCHS, epochs);
    rs_model_set_int(m, RS_PARAM_LR_POLICY, policy);
    rs_model_set_double(m, RS_PARAM_TOLERANCE, 0.0);
    timing tm;
    memset(&tm, 0, sizeof tm);
    rs_model_set_progress_callback(m, on_epoch, &tm);
    double fit0 = now();
    tm.ends[tm.n++] = fit0;
    if (st == RS_OK)
        st = rs_mpi_fit(job, m, ds, NULL);
    if (st != RS_OK) {
        if (rank == 0)
            fprintf(stderr, "mpi_throughput: %s\n", rs_mpi_job_last_error(job));
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    double bytes = 0, wait = 0, train_s = 0;
    int64_t bands = 0, mine = 0;
    rs_mpi_job_get_double(job, RS_MPI_INFO_BYTES_SENT, &bytes);
    rs_mpi_job_get_double(job, RS_MPI_INFO_WAIT_SECONDS, &wait);
    rs_mpi_job_get_double(job, RS_MPI_INFO_TRAIN_SECONDS, &train_s);
    rs_mpi_job_get_int(job, RS_MPI_INFO_BANDS, &bands);
    rs_mpi_job_get_int(job, RS_MPI_INFO_RATINGS, &mine);
    double share = train_s > 0 ? wait / train_s : 0, sums[3] = {bytes, share, (double)mine};
    MPI_Allreduce(MPI_IN_PLACE, sums, 3, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
    /* CPU seconds this rank spent training blocks, per epoch; the slowest
     * rank bounds an epoch when every rank has a core of its own. */
    double compute = 0;
    rs_mpi_job_get_double(job, RS_MPI_INFO_COMPUTE_SECONDS, &compute);
    double cpu_epoch = compute / (double)epochs;
    MPI_Allreduce(MPI_IN_PLACE, &cpu_epoch, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
    if (rank == 0) {
        double ep[MAX_EPOCHS];
        int ne = 0;
        for (int e = 2; e < tm.n; e++) /* epochs 2..E: the first one carries the setup */
            ep[ne++] = tm.ends[e] - tm.ends[e - 1];
        double epoch_s = ne ? median(ep, ne) : tm.ends[1] - tm.ends[0];
        printf("ranks=%d bands=%lld ratings=%.0f load_s=%.2f setup_s=%.2f epoch_s=%.4f "
               "updates_per_s=%.4g cpu_updates_per_s=%.4g bytes_per_epoch=%.4g wait_share=%.4f "
               "test_rmse=%.4f\n", size, (long long)bands, sums[2], load_s,
               tm.ends[1] - fit0 - epoch_s, epoch_s, sums[2] / epoch_s, sums[2] / cpu_epoch,
               sums[0] / (double)epochs, sums[1] / size, test_rmse(m, test));
        fflush(stdout);
    }
    rs_model_free(m);
    rs_dataset_free(ds);
    rs_mpi_job_free(job);
    MPI_Finalize();
    return 0;
}

static int parse_list(const char *s, int *out, int max)
{
    int n = 0;
    for (const char *p = s; *p && n < max;) {
        out[n++] = atoi(p);
        const char *c = strchr(p, ',');
        if (!c)
            break;
        p = c + 1;
    }
    return n;
}

/* Median over the rounds of column r (NaN rounds, failed runs, sort last). */
static double median_of(double v[][MAX_RANKS_LIST], int rounds, int r)
{
    double x[MAX_ROUNDS];
    int n = 0;
    for (int k = 0; k < rounds; k++)
        if (v[k][r] == v[k][r])
            x[n++] = v[k][r];
    for (int i = 1; i < n; i++) /* insertion sort: at most MAX_ROUNDS values */
        for (int j = i; j > 0 && x[j] < x[j - 1]; j--) {
            double t = x[j];
            x[j] = x[j - 1];
            x[j - 1] = t;
        }
    if (n == 0)
        return NAN;
    return n % 2 ? x[n / 2] : 0.5 * (x[n / 2 - 1] + x[n / 2]);
}

static double field(const char *line, const char *key)
{
    const char *p = strstr(line, key);
    return p ? atof(p + strlen(key)) : NAN;
}

int main(int argc, char **argv)
{
    size_t n = 10000000;
    int ranks[MAX_RANKS_LIST] = {1, 2, 4}, n_ranks = 3, factors = 32, epochs = 10, policy = RS_LR_CONSTANT;
    const char *dir = NULL;
    int rounds = 1;
    if (argc >= 6 && strcmp(argv[1], "--worker") == 0)
        return worker(argv[2], argv[3], atoi(argv[4]), atoi(argv[5]), argc > 6 ? atoi(argv[6]) : policy);
    for (int k = 1; k < argc; k++) {
        const char *a = argv[k], *v = k + 1 < argc ? argv[k + 1] : NULL;
        if (strcmp(a, "--ratings") == 0 && v)
            n = (size_t)atof(v), k++;
        else if (strcmp(a, "--ranks") == 0 && v)
            n_ranks = parse_list(v, ranks, MAX_RANKS_LIST), k++;
        else if (strcmp(a, "--factors") == 0 && v)
            factors = atoi(v), k++;
        else if (strcmp(a, "--epochs") == 0 && v)
            epochs = atoi(v), k++;
        else if (strcmp(a, "--policy") == 0 && v) {
            policy = strcmp(v, "adagrad") == 0 ? RS_LR_ADAGRAD : strcmp(v, "adam") == 0 ? RS_LR_ADAM
                     : strcmp(v, "auto") == 0 ? RS_LR_AUTO : RS_LR_CONSTANT;
            k++;
        } else if (strcmp(a, "--dir") == 0 && v)
            dir = v, k++;
        else if (strcmp(a, "--rounds") == 0 && v)
            rounds = atoi(v), k++;
        else {
            fprintf(stderr, "usage: mpi_throughput [--ratings N] [--ranks 1,2,4] [--factors K] "
                            "[--epochs E] [--policy constant|adagrad|adam|auto] [--dir D] [--rounds R]\n");
            return 2;
        }
    }
    if (n < 1000 || epochs < 2 || epochs > MAX_EPOCHS || n_ranks < 1 || factors < 1 || rounds < 1 ||
        rounds > MAX_ROUNDS) {
        fprintf(stderr, "mpi_throughput: bad arguments\n");
        return 2;
    }
    int users = (int)(n / 100 > 100 ? n / 100 : 100), items = (int)(n / 500 > 100 ? n / 500 : 100);
    char tmpl[] = "/tmp/rs-mpi-throughput.XXXXXX";
    int own_dir = dir == NULL;
    if (own_dir && !(dir = mkdtemp(tmpl))) {
        perror("mpi_throughput: mkdtemp");
        return 1;
    }
    char train[4096], test[4096], self[4096];
    snprintf(train, sizeof train, "%s/train-%zu.txt", dir, n);
    snprintf(test, sizeof test, "%s/test-%zu.txt", dir, n);
    ssize_t sl = readlink("/proc/self/exe", self, sizeof self - 1);
    if (sl <= 0) {
        perror("mpi_throughput: /proc/self/exe");
        return 1;
    }
    self[sl] = '\0';
    struct stat sb;
    double t0 = now();
    if (stat(train, &sb) != 0 || stat(test, &sb) != 0) {
        if (synth_write_files(train, test, n, users, items, 10) != 0) {
            fprintf(stderr, "mpi_throughput: could not write %s\n", train);
            return 1;
        }
        printf("generated %s: about %zu ratings, %d users x %d items, rank 10 (%.1f s)\n", train, n,
               users, items, now() - t0);
    }
    const char *mpirun = getenv("MPIRUN");
    if (!mpirun || !*mpirun)
        mpirun = "mpirun";
    printf("factors %d, %d epochs, policy %d, one thread per rank; speeds are train-only "
           "(median epoch of 2..%d)\n", factors, epochs, policy, epochs);
    printf("%6s %6s %6s %12s %9s %14s %9s %14s %11s %10s\n", "round", "ranks", "bands", "updates/s",
           "speed-up", "compute u/s", "speed-up", "bytes/epoch", "wait share", "test RMSE");
    /* per round and rank count; speed-ups against the round's first rank count */
    static double speed[MAX_ROUNDS][MAX_RANKS_LIST], cspeed[MAX_ROUNDS][MAX_RANKS_LIST];
    static double wait[MAX_ROUNDS][MAX_RANKS_LIST], bytes[MAX_ROUNDS][MAX_RANKS_LIST];
    static double up[MAX_ROUNDS][MAX_RANKS_LIST], cup[MAX_ROUNDS][MAX_RANKS_LIST];
    int ok = 1;
    for (int round = 0; round < rounds; round++)
        for (int r = 0; r < n_ranks; r++) {
            char cmd[16384];
            snprintf(cmd, sizeof cmd, "%s --oversubscribe %s --bind-to none -np %d '%s' --worker '%s' "
                     "'%s' %d %d %d", mpirun, geteuid() == 0 ? "--allow-run-as-root" : "", ranks[r],
                     self, train, test, factors, epochs, policy);
            FILE *p = popen(cmd, "r");
            char line[1024] = "", got[1024] = "";
            while (p && fgets(line, sizeof line, p))
                if (strncmp(line, "ranks=", 6) == 0)
                    memcpy(got, line, sizeof got);
            int rc = p ? pclose(p) : -1;
            if (rc != 0 || !got[0]) {
                fprintf(stderr, "mpi_throughput: %d ranks failed (%s)\n", ranks[r], cmd);
                ok = 0;
                speed[round][r] = cspeed[round][r] = wait[round][r] = bytes[round][r] = NAN;
                up[round][r] = cup[round][r] = NAN;
                continue;
            }
            speed[round][r] = field(got, " updates_per_s=");
            cspeed[round][r] = field(got, "cpu_updates_per_s=");
            wait[round][r] = field(got, "wait_share=");
            bytes[round][r] = field(got, "bytes_per_epoch=");
            up[round][r] = speed[round][r] / speed[round][0];
            cup[round][r] = cspeed[round][r] / cspeed[round][0];
            printf("%6d %6d %6.0f %12.4g %8.2fx %14.4g %8.2fx %14.4g %10.1f%% %10.4f\n", round + 1,
                   ranks[r], field(got, "bands="), speed[round][r], up[round][r], cspeed[round][r],
                   cup[round][r], bytes[round][r], 100.0 * wait[round][r], field(got, "test_rmse="));
            fflush(stdout);
        }
    if (rounds > 1) {
        printf("median of %d rounds:\n", rounds);
        for (int r = 0; r < n_ranks; r++)
            printf("%6s %6d %6s %12.4g %8.2fx %14.4g %8.2fx %14.4g %10.1f%%\n", "median", ranks[r], "",
                   median_of(speed, rounds, r), median_of(up, rounds, r), median_of(cspeed, rounds, r),
                   median_of(cup, rounds, r), median_of(bytes, rounds, r),
                   100.0 * median_of(wait, rounds, r));
    }
    printf("summary ratings=%zu factors=%d epochs=%d rounds=%d", n, factors, epochs, rounds);
    for (int r = 0; r < n_ranks; r++)
        printf(" r%d_updates_per_s=%.4g r%d_speedup=%.3f r%d_cpu_speedup=%.3f r%d_bytes_per_epoch=%.4g "
               "r%d_wait_share=%.4f", ranks[r], median_of(speed, rounds, r), ranks[r],
               median_of(up, rounds, r), ranks[r], median_of(cup, rounds, r), ranks[r],
               median_of(bytes, rounds, r), ranks[r], median_of(wait, rounds, r));
    printf("\n");
    if (own_dir) {
        remove(train);
        remove(test);
        rmdir(dir);
    }
    return ok ? 0 : 1;
}

/* recsgd-mpi command-line tool. SPDX-License-Identifier: BSD-2-Clause
 * main.c: `mpirun -np N recsgd-mpi train --data FILE ... --model OUT`:
 * `recsgd train` on N processes. The options are recsgd train's (parsed by
 * its own code, tools/recsgd/train.c) plus the distributed ones; every rank
 * parses the same command line, reads its share of FILE, and trains its
 * part; rank 0 shows the progress, prints the messages and writes the
 * model. Every rank exits with the same code. */
#include <mpi.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <librecsgd/recsgd_mpi.h>

#include "cli.h"

typedef struct mpi_opts {
    int64_t checkpoint_every;
    const char *checkpoint;
    int resume, per_rank;
    double timeout;
} mpi_opts;

/* The distributed options, after recsgd train's in the one option table
 * (tools/recsgd/train.c parses both). */
enum { O_PER_RANK = CLI_OPT_EXTRA, O_CHECKPOINT, O_CHECKPOINT_EVERY, O_RESUME, O_TIMEOUT };

static const cli_opt mpi_opts_table[] = {
    {O_PER_RANK, "data-per-rank", 0, NULL,
     "--data (and --valid) name one file per rank: '%d' in the name becomes the rank",
     "one file, split between the ranks by lines", 0},
    {O_CHECKPOINT, "checkpoint", 0, "FILE", "where checkpoints go", "OUT.ckpt for --model OUT", 0},
    {O_CHECKPOINT_EVERY, "checkpoint-every", 0, "N",
     "write a resumable checkpoint (atomically) after every N-th epoch", "0: none", 0},
    {O_RESUME, "resume", 0, NULL,
     "continue from the checkpoint (same data, options and rank count)", NULL, 0},
    {O_TIMEOUT, "timeout", 0, "SECONDS",
     "give up waiting for another rank after this long (every rank stops)", "600", 0},
    {0, NULL, 0, NULL, NULL, NULL, 0}};

static int mpi_option(void *ud, const cli_opt *opt, const char *v)
{
    mpi_opts *o = ud;
    char name[40];
    snprintf(name, sizeof name, "--%s", opt->name);
    switch (opt->id) {
    case O_PER_RANK: o->per_rank = 1; return 0;
    case O_CHECKPOINT: o->checkpoint = v; return 0;
    case O_CHECKPOINT_EVERY: return cli_parse_int(name, v, 0, &o->checkpoint_every);
    case O_RESUME: o->resume = 1; return 0;
    case O_TIMEOUT: {
        int rc = cli_parse_real(name, v, &o->timeout);
        if (rc == 0 && !(o->timeout >= 0.01 && o->timeout <= 1e6))
            rc = cli_fail(CLI_USAGE, "%s: '%s' is not in [0.01, 1e6] seconds", name, v);
        return rc;
    }
    default: return 0;
    }
}

static void help(FILE *f)
{
    cli_train_help_with(f, "mpirun -np N recsgd-mpi train --data FILE [OPTIONS] --model OUT",
                        "recsgd train on N processes: every rank reads its share of the ratings "
                        "and trains its blocks, item blocks travel between the ranks, rank 0 "
                        "shows the progress and writes the model (a single-machine model file). "
                        "The options are recsgd train's plus the distributed ones at the end.",
                        mpi_opts_table);
}

/* The progress display on rank 0, and a test hook on any rank: with
 * RECSGD_MPI_TEST_KILL=R:K, rank R kills itself (SIGKILL) when epoch K + 1
 * ends, after the checkpoint of epoch K and before that of epoch K + 1 -
 * the crash the kill-and-resume test recovers from. */
typedef struct progress {
    cli_progress *display;
    int kill_rank;
    long kill_after;
    int rank;
} progress;

static int32_t on_epoch(void *ud, const double *stats, size_t n)
{
    progress *p = ud;
    if (p->kill_rank == p->rank && n > RS_STAT_EPOCH && (long)stats[RS_STAT_EPOCH] == p->kill_after + 1)
        raise(SIGKILL);
    return p->display ? cli_progress_epoch(p->display, stats, n) : 0;
}

/* pattern with every "%d" replaced by the rank (no other format is read). */
static void rank_path(char *out, size_t cap, const char *pattern, int rank, int per_rank)
{
    size_t n = 0;
    for (const char *p = pattern; *p && n + 1 < cap; p++) {
        if (per_rank && p[0] == '%' && p[1] == 'd') {
            n += (size_t)snprintf(out + n, cap - n, "%d", rank);
            p++;
        } else {
            out[n++] = *p;
        }
    }
    out[n < cap ? n : cap - 1] = '\0';
}

/* Status <-> exit code, for agreeing on a code every rank returns. */
static rs_status code_status(int rc)
{
    return rc == 0 ? RS_OK : rc == CLI_USAGE ? RS_ERR_INVALID_ARG : rc == CLI_FILE ? RS_ERR_IO
                                                                   : RS_ERR_STATE;
}
static int status_code(rs_status st)
{
    return st == RS_OK ? 0 : st == RS_ERR_INVALID_ARG ? CLI_USAGE : cli_status_code(st);
}

/* A message the ranks agreed on, printed once (rank 0), and its exit code;
 * after a broken wait the job cannot end cleanly: MPI_Abort. */
static int agreed_failure(rs_mpi_job *job, rs_status st, const char *what)
{
    int rank = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    int64_t broken = 0;
    rs_mpi_job_get_int(job, RS_MPI_INFO_BROKEN, &broken);
    int code = status_code(st);
    char msg[600];
    cli_loader_message(msg, sizeof msg, rs_mpi_job_last_error(job));
    char *h = strstr(msg, "RS_MPI_SHARE_OWN_FILE"); /* the library's name for --data-per-rank */
    if (h) {
        char tail[600];
        snprintf(tail, sizeof tail, "%s", h + strlen("RS_MPI_SHARE_OWN_FILE"));
        snprintf(h, sizeof msg - (size_t)(h - msg), "--data-per-rank%s", tail);
    }
    if (broken) {
        fprintf(stderr, "recsgd-mpi: %s%s\n", what, msg);
        MPI_Abort(MPI_COMM_WORLD, code);
    }
    cli_fail(code, "%s%s", what, msg);
    return code;
}

static int train(int argc, char **argv, int rank)
{
    cli_train_opts o;
    mpi_opts mo = {0, NULL, 0, 0, 600.0};
    cli_train_extra extra = {mpi_opts_table, mpi_option, &mo};
    int rc = cli_train_parse(argc, argv, &o, &extra);
    if (rc)
        return rc;
    char ckpt[4096] = "";
    if (mo.checkpoint)
        snprintf(ckpt, sizeof ckpt, "%s", mo.checkpoint);
    else if ((mo.checkpoint_every > 0 || mo.resume) && o.model)
        snprintf(ckpt, sizeof ckpt, "%s.ckpt", o.model);
    else if (mo.checkpoint_every > 0 || mo.resume)
        return cli_fail(CLI_USAGE, "train: --checkpoint-every and --resume need --checkpoint FILE "
                                   "or --model OUT");

    rs_mpi_job *job = NULL;
    rs_status st = rs_mpi_job_new(&job, MPI_COMM_WORLD, NULL, NULL);
    if (st != RS_OK)
        return cli_fail(st == RS_ERR_VERSION ? CLI_ERR : CLI_ERR, "cannot start the job: %s%s",
                        rs_status_string(st),
                        st == RS_ERR_VERSION ? " (librecsgd is not the version librecsgd-mpi was "
                                               "built with)" : "");
    rs_mpi_job_set_double(job, RS_MPI_PARAM_TIMEOUT, mo.timeout);
    rs_mpi_job_set_int(job, RS_MPI_PARAM_CHECKPOINT_EVERY, mo.checkpoint_every);
    rs_mpi_job_set_int(job, RS_MPI_PARAM_RESUME, mo.resume);
    rs_mpi_job_set_string(job, RS_MPI_PARAM_CHECKPOINT, ckpt);

    rs_dataset *ds = NULL, *valid = NULL;
    rs_model *m = NULL;
    /* Outputs first (rank 0 writes them), then the parameters. */
    if (rank == 0) {
        if (o.model)
            rc = cli_check_writable("--model", o.model);
        if (!rc && o.stats)
            rc = cli_check_writable("--stats", o.stats);
    }
    if ((st = rs_mpi_agree(job, code_status(rc), "")) != RS_OK) {
        rc = rank == 0 ? rc : status_code(st);
        goto out;
    }
    rc = cli_train_new_model(&m, &o);
    if (!rc)
        rc = cli_dataset_new_with(&ds, &o.data_opts);
    if (!rc)
        rc = cli_dataset_new_with(&valid, &o.data_opts);
    if ((st = rs_mpi_agree(job, code_status(rc), "")) != RS_OK) {
        rc = rc ? rc : status_code(st); /* the same options fail alike on every rank */
        goto out;
    }

    /* Data: this rank's share of the ratings, every feature file whole. */
    int32_t share = mo.per_rank ? RS_MPI_SHARE_OWN_FILE : RS_MPI_SHARE_SPLIT;
    char path[4096];
    rank_path(path, sizeof path, o.data, rank, mo.per_rank);
    st = rs_mpi_load_ratings(job, ds, path, cli_resolve_format(path, o.data_opts.format), share);
    if (st != RS_OK) {
        rc = agreed_failure(job, st, "");
        goto out;
    }
    int silent = cli_silent;
    cli_silent = 1; /* the agreed message is printed instead */
    rc = cli_train_load_features(&o, ds);
    cli_silent = silent;
    st = rc == 0 ? RS_OK : rc == CLI_FILE ? RS_ERR_FORMAT : rc == CLI_USAGE ? RS_ERR_INVALID_ARG
                                                                             : RS_ERR_NOMEM;
    if ((st = rs_mpi_agree(job, st, rs_dataset_last_error(ds))) != RS_OK) {
        rc = agreed_failure(job, st, "");
        goto out;
    }
    if (o.valid) {
        char vpath[4096];
        rank_path(vpath, sizeof vpath, o.valid, rank, mo.per_rank);
        if ((st = rs_mpi_load_ratings(job, valid, vpath, cli_resolve_format(vpath, o.data_opts.format), share)) !=
            RS_OK) {
            rc = agreed_failure(job, st, "");
            goto out;
        }
    }

    cli_progress display;
    cli_train_progress_init(&display, m, &o);
    progress prog = {rank == 0 ? &display : NULL, -1, 0, rank};
    const char *kill = getenv("RECSGD_MPI_TEST_KILL");
    if (kill && sscanf(kill, "%d:%ld", &prog.kill_rank, &prog.kill_after) != 2)
        prog.kill_rank = -1;
    rs_model_set_progress_callback(m, on_epoch, &prog);
    cli_train_log lg = {.n = 0};
    if (rank == 0)
        rs_model_set_log_callback(m, cli_train_log_fn, &lg);
    cli_progress_catch_interrupt();
    st = rs_mpi_fit(job, m, ds, o.valid ? valid : NULL);
    cli_progress_finish(&display);
    cli_train_log_print(&lg, o.quiet || rank != 0);
    int64_t broken = 0, resumed = 0;
    rs_mpi_job_get_int(job, RS_MPI_INFO_BROKEN, &broken);
    if (broken)
        agreed_failure(job, st, "training failed: ");
    rs_mpi_job_get_int(job, RS_MPI_INFO_RESUMED_EPOCH, &resumed);
    if (resumed && rank == 0 && !o.quiet && !o.json)
        fprintf(stderr, "recsgd-mpi: resumed after epoch %lld from %s\n", (long long)resumed, ckpt);
    /* Rank 0's model holds the fit when the run kept it (always on success;
     * after a failure only with --save-on-error or a requested stop). */
    int fitted = rank == 0 && rs_model_num_users(m) > 0, save;
    MPI_Bcast(&fitted, 1, MPI_INT, 0, MPI_COMM_WORLD);
    rc = cli_train_outcome(m, &o, st, fitted, &save);
    int reported = st == RS_OK || st == RS_ERR_NUMERIC || st == RS_ERR_CANCELLED;

    /* Outputs on rank 0, the outcome agreed. */
    if (o.stats) {
        int src = rank == 0 ? cli_stats_write(m, o.stats) : 0;
        rs_status sst = rs_mpi_agree(job, code_status(src), "");
        if (!rc)
            rc = rank == 0 ? src : status_code(sst);
    }
    int saved = 0;
    if (save) {
        rs_status sst = rs_mpi_model_save_file(job, m, o.model);
        saved = sst == RS_OK;
        if (!saved) {
            int code = agreed_failure(job, sst, "");
            if (!rc)
                rc = code == CLI_DIVERGED ? CLI_ERR : code;
        }
    }
    if (rank == 0 && reported) {
        int64_t mine = 0;
        rs_mpi_job_get_int(job, RS_MPI_INFO_RATINGS, &mine);
        long long total = 0, part = (long long)mine;
        MPI_Reduce(&part, &total, 1, MPI_LONG_LONG, MPI_SUM, 0, MPI_COMM_WORLD);
        cli_train_report(&o, m, (size_t)total, st, saved);
    } else if (reported) {
        int64_t mine = 0;
        rs_mpi_job_get_int(job, RS_MPI_INFO_RATINGS, &mine);
        long long part = (long long)mine;
        MPI_Reduce(&part, NULL, 1, MPI_LONG_LONG, MPI_SUM, 0, MPI_COMM_WORLD);
    }
out:
    rs_model_free(m);
    rs_dataset_free(ds);
    rs_dataset_free(valid);
    rs_mpi_job_free(job);
    return rc;
}

int main(int argc, char **argv)
{
    if (MPI_Init(&argc, &argv) != MPI_SUCCESS) {
        fprintf(stderr, "recsgd-mpi: MPI_Init failed\n");
        return CLI_ERR;
    }
    int rank = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    cli_program = "recsgd-mpi";
    cli_silent = rank != 0;
    int rc;
    if (argc < 2) {
        rc = cli_fail(CLI_USAGE, "missing command: usage: mpirun -np N recsgd-mpi train ... "
                                 "(try 'recsgd-mpi --help')");
    } else if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
               (strcmp(argv[1], "train") == 0 && argc > 2 &&
                (strcmp(argv[2], "--help") == 0 || strcmp(argv[2], "-h") == 0))) {
        if (rank == 0)
            help(stdout);
        rc = CLI_OK;
    } else if (strcmp(argv[1], "--version") == 0) {
        if (rank == 0)
            printf("recsgd-mpi (librecsgd) %s\n", rs_version_string());
        rc = CLI_OK;
    } else if (strcmp(argv[1], "train") != 0) {
        rc = cli_fail(CLI_USAGE, "unknown command '%s' (recsgd-mpi has only 'train')", argv[1]);
    } else {
        rc = train(argc - 1, argv + 1, rank);
    }
    MPI_Finalize();
    return rc;
}

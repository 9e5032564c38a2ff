/* recsgd command-line tool. SPDX-License-Identifier: BSD-2-Clause
 * progress.c: the per-epoch training display. On a terminal one line is
 * redrawn in place (a bar, the RMSEs, the gradient norm, the clip share and
 * an ETA); otherwise one plain line per epoch, which logs and CI read well.
 * Ctrl-C asks rs_fit to stop after the current epoch (RS_ERR_CANCELLED, the
 * last complete epoch kept; train.c saves it only with --save-on-error); a
 * second Ctrl-C ends the program. */
#include <math.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

/* A signal handler can only talk to the program through a static flag. */
static volatile sig_atomic_t interrupted;

static void on_interrupt(int sig)
{
    (void)sig;
    interrupted = 1;
}

void cli_progress_catch_interrupt(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_interrupt;
    /* A second Ctrl-C ends the program at once. */
    sa.sa_flags = SA_RESETHAND;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
}

void cli_progress_init(cli_progress *p, FILE *f, int quiet, int64_t epochs)
{
    p->f = f;
    p->tty = isatty(fileno(f));
    p->quiet = quiet;
    p->epochs = epochs;
    p->drawn = 0;
}

static double stat_at(const double *stats, size_t n, size_t k)
{
    return k < n ? stats[k] : NAN;
}

static void put_rmse(FILE *f, const char *label, double v)
{
    if (isnan(v))
        fprintf(f, " %s -", label);
    else
        fprintf(f, " %s %.4f", label, v);
}

static void put_eta(FILE *f, double secs)
{
    long s = (long)(secs + 0.5);
    if (s >= 3600)
        fprintf(f, " ETA %ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
    else
        fprintf(f, " ETA %ld:%02ld", s / 60, s % 60);
}

int32_t cli_progress_epoch(void *ud, const double *stats, size_t n)
{
    cli_progress *p = ud;
    if (p->quiet)
        return interrupted ? 1 : 0;
    double epoch = stat_at(stats, n, RS_STAT_EPOCH), secs = stat_at(stats, n, RS_STAT_SECONDS);
    double train = stat_at(stats, n, RS_STAT_TRAIN_RMSE), valid = stat_at(stats, n, RS_STAT_VALID_RMSE);
    double grad = stat_at(stats, n, RS_STAT_GRAD_NORM_MEAN), clip = stat_at(stats, n, RS_STAT_CLIP_SHARE);
    double lr = stat_at(stats, n, RS_STAT_LEARNING_RATE);
    int diverged = stat_at(stats, n, RS_STAT_DIVERGED) == 1.0;
    long e = (long)epoch, total = (long)p->epochs;
    FILE *f = p->f;
    if (p->tty && !diverged) {
        enum { BAR = 20 };
        char bar[BAR + 1];
        long fill = total > 0 ? e * BAR / total : 0;
        for (long k = 0; k < BAR; k++)
            bar[k] = k < fill ? '#' : '-';
        bar[BAR] = '\0';
        fprintf(f, "\r\033[Kepoch %ld/%ld [%s]", e, total, bar);
        put_rmse(f, "train", train);
        put_rmse(f, "valid", valid);
        fprintf(f, " |grad| %.3g clip %.1f%%", grad, 100.0 * clip);
        if (e > 0 && total > e && isfinite(secs))
            put_eta(f, secs / (double)e * (double)(total - e));
        p->drawn = 1;
    } else {
        /* A diverged epoch stays on screen even on a terminal. */
        if (p->drawn)
            fputs("\r\033[K", f);
        p->drawn = 0;
        fprintf(f, "epoch %ld/%ld train_rmse=%.6g valid_rmse=%.6g grad_norm=%.4g clip_share=%.4f "
                   "lr=%.4g seconds=%.2f%s\n",
                e, total, train, valid, grad, clip, lr, secs,
                diverged ? " DIVERGED (rolled back)" : "");
    }
    fflush(f);
    return interrupted ? 1 : 0;
}

void cli_progress_finish(cli_progress *p)
{
    if (p->drawn && !p->quiet)
        fputc('\n', p->f);
    p->drawn = 0;
    fflush(p->f);
}

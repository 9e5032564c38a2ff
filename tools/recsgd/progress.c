/* recsgd command-line tool. SPDX-License-Identifier: BSD-2-Clause
 * progress.c: the per-epoch training display. On a terminal one line is
 * redrawn in place (a bar, the RMSEs, the gradient norm, the clip share and
 * an ETA), fitted to the terminal's width at every epoch (TIOCGWINSZ, 80
 * when unknown) so it never wraps: the least useful parts go first;
 * otherwise one plain line per epoch, which logs and CI read well.
 * Ctrl-C asks rs_fit to stop after the current epoch (RS_ERR_CANCELLED, the
 * last complete epoch kept; train.c saves it only with --save-on-error); a
 * second Ctrl-C ends the program. */
#include <math.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
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
    p->width = p->tty ? cli_terminal_width(fileno(f)) : 80;
}

int cli_terminal_width(int fd)
{
    struct winsize ws;
    if (ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
        return ws.ws_col;
    return 80;
}

static double stat_at(const double *stats, size_t n, size_t k)
{
    return k < n ? stats[k] : NAN;
}

static void put_eta(char *b, size_t cap, double secs)
{
    long s = (long)(secs + 0.5);
    if (s >= 3600)
        snprintf(b, cap, " ETA %ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
    else
        snprintf(b, cap, " ETA %ld:%02ld", s / 60, s % 60);
}

void cli_progress_line(char *buf, size_t cap, int width, long e, long total, const double *stats,
                       size_t n)
{
    double secs = stat_at(stats, n, RS_STAT_SECONDS);
    double train = stat_at(stats, n, RS_STAT_TRAIN_RMSE), valid = stat_at(stats, n, RS_STAT_VALID_RMSE);
    double grad = stat_at(stats, n, RS_STAT_GRAD_NORM_MEAN), clip = stat_at(stats, n, RS_STAT_CLIP_SHARE);
    /* The parts, most useful first; the bar is sized last into what is left. */
    char head[48], rmse[64], eta[32] = "", gradp[32], clipp[32];
    snprintf(head, sizeof head, "epoch %ld/%ld", e, total);
    size_t r = (size_t)snprintf(rmse, sizeof rmse, " train %.4f", train);
    if (!isnan(valid))
        snprintf(rmse + r, sizeof rmse - r, " valid %.4f", valid);
    if (e > 0 && total > e && isfinite(secs))
        put_eta(eta, sizeof eta, secs / (double)e * (double)(total - e));
    snprintf(gradp, sizeof gradp, " |grad| %.3g", grad);
    snprintf(clipp, sizeof clipp, " clip %.1f%%", 100.0 * clip);
    int room = width - 1; /* never the last column: some terminals wrap there */
    if (room > (int)cap - 1)
        room = (int)cap - 1;
    int fixed = (int)(strlen(head) + strlen(rmse));
    int use_eta = 1, use_grad = 1, use_clip = 1, bar = 20;
    /* Drop parts until the line fits: clip share, gradient, then the bar
     * shrinks to 8 and goes, then the ETA; what still does not fit is cut. */
    for (;;) {
        int len = fixed + (use_eta ? (int)strlen(eta) : 0) + (use_grad ? (int)strlen(gradp) : 0) +
                  (use_clip ? (int)strlen(clipp) : 0) + (bar ? bar + 3 : 0);
        if (len <= room)
            break;
        if (use_clip)
            use_clip = 0;
        else if (use_grad)
            use_grad = 0;
        else if (bar > 8)
            bar = bar - (len - room) < 8 ? 8 : bar - (len - room);
        else if (bar)
            bar = 0;
        else if (use_eta)
            use_eta = 0;
        else
            break;
    }
    char barp[48] = "";
    if (bar) {
        long fill = total > 0 ? e * bar / total : 0;
        barp[0] = ' ';
        barp[1] = '[';
        for (int k = 0; k < bar; k++)
            barp[2 + k] = k < fill ? '#' : '-';
        barp[2 + bar] = ']';
        barp[3 + bar] = '\0';
    }
    snprintf(buf, cap, "%s%s%s%s%s%s", head, barp, rmse, use_grad ? gradp : "",
             use_clip ? clipp : "", use_eta ? eta : "");
    if ((int)strlen(buf) > room && room > 0)
        buf[room] = '\0';
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
        /* The width may change while training (a resized window). */
        p->width = cli_terminal_width(fileno(f));
        char line[512];
        cli_progress_line(line, sizeof line, p->width, e, total, stats, n);
        fprintf(f, "\r\033[K%s", line);
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

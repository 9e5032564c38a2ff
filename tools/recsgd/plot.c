/* recsgd command-line tool. SPDX-License-Identifier: BSD-2-Clause
 * plot.c: `recsgd plot`: learning curves from --stats CSV files as one
 * self-contained SVG (hand-written, no external tools). Left panel: train
 * (solid) and validation (dashed) RMSE per epoch; right panel: the mean
 * gradient norm per rating (solid) and its factor-row part (dotted), on a log
 * scale when the values span more than two decades. One colour per file;
 * diverged (rolled-back) epochs are marked with a cross. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

enum { MAX_SERIES = 16 };
enum { COL_EPOCH, COL_TRAIN, COL_VALID, COL_GRAD, COL_FGRAD, COL_DIVERGED, N_COLS };
static const char *const col_names[N_COLS] = {"epoch", "train_rmse", "valid_rmse",
                                              "grad_norm_mean", "factor_grad_norm_mean",
                                              "diverged"};

typedef struct series {
    const char *path;
    char label[128];
    size_t n, cap;
    double *v[N_COLS]; /* column arrays; NaN where absent */
} series;

typedef struct axis {
    double lo, hi;  /* data range shown (log10 of it when log) */
    int log;
    int zero_band;  /* log scale with zeros: a band at the bottom stands for 0 */
    double px0, px1; /* pixel range (px0 at lo) */
} axis;

/* ---- reading the CSV ---- */

static int split_fields(char *line, char **fields, int cap)
{
    int n = 0;
    char *p = line;
    for (;;) {
        if (n < cap)
            fields[n] = p;
        n++;
        char *comma = strchr(p, ',');
        if (!comma)
            break;
        *comma = '\0';
        p = comma + 1;
    }
    return n;
}

static void chomp(char *s)
{
    size_t n = strlen(s);
    while (n && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' '))
        s[--n] = '\0';
}

static int grow(series *s)
{
    if (s->n < s->cap)
        return 0;
    size_t cap = s->cap ? 2 * s->cap : 64;
    for (int c = 0; c < N_COLS; c++) {
        double *v = realloc(s->v[c], cap * sizeof *v);
        if (!v)
            return -1;
        s->v[c] = v;
    }
    s->cap = cap;
    return 0;
}

static int read_series(series *s, const char *path)
{
    s->path = path;
    FILE *f = fopen(path, "r");
    if (!f)
        return cli_fail(CLI_FILE, "%s: cannot open: %s", path, strerror(errno));
    char line[4096];
    char *fields[64];
    int map[64];
    int nf = 0, rc = 0;
    long lineno = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        chomp(line);
        if (lineno == 1) {
            nf = split_fields(line, fields, 64);
            int seen[N_COLS] = {0};
            for (int k = 0; k < nf && k < 64; k++) {
                map[k] = -1;
                for (int c = 0; c < N_COLS; c++)
                    if (strcmp(fields[k], col_names[c]) == 0)
                        map[k] = c, seen[c] = 1;
            }
            const int required[] = {COL_EPOCH, COL_TRAIN, COL_GRAD};
            for (int r = 0; r < 3; r++)
                if (!seen[required[r]]) {
                    rc = cli_fail(CLI_FILE, "%s:1: no '%s' column in the header (not a "
                                            "'recsgd train --stats' file?)", path,
                                  col_names[required[r]]);
                    goto out;
                }
            continue;
        }
        if (line[0] == '\0')
            continue;
        int got = split_fields(line, fields, 64);
        if (got != nf) {
            rc = cli_fail(CLI_FILE, "%s:%ld: expected %d fields, found %d", path, lineno, nf, got);
            goto out;
        }
        if (grow(s) != 0) {
            rc = cli_fail(CLI_ERR, "out of memory");
            goto out;
        }
        for (int c = 0; c < N_COLS; c++)
            s->v[c][s->n] = NAN;
        for (int k = 0; k < nf && k < 64; k++) {
            if (map[k] < 0)
                continue;
            char *end;
            double v = strtod(fields[k], &end);
            if (fields[k][0] == '\0')
                v = NAN;
            else if (*end != '\0') {
                rc = cli_fail(CLI_FILE, "%s:%ld: %s '%s' is not a number", path, lineno,
                              col_names[map[k]], fields[k]);
                goto out;
            }
            s->v[map[k]][s->n] = v;
        }
        if (!isfinite(s->v[COL_EPOCH][s->n])) {
            rc = cli_fail(CLI_FILE, "%s:%ld: the epoch is missing", path, lineno);
            goto out;
        }
        s->n++;
    }
    if (ferror(f))
        rc = cli_fail(CLI_FILE, "%s: read error: %s", path, strerror(errno));
    else if (lineno == 0)
        rc = cli_fail(CLI_FILE, "%s: empty file", path);
    else if (s->n == 0)
        rc = cli_fail(CLI_FILE, "%s: no epochs (only a header)", path);
out:
    fclose(f);
    return rc;
}

/* ---- axes ---- */

static double nice_step(double range, int target)
{
    double raw = range / target, mag = pow(10, floor(log10(raw))), r = raw / mag;
    return (r < 1.5 ? 1 : r < 3 ? 2 : r < 7 ? 5 : 10) * mag;
}

/* Fits an axis to the finite values of the given columns (of non-diverged
 * epochs only when skip_diverged). */
static void fit_axis(axis *a, const series *ss, int ns, const int *cols, int ncols,
                     int skip_diverged, int allow_log)
{
    double lo = INFINITY, hi = -INFINITY, plo = INFINITY;
    int zeros = 0;
    for (int s = 0; s < ns; s++)
        for (int c = 0; c < ncols; c++)
            for (size_t k = 0; k < ss[s].n; k++) {
                double v = ss[s].v[cols[c]][k];
                if (!isfinite(v) || (skip_diverged && ss[s].v[COL_DIVERGED][k] == 1.0))
                    continue;
                lo = fmin(lo, v);
                hi = fmax(hi, v);
                if (v > 0)
                    plo = fmin(plo, v);
                else
                    zeros = 1;
            }
    a->log = 0;
    a->zero_band = 0;
    if (!isfinite(lo)) {
        a->lo = 0, a->hi = 1;
        return;
    }
    if (allow_log && lo >= 0 && isfinite(plo) && hi / plo > 100.0) {
        a->log = 1;
        a->zero_band = zeros;
        a->lo = floor(log10(plo));
        a->hi = ceil(log10(hi));
        if (a->hi <= a->lo)
            a->hi = a->lo + 1;
        return;
    }
    if (hi - lo < 1e-12 * fmax(1.0, fabs(hi))) {
        double pad = lo == 0 ? 1 : fabs(lo) * 0.1;
        lo -= pad, hi += pad;
    }
    double step = nice_step(hi - lo, 5);
    a->lo = floor(lo / step) * step;
    a->hi = ceil(hi / step) * step;
    if (a->lo < 0 && lo >= 0)
        a->lo = 0;
}

/* Pixel of value v; values outside the axis are clamped to its ends. */
static double to_px(const axis *a, double v)
{
    double t;
    double start = a->px0, span = a->px1 - a->px0;
    if (a->log) {
        if (a->zero_band) {
            double band = 0.08 * span;
            if (v <= 0)
                return start;
            start += band, span -= band;
        }
        t = v > 0 ? (log10(v) - a->lo) / (a->hi - a->lo) : 0;
    } else
        t = (v - a->lo) / (a->hi - a->lo);
    if (!(t >= 0)) /* also catches NaN */
        t = 0;
    if (t > 1)
        t = 1;
    return start + t * span;
}

/* ---- SVG ---- */

static const char *const palette[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e",
                                      "#9467bd", "#8c564b", "#e377c2", "#17becf"};

static void xml_text(FILE *f, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '&': fputs("&amp;", f); break;
        case '"': fputs("&quot;", f); break;
        default: fputc(*s, f);
        }
    }
}

static void tick_label(char *buf, size_t cap, double v, double step)
{
    int decimals = step >= 1 ? 0 : (int)ceil(-log10(step) - 1e-9);
    if (decimals > 6)
        snprintf(buf, cap, "%.2g", v);
    else
        snprintf(buf, cap, "%.*f", decimals, v);
}

static void draw_axes(FILE *f, const axis *x, const axis *y, const char *title, const char *ylabel)
{
    double left = x->px0, right = x->px1, bottom = y->px0, top = y->px1;
    fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#fafafa\" "
               "stroke=\"#888\"/>\n", left, top, right - left, bottom - top);
    fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" font-weight=\"bold\">",
            (left + right) / 2, top - 10);
    xml_text(f, title);
    fputs("</text>\n", f);
    /* x ticks: integer epochs */
    double xs = fmax(1.0, nice_step(x->hi - x->lo, 8));
    for (double v = ceil(x->lo / xs) * xs; v <= x->hi + 1e-9; v += xs) {
        double px = to_px(x, v);
        fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#e3e3e3\"/>\n",
                px, top, px, bottom);
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%.0f</text>\n", px,
                bottom + 16, v);
    }
    fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">epoch</text>\n",
            (left + right) / 2, bottom + 34);
    /* y ticks */
    char buf[32];
    if (y->log) {
        int every = (int)ceil((y->hi - y->lo) / 8.0);
        for (double e = y->lo; e <= y->hi + 1e-9; e += every) {
            double px = to_px(y, pow(10, e));
            if (e >= -2 && e <= 3)
                snprintf(buf, sizeof buf, "%g", pow(10, e));
            else
                snprintf(buf, sizeof buf, "1e%d", (int)e);
            fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#e3e3e3\"/>\n",
                    left, px, right, px);
            fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n", left - 6,
                    px + 4, buf);
        }
        if (y->zero_band) {
            fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">0</text>\n", left - 6,
                    bottom + 4);
            double cut = to_px(y, pow(10, y->lo)) + 0.5 * (bottom - to_px(y, pow(10, y->lo)));
            fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#bbb\" "
                       "stroke-dasharray=\"2 4\"/>\n", left, cut, right, cut);
        }
    } else {
        double step = nice_step(y->hi - y->lo, 5);
        for (double v = y->lo; v <= y->hi + step * 1e-6; v += step) {
            double px = to_px(y, v);
            tick_label(buf, sizeof buf, fabs(v) < step * 1e-6 ? 0 : v, step);
            fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#e3e3e3\"/>\n",
                    left, px, right, px);
            fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n", left - 6,
                    px + 4, buf);
        }
    }
    fprintf(f, "<text transform=\"translate(%.1f %.1f) rotate(-90)\" text-anchor=\"middle\">",
            left - 48, (top + bottom) / 2);
    xml_text(f, ylabel);
    fprintf(f, "%s</text>\n", y->log ? " (log scale)" : "");
}

/* One polyline per run of plottable points; NaN (and, when skip_diverged,
 * diverged epochs) break the line. */
static void draw_line(FILE *f, const series *s, int col, const axis *x, const axis *y,
                      const char *color, const char *dash, int skip_diverged, int dots)
{
    int open = 0;
    for (size_t k = 0; k < s->n; k++) {
        double v = s->v[col][k];
        int skip = !isfinite(v) || (skip_diverged && s->v[COL_DIVERGED][k] == 1.0);
        if (skip) {
            if (open)
                fputs("\"/>\n", f);
            open = 0;
            continue;
        }
        if (!open)
            fprintf(f, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\"%s points=\"",
                    color, dash);
        fprintf(f, "%s%.1f,%.1f", open ? " " : "", to_px(x, s->v[COL_EPOCH][k]), to_px(y, v));
        open = 1;
    }
    if (open)
        fputs("\"/>\n", f);
    if (dots)
        for (size_t k = 0; k < s->n; k++) {
            double v = s->v[col][k];
            if (isfinite(v) && !(skip_diverged && s->v[COL_DIVERGED][k] == 1.0))
                fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.2\" fill=\"%s\"/>\n",
                        to_px(x, s->v[COL_EPOCH][k]), to_px(y, v), color);
        }
}

/* A cross at each diverged epoch: at the value when it is on the axis, at
 * the top edge otherwise (an exploded RMSE would squash every other curve). */
static int draw_divergence(FILE *f, const series *s, int col, const axis *x, const axis *y,
                           const char *color)
{
    int any = 0;
    for (size_t k = 0; k < s->n; k++) {
        if (s->v[COL_DIVERGED][k] != 1.0)
            continue;
        double v = s->v[col][k];
        double px = to_px(x, s->v[COL_EPOCH][k]);
        double py = isfinite(v) ? to_px(y, v) : y->px1;
        if (py < y->px1 + 6)
            py = y->px1 + 6;
        fprintf(f, "<path d=\"M%.1f %.1fl8 8m0 -8l-8 8\" stroke=\"%s\" stroke-width=\"2.2\"/>\n",
                px - 4, py - 4, color);
        any = 1;
    }
    return any;
}

static int write_svg(FILE *f, const series *ss, int ns, const char *title)
{
    enum { W = 1000, PANEL_W = 380, PANEL_H = 290, TOP = 70 };
    double left0 = 80, left1 = 580;
    int height = TOP + PANEL_H + 60 + 22 * ns + 40;
    double xmax = 1;
    for (int s = 0; s < ns; s++)
        for (size_t k = 0; k < ss[s].n; k++)
            xmax = fmax(xmax, ss[s].v[COL_EPOCH][k]);
    axis x0 = {1, xmax > 1 ? xmax : 2, 0, 0, left0, left0 + PANEL_W};
    axis x1 = x0;
    x1.px0 = left1, x1.px1 = left1 + PANEL_W;
    axis y0, y1;
    const int rmse_cols[] = {COL_TRAIN, COL_VALID}, grad_cols[] = {COL_GRAD, COL_FGRAD};
    fit_axis(&y0, ss, ns, rmse_cols, 2, 1, 1);
    fit_axis(&y1, ss, ns, grad_cols, 2, 0, 1);
    y0.px0 = y1.px0 = TOP + PANEL_H;
    y0.px1 = y1.px1 = TOP;
    int dots = 1;
    for (int s = 0; s < ns; s++)
        dots &= ss[s].n <= 40;

    fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
               "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
               "viewBox=\"0 0 %d %d\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\" "
               "font-size=\"12\">\n", W, height, W, height);
    fprintf(f, "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>\n", W, height);
    fprintf(f, "<text x=\"%d\" y=\"28\" text-anchor=\"middle\" font-size=\"17\" "
               "font-weight=\"bold\">", W / 2);
    xml_text(f, title);
    fputs("</text>\n", f);
    draw_axes(f, &x0, &y0, "RMSE per epoch: train (solid), validation (dashed)", "RMSE");
    draw_axes(f, &x1, &y1, "Gradient norm per rating: all (solid), factor rows (dotted)",
              "mean gradient norm");
    fprintf(f, "<defs><clipPath id=\"p0\"><rect x=\"%.1f\" y=\"%d\" width=\"%d\" height=\"%d\"/>"
               "</clipPath><clipPath id=\"p1\"><rect x=\"%.1f\" y=\"%d\" width=\"%d\" "
               "height=\"%d\"/></clipPath></defs>\n",
            left0 - 3, TOP - 3, PANEL_W + 6, PANEL_H + 6, left1 - 3, TOP - 3, PANEL_W + 6,
            PANEL_H + 6);
    int any_div = 0;
    for (int s = 0; s < ns; s++) {
        const char *color = palette[s % (int)(sizeof palette / sizeof palette[0])];
        fputs("<g clip-path=\"url(#p0)\">\n", f);
        draw_line(f, &ss[s], COL_TRAIN, &x0, &y0, color, "", 1, dots);
        draw_line(f, &ss[s], COL_VALID, &x0, &y0, color, " stroke-dasharray=\"7 4\"", 1, 0);
        any_div |= draw_divergence(f, &ss[s], COL_TRAIN, &x0, &y0, color);
        fputs("</g>\n<g clip-path=\"url(#p1)\">\n", f);
        draw_line(f, &ss[s], COL_GRAD, &x1, &y1, color, "", 0, dots);
        draw_line(f, &ss[s], COL_FGRAD, &x1, &y1, color, " stroke-dasharray=\"2 3\"", 0, 0);
        draw_divergence(f, &ss[s], COL_GRAD, &x1, &y1, color);
        fputs("</g>\n", f);
    }
    /* legend: one line per file, then the marker key */
    double ly = TOP + PANEL_H + 62;
    for (int s = 0; s < ns; s++) {
        const char *color = palette[s % (int)(sizeof palette / sizeof palette[0])];
        double lx = left0, yy = ly + 22 * s;
        fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
                   "stroke-width=\"3\"/>\n", lx, yy - 4, lx + 26, yy - 4, color);
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\">", lx + 34, yy);
        xml_text(f, ss[s].label);
        fputs("</text>\n", f);
    }
    if (any_div) {
        double yy = ly + 22 * ns;
        fprintf(f, "<path d=\"M%.1f %.1fl8 8m0 -8l-8 8\" stroke=\"#444\" stroke-width=\"2.2\"/>\n",
                left0 + 9, yy - 8);
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\">diverged epoch (rolled back; RMSE drawn at the "
                   "top edge when off the scale)</text>\n", left0 + 34, yy);
    }
    fputs("</svg>\n", f);
    return ferror(f) ? -1 : 0;
}

static void default_label(series *s)
{
    const char *base = strrchr(s->path, '/');
    base = base ? base + 1 : s->path;
    snprintf(s->label, sizeof s->label, "%s", base);
    char *dot = strrchr(s->label, '.');
    if (dot && dot != s->label)
        *dot = '\0';
}

enum { O_OUT = 1, O_TITLE, O_LABEL };

static const cli_opt plot_table[] = {
    {O_OUT, "out", 'o', "FILE.svg", "the SVG to write (required)", NULL, 0},
    {O_TITLE, "title", 0, "T", "the chart's title", "Learning curves", 0},
    {O_LABEL, "label", 0, "L", "legend label of the next statistics file (repeatable)",
     "the file name", 0},
    {0, NULL, 0, NULL, NULL, NULL, 0}};

void cli_plot_help(FILE *f)
{
    cli_help(f, "recsgd plot STATS.csv [MORE.csv ...] --out FILE.svg [OPTIONS]",
             "Draw the learning curves of one or more `recsgd train --stats` files as SVG "
             "(training and validation RMSE, diverged epochs marked).",
             plot_table);
}

typedef struct plot_opts {
    const char *out, *title;
    const char *labels[MAX_SERIES];
    int nlabels, too_many;
} plot_opts;

static int plot_option(void *ud, const cli_opt *o, const char *v)
{
    plot_opts *p = ud;
    if (o->id == O_OUT)
        p->out = v;
    else if (o->id == O_TITLE)
        p->title = v;
    else if (p->nlabels == MAX_SERIES)
        return cli_fail(CLI_USAGE, "plot: at most %d --label options", MAX_SERIES);
    else
        p->labels[p->nlabels++] = v;
    return 0;
}

int cli_plot(int argc, char **argv)
{
    plot_opts po;
    memset(&po, 0, sizeof po);
    po.title = "Learning curves";
    const char **pos = malloc((size_t)argc * sizeof *pos);
    if (!pos)
        return cli_fail(CLI_ERR, "out of memory");
    int nfiles = 0;
    int prc = cli_parse(argc, argv, plot_table, plot_option, &po, pos, &nfiles);
    if (!prc && nfiles > MAX_SERIES)
        prc = cli_fail(CLI_USAGE, "plot: at most %d statistics files", MAX_SERIES);
    const char *files[MAX_SERIES];
    for (int k = 0; !prc && k < nfiles; k++)
        files[k] = pos[k];
    free(pos);
    if (prc)
        return prc;
    const char *out = po.out, *title = po.title;
    const char *const *labels = po.labels;
    int nlabels = po.nlabels;
    if (nfiles == 0)
        return cli_fail(CLI_USAGE, "plot: give at least one statistics CSV file");
    if (!out)
        return cli_fail(CLI_USAGE, "plot: --out FILE.svg is required");
    if (nlabels > nfiles)
        return cli_fail(CLI_USAGE, "plot: %d --label options for %d files", nlabels, nfiles);
    series ss[MAX_SERIES];
    memset(ss, 0, sizeof ss);
    int rc = 0;
    for (int s = 0; s < nfiles && !rc; s++) {
        rc = read_series(&ss[s], files[s]);
        if (s < nlabels)
            snprintf(ss[s].label, sizeof ss[s].label, "%s", labels[s]);
        else
            default_label(&ss[s]);
    }
    if (!rc) {
        FILE *f = fopen(out, "w");
        if (!f)
            rc = cli_fail(CLI_FILE, "%s: cannot write: %s", out, strerror(errno));
        else {
            int bad = write_svg(f, ss, nfiles, title);
            if ((fclose(f) != 0) | bad)
                rc = cli_fail(CLI_FILE, "%s: write error: %s", out, strerror(errno));
        }
    }
    for (int s = 0; s < nfiles; s++)
        for (int c = 0; c < N_COLS; c++)
            free(ss[s].v[c]);
    return rc;
}

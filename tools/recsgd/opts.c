/* recsgd command-line tool. SPDX-License-Identifier: BSD-2-Clause
 * opts.c: option tables. A subcommand describes its options once (name,
 * short name, value, help, default); the same table drives getopt_long
 * (so -k2, -k 2, --k=2, --k 2, abbreviations and `--` all work) and the
 * --help text, so the two cannot disagree. An option bound to a model
 * parameter shows the library's own default and range (rs_model_get_*,
 * rs_param_bounds), and `recsgd train --help` lists every model parameter
 * of the library's table for --set, so no number here can drift from the
 * library. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* ---- parsing ---- */

static size_t count(const cli_opt *opts)
{
    size_t n = 0;
    while (opts[n].id)
        n++;
    return n;
}

/* The spelling of the option just seen, for messages ("--epochs", "-k"). */
static const char *spelled(char *buf, size_t cap, const char *arg)
{
    const char *eq = strchr(arg, '=');
    size_t len = eq && arg[1] == '-' ? (size_t)(eq - arg) : strlen(arg);
    if (arg[0] == '-' && arg[1] != '-' && len > 2)
        len = 2; /* "-k2" */
    if (len >= cap)
        len = cap - 1;
    memcpy(buf, arg, len);
    buf[len] = '\0';
    return buf;
}

int cli_parse(int argc, char **argv, const cli_opt *opts, cli_opt_fn fn, void *ud,
              const char **pos, int *n_pos)
{
    size_t n = count(opts);
    struct option *lo = calloc(n + 1, sizeof *lo);
    char *so = malloc(2 + 2 * n + 1);
    if (!lo || !so) {
        free(lo);
        free(so);
        return cli_fail(CLI_ERR, "out of memory");
    }
    char *s = so;
    *s++ = '+'; /* no permutation by getopt: positionals are collected below */
    *s++ = ':'; /* a missing value is ':' (not '?'), and getopt prints nothing */
    for (size_t k = 0; k < n; k++) {
        lo[k].name = opts[k].name;
        lo[k].has_arg = opts[k].arg ? required_argument : no_argument;
        lo[k].flag = NULL;
        lo[k].val = 256 + (int)k;
        if (opts[k].short_name) {
            *s++ = opts[k].short_name;
            if (opts[k].arg)
                *s++ = ':';
        }
    }
    *s = '\0';
    opterr = 0;
    /* A fresh scan. glibc keeps its place inside a cluster of short options
     * ("-k2x") between calls, pointing into the previous argv: only
     * optind = 0 resets that (a parser called twice, as the fuzz harness
     * does, read freed memory with optind = 1). */
#if defined(__GLIBC__)
    optind = 0;
#else
    optind = 1;
#endif
    *n_pos = 0;
    int rc = 0;
    char name[64];
    while (rc == 0) {
        int prev = optind ? optind : 1;
        int c = getopt_long(argc, argv, so, lo, NULL);
        if (c == -1) {
            if (optind >= argc)
                break;
            if (optind > prev) { /* getopt took a `--`: everything after it is positional */
                while (optind < argc)
                    pos[(*n_pos)++] = argv[optind++];
                break;
            }
            /* A positional argument; options may follow it. */
            pos[(*n_pos)++] = argv[optind++];
            continue;
        }
        if (c == ':') {
            rc = cli_fail(CLI_USAGE, "%s: missing value", spelled(name, sizeof name, argv[prev]));
        } else if (c == '?') {
            const char *bad = argv[prev];
            const char *eq = strchr(bad, '=');
            int is_flag = 0;
            if (bad[0] == '-' && bad[1] == '-' && eq)
                for (size_t k = 0; k < n; k++)
                    if (!opts[k].arg && strncmp(bad + 2, opts[k].name, (size_t)(eq - bad - 2)) == 0)
                        is_flag = 1;
            if (is_flag)
                rc = cli_fail(CLI_USAGE, "%s takes no value", spelled(name, sizeof name, bad));
            else if (bad[0] == '-' && bad[1] != '-' && optopt)
                rc = cli_fail(CLI_USAGE, "unknown option '-%c' (see '%s %s --help')", optopt,
                              cli_program, argv[0]);
            else {
                /* An abbreviation of two or more options is ambiguous, not unknown. */
                const char *given = spelled(name, sizeof name, bad);
                size_t len = strlen(given) > 2 ? strlen(given) - 2 : 0;
                int matches = 0;
                for (size_t k = 0; len && k < n; k++)
                    matches += strncmp(opts[k].name, given + 2, len) == 0;
                if (matches > 1)
                    rc = cli_fail(CLI_USAGE, "ambiguous option '%s' (see '%s %s --help')",
                                  given, cli_program, argv[0]);
                else
                    rc = cli_fail(CLI_USAGE, "unknown option '%s' (see '%s %s --help')", given,
                                  cli_program, argv[0]);
            }
        } else {
            const cli_opt *o = NULL;
            if (c >= 256)
                o = &opts[c - 256];
            else
                for (size_t k = 0; k < n && !o; k++)
                    if (opts[k].short_name == c)
                        o = &opts[k];
            rc = fn(ud, o, o->arg ? optarg : NULL);
        }
    }
    free(lo);
    free(so);
    return rc;
}

int cli_parse_options(int argc, char **argv, const cli_opt *opts, cli_opt_fn fn, void *ud)
{
    const char **pos = malloc((size_t)argc * sizeof *pos);
    if (!pos)
        return cli_fail(CLI_ERR, "out of memory");
    int n_pos = 0;
    int rc = cli_parse(argc, argv, opts, fn, ud, pos, &n_pos);
    if (!rc && n_pos > 0)
        rc = cli_fail(CLI_USAGE, "%s: unexpected argument '%s'", argv[0], pos[0]);
    free(pos);
    return rc;
}

/* ---- help ---- */

/* Model parameter ids run from 100 to 399 by type (model.h): integers,
 * reals, enumerated choices. */
static int param_kind(rs_param p) { return p < 200 ? 'i' : p < 300 ? 'r' : 'c'; }

/* Default (from a fresh model) and range of a model parameter, as text. */
static void describe_param(rs_param p, char *def, size_t dcap, char *range, size_t rcap)
{
    rs_model *m = NULL;
    def[0] = range[0] = '\0';
    if (rs_model_new(&m, RS_SCORER_COLLABORATIVE, NULL, NULL) != RS_OK)
        return;
    double lo = 0, hi = 0, d;
    int64_t v;
    rs_param_bounds(p, &lo, &hi);
    if (rs_model_get_int(m, p, &v) == RS_OK) {
        const char *name = cli_choice_name(p, v);
        if (param_kind(p) == 'c' && name) {
            snprintf(def, dcap, "%s", name);
            size_t at = 0;
            for (int64_t c = (int64_t)lo; c <= (int64_t)hi && at < rcap; c++) {
                const char *cn = cli_choice_name(p, c);
                at += (size_t)snprintf(range + at, rcap - at, "%s%s", c > (int64_t)lo ? "|" : "",
                                       cn ? cn : "?");
            }
        } else {
            snprintf(def, dcap, "%lld", (long long)v);
            snprintf(range, rcap, "%.0f to %.0f", lo, hi);
        }
    } else if (rs_model_get_double(m, p, &d) == RS_OK) {
        snprintf(def, dcap, "%g", d);
        snprintf(range, rcap, "%g to %g", lo, hi);
    }
    rs_model_free(m);
}

/* Writes "text" wrapped at 79 columns (starting at column col), continuation
 * lines indented by ind. */
static void wrapped(FILE *f, const char *text, int col, int ind)
{
    const char *p = text;
    int first = 1;
    while (*p) {
        while (*p == ' ')
            p++;
        const char *w = p;
        while (*w && *w != ' ')
            w++;
        int len = (int)(w - p);
        if (len == 0)
            break;
        if (!first && col + 1 + len > 79) {
            fprintf(f, "\n%*s", ind, "");
            col = ind;
        } else if (!first) {
            fputc(' ', f);
            col++;
        }
        fprintf(f, "%.*s", len, p);
        col += len;
        first = 0;
        p = w;
    }
    fputc('\n', f);
}

void cli_help(FILE *f, const char *synopsis, const char *about, const cli_opt *opts)
{
    fprintf(f, "usage: %s\n", synopsis);
    if (about)
        wrapped(f, about, 0, 0);
    fputs("\noptions:\n", f);
    for (const cli_opt *o = opts; o->id; o++) {
        char head[96], text[512], def[64], range[160];
        snprintf(head, sizeof head, "  %s%c%s--%s%s%s", o->short_name ? "-" : "",
                 o->short_name ? o->short_name : ' ', o->short_name ? ", " : "  ", o->name,
                 o->arg ? " " : "", o->arg ? o->arg : "");
        if (o->short_name == 0)
            snprintf(head, sizeof head, "      --%s%s%s", o->name, o->arg ? " " : "",
                     o->arg ? o->arg : "");
        def[0] = range[0] = '\0';
        if (o->param)
            describe_param(o->param, def, sizeof def, range, sizeof range);
        if (o->param && param_kind(o->param) == 'c')
            range[0] = '\0'; /* the choices are in the value's name */
        const char *shown = o->def ? o->def : def[0] ? def : NULL;
        size_t at = (size_t)snprintf(text, sizeof text, "%s", o->help);
        if (shown || range[0])
            at += (size_t)snprintf(text + at, sizeof text - at, " (%s%s%s%s%s)",
                                   shown ? "default " : "", shown ? shown : "",
                                   shown && range[0] ? ", " : "", range[0] ? "range " : "",
                                   range);
        if (o->param)
            snprintf(text + at, sizeof text - at, " [%s]", rs_param_name(o->param));
        int col = (int)strlen(head);
        fputs(head, f);
        if (col >= 30) {
            fprintf(f, "\n%30s", "");
        } else {
            fprintf(f, "%*s", 30 - col, "");
        }
        wrapped(f, text, 30, 30);
    }
}

void cli_help_params(FILE *f)
{
    fputs("\nmodel parameters for --set NAME=VALUE (defaults and ranges from the library):\n", f);
    rs_model *m = NULL;
    if (rs_model_new(&m, RS_SCORER_COLLABORATIVE, NULL, NULL) != RS_OK)
        return;
    for (rs_param p = 100; p < 2000; p++) {
        const char *name = rs_param_name(p);
        int64_t v;
        double d;
        if (!name || (rs_model_get_int(m, p, &v) != RS_OK && rs_model_get_double(m, p, &d) != RS_OK))
            continue; /* not a parameter, or a dataset one */
        char def[64], range[160], text[320];
        describe_param(p, def, sizeof def, range, sizeof range);
        snprintf(text, sizeof text, "%s, default %s, %s %s%s",
                 param_kind(p) == 'i' ? "integer" : param_kind(p) == 'r' ? "real" : "choice", def,
                 param_kind(p) == 'c' ? "one of" : "range", range,
                 p == RS_PARAM_SCORER ? " (read-only: chosen by --scorer)" : "");
        fprintf(f, "  %-26s", name);
        if (strlen(name) > 26)
            fprintf(f, "\n%30s", "");
        else
            fputs("  ", f);
        wrapped(f, text, 30, 30);
    }
    rs_model_free(m);
}

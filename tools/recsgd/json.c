/* recsgd command-line tool. SPDX-License-Identifier: BSD-2-Clause
 * json.c: a minimal streaming JSON writer for --json (one object per run). */
#include <inttypes.h>
#include <math.h>

#include "cli.h"

static void sep(cli_json *j)
{
    if (j->n++)
        fputc(',', j->f);
}

static void string(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(f, "\\%c", *p);
        else if (*p == '\n')
            fputs("\\n", f);
        else if (*p == '\t')
            fputs("\\t", f);
        else if (*p < 0x20)
            fprintf(f, "\\u%04x", *p);
        else
            fputc(*p, f);
    }
    fputc('"', f);
}

void cli_json_begin(cli_json *j, FILE *f)
{
    j->f = f;
    j->n = 0;
    j->depth = 1;
    fputc('{', f);
}

void cli_json_key(cli_json *j, const char *key)
{
    sep(j);
    if (key) {
        string(j->f, key);
        fputc(':', j->f);
    }
}

void cli_json_str(cli_json *j, const char *key, const char *v)
{
    cli_json_key(j, key);
    if (v)
        string(j->f, v);
    else
        fputs("null", j->f);
}

static void real(cli_json *j, const char *key, double v, int digits)
{
    cli_json_key(j, key);
    if (isfinite(v))
        fprintf(j->f, "%.*g", digits, v);
    else
        fputs("null", j->f);
}

void cli_json_num(cli_json *j, const char *key, double v) { real(j, key, v, 9); }

void cli_json_exact(cli_json *j, const char *key, double v) { real(j, key, v, 17); }

void cli_json_int(cli_json *j, const char *key, int64_t v)
{
    cli_json_key(j, key);
    fprintf(j->f, "%" PRId64, v);
}

void cli_json_bool(cli_json *j, const char *key, int v)
{
    cli_json_key(j, key);
    fputs(v ? "true" : "false", j->f);
}

void cli_json_open(cli_json *j, const char *key, char bracket)
{
    cli_json_key(j, key);
    fputc(bracket, j->f);
    j->n = 0;
    j->depth++;
}

void cli_json_close(cli_json *j, char bracket)
{
    fputc(bracket == '{' ? '}' : bracket == '[' ? ']' : bracket, j->f);
    j->depth--;
    j->n = 1; /* the container itself was a member of its parent */
}

void cli_json_end(cli_json *j)
{
    fputs("}\n", j->f);
    fflush(j->f);
}

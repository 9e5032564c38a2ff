/* recsgd command-line tool. SPDX-License-Identifier: BSD-2-Clause
 * args.c: the option scanner and the value parsers. Every bad value is
 * reported on one line naming the option and the value. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

void cli_args_init(cli_args *a, int argc, char **argv, int first)
{
    a->argc = argc;
    a->argv = argv;
    a->i = first;
    a->val = NULL;
    a->opt = NULL;
    a->bad = 0;
    a->rest = 0;
}

int cli_args_more(const cli_args *a)
{
    return !a->bad && a->i < a->argc;
}

/* Length of the option name in arg: up to '=' for long options. */
static size_t name_len(const char *arg)
{
    const char *eq = strncmp(arg, "--", 2) == 0 ? strchr(arg, '=') : NULL;
    return eq ? (size_t)(eq - arg) : strlen(arg);
}

static int same(const char *arg, size_t len, const char *name)
{
    return name && strlen(name) == len && strncmp(arg, name, len) == 0;
}

int cli_args_value(cli_args *a, const char *long_name, const char *short_name)
{
    const char *arg = a->argv[a->i];
    if (a->rest)
        return 0;
    size_t len = name_len(arg);
    int is_long = same(arg, len, long_name), is_short = same(arg, strlen(arg), short_name);
    /* "-k2": a short option with its value attached. */
    if (!is_long && !is_short && short_name && strlen(short_name) == 2 &&
        strncmp(arg, short_name, 2) == 0 && arg[2] != '\0') {
        a->opt = short_name;
        a->val = arg + 2;
        a->i++;
        return 1;
    }
    if (!is_long && !is_short)
        return 0;
    a->opt = is_long ? long_name : short_name;
    if (is_long && arg[len] == '=') {
        a->val = arg + len + 1;
        a->i++;
        return 1;
    }
    if (a->i + 1 >= a->argc) {
        cli_fail(CLI_USAGE, "%s: missing value", a->opt);
        a->bad = 1;
        a->val = NULL;
        a->i++;
        return 1;
    }
    a->val = a->argv[a->i + 1];
    a->i += 2;
    return 1;
}

int cli_args_flag(cli_args *a, const char *long_name)
{
    const char *arg = a->argv[a->i];
    if (a->rest)
        return 0;
    size_t len = name_len(arg);
    if (!same(arg, len, long_name))
        return 0;
    a->opt = long_name;
    a->i++;
    if (arg[len] == '=') {
        cli_fail(CLI_USAGE, "%s takes no value", long_name);
        a->bad = 1;
    }
    return 1;
}

const char *cli_args_positional(cli_args *a)
{
    const char *arg = a->argv[a->i];
    if (!a->rest && strcmp(arg, "--") == 0) {
        a->rest = 1;
        a->i++;
        return a->i < a->argc ? cli_args_positional(a) : NULL;
    }
    if (!a->rest && arg[0] == '-' && arg[1] != '\0') {
        cli_fail(CLI_USAGE, "unknown option '%s' (see '%s %s --help')", arg, cli_program,
                 a->argv[0]);
        a->bad = 1;
        return NULL;
    }
    a->i++;
    return arg;
}

int cli_parse_int(const char *opt, const char *s, int64_t lo, int64_t *out)
{
    const char *what = lo > 0 ? "a positive integer" : lo == 0 ? "a non-negative integer"
                                                                : "an integer";
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (*s == '\0' || *end != '\0' || end == s || (s[0] == ' ' || s[0] == '\t'))
        return cli_fail(CLI_USAGE, "%s: '%s' is not %s", opt, s, what);
    if (errno == ERANGE || v < lo)
        return cli_fail(CLI_USAGE, "%s: '%s' is not %s%s", opt, s, what,
                        errno == ERANGE ? " in range" : "");
    *out = (int64_t)v;
    return 0;
}

int cli_parse_real(const char *opt, const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (*s == '\0' || *end != '\0' || end == s || s[0] == ' ' || s[0] == '\t' || !isfinite(v))
        return cli_fail(CLI_USAGE, "%s: '%s' is not a finite number", opt, s);
    *out = v;
    return 0;
}

int cli_parse_choice(const char *opt, const char *s, const char *const *names, int *out)
{
    char list[256] = "";
    for (int k = 0; names[k]; k++) {
        if (strcmp(s, names[k]) == 0) {
            *out = k;
            return 0;
        }
        if (k)
            strncat(list, "|", sizeof list - strlen(list) - 1);
        strncat(list, names[k], sizeof list - strlen(list) - 1);
    }
    return cli_fail(CLI_USAGE, "%s: '%s' is not one of %s", opt, s, list);
}

int cli_parse_id_list(const char *opt, const char *s, int64_t **ids, size_t *n)
{
    size_t cap = 1;
    for (const char *p = s; *p; p++)
        cap += *p == ',';
    int64_t *v = malloc(cap * sizeof *v);
    if (!v)
        return cli_fail(CLI_ERR, "out of memory");
    size_t got = 0;
    const char *p = s;
    for (;;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        char item[32];
        if (len == 0 || len >= sizeof item) {
            free(v);
            return cli_fail(CLI_USAGE, "%s: '%s' is not a comma-separated list of ids", opt, s);
        }
        memcpy(item, p, len);
        item[len] = '\0';
        char *end;
        errno = 0;
        long long id = strtoll(item, &end, 10);
        if (*end != '\0' || errno == ERANGE) {
            free(v);
            return cli_fail(CLI_USAGE, "%s: '%s' is not an id (in '%s')", opt, item, s);
        }
        v[got++] = (int64_t)id;
        if (!comma)
            break;
        p = comma + 1;
    }
    *ids = v;
    *n = got;
    return 0;
}

int cli_list_append(char **list, const char *v)
{
    size_t old = *list ? strlen(*list) : 0, n = strlen(v);
    char *e = realloc(*list, old + n + 2);
    if (!e)
        return cli_fail(CLI_ERR, "out of memory");
    if (old)
        e[old++] = ',';
    memcpy(e + old, v, n + 1);
    *list = e;
    return 0;
}

int cli_list_split(char *list, const char ***parts, size_t *n)
{
    size_t cap = 1;
    for (const char *p = list; *p; p++)
        cap += *p == ',';
    const char **v = malloc(cap * sizeof *v);
    *parts = v;
    *n = 0;
    if (!v)
        return cli_fail(CLI_ERR, "out of memory");
    for (char *p = list;;) {
        char *comma = strchr(p, ',');
        if (comma)
            *comma = '\0';
        if (*p)
            v[(*n)++] = p;
        if (!comma)
            break;
        p = comma + 1;
    }
    return 0;
}

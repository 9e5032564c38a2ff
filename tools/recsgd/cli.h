/* recsgd command-line tool. SPDX-License-Identifier: BSD-2-Clause
 * cli.h: what the subcommand files share: exit codes, the option scanner,
 * value parsers, diagnostics, loaders and the JSON writer. The tool uses only
 * the public API of librecsgd. */
#ifndef RECSGD_CLI_H
#define RECSGD_CLI_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <librecsgd/recsgd.h>

/* Exit codes (docs/cli.md, recsgd(1)). */
enum {
    CLI_OK = 0,       /* success */
    CLI_ERR = 1,      /* runtime or library error */
    CLI_USAGE = 2,    /* bad or missing argument */
    CLI_DIVERGED = 3, /* training diverged (RS_ERR_NUMERIC) */
    CLI_FILE = 4      /* a file is missing, unreadable, malformed or unwritable */
};

/* ---- diagnostics (diag.c) ---- */

/* The program name that prefixes diagnostics ("recsgd"), and a switch that
 * silences them (recsgd-mpi: every rank but rank 0). */
extern const char *cli_program;
extern int cli_silent;

/* Prints "recsgd: <message>" on stderr (one line) and returns code. */
int cli_fail(int code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* The exit code for a library status: file problems give CLI_FILE,
 * RS_ERR_NUMERIC gives CLI_DIVERGED, anything else CLI_ERR. */
int cli_status_code(rs_status st);

/* ---- option scanning (args.c) ----
 * Options are "--name value", "--name=value" or "-k value"; flags take no
 * value. The scanner never exits: errors come back as CLI_USAGE after a
 * message has been printed. */
typedef struct cli_args {
    int argc;
    char **argv;
    int i;           /* index of the next argument */
    const char *val; /* value of the option just matched */
    const char *opt; /* spelling of the option just matched (for messages) */
    int bad;         /* set once a message has been printed */
} cli_args;

void cli_args_init(cli_args *a, int argc, char **argv, int first);
/* 1 while arguments remain and no error occurred. */
int cli_args_more(const cli_args *a);
/* Matches an option with a value (short_name may be NULL); returns 1 on a
 * match with a->val set, 0 otherwise. A missing value sets a->bad. */
int cli_args_value(cli_args *a, const char *long_name, const char *short_name);
/* Matches a flag; returns 1 on a match. "--flag=x" sets a->bad. */
int cli_args_flag(cli_args *a, const char *long_name);
/* Returns the current argument as a positional one (not starting with '-'),
 * or NULL (and a->bad set) for an unknown option. */
const char *cli_args_positional(cli_args *a);

/* Value parsers: return 0, or CLI_USAGE after printing
 * "recsgd: OPT: 'VALUE' is not ...". */
int cli_parse_int(const char *opt, const char *s, int64_t lo, int64_t *out);
int cli_parse_real(const char *opt, const char *s, double *out);
/* Index of s in the NULL-terminated names, or CLI_USAGE after a message. */
int cli_parse_choice(const char *opt, const char *s, const char *const *names, int *out);
/* "--exclude 1,2,3": a malloc'd array of ids. */
int cli_parse_id_list(const char *opt, const char *s, int64_t **ids, size_t *n);

/* ---- data and model files (files.c) ---- */

/* --format values; CLI_FORMAT_AUTO picks csv for *.csv, else movielens. */
enum { CLI_FORMAT_AUTO = 0 };
int cli_parse_format(const char *opt, const char *s, int32_t *out);
/* The RS_FORMAT_* a --format value means for path (CLI_FORMAT_AUTO: by name). */
int32_t cli_resolve_format(const char *path, int32_t format);
/* Loads a ratings file into a new dataset; on failure prints the loader's
 * message and returns the exit code. */
int cli_load_ratings(rs_dataset **out, const char *path, int32_t format);
/* Appends a feature file to ds; prints and returns the exit code on failure. */
int cli_load_features(rs_dataset *ds, int32_t side, const char *path, int32_t format);
int cli_load_model(rs_model **out, const char *path);
int cli_save_model(const rs_model *m, const char *path);

/* Names of the enumerated parameter values, for messages and `info`. */
const char *cli_scorer_name(int64_t scorer);
const char *cli_choice_name(rs_param p, int64_t value);

/* ---- JSON on stdout (json.c): one object, keys in call order ---- */
typedef struct cli_json {
    FILE *f;
    int n;     /* members written at the current level */
    int depth; /* nesting depth */
} cli_json;

void cli_json_begin(cli_json *j, FILE *f);
void cli_json_key(cli_json *j, const char *key); /* before a value or a nested container */
void cli_json_str(cli_json *j, const char *key, const char *v); /* NULL gives null */
void cli_json_num(cli_json *j, const char *key, double v);      /* NaN/Inf give null */
void cli_json_int(cli_json *j, const char *key, int64_t v);
void cli_json_bool(cli_json *j, const char *key, int v);
void cli_json_open(cli_json *j, const char *key, char bracket); /* '{' or '[' */
void cli_json_close(cli_json *j, char bracket);
void cli_json_end(cli_json *j); /* closes the object and writes a newline */

/* ---- progress display (progress.c) ---- */
typedef struct cli_progress {
    FILE *f;
    int tty;     /* redraw one line in place */
    int quiet;   /* print nothing */
    int64_t epochs;
    int drawn;   /* a partial line is on the terminal */
} cli_progress;

void cli_progress_init(cli_progress *p, FILE *f, int quiet, int64_t epochs);
/* rs_progress_fn: draws one epoch's statistics; returns non-zero after SIGINT. */
int32_t cli_progress_epoch(void *ud, const double *stats, size_t n_stats);
void cli_progress_finish(cli_progress *p);
/* Installs the SIGINT handler that lets training stop after the epoch. */
void cli_progress_catch_interrupt(void);

/* ---- per-epoch statistics as CSV (stats.c) ---- */
extern const char *const cli_stats_columns[]; /* NULL-terminated, the CSV header */
int cli_stats_write(const rs_model *m, const char *path);

/* ---- `train`, in pieces (train.c), shared with recsgd-mpi ---- */

/* One parameter to set, remembered with the option that asked for it so a
 * range error from the library can name the option. */
typedef struct cli_setting {
    const char *opt;
    rs_param param;
    int is_real;
    int64_t i;
    double d;
} cli_setting;

enum { CLI_MAX_SETTINGS = 32 };

typedef struct cli_train_opts {
    const char *data, *valid, *model, *stats;
    const char *user_features, *item_features;
    int32_t format, features_format;
    int32_t scorer;
    int quiet, json;
    int64_t epochs; /* for the progress display; 0 = library default */
    cli_setting set[CLI_MAX_SETTINGS];
    int n_set;
    int too_many; /* more settings than CLI_MAX_SETTINGS were given */
} cli_train_opts;

/* An option `train` does not know: returns 1 when it matched the current
 * argument (setting *rc to 0 or an exit code), 0 when not. */
typedef int (*cli_extra_option_fn)(void *ud, cli_args *a, int *rc);

/* Parses `train` options (argv[0] is the subcommand); extra (may be NULL)
 * sees every option train does not know. 0 or an exit code after a message. */
int cli_train_parse(int argc, char **argv, cli_train_opts *o, cli_extra_option_fn extra, void *ud);
/* Fails early (before a long fit) when an output cannot be written. */
int cli_check_writable(const char *opt, const char *path);
/* Sets the parsed parameters on m; 0 or an exit code after a message. */
int cli_train_configure(rs_model *m, const cli_train_opts *o);
/* A new model of the chosen scorer with the parsed parameters set. */
int cli_train_new_model(rs_model **m, const cli_train_opts *o);
/* The progress display of a fit of m on stderr. */
void cli_train_progress_init(cli_progress *p, const rs_model *m, const cli_train_opts *o);
/* Appends the --user-features / --item-features files to train. */
int cli_train_load_features(const cli_train_opts *o, rs_dataset *train);
/* The one-line (or JSON) summary of a fit on stdout. */
void cli_train_report(const cli_train_opts *o, const rs_model *m, size_t n_ratings, rs_status st,
                      int saved);
/* The exit code of a fit's status, after its message (0 for RS_OK). */
int cli_train_outcome(const rs_model *m, rs_status st, int fitted);

/* The library's log lines of a fit, kept to be printed after the progress. */
typedef struct cli_train_log {
    char line[8][240];
    int n, dropped;
} cli_train_log;
void cli_train_log_fn(void *ud, int32_t level, const char *message);
void cli_train_log_print(const cli_train_log *lg, int quiet);

/* The usage text of `train` (train.c). */
extern const char cli_train_usage[];

/* ---- subcommands ---- */
int cli_train(int argc, char **argv);
int cli_eval(int argc, char **argv);
int cli_predict(int argc, char **argv);
int cli_topk(int argc, char **argv);
int cli_similar(int argc, char **argv);
int cli_info(int argc, char **argv);
int cli_plot(int argc, char **argv);

/* Prints a subcommand's usage summary on f (main.c). */
void cli_usage(FILE *f, const char *command);

#endif /* RECSGD_CLI_H */

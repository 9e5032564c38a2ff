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

/* ---- option tables (opts.c) ----
 * A subcommand lists its options once; the table drives getopt_long
 * (--name value, --name=value, -k value, -k2, unambiguous abbreviations,
 * `--` ending the options) and the --help text. An option bound to a model
 * parameter (param != 0) shows the library's default and range. */
typedef struct cli_opt {
    int id;              /* the subcommand's code for the option; 0 ends a table */
    const char *name;    /* long name, without the dashes */
    char short_name;     /* one-letter name, or 0 */
    const char *arg;     /* name of the value ("FILE", "N"), or NULL for a flag */
    const char *help;    /* one sentence */
    const char *def;     /* the default as shown, or NULL (none, or the parameter's) */
    rs_param param;      /* the model parameter behind the option, or 0 */
} cli_opt;

/* Called for each option in command-line order; value is NULL for a flag.
 * Returns 0, or an exit code after printing a message. */
typedef int (*cli_opt_fn)(void *ud, const cli_opt *o, const char *value);

/* Parses argv[1..] with opts; positional arguments go to pos (room for argc
 * entries) in order. Returns 0, or CLI_USAGE after a one-line message. */
int cli_parse(int argc, char **argv, const cli_opt *opts, cli_opt_fn fn, void *ud,
              const char **pos, int *n_pos);
/* cli_parse for a subcommand that takes no positional argument: one is a
 * usage error ("NAME: unexpected argument 'X'", NAME being argv[0]). */
int cli_parse_options(int argc, char **argv, const cli_opt *opts, cli_opt_fn fn, void *ud);
/* The --help text: synopsis, a paragraph, then every option with its
 * default and range. */
void cli_help(FILE *f, const char *synopsis, const char *about, const cli_opt *opts);
/* Every model parameter of the library's table, for `--set NAME=VALUE`. */
void cli_help_params(FILE *f);

/* ---- the older option scanner (args.c), kept for the subcommands that
 * still use it ----
 * Options are "--name value", "--name=value", "-k value" or "-k2"; flags
 * take no value; "--" ends the options. The scanner never exits: errors come
 * back as CLI_USAGE after a message has been printed. */
typedef struct cli_args {
    int argc;
    char **argv;
    int i;           /* index of the next argument */
    const char *val; /* value of the option just matched */
    const char *opt; /* spelling of the option just matched (for messages) */
    int bad;         /* set once a message has been printed */
    int rest;        /* a "--" was seen: every later argument is positional */
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
/* A repeatable list option: appends v to the malloc'd *list, comma-separated. */
int cli_list_append(char **list, const char *v);
/* Splits list at its commas in place; *parts (malloc'd, even on failure:
 * free it) point into list; empty parts are dropped. */
int cli_list_split(char *list, const char ***parts, size_t *n);

/* ---- the option parsers alone (tests/fuzz/fuzz_cli_args.c) ----
 * Parse a subcommand's arguments as it would, and apply `train`'s parameter
 * options to a fresh model through the library's setters, but load, train
 * and write nothing: 0, or the exit code the subcommand would return after
 * its one-line message. cmd is "predict", "topk" or "similar". */
int cli_train_check_args(int argc, char **argv);
int cli_eval_check_args(int argc, char **argv);
int cli_serve_check_args(const char *cmd, int argc, char **argv);

/* ---- data and model files (files.c) ---- */

/* --format values; CLI_FORMAT_AUTO picks csv for *.csv (and *.csv.gz), tsv
 * for *.tsv, else movielens. */
enum { CLI_FORMAT_AUTO = 0 };
int cli_parse_format(const char *opt, const char *s, int32_t *out);

/* How rating files are read: the --format, --delimiter, --header and --ids
 * options every subcommand that reads ratings takes. */
typedef struct cli_data_opts {
    int32_t format;  /* CLI_FORMAT_AUTO or RS_FORMAT_* */
    int delimiter;   /* CSV delimiter byte, or -1 for the library's default */
    int header;      /* -1 detect, 0 none, 1 the first line is a header */
    int string_ids;  /* -1: as the model last loaded (int64 without one), 0 int64, 1 strings */
    int64_t col[4];  /* csv user, item, rating, timestamp columns (0-based), -1: by header name */
} cli_data_opts;
#define CLI_DATA_OPTS_INIT {CLI_FORMAT_AUTO, -1, -1, -1, {-1, -1, -1, -1}}
/* Table rows of those options (ids CLI_OPT_FORMAT ...), for a subcommand's
 * table, and their handler: 1 when o was one of them (*rc set), else 0. */
enum {
    CLI_OPT_FORMAT = 900, CLI_OPT_DELIMITER, CLI_OPT_HEADER, CLI_OPT_IDS, CLI_OPT_USER_COL,
    CLI_OPT_ITEM_COL, CLI_OPT_RATING_COL, CLI_OPT_TIME_COL
};
#define CLI_DATA_OPT_ROWS                                                                        \
    {CLI_OPT_FORMAT, "format", 0, "auto|movielens|csv|tsv|libmf",                               \
     "rating file format; auto: csv for *.csv, tsv for *.tsv, else movielens (whitespace)",    \
     "auto", 0},                                                                               \
    {CLI_OPT_DELIMITER, "delimiter", 0, "C",                                                    \
     "field separator of csv files: one character, or tab, space, comma, semicolon, pipe",     \
     ",", 0},                                                                                  \
    {CLI_OPT_HEADER, "header", 0, "auto|yes|no",                                                \
     "whether the first line names the columns; auto detects it", "auto", 0},                  \
    {CLI_OPT_IDS, "ids", 0, "int|string",                                                       \
     "user and item ids: 64-bit integers, or any strings of 1 to 255 bytes (UUIDs, SKUs)",      \
     "int, or the model's", 0},                                                                 \
    {CLI_OPT_USER_COL, "user-col", 0, "N", "csv: the user column, counted from 0",              \
     "by header name: userId, user, user_id", 0},                                               \
    {CLI_OPT_ITEM_COL, "item-col", 0, "N", "csv: the item column",                              \
     "by header name: itemId, item, item_id, movieId, movie_id", 0},                            \
    {CLI_OPT_RATING_COL, "rating-col", 0, "N", "csv: the rating column",                        \
     "by header name: rating, score; none in a user,item[,timestamp] file: every rating 1", 0}, \
    {CLI_OPT_TIME_COL, "time-col", 0, "N",                                                      \
     "csv: the timestamp column (Unix time or ISO 8601 dates)",                                 \
     "by header name: timestamp, time, ts, date, datetime", 0}
int cli_data_option(cli_data_opts *d, const cli_opt *o, const char *value, int *rc);
/* Loads a ratings file into a new dataset; on failure prints the loader's
 * message and returns the exit code. */
int cli_load_ratings_with(rs_dataset **out, const char *path, const cli_data_opts *d);
/* The RS_FORMAT_* a --format value means for path (CLI_FORMAT_AUTO: by its name). */
int32_t cli_resolve_format(const char *path, int32_t format);
/* A new empty dataset with d's options set: what cli_load_ratings_with loads
 * into (recsgd-mpi loads each rank's share into it). */
int cli_dataset_new_with(rs_dataset **out, const cli_data_opts *d);
/* A loader's message with the library's parameter names turned into the
 * tool's options ("use --ids string", "use --user-col N"). */
void cli_loader_message(char *msg, size_t cap, const char *lib_msg);
/* The same with only a format: ids as the model last loaded by
 * cli_load_model (strings for a model with string ids), header detected. */
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
/* The same with 17 significant digits: the double reads back bit for bit. */
void cli_json_exact(cli_json *j, const char *key, double v);
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
    int width;   /* terminal columns (TIOCGWINSZ, else 80), read at every epoch */
} cli_progress;

/* Columns of the terminal on fd (TIOCGWINSZ), or 80 when unknown. */
int cli_terminal_width(int fd);
/* The in-place progress line of one epoch, fitted into width - 1 columns
 * (the last column would make some terminals wrap). Writes buf (cap >= 16). */
void cli_progress_line(char *buf, size_t cap, int width, long epoch, long total,
                       const double *stats, size_t n_stats);

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
    cli_data_opts data_opts;
    int32_t features_format; /* RS_FEATURES_SPARSE, or -1: MovieLens u.user / u.item */
    int32_t scorer;
    int quiet, json, save_on_error;
    int64_t epochs; /* for the progress display; 0 = library default */
    cli_setting set[CLI_MAX_SETTINGS];
    int n_set;
    int too_many; /* more settings than CLI_MAX_SETTINGS were given */
} cli_train_opts;

/* Options a tool adds to train's (recsgd-mpi): a table (ids from
 * CLI_OPT_EXTRA up, ending in id 0) listed after train's rows, for parsing
 * and for --help, and the handler its rows go to. */
enum { CLI_OPT_EXTRA = 1000 };
typedef struct cli_train_extra {
    const cli_opt *opts;
    cli_opt_fn fn;
    void *ud;
} cli_train_extra;

/* Parses train's options (argv[0] is the subcommand) and extra's (NULL:
 * none). 0 or an exit code after a message. */
int cli_train_parse(int argc, char **argv, cli_train_opts *o, const cli_train_extra *extra);
/* train's --help text with extra's rows (NULL: train's own help). */
void cli_train_help_with(FILE *f, const char *synopsis, const char *about, const cli_opt *extra);
/* Fails early (before a long fit) when an output cannot be written. */
int cli_check_writable(const char *opt, const char *path);
/* A new model of the chosen scorer with the parsed parameters set; 0 or an
 * exit code after a message. */
int cli_train_new_model(rs_model **m, const cli_train_opts *o);
/* The progress display of a fit of m on stderr. */
void cli_train_progress_init(cli_progress *p, const rs_model *m, const cli_train_opts *o);
/* Appends the --user-features / --item-features files to train. */
int cli_train_load_features(const cli_train_opts *o, rs_dataset *train);
/* After a fit that ended with st: *save says whether --model gets written
 * (fitted: the model holds a fit; a failed fit only with --save-on-error),
 * and the exit code comes back after the outcome's message (0 for RS_OK). */
int cli_train_outcome(const rs_model *m, const cli_train_opts *o, rs_status st, int fitted,
                      int *save);
/* The one-line (or JSON) summary of a fit on stdout. */
void cli_train_report(const cli_train_opts *o, const rs_model *m, size_t n_ratings, rs_status st,
                      int saved);

/* The library's log lines of a fit, kept to be printed after the progress. */
typedef struct cli_train_log {
    char line[8][240];
    int n, dropped;
} cli_train_log;
void cli_train_log_fn(void *ud, int32_t level, const char *message);
void cli_train_log_print(const cli_train_log *lg, int quiet);

/* ---- subcommands ---- */
int cli_train(int argc, char **argv);
int cli_eval(int argc, char **argv);
int cli_predict(int argc, char **argv);
int cli_topk(int argc, char **argv);
int cli_similar(int argc, char **argv);
int cli_info(int argc, char **argv);
int cli_plot(int argc, char **argv);
int cli_split(int argc, char **argv);

/* Each subcommand's --help text (from its option table). */
void cli_train_help(FILE *f);
void cli_eval_help(FILE *f);
void cli_predict_help(FILE *f);
void cli_topk_help(FILE *f);
void cli_similar_help(FILE *f);
void cli_info_help(FILE *f);
void cli_plot_help(FILE *f);
void cli_split_help(FILE *f);

/* Prints a subcommand's usage summary on f (main.c). */
void cli_usage(FILE *f, const char *command);

#endif /* RECSGD_CLI_H */

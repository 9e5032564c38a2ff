/* recsgd command-line tool. SPDX-License-Identifier: BSD-2-Clause
 * main.c: subcommand dispatch, --help and --version. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

typedef struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    void (*help)(FILE *f);
    const char *summary;
} command;

static const command commands[] = {
    {"train", cli_train, cli_train_help, "fit a model on a ratings file and save it"},
    {"eval", cli_eval, cli_eval_help, "accuracy of a saved model on a ratings file"},
    {"predict", cli_predict, cli_predict_help, "the predicted rating of one (user, item) pair"},
    {"topk", cli_topk, cli_topk_help, "a user's best-scored items"},
    {"similar", cli_similar, cli_similar_help, "the nearest items or users of one"},
    {"split", cli_split, cli_split_help, "split a ratings file (random, per user, by time)"},
    {"info", cli_info, cli_info_help, "what a model file holds"},
    {"plot", cli_plot, cli_plot_help, "learning curves of training statistics as SVG"},
    {NULL, NULL, NULL, NULL}};

void cli_usage(FILE *f, const char *name)
{
    for (const command *c = commands; c->name; c++)
        if (!name || strcmp(name, c->name) == 0)
            fprintf(f, "  recsgd %-8s %s\n", c->name, c->summary);
}

static void help(FILE *f)
{
    fputs("usage: recsgd COMMAND [OPTIONS]   (recsgd COMMAND --help lists every option)\n\n", f);
    cli_usage(f, NULL);
    fputs("\nexit status: 0 ok, 1 error, 2 usage error, 3 training diverged, 4 file error\n"
          "see recsgd(1) and docs/cli.md\n", f);
}

/* --help or -h among the options (not after a `--`). */
static int wants_help(int argc, char **argv)
{
    for (int k = 1; k < argc; k++) {
        if (strcmp(argv[k], "--") == 0)
            return 0;
        if (strcmp(argv[k], "--help") == 0 || strcmp(argv[k], "-h") == 0)
            return 1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return cli_fail(CLI_USAGE, "missing command: usage: recsgd COMMAND [OPTIONS] "
                                   "(try 'recsgd --help')");
    const char *name = argv[1];
    if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0 || strcmp(name, "help") == 0) {
        const command *c = commands;
        if (argc > 2)
            for (; c->name && strcmp(c->name, argv[2]) != 0; c++)
                ;
        if (argc > 2 && c->name)
            c->help(stdout);
        else
            help(stdout);
        return CLI_OK;
    }
    if (strcmp(name, "--version") == 0) {
        printf("recsgd (librecsgd) %s\n", rs_version_string());
        return CLI_OK;
    }
    for (const command *c = commands; c->name; c++) {
        if (strcmp(name, c->name) != 0)
            continue;
        if (wants_help(argc - 1, argv + 1)) {
            c->help(stdout);
            return CLI_OK;
        }
        /* Subcommands see argv[0] = their own name. */
        return c->run(argc - 1, argv + 1);
    }
    return cli_fail(CLI_USAGE, "unknown command '%s' (try 'recsgd --help')", name);
}

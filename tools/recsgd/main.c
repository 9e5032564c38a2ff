/* recsgd command-line tool. SPDX-License-Identifier: BSD-2-Clause
 * main.c: subcommand dispatch, --help and --version. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

typedef struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *usage;
} command;

static const command commands[] = {
    {"train", cli_train,
     "recsgd train --data FILE [--format auto|movielens|csv|libmf]\n"
     "             [--scorer collaborative|content|hybrid] [--user-features F] [--item-features F]\n"
     "             [--features-format sparse|movielens] [--factors N] [--epochs N] [--lr X]\n"
     "             [--lr-policy auto|constant|inverse_time|adagrad|adam] [--lr-decay X] [--l2 X]\n"
     "             [--l2-bias X] [--l2-features X] [--clip none|value:C|norm:C]\n"
     "             [--init normal[:S]|uniform[:A]|scaled[:S]|zero] [--on-divergence stop|halve]\n"
     "             [--threads N] [--seed N] [--tolerance X] [--patience N] [--valid FILE]\n"
     "             [--set NAME=VALUE ...] [--model OUT] [--stats stats.csv] [--quiet] [--json]\n"},
    {"eval", cli_eval,
     "recsgd eval --model M --data FILE [--format ...] [-k N] [--relevance X] [--json]\n"},
    {"predict", cli_predict, "recsgd predict --model M --user U --item I [--json] [--quiet]\n"},
    {"topk", cli_topk,
     "recsgd topk --model M --user U [-k N] [--exclude I1,I2,...] [--include-seen] [--json]\n"},
    {"similar", cli_similar, "recsgd similar --model M (--item I | --user U) [-k N] [--json]\n"},
    {"info", cli_info, "recsgd info --model M [--json]\n"},
    {"plot", cli_plot,
     "recsgd plot STATS.csv [MORE.csv ...] --out FILE.svg [--title T] [--label L ...]\n"},
    {NULL, NULL, NULL}};

void cli_usage(FILE *f, const char *name)
{
    for (const command *c = commands; c->name; c++)
        if (!name || strcmp(name, c->name) == 0)
            fputs(c->usage, f);
}

static void help(FILE *f)
{
    fputs("usage: recsgd COMMAND [OPTIONS]   (recsgd COMMAND --help for one command)\n\n", f);
    cli_usage(f, NULL);
    fputs("\nexit status: 0 ok, 1 error, 2 usage error, 3 training diverged, 4 file error\n"
          "see recsgd(1) and docs/cli.md\n", f);
}

static int wants_help(int argc, char **argv)
{
    for (int k = 1; k < argc; k++)
        if (strcmp(argv[k], "--help") == 0 || strcmp(argv[k], "-h") == 0)
            return 1;
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return cli_fail(CLI_USAGE, "missing command: usage: recsgd COMMAND [OPTIONS] "
                                   "(try 'recsgd --help')");
    const char *name = argv[1];
    if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0 || strcmp(name, "help") == 0) {
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
            fputs("usage: ", stdout);
            cli_usage(stdout, c->name);
            return CLI_OK;
        }
        /* Subcommands see argv[0] = their own name. */
        return c->run(argc - 1, argv + 1);
    }
    return cli_fail(CLI_USAGE, "unknown command '%s' (try 'recsgd --help')", name);
}

/* librecsgd fuzzing. SPDX-License-Identifier: BSD-2-Clause
 * fuzz_cli_args.c: the option parsing of the recsgd tool (tools/recsgd:
 * the scanner and value parsers of args.c, and the train, eval, predict,
 * topk and similar parsers, with train's parameter options applied to a
 * fresh model through the library setters), on argument vectors cut from
 * the input at NUL bytes. Nothing is loaded, trained or written
 * (cli_*_check_args).
 *
 * Contract: the parsers never exit, crash or leak, and return 0 (valid) or
 * an exit code of docs/cli.md (1 for a library error, 2 for a usage error).
 * run.sh starts this harness with -close_fd_mask=2: the tool's one-line
 * messages go to stderr. */
#include "fuzz.h"

#include "cli.h"

#define MAX_ARGS 48

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const CMDS[5] = {"train", "eval", "predict", "topk", "similar"};
    fuzz_in in = {data, size};
    const char *cmd = CMDS[fuzz_byte(&in) % 5];
    /* argv[0] is the subcommand's name, as main.c passes it. */
    char *buf = malloc(in.n + 1);
    FUZZ_ASSERT(buf != NULL);
    memcpy(buf, in.p, in.n);
    buf[in.n] = '\0';
    char *argv[MAX_ARGS + 2];
    int argc = 0;
    argv[argc++] = (char *)cmd;
    for (size_t k = 0; k <= in.n && argc < MAX_ARGS + 1;) {
        argv[argc++] = buf + k;
        k += strlen(buf + k) + 1;
    }
    argv[argc] = NULL;
    int rc;
    if (cmd[0] == 't' && cmd[1] == 'r')
        rc = cli_train_check_args(argc, argv);
    else if (cmd[0] == 'e')
        rc = cli_eval_check_args(argc, argv);
    else
        rc = cli_serve_check_args(cmd, argc, argv);
    FUZZ_ASSERT(rc == CLI_OK || rc == CLI_ERR || rc == CLI_USAGE);
    free(buf);
    return 0;
}

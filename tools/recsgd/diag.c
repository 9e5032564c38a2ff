/* recsgd command-line tool. SPDX-License-Identifier: BSD-2-Clause
 * diag.c: one-line diagnostics on stderr and the status-to-exit-code map. */
#include <stdarg.h>
#include <stdio.h>

#include "cli.h"

const char *cli_program = "recsgd";
int cli_silent = 0;

int cli_fail(int code, const char *fmt, ...)
{
    if (cli_silent)
        return code;
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "%s: ", cli_program);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return code;
}

int cli_status_code(rs_status st)
{
    switch (st) {
    case RS_OK:
    case RS_FALLBACK:
        return CLI_OK;
    case RS_ERR_IO:
    case RS_ERR_FORMAT:
    case RS_ERR_VERSION:
    case RS_ERR_EMPTY:
        return CLI_FILE;
    case RS_ERR_NUMERIC:
        return CLI_DIVERGED;
    default:
        return CLI_ERR;
    }
}

/* librecsgd. SPDX-License-Identifier: BSD-2-Clause
 * error.h: the per-handle last-error message. Each handle embeds an
 * rs__errbuf; mutating calls clear or set it, read-only calls never touch it. */
#ifndef RS_COMMON_ERROR_H
#define RS_COMMON_ERROR_H

#include <stddef.h>
#include <librecsgd/status.h>
#include "config.h"

#define RS__ERRMSG_CAP 256

typedef struct rs__errbuf {
    char msg[RS__ERRMSG_CAP];
} rs__errbuf;

static inline void rs__err_clear(rs__errbuf *e) { e->msg[0] = '\0'; }

/* Format a message into e and return code, so call sites read
 * `return rs__err(&ds->err, RS_ERR_FORMAT, "%s:%zu: ...", ...);`
 * Control characters that came from the data (a '\r' in a field, a NUL-free
 * binary blob) are escaped (\r, \n, \t, \xNN), so a message is one
 * printable line whatever the input held. */
RS_INTERNAL rs_status rs__err(rs__errbuf *e, rs_status code, const char *fmt, ...) RS_PRINTF(3, 4);

/* Copy src into dst (cap bytes, always NUL-terminated when cap > 0) with
 * bytes below 0x20 and 0x7f escaped as above; an escape is never cut in
 * half. Idempotent: an escaped text contains no control characters. */
RS_INTERNAL void rs__escape_controls(char *dst, size_t cap, const char *src);

#endif

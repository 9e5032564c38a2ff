/* librecsgd. SPDX-License-Identifier: BSD-2-Clause */
#include "error.h"

#include <stdarg.h>
#include <stdio.h> /* vsnprintf only: the library never prints */
#include <string.h>

void rs__escape_controls(char *dst, size_t cap, const char *src)
{
    if (cap == 0)
        return;
    size_t at = 0;
    for (const unsigned char *p = (const unsigned char *)src; *p; p++) {
        char esc[5];
        size_t n;
        if (*p >= 0x20 && *p != 0x7f) {
            esc[0] = (char)*p;
            n = 1;
        } else if (*p == '\r' || *p == '\n' || *p == '\t') {
            esc[0] = '\\';
            esc[1] = *p == '\r' ? 'r' : *p == '\n' ? 'n' : 't';
            n = 2;
        } else {
            static const char hex[] = "0123456789abcdef";
            esc[0] = '\\';
            esc[1] = 'x';
            esc[2] = hex[*p >> 4];
            esc[3] = hex[*p & 15];
            n = 4;
        }
        if (at + n >= cap)
            break;
        memcpy(dst + at, esc, n);
        at += n;
    }
    dst[at] = '\0';
}

rs_status rs__err(rs__errbuf *e, rs_status code, const char *fmt, ...)
{
    char raw[RS__ERRMSG_CAP]; /* apart from e->msg: callers may pass e->msg as an argument */
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(raw, sizeof raw, fmt, ap);
    va_end(ap);
    rs__escape_controls(e->msg, sizeof e->msg, raw);
    return code;
}

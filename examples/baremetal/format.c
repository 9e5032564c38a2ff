/* librecsgd example. SPDX-License-Identifier: BSD-2-Clause
 * format.c: snprintf and vsnprintf for examples/baremetal, replacing
 * newlib's. The library formats only its error messages and a few feature
 * names with them, but newlib's snprintf (newlib-nano's too) links malloc,
 * realloc, free and _sbrk: with these the program links no allocator at
 * all. Conversions: d i u x X o c s p % with flags - 0 + space, width and
 * precision (also *), length hh h l ll z j t; f e g with up to 17
 * significant digits (the last one may round differently from glibc's). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

int vsnprintf(char *buf, size_t cap, const char *fmt, va_list ap);
int snprintf(char *buf, size_t cap, const char *fmt, ...);

typedef struct out {
    char *buf;
    size_t cap, n;
} out;

static void put(out *o, char c)
{
    if (o->n + 1 < o->cap)
        o->buf[o->n] = c;
    o->n++;
}

static void put_padded(out *o, const char *s, size_t len, int width, int left, char pad)
{
    size_t w = width > 0 ? (size_t)width : 0;
    if (!left && pad == '0' && len < w && (*s == '-' || *s == '+' || *s == ' ')) {
        put(o, *s++); /* the sign before zero padding */
        len--;
        w--;
    }
    for (size_t i = len; !left && i < w; i++)
        put(o, pad);
    for (size_t i = 0; i < len; i++)
        put(o, s[i]);
    for (size_t i = len; left && i < w; i++)
        put(o, ' ');
}

/* Digits of v in base, at least prec of them, into the end of d. */
static char *digits(char *end, uintmax_t v, unsigned base, int upper, int prec)
{
    const char *set = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char *p = end;
    int n = 0;
    while (v || n < prec) {
        *--p = set[v % base];
        v /= base;
        n++;
    }
    return p;
}

/* f, e or g of v with prec, into s (room for 340 characters). */
static size_t format_double(char *s, double v, char conv, int prec, char sign)
{
    char *o = s;
    if (v != v)
        return (size_t)(memcpy(s, "nan", 3), 3);
    if (v < 0) {
        *o++ = '-';
        v = -v;
    } else if (sign) {
        *o++ = sign;
    }
    if (v > 1.7976931348623157e308)
        return (size_t)(memcpy(o, "inf", 3), o + 3 - s);
    if (prec < 0)
        prec = 6;
    if (prec > 17)
        prec = 17;
    /* decimal exponent: 10^e <= v < 10^(e+1) */
    int e = 0;
    double m = v;
    if (m != 0) {
        while (m >= 10) { m /= 10; e++; }
        while (m < 1) { m *= 10; e--; }
    }
    int sig, fixed; /* significant digits, fixed (not exponent) notation */
    if (conv == 'g') {
        sig = prec == 0 ? 1 : prec;
        fixed = e >= -4 && e < sig;
    } else if (conv == 'e') {
        sig = prec + 1;
        fixed = 0;
    } else {
        sig = e + 1 + prec; /* f: prec decimals */
        fixed = 1;
        if (sig < 1) { /* rounds to 0.000... or to one unit in the last place */
            double unit = 1;
            for (int i = 0; i < prec; i++)
                unit /= 10;
            sig = v >= unit / 2 ? 1 : 0;
            e = -prec;
            m = 1;
        }
    }
    if (sig > 17)
        sig = 17;
    uint64_t q = 0;
    if (sig > 0) {
        double t = m;
        for (int i = 1; i < sig; i++)
            t *= 10;
        q = (uint64_t)(t + 0.5);
        uint64_t lim = 1;
        for (int i = 0; i < sig; i++)
            lim *= 10;
        if (q >= lim) { /* 9.99.. rounded up to 10.0 */
            q /= 10;
            e++;
            if (conv == 'f')
                sig++, q *= 10; /* one more integer digit, the same decimals */
            else if (conv == 'g')
                fixed = e >= -4 && e < (prec == 0 ? 1 : prec);
        }
    }
    char d[24];
    char *ds = digits(d + sizeof d, q, 10, 0, sig);
    int nd = (int)(d + sizeof d - ds); /* == sig */
    if (fixed) {
        /* digit k of ds has the place value 10^(e - k) */
        if (e < 0)
            *o++ = '0';
        for (int place = e; place >= 0; place--)
            *o++ = e - place < nd ? ds[e - place] : '0';
        int decimals = conv == 'f' ? prec : sig - 1 - e > 0 ? sig - 1 - e : 0;
        char *point = o;
        *o++ = '.';
        for (int i = 1; i <= decimals; i++) {
            int k = e + i;
            *o++ = k >= 0 && k < nd ? ds[k] : '0';
        }
        if (conv == 'g') { /* no trailing zeros, no bare point */
            while (o > point + 1 && o[-1] == '0')
                o--;
            if (o == point + 1)
                o = point;
        } else if (decimals == 0) {
            o = point;
        }
    } else {
        *o++ = ds[0];
        char *point = o;
        *o++ = '.';
        for (int i = 1; i < nd; i++)
            *o++ = ds[i];
        if (conv == 'g') {
            while (o > point + 1 && o[-1] == '0')
                o--;
            if (o == point + 1)
                o = point;
        } else if (nd == 1) {
            o = point;
        }
        *o++ = 'e';
        *o++ = e < 0 ? '-' : '+';
        unsigned ue = (unsigned)(e < 0 ? -e : e);
        if (ue >= 100)
            *o++ = (char)('0' + ue / 100);
        *o++ = (char)('0' + ue / 10 % 10);
        *o++ = (char)('0' + ue % 10);
    }
    return (size_t)(o - s);
}

int vsnprintf(char *buf, size_t cap, const char *fmt, va_list ap)
{
    out o = {buf, cap, 0};
    for (const char *f = fmt; *f; f++) {
        if (*f != '%') {
            put(&o, *f);
            continue;
        }
        int left = 0, width = 0, prec = -1;
        char pad = ' ', sign = 0;
        for (;; f++) {
            if (f[1] == '-') left = 1;
            else if (f[1] == '0') pad = '0';
            else if (f[1] == '+') sign = '+';
            else if (f[1] == ' ') sign = sign ? sign : ' ';
            else if (f[1] == '#') ;
            else break;
        }
        f++;
        if (*f == '*') {
            width = va_arg(ap, int);
            if (width < 0) { left = 1; width = -width; }
            f++;
        } else {
            while (*f >= '0' && *f <= '9')
                width = width * 10 + (*f++ - '0');
        }
        if (*f == '.') {
            f++;
            prec = 0;
            if (*f == '*') {
                prec = va_arg(ap, int);
                f++;
            } else {
                while (*f >= '0' && *f <= '9')
                    prec = prec * 10 + (*f++ - '0');
            }
        }
        int len = 0; /* 1 h, 2 hh, 3 l, 4 ll, 5 z, 6 j, 7 t */
        if (*f == 'h') { len = 1; if (f[1] == 'h') { len = 2; f++; } f++; }
        else if (*f == 'l') { len = 3; if (f[1] == 'l') { len = 4; f++; } f++; }
        else if (*f == 'z') { len = 5; f++; }
        else if (*f == 'j') { len = 6; f++; }
        else if (*f == 't') { len = 7; f++; }
        char tmp[400], *end = tmp + sizeof tmp, *s; /* %f of 1e308 has 309 digits */
        switch (*f) {
        case 'd': case 'i': {
            intmax_t v = len == 4 ? va_arg(ap, long long) : len == 3 ? va_arg(ap, long)
                       : len == 5 || len == 7 ? (intmax_t)va_arg(ap, ptrdiff_t)
                       : len == 6 ? va_arg(ap, intmax_t) : va_arg(ap, int);
            if (len == 1) v = (short)v;
            if (len == 2) v = (signed char)v;
            uintmax_t u = v < 0 ? (uintmax_t)0 - (uintmax_t)v : (uintmax_t)v;
            s = digits(end, u, 10, 0, prec < 0 ? 1 : prec);
            if (v < 0) *--s = '-';
            else if (sign) *--s = sign;
            put_padded(&o, s, (size_t)(end - s), width, left, prec < 0 ? pad : ' ');
            break;
        }
        case 'u': case 'x': case 'X': case 'o': {
            uintmax_t v = len == 4 ? va_arg(ap, unsigned long long) : len == 3 ? va_arg(ap, unsigned long)
                        : len == 5 || len == 7 ? (uintmax_t)va_arg(ap, size_t)
                        : len == 6 ? va_arg(ap, uintmax_t) : va_arg(ap, unsigned);
            if (len == 1) v = (unsigned short)v;
            if (len == 2) v = (unsigned char)v;
            unsigned base = *f == 'u' ? 10 : *f == 'o' ? 8 : 16;
            s = digits(end, v, base, *f == 'X', prec < 0 ? 1 : prec);
            put_padded(&o, s, (size_t)(end - s), width, left, prec < 0 ? pad : ' ');
            break;
        }
        case 'p': {
            s = digits(end, (uintptr_t)va_arg(ap, void *), 16, 0, 1);
            *--s = 'x';
            *--s = '0';
            put_padded(&o, s, (size_t)(end - s), width, left, ' ');
            break;
        }
        case 'c':
            tmp[0] = (char)va_arg(ap, int);
            put_padded(&o, tmp, 1, width, left, ' ');
            break;
        case 's': {
            const char *str = va_arg(ap, const char *);
            if (!str)
                str = "(null)";
            size_t n = 0;
            while (str[n] && (prec < 0 || n < (size_t)prec))
                n++;
            put_padded(&o, str, n, width, left, ' ');
            break;
        }
        case 'f': case 'e': case 'g': case 'F': case 'E': case 'G': {
            double v = va_arg(ap, double);
            char c = *f == 'F' ? 'f' : *f == 'E' ? 'e' : *f == 'G' ? 'g' : *f;
            size_t n = format_double(tmp, v, c, prec, sign);
            put_padded(&o, tmp, n, width, left, pad);
            break;
        }
        case '%':
            put(&o, '%');
            break;
        default: /* unknown: copy it */
            put(&o, '%');
            if (*f)
                put(&o, *f);
            else
                f--;
            break;
        }
    }
    if (o.cap)
        o.buf[o.n < o.cap ? o.n : o.cap - 1] = '\0';
    return (int)o.n;
}

int snprintf(char *buf, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, cap, fmt, ap);
    va_end(ap);
    return n;
}

/* librecsgd. SPDX-License-Identifier: BSD-2-Clause */
#include "alloc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The default hook: libc realloc/free with the rs_alloc_fn contract. */
static void *default_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    (void)ud;
    (void)osize;
#if RS_ENABLE_MALLOC
    if (nsize == 0) {
        free(ptr);
        return NULL;
    }
    return realloc(ptr, nsize);
#else
    /* Built without libc malloc (RS_ENABLE_MALLOC=0): nothing to give. */
    (void)ptr;
    (void)nsize;
    return NULL;
#endif
}

void rs__allocator_init(rs__allocator *a, rs_alloc_fn fn, void *ud)
{
    a->fn = fn ? fn : default_alloc;
    a->ud = fn ? ud : NULL;
}

void *rs__alloc(const rs__allocator *a, size_t count, size_t size)
{
    size_t bytes;
    if (rs__mul_size(count, size, &bytes) != 0 || bytes == 0)
        return NULL;
    return a->fn(a->ud, NULL, 0, bytes);
}

void *rs__calloc(const rs__allocator *a, size_t count, size_t size)
{
    void *p = rs__alloc(a, count, size);
    if (p)
        memset(p, 0, count * size);
    return p;
}

void *rs__realloc(const rs__allocator *a, void *p, size_t ocount, size_t ncount, size_t size)
{
    size_t obytes, nbytes;
    if (rs__mul_size(ocount, size, &obytes) != 0 || rs__mul_size(ncount, size, &nbytes) != 0 ||
        nbytes == 0)
        return NULL;
    if (p == NULL)
        obytes = 0;
    return a->fn(a->ud, p, obytes, nbytes);
}

void rs__free(const rs__allocator *a, void *p, size_t count, size_t size)
{
    if (p == NULL)
        return;
    a->fn(a->ud, p, count * size, 0);
}

float *rs__alloc_floats_aligned(const rs__allocator *a, size_t count, void **raw,
                                size_t *raw_bytes)
{
    size_t bytes;
    *raw = NULL;
    *raw_bytes = 0;
    if (rs__mul_size(count, sizeof(float), &bytes) != 0 || bytes > (size_t)-1 - 64)
        return NULL;
    bytes += 64;
    unsigned char *p = a->fn(a->ud, NULL, 0, bytes);
    if (p == NULL)
        return NULL;
    memset(p, 0, bytes);
    uintptr_t addr = ((uintptr_t)p + 63u) & ~(uintptr_t)63u;
    *raw = p;
    *raw_bytes = bytes;
    return (float *)addr;
}

void rs__free_aligned(const rs__allocator *a, void *raw, size_t raw_bytes)
{
    if (raw)
        a->fn(a->ud, raw, raw_bytes, 0);
}

char *rs__strdup(const rs__allocator *a, const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = rs__alloc(a, n, 1);
    if (d)
        memcpy(d, s, n);
    return d;
}

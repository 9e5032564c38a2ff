/* librecsgd. SPDX-License-Identifier: BSD-2-Clause
 * sort.c: the in-place heap sort behind rs__sort (sort.h). */
#include "sort.h"

static void swap_bytes(unsigned char *a, unsigned char *b, size_t size)
{
    for (size_t k = 0; k < size; k++) {
        unsigned char t = a[k];
        a[k] = b[k];
        b[k] = t;
    }
}

static void sift_down(unsigned char *v, size_t root, size_t n, size_t size,
                      int (*cmp)(const void *, const void *))
{
    for (size_t child; (child = 2 * root + 1) < n; root = child) {
        if (child + 1 < n && cmp(v + (child + 1) * size, v + child * size) > 0)
            child++;
        if (cmp(v + root * size, v + child * size) >= 0)
            return;
        swap_bytes(v + root * size, v + child * size, size);
    }
}

void rs__sort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
    unsigned char *v = base;
    if (n < 2 || size == 0)
        return;
    for (size_t r = n / 2; r-- > 0;)
        sift_down(v, r, n, size, cmp);
    for (size_t end = n; end-- > 1;) {
        swap_bytes(v, v + end * size, size);
        sift_down(v, 0, end, size, cmp);
    }
}

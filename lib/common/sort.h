/* librecsgd. SPDX-License-Identifier: BSD-2-Clause
 * sort.h: qsort's contract without qsort's allocation. glibc's qsort takes a
 * malloc'd buffer for arrays over 1 KiB, outside the handle's allocator hook
 * (tests/alloc_outside finds it); this in-place heap sort allocates nothing,
 * recurses nowhere and is O(n log n). Not stable: for keys that are unique
 * or where equal elements are interchangeable. */
#ifndef RS_COMMON_SORT_H
#define RS_COMMON_SORT_H

#include <stddef.h>
#include "config.h"

/* Sort n elements of size bytes at base into ascending cmp order. */
RS_INTERNAL void rs__sort(void *base, size_t n, size_t size,
                          int (*cmp)(const void *, const void *));

#endif

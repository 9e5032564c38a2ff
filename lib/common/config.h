/* librecsgd. SPDX-License-Identifier: BSD-2-Clause
 * config.h: build switches with defaults, so that vendoring the sources with a
 * plain `cc -Iinclude -Ilib lib/<module>/<file>.c` needs no generated header. configure
 * passes -DRS_ENABLE_...=0/1 to override. */
#ifndef RS_COMMON_CONFIG_H
#define RS_COMMON_CONFIG_H

#ifndef RS_ENABLE_THREADS
#define RS_ENABLE_THREADS 0 /* vendored default: no pthreads dependency */
#endif
#ifndef RS_ENABLE_CBLAS
#define RS_ENABLE_CBLAS 0   /* vendored default: the portable kernels */
#endif
#ifndef RS_ENABLE_CONTENT
#define RS_ENABLE_CONTENT 1
#endif
#ifndef RS_ENABLE_HYBRID
#define RS_ENABLE_HYBRID 1
#endif
#ifndef RS_ENABLE_STDIO
#define RS_ENABLE_STDIO 1
#endif
/* 0: no libc malloc behind a NULL allocator hook, so bare-metal programs
 * that pass their own hook link no malloc at all; a NULL hook then fails
 * every allocation (RS_ERR_NOMEM). docs/guide/embedding.md */
#ifndef RS_ENABLE_MALLOC
#define RS_ENABLE_MALLOC 1
#endif
#ifndef RS_ENABLE_ZLIB
#define RS_ENABLE_ZLIB 0    /* vendored default: no zlib dependency (gzip input is RS_ERR_NOT_BUILT) */
#endif

/* Functions shared between files of the library but not exported. */
#if defined(__GNUC__) && __GNUC__ >= 4
#define RS_INTERNAL __attribute__((visibility("hidden")))
#else
#define RS_INTERNAL
#endif

/* Small kernels that must be inlined into the loops that call them, so a
 * loop compiled for another ISA (target("avx2,fma")) carries its own copy. */
#if defined(__GNUC__)
#define RS_ALWAYS_INLINE __attribute__((always_inline)) inline
#else
#define RS_ALWAYS_INLINE inline
#endif

/* Internal invariants only; never used on caller input. */
#ifdef RS_DEBUG
#include <assert.h>
#define RS_ASSERT(x) assert(x)
#else
#define RS_ASSERT(x) ((void)0)
#endif

#if defined(__GNUC__)
#define RS_LIKELY(x) __builtin_expect(!!(x), 1)
#define RS_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define RS_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define RS_LIKELY(x) (x)
#define RS_UNLIKELY(x) (x)
#define RS_PRINTF(a, b)
#endif

#endif

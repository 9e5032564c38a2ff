/* librecsgd - embeddable recommender library. SPDX-License-Identifier: BSD-2-Clause
 * version.h: the package version, edited by hand at release. configure.ac reads
 * RS_VERSION_STRING from this file, so it is the single source of truth. */
#ifndef LIBRECSGD_VERSION_H
#define LIBRECSGD_VERSION_H

#define RS_VERSION_MAJOR  0
#define RS_VERSION_MINOR  2
#define RS_VERSION_PATCH  0
#define RS_VERSION_STRING "0.2.0"
#define RS_VERSION_NUMBER (RS_VERSION_MAJOR * 10000 + RS_VERSION_MINOR * 100 + RS_VERSION_PATCH)
#define RS_VERSION_AT_LEAST(a, b, c) (RS_VERSION_NUMBER >= ((a) * 10000 + (b) * 100 + (c)))

#include <stdint.h>
#include "export.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Bits of rs_build_features(): what this build of the library contains. */
#define RS_FEATURE_THREADS 0x01u /* RS_PARAM_THREADS > 1 is available (pthreads) */
#define RS_FEATURE_CBLAS   0x02u /* serving uses a CBLAS library, not the portable kernels */
#define RS_FEATURE_CONTENT 0x04u /* the content scorer is compiled in */
#define RS_FEATURE_HYBRID  0x08u /* the hybrid scorer is compiled in */
#define RS_FEATURE_STDIO   0x10u /* file-path conveniences (loaders, save/load to a path) */
#define RS_FEATURE_ZLIB    0x20u /* the loaders read gzip-compressed input (zlib; since 0.2) */

/**
 * rs_version_number() - version of the library actually linked.
 *
 * @return RS_VERSION_NUMBER of the built library (major*10000 + minor*100 + patch).
 * Bindings should check rs_version_number() / 10000 == RS_VERSION_MAJOR at load time.
 * Errors: never fails, never allocates.
 * Thread safety: any
 * @since 0.1
 */
RS_API uint32_t rs_version_number(void);

/**
 * rs_version_string() - version of the library actually linked, as text.
 *
 * @return static NUL-terminated string such as "0.1.0"; never NULL.
 * Errors: never fails, never allocates.
 * Thread safety: any
 * @since 0.1
 */
RS_API const char *rs_version_string(void);

/**
 * rs_build_features() - what was compiled into this build.
 *
 * @return a bit set of RS_FEATURE_* values.
 * Errors: never fails, never allocates.
 * Thread safety: any
 * @since 0.1
 */
RS_API uint32_t rs_build_features(void);

#ifdef __cplusplus
}
#endif

#endif /* LIBRECSGD_VERSION_H */

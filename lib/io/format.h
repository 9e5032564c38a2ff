/* librecsgd. SPDX-License-Identifier: BSD-2-Clause
 * format.h (internal): the versioned model blob (docs/format.md). The
 * encoder streams a fitted model through a writer; the decoder builds a new
 * model from a byte source that is either memory or a reader callback. The
 * public entry points (format.c, file.c) are thin wrappers over these. */
#ifndef RS_IO_FORMAT_H
#define RS_IO_FORMAT_H

#include <stddef.h>
#include <stdint.h>
#include <librecsgd/model.h>
#include "common/config.h"
#include "common/error.h"

/* The newest version this library reads. Version 2 is version 1 plus the
 * flags below; the writer uses the oldest version that holds the model, so
 * a model without string ids is still written (and read) as version 1. */
#define RS__FORMAT_VERSION 2u
/* Flags word bits (version 2 and later). */
#define RS__FLAG_STRING_IDS 0x1u /* USTR and ISTR sections follow SEEN */
#define RS__FLAGS_KNOWN RS__FLAG_STRING_IDS
#define RS__FORMAT_MAGIC "RSGDMDL\0" /* 8 bytes, the NUL included */

/* CRC-32C of data, continuing from crc (0 to start). */
RS_INTERNAL uint32_t rs__crc32c(uint32_t crc, const void *data, size_t n);

/* Write model (fitted) through writer. Never touches the model's last-error
 * message: failures are described in err. */
RS_INTERNAL rs_status rs__model_encode(const rs_model *model, rs_writer_fn writer, void *ud,
                                       rs__errbuf *err);

/* Where a blob comes from: memory (buf, size) when reader is NULL, else the
 * reader. size_hint > 0 is the exact number of bytes the reader will deliver
 * (a file's size): counts are then bounded by it as for memory. */
typedef struct rs__blob_source {
    const void *buf;
    size_t size;
    rs_reader_fn reader;
    void *ud;
    size_t size_hint;
    int32_t require_end; /* 1: bytes after the checksum are an error */
} rs__blob_source;

/* Build a model from src. *out is the model or NULL; nothing leaks on failure. */
RS_INTERNAL rs_status rs__model_decode(rs_model **out, const rs__blob_source *src,
                                       rs_alloc_fn alloc, void *alloc_ud, rs__errbuf *err);

/* Copy msg into a caller's errmsg buffer: truncated, always NUL-terminated
 * when cap > 0, nothing written when dst is NULL or cap is 0. */
RS_INTERNAL void rs__errmsg_copy(char *dst, size_t cap, const char *msg);

/* RS_ERR_MISUSE of a save that overlapped an exclusive call, with its
 * message in the caller's errmsg (the model's own message is not touched). */
RS_INTERNAL rs_status rs__save_misuse(char *errmsg, size_t errmsg_cap);

#endif

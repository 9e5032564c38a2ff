/* librecsgd. SPDX-License-Identifier: BSD-2-Clause
 * file.c: the file-path conveniences over the model blob. Saving writes a
 * temporary file beside the destination, syncs it and renames it over the
 * destination, so a crash or a full disk never leaves a half-written model
 * where a good one was. Files are written with write(2) from the encoder's
 * own buffer, not through stdio, so saving allocates nothing outside the
 * model's allocator hook (a FILE is allocated by libc). --disable-stdio
 * builds keep the symbols (the ABI is the same in every configuration) and
 * return RS_ERR_NOT_BUILT. */
/* mkstemp, fsync, fchmod: POSIX, also under strict -std=c11; 64-bit file
 * offsets on 32-bit platforms. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#ifndef _FILE_OFFSET_BITS
#define _FILE_OFFSET_BITS 64
#endif
#include "format.h"

#include <string.h>

#include "core/model.h"
#include "core/inflight.h"

#if RS_ENABLE_STDIO
#include <errno.h>
#include <fcntl.h>
#include <stdio.h> /* rename */
#include <stdlib.h> /* mkstemp */
#include <sys/stat.h>
#include <unistd.h>

#include "data/parse.h"

#define TMP_SUFFIX ".tmp.XXXXXX"

typedef struct file_sink {
    int fd;
    int err; /* errno of the first failed write */
} file_sink;

static int32_t file_writer(void *ud, const void *buf, size_t len)
{
    file_sink *f = ud;
    const unsigned char *p = buf;
    while (len > 0) {
        errno = 0;
        ssize_t put = write(f->fd, p, len);
        if (put < 0 && errno == EINTR)
            continue;
        if (put <= 0) {
            f->err = errno ? errno : EIO;
            return -1;
        }
        p += put;
        len -= (size_t)put;
    }
    return 0;
}

/* Make the rename itself durable: sync the directory that holds path.
 * Best effort: some filesystems refuse to sync a directory, and the data
 * is already safe in the renamed file. */
static void sync_parent_dir(char *tmp, size_t tmp_len, const char *path)
{
    const char *slash = strrchr(path, '/');
    if (slash == path)
        memcpy(tmp, "/", 2);
    else if (slash && (size_t)(slash - path) < tmp_len) {
        memcpy(tmp, path, (size_t)(slash - path));
        tmp[slash - path] = '\0';
    } else
        memcpy(tmp, ".", 2);
    int dfd = open(tmp, O_RDONLY);
    if (dfd >= 0) {
        (void)fsync(dfd);
        close(dfd);
    }
}

static rs_status save_to(const rs_model *m, const char *path, char *tmp, size_t tmp_cap,
                         rs__errbuf *e)
{
    memcpy(tmp, path, tmp_cap - sizeof TMP_SUFFIX);
    memcpy(tmp + tmp_cap - sizeof TMP_SUFFIX, TMP_SUFFIX, sizeof TMP_SUFFIX);
    int fd = mkstemp(tmp);
    if (fd < 0)
        return rs__err(e, RS_ERR_IO, "%s: cannot create a temporary file: %s", path,
                       strerror(errno));
    /* mkstemp creates the file 0600; an existing destination keeps its mode. */
    struct stat old;
    if (stat(path, &old) == 0)
        (void)fchmod(fd, old.st_mode & 07777);
    file_sink f = {fd, 0};
    rs_status st = rs__model_encode(m, file_writer, &f, e);
    int err = 0;
    if (st == RS_ERR_IO)
        err = f.err ? f.err : EIO;
    if (st == RS_OK && fsync(fd) != 0)
        err = errno ? errno : EIO;
    if (close(fd) != 0 && st == RS_OK && err == 0)
        err = errno ? errno : EIO;
    if (st == RS_OK && err == 0 && rename(tmp, path) != 0)
        err = errno ? errno : EIO;
    if (st == RS_OK && err == 0) {
        sync_parent_dir(tmp, tmp_cap, path);
        return RS_OK;
    }
    unlink(tmp);
    if (err)
        st = rs__err(e, RS_ERR_IO, "%s: cannot save the model: %s", path, strerror(err));
    return st;
}

static rs_status save_file_unguarded(const rs_model *model, const char *path, char *errmsg,
                                     size_t errmsg_cap)
{
    rs__errbuf e;
    rs__err_clear(&e);
    rs_status st;
    if (!model || !path || !*path) {
        st = rs__err(&e, RS_ERR_INVALID_ARG, "model and path must not be NULL or empty");
    } else if (!model->fitted) {
        /* Checked before any file is created. */
        st = rs__err(&e, RS_ERR_STATE, "the model is not fitted: nothing to save");
    } else {
        size_t len = strlen(path);
        size_t cap = len + sizeof TMP_SUFFIX;
        char *tmp = cap > len ? rs__alloc(&model->alloc, cap, 1) : NULL;
        if (!tmp) {
            st = rs__err(&e, RS_ERR_NOMEM, "out of memory");
        } else {
            st = save_to(model, path, tmp, cap, &e);
            rs__free(&model->alloc, tmp, cap, 1);
        }
    }
    rs__errmsg_copy(errmsg, errmsg_cap, e.msg);
    return st;
}

rs_status rs_model_save_file(const rs_model *model, const char *path, char *errmsg,
                             size_t errmsg_cap)
{
    if (!model)
        return save_file_unguarded(model, path, errmsg, errmsg_cap);
    unsigned slot;
    if (!rs__shared_enter(model, &slot)) /* misuse detection, core/inflight.h */
        return rs__save_misuse(errmsg, errmsg_cap);
    rs_status st = save_file_unguarded(model, path, errmsg, errmsg_cap);
    rs__shared_leave(model, slot);
    return st;
}

rs_status rs_model_load_file(rs_model **out, const char *path, rs_alloc_fn alloc, void *alloc_ud,
                             char *errmsg, size_t errmsg_cap)
{
    rs__errbuf e;
    rs__err_clear(&e);
    rs_status st;
    if (out)
        *out = NULL;
    if (!out || !path) {
        st = rs__err(&e, RS_ERR_INVALID_ARG, "out and path must not be NULL");
    } else {
        rs__file f;
        st = rs__file_open(&f, path, &e);
        if (st == RS_OK) {
            rs__blob_source src = {NULL, 0, rs__file_read, &f, f.size, 1};
            st = rs__model_decode(out, &src, alloc, alloc_ud, &e);
            st = rs__file_close(&f, path, st, &e);
            if (st != RS_OK && st != RS_ERR_IO) {
                char why[RS__ERRMSG_CAP];
                memcpy(why, e.msg, sizeof why);
                rs__err(&e, st, "%s: %s", path, why);
            }
        }
    }
    rs__errmsg_copy(errmsg, errmsg_cap, e.msg);
    return st;
}

#else /* !RS_ENABLE_STDIO */

rs_status rs_model_save_file(const rs_model *model, const char *path, char *errmsg,
                             size_t errmsg_cap)
{
    if (!model || !path || !*path) {
        rs__errmsg_copy(errmsg, errmsg_cap, "model and path must not be NULL or empty");
        return RS_ERR_INVALID_ARG;
    }
    rs__errmsg_copy(errmsg, errmsg_cap, "file access is not built in (--disable-stdio)");
    return RS_ERR_NOT_BUILT;
}

rs_status rs_model_load_file(rs_model **out, const char *path, rs_alloc_fn alloc, void *alloc_ud,
                             char *errmsg, size_t errmsg_cap)
{
    (void)alloc;
    (void)alloc_ud;
    if (out)
        *out = NULL;
    if (!out || !path) {
        rs__errmsg_copy(errmsg, errmsg_cap, "out and path must not be NULL");
        return RS_ERR_INVALID_ARG;
    }
    rs__errmsg_copy(errmsg, errmsg_cap, "file access is not built in (--disable-stdio)");
    return RS_ERR_NOT_BUILT;
}

#endif

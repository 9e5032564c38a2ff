/* librecsgd. SPDX-License-Identifier: BSD-2-Clause
 * shim.c: C trampolines from the library's callback types to the exported Go
 * functions of callbacks.go (see shim.h). */
#include "shim.h"
#include "_cgo_export.h"

static void *ud_of(uintptr_t h) { return (void *)h; }
static uintptr_t h_of(void *ud) { return (uintptr_t)ud; }

static int32_t progress_shim(void *ud, const double *stats, size_t n)
{
    return recsgdGoProgress(h_of(ud), (double *)stats, n);
}

static int32_t init_shim(void *ud, int32_t block, float *values, size_t rows, size_t cols,
                         uint64_t seed)
{
    return recsgdGoInit(h_of(ud), block, values, rows, cols, seed);
}

static int32_t clip_shim(void *ud, float *grad, size_t n)
{
    return recsgdGoClip(h_of(ud), grad, n);
}

static void log_shim(void *ud, int32_t level, const char *message)
{
    recsgdGoLog(h_of(ud), level, (char *)message);
}

static int32_t writer_shim(void *ud, const void *buf, size_t len)
{
    return recsgdGoWrite(h_of(ud), (void *)buf, len);
}

static int32_t reader_shim(void *ud, void *buf, size_t cap, size_t *len_out)
{
    return recsgdGoRead(h_of(ud), buf, cap, len_out);
}

rs_status recsgd_go_set_progress(rs_model *m, uintptr_t h)
{
    return rs_model_set_progress_callback(m, h ? progress_shim : NULL, ud_of(h));
}

rs_status recsgd_go_set_init(rs_model *m, uintptr_t h)
{
    return rs_model_set_init_callback(m, h ? init_shim : NULL, ud_of(h));
}

rs_status recsgd_go_set_clip(rs_model *m, uintptr_t h)
{
    return rs_model_set_clip_callback(m, h ? clip_shim : NULL, ud_of(h));
}

rs_status recsgd_go_set_log(rs_model *m, uintptr_t h)
{
    return rs_model_set_log_callback(m, h ? log_shim : NULL, ud_of(h));
}

rs_status recsgd_go_save(const rs_model *m, uintptr_t h, char *errmsg, size_t errmsg_cap)
{
    return rs_model_save(m, writer_shim, ud_of(h), errmsg, errmsg_cap);
}

rs_status recsgd_go_load(rs_model **out, uintptr_t h, char *errmsg, size_t errmsg_cap)
{
    return rs_model_load(out, reader_shim, ud_of(h), NULL, NULL, errmsg, errmsg_cap);
}

rs_status recsgd_go_dataset_load(rs_dataset *ds, uintptr_t h, int32_t format, const char *name)
{
    return rs_dataset_load(ds, reader_shim, ud_of(h), format, name);
}

rs_status recsgd_go_dataset_load_features(rs_dataset *ds, int32_t side, uintptr_t h,
                                          int32_t format, const char *name)
{
    return rs_dataset_load_features(ds, side, reader_shim, ud_of(h), format, name);
}

/* librecsgd. SPDX-License-Identifier: BSD-2-Clause
 * shim.h: the C side of the Go callbacks. Each rs_*_fn the binding installs
 * is a small C function here that forwards to an exported Go trampoline
 * (callbacks.go), with the user data carrying a runtime/cgo.Handle as an
 * integer. These setters take that integer so no Go code has to turn an
 * integer into a pointer; 0 unregisters (cgo never hands out handle 0). */
#ifndef RECSGD_GO_SHIM_H
#define RECSGD_GO_SHIM_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <librecsgd/recsgd.h>

rs_status recsgd_go_set_progress(rs_model *m, uintptr_t h);
rs_status recsgd_go_set_init(rs_model *m, uintptr_t h);
rs_status recsgd_go_set_clip(rs_model *m, uintptr_t h);
rs_status recsgd_go_set_log(rs_model *m, uintptr_t h);

rs_status recsgd_go_save(const rs_model *m, uintptr_t h, char *errmsg, size_t errmsg_cap);
rs_status recsgd_go_load(rs_model **out, uintptr_t h, char *errmsg, size_t errmsg_cap);
rs_status recsgd_go_dataset_load(rs_dataset *ds, uintptr_t h, int32_t format, const char *name);
rs_status recsgd_go_dataset_load_features(rs_dataset *ds, int32_t side, uintptr_t h,
                                          int32_t format, const char *name);

#endif

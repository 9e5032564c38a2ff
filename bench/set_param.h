/* librecsgd benchmarks. SPDX-License-Identifier: BSD-2-Clause
 * set_param.h: the benchmarks' --param name=value, one model parameter set
 * by its keyword name (rs_param_from_name), whatever its type. Benchmark
 * code only. */
#ifndef RS_BENCH_SET_PARAM_H
#define RS_BENCH_SET_PARAM_H

#include <stdlib.h>
#include <string.h>
#include <librecsgd/recsgd.h>

/* RS_OK, or the status of the failed setter (RS_ERR_UNKNOWN_PARAM for a
 * malformed or unknown name; the model's last error says why). */
static rs_status set_param(rs_model *m, const char *name_eq_value)
{
    char name[64];
    const char *eq = strchr(name_eq_value, '=');
    size_t len = eq ? (size_t)(eq - name_eq_value) : 0;
    if (!eq || len >= sizeof name)
        return RS_ERR_UNKNOWN_PARAM;
    memcpy(name, name_eq_value, len);
    name[len] = '\0';
    rs_param p = rs_param_from_name(name);
    if (p < 0)
        return RS_ERR_UNKNOWN_PARAM;
    rs_status st = rs_model_set_double(m, p, atof(eq + 1));
    if (st == RS_ERR_PARAM_TYPE)
        st = rs_model_set_int(m, p, atoll(eq + 1));
    return st;
}

#endif

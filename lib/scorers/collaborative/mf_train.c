/* librecsgd. SPDX-License-Identifier: BSD-2-Clause
 * mf_train.c: the specialised SGD loop of the collaborative scorer. It does
 * what the generic step (lib/optim/step.c) does for biased MF, fused into a
 * pass or two over each factor row, for every learning-rate policy
 * (constant and inverse-time; AdaGrad with one accumulator per row; Adam)
 * and every clipping policy (none, value, norm, or the user's callback,
 * called once per row on the gradient in place).
 *
 * Rows are 64-byte aligned and padded with zeros to a multiple of 16
 * floats, so the loops run over whole vectors; padding stays zero because
 * its gradient is zero. The body (mf_kernel.h) is compiled three times,
 * each with its ISA's native vector width: AVX-512 (16 floats), AVX2+FMA
 * (8) and the baseline (4); the choice is made once per fit from the CPU
 * (no -march=native, no global state). */
#include <math.h>
#include <string.h>

#include "optim/train.h"
#include "scorers/fused.h"
#include "mf.h"

/* How many ratings ahead the loop prefetches parameter rows (a build may
 * override it for tuning: -DMF_PREFETCH=N). */
#ifndef MF_PREFETCH
#define MF_PREFETCH 8
#endif

/* The baseline ISA: 4-float vectors (SSE2 on x86-64, NEON or the like elsewhere). */
#define MF_V v4f
#define MF_LANES 4
#define MF_SUFFIX base
#define MF_TARGET
#include "mf_kernel.h"
#undef MF_V
#undef MF_LANES
#undef MF_SUFFIX
#undef MF_TARGET

#if defined(__x86_64__) && defined(__GNUC__)
#define MF_V v8f
#define MF_LANES 8
#define MF_SUFFIX avx2
#define MF_TARGET __attribute__((target("avx2,fma")))
#include "mf_kernel.h"
#undef MF_V
#undef MF_LANES
#undef MF_SUFFIX
#undef MF_TARGET

#define MF_V v16f
#define MF_LANES 16
#define MF_SUFFIX avx512
#define MF_TARGET __attribute__((target("avx512f,avx512vl,avx512dq,avx2,fma")))
#include "mf_kernel.h"
#undef MF_V
#undef MF_LANES
#undef MF_SUFFIX
#undef MF_TARGET
#endif

void rs__mf_train_chunk(rs__train_ctx *c, const rs__chunk *ch)
{
    if (!c->rowbuf) { /* a context without row buffers (tests build such) */
        rs__train_chunk_generic(c, ch);
        return;
    }
#if defined(__x86_64__) && defined(__GNUC__)
    if (c->isa == RS__ISA_AVX512) {
        mf_chunk_avx512(c, ch);
        return;
    }
    if (c->isa == RS__ISA_AVX2) {
        mf_chunk_avx2(c, ch);
        return;
    }
#endif
    mf_chunk_base(c, ch);
}

/* librecsgd. SPDX-License-Identifier: BSD-2-Clause
 * simd.h: the vector helpers of the fused training loops
 * (collaborative/mf_kernel.h, content/fm_kernel.h), written once for a
 * vector type: each kernel includes it once per ISA, with its native width.
 * No include guard on purpose. The includer defines MF_V (the vector type),
 * MF_LANES (4, 8 or 16) and MF_F(name) (name with the ISA's suffix); the
 * helpers are always inlined into that ISA's loops. */

/* Horizontal sum in a fixed order (pairwise halves), written out per
 * width: gcc does not unroll the generic halving loop. */
MF_TARGET static RS_ALWAYS_INLINE float MF_F(hsum)(MF_V v)
{
#if MF_LANES == 16
    float a0 = v[0] + v[8], a1 = v[1] + v[9], a2 = v[2] + v[10], a3 = v[3] + v[11];
    float a4 = v[4] + v[12], a5 = v[5] + v[13], a6 = v[6] + v[14], a7 = v[7] + v[15];
    return ((a0 + a4) + (a2 + a6)) + ((a1 + a5) + (a3 + a7));
#elif MF_LANES == 8
    return ((v[0] + v[4]) + (v[2] + v[6])) + ((v[1] + v[5]) + (v[3] + v[7]));
#elif MF_LANES == 4
    return (v[0] + v[2]) + (v[1] + v[3]);
#else
#error "simd.h: MF_LANES must be 4, 8 or 16"
#endif
}

/* Joint horizontal sums of two and of four vectors: one reduction tree
 * with the vectors side by side in the lanes, each sum in the same order as
 * hsum (so the dot product, and the model, do not change with the number of
 * sums taken beside it), for about the cost of one hsum. */
/* Lane shuffles with constant indices: __builtin_shufflevector in clang
 * and gcc >= 12, __builtin_shuffle (an index vector) in older gcc. */
#if defined(__clang__) || __GNUC__ >= 12
#define MF_SH2(a, b, ...) __builtin_shufflevector(a, b, __VA_ARGS__)
#define MF_SH1(a, ...) __builtin_shufflevector(a, a, __VA_ARGS__)
#else
#define MF_SH2(a, b, ...) __builtin_shuffle(a, b, (MF_F(iv)){__VA_ARGS__})
#define MF_SH1(a, ...) __builtin_shuffle(a, (MF_F(iv)){__VA_ARGS__})
#endif
#if MF_LANES == 16
typedef int MF_F(iv) __attribute__((vector_size(64)));
MF_TARGET static RS_ALWAYS_INLINE void MF_F(hsum2)(MF_V a, MF_V b, float *ra, float *rb)
{
    MF_V x = MF_SH2(a, b, 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23) +
             MF_SH2(a, b, 8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31);
    x += MF_SH1(x, 4, 5, 6, 7, 0, 1, 2, 3, 12, 13, 14, 15, 8, 9, 10, 11);
    x += MF_SH1(x, 2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13);
    *ra = x[0] + x[1];
    *rb = x[8] + x[9];
}
MF_TARGET static RS_ALWAYS_INLINE void MF_F(hsum4)(MF_V a, MF_V b, MF_V c, MF_V d, float *r)
{
    MF_V x = MF_SH2(a, b, 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23) +
             MF_SH2(a, b, 8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31);
    MF_V y = MF_SH2(c, d, 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23) +
             MF_SH2(c, d, 8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31);
    MF_V z = MF_SH2(x, y, 0, 1, 2, 3, 8, 9, 10, 11, 16, 17, 18, 19, 24, 25, 26, 27) +
             MF_SH2(x, y, 4, 5, 6, 7, 12, 13, 14, 15, 20, 21, 22, 23, 28, 29, 30, 31);
    z += MF_SH1(z, 2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13);
    r[0] = z[0] + z[1];
    r[1] = z[4] + z[5];
    r[2] = z[8] + z[9];
    r[3] = z[12] + z[13];
}
#elif MF_LANES == 8
typedef int MF_F(iv) __attribute__((vector_size(32)));
MF_TARGET static RS_ALWAYS_INLINE void MF_F(hsum2)(MF_V a, MF_V b, float *ra, float *rb)
{
    MF_V x = MF_SH2(a, b, 0, 1, 2, 3, 8, 9, 10, 11) + MF_SH2(a, b, 4, 5, 6, 7, 12, 13, 14, 15);
    x += MF_SH1(x, 2, 3, 0, 1, 6, 7, 4, 5);
    *ra = x[0] + x[1];
    *rb = x[4] + x[5];
}
MF_TARGET static RS_ALWAYS_INLINE void MF_F(hsum4)(MF_V a, MF_V b, MF_V c, MF_V d, float *r)
{
    MF_V x = MF_SH2(a, b, 0, 1, 2, 3, 8, 9, 10, 11) + MF_SH2(a, b, 4, 5, 6, 7, 12, 13, 14, 15);
    MF_V y = MF_SH2(c, d, 0, 1, 2, 3, 8, 9, 10, 11) + MF_SH2(c, d, 4, 5, 6, 7, 12, 13, 14, 15);
    MF_V z = MF_SH2(x, y, 0, 1, 4, 5, 8, 9, 12, 13) + MF_SH2(x, y, 2, 3, 6, 7, 10, 11, 14, 15);
    r[0] = z[0] + z[1];
    r[1] = z[2] + z[3];
    r[2] = z[4] + z[5];
    r[3] = z[6] + z[7];
}
#else
typedef int MF_F(iv) __attribute__((vector_size(16)));
MF_TARGET static RS_ALWAYS_INLINE void MF_F(hsum2)(MF_V a, MF_V b, float *ra, float *rb)
{
    MF_V x = MF_SH2(a, b, 0, 1, 4, 5) + MF_SH2(a, b, 2, 3, 6, 7);
    *ra = x[0] + x[1];
    *rb = x[2] + x[3];
}
MF_TARGET static RS_ALWAYS_INLINE void MF_F(hsum4)(MF_V a, MF_V b, MF_V c, MF_V d, float *r)
{
    MF_V x = MF_SH2(a, b, 0, 1, 4, 5) + MF_SH2(a, b, 2, 3, 6, 7);
    MF_V y = MF_SH2(c, d, 0, 1, 4, 5) + MF_SH2(c, d, 2, 3, 6, 7);
    r[0] = x[0] + x[1];
    r[1] = x[2] + x[3];
    r[2] = y[0] + y[1];
    r[3] = y[2] + y[3];
}
#endif
#undef MF_SH1
#undef MF_SH2

MF_TARGET static RS_ALWAYS_INLINE MF_V MF_F(splat)(float x)
{
    MF_V v;
    for (int l = 0; l < MF_LANES; l++)
        v[l] = x;
    return v;
}

MF_TARGET static RS_ALWAYS_INLINE MF_V MF_F(vclamp)(MF_V x, float c)
{
    for (int l = 0; l < MF_LANES; l++)
        x[l] = x[l] > c ? c : (x[l] < -c ? -c : x[l]);
    return x;
}

MF_TARGET static RS_ALWAYS_INLINE MF_V MF_F(vsqrt)(MF_V x)
{
    for (int l = 0; l < MF_LANES; l++)
        x[l] = __builtin_sqrtf(x[l]);
    return x;
}

/* Apply a factor row's gradient gr (already clipped) under the policy;
 * sq is its squared norm (AdaGrad's per-row accumulator takes the mean). */
MF_TARGET static RS_ALWAYS_INLINE void MF_F(row_step)(MF_V *restrict x, const MF_V *restrict gr, size_t nv, float lr,
                                      float sq, float inv_k, const rs__train_ctx *c, int32_t pol,
                                      float *acc, MF_V *restrict m, MF_V *restrict v, float *p1,
                                      float *p2)
{
    if (pol == POL_ADAGRAD) {
        *acc += sq * inv_k;
        const MF_V eta = MF_F(splat)(lr / (sqrtf(*acc) + c->eps));
        for (size_t j = 0; j < nv; j++)
            x[j] -= eta * gr[j];
    } else if (pol == POL_ADAM) {
        const float b1 = c->beta1, b2 = c->beta2;
        const float c1 = 1.0f - rs__adam_power(p1, b1), c2 = 1.0f - rs__adam_power(p2, b2);
        const MF_V vb1 = MF_F(splat)(b1), vb2 = MF_F(splat)(b2), va1 = MF_F(splat)(1.0f - b1), va2 = MF_F(splat)(1.0f - b2);
        const MF_V eta = MF_F(splat)(lr / c1), inv_c2 = MF_F(splat)(1.0f / c2), eps = MF_F(splat)(c->eps);
        for (size_t j = 0; j < nv; j++) {
            MF_V gj = gr[j];
            m[j] = vb1 * m[j] + va1 * gj;
            v[j] = vb2 * v[j] + va2 * gj * gj;
            x[j] -= eta * m[j] / (MF_F(vsqrt)(v[j] * inv_c2) + eps);
        }
    } else {
        const MF_V vl = MF_F(splat)(lr);
        for (size_t j = 0; j < nv; j++)
            x[j] -= vl * gr[j];
    }
}

/* Squared gradient norms of the last updates (factor rows; all
 * parameters), waiting for their square roots. */
typedef struct MF_F(normbuf) {
    union {
        MF_V v;
        float f[MF_LANES];
    } fu;
    union {
        MF_V v;
        float g[MF_LANES];
    } gu;
} MF_F(normbuf);

/* Add the first n buffered norms to the statistics, in update order (the
 * sums come out as if each were added as it was made). */
MF_TARGET static RS_ALWAYS_INLINE void MF_F(flush_norms)(rs__train_stats *st, MF_F(normbuf) *b, int n)
{
    const MF_V sf = MF_F(vsqrt)(b->fu.v), sg = MF_F(vsqrt)(b->gu.v);
    for (int l = 0; l < n; l++) {
        st->fnorm_sum += sf[l];
        st->gnorm_sum += sg[l];
        if (sg[l] > st->gnorm_max)
            st->gnorm_max = sg[l];
    }
}

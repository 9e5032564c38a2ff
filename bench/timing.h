/* librecsgd benchmarks. SPDX-License-Identifier: BSD-2-Clause
 * timing.h: what the training-speed benchmarks (bench/throughput,
 * bench/roofline, bench/mpi_throughput) time with: a monotonic clock and
 * the median of repeated figures. */
#ifndef RS_BENCH_TIMING_H
#define RS_BENCH_TIMING_H

#include <stdlib.h>
#include <time.h>

/* Seconds on a monotonic clock. */
static inline double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static inline int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The median of x[0..n) (n >= 1; x is sorted in place). */
static inline double median(double *x, int n)
{
    qsort(x, (size_t)n, sizeof *x, cmp_double);
    return n % 2 ? x[n / 2] : 0.5 * (x[n / 2 - 1] + x[n / 2]);
}

#endif

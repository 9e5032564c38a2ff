/* librecsgd. SPDX-License-Identifier: BSD-2-Clause
 * bench/load.c: time rs_dataset_load_file on a generated 10M-line
 * MovieLens-style file (user item rating timestamp; 100k users x 20k items,
 * ratings 1-5, grouped by user as in the real files). Reports the speed, the
 * bytes held per rating by the rating arrays (white box: their capacity,
 * not just the count) and the peak RSS.
 * Usage: bench/load [lines] (default 10000000). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <librecsgd/recsgd.h>
#include "data/dataset.h"

static uint64_t next(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static char *put_u(char *p, uint64_t v)
{
    char tmp[24];
    int n = 0;
    do
        tmp[n++] = (char)('0' + v % 10);
    while ((v /= 10) != 0);
    while (n)
        *p++ = tmp[--n];
    return p;
}

static int generate(const char *path, size_t lines)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    const size_t users = 100000, items = 20000;
    size_t cap = 1 << 22;
    char *buf = malloc(cap + 64), *p = buf;
    uint64_t s = 12345;
    for (size_t k = 0; k < lines; k++) {
        uint64_t r = next(&s);
        size_t user = 1 + k * users / lines; /* grouped by user, ~100 each */
        p = put_u(p, user);
        *p++ = '\t';
        p = put_u(p, 1 + (r & 0xffffffff) % items);
        *p++ = '\t';
        *p++ = (char)('1' + (r >> 32) % 5);
        *p++ = '\t';
        p = put_u(p, 874724710 + (r >> 40) % 20000000);
        *p++ = '\n';
        if ((size_t)(p - buf) > cap) {
            fwrite(buf, 1, (size_t)(p - buf), f);
            p = buf;
        }
    }
    fwrite(buf, 1, (size_t)(p - buf), f);
    free(buf);
    return fclose(f);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
    size_t lines = argc > 1 ? (size_t)strtoull(argv[1], NULL, 10) : 10000000;
    char path[] = "/tmp/rs_bench_loadXXXXXX";
    int fd = mkstemp(path);
    if (fd < 0) {
        perror("mkstemp");
        return EXIT_FAILURE;
    }
    close(fd);
    if (generate(path, lines) != 0) {
        perror("generate");
        remove(path);
        return EXIT_FAILURE;
    }
    rs_dataset *ds;
    if (rs_dataset_new(&ds, NULL, NULL) != RS_OK) {
        remove(path);
        return EXIT_FAILURE;
    }
    struct rusage r0, r1;
    getrusage(RUSAGE_SELF, &r0);
    double t0 = now();
    rs_status st = rs_dataset_load_file(ds, path, RS_FORMAT_MOVIELENS);
    double sec = now() - t0;
    getrusage(RUSAGE_SELF, &r1);
    /* CPU time too: wall time on a shared machine includes other work. */
    double cpu = (double)(r1.ru_utime.tv_sec - r0.ru_utime.tv_sec) +
                 (double)(r1.ru_stime.tv_sec - r0.ru_stime.tv_sec) +
                 (double)(r1.ru_utime.tv_usec - r0.ru_utime.tv_usec) * 1e-6 +
                 (double)(r1.ru_stime.tv_usec - r0.ru_stime.tv_usec) * 1e-6;
    remove(path);
    if (st != RS_OK) {
        fprintf(stderr, "load failed: %s: %s\n", rs_status_string(st), rs_dataset_last_error(ds));
        rs_dataset_free(ds);
        return EXIT_FAILURE;
    }
    size_t n = rs_dataset_num_ratings(ds);
    size_t bytes = ds->cap * (sizeof *ds->user + sizeof *ds->item + sizeof *ds->rating) +
                   (ds->weight ? ds->cap * sizeof *ds->weight : 0);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("users=%zu items=%zu\n", rs_dataset_num_users(ds), rs_dataset_num_items(ds));
    printf("load: ratings=%zu seconds=%.3f cpu_seconds=%.3f ratings_per_s=%.0f "
           "bytes_per_rating=%.2f peak_rss_mb=%.1f\n",
           n, sec, cpu, (double)n / sec, (double)bytes / (double)n, ru.ru_maxrss / 1024.0);
    rs_dataset_free(ds);
    return n == lines ? EXIT_SUCCESS : EXIT_FAILURE;
}

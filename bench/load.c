/* librecsgd. SPDX-License-Identifier: BSD-2-Clause
 * bench/load.c: time rs_dataset_load_file on generated rating files.
 *
 *   int64 ids   10M lines `user item rating timestamp` (MovieLens style;
 *               100k users x 20k items, ratings 1-5, grouped by user as in
 *               the real files); the bytes held per rating by the rating
 *               arrays (white box: their capacity, not just the count), with
 *               the timestamps the file carries and without them
 *               (RS_PARAM_TIMESTAMPS = 0), and the peak RSS.
 *   string ids  10M lines `uuid item rating timestamp` with 1M distinct
 *               36-byte UUID users (10 ratings each, grouped by user unless
 *               --shuffled) and 20k items `item-N` (RS_PARAM_STRING_IDS);
 *               the bytes held per distinct id by the id maps (string arena,
 *               offsets, keys, hash slots) and per rating.
 *
 * Usage: bench/load [--int-only | --strings-only] [--shuffled] [lines [users]]
 * (defaults 10000000 lines; 1000000 string users). The goal for string ids
 * is 10M ratings with 1M UUID users in <= 3 s on the project machine. */
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

/* A version-4 style UUID (36 bytes) derived from the user number. */
static char *put_uuid(char *p, uint64_t user)
{
    static const char hex[] = "0123456789abcdef";
    uint64_t s = user * 0x632BE59BD9B4E019ull + 1, a = next(&s), b = next(&s);
    const int groups[5] = {8, 4, 4, 4, 12};
    int bit = 0;
    for (int g = 0; g < 5; g++) {
        if (g)
            *p++ = '-';
        for (int k = 0; k < groups[g]; k++, bit += 4) {
            uint64_t w = bit < 64 ? a >> bit : b >> (bit - 64);
            *p++ = g == 2 && k == 0 ? '4' : hex[w & 15];
        }
    }
    return p;
}

typedef struct gen {
    size_t lines, users, items;
    int strings, shuffled;
} gen;

static int generate(const char *path, const gen *g)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    size_t cap = 1 << 22;
    char *buf = malloc(cap + 128), *p = buf;
    uint64_t s = 12345;
    for (size_t k = 0; k < g->lines; k++) {
        uint64_t r = next(&s);
        /* grouped by user (the real files), or users in random order */
        size_t user = g->shuffled ? (size_t)(next(&s) % g->users) : k * g->users / g->lines;
        if (g->strings) {
            p = put_uuid(p, user);
            *p++ = '\t';
            memcpy(p, "item-", 5);
            p = put_u(p + 5, (r & 0xffffffff) % g->items);
        } else {
            p = put_u(p, 1 + user);
            *p++ = '\t';
            p = put_u(p, 1 + (r & 0xffffffff) % g->items);
        }
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

static double cpu_seconds(void)
{
    struct rusage r;
    getrusage(RUSAGE_SELF, &r);
    return (double)r.ru_utime.tv_sec + (double)r.ru_stime.tv_sec +
           (double)(r.ru_utime.tv_usec + r.ru_stime.tv_usec) * 1e-6;
}

static double peak_rss_mb(void)
{
    struct rusage r;
    getrusage(RUSAGE_SELF, &r);
    return r.ru_maxrss / 1024.0;
}

/* Bytes the rating arrays hold (their capacity). */
static size_t rating_bytes(const rs_dataset *ds)
{
    return ds->cap * (sizeof *ds->user + sizeof *ds->item + sizeof *ds->rating) +
           (ds->weight ? ds->cap * sizeof *ds->weight : 0) +
           (ds->time ? ds->cap * sizeof *ds->time : 0);
}

/* Bytes an id map holds: keys, hash slots, and for strings the offsets and
 * the arena. */
static size_t idmap_bytes(const rs__idmap *m)
{
    return m->cap * sizeof *m->ids + m->nslots * sizeof *m->slots +
           m->off_cap * sizeof *m->off + m->bytes_cap;
}

/* One timed load; returns 0 on success. */
static int run(const char *label, const char *path, const gen *g, int keep_time)
{
    rs_dataset *ds;
    if (rs_dataset_new(&ds, NULL, NULL) != RS_OK)
        return -1;
    if (g->strings)
        rs_dataset_set_int(ds, RS_PARAM_STRING_IDS, 1);
    rs_dataset_set_int(ds, RS_PARAM_TIMESTAMPS, keep_time);
    double c0 = cpu_seconds(), t0 = now();
    rs_status st = rs_dataset_load_file(ds, path, RS_FORMAT_MOVIELENS);
    double sec = now() - t0, cpu = cpu_seconds() - c0;
    if (st != RS_OK) {
        fprintf(stderr, "load failed: %s: %s\n", rs_status_string(st), rs_dataset_last_error(ds));
        rs_dataset_free(ds);
        return -1;
    }
    size_t n = rs_dataset_num_ratings(ds), nu = ds->users.count, ni = ds->items.count;
    /* CPU time too: wall time on a shared machine includes other work. */
    printf("%s: ratings=%zu users=%zu items=%zu seconds=%.3f cpu_seconds=%.3f "
           "ratings_per_s=%.0f bytes_per_rating=%.2f",
           label, n, nu, ni, sec, cpu, (double)n / sec, (double)rating_bytes(ds) / (double)n);
    if (g->strings)
        printf(" user_map_bytes_per_id=%.1f item_map_bytes_per_id=%.1f id_bytes=%.1f",
               (double)idmap_bytes(&ds->users) / (double)nu,
               (double)idmap_bytes(&ds->items) / (double)ni,
               (double)ds->users.nbytes / (double)nu);
    printf(" peak_rss_mb=%.1f\n", peak_rss_mb());
    fflush(stdout);
    int ok = n == g->lines;
    rs_dataset_free(ds);
    return ok ? 0 : -1;
}

static int bench(const gen *g)
{
    char path[] = "/tmp/rs_bench_loadXXXXXX";
    int fd = mkstemp(path);
    if (fd < 0) {
        perror("mkstemp");
        return -1;
    }
    close(fd);
    if (generate(path, g) != 0) {
        perror("generate");
        remove(path);
        return -1;
    }
    int rc;
    if (g->strings) {
        printf("string ids: %zu lines, %zu UUID users, %zu items, %s\n", g->lines, g->users,
               g->items, g->shuffled ? "users in random order" : "grouped by user");
        rc = run("load_strings", path, g, 1);
    } else {
        printf("int64 ids: %zu lines, %zu users, %zu items, grouped by user\n", g->lines,
               g->users, g->items);
        rc = run("load", path, g, 1);
        if (rc == 0)
            rc = run("load_no_timestamps", path, g, 0);
    }
    remove(path);
    return rc;
}

int main(int argc, char **argv)
{
    int ints = 1, strings = 1, shuffled = 0, pos = 0;
    size_t lines = 10000000, users = 1000000;
    for (int k = 1; k < argc; k++) {
        if (strcmp(argv[k], "--int-only") == 0)
            strings = 0;
        else if (strcmp(argv[k], "--strings-only") == 0)
            ints = 0;
        else if (strcmp(argv[k], "--shuffled") == 0)
            shuffled = 1;
        else if (pos == 0 && (pos = 1))
            lines = (size_t)strtoull(argv[k], NULL, 10);
        else
            users = (size_t)strtoull(argv[k], NULL, 10);
    }
    if (lines == 0 || users == 0) {
        fprintf(stderr, "usage: bench/load [--int-only | --strings-only] [--shuffled] [lines [users]]\n");
        return EXIT_FAILURE;
    }
    int rc = 0;
    if (ints) {
        gen g = {lines, 100000, 20000, 0, shuffled};
        rc |= bench(&g);
    }
    if (strings) {
        gen g = {lines, users < lines ? users : lines, 20000, 1, shuffled};
        rc |= bench(&g);
    }
    return rc == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

/* librecsgd tests. SPDX-License-Identifier: BSD-2-Clause
 * alloc_outside.c: every allocation goes through the handle's hook.
 *
 * This program replaces malloc, calloc, realloc, free and the aligned
 * variants for the whole process (definitions in the executable interpose on
 * glibc's, also for libc's own internal calls; they forward to glibc's
 * __libc_* functions and only count). The allocator hook it gives every
 * handle calls __libc_* directly, so it is never counted. While the window
 * is open it runs the whole workflow - datasets from reader callbacks and
 * files, fit on 1 and 2 threads, save and load (buffer, callback, file),
 * predict, top-k, batch top-k, similarity, splits, partial fit, fold-in, new
 * ids with features, and the 0.2 calls: batch top-k with exclusions, the
 * int8 serving copy, evaluation on 2 threads, string ids from a CSV reader
 * with a time split, gzip input (when built with zlib) - and attributes
 * every call to the phase that made it and to its caller (object and
 * function, dladdr of the return address).
 *
 * It fails on any call whose caller is the library itself, and on any call
 * by libc that is not on the documented list (docs/guide/embedding.md):
 * glibc's pthread_create and thread exit, which allocate and free a thread's
 * TLS (dtv) with malloc, in the 2-thread rs_fit and the 2-thread evaluation. Calls from inside a BLAS
 * library are reported apart, not failed (serving calls no BLAS since 0.2;
 * before, OpenBLAS's threaded sgemm in rs_topk_batch allocated; --large
 * makes a model big enough for that).
 *
 * Not a check_* program: valgrind (CI's valgrind stage) and AddressSanitizer
 * replace malloc themselves, which makes counting meaningless; under ASan it
 * skips (77). glibc only (it needs __libc_malloc and dladdr). */
#define _GNU_SOURCE 1
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__SANITIZE_ADDRESS__) || !defined(__GLIBC__)
#define ALLOC_OUTSIDE_SKIP 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ALLOC_OUTSIDE_SKIP 1
#endif
#endif

#ifdef ALLOC_OUTSIDE_SKIP
int main(void)
{
    printf("SKIP: needs glibc and no AddressSanitizer (both replace or lack malloc interposition)\n");
    return 77;
}
#else

#include <dlfcn.h>
#include <fcntl.h>
#include <stdint.h>
#include <unistd.h>

#include <librecsgd/recsgd.h>

/* ---- the counting interposer ---- */

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void __libc_free(void *);
extern void *__libc_memalign(size_t, size_t);

typedef struct entry {
    const char *phase, *fn, *object, *caller;
    size_t n;
} entry;

#define MAX_ENTRIES 256
static entry entries[MAX_ENTRIES];
static size_t n_entries, n_lost;
static volatile int window;               /* counting on */
static const char *volatile phase = "setup";
static __thread int busy;                 /* inside the counter: do not count */
/* Where libc works for a thread the library starts (see pthread_create below). */
static __thread const char *in_thread_machinery;

static const char *base_name(const char *p)
{
    const char *s = p ? strrchr(p, '/') : NULL;
    return s ? s + 1 : p ? p : "?";
}

static void note(const char *fn, void *ret)
{
    if (!window || busy)
        return;
    busy = 1;
    Dl_info info;
    const char *object = "?", *caller = "?";
    if (dladdr(ret, &info)) {
        object = base_name(info.dli_fname);
        if (info.dli_sname)
            caller = info.dli_sname;
    }
    if (in_thread_machinery && !strcmp(caller, "?"))
        caller = in_thread_machinery; /* ld.so's static helpers have no name */
    /* Several threads may count at once (the 2-thread fit): a lock-free
     * table would be overkill; a spin lock on a flag is enough here. */
    static volatile int lock;
    while (__atomic_test_and_set(&lock, __ATOMIC_ACQUIRE))
        ;
    size_t i;
    for (i = 0; i < n_entries; i++)
        if (entries[i].phase == phase && entries[i].fn == fn && !strcmp(entries[i].object, object) &&
            !strcmp(entries[i].caller, caller))
            break;
    if (i < n_entries)
        entries[i].n++;
    else if (n_entries < MAX_ENTRIES)
        entries[n_entries++] = (entry){phase, fn, object, caller, 1};
    else
        n_lost++;
    __atomic_clear(&lock, __ATOMIC_RELEASE);
    busy = 0;
}

void *malloc(size_t n)
{
    note("malloc", __builtin_return_address(0));
    return __libc_malloc(n);
}
void *calloc(size_t n, size_t s)
{
    note("calloc", __builtin_return_address(0));
    return __libc_calloc(n, s);
}
void *realloc(void *p, size_t n)
{
    note("realloc", __builtin_return_address(0));
    return __libc_realloc(p, n);
}
void free(void *p)
{
    if (p)
        note("free", __builtin_return_address(0));
    __libc_free(p);
}
void *memalign(size_t a, size_t n)
{
    note("memalign", __builtin_return_address(0));
    return __libc_memalign(a, n);
}
void *aligned_alloc(size_t a, size_t n)
{
    note("aligned_alloc", __builtin_return_address(0));
    return __libc_memalign(a, n);
}
int posix_memalign(void **out, size_t a, size_t n)
{
    note("posix_memalign", __builtin_return_address(0));
    *out = __libc_memalign(a, n);
    return *out ? 0 : 12; /* ENOMEM */
}
void *valloc(size_t n)
{
    note("valloc", __builtin_return_address(0));
    return __libc_memalign(4096, n);
}
void *pvalloc(size_t n)
{
    note("pvalloc", __builtin_return_address(0));
    return __libc_memalign(4096, (n + 4095) & ~(size_t)4095);
}

/* pthread_create, interposed too: what libc allocates while it starts a
 * thread, and while a thread the library started ends (after its start
 * routine returned: TLS destructors, the dtv), is attributed to that. */
#include <pthread.h>
typedef int (*pthread_create_fn)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *);
static pthread_create_fn real_pthread_create;
typedef struct trampoline {
    void *(*fn)(void *);
    void *arg;
} trampoline;
static void thread_ends(void *unused)
{
    (void)unused;
    in_thread_machinery = "thread exit";
}
static void *thread_start(void *p)
{
    trampoline t = *(trampoline *)p;
    __libc_free(p);
    in_thread_machinery = NULL;
    void *r;
    pthread_cleanup_push(thread_ends, NULL);
    r = t.fn(t.arg);
    pthread_cleanup_pop(1);
    return r;
}
int pthread_create(pthread_t *th, const pthread_attr_t *attr, void *(*fn)(void *), void *arg)
{
    if (!real_pthread_create) /* a library constructor (OpenBLAS) starts threads before main */
        real_pthread_create = (pthread_create_fn)dlsym(RTLD_NEXT, "pthread_create");
    trampoline *t = __libc_malloc(sizeof *t);
    if (!t || !real_pthread_create)
        return 11; /* EAGAIN */
    t->fn = fn;
    t->arg = arg;
    const char *was = in_thread_machinery;
    in_thread_machinery = "pthread_create";
    int r = real_pthread_create(th, attr, thread_start, t);
    in_thread_machinery = was;
    if (r != 0)
        __libc_free(t);
    return r;
}

/* ---- the hook every handle gets: glibc's allocator, never counted ---- */

typedef struct hook_stats {
    size_t calls, live;
} hook_stats;
static hook_stats hook;

static void *hook_fn(void *ud, void *ptr, size_t osize, size_t nsize)
{
    hook_stats *h = ud;
    __atomic_add_fetch(&h->calls, 1, __ATOMIC_RELAXED);
    if (nsize == 0) {
        if (ptr)
            __atomic_sub_fetch(&h->live, 1, __ATOMIC_RELAXED);
        __libc_free(ptr);
        return NULL;
    }
    (void)osize;
    void *p = __libc_realloc(ptr, nsize);
    if (p && !ptr)
        __atomic_add_fetch(&h->live, 1, __ATOMIC_RELAXED);
    return p;
}

/* ---- the workflow ---- */

static int failures;

static int ok(rs_status st, rs_status want, const char *what)
{
    if (st == want)
        return 1;
    /* printing may allocate (stdout's buffer): close the window for it */
    int w = window;
    window = 0;
    printf("FAIL: %s: %s (expected %s)\n", what, rs_status_string(st), rs_status_string(want));
    window = w;
    failures++;
    return 0;
}

/* A reader over memory (the "load from a buffer" path of the loaders). */
typedef struct mem_reader {
    const char *s;
    size_t len, pos;
} mem_reader;
static int32_t mem_read(void *ud, void *buf, size_t cap, size_t *n)
{
    mem_reader *r = ud;
    size_t k = r->len - r->pos < cap ? r->len - r->pos : cap;
    memcpy(buf, r->s + r->pos, k);
    r->pos += k;
    *n = k;
    return 0;
}
typedef struct mem_writer {
    unsigned char *buf;
    size_t cap, len;
} mem_writer;
static int32_t mem_write(void *ud, const void *p, size_t n)
{
    mem_writer *w = ud;
    if (n > w->cap - w->len)
        return -1;
    memcpy(w->buf + w->len, p, n);
    w->len += n;
    return 0;
}

/* The model's size: small by default; --large is big enough for a CBLAS
 * library's threaded sgemm (there OpenBLAS allocates on its own). */
static int n_users = 300, n_items = 120, factors = 8;
static char ratings_text[8 << 20], more_text[1 << 16], features_text[1 << 16];
static char csv_text[12 << 20], dense_text[1 << 16];
static unsigned char gz_text[12 << 20];
static size_t gz_len;
static unsigned char blob[4 << 20];

/* ratings_text as a gzip member of stored (uncompressed) deflate blocks:
 * what zlib's inflate reads when the loaders get gzip input, made here
 * without zlib (RFC 1952 and 1951 section 3.2.4). */
static uint32_t crc32_ieee(const unsigned char *p, size_t n)
{
    uint32_t c = 0xffffffffu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = c & 1 ? (c >> 1) ^ 0xedb88320u : c >> 1;
    }
    return ~c;
}
static size_t gzip_stored(const char *text, size_t n, unsigned char *out, size_t cap)
{
    static const unsigned char head[10] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3};
    size_t o = 0, blocks = n / 65535 + 1;
    if (cap < sizeof head + n + 5 * blocks + 8)
        return 0;
    memcpy(out, head, sizeof head);
    o = sizeof head;
    for (size_t at = 0; at < n || at == 0; ) {
        size_t len = n - at < 65535 ? n - at : 65535;
        out[o++] = at + len == n ? 1 : 0; /* BFINAL, BTYPE 00 (stored) */
        out[o++] = (unsigned char)len;
        out[o++] = (unsigned char)(len >> 8);
        out[o++] = (unsigned char)~len;
        out[o++] = (unsigned char)(~len >> 8);
        memcpy(out + o, text + at, len);
        o += len;
        at += len;
        if (n == 0)
            break;
    }
    uint32_t crc = crc32_ieee((const unsigned char *)text, n), isize = (uint32_t)n;
    for (int k = 0; k < 4; k++)
        out[o++] = (unsigned char)(crc >> (8 * k));
    for (int k = 0; k < 4; k++)
        out[o++] = (unsigned char)(isize >> (8 * k));
    return o;
}

static size_t make_text(void)
{
    size_t n = 0;
    uint64_t x = 12345;
    for (int u = 1; u <= n_users; u++)
        for (int i = 1; i <= n_items; i++) {
            x = x * 6364136223846793005ull + 1442695040888963407ull;
            if ((x >> 33) % 5 != 0)
                continue;
            n += (size_t)snprintf(ratings_text + n, sizeof ratings_text - n, "%d %d %d\n", u, i,
                                  (int)((x >> 40) % 5) + 1);
        }
    size_t m = 0;
    for (int u = n_users + 1; u <= n_users + 20; u++)
        for (int i = 1; i <= 30; i++)
            m += (size_t)snprintf(more_text + m, sizeof more_text - m, "%d %d %d\n", u, i, 1 + (u + i) % 5);
    /* item features; item 1 has 300 of them (the sort of long feature rows) */
    size_t f = 0;
    for (int i = 1; i <= n_items; i++) {
        f += (size_t)snprintf(features_text + f, sizeof features_text - f, "%d g%d g%d", i, i % 7, 7 + i % 5);
        for (int k = 0; i == 1 && k < 300; k++)
            f += (size_t)snprintf(features_text + f, sizeof features_text - f, " x%d:0.5", k);
        f += (size_t)snprintf(features_text + f, sizeof features_text - f, "\n");
    }
    /* a dense test set for the ranking: users 1-10, items 1-150 */
    size_t d = 0;
    for (int u = 1; u <= 10; u++)
        for (int i = 1; i <= 150; i++)
            d += (size_t)snprintf(dense_text + d, sizeof dense_text - d, "%d %d %d\n", u, i, 1 + (u * i) % 5);
    /* the same ratings as a CSV export with string ids and times */
    size_t c = (size_t)snprintf(csv_text, sizeof csv_text, "user,item,rating,time\n");
    const char *p = ratings_text;
    for (long t = 1000; *p; t += 7) {
        int u, i, r, len;
        if (sscanf(p, "%d %d %d\n%n", &u, &i, &r, &len) != 3)
            break;
        c += (size_t)snprintf(csv_text + c, sizeof csv_text - c, "cust-%d,SKU-%05d,%d,%ld\n", u, i, r,
                              t);
        p += len;
    }
    gz_len = gzip_stored(ratings_text, n, gz_text, sizeof gz_text);
    return n;
}

static int write_file(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0)
        return -1;
    size_t len = strlen(text);
    ssize_t w = write(fd, text, len);
    close(fd);
    return w == (ssize_t)len ? 0 : -1;
}

static void workflow(const char *dir)
{
    char rpath[4096], fpath[4096], mpath[4096];
    snprintf(rpath, sizeof rpath, "%s/ratings.txt", dir);
    snprintf(fpath, sizeof fpath, "%s/features.txt", dir);
    snprintf(mpath, sizeof mpath, "%s/model.bin", dir);
    rs_dataset *train = NULL, *more = NULL, *from_file = NULL, *a = NULL, *b = NULL;
    rs_model *m = NULL, *m2 = NULL, *h = NULL, *loaded = NULL;
    int64_t items[10], users[4] = {1, 2, 3, 4}, batch_items[40];
    float scores[40];
    size_t n, counts[4];
    int threads = (rs_build_features() & RS_FEATURE_THREADS) != 0;

    window = 1;
    phase = "rs_dataset_load (reader callback)";
    mem_reader r = {ratings_text, strlen(ratings_text), 0};
    ok(rs_dataset_new(&train, hook_fn, &hook), RS_OK, "rs_dataset_new");
    ok(rs_dataset_load(train, mem_read, &r, RS_FORMAT_MOVIELENS, "ratings"), RS_OK, "rs_dataset_load");
    phase = "rs_dataset_load_features (reader callback)";
    mem_reader fr = {features_text, strlen(features_text), 0};
    ok(rs_dataset_load_features(train, RS_SIDE_ITEM, mem_read, &fr, RS_FEATURES_SPARSE, "features"),
       RS_OK, "rs_dataset_load_features");
    phase = "rs_dataset_split_random, rs_dataset_split_holdout";
    ok(rs_dataset_split_random(train, 0.2, 7, &a, &b), RS_OK, "rs_dataset_split_random");
    rs_dataset_free(a);
    rs_dataset_free(b);
    ok(rs_dataset_split_holdout(train, 2, 7, &a, &b), RS_OK, "rs_dataset_split_holdout");
    rs_dataset_free(a);
    rs_dataset_free(b);

    phase = "rs_fit (1 thread)";
    ok(rs_model_new(&m, RS_SCORER_COLLABORATIVE, hook_fn, &hook), RS_OK, "rs_model_new");
    ok(rs_model_set_int(m, RS_PARAM_FACTORS, factors), RS_OK, "factors");
    ok(rs_model_set_int(m, RS_PARAM_EPOCHS, 4), RS_OK, "epochs");
    ok(rs_fit(m, train, NULL), RS_OK, "rs_fit 1 thread");
    phase = "rs_fit (2 threads)";
    ok(rs_model_set_int(m, RS_PARAM_THREADS, 2), threads ? RS_OK : RS_ERR_NOT_BUILT, "threads = 2");
    ok(rs_fit(m, train, NULL), RS_OK, "rs_fit 2 threads");
    phase = "rs_fit (hybrid, features)";
    if (rs_model_new(&h, RS_SCORER_HYBRID, hook_fn, &hook) == RS_OK) {
        ok(rs_model_set_int(h, RS_PARAM_EPOCHS, 3), RS_OK, "epochs");
        /* a small constant step: item 1's 300 features make the default step diverge */
        ok(rs_model_set_int(h, RS_PARAM_LR_POLICY, RS_LR_CONSTANT), RS_OK, "lr policy");
        ok(rs_model_set_double(h, RS_PARAM_LEARNING_RATE, 0.005), RS_OK, "learning rate");
        ok(rs_fit(h, train, NULL), RS_OK, "rs_fit hybrid");
        int32_t f[2] = {0, 1};
        phase = "rs_model_set_features (new item)";
        ok(rs_model_set_features(h, RS_SIDE_ITEM, 99999, f, NULL, 2), RS_OK, "rs_model_set_features");
    }

    phase = "rs_model_save_buffer, rs_model_save (writer callback)";
    size_t size = 0;
    ok(rs_model_save_buffer(m, blob, sizeof blob, &size, NULL, 0), RS_OK, "rs_model_save_buffer");
    mem_writer w = {blob, sizeof blob, 0};
    ok(rs_model_save(m, mem_write, &w, NULL, 0), RS_OK, "rs_model_save");
    phase = "rs_model_load_buffer, rs_model_load (reader callback)";
    ok(rs_model_load_buffer(&m2, blob, size, hook_fn, &hook, NULL, 0), RS_OK, "rs_model_load_buffer");
    mem_reader br = {(const char *)blob, w.len, 0};
    ok(rs_model_load(&loaded, mem_read, &br, hook_fn, &hook, NULL, 0), RS_OK, "rs_model_load");
    rs_model_free(loaded);
    loaded = NULL;

    phase = "rs_predict, rs_predict_batch";
    float y;
    ok(rs_predict(m2, 1, 1, &y), RS_OK, "rs_predict");
    rs_status sts[4];
    int64_t pi[4] = {1, 2, 3, 4};
    ok(rs_predict_batch(m2, users, pi, 4, scores, sts), RS_OK, "rs_predict_batch");
    phase = "rs_topk";
    ok(rs_topk(m2, 1, 10, 0, NULL, 0, NULL, 0, items, scores, &n), RS_OK, "rs_topk");
    phase = "rs_topk_batch";
    ok(rs_topk_batch(m2, users, 4, 10, 0, batch_items, scores, counts), RS_OK, "rs_topk_batch");
    phase = "rs_similar_items, rs_similar_users";
    ok(rs_similar_items(m2, 1, 5, items, scores, &n), RS_OK, "rs_similar_items");
    ok(rs_similar_users(m2, 1, 5, items, scores, &n), RS_OK, "rs_similar_users");

    phase = "rs_partial_fit";
    mem_reader mr = {more_text, strlen(more_text), 0};
    ok(rs_dataset_new(&more, hook_fn, &hook), RS_OK, "rs_dataset_new");
    ok(rs_dataset_load(more, mem_read, &mr, RS_FORMAT_MOVIELENS, "more"), RS_OK, "load more");
    ok(rs_partial_fit(m2, more, NULL), RS_OK, "rs_partial_fit");
    phase = "rs_fold_in_user, rs_fold_in_item";
    int64_t fi[3] = {1, 2, 3};
    float fr3[3] = {5, 3, 1};
    ok(rs_fold_in_user(m2, 777777, fi, fr3, 3), RS_OK, "rs_fold_in_user");
    ok(rs_fold_in_item(m2, 888888, fi, fr3, 3), RS_OK, "rs_fold_in_item");

    phase = "rs_topk_batch_ex (exclusions)";
    size_t ex_off[5] = {0, 2, 2, 3, 3};
    int64_t ex_items[3] = {1, 2, 5};
    ok(rs_topk_batch_ex(m2, users, 4, 10, 0, ex_off, ex_items, batch_items, scores, counts), RS_OK,
       "rs_topk_batch_ex");
    phase = "rs_topk (int8 serving copy)";
    ok(rs_model_set_int(m2, RS_PARAM_SERVE_QUANTIZED, RS_QUANT_INT8), RS_OK, "serve quantized");
    for (int64_t u = 1; u <= 40; u++)
        ok(rs_topk(m2, u, 10, 0, NULL, 0, NULL, 0, items, scores, &n), RS_OK, "rs_topk int8");
    ok(rs_model_set_int(m2, RS_PARAM_SERVE_QUANTIZED, RS_QUANT_NONE), RS_OK, "serve exact");

    /* m2 keeps m's 2 training threads: the evaluation runs on 2 threads too.
     * The ranking's test set gives 10 users 150 items each (most unknown to
     * the model: they still count as relevant), a per-user list over the
     * 1 KiB where glibc's qsort would malloc (lib/common/sort.h). */
    phase = "rs_model_evaluate_ratings, rs_model_evaluate_ranking (2 threads)";
    double metrics[RS_METRIC_COUNT_V0_2];
    ok(rs_model_evaluate_ratings(m2, train, metrics, RS_METRIC_COUNT_V0_2, &n), RS_OK,
       "rs_model_evaluate_ratings");
    mem_reader dr = {dense_text, strlen(dense_text), 0};
    rs_dataset *dense = NULL;
    ok(rs_dataset_new(&dense, hook_fn, &hook), RS_OK, "rs_dataset_new");
    ok(rs_dataset_load(dense, mem_read, &dr, RS_FORMAT_MOVIELENS, "dense"), RS_OK, "load dense");
    ok(rs_model_evaluate_ranking(m2, dense, NULL, NULL, 0, 10, 1.0, RS_EVAL_INCLUDE_SEEN, metrics,
                                 RS_METRIC_COUNT_V0_2, &n),
       RS_OK, "rs_model_evaluate_ranking");
    rs_dataset_free(dense);

    phase = "string ids: CSV reader, rs_dataset_split_by_time, rs_fit, *_str calls";
    {
        rs_dataset *sd = NULL, *st_train = NULL, *st_test = NULL;
        rs_model *sm = NULL;
        mem_reader cr = {csv_text, strlen(csv_text), 0};
        ok(rs_dataset_new(&sd, hook_fn, &hook), RS_OK, "rs_dataset_new");
        ok(rs_dataset_set_int(sd, RS_PARAM_STRING_IDS, 1), RS_OK, "string ids");
        ok(rs_dataset_load(sd, mem_read, &cr, RS_FORMAT_CSV, "export.csv"), RS_OK, "load CSV");
        ok(rs_dataset_split_by_time(sd, RS_TIME_SPLIT_LAST_N, 2, &st_train, &st_test), RS_OK,
           "rs_dataset_split_by_time");
        ok(rs_model_new(&sm, RS_SCORER_COLLABORATIVE, hook_fn, &hook), RS_OK, "rs_model_new");
        ok(rs_model_set_int(sm, RS_PARAM_EPOCHS, 2), RS_OK, "epochs");
        /* a small constant step: the default diverges on --large's 4000 items */
        ok(rs_model_set_int(sm, RS_PARAM_LR_POLICY, RS_LR_CONSTANT), RS_OK, "lr policy");
        ok(rs_model_set_double(sm, RS_PARAM_LEARNING_RATE, 0.005), RS_OK, "learning rate");
        ok(rs_fit(sm, st_train, NULL), RS_OK, "rs_fit string ids");
        float sy;
        ok(rs_predict_str(sm, "cust-1", "SKU-00002", &sy), RS_OK, "rs_predict_str");
        char sids[10 * (RS_STR_ID_MAX + 1)];
        size_t soff[10];
        const char *block[1] = {"SKU-00003"};
        ok(rs_topk_str(sm, "cust-2", 10, 0, block, 1, NULL, 0, sids, sizeof sids, soff, scores, &n),
           RS_OK, "rs_topk_str");
        ok(rs_similar_items_str(sm, "SKU-00001", 5, sids, sizeof sids, soff, scores, &n), RS_OK,
           "rs_similar_items_str");
        size_t ssize = 0;
        ok(rs_model_save_buffer(sm, blob, sizeof blob, &ssize, NULL, 0), RS_OK, "save string ids");
        rs_model_free(sm);
        sm = NULL;
        ok(rs_model_load_buffer(&sm, blob, ssize, hook_fn, &hook, NULL, 0), RS_OK, "load string ids");
        rs_model_free(sm);
        rs_dataset_free(sd);
        rs_dataset_free(st_train);
        rs_dataset_free(st_test);
    }

    phase = "rs_dataset_load (gzip input)";
    {
        rs_dataset *gd = NULL;
        mem_reader gr = {(const char *)gz_text, gz_len, 0};
        int zlib = (rs_build_features() & RS_FEATURE_ZLIB) != 0;
        ok(gz_len > 0 ? RS_OK : RS_ERR_RANGE, RS_OK, "gzip test input fits");
        ok(rs_dataset_new(&gd, hook_fn, &hook), RS_OK, "rs_dataset_new");
        ok(rs_dataset_load(gd, mem_read, &gr, RS_FORMAT_MOVIELENS, "ratings.gz"),
           zlib ? RS_OK : RS_ERR_NOT_BUILT, "rs_dataset_load gzip");
        if (zlib && rs_dataset_num_ratings(gd) != rs_dataset_num_ratings(train))
            ok(RS_ERR_FORMAT, RS_OK, "gzip input: same ratings as the plain text");
        rs_dataset_free(gd);
    }

    int stdio = (rs_build_features() & RS_FEATURE_STDIO) != 0;
    rs_status want = stdio ? RS_OK : RS_ERR_NOT_BUILT;
    phase = "rs_dataset_load_file, rs_dataset_load_features_file";
    ok(rs_dataset_new(&from_file, hook_fn, &hook), RS_OK, "rs_dataset_new");
    ok(rs_dataset_load_file(from_file, rpath, RS_FORMAT_MOVIELENS), want, "rs_dataset_load_file");
    ok(rs_dataset_load_features_file(from_file, RS_SIDE_ITEM, fpath, RS_FEATURES_SPARSE), want,
       "rs_dataset_load_features_file");
    phase = "rs_model_save_file";
    ok(rs_model_save_file(m2, mpath, NULL, 0), want, "rs_model_save_file");
    phase = "rs_model_load_file";
    ok(rs_model_load_file(&loaded, mpath, hook_fn, &hook, NULL, 0), want, "rs_model_load_file");

    phase = "rs_model_free, rs_dataset_free";
    rs_model_free(loaded);
    rs_model_free(m);
    rs_model_free(m2);
    rs_model_free(h);
    rs_dataset_free(train);
    rs_dataset_free(more);
    rs_dataset_free(from_file);
    window = 0;
}

/* What libc may do on the library's behalf, and why (docs/guide/embedding.md). */
static int allowed(const entry *e)
{
    if (!strncmp(e->object, "libopenblas", 11) || !strncmp(e->object, "libblas", 7) ||
        !strncmp(e->object, "libcblas", 8) || !strncmp(e->object, "libgfortran", 11) ||
        !strncmp(e->object, "libgomp", 7))
        return 2; /* inside the BLAS: reported */
    int libc = !strncmp(e->object, "libc.so", 7) || !strncmp(e->object, "ld-linux", 8) ||
               !strncmp(e->object, "ld64.so", 7);
    /* glibc starting or ending a thread of the 2-thread rs_fit or evaluation */
    if (libc && strstr(e->phase, "(2 threads)") &&
        (!strcmp(e->caller, "pthread_create") || !strcmp(e->caller, "thread exit")))
        return 1;
    return 0;
}

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "--large")) {
        n_users = 200;
        n_items = 4000;
        factors = 128;
    }
    const char *preload = getenv("LD_PRELOAD");
    if (preload && (strstr(preload, "vgpreload") || strstr(preload, "asan"))) {
        printf("SKIP: another malloc replacement is preloaded (%s)\n", preload);
        return 77;
    }
    char dir[] = "/tmp/rs_alloc_outside.XXXXXX";
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    make_text();
    char path[4096];
    snprintf(path, sizeof path, "%s/ratings.txt", dir);
    int bad = write_file(path, ratings_text);
    snprintf(path, sizeof path, "%s/features.txt", dir);
    bad |= write_file(path, features_text);
    if (bad) {
        printf("FAIL: cannot write the input files under %s\n", dir);
        return 1;
    }
    printf("%d users, %d items, %d factors; ", n_users, n_items, factors);
    printf("librecsgd %s, features 0x%x (threads %s, CBLAS %s, stdio %s)\n", rs_version_string(),
           (unsigned)rs_build_features(), rs_build_features() & RS_FEATURE_THREADS ? "yes" : "no",
           rs_build_features() & RS_FEATURE_CBLAS ? "yes" : "no",
           rs_build_features() & RS_FEATURE_STDIO ? "yes" : "no");
    fflush(stdout);
    /* resolve pthread_create and warm up dladdr once, outside the window */
    if (!real_pthread_create)
        real_pthread_create = (pthread_create_fn)dlsym(RTLD_NEXT, "pthread_create");
    if (!real_pthread_create) {
        printf("FAIL: dlsym(RTLD_NEXT, pthread_create): %s\n", dlerror());
        return 1;
    }
    Dl_info info;
    (void)dladdr((void *)main, &info);

    workflow(dir);

    snprintf(path, sizeof path, "%s/ratings.txt", dir);
    unlink(path);
    snprintf(path, sizeof path, "%s/features.txt", dir);
    unlink(path);
    snprintf(path, sizeof path, "%s/model.bin", dir);
    unlink(path);
    rmdir(dir);

    printf("allocator hook: %zu calls, %zu blocks still live\n", hook.calls, hook.live);
    size_t outside = 0, libc_ok = 0, blas = 0;
    for (size_t i = 0; i < n_entries; i++) {
        const entry *e = &entries[i];
        int why = allowed(e);
        printf("%s %4zu x %-8s in %-44s from %s (%s)\n",
               why == 1 ? "libc" : why == 2 ? "blas" : "FAIL", e->n, e->fn, e->phase, e->object,
               e->caller);
        if (why == 1)
            libc_ok += e->n;
        else if (why == 2)
            blas += e->n;
        else
            outside += e->n;
    }
    if (n_lost)
        printf("FAIL: %zu calls not recorded (table full)\n", n_lost);
    printf("calls outside the hook: %zu by the library or unlisted callers, %zu by glibc's thread "
           "machinery (documented), %zu inside the BLAS\n", outside, libc_ok, blas);
    if (hook.calls == 0 || hook.live != 0)
        printf("FAIL: the hook was not used, or blocks leaked\n");
    int fail = failures || outside || n_lost || hook.calls == 0 || hook.live != 0;
    printf("%s\n", fail ? "FAIL" : "PASS: no allocation outside the hook but the documented ones");
    return fail ? 1 : 0;
}
#endif

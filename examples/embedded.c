/* librecsgd. SPDX-License-Identifier: BSD-2-Clause
 * embedded.c: librecsgd on a fixed memory budget, with no malloc and no
 * filesystem on the serving side.
 *
 *   1. every byte the library uses comes from one static arena through an
 *      rs_alloc_fn (a bump allocator with a free list, below);
 *   2. read data/sample through a reader callback and train a small
 *      collaborative model in that arena;
 *   3. serialise it into a buffer (also in the arena) with
 *      rs_model_save_buffer(), free the model and the training data;
 *   4. rebuild the model from the buffer with rs_model_load_buffer(), as a
 *      device would from flash, and serve rs_topk() from it;
 *   5. report the arena's high-water mark and check that every byte came back.
 *
 * The allocator relies on the rs_alloc_fn contract (alloc.h): the library
 * passes the exact size it asked for when it resizes or frees a block, so
 * the arena needs no per-block headers.
 *
 * Usage: embedded [DATA_DIR]   (default: data/sample)
 */
#include <librecsgd/recsgd.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_BYTES ((size_t)16 << 20) /* 16 MiB */
#define ALIGN ((size_t)16)
#define TOPK 10

/* ---- a fixed-size arena allocator ----
 * Blocks are carved from the bottom of the arena ("top" is the first free
 * byte above them). A freed block at the top lowers the top; any other freed
 * block goes on a free list (its first bytes hold the list node) and is
 * reused first-fit, split when it is larger than needed. Sizes are rounded
 * to ALIGN, so the library's osize always rounds to the block's true size. */

typedef struct free_block {
    size_t size;
    struct free_block *next;
} free_block;

typedef struct arena {
    unsigned char *base;
    size_t cap, top, high_water;
    size_t live;          /* bytes in blocks handed out and not yet freed */
    size_t n_alloc, n_free, n_failed;
    free_block *free_list;
} arena;

static _Alignas(16) unsigned char arena_memory[ARENA_BYTES];

static size_t round_up(size_t n)
{
    return (n + ALIGN - 1) / ALIGN * ALIGN;
}

static void arena_release(arena *a, unsigned char *p, size_t size)
{
    if (p + size == a->base + a->top) {
        a->top -= size;
        /* Free blocks now at the top are released too. */
        for (int again = 1; again;) {
            again = 0;
            for (free_block **f = &a->free_list; *f; f = &(*f)->next) {
                if ((unsigned char *)*f + (*f)->size == a->base + a->top) {
                    a->top -= (*f)->size;
                    *f = (*f)->next;
                    again = 1;
                    break;
                }
            }
        }
        return;
    }
    free_block *f = (free_block *)(void *)p;
    f->size = size;
    f->next = a->free_list;
    a->free_list = f;
}

static void *arena_take(arena *a, size_t size)
{
    for (free_block **f = &a->free_list; *f; f = &(*f)->next) {
        free_block *b = *f;
        if (b->size < size)
            continue;
        *f = b->next;
        if (b->size > size) /* the rest stays free (it is >= ALIGN bytes) */
            arena_release(a, (unsigned char *)b + size, b->size - size);
        return b;
    }
    if (a->cap - a->top < size)
        return NULL;
    void *p = a->base + a->top;
    a->top += size;
    if (a->top > a->high_water)
        a->high_water = a->top;
    return p;
}

/* The rs_alloc_fn. Single-threaded: this program trains with one thread and
 * serves from one thread, so no lock is needed. */
static void *arena_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    arena *a = ud;
    size_t old = round_up(osize), want = round_up(nsize);
    if (nsize == 0) {
        if (ptr) {
            arena_release(a, ptr, old);
            a->live -= old;
            a->n_free++;
        }
        return NULL;
    }
    if (!ptr) {
        void *p = arena_take(a, want);
        if (!p) {
            a->n_failed++;
            return NULL;
        }
        a->live += want;
        a->n_alloc++;
        return p;
    }
    unsigned char *p = ptr;
    if (want == old)
        return ptr;
    if (want > old && p + old == a->base + a->top && want - old <= a->cap - a->top) {
        a->top += want - old; /* the top block grows in place */
        if (a->top > a->high_water)
            a->high_water = a->top;
        a->live += want - old;
        return ptr;
    }
    if (want < old) {
        arena_release(a, p + want, old - want);
        a->live -= old - want;
        return ptr;
    }
    void *q = arena_take(a, want);
    if (!q) {
        a->n_failed++;
        return NULL; /* the old block stays valid, as the contract requires */
    }
    memcpy(q, ptr, osize);
    arena_release(a, p, old);
    a->live = a->live - old + want;
    return q;
}

/* ---- reading the ratings through a reader callback ----
 * rs_dataset_load() takes the bytes from the caller, so it also works in
 * builds without the file-path conveniences (--disable-stdio) and with any
 * source: flash, a socket, a compressed stream. Here the source is a file. */

static int32_t file_reader(void *ud, void *buf, size_t cap, size_t *len_out)
{
    FILE *fp = ud;
    *len_out = fread(buf, 1, cap, fp);
    return ferror(fp) ? 1 : 0; /* *len_out == 0 at end of file ends the load */
}

/* ---- the program ---- */

static int ok(rs_status st, const char *what, const char *detail)
{
    if (st == RS_OK)
        return 1;
    fprintf(stderr, "embedded: %s failed: %s", what, rs_status_string(st));
    if (detail && detail[0])
        fprintf(stderr, " (%s)", detail);
    fprintf(stderr, "\n");
    return 0;
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : "data/sample";
    char path[4096], errmsg[256];
    int code = EXIT_FAILURE;
    arena a = {arena_memory, ARENA_BYTES, 0, 0, 0, 0, 0, 0, NULL};
    rs_dataset *ds = NULL;
    rs_model *m = NULL, *served = NULL;
    unsigned char *blob = NULL;
    size_t blob_size = 0;
    int64_t before[TOPK], after[TOPK];
    size_t n_before = 0, n_after = 0;

    /* 2. train in the arena */
    if (!ok(rs_dataset_new(&ds, arena_alloc, &a), "rs_dataset_new", NULL))
        goto out;
    snprintf(path, sizeof path, "%s/ratings.tsv", dir);
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        perror(path);
        goto out;
    }
    rs_status st = rs_dataset_load(ds, file_reader, fp, RS_FORMAT_MOVIELENS, path);
    fclose(fp);
    if (!ok(st, path, rs_dataset_last_error(ds)))
        goto out;
    if (!ok(rs_model_new(&m, RS_SCORER_COLLABORATIVE, arena_alloc, &a), "rs_model_new", NULL))
        goto out;
    if (!ok(rs_model_set_int(m, RS_PARAM_FACTORS, 16), "set factors", rs_model_last_error(m)) ||
        !ok(rs_model_set_int(m, RS_PARAM_EPOCHS, 30), "set epochs", rs_model_last_error(m)) ||
        !ok(rs_model_set_double(m, RS_PARAM_LEARNING_RATE, 0.02), "set learning_rate",
            rs_model_last_error(m)) ||
        /* a constant step (the default schedule, inverse time, decays it) */
        !ok(rs_model_set_int(m, RS_PARAM_LR_POLICY, RS_LR_CONSTANT), "set lr_policy",
            rs_model_last_error(m)) ||
        !ok(rs_model_set_double(m, RS_PARAM_L2_FACTORS, 0.05), "set l2_factors",
            rs_model_last_error(m)))
        goto out;
    if (!ok(rs_fit(m, ds, NULL), "rs_fit", rs_model_last_error(m)))
        goto out;
    double stats[RS_STAT_COUNT_V0_1];
    size_t n_stats = 0, n_epochs = rs_model_num_epoch_stats(m);
    if (!ok(rs_model_epoch_stats(m, n_epochs - 1, stats, RS_STAT_COUNT_V0_1, &n_stats),
            "rs_model_epoch_stats", NULL))
        goto out;
    printf("trained in the arena: %zu ratings, %zu epochs, train RMSE %.4f\n",
           rs_dataset_num_ratings(ds), n_epochs, stats[RS_STAT_TRAIN_RMSE]);
    if (!ok(rs_topk(m, 1, TOPK, 0, NULL, 0, NULL, 0, before, NULL, &n_before), "rs_topk", NULL))
        goto out;

    /* 3. serialise: ask for the size, then write into an arena buffer */
    st = rs_model_save_buffer(m, NULL, 0, &blob_size, errmsg, sizeof errmsg);
    if (st != RS_ERR_RANGE && !ok(st, "rs_model_save_buffer (size query)", errmsg))
        goto out;
    blob = arena_alloc(&a, NULL, 0, blob_size);
    if (!blob) {
        fprintf(stderr, "embedded: no room in the arena for a %zu-byte model\n", blob_size);
        goto out;
    }
    if (!ok(rs_model_save_buffer(m, blob, blob_size, &blob_size, errmsg, sizeof errmsg),
            "rs_model_save_buffer", errmsg))
        goto out;
    rs_model_free(m);
    m = NULL;
    rs_dataset_free(ds);
    ds = NULL;
    printf("model blob: %zu bytes; arena in use after freeing the training state: %zu bytes\n",
           blob_size, a.live);

    /* 4. load from memory only and serve */
    if (!ok(rs_model_load_buffer(&served, blob, blob_size, arena_alloc, &a, errmsg, sizeof errmsg),
            "rs_model_load_buffer", errmsg))
        goto out;
    printf("loaded from the buffer: %zu users, %zu items\n", rs_model_num_users(served),
           rs_model_num_items(served));
    float scores[TOPK];
    if (!ok(rs_topk(served, 1, TOPK, 0, NULL, 0, NULL, 0, after, scores, &n_after), "rs_topk",
            NULL))
        goto out;
    printf("top-%d for user 1 from the loaded model:\n", TOPK);
    for (size_t k = 0; k < n_after; k++)
        printf("  %2zu. item %4lld  score %.3f\n", k + 1, (long long)after[k], (double)scores[k]);
    int same = n_before == n_after && memcmp(before, after, n_after * sizeof after[0]) == 0;
    printf("same top-%d as the model before saving: %s\n", TOPK, same ? "yes" : "NO");
    if (!same)
        goto out;
    code = EXIT_SUCCESS;

out:
    rs_model_free(served);
    rs_model_free(m);
    rs_dataset_free(ds);
    if (blob)
        arena_alloc(&a, blob, blob_size, 0);
    /* 5. the budget */
    printf("arena: %zu bytes, high-water mark %zu bytes (%.2f MiB), %zu allocations, %zu frees, "
           "%zu failed, %zu bytes still in use\n",
           a.cap, a.high_water, (double)a.high_water / (1024.0 * 1024.0), a.n_alloc, a.n_free,
           a.n_failed, a.live);
    if (a.live != 0 || a.top != 0) {
        fprintf(stderr, "embedded: the arena did not drain (live %zu, top %zu)\n", a.live, a.top);
        code = EXIT_FAILURE;
    }
    return code;
}

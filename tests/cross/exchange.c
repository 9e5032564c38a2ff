/* librecsgd tests. SPDX-License-Identifier: BSD-2-Clause
 * exchange.c: model files across platforms (tests/cross/run.sh). Public API only.
 *
 *   exchange train DATA DIR   fit every scorer this build has on DATA
 *                             (data/sample: ratings plus user and item features,
 *                             read with the library's loaders) and write
 *                             DIR/SCORER.model (rs_model_save_file) and
 *                             DIR/SCORER.buf (rs_model_save_buffer)
 *   exchange answer DATA DIR  load each model of DIR twice, from the file
 *                             (rs_model_load_file) and from memory
 *                             (rs_model_load_buffer), and print what it
 *                             answers: learned factors, predictions (known and
 *                             unknown ids), rs_topk, rs_topk_batch and
 *                             rs_similar_items, every float as its 32 bits in
 *                             hex; then that saving the loaded model again
 *                             gives the same bytes
 *
 * run.sh trains on one platform and answers on every platform: the answers
 * must be identical byte for byte. Exit status 1 on any library error. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <librecsgd/recsgd.h>

static const struct {
    int32_t kind;
    const char *name;
    uint32_t feature; /* rs_build_features() bit it needs, 0: always built */
} scorers[] = {
    {RS_SCORER_COLLABORATIVE, "collaborative", 0},
    {RS_SCORER_CONTENT, "content", RS_FEATURE_CONTENT},
    {RS_SCORER_HYBRID, "hybrid", RS_FEATURE_HYBRID},
};
#define N_SCORERS (sizeof scorers / sizeof scorers[0])

static int failed(const char *what, rs_status st, const char *msg)
{
    fprintf(stderr, "exchange: %s: %s%s%s\n", what, rs_status_string(st), msg && *msg ? ": " : "",
            msg ? msg : "");
    return 1;
}

static uint32_t bits(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

static void path_of(char *dst, size_t cap, const char *dir, const char *name, const char *ext)
{
    snprintf(dst, cap, "%s/%s.%s", dir, name, ext);
}

static void *read_all(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 16, n = 0;
    unsigned char *buf = malloc(cap);
    while (buf) {
        n += fread(buf + n, 1, cap - n, f);
        if (n < cap)
            break;
        unsigned char *b = realloc(buf, cap * 2);
        if (!b) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = b;
        cap *= 2;
    }
    int err = ferror(f);
    fclose(f);
    if (err) {
        free(buf);
        return NULL;
    }
    *size = n;
    return buf;
}

static int write_all(const char *path, const void *buf, size_t size)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    int ok = fwrite(buf, 1, size, f) == size;
    return fclose(f) == 0 && ok ? 0 : -1;
}

/* The sample data: ratings and, for the feature scorers, the feature rows. */
static int load_data(const char *data, int32_t kind, rs_dataset **out)
{
    char path[4096];
    rs_dataset *ds = NULL;
    rs_status st = rs_dataset_new(&ds, NULL, NULL);
    if (st != RS_OK)
        return failed("rs_dataset_new", st, NULL);
    snprintf(path, sizeof path, "%s/ratings.tsv", data);
    if ((st = rs_dataset_load_file(ds, path, RS_FORMAT_MOVIELENS)) != RS_OK)
        return failed(path, st, rs_dataset_last_error(ds));
    if (kind != RS_SCORER_COLLABORATIVE) {
        snprintf(path, sizeof path, "%s/user_features.txt", data);
        if ((st = rs_dataset_load_features_file(ds, RS_SIDE_USER, path, RS_FEATURES_SPARSE)) != RS_OK)
            return failed(path, st, rs_dataset_last_error(ds));
        snprintf(path, sizeof path, "%s/item_features.txt", data);
        if ((st = rs_dataset_load_features_file(ds, RS_SIDE_ITEM, path, RS_FEATURES_SPARSE)) != RS_OK)
            return failed(path, st, rs_dataset_last_error(ds));
    }
    *out = ds;
    return 0;
}

static int train(const char *data, const char *dir)
{
    for (size_t s = 0; s < N_SCORERS; s++) {
        if (scorers[s].feature && !(rs_build_features() & scorers[s].feature))
            continue;
        rs_dataset *ds = NULL;
        if (load_data(data, scorers[s].kind, &ds) != 0)
            return 1;
        rs_model *m = NULL;
        rs_status st = rs_model_new(&m, scorers[s].kind, NULL, NULL);
        if (st != RS_OK)
            return failed("rs_model_new", st, NULL);
        if ((st = rs_model_set_int(m, RS_PARAM_FACTORS, 12)) != RS_OK ||
            (st = rs_model_set_int(m, RS_PARAM_EPOCHS, 4)) != RS_OK ||
            (st = rs_model_set_int(m, RS_PARAM_SEED, 20240501)) != RS_OK ||
            (st = rs_fit(m, ds, NULL)) != RS_OK)
            return failed("rs_fit", st, rs_model_last_error(m));
        char path[4096], err[256];
        path_of(path, sizeof path, dir, scorers[s].name, "model");
        if ((st = rs_model_save_file(m, path, err, sizeof err)) != RS_OK)
            return failed(path, st, err);
        size_t size = 0;
        rs_model_save_buffer(m, NULL, 0, &size, NULL, 0); /* RS_ERR_RANGE, with the size */
        void *buf = malloc(size);
        if (!buf || (st = rs_model_save_buffer(m, buf, size, &size, err, sizeof err)) != RS_OK)
            return failed("rs_model_save_buffer", buf ? st : RS_ERR_NOMEM, err);
        path_of(path, sizeof path, dir, scorers[s].name, "buf");
        if (write_all(path, buf, size) != 0)
            return failed(path, RS_ERR_IO, NULL);
        printf("%s: %zu users, %zu items, %zu-byte blob\n", scorers[s].name, rs_model_num_users(m),
               rs_model_num_items(m), size);
        free(buf);
        rs_model_free(m);
        rs_dataset_free(ds);
    }
    return 0;
}

/* Everything a loaded model answers, into out (a growing text). */
typedef struct text {
    char *s;
    size_t n, cap;
} text;

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static void say(text *t, const char *fmt, ...)
{
    va_list ap;
    for (;;) {
        va_start(ap, fmt);
        int k = vsnprintf(t->s ? t->s + t->n : NULL, t->s ? t->cap - t->n : 0, fmt, ap);
        va_end(ap);
        if (k < 0)
            exit(2);
        if (t->s && t->n + (size_t)k < t->cap) {
            t->n += (size_t)k;
            return;
        }
        size_t cap = (t->cap ? t->cap * 2 : 1 << 16) + (size_t)k;
        char *s = realloc(t->s, cap);
        if (!s)
            exit(2);
        t->s = s;
        t->cap = cap;
    }
}

static void say_floats(text *t, const float *v, size_t n)
{
    for (size_t j = 0; j < n; j++)
        say(t, " %08" PRIx32, bits(v[j]));
    say(t, "\n");
}

static int answers(const rs_model *m, text *t)
{
    float v[256];
    size_t n;
    rs_status st;
    say(t, "users %zu items %zu\n", rs_model_num_users(m), rs_model_num_items(m));
    for (int64_t id = 1; id <= 1000; id += 37) {
        st = rs_model_copy_user_factors(m, id, v, 256, &n);
        say(t, "user %" PRId64 " factors %d:", id, (int)st);
        say_floats(t, v, st == RS_OK ? n : 0);
        st = rs_model_copy_item_factors(m, id % 800 + 1, v, 256, &n);
        say(t, "item %" PRId64 " factors %d:", id % 800 + 1, (int)st);
        say_floats(t, v, st == RS_OK ? n : 0);
    }
    /* predictions, known and unknown ids (the fallback chain) */
    for (int64_t u = 1; u <= 1010; u += 53)
        for (int64_t i = 1; i <= 810; i += 71) {
            float y = 0;
            st = rs_predict(m, u, i, &y);
            say(t, "predict %" PRId64 " %" PRId64 " %d %08" PRIx32 "\n", u, i, (int)st, bits(y));
        }
    int64_t items[20], users[8] = {1, 2, 3, 50, 400, 999, 1000, 5000};
    float scores[8 * 20];
    for (size_t k = 0; k < 8; k++) {
        st = rs_topk(m, users[k], 20, 0, NULL, 0, NULL, 0, items, scores, &n);
        say(t, "topk %" PRId64 " %d:", users[k], (int)st);
        for (size_t j = 0; j < n; j++)
            say(t, " %" PRId64 "=%08" PRIx32, items[j], bits(scores[j]));
        say(t, "\n");
    }
    int64_t batch_items[8 * 20];
    size_t counts[8];
    st = rs_topk_batch(m, users, 8, 20, RS_TOPK_INCLUDE_SEEN, batch_items, scores, counts);
    say(t, "topk_batch %d:", (int)st);
    for (size_t k = 0; k < 8 && st == RS_OK; k++)
        for (size_t j = 0; j < counts[k]; j++)
            say(t, " %" PRId64 "=%08" PRIx32, batch_items[k * 20 + j], bits(scores[k * 20 + j]));
    say(t, "\n");
    for (int64_t i = 1; i <= 800; i += 199) {
        st = rs_similar_items(m, i, 10, items, scores, &n);
        say(t, "similar %" PRId64 " %d:", i, (int)st);
        for (size_t j = 0; j < n; j++)
            say(t, " %" PRId64 "=%08" PRIx32, items[j], bits(scores[j]));
        say(t, "\n");
    }
    return 0;
}

static int answer(const char *dir)
{
    int n_models = 0;
    for (size_t s = 0; s < N_SCORERS; s++) {
        char path[4096], err[256];
        path_of(path, sizeof path, dir, scorers[s].name, "model");
        size_t size = 0;
        void *file_bytes = read_all(path, &size);
        if (!file_bytes)
            continue; /* not trained there (scorer not built) */
        n_models++;
        rs_model *from_file = NULL, *from_buf = NULL;
        rs_status st = rs_model_load_file(&from_file, path, NULL, NULL, err, sizeof err);
        if (st != RS_OK)
            return failed(path, st, err);
        path_of(path, sizeof path, dir, scorers[s].name, "buf");
        size_t buf_size = 0;
        void *buf = read_all(path, &buf_size);
        if (!buf)
            return failed(path, RS_ERR_IO, NULL);
        if ((st = rs_model_load_buffer(&from_buf, buf, buf_size, NULL, NULL, err, sizeof err)) != RS_OK)
            return failed(path, st, err);
        text a = {0}, b = {0};
        answers(from_file, &a);
        answers(from_buf, &b);
        printf("== %s (%zu-byte file, %zu-byte buffer; file and buffer give %s answers)\n",
               scorers[s].name, size, buf_size,
               a.n == b.n && memcmp(a.s, b.s, a.n) == 0 ? "the same" : "DIFFERENT");
        fwrite(a.s, 1, a.n, stdout);
        if (!(a.n == b.n && memcmp(a.s, b.s, a.n) == 0)) {
            printf("-- from the buffer:\n");
            fwrite(b.s, 1, b.n, stdout);
        }
        /* saving what was loaded gives the bytes that were read */
        size_t again = 0;
        rs_model_save_buffer(from_file, NULL, 0, &again, NULL, 0);
        void *copy = malloc(again);
        if (!copy || rs_model_save_buffer(from_file, copy, again, &again, NULL, 0) != RS_OK)
            return failed("rs_model_save_buffer", RS_ERR_NOMEM, NULL);
        printf("saved again: %s\n", again == size && memcmp(copy, file_bytes, size) == 0
                                        ? "the same bytes as the file"
                                        : "DIFFERENT bytes");
        free(copy);
        free(a.s);
        free(b.s);
        free(buf);
        free(file_bytes);
        rs_model_free(from_file);
        rs_model_free(from_buf);
    }
    if (n_models == 0) {
        fprintf(stderr, "exchange: no model under %s\n", dir);
        return 1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[1], "train") == 0)
        return train(argv[2], argv[3]);
    if (argc == 4 && strcmp(argv[1], "answer") == 0)
        return answer(argv[3]);
    fprintf(stderr, "usage: exchange train|answer DATA DIR\n");
    return 2;
}

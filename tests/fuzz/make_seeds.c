/* librecsgd fuzzing. SPDX-License-Identifier: BSD-2-Clause
 * make_seeds.c: writes the model seeds of tests/fuzz/corpus/model/: a tiny
 * fitted model of every scorer (two control bytes, then the blob), so the
 * harness starts from valid blobs. Regenerate after a format change:
 *   cc -Iinclude tests/fuzz/make_seeds.c <librecsgd.a> -lm -lpthread [-lopenblas] \
 *      -o /tmp/make_seeds && /tmp/make_seeds tests/fuzz/corpus/model */
#include <stdio.h>
#include <stdlib.h>
#include <librecsgd/recsgd.h>

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: make_seeds DIR\n");
        return 2;
    }
    const int32_t scorers[3] = {RS_SCORER_COLLABORATIVE, RS_SCORER_CONTENT, RS_SCORER_HYBRID};
    const char *names[3] = {"collaborative", "content", "hybrid"};
    rs_dataset *ds;
    if (rs_dataset_new(&ds, NULL, NULL) != RS_OK)
        return 1;
    int32_t f0, f1, g0;
    rs_dataset_add_feature(ds, RS_SIDE_ITEM, "genre=a", &f0);
    rs_dataset_add_feature(ds, RS_SIDE_ITEM, "genre=b", &f1);
    rs_dataset_add_feature(ds, RS_SIDE_USER, "age=20", &g0);
    for (int u = 1; u <= 4; u++) {
        int32_t g = g0;
        rs_dataset_set_features(ds, RS_SIDE_USER, u, &g, NULL, 1);
        for (int i = 1; i <= 3; i++) {
            if ((u + i) % 3 == 0)
                continue;
            rs_dataset_add_rating(ds, u, 100 + i, (float)(1 + (u * i) % 5), 1.0f);
            int32_t f = i % 2 ? f0 : f1;
            rs_dataset_set_features(ds, RS_SIDE_ITEM, 100 + i, &f, NULL, 1);
        }
    }
    for (int s = 0; s < 3; s++) {
        rs_model *m;
        if (rs_model_new(&m, scorers[s], NULL, NULL) != RS_OK)
            continue;
        rs_model_set_int(m, RS_PARAM_FACTORS, 2);
        rs_model_set_int(m, RS_PARAM_EPOCHS, 2);
        rs_model_set_int(m, RS_PARAM_COLD_EPOCHS, 1);
        if (rs_fit(m, ds, NULL) != RS_OK) {
            fprintf(stderr, "fit %s: %s\n", names[s], rs_model_last_error(m));
            return 1;
        }
        size_t n = 0;
        rs_model_save_buffer(m, NULL, 0, &n, NULL, 0);
        unsigned char *b = malloc(n + 2);
        b[0] = 0; /* control: no checksum fix-up */
        b[1] = 0; /* control: whole reads */
        if (!b || rs_model_save_buffer(m, b + 2, n, &n, NULL, 0) != RS_OK)
            return 1;
        char path[512];
        snprintf(path, sizeof path, "%s/%s.seed", argv[1], names[s]);
        FILE *f = fopen(path, "wb");
        if (!f || fwrite(b, 1, n + 2, f) != n + 2 || fclose(f) != 0)
            return 1;
        printf("%s: %zu bytes\n", path, n + 2);
        free(b);
        rs_model_free(m);
    }
    rs_dataset_free(ds);
    return 0;
}

/* librecsgd benchmarks. SPDX-License-Identifier: BSD-2-Clause
 * coldstart.c: how well brand-new items and users are scored, on MovieLens
 * 100K ($RS_DATA_DIR/ml-100k, RS_DATA_DIR defaults to ../shared/data), with
 * genres + release decade + year (u.item) and age + gender + occupation
 * (u.user) as features, two protocols, each over seeds S..S+N-1 (default 1..5):
 *
 *  rmse     10% of the items (or users), chosen by a seeded hash, are held
 *           out with all their ratings; models train on the rest, the held-out
 *           ids are registered with their features only (rs_model_set_features)
 *           and their ratings predicted. RMSE of the fallback (a collaborative
 *           model that does not know the id: mean + the other side's bias), the
 *           content and the hybrid scorer, and the closed-form linear reference
 *           (cold_reference.h) with its gain over the fallback.
 *  ranking  LightFM's cold-start protocol: MovieLens's ua split (rebuilt from
 *           u.data as mku.sh does: each user's first 10 ratings are ua.test),
 *           ratings >= 4 are positives, 100 items drawn among those with a
 *           positive are held out of training entirely; each user's positives
 *           among them are ranked against the other held-out items: the
 *           within-cold AUC and precision@10 (rs_model_evaluate_ranking with the
 *           100 items as candidates), and the RMSE of their ratings. The same
 *           for 100 new users (ranked against every item). Models: the fallback
 *           (the new ids registered without features: every score ties), content,
 *           hybrid, and both in implicit mode trained on the positives.
 *           Means and sample standard deviations over the seeds.
 *
 *   coldstart [--protocol rmse|ranking|both] [--side users|items] [--seed S]
 *             [--seeds N] [--title-words MIN_DF] [--no-year] [--no-user-features]
 *             [--only NAME] [--log] [--param name=value ...]
 *
 * The items also get the loader's standardised release year
 * (RS_PARAM_MOVIELENS_YEAR; it helps both protocols, --no-year leaves it
 * out); --title-words adds title words found in at least MIN_DF titles (they
 * make both protocols worse: docs/guide/scorers.md). --param sets a model
 * parameter of every model. Exits 77 when the data is absent. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <librecsgd/recsgd.h>

#include "cold_reference.h"
#include "set_param.h"

static uint64_t mix(uint64_t x)
{
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

/* Held out: about 10% of ids, chosen by a seeded hash. The headline seed is
 * 42 (fixed when the benchmark was written); --seed/--seeds measure other
 * splits, because one 10% split of 1682 items or 943 users is a noisy
 * sample (the gain moves by several points between seeds). */
static int held_out(int64_t id, uint64_t seed) { return mix((uint64_t)id ^ mix(seed)) % 10 == 0; }

static void die(const char *what, const char *msg)
{
    fprintf(stderr, "coldstart: %s: %s\n", what, msg);
    exit(1);
}

/* Copy the feature row of `id` from src into dst (same feature indices). */
static void copy_features(const rs_dataset *src, rs_dataset *dst, int32_t side, int64_t id)
{
    int32_t f[256];
    float v[256];
    size_t n = 0;
    if (rs_dataset_get_features(src, side, id, f, v, 256, &n) != RS_OK || n == 0)
        return;
    if (rs_dataset_set_features(dst, side, id, f, v, n > 256 ? 256 : n) != RS_OK)
        die("set_features", rs_dataset_last_error(dst));
}

/* RMSE on test from the library's evaluation API; *fallbacks gets the
 * ratings the fallback chain scored. */
static double rmse_of(const rs_model *m, const rs_dataset *test, size_t *fallbacks)
{
    double v[RS_METRIC_COUNT_V0_2];
    size_t n;
    if (rs_model_evaluate_ratings(m, test, v, RS_METRIC_COUNT_V0_2, &n) != RS_OK ||
        v[RS_METRIC_UNSCORED] > 0)
        die("evaluate", "ratings");
    *fallbacks = (size_t)v[RS_METRIC_FALLBACKS];
    return v[RS_METRIC_RMSE];
}

/* An empty dataset with the feature names of feats declared in the same
 * order, so feature indices agree. */
static rs_dataset *new_train(const rs_dataset *feats)
{
    rs_dataset *ds;
    if (rs_dataset_new(&ds, NULL, NULL) != RS_OK)
        die("dataset", "cannot create");
    for (int32_t s = RS_SIDE_USER; s <= RS_SIDE_ITEM; s++)
        for (size_t f = 0; f < rs_dataset_num_features(feats, s); f++)
            rs_dataset_add_feature(ds, s, rs_dataset_feature_name(feats, s, (int32_t)f), NULL);
    return ds;
}

/* Features only for ids the training set knows: the cold ones arrive later. */
static void copy_train_features(const rs_dataset *feats, rs_dataset *train)
{
    for (int32_t s = RS_SIDE_USER; s <= RS_SIDE_ITEM; s++) {
        size_t n = s == RS_SIDE_USER ? rs_dataset_num_users(train) : rs_dataset_num_items(train);
        for (size_t k = 0; k < n; k++) {
            int64_t id;
            rs_dataset_index_to_id(train, s, (int32_t)k, &id);
            copy_features(feats, train, s, id);
        }
    }
}

/* --param name=value overrides, applied to every model (rs_param_from_name). */
static int n_overrides;
static const char *overrides[32];

static void apply_overrides(rs_model *m)
{
    for (int k = 0; k < n_overrides; k++)
        if (set_param(m, overrides[k]) != RS_OK)
            die(overrides[k], rs_model_last_error(m));
}

/* Fit `scorer` on train, register the cold ids of test with their features
 * (content, hybrid) and return the RMSE on test. The model is handed back in
 * *keep when keep is not NULL, freed otherwise. */
/* --log: the library's log lines (the cold-start refit reports its epochs);
 * --only NAME: fit only the ranking protocol's models whose name has NAME. */
static int g_log;
static const char *g_only;

static void log_line(void *ud, int32_t level, const char *msg)
{
    (void)ud;
    fprintf(stderr, "coldstart: [%d] %s\n", (int)level, msg);
}

static rs_model *fit_registered(int32_t scorer, int implicit, const rs_dataset *train,
                                const rs_dataset *test, const rs_dataset *feats, int32_t cold_side,
                                int register_collaborative)
{
    rs_model *m;
    if (rs_model_new(&m, scorer, NULL, NULL) != RS_OK)
        die("model", "cannot create");
    if (implicit)
        rs_model_set_int(m, RS_PARAM_IMPLICIT, 1);
    apply_overrides(m);
    if (g_log)
        rs_model_set_log_callback(m, log_line, NULL);
    if (rs_fit(m, train, NULL) != RS_OK)
        die("fit", rs_model_last_error(m));
    if (scorer != RS_SCORER_COLLABORATIVE || register_collaborative) {
        /* Register every cold id of the test set with its features only. */
        size_t n = rs_dataset_num_ratings(test);
        for (size_t j = 0; j < n; j++) {
            int64_t u, i;
            rs_dataset_get_rating(test, j, &u, &i, NULL, NULL);
            int64_t id = cold_side == RS_SIDE_USER ? u : i;
            float cur[1];
            size_t nf = 0;
            if (cold_side == RS_SIDE_USER &&
                rs_model_copy_user_factors(m, id, cur, 1, &nf) == RS_OK)
                continue; /* already registered */
            if (cold_side == RS_SIDE_ITEM &&
                rs_model_copy_item_factors(m, id, cur, 1, &nf) == RS_OK)
                continue;
            int32_t f[256], mf[256];
            float v[256];
            size_t k = 0, used = 0;
            if (scorer != RS_SCORER_COLLABORATIVE) /* the collaborative model takes the id alone */
                rs_dataset_get_features(feats, cold_side, id, f, v, 256, &k);
            for (size_t x = 0; x < k && x < 256; x++) {
                int32_t idx;
                const char *name = rs_dataset_feature_name(feats, cold_side, f[x]);
                if (name && rs_model_feature_index(m, cold_side, name, &idx) == RS_OK) {
                    mf[used] = idx;
                    v[used++] = v[x];
                }
            }
            if (rs_model_set_features(m, cold_side, id, mf, v, used) != RS_OK)
                die("rs_model_set_features", rs_model_last_error(m));
        }
    }
    return m;
}

static double run(int32_t scorer, const rs_dataset *train, const rs_dataset *test,
                  const rs_dataset *feats, int32_t cold_side, size_t *fallbacks, rs_model **keep)
{
    rs_model *m = fit_registered(scorer, 0, train, test, feats, cold_side, 0);
    double r = rmse_of(m, test, fallbacks);
    if (keep)
        *keep = m;
    else
        rs_model_free(m);
    return r;
}

/* One split: hold out the ids of `side` that the seeded hash picks, fit the
 * fallback (collaborative), content and hybrid on the rest, print the RMSEs
 * and the linear reference, and store the two gains (percent) in gain. */
static void run_split(const rs_dataset *all, const rs_dataset *feats, int32_t side, uint64_t seed,
                      double gain[2])
{
    static const char *side_name[] = {"users", "items"};
    rs_dataset *train = new_train(feats), *test;
    if (rs_dataset_new(&test, NULL, NULL) != RS_OK)
        die("dataset", "cannot create");
    size_t n = rs_dataset_num_ratings(all);
    for (size_t j = 0; j < n; j++) {
        int64_t u, i;
        float r;
        rs_dataset_get_rating(all, j, &u, &i, &r, NULL);
        int cold = held_out(side == RS_SIDE_USER ? u : i, seed);
        if (rs_dataset_add_rating(cold ? test : train, u, i, r, 1.0f) != RS_OK)
            die("add", "rating");
    }
    copy_train_features(feats, train);
    size_t fb_fallback, fb_content, fb_hybrid;
    rs_model *collab;
    double fallback = run(RS_SCORER_COLLABORATIVE, train, test, feats, side, &fb_fallback, &collab);
    double content = run(RS_SCORER_CONTENT, train, test, feats, side, &fb_content, NULL);
    double hybrid = run(RS_SCORER_HYBRID, train, test, feats, side, &fb_hybrid, NULL);
    gain[0] = 100.0 * (fallback - content) / fallback;
    gain[1] = 100.0 * (fallback - hybrid) / fallback;
    printf("seed %llu cold %s: held_out_ratings=%zu fallback_rmse=%.4f (fallbacks=%zu) "
           "content_rmse=%.4f (%.1f%% better) hybrid_rmse=%.4f (%.1f%% better)\n",
           (unsigned long long)seed, side_name[side], rs_dataset_num_ratings(test), fallback,
           fb_fallback, content, gain[0], hybrid, gain[1]);
    static const double lambdas[] = {10, 30, 100, 300};
    double ref[4];
    const char *why;
    if (cold_reference(collab, train, test, feats, side, lambdas, 4, ref, &why) == 0) {
        int best = 0;
        printf("seed %llu cold %s: linear_reference_rmse", (unsigned long long)seed, side_name[side]);
        for (int k = 0; k < 4; k++) {
            printf(" %.4f (lambda %g)", ref[k], lambdas[k]);
            best = ref[k] < ref[best] ? k : best;
        }
        printf(": best %.1f%% better than the fallback (penalty chosen on the held-out ratings)\n",
               100.0 * (fallback - ref[best]) / fallback);
    } else {
        printf("seed %llu cold %s: linear reference skipped: %s\n", (unsigned long long)seed,
               side_name[side], why);
    }
    rs_model_free(collab);
    fflush(stdout);
    rs_dataset_free(train);
    rs_dataset_free(test);
}

/* ---- LightFM's cold-start protocol: rankings among new ids ---- */

enum { N_COLD = 100, N_RANKERS = 5 };
static const char *RANKER[N_RANKERS] = {"fallback", "content", "hybrid", "content_implicit",
                                        "hybrid_implicit"};

typedef struct rank_result {
    double auc[N_RANKERS], p10[N_RANKERS], rmse[N_RANKERS];
    double users, test_ratings;
} rank_result;

/* One draw: MovieLens's `ua` split (each user's first 10 ratings in u.data's
 * order are ua.test, as mku.sh's allbut.pl makes it); N_COLD ids of `side`
 * drawn among those with a positive (rating >= 4) lose every rating from
 * training; their ratings (ua.base and ua.test) are the test set. Each
 * model is fitted on the rest, the cold ids are registered with their
 * features only, and each user's positives among the cold items are ranked
 * against the other cold items (new items: the "within-cold" AUC and
 * precision@10), or each new user's positives against every item. */
static void ranking_split(const rs_dataset *all, const rs_dataset *feats, int32_t side,
                          uint64_t seed, rank_result *out)
{
    size_t n = rs_dataset_num_ratings(all), nu = rs_dataset_num_users(all);
    size_t n_ids = side == RS_SIDE_USER ? nu : rs_dataset_num_items(all);
    size_t *per_user = calloc(nu, sizeof *per_user), *eligible = malloc(n_ids * sizeof *eligible);
    unsigned char *in_test = calloc(n, 1), *has_pos = calloc(n_ids, 1), *cold = calloc(n_ids, 1);
    if (!per_user || !eligible || !in_test || !has_pos || !cold)
        die("ranking", "out of memory");
    for (size_t j = 0; j < n; j++) {
        int64_t u, i;
        float r;
        int32_t ui, x;
        rs_dataset_get_rating(all, j, &u, &i, &r, NULL);
        rs_dataset_id_to_index(all, RS_SIDE_USER, u, &ui);
        rs_dataset_id_to_index(all, side, side == RS_SIDE_USER ? u : i, &x);
        in_test[j] = ++per_user[ui] <= 10;
        has_pos[x] |= r >= 4.0f;
    }
    /* The draw: a seeded shuffle of the eligible ids (in first-seen order). */
    size_t n_el = 0;
    for (size_t x = 0; x < n_ids; x++)
        if (has_pos[x])
            eligible[n_el++] = x;
    for (size_t k = n_el; k > 1; k--) {
        size_t r = (size_t)(mix(seed * 0x51ED27u + k) % k), t = eligible[k - 1];
        eligible[k - 1] = eligible[r];
        eligible[r] = t;
    }
    int64_t cold_ids[N_COLD];
    for (size_t k = 0; k < N_COLD && k < n_el; k++) {
        cold[eligible[k]] = 1;
        rs_dataset_index_to_id(all, side, (int32_t)eligible[k], &cold_ids[k]);
    }
    rs_dataset *train = new_train(feats), *pos = new_train(feats), *test;
    if (rs_dataset_new(&test, NULL, NULL) != RS_OK)
        die("dataset", "cannot create");
    for (size_t j = 0; j < n; j++) {
        int64_t u, i;
        float r;
        int32_t x;
        rs_dataset_get_rating(all, j, &u, &i, &r, NULL);
        rs_dataset_id_to_index(all, side, side == RS_SIDE_USER ? u : i, &x);
        rs_status st = RS_OK;
        if (cold[x])
            st = rs_dataset_add_rating(test, u, i, r, 1.0f);
        else if (!in_test[j]) {
            st = rs_dataset_add_rating(train, u, i, r, 1.0f);
            if (st == RS_OK && r >= 4.0f)
                st = rs_dataset_add_rating(pos, u, i, 1.0f, 1.0f);
        }
        if (st != RS_OK)
            die("add", "rating");
    }
    copy_train_features(feats, train);
    copy_train_features(feats, pos);
    memset(out, 0, sizeof *out);
    out->test_ratings = (double)rs_dataset_num_ratings(test);
    for (int k = 0; k < N_RANKERS; k++) {
        static const int32_t scorer[N_RANKERS] = {RS_SCORER_COLLABORATIVE, RS_SCORER_CONTENT,
                                                  RS_SCORER_HYBRID, RS_SCORER_CONTENT,
                                                  RS_SCORER_HYBRID};
        int implicit = k >= 3;
        if (g_only && !strstr(RANKER[k], g_only)) {
            out->auc[k] = out->p10[k] = out->rmse[k] = NAN;
            continue;
        }
        rs_model *m = fit_registered(scorer[k], implicit, implicit ? pos : train, test, feats,
                                     side, 1);
        double v[RS_METRIC_COUNT_V0_2];
        size_t nv;
        if (rs_model_evaluate_ratings(m, test, v, RS_METRIC_COUNT_V0_2, &nv) != RS_OK ||
            rs_model_evaluate_ranking(m, test, NULL, side == RS_SIDE_ITEM ? cold_ids : NULL,
                                      side == RS_SIDE_ITEM ? N_COLD : 0, 10, 4.0, 0, v,
                                      RS_METRIC_COUNT_V0_2, &nv) != RS_OK)
            die("evaluate", RANKER[k]);
        out->auc[k] = v[RS_METRIC_AUC];
        out->p10[k] = v[RS_METRIC_PRECISION];
        out->rmse[k] = implicit ? NAN : v[RS_METRIC_RMSE]; /* implicit scores are not ratings */
        out->users = v[RS_METRIC_USERS];
        rs_model_free(m);
    }
    rs_dataset_free(train);
    rs_dataset_free(pos);
    rs_dataset_free(test);
    free(per_user), free(eligible), free(in_test), free(has_pos), free(cold);
}

/* Mean and sample standard deviation of n values. */
static void mean_sd(const double *x, int n, double *mean, double *sd)
{
    double s = 0, q = 0;
    for (int k = 0; k < n; k++)
        s += x[k];
    *mean = s / n;
    for (int k = 0; k < n; k++)
        q += (x[k] - *mean) * (x[k] - *mean);
    *sd = n > 1 ? sqrt(q / (n - 1)) : 0.0;
}

static void ranking_protocol(const rs_dataset *all, const rs_dataset *feats, int only_side,
                             uint64_t first_seed, int n_seeds)
{
    static const char *side_name[] = {"users", "items"};
    for (int32_t side = RS_SIDE_ITEM; side >= RS_SIDE_USER; side--) {
        if (only_side >= 0 && side != only_side)
            continue;
        double auc[N_RANKERS][64], p10[N_RANKERS][64], rmse[N_RANKERS][64];
        int ns = n_seeds < 64 ? n_seeds : 64;
        for (int s_i = 0; s_i < ns; s_i++) {
            uint64_t seed = first_seed + (uint64_t)s_i;
            rank_result r;
            ranking_split(all, feats, side, seed, &r);
            printf("ranking seed %llu cold %s: %d new %s, %.0f test ratings, %.0f users ranked;",
                   (unsigned long long)seed, side_name[side], N_COLD, side_name[side],
                   r.test_ratings, r.users);
            for (int k = 0; k < N_RANKERS; k++) {
                printf(" %s auc=%.4f p@10=%.4f rmse=%.4f%s", RANKER[k], r.auc[k], r.p10[k],
                       r.rmse[k], k + 1 < N_RANKERS ? ";" : "\n");
                auc[k][s_i] = r.auc[k], p10[k][s_i] = r.p10[k], rmse[k][s_i] = r.rmse[k];
            }
            fflush(stdout);
        }
        for (int k = 0; k < N_RANKERS; k++) {
            double am, as, pm, ps, rm, rsd;
            mean_sd(auc[k], ns, &am, &as);
            mean_sd(p10[k], ns, &pm, &ps);
            mean_sd(rmse[k], ns, &rm, &rsd);
            printf("coldstart ranking: new %s seeds %llu..%llu %s: %s_auc=%.4f (sd %.4f) "
                   "p@10=%.4f (sd %.4f) rmse=%.4f (sd %.4f)\n",
                   side_name[side], (unsigned long long)first_seed,
                   (unsigned long long)(first_seed + (uint64_t)ns - 1), RANKER[k],
                   side == RS_SIDE_ITEM ? "within_cold" : "all_items", am, as, pm, ps, rm, rsd);
        }
        fflush(stdout);
    }
}

int main(int argc, char **argv)
{
    int only_side = -1, protocols = 3; /* 1: RMSE splits, 2: ranking, 3: both */
    int64_t title_words = 0, with_year = 1, no_user_features = 0;
    uint64_t first_seed = 1;
    int n_seeds = 5;
    for (int k = 1; k < argc; k++) {
        if (strcmp(argv[k], "--param") == 0 && k + 1 < argc && n_overrides < 32)
            overrides[n_overrides++] = argv[++k];
        else if (strcmp(argv[k], "--seed") == 0 && k + 1 < argc)
            first_seed = strtoull(argv[++k], NULL, 10);
        else if (strcmp(argv[k], "--seeds") == 0 && k + 1 < argc && atoi(argv[k + 1]) > 0)
            n_seeds = atoi(argv[++k]);
        else if (strcmp(argv[k], "--title-words") == 0 && k + 1 < argc)
            title_words = atoll(argv[++k]);
        else if (strcmp(argv[k], "--no-year") == 0)
            with_year = 0;
        else if (strcmp(argv[k], "--no-user-features") == 0)
            no_user_features = 1;
        else if (strcmp(argv[k], "--log") == 0)
            g_log = 1;
        else if (strcmp(argv[k], "--only") == 0 && k + 1 < argc)
            g_only = argv[++k];
        else if (strcmp(argv[k], "--protocol") == 0 && k + 1 < argc) {
            k++;
            protocols = strcmp(argv[k], "rmse") == 0 ? 1 : strcmp(argv[k], "ranking") == 0 ? 2 : 3;
        } else if (strcmp(argv[k], "--side") == 0 && k + 1 < argc) {
            k++;
            only_side = strcmp(argv[k], "users") == 0 ? RS_SIDE_USER : RS_SIDE_ITEM;
        } else {
            fprintf(stderr, "usage: coldstart [--protocol rmse|ranking|both] [--side users|items] "
                            "[--seed S] [--seeds N]\n                 [--title-words MIN_DF] [--no-year] [--no-user-features]\n"
                            "                 [--only NAME] [--log]\n"
                            "                 [--param name=value ...]\n");
            return 2;
        }
    }
    const char *env = getenv("RS_DATA_DIR");
    const char *dir = env && *env ? env : "../shared/data";
    char path[4096];
    snprintf(path, sizeof path, "%s/ml-100k/u.data", dir);
    FILE *probe = fopen(path, "r");
    if (!probe) {
        printf("coldstart: SKIP: %s not found (set RS_DATA_DIR)\n", path);
        return 77;
    }
    fclose(probe);
    rs_dataset *all, *feats;
    if (rs_dataset_new(&all, NULL, NULL) != RS_OK || rs_dataset_new(&feats, NULL, NULL) != RS_OK)
        return 1;
    if (rs_dataset_set_int(feats, RS_PARAM_MOVIELENS_TITLE_WORDS, title_words) != RS_OK ||
        rs_dataset_set_int(feats, RS_PARAM_MOVIELENS_YEAR, with_year) != RS_OK)
        die("features", rs_dataset_last_error(feats));
    if (rs_dataset_load_file(all, path, RS_FORMAT_MOVIELENS) != RS_OK)
        die(path, rs_dataset_last_error(all));
    snprintf(path, sizeof path, "%s/ml-100k/u.item", dir);
    if (rs_dataset_load_features_file(feats, RS_SIDE_ITEM, path, RS_FEATURES_MOVIELENS_ITEM) != RS_OK)
        die(path, rs_dataset_last_error(feats));
    snprintf(path, sizeof path, "%s/ml-100k/u.user", dir);
    if (!no_user_features &&
        rs_dataset_load_features_file(feats, RS_SIDE_USER, path, RS_FEATURES_MOVIELENS_USER) != RS_OK)
        die(path, rs_dataset_last_error(feats));

    if (protocols & 2)
        ranking_protocol(all, feats, only_side, first_seed, n_seeds);
    double sum[2][2] = {{0, 0}, {0, 0}};
    for (int s_i = 0; s_i < n_seeds && (protocols & 1); s_i++) {
        uint64_t seed = first_seed + (uint64_t)s_i;
        double gain[2][2] = {{0, 0}, {0, 0}};
        for (int32_t side = RS_SIDE_USER; side <= RS_SIDE_ITEM; side++) {
            if (only_side >= 0 && side != only_side)
                continue;
            run_split(all, feats, side, seed, gain[side]);
            for (int k = 0; k < 2; k++)
                sum[side][k] += gain[side][k];
        }
        printf("coldstart: seed=%llu items_content_gain_pct=%.1f items_hybrid_gain_pct=%.1f "
               "users_content_gain_pct=%.1f users_hybrid_gain_pct=%.1f\n",
               (unsigned long long)seed, gain[RS_SIDE_ITEM][0], gain[RS_SIDE_ITEM][1],
               gain[RS_SIDE_USER][0], gain[RS_SIDE_USER][1]);
    }
    if (n_seeds > 1 && (protocols & 1))
        printf("coldstart: mean over seeds %llu..%llu: items_content_gain_pct=%.2f items_hybrid_gain_pct=%.2f "
               "users_content_gain_pct=%.2f users_hybrid_gain_pct=%.2f\n",
               (unsigned long long)first_seed, (unsigned long long)(first_seed + (uint64_t)n_seeds - 1),
               sum[RS_SIDE_ITEM][0] / n_seeds, sum[RS_SIDE_ITEM][1] / n_seeds,
               sum[RS_SIDE_USER][0] / n_seeds, sum[RS_SIDE_USER][1] / n_seeds);
    rs_dataset_free(all);
    rs_dataset_free(feats);
    return 0;
}

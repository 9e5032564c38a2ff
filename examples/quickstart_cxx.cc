// librecsgd. SPDX-License-Identifier: BSD-2-Clause
// quickstart_cxx.cc: using the C API from C++11 with RAII handles. Builds a
// small rating matrix with two taste groups in memory, fits a collaborative
// model, and checks that each group's unseen favourite is recommended.
//
// Build: c++ -std=c++11 $(pkg-config --cflags librecsgd) quickstart_cxx.cc
//            $(pkg-config --libs librecsgd)   (one command line)
#include <librecsgd/recsgd.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

struct model_free { void operator()(rs_model *m) const { rs_model_free(m); } };
struct dataset_free { void operator()(rs_dataset *d) const { rs_dataset_free(d); } };
using model_ptr = std::unique_ptr<rs_model, model_free>;
using dataset_ptr = std::unique_ptr<rs_dataset, dataset_free>;

// The library never throws; C++ callers may turn statuses into exceptions.
void check(rs_status st, const std::string &what, const char *detail = "")
{
    if (st != RS_OK && st != RS_FALLBACK)
        throw std::runtime_error(what + ": " + rs_status_string(st) +
                                 (detail && *detail ? std::string(" (") + detail + ")" : ""));
}

} // namespace

int main()
{
    try {
        rs_dataset *raw_ds = nullptr;
        check(rs_dataset_new(&raw_ds, nullptr, nullptr), "rs_dataset_new");
        dataset_ptr ds(raw_ds);

        // Users 1-20 love items 1-10 and dislike 11-20; users 21-40 the opposite.
        // Each user has not rated one item of each group: the model must rank
        // the unrated item of the loved group first.
        std::vector<int64_t> users, items;
        std::vector<float> ratings;
        for (int64_t u = 1; u <= 40; u++) {
            bool first = u <= 20;
            for (int64_t i = 1; i <= 20; i++) {
                bool liked = (i <= 10) == first;
                if (i == 1 + u % 10 || i == 11 + u % 10)
                    continue;
                users.push_back(u);
                items.push_back(i);
                ratings.push_back(liked ? 5.0f - 0.1f * static_cast<float>(u % 3) : 1.0f);
            }
        }
        check(rs_dataset_add_ratings(ds.get(), users.data(), items.data(), ratings.data(), nullptr,
                                     ratings.size()),
              "rs_dataset_add_ratings", rs_dataset_last_error(ds.get()));

        rs_model *raw_model = nullptr;
        check(rs_model_new(&raw_model, RS_SCORER_COLLABORATIVE, nullptr, nullptr), "rs_model_new");
        model_ptr model(raw_model);
        check(rs_model_set_int(model.get(), RS_PARAM_FACTORS, 4), "set factors",
              rs_model_last_error(model.get()));
        check(rs_model_set_int(model.get(), RS_PARAM_EPOCHS, 200), "set epochs",
              rs_model_last_error(model.get()));
        check(rs_model_set_double(model.get(), RS_PARAM_LEARNING_RATE, 0.05), "set learning rate",
              rs_model_last_error(model.get()));
        check(rs_fit(model.get(), ds.get(), nullptr), "rs_fit", rs_model_last_error(model.get()));

        int failures = 0;
        for (int64_t user : {int64_t(1), int64_t(21)}) {
            int64_t top[3];
            float score[3];
            size_t n = 0;
            check(rs_topk(model.get(), user, 3, 0, nullptr, 0, nullptr, 0, top, score, &n), "rs_topk");
            int64_t want = user == 1 ? 1 + user % 10 : 11 + user % 10;
            std::printf("user %lld: top item %lld (score %.2f), expected %lld\n",
                        static_cast<long long>(user), n ? static_cast<long long>(top[0]) : -1LL,
                        n ? static_cast<double>(score[0]) : 0.0, static_cast<long long>(want));
            if (n == 0 || top[0] != want)
                failures++;
        }
        std::printf("librecsgd %s from C++: %s\n", rs_version_string(), failures ? "FAIL" : "ok");
        return failures ? EXIT_FAILURE : EXIT_SUCCESS;
    } catch (const std::exception &e) {
        std::fprintf(stderr, "quickstart_cxx: %s\n", e.what());
        return EXIT_FAILURE;
    }
}

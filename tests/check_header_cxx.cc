// librecsgd. SPDX-License-Identifier: BSD-2-Clause
// check_header_cxx.cc: the public headers compile as C++11 (-pedantic -Werror,
// set per target in Makefile.am), declare C linkage, and the linked library
// matches the header it was compiled against.
#include <librecsgd/recsgd.h>

#include <cstdio>
#include <cstring>
#include <memory>

namespace {

int failures = 0;

void expect(bool ok, const char *what)
{
    if (!ok) {
        std::fprintf(stderr, "FAIL: %s\n", what);
        ++failures;
    }
}

struct model_deleter {
    void operator()(rs_model *m) const { rs_model_free(m); }
};

} // namespace

int main()
{
    expect(rs_version_number() == RS_VERSION_NUMBER, "rs_version_number() == RS_VERSION_NUMBER");
    expect(std::strcmp(rs_version_string(), RS_VERSION_STRING) == 0,
           "rs_version_string() == RS_VERSION_STRING");
    expect(std::strcmp(rs_status_string(12345), "unknown status") == 0,
           "rs_status_string of an unknown code");
    expect(rs_param_from_name("learning_rate") == RS_PARAM_LEARNING_RATE,
           "rs_param_from_name(\"learning_rate\")");

    rs_model *raw = nullptr;
    expect(rs_model_new(&raw, RS_SCORER_COLLABORATIVE, nullptr, nullptr) == RS_OK, "rs_model_new");
    std::unique_ptr<rs_model, model_deleter> model(raw);
    double lr = 0.0;
    expect(rs_model_get_double(model.get(), RS_PARAM_LEARNING_RATE, &lr) == RS_OK && lr > 0.0,
           "default learning rate readable");
    expect(rs_model_set_double(model.get(), RS_PARAM_LEARNING_RATE, 0.02) == RS_OK,
           "set learning rate");
    expect(rs_model_get_double(model.get(), RS_PARAM_LEARNING_RATE, &lr) == RS_OK && lr == 0.02,
           "learning rate round trip");
    expect(rs_model_num_users(model.get()) == 0, "an untrained model knows no users");

    if (failures == 0)
        std::printf("PASS: librecsgd %s headers compile as C++11\n", rs_version_string());
    return failures == 0 ? 0 : 1;
}

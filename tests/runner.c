/*
 * The one test runner: `libnn-tests AREA` runs the suite of one area
 * (meson registers one test per area), no argument runs them all.
 */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "testutil.h"

static const struct {
    const char *name;
    Suite *(*make)(void);
} suites[] = {
#define LNN_SUITE(area) {#area, area##_suite},
#include "suites.h"
#undef LNN_SUITE
};

int main(int argc, char **argv)
{
    SRunner *sr = NULL;
    size_t n = sizeof suites / sizeof suites[0];
    for (size_t i = 0; i < n; i++) {
        if (argc > 1 && strcmp(argv[1], suites[i].name) != 0)
            continue;
        if (!sr)
            sr = srunner_create(suites[i].make());
        else
            srunner_add_suite(sr, suites[i].make());
    }
    if (!sr) {
        fprintf(stderr, "no test suite named '%s'\n", argc > 1 ? argv[1] : "");
        return 2;
    }
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}

/*
 * Process-wide settings: allocator hook, log handler, threads, BLAS info.
 */
#include <stdlib.h>
#include <string.h>

#include "core/log_internal.h"
#include "testutil.h"

static void *my_malloc(size_t n, void *u) { (void)n; (void)u; return NULL; }
static void *my_realloc(void *p, size_t n, void *u) { (void)p; (void)n; (void)u; return NULL; }

START_TEST(allocator_all_or_nothing)
{
    ck_assert_int_eq(libnn_set_allocator(my_malloc, NULL, NULL, NULL), LIBNN_E_INVALID);
    tu_assert_error_has("give malloc, realloc and free together");
    ck_assert_int_eq(libnn_set_allocator(my_malloc, my_realloc, NULL, NULL), LIBNN_E_INVALID);
    /* The counting allocator of the fixture is still in place. */
    libnn_tensor *t;
    long before = tu_alloc_calls();
    ck_assert_int_eq(libnn_tensor_new(1, (const int64_t[]){4}, &t), LIBNN_OK);
    ck_assert_int_eq(tu_alloc_calls() - before, 2);
    ck_assert_int_eq(tu_alloc_live(), 2);
    libnn_tensor_free(t);
    ck_assert_int_eq(tu_alloc_live(), 0);
}
END_TEST

struct user_alloc {
    int mallocs, frees;
};

static void *u_malloc(size_t n, void *u)
{
    ((struct user_alloc *)u)->mallocs++;
    return malloc(n);
}

static void *u_realloc(void *p, size_t n, void *u)
{
    (void)u;
    return realloc(p, n);
}

static void u_free(void *p, void *u)
{
    ((struct user_alloc *)u)->frees++;
    free(p);
}

START_TEST(allocator_user_pointer_and_reset)
{
    struct user_alloc ua = {0, 0};
    libnn_tensor *t;
    ck_assert_int_eq(libnn_set_allocator(u_malloc, u_realloc, u_free, &ua), LIBNN_OK);
    ck_assert_int_eq(libnn_tensor_new(2, (const int64_t[]){2, 2}, &t), LIBNN_OK);
    libnn_tensor_free(t);
    ck_assert_int_eq(ua.mallocs, 2);
    ck_assert_int_eq(ua.frees, 2);
    /* Back to the C library's allocator: ours sees nothing more. */
    ck_assert_int_eq(libnn_set_allocator(NULL, NULL, NULL, NULL), LIBNN_OK);
    ck_assert_int_eq(libnn_tensor_new(1, (const int64_t[]){2}, &t), LIBNN_OK);
    libnn_tensor_free(t);
    ck_assert_int_eq(ua.mallocs, 2);
    tu_alloc_install(); /* the fixture's teardown expects its allocator */
}
END_TEST

START_TEST(threads)
{
    int before = libnn_get_num_threads();
    ck_assert_int_ge(before, 1);
    ck_assert_int_eq(libnn_set_num_threads(0), LIBNN_E_RANGE);
    tu_assert_error_has("0 threads requested");
    ck_assert_int_eq(libnn_set_num_threads(-4), LIBNN_E_RANGE);
    ck_assert_int_eq(libnn_set_num_threads(1), LIBNN_OK);
    ck_assert_int_eq(libnn_get_num_threads(), 1);
    ck_assert_ptr_nonnull(strstr(libnn_blas_info(), "; 1 threads"));
    ck_assert_int_eq(libnn_set_num_threads(2), LIBNN_OK);
    ck_assert_int_eq(libnn_get_num_threads(), 2);
    ck_assert_int_eq(libnn_set_num_threads(before), LIBNN_OK);
}
END_TEST

START_TEST(blas_info)
{
    const char *info = libnn_blas_info();
    ck_assert_ptr_nonnull(strstr(info, "OpenBLAS"));
    ck_assert_ptr_nonnull(strstr(info, "; core "));
}
END_TEST

struct log_capture {
    int count;
    char last[1024];
};

static void capture(libnn_log_level level, const char *msg, void *user)
{
    struct log_capture *c = user;
    (void)level;
    c->count++;
    strncpy(c->last, msg, sizeof c->last - 1);
}

START_TEST(log_handler_is_the_only_channel)
{
    /* The only message libnn logs by itself is the BLAS warning; whether it
     * fires depends on the CPU, so check what can be checked: the handler
     * is called with our user pointer, at most once for the warning, and
     * only mentions OPENBLAS_CORETYPE. */
    struct log_capture c = {0, ""};
    libnn_set_log_handler(capture, &c);
    libnn_blas_info();
    libnn_set_log_handler(capture, &c);
    ck_assert_int_le(c.count, 1);
    if (c.count == 1)
        ck_assert_ptr_nonnull(strstr(c.last, "OPENBLAS_CORETYPE="));
    libnn_set_log_handler(NULL, NULL);
}
END_TEST

/* jansson 2.14 corrupts or overflows its token buffer when an allocation
 * fails inside its lexer (upstream #362); with a 14-byte key the 7th
 * allocation failing used to crash. libnn never lets jansson see a failure
 * (lnn_json_begin): every load is now correct or LIBNN_E_NOMEM. */
START_TEST(json_never_sees_a_failed_allocation)
{
    libnn_tensor_file *f;
    unsigned char buf[256];
    size_t need;
    ck_assert_int_eq(libnn_tensor_file_new(&f), LIBNN_OK);
    ck_assert_int_eq(libnn_tensor_file_set_metadata(f, "format_version", "12345"), LIBNN_OK);
    ck_assert_int_eq(libnn_tensor_file_save_buffer(f, buf, sizeof buf, &need), LIBNN_OK);
    libnn_tensor_file_free(f);
    for (int persistent = 0; persistent <= 1; persistent++)
        for (long n = 1; n <= 40; n++) {
            tu_alloc_fail_at(n, persistent);
            libnn_status st = libnn_tensor_file_load_buffer(buf, need, &f);
            tu_alloc_fail_at(0, 0);
            ck_assert_msg(st == LIBNN_OK || st == LIBNN_E_NOMEM, "failing %ld: %s", n,
                          libnn_last_error());
            if (st == LIBNN_OK) {
                ck_assert_uint_eq(libnn_tensor_file_metadata_count(f), 1);
                ck_assert_str_eq(libnn_tensor_file_metadata_key(f, 0), "format_version");
                ck_assert_str_eq(libnn_tensor_file_metadata_get(f, "format_version"), "12345");
            }
            libnn_tensor_file_free(f);
            ck_assert_int_eq(tu_alloc_live(), 0);
        }
}
END_TEST

START_TEST(coretype_suggestion)
{
    ck_assert_str_eq(lnn_blas_suggest_coretype("Prescott", true, true), "SkylakeX");
    ck_assert_str_eq(lnn_blas_suggest_coretype("CORE2", true, false), "Haswell");
    ck_assert_ptr_null(lnn_blas_suggest_coretype("Prescott", false, false));
    ck_assert_ptr_null(lnn_blas_suggest_coretype("Haswell", true, true));
    ck_assert_ptr_null(lnn_blas_suggest_coretype("SkylakeX", true, true));
    ck_assert_ptr_null(lnn_blas_suggest_coretype(NULL, true, true));
}
END_TEST

/* Run by meson as the test `blas-warning` with OPENBLAS_CORETYPE=Prescott,
 * which makes OpenBLAS pick its generic kernels as it does on CPUs it does
 * not know. */
START_TEST(generic_core_is_reported_once)
{
    struct log_capture c = {0, ""};
    __builtin_cpu_init();
    int expect = __builtin_cpu_supports("avx2") ? 1 : 0;
    ck_assert_ptr_nonnull(strstr(libnn_blas_info(), "core Prescott"));
    libnn_set_log_handler(capture, &c);
    ck_assert_int_eq(c.count, expect);
    libnn_blas_info();
    libnn_set_log_handler(capture, &c);
    ck_assert_int_eq(c.count, expect);
    if (expect)
        ck_assert_ptr_nonnull(strstr(c.last, "runs its generic 'Prescott' kernels"));
    libnn_set_log_handler(NULL, NULL);
}
END_TEST

Suite *blaswarn_suite(void)
{
    Suite *s = suite_create("blaswarn");
    TCase *tc = tu_tcase("blaswarn");
    tcase_add_test(tc, generic_core_is_reported_once);
    suite_add_tcase(s, tc);
    return s;
}

Suite *runtime_suite(void)
{
    Suite *s = suite_create("runtime");
    TCase *tc = tu_tcase("runtime");
    tcase_add_test(tc, allocator_all_or_nothing);
    tcase_add_test(tc, allocator_user_pointer_and_reset);
    tcase_add_test(tc, threads);
    tcase_add_test(tc, blas_info);
    tcase_add_test(tc, log_handler_is_the_only_channel);
    tcase_add_test(tc, coretype_suggestion);
    tcase_add_test(tc, json_never_sees_a_failed_allocation);
    suite_add_tcase(s, tc);
    return s;
}

/*
 * Status codes, the thread-local error message and the version.
 */
#include <pthread.h>
#include <string.h>

#include "core/error_internal.h"
#include "testutil.h"

START_TEST(status_codes_are_pinned)
{
    /* Bindings hard-code these: they never change. */
    ck_assert_int_eq(LIBNN_OK, 0);
    ck_assert_int_eq(LIBNN_E_INVALID, 1);
    ck_assert_int_eq(LIBNN_E_SHAPE, 2);
    ck_assert_int_eq(LIBNN_E_NOMEM, 3);
    ck_assert_int_eq(LIBNN_E_IO, 4);
    ck_assert_int_eq(LIBNN_E_FORMAT, 5);
    ck_assert_int_eq(LIBNN_E_STATE, 6);
    ck_assert_int_eq(LIBNN_E_UNSUPPORTED, 7);
    ck_assert_int_eq(LIBNN_E_NONFINITE, 8);
    ck_assert_int_eq(LIBNN_E_RANGE, 9);
    ck_assert_int_eq(LIBNN_E_NOTFOUND, 10);
}
END_TEST

START_TEST(status_strings)
{
    ck_assert_str_eq(libnn_status_str(LIBNN_OK), "ok");
    ck_assert_str_eq(libnn_status_str(LIBNN_E_NOMEM), "out of memory");
    ck_assert_str_eq(libnn_status_str(LIBNN_E_SHAPE), "shape mismatch");
    ck_assert_str_eq(libnn_status_str(LIBNN_E_NOTFOUND), "not found");
    ck_assert_str_eq(libnn_status_str((libnn_status)11), "unknown status");
    ck_assert_str_eq(libnn_status_str((libnn_status)-1), "unknown status");
    /* Every known code has its own text. */
    for (int a = 0; a <= LIBNN_E_NOTFOUND; a++)
        for (int b = a + 1; b <= LIBNN_E_NOTFOUND; b++)
            ck_assert_str_ne(libnn_status_str((libnn_status)a), libnn_status_str((libnn_status)b));
}
END_TEST

START_TEST(last_error_set_and_cleared)
{
    libnn_tensor *t = (libnn_tensor *)&t;
    ck_assert_str_eq(libnn_last_error(), "");
    ck_assert_int_eq(libnn_tensor_new(0, (const int64_t[]){1}, &t), LIBNN_E_INVALID);
    ck_assert_ptr_null(t);
    tu_assert_error_has("tensor_new: rank 0 is outside 1..8");
    libnn_clear_error();
    ck_assert_str_eq(libnn_last_error(), "");
}
END_TEST

START_TEST(long_messages_are_truncated)
{
    char big[4000];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    ck_assert_int_eq(lnn_error(LIBNN_E_FORMAT, "%s", big), LIBNN_E_FORMAT);
    ck_assert_uint_eq(strlen(libnn_last_error()), 1023);
    ck_assert_int_eq(lnn_error(LIBNN_E_IO, "inner"), LIBNN_E_IO);
    ck_assert_int_eq(lnn_error_prefix(LIBNN_E_IO, "outer %d", 7), LIBNN_E_IO);
    ck_assert_str_eq(libnn_last_error(), "outer 7: inner");
}
END_TEST

START_TEST(format_shape)
{
    char buf[64];
    ck_assert_str_eq(lnn_format_shape(buf, sizeof buf, 3, (const int64_t[]){64, 5, 5}), "[64, 5, 5]");
    ck_assert_str_eq(lnn_format_shape(buf, sizeof buf, 0, NULL), "[]");
    ck_assert_str_eq(lnn_format_shape(buf, 6, 2, (const int64_t[]){1234, 5}), "[1234");
}
END_TEST

static void *fail_in_thread(void *arg)
{
    libnn_tensor *t;
    (void)arg;
    libnn_tensor_new(1, (const int64_t[]){-3}, &t);
    return strstr(libnn_last_error(), "negative") ? (void *)1 : NULL;
}

START_TEST(last_error_is_thread_local)
{
    pthread_t th;
    void *seen = NULL;
    ck_assert_int_eq(libnn_tensor_reshape(NULL, 1, (const int64_t[]){1}), LIBNN_E_INVALID);
    ck_assert_int_eq(pthread_create(&th, NULL, fail_in_thread, NULL), 0);
    ck_assert_int_eq(pthread_join(th, &seen), 0);
    ck_assert_ptr_nonnull(seen);
    /* The other thread's failure did not overwrite ours. */
    ck_assert_str_eq(libnn_last_error(), "tensor_reshape: tensor is NULL");
}
END_TEST

START_TEST(version_agrees)
{
    ck_assert_int_eq(libnn_version_number(), LIBNN_VERSION_NUMBER);
    ck_assert_int_eq(LIBNN_VERSION_NUMBER, 200);
    ck_assert_str_eq(libnn_version_string(), "0.2.0");
    ck_assert_str_eq(LIBNN_VERSION_STRING, "0.2.0");
}
END_TEST

Suite *status_suite(void)
{
    Suite *s = suite_create("status");
    TCase *tc = tu_tcase("status");
    tcase_add_test(tc, status_codes_are_pinned);
    tcase_add_test(tc, status_strings);
    tcase_add_test(tc, last_error_set_and_cleared);
    tcase_add_test(tc, long_messages_are_truncated);
    tcase_add_test(tc, format_shape);
    tcase_add_test(tc, last_error_is_thread_local);
    tcase_add_test(tc, version_agrees);
    suite_add_tcase(s, tc);
    return s;
}

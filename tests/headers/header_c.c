/* Compiled as C99 and C11 with -pedantic-errors -Werror: the public headers
 * must stay strict ISO C. */
#include <libnn.h>
#include <stdio.h>

int main(void)
{
    libnn_tensor *t = NULL;
    if (libnn_version_number() != LIBNN_VERSION_NUMBER) {
        fprintf(stderr, "header version %d, library %d\n", LIBNN_VERSION_NUMBER,
                libnn_version_number());
        return 1;
    }
    if (libnn_tensor_new(1, (const int64_t[]){3}, &t) != LIBNN_OK)
        return 1;
    libnn_tensor_free(t);
    return 0;
}

/* A program outside the tree, built with pkg-config flags only. */
#include <libnn.h>
#include <stdio.h>

int main(void)
{
    libnn_tensor *t = NULL;
    float out[6];
    if (libnn_tensor_new(2, (const int64_t[]){2, 3}, &t) != LIBNN_OK ||
        libnn_tensor_fill(t, 1.5f) != LIBNN_OK || libnn_tensor_copy_to(t, out, 6) != LIBNN_OK) {
        fprintf(stderr, "consumer: %s\n", libnn_last_error());
        return 1;
    }
    libnn_tensor_free(t);
    printf("consumer (C): libnn %s, out[5] = %g\n", libnn_version_string(), (double)out[5]);
    return out[5] == 1.5f ? 0 : 1;
}

/*
 * tensor_demo: the smallest libnn program. Creates tensors, fills them from a
 * seed, reshapes one and prints them; shows the error message of a misuse.
 * With --save PATH it writes both tensors to a safetensors file (there is
 * no model to save here), which numpy, PyTorch or libnn read back.
 */
#include <libnn.h>
#include <stdio.h>
#include <string.h>

static void print_tensor(const char *name, libnn_tensor *t)
{
    int64_t shape[LIBNN_MAX_RANK];
    size_t ndim = libnn_tensor_ndim(t);
    libnn_tensor_shape(t, LIBNN_MAX_RANK, shape);
    printf("%s: shape [", name);
    for (size_t i = 0; i < ndim; i++)
        printf("%s%lld", i ? ", " : "", (long long)shape[i]);
    printf("]\n");
    const float *d = libnn_tensor_data(t);
    size_t cols = (size_t)shape[ndim - 1];
    for (size_t i = 0; i < libnn_tensor_size(t); i++)
        printf("%8.4f%s", (double)d[i], (i + 1) % cols ? " " : "\n");
}

int main(int argc, char **argv)
{
    const char *save = argc == 3 && !strcmp(argv[1], "--save") ? argv[2] : NULL;
    if (argc != 1 && !save) {
        fprintf(stderr, "usage: %s [--save PATH]\n", argv[0]);
        return 2;
    }
    libnn_tensor *w = NULL, *x = NULL;
    libnn_tensor_file *file = NULL;
    printf("libnn %s; %s\n", libnn_version_string(), libnn_blas_info());

    if (libnn_tensor_new(2, (const int64_t[]){3, 4}, &w) != LIBNN_OK ||
        libnn_tensor_fill_uniform(w, -1.0f, 1.0f, 42) != LIBNN_OK)
        goto fail;
    print_tensor("uniform(-1, 1), seed 42", w);

    const float values[6] = {1, 2, 3, 4, 5, 6};
    if (libnn_tensor_new_from_data(1, (const int64_t[]){6}, values, 6, &x) != LIBNN_OK ||
        libnn_tensor_reshape(x, 2, (const int64_t[]){2, -1}) != LIBNN_OK)
        goto fail;
    print_tensor("1..6 reshaped to [2, -1]", x);

    /* A mistake is a status and a message, never a crash. */
    libnn_status st = libnn_tensor_reshape(x, 2, (const int64_t[]){4, 4});
    printf("reshape [2, 3] to [4, 4]: %s (%s)\n", libnn_status_str(st), libnn_last_error());

    if (save && (libnn_tensor_file_new(&file) != LIBNN_OK ||
                 libnn_tensor_file_add(file, "uniform", w) != LIBNN_OK ||
                 libnn_tensor_file_add(file, "reshaped", x) != LIBNN_OK ||
                 libnn_tensor_file_save(file, save) != LIBNN_OK))
        goto fail;
    libnn_tensor_file_free(file);
    libnn_tensor_free(w);
    libnn_tensor_free(x);
    return 0;
fail:
    fprintf(stderr, "tensor_demo: %s\n", libnn_last_error());
    libnn_tensor_file_free(file);
    libnn_tensor_free(w);
    libnn_tensor_free(x);
    return 1;
}

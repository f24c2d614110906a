// Compiled as C++11 with -pedantic-errors -Werror: the headers need their
// extern "C" guards and nothing C-only.
#include <libnn.h>

#include <cstdio>
#include <cstring>

int main()
{
    libnn_tensor *t = nullptr;
    const int64_t shape[2] = {2, 2};
    if (std::strcmp(libnn_version_string(), LIBNN_VERSION_STRING) != 0)
        return 1;
    if (libnn_tensor_new(2, shape, &t) != LIBNN_OK)
        return 1;
    std::size_t n = libnn_tensor_size(t);
    libnn_tensor_free(t);
    return n == 4 ? 0 : 1;
}

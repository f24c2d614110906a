// A C++ program outside the tree, built with pkg-config flags only.
#include <libnn.h>

#include <iostream>
#include <vector>

int main()
{
    const int64_t shape[1] = {4};
    std::vector<float> v{1, 2, 3, 4};
    libnn_tensor *t = nullptr;
    if (libnn_tensor_new_from_data(1, shape, v.data(), v.size(), &t) != LIBNN_OK) {
        std::cerr << "consumer: " << libnn_last_error() << "\n";
        return 1;
    }
    float sum = 0;
    for (std::size_t i = 0; i < libnn_tensor_size(t); i++)
        sum += libnn_tensor_data(t)[i];
    libnn_tensor_free(t);
    std::cout << "consumer (C++): libnn " << libnn_version_string() << ", sum = " << sum << "\n";
    return sum == 10 ? 0 : 1;
}

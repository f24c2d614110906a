/*
 * libFuzzer target for the IDX reader (plain and gzip). Whatever the input,
 * a failure leaves no tensor and says why; a success has the shape the
 * header states, and the scaled load is exactly the raw one divided by 255.
 * A plain input is also gzipped here and must load to the same status and
 * bits, which drives the gzip path with every header the fuzzer invents.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "libnn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_scaled(const uint8_t *data, size_t size, libnn_tensor *raw)
{
    libnn_tensor *t = NULL;
    libnn_status st = libnn_idx_load_buffer(data, size, LIBNN_IDX_SCALE, &t);
    if (st == LIBNN_E_INVALID && t == NULL)
        return; /* not unsigned bytes */
    if (st == LIBNN_E_NOMEM)
        return;
    if (st != LIBNN_OK || libnn_tensor_size(t) != libnn_tensor_size(raw))
        abort();
    const float *a = libnn_tensor_data(raw), *b = libnn_tensor_data(t);
    for (size_t i = 0; i < libnn_tensor_size(t); i++) {
        float want = a[i] / 255.0f;
        if (a[i] < 0 || a[i] > 255 || memcmp(&want, &b[i], sizeof want) != 0)
            abort();
    }
    libnn_tensor_free(t);
}

static void check_gzipped(const uint8_t *data, size_t size, libnn_status want,
                          libnn_tensor *raw)
{
    uLongf n = compressBound((uLong)size) + 32;
    unsigned char *gz = malloc(n);
    z_stream zs = {0};
    if (!gz || deflateInit2(&zs, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
        free(gz);
        return;
    }
    zs.next_in = (Bytef *)(uintptr_t)data;
    zs.avail_in = (uInt)size;
    zs.next_out = gz;
    zs.avail_out = (uInt)n;
    if (deflate(&zs, Z_FINISH) != Z_STREAM_END)
        abort();
    libnn_tensor *t = NULL;
    libnn_status st = libnn_idx_load_buffer(gz, zs.total_out, LIBNN_IDX_RAW, &t);
    deflateEnd(&zs);
    free(gz);
    if (st == LIBNN_E_NOMEM || want == LIBNN_E_NOMEM)
        return;
    if (st != want || (raw && (libnn_tensor_size(t) != libnn_tensor_size(raw) ||
                               libnn_tensor_ndim(t) != libnn_tensor_ndim(raw))))
        abort();
    if (raw && libnn_tensor_size(t) > 0 &&
        memcmp(libnn_tensor_data(t), libnn_tensor_data(raw),
               libnn_tensor_size(t) * sizeof(float)) != 0)
        abort();
    libnn_tensor_free(t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    libnn_tensor *t = NULL;
    libnn_clear_error();
    libnn_status st = libnn_idx_load_buffer(data, size, LIBNN_IDX_RAW, &t);
    int plain = size < 2 || data[0] != 0x1f || data[1] != 0x8b;
    if (plain)
        check_gzipped(data, size, st, t);
    if (st != LIBNN_OK) {
        if (t != NULL)
            abort(); /* a failure must leave *out NULL */
        libnn_clear_error();
        if (libnn_idx_load_buffer(data, size, LIBNN_IDX_RAW, &t) != st ||
            libnn_last_error()[0] == '\0')
            abort(); /* and say why */
        return 0;
    }
    size_t ndim = libnn_tensor_ndim(t), count = 1;
    if (ndim < 1 || ndim > LIBNN_MAX_RANK)
        abort();
    for (size_t i = 0; i < ndim; i++)
        count *= (size_t)libnn_tensor_dim(t, i);
    if (count != libnn_tensor_size(t))
        abort();
    check_scaled(data, size, t);
    libnn_tensor_free(t);
    return 0;
}

/*
 * IDX files (MNIST's format), plain or gzip, from a path or from memory.
 *
 * The reader sees the file as one byte stream (inflated when it starts with
 * the gzip magic). The header is read and validated first; then the stream's
 * length is checked against what the header implies — from the file size for
 * plain files, by inflating once into a scratch buffer for gzip, since a gzip
 * file does not trustworthily state its inflated size. Only then is the
 * tensor allocated and the stream read again to fill it. Big-endian elements
 * are swapped to little-endian so that safetensors' exact converters
 * (dtype.c) do the rest.
 */
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
/* next_in is then const, as the input it points to. */
#define ZLIB_CONST
#include <zlib.h>

#include "core/alloc_internal.h"
#include "core/error_internal.h"
#include "core/tensor_internal.h"
#include "dtype_internal.h"
#include "libnn/data.h"
#include "sysio_internal.h"

typedef unsigned long long ull;

/* Reads from a file, and conversions, go through buffers of this size (a
 * multiple of every element size). */
#define CHUNK ((size_t)1 << 16)
/* zlib counts in uInt; memory input is handed over in slices of this size. */
#define MEM_SLICE ((size_t)1 << 30)
#define MAGIC_BYTES 4

typedef struct idx_src {
    const char *who;
    const char *path;          /* NULL: read from mem */
    int fd;
    const unsigned char *mem;
    uint64_t size;             /* of the file or buffer as stored */
    bool gzip;
    uint64_t in_pos;           /* stored bytes taken in so far */
    uint64_t out_pos;          /* stream bytes delivered so far */
    z_stream zs;
    bool zs_live;              /* inflateInit2 succeeded */
    bool member_done;          /* the last inflate finished a gzip member */
    size_t z_failed;           /* size of a zlib allocation that failed */
    unsigned char *inbuf;      /* CHUNK bytes: compressed input from a file */
} idx_src;

typedef struct idx_header {
    unsigned char raw[MAGIC_BYTES + 4 * LIBNN_MAX_RANK];
    size_t raw_len;
    lnn_st_dtype dtype;
    size_t esize;
    size_t rank;
    int64_t dims[LIBNN_MAX_RANK];
    size_t count;              /* elements */
    uint64_t data_bytes;
} idx_header;

static const struct {
    unsigned char code;
    lnn_st_dtype dtype;
    const char *name;
} idx_dtypes[] = {
    {0x08, LNN_ST_U8, "ubyte"},  {0x09, LNN_ST_I8, "sbyte"},   {0x0B, LNN_ST_I16, "int16"},
    {0x0C, LNN_ST_I32, "int32"}, {0x0D, LNN_ST_F32, "float32"}, {0x0E, LNN_ST_F64, "float64"},
};

static const char *dtype_name(lnn_st_dtype dtype)
{
    for (size_t i = 0; i < sizeof idx_dtypes / sizeof idx_dtypes[0]; i++)
        if (idx_dtypes[i].dtype == dtype)
            return idx_dtypes[i].name;
    return "?";
}

/* How offsets into the stream are named in messages. */
static const char *where(const idx_src *s)
{
    return s->gzip ? "decompressed byte" : "file byte";
}

/* ---- the byte stream ---- */

static voidpf z_alloc(voidpf opaque, uInt items, uInt size)
{
    void *p = lnn_malloc_array(items, size);
    if (!p)
        ((idx_src *)opaque)->z_failed = (size_t)items * size;
    return p;
}

static void z_free(voidpf opaque, voidpf ptr)
{
    (void)opaque;
    lnn_free(ptr);
}

static uint64_t compressed_pos(const idx_src *s)
{
    return s->in_pos - s->zs.avail_in;
}

static libnn_status z_nomem(idx_src *s)
{
    return lnn_error_nomem(s->who, s->z_failed);
}

/* Back to the first byte of the stream. */
static libnn_status src_rewind(idx_src *s)
{
    s->in_pos = 0;
    s->out_pos = 0;
    if (!s->gzip)
        return LIBNN_OK;
    s->member_done = false;
    if (s->zs_live) {
        inflateReset(&s->zs);
        s->zs.avail_in = 0;
        return LIBNN_OK;
    }
    memset(&s->zs, 0, sizeof s->zs);
    s->zs.zalloc = z_alloc;
    s->zs.zfree = z_free;
    s->zs.opaque = s;
    /* 16 + 15: gzip wrapper only, largest window. */
    int ret = inflateInit2(&s->zs, 16 + MAX_WBITS);
    if (ret == Z_MEM_ERROR)
        return z_nomem(s);
    if (ret != Z_OK)
        return lnn_error(LIBNN_E_UNSUPPORTED, "%s: zlib refused to start (%s)", s->who,
                         zError(ret));
    s->zs_live = true;
    return LIBNN_OK;
}

static void src_close(idx_src *s)
{
    if (s->zs_live)
        inflateEnd(&s->zs);
    s->zs_live = false;
    lnn_free(s->inbuf);
    s->inbuf = NULL;
}

/* Hand zlib the next stretch of compressed input. */
static libnn_status refill(idx_src *s)
{
    uint64_t left = s->size - s->in_pos;
    if (s->mem) {
        size_t n = left < MEM_SLICE ? (size_t)left : MEM_SLICE;
        s->zs.next_in = s->mem + s->in_pos;
        s->zs.avail_in = (uInt)n;
        s->in_pos += n;
        return LIBNN_OK;
    }
    if (!s->inbuf && !(s->inbuf = lnn_malloc(CHUNK)))
        return lnn_error_nomem(s->who, CHUNK);
    size_t n = left < CHUNK ? (size_t)left : CHUNK;
    libnn_status st = lnn_pread_full("idx_load", s->path, s->fd, s->inbuf, n, s->in_pos);
    if (st != LIBNN_OK)
        return st;
    s->zs.next_in = s->inbuf;
    s->zs.avail_in = (uInt)n;
    s->in_pos += n;
    return LIBNN_OK;
}

static libnn_status gz_read(idx_src *s, unsigned char *buf, size_t n, size_t *got)
{
    size_t filled = 0;
    while (filled < n) {
        libnn_status st;
        if (s->zs.avail_in == 0 && s->in_pos < s->size && (st = refill(s)) != LIBNN_OK)
            return st;
        if (s->member_done) {
            if (s->zs.avail_in == 0)
                break; /* the last member ended with the file */
            /* gzip(1) reads concatenated members as one stream. */
            if (s->zs.next_in[0] != 0x1f)
                return lnn_error(LIBNN_E_FORMAT,
                                 "%s: %llu bytes after the end of the gzip data at compressed "
                                 "byte %llu are not another gzip member",
                                 s->who, (ull)(s->size - compressed_pos(s)),
                                 (ull)compressed_pos(s));
            inflateReset(&s->zs);
            s->member_done = false;
        }
        size_t want = n - filled < MEM_SLICE ? n - filled : MEM_SLICE;
        s->zs.next_out = buf + filled;
        s->zs.avail_out = (uInt)want;
        int ret = inflate(&s->zs, Z_NO_FLUSH);
        filled += want - s->zs.avail_out;
        if (ret == Z_STREAM_END) {
            s->member_done = true;
        } else if (ret == Z_MEM_ERROR) {
            return z_nomem(s);
        } else if (ret == Z_BUF_ERROR && s->zs.avail_in == 0 && s->in_pos == s->size) {
            return lnn_error(LIBNN_E_FORMAT,
                             "%s: the gzip data ends early, at compressed byte %llu (truncated "
                             "file?), after %llu decompressed bytes",
                             s->who, (ull)s->size, (ull)(s->out_pos + filled));
        } else if (ret != Z_OK && ret != Z_BUF_ERROR) {
            return lnn_error(LIBNN_E_FORMAT, "%s: corrupt gzip data at compressed byte %llu: %s",
                             s->who, (ull)compressed_pos(s),
                             s->zs.msg ? s->zs.msg : zError(ret));
        } else if (ret == Z_BUF_ERROR && s->zs.avail_in > 0) {
            /* No progress with input and output room: not a stream zlib
             * can continue. */
            return lnn_error(LIBNN_E_FORMAT, "%s: corrupt gzip data at compressed byte %llu",
                             s->who, (ull)compressed_pos(s));
        }
    }
    s->out_pos += filled;
    *got = filled;
    return LIBNN_OK;
}

/* Up to n bytes of the stream into buf; *got < n only at its end. */
static libnn_status src_read(idx_src *s, unsigned char *buf, size_t n, size_t *got)
{
    if (s->gzip)
        return gz_read(s, buf, n, got);
    uint64_t left = s->size - s->out_pos;
    size_t k = left < n ? (size_t)left : n;
    libnn_status st = LIBNN_OK;
    if (s->mem && k > 0)
        memcpy(buf, s->mem + s->out_pos, k);
    else if (k > 0)
        st = lnn_pread_full("idx_load", s->path, s->fd, buf, k, s->out_pos);
    if (st != LIBNN_OK)
        return st;
    s->out_pos += k;
    *got = k;
    return LIBNN_OK;
}

/* ---- the header ---- */

static libnn_status too_short(const idx_src *s, size_t got, size_t need, const char *what)
{
    return lnn_error(LIBNN_E_FORMAT, "%s: %s ends at %s %zu, inside the %zu-byte %s", s->who,
                     s->gzip ? "the decompressed data" : "the file", where(s), got, need, what);
}

static libnn_status parse_magic(const idx_src *s, idx_header *h)
{
    const unsigned char *m = h->raw;
    if (m[0] != 0 || m[1] != 0)
        return lnn_error(LIBNN_E_FORMAT,
                         "%s: not an IDX file: %s 0 and 1 are 0x%02x 0x%02x, an IDX file starts "
                         "with two zero bytes (a gzip file with 1f 8b)",
                         s->who, s->gzip ? "decompressed bytes" : "bytes", m[0], m[1]);
    size_t i = 0;
    while (i < sizeof idx_dtypes / sizeof idx_dtypes[0] && idx_dtypes[i].code != m[2])
        i++;
    if (i == sizeof idx_dtypes / sizeof idx_dtypes[0])
        return lnn_error(LIBNN_E_FORMAT,
                         "%s: unknown IDX dtype 0x%02x at %s 2 (known: 0x08 ubyte, 0x09 sbyte, "
                         "0x0b int16, 0x0c int32, 0x0d float32, 0x0e float64)",
                         s->who, m[2], where(s));
    h->dtype = idx_dtypes[i].dtype;
    h->esize = lnn_st_dtype_size(h->dtype);
    if (m[3] == 0)
        return lnn_error(LIBNN_E_FORMAT,
                         "%s: rank 0 at %s 3: an IDX file has at least one dimension", s->who,
                         where(s));
    if (m[3] > LIBNN_MAX_RANK)
        return lnn_error(LIBNN_E_UNSUPPORTED, "%s: rank %u at %s 3 is above libnn's %d", s->who,
                         m[3], where(s), LIBNN_MAX_RANK);
    h->rank = m[3];
    return LIBNN_OK;
}

static libnn_status read_header(idx_src *s, idx_header *h)
{
    size_t got;
    libnn_status st = src_read(s, h->raw, MAGIC_BYTES, &got);
    if (st != LIBNN_OK)
        return st;
    if (got < MAGIC_BYTES)
        return too_short(s, got, MAGIC_BYTES, "IDX magic");
    if ((st = parse_magic(s, h)) != LIBNN_OK)
        return st;
    size_t need = 4 * h->rank;
    h->raw_len = MAGIC_BYTES + need;
    if ((st = src_read(s, h->raw + MAGIC_BYTES, need, &got)) != LIBNN_OK)
        return st;
    if (got < need)
        return too_short(s, MAGIC_BYTES + got, h->raw_len, "header");
    for (size_t i = 0; i < h->rank; i++) {
        const unsigned char *p = h->raw + MAGIC_BYTES + 4 * i;
        h->dims[i] = (int64_t)((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
                               (uint32_t)p[2] << 8 | p[3]);
    }
    /* The float32 tensor is the larger of the two for every dtype but
     * float64, so checking both sizes covers the allocation too. */
    char shape[200];
    lnn_format_shape(shape, sizeof shape, h->rank, h->dims);
    if (!lnn_shape_count(h->rank, h->dims, h->esize, &h->count) ||
        !lnn_shape_count(h->rank, h->dims, sizeof(float), &h->count))
        return lnn_error(LIBNN_E_FORMAT, "%s: dimensions %s (%ss 4..%zu) overflow", s->who, shape,
                         where(s), h->raw_len - 1);
    h->data_bytes = (uint64_t)h->count * h->esize;
    return LIBNN_OK;
}

/* "header (file bytes 0..15) declares [10000, 28, 28] ubyte: 7840000 data
 * bytes from file byte 16" — the start of every length complaint. */
static libnn_status length_error(const idx_src *s, const idx_header *h, const char *but,
                                 ull value)
{
    char shape[200];
    lnn_format_shape(shape, sizeof shape, h->rank, h->dims);
    return lnn_error(LIBNN_E_FORMAT,
                     "%s: header (%ss 0..%zu) declares %s %s: %llu data bytes from %s %zu, %s "
                     "%llu",
                     s->who, where(s), h->raw_len - 1, shape, dtype_name(h->dtype),
                     (ull)h->data_bytes, where(s), h->raw_len, but, value);
}

/* The stream must hold exactly the data the header declares. For gzip this
 * inflates the rest once, stopping one byte past the expected end. */
static libnn_status check_length(idx_src *s, const idx_header *h)
{
    uint64_t end = h->raw_len + h->data_bytes;
    if (!s->gzip) {
        if (s->size < end)
            return length_error(s, h, "but the file ends at byte", (ull)s->size);
        if (s->size > end)
            return lnn_error(LIBNN_E_FORMAT,
                             "%s: %llu trailing bytes at file bytes [%llu, %llu) after the "
                             "%llu data bytes the header declares",
                             s->who, (ull)(s->size - end), (ull)end, (ull)s->size,
                             (ull)h->data_bytes);
    }
    if (end > LIBNN_IDX_MAX_BYTES)
        return length_error(s, h, "above the limit LIBNN_IDX_MAX_BYTES =",
                            (ull)LIBNN_IDX_MAX_BYTES);
    if (!s->gzip)
        return LIBNN_OK;
    unsigned char *scratch = lnn_malloc(CHUNK);
    if (!scratch)
        return lnn_error_nomem(s->who, CHUNK);
    libnn_status st = LIBNN_OK;
    uint64_t left = h->data_bytes + 1;
    while (st == LIBNN_OK && left > 0) {
        size_t want = left < CHUNK ? (size_t)left : CHUNK, got;
        st = src_read(s, scratch, want, &got);
        if (st == LIBNN_OK && got < want) {
            if (s->out_pos < end)
                st = length_error(s, h, "but the decompressed data ends at byte",
                                  (ull)s->out_pos);
            break;
        }
        left -= want;
    }
    if (st == LIBNN_OK && left == 0)
        st = lnn_error(LIBNN_E_FORMAT,
                       "%s: the decompressed data runs on past byte %llu, where the %llu data "
                       "bytes the header declares end (trailing bytes)",
                       s->who, (ull)end, (ull)h->data_bytes);
    lnn_free(scratch);
    return st;
}

/* ---- the values ---- */

static void big_to_little(unsigned char *p, size_t n, size_t esize)
{
    for (size_t i = 0; i < n; i++, p += esize)
        for (size_t a = 0, b = esize - 1; a < b; a++, b--) {
            unsigned char t = p[a];
            p[a] = p[b];
            p[b] = t;
        }
}

static libnn_status changed(const idx_src *s)
{
    return lnn_error(LIBNN_E_IO, "%s: the file changed while it was being read", s->who);
}

static libnn_status read_values(idx_src *s, const idx_header *h, int flags, float *dst)
{
    unsigned char *stage = lnn_malloc(CHUNK);
    if (!stage)
        return lnn_error_nomem(s->who, CHUNK);
    libnn_status st = LIBNN_OK;
    size_t per = CHUNK / h->esize;
    for (size_t i = 0; st == LIBNN_OK && i < h->count; i += per) {
        size_t k = h->count - i < per ? h->count - i : per, got, bad;
        uint64_t at = s->out_pos;
        st = src_read(s, stage, k * h->esize, &got);
        if (st != LIBNN_OK)
            break;
        if (got < k * h->esize) {
            st = changed(s);
            break;
        }
        big_to_little(stage, k, h->esize);
        st = lnn_st_decode(h->dtype, stage, k, dst + i, &bad);
        if (st != LIBNN_OK) {
            char value[64];
            lnn_st_format_element(h->dtype, stage + bad * h->esize, value, sizeof value);
            st = lnn_error(st, "%s: %s element %zu (%s, %s %llu) %s", s->who,
                           dtype_name(h->dtype), i + bad, value, where(s),
                           (ull)(at + bad * h->esize),
                           h->dtype == LNN_ST_F64 ? "lies beyond the float32 range"
                                                  : "has no exact float32 value");
        }
        if (st == LIBNN_OK && (flags & LIBNN_IDX_SCALE))
            for (size_t j = 0; j < k; j++)
                dst[i + j] /= 255.0f;
    }
    lnn_free(stage);
    /* Drive a gzip stream to its end, so its checksum is verified. */
    if (st == LIBNN_OK && s->gzip) {
        unsigned char one;
        size_t extra;
        st = src_read(s, &one, 1, &extra);
        if (st == LIBNN_OK && extra != 0)
            st = changed(s);
    }
    return st;
}

static libnn_status load(idx_src *s, int flags, libnn_tensor **out)
{
    idx_header h;
    libnn_status st = src_rewind(s);
    if (st == LIBNN_OK)
        st = read_header(s, &h);
    if (st == LIBNN_OK && (flags & LIBNN_IDX_SCALE) && h.dtype != LNN_ST_U8)
        st = lnn_error(LIBNN_E_INVALID,
                       "%s: LIBNN_IDX_SCALE needs unsigned-byte data, the file holds %s "
                       "(dtype 0x%02x at %s 2)",
                       s->who, dtype_name(h.dtype), h.raw[2], where(s));
    if (st == LIBNN_OK)
        st = check_length(s, &h);
    if (st != LIBNN_OK)
        return st;
    if (s->gzip) {
        unsigned char again[sizeof h.raw];
        size_t got;
        if ((st = src_rewind(s)) == LIBNN_OK)
            st = src_read(s, again, h.raw_len, &got);
        if (st == LIBNN_OK && (got != h.raw_len || memcmp(again, h.raw, got) != 0))
            st = changed(s);
        if (st != LIBNN_OK)
            return st;
    }
    /* MNIST images are [n, rows, cols]; Conv2D wants NHWC with a channel. */
    int64_t shape[LIBNN_MAX_RANK + 1];
    memcpy(shape, h.dims, h.rank * sizeof *shape);
    size_t rank = h.rank;
    if (h.dtype == LNN_ST_U8 && rank == 3)
        shape[rank++] = 1;
    libnn_tensor *t;
    if ((st = libnn_tensor_new(rank, shape, &t)) != LIBNN_OK)
        return lnn_error_prefix(st, "%s", s->who);
    if ((st = read_values(s, &h, flags, t->data)) != LIBNN_OK) {
        libnn_tensor_free(t);
        return st;
    }
    *out = t;
    return LIBNN_OK;
}

static libnn_status check_args(const char *who, int flags, libnn_tensor **out)
{
    if (!out)
        return lnn_error(LIBNN_E_INVALID, "%s: out is NULL", who);
    *out = NULL;
    if (flags & ~LIBNN_IDX_SCALE)
        return lnn_error(LIBNN_E_INVALID,
                         "%s: unknown flags 0x%x (known: LIBNN_IDX_SCALE = 0x%x)", who,
                         (unsigned)flags & ~(unsigned)LIBNN_IDX_SCALE, LIBNN_IDX_SCALE);
    return LIBNN_OK;
}

libnn_status libnn_idx_load_buffer(const void *data, size_t size, int flags, libnn_tensor **out)
{
    static const char who[] = "idx_load_buffer";
    libnn_status st = check_args(who, flags, out);
    if (st != LIBNN_OK)
        return st;
    if (!data && size > 0)
        return lnn_error(LIBNN_E_INVALID, "%s: data is NULL", who);
    const unsigned char *bytes = data;
    idx_src s = {.who = who, .fd = -1, .mem = bytes, .size = size};
    s.gzip = size >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b;
    st = load(&s, flags, out);
    src_close(&s);
    return st;
}

libnn_status libnn_idx_load(const char *path, int flags, libnn_tensor **out)
{
    libnn_status st = check_args("idx_load", flags, out);
    if (st != LIBNN_OK)
        return st;
    if (!path)
        return lnn_error(LIBNN_E_INVALID, "idx_load: path is NULL");
    /* Format errors name the file; the I/O helpers add the path themselves. */
    char who[300];
    snprintf(who, sizeof who, "idx_load: '%s'", path);
    idx_src s = {.who = who, .path = path};
    if ((st = lnn_open_read("idx_load", path, &s.fd, &s.size)) != LIBNN_OK)
        return st;
    unsigned char magic[2];
    if (s.size >= 2 && (st = lnn_pread_full("idx_load", path, s.fd, magic, 2, 0)) == LIBNN_OK)
        s.gzip = magic[0] == 0x1f && magic[1] == 0x8b;
    if (st == LIBNN_OK)
        st = load(&s, flags, out);
    src_close(&s);
    lnn_close_read(s.fd, path);
    return st;
}

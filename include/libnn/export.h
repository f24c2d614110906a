/*
 * libnn: export and linkage macros shared by every public header.
 *
 * LIBNN_API marks the functions of the stable ABI. The library is built with
 * -fvisibility=hidden, so anything without it stays private to libnn.so.
 */
#ifndef LIBNN_EXPORT_H
#define LIBNN_EXPORT_H

#if defined(LIBNN_BUILDING) && defined(__GNUC__)
#define LIBNN_API __attribute__((visibility("default")))
#else
#define LIBNN_API
#endif

#ifdef __cplusplus
#define LIBNN_BEGIN_DECLS extern "C" {
#define LIBNN_END_DECLS }
#else
#define LIBNN_BEGIN_DECLS
#define LIBNN_END_DECLS
#endif

#endif /* LIBNN_EXPORT_H */

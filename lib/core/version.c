#include "libnn/version.h"

int libnn_version_number(void)
{
    return LIBNN_VERSION_NUMBER;
}

const char *libnn_version_string(void)
{
    return LIBNN_VERSION_STRING;
}

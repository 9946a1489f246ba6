#ifndef KEYDB_TS_SHA1_H
#define KEYDB_TS_SHA1_H
#include <stddef.h>
/* Lowercase hex SHA-1 of data[0, len): 40 digits and a NUL. */
void sha1_hex(char out[41], const char *data, size_t len);
#endif

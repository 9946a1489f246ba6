/* The 'struct' Lua library as Redis exposes it to scripts: struct.pack,
 * struct.unpack and struct.size convert between Lua values and binary
 * strings following a format string. Written for this project.
 *
 * Format options:
 *   >  <  =      big / little / native endianness for what follows
 *   ![n]         maximum alignment n (a power of two; '!' alone: native)
 *   x            one zero byte of padding
 *   b B          signed / unsigned char        h H   short
 *   l L          long                          T     size_t
 *   i[n] I[n]    signed / unsigned integer of n bytes (default sizeof(int))
 *   f d n        float / double / lua_Number
 *   s            zero-terminated string
 *   c[n]         n raw bytes (c0: the length comes from the string when
 *                packing, from the previous value when unpacking)
 *   ' '          ignored
 */

#include <ctype.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <lua.h>
#include <lauxlib.h>

#define ST_MAX_INT_SIZE 32
#define ST_BIG 0
#define ST_LITTLE 1

typedef struct {
    int endian;
    int align;
} st_state;

struct st_align_probe {
    char c;
    union { double d; void *p; lua_Number n; long l; } u;
};
#define ST_NATIVE_ALIGN ((int)offsetof(struct st_align_probe, u))

static int st_native_endian(void) {
    const uint16_t one = 1;
    return *(const unsigned char *)&one == 1 ? ST_LITTLE : ST_BIG;
}

/* A decimal count after an option, or dflt when there is none. */
static int st_number(lua_State *L, const char **fmt, int dflt) {
    if (!isdigit((unsigned char)**fmt)) return dflt;
    int v = 0;
    while (isdigit((unsigned char)**fmt)) {
        int digit = **fmt - '0';
        if (v > (INT_MAX - digit) / 10) luaL_error(L, "integral size overflow");
        v = v * 10 + digit;
        (*fmt)++;
    }
    return v;
}

/* Size in bytes of the option just read (0 for 's' and 'c0'). */
static size_t st_option_size(lua_State *L, char opt, const char **fmt) {
    switch (opt) {
    case 'B': case 'b': return 1;
    case 'H': case 'h': return sizeof(short);
    case 'L': case 'l': return sizeof(long);
    case 'T': return sizeof(size_t);
    case 'f': return sizeof(float);
    case 'd': return sizeof(double);
    case 'n': return sizeof(lua_Number);
    case 'x': return 1;
    case 'c': return (size_t)st_number(L, fmt, 1);
    case 'i': case 'I': {
        int n = st_number(L, fmt, sizeof(int));
        if (n > ST_MAX_INT_SIZE) luaL_error(L, "integral size %d is larger than limit of %d", n, ST_MAX_INT_SIZE);
        return (size_t)n;
    }
    default: return 0;
    }
}

/* Padding needed before an item of `size` bytes at offset `len`. */
static size_t st_padding(size_t len, const st_state *h, char opt, size_t size) {
    if (size == 0 || opt == 'c') return 0;
    if (size > (size_t)h->align) size = (size_t)h->align;
    return (size - (len & (size - 1))) & (size - 1);
}

/* Handle the non-item options; returns 1 when `opt` was one of them. */
static int st_control(lua_State *L, char opt, const char **fmt, st_state *h) {
    switch (opt) {
    case ' ': return 1;
    case '>': h->endian = ST_BIG; return 1;
    case '<': h->endian = ST_LITTLE; return 1;
    case '=': h->endian = st_native_endian(); return 1;
    case '!': {
        int a = st_number(L, fmt, ST_NATIVE_ALIGN);
        if (a <= 0 || (a & (a - 1)) != 0) luaL_error(L, "alignment %d is not a power of 2", a);
        h->align = a;
        return 1;
    }
    default: return 0;
    }
}

static int st_is_item(char opt) {
    return strchr("bBhHlLTiIfdnxcs", opt) != NULL && opt != '\0';
}

static void st_put_int(luaL_Buffer *b, lua_Number n, int endian, size_t size) {
    uint64_t v = n < 0 ? (uint64_t)(int64_t)n : (uint64_t)n;
    unsigned char bytes[ST_MAX_INT_SIZE];
    for (size_t i = 0; i < size; i++) {
        if (i < 8) bytes[i] = (unsigned char)(v >> (8 * i));
        else bytes[i] = n < 0 ? 0xff : 0;
    }
    if (endian == ST_BIG) {
        for (size_t i = 0; i < size / 2; i++) {
            unsigned char t = bytes[i];
            bytes[i] = bytes[size - 1 - i];
            bytes[size - 1 - i] = t;
        }
    }
    luaL_addlstring(b, (const char *)bytes, size);
}

static void st_put_raw(luaL_Buffer *b, const void *p, size_t size, int endian) {
    unsigned char bytes[16];
    memcpy(bytes, p, size);
    if (endian != st_native_endian()) {
        for (size_t i = 0; i < size / 2; i++) {
            unsigned char t = bytes[i];
            bytes[i] = bytes[size - 1 - i];
            bytes[size - 1 - i] = t;
        }
    }
    luaL_addlstring(b, (const char *)bytes, size);
}

static int st_pack(lua_State *L) {
    const char *fmt = luaL_checkstring(L, 1);
    st_state h = {st_native_endian(), 1};
    int arg = 2;
    size_t total = 0;
    luaL_Buffer b;
    lua_pushnil(L); /* keeps the buffer above the arguments */
    luaL_buffinit(L, &b);
    while (*fmt != '\0') {
        char opt = *fmt++;
        if (st_control(L, opt, &fmt, &h)) continue;
        if (!st_is_item(opt)) luaL_argerror(L, 1, lua_pushfstring(L, "invalid format option '%c'", opt));
        size_t size = st_option_size(L, opt, &fmt);
        size_t pad = st_padding(total, &h, opt, size);
        for (size_t i = 0; i < pad; i++) luaL_addchar(&b, '\0');
        total += pad;
        switch (opt) {
        case 'b': case 'B': case 'h': case 'H': case 'l': case 'L': case 'T': case 'i': case 'I':
            st_put_int(&b, luaL_checknumber(L, arg++), h.endian, size);
            break;
        case 'x':
            luaL_addchar(&b, '\0');
            break;
        case 'f': {
            float f = (float)luaL_checknumber(L, arg++);
            st_put_raw(&b, &f, sizeof(f), h.endian);
            break;
        }
        case 'd': {
            double d = (double)luaL_checknumber(L, arg++);
            st_put_raw(&b, &d, sizeof(d), h.endian);
            break;
        }
        case 'n': {
            lua_Number n = luaL_checknumber(L, arg++);
            st_put_raw(&b, &n, sizeof(n), h.endian);
            break;
        }
        case 'c': case 's': {
            size_t len;
            const char *s = luaL_checklstring(L, arg, &len);
            if (opt == 's') size = len + 1;
            else {
                if (size == 0) size = len;
                luaL_argcheck(L, len >= size, arg + 1, "string too short");
            }
            arg++;
            luaL_addlstring(&b, s, size);
            break;
        }
        }
        total += size;
    }
    luaL_pushresult(&b);
    return 1;
}

static uint64_t st_get_uint(const unsigned char *p, int endian, size_t size) {
    uint64_t v = 0;
    if (endian == ST_BIG) {
        for (size_t i = 0; i < size; i++) v = (v << 8) | p[i];
    } else {
        for (size_t i = size; i > 0; i--) v = (v << 8) | p[i - 1];
    }
    return v;
}

static void st_get_raw(void *dst, const char *p, size_t size, int endian) {
    unsigned char bytes[16];
    memcpy(bytes, p, size);
    if (endian != st_native_endian()) {
        for (size_t i = 0; i < size / 2; i++) {
            unsigned char t = bytes[i];
            bytes[i] = bytes[size - 1 - i];
            bytes[size - 1 - i] = t;
        }
    }
    memcpy(dst, bytes, size);
}

static int st_unpack(lua_State *L) {
    const char *fmt = luaL_checkstring(L, 1);
    size_t ld;
    const char *data = luaL_checklstring(L, 2, &ld);
    lua_Integer start = luaL_optinteger(L, 3, 1);
    luaL_argcheck(L, start >= 1, 3, "offset must be 1 or greater");
    size_t pos = (size_t)start - 1;
    st_state h = {st_native_endian(), 1};
    int n = 0;
    lua_settop(L, 2);
    while (*fmt != '\0') {
        char opt = *fmt++;
        if (st_control(L, opt, &fmt, &h)) continue;
        if (!st_is_item(opt)) luaL_argerror(L, 1, lua_pushfstring(L, "invalid format option '%c'", opt));
        size_t size = st_option_size(L, opt, &fmt);
        pos += st_padding(pos, &h, opt, size);
        luaL_argcheck(L, pos <= ld && size <= ld - pos, 2, "data string too short");
        luaL_checkstack(L, 2, "too many results");
        switch (opt) {
        case 'b': case 'h': case 'l': case 'i': {
            uint64_t v = st_get_uint((const unsigned char *)data + pos, h.endian, size);
            if (size < 8) {
                uint64_t sign = (uint64_t)1 << (size * 8 - 1);
                v = (v ^ sign) - sign;
            }
            lua_pushnumber(L, (lua_Number)(int64_t)v);
            n++;
            break;
        }
        case 'B': case 'H': case 'L': case 'T': case 'I':
            lua_pushnumber(L, (lua_Number)st_get_uint((const unsigned char *)data + pos, h.endian, size));
            n++;
            break;
        case 'x':
            break;
        case 'f': {
            float f;
            st_get_raw(&f, data + pos, sizeof(f), h.endian);
            lua_pushnumber(L, (lua_Number)f);
            n++;
            break;
        }
        case 'd': {
            double d;
            st_get_raw(&d, data + pos, sizeof(d), h.endian);
            lua_pushnumber(L, (lua_Number)d);
            n++;
            break;
        }
        case 'n': {
            lua_Number v;
            st_get_raw(&v, data + pos, sizeof(v), h.endian);
            lua_pushnumber(L, v);
            n++;
            break;
        }
        case 'c':
            if (size == 0) {
                if (n == 0 || !lua_isnumber(L, -1)) luaL_error(L, "format 'c0' needs a previous size");
                lua_Number want = lua_tonumber(L, -1);
                lua_pop(L, 1);
                n--;
                luaL_argcheck(L, want >= 0 && want <= (lua_Number)(ld - pos), 2, "data string too short");
                size = (size_t)want;
            }
            lua_pushlstring(L, data + pos, size);
            n++;
            break;
        case 's': {
            const char *z = memchr(data + pos, '\0', ld - pos);
            if (z == NULL) luaL_error(L, "unfinished string in data");
            size = (size_t)(z - (data + pos)) + 1;
            lua_pushlstring(L, data + pos, size - 1);
            n++;
            break;
        }
        }
        pos += size;
    }
    lua_pushinteger(L, (lua_Integer)pos + 1);
    return n + 1;
}

static int st_size(lua_State *L) {
    const char *fmt = luaL_checkstring(L, 1);
    st_state h = {st_native_endian(), 1};
    size_t pos = 0;
    while (*fmt != '\0') {
        char opt = *fmt++;
        if (st_control(L, opt, &fmt, &h)) continue;
        if (!st_is_item(opt)) luaL_argerror(L, 1, lua_pushfstring(L, "invalid format option '%c'", opt));
        size_t size = st_option_size(L, opt, &fmt);
        pos += st_padding(pos, &h, opt, size);
        if (opt == 's') luaL_argerror(L, 1, "option 's' has no fixed size");
        else if (opt == 'c' && size == 0) luaL_argerror(L, 1, "option 'c0' has no fixed size");
        pos += size;
    }
    lua_pushinteger(L, (lua_Integer)pos);
    return 1;
}

static const luaL_Reg st_functions[] = {
    {"pack", st_pack},
    {"unpack", st_unpack},
    {"size", st_size},
    {NULL, NULL},
};

int keydb_open_struct(lua_State *L) {
    luaL_register(L, "struct", st_functions);
    return 1;
}

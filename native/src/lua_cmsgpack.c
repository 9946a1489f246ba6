/* The 'cmsgpack' Lua library as Redis exposes it to scripts: MessagePack
 * encoding of Lua values (cmsgpack.pack) and decoding (cmsgpack.unpack,
 * unpack_one, unpack_limit). Written for this project, following the
 * behaviour scripts observe in Redis: integers use the smallest encoding,
 * non-integral numbers a float32 when exact else a float64, tables with
 * keys 1..n are arrays and other tables maps, tables nested deeper than 16
 * levels and values MessagePack cannot carry become nil. */

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <lua.h>
#include <lauxlib.h>

#define MP_MAX_NESTING 16

/* ---- encoding --------------------------------------------------------------- */

typedef struct {
    unsigned char *p;
    size_t len, cap;
} mp_buf;

static void mp_reserve(mp_buf *b, size_t n) {
    if (b->len + n <= b->cap) return;
    size_t cap = b->cap ? b->cap * 2 : 64;
    while (cap < b->len + n) cap *= 2;
    unsigned char *np = realloc(b->p, cap);
    if (np == NULL) abort();
    b->p = np;
    b->cap = cap;
}

static void mp_put(mp_buf *b, const void *src, size_t n) {
    mp_reserve(b, n);
    memcpy(b->p + b->len, src, n);
    b->len += n;
}

static void mp_put_be(mp_buf *b, unsigned char tag, uint64_t v, int bytes) {
    unsigned char tmp[9];
    tmp[0] = tag;
    for (int i = 0; i < bytes; i++) tmp[1 + i] = (unsigned char)(v >> (8 * (bytes - 1 - i)));
    mp_put(b, tmp, 1 + (size_t)bytes);
}

static void mp_encode_string(mp_buf *b, const char *s, size_t len) {
    if (len < 32) {
        unsigned char tag = (unsigned char)(0xa0 | len);
        mp_put(b, &tag, 1);
    } else if (len <= 0xff) mp_put_be(b, 0xd9, len, 1);
    else if (len <= 0xffff) mp_put_be(b, 0xda, len, 2);
    else mp_put_be(b, 0xdb, len, 4);
    mp_put(b, s, len);
}

static void mp_encode_int(mp_buf *b, int64_t v) {
    if (v >= 0) {
        if (v <= 127) {
            unsigned char c = (unsigned char)v;
            mp_put(b, &c, 1);
        } else if (v <= 0xff) mp_put_be(b, 0xcc, (uint64_t)v, 1);
        else if (v <= 0xffff) mp_put_be(b, 0xcd, (uint64_t)v, 2);
        else if (v <= 0xffffffffLL) mp_put_be(b, 0xce, (uint64_t)v, 4);
        else mp_put_be(b, 0xcf, (uint64_t)v, 8);
    } else {
        if (v >= -32) {
            unsigned char c = (unsigned char)(int8_t)v;
            mp_put(b, &c, 1);
        } else if (v >= -128) mp_put_be(b, 0xd0, (uint64_t)v & 0xff, 1);
        else if (v >= -32768) mp_put_be(b, 0xd1, (uint64_t)v & 0xffff, 2);
        else if (v >= -2147483648LL) mp_put_be(b, 0xd2, (uint64_t)v & 0xffffffffu, 4);
        else mp_put_be(b, 0xd3, (uint64_t)v, 8);
    }
}

static void mp_encode_number(mp_buf *b, lua_Number n) {
    if (!isinf(n) && n == n && n >= -9223372036854775808.0 && n < 9223372036854775808.0 && (lua_Number)(int64_t)n == n) {
        mp_encode_int(b, (int64_t)n);
        return;
    }
    float f = (float)n;
    if ((lua_Number)f == n) {
        uint32_t bits;
        memcpy(&bits, &f, 4);
        mp_put_be(b, 0xca, bits, 4);
    } else {
        uint64_t bits;
        double d = (double)n;
        memcpy(&bits, &d, 8);
        mp_put_be(b, 0xcb, bits, 8);
    }
}

/* Length when the table at the top of the stack is a sequence 1..n, else -1. */
static long mp_array_length(lua_State *L) {
    long count = 0;
    lua_Number max = 0;
    lua_pushnil(L);
    while (lua_next(L, -2)) {
        lua_pop(L, 1);
        if (lua_type(L, -1) != LUA_TNUMBER) {
            lua_pop(L, 1);
            return -1;
        }
        lua_Number k = lua_tonumber(L, -1);
        if (k <= 0 || floor(k) != k) {
            lua_pop(L, 1);
            return -1;
        }
        if (k > max) max = k;
        count++;
    }
    return (lua_Number)count == max ? count : -1;
}

static void mp_encode_value(lua_State *L, mp_buf *b, int level);

static void mp_encode_table(lua_State *L, mp_buf *b, int level) {
    luaL_checkstack(L, 3, "cmsgpack: stack overflow");
    long n = mp_array_length(L);
    if (n >= 0) {
        if (n < 16) {
            unsigned char tag = (unsigned char)(0x90 | n);
            mp_put(b, &tag, 1);
        } else if (n <= 0xffff) mp_put_be(b, 0xdc, (uint64_t)n, 2);
        else mp_put_be(b, 0xdd, (uint64_t)n, 4);
        for (long j = 1; j <= n; j++) {
            lua_rawgeti(L, -1, (int)j);
            mp_encode_value(L, b, level + 1);
            lua_pop(L, 1);
        }
        return;
    }
    size_t pairs = 0;
    lua_pushnil(L);
    while (lua_next(L, -2)) {
        lua_pop(L, 1);
        pairs++;
    }
    if (pairs < 16) {
        unsigned char tag = (unsigned char)(0x80 | pairs);
        mp_put(b, &tag, 1);
    } else if (pairs <= 0xffff) mp_put_be(b, 0xde, pairs, 2);
    else mp_put_be(b, 0xdf, pairs, 4);
    lua_pushnil(L);
    while (lua_next(L, -2)) {
        lua_pushvalue(L, -2);
        mp_encode_value(L, b, level + 1);
        lua_pop(L, 1);
        mp_encode_value(L, b, level + 1);
        lua_pop(L, 1);
    }
}

/* Encode the value at the top of the stack (left in place). */
static void mp_encode_value(lua_State *L, mp_buf *b, int level) {
    unsigned char c;
    switch (lua_type(L, -1)) {
    case LUA_TSTRING: {
        size_t len;
        const char *s = lua_tolstring(L, -1, &len);
        mp_encode_string(b, s, len);
        break;
    }
    case LUA_TBOOLEAN:
        c = lua_toboolean(L, -1) ? 0xc3 : 0xc2;
        mp_put(b, &c, 1);
        break;
    case LUA_TNUMBER:
        mp_encode_number(b, lua_tonumber(L, -1));
        break;
    case LUA_TTABLE:
        if (level >= MP_MAX_NESTING) {
            c = 0xc0;
            mp_put(b, &c, 1);
        } else mp_encode_table(L, b, level);
        break;
    default:
        c = 0xc0;
        mp_put(b, &c, 1);
        break;
    }
}

static int mp_pack(lua_State *L) {
    int argc = lua_gettop(L);
    if (argc == 0) return luaL_argerror(L, 0, "MessagePack pack needs input.");
    mp_buf b = {NULL, 0, 0};
    for (int i = 1; i <= argc; i++) {
        lua_pushvalue(L, i);
        mp_encode_value(L, &b, 0);
        lua_pop(L, 1);
    }
    lua_pushlstring(L, b.p ? (const char *)b.p : "", b.len);
    free(b.p);
    return 1;
}

/* ---- decoding --------------------------------------------------------------- */

#define MP_OK 0
#define MP_EOF 1
#define MP_BADFMT 2

typedef struct {
    const unsigned char *p;
    size_t left;
    int err;
} mp_cur;

static int mp_need(mp_cur *c, size_t n) {
    if (c->left < n) {
        c->err = MP_EOF;
        return 0;
    }
    return 1;
}

static uint64_t mp_be(const unsigned char *p, int bytes) {
    uint64_t v = 0;
    for (int i = 0; i < bytes; i++) v = (v << 8) | p[i];
    return v;
}

static void mp_decode_value(lua_State *L, mp_cur *c);

static void mp_decode_array(lua_State *L, mp_cur *c, size_t n) {
    lua_newtable(L);
    for (size_t i = 1; i <= n && c->err == MP_OK; i++) {
        mp_decode_value(L, c);
        if (c->err != MP_OK) return;
        lua_rawseti(L, -2, (int)i);
    }
}

static void mp_decode_map(lua_State *L, mp_cur *c, size_t n) {
    lua_newtable(L);
    for (size_t i = 0; i < n && c->err == MP_OK; i++) {
        mp_decode_value(L, c);
        if (c->err != MP_OK) return;
        mp_decode_value(L, c);
        if (c->err != MP_OK) return;
        if (lua_isnil(L, -2)) {
            lua_pop(L, 2);
            continue;
        }
        lua_settable(L, -3);
    }
}

static void mp_decode_bytes(lua_State *L, mp_cur *c, size_t hdr, size_t n) {
    if (!mp_need(c, hdr + n)) return;
    lua_pushlstring(L, (const char *)c->p + hdr, n);
    c->p += hdr + n;
    c->left -= hdr + n;
}

static void mp_decode_value(lua_State *L, mp_cur *c) {
    luaL_checkstack(L, 4, "cmsgpack: stack overflow");
    if (!mp_need(c, 1)) return;
    unsigned char t = c->p[0];
    if (t <= 0x7f) {
        lua_pushnumber(L, t);
        c->p++;
        c->left--;
        return;
    }
    if (t >= 0xe0) {
        lua_pushnumber(L, (int8_t)t);
        c->p++;
        c->left--;
        return;
    }
    if ((t & 0xf0) == 0x80 || (t & 0xf0) == 0x90) {
        size_t n = t & 0x0f;
        c->p++;
        c->left--;
        if ((t & 0xf0) == 0x90) mp_decode_array(L, c, n);
        else mp_decode_map(L, c, n);
        return;
    }
    if ((t & 0xe0) == 0xa0) {
        mp_decode_bytes(L, c, 1, t & 0x1f);
        return;
    }
    switch (t) {
    case 0xc0: lua_pushnil(L); c->p++; c->left--; return;
    case 0xc2: lua_pushboolean(L, 0); c->p++; c->left--; return;
    case 0xc3: lua_pushboolean(L, 1); c->p++; c->left--; return;
    case 0xd9:
        if (!mp_need(c, 2)) return;
        mp_decode_bytes(L, c, 2, c->p[1]);
        return;
    case 0xda:
        if (!mp_need(c, 3)) return;
        mp_decode_bytes(L, c, 3, (size_t)mp_be(c->p + 1, 2));
        return;
    case 0xdb:
        if (!mp_need(c, 5)) return;
        mp_decode_bytes(L, c, 5, (size_t)mp_be(c->p + 1, 4));
        return;
    case 0xca: {
        if (!mp_need(c, 5)) return;
        uint32_t bits = (uint32_t)mp_be(c->p + 1, 4);
        float f;
        memcpy(&f, &bits, 4);
        lua_pushnumber(L, (lua_Number)f);
        c->p += 5;
        c->left -= 5;
        return;
    }
    case 0xcb: {
        if (!mp_need(c, 9)) return;
        uint64_t bits = mp_be(c->p + 1, 8);
        double d;
        memcpy(&d, &bits, 8);
        lua_pushnumber(L, (lua_Number)d);
        c->p += 9;
        c->left -= 9;
        return;
    }
    case 0xcc: case 0xcd: case 0xce: case 0xcf: {
        int bytes = 1 << (t - 0xcc);
        if (!mp_need(c, 1 + (size_t)bytes)) return;
        lua_pushnumber(L, (lua_Number)mp_be(c->p + 1, bytes));
        c->p += 1 + bytes;
        c->left -= 1 + (size_t)bytes;
        return;
    }
    case 0xd0: case 0xd1: case 0xd2: case 0xd3: {
        int bytes = 1 << (t - 0xd0);
        if (!mp_need(c, 1 + (size_t)bytes)) return;
        uint64_t v = mp_be(c->p + 1, bytes);
        int64_t s;
        if (bytes == 1) s = (int8_t)v;
        else if (bytes == 2) s = (int16_t)v;
        else if (bytes == 4) s = (int32_t)v;
        else s = (int64_t)v;
        lua_pushnumber(L, (lua_Number)s);
        c->p += 1 + bytes;
        c->left -= 1 + (size_t)bytes;
        return;
    }
    case 0xdc: case 0xdd: case 0xde: case 0xdf: {
        int bytes = (t == 0xdc || t == 0xde) ? 2 : 4;
        if (!mp_need(c, 1 + (size_t)bytes)) return;
        size_t n = (size_t)mp_be(c->p + 1, bytes);
        c->p += 1 + bytes;
        c->left -= 1 + (size_t)bytes;
        if (t == 0xdc || t == 0xdd) mp_decode_array(L, c, n);
        else mp_decode_map(L, c, n);
        return;
    }
    default:
        c->err = MP_BADFMT;
        return;
    }
}

/* Decode up to `limit` values from byte `offset` (0, 0: all values, no offset returned). */
static int mp_unpack_generic(lua_State *L, int limit, int offset) {
    size_t len;
    const char *s = luaL_checklstring(L, 1, &len);
    int all = limit == 0 && offset == 0;
    if (offset < 0 || limit < 0)
        return luaL_error(L, "Invalid request to unpack with offset of %d and limit of %d.", offset, (int)len);
    if ((size_t)offset > len)
        return luaL_error(L, "Start offset %d greater than input length %d.", offset, (int)len);
    if (all) limit = INT_MAX;
    mp_cur c = {(const unsigned char *)s + offset, len - (size_t)offset, MP_OK};
    int count = 0;
    while (c.left > 0 && count < limit) {
        mp_decode_value(L, &c);
        if (c.err == MP_EOF) return luaL_error(L, "Missing bytes in input.");
        if (c.err == MP_BADFMT) return luaL_error(L, "Bad data format in input.");
        count++;
    }
    if (!all) {
        lua_pushinteger(L, c.left == 0 ? -1 : (lua_Integer)(len - c.left));
        lua_insert(L, 2);
        count++;
    }
    return count;
}

static int mp_unpack(lua_State *L) {
    return mp_unpack_generic(L, 0, 0);
}

static int mp_unpack_one(lua_State *L) {
    int offset = (int)luaL_optinteger(L, 2, 0);
    lua_settop(L, 1);
    return mp_unpack_generic(L, 1, offset);
}

static int mp_unpack_limit(lua_State *L) {
    int limit = (int)luaL_checkinteger(L, 2);
    int offset = (int)luaL_optinteger(L, 3, 0);
    lua_settop(L, 1);
    return mp_unpack_generic(L, limit, offset);
}

static const luaL_Reg mp_functions[] = {
    {"pack", mp_pack},
    {"unpack", mp_unpack},
    {"unpack_one", mp_unpack_one},
    {"unpack_limit", mp_unpack_limit},
    {NULL, NULL},
};

int keydb_open_cmsgpack(lua_State *L) {
    luaL_register(L, "cmsgpack", mp_functions);
    lua_pushliteral(L, "cmsgpack");
    lua_setfield(L, -2, "_NAME");
    lua_pushliteral(L, "lua-cmsgpack 0.4.0");
    lua_setfield(L, -2, "_VERSION");
    lua_pushliteral(L, "Copyright (C) 2012, Salvatore Sanfilippo");
    lua_setfield(L, -2, "_COPYRIGHT");
    lua_pushliteral(L, "MessagePack C implementation for Lua");
    lua_setfield(L, -2, "_DESCRIPTION");
    return 1;
}

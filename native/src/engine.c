/* The scripting engine addon: Debian's Lua 5.1 with the cjson and bit
 * modules, this project's struct and cmsgpack modules, and the redis.*
 * API, exposed to JavaScript through N-API. One instance per thread (the
 * addon is context aware): each holds two Lua states, one for EVAL
 * scripts and one for FUNCTION libraries, as Redis does.
 *
 * Redis 7.0 marks every table reachable from the globals read-only with a
 * patched Lua VM. With the stock VM this engine gets the same behaviour from
 * read-only proxies: the globals and every library table are empty tables
 * whose metatable reads through to the real table and refuses writes, and
 * the few builtins that bypass metatables (rawset, rawget, next, pairs,
 * setmetatable, getmetatable, table.insert, table.remove) see through them.
 *
 * redis.call() calls back into JavaScript with the command's arguments;
 * JavaScript runs the command and returns its RESP reply (or a script-level
 * error message), which is converted to Lua values here. A script's return
 * value is converted to RESP here, for the caller's protocol version.
 *
 * Lua raises errors with longjmp: no N-API handle scope may be open across
 * a point where Lua can raise, so every call into JavaScript opens and
 * closes its own scope before any Lua error is thrown. */

#define NAPI_VERSION 8
#include <node_api.h>
#include <lua.h>
#include <lauxlib.h>
#include <lualib.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include "sha1.h"

int luaopen_cjson(lua_State *L);
int luaopen_bit(lua_State *L);
int keydb_open_struct(lua_State *L);
int keydb_open_cmsgpack(lua_State *L);

/* Script state word bits (shared with JavaScript, src/scripting/shared.ts). */
#define ST_RUNNING 1
#define ST_EVAL 2
#define ST_DIRTY 4
#define ST_KILLED 8
#define ST_BUSY 16
#define ST_ABORT 32

/* Script flags (src/scripting/flags.ts), in Redis's listing order. */
static const char *script_flag_names[] = {"no-writes", "allow-oom", "allow-stale", "no-cluster", "allow-cross-slot-keys", NULL};

/* log(level) with this level: the script just passed busy-reply-threshold (message: the warning to log). */
#define LOG_BUSY_START 100
/* log callback level: an error nested in the script's reply, to be counted (INFO errorstats) */
#define LOG_ERROR_REPLY 101

/* replyInfo[0] after a run: errors in the reply already counted where they came from (a
 * redis.call's error reply, a rejected call), as Redis's ERR_REPLY_FLAG_NO_STATS_UPDATE */
#define REPLY_TOP_COUNTED 1    /* the reply itself is such an error */
#define REPLY_NESTED_COUNTED 2 /* an element of the reply is */

#define REG_PROXIES "keydb.proxies"
#define REG_PROXY_OF "keydb.proxyof"
#define REG_REAL_GLOBALS "keydb.globals"
#define REG_SCRIPTS "keydb.scripts"
#define REG_ERR_HANDLER "__ERROR_HANDLER__"
#define REG_LOAD_API "__LIBRARY_API__"
#define REG_LOAD_FUNCS "keydb.loadfuncs"
#define REG_GLOBALS_MT "keydb.globalsmt"

#define POOL_GRAIN 16
#define POOL_MAX 512
#define POOL_CLASSES (POOL_MAX / POOL_GRAIN)
#define POOL_SLAB (64 * 1024)

typedef struct PoolBlock {
    struct PoolBlock *next;
} PoolBlock;

typedef struct Pool {
    PoolBlock *free[POOL_CLASSES];
    char *slab;
    size_t slab_left;
} Pool;

typedef struct Engine {
    napi_env env;
    napi_ref call_cb; /* (argv: string[], resp: number, mode: number) => Buffer | string | boolean */
    napi_ref log_cb;  /* (level: number, message: string) => void */
    lua_State *eval_L;
    lua_State *func_L;
    int32_t *state;       /* this thread's script state word */
    int32_t *busy_eval;   /* number of busy EVAL scripts (all threads) */
    int32_t *busy_func;   /* number of busy functions (all threads) */
    napi_ref state_buf;   /* keeps the shared buffer alive */
    char version[32];
    double version_num;
    /* the running script */
    int running;
    int eval_mode;
    int resp;
    int caller_resp;
    char funcname[128];
    double start_ms;
    double busy_ms;
    /* wall clock minus monotonic clock (ms), taken at create: a run's start time for other
     * threads' displays without a second clock read */
    double wall_offset;
    int busy;
    /* FUNCTION LOAD in progress */
    int loading;
    double load_start_ms;
    int gc_count;
    uint64_t rand48;
    /* reply under construction */
    char *out;
    size_t out_len, out_cap;
    /* small blocks of both Lua states */
    Pool pool;
    /* JS-owned buffer a run's reply is copied into when it fits (run() then returns its length) */
    char *result;
    size_t result_cap;
    napi_ref result_buf;
    /* JS-owned buffer redis.call's arguments are written into (u32 count, then u32 length and
     * bytes each) when they fit, instead of a JS array of strings built through N-API */
    unsigned char *callargs;
    size_t callargs_cap;
    napi_ref callargs_buf;
    /* JS-owned buffer the command callback leaves a reply in when it returns the reply's length */
    const char *callreply;
    size_t callreply_cap;
    napi_ref callreply_buf;
    /* this thread's script start time (wall clock, ms) in the shared control block */
    double *start_wall;
    /* JS-owned byte: REPLY_* flags of the last run's reply (NULL: not asked for) */
    unsigned char *reply_info;
    napi_ref reply_info_buf;
} Engine;

/* ---- small helpers ------------------------------------------------------------ */

static double wall_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

/* ---- the Lua allocator -----------------------------------------------------------------
 * A script run allocates and frees many small blocks (argument strings, the KEYS and ARGV
 * tables, the tables replies become). Blocks up to POOL_MAX bytes come from per-size free
 * lists carved out of 64 KB slabs, which are kept for reuse (the small-block footprint stays
 * at the state's peak); larger blocks use malloc. Lua 5.1 always passes the block's real
 * size as osize, which tells which list a block returns to. */

static inline int pool_class(size_t n) {
    return (int)((n + POOL_GRAIN - 1) / POOL_GRAIN) - 1;
}

static void *pool_get(Pool *p, int c) {
    PoolBlock *b = p->free[c];
    if (b != NULL) {
        p->free[c] = b->next;
        return b;
    }
    size_t size = (size_t)(c + 1) * POOL_GRAIN;
    if (p->slab_left < size) {
        char *slab = malloc(POOL_SLAB);
        if (slab == NULL) return NULL;
        p->slab = slab;
        p->slab_left = POOL_SLAB;
    }
    void *r = p->slab;
    p->slab += size;
    p->slab_left -= size;
    return r;
}

static void pool_put(Pool *p, void *ptr, int c) {
    PoolBlock *b = ptr;
    b->next = p->free[c];
    p->free[c] = b;
}

static void *engine_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
    Pool *p = &((Engine *)ud)->pool;
    int oc = (ptr != NULL && osize > 0 && osize <= POOL_MAX) ? pool_class(osize) : -1;
    if (nsize == 0) {
        if (ptr != NULL) {
            if (oc >= 0) pool_put(p, ptr, oc);
            else free(ptr);
        }
        return NULL;
    }
    if (nsize <= POOL_MAX) {
        int nc = pool_class(nsize);
        if (ptr != NULL && oc == nc) return ptr;
        void *n = pool_get(p, nc);
        if (n == NULL) return NULL;
        if (ptr != NULL) {
            memcpy(n, ptr, osize < nsize ? osize : nsize);
            if (oc >= 0) pool_put(p, ptr, oc);
            else free(ptr);
        }
        return n;
    }
    if (oc >= 0) {
        void *n = malloc(nsize);
        if (n == NULL) return NULL;
        memcpy(n, ptr, osize);
        pool_put(p, ptr, oc);
        return n;
    }
    return realloc(ptr, nsize);
}

static Engine *engine_of(lua_State *L) {
    void *ud = NULL;
    lua_getallocf(L, &ud);
    return (Engine *)ud;
}

static void out_reserve(Engine *e, size_t n) {
    if (e->out_len + n <= e->out_cap) return;
    size_t cap = e->out_cap ? e->out_cap * 2 : 4096;
    while (cap < e->out_len + n) cap *= 2;
    char *np = realloc(e->out, cap);
    if (np == NULL) abort();
    e->out = np;
    e->out_cap = cap;
}

static void out_put(Engine *e, const char *s, size_t n) {
    out_reserve(e, n);
    memcpy(e->out + e->out_len, s, n);
    e->out_len += n;
}

static void out_str(Engine *e, const char *s) {
    out_put(e, s, strlen(s));
}

/* A RESP line: the prefix, n in decimal, CRLF (every reply header and integer goes through here). */
static void out_fmt_line(Engine *e, char prefix, long long n) {
    char digits[24];
    int d = 0;
    unsigned long long u = n < 0 ? 0ULL - (unsigned long long)n : (unsigned long long)n;
    do {
        digits[d++] = (char)('0' + u % 10);
        u /= 10;
    } while (u != 0);
    char buf[32];
    size_t len = 0;
    buf[len++] = prefix;
    if (n < 0) buf[len++] = '-';
    while (d > 0) buf[len++] = digits[--d];
    buf[len++] = '\r';
    buf[len++] = '\n';
    out_put(e, buf, len);
}

static void out_bulk(Engine *e, const char *s, size_t n) {
    out_fmt_line(e, '$', (long long)n);
    out_put(e, s, n);
    out_put(e, "\r\n", 2);
}

static void out_null(Engine *e) {
    if (e->caller_resp == 3) out_str(e, "_\r\n");
    else out_str(e, "$-1\r\n");
}

/* An error line; newlines inside become spaces (as Redis's error replies). */
static void out_error(Engine *e, const char *s, size_t n) {
    while (n > 0 && (s[n - 1] == '\r' || s[n - 1] == '\n')) n--;
    out_reserve(e, n + 3);
    e->out[e->out_len++] = '-';
    for (size_t i = 0; i < n; i++) e->out[e->out_len++] = (s[i] == '\r' || s[i] == '\n') ? ' ' : s[i];
    e->out[e->out_len++] = '\r';
    e->out[e->out_len++] = '\n';
}

static void out_double(Engine *e, double d) {
    char buf[64];
    int len;
    if (isinf(d)) {
        if (e->caller_resp == 2) {
            if (d > 0) out_bulk(e, "inf", 3);
            else out_bulk(e, "-inf", 4);
        } else out_str(e, d > 0 ? ",inf\r\n" : ",-inf\r\n");
        return;
    }
    len = snprintf(buf, sizeof(buf), "%.17g", d);
    if (e->caller_resp == 2) out_bulk(e, buf, (size_t)len);
    else {
        out_put(e, ",", 1);
        out_put(e, buf, (size_t)len);
        out_put(e, "\r\n", 2);
    }
}

/* Push {err = "<CODE> <msg>"} the way Redis's luaPushError builds it. */
static void push_error_len(lua_State *L, const char *s, size_t n) {
    const char *code = "ERR";
    size_t code_len = 3;
    const char *msg = s;
    size_t msg_len = n;
    if (n > 0 && s[0] == '-') {
        const char *sp = memchr(s, ' ', n);
        if (sp == NULL) {
            msg = s + 1;
            msg_len = n - 1;
        } else {
            code = s + 1;
            code_len = (size_t)(sp - s) - 1;
            msg = sp + 1;
            msg_len = n - (size_t)(sp + 1 - s);
        }
    }
    while (msg_len > 0 && (msg[0] == '\r' || msg[0] == '\n')) {
        msg++;
        msg_len--;
    }
    while (msg_len > 0 && (msg[msg_len - 1] == '\r' || msg[msg_len - 1] == '\n')) msg_len--;
    luaL_Buffer b;
    lua_newtable(L);
    lua_pushstring(L, "err");
    luaL_buffinit(L, &b);
    luaL_addlstring(&b, code, code_len);
    luaL_addchar(&b, ' ');
    luaL_addlstring(&b, msg, msg_len);
    luaL_pushresult(&b);
    lua_settable(L, -3);
}

static void push_error(lua_State *L, const char *s) {
    push_error_len(L, s, strlen(s));
}

static void set_ignore_stats(lua_State *L) {
    lua_pushstring(L, "ignore_error_stats_update");
    lua_pushboolean(L, 1);
    lua_settable(L, -3);
}

/* ---- read-only proxies ----------------------------------------------------------- */

/* The real table behind a proxy at idx, pushed; nothing pushed (returns 0) when idx is not a proxy. */
static int proxy_target(lua_State *L, int idx) {
    if (lua_type(L, idx) != LUA_TTABLE) return 0;
    if (idx < 0 && idx > LUA_REGISTRYINDEX) idx = lua_gettop(L) + idx + 1;
    lua_getfield(L, LUA_REGISTRYINDEX, REG_PROXIES);
    lua_pushvalue(L, idx);
    lua_rawget(L, -2);
    lua_remove(L, -2);
    if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
        return 0;
    }
    return 1;
}

static int readonly_newindex(lua_State *L) {
    return luaL_error(L, "Attempt to modify a readonly table");
}

static int readonly_raise(lua_State *L) {
    lua_pushstring(L, "Attempt to modify a readonly table");
    return lua_error(L);
}

static int nonexistent_global(lua_State *L) {
    if (lua_gettop(L) != 2) return luaL_error(L, "Wrong number of arguments to luaProtectedTableError");
    if (!lua_isstring(L, -1) && !lua_isnumber(L, -1))
        return luaL_error(L, "Second argument to luaProtectedTableError must be a string or number");
    return luaL_error(L, "Script attempted to access nonexistent global variable '%s'", lua_tostring(L, -1));
}

/* Replace the table at the top of the stack by its read-only proxy, making
 * the tables it holds read-only too (their entries are replaced by proxies). */
static void make_proxy(lua_State *L) {
    int real = lua_gettop(L);
    /* a proxy stays as it is */
    lua_getfield(L, LUA_REGISTRYINDEX, REG_PROXIES);
    lua_pushvalue(L, real);
    lua_rawget(L, -2);
    int isproxy = !lua_isnil(L, -1);
    lua_pop(L, 2);
    if (isproxy) return;
    /* already protected: its proxy */
    lua_getfield(L, LUA_REGISTRYINDEX, REG_PROXY_OF);
    lua_pushvalue(L, real);
    lua_rawget(L, -2);
    if (!lua_isnil(L, -1)) {
        lua_replace(L, real);
        lua_settop(L, real);
        return;
    }
    lua_pop(L, 2);
    lua_newtable(L); /* the proxy */
    int proxy = lua_gettop(L);
    lua_newtable(L); /* its metatable */
    lua_pushvalue(L, real);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, readonly_newindex);
    lua_setfield(L, -2, "__newindex");
    lua_setmetatable(L, proxy);
    lua_getfield(L, LUA_REGISTRYINDEX, REG_PROXIES);
    lua_pushvalue(L, proxy);
    lua_pushvalue(L, real);
    lua_rawset(L, -3);
    lua_pop(L, 1);
    lua_getfield(L, LUA_REGISTRYINDEX, REG_PROXY_OF);
    lua_pushvalue(L, real);
    lua_pushvalue(L, proxy);
    lua_rawset(L, -3);
    lua_pop(L, 1);
    /* the tables it holds (registered first, so cycles end) */
    luaL_checkstack(L, 6, "read-only tables nested too deep");
    lua_pushnil(L);
    while (lua_next(L, real)) {
        if (lua_istable(L, -1)) {
            lua_pushvalue(L, -2);
            lua_pushvalue(L, -2);
            make_proxy(L);
            if (!lua_rawequal(L, -1, -3)) lua_rawset(L, real);
            else lua_pop(L, 2);
        }
        lua_pop(L, 1);
    }
    lua_replace(L, real);
    lua_settop(L, real);
}

/* next / pairs / rawget / rawset / setmetatable / getmetatable that see through proxies. */
static int ro_next(lua_State *L) {
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_settop(L, 2);
    if (proxy_target(L, 1)) lua_replace(L, 1);
    if (lua_next(L, 1)) return 2;
    lua_pushnil(L);
    return 1;
}

static int ro_pairs(lua_State *L) {
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_pushvalue(L, lua_upvalueindex(1)); /* next */
    lua_pushvalue(L, 1);
    lua_pushnil(L);
    return 3;
}

static int ro_rawget(lua_State *L) {
    luaL_checktype(L, 1, LUA_TTABLE);
    luaL_checkany(L, 2);
    lua_settop(L, 2);
    if (proxy_target(L, 1)) lua_replace(L, 1);
    lua_rawget(L, 1);
    return 1;
}

static int ro_rawset(lua_State *L) {
    luaL_checktype(L, 1, LUA_TTABLE);
    luaL_checkany(L, 2);
    luaL_checkany(L, 3);
    lua_settop(L, 3);
    if (proxy_target(L, 1)) return readonly_raise(L);
    lua_rawset(L, 1);
    return 1;
}

static int ro_getmetatable(lua_State *L) {
    luaL_checkany(L, 1);
    if (proxy_target(L, 1)) {
        /* the real table's metatable, protected */
        if (!lua_getmetatable(L, -1)) {
            lua_pushnil(L);
            return 1;
        }
        make_proxy(L);
        return 1;
    }
    if (!lua_getmetatable(L, 1)) {
        lua_pushnil(L);
        return 1;
    }
    luaL_getmetafield(L, 1, "__metatable");
    return 1;
}

static int ro_setmetatable(lua_State *L) {
    int t = lua_type(L, 2);
    luaL_checktype(L, 1, LUA_TTABLE);
    luaL_argcheck(L, t == LUA_TNIL || t == LUA_TTABLE, 2, "nil or table expected");
    if (proxy_target(L, 1)) return readonly_raise(L);
    if (luaL_getmetafield(L, 1, "__metatable")) luaL_error(L, "cannot change a protected metatable");
    lua_settop(L, 2);
    lua_setmetatable(L, 1);
    return 1;
}

static int ro_tinsert(lua_State *L) {
    luaL_checktype(L, 1, LUA_TTABLE);
    int n = (int)lua_objlen(L, 1) + 1;
    int pos;
    switch (lua_gettop(L)) {
    case 2:
        pos = n;
        break;
    case 3: {
        pos = luaL_checkint(L, 2);
        if (pos > n) n = pos;
        if (n > pos && proxy_target(L, 1)) return readonly_raise(L);
        for (int i = n; i > pos; i--) {
            lua_rawgeti(L, 1, i - 1);
            lua_rawseti(L, 1, i);
        }
        break;
    }
    default:
        return luaL_error(L, "wrong number of arguments to 'insert'");
    }
    if (proxy_target(L, 1)) return readonly_raise(L);
    lua_rawseti(L, 1, pos);
    return 0;
}

static int ro_tremove(lua_State *L) {
    luaL_checktype(L, 1, LUA_TTABLE);
    int n = (int)lua_objlen(L, 1);
    int pos = luaL_optint(L, 2, n);
    if (!(1 <= pos && pos <= n)) return 0;
    if (proxy_target(L, 1)) return readonly_raise(L);
    lua_rawgeti(L, 1, pos);
    for (; pos < n; pos++) {
        lua_rawgeti(L, 1, pos + 1);
        lua_rawseti(L, 1, pos);
    }
    lua_pushnil(L);
    lua_rawseti(L, 1, n);
    return 1;
}

/* ---- redis.* ---------------------------------------------------------------------- */

/* Redis's pcall: an error table raised by redis.call comes back as its message. */
static int redis_lua_pcall(lua_State *L) {
    luaL_checkany(L, 1);
    int argc = lua_gettop(L);
    lua_pushboolean(L, 1);
    lua_insert(L, 1);
    if (lua_pcall(L, argc - 1, LUA_MULTRET, 0)) {
        lua_remove(L, 1);
        if (lua_istable(L, -1)) {
            lua_getfield(L, -1, "err");
            if (lua_isstring(L, -1)) lua_replace(L, -2);
            else lua_pop(L, 1);
        }
        lua_pushboolean(L, 0);
        lua_insert(L, 1);
    }
    return lua_gettop(L);
}

static const char *parse_reply(lua_State *L, const char *p, const char *end, int push);

static const char *line_end(const char *p, const char *end) {
    const char *q = memchr(p, '\r', (size_t)(end - p));
    return q == NULL ? end : q;
}

static long long parse_ll(const char *p, const char *q) {
    long long v = 0;
    int neg = 0;
    if (p < q && *p == '-') {
        neg = 1;
        p++;
    }
    while (p < q) v = v * 10 + (*p++ - '0');
    return neg ? -v : v;
}

/* Convert one RESP value at p to a Lua value (pushed only when push); returns the position after it. */
static const char *parse_reply(lua_State *L, const char *p, const char *end, int push) {
    if (p >= end) {
        if (push) lua_pushnil(L);
        return end;
    }
    char t = *p;
    const char *q = line_end(p + 1, end);
    const char *next = q + 2;
    if (push && !lua_checkstack(L, 8)) luaL_error(L, "reached lua stack limit");
    switch (t) {
    case '+':
        if (push) {
            lua_newtable(L);
            lua_pushstring(L, "ok");
            lua_pushlstring(L, p + 1, (size_t)(q - p - 1));
            lua_settable(L, -3);
        }
        return next;
    case '-':
        if (push) {
            push_error_len(L, p, (size_t)(q - p));
            set_ignore_stats(L);
        }
        return next;
    case ':':
        if (push) lua_pushnumber(L, (lua_Number)parse_ll(p + 1, q));
        return next;
    case '$':
    case '!':
    case '=': {
        long long n = parse_ll(p + 1, q);
        if (n < 0) {
            if (push) lua_pushboolean(L, 0);
            return next;
        }
        const char *s = next;
        if (push) {
            if (t == '$') lua_pushlstring(L, s, (size_t)n);
            else if (t == '!') {
                char *tmp = malloc((size_t)n + 1);
                tmp[0] = '-';
                memcpy(tmp + 1, s, (size_t)n);
                push_error_len(L, tmp, (size_t)n + 1);
                free(tmp);
                set_ignore_stats(L);
            } else {
                lua_newtable(L);
                lua_pushstring(L, "verbatim_string");
                lua_newtable(L);
                lua_pushstring(L, "string");
                lua_pushlstring(L, n >= 4 ? s + 4 : s, n >= 4 ? (size_t)n - 4 : 0);
                lua_settable(L, -3);
                lua_pushstring(L, "format");
                lua_pushlstring(L, s, n >= 3 ? 3 : (size_t)n);
                lua_settable(L, -3);
                lua_settable(L, -3);
            }
        }
        return s + n + 2;
    }
    case '*':
    case '>': {
        long long n = parse_ll(p + 1, q);
        if (n < 0) {
            if (push) lua_pushboolean(L, 0);
            return next;
        }
        if (push) lua_newtable(L);
        const char *c = next;
        for (long long j = 0; j < n; j++) {
            if (push) lua_pushnumber(L, (lua_Number)(j + 1));
            c = parse_reply(L, c, end, push);
            if (push) lua_settable(L, -3);
        }
        return c;
    }
    case '%': {
        long long n = parse_ll(p + 1, q);
        if (push) {
            lua_newtable(L);
            lua_pushstring(L, "map");
            lua_newtable(L);
        }
        const char *c = next;
        for (long long j = 0; j < n; j++) {
            c = parse_reply(L, c, end, push);
            c = parse_reply(L, c, end, push);
            if (push) lua_settable(L, -3);
        }
        if (push) lua_settable(L, -3);
        return c;
    }
    case '~': {
        long long n = parse_ll(p + 1, q);
        if (push) {
            lua_newtable(L);
            lua_pushstring(L, "set");
            lua_newtable(L);
        }
        const char *c = next;
        for (long long j = 0; j < n; j++) {
            c = parse_reply(L, c, end, push);
            if (push) {
                lua_pushboolean(L, 1);
                lua_settable(L, -3);
            }
        }
        if (push) lua_settable(L, -3);
        return c;
    }
    case '|': {
        long long n = parse_ll(p + 1, q);
        const char *c = next;
        for (long long j = 0; j < n; j++) {
            c = parse_reply(L, c, end, 0);
            c = parse_reply(L, c, end, 0);
        }
        return parse_reply(L, c, end, push);
    }
    case '_':
        if (push) lua_pushnil(L);
        return next;
    case '#':
        if (push) lua_pushboolean(L, p[1] == 't');
        return next;
    case ',': {
        if (push) {
            char buf[128];
            size_t len = (size_t)(q - p - 1);
            if (len >= sizeof(buf)) len = sizeof(buf) - 1;
            memcpy(buf, p + 1, len);
            buf[len] = '\0';
            lua_newtable(L);
            lua_pushstring(L, "double");
            lua_pushnumber(L, strtod(buf, NULL));
            lua_settable(L, -3);
        }
        return next;
    }
    case '(':
        if (push) {
            lua_newtable(L);
            lua_pushstring(L, "big_number");
            lua_pushlstring(L, p + 1, (size_t)(q - p - 1));
            lua_settable(L, -3);
        }
        return next;
    default:
        if (push) lua_pushnil(L);
        return end;
    }
}

#define CALL_MODE_CALL 0
#define CALL_MODE_ACL 1
#define CALL_MODE_WRITE 2

/* Outcome of a call into JavaScript, read after its handle scope closed. */
typedef struct {
    int kind; /* 0 pushed reply, 1 error message in msg, 2 boolean in flag, 3 nothing */
    int is_error;
    int flag;
    char *msg;
} js_outcome;

static char *dup_js_string(napi_env env, napi_value v) {
    size_t len = 0;
    napi_get_value_string_latin1(env, v, NULL, 0, &len);
    char *s = malloc(len + 1);
    napi_get_value_string_latin1(env, v, s, len + 1, &len);
    s[len] = '\0';
    return s;
}

static uint32_t get_u32(const unsigned char *p) {
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

static void put_u32(unsigned char *p, uint32_t v) {
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
    p[2] = (unsigned char)(v >> 16);
    p[3] = (unsigned char)(v >> 24);
}

/* The bytes of Lua argument j (a string, or a number as %.17g text in dbuf, as Redis 7.0:
 * lua_tolstring's format would lose precision). */
static const char *call_arg(lua_State *L, int j, char dbuf[64], size_t *len) {
    if (lua_type(L, j) == LUA_TNUMBER) {
        *len = (size_t)snprintf(dbuf, 64, "%.17g", (double)lua_tonumber(L, j));
        return dbuf;
    }
    return lua_tolstring(L, j, len);
}

/* Lua arguments 1..argc into e->callargs; 0 when they do not fit. */
static int pack_call_args(lua_State *L, Engine *e, int argc) {
    size_t cap = e->callargs_cap, pos = 4;
    unsigned char *b = e->callargs;
    if (b == NULL || cap < 4) return 0;
    for (int j = 1; j <= argc; j++) {
        char dbuf[64];
        size_t len;
        const char *str = call_arg(L, j, dbuf, &len);
        if (len > cap - pos || cap - pos - len < 4) return 0;
        put_u32(b + pos, (uint32_t)len);
        memcpy(b + pos + 4, str, len);
        pos += 4 + len;
    }
    put_u32(b, (uint32_t)argc);
    return 1;
}

/* Call the JavaScript command callback with the Lua arguments 1..argc (already checked): in
 * the shared argument buffer (the callback then gets null), or as an array of strings. */
static void call_js(lua_State *L, Engine *e, int argc, int mode, js_outcome *o) {
    napi_env env = e->env;
    napi_handle_scope scope;
    napi_open_handle_scope(env, &scope);
    napi_value arr, cb, recv, result, args[3];
    if (pack_call_args(L, e, argc)) {
        napi_get_null(env, &arr);
    } else {
        napi_create_array_with_length(env, (size_t)argc, &arr);
        for (int j = 1; j <= argc; j++) {
            napi_value s;
            char dbuf[64];
            size_t len;
            const char *str = call_arg(L, j, dbuf, &len);
            napi_create_string_latin1(env, str, len, &s);
            napi_set_element(env, arr, (uint32_t)(j - 1), s);
        }
    }
    napi_get_reference_value(env, e->call_cb, &cb);
    napi_get_undefined(env, &recv);
    args[0] = arr;
    napi_create_int32(env, e->resp, &args[1]);
    napi_create_int32(env, mode, &args[2]);
    napi_status st = napi_call_function(env, recv, cb, 3, args, &result);
    o->kind = 3;
    o->msg = NULL;
    o->is_error = 0;
    if (st != napi_ok) {
        bool pending = false;
        napi_is_exception_pending(env, &pending);
        if (pending) {
            napi_value exc;
            napi_get_and_clear_last_exception(env, &exc);
        }
        o->kind = 1;
        o->msg = strdup("ERR internal error while running the command");
    } else {
        napi_valuetype vt;
        napi_typeof(env, result, &vt);
        if (vt == napi_number) {
            /* the reply's length: its bytes are in the shared reply buffer */
            uint32_t len = 0;
            napi_get_value_uint32(env, result, &len);
            if (len > e->callreply_cap) len = 0;
            if (mode == CALL_MODE_CALL) {
                const char *p = e->callreply;
                o->is_error = len > 0 && (p[0] == '-' || p[0] == '!');
                parse_reply(L, p, p + len, 1);
                o->kind = 0;
            }
        } else if (vt == napi_string) {
            o->kind = 1;
            o->msg = dup_js_string(env, result);
        } else if (vt == napi_boolean) {
            bool b = false;
            napi_get_value_bool(env, result, &b);
            o->kind = 2;
            o->flag = b;
        } else if (vt == napi_object) {
            void *data = NULL;
            size_t len = 0;
            bool isbuf = false;
            napi_is_buffer(env, result, &isbuf);
            if (isbuf) {
                napi_get_buffer_info(env, result, &data, &len);
            } else {
                bool istyped = false;
                napi_is_typedarray(env, result, &istyped);
                if (istyped) {
                    napi_typedarray_type tt;
                    size_t elen, off;
                    napi_value ab;
                    napi_get_typedarray_info(env, result, &tt, &elen, &data, &ab, &off);
                    len = elen;
                }
            }
            if (mode == CALL_MODE_CALL) {
                const char *p = (const char *)data;
                o->is_error = len > 0 && (p[0] == '-' || p[0] == '!');
                parse_reply(L, p, p + len, 1);
                o->kind = 0;
            }
        }
    }
    napi_close_handle_scope(env, scope);
}

static int check_call_args(lua_State *L, int argc) {
    for (int j = 1; j <= argc; j++) {
        int t = lua_type(L, j);
        if (t != LUA_TNUMBER && t != LUA_TSTRING) return 0;
    }
    return 1;
}

/* The script escalates to the global lock (run.ts): stop it now. The hook raises again on
 * every line, so no pcall can keep it running; the result of the run is discarded. */
static void abort_hook(lua_State *L, lua_Debug *ar) {
    (void)ar;
    push_error(L, "ERR script aborted to run again under the global lock");
    lua_error(L);
}

static int raise_abort(lua_State *L) {
    lua_settop(L, 0);
    lua_sethook(L, abort_hook, LUA_MASKLINE, 0);
    push_error(L, "ERR script aborted to run again under the global lock");
    return lua_error(L);
}

static int redis_generic(lua_State *L, int raise) {
    Engine *e = engine_of(L);
    if (!e->running) {
        push_error(L, "redis.call/pcall can only be called inside a script invocation");
        return lua_error(L);
    }
    int argc = lua_gettop(L);
    if (argc == 0) {
        push_error(L, "Please specify at least one argument for this redis lib call");
        return raise ? lua_error(L) : 1;
    }
    if (!check_call_args(L, argc)) {
        lua_settop(L, 0);
        push_error(L, "Lua redis lib command arguments must be strings or integers");
        return raise ? lua_error(L) : 1;
    }
    js_outcome o;
    call_js(L, e, argc, CALL_MODE_CALL, &o);
    if (__atomic_load_n(e->state, __ATOMIC_SEQ_CST) & ST_ABORT) {
        if (o.kind == 1) free(o.msg);
        return raise_abort(L);
    }
    if (o.kind == 1) {
        lua_settop(L, 0);
        push_error(L, o.msg);
        free(o.msg);
        set_ignore_stats(L);
        return raise ? lua_error(L) : 1;
    }
    if (o.kind != 0) {
        lua_settop(L, 0);
        push_error(L, "ERR internal error while running the command");
        return raise ? lua_error(L) : 1;
    }
    if (raise && o.is_error) return lua_error(L);
    return 1;
}

static int redis_call(lua_State *L) {
    return redis_generic(L, 1);
}

static int redis_pcall(lua_State *L) {
    return redis_generic(L, 0);
}

static int redis_acl_check_cmd(lua_State *L) {
    Engine *e = engine_of(L);
    if (!e->running) {
        push_error(L, "redis.acl_check_cmd can only be called inside a script invocation");
        return lua_error(L);
    }
    int argc = lua_gettop(L);
    if (argc == 0) {
        push_error(L, "Please specify at least one argument for this redis lib call");
        return lua_error(L);
    }
    if (!check_call_args(L, argc)) {
        lua_settop(L, 0);
        push_error(L, "Lua redis lib command arguments must be strings or integers");
        return lua_error(L);
    }
    js_outcome o;
    call_js(L, e, argc, CALL_MODE_ACL, &o);
    if (o.kind == 2) {
        lua_pushboolean(L, o.flag);
        return 1;
    }
    if (o.msg) free(o.msg);
    push_error(L, "Invalid command passed to redis.acl_check_cmd()");
    return lua_error(L);
}

static int redis_sha1hex(lua_State *L) {
    if (lua_gettop(L) != 1) {
        push_error(L, "wrong number of arguments");
        return lua_error(L);
    }
    size_t len = 0;
    const char *s = lua_tolstring(L, 1, &len);
    if (s == NULL) {
        s = "";
        len = 0;
    }
    char digest[41];
    sha1_hex(digest, s, len);
    lua_pushstring(L, digest);
    return 1;
}

static int redis_error_reply(lua_State *L) {
    if (lua_gettop(L) != 1 || lua_type(L, -1) != LUA_TSTRING) {
        push_error(L, "wrong number or type of arguments");
        return 1;
    }
    size_t len;
    const char *s = lua_tolstring(L, -1, &len);
    if (len > 0 && s[0] == '-') push_error_len(L, s, len);
    else {
        char *tmp = malloc(len + 1);
        tmp[0] = '-';
        memcpy(tmp + 1, s, len);
        push_error_len(L, tmp, len + 1);
        free(tmp);
    }
    return 1;
}

static int redis_status_reply(lua_State *L) {
    if (lua_gettop(L) != 1 || lua_type(L, -1) != LUA_TSTRING) {
        push_error(L, "wrong number or type of arguments");
        return 1;
    }
    lua_newtable(L);
    lua_pushstring(L, "ok");
    lua_pushvalue(L, -3);
    lua_settable(L, -3);
    return 1;
}

static void call_log(Engine *e, int level, const char *msg, size_t len) {
    napi_env env = e->env;
    napi_handle_scope scope;
    napi_open_handle_scope(env, &scope);
    napi_value cb, global, args[2], result;
    napi_get_reference_value(env, e->log_cb, &cb);
    napi_get_global(env, &global);
    napi_create_int32(env, level, &args[0]);
    napi_create_string_latin1(env, msg, len, &args[1]);
    if (napi_call_function(env, global, cb, 2, args, &result) != napi_ok) {
        bool pending = false;
        napi_is_exception_pending(env, &pending);
        if (pending) {
            napi_value exc;
            napi_get_and_clear_last_exception(env, &exc);
        }
    }
    napi_close_handle_scope(env, scope);
}

static int redis_log(lua_State *L) {
    int argc = lua_gettop(L);
    if (argc < 2) {
        push_error(L, "redis.log() requires two arguments or more.");
        return lua_error(L);
    }
    if (!lua_isnumber(L, -argc)) {
        push_error(L, "First argument must be a number (log level).");
        return lua_error(L);
    }
    int level = (int)lua_tonumber(L, -argc);
    if (level < 0 || level > 3) {
        push_error(L, "Invalid debug level.");
        return lua_error(L);
    }
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    for (int j = 1; j < argc; j++) {
        size_t len;
        const char *s = lua_tolstring(L, j + 1, &len);
        if (s) {
            if (j != 1) luaL_addchar(&b, ' ');
            luaL_addlstring(&b, s, len);
        }
    }
    luaL_pushresult(&b);
    size_t len;
    const char *msg = lua_tolstring(L, -1, &len);
    call_log(engine_of(L), level, msg, len);
    return 0;
}

static int redis_setresp(lua_State *L) {
    Engine *e = engine_of(L);
    if (!e->running) {
        push_error(L, "redis.setresp can only be called inside a script invocation");
        return lua_error(L);
    }
    int argc = lua_gettop(L);
    if (argc != 1) {
        push_error(L, "redis.setresp() requires one argument.");
        return lua_error(L);
    }
    int resp = (int)lua_tonumber(L, -argc);
    if (resp != 2 && resp != 3) {
        push_error(L, "RESP version must be 2 or 3.");
        return lua_error(L);
    }
    e->resp = resp;
    return 0;
}

static int redis_set_repl(lua_State *L) {
    Engine *e = engine_of(L);
    if (!e->running) {
        push_error(L, "redis.set_repl can only be called inside a script invocation");
        return lua_error(L);
    }
    if (lua_gettop(L) != 1) {
        push_error(L, "redis.set_repl() requires two arguments.");
        return lua_error(L);
    }
    int flags = (int)lua_tonumber(L, -1);
    if ((flags & ~3) != 0) {
        push_error(L, "Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.");
        return lua_error(L);
    }
    return 0;
}

static int redis_breakpoint(lua_State *L) {
    lua_pushboolean(L, 0);
    return 1;
}

static int redis_debug(lua_State *L) {
    (void)L;
    return 0;
}

static int redis_replicate_commands(lua_State *L) {
    lua_pushboolean(L, 1);
    return 1;
}

/* ---- math.random as Redis (its own 48-bit generator, the same sequence everywhere) ---- */

#define RAND48_MAX 2147483647

static int32_t rand48_next(Engine *e) {
    e->rand48 = (e->rand48 * 0x5DEECE66DULL + 0xBULL) & ((1ULL << 48) - 1);
    return (int32_t)(e->rand48 >> 17);
}

static int redis_math_random(lua_State *L) {
    Engine *e = engine_of(L);
    if (!e->running) return luaL_error(L, "math.random can only be called inside a script invocation");
    lua_Number r = (lua_Number)(rand48_next(e) % RAND48_MAX) / (lua_Number)RAND48_MAX;
    switch (lua_gettop(L)) {
    case 0:
        lua_pushnumber(L, r);
        break;
    case 1: {
        int u = luaL_checkint(L, 1);
        luaL_argcheck(L, 1 <= u, 1, "interval is empty");
        lua_pushnumber(L, floor(r * u) + 1);
        break;
    }
    case 2: {
        int l = luaL_checkint(L, 1);
        int u = luaL_checkint(L, 2);
        luaL_argcheck(L, l <= u, 2, "interval is empty");
        lua_pushnumber(L, floor(r * (u - l + 1)) + l);
        break;
    }
    default:
        return luaL_error(L, "wrong number of arguments");
    }
    return 1;
}

static int redis_math_randomseed(lua_State *L) {
    Engine *e = engine_of(L);
    if (!e->running) return luaL_error(L, "math.randomseed can only be called inside a script invocation");
    int32_t seed = (int32_t)luaL_checkint(L, 1);
    e->rand48 = (((uint64_t)(uint32_t)seed) << 16) | 0x330EULL;
    return 0;
}

/* ---- FUNCTION LOAD: redis.register_function ----------------------------------------- */

static int valid_name(const char *s, size_t n) {
    if (n == 0) return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) return 0;
    }
    return 1;
}

/* Flags table at the top of the stack -> bits; -1 on an unknown or non-string flag. */
static int read_flags(lua_State *L) {
    int flags = 0;
    for (int j = 1;; j++) {
        lua_pushnumber(L, j);
        lua_gettable(L, -2);
        if (lua_isnil(L, -1)) {
            lua_pop(L, 1);
            break;
        }
        if (!lua_isstring(L, -1)) {
            lua_pop(L, 1);
            return -1;
        }
        const char *f = lua_tostring(L, -1);
        int found = -1;
        for (int k = 0; script_flag_names[k]; k++)
            if (!strcasecmp(script_flag_names[k], f)) found = k;
        lua_pop(L, 1);
        if (found < 0) return -1;
        flags |= 1 << found;
    }
    return flags;
}

static int redis_register_function(lua_State *L) {
    Engine *e = engine_of(L);
    if (!e->loading) {
        push_error(L, "redis.register_function can only be called on FUNCTION LOAD command");
        return lua_error(L);
    }
    int argc = lua_gettop(L);
    const char *err = NULL;
    int flags = 0;
    int have_desc = 0;
    if (argc < 1 || argc > 2) {
        push_error(L, "wrong number of arguments to redis.register_function");
        return lua_error(L);
    }
    /* Normalise to stack: 1 name, 2 callback, 3 description (or nil). */
    if (argc == 1) {
        if (!lua_istable(L, 1)) {
            push_error(L, "calling redis.register_function with a single argument is only applicable to Lua table (representing named arguments).");
            return lua_error(L);
        }
        lua_pushnil(L); /* 2 name */
        lua_pushnil(L); /* 3 callback */
        lua_pushnil(L); /* 4 description */
        lua_pushnil(L);
        while (lua_next(L, 1)) {
            if (!lua_isstring(L, -2)) {
                err = "named argument key given to redis.register_function is not a string";
                break;
            }
            const char *key = lua_tostring(L, -2);
            if (!strcasecmp(key, "function_name")) {
                if (!lua_isstring(L, -1)) {
                    err = "function_name argument given to redis.register_function must be a string";
                    break;
                }
                lua_pushvalue(L, -1);
                lua_replace(L, 2);
            } else if (!strcasecmp(key, "description")) {
                if (!lua_isstring(L, -1)) {
                    err = "description argument given to redis.register_function must be a string";
                    break;
                }
                lua_pushvalue(L, -1);
                lua_replace(L, 4);
                have_desc = 1;
            } else if (!strcasecmp(key, "callback")) {
                if (!lua_isfunction(L, -1)) {
                    err = "callback argument given to redis.register_function must be a function";
                    break;
                }
                lua_pushvalue(L, -1);
                lua_replace(L, 3);
            } else if (!strcasecmp(key, "flags")) {
                if (!lua_istable(L, -1)) {
                    err = "flags argument to redis.register_function must be a table representing function flags";
                    break;
                }
                int f = read_flags(L);
                if (f < 0) {
                    err = "unknown flag given";
                    break;
                }
                flags = f;
            } else {
                err = "unknown argument given to redis.register_function";
                break;
            }
            lua_pop(L, 1);
        }
        if (err == NULL && lua_isnil(L, 2)) err = "redis.register_function must get a function name argument";
        if (err == NULL && lua_isnil(L, 3)) err = "redis.register_function must get a callback argument";
        if (err != NULL) {
            push_error(L, err);
            return lua_error(L);
        }
        lua_settop(L, 4);
        lua_remove(L, 1);
    } else {
        if (!lua_isstring(L, 1)) {
            push_error(L, "first argument to redis.register_function must be a string");
            return lua_error(L);
        }
        if (!lua_isfunction(L, 2)) {
            push_error(L, "second argument to redis.register_function must be a function");
            return lua_error(L);
        }
        lua_pushnil(L);
    }
    size_t nlen;
    const char *name = lua_tolstring(L, 1, &nlen);
    if (!valid_name(name, nlen)) {
        push_error(L, "Library names can only contain letters, numbers, or underscores(_) and must be at least one character long");
        return lua_error(L);
    }
    lua_getfield(L, LUA_REGISTRYINDEX, REG_LOAD_FUNCS);
    int list = lua_gettop(L);
    int n = (int)lua_objlen(L, list);
    for (int i = 1; i <= n; i++) {
        lua_rawgeti(L, list, i);
        lua_rawgeti(L, -1, 1);
        int same = lua_rawequal(L, -1, 1);
        lua_pop(L, 2);
        if (same) {
            push_error(L, "Function already exists in the library");
            return lua_error(L);
        }
    }
    lua_newtable(L);
    lua_pushvalue(L, 1);
    lua_rawseti(L, -2, 1);
    if (have_desc || !lua_isnil(L, 3)) {
        lua_pushvalue(L, 3);
        lua_rawseti(L, -2, 2);
    }
    lua_pushnumber(L, flags);
    lua_rawseti(L, -2, 3);
    lua_pushvalue(L, 2);
    lua_rawseti(L, -2, 4);
    lua_rawseti(L, list, n + 1);
    return 0;
}

/* ---- building the Lua states ---------------------------------------------------------- */

static void set_const_number(lua_State *L, const char *k, double v) {
    lua_pushnumber(L, v);
    lua_setfield(L, -2, k);
}

static void register_log(lua_State *L) {
    lua_pushcfunction(L, redis_log);
    lua_setfield(L, -2, "log");
    set_const_number(L, "LOG_DEBUG", 0);
    set_const_number(L, "LOG_VERBOSE", 1);
    set_const_number(L, "LOG_NOTICE", 2);
    set_const_number(L, "LOG_WARNING", 3);
}

static void register_version(lua_State *L, Engine *e) {
    lua_pushnumber(L, e->version_num);
    lua_setfield(L, -2, "REDIS_VERSION_NUM");
    lua_pushstring(L, e->version);
    lua_setfield(L, -2, "REDIS_VERSION");
}

static void set_error_metatable(lua_State *L) {
    lua_newtable(L);
    lua_pushcfunction(L, nonexistent_global);
    lua_setfield(L, -2, "__index");
    lua_setmetatable(L, -2);
}

static const char *ERR_HANDLER_SRC =
    "local dbg = debug\n"
    "local error_handler = function (err)\n"
    "  local i = dbg.getinfo(2,'nSl')\n"
    "  if i and i.what == 'C' then\n"
    "    i = dbg.getinfo(3,'nSl')\n"
    "  end\n"
    "  if type(err) ~= 'table' then\n"
    "    err = {err='ERR ' .. tostring(err)}\n"
    "  end\n"
    "  if i then\n"
    "    err['source'] = i.source\n"
    "    err['line'] = i.currentline\n"
    "  end\n"
    "  return err\n"
    "end\n"
    "return error_handler\n";

typedef struct {
    Engine *e;
    int is_func;
} setup_args;

static void open_lib(lua_State *L, const char *name, lua_CFunction f) {
    lua_pushcfunction(L, f);
    lua_pushstring(L, name);
    lua_call(L, 1, 0);
}

static int setup_state(lua_State *L) {
    setup_args *a = (setup_args *)lua_touserdata(L, 1);
    Engine *e = a->e;
    lua_settop(L, 0);
    open_lib(L, "", luaopen_base);
    open_lib(L, LUA_TABLIBNAME, luaopen_table);
    open_lib(L, LUA_STRLIBNAME, luaopen_string);
    open_lib(L, LUA_MATHLIBNAME, luaopen_math);
    open_lib(L, LUA_DBLIBNAME, luaopen_debug);
    lua_pushcfunction(L, luaopen_cjson);
    lua_call(L, 0, 1);
    lua_setglobal(L, "cjson");
    lua_pushcfunction(L, luaopen_bit);
    lua_call(L, 0, 1);
    lua_setglobal(L, "bit");
    lua_pushcfunction(L, keydb_open_struct);
    lua_call(L, 0, 1);
    lua_setglobal(L, "struct");
    lua_pushcfunction(L, keydb_open_cmsgpack);
    lua_call(L, 0, 1);
    lua_setglobal(L, "cmsgpack");
    /* not available to scripts */
    static const char *removed[] = {"print", "dofile", "loadfile", "getfenv", "setfenv", "newproxy", "module", "require", "package", NULL};
    for (int i = 0; removed[i]; i++) {
        lua_pushnil(L);
        lua_setglobal(L, removed[i]);
    }
    lua_pushcfunction(L, redis_lua_pcall);
    lua_setglobal(L, "pcall");
    /* builtins that see through the read-only proxies */
    lua_pushcfunction(L, ro_next);
    lua_pushvalue(L, -1);
    lua_setglobal(L, "next");
    lua_pushcclosure(L, ro_pairs, 1);
    lua_setglobal(L, "pairs");
    lua_pushcfunction(L, ro_rawget);
    lua_setglobal(L, "rawget");
    lua_pushcfunction(L, ro_rawset);
    lua_setglobal(L, "rawset");
    lua_pushcfunction(L, ro_getmetatable);
    lua_setglobal(L, "getmetatable");
    lua_pushcfunction(L, ro_setmetatable);
    lua_setglobal(L, "setmetatable");
    lua_getglobal(L, "table");
    lua_pushcfunction(L, ro_tinsert);
    lua_setfield(L, -2, "insert");
    lua_pushcfunction(L, ro_tremove);
    lua_setfield(L, -2, "remove");
    lua_pop(L, 1);
    lua_getglobal(L, "math");
    lua_pushcfunction(L, redis_math_random);
    lua_setfield(L, -2, "random");
    lua_pushcfunction(L, redis_math_randomseed);
    lua_setfield(L, -2, "randomseed");
    lua_pop(L, 1);

    /* the redis table */
    lua_newtable(L);
    lua_pushcfunction(L, redis_call);
    lua_setfield(L, -2, "call");
    lua_pushcfunction(L, redis_pcall);
    lua_setfield(L, -2, "pcall");
    register_log(L);
    register_version(L, e);
    lua_pushcfunction(L, redis_setresp);
    lua_setfield(L, -2, "setresp");
    lua_pushcfunction(L, redis_sha1hex);
    lua_setfield(L, -2, "sha1hex");
    lua_pushcfunction(L, redis_error_reply);
    lua_setfield(L, -2, "error_reply");
    lua_pushcfunction(L, redis_status_reply);
    lua_setfield(L, -2, "status_reply");
    lua_pushcfunction(L, redis_set_repl);
    lua_setfield(L, -2, "set_repl");
    set_const_number(L, "REPL_NONE", 0);
    set_const_number(L, "REPL_AOF", 1);
    set_const_number(L, "REPL_SLAVE", 2);
    set_const_number(L, "REPL_REPLICA", 2);
    set_const_number(L, "REPL_ALL", 3);
    lua_pushcfunction(L, redis_acl_check_cmd);
    lua_setfield(L, -2, "acl_check_cmd");
    if (!a->is_func) {
        lua_pushcfunction(L, redis_breakpoint);
        lua_setfield(L, -2, "breakpoint");
        lua_pushcfunction(L, redis_debug);
        lua_setfield(L, -2, "debug");
        lua_pushcfunction(L, redis_replicate_commands);
        lua_setfield(L, -2, "replicate_commands");
    }
    lua_setglobal(L, "redis");

    /* the error handler, then no debug library for scripts */
    if (luaL_loadbuffer(L, ERR_HANDLER_SRC, strlen(ERR_HANDLER_SRC), "@err_handler_def")) return lua_error(L);
    lua_call(L, 0, 1);
    if (a->is_func) lua_setfield(L, LUA_REGISTRYINDEX, REG_ERR_HANDLER);
    else lua_setglobal(L, "__redis__err__handler");
    lua_pushnil(L);
    lua_setglobal(L, "debug");

    /* registry tables */
    lua_newtable(L);
    lua_setfield(L, LUA_REGISTRYINDEX, REG_PROXIES);
    lua_newtable(L);
    lua_setfield(L, LUA_REGISTRYINDEX, REG_PROXY_OF);
    lua_newtable(L);
    lua_setfield(L, LUA_REGISTRYINDEX, REG_SCRIPTS);
    lua_newtable(L);
    lua_setfield(L, LUA_REGISTRYINDEX, REG_LOAD_FUNCS);

    /* FUNCTION LOAD's globals: only redis.register_function, redis.log and the versions */
    if (a->is_func) {
        lua_newtable(L); /* load globals */
        lua_newtable(L); /* load redis table */
        lua_pushcfunction(L, redis_register_function);
        lua_setfield(L, -2, "register_function");
        register_log(L);
        register_version(L, e);
        set_error_metatable(L);
        make_proxy(L);
        lua_setfield(L, -2, "redis");
        set_error_metatable(L);
        make_proxy(L);
        lua_setfield(L, LUA_REGISTRYINDEX, REG_LOAD_API);
    }

    /* The real globals R get an erroring __index, every table below is proxied,
     * and the thread's globals become an empty proxy P over R. */
    lua_pushvalue(L, LUA_GLOBALSINDEX);
    int real = lua_gettop(L);
    lua_pushvalue(L, real);
    lua_setfield(L, LUA_REGISTRYINDEX, REG_REAL_GLOBALS);
    set_error_metatable(L);
    /* proxy every library table held in R */
    lua_pushnil(L);
    while (lua_next(L, real)) {
        if (lua_istable(L, -1) && !lua_rawequal(L, -1, real)) {
            lua_pushvalue(L, -2);
            lua_pushvalue(L, -2);
            make_proxy(L);
            lua_rawset(L, real);
        }
        lua_pop(L, 1);
    }
    /* the string metatable: method calls keep using the real string table,
     * getmetatable("") shows a read-only view */
    lua_pushliteral(L, "");
    if (lua_getmetatable(L, -1)) {
        int smt = lua_gettop(L);
        lua_pushvalue(L, smt);
        make_proxy(L);
        lua_setfield(L, smt, "__metatable");
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    /* R's own metatable is protected too (getmetatable(_G) returns a read-only view) */
    lua_newtable(L); /* P */
    int p = lua_gettop(L);
    lua_newtable(L); /* P's metatable */
    lua_pushvalue(L, real);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, readonly_newindex);
    lua_setfield(L, -2, "__newindex");
    lua_pushvalue(L, -1);
    lua_setfield(L, LUA_REGISTRYINDEX, REG_GLOBALS_MT);
    lua_setmetatable(L, p);
    lua_getfield(L, LUA_REGISTRYINDEX, REG_PROXIES);
    lua_pushvalue(L, p);
    lua_pushvalue(L, real);
    lua_rawset(L, -3);
    lua_pop(L, 1);
    lua_getfield(L, LUA_REGISTRYINDEX, REG_PROXY_OF);
    lua_pushvalue(L, real);
    lua_pushvalue(L, p);
    lua_rawset(L, -3);
    lua_pop(L, 1);
    lua_pushliteral(L, "_G");
    lua_pushvalue(L, p);
    lua_rawset(L, real);
    lua_pushvalue(L, p);
    lua_replace(L, LUA_GLOBALSINDEX);
    lua_settop(L, 0);
    return 0;
}

static lua_State *new_state(Engine *e, int is_func, char **err) {
    lua_State *L = lua_newstate(engine_alloc, e);
    if (L == NULL) {
        *err = strdup("cannot create the Lua state");
        return NULL;
    }
    setup_args a = {e, is_func};
    if (lua_cpcall(L, setup_state, &a) != 0) {
        const char *m = lua_tostring(L, -1);
        *err = strdup(m ? m : "Lua setup failed");
        lua_close(L);
        return NULL;
    }
    return L;
}

/* ---- converting a script's result to RESP ------------------------------------------ */

static void lua_to_resp(Engine *e, lua_State *L, int depth);

static void table_field_type(lua_State *L, const char *k) {
    lua_pushstring(L, k);
    lua_rawget(L, -2);
}

/* Does the error table at (negative) index idx carry ignore_error_stats_update (counted already)? */
static int error_counted(lua_State *L, int idx) {
    lua_pushstring(L, "ignore_error_stats_update");
    lua_rawget(L, idx - 1);
    int counted = lua_toboolean(L, -1);
    lua_pop(L, 1);
    return counted;
}

static void note_reply(Engine *e, unsigned char flag) {
    if (e->reply_info != NULL) e->reply_info[0] |= flag;
}

static void lua_to_resp(Engine *e, lua_State *L, int depth) {
    if (!lua_checkstack(L, 4) || depth > 1000) {
        out_str(e, "-ERR reached lua stack limit\r\n");
        lua_pop(L, 1);
        return;
    }
    int t = lua_type(L, -1);
    switch (t) {
    case LUA_TSTRING: {
        size_t len;
        const char *s = lua_tolstring(L, -1, &len);
        out_bulk(e, s, len);
        break;
    }
    case LUA_TBOOLEAN:
        if (e->resp == 2) {
            if (lua_toboolean(L, -1)) out_str(e, ":1\r\n");
            else out_null(e);
        } else {
            if (e->caller_resp == 3) out_str(e, lua_toboolean(L, -1) ? "#t\r\n" : "#f\r\n");
            else out_str(e, lua_toboolean(L, -1) ? ":1\r\n" : ":0\r\n");
        }
        break;
    case LUA_TNUMBER:
        out_fmt_line(e, ':', (long long)lua_tonumber(L, -1));
        break;
    case LUA_TTABLE: {
        table_field_type(L, "err");
        if (lua_type(L, -1) == LUA_TSTRING) {
            size_t len;
            const char *s = lua_tolstring(L, -1, &len);
            out_error(e, s, len);
            if (error_counted(L, -2)) note_reply(e, depth == 0 ? REPLY_TOP_COUNTED : REPLY_NESTED_COUNTED);
            else if (depth > 0) call_log(e, LOG_ERROR_REPLY, s, len); /* the top level is counted by the caller */
            lua_pop(L, 2);
            return;
        }
        lua_pop(L, 1);
        table_field_type(L, "ok");
        if (lua_type(L, -1) == LUA_TSTRING) {
            size_t len;
            const char *s = lua_tolstring(L, -1, &len);
            out_reserve(e, len + 3);
            e->out[e->out_len++] = '+';
            for (size_t i = 0; i < len; i++) e->out[e->out_len++] = (s[i] == '\r' || s[i] == '\n') ? ' ' : s[i];
            out_put(e, "\r\n", 2);
            lua_pop(L, 2);
            return;
        }
        lua_pop(L, 1);
        table_field_type(L, "double");
        if (lua_type(L, -1) == LUA_TNUMBER) {
            out_double(e, lua_tonumber(L, -1));
            lua_pop(L, 2);
            return;
        }
        lua_pop(L, 1);
        table_field_type(L, "big_number");
        if (lua_type(L, -1) == LUA_TSTRING) {
            size_t len;
            const char *s = lua_tolstring(L, -1, &len);
            if (e->caller_resp == 3) {
                out_reserve(e, len + 3);
                e->out[e->out_len++] = '(';
                for (size_t i = 0; i < len; i++) e->out[e->out_len++] = (s[i] == '\r' || s[i] == '\n') ? ' ' : s[i];
                out_put(e, "\r\n", 2);
            } else {
                char *tmp = malloc(len + 1);
                for (size_t i = 0; i < len; i++) tmp[i] = (s[i] == '\r' || s[i] == '\n') ? ' ' : s[i];
                out_bulk(e, tmp, len);
                free(tmp);
            }
            lua_pop(L, 2);
            return;
        }
        lua_pop(L, 1);
        table_field_type(L, "verbatim_string");
        if (lua_type(L, -1) == LUA_TTABLE) {
            table_field_type(L, "format");
            if (lua_type(L, -1) == LUA_TSTRING) {
                size_t flen;
                const char *fmt = lua_tolstring(L, -1, &flen);
                lua_pushstring(L, "string");
                lua_rawget(L, -3);
                if (lua_type(L, -1) == LUA_TSTRING) {
                    size_t len;
                    const char *s = lua_tolstring(L, -1, &len);
                    if (e->caller_resp == 3) {
                        char f3[3] = {' ', ' ', ' '};
                        memcpy(f3, fmt, flen < 3 ? flen : 3);
                        out_fmt_line(e, '=', (long long)len + 4);
                        out_put(e, f3, 3);
                        out_put(e, ":", 1);
                        out_put(e, s, len);
                        out_put(e, "\r\n", 2);
                    } else out_bulk(e, s, len);
                    lua_pop(L, 4);
                    return;
                }
                lua_pop(L, 1);
            }
            lua_pop(L, 1);
        }
        lua_pop(L, 1);
        table_field_type(L, "map");
        if (lua_type(L, -1) == LUA_TTABLE) {
            size_t hdr = e->out_len;
            out_str(e, "%0000000000\r\n");
            long long n = 0;
            lua_pushnil(L);
            while (lua_next(L, -2)) {
                lua_pushvalue(L, -2);
                lua_to_resp(e, L, depth + 1);
                lua_to_resp(e, L, depth + 1);
                n++;
            }
            char head[32];
            int hl = e->caller_resp == 3 ? snprintf(head, sizeof(head), "%%%lld\r\n", n) : snprintf(head, sizeof(head), "*%lld\r\n", n * 2);
            size_t body = e->out_len - hdr - 13;
            memmove(e->out + hdr + hl, e->out + hdr + 13, body);
            memcpy(e->out + hdr, head, (size_t)hl);
            e->out_len = hdr + (size_t)hl + body;
            lua_pop(L, 2);
            return;
        }
        lua_pop(L, 1);
        table_field_type(L, "set");
        if (lua_type(L, -1) == LUA_TTABLE) {
            size_t hdr = e->out_len;
            out_str(e, "~0000000000\r\n");
            long long n = 0;
            lua_pushnil(L);
            while (lua_next(L, -2)) {
                lua_pop(L, 1);
                lua_pushvalue(L, -1);
                lua_to_resp(e, L, depth + 1);
                n++;
            }
            char head[32];
            int hl = snprintf(head, sizeof(head), "%c%lld\r\n", e->caller_resp == 3 ? '~' : '*', n);
            size_t body = e->out_len - hdr - 13;
            memmove(e->out + hdr + hl, e->out + hdr + 13, body);
            memcpy(e->out + hdr, head, (size_t)hl);
            e->out_len = hdr + (size_t)hl + body;
            lua_pop(L, 2);
            return;
        }
        lua_pop(L, 1);
        /* an array up to the first nil */
        size_t hdr = e->out_len;
        out_str(e, "*0000000000\r\n");
        long long n = 0;
        for (int j = 1;; j++) {
            lua_pushnumber(L, j);
            lua_rawget(L, -2);
            if (lua_type(L, -1) == LUA_TNIL) {
                lua_pop(L, 1);
                break;
            }
            lua_to_resp(e, L, depth + 1);
            n++;
        }
        char head[32];
        int hl = snprintf(head, sizeof(head), "*%lld\r\n", n);
        size_t body = e->out_len - hdr - 13;
        memmove(e->out + hdr + hl, e->out + hdr + 13, body);
        memcpy(e->out + hdr, head, (size_t)hl);
        e->out_len = hdr + (size_t)hl + body;
        break;
    }
    default:
        out_null(e);
    }
    lua_pop(L, 1);
}

/* ---- the busy / kill hook -------------------------------------------------------------- */

static void kill_hook(lua_State *L, lua_Debug *ar);

static void count_hook(lua_State *L, lua_Debug *ar) {
    (void)ar;
    Engine *e = engine_of(L);
    if (!e->running) return;
    if (!e->busy && e->busy_ms > 0) {
        double elapsed = now_ms() - e->start_ms;
        if (elapsed >= e->busy_ms) {
            e->busy = 1;
            __atomic_fetch_or(e->state, ST_BUSY, __ATOMIC_SEQ_CST);
            __atomic_fetch_add(e->eval_mode ? e->busy_eval : e->busy_func, 1, __ATOMIC_SEQ_CST);
            char msg[256];
            int n = snprintf(msg, sizeof(msg),
                             "Slow script detected: still in execution after %lld milliseconds. You can try killing the script using the %s command.",
                             (long long)elapsed, e->eval_mode ? "SCRIPT KILL" : "FUNCTION KILL");
            call_log(e, LOG_BUSY_START, msg, (size_t)n);
        }
    }
    if (__atomic_load_n(e->state, __ATOMIC_SEQ_CST) & ST_KILLED) {
        /* every line from now on raises again, so pcall cannot keep the script alive */
        lua_sethook(L, kill_hook, LUA_MASKLINE, 0);
        push_error(L, "Script killed by user with SCRIPT KILL...");
        lua_error(L);
    }
}

static void kill_hook(lua_State *L, lua_Debug *ar) {
    count_hook(L, ar);
}

static void load_hook(lua_State *L, lua_Debug *ar) {
    (void)ar;
    Engine *e = engine_of(L);
    if (now_ms() - e->load_start_ms > 500) {
        lua_sethook(L, load_hook, LUA_MASKLINE, 0);
        push_error(L, "FUNCTION LOAD timeout");
        lua_error(L);
    }
}

/* ---- N-API entry points ------------------------------------------------------------------ */

#define NAPI_OK(call)                                                                  \
    do {                                                                               \
        if ((call) != napi_ok) {                                                       \
            napi_throw_error(env, NULL, "scripting engine: N-API call failed: " #call); \
            return NULL;                                                               \
        }                                                                              \
    } while (0)

static Engine *get_engine(napi_env env) {
    Engine *e = NULL;
    napi_get_instance_data(env, (void **)&e);
    return e;
}

static char *arg_string(napi_env env, napi_value v, size_t *len_out) {
    size_t len = 0;
    if (napi_get_value_string_latin1(env, v, NULL, 0, &len) != napi_ok) return NULL;
    char *s = malloc(len + 1);
    napi_get_value_string_latin1(env, v, s, len + 1, &len);
    s[len] = '\0';
    if (len_out) *len_out = len;
    return s;
}

static napi_value make_string(napi_env env, const char *s, size_t n) {
    napi_value v;
    napi_create_string_latin1(env, s, n, &v);
    return v;
}

static void engine_finalize(napi_env env, void *data, void *hint) {
    (void)env;
    (void)hint;
    Engine *e = (Engine *)data;
    if (e->eval_L) lua_close(e->eval_L);
    if (e->func_L) lua_close(e->func_L);
    free(e->out);
    free(e);
}

/* The Buffer option `name` of create(), kept alive by a reference: its bytes (none when absent). */
static napi_status buffer_option(napi_env env, napi_value opts, const char *name, napi_ref *ref, void **data, size_t *len) {
    bool has = false;
    napi_value v;
    *data = NULL;
    *len = 0;
    napi_status st = napi_has_named_property(env, opts, name, &has);
    if (st != napi_ok || !has) return st;
    if ((st = napi_get_named_property(env, opts, name, &v)) != napi_ok) return st;
    if ((st = napi_create_reference(env, v, 1, ref)) != napi_ok) return st;
    return napi_get_buffer_info(env, v, data, len);
}

/* create({ call, log, state: Int32Array, stateIndex, startIndex, busyEvalIndex, busyFuncIndex, result, callArgs,
 * callReply, replyInfo, version, versionNum }) */
static napi_value js_create(napi_env env, napi_callback_info info) {
    size_t argc = 1;
    napi_value argv[1], v;
    NAPI_OK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
    Engine *e = get_engine(env);
    if (e != NULL) {
        napi_throw_error(env, NULL, "scripting engine already created on this thread");
        return NULL;
    }
    e = calloc(1, sizeof(Engine));
    e->env = env;
    e->rand48 = 0x1234ABCD330EULL;
    e->wall_offset = wall_ms() - now_ms();
    NAPI_OK(napi_get_named_property(env, argv[0], "call", &v));
    NAPI_OK(napi_create_reference(env, v, 1, &e->call_cb));
    NAPI_OK(napi_get_named_property(env, argv[0], "log", &v));
    NAPI_OK(napi_create_reference(env, v, 1, &e->log_cb));
    NAPI_OK(napi_get_named_property(env, argv[0], "state", &v));
    NAPI_OK(napi_create_reference(env, v, 1, &e->state_buf));
    napi_typedarray_type tt;
    size_t len, off;
    void *data;
    napi_value ab;
    NAPI_OK(napi_get_typedarray_info(env, v, &tt, &len, &data, &ab, &off));
    int32_t *words = (int32_t *)data;
    void *rdata;
    size_t rlen;
    NAPI_OK(buffer_option(env, argv[0], "result", &e->result_buf, &rdata, &rlen));
    e->result = rdata;
    e->result_cap = rlen;
    NAPI_OK(buffer_option(env, argv[0], "callArgs", &e->callargs_buf, &rdata, &rlen));
    e->callargs = rdata;
    e->callargs_cap = rlen;
    NAPI_OK(buffer_option(env, argv[0], "callReply", &e->callreply_buf, &rdata, &rlen));
    e->callreply = rdata;
    e->callreply_cap = rlen;
    NAPI_OK(buffer_option(env, argv[0], "replyInfo", &e->reply_info_buf, &rdata, &rlen));
    e->reply_info = rlen >= 1 ? rdata : NULL;
    int32_t idx;
    bool has_start = false;
    NAPI_OK(napi_has_named_property(env, argv[0], "startIndex", &has_start));
    if (has_start) {
        NAPI_OK(napi_get_named_property(env, argv[0], "startIndex", &v));
        NAPI_OK(napi_get_value_int32(env, v, &idx));
        e->start_wall = (double *)(words + idx);
    }
    NAPI_OK(napi_get_named_property(env, argv[0], "stateIndex", &v));
    NAPI_OK(napi_get_value_int32(env, v, &idx));
    e->state = words + idx;
    NAPI_OK(napi_get_named_property(env, argv[0], "busyEvalIndex", &v));
    NAPI_OK(napi_get_value_int32(env, v, &idx));
    e->busy_eval = words + idx;
    NAPI_OK(napi_get_named_property(env, argv[0], "busyFuncIndex", &v));
    NAPI_OK(napi_get_value_int32(env, v, &idx));
    e->busy_func = words + idx;
    NAPI_OK(napi_get_named_property(env, argv[0], "version", &v));
    size_t vl;
    napi_get_value_string_latin1(env, v, e->version, sizeof(e->version), &vl);
    NAPI_OK(napi_get_named_property(env, argv[0], "versionNum", &v));
    NAPI_OK(napi_get_value_double(env, v, &e->version_num));
    char *err = NULL;
    e->eval_L = new_state(e, 0, &err);
    if (e->eval_L) e->func_L = new_state(e, 1, &err);
    if (!e->eval_L || !e->func_L) {
        napi_throw_error(env, NULL, err ? err : "Lua setup failed");
        free(err);
        return NULL;
    }
    NAPI_OK(napi_set_instance_data(env, e, engine_finalize, NULL));
    return NULL;
}

/* evalCompile(sha, body): null, or the error message */
static napi_value js_eval_compile(napi_env env, napi_callback_info info) {
    size_t argc = 2;
    napi_value argv[2];
    NAPI_OK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
    Engine *e = get_engine(env);
    size_t blen = 0;
    char *sha = arg_string(env, argv[0], NULL);
    char *body = arg_string(env, argv[1], &blen);
    lua_State *L = e->eval_L;
    napi_value result;
    /* skip a shebang line (its flags were parsed by the caller) */
    size_t skip = 0;
    if (blen >= 2 && body[0] == '#' && body[1] == '!') {
        char *nl = memchr(body, '\n', blen);
        skip = nl ? (size_t)(nl - body) : blen;
    }
    if (luaL_loadbuffer(L, body + skip, blen - skip, "@user_script")) {
        const char *m = lua_tostring(L, -1);
        size_t ml = strlen(m) + 64;
        char *msg = malloc(ml);
        int n = snprintf(msg, ml, "ERR Error compiling script (new function): %s", m);
        lua_pop(L, 1);
        result = make_string(env, msg, (size_t)n);
        free(msg);
    } else {
        lua_getfield(L, LUA_REGISTRYINDEX, REG_SCRIPTS);
        lua_pushstring(L, sha);
        lua_pushvalue(L, -3);
        lua_rawset(L, -3);
        lua_pop(L, 2);
        napi_get_null(env, &result);
    }
    free(sha);
    free(body);
    return result;
}

/* reset(which): a fresh Lua state (0 eval: SCRIPT FLUSH, 1 functions: FUNCTION FLUSH) */
static napi_value js_reset(napi_env env, napi_callback_info info) {
    size_t argc = 1;
    napi_value argv[1];
    NAPI_OK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
    Engine *e = get_engine(env);
    int32_t which;
    NAPI_OK(napi_get_value_int32(env, argv[0], &which));
    if (e->running) {
        napi_throw_error(env, NULL, "cannot reset the Lua state while a script runs");
        return NULL;
    }
    char *err = NULL;
    lua_State *L = new_state(e, which == 1, &err);
    if (L == NULL) {
        napi_throw_error(env, NULL, err ? err : "Lua setup failed");
        free(err);
        return NULL;
    }
    if (which == 1) {
        lua_close(e->func_L);
        e->func_L = L;
    } else {
        lua_close(e->eval_L);
        e->eval_L = L;
    }
    return NULL;
}

static void push_string_array(napi_env env, lua_State *L, napi_value arr) {
    uint32_t n = 0;
    napi_get_array_length(env, arr, &n);
    lua_createtable(L, (int)n, 0);
    char stackbuf[256];
    for (uint32_t i = 0; i < n; i++) {
        napi_value v;
        napi_get_element(env, arr, i, &v);
        size_t len = 0;
        napi_get_value_string_latin1(env, v, NULL, 0, &len);
        char *buf = len < sizeof(stackbuf) ? stackbuf : malloc(len + 1);
        napi_get_value_string_latin1(env, v, buf, len + 1, &len);
        lua_pushlstring(L, buf, len);
        if (buf != stackbuf) free(buf);
        lua_rawseti(L, -2, (int)i + 1);
    }
}

/* A Lua table of the strings at *pos in the argument buffer (u32 count, then u32 length and
 * bytes each); *pos moves past them. */
static void push_packed_array(Engine *e, lua_State *L, size_t *pos) {
    const unsigned char *b = e->callargs;
    size_t p = *pos;
    uint32_t n = get_u32(b + p);
    p += 4;
    lua_createtable(L, (int)n, 0);
    for (uint32_t i = 0; i < n; i++) {
        uint32_t len = get_u32(b + p);
        lua_pushlstring(L, (const char *)b + p + 4, len);
        lua_rawseti(L, -2, (int)i + 1);
        p += 4 + len;
    }
    *pos = p;
}

/* KEYS (or the keys argument) and ARGV: from the JS arrays, or (both null) from the argument
 * buffer, where run() packed them. */
static void push_run_array(napi_env env, Engine *e, lua_State *L, napi_value arr, size_t *pos) {
    napi_valuetype vt;
    napi_typeof(env, arr, &vt);
    if (vt == napi_null) push_packed_array(e, L, pos);
    else push_string_array(env, L, arr);
}

/* run(mode, name, ref, keys, args, callerResp, busyMs): Buffer (the RESP reply) or string (an error reply's text);
 * keys and args null: they are packed in the argument buffer (keys, then args) */
static napi_value js_run(napi_env env, napi_callback_info info) {
    size_t argc = 7;
    napi_value argv[7];
    NAPI_OK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
    Engine *e = get_engine(env);
    if (e->running) {
        napi_throw_error(env, NULL, "a script is already running on this thread");
        return NULL;
    }
    int32_t mode, ref, resp;
    double busy_ms;
    NAPI_OK(napi_get_value_int32(env, argv[0], &mode));
    size_t nl = 0;
    napi_get_value_string_latin1(env, argv[1], e->funcname, sizeof(e->funcname), &nl);
    NAPI_OK(napi_get_value_int32(env, argv[2], &ref));
    NAPI_OK(napi_get_value_int32(env, argv[5], &resp));
    NAPI_OK(napi_get_value_double(env, argv[6], &busy_ms));
    lua_State *L = mode == 0 ? e->eval_L : e->func_L;
    int base = lua_gettop(L);
    e->running = 1;
    e->eval_mode = mode == 0;
    e->resp = 2;
    e->caller_resp = resp;
    e->start_ms = now_ms();
    e->busy_ms = busy_ms;
    e->busy = 0;
    e->out_len = 0;
    if (e->reply_info != NULL) e->reply_info[0] = 0;
    int nargs;
    size_t packed = 0;
    if (mode == 0) {
        lua_getfield(L, LUA_REGISTRYINDEX, REG_REAL_GLOBALS);
        int real = lua_gettop(L);
        lua_getfield(L, real, "__redis__err__handler");
        lua_getfield(L, LUA_REGISTRYINDEX, REG_SCRIPTS);
        lua_getfield(L, -1, e->funcname);
        lua_replace(L, -2);
        lua_pushliteral(L, "KEYS");
        push_run_array(env, e, L, argv[3], &packed);
        lua_rawset(L, real);
        lua_pushliteral(L, "ARGV");
        push_run_array(env, e, L, argv[4], &packed);
        lua_rawset(L, real);
        lua_remove(L, real);
        nargs = 0;
    } else {
        lua_getfield(L, LUA_REGISTRYINDEX, REG_ERR_HANDLER);
        lua_rawgeti(L, LUA_REGISTRYINDEX, ref);
        push_run_array(env, e, L, argv[3], &packed);
        push_run_array(env, e, L, argv[4], &packed);
        nargs = 2;
    }
    if (!lua_isfunction(L, -1 - nargs)) {
        lua_settop(L, base);
        e->running = 0;
        return make_string(env, "ERR script not compiled on this thread", 38);
    }
    if (busy_ms > 0) lua_sethook(L, count_hook, LUA_MASKCOUNT, 100000);
    /* Other threads see the script from here (SCRIPT KILL, FUNCTION STATS, busy replies). */
    if (e->start_wall != NULL) *e->start_wall = floor(e->start_ms + e->wall_offset);
    __atomic_store_n(e->state, ST_RUNNING | (mode == 0 ? ST_EVAL : 0), __ATOMIC_SEQ_CST);
    int err = lua_pcall(L, nargs, 1, base + 1);
    __atomic_store_n(e->state, 0, __ATOMIC_SEQ_CST);
    if (++e->gc_count >= 50) {
        lua_gc(L, LUA_GCSTEP, 50);
        e->gc_count = 0;
    }
    napi_value result;
    if (err) {
        /* {err=..., source=..., line=...} from the error handler */
        char *msg = NULL;
        size_t mlen = 0;
        if (!lua_istable(L, -1)) {
            const char *m = lua_isstring(L, -1) ? lua_tostring(L, -1) : "execution failure";
            size_t cap = strlen(m) + 256;
            msg = malloc(cap);
            mlen = (size_t)snprintf(msg, cap, "ERR Error running script %s, %.100s", e->funcname, m);
        } else {
            if (error_counted(L, -1)) note_reply(e, REPLY_TOP_COUNTED);
            lua_getfield(L, -1, "err");
            const char *em = lua_isstring(L, -1) ? lua_tostring(L, -1) : "ERR unknown error";
            lua_getfield(L, -2, "source");
            const char *src = lua_isstring(L, -1) ? lua_tostring(L, -1) : NULL;
            lua_getfield(L, -3, "line");
            const char *line = lua_isstring(L, -1) ? lua_tostring(L, -1) : NULL;
            size_t cap = strlen(em) + (src ? strlen(src) : 0) + (line ? strlen(line) : 0) + 256;
            msg = malloc(cap);
            if (src && line) mlen = (size_t)snprintf(msg, cap, "%s script: %s, on %s:%s.", em, e->funcname, src, line);
            else mlen = (size_t)snprintf(msg, cap, "%s", em);
            lua_pop(L, 3);
        }
        while (mlen > 0 && (msg[mlen - 1] == '\n' || msg[mlen - 1] == '\r')) mlen--;
        result = make_string(env, msg, mlen);
        free(msg);
        lua_pop(L, 1);
    } else {
        lua_to_resp(e, L, 0);
        if (e->out_len <= e->result_cap) {
            memcpy(e->result, e->out, e->out_len);
            napi_create_uint32(env, (uint32_t)e->out_len, &result);
        } else {
            void *dst;
            napi_create_buffer_copy(env, e->out_len, e->out, &dst, &result);
        }
        if (e->out_cap > 1024 * 1024) {
            free(e->out);
            e->out = NULL;
            e->out_cap = 0;
        }
        e->out_len = 0;
    }
    lua_sethook(L, NULL, 0, 0); /* the busy hook, or the abort hook */
    if (mode == 0) {
        /* KEYS / ARGV are not kept between runs */
        lua_getfield(L, LUA_REGISTRYINDEX, REG_REAL_GLOBALS);
        lua_pushliteral(L, "KEYS");
        lua_pushnil(L);
        lua_rawset(L, -3);
        lua_pushliteral(L, "ARGV");
        lua_pushnil(L);
        lua_rawset(L, -3);
        lua_pop(L, 1);
    }
    lua_settop(L, base);
    if (e->busy) __atomic_fetch_sub(e->eval_mode ? e->busy_eval : e->busy_func, 1, __ATOMIC_SEQ_CST);
    e->busy = 0;
    e->running = 0;
    return result;
}

/* funcLoad(code): [[name, description|null, flags, ref], ...] or the error message */
static napi_value js_func_load(napi_env env, napi_callback_info info) {
    size_t argc = 1;
    napi_value argv[1];
    NAPI_OK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
    Engine *e = get_engine(env);
    if (e->running) {
        napi_throw_error(env, NULL, "a script is running on this thread");
        return NULL;
    }
    size_t clen = 0;
    char *code = arg_string(env, argv[0], &clen);
    lua_State *L = e->func_L;
    int base = lua_gettop(L);
    napi_value result;
    /* load-time globals */
    lua_getfield(L, LUA_REGISTRYINDEX, REG_GLOBALS_MT);
    lua_getfield(L, LUA_REGISTRYINDEX, REG_LOAD_API);
    lua_setfield(L, -2, "__index");
    lua_pop(L, 1);
    lua_newtable(L);
    lua_setfield(L, LUA_REGISTRYINDEX, REG_LOAD_FUNCS);
    char *errmsg = NULL;
    if (luaL_loadbuffer(L, code, clen, "@user_function")) {
        const char *m = lua_tostring(L, -1);
        size_t cap = strlen(m) + 64;
        errmsg = malloc(cap);
        snprintf(errmsg, cap, "ERR Error compiling function: %s", m);
        lua_pop(L, 1);
    } else {
        e->loading = 1;
        e->load_start_ms = now_ms();
        lua_sethook(L, load_hook, LUA_MASKCOUNT, 100000);
        if (lua_pcall(L, 0, 0, 0)) {
            const char *m = NULL;
            char *owned = NULL;
            if (lua_isstring(L, -1)) {
                const char *s = lua_tostring(L, -1);
                owned = malloc(strlen(s) + 8);
                sprintf(owned, "ERR %s", s);
                m = owned;
            } else if (lua_istable(L, -1)) {
                lua_getfield(L, -1, "err");
                if (lua_isstring(L, -1)) m = lua_tostring(L, -1);
            }
            if (m == NULL) m = "(null)";
            size_t cap = strlen(m) + 64;
            errmsg = malloc(cap);
            snprintf(errmsg, cap, "ERR Error registering functions: %s", m);
            free(owned);
        }
        lua_sethook(L, NULL, 0, 0);
        e->loading = 0;
    }
    lua_settop(L, base);
    /* back to the run-time globals */
    lua_getfield(L, LUA_REGISTRYINDEX, REG_GLOBALS_MT);
    lua_getfield(L, LUA_REGISTRYINDEX, REG_REAL_GLOBALS);
    lua_setfield(L, -2, "__index");
    lua_pop(L, 1);
    lua_getfield(L, LUA_REGISTRYINDEX, REG_LOAD_FUNCS);
    int list = lua_gettop(L);
    int n = (int)lua_objlen(L, list);
    if (errmsg != NULL) {
        result = make_string(env, errmsg, strlen(errmsg));
        free(errmsg);
    } else {
        napi_create_array_with_length(env, (size_t)n, &result);
        for (int i = 1; i <= n; i++) {
            lua_rawgeti(L, list, i);
            napi_value entry, v;
            napi_create_array_with_length(env, 4, &entry);
            size_t len;
            lua_rawgeti(L, -1, 1);
            const char *s = lua_tolstring(L, -1, &len);
            napi_set_element(env, entry, 0, make_string(env, s, len));
            lua_pop(L, 1);
            lua_rawgeti(L, -1, 2);
            if (lua_isnil(L, -1)) napi_get_null(env, &v);
            else {
                s = lua_tolstring(L, -1, &len);
                v = make_string(env, s, len);
            }
            napi_set_element(env, entry, 1, v);
            lua_pop(L, 1);
            lua_rawgeti(L, -1, 3);
            napi_create_int32(env, (int32_t)lua_tonumber(L, -1), &v);
            napi_set_element(env, entry, 2, v);
            lua_pop(L, 1);
            lua_rawgeti(L, -1, 4);
            int r = luaL_ref(L, LUA_REGISTRYINDEX);
            napi_create_int32(env, r, &v);
            napi_set_element(env, entry, 3, v);
            lua_pop(L, 1);
            napi_set_element(env, result, (uint32_t)(i - 1), entry);
        }
    }
    lua_pop(L, 1);
    lua_newtable(L);
    lua_setfield(L, LUA_REGISTRYINDEX, REG_LOAD_FUNCS);
    lua_settop(L, base);
    free(code);
    return result;
}

/* funcUnref(refs): release compiled functions of a dropped library */
static napi_value js_func_unref(napi_env env, napi_callback_info info) {
    size_t argc = 1;
    napi_value argv[1];
    NAPI_OK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
    Engine *e = get_engine(env);
    uint32_t n = 0;
    napi_get_array_length(env, argv[0], &n);
    for (uint32_t i = 0; i < n; i++) {
        napi_value v;
        int32_t r;
        napi_get_element(env, argv[0], i, &v);
        napi_get_value_int32(env, v, &r);
        luaL_unref(e->func_L, LUA_REGISTRYINDEX, r);
    }
    return NULL;
}

static napi_value js_sha1hex(napi_env env, napi_callback_info info) {
    size_t argc = 1;
    napi_value argv[1];
    NAPI_OK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
    size_t len;
    char *s = arg_string(env, argv[0], &len);
    char digest[41];
    sha1_hex(digest, s ? s : "", s ? len : 0);
    free(s);
    return make_string(env, digest, 40);
}

/* memory(which): bytes used by the eval (0) or function (1) Lua state */
static napi_value js_memory(napi_env env, napi_callback_info info) {
    size_t argc = 1;
    napi_value argv[1], result;
    NAPI_OK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
    Engine *e = get_engine(env);
    int32_t which = 0;
    napi_get_value_int32(env, argv[0], &which);
    lua_State *L = which == 1 ? e->func_L : e->eval_L;
    double bytes = (double)lua_gc(L, LUA_GCCOUNT, 0) * 1024.0 + (double)lua_gc(L, LUA_GCCOUNTB, 0);
    napi_create_double(env, bytes, &result);
    return result;
}

NAPI_MODULE_INIT() {
    napi_property_descriptor props[] = {
        {"create", NULL, js_create, NULL, NULL, NULL, napi_default, NULL},
        {"evalCompile", NULL, js_eval_compile, NULL, NULL, NULL, napi_default, NULL},
        {"reset", NULL, js_reset, NULL, NULL, NULL, napi_default, NULL},
        {"run", NULL, js_run, NULL, NULL, NULL, napi_default, NULL},
        {"funcLoad", NULL, js_func_load, NULL, NULL, NULL, napi_default, NULL},
        {"funcUnref", NULL, js_func_unref, NULL, NULL, NULL, napi_default, NULL},
        {"sha1hex", NULL, js_sha1hex, NULL, NULL, NULL, napi_default, NULL},
        {"memory", NULL, js_memory, NULL, NULL, NULL, napi_default, NULL},
    };
    napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
    return exports;
}

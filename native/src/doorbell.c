/*
 * A server thread's doorbell as a libuv async handle on the thread's own
 * event loop (src/router/doorbell.ts). Another thread rings it with
 * uv_async_send, which marks the handle pending and writes the loop's
 * eventfd only when it was not pending already; the owner's loop then calls
 * the JS function given to open(). JavaScript's own way to sleep until
 * another thread writes (Atomics.waitAsync, woken by Atomics.notify) costs a
 * promise and a waiter record per sleep, V8's futex-emulation lock, and a
 * task posted through Node's platform queue per wake-up.
 *
 * Bells live in a process-wide table under a mutex: ring() looks its bell up
 * and sends while it holds the mutex, so a bell closed by its thread (or by
 * the cleanup hook when that thread's environment goes away) is never
 * touched after its handle is closed.
 */
#include <node_api.h>
#include <uv.h>
#include <pthread.h>
#include <stdlib.h>

#define MAX_BELLS 1024

typedef struct {
  uv_async_t async;
  napi_env env;
  napi_ref callback;
  napi_async_context context;
  napi_async_cleanup_hook_handle hook;
  int id;
} bell_t;

static pthread_mutex_t table_lock = PTHREAD_MUTEX_INITIALIZER;
static bell_t *table[MAX_BELLS];

#define CHECK(call)                                                    \
  do {                                                                 \
    if ((call) != napi_ok) {                                           \
      napi_throw_error(env, NULL, "doorbell: " #call " failed");       \
      return NULL;                                                     \
    }                                                                  \
  } while (0)

static void on_ring(uv_async_t *handle) {
  bell_t *b = (bell_t *)handle->data;
  napi_env env = b->env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  napi_value fn, recv, result;
  if (napi_get_reference_value(env, b->callback, &fn) == napi_ok && fn != NULL && napi_get_global(env, &recv) == napi_ok) {
    napi_make_callback(env, b->context, recv, fn, 0, NULL, &result);
  }
  napi_close_handle_scope(env, scope);
}

static void on_closed(uv_handle_t *handle) {
  free(handle->data);
}

/* Release bell b (out of the table already) on its own thread. */
static void discard(bell_t *b) {
  napi_delete_reference(b->env, b->callback);
  napi_async_destroy(b->env, b->context);
  uv_close((uv_handle_t *)&b->async, on_closed);
}

/* No ring reaches bell b once this returns. */
static void unlist(bell_t *b) {
  pthread_mutex_lock(&table_lock);
  if (table[b->id] == b) table[b->id] = NULL;
  pthread_mutex_unlock(&table_lock);
}

/*
 * The thread's environment is going away with the bell open: close its handle
 * and tell Node when that is done (an asynchronous cleanup hook), so that
 * this library stays loaded until the close callback has run.
 */
static void on_closed_at_teardown(uv_handle_t *handle) {
  bell_t *b = (bell_t *)handle->data;
  napi_remove_async_cleanup_hook(b->hook);
  free(b);
}

static void cleanup_hook(napi_async_cleanup_hook_handle handle, void *arg) {
  bell_t *b = (bell_t *)arg;
  unlist(b);
  uv_close((uv_handle_t *)&b->async, on_closed_at_teardown);
}

/* open(callback): a bell on this thread's loop that calls `callback` when rung; returns its id. */
static napi_value bell_open(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  napi_valuetype t = napi_undefined;
  if (argc >= 1) CHECK(napi_typeof(env, argv[0], &t));
  if (t != napi_function) {
    napi_throw_type_error(env, NULL, "doorbell: open(callback)");
    return NULL;
  }
  uv_loop_t *loop;
  CHECK(napi_get_uv_event_loop(env, &loop));
  bell_t *b = calloc(1, sizeof(bell_t));
  if (b == NULL) {
    napi_throw_error(env, NULL, "doorbell: out of memory");
    return NULL;
  }
  b->env = env;
  b->id = -1;
  b->async.data = b;
  napi_value name;
  if (napi_create_reference(env, argv[0], 1, &b->callback) != napi_ok ||
      napi_create_string_utf8(env, "doorbell", NAPI_AUTO_LENGTH, &name) != napi_ok ||
      napi_async_init(env, NULL, name, &b->context) != napi_ok || uv_async_init(loop, &b->async, on_ring) != 0) {
    free(b);
    napi_throw_error(env, NULL, "doorbell: open failed");
    return NULL;
  }
  /* The bell alone does not keep the thread's loop alive. */
  uv_unref((uv_handle_t *)&b->async);
  int id = -1;
  pthread_mutex_lock(&table_lock);
  for (int i = 0; i < MAX_BELLS; i++) {
    if (table[i] == NULL) {
      table[i] = b;
      id = i;
      break;
    }
  }
  pthread_mutex_unlock(&table_lock);
  if (id < 0) {
    discard(b);
    napi_throw_error(env, NULL, "doorbell: too many bells");
    return NULL;
  }
  b->id = id;
  if (napi_add_async_cleanup_hook(env, cleanup_hook, b, &b->hook) != napi_ok) {
    unlist(b);
    discard(b);
    napi_throw_error(env, NULL, "doorbell: open failed");
    return NULL;
  }
  napi_value out;
  CHECK(napi_create_int32(env, id, &out));
  return out;
}

static int32_t arg_id(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t id = -1;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1) return -1;
  if (napi_get_value_int32(env, argv[0], &id) != napi_ok) return -1;
  return id;
}

/* ring(id): wake bell `id`'s thread (from any thread); a closed or unknown bell is ignored. */
static napi_value bell_ring(napi_env env, napi_callback_info info) {
  int32_t id = arg_id(env, info);
  if (id < 0 || id >= MAX_BELLS) return NULL;
  pthread_mutex_lock(&table_lock);
  bell_t *b = table[id];
  if (b != NULL) uv_async_send(&b->async);
  pthread_mutex_unlock(&table_lock);
  return NULL;
}

/* close(id): on the thread that opened it. */
static napi_value bell_close(napi_env env, napi_callback_info info) {
  int32_t id = arg_id(env, info);
  if (id < 0 || id >= MAX_BELLS) return NULL;
  pthread_mutex_lock(&table_lock);
  bell_t *b = table[id];
  if (b != NULL && b->env == env) table[id] = NULL;
  else b = NULL;
  pthread_mutex_unlock(&table_lock);
  if (b == NULL) return NULL;
  napi_remove_async_cleanup_hook(b->hook);
  discard(b);
  return NULL;
}

NAPI_MODULE_INIT() {
  napi_property_descriptor props[] = {
      {"open", NULL, bell_open, NULL, NULL, NULL, napi_default, NULL},
      {"ring", NULL, bell_ring, NULL, NULL, NULL, napi_default, NULL},
      {"close", NULL, bell_close, NULL, NULL, NULL, napi_default, NULL},
  };
  if (napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props) != napi_ok) return NULL;
  return exports;
}

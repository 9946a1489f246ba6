/*
 * Handing a connection from one server thread to another
 * (src/shards/migrate.ts). A thread's socket handle belongs to its own event
 * loop and closing it closes its descriptor, so the thread that gives a
 * connection away first duplicates the descriptor: the copy goes to the
 * thread that takes the connection over (which wraps it in a socket of its
 * own loop), and the giver then closes its handle. The kernel's socket lives
 * on through the copy: nothing is sent to the peer, no byte is lost.
 */
#include <node_api.h>
#include <fcntl.h>
#include <errno.h>

/* dup(fd): a new descriptor for the same open socket (close-on-exec), or -errno. */
static napi_value fd_dup(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t fd = -1;
  napi_value out;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1) return NULL;
  if (napi_get_value_int32(env, argv[0], &fd) != napi_ok) return NULL;
  int copy = fd < 0 ? -EBADF : fcntl(fd, F_DUPFD_CLOEXEC, 3);
  if (copy < 0 && fd >= 0) copy = -errno;
  if (napi_create_int32(env, copy, &out) != napi_ok) return NULL;
  return out;
}

NAPI_MODULE_INIT() {
  napi_property_descriptor props[] = {
      {"dup", NULL, fd_dup, NULL, NULL, NULL, napi_default, NULL},
  };
  if (napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props) != napi_ok) return NULL;
  return exports;
}

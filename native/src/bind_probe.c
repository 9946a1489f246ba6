/*
 * Is an address and port free to listen on for this process alone
 * (src/listen_addresses.ts)? The server threads listen with SO_REUSEPORT,
 * which lets any other process of the same user that listens the same way
 * share the port; Redis refuses a port in use. So before the threads listen,
 * the main thread binds a socket without SO_REUSEPORT to each address and
 * closes it again: bound, nobody else holds the port. The socket never
 * listens, so no connection can reach it meanwhile.
 */
#include <node_api.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* bindProbe(host, port, ipv6Only): 0 when the bind succeeded, -errno otherwise. */
static napi_value bind_probe(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  char host[64];
  size_t hl = 0;
  int32_t port = 0;
  bool v6only = false;
  napi_value out;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 3) return NULL;
  if (napi_get_value_string_latin1(env, argv[0], host, sizeof(host), &hl) != napi_ok) return NULL;
  if (napi_get_value_int32(env, argv[1], &port) != napi_ok) return NULL;
  if (napi_get_value_bool(env, argv[2], &v6only) != napi_ok) return NULL;
  int rc = 0;
  struct sockaddr_in a4;
  struct sockaddr_in6 a6;
  memset(&a4, 0, sizeof(a4));
  memset(&a6, 0, sizeof(a6));
  int family = AF_INET;
  if (inet_pton(AF_INET, host, &a4.sin_addr) == 1) {
    a4.sin_family = AF_INET;
    a4.sin_port = htons((uint16_t)port);
  } else if (inet_pton(AF_INET6, host, &a6.sin6_addr) == 1) {
    family = AF_INET6;
    a6.sin6_family = AF_INET6;
    a6.sin6_port = htons((uint16_t)port);
  } else rc = -EINVAL;
  if (rc == 0) {
    int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) rc = -errno;
    else {
      int one = 1;
      /* As Node's (and Redis's) listeners: sockets of closed connections waiting out TIME_WAIT do not count. */
      setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
      if (family == AF_INET6 && v6only) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
      int b = family == AF_INET ? bind(fd, (struct sockaddr *)&a4, sizeof(a4)) : bind(fd, (struct sockaddr *)&a6, sizeof(a6));
      if (b != 0) rc = -errno;
      close(fd);
    }
  }
  if (napi_create_int32(env, rc, &out) != napi_ok) return NULL;
  return out;
}

NAPI_MODULE_INIT() {
  napi_property_descriptor props[] = {
      {"bindProbe", NULL, bind_probe, NULL, NULL, NULL, napi_default, NULL},
  };
  if (napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props) != napi_ok) return NULL;
  return exports;
}

{
  "targets": [
    {
      "target_name": "keydb_bell",
      "sources": ["src/doorbell.c"],
      "defines": ["NAPI_VERSION=8"],
      "cflags": ["-O2", "-std=gnu11", "-Wall", "-Wno-unused-parameter"]
    },
    {
      "target_name": "keydb_fd",
      "sources": ["src/fd_handoff.c"],
      "defines": ["NAPI_VERSION=8"],
      "cflags": ["-O2", "-std=gnu11", "-Wall", "-Wno-unused-parameter"]
    },
    {
      "target_name": "keydb_net",
      "sources": ["src/bind_probe.c"],
      "defines": ["NAPI_VERSION=8"],
      "cflags": ["-O2", "-std=gnu11", "-Wall", "-Wno-unused-parameter"]
    },
    {
      "target_name": "keydb_lua",
      "sources": ["src/engine.c", "src/sha1.c", "src/lua_struct.c", "src/lua_cmsgpack.c"],
      "include_dirs": ["/usr/include/lua5.1"],
      "defines": ["NAPI_VERSION=8"],
      "cflags": ["-O2", "-std=gnu11", "-Wall", "-Wno-unused-parameter"],
      "libraries": ["-llua5.1", "-l:liblua5.1-cjson.so.0", "-l:liblua5.1-bitop.so.0"]
    }
  ]
}

{
  "targets": [
    {
      "target_name": "strata_native",
      "sources": ["src/binding.cc", "src/fsops.c", "src/mountops.c", "src/procops.c", "src/spawnwait.c",
                  "src/confine.c", "src/confine-walk.c", "src/peercred.c",
                  "src/rtnl.c", "src/netattach.c", "src/diskusage.c", "src/newentries.c"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NODE_ADDON_API_DISABLE_DEPRECATED", "NAPI_CPP_EXCEPTIONS"],
      "cflags": ["-Wall", "-Wextra", "-Werror"],
      "cflags_cc": ["-Wall", "-Wextra", "-Werror", "-std=c++17", "-fexceptions"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions"]
    },
    {
      "target_name": "strata-runtime",
      "type": "executable",
      "sources": ["<!@(ls -1 src/runtime/*.c)"],
      "cflags": ["-Wall", "-Wextra", "-Werror", "-std=gnu11", "-D_GNU_SOURCE"],
      "libraries": ["-lseccomp"]
    }
  ]
}

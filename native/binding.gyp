# Graft native kernels: an N-API addon (node-addon-api, C++17) on Debian's oneDNN (libdnnl-dev).
# Built by scripts/build-native.mjs (npm run build:native, the package's install script, npx graft
# build-native); see docs/native.md. A oneDNN outside the system paths comes in through
# GRAFT_DNNL_INCLUDE / GRAFT_DNNL_LIB, set by the build script from GRAFT_DNNL_DIR or pkg-config.
# AVX2/FMA flags are added only when the building machine has them (GRAFT_NATIVE_SIMD=1, set by
# the build script after reading /proc/cpuinfo); the oneDNN library dispatches its own JIT code.
{
  "variables": {
    "graft_simd%": "<!(node -p \"process.env.GRAFT_NATIVE_SIMD === '1' ? 1 : 0\")",
    "graft_dnnl_include%": "<!(node -p \"process.env.GRAFT_DNNL_INCLUDE || ''\")",
    "graft_dnnl_lib%": "<!(node -p \"process.env.GRAFT_DNNL_LIB || ''\")"
  },
  "targets": [
    {
      "target_name": "graft_native",
      "sources": [
        "src/addon.cc",
        "src/conv.cc",
        "src/matmul.cc",
        "src/pool.cc",
        "src/optimizers.cc",
        "src/lstm.cc",
        "src/gru.cc",
        "src/reduce.cc",
        "src/crc32c.cc"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "NODE_ADDON_API_CPP_EXCEPTIONS_ALL"],
      "cflags!": ["-fno-exceptions", "-O2"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-O2"],
      "cflags_cc": ["-std=c++17", "-O3", "-fexceptions", "-fopenmp", "-ffp-contract=off"],
      "ldflags": ["-fopenmp"],
      "libraries": ["-ldnnl"],
      "conditions": [
        ["graft_simd==1", { "cflags_cc": ["-mavx2", "-mfma"] }],
        ["graft_dnnl_include!=''", { "include_dirs": ["<(graft_dnnl_include)"] }],
        ["graft_dnnl_lib!=''", { "libraries": ["-L<(graft_dnnl_lib)", "-Wl,-rpath,<(graft_dnnl_lib)"] }]
      ]
    }
  ]
}

// Shared helpers of the Graft native kernels: the oneDNN engine and stream (one per process),
// pointer access into the TF.js wasm heap (a Uint8Array view passed on every call, because wasm
// memory growth replaces the buffer), argument readers, and the primitive cache key.
#pragma once
#include <napi.h>
#include <oneapi/dnnl/dnnl.hpp>
#include <cstdint>
#include <string>

namespace graft {

dnnl::engine& cpuEngine();
dnnl::stream& cpuStream();

// A view of the wasm heap: base pointer and length in bytes.
struct Heap {
  uint8_t* base;
  size_t length;
  // Float pointer at byte offset `off` holding `count` floats; throws when out of bounds or unaligned.
  float* f32(int64_t off, int64_t count) const;
};

Heap heapArg(const Napi::CallbackInfo& info, size_t index);
int64_t intArg(const Napi::CallbackInfo& info, size_t index);
double numArg(const Napi::CallbackInfo& info, size_t index);
bool boolArg(const Napi::CallbackInfo& info, size_t index);

// Fused activation as a oneDNN post-op: 0 none, 1 relu, 2 relu6 (the codes of activationCode in
// src/runtime/native/kernel-util.ts).
dnnl::primitive_attr activationAttr(int64_t act);

// Builds a cache key from integers.
std::string makeKey(const char* kind, std::initializer_list<int64_t> values);

// Registers the exports of each kernel family.
void initConv(Napi::Env env, Napi::Object exports);
void initMatmul(Napi::Env env, Napi::Object exports);
void initPool(Napi::Env env, Napi::Object exports);
void initOptimizers(Napi::Env env, Napi::Object exports);
void initLstm(Napi::Env env, Napi::Object exports);
void initGru(Napi::Env env, Napi::Object exports);
void initReduce(Napi::Env env, Napi::Object exports);
void initGather(Napi::Env env, Napi::Object exports);
void initCrc32c(Napi::Env env, Napi::Object exports);

// A reusable scratch buffer of at least n floats for slot `slot` (0-7), kept across calls so large
// temporaries do not pay fresh-page faults on every training step. Contents are unspecified.
// Kernels run on Node's main thread only, one at a time.
float* scratch(int slot, int64_t n);

// Inside an OpenMP parallel region: this thread's slice [b0, b1) of `n` rows.
void batchSlice(int64_t n, int64_t* b0, int64_t* b1);

// Row-major single-precision GEMM through oneDNN: C = alpha * op(A) @ op(B) + beta * C.
void sgemm(bool transA, bool transB, int64_t M, int64_t N, int64_t K, float alpha, const float* A,
           int64_t lda, const float* B, int64_t ldb, float beta, float* C, int64_t ldc);

}  // namespace graft

// Module entry of graft_native: engine/stream singletons, argument helpers, and the export table.
#include "common.h"
#include <omp.h>
#include <sstream>
#include <vector>

namespace graft {

dnnl::engine& cpuEngine() {
  static dnnl::engine eng(dnnl::engine::kind::cpu, 0);
  return eng;
}

dnnl::stream& cpuStream() {
  static dnnl::stream s(cpuEngine());
  return s;
}

float* Heap::f32(int64_t off, int64_t count) const {
  if (off < 0 || count < 0 || (off & 3) != 0 ||
      static_cast<uint64_t>(off) + static_cast<uint64_t>(count) * 4 > length) {
    std::ostringstream msg;
    msg << "graft_native: tensor at byte offset " << off << " with " << count
        << " floats is outside the wasm heap of " << length << " bytes";
    throw std::runtime_error(msg.str());
  }
  return reinterpret_cast<float*>(base + off);
}

Heap heapArg(const Napi::CallbackInfo& info, size_t index) {
  if (!info[index].IsTypedArray()) throw std::runtime_error("graft_native: argument 0 must be the wasm heap (Uint8Array)");
  auto arr = info[index].As<Napi::Uint8Array>();
  return Heap{arr.Data(), arr.ByteLength()};
}

int64_t intArg(const Napi::CallbackInfo& info, size_t index) {
  return info[index].As<Napi::Number>().Int64Value();
}

double numArg(const Napi::CallbackInfo& info, size_t index) {
  return info[index].As<Napi::Number>().DoubleValue();
}

bool boolArg(const Napi::CallbackInfo& info, size_t index) {
  return info[index].ToBoolean().Value();
}

dnnl::primitive_attr activationAttr(int64_t act) {
  dnnl::primitive_attr attr;
  if (act != 0) {
    dnnl::post_ops po;
    if (act == 1) po.append_eltwise(1.f, dnnl::algorithm::eltwise_relu, 0.f, 0.f);
    else po.append_eltwise(1.f, dnnl::algorithm::eltwise_clip, 0.f, 6.f);
    attr.set_post_ops(po);
  }
  return attr;
}

std::string makeKey(const char* kind, std::initializer_list<int64_t> values) {
  std::string key(kind);
  for (int64_t v : values) {
    key.push_back(':');
    key += std::to_string(v);
  }
  return key;
}

void sgemm(bool transA, bool transB, int64_t M, int64_t N, int64_t K, float alpha, const float* A,
           int64_t lda, const float* B, int64_t ldb, float beta, float* C, int64_t ldc) {
  if (M == 0 || N == 0) return;
  dnnl_status_t st = dnnl_sgemm(transA ? 'T' : 'N', transB ? 'T' : 'N', M, N, K, alpha, A, lda, B,
                                ldb, beta, C, ldc);
  if (st != dnnl_success) throw std::runtime_error("graft_native: dnnl_sgemm failed with status " + std::to_string(st));
}

float* scratch(int slot, int64_t n) {
  static std::vector<float> buffers[8];
  auto& b = buffers[slot];
  if (static_cast<int64_t>(b.size()) < n) b.resize(static_cast<size_t>(n));
  return b.data();
}

void batchSlice(int64_t n, int64_t* b0, int64_t* b1) {
  const int64_t nt = omp_get_num_threads(), id = omp_get_thread_num();
  *b0 = n * id / nt;
  *b1 = n * (id + 1) / nt;
}

static Napi::Value Info(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  const dnnl_version_t* v = dnnl_version();
  o.Set("onednn", std::to_string(v->major) + "." + std::to_string(v->minor) + "." + std::to_string(v->patch));
  o.Set("threads", omp_get_max_threads());
#if defined(__AVX2__) && defined(__FMA__)
  o.Set("simd", "avx2+fma");
#else
  o.Set("simd", "portable");
#endif
  return o;
}

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("info", Napi::Function::New(env, Info));
  initConv(env, exports);
  initMatmul(env, exports);
  initPool(env, exports);
  initOptimizers(env, exports);
  initLstm(env, exports);
  initGru(env, exports);
  initReduce(env, exports);
  initGather(env, exports);
  initCrc32c(env, exports);
  return exports;
}

}  // namespace graft

static Napi::Object InitModule(Napi::Env env, Napi::Object exports) { return graft::Init(env, exports); }

NODE_API_MODULE(graft_native, InitModule)

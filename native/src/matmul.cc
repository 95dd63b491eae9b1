// BatchMatMul / _FusedMatMul on oneDNN's matmul primitive, every transpose variant expressed as
// strides over the row-major tensors TF.js stores (no transposed copies), batch broadcasting as
// oneDNN's implicit broadcast, optional bias [N] and relu/relu6 as post-ops. Cached by shape.
#include "common.h"
#include <memory>
#include <unordered_map>

namespace graft {
using namespace dnnl;
using dt = memory::data_type;

namespace {

struct Mm {
  matmul prim;
  memory a, b, bias, c;
  bool hasBias = false;
};

std::unordered_map<std::string, std::unique_ptr<Mm>> cache;

std::unique_ptr<Mm> makeMm(int64_t bA, int64_t bB, int64_t M, int64_t K, int64_t N, bool tA,
                           bool tB, bool hasBias, int act) {
  auto& eng = cpuEngine();
  int64_t batch = bA > bB ? bA : bB;
  memory::desc aMd({bA, M, K}, dt::f32, tA ? memory::dims{M * K, 1, M} : memory::dims{M * K, K, 1});
  memory::desc bMd({bB, K, N}, dt::f32, tB ? memory::dims{K * N, 1, K} : memory::dims{K * N, N, 1});
  memory::desc cMd({batch, M, N}, dt::f32, memory::dims{M * N, N, 1});
  memory::desc biasMd = hasBias ? memory::desc({1, 1, N}, dt::f32, memory::dims{N, N, 1}) : memory::desc();
  matmul::desc d = hasBias ? matmul::desc(aMd, bMd, biasMd, cMd) : matmul::desc(aMd, bMd, cMd);
  primitive_attr attr = activationAttr(act);
  matmul::primitive_desc pd(d, attr, eng);
  auto m = std::make_unique<Mm>();
  m->prim = matmul(pd);
  m->a = memory(aMd, eng, DNNL_MEMORY_NONE);
  m->b = memory(bMd, eng, DNNL_MEMORY_NONE);
  m->c = memory(cMd, eng, DNNL_MEMORY_NONE);
  m->hasBias = hasBias;
  if (hasBias) m->bias = memory(biasMd, eng, DNNL_MEMORY_NONE);
  return m;
}

// matmul(heap, aOff, bOff, biasOff (-1 none), cOff, batchA, batchB, M, K, N, transA, transB, act)
Napi::Value Matmul(const Napi::CallbackInfo& info) {
  Heap h = heapArg(info, 0);
  int64_t biasOff = intArg(info, 3);
  int64_t bA = intArg(info, 5), bB = intArg(info, 6), M = intArg(info, 7), K = intArg(info, 8),
          N = intArg(info, 9);
  bool tA = boolArg(info, 10), tB = boolArg(info, 11);
  int act = static_cast<int>(intArg(info, 12));
  if (bA != bB && bA != 1 && bB != 1) throw std::runtime_error("graft_native: matmul batch dims must match or be 1");
  int64_t batch = bA > bB ? bA : bB;
  float* a = h.f32(intArg(info, 1), bA * M * K);
  float* b = h.f32(intArg(info, 2), bB * K * N);
  float* bias = biasOff >= 0 ? h.f32(biasOff, N) : nullptr;
  float* c = h.f32(intArg(info, 4), batch * M * N);
  if (M == 0 || N == 0 || batch == 0) return info.Env().Undefined();
  if (K == 0) {
    for (int64_t i = 0; i < batch * M * N; i++) c[i] = bias ? bias[i % N] : 0.f;
    return info.Env().Undefined();
  }
  std::string key = makeKey("mm", {bA, bB, M, K, N, tA, tB, bias != nullptr, act});
  auto it = cache.find(key);
  if (it == cache.end()) it = cache.emplace(key, makeMm(bA, bB, M, K, N, tA, tB, bias != nullptr, act)).first;
  Mm& m = *it->second;
  m.a.set_data_handle(a);
  m.b.set_data_handle(b);
  m.c.set_data_handle(c);
  std::unordered_map<int, memory> args{{DNNL_ARG_SRC, m.a}, {DNNL_ARG_WEIGHTS, m.b}, {DNNL_ARG_DST, m.c}};
  if (bias) {
    m.bias.set_data_handle(bias);
    args[DNNL_ARG_BIAS] = m.bias;
  }
  m.prim.execute(cpuStream(), args);
  cpuStream().wait();
  return info.Env().Undefined();
}

}  // namespace

void initMatmul(Napi::Env env, Napi::Object exports) {
  exports.Set("matmul", Napi::Function::New(env, Matmul));
}

}  // namespace graft

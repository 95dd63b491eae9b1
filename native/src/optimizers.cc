// Fused optimizer updates: one call per training step updates every variable of Adam, Momentum,
// GradientDescent or RMSProp. The float32 arithmetic follows TF1's CPU kernels
// (tensorflow/core/kernels/training_ops.cc) operation by operation, and this file is compiled
// with -ffp-contract=off so no multiply-add is fused: results are deterministic and equal to an
// element-by-element float32 evaluation of TF1's formulas.
//
// Each variable is one row of a Float64Array table of byte offsets into the wasm heap; "in" and
// "out" offsets are equal for an in-place update and differ when the caller allocated a fresh
// buffer (a variable whose memory is shared with another tensor).
#include "common.h"
#include <cmath>
#include <vector>

namespace graft {
namespace {

constexpr int64_t CHUNK = 1 << 15;

struct Chunk {
  int64_t row, begin, end;
};

// Splits every row (size in column `sizeCol`) into chunks so threads share the work evenly.
std::vector<Chunk> chunks(const double* table, int64_t rows, int64_t cols, int64_t sizeCol) {
  std::vector<Chunk> out;
  for (int64_t r = 0; r < rows; r++) {
    int64_t n = static_cast<int64_t>(table[r * cols + sizeCol]);
    for (int64_t b = 0; b < n; b += CHUNK) out.push_back({r, b, b + CHUNK < n ? b + CHUNK : n});
  }
  return out;
}

// Starting an OpenMP team costs ~50-600 us on a busy 2-core machine, more than a whole small
// update (a 5-element head bias takes ~5 us serially), so small updates stay on one thread.
constexpr int64_t PARALLEL_MIN_ELEMENTS = 32768;
bool worthParallel(const std::vector<Chunk>& cs) {
  int64_t total = 0;
  for (const Chunk& c : cs) total += c.end - c.begin;
  return cs.size() > 1 && total >= PARALLEL_MIN_ELEMENTS;
}

struct Table {
  const double* data;
  int64_t rows;
};

Table tableArg(const Napi::CallbackInfo& info, size_t i, int64_t cols) {
  auto arr = info[i].As<Napi::Float64Array>();
  if (arr.ElementLength() % cols != 0) throw std::runtime_error("graft_native: optimizer table has a partial row");
  return Table{arr.Data(), static_cast<int64_t>(arr.ElementLength()) / cols};
}

// Resolves the pointers of one row once (bounds-checked), before the parallel loop.
std::vector<std::vector<float*>> rowPointers(const Heap& h, const Table& t, int64_t cols, int64_t sizeCol) {
  std::vector<std::vector<float*>> ptrs(t.rows);
  for (int64_t r = 0; r < t.rows; r++) {
    const double* row = t.data + r * cols;
    int64_t n = static_cast<int64_t>(row[sizeCol]);
    for (int64_t c = 0; c < sizeCol; c++) ptrs[r].push_back(h.f32(static_cast<int64_t>(row[c]), n));
  }
  return ptrs;
}

// adam(heap, table [varIn,varOut,grad,mIn,mOut,vIn,vOut,size]*, lr, beta1, beta2, eps, b1p, b2p)
Napi::Value Adam(const Napi::CallbackInfo& info) {
  Heap h = heapArg(info, 0);
  Table t = tableArg(info, 1, 8);
  const float lr = static_cast<float>(numArg(info, 2)), beta1 = static_cast<float>(numArg(info, 3)),
              beta2 = static_cast<float>(numArg(info, 4)), eps = static_cast<float>(numArg(info, 5)),
              b1p = static_cast<float>(numArg(info, 6)), b2p = static_cast<float>(numArg(info, 7));
  // TF1: alpha = lr * sqrt(1 - beta2_power) / (1 - beta1_power), all in T = float.
  const float one = 1.f;
  const float alpha = lr * std::sqrt(one - b2p) / (one - b1p);
  const float omb1 = one - beta1, omb2 = one - beta2;
  auto ptrs = rowPointers(h, t, 8, 7);
  auto cs = chunks(t.data, t.rows, 8, 7);
#pragma omp parallel for schedule(dynamic, 1) if (worthParallel(cs))
  for (size_t k = 0; k < cs.size(); k++) {
    auto& p = ptrs[cs[k].row];
    const float *varIn = p[0], *g = p[2], *mIn = p[3], *vIn = p[5];
    float *varOut = p[1], *mOut = p[4], *vOut = p[6];
    for (int64_t i = cs[k].begin; i < cs[k].end; i++) {
      float m = mIn[i] + (g[i] - mIn[i]) * omb1;       // m += (g - m) * (1 - beta1)
      float v = vIn[i] + (g[i] * g[i] - vIn[i]) * omb2;  // v += (g*g - v) * (1 - beta2)
      mOut[i] = m;
      vOut[i] = v;
      varOut[i] = varIn[i] - (m * alpha) / (std::sqrt(v) + eps);  // var -= m*alpha / (sqrt(v)+eps)
    }
  }
  return info.Env().Undefined();
}

// momentum(heap, table [varIn,varOut,grad,accIn,accOut,size]*, lr, momentum, nesterov)
Napi::Value Momentum(const Napi::CallbackInfo& info) {
  Heap h = heapArg(info, 0);
  Table t = tableArg(info, 1, 6);
  const float lr = static_cast<float>(numArg(info, 2)), mom = static_cast<float>(numArg(info, 3));
  const bool nesterov = boolArg(info, 4);
  auto ptrs = rowPointers(h, t, 6, 5);
  auto cs = chunks(t.data, t.rows, 6, 5);
#pragma omp parallel for schedule(dynamic, 1) if (worthParallel(cs))
  for (size_t k = 0; k < cs.size(); k++) {
    auto& p = ptrs[cs[k].row];
    const float *varIn = p[0], *g = p[2], *accIn = p[3];
    float *varOut = p[1], *accOut = p[4];
    for (int64_t i = cs[k].begin; i < cs[k].end; i++) {
      float acc = accIn[i] * mom + g[i];  // accum = accum * momentum + grad
      accOut[i] = acc;
      // nesterov: var -= grad * lr + accum * momentum * lr; else var -= accum * lr
      varOut[i] = nesterov ? varIn[i] - (g[i] * lr + acc * mom * lr) : varIn[i] - acc * lr;
    }
  }
  return info.Env().Undefined();
}

// sgd(heap, table [varIn,varOut,grad,size]*, lr): var -= grad * lr
Napi::Value Sgd(const Napi::CallbackInfo& info) {
  Heap h = heapArg(info, 0);
  Table t = tableArg(info, 1, 4);
  const float lr = static_cast<float>(numArg(info, 2));
  auto ptrs = rowPointers(h, t, 4, 3);
  auto cs = chunks(t.data, t.rows, 4, 3);
#pragma omp parallel for schedule(dynamic, 1) if (worthParallel(cs))
  for (size_t k = 0; k < cs.size(); k++) {
    auto& p = ptrs[cs[k].row];
    for (int64_t i = cs[k].begin; i < cs[k].end; i++) p[1][i] = p[0][i] - p[2][i] * lr;
  }
  return info.Env().Undefined();
}

// rmsProp(heap, table [varIn,varOut,grad,msIn,msOut,momIn,momOut,size]*, lr, rho, momentum, eps)
Napi::Value RmsProp(const Napi::CallbackInfo& info) {
  Heap h = heapArg(info, 0);
  Table t = tableArg(info, 1, 8);
  const float lr = static_cast<float>(numArg(info, 2)), rho = static_cast<float>(numArg(info, 3)),
              momentum = static_cast<float>(numArg(info, 4)), eps = static_cast<float>(numArg(info, 5));
  const float omr = 1.f - rho;
  auto ptrs = rowPointers(h, t, 8, 7);
  auto cs = chunks(t.data, t.rows, 8, 7);
#pragma omp parallel for schedule(dynamic, 1) if (worthParallel(cs))
  for (size_t k = 0; k < cs.size(); k++) {
    auto& p = ptrs[cs[k].row];
    const float *varIn = p[0], *g = p[2], *msIn = p[3], *momIn = p[5];
    float *varOut = p[1], *msOut = p[4], *momOut = p[6];
    for (int64_t i = cs[k].begin; i < cs[k].end; i++) {
      float ms = msIn[i] + (g[i] * g[i] - msIn[i]) * omr;              // ms += (g^2 - ms) * (1 - rho)
      float mom = momIn[i] * momentum + (g[i] * lr) / std::sqrt(ms + eps);  // mom = mom*m + g*lr/sqrt(ms+eps)
      msOut[i] = ms;
      momOut[i] = mom;
      varOut[i] = varIn[i] - mom;
    }
  }
  return info.Env().Undefined();
}

}  // namespace

void initOptimizers(Napi::Env env, Napi::Object exports) {
  exports.Set("adam", Napi::Function::New(env, Adam));
  exports.Set("momentum", Napi::Function::New(env, Momentum));
  exports.Set("sgd", Napi::Function::New(env, Sgd));
  exports.Set("rmsProp", Napi::Function::New(env, RmsProp));
}

}  // namespace graft

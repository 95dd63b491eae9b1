// Row gathers (GatherV2 on axis 0) and sums over a leading or trailing block of axes of a float32 tensor viewed as [outer, inner]:
// mode 0 sums the rows (y[inner] = Σ_r x[r, :], the bias gradient of a conv or dense layer),
// mode 1 sums within each row (y[outer] = Σ_c x[:, c]). TF.js's wasm Sum transposes first when
// the reduced axes are not innermost, which made the bias gradients of W1 one of its heaviest
// kernels. Accumulates in float32 like TF.js (order differs: per-thread partial sums).
#include "common.h"
#include <cstring>
#include <omp.h>
#include <vector>

namespace graft {
namespace {

// sum(heap, x, y, outer, inner, mode)
Napi::Value Sum(const Napi::CallbackInfo& info) {
  Heap h = heapArg(info, 0);
  const int64_t outer = intArg(info, 3), inner = intArg(info, 4), mode = intArg(info, 5);
  const float* x = h.f32(intArg(info, 1), outer * inner);
  float* y = h.f32(intArg(info, 2), mode == 0 ? inner : outer);
  if (mode == 1) {
#pragma omp parallel for schedule(static) if (outer * inner > 65536)
    for (int64_t r = 0; r < outer; r++) {
      const float* row = x + r * inner;
      float s = 0.f;
      for (int64_t c = 0; c < inner; c++) s += row[c];
      y[r] = s;
    }
    return info.Env().Undefined();
  }
  // mode 0: each thread sums a contiguous block of rows into its own partial, then partials add.
  const int nt = (outer * inner > 65536) ? omp_get_max_threads() : 1;
  std::vector<float> partial(static_cast<size_t>(nt) * inner, 0.f);
#pragma omp parallel num_threads(nt)
  {
    int64_t r0, r1;
    batchSlice(outer, &r0, &r1);
    float* __restrict__ acc = partial.data() + static_cast<int64_t>(omp_get_thread_num()) * inner;
    for (int64_t r = r0; r < r1; r++) {
      const float* __restrict__ row = x + r * inner;
      for (int64_t c = 0; c < inner; c++) acc[c] += row[c];
    }
  }
  std::memcpy(y, partial.data(), sizeof(float) * inner);
  for (int t = 1; t < nt; t++)
    for (int64_t c = 0; c < inner; c++) y[c] += partial[static_cast<int64_t>(t) * inner + c];
  return info.Env().Undefined();
}

}  // namespace

void initReduce(Napi::Env env, Napi::Object exports) {
  exports.Set("sum", Napi::Function::New(env, Sum));
}

}  // namespace graft

namespace graft {
namespace {

// gatherRows(heap, params, indices (int32), out, rows, rowSize, count): out[i] = params[indices[i]]
// for a float32 [rows, rowSize] table (GatherV2 on axis 0: an embedding lookup). Throws on an index
// outside [0, rows), naming it, as TF's Gather does.
Napi::Value GatherRows(const Napi::CallbackInfo& info) {
  Heap h = heapArg(info, 0);
  const int64_t rows = intArg(info, 4), rowSize = intArg(info, 5), count = intArg(info, 6);
  const float* params = h.f32(intArg(info, 1), rows * rowSize);
  const int32_t* idx = reinterpret_cast<const int32_t*>(h.f32(intArg(info, 2), count));
  float* out = h.f32(intArg(info, 3), count * rowSize);
  for (int64_t i = 0; i < count; i++) {
    if (idx[i] < 0 || idx[i] >= rows) {
      throw std::runtime_error("graft_native: GatherV2 index " + std::to_string(idx[i]) + " at position " +
                               std::to_string(i) + " is outside [0, " + std::to_string(rows) + ")");
    }
  }
#pragma omp parallel for schedule(static) if (count * rowSize > 65536)
  for (int64_t i = 0; i < count; i++) std::memcpy(out + i * rowSize, params + idx[i] * rowSize, sizeof(float) * rowSize);
  return info.Env().Undefined();
}

}  // namespace

void initGather(Napi::Env env, Napi::Object exports) {
  exports.Set("gatherRows", Napi::Function::New(env, GatherRows));
}

}  // namespace graft

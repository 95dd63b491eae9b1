// Fused TF1 BasicLSTMCell over a whole sequence, forward and backward each as one call.
// Layout (TF-SEMANTICS §8.2): kernel [in + u, 4u], rows x then h, column blocks i, j, f, o;
//   gates = [x, h] @ kernel + bias;  c' = c * sigmoid(f + forget_bias) + sigmoid(i) * tanh(j);
//   h' = tanh(c') * sigmoid(o).
// Forward: one GEMM projects every time step's input (x @ W_x + b), then per step one GEMM adds
// h @ W_h and a fused elementwise pass applies the cell. It saves the activated gates
// [batch, time, 4u] and the cell states [batch, time, u] for the backward pass, which walks the
// steps in reverse (one GEMM per step for dh) and then computes dx, dW_x, dW_h with three GEMMs
// over all steps at once. tanh and sigmoid are Eigen's vectorisable float approximations
// (activations.h), as TensorFlow's own CPU kernels use.
#include "activations.h"
#include "common.h"
#include <cmath>
#include <cstring>
#include <vector>

namespace graft {
namespace {

// A raw scratch pointer with the .data() spelling the code below uses for vectors.
struct Buf {
  float* p;
  float* data() const { return p; }
};


// lstmForward(heap, x, kernel, bias, h0|-1, c0|-1, out, hT, cT, gates, cs, B, T, In, U, forgetBias)
Napi::Value LstmForward(const Napi::CallbackInfo& info) {
  Heap h = heapArg(info, 0);
  const int64_t B = intArg(info, 11), T = intArg(info, 12), In = intArg(info, 13), U = intArg(info, 14);
  const float forgetBias = static_cast<float>(numArg(info, 15));
  const int64_t G = 4 * U;
  const float* x = h.f32(intArg(info, 1), B * T * In);
  const float* kernel = h.f32(intArg(info, 2), (In + U) * G);
  const float* bias = h.f32(intArg(info, 3), G);
  const float* h0 = intArg(info, 4) >= 0 ? h.f32(intArg(info, 4), B * U) : nullptr;
  const float* c0 = intArg(info, 5) >= 0 ? h.f32(intArg(info, 5), B * U) : nullptr;
  float* out = h.f32(intArg(info, 6), B * T * U);
  float* hT = h.f32(intArg(info, 7), B * U);
  float* cT = h.f32(intArg(info, 8), B * U);
  float* gates = h.f32(intArg(info, 9), B * T * G);
  float* cs = h.f32(intArg(info, 10), B * T * U);
  if (T == 0) throw std::runtime_error("graft_native: lstmForward needs at least one time step");
  const float* wx = kernel;
  const float* wh = kernel + In * G;
  const std::vector<float> zeros(U, 0.f);

  // Input projection for all steps: gates[b, t, :] = x[b, t, :] @ W_x + bias.
#pragma omp parallel for schedule(static) if (B * T * G > 32768)
  for (int64_t r = 0; r < B * T; r++) std::memcpy(gates + r * G, bias, sizeof(float) * G);
  if (In > 0) sgemm(false, false, B * T, G, In, 1.f, x, In, wx, G, 1.f, gates, G);

  // The recurrence is independent across batch rows, so each thread takes a slice of the batch
  // for the whole sequence: one parallel region per call instead of several per time step (the
  // GEMMs inside run single-threaded there).
#pragma omp parallel if (B >= 16)
  {
    int64_t b0, b1;
    batchSlice(B, &b0, &b1);
    for (int64_t t = 0; t < T && b0 < b1; t++) {
      float* gt = gates + b0 * T * G + t * G;  // row stride T * G
      const float* hPrev = t == 0 ? (h0 ? h0 + b0 * U : nullptr) : out + b0 * T * U + (t - 1) * U;
      const int64_t ldh = t == 0 ? U : T * U;
      if (hPrev != nullptr) sgemm(false, false, b1 - b0, G, U, 1.f, hPrev, ldh, wh, G, 1.f, gt, T * G);
      for (int64_t b = b0; b < b1; b++) {
        float* __restrict__ gi = gates + (b * T + t) * G;
        float* __restrict__ gj = gi + U;
        float* __restrict__ gf = gi + 2 * U;
        float* __restrict__ go = gi + 3 * U;
        const float* __restrict__ cPrev = t == 0 ? (c0 ? c0 + b * U : zeros.data()) : cs + (b * T + t - 1) * U;
        float* __restrict__ cOut = cs + (b * T + t) * U;
        float* __restrict__ hOut = out + (b * T + t) * U;
        for (int64_t u = 0; u < U; u++) {
          float i = fastSigmoid(gi[u]);
          float j = fastTanh(gj[u]);
          float f = fastSigmoid(gf[u] + forgetBias);
          float o = fastSigmoid(go[u]);
          float c = cPrev[u] * f + i * j;
          gi[u] = i;
          gj[u] = j;
          gf[u] = f;
          go[u] = o;
          cOut[u] = c;
          hOut[u] = fastTanh(c) * o;
        }
      }
    }
  }
  for (int64_t b = 0; b < B; b++) {
    std::memcpy(hT + b * U, out + (b * T + T - 1) * U, sizeof(float) * U);
    std::memcpy(cT + b * U, cs + (b * T + T - 1) * U, sizeof(float) * U);
  }
  return info.Env().Undefined();
}

// lstmBackward(heap, x, kernel, h0|-1, c0|-1, out, gates, cs, dOut|-1, dhT|-1, dcT|-1,
//              dx, dKernel, dBias, dh0, dc0, B, T, In, U)
Napi::Value LstmBackward(const Napi::CallbackInfo& info) {
  Heap h = heapArg(info, 0);
  const int64_t B = intArg(info, 16), T = intArg(info, 17), In = intArg(info, 18), U = intArg(info, 19);
  const int64_t G = 4 * U;
  auto opt = [&](size_t i, int64_t n) -> const float* { return intArg(info, i) >= 0 ? h.f32(intArg(info, i), n) : nullptr; };
  const float* x = h.f32(intArg(info, 1), B * T * In);
  const float* kernel = h.f32(intArg(info, 2), (In + U) * G);
  const float* h0 = opt(3, B * U);
  const float* c0 = opt(4, B * U);
  const float* out = h.f32(intArg(info, 5), B * T * U);
  const float* gates = h.f32(intArg(info, 6), B * T * G);
  const float* cs = h.f32(intArg(info, 7), B * T * U);
  const float* dOut = opt(8, B * T * U);
  const float* dhT = opt(9, B * U);
  const float* dcT = opt(10, B * U);
  float* dx = h.f32(intArg(info, 11), B * T * In);
  float* dKernel = h.f32(intArg(info, 12), (In + U) * G);
  float* dBias = h.f32(intArg(info, 13), G);
  float* dh0 = h.f32(intArg(info, 14), B * U);
  float* dc0 = h.f32(intArg(info, 15), B * U);
  const float* wx = kernel;
  const float* wh = kernel + In * G;

  Buf dG{scratch(0, B * T * G)}, hPrev{scratch(1, B * T * U)};
  std::vector<float> dh(B * U, 0.f), dc(B * U, 0.f);
  const std::vector<float> zeros(U, 0.f);
  if (dhT) std::memcpy(dh.data(), dhT, sizeof(float) * B * U);
  if (dcT) std::memcpy(dc.data(), dcT, sizeof(float) * B * U);

#pragma omp parallel if (B >= 16)
  {
    int64_t b0, b1;
    batchSlice(B, &b0, &b1);
    for (int64_t t = T - 1; t >= 0 && b0 < b1; t--) {
      for (int64_t b = b0; b < b1; b++) {
        const float* __restrict__ g = gates + (b * T + t) * G;
        float* __restrict__ d = dG.data() + (b * T + t) * G;
        const float* __restrict__ c = cs + (b * T + t) * U;
        const float* __restrict__ cPrev = t == 0 ? (c0 ? c0 + b * U : zeros.data()) : cs + (b * T + t - 1) * U;
        const float* __restrict__ dO = dOut ? dOut + (b * T + t) * U : zeros.data();
        float* __restrict__ dhb = dh.data() + b * U;
        float* __restrict__ dcb = dc.data() + b * U;
        for (int64_t u = 0; u < U; u++) {
          float i = g[u], j = g[U + u], f = g[2 * U + u], o = g[3 * U + u];
          float dhv = dhb[u] + dO[u];
          float tc = fastTanh(c[u]);
          float dcv = dcb[u] + dhv * o * (1.f - tc * tc);
          d[u] = dcv * j * i * (1.f - i);
          d[U + u] = dcv * i * (1.f - j * j);
          d[2 * U + u] = dcv * cPrev[u] * f * (1.f - f);
          d[3 * U + u] = dhv * tc * o * (1.f - o);
          dcb[u] = dcv * f;
        }
      }
      // dh_{t-1} = dG_t @ W_h^T for this slice of the batch
      sgemm(false, true, b1 - b0, U, G, 1.f, dG.data() + b0 * T * G + t * G, T * G, wh, G, 0.f, dh.data() + b0 * U, U);
    }
  }
  std::memcpy(dh0, dh.data(), sizeof(float) * B * U);
  std::memcpy(dc0, dc.data(), sizeof(float) * B * U);

  // h_{t-1} for every step: h0 (or zeros) then out[:, :T-1].
  for (int64_t b = 0; b < B; b++) {
    float* hp = hPrev.data() + b * T * U;
    if (h0) std::memcpy(hp, h0 + b * U, sizeof(float) * U);
    else std::memset(hp, 0, sizeof(float) * U);
    if (T > 1) std::memcpy(hp + U, out + b * T * U, sizeof(float) * (T - 1) * U);
  }
  const int64_t R = B * T;
  if (In > 0) {
    sgemm(false, true, R, In, G, 1.f, dG.data(), G, wx, G, 0.f, dx, In);           // dx = dG @ W_x^T
    sgemm(true, false, In, G, R, 1.f, x, In, dG.data(), G, 0.f, dKernel, G);       // dW_x = x^T @ dG
  }
  sgemm(true, false, U, G, R, 1.f, hPrev.data(), U, dG.data(), G, 0.f, dKernel + In * G, G);  // dW_h
  for (int64_t k = 0; k < G; k++) dBias[k] = 0.f;
  for (int64_t r = 0; r < R; r++) {
    const float* d = dG.data() + r * G;
    for (int64_t k = 0; k < G; k++) dBias[k] += d[k];
  }
  return info.Env().Undefined();
}

}  // namespace

void initLstm(Napi::Env env, Napi::Object exports) {
  exports.Set("lstmForward", Napi::Function::New(env, LstmForward));
  exports.Set("lstmBackward", Napi::Function::New(env, LstmBackward));
}

}  // namespace graft

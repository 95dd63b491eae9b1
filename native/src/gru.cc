// Fused TF1 GRUCell over a whole sequence, forward and backward each as one call.
// Layout (TF-SEMANTICS §8.2, rnn_cell_impl.py GRUCell): gates/kernel [in + u, 2u] (column blocks
// r, u), gates/bias [2u]; candidate/kernel [in + u, u], candidate/bias [u]; rows x then h.
//   [r, u] = sigmoid([x, h] @ Wg + bg);  c = tanh([x, r*h] @ Wc + bc);  h' = u*h + (1-u)*c.
// Forward projects every step's input with two GEMMs, then per step runs two GEMMs (h @ Wg_h and
// (r*h) @ Wc_h) and two fused elementwise passes; it saves r, u, c and r*h for the backward pass,
// which walks the steps in reverse (two GEMMs per step) and then forms dx and the four weight
// gradients with GEMMs over all steps at once.
#include "activations.h"
#include "common.h"
#include <cstring>
#include <vector>

namespace graft {
namespace {

// A raw scratch pointer usable like the vectors below (.data(), operator[]).
struct Buf {
  float* p;
  float* data() const { return p; }
  float& operator[](int64_t i) const { return p[i]; }
};

// gruForward(heap, x, gk, gb, ck, cb, h0|-1, out, hT, gates, cand, rh, B, T, In, U)
Napi::Value GruForward(const Napi::CallbackInfo& info) {
  Heap h = heapArg(info, 0);
  const int64_t B = intArg(info, 12), T = intArg(info, 13), In = intArg(info, 14), U = intArg(info, 15);
  if (T == 0) throw std::runtime_error("graft_native: gruForward needs at least one time step");
  const int64_t G = 2 * U;
  const float* x = h.f32(intArg(info, 1), B * T * In);
  const float* gk = h.f32(intArg(info, 2), (In + U) * G);
  const float* gb = h.f32(intArg(info, 3), G);
  const float* ck = h.f32(intArg(info, 4), (In + U) * U);
  const float* cb = h.f32(intArg(info, 5), U);
  const std::vector<float> zeros(B * U, 0.f);
  const float* h0 = intArg(info, 6) >= 0 ? h.f32(intArg(info, 6), B * U) : zeros.data();
  float* out = h.f32(intArg(info, 7), B * T * U);
  float* hT = h.f32(intArg(info, 8), B * U);
  float* gates = h.f32(intArg(info, 9), B * T * G);
  float* cand = h.f32(intArg(info, 10), B * T * U);
  float* rh = h.f32(intArg(info, 11), B * T * U);
  const int64_t R = B * T;
  for (int64_t r = 0; r < R; r++) {
    std::memcpy(gates + r * G, gb, sizeof(float) * G);
    std::memcpy(cand + r * U, cb, sizeof(float) * U);
  }
  if (In > 0) {
    sgemm(false, false, R, G, In, 1.f, x, In, gk, G, 1.f, gates, G);
    sgemm(false, false, R, U, In, 1.f, x, In, ck, U, 1.f, cand, U);
  }
  const float* gkh = gk + In * G;
  const float* ckh = ck + In * U;
  // Batch rows are independent through time: each thread runs its slice for the whole sequence.
#pragma omp parallel if (B >= 16)
  {
    int64_t b0, b1;
    batchSlice(B, &b0, &b1);
    const int64_t nb = b1 - b0;
    for (int64_t t = 0; t < T && nb > 0; t++) {
      const float* hPrev = t == 0 ? h0 + b0 * U : out + b0 * T * U + (t - 1) * U;  // row b0
      const int64_t ldh = t == 0 ? U : T * U;
      sgemm(false, false, nb, G, U, 1.f, hPrev, ldh, gkh, G, 1.f, gates + b0 * T * G + t * G, T * G);
      for (int64_t b = b0; b < b1; b++) {
        float* __restrict__ g = gates + (b * T + t) * G;
        const float* __restrict__ hp = hPrev + (b - b0) * ldh;
        float* __restrict__ rhb = rh + (b * T + t) * U;
        for (int64_t k = 0; k < G; k++) g[k] = fastSigmoid(g[k]);
        for (int64_t u = 0; u < U; u++) rhb[u] = g[u] * hp[u];
      }
      sgemm(false, false, nb, U, U, 1.f, rh + b0 * T * U + t * U, T * U, ckh, U, 1.f, cand + b0 * T * U + t * U, T * U);
      for (int64_t b = b0; b < b1; b++) {
        const float* __restrict__ ug = gates + (b * T + t) * G + U;
        float* __restrict__ c = cand + (b * T + t) * U;
        const float* __restrict__ hp = hPrev + (b - b0) * ldh;
        float* __restrict__ ho = out + (b * T + t) * U;
        for (int64_t u = 0; u < U; u++) {
          float cv = fastTanh(c[u]);
          c[u] = cv;
          ho[u] = ug[u] * hp[u] + (1.f - ug[u]) * cv;
        }
      }
    }
  }
  for (int64_t b = 0; b < B; b++) std::memcpy(hT + b * U, out + (b * T + T - 1) * U, sizeof(float) * U);
  return info.Env().Undefined();
}

// gruBackward(heap, x, gk, ck, h0|-1, out, gates, cand, rh, dOut|-1, dhT|-1,
//             dx, dgk, dgb, dck, dcb, dh0, B, T, In, U)
Napi::Value GruBackward(const Napi::CallbackInfo& info) {
  Heap h = heapArg(info, 0);
  const int64_t B = intArg(info, 17), T = intArg(info, 18), In = intArg(info, 19), U = intArg(info, 20);
  const int64_t G = 2 * U, R = B * T;
  auto opt = [&](size_t i, int64_t n) -> const float* { return intArg(info, i) >= 0 ? h.f32(intArg(info, i), n) : nullptr; };
  const float* x = h.f32(intArg(info, 1), R * In);
  const float* gk = h.f32(intArg(info, 2), (In + U) * G);
  const float* ck = h.f32(intArg(info, 3), (In + U) * U);
  const std::vector<float> zeros(B * U, 0.f);
  const float* h0 = opt(4, B * U);
  if (!h0) h0 = zeros.data();
  const float* out = h.f32(intArg(info, 5), R * U);
  const float* gates = h.f32(intArg(info, 6), R * G);
  const float* cand = h.f32(intArg(info, 7), R * U);
  const float* rh = h.f32(intArg(info, 8), R * U);
  const float* dOut = opt(9, R * U);
  const float* dhT = opt(10, B * U);
  float* dx = h.f32(intArg(info, 11), R * In);
  float* dgk = h.f32(intArg(info, 12), (In + U) * G);
  float* dgb = h.f32(intArg(info, 13), G);
  float* dck = h.f32(intArg(info, 14), (In + U) * U);
  float* dcb = h.f32(intArg(info, 15), U);
  float* dh0 = h.f32(intArg(info, 16), B * U);
  const float* gkh = gk + In * G;
  const float* ckh = ck + In * U;

  Buf dG{scratch(0, R * G)}, dC{scratch(1, R * U)}, hPrevAll{scratch(2, R * U)};
  std::vector<float> dh(B * U, 0.f), dhNext(B * U), drh(B * U);
  if (dhT) std::memcpy(dh.data(), dhT, sizeof(float) * B * U);
#pragma omp parallel if (B >= 16)
  {
    int64_t b0, b1;
    batchSlice(B, &b0, &b1);
    const int64_t nb = b1 - b0;
    for (int64_t t = T - 1; t >= 0 && nb > 0; t--) {
      const float* hPrev = t == 0 ? h0 + b0 * U : out + b0 * T * U + (t - 1) * U;  // row b0
      const int64_t ldh = t == 0 ? U : T * U;
      // dh_t (from the future plus this step's output) → du, dc; dh_prev gets dh * u directly.
      for (int64_t b = b0; b < b1; b++) {
        const float* __restrict__ g = gates + (b * T + t) * G;
        const float* __restrict__ c = cand + (b * T + t) * U;
        const float* __restrict__ hp = hPrev + (b - b0) * ldh;
        const float* __restrict__ dO = dOut ? dOut + (b * T + t) * U : zeros.data();
        float* __restrict__ dhb = dh.data() + b * U;
        float* __restrict__ dn = dhNext.data() + b * U;
        float* __restrict__ dc = dC.data() + (b * T + t) * U;
        float* __restrict__ dg = dG.data() + (b * T + t) * G;
        for (int64_t u = 0; u < U; u++) {
          float ug = g[U + u];
          float d = dhb[u] + dO[u];
          dc[u] = d * (1.f - ug) * (1.f - c[u] * c[u]);
          dg[U + u] = d * (hp[u] - c[u]) * ug * (1.f - ug);
          dn[u] = d * ug;
        }
      }
      // d(r*h) = dC_t @ Wc_h^T
      sgemm(false, true, nb, U, U, 1.f, dC.data() + b0 * T * U + t * U, T * U, ckh, U, 0.f, drh.data() + b0 * U, U);
      for (int64_t b = b0; b < b1; b++) {
        const float* __restrict__ g = gates + (b * T + t) * G;
        const float* __restrict__ hp = hPrev + (b - b0) * ldh;
        const float* __restrict__ d = drh.data() + b * U;
        float* __restrict__ dn = dhNext.data() + b * U;
        float* __restrict__ dg = dG.data() + (b * T + t) * G;
        for (int64_t u = 0; u < U; u++) {
          float r = g[u];
          dg[u] = d[u] * hp[u] * r * (1.f - r);
          dn[u] += d[u] * r;
        }
      }
      // dh_prev += dG_t @ Wg_h^T
      sgemm(false, true, nb, U, G, 1.f, dG.data() + b0 * T * G + t * G, T * G, gkh, G, 1.f, dhNext.data() + b0 * U, U);
      // this thread's rows of dh ← dhNext (rows of other threads are untouched)
      std::memcpy(dh.data() + b0 * U, dhNext.data() + b0 * U, sizeof(float) * nb * U);
    }
  }
  std::memcpy(dh0, dh.data(), sizeof(float) * B * U);
  for (int64_t b = 0; b < B; b++) {
    float* hp = hPrevAll.data() + b * T * U;
    std::memcpy(hp, h0 + b * U, sizeof(float) * U);
    if (T > 1) std::memcpy(hp + U, out + b * T * U, sizeof(float) * (T - 1) * U);
  }
  if (In > 0) {
    sgemm(false, true, R, In, G, 1.f, dG.data(), G, gk, G, 0.f, dx, In);
    sgemm(false, true, R, In, U, 1.f, dC.data(), U, ck, U, 1.f, dx, In);
    sgemm(true, false, In, G, R, 1.f, x, In, dG.data(), G, 0.f, dgk, G);
    sgemm(true, false, In, U, R, 1.f, x, In, dC.data(), U, 0.f, dck, U);
  }
  sgemm(true, false, U, G, R, 1.f, hPrevAll.data(), U, dG.data(), G, 0.f, dgk + In * G, G);
  sgemm(true, false, U, U, R, 1.f, rh, U, dC.data(), U, 0.f, dck + In * U, U);
  for (int64_t k = 0; k < G; k++) dgb[k] = 0.f;
  for (int64_t k = 0; k < U; k++) dcb[k] = 0.f;
  for (int64_t r = 0; r < R; r++) {
    for (int64_t k = 0; k < G; k++) dgb[k] += dG[r * G + k];
    for (int64_t k = 0; k < U; k++) dcb[k] += dC[r * U + k];
  }
  return info.Env().Undefined();
}

}  // namespace

void initGru(Napi::Env env, Napi::Object exports) {
  exports.Set("gruForward", Napi::Function::New(env, GruForward));
  exports.Set("gruBackward", Napi::Function::New(env, GruBackward));
}

}  // namespace graft

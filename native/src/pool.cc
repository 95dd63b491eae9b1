// MaxPool / AvgPool forward and their gradients on NHWC tensors, as OpenMP loops vectorised over
// channels. Semantics are TensorFlow's: max over the in-bounds window (first maximum wins, as in
// TF.js cpu's maxPoolPositions), average over the in-bounds elements only (padding excluded), and
// AvgPoolGrad as the exact gradient of that average (TF's AvgPoolGrad; TF.js's stock kernels divide
// by the full window size instead, which differs at padded borders).
#include "common.h"
#include <cstring>
#include <limits>
#include <vector>

namespace graft {
namespace {

struct PoolShape {
  int64_t N, H, W, C, KH, KW, SH, SW, DH, DW, PT, PL, OH, OW;
};

PoolShape poolArgs(const Napi::CallbackInfo& info, size_t i) {
  PoolShape s;
  int64_t* f[] = {&s.N, &s.H, &s.W, &s.C, &s.KH, &s.KW, &s.SH, &s.SW, &s.DH, &s.DW, &s.PT, &s.PL, &s.OH, &s.OW};
  for (auto* p : f) *p = intArg(info, i++);
  return s;
}

// maxPool(heap, xOff, yOff, ...shape)
Napi::Value MaxPool(const Napi::CallbackInfo& info) {
  Heap h = heapArg(info, 0);
  PoolShape s = poolArgs(info, 3);
  const float* x = h.f32(intArg(info, 1), s.N * s.H * s.W * s.C);
  float* y = h.f32(intArg(info, 2), s.N * s.OH * s.OW * s.C);
#pragma omp parallel for collapse(2) schedule(static)
  for (int64_t n = 0; n < s.N; n++) {
    for (int64_t oh = 0; oh < s.OH; oh++) {
      for (int64_t ow = 0; ow < s.OW; ow++) {
        float* out = y + ((n * s.OH + oh) * s.OW + ow) * s.C;
        for (int64_t c = 0; c < s.C; c++) out[c] = -std::numeric_limits<float>::infinity();
        for (int64_t kh = 0; kh < s.KH; kh++) {
          int64_t ih = oh * s.SH - s.PT + kh * s.DH;
          if (ih < 0 || ih >= s.H) continue;
          for (int64_t kw = 0; kw < s.KW; kw++) {
            int64_t iw = ow * s.SW - s.PL + kw * s.DW;
            if (iw < 0 || iw >= s.W) continue;
            const float* in = x + ((n * s.H + ih) * s.W + iw) * s.C;
            for (int64_t c = 0; c < s.C; c++) out[c] = in[c] > out[c] ? in[c] : out[c];
          }
        }
      }
    }
  }
  return info.Env().Undefined();
}

// maxPoolGrad(heap, dyOff, xOff, dxOff, ...shape): dy routed to the first maximum of each window.
Napi::Value MaxPoolGrad(const Napi::CallbackInfo& info) {
  Heap h = heapArg(info, 0);
  PoolShape s = poolArgs(info, 4);
  const float* dy = h.f32(intArg(info, 1), s.N * s.OH * s.OW * s.C);
  const float* x = h.f32(intArg(info, 2), s.N * s.H * s.W * s.C);
  float* dx = h.f32(intArg(info, 3), s.N * s.H * s.W * s.C);
  const int64_t C = s.C;
#pragma omp parallel
  {
    std::vector<float> best(C);
    std::vector<int64_t> pos(C);
#pragma omp for schedule(static)
    for (int64_t n = 0; n < s.N; n++) {
      float* dxn = dx + n * s.H * s.W * C;
      const float* xn = x + n * s.H * s.W * C;
      std::memset(dxn, 0, sizeof(float) * s.H * s.W * C);
      for (int64_t oh = 0; oh < s.OH; oh++) {
        for (int64_t ow = 0; ow < s.OW; ow++) {
          for (int64_t c = 0; c < C; c++) {
            best[c] = -std::numeric_limits<float>::infinity();
            pos[c] = -1;
          }
          for (int64_t kh = 0; kh < s.KH; kh++) {
            int64_t ih = oh * s.SH - s.PT + kh * s.DH;
            if (ih < 0 || ih >= s.H) continue;
            for (int64_t kw = 0; kw < s.KW; kw++) {
              int64_t iw = ow * s.SW - s.PL + kw * s.DW;
              if (iw < 0 || iw >= s.W) continue;
              int64_t base = (ih * s.W + iw) * C;
              const float* in = xn + base;
              for (int64_t c = 0; c < C; c++) {
                if (pos[c] < 0 || in[c] > best[c]) {
                  best[c] = in[c];
                  pos[c] = base + c;
                }
              }
            }
          }
          const float* g = dy + ((n * s.OH + oh) * s.OW + ow) * C;
          for (int64_t c = 0; c < C; c++)
            if (pos[c] >= 0) dxn[pos[c]] += g[c];
        }
      }
    }
  }
  return info.Env().Undefined();
}

inline int64_t windowCount(const PoolShape& s, int64_t oh, int64_t ow) {
  int64_t rows = 0, cols = 0;
  for (int64_t kh = 0; kh < s.KH; kh++) {
    int64_t ih = oh * s.SH - s.PT + kh * s.DH;
    rows += (ih >= 0 && ih < s.H);
  }
  for (int64_t kw = 0; kw < s.KW; kw++) {
    int64_t iw = ow * s.SW - s.PL + kw * s.DW;
    cols += (iw >= 0 && iw < s.W);
  }
  return rows * cols;
}

// avgPool(heap, xOff, yOff, ...shape)
Napi::Value AvgPool(const Napi::CallbackInfo& info) {
  Heap h = heapArg(info, 0);
  PoolShape s = poolArgs(info, 3);
  const float* x = h.f32(intArg(info, 1), s.N * s.H * s.W * s.C);
  float* y = h.f32(intArg(info, 2), s.N * s.OH * s.OW * s.C);
#pragma omp parallel for collapse(2) schedule(static)
  for (int64_t n = 0; n < s.N; n++) {
    for (int64_t oh = 0; oh < s.OH; oh++) {
      for (int64_t ow = 0; ow < s.OW; ow++) {
        float* out = y + ((n * s.OH + oh) * s.OW + ow) * s.C;
        for (int64_t c = 0; c < s.C; c++) out[c] = 0.f;
        for (int64_t kh = 0; kh < s.KH; kh++) {
          int64_t ih = oh * s.SH - s.PT + kh * s.DH;
          if (ih < 0 || ih >= s.H) continue;
          for (int64_t kw = 0; kw < s.KW; kw++) {
            int64_t iw = ow * s.SW - s.PL + kw * s.DW;
            if (iw < 0 || iw >= s.W) continue;
            const float* in = x + ((n * s.H + ih) * s.W + iw) * s.C;
            for (int64_t c = 0; c < s.C; c++) out[c] += in[c];
          }
        }
        int64_t count = windowCount(s, oh, ow);
        float inv = count > 0 ? 1.f / static_cast<float>(count) : 0.f;
        for (int64_t c = 0; c < s.C; c++) out[c] *= inv;
      }
    }
  }
  return info.Env().Undefined();
}

// avgPoolGrad(heap, dyOff, dxOff, ...shape)
Napi::Value AvgPoolGrad(const Napi::CallbackInfo& info) {
  Heap h = heapArg(info, 0);
  PoolShape s = poolArgs(info, 3);
  const float* dy = h.f32(intArg(info, 1), s.N * s.OH * s.OW * s.C);
  float* dx = h.f32(intArg(info, 2), s.N * s.H * s.W * s.C);
#pragma omp parallel for schedule(static)
  for (int64_t n = 0; n < s.N; n++) {
    float* dxn = dx + n * s.H * s.W * s.C;
    std::memset(dxn, 0, sizeof(float) * s.H * s.W * s.C);
    for (int64_t oh = 0; oh < s.OH; oh++) {
      for (int64_t ow = 0; ow < s.OW; ow++) {
        int64_t count = windowCount(s, oh, ow);
        if (count == 0) continue;
        float inv = 1.f / static_cast<float>(count);
        const float* g = dy + ((n * s.OH + oh) * s.OW + ow) * s.C;
        for (int64_t kh = 0; kh < s.KH; kh++) {
          int64_t ih = oh * s.SH - s.PT + kh * s.DH;
          if (ih < 0 || ih >= s.H) continue;
          for (int64_t kw = 0; kw < s.KW; kw++) {
            int64_t iw = ow * s.SW - s.PL + kw * s.DW;
            if (iw < 0 || iw >= s.W) continue;
            float* d = dxn + (ih * s.W + iw) * s.C;
            for (int64_t c = 0; c < s.C; c++) d[c] += g[c] * inv;
          }
        }
      }
    }
  }
  return info.Env().Undefined();
}

}  // namespace

void initPool(Napi::Env env, Napi::Object exports) {
  exports.Set("maxPool", Napi::Function::New(env, MaxPool));
  exports.Set("maxPoolGrad", Napi::Function::New(env, MaxPoolGrad));
  exports.Set("avgPool", Napi::Function::New(env, AvgPool));
  exports.Set("avgPoolGrad", Napi::Function::New(env, AvgPoolGrad));
}

}  // namespace graft

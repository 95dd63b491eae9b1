// Branch-free float32 tanh and sigmoid that GCC auto-vectorises (no libm calls): the rational
// approximation Eigen uses for float tanh (Eigen/src/Core/MathFunctionsImpl.h,
// generic_fast_tanh_float: clamp to ±7.905, odd 13th/even 6th degree polynomials, |x| < 4e-4
// returns x), which is also what TensorFlow's CPU kernels compute. Max abs error ~1e-7.
#pragma once
#include <cmath>

namespace graft {

inline float fastTanh(float a) {
  const float clamp = 7.90531110763549805f;
  float x = a > clamp ? clamp : (a < -clamp ? -clamp : a);
  const float x2 = x * x;
  float p = -2.76076847742355e-16f;
  p = p * x2 + 2.00018790482477e-13f;
  p = p * x2 + -8.60467152213735e-11f;
  p = p * x2 + 5.12229709037114e-08f;
  p = p * x2 + 1.48572235717979e-05f;
  p = p * x2 + 6.37261928875436e-04f;
  p = p * x2 + 4.89352455891786e-03f;
  p = p * x;
  float q = 1.19825839466702e-06f;
  q = q * x2 + 1.18534705686654e-04f;
  q = q * x2 + 2.26843463243900e-03f;
  q = q * x2 + 4.89352518554385e-03f;
  float r = p / q;
  return std::fabs(a) < 0.0004f ? a : r;
}

inline float fastSigmoid(float x) { return 0.5f + 0.5f * fastTanh(0.5f * x); }

}  // namespace graft

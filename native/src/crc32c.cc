// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78, init/xorout 0xFFFFFFFF) over a Uint8Array,
// continuing from a previous CRC like @node-rs/crc32's crc32c(data, initial), so that
// crc32c(b, crc32c(a)) == crc32c(a ‖ b). Uses the SSE4.2 crc32 instruction (8 bytes per step) when
// the CPU has it (checked at run time), else a byte table. src/formats/crc32c.ts calls it for
// large buffers (checkpoint shards), where table-driven software is slower than the page cache.
#include "common.h"
#include <cstring>

namespace graft {
namespace {

uint32_t table[256];

void initTable() {
  for (uint32_t i = 0; i < 256; i++) {
    uint32_t c = i;
    for (int k = 0; k < 8; k++) c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
    table[i] = c;
  }
}

uint32_t softwareCrc(uint32_t crc, const uint8_t* p, size_t n) {
  for (size_t i = 0; i < n; i++) crc = table[(crc ^ p[i]) & 0xff] ^ (crc >> 8);
  return crc;
}

#if defined(__x86_64__)
__attribute__((target("sse4.2"))) uint32_t hardwareCrc(uint32_t crc, const uint8_t* p, size_t n) {
  uint64_t c = crc;
  while (n >= 8) {
    uint64_t v;
    std::memcpy(&v, p, 8);
    c = __builtin_ia32_crc32di(c, v);
    p += 8;
    n -= 8;
  }
  uint32_t c32 = static_cast<uint32_t>(c);
  while (n-- > 0) c32 = __builtin_ia32_crc32qi(c32, *p++);
  return c32;
}
#endif

bool hasSse42() {
#if defined(__x86_64__)
  static const bool yes = __builtin_cpu_supports("sse4.2");
  return yes;
#else
  return false;
#endif
}

// crc32c(data: Uint8Array, initial: number) → number (unsigned 32-bit)
Napi::Value Crc32c(const Napi::CallbackInfo& info) {
  if (!info[0].IsTypedArray()) throw std::runtime_error("graft_native: crc32c needs a Uint8Array");
  auto arr = info[0].As<Napi::TypedArray>();
  const uint8_t* p = static_cast<const uint8_t*>(arr.ArrayBuffer().Data()) + arr.ByteOffset();
  const size_t n = arr.ByteLength();
  uint32_t crc = ~static_cast<uint32_t>(info.Length() > 1 ? info[1].As<Napi::Number>().Int64Value() : 0);
#if defined(__x86_64__)
  crc = hasSse42() ? hardwareCrc(crc, p, n) : softwareCrc(crc, p, n);
#else
  crc = softwareCrc(crc, p, n);
#endif
  return Napi::Number::New(info.Env(), static_cast<double>(~crc));
}

}  // namespace

void initCrc32c(Napi::Env env, Napi::Object exports) {
  initTable();
  exports.Set("crc32c", Napi::Function::New(env, Crc32c));
}

}  // namespace graft

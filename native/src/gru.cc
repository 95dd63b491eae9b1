#include "common.h"
namespace graft { void initGru(Napi::Env, Napi::Object) {} }

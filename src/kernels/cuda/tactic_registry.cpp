// The CUDA tactic registry: every family's register function runs once, on first lookup.
#include <array>
#include <mutex>

#include "kernels/cuda/fused_attention.h"
#include "kernels/cuda/tactic.h"

namespace sinter::cuda {

// Family entry points (families.def). CMake defines SINTER_CUDA_HAVE_<family> for each family whose
// source file exists, so the backend links while families are being written; a missing family simply
// contributes no tactics, and the builder reports "no CUDA tactic" for its ops.
#define SINTER_CUDA_FAMILY(f) void register_cuda_##f();
#include "kernels/cuda/families.def"
#undef SINTER_CUDA_FAMILY

namespace {
using TacticList = std::vector<std::shared_ptr<const CudaTactic>>;

std::array<TacticList, ir::kNumOps>& table() {
  static std::array<TacticList, ir::kNumOps> t;
  return t;
}

void register_everything() {
#if SINTER_CUDA_HAVE_elementwise
  register_cuda_elementwise();
#endif
#if SINTER_CUDA_HAVE_reduce
  register_cuda_reduce();
#endif
#if SINTER_CUDA_HAVE_norm
  register_cuda_norm();
#endif
#if SINTER_CUDA_HAVE_pool
  register_cuda_pool();
#endif
#if SINTER_CUDA_HAVE_layout
  register_cuda_layout();
#endif
#if SINTER_CUDA_HAVE_resize
  register_cuda_resize();
#endif
#if SINTER_CUDA_HAVE_gemm
  register_cuda_gemm();
#endif
  // Fused tactics (not a family of families.def: they run nodes the engine's fusions made).
  register_cuda_fused_attention();
#if SINTER_CUDA_HAVE_conv
  register_cuda_conv();
#endif
#if SINTER_CUDA_HAVE_ext_nn
  register_cuda_ext_nn();
#endif
#if SINTER_CUDA_HAVE_ext_math
  register_cuda_ext_math();
#endif
#if SINTER_CUDA_HAVE_ext_random
  register_cuda_ext_random();
#endif
}

// Keeps the explicit list above in step with families.def.
constexpr int kListedFamilies = 11;
constexpr int kDefFamilies = 0
#define SINTER_CUDA_FAMILY(f) +1
#include "kernels/cuda/families.def"
#undef SINTER_CUDA_FAMILY
    ;
static_assert(kListedFamilies == kDefFamilies, "tactic_registry.cpp: update register_everything() for families.def");

void ensure_registered() {
  static std::once_flag once;
  std::call_once(once, register_everything);
}
}  // namespace

void register_cuda_tactic(ir::OpKind op, std::shared_ptr<const CudaTactic> tactic) {
  // Called from inside register_everything() (under call_once), so it must not call ensure_registered().
  table()[static_cast<size_t>(op)].push_back(std::move(tactic));
}

const std::vector<std::shared_ptr<const CudaTactic>>& cuda_tactics(ir::OpKind op) {
  ensure_registered();
  return table()[static_cast<size_t>(op)];
}

const CudaTactic* find_cuda_tactic(ir::OpKind op, std::string_view name) {
  for (const auto& t : cuda_tactics(op))
    if (t->name() == name) return t.get();
  return nullptr;
}

}  // namespace sinter::cuda

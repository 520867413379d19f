// Reference kernel of WeightOnlyMatMul (docs/llm.md): Y[..., n] = sum_k A[..., k] * w[n, k] with w
// dequantized from int8 (or int4 pairs packed in uint8, zero point 8) times a group-wise scale. Each weight
// row is dequantized once into f32 and dotted with every row of A, accumulating in f32.
#include <string>
#include <vector>

#include "kernels/reference/kernel.h"
#include "kernels/reference/ref_util.h"

namespace sinter::ir {

namespace {

Status weight_only_matmul_kernel(KernelContext& ctx) {
  SINTER_ASSIGN_OR_RETURN(const HostTensor* a, ref::require_input(ctx, 0, "A"));
  SINTER_ASSIGN_OR_RETURN(const HostTensor* wq, ref::require_input(ctx, 1, "Wq"));
  SINTER_ASSIGN_OR_RETURN(const HostTensor* sc, ref::require_input(ctx, 2, "scales"));
  SINTER_RETURN_IF_ERROR(ref::require_dtype(a->dtype(), {DType::kFloat32, DType::kFloat16, DType::kBFloat16}, "A"));
  SINTER_RETURN_IF_ERROR(
      ref::require_dtype(sc->dtype(), {DType::kFloat32, DType::kFloat16, DType::kBFloat16}, "scales"));
  const int64_t bits = ctx.attrs().get_int("bits", 0), group = ctx.attrs().get_int("group_size", 0);
  if (bits != 8 && bits != 4) return invalid_argument("bits must be 8 or 4, got " + std::to_string(bits));
  if (a->rank() < 1) return invalid_argument("A must have at least one dim, got " + a->summary());
  const DType want = bits == 8 ? DType::kInt8 : DType::kUInt8;
  if (wq->dtype() != want || wq->rank() != 2)
    return invalid_argument("Wq must be 2-D " + std::string(dtype_name(want)) + " for bits=" + std::to_string(bits) +
                            ", got " + wq->summary());
  const int64_t k = a->dims().back(), n = wq->dims()[0];
  if (wq->dims()[1] != (bits == 8 ? k : k / 2) || (bits == 4 && k % 2 != 0))
    return invalid_argument("Wq " + wq->summary() + " does not match A's K = " + std::to_string(k) +
                            " at bits=" + std::to_string(bits));
  if (group <= 0 || k % group != 0)
    return invalid_argument("group_size " + std::to_string(group) +
                            " must be positive and divide K = " + std::to_string(k));
  const int64_t groups = k / group;
  if (sc->rank() != 2 || sc->dims()[0] != n || sc->dims()[1] != groups)
    return invalid_argument("scales must be [N, K/group_size] = [" + std::to_string(n) + ", " + std::to_string(groups) +
                            "], got " + sc->summary());

  const int64_t m = a->numel() / (k ? k : 1);
  std::vector<float> av(static_cast<size_t>(a->numel()));
  const std::vector<double> ad = ref::to_doubles(*a);
  for (size_t i = 0; i < av.size(); ++i) av[i] = static_cast<float>(ad[i]);
  const std::vector<double> scales = ref::to_doubles(*sc);
  std::vector<double> y(static_cast<size_t>(m * n));
  std::vector<float> w(static_cast<size_t>(k));
  for (int64_t row = 0; row < n; ++row) {
    for (int64_t j = 0; j < k; ++j) {
      int q;
      if (bits == 8) {
        q = wq->data<int8_t>()[row * k + j];
      } else {
        const uint8_t byte = wq->data<uint8_t>()[row * (k / 2) + j / 2];
        q = static_cast<int>(j % 2 == 0 ? byte & 0x0F : byte >> 4) - 8;
      }
      w[static_cast<size_t>(j)] = static_cast<float>(q) * static_cast<float>(scales[row * groups + j / group]);
    }
    for (int64_t r = 0; r < m; ++r) {
      float acc = 0.0f;
      const float* x = av.data() + r * k;
      for (int64_t j = 0; j < k; ++j) acc += x[j] * w[static_cast<size_t>(j)];
      y[static_cast<size_t>(r * n + row)] = acc;
    }
  }
  std::vector<int64_t> dims = a->dims();
  dims.back() = n;
  ctx.output(0) = ref::from_doubles(a->dtype(), dims, y);
  return Status::Ok();
}

}  // namespace

void register_reference_weight_only() {
  register_reference(OpKind::kWeightOnlyMatMul, weight_only_matmul_kernel);
}

}  // namespace sinter::ir

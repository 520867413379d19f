// Einsum and Det. Einsum: one thread per output element loops over the whole contraction space (the
// axes that are not in the output), adding the product of the operands' elements, in f32 (f64 for
// f64 operands); labels are
// resolved by the shared ir::einsum_plan, so repeated labels, ellipses and broadcasting follow the
// reference. Det: one thread per matrix, LU with partial pivoting in double on a local copy (matrices
// up to kMaxDet x kMaxDet).
#include <cmath>

#include "ir/infer/math_einsum.h"
#include "kernels/cuda/ext_nn.h"
#include "kernels/cuda/kernel_util.cuh"

namespace sinter::cuda {

namespace {

constexpr int kMaxOperands = 4;
constexpr int kMaxAxes = 12;
constexpr int kMaxDet = 12;

// ---- Einsum ---------------------------------------------------------------------------------------

struct EinsumParams {
  int operands = 0, out_rank = 0, red_rank = 0;
  int64_t out_dims[kMaxAxes] = {};
  int64_t out_in_stride[kMaxOperands][kMaxAxes] = {};  // operand strides of each output dim's axis
  int64_t red_dims[kMaxAxes] = {};
  int64_t red_in_stride[kMaxOperands][kMaxAxes] = {};  // operand strides of each contracted axis
  int64_t out_n = 0, red_n = 1;
};

template <typename T>
struct Operands {
  const T* p[kMaxOperands];
};

// f64 operands accumulate in double, the others in f32.
template <typename T>
using EinsumAcc = std::conditional_t<std::is_same_v<T, double>, double, float>;

template <typename T>
__device__ __forceinline__ EinsumAcc<T> einsum_load(const T* p, int64_t i) {
  if constexpr (std::is_same_v<T, double>) {
    return p[i];
  } else {
    return to_f32(p[i]);
  }
}

template <typename T>
__global__ void einsum_kernel(Operands<T> in, T* __restrict__ y, EinsumParams p) {
  using Acc = EinsumAcc<T>;
  SINTER_GRID_STRIDE(o, p.out_n) {
    int64_t base[kMaxOperands] = {};
    int64_t rest = o;
    for (int d = p.out_rank - 1; d >= 0; --d) {
      const int64_t i = rest % p.out_dims[d];
      rest /= p.out_dims[d];
      for (int k = 0; k < p.operands; ++k) base[k] += i * p.out_in_stride[k][d];
    }
    Acc acc = 0;
    for (int64_t r = 0; r < p.red_n; ++r) {
      int64_t off[kMaxOperands];
      for (int k = 0; k < p.operands; ++k) off[k] = base[k];
      int64_t rr = r;
      for (int d = p.red_rank - 1; d >= 0; --d) {
        const int64_t i = rr % p.red_dims[d];
        rr /= p.red_dims[d];
        for (int k = 0; k < p.operands; ++k) off[k] += i * p.red_in_stride[k][d];
      }
      Acc prod = 1;
      for (int k = 0; k < p.operands; ++k) prod *= einsum_load(in.p[k], off[k]);
      acc += prod;
    }
    if constexpr (std::is_same_v<T, double>) {
      y[o] = acc;
    } else {
      y[o] = from_f32<T>(acc);
    }
  }
}

Result<EinsumParams> einsum_params(const ir::Node& node, const std::vector<std::vector<int64_t>>& dims) {
  if (dims.empty() || dims.size() > static_cast<size_t>(kMaxOperands))
    return unimplemented(node_where(node) + ": Einsum with " + std::to_string(dims.size()) + " operands (1 to 4)");
  std::vector<Shape> shapes;
  for (const auto& d : dims) shapes.push_back(Shape::from_static(d));
  auto plan = ir::einsum_plan(node.attrs.get_string("equation"), shapes);
  if (!plan.ok()) return plan.status().with_context(node_where(node));
  const size_t naxes = plan->sizes.size();
  if (naxes > static_cast<size_t>(kMaxAxes)) return unimplemented(node_where(node) + ": more than 12 labels");
  std::vector<int64_t> size(naxes);
  for (size_t a = 0; a < naxes; ++a) {
    if (!plan->sizes[a].is_static()) return invalid_argument(node_where(node) + ": symbolic einsum dim");
    size[a] = plan->sizes[a].value;
  }
  // Per operand and axis: the element stride (summed over repeated labels; 0 where broadcast).
  std::vector<std::vector<int64_t>> stride(dims.size(), std::vector<int64_t>(naxes, 0));
  for (size_t i = 0; i < dims.size(); ++i) {
    int64_t s = 1;
    std::vector<int64_t> cs(dims[i].size());
    for (size_t d = dims[i].size(); d-- > 0;) cs[d] = s, s *= dims[i][d];
    for (size_t d = 0; d < plan->in_axes[i].size(); ++d) {
      const auto a = static_cast<size_t>(plan->in_axes[i][d]);
      if (dims[i][d] != 1 || size[a] == 1) stride[i][a] += cs[d];
    }
  }
  EinsumParams p;
  p.operands = static_cast<int>(dims.size());
  std::vector<bool> in_out(naxes, false);
  p.out_n = 1;
  for (int a : plan->out_axes) {
    if (in_out[static_cast<size_t>(a)]) return unimplemented(node_where(node) + ": a label repeated in the output");
    in_out[static_cast<size_t>(a)] = true;
    p.out_dims[p.out_rank] = size[static_cast<size_t>(a)];
    for (size_t k = 0; k < dims.size(); ++k) p.out_in_stride[k][p.out_rank] = stride[k][static_cast<size_t>(a)];
    p.out_n *= size[static_cast<size_t>(a)];
    ++p.out_rank;
  }
  for (size_t a = 0; a < naxes; ++a) {
    if (in_out[a]) continue;
    p.red_dims[p.red_rank] = size[a];
    for (size_t k = 0; k < dims.size(); ++k) p.red_in_stride[k][p.red_rank] = stride[k][a];
    p.red_n *= size[a];
    ++p.red_rank;
  }
  return p;
}

Status einsum_can_implement(const ir::Node& node, const std::vector<TensorDesc>& inputs,
                            const std::vector<TensorDesc>& outputs) {
  if (inputs.empty() || outputs.empty()) return invalid_argument(node_where(node) + ": expects inputs");
  const DType t = inputs[0].dtype;
  SINTER_RETURN_IF_ERROR(
      require_dtype(node, t, {DType::kFloat32, DType::kFloat16, DType::kBFloat16, DType::kFloat64}, "input 0"));
  std::vector<std::vector<int64_t>> dims;
  for (const auto& in : inputs) {
    if (in.dtype != t) return invalid_argument(node_where(node) + ": inputs must share one dtype");
    dims.push_back(in.dims);
  }
  SINTER_ASSIGN_OR_RETURN(EinsumParams p, einsum_params(node, dims));
  if (outputs[0].dtype != t || numel(outputs[0].dims) != p.out_n)
    return invalid_argument(node_where(node) + ": output does not fit the equation");
  return Status::Ok();
}

Status einsum_enqueue(const ir::Node& node, const LaunchContext& ctx, const std::vector<DeviceTensor>& inputs,
                      std::vector<DeviceTensor>& outputs) {
  std::vector<std::vector<int64_t>> dims;
  for (const auto& in : inputs) dims.push_back(in.dims);
  SINTER_ASSIGN_OR_RETURN(EinsumParams p, einsum_params(node, dims));
  if (p.out_n == 0) return Status::Ok();
  auto run = [&](auto tag) {
    using T = typename decltype(tag)::type;
    Operands<T> ops{};
    for (size_t k = 0; k < inputs.size(); ++k) ops.p[k] = static_cast<const T*>(inputs[k].data);
    einsum_kernel<T><<<grid_for(p.out_n, 128), 128, 0, ctx.stream>>>(ops, static_cast<T*>(outputs[0].data), p);
    return launch_status(node, "einsum_kernel");
  };
  if (inputs[0].dtype == DType::kFloat64) return run(TypeTag<double>{});
  return dispatch_float(inputs[0].dtype, run);
}

// ---- Det ------------------------------------------------------------------------------------------

template <typename T>
__global__ void det_kernel(const T* __restrict__ x, T* __restrict__ y, int64_t batch, int m) {
  SINTER_GRID_STRIDE(b, batch) {
    double a[kMaxDet * kMaxDet];
    const T* xb = x + b * m * m;
    for (int i = 0; i < m * m; ++i) a[i] = static_cast<double>(to_f32(xb[i]));
    double det = 1.0;
    for (int c = 0; c < m && det != 0.0; ++c) {
      int p = c;
      for (int i = c + 1; i < m; ++i)
        if (fabs(a[i * m + c]) > fabs(a[p * m + c])) p = i;
      if (a[p * m + c] == 0.0) {
        det = 0.0;
        break;
      }
      if (p != c) {
        for (int j = 0; j < m; ++j) {
          const double tmp = a[p * m + j];
          a[p * m + j] = a[c * m + j];
          a[c * m + j] = tmp;
        }
        det = -det;
      }
      const double piv = a[c * m + c];
      det *= piv;
      for (int i = c + 1; i < m; ++i) {
        const double f = a[i * m + c] / piv;
        for (int j = c; j < m; ++j) a[i * m + j] -= f * a[c * m + j];
      }
    }
    y[b] = from_f32<T>(static_cast<float>(det));
  }
}

Status det_can_implement(const ir::Node& node, const std::vector<TensorDesc>& inputs,
                         const std::vector<TensorDesc>& outputs) {
  if (inputs.size() != 1 || outputs.empty()) return invalid_argument(node_where(node) + ": expects X");
  const DType t = inputs[0].dtype;
  SINTER_RETURN_IF_ERROR(require_dtype(node, t, {DType::kFloat32, DType::kFloat16, DType::kBFloat16}, "X"));
  const auto& d = inputs[0].dims;
  if (d.size() < 2 || d[d.size() - 1] != d[d.size() - 2])
    return invalid_argument(node_where(node) + ": Det needs square matrices [*, M, M]");
  if (d.back() > kMaxDet) return unimplemented(node_where(node) + ": matrices larger than 12 x 12");
  if (outputs[0].dtype != t || outputs[0].dims != std::vector<int64_t>(d.begin(), d.end() - 2))
    return invalid_argument(node_where(node) + ": output must be the batch dims");
  return Status::Ok();
}

Status det_enqueue(const ir::Node& node, const LaunchContext& ctx, const std::vector<DeviceTensor>& inputs,
                   std::vector<DeviceTensor>& outputs) {
  const auto& d = inputs[0].dims;
  const auto m = static_cast<int>(d.back());
  const int64_t batch = outputs[0].numel();
  if (batch == 0) return Status::Ok();
  return dispatch_float(inputs[0].dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    det_kernel<T><<<grid_for(batch, 64), 64, 0, ctx.stream>>>(static_cast<const T*>(inputs[0].data),
                                                              static_cast<T*>(outputs[0].data), batch, m);
    return launch_status(node, "det_kernel");
  });
}

}  // namespace

void register_ext_nn_matrix() {
  register_function_tactic(ir::OpKind::kEinsum, "cuda.einsum_loop", einsum_can_implement, einsum_enqueue);
  register_function_tactic(ir::OpKind::kDet, "cuda.det", det_can_implement, det_enqueue);
}

}  // namespace sinter::cuda

// GEMM family: MatMul and Gemm through cuBLASLt (f32, f16, bf16 data; f32 accumulation; no TF32).
//
// Row-major to cuBLASLt's column-major: a row-major X[r, c] is a column-major X^T with ld = c, so
//   Y[M,N] = A'[M,K] B'[K,N]   becomes   Y^T[N,M] = B'^T[N,K] A'^T[K,M]
// i.e. cuBLASLt's A is our B and its B is our A, with m = N, n = M.
#include <cuda_runtime.h>

#include <cstring>
#include <numeric>

#include "kernels/cuda/cuda_check.h"
#include "kernels/cuda/device_info.h"
#include "kernels/cuda/gemm_lt.h"
#include "kernels/cuda/tactic.h"

namespace sinter::cuda {
namespace {

constexpr size_t kGemmWorkspaceBytes = size_t{32} << 20;

std::string dims_str(const std::vector<int64_t>& d) { return Shape::from_static(d).to_string(); }

size_t alignment_of(std::initializer_list<int64_t> byte_counts) {
  int64_t g = 256;
  for (int64_t b : byte_counts)
    if (b > 0) g = std::gcd(g, b);
  return static_cast<size_t>(g);
}

Status check_float_io(const ir::Node& node, const std::vector<TensorDesc>& inputs,
                      const std::vector<TensorDesc>& outputs, size_t min_inputs) {
  if (inputs.size() < min_inputs || outputs.empty())
    return invalid_argument(std::string(ir::op_name(node.op)) + " needs " + std::to_string(min_inputs) +
                            " inputs and an output");
  const DType t = inputs[0].dtype;
  if (!is_gemm_float(t)) return unimplemented("cuBLASLt tactics take f32, f16 or bf16, not " +
                                              std::string(dtype_name(t)));
  for (const auto& in : inputs)
    if (in.dtype != DType::kUndefined && in.dtype != t)
      return unimplemented("mixed input dtypes (" + std::string(dtype_name(t)) + " and " +
                           std::string(dtype_name(in.dtype)) + ")");
  if (outputs[0].dtype != t) return unimplemented("output dtype differs from the inputs'");
  return Status::Ok();
}

// ---- MatMul ---------------------------------------------------------------------------------------

// How a MatMul maps onto cuBLASLt products: one (possibly strided-batched) product, or, when batch
// dims broadcast partially, one product per output batch index.
struct MatMulShape {
  int64_t m = 0, n = 0, k = 0;
  std::vector<int64_t> batch_a, batch_b, batch_out;  // batch dims, each padded to batch_out's rank
  int64_t batch = 1;                                 // product of batch_out
  bool fold = false;   // B has no batch: fold A's batch into M
  bool loop = false;   // partial broadcasting: loop over batch_out
  int64_t stride_a = 0, stride_b = 0;  // strided-batch mode (elements; 0 broadcasts)
};

Result<MatMulShape> matmul_shape(const std::vector<int64_t>& a, const std::vector<int64_t>& b) {
  if (a.empty() || b.empty()) return invalid_argument("MatMul inputs must have rank >= 1");
  MatMulShape s;
  const bool a_vec = a.size() == 1, b_vec = b.size() == 1;
  s.m = a_vec ? 1 : a[a.size() - 2];
  s.k = a.back();
  const int64_t kb = b_vec ? b[0] : b[b.size() - 2];
  s.n = b_vec ? 1 : b.back();
  if (kb != s.k) return invalid_argument("MatMul inner dims differ: " + dims_str(a) + " x " + dims_str(b));
  std::vector<int64_t> ba(a.begin(), a.end() - (a_vec ? 1 : 2)), bb(b.begin(), b.end() - (b_vec ? 1 : 2));
  const size_t r = std::max(ba.size(), bb.size());
  ba.insert(ba.begin(), r - ba.size(), 1);
  bb.insert(bb.begin(), r - bb.size(), 1);
  s.batch_out.resize(r);
  for (size_t i = 0; i < r; ++i) {
    if (ba[i] != bb[i] && ba[i] != 1 && bb[i] != 1)
      return invalid_argument("MatMul batch dims do not broadcast: " + dims_str(a) + " x " + dims_str(b));
    s.batch_out[i] = ba[i] == 1 ? bb[i] : ba[i];
  }
  s.batch_a = ba;
  s.batch_b = bb;
  s.batch = numel(s.batch_out);
  const int64_t na = numel(ba), nb = numel(bb);
  if (nb == 1 && ba == s.batch_out) {
    s.fold = true;
  } else {
    if (ba == s.batch_out) s.stride_a = s.m * s.k;
    else if (na == 1) s.stride_a = 0;
    else s.loop = true;
    if (bb == s.batch_out) s.stride_b = s.k * s.n;
    else if (nb == 1) s.stride_b = 0;
    else s.loop = true;
  }
  return s;
}

struct MatMulState : NodeState {
  MatMulShape shape;
  DType dtype = DType::kFloat32;
  bool empty = false;      // M, N or batch is 0: nothing to do
  bool zero_k = false;     // K is 0: the output is zeros
  bool bias = false;       // fused bias vector (input 2)
  bool residual = false;   // fused residual (input 3), accumulated as C with beta = 1
  LtMatmul mm;
};

class CublasLtMatMul final : public CudaTactic {
 public:
  std::string_view name() const override { return "cublaslt.matmul"; }

  Status can_implement(const ir::Node& node, const std::vector<TensorDesc>& inputs,
                       const std::vector<TensorDesc>& outputs) const override {
    if (node.attrs.get_int("sinter.attention", 0) != 0) return unimplemented("fused attention node");
    SINTER_RETURN_IF_ERROR(check_float_io(node, inputs, outputs, 2));
    auto s = matmul_shape(inputs[0].dims, inputs[1].dims);
    if (!s.ok()) return s.status();
    if (s->m > INT32_MAX || s->n > INT32_MAX || s->k > INT32_MAX || s->batch > INT32_MAX)
      return unimplemented("MatMul dims exceed cuBLASLt's 32-bit limits");
    if (node.attrs.get_int("sinter.bias", 0) != 0) {
      // Fused bias (plan_fusion.h): a vector of N added to every row, through the cuBLASLt epilogue.
      if (inputs.size() < 3 || sinter::numel(inputs[2].dims) != s->n)
        return invalid_argument("fused MatMul bias must have N elements");
      if (s->loop || (!s->fold && s->batch > 1)) return unimplemented("fused MatMul bias needs an unbatched B");
      if (s->k == 0) return unimplemented("fused MatMul bias with K = 0");
    }
    if (node.attrs.get_int("sinter.residual", 0) != 0) {
      // Fused residual (fusions.h): input 3, laid out like the output, is cuBLASLt's C with beta = 1.
      if (inputs.size() != 4 || inputs[3].dims != outputs[0].dims)
        return invalid_argument("fused MatMul residual must have the output's shape");
      if (s->loop) return unimplemented("fused MatMul residual with partially broadcast batch dims");
      if (s->k == 0 || s->m == 0 || s->n == 0 || s->batch == 0)
        return unimplemented("fused MatMul residual with an empty product");
    } else if (inputs.size() > 3) {
      return invalid_argument("MatMul takes 2 inputs (3 with a fused bias)");
    }
    return Status::Ok();
  }

  size_t workspace_bytes(const ir::Node&, const std::vector<TensorDesc>&,
                         const std::vector<TensorDesc>&) const override {
    return kGemmWorkspaceBytes;
  }

  Result<std::unique_ptr<NodeState>> prepare(const ir::Node& node, const std::vector<TensorDesc>& inputs,
                                             const std::vector<TensorDesc>&,
                                             const LaunchContext& handles) const override {
    auto st = std::make_unique<MatMulState>();
    st->bias = node.attrs.get_int("sinter.bias", 0) != 0 && inputs.size() >= 3 &&
               inputs[2].dtype != DType::kUndefined;
    st->residual = node.attrs.get_int("sinter.residual", 0) != 0 && inputs.size() == 4;
    SINTER_ASSIGN_OR_RETURN(st->shape, matmul_shape(inputs[0].dims, inputs[1].dims));
    st->dtype = inputs[0].dtype;
    const MatMulShape& s = st->shape;
    st->empty = s.m == 0 || s.n == 0 || s.batch == 0;
    st->zero_k = !st->empty && s.k == 0;
    if (st->empty || st->zero_k) return std::unique_ptr<NodeState>(std::move(st));
    const int64_t es = static_cast<int64_t>(dtype_size(st->dtype));
    LtProblem p;
    p.dtype = st->dtype;
    p.m = s.n;
    p.n = s.fold ? s.m * s.batch : s.m;
    p.k = s.k;
    p.lda = s.n;
    p.ldb = s.k;
    p.ldc = s.n;
    if (!s.fold && !s.loop) {
      p.batch = s.batch;
      p.stride_a = s.stride_b;
      p.stride_b = s.stride_a;
      p.stride_c = s.m * s.n;
    }
    p.align_bytes = alignment_of({s.n * es, s.k * es});
    p.bias = st->bias;
    SINTER_RETURN_IF_ERROR(st->mm.init(p, static_cast<cublasLtHandle_t>(handles.cublaslt), kGemmWorkspaceBytes,
                                       library_tuning()));
    return std::unique_ptr<NodeState>(std::move(st));
  }

  Status enqueue(const ir::Node&, const NodeState* state, const LaunchContext& ctx,
                 const std::vector<DeviceTensor>& inputs, std::vector<DeviceTensor>& outputs) const override {
    const auto* st = static_cast<const MatMulState*>(state);
    if (!st) return internal_error("cublaslt.matmul: not prepared");
    const MatMulShape& s = st->shape;
    if (st->empty) return Status::Ok();
    const size_t es = dtype_size(st->dtype);
    if (st->zero_k) {
      SINTER_CUDA_RETURN_IF_ERROR(
          cudaMemsetAsync(outputs[0].data, 0, static_cast<size_t>(outputs[0].numel()) * es, ctx.stream));
      return Status::Ok();
    }
    auto h = static_cast<cublasLtHandle_t>(ctx.cublaslt);
    if (!s.loop)
      return st->mm.run(h, ctx.stream, 1.f, inputs[1].data, inputs[0].data, st->residual ? 1.f : 0.f,
                        st->residual ? inputs[3].data : nullptr, outputs[0].data,
                        st->bias ? inputs[2].data : nullptr, ctx.workspace, ctx.workspace_bytes);
    // Partial broadcasting: one product per output batch index, operands located by broadcasting.
    const size_t r = s.batch_out.size();
    std::vector<int64_t> idx(r, 0);
    const auto* a = static_cast<const char*>(inputs[0].data);
    const auto* b = static_cast<const char*>(inputs[1].data);
    auto* y = static_cast<char*>(outputs[0].data);
    for (int64_t flat = 0; flat < s.batch; ++flat) {
      int64_t off_a = 0, off_b = 0;
      for (size_t i = 0; i < r; ++i) {
        off_a = off_a * s.batch_a[i] + (s.batch_a[i] == 1 ? 0 : idx[i]);
        off_b = off_b * s.batch_b[i] + (s.batch_b[i] == 1 ? 0 : idx[i]);
      }
      SINTER_RETURN_IF_ERROR(st->mm.run(h, ctx.stream, 1.f, b + off_b * s.k * s.n * es, a + off_a * s.m * s.k * es,
                                        0.f, nullptr, y + flat * s.m * s.n * es, nullptr, ctx.workspace,
                                        ctx.workspace_bytes));
      for (size_t i = r; i-- > 0;) {
        if (++idx[i] < s.batch_out[i]) break;
        idx[i] = 0;
      }
    }
    return Status::Ok();
  }
};

// ---- Gemm -----------------------------------------------------------------------------------------

enum class CMode { kNone, kBiasEpilogue, kFill };

struct GemmState : NodeState {
  ~GemmState() override {
    if (scaled_bias) cudaFree(scaled_bias);
  }
  DType dtype = DType::kFloat32;
  int64_t m = 0, n = 0, k = 0;
  float alpha = 1.f, beta = 0.f;
  CMode c_mode = CMode::kNone;
  int64_t cm = 1, cn = 1;
  void* scaled_bias = nullptr;  // beta * C uploaded at prepare when beta != 1 and C is a constant row
  LtMatmul mm;
};

struct GemmDims {
  int64_t m, n, k;
};

Result<GemmDims> gemm_dims(const ir::Node& node, const std::vector<TensorDesc>& inputs) {
  const auto& a = inputs[0].dims;
  const auto& b = inputs[1].dims;
  if (a.size() != 2 || b.size() != 2) return invalid_argument("Gemm inputs A and B must be 2-D");
  const bool ta = node.attrs.get_int("transA", 0) != 0, tb = node.attrs.get_int("transB", 0) != 0;
  GemmDims d{ta ? a[1] : a[0], tb ? b[0] : b[1], ta ? a[0] : a[1]};
  if ((tb ? b[1] : b[0]) != d.k) return invalid_argument("Gemm inner dims differ: " + dims_str(a) + " x " + dims_str(b));
  return d;
}

class CublasLtGemm final : public CudaTactic {
 public:
  std::string_view name() const override { return "cublaslt.gemm"; }

  Status can_implement(const ir::Node& node, const std::vector<TensorDesc>& inputs,
                       const std::vector<TensorDesc>& outputs) const override {
    SINTER_RETURN_IF_ERROR(check_float_io(node, inputs, outputs, 2));
    SINTER_ASSIGN_OR_RETURN(GemmDims d, gemm_dims(node, inputs));
    if (inputs.size() > 2 && inputs[2].dtype != DType::kUndefined) {
      const auto& c = inputs[2].dims;
      if (c.size() > 2) return invalid_argument("Gemm C must have rank <= 2");
      int64_t cm = c.size() == 2 ? c[0] : 1, cn = c.empty() ? 1 : c.back();
      if ((cm != 1 && cm != d.m) || (cn != 1 && cn != d.n))
        return invalid_argument("Gemm C " + dims_str(c) + " does not broadcast to [" + std::to_string(d.m) + "," +
                                std::to_string(d.n) + "]");
    }
    return Status::Ok();
  }

  size_t workspace_bytes(const ir::Node&, const std::vector<TensorDesc>&,
                         const std::vector<TensorDesc>&) const override {
    return kGemmWorkspaceBytes;
  }

  Result<std::unique_ptr<NodeState>> prepare(const ir::Node& node, const std::vector<TensorDesc>& inputs,
                                             const std::vector<TensorDesc>&,
                                             const LaunchContext& handles) const override {
    auto st = std::make_unique<GemmState>();
    SINTER_ASSIGN_OR_RETURN(GemmDims d, gemm_dims(node, inputs));
    st->dtype = inputs[0].dtype;
    st->m = d.m, st->n = d.n, st->k = d.k;
    st->alpha = static_cast<float>(node.attrs.get_float("alpha", 1.0));
    st->beta = static_cast<float>(node.attrs.get_float("beta", 1.0));
    const bool has_c = inputs.size() > 2 && inputs[2].dtype != DType::kUndefined && st->beta != 0.f;
    if (has_c) {
      const auto& c = inputs[2].dims;
      st->cm = c.size() == 2 ? c[0] : 1;
      st->cn = c.empty() ? 1 : c.back();
      const bool row = st->cm == 1 && st->cn == d.n;
      if (row && d.k > 0 && (st->beta == 1.f || inputs[2].constant)) {
        st->c_mode = CMode::kBiasEpilogue;
        if (st->beta != 1.f) {
          HostTensor scaled(st->dtype, {d.n});
          for (int64_t j = 0; j < d.n; ++j)
            scaled.set_from_double(j, st->beta * inputs[2].constant->get_as_double(j));
          SINTER_CUDA_RETURN_IF_ERROR(cudaMalloc(&st->scaled_bias, std::max<size_t>(scaled.nbytes(), 1)));
          SINTER_CUDA_RETURN_IF_ERROR(cudaMemcpy(st->scaled_bias, scaled.raw(), scaled.nbytes(), cudaMemcpyHostToDevice));
        }
      } else {
        st->c_mode = CMode::kFill;
      }
    }
    if (d.m == 0 || d.n == 0 || d.k == 0) return std::unique_ptr<NodeState>(std::move(st));
    const bool ta = node.attrs.get_int("transA", 0) != 0, tb = node.attrs.get_int("transB", 0) != 0;
    const int64_t es = static_cast<int64_t>(dtype_size(st->dtype));
    LtProblem p;
    p.dtype = st->dtype;
    p.m = d.n;
    p.n = d.m;
    p.k = d.k;
    p.trans_a = tb;
    p.lda = tb ? d.k : d.n;
    p.trans_b = ta;
    p.ldb = ta ? d.m : d.k;
    p.ldc = d.n;
    p.bias = st->c_mode == CMode::kBiasEpilogue;
    p.align_bytes = alignment_of({d.m * es, d.n * es, d.k * es});
    SINTER_RETURN_IF_ERROR(st->mm.init(p, static_cast<cublasLtHandle_t>(handles.cublaslt), kGemmWorkspaceBytes,
                                       library_tuning()));
    return std::unique_ptr<NodeState>(std::move(st));
  }

  Status enqueue(const ir::Node&, const NodeState* state, const LaunchContext& ctx,
                 const std::vector<DeviceTensor>& inputs, std::vector<DeviceTensor>& outputs) const override {
    const auto* st = static_cast<const GemmState*>(state);
    if (!st) return internal_error("cublaslt.gemm: not prepared");
    if (st->m == 0 || st->n == 0) return Status::Ok();
    void* y = outputs[0].data;
    float beta = 0.f;
    const void* bias = nullptr;
    if (st->c_mode == CMode::kFill) {
      // Y = broadcast(C), then Y = alpha*A'B' + beta*Y in place (cuBLASLt allows C == D).
      SINTER_RETURN_IF_ERROR(launch_broadcast_fill(st->dtype, y, inputs[2].data, st->m, st->n, st->cm, st->cn,
                                                   st->k == 0 ? st->beta : 1.f, ctx.stream));
      beta = st->beta;
    } else if (st->c_mode == CMode::kBiasEpilogue) {
      bias = st->scaled_bias ? st->scaled_bias : inputs[2].data;
    }
    if (st->k == 0) {
      if (st->c_mode == CMode::kNone)
        SINTER_CUDA_RETURN_IF_ERROR(cudaMemsetAsync(y, 0, static_cast<size_t>(st->m * st->n) * dtype_size(st->dtype),
                                                    ctx.stream));
      return Status::Ok();
    }
    return st->mm.run(static_cast<cublasLtHandle_t>(ctx.cublaslt), ctx.stream, st->alpha, inputs[1].data,
                      inputs[0].data, beta, st->c_mode == CMode::kFill ? y : nullptr, y, bias, ctx.workspace,
                      ctx.workspace_bytes);
  }
};

}  // namespace

void register_cuda_gemm() {
  register_cuda_tactic(ir::OpKind::kMatMul, std::make_shared<CublasLtMatMul>());
  register_cuda_tactic(ir::OpKind::kGemm, std::make_shared<CublasLtGemm>());
}

}  // namespace sinter::cuda

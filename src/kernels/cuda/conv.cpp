// Convolution family: Conv through cuDNN's convolution API (NCHW / NCDHW, groups, dilations, symmetric
// pads; 1-D convolutions run as 2-D with H = 1), f32 (FMA math, no TF32), f16 and bf16 (tensor cores,
// f32 accumulation). The bias is added with cudnnAddTensor. The engine may mark a Conv node with the
// attribute "sinter.activation" = "Relu" (it folded the Relu that followed it) and, with
// "sinter.residual" = 1, give it a 4th input z: then the node computes relu(conv(x) + bias + z) in one
// cudnnConvolutionBiasActivationForward call.
#include <cudnn.h>

#include <algorithm>
#include <cstring>

#include "kernels/cuda/cuda_check.h"
#include "kernels/cuda/device_info.h"
#include "kernels/cuda/tactic.h"

namespace sinter::cuda {
namespace {

constexpr size_t kConvWorkspaceBytes = size_t{256} << 20;

cudnnDataType_t cudnn_type(DType t) {
  switch (t) {
    case DType::kFloat16: return CUDNN_DATA_HALF;
    case DType::kBFloat16: return CUDNN_DATA_BFLOAT16;
    default: return CUDNN_DATA_FLOAT;
  }
}

// Conv attributes resolved for concrete dims, with 1-D lifted to 2-D.
struct ConvGeometry {
  std::vector<int> x, w, y;  // logical dims (N, C, spatial...)
  std::vector<int> pads, strides, dilations;
  int group = 1;
  bool nhwc = false;  // x, y (and z) are stored channels-last (plan_layout.h); dims above stay logical
};

bool conv_is_nhwc(const ir::Node& node) { return node.attrs.get_string("sinter.layout", "") == "NHWC"; }

Result<ConvGeometry> conv_geometry(const ir::Node& node, const std::vector<TensorDesc>& inputs,
                                   const std::vector<TensorDesc>& outputs) {
  const bool nhwc = conv_is_nhwc(node);
  if (nhwc && (inputs[0].dims.size() != 4 || outputs[0].dims.size() != 4))
    return unimplemented("channels-last Conv must be 2-D");
  // Physical NHWC dims -> logical NCHW.
  auto logical = [nhwc](const std::vector<int64_t>& d) {
    return nhwc ? std::vector<int64_t>{d[0], d[3], d[1], d[2]} : d;
  };
  const auto x = logical(inputs[0].dims);
  const auto& w = inputs[1].dims;
  const auto y = logical(outputs[0].dims);
  if (x.size() < 3 || x.size() > 5 || w.size() != x.size() || y.size() != x.size())
    return unimplemented("cuDNN Conv handles 1-D, 2-D and 3-D convolutions (input rank 3..5), got input " +
                         Shape::from_static(x).to_string() + " weight " + Shape::from_static(w).to_string());
  const size_t sp = x.size() - 2;
  ConvGeometry g;
  g.group = static_cast<int>(node.attrs.get_int("group", 1));
  auto strides = node.attrs.get_ints("strides", std::vector<int64_t>(sp, 1));
  auto dil = node.attrs.get_ints("dilations", std::vector<int64_t>(sp, 1));
  if (strides.size() != sp || dil.size() != sp) return invalid_argument("Conv strides/dilations rank mismatch");
  const std::string auto_pad = node.attrs.get_string("auto_pad", "NOTSET");
  std::vector<int64_t> begin(sp, 0), end(sp, 0);
  if (auto_pad == "NOTSET") {
    auto pads = node.attrs.get_ints("pads", std::vector<int64_t>(2 * sp, 0));
    if (pads.size() != 2 * sp) return invalid_argument("Conv pads must have 2 x spatial rank entries");
    for (size_t i = 0; i < sp; ++i) begin[i] = pads[i], end[i] = pads[i + sp];
  } else if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
    for (size_t i = 0; i < sp; ++i) {
      int64_t in = x[2 + i], k = w[2 + i], out = y[2 + i];
      int64_t total = std::max<int64_t>(0, (out - 1) * strides[i] + (k - 1) * dil[i] + 1 - in);
      begin[i] = auto_pad == "SAME_UPPER" ? total / 2 : total - total / 2;
      end[i] = total - begin[i];
    }
  } else if (auto_pad != "VALID") {
    return invalid_argument("Conv auto_pad '" + auto_pad + "' is not NOTSET, SAME_UPPER, SAME_LOWER or VALID");
  }
  for (size_t i = 0; i < sp; ++i)
    if (begin[i] != end[i]) return unimplemented("asymmetric Conv padding: cuDNN needs equal begin and end pads");
  auto to_int = [](const std::vector<int64_t>& v) { return std::vector<int>(v.begin(), v.end()); };
  g.x = to_int(x), g.w = to_int(w), g.y = to_int(y);
  g.nhwc = nhwc;
  g.pads = to_int(begin), g.strides = to_int(strides), g.dilations = to_int(dil);
  if (sp == 1) {  // lift to 2-D: H = 1
    g.x.insert(g.x.begin() + 2, 1), g.w.insert(g.w.begin() + 2, 1), g.y.insert(g.y.begin() + 2, 1);
    g.pads.insert(g.pads.begin(), 0), g.strides.insert(g.strides.begin(), 1), g.dilations.insert(g.dilations.begin(), 1);
  }
  if (g.group <= 0 || g.x[1] != g.w[1] * g.group || g.w[0] % g.group != 0)
    return invalid_argument("Conv channels do not match the weight and group");
  return g;
}

std::vector<int> packed_strides(const std::vector<int>& dims) {
  std::vector<int> s(dims.size(), 1);
  for (size_t i = dims.size() - 1; i-- > 0;) s[i] = s[i + 1] * dims[i + 1];
  return s;
}

struct ConvState : NodeState {
  ~ConvState() override {
    if (x) cudnnDestroyTensorDescriptor(x);
    if (y) cudnnDestroyTensorDescriptor(y);
    if (bias) cudnnDestroyTensorDescriptor(bias);
    if (w) cudnnDestroyFilterDescriptor(w);
    if (conv) cudnnDestroyConvolutionDescriptor(conv);
    if (act) cudnnDestroyActivationDescriptor(act);
    if (zero_bias) cudaFree(zero_bias);
    if (weight_nhwc) cudaFree(weight_nhwc);
  }
  cudnnTensorDescriptor_t x = nullptr, y = nullptr, bias = nullptr;
  cudnnFilterDescriptor_t w = nullptr;
  cudnnConvolutionDescriptor_t conv = nullptr;
  cudnnActivationDescriptor_t act = nullptr;  // set when a Relu is fused
  cudnnConvolutionFwdAlgo_t algo = CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_GEMM;
  size_t workspace = 0;
  bool has_bias = false, residual = false, empty = false;
  void* zero_bias = nullptr;  // the fused call needs a bias; zeros when the node has none
  void* weight_nhwc = nullptr;  // the weight permuted to [K, R, S, C/g] for channels-last
};

// [K, C, R, S] -> [K, R, S, C] on the host, element bytes moved as they are.
HostTensor weight_to_krsc(const HostTensor& w) {
  const auto& d = w.dims();
  HostTensor out(w.dtype(), {d[0], d[2], d[3], d[1]});
  const size_t es = dtype_size(w.dtype());
  const auto* src = static_cast<const char*>(w.raw());
  auto* dst = static_cast<char*>(out.raw());
  for (int64_t k = 0; k < d[0]; ++k)
    for (int64_t c = 0; c < d[1]; ++c)
      for (int64_t r = 0; r < d[2]; ++r)
        for (int64_t q = 0; q < d[3]; ++q)
          std::memcpy(dst + (((k * d[2] + r) * d[3] + q) * d[1] + c) * es, src + (((k * d[1] + c) * d[2] + r) * d[3] + q) * es,
                      es);
  return out;
}

class CudnnConv final : public CudaTactic {
 public:
  std::string_view name() const override { return "cudnn.conv"; }

  Status can_implement(const ir::Node& node, const std::vector<TensorDesc>& inputs,
                       const std::vector<TensorDesc>& outputs) const override {
    if (inputs.size() < 2 || outputs.empty()) return invalid_argument("Conv needs X and W");
    const DType t = inputs[0].dtype;
    if (!is_gemm_float(t)) return unimplemented("cuDNN Conv takes f32, f16 or bf16, not " + std::string(dtype_name(t)));
    for (size_t i = 1; i < inputs.size(); ++i)
      if (inputs[i].dtype != DType::kUndefined && inputs[i].dtype != t) return unimplemented("mixed input dtypes");
    if (outputs[0].dtype != t) return unimplemented("output dtype differs from the input's");
    const std::string act = node.attrs.get_string("sinter.activation", "");
    if (!act.empty() && act != "Relu") return unimplemented("fused activation '" + act + "'");
    auto g = conv_geometry(node, inputs, outputs);
    if (!g.ok()) return g.status();
    if (g->nhwc && (!inputs[1].constant || inputs[1].constant->dtype() != t))
      return unimplemented("channels-last Conv needs a constant weight of the input's dtype");
    return Status::Ok();
  }

  size_t workspace_bytes(const ir::Node&, const std::vector<TensorDesc>&,
                         const std::vector<TensorDesc>&) const override {
    return kConvWorkspaceBytes;
  }

  Result<std::unique_ptr<NodeState>> prepare(const ir::Node& node, const std::vector<TensorDesc>& inputs,
                                             const std::vector<TensorDesc>& outputs,
                                             const LaunchContext& handles) const override {
    SINTER_ASSIGN_OR_RETURN(ConvGeometry g, conv_geometry(node, inputs, outputs));
    auto st = std::make_unique<ConvState>();
    const DType t = inputs[0].dtype;
    const cudnnDataType_t dt = cudnn_type(t);
    const int nd = static_cast<int>(g.x.size());
    st->has_bias = inputs.size() > 2 && inputs[2].dtype != DType::kUndefined;
    st->residual = node.attrs.get_int("sinter.residual", 0) != 0 && inputs.size() > 3;
    st->empty = sinter::numel(outputs[0].dims) == 0 || sinter::numel(inputs[0].dims) == 0;
    if (st->empty) return std::unique_ptr<NodeState>(std::move(st));
    SINTER_CUDNN_RETURN_IF_ERROR(cudnnCreateTensorDescriptor(&st->x));
    SINTER_CUDNN_RETURN_IF_ERROR(cudnnCreateTensorDescriptor(&st->y));
    SINTER_CUDNN_RETURN_IF_ERROR(cudnnCreateFilterDescriptor(&st->w));
    SINTER_CUDNN_RETURN_IF_ERROR(cudnnCreateConvolutionDescriptor(&st->conv));
    if (g.nhwc) {
      SINTER_CUDNN_RETURN_IF_ERROR(
          cudnnSetTensor4dDescriptor(st->x, CUDNN_TENSOR_NHWC, dt, g.x[0], g.x[1], g.x[2], g.x[3]));
      SINTER_CUDNN_RETURN_IF_ERROR(
          cudnnSetTensor4dDescriptor(st->y, CUDNN_TENSOR_NHWC, dt, g.y[0], g.y[1], g.y[2], g.y[3]));
      SINTER_CUDNN_RETURN_IF_ERROR(
          cudnnSetFilter4dDescriptor(st->w, dt, CUDNN_TENSOR_NHWC, g.w[0], g.w[1], g.w[2], g.w[3]));
      HostTensor krsc = weight_to_krsc(*inputs[1].constant);
      SINTER_CUDA_RETURN_IF_ERROR(cudaMalloc(&st->weight_nhwc, std::max<size_t>(krsc.nbytes(), 1)));
      SINTER_CUDA_RETURN_IF_ERROR(cudaMemcpy(st->weight_nhwc, krsc.raw(), krsc.nbytes(), cudaMemcpyHostToDevice));
    } else {
      auto xs = packed_strides(g.x), ys = packed_strides(g.y);
      SINTER_CUDNN_RETURN_IF_ERROR(cudnnSetTensorNdDescriptor(st->x, dt, nd, g.x.data(), xs.data()));
      SINTER_CUDNN_RETURN_IF_ERROR(cudnnSetTensorNdDescriptor(st->y, dt, nd, g.y.data(), ys.data()));
      SINTER_CUDNN_RETURN_IF_ERROR(cudnnSetFilterNdDescriptor(st->w, dt, CUDNN_TENSOR_NCHW, nd, g.w.data()));
    }
    SINTER_CUDNN_RETURN_IF_ERROR(cudnnSetConvolutionNdDescriptor(st->conv, nd - 2, g.pads.data(), g.strides.data(),
                                                                 g.dilations.data(), CUDNN_CROSS_CORRELATION,
                                                                 CUDNN_DATA_FLOAT));
    SINTER_CUDNN_RETURN_IF_ERROR(cudnnSetConvolutionGroupCount(st->conv, g.group));
    const bool exact_f32 = t == DType::kFloat32;
    SINTER_CUDNN_RETURN_IF_ERROR(
        cudnnSetConvolutionMathType(st->conv, exact_f32 ? CUDNN_FMA_MATH : CUDNN_TENSOR_OP_MATH));
    // cuDNN's own output dims must agree with the graph's.
    std::vector<int> cy(static_cast<size_t>(nd));
    SINTER_CUDNN_RETURN_IF_ERROR(cudnnGetConvolutionNdForwardOutputDim(st->conv, st->x, st->w, nd, cy.data()));
    if (cy != g.y) return invalid_argument("cuDNN computes a different Conv output shape than the graph declares");

    std::vector<int> bdims(static_cast<size_t>(nd), 1);
    bdims[1] = g.y[1];
    auto bs = packed_strides(bdims);
    SINTER_CUDNN_RETURN_IF_ERROR(cudnnCreateTensorDescriptor(&st->bias));
    SINTER_CUDNN_RETURN_IF_ERROR(cudnnSetTensorNdDescriptor(st->bias, dt, nd, bdims.data(), bs.data()));
    const bool fused = node.attrs.get_string("sinter.activation", "") == "Relu";
    if (fused) {
      SINTER_CUDNN_RETURN_IF_ERROR(cudnnCreateActivationDescriptor(&st->act));
      SINTER_CUDNN_RETURN_IF_ERROR(
          cudnnSetActivationDescriptor(st->act, CUDNN_ACTIVATION_RELU, CUDNN_NOT_PROPAGATE_NAN, 0.0));
      if (!st->has_bias) {
        size_t bytes = static_cast<size_t>(g.y[1]) * dtype_size(t);
        SINTER_CUDA_RETURN_IF_ERROR(cudaMalloc(&st->zero_bias, bytes));
        SINTER_CUDA_RETURN_IF_ERROR(cudaMemset(st->zero_bias, 0, bytes));
      }
    }

    auto handle = static_cast<cudnnHandle_t>(handles.cudnn);
    constexpr int kMax = 8;
    cudnnConvolutionFwdAlgoPerf_t perf[kMax];
    int found = 0;
    if (library_tuning()) {
      SINTER_CUDNN_RETURN_IF_ERROR(
          cudnnFindConvolutionForwardAlgorithm(handle, st->x, st->w, st->conv, st->y, kMax, &found, perf));
    } else {
      SINTER_CUDNN_RETURN_IF_ERROR(
          cudnnGetConvolutionForwardAlgorithm_v7(handle, st->x, st->w, st->conv, st->y, kMax, &found, perf));
    }
    bool chosen = false;
    for (int i = 0; i < found && !chosen; ++i) {
      if (perf[i].status != CUDNN_STATUS_SUCCESS || perf[i].memory > kConvWorkspaceBytes) continue;
      if (exact_f32 && perf[i].mathType != CUDNN_FMA_MATH && perf[i].mathType != CUDNN_DEFAULT_MATH) continue;
      st->algo = perf[i].algo;
      SINTER_CUDNN_RETURN_IF_ERROR(cudnnSetConvolutionMathType(st->conv, perf[i].mathType));
      size_t ws = 0;
      if (cudnnGetConvolutionForwardWorkspaceSize(handle, st->x, st->w, st->conv, st->y, st->algo, &ws) !=
              CUDNN_STATUS_SUCCESS ||
          ws > kConvWorkspaceBytes)
        continue;
      st->workspace = ws;
      chosen = true;
    }
    if (!chosen) return unimplemented("cuDNN offers no forward algorithm for this Conv within the workspace limit");
    return std::unique_ptr<NodeState>(std::move(st));
  }

  Status enqueue(const ir::Node&, const NodeState* state, const LaunchContext& ctx,
                 const std::vector<DeviceTensor>& inputs, std::vector<DeviceTensor>& outputs) const override {
    const auto* st = static_cast<const ConvState*>(state);
    if (!st) return internal_error("cudnn.conv: not prepared");
    if (st->empty) return Status::Ok();
    if (ctx.workspace_bytes < st->workspace) return internal_error("cudnn.conv: workspace too small");
    auto handle = static_cast<cudnnHandle_t>(ctx.cudnn);
    SINTER_CUDNN_RETURN_IF_ERROR(cudnnSetStream(handle, ctx.stream));
    const float one = 1.f, zero = 0.f;
    const void* w = st->weight_nhwc ? st->weight_nhwc : inputs[1].data;
    if (st->act) {
      const void* bias = st->has_bias ? inputs[2].data : st->zero_bias;
      const void* z = st->residual ? inputs[3].data : outputs[0].data;
      const float alpha2 = st->residual ? 1.f : 0.f;
      SINTER_CUDNN_RETURN_IF_ERROR(cudnnConvolutionBiasActivationForward(
          handle, &one, st->x, inputs[0].data, st->w, w, st->conv, st->algo, ctx.workspace,
          st->workspace, &alpha2, st->y, z, st->bias, bias, st->act, st->y, outputs[0].data));
      return Status::Ok();
    }
    SINTER_CUDNN_RETURN_IF_ERROR(cudnnConvolutionForward(handle, &one, st->x, inputs[0].data, st->w, w,
                                                         st->conv, st->algo, ctx.workspace, st->workspace, &zero,
                                                         st->y, outputs[0].data));
    if (st->has_bias)
      SINTER_CUDNN_RETURN_IF_ERROR(cudnnAddTensor(handle, &one, st->bias, inputs[2].data, &one, st->y, outputs[0].data));
    return Status::Ok();
  }
};

}  // namespace

void register_cuda_conv() { register_cuda_tactic(ir::OpKind::kConv, std::make_shared<CudnnConv>()); }

}  // namespace sinter::cuda

// Index-pattern generators and rearrangements of the ext_math family: Trilu (k may be a graph input
// read on the device), EyeLike, ReverseSequence, DepthToSpace/SpaceToDepth, CenterCropPad and the
// Hann/Hamming/Blackman windows (their size is the output's dim). One thread per output element,
// each computing where its value comes from.
#include <cmath>

#include "kernels/cuda/ext_common.cuh"

namespace sinter::cuda {

namespace {

using namespace ext;

// ---- Trilu --------------------------------------------------------------------------------------------

template <typename T>
__global__ void trilu_kernel(const T* __restrict__ x, T* __restrict__ y, int64_t n, int64_t rows, int64_t cols,
                             ScalarArg k_arg, bool upper) {
  const int64_t k = read_scalar(k_arg);
  SINTER_GRID_STRIDE(i, n) {
    const int64_t c = i % cols, r = (i / cols) % rows;
    const bool keep = upper ? c - r >= k : c - r <= k;
    y[i] = keep ? x[i] : T{};
  }
}

Status trilu_can_implement(const ir::Node& node, const std::vector<TensorDesc>& inputs,
                           const std::vector<TensorDesc>& outputs) {
  if (inputs.empty() || outputs.size() != 1) return invalid_argument(node_where(node) + ": expects 1 or 2 inputs");
  if (!is_movable(inputs[0].dtype) || outputs[0].dtype != inputs[0].dtype)
    return unimplemented(node_where(node) + ": dtype " + std::string(dtype_name(inputs[0].dtype)));
  if (inputs[0].dims.size() < 2) return invalid_argument(node_where(node) + ": Trilu needs rank >= 2");
  if (outputs[0].dims != inputs[0].dims) return invalid_argument(node_where(node) + ": output must match the input");
  if (has_input(node, 1)) SINTER_RETURN_IF_ERROR(check_scalar_input(node, inputs, 1, "k"));
  return Status::Ok();
}

Status trilu_enqueue(const ir::Node& node, const LaunchContext& ctx, const std::vector<DeviceTensor>& inputs,
                     std::vector<DeviceTensor>& outputs) {
  const int64_t n = inputs[0].numel();
  if (n == 0) return Status::Ok();
  const auto& d = inputs[0].dims;
  const int64_t rows = d[d.size() - 2], cols = d.back();
  ScalarArg k;
  if (has_input(node, 1) && inputs.size() > 1) k = device_scalar(inputs[1]);
  const bool upper = node.attrs.get_int("upper", 1) != 0;
  return dispatch_size(inputs[0].dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    trilu_kernel<T><<<grid_for(n, kThreads), kThreads, 0, ctx.stream>>>(
        static_cast<const T*>(inputs[0].data), static_cast<T*>(outputs[0].data), n, rows, cols, k, upper);
    return launch_status(node, "trilu_kernel");
  });
}

// ---- EyeLike ------------------------------------------------------------------------------------------

template <typename T>
__global__ void eye_kernel(T* __restrict__ y, int64_t n, int64_t cols, int64_t k) {
  SINTER_GRID_STRIDE(i, n) {
    const int64_t c = i % cols, r = i / cols;
    y[i] = convert<T>(static_cast<int32_t>(c - r == k ? 1 : 0));
  }
}

Status eye_can_implement(const ir::Node& node, const std::vector<TensorDesc>& inputs,
                         const std::vector<TensorDesc>& outputs) {
  if (inputs.size() != 1 || outputs.size() != 1) return invalid_argument(node_where(node) + ": expects 1 input");
  if (inputs[0].dims.size() != 2 || outputs[0].dims != inputs[0].dims)
    return invalid_argument(node_where(node) + ": EyeLike needs a 2-D input and an output of its dims");
  if (!is_any_numeric(outputs[0].dtype))
    return unimplemented(node_where(node) + ": output dtype " + std::string(dtype_name(outputs[0].dtype)));
  return Status::Ok();
}

Status eye_enqueue(const ir::Node& node, const LaunchContext& ctx, const std::vector<DeviceTensor>& inputs,
                   std::vector<DeviceTensor>& outputs) {
  (void)inputs;
  const int64_t n = outputs[0].numel();
  if (n == 0) return Status::Ok();
  const int64_t cols = outputs[0].dims[1], k = node.attrs.get_int("k", 0);
  return dispatch_any(outputs[0].dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    eye_kernel<T><<<grid_for(n, kThreads), kThreads, 0, ctx.stream>>>(static_cast<T*>(outputs[0].data), n, cols, k);
    return launch_status(node, "eye_kernel");
  });
}

// ---- ReverseSequence ------------------------------------------------------------------------------------

template <typename T>
__global__ void reverse_sequence_kernel(const T* __restrict__ x, const void* lens, bool lens64, T* __restrict__ y,
                                        int64_t n, int64_t nb, int64_t nt, int64_t inner, bool batch_first) {
  SINTER_GRID_STRIDE(q, n) {
    const int64_t i = q % inner;
    const int64_t outer = q / inner;  // (b, t) or (t, b)
    const int64_t b = batch_first ? outer / nt : outer % nb;
    const int64_t t = batch_first ? outer % nt : outer / nb;
    const int64_t len = lens64 ? static_cast<const int64_t*>(lens)[b] : static_cast<const int32_t*>(lens)[b];
    const int64_t st = (len >= 0 && len <= nt && t < len) ? len - 1 - t : t;
    const int64_t src = (batch_first ? b * nt + st : st * nb + b) * inner + i;
    y[q] = x[src];
  }
}

Status reverse_sequence_can_implement(const ir::Node& node, const std::vector<TensorDesc>& inputs,
                                      const std::vector<TensorDesc>& outputs) {
  if (inputs.size() != 2 || outputs.size() != 1) return invalid_argument(node_where(node) + ": expects 2 inputs");
  if (!is_movable(inputs[0].dtype) || outputs[0].dtype != inputs[0].dtype)
    return unimplemented(node_where(node) + ": dtype " + std::string(dtype_name(inputs[0].dtype)));
  SINTER_RETURN_IF_ERROR(require_dtype(node, inputs[1].dtype, {DType::kInt32, DType::kInt64}, "sequence_lens"));
  const int64_t ba = node.attrs.get_int("batch_axis", 1), ta = node.attrs.get_int("time_axis", 0);
  if (!((ba == 0 && ta == 1) || (ba == 1 && ta == 0)))
    return invalid_argument(node_where(node) + ": batch_axis and time_axis must be 0 and 1 in some order");
  const auto& d = inputs[0].dims;
  if (d.size() < 2) return invalid_argument(node_where(node) + ": input must have rank >= 2");
  if (numel(inputs[1].dims) != d[static_cast<size_t>(ba)])
    return invalid_argument(node_where(node) + ": one sequence length per batch entry");
  return Status::Ok();
}

Status reverse_sequence_enqueue(const ir::Node& node, const LaunchContext& ctx,
                                const std::vector<DeviceTensor>& inputs, std::vector<DeviceTensor>& outputs) {
  const int64_t n = inputs[0].numel();
  if (n == 0) return Status::Ok();
  const auto& d = inputs[0].dims;
  const bool batch_first = node.attrs.get_int("batch_axis", 1) == 0;
  const int64_t nb = batch_first ? d[0] : d[1], nt = batch_first ? d[1] : d[0];
  const int64_t inner = dims_product(d, 2, d.size());
  const bool lens64 = inputs[1].dtype == DType::kInt64;
  return dispatch_size(inputs[0].dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    reverse_sequence_kernel<T><<<grid_for(n, kThreads), kThreads, 0, ctx.stream>>>(
        static_cast<const T*>(inputs[0].data), inputs[1].data, lens64, static_cast<T*>(outputs[0].data), n, nb, nt,
        inner, batch_first);
    return launch_status(node, "reverse_sequence_kernel");
  });
}

// ---- DepthToSpace / SpaceToDepth ------------------------------------------------------------------------
// The space side is (N, cs, hs, ws), the depth side (N, cs*b*b, hs/b, ws/b):
//   DCR: depth channel (i*b + j)*cs + c;  CRD: c*b*b + i*b + j  (i, j: the position inside the block).

struct DepthSpace {
  int64_t n = 0, cs = 0, hs = 0, ws = 0, b = 1;
  bool crd = false;
};

template <typename T>
__global__ void depth_space_kernel(const T* __restrict__ x, T* __restrict__ y, int64_t total, DepthSpace g,
                                   bool to_space) {
  const int64_t b = g.b, hd = g.hs / b, wd = g.ws / b, cd = g.cs * b * b;
  SINTER_GRID_STRIDE(q, total) {
    int64_t space, depth;
    if (to_space) {  // q walks the space side
      const int64_t ow = q % g.ws, oh = (q / g.ws) % g.hs, c = (q / (g.ws * g.hs)) % g.cs, n = q / (g.ws * g.hs * g.cs);
      const int64_t i = oh % b, j = ow % b;
      const int64_t dc = g.crd ? c * b * b + i * b + j : (i * b + j) * g.cs + c;
      space = q;
      depth = ((n * cd + dc) * hd + oh / b) * wd + ow / b;
      y[space] = x[depth];
    } else {  // q walks the depth side
      const int64_t w = q % wd, h = (q / wd) % hd, dc = (q / (wd * hd)) % cd, n = q / (wd * hd * cd);
      int64_t c, i, j;
      if (g.crd) {
        c = dc / (b * b);
        i = (dc % (b * b)) / b;
        j = dc % b;
      } else {
        c = dc % g.cs;
        i = (dc / g.cs) / b;
        j = (dc / g.cs) % b;
      }
      depth = q;
      space = ((n * g.cs + c) * g.hs + h * b + i) * g.ws + w * b + j;
      y[depth] = x[space];
    }
  }
}

Result<DepthSpace> depth_space_geometry(const ir::Node& node, const std::vector<int64_t>& d) {
  if (d.size() != 4) return invalid_argument(node_where(node) + ": input must have rank 4");
  DepthSpace g;
  g.b = node.attrs.get_int("blocksize", 0);
  if (g.b <= 0) return invalid_argument(node_where(node) + ": blocksize must be > 0");
  const std::string mode = node.attrs.get_string("mode", "DCR");
  if (mode != "DCR" && mode != "CRD") return invalid_argument(node_where(node) + ": mode must be DCR or CRD");
  g.crd = mode == "CRD";
  g.n = d[0];
  if (node.op == ir::OpKind::kDepthToSpace) {
    if (d[1] % (g.b * g.b) != 0) return invalid_argument(node_where(node) + ": C is not divisible by blocksize^2");
    g.cs = d[1] / (g.b * g.b);
    g.hs = d[2] * g.b;
    g.ws = d[3] * g.b;
  } else {
    if (d[2] % g.b != 0 || d[3] % g.b != 0)
      return invalid_argument(node_where(node) + ": H and W must be divisible by blocksize");
    g.cs = d[1];
    g.hs = d[2];
    g.ws = d[3];
  }
  return g;
}

Status depth_space_can_implement(const ir::Node& node, const std::vector<TensorDesc>& inputs,
                                 const std::vector<TensorDesc>& outputs) {
  if (inputs.size() != 1 || outputs.size() != 1) return invalid_argument(node_where(node) + ": expects 1 input");
  if (!is_movable(inputs[0].dtype) || outputs[0].dtype != inputs[0].dtype)
    return unimplemented(node_where(node) + ": dtype " + std::string(dtype_name(inputs[0].dtype)));
  SINTER_RETURN_IF_ERROR(depth_space_geometry(node, inputs[0].dims).status());
  if (numel(outputs[0].dims) != numel(inputs[0].dims)) return invalid_argument(node_where(node) + ": output size");
  return Status::Ok();
}

Status depth_space_enqueue(const ir::Node& node, const LaunchContext& ctx, const std::vector<DeviceTensor>& inputs,
                           std::vector<DeviceTensor>& outputs) {
  const int64_t n = inputs[0].numel();
  if (n == 0) return Status::Ok();
  SINTER_ASSIGN_OR_RETURN(DepthSpace g, depth_space_geometry(node, inputs[0].dims));
  const bool to_space = node.op == ir::OpKind::kDepthToSpace;
  return dispatch_size(inputs[0].dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    depth_space_kernel<T><<<grid_for(n, kThreads), kThreads, 0, ctx.stream>>>(
        static_cast<const T*>(inputs[0].data), static_cast<T*>(outputs[0].data), n, g, to_space);
    return launch_status(node, "depth_space_kernel");
  });
}

// ---- CenterCropPad: in coordinate = out coordinate + shift (the output's dims say it all) ----------------

template <typename T>
__global__ void crop_pad_kernel(const T* __restrict__ x, T* __restrict__ y, int64_t n, Dims8 out_dims,
                                Dims8 in_dims, Dims8 in_strides, Dims8 shift) {
  SINTER_GRID_STRIDE(q, n) {
    int64_t rem = q, src = 0;
    bool inside = true;
    for (int a = out_dims.rank - 1; a >= 0; --a) {
      const int64_t c = rem % out_dims.d[a] + shift.d[a];
      rem /= out_dims.d[a];
      if (c < 0 || c >= in_dims.d[a]) inside = false;
      src += c * in_strides.d[a];
    }
    y[q] = inside ? x[src] : T{};
  }
}

Status crop_pad_can_implement(const ir::Node& node, const std::vector<TensorDesc>& inputs,
                              const std::vector<TensorDesc>& outputs) {
  if (inputs.size() != 2 || outputs.size() != 1) return invalid_argument(node_where(node) + ": expects 2 inputs");
  if (!is_movable(inputs[0].dtype) || outputs[0].dtype != inputs[0].dtype)
    return unimplemented(node_where(node) + ": dtype " + std::string(dtype_name(inputs[0].dtype)));
  if (outputs[0].dims.size() != inputs[0].dims.size()) return invalid_argument(node_where(node) + ": output rank");
  return check_rank(node, inputs[0].dims.size());
}

Status crop_pad_enqueue(const ir::Node& node, const LaunchContext& ctx, const std::vector<DeviceTensor>& inputs,
                        std::vector<DeviceTensor>& outputs) {
  const int64_t n = outputs[0].numel();
  if (n == 0) return Status::Ok();
  const auto& in = inputs[0].dims;
  const auto& out = outputs[0].dims;
  std::vector<int64_t> shift(in.size(), 0);
  for (size_t a = 0; a < in.size(); ++a) shift[a] = in[a] >= out[a] ? (in[a] - out[a]) / 2 : -((out[a] - in[a]) / 2);
  const Dims8 od = dims8(out), id = dims8(in), is = dims8(contiguous_strides(in)), sh = dims8(shift);
  return dispatch_size(inputs[0].dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    crop_pad_kernel<T><<<grid_for(n, kThreads), kThreads, 0, ctx.stream>>>(
        static_cast<const T*>(inputs[0].data), static_cast<T*>(outputs[0].data), n, od, id, is, sh);
    return launch_status(node, "crop_pad_kernel");
  });
}

// ---- Hann / Hamming / Blackman windows --------------------------------------------------------------------

enum class Win : int { kHann, kHamming, kBlackman };

template <typename T>
__global__ void window_kernel(T* __restrict__ y, int64_t size, double big_n, Win win) {
  constexpr double kPi = 3.14159265358979323846;
  SINTER_GRID_STRIDE(i, size) {
    const double n = static_cast<double>(i);
    double w;
    if (win == Win::kHann) {
      const double s = sin(kPi * n / big_n);
      w = s * s;
    } else if (win == Win::kHamming) {
      const double a = 25.0 / 46.0;
      w = a - (1.0 - a) * cos(2.0 * kPi * n / big_n);
    } else {
      w = 0.42 - 0.5 * cos(2.0 * kPi * n / big_n) + 0.08 * cos(4.0 * kPi * n / big_n);
    }
    y[i] = store_as<T>(w);
  }
}

Status window_can_implement(const ir::Node& node, const std::vector<TensorDesc>& inputs,
                            const std::vector<TensorDesc>& outputs) {
  if (inputs.size() != 1 || outputs.size() != 1) return invalid_argument(node_where(node) + ": expects 1 input");
  SINTER_RETURN_IF_ERROR(require_dtype(
      node, outputs[0].dtype, {DType::kFloat32, DType::kFloat16, DType::kBFloat16, DType::kFloat64}, "output"));
  if (outputs[0].dims.size() != 1) return invalid_argument(node_where(node) + ": the window must be 1-D");
  return Status::Ok();
}

Status window_enqueue(const ir::Node& node, const LaunchContext& ctx, const std::vector<DeviceTensor>& inputs,
                      std::vector<DeviceTensor>& outputs) {
  (void)inputs;
  const int64_t size = outputs[0].numel();
  if (size == 0) return Status::Ok();
  const bool periodic = node.attrs.get_int("periodic", 1) != 0;
  const double big_n = static_cast<double>(periodic ? size : size - 1);
  const Win win = node.op == ir::OpKind::kHannWindow      ? Win::kHann
                  : node.op == ir::OpKind::kHammingWindow ? Win::kHamming
                                                          : Win::kBlackman;
  return dispatch_float4(outputs[0].dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    window_kernel<T><<<grid_for(size, kThreads), kThreads, 0, ctx.stream>>>(static_cast<T*>(outputs[0].data), size,
                                                                            big_n, win);
    return launch_status(node, "window_kernel");
  });
}

}  // namespace

void register_ext_shape() {
  register_function_tactic(ir::OpKind::kTrilu, "cuda.trilu", trilu_can_implement, trilu_enqueue);
  register_function_tactic(ir::OpKind::kEyeLike, "cuda.eye_like", eye_can_implement, eye_enqueue);
  register_function_tactic(ir::OpKind::kReverseSequence, "cuda.reverse_sequence", reverse_sequence_can_implement,
                           reverse_sequence_enqueue);
  register_function_tactic(ir::OpKind::kDepthToSpace, "cuda.depth_space", depth_space_can_implement,
                           depth_space_enqueue);
  register_function_tactic(ir::OpKind::kSpaceToDepth, "cuda.depth_space", depth_space_can_implement,
                           depth_space_enqueue);
  register_function_tactic(ir::OpKind::kCenterCropPad, "cuda.center_crop_pad", crop_pad_can_implement,
                           crop_pad_enqueue);
  for (ir::OpKind op : {ir::OpKind::kHannWindow, ir::OpKind::kHammingWindow, ir::OpKind::kBlackmanWindow})
    register_function_tactic(op, "cuda.window", window_can_implement, window_enqueue);
}

}  // namespace sinter::cuda

// DFT, STFT and MelWeightMatrix. DFT and STFT are the reference's plain O(n^2) sums: one thread per
// output bin, angles from (k * t) mod len and accumulation in double, so long transforms keep their
// precision. The scalar inputs (dft_length, axis, frame_step, frame_length) may be graph inputs: the
// kernels read them on the device and check them against the output's static shape. MelWeightMatrix runs in one block:
// thread 0 places the filter edges (from the scalar inputs, read on the device), then the block writes the triangles;
// an edge outside the spectrum (which the reference rejects) simply writes nothing.
#include <cmath>

#include "kernels/cuda/ext_nn.h"
#include "kernels/cuda/kernel_util.cuh"

namespace sinter::cuda {

namespace {

constexpr double kPi = 3.14159265358979323846;

// An optional scalar integer input read on the device (it may be a graph input): absent (null) gives
// the caller's default.
struct DeviceScalar {
  const void* data = nullptr;
  bool is64 = true;
};

__device__ __forceinline__ int64_t read_scalar(const DeviceScalar& s, int64_t def) {
  if (!s.data) return def;
  return s.is64 ? *static_cast<const int64_t*>(s.data) : static_cast<int64_t>(*static_cast<const int32_t*>(s.data));
}

Status check_scalar(const ir::Node& node, const std::vector<TensorDesc>& inputs, size_t i, const char* what) {
  if (!has_input(node, i) || i >= inputs.size()) return Status::Ok();
  SINTER_RETURN_IF_ERROR(require_dtype(node, inputs[i].dtype, {DType::kInt64, DType::kInt32}, what));
  if (numel(inputs[i].dims) != 1) return invalid_argument(node_where(node) + ": " + what + " is not a scalar");
  return Status::Ok();
}

DeviceScalar device_scalar(const ir::Node& node, const std::vector<DeviceTensor>& inputs, size_t i) {
  DeviceScalar s;
  if (!has_input(node, i) || i >= inputs.size()) return s;
  s.data = inputs[i].data;
  s.is64 = inputs[i].dtype == DType::kInt64;
  return s;
}

// The value of a constant scalar input, or `def` when absent or not constant (`known` tells which).
int64_t constant_or(const ir::Node& node, const std::vector<TensorDesc>& inputs, size_t i, int64_t def, bool* known) {
  *known = true;
  if (!has_input(node, i) || i >= inputs.size()) return def;
  if (!inputs[i].constant || inputs[i].constant->numel() != 1) {
    *known = false;
    return def;
  }
  return inputs[i].constant->get_as_int64(0);
}

// ---- DFT ------------------------------------------------------------------------------------------

// The axis and dft_length are resolved per thread from the device scalars; the output's element
// count is static, and a geometry that disagrees with it (which the reference rejects) writes nothing.
struct DftParams {
  int rank = 0;
  int64_t dims[kMaxRank] = {};
  int64_t count = 0;  // output bins (complex or real elements / oc) = outer * out_len * inner
  DeviceScalar axis, length;
  bool inverse = false, onesided = false;
};

template <typename T>
__global__ void dft_kernel(const T* __restrict__ x, T* __restrict__ y, DftParams p) {
  int64_t axis = read_scalar(p.axis, -2);
  if (axis < 0) axis += p.rank;
  if (axis < 0 || axis >= p.rank - 1) return;
  const int64_t n = p.dims[axis];
  const bool real_out = p.inverse && p.onesided;
  const int64_t len = read_scalar(p.length, real_out ? 2 * (n - 1) : n);
  if (len < 1) return;
  const int64_t out_len = (p.onesided && !p.inverse) ? len / 2 + 1 : len;
  const int64_t oc = real_out ? 1 : 2, comps = p.dims[p.rank - 1];
  int64_t outer = 1, inner = 1;
  for (int64_t a = 0; a < axis; ++a) outer *= p.dims[a];
  for (int64_t a = axis + 1; a < p.rank - 1; ++a) inner *= p.dims[a];
  if (outer * out_len * inner != p.count) return;
  const double sign = p.inverse ? 1.0 : -1.0;
  // Terms past the input's length are zeros (truncation or zero padding to len); a completed
  // one-sided spectrum (Hermitian: X[len - t] = conj X[t]) covers all len bins.
  const int64_t terms = real_out ? len : (len < n ? len : n);
  SINTER_GRID_STRIDE(e, p.count) {
    const int64_t i = e % inner;
    const int64_t k = (e / inner) % out_len;
    const int64_t o = e / (inner * out_len);
    double acc_re = 0.0, acc_im = 0.0;
    for (int64_t t = 0; t < terms; ++t) {
      int64_t src = t;
      bool conj = false;
      if (real_out && t >= len / 2 + 1) src = len - t, conj = true;
      if (src >= n) continue;
      const int64_t at = ((o * n + src) * inner + i) * comps;
      const double re = static_cast<double>(to_f32(x[at]));
      double im = comps == 2 ? static_cast<double>(to_f32(x[at + 1])) : 0.0;
      if (conj) im = -im;
      const double ang = sign * 2.0 * kPi * static_cast<double>((k * t) % len) / static_cast<double>(len);
      double sn, c;
      sincos(ang, &sn, &c);
      acc_re += re * c - im * sn;
      acc_im += re * sn + im * c;
    }
    if (p.inverse) acc_re /= static_cast<double>(len), acc_im /= static_cast<double>(len);
    const int64_t at = ((o * out_len + k) * inner + i) * oc;
    y[at] = from_f32<T>(static_cast<float>(acc_re));
    if (oc == 2) y[at + 1] = from_f32<T>(static_cast<float>(acc_im));
  }
}

Status dft_can_implement(const ir::Node& node, const std::vector<TensorDesc>& inputs,
                         const std::vector<TensorDesc>& outputs) {
  if (inputs.empty() || outputs.empty()) return invalid_argument(node_where(node) + ": expects input");
  const DType t = inputs[0].dtype;
  SINTER_RETURN_IF_ERROR(require_dtype(node, t, {DType::kFloat32, DType::kFloat16, DType::kBFloat16}, "input"));
  SINTER_RETURN_IF_ERROR(check_scalar(node, inputs, 1, "dft_length"));
  SINTER_RETURN_IF_ERROR(check_scalar(node, inputs, 2, "axis"));
  const auto& d = inputs[0].dims;
  const auto rank = static_cast<int64_t>(d.size());
  if (rank < 2 || rank > kMaxRank || (d.back() != 1 && d.back() != 2))
    return invalid_argument(node_where(node) + ": input must be [..., n, 1|2] of rank <= 8");
  if (outputs[0].dtype != t || outputs[0].dims.size() != d.size())
    return invalid_argument(node_where(node) + ": output does not fit the transform");
  const bool real_out = node.attrs.get_int("inverse", 0) != 0 && node.attrs.get_int("onesided", 0) != 0;
  if (outputs[0].dims.back() != (real_out ? 1 : 2)) return invalid_argument(node_where(node) + ": output components");
  // With constant sizes, check the geometry now (otherwise the kernel checks it).
  bool axis_known, len_known;
  int64_t axis = constant_or(node, inputs, 2, -2, &axis_known);
  if (axis_known) {
    SINTER_ASSIGN_OR_RETURN(int a, normalize_axis(node, axis, d.size()));
    if (a == rank - 1) return invalid_argument(node_where(node) + ": axis must not be the complex dim");
    const int64_t n = d[static_cast<size_t>(a)];
    const int64_t len = constant_or(node, inputs, 1, real_out ? 2 * (n - 1) : n, &len_known);
    if (len_known) {
      if (len < 1) return invalid_argument(node_where(node) + ": dft_length must be >= 1");
      const bool onesided = node.attrs.get_int("onesided", 0) != 0, inverse = node.attrs.get_int("inverse", 0) != 0;
      if (outputs[0].dims[static_cast<size_t>(a)] != ((onesided && !inverse) ? len / 2 + 1 : len))
        return invalid_argument(node_where(node) + ": output length does not fit dft_length");
    }
  }
  return Status::Ok();
}

Status dft_enqueue(const ir::Node& node, const LaunchContext& ctx, const std::vector<DeviceTensor>& inputs,
                   std::vector<DeviceTensor>& outputs) {
  DftParams p;
  const auto& d = inputs[0].dims;
  p.rank = static_cast<int>(d.size());
  for (size_t a = 0; a < d.size(); ++a) p.dims[a] = d[a];
  p.inverse = node.attrs.get_int("inverse", 0) != 0;
  p.onesided = node.attrs.get_int("onesided", 0) != 0;
  p.count = outputs[0].numel() / outputs[0].dims.back();
  p.length = device_scalar(node, inputs, 1);
  p.axis = device_scalar(node, inputs, 2);
  if (p.count == 0) return Status::Ok();
  return dispatch_float(inputs[0].dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    dft_kernel<T><<<grid_for(p.count, 128), 128, 0, ctx.stream>>>(static_cast<const T*>(inputs[0].data),
                                                                  static_cast<T*>(outputs[0].data), p);
    return launch_status(node, "dft_kernel");
  });
}

// ---- STFT -----------------------------------------------------------------------------------------

// frame_step and frame_length are read on the device; frames and bins are the output's dims.
struct StftParams {
  int64_t batch, length, comps, wlen, frames, bins;
  bool onesided;
  DeviceScalar step, frame_length;
};

template <typename T>
__global__ void stft_kernel(const T* __restrict__ x, const T* __restrict__ window, T* __restrict__ y, StftParams p) {
  const int64_t step = read_scalar(p.step, 1);
  const int64_t flen = read_scalar(p.frame_length, window ? p.wlen : p.length);
  // A geometry that disagrees with the output (rejected by the reference) writes nothing.
  if (step < 1 || flen < 1 || flen > p.length || 1 + (p.length - flen) / step != p.frames ||
      (p.onesided ? flen / 2 + 1 : flen) != p.bins)
    return;
  const int64_t terms = flen < p.wlen ? flen : p.wlen;
  SINTER_GRID_STRIDE(e, p.batch * p.frames * p.bins) {
    const int64_t k = e % p.bins;
    const int64_t f = (e / p.bins) % p.frames;
    const int64_t b = e / (p.bins * p.frames);
    double acc_re = 0.0, acc_im = 0.0;
    for (int64_t t = 0; t < terms; ++t) {
      const int64_t s = f * step + t;
      if (s >= p.length) break;
      const int64_t at = (b * p.length + s) * p.comps;
      const double w = window ? static_cast<double>(to_f32(window[t])) : 1.0;
      const double re = static_cast<double>(to_f32(x[at])) * w;
      const double im = p.comps == 2 ? static_cast<double>(to_f32(x[at + 1])) * w : 0.0;
      const double ang = -2.0 * kPi * static_cast<double>((k * t) % flen) / static_cast<double>(flen);
      double sn, c;
      sincos(ang, &sn, &c);
      acc_re += re * c - im * sn;
      acc_im += re * sn + im * c;
    }
    y[e * 2] = from_f32<T>(static_cast<float>(acc_re));
    y[e * 2 + 1] = from_f32<T>(static_cast<float>(acc_im));
  }
}

Status stft_can_implement(const ir::Node& node, const std::vector<TensorDesc>& inputs,
                          const std::vector<TensorDesc>& outputs) {
  if (inputs.size() < 2 || outputs.empty() || !has_input(node, 1))
    return invalid_argument(node_where(node) + ": expects a signal and frame_step");
  const DType t = inputs[0].dtype;
  SINTER_RETURN_IF_ERROR(require_dtype(node, t, {DType::kFloat32, DType::kFloat16, DType::kBFloat16}, "signal"));
  const bool has_window = has_input(node, 2) && inputs.size() > 2;
  if (has_window && (inputs[2].dtype != t || inputs[2].dims.size() != 1))
    return unimplemented(node_where(node) + ": window must be 1-D of the signal's dtype");
  SINTER_RETURN_IF_ERROR(check_scalar(node, inputs, 1, "frame_step"));
  SINTER_RETURN_IF_ERROR(check_scalar(node, inputs, 3, "frame_length"));
  const auto& d = inputs[0].dims;
  if (d.size() != 3 || (d[2] != 1 && d[2] != 2))
    return invalid_argument(node_where(node) + ": signal must be [batch, length, 1|2]");
  const auto& od = outputs[0].dims;
  if (outputs[0].dtype != t || od.size() != 4 || od[0] != d[0] || od[3] != 2)
    return invalid_argument(node_where(node) + ": output must be [batch, frames, bins, 2]");
  return Status::Ok();
}

Status stft_enqueue(const ir::Node& node, const LaunchContext& ctx, const std::vector<DeviceTensor>& inputs,
                    std::vector<DeviceTensor>& outputs) {
  const auto& d = inputs[0].dims;
  const auto& od = outputs[0].dims;
  const bool has_window = has_input(node, 2) && inputs.size() > 2;
  StftParams p;
  p.batch = d[0], p.length = d[1], p.comps = d[2];
  p.frames = od[1], p.bins = od[2];
  p.wlen = has_window ? inputs[2].dims[0] : d[1];
  p.onesided = node.attrs.get_int("onesided", 1) != 0;
  p.step = device_scalar(node, inputs, 1);
  p.frame_length = device_scalar(node, inputs, 3);
  const int64_t n = p.batch * p.frames * p.bins;
  if (n == 0) return Status::Ok();
  return dispatch_float(inputs[0].dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* w = has_window ? static_cast<const T*>(inputs[2].data) : nullptr;
    stft_kernel<T><<<grid_for(n, 128), 128, 0, ctx.stream>>>(static_cast<const T*>(inputs[0].data), w,
                                                             static_cast<T*>(outputs[0].data), p);
    return launch_status(node, "stft_kernel");
  });
}

// ---- MelWeightMatrix ------------------------------------------------------------------------------

template <typename I>
__device__ __forceinline__ int64_t load_int(const void* p) {
  return static_cast<int64_t>(*static_cast<const I*>(p));
}

struct MelParams {
  int64_t bins, spec_bins;
  bool len64, rate64, edges64;  // dft_length / sample_rate int64 (else int32); edges f64 (else f32)
};

template <typename T>
__global__ void mel_kernel(const void* len_p, const void* rate_p, const void* lower_p, const void* upper_p,
                           T* __restrict__ y, MelParams p) {
  extern __shared__ int64_t point[];  // bins + 2 filter edges, as DFT bins
  if (threadIdx.x == 0) {
    const int64_t len = p.len64 ? load_int<int64_t>(len_p) : load_int<int32_t>(len_p);
    const int64_t rate = p.rate64 ? load_int<int64_t>(rate_p) : load_int<int32_t>(rate_p);
    const double lower = p.edges64 ? *static_cast<const double*>(lower_p) : *static_cast<const float*>(lower_p);
    const double upper = p.edges64 ? *static_cast<const double*>(upper_p) : *static_cast<const float*>(upper_p);
    auto to_mel = [&](double hz) {
      // The reference evaluates log1p in the edges' own precision.
      if (!p.edges64) return static_cast<double>(2595.0f * log1pf(static_cast<float>(hz) / 700.0f)) / log(10.0);
      return 2595.0 * log1p(hz / 700.0) / log(10.0);
    };
    const double lo_mel = to_mel(lower), hi_mel = to_mel(upper);
    const double step = (hi_mel - lo_mel) / static_cast<double>(p.bins + 2);
    for (int64_t i = 0; i < p.bins + 2; ++i) {
      const double mel = static_cast<double>(i) * step + lo_mel;
      const double hz = 700.0 * expm1(mel / 2595.0 * log(10.0));
      point[i] = static_cast<int64_t>(floor(static_cast<double>(len + 1) * hz / static_cast<double>(rate)));
    }
  }
  __syncthreads();
  // Column m of the [spec_bins, bins] matrix: rising edge left..center, falling center..right.
  for (int64_t e = threadIdx.x; e < p.spec_bins * p.bins; e += blockDim.x) {
    const int64_t j = e / p.bins, m = e % p.bins;
    const int64_t left = point[m], center = point[m + 1], right = point[m + 2];
    float v = 0.f;
    if (center == left) {
      if (j == center) v = 1.f;
    } else if (j >= left && j <= center) {
      v = static_cast<float>(static_cast<double>(j - left) / static_cast<double>(center - left));
    }
    if (j >= center && j < right)
      v = static_cast<float>(static_cast<double>(right - j) / static_cast<double>(right - center));
    y[e] = from_f32<T>(v);
  }
}

Status mel_can_implement(const ir::Node& node, const std::vector<TensorDesc>& inputs,
                         const std::vector<TensorDesc>& outputs) {
  if (inputs.size() != 5 || outputs.empty()) return invalid_argument(node_where(node) + ": expects 5 inputs");
  for (size_t i = 0; i < 5; ++i)
    if (!has_input(node, i) || numel(inputs[i].dims) != 1)
      return invalid_argument(node_where(node) + ": inputs must be scalars");
  for (size_t i = 0; i < 3; ++i)
    SINTER_RETURN_IF_ERROR(require_dtype(node, inputs[i].dtype, {DType::kInt32, DType::kInt64}, "size input"));
  if (inputs[3].dtype != inputs[4].dtype) return unimplemented(node_where(node) + ": edge dtypes differ");
  SINTER_RETURN_IF_ERROR(require_dtype(node, inputs[3].dtype, {DType::kFloat32, DType::kFloat64}, "edge"));
  SINTER_RETURN_IF_ERROR(
      require_dtype(node, outputs[0].dtype, {DType::kFloat32, DType::kFloat16, DType::kBFloat16}, "output"));
  if (outputs[0].dims.size() != 2) return invalid_argument(node_where(node) + ": output must be 2-D");
  // The output's shape gives num_mel_bins and dft_length / 2 + 1; the kernel reads the scalars.
  const int64_t bins = outputs[0].dims[1];
  if (bins < 1 || static_cast<size_t>(bins + 2) * sizeof(int64_t) > 48 * 1024)
    return unimplemented(node_where(node) + ": num_mel_bins out of the kernel's range");
  return Status::Ok();
}

struct MelState final : NodeState {
  MelParams p;
};

class MelTactic final : public CudaTactic {
 public:
  std::string_view name() const override { return "cuda.mel_weight_matrix"; }
  Status can_implement(const ir::Node& node, const std::vector<TensorDesc>& inputs,
                       const std::vector<TensorDesc>& outputs) const override {
    return mel_can_implement(node, inputs, outputs);
  }
  Result<std::unique_ptr<NodeState>> prepare(const ir::Node& node, const std::vector<TensorDesc>& inputs,
                                             const std::vector<TensorDesc>& outputs,
                                             const LaunchContext& handles) const override {
    (void)node, (void)handles;
    auto s = std::make_unique<MelState>();
    s->p.bins = outputs[0].dims[1];
    s->p.spec_bins = outputs[0].dims[0];
    s->p.len64 = inputs[1].dtype == DType::kInt64;
    s->p.rate64 = inputs[2].dtype == DType::kInt64;
    s->p.edges64 = inputs[3].dtype == DType::kFloat64;
    return std::unique_ptr<NodeState>(std::move(s));
  }
  Status enqueue(const ir::Node& node, const NodeState* state, const LaunchContext& ctx,
                 const std::vector<DeviceTensor>& inputs, std::vector<DeviceTensor>& outputs) const override {
    if (!state) return internal_error(node_where(node) + ": enqueue without prepare");
    const MelParams& p = static_cast<const MelState*>(state)->p;
    if (outputs[0].numel() == 0) return Status::Ok();
    const size_t smem = static_cast<size_t>(p.bins + 2) * sizeof(int64_t);
    return dispatch_float(outputs[0].dtype, [&](auto tag) {
      using T = typename decltype(tag)::type;
      mel_kernel<T><<<1, 256, smem, ctx.stream>>>(inputs[1].data, inputs[2].data, inputs[3].data, inputs[4].data,
                                                  static_cast<T*>(outputs[0].data), p);
      return launch_status(node, "mel_kernel");
    });
  }
};

}  // namespace

void register_ext_nn_signal() {
  register_function_tactic(ir::OpKind::kDFT, "cuda.dft_direct", dft_can_implement, dft_enqueue);
  register_function_tactic(ir::OpKind::kSTFT, "cuda.stft_direct", stft_can_implement, stft_enqueue);
  register_cuda_tactic(ir::OpKind::kMelWeightMatrix, std::make_shared<MelTactic>());
}

}  // namespace sinter::cuda

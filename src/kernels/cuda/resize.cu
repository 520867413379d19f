// Resize: one thread per output element; each axis maps its output coordinate to an input coordinate
// (in f64, so nearest rounding at exact .5 boundaries agrees with the reference) and linear mode sums
// the 2^k corners of the k axes with a fractional weight. Scales, sizes and roi must be constants
// (they are kept in the node state); the output sizes follow the reference's resize_sizes().
#include <algorithm>
#include <cmath>
#include <string>

#include "kernels/cuda/kernel_util.cuh"
#include "kernels/cuda/resize.h"
#include "kernels/reference/resize_geometry.h"

namespace sinter::cuda {

namespace {

enum class Transform : int { kHalfPixel, kHalfPixelSymmetric, kPytorchHalfPixel, kAlignCorners, kAsymmetric, kCrop };
enum class NearestMode : int { kRoundPreferFloor, kRoundPreferCeil, kFloor, kCeil };

struct ResizeParams {
  int rank = 0;
  bool linear = false;
  Transform transform = Transform::kHalfPixel;
  NearestMode nearest = NearestMode::kRoundPreferFloor;
  float extrapolation = 0.f;
  int64_t in[kMaxRank] = {};
  int64_t out[kMaxRank] = {};
  bool resized[kMaxRank] = {};
  double scale[kMaxRank] = {};
  double roi_start[kMaxRank] = {};
  double roi_end[kMaxRank] = {};
};

// As in the reference kernel: the stretching modes use the unrounded output extent in * scale.
__device__ double source_coordinate(const ResizeParams& p, int d, double x, bool* outside) {
  const double fin = static_cast<double>(p.in[d]), scale = p.scale[d], fout = fin * scale;
  *outside = false;
  switch (p.transform) {
    case Transform::kHalfPixel: return (x + 0.5) / scale - 0.5;
    case Transform::kHalfPixelSymmetric: {
      const double adjustment = static_cast<double>(p.out[d]) / fout;
      return fin / 2 * (1 - adjustment) + (x + 0.5) / scale - 0.5;
    }
    case Transform::kPytorchHalfPixel: return fout != 1 ? (x + 0.5) / scale - 0.5 : -0.5;
    case Transform::kAlignCorners: return fout != 1 ? x * (fin - 1) / (fout - 1) : 0.0;
    case Transform::kAsymmetric: return x / scale;
    case Transform::kCrop: {
      const double span = p.roi_end[d] - p.roi_start[d];
      double s = fout != 1 ? x * span * (fin - 1) / (fout - 1) : span * (fin - 1) / 2;
      s += p.roi_start[d] * (fin - 1);
      *outside = s < 0 || s > fin - 1;
      return s;
    }
  }
  return 0;
}

__device__ __forceinline__ int64_t clamp_index(int64_t i, int64_t n) { return i < 0 ? 0 : (i >= n ? n - 1 : i); }

__device__ int64_t nearest_index(NearestMode mode, double x) {
  const double f = floor(x), frac = x - f;
  switch (mode) {
    case NearestMode::kFloor: return static_cast<int64_t>(f);
    case NearestMode::kCeil: return static_cast<int64_t>(ceil(x));
    default:
      if (frac == 0.5) return static_cast<int64_t>(mode == NearestMode::kRoundPreferCeil ? f + 1 : f);
      return static_cast<int64_t>(frac < 0.5 ? f : f + 1);
  }
}

template <typename T, bool kLinear>
__global__ void resize_kernel(const T* __restrict__ x, T* __restrict__ y, int64_t n, ResizeParams p) {
  SINTER_GRID_STRIDE(i, n) {
    int64_t tap0[kMaxRank], tap1[kMaxRank];
    float weight[kMaxRank];
    bool outside = false;
    int64_t rest = i;
    for (int d = p.rank - 1; d >= 0; --d) {
      const int64_t o = rest % p.out[d];
      rest /= p.out[d];
      weight[d] = 0.f;
      if (!p.resized[d]) {
        tap0[d] = tap1[d] = o;
        continue;
      }
      bool out_d = false;
      const double s = source_coordinate(p, d, static_cast<double>(o), &out_d);
      outside = outside || out_d;
      if constexpr (kLinear) {
        const double f = floor(s);
        tap0[d] = clamp_index(static_cast<int64_t>(f), p.in[d]);
        tap1[d] = clamp_index(static_cast<int64_t>(f) + 1, p.in[d]);
        weight[d] = static_cast<float>(s - f);
      } else {
        tap0[d] = tap1[d] = clamp_index(nearest_index(p.nearest, s), p.in[d]);
      }
    }
    if (outside) {
      y[i] = convert<T>(p.extrapolation);
      continue;
    }
    int64_t base = 0, stride = 1;
    int64_t strides[kMaxRank];
    for (int d = p.rank - 1; d >= 0; --d) {
      strides[d] = stride;
      base += tap0[d] * stride;
      stride *= p.in[d];
    }
    if constexpr (!kLinear) {
      y[i] = x[base];
    } else {
      // Axes with a fractional weight: their corners are summed, the rest stay on tap0.
      int active[kMaxRank];
      int k = 0;
      for (int d = 0; d < p.rank; ++d)
        if (weight[d] != 0.f) active[k++] = d;
      float acc = 0.f;
      for (int corner = 0; corner < (1 << k); ++corner) {
        float w = 1.f;
        int64_t at = base;
        for (int j = 0; j < k; ++j) {
          const int d = active[j];
          if ((corner >> j) & 1) {
            w *= weight[d];
            at += (tap1[d] - tap0[d]) * strides[d];
          } else {
            w *= 1.f - weight[d];
          }
        }
        acc += w * to_f32(x[at]);
      }
      y[i] = from_f32<T>(acc);
    }
  }
}

class ResizeState final : public NodeState {
 public:
  std::vector<int64_t> axes;  // normalized
  std::vector<double> scales, roi;
  std::vector<int64_t> sizes;
  std::string policy;
  bool linear = false;
  Transform transform = Transform::kHalfPixel;
  NearestMode nearest = NearestMode::kRoundPreferFloor;
  float extrapolation = 0.f;
};

Result<ResizeParams> resize_params(const ir::Node& node, const ResizeState& s, const std::vector<int64_t>& in_dims) {
  const size_t rank = in_dims.size();
  if (rank > static_cast<size_t>(kMaxRank)) return unimplemented(node_where(node) + ": Resize of rank above 8");
  std::vector<int64_t> axes = s.axes;
  if (axes.empty())
    for (size_t d = 0; d < rank; ++d) axes.push_back(static_cast<int64_t>(d));
  for (int64_t a : axes)
    if (a >= static_cast<int64_t>(rank)) return invalid_argument(node_where(node) + ": axes out of range");
  auto sizes = reference::resize_sizes(in_dims, axes, s.scales, s.sizes, s.policy);
  if (!sizes.ok()) return sizes.status().with_context(node_where(node));
  ResizeParams p;
  p.rank = static_cast<int>(rank);
  p.linear = s.linear;
  p.transform = s.transform;
  p.nearest = s.nearest;
  p.extrapolation = s.extrapolation;
  for (size_t d = 0; d < rank; ++d) {
    p.in[d] = in_dims[d];
    p.out[d] = sizes->out[d];
    p.scale[d] = sizes->scale[d];
    p.roi_start[d] = 0.0;
    p.roi_end[d] = 1.0;
  }
  for (size_t i = 0; i < axes.size(); ++i) {
    const auto a = static_cast<size_t>(axes[i]);
    p.resized[a] = true;
    if (s.transform == Transform::kCrop && !s.roi.empty()) {
      if (s.roi.size() != 2 * axes.size()) return invalid_argument(node_where(node) + ": roi length");
      p.roi_start[a] = s.roi[i];
      p.roi_end[a] = s.roi[axes.size() + i];
    }
  }
  return p;
}

std::vector<double> constant_doubles(const HostTensor& t) {
  std::vector<double> v(static_cast<size_t>(t.numel()));
  for (int64_t i = 0; i < t.numel(); ++i) v[static_cast<size_t>(i)] = t.get_as_double(i);
  return v;
}

class ResizeTactic final : public CudaTactic {
 public:
  std::string_view name() const override { return "cuda.resize"; }

  Status can_implement(const ir::Node& node, const std::vector<TensorDesc>& inputs,
                       const std::vector<TensorDesc>& outputs) const override {
    if (inputs.empty() || outputs.size() != 1) return invalid_argument(node_where(node) + ": expects 1 output");
    const DType t = inputs[0].dtype;
    if (outputs[0].dtype != t) return invalid_argument(node_where(node) + ": output dtype must match X");
    SINTER_ASSIGN_OR_RETURN(auto s, make_state(node, inputs));
    if ((s->linear || s->transform == Transform::kCrop) && !is_cuda_float(t))
      return unimplemented(node_where(node) + ": linear or tf_crop_and_resize Resize of " +
                           std::string(dtype_name(t)) + " (floats only)");
    if (!is_movable(t)) return unimplemented(node_where(node) + ": dtype " + std::string(dtype_name(t)));
    SINTER_ASSIGN_OR_RETURN(ResizeParams p, resize_params(node, *s, inputs[0].dims));
    for (int d = 0; d < p.rank; ++d)
      if (outputs[0].dims.size() != static_cast<size_t>(p.rank) || outputs[0].dims[static_cast<size_t>(d)] != p.out[d])
        return invalid_argument(node_where(node) + ": output dims disagree with scales/sizes");
    if (numel(inputs[0].dims) == 0 && numel(outputs[0].dims) > 0)
      return invalid_argument(node_where(node) + ": cannot resize an empty tensor to a non-empty one");
    return Status::Ok();
  }

  Result<std::unique_ptr<NodeState>> prepare(const ir::Node& node, const std::vector<TensorDesc>& inputs,
                                             const std::vector<TensorDesc>& outputs,
                                             const LaunchContext& handles) const override {
    (void)outputs, (void)handles;
    SINTER_ASSIGN_OR_RETURN(auto s, make_state(node, inputs));
    return std::unique_ptr<NodeState>(std::move(s));
  }

  Status enqueue(const ir::Node& node, const NodeState* state, const LaunchContext& ctx,
                 const std::vector<DeviceTensor>& inputs, std::vector<DeviceTensor>& outputs) const override {
    const auto* s = dynamic_cast<const ResizeState*>(state);
    if (!s) return internal_error(node_where(node) + ": Resize enqueued without its prepared state");
    SINTER_ASSIGN_OR_RETURN(ResizeParams p, resize_params(node, *s, inputs[0].dims));
    const int64_t n = outputs[0].numel();
    if (n == 0) return Status::Ok();
    const DType t = inputs[0].dtype;
    if (is_cuda_float(t)) {
      return dispatch_float(t, [&](auto tag) {
        using T = typename decltype(tag)::type;
        const T* x = static_cast<const T*>(inputs[0].data);
        T* y = static_cast<T*>(outputs[0].data);
        if (p.linear) {
          resize_kernel<T, true><<<grid_for(n, 256), 256, 0, ctx.stream>>>(x, y, n, p);
        } else {
          resize_kernel<T, false><<<grid_for(n, 256), 256, 0, ctx.stream>>>(x, y, n, p);
        }
        return launch_status(node, "resize_kernel");
      });
    }
    return dispatch_size(t, [&](auto tag) {  // nearest moves elements of any type
      using T = typename decltype(tag)::type;
      resize_kernel<T, false><<<grid_for(n, 256), 256, 0, ctx.stream>>>(static_cast<const T*>(inputs[0].data),
                                                                        static_cast<T*>(outputs[0].data), n, p);
      return launch_status(node, "resize_kernel");
    });
  }

 private:
  static Result<std::unique_ptr<ResizeState>> make_state(const ir::Node& node, const std::vector<TensorDesc>& inputs) {
    auto s = std::make_unique<ResizeState>();
    const ir::Attributes& at = node.attrs;
    const std::string mode = at.get_string("mode", "nearest");
    if (mode == "linear") {
      s->linear = true;
    } else if (mode != "nearest") {
      return unimplemented(node_where(node) + ": Resize mode '" + mode + "' runs on cuda.resize_filter");
    }
    if (at.get_int("antialias", 0) != 0 && s->linear)
      return unimplemented(node_where(node) + ": antialiased Resize runs on cuda.resize_filter");
    const std::string transform = at.get_string("coordinate_transformation_mode", "half_pixel");
    static const std::pair<const char*, Transform> kTransforms[] = {
        {"half_pixel", Transform::kHalfPixel},         {"half_pixel_symmetric", Transform::kHalfPixelSymmetric},
        {"pytorch_half_pixel", Transform::kPytorchHalfPixel}, {"align_corners", Transform::kAlignCorners},
        {"asymmetric", Transform::kAsymmetric},        {"tf_crop_and_resize", Transform::kCrop}};
    bool found = false;
    for (const auto& [name, value] : kTransforms)
      if (transform == name) s->transform = value, found = true;
    if (!found) return invalid_argument(node_where(node) + ": coordinate_transformation_mode '" + transform + "'");
    const std::string nearest = at.get_string("nearest_mode", "round_prefer_floor");
    if (nearest == "round_prefer_floor") s->nearest = NearestMode::kRoundPreferFloor;
    else if (nearest == "round_prefer_ceil") s->nearest = NearestMode::kRoundPreferCeil;
    else if (nearest == "floor") s->nearest = NearestMode::kFloor;
    else if (nearest == "ceil") s->nearest = NearestMode::kCeil;
    else return invalid_argument(node_where(node) + ": nearest_mode '" + nearest + "'");
    s->extrapolation = static_cast<float>(at.get_float("extrapolation_value", 0.0));
    s->policy = at.get_string("keep_aspect_ratio_policy", "stretch");
    const size_t rank = inputs[0].dims.size();
    if (at.has("axes")) {
      for (int64_t a : at.get_ints("axes")) {
        SINTER_ASSIGN_OR_RETURN(int axis, normalize_axis(node, a, rank));
        s->axes.push_back(axis);
      }
    }
    // roi (1), scales (2), sizes (3): constants, empty tensors meaning "not given".
    auto read = [&](size_t i) -> Result<const HostTensor*> {
      if (!has_input(node, i) || i >= inputs.size()) return static_cast<const HostTensor*>(nullptr);
      if (!inputs[i].constant) {
        if (numel(inputs[i].dims) == 0) return static_cast<const HostTensor*>(nullptr);
        return unimplemented(node_where(node) + ": Resize with non-constant roi/scales/sizes");
      }
      return inputs[i].constant->numel() > 0 ? inputs[i].constant : nullptr;
    };
    SINTER_ASSIGN_OR_RETURN(const HostTensor* roi, read(1));
    SINTER_ASSIGN_OR_RETURN(const HostTensor* scales, read(2));
    SINTER_ASSIGN_OR_RETURN(const HostTensor* sizes, read(3));
    if (roi && s->transform == Transform::kCrop) s->roi = constant_doubles(*roi);
    if (scales) s->scales = constant_doubles(*scales);
    if (sizes) s->sizes = constant_ints(*sizes);
    return std::move(s);
  }
};

}  // namespace

void register_cuda_resize() {
  register_cuda_tactic(ir::OpKind::kResize, std::make_shared<ResizeTactic>());
  register_resize_filter();
}

}  // namespace sinter::cuda

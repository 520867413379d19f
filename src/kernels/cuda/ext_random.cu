// The random ops: RandomUniform, RandomNormal, their *Like forms, Bernoulli, Multinomial, and Dropout
// when its training_mode is not a constant false (a graph input read on the device, or a constant true).
//
// Draws come from a counter-based generator: element i of a node takes splitmix64 hashes of
// (seed, i, stream), so every element is independent of the launch geometry, the same seed gives the
// same output, and nothing (no curand state) lives between launches. Values match no other
// implementation, as the reference's mt19937 draws match none either: tests check dtype, shape,
// range and moments, and that a seed repeats.
#include <cmath>
#include <string>

#include "kernels/cuda/ext_common.cuh"
#include "kernels/cuda/tactic.h"

namespace sinter::cuda {

void register_cuda_ext_random();

namespace {

using namespace ext;

// ---- Generator --------------------------------------------------------------------------------------

__host__ __device__ __forceinline__ uint64_t splitmix64(uint64_t z) {
  z += 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// A uniform double in [0, 1) for element i, draw `stream` (53 random bits).
__device__ __forceinline__ double uniform01(uint64_t key, int64_t i, uint32_t stream) {
  const uint64_t h = splitmix64(key ^ splitmix64(static_cast<uint64_t>(i) * 4 + stream));
  return static_cast<double>(h >> 11) * 0x1.0p-53;
}

// The key of a node: its `seed` attribute (truncated to an integer, as the reference; 0 when absent)
// hashed with a salt per op, so RandomUniform and Bernoulli with one seed do not share draws.
uint64_t node_key(const ir::Node& node, bool int_seed) {
  int64_t seed = 0;
  if (int_seed) {
    seed = node.attrs.get_int("seed", 0);
  } else {
    const double s = node.attrs.get_float("seed", 0.0);
    seed = std::isfinite(s) && std::fabs(s) < 9.2e18 ? static_cast<int64_t>(s) : 0;
  }
  return splitmix64(static_cast<uint64_t>(seed) ^ (static_cast<uint64_t>(node.op) << 48));
}

// ---- RandomUniform / RandomNormal (and *Like) ----------------------------------------------------------

template <typename T>
__global__ void random_fill_kernel(T* __restrict__ y, int64_t n, uint64_t key, bool normal, double a, double b) {
  SINTER_GRID_STRIDE(i, n) {
    double v;
    if (normal) {
      // Box-Muller with u1 in (0, 1]: mean a, standard deviation b.
      const double u1 = 1.0 - uniform01(key, i, 0), u2 = uniform01(key, i, 1);
      v = a + b * sqrt(-2.0 * log(u1)) * cospi(2.0 * u2);
    } else {
      v = a + (b - a) * uniform01(key, i, 0);  // [low, high)
    }
    y[i] = store_as<T>(v);
  }
}

bool is_like(ir::OpKind op) {
  return op == ir::OpKind::kRandomUniformLike || op == ir::OpKind::kRandomNormalLike;
}
bool is_normal(ir::OpKind op) {
  return op == ir::OpKind::kRandomNormal || op == ir::OpKind::kRandomNormalLike;
}

bool is_float4(DType t) {
  return is_cuda_float(t) || t == DType::kFloat64;
}

Status random_can_implement(const ir::Node& node, const std::vector<TensorDesc>& inputs,
                            const std::vector<TensorDesc>& outputs) {
  if (outputs.size() != 1) return invalid_argument(node_where(node) + ": expects 1 output");
  if (is_like(node.op) && inputs.size() != 1) return invalid_argument(node_where(node) + ": expects 1 input");
  const DType t = outputs[0].dtype;
  if (!is_float4(t))
    return unimplemented(node_where(node) + ": output dtype " + std::string(dtype_name(t)) + " (floats only)");
  if (is_like(node.op) && outputs[0].dims != inputs[0].dims)
    return invalid_argument(node_where(node) + ": output must have the input's dims");
  if (!is_normal(node.op) && !(node.attrs.get_float("low", 0.0) <= node.attrs.get_float("high", 1.0)))
    return invalid_argument(node_where(node) + ": RandomUniform needs low <= high");
  return Status::Ok();
}

Status random_enqueue(const ir::Node& node, const LaunchContext& ctx, const std::vector<DeviceTensor>& inputs,
                      std::vector<DeviceTensor>& outputs) {
  (void)inputs;
  const int64_t n = outputs[0].numel();
  if (n == 0) return Status::Ok();
  const bool normal = is_normal(node.op);
  const double a = normal ? node.attrs.get_float("mean", 0.0) : node.attrs.get_float("low", 0.0);
  const double b = normal ? node.attrs.get_float("scale", 1.0) : node.attrs.get_float("high", 1.0);
  const uint64_t key = node_key(node, false);
  return dispatch_float4(outputs[0].dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    random_fill_kernel<T>
        <<<grid_for(n, kThreads), kThreads, 0, ctx.stream>>>(static_cast<T*>(outputs[0].data), n, key, normal, a, b);
    return launch_status(node, "random_fill_kernel");
  });
}

// ---- Bernoulli --------------------------------------------------------------------------------------

// Element i of a float tensor of dtype t (f32, f16, bf16, f64) as f64: one kernel per output type only.
__device__ __forceinline__ double load_float(const void* p, DType t, int64_t i) {
  switch (t) {
    case DType::kFloat16:
      return __half2float(static_cast<const __half*>(p)[i]);
    case DType::kBFloat16:
      return __bfloat162float(static_cast<const __nv_bfloat16*>(p)[i]);
    case DType::kFloat64:
      return static_cast<const double*>(p)[i];
    default:
      return static_cast<const float*>(p)[i];
  }
}

template <typename Out>
__global__ void bernoulli_kernel(const void* __restrict__ p, DType p_type, Out* __restrict__ y, int64_t n,
                                 uint64_t key) {
  SINTER_GRID_STRIDE(i, n) {
    const bool one = uniform01(key, i, 0) < load_float(p, p_type, i);
    y[i] = store_as<Out>(one ? 1.0 : 0.0);
  }
}

Status bernoulli_can_implement(const ir::Node& node, const std::vector<TensorDesc>& inputs,
                               const std::vector<TensorDesc>& outputs) {
  if (inputs.size() != 1 || outputs.size() != 1) return invalid_argument(node_where(node) + ": expects 1 input");
  if (!is_float4(inputs[0].dtype))
    return unimplemented(node_where(node) + ": input dtype " + std::string(dtype_name(inputs[0].dtype)));
  if (!is_any_numeric(outputs[0].dtype))
    return unimplemented(node_where(node) + ": output dtype " + std::string(dtype_name(outputs[0].dtype)));
  if (outputs[0].dims != inputs[0].dims)
    return invalid_argument(node_where(node) + ": output must have the input's dims");
  return Status::Ok();
}

Status bernoulli_enqueue(const ir::Node& node, const LaunchContext& ctx, const std::vector<DeviceTensor>& inputs,
                         std::vector<DeviceTensor>& outputs) {
  const int64_t n = outputs[0].numel();
  if (n == 0) return Status::Ok();
  const uint64_t key = node_key(node, false);
  return dispatch_any(outputs[0].dtype, [&](auto otag) {
    using Out = typename decltype(otag)::type;
    bernoulli_kernel<Out><<<grid_for(n, kThreads), kThreads, 0, ctx.stream>>>(
        inputs[0].data, inputs[0].dtype, static_cast<Out*>(outputs[0].data), n, key);
    return launch_status(node, "bernoulli_kernel");
  });
}

// ---- Multinomial: one thread per (row, sample) walks the row's cumulative exp weights ---------------------

template <typename Out>
__global__ void multinomial_kernel(const void* __restrict__ x, DType x_type, Out* __restrict__ y, int64_t batch,
                                   int64_t classes, int64_t samples, uint64_t key) {
  SINTER_GRID_STRIDE(i, batch * samples) {
    const int64_t row = (i / samples) * classes;
    double total = 0;
    for (int64_t c = 0; c < classes; ++c) total += exp(load_float(x, x_type, row + c));
    const double target = uniform01(key, i, 0) * total;
    int64_t pick = classes - 1;
    double acc = 0;
    for (int64_t c = 0; c < classes; ++c) {
      acc += exp(load_float(x, x_type, row + c));
      if (target < acc) {
        pick = c;
        break;
      }
    }
    y[i] = static_cast<Out>(pick);
  }
}

Status multinomial_can_implement(const ir::Node& node, const std::vector<TensorDesc>& inputs,
                                 const std::vector<TensorDesc>& outputs) {
  if (inputs.size() != 1 || outputs.size() != 1) return invalid_argument(node_where(node) + ": expects 1 input");
  if (!is_float4(inputs[0].dtype))
    return unimplemented(node_where(node) + ": input dtype " + std::string(dtype_name(inputs[0].dtype)));
  if (inputs[0].dims.size() != 2) return invalid_argument(node_where(node) + ": input must be [batch, classes]");
  const DType t = outputs[0].dtype;
  if (t != DType::kInt32 && t != DType::kInt64)
    return invalid_argument(node_where(node) + ": dtype must be i32 or i64");
  const int64_t samples = node.attrs.get_int("sample_size", 1);
  if (outputs[0].dims != std::vector<int64_t>{inputs[0].dims[0], samples})
    return invalid_argument(node_where(node) + ": output must be [batch, sample_size]");
  if (inputs[0].dims[1] == 0 && inputs[0].dims[0] * samples > 0)
    return invalid_argument(node_where(node) + ": Multinomial needs at least one class");
  return Status::Ok();
}

Status multinomial_enqueue(const ir::Node& node, const LaunchContext& ctx, const std::vector<DeviceTensor>& inputs,
                           std::vector<DeviceTensor>& outputs) {
  const int64_t n = outputs[0].numel();
  if (n == 0) return Status::Ok();
  const int64_t batch = inputs[0].dims[0], classes = inputs[0].dims[1], samples = outputs[0].dims[1];
  const uint64_t key = node_key(node, false);
  auto run = [&](auto otag) {
    using Out = typename decltype(otag)::type;
    multinomial_kernel<Out><<<grid_for(n, kThreads), kThreads, 0, ctx.stream>>>(
        inputs[0].data, inputs[0].dtype, static_cast<Out*>(outputs[0].data), batch, classes, samples, key);
    return launch_status(node, "multinomial_kernel");
  };
  return outputs[0].dtype == DType::kInt32 ? run(TypeTag<int32_t>{}) : run(TypeTag<int64_t>{});
}

// ---- Dropout in (possibly) training mode ---------------------------------------------------------------

// A float scalar that is a constant (value) or read on the device (ptr of `dtype`).
struct FloatScalar {
  double value = 0;
  const void* ptr = nullptr;
  DType dtype = DType::kUndefined;
};

__device__ __forceinline__ double read_float(const FloatScalar& s) {
  if (!s.ptr) return s.value;
  switch (s.dtype) {
    case DType::kFloat32:
      return *static_cast<const float*>(s.ptr);
    case DType::kFloat16:
      return __half2float(*static_cast<const __half*>(s.ptr));
    case DType::kBFloat16:
      return __bfloat162float(*static_cast<const __nv_bfloat16*>(s.ptr));
    case DType::kFloat64:
      return *static_cast<const double*>(s.ptr);
    case DType::kBool:
      return *static_cast<const uint8_t*>(s.ptr) ? 1.0 : 0.0;
    default:
      return 0.0;
  }
}

// Training with ratio r > 0 keeps an element when its draw is >= r and scales it by 1 / (1 - r);
// otherwise y = x and the mask is all true (as the reference).
template <typename T>
__global__ void dropout_kernel(const T* __restrict__ x, T* __restrict__ y, uint8_t* __restrict__ mask, int64_t n,
                               FloatScalar ratio_arg, FloatScalar training_arg, uint64_t key) {
  const double ratio = read_float(ratio_arg);
  const bool training = read_float(training_arg) != 0.0;
  const bool drop = training && ratio != 0.0;
  const double keep_scale = drop ? 1.0 / (1.0 - ratio) : 1.0;
  SINTER_GRID_STRIDE(i, n) {
    if (!drop) {
      y[i] = x[i];
      if (mask) mask[i] = 1;
      continue;
    }
    const bool keep = uniform01(key, i, 0) >= ratio;
    y[i] = keep ? store_as<T>(load_as<double>(x[i]) * keep_scale) : store_as<T>(0.0);
    if (mask) mask[i] = keep ? 1 : 0;
  }
}

Status dropout_can_implement(const ir::Node& node, const std::vector<TensorDesc>& inputs,
                             const std::vector<TensorDesc>& outputs) {
  if (inputs.empty() || outputs.empty()) return invalid_argument(node_where(node) + ": expects an input and an output");
  // A training_mode that is absent or a constant false is plain inference: cuda.copy runs it.
  if (!has_input(node, 2) || inputs.size() < 3)
    return unimplemented(node_where(node) + ": inference Dropout (cuda.copy runs it)");
  const TensorDesc& training = inputs[2];
  if (training.constant && (training.constant->numel() == 0 || training.constant->get_as_double(0) == 0.0))
    return unimplemented(node_where(node) + ": inference Dropout (cuda.copy runs it)");
  if (numel(training.dims) != 1 || (!training.constant && training.dtype != DType::kBool))
    return invalid_argument(node_where(node) + ": training_mode must be one bool");
  if (!is_float4(inputs[0].dtype))
    return unimplemented(node_where(node) + ": training Dropout of " + std::string(dtype_name(inputs[0].dtype)));
  if (has_input(node, 1) && inputs.size() > 1) {
    if (numel(inputs[1].dims) != 1 || !is_float4(inputs[1].dtype))
      return invalid_argument(node_where(node) + ": ratio must be one float");
    if (inputs[1].constant) {
      const double r = inputs[1].constant->get_as_double(0);
      if (!(r >= 0.0 && r < 1.0)) return invalid_argument(node_where(node) + ": ratio must be in [0, 1)");
    }
  }
  if (outputs[0].dtype != inputs[0].dtype || outputs[0].dims != inputs[0].dims)
    return invalid_argument(node_where(node) + ": output must match the data");
  if (has_output(node, 1) &&
      (outputs.size() < 2 || outputs[1].dtype != DType::kBool || outputs[1].dims != inputs[0].dims))
    return invalid_argument(node_where(node) + ": Dropout mask must be bool with the data's dims");
  return Status::Ok();
}

Status dropout_enqueue(const ir::Node& node, const LaunchContext& ctx, const std::vector<DeviceTensor>& inputs,
                       std::vector<DeviceTensor>& outputs) {
  const int64_t n = inputs[0].numel();
  if (n == 0) return Status::Ok();
  // Constants reach the device like any input, so both scalars are read there.
  FloatScalar ratio;
  ratio.value = 0.5;
  if (has_input(node, 1) && inputs.size() > 1 && inputs[1].data) {
    ratio.ptr = inputs[1].data;
    ratio.dtype = inputs[1].dtype;
  }
  FloatScalar training;
  training.ptr = inputs[2].data;
  training.dtype = DType::kBool;
  uint8_t* mask = has_output(node, 1) && outputs.size() > 1 ? static_cast<uint8_t*>(outputs[1].data) : nullptr;
  const uint64_t key = node_key(node, true);
  return dispatch_float4(inputs[0].dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    dropout_kernel<T><<<grid_for(n, kThreads), kThreads, 0, ctx.stream>>>(
        static_cast<const T*>(inputs[0].data), static_cast<T*>(outputs[0].data), mask, n, ratio, training, key);
    return launch_status(node, "dropout_kernel");
  });
}

}  // namespace

void register_cuda_ext_random() {
  for (ir::OpKind op : {ir::OpKind::kRandomUniform, ir::OpKind::kRandomNormal, ir::OpKind::kRandomUniformLike,
                        ir::OpKind::kRandomNormalLike})
    register_function_tactic(op, "cuda.random", random_can_implement, random_enqueue);
  register_function_tactic(ir::OpKind::kBernoulli, "cuda.bernoulli", bernoulli_can_implement, bernoulli_enqueue);
  register_function_tactic(ir::OpKind::kMultinomial, "cuda.multinomial", multinomial_can_implement,
                           multinomial_enqueue);
  register_function_tactic(ir::OpKind::kDropout, "cuda.dropout", dropout_can_implement, dropout_enqueue);
}

}  // namespace sinter::cuda

// Reference (CPU oracle) kernels for the 'norm' op family, computed in double.
#include <cmath>
#include <string>

#include "ir/broadcast.h"
#include "kernels/reference/elementwise.h"
#include "kernels/reference/kernel.h"
#include "kernels/reference/ref_util.h"

namespace sinter::ir {

namespace {

// Softmax / LogSoftmax along `axis` (opset 13: one axis, default -1), max-subtracted for range.
template <bool kLog>
Status softmax_kernel(KernelContext& ctx) {
  SINTER_ASSIGN_OR_RETURN(const HostTensor* x, ref::require_input(ctx, 0, "input"));
  SINTER_RETURN_IF_ERROR(ref::require_dtype(x->dtype(), ref::float_dtypes(), "input"));
  const std::vector<int64_t>& dims = x->dims();
  if (x->rank() == 0) {
    // A scalar is a slice of one: softmax 1, log-softmax 0.
    ctx.output(0) = ref::from_doubles(x->dtype(), dims, {kLog ? 0.0 : 1.0});
    return Status::Ok();
  }
  SINTER_ASSIGN_OR_RETURN(
      int64_t axis, ref::normalize_axis(ctx.attrs().get_int("axis", -1), static_cast<int64_t>(x->rank()), "axis"));
  int64_t outer = 1, inner = 1;
  for (int64_t a = 0; a < axis; ++a) outer *= dims[static_cast<size_t>(a)];
  for (size_t a = static_cast<size_t>(axis) + 1; a < dims.size(); ++a) inner *= dims[a];
  const int64_t len = dims[static_cast<size_t>(axis)];
  std::vector<double> v = ref::to_doubles(*x);
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t i = 0; i < inner; ++i) {
      auto at = [&](int64_t k) -> double& { return v[static_cast<size_t>((o * len + k) * inner + i)]; };
      double mx = -INFINITY;
      for (int64_t k = 0; k < len; ++k) mx = std::fmax(mx, at(k));
      double sum = 0;
      for (int64_t k = 0; k < len; ++k) sum += std::exp(at(k) - mx);
      for (int64_t k = 0; k < len; ++k) at(k) = kLog ? at(k) - mx - std::log(sum) : std::exp(at(k) - mx) / sum;
    }
  }
  ctx.output(0) = ref::from_doubles(x->dtype(), dims, v);
  return Status::Ok();
}

// Y = (X - mean) / sqrt(var + epsilon) * scale + B, per channel (axis 1). In training mode mean and
// var are the batch's (over every axis but 1, variance without Bessel's correction) and the running
// statistics come out as running = input * momentum + batch * (1 - momentum).
Status batchnorm_kernel(KernelContext& ctx) {
  const bool training = ctx.attrs().get_int("training_mode", 0) != 0;
  const char* names[] = {"X", "scale", "B", "input_mean", "input_var"};
  const HostTensor* in[5];
  for (size_t i = 0; i < 5; ++i) {
    SINTER_ASSIGN_OR_RETURN(in[i], ref::require_input(ctx, i, names[i]));
    SINTER_RETURN_IF_ERROR(ref::require_dtype(in[i]->dtype(), ref::float_dtypes(), names[i]));
  }
  const HostTensor& x = *in[0];
  if (x.rank() < 2) return invalid_argument("X must have rank >= 2 (N, C, ...), got " + x.summary());
  const int64_t c = x.dims()[1];
  for (size_t i = 1; i < 5; ++i)
    if (in[i]->rank() != 1 || in[i]->dims()[0] != c)
      return invalid_argument(std::string(names[i]) + " must have shape [" + std::to_string(c) + "], got " +
                              in[i]->summary());
  const double eps = ctx.attrs().get_float("epsilon", 1e-5);
  int64_t inner = 1;
  for (size_t a = 2; a < x.rank(); ++a) inner *= x.dims()[a];
  const std::vector<double> scale = ref::to_doubles(*in[1]), bias = ref::to_doubles(*in[2]);
  std::vector<double> mean = ref::to_doubles(*in[3]), var = ref::to_doubles(*in[4]);
  std::vector<double> v = ref::to_doubles(x);
  if (training) {
    const double momentum = ctx.attrs().get_float("momentum", 0.9);
    std::vector<double> sum(static_cast<size_t>(c), 0.0), sq(static_cast<size_t>(c), 0.0);
    for (size_t i = 0; i < v.size(); ++i) sum[static_cast<size_t>((static_cast<int64_t>(i) / inner) % c)] += v[i];
    const double count = c ? static_cast<double>(v.size()) / static_cast<double>(c) : 0.0;
    std::vector<double> batch_mean(static_cast<size_t>(c)), batch_var(static_cast<size_t>(c));
    for (size_t ch = 0; ch < batch_mean.size(); ++ch) batch_mean[ch] = count > 0 ? sum[ch] / count : 0.0;
    for (size_t i = 0; i < v.size(); ++i) {
      const size_t ch = static_cast<size_t>((static_cast<int64_t>(i) / inner) % c);
      sq[ch] += (v[i] - batch_mean[ch]) * (v[i] - batch_mean[ch]);
    }
    for (size_t ch = 0; ch < batch_var.size(); ++ch) batch_var[ch] = count > 0 ? sq[ch] / count : 0.0;
    std::vector<double> running_mean(mean.size()), running_var(var.size());
    for (size_t ch = 0; ch < mean.size(); ++ch) {
      running_mean[ch] = mean[ch] * momentum + batch_mean[ch] * (1 - momentum);
      running_var[ch] = var[ch] * momentum + batch_var[ch] * (1 - momentum);
    }
    if (ctx.has_output(1)) ctx.output(1) = ref::from_doubles(in[3]->dtype(), in[3]->dims(), running_mean);
    if (ctx.has_output(2)) ctx.output(2) = ref::from_doubles(in[4]->dtype(), in[4]->dims(), running_var);
    mean = std::move(batch_mean);
    var = std::move(batch_var);
  }
  for (size_t i = 0; i < v.size(); ++i) {
    const size_t ch = static_cast<size_t>((static_cast<int64_t>(i) / inner) % c);
    v[i] = (v[i] - mean[ch]) / std::sqrt(var[ch] + eps) * scale[ch] + bias[ch];
  }
  ctx.output(0) = ref::from_doubles(x.dtype(), x.dims(), v);
  return Status::Ok();
}

// LayerNormalization over the dims from `axis` on; Scale and B broadcast to those dims.
Status layernorm_kernel(KernelContext& ctx) {
  SINTER_ASSIGN_OR_RETURN(const HostTensor* x, ref::require_input(ctx, 0, "X"));
  SINTER_ASSIGN_OR_RETURN(const HostTensor* scale, ref::require_input(ctx, 1, "Scale"));
  const HostTensor* bias = ctx.input(2);
  SINTER_RETURN_IF_ERROR(ref::require_dtype(x->dtype(), ref::float_dtypes(), "X"));
  SINTER_RETURN_IF_ERROR(ref::require_dtype(scale->dtype(), ref::float_dtypes(), "Scale"));
  if (bias) SINTER_RETURN_IF_ERROR(ref::require_dtype(bias->dtype(), ref::float_dtypes(), "B"));
  if (ctx.attrs().get_int("stash_type", 1) != 1) return unimplemented("stash_type other than 1 (float32)");
  const int64_t rank = static_cast<int64_t>(x->rank());
  SINTER_ASSIGN_OR_RETURN(int64_t axis, ref::normalize_axis(ctx.attrs().get_int("axis", -1), rank, "axis"));
  const double eps = ctx.attrs().get_float("epsilon", 1e-5);
  const std::vector<int64_t>& dims = x->dims();
  const std::vector<int64_t> norm_dims(dims.begin() + axis, dims.end());
  int64_t outer = 1;
  for (int64_t a = 0; a < axis; ++a) outer *= dims[static_cast<size_t>(a)];
  const int64_t len = numel(norm_dims);
  // Scale and B must broadcast (unidirectionally) to the normalized dims.
  std::vector<std::vector<int64_t>> param_dims = {norm_dims, scale->dims()};
  if (bias) param_dims.push_back(bias->dims());
  SINTER_ASSIGN_OR_RETURN(std::vector<int64_t> bdims, broadcast_dims(param_dims));
  if (bdims != norm_dims)
    return invalid_argument("Scale " + scale->summary() + (bias ? " and B " + bias->summary() : "") +
                            " do not broadcast to the normalized dims " + dims_to_string(norm_dims));
  std::vector<int64_t> scale_idx(static_cast<size_t>(len)), bias_idx(static_cast<size_t>(len));
  ref::for_each_broadcast(norm_dims, param_dims, [&](int64_t i, const std::vector<int64_t>& off) {
    scale_idx[static_cast<size_t>(i)] = off[1];
    bias_idx[static_cast<size_t>(i)] = bias ? off[2] : 0;
  });
  const std::vector<double> s = ref::to_doubles(*scale);
  const std::vector<double> b = bias ? ref::to_doubles(*bias) : std::vector<double>();
  std::vector<double> v = ref::to_doubles(*x);
  std::vector<int64_t> stat_dims(dims.begin(), dims.begin() + axis);
  stat_dims.resize(dims.size(), 1);
  std::vector<double> means(static_cast<size_t>(outer)), inv_stds(static_cast<size_t>(outer));
  for (int64_t o = 0; o < outer; ++o) {
    double* row = v.data() + o * len;
    double mean = 0;
    for (int64_t k = 0; k < len; ++k) mean += row[k];
    mean /= static_cast<double>(len);
    double var = 0;
    for (int64_t k = 0; k < len; ++k) var += (row[k] - mean) * (row[k] - mean);
    var /= static_cast<double>(len);
    const double inv_std = 1.0 / std::sqrt(var + eps);
    for (int64_t k = 0; k < len; ++k) {
      row[k] = (row[k] - mean) * inv_std * s[static_cast<size_t>(scale_idx[static_cast<size_t>(k)])];
      if (bias) row[k] += b[static_cast<size_t>(bias_idx[static_cast<size_t>(k)])];
    }
    means[static_cast<size_t>(o)] = mean;
    inv_stds[static_cast<size_t>(o)] = inv_std;
  }
  ctx.output(0) = ref::from_doubles(x->dtype(), dims, v);
  if (ctx.has_output(1)) ctx.output(1) = ref::from_doubles(DType::kFloat32, stat_dims, means);
  if (ctx.has_output(2)) ctx.output(2) = ref::from_doubles(DType::kFloat32, stat_dims, inv_stds);
  return Status::Ok();
}

}  // namespace

void register_reference_norm() {
  register_reference(OpKind::kSoftmax, softmax_kernel<false>);
  register_reference(OpKind::kLogSoftmax, softmax_kernel<true>);
  register_reference(OpKind::kBatchNormalization, batchnorm_kernel);
  register_reference(OpKind::kLayerNormalization, layernorm_kernel);
}

}  // namespace sinter::ir

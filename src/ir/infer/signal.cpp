// Shape and type inference for the 'signal' op family. Complex tensors are real tensors whose last
// dim holds (real, imaginary); a last dim of 1 is a real signal. Sizes come from constant inputs
// (dft_length, frame_step, window size, ...) and are unknown dims when those are not constant.
#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "ir/infer.h"
#include "ir/op_registry.h"

namespace sinter::ir {

namespace {

const std::vector<DType> kFloats = {DType::kFloat32, DType::kFloat16, DType::kBFloat16, DType::kFloat64};

bool is_float(DType t) {
  return std::find(kFloats.begin(), kFloats.end(), t) != kFloats.end();
}
bool is_index(DType t) {
  return t == DType::kInt32 || t == DType::kInt64;
}

Status require_float(const InferContext& ctx, size_t i, const char* what) {
  if (!is_float(ctx.input_dtype(i)))
    return unimplemented(std::string(what) + " has dtype " + std::string(dtype_name(ctx.input_dtype(i))) +
                         "; supported: f32, f16, bf16, f64");
  return Status::Ok();
}

// A scalar integer input's value when it is constant.
Result<std::optional<int64_t>> const_scalar(const InferContext& ctx, size_t i, const char* what) {
  if (!ctx.has_input(i)) return std::optional<int64_t>();
  if (!is_index(ctx.input_dtype(i)))
    return invalid_argument(std::string(what) + " must be i32 or i64, got " +
                            std::string(dtype_name(ctx.input_dtype(i))));
  const HostTensor* c = ctx.input_constant(i);
  if (!c) return std::optional<int64_t>();
  if (c->numel() != 1) return invalid_argument(std::string(what) + " must hold one value, got " + c->summary());
  return std::optional<int64_t>(c->get_as_int64(0));
}

Dim dim_or_unknown(const std::optional<int64_t>& v) {
  return v ? Dim(*v) : Dim::unknown();
}

Result<DType> dtype_attr(const InferContext& ctx, const char* name, DType def) {
  if (!ctx.attrs().has(name)) return def;
  const int64_t v = ctx.attrs().get_int(name, 0);
  if (v <= 0 || v > static_cast<int64_t>(DType::kUInt4))
    return invalid_argument(std::string("attribute '") + name + "' = " + std::to_string(v) +
                            " is not a supported dtype");
  return static_cast<DType>(v);
}

// DFT(input [..., n, 1|2], dft_length?, axis?): the axis becomes dft_length (or dft_length/2+1 when
// onesided), the last dim 2 (1 for an inverse onesided transform, whose result is real).
Status infer_dft(InferContext& ctx) {
  if (ctx.num_inputs() < 1 || ctx.num_inputs() > 3 || !ctx.has_input(0))
    return invalid_argument("expects input, optional dft_length and optional axis");
  SINTER_RETURN_IF_ERROR(require_float(ctx, 0, "input"));
  const Shape& s = ctx.input_shape(0);
  const DType t = ctx.input_dtype(0);
  SINTER_ASSIGN_OR_RETURN(auto length, const_scalar(ctx, 1, "dft_length"));
  SINTER_ASSIGN_OR_RETURN(auto axis_v, const_scalar(ctx, 2, "axis"));
  if (!s.rank_known() || (ctx.has_input(2) && !axis_v)) {
    ctx.set_output(0, t, s.rank_known() ? Shape(std::vector<Dim>(s.rank(), Dim::unknown())) : Shape::unknown_rank());
    return Status::Ok();
  }
  const int64_t rank = static_cast<int64_t>(s.rank());
  if (rank < 2) return invalid_argument("DFT needs rank >= 2, got " + s.to_string());
  const Dim& last = s[s.rank() - 1];
  if (last.is_static() && last.value != 1 && last.value != 2)
    return invalid_argument("DFT's last dim must be 1 (real) or 2 (complex), got " + s.to_string());
  int64_t axis = axis_v.value_or(-2);
  if (axis < -rank || axis >= rank) return out_of_range("axis " + std::to_string(axis) + " is out of range");
  if (axis < 0) axis += rank;
  if (axis == rank - 1) return invalid_argument("DFT's axis must not be the last (complex) dim");
  const bool inverse = ctx.attrs().get_int("inverse", 0) != 0;
  const bool onesided = ctx.attrs().get_int("onesided", 0) != 0;
  const Dim& n = s[static_cast<size_t>(axis)];
  std::optional<int64_t> len = length;
  if (!ctx.has_input(1) && n.is_static()) len = (inverse && onesided) ? 2 * (n.value - 1) : n.value;
  if (len && *len < 1) return invalid_argument("dft_length must be >= 1, got " + std::to_string(*len));
  Shape out = s;
  if (!len && !ctx.has_input(1) && !(inverse && onesided) && !onesided) {
    out[static_cast<size_t>(axis)] = n;  // keeps a symbolic length
  } else if (onesided && !inverse) {
    out[static_cast<size_t>(axis)] = len ? Dim(*len / 2 + 1) : Dim::unknown();
  } else {
    out[static_cast<size_t>(axis)] = dim_or_unknown(len);
  }
  out[s.rank() - 1] = Dim(inverse && onesided ? 1 : 2);
  ctx.set_output(0, t, std::move(out));
  return Status::Ok();
}

// STFT(signal [batch, len, 1|2], frame_step, window?, frame_length?) -> [batch, frames, bins, 2].
Status infer_stft(InferContext& ctx) {
  if (ctx.num_inputs() < 2 || ctx.num_inputs() > 4 || !ctx.has_input(0) || !ctx.has_input(1))
    return invalid_argument("expects signal, frame_step, optional window and optional frame_length");
  SINTER_RETURN_IF_ERROR(require_float(ctx, 0, "signal"));
  const Shape& s = ctx.input_shape(0);
  const DType t = ctx.input_dtype(0);
  if (s.rank_known() && s.rank() != 3) return invalid_argument("STFT's signal must be [batch, length, 1|2]");
  SINTER_ASSIGN_OR_RETURN(auto step, const_scalar(ctx, 1, "frame_step"));
  SINTER_ASSIGN_OR_RETURN(auto flen, const_scalar(ctx, 3, "frame_length"));
  if (ctx.has_input(2)) {
    SINTER_RETURN_IF_ERROR(require_float(ctx, 2, "window"));
    const Shape& w = ctx.input_shape(2);
    if (w.rank_known() && w.rank() != 1) return invalid_argument("STFT's window must be 1-D");
    if (!ctx.has_input(3) && w.rank_known() && w[0].is_static()) flen = w[0].value;
  } else if (!ctx.has_input(3) && s.rank_known() && s[1].is_static()) {
    flen = s[1].value;
  }
  if (step && *step < 1) return invalid_argument("frame_step must be >= 1");
  if (flen && *flen < 1) return invalid_argument("frame_length must be >= 1");
  const bool onesided = ctx.attrs().get_int("onesided", 1) != 0;
  Dim batch = s.rank_known() ? s[0] : Dim::unknown();
  Dim frames = Dim::unknown();
  if (s.rank_known() && s[1].is_static() && step && flen) {
    if (s[1].value < *flen) return invalid_argument("frame_length is longer than the signal");
    frames = Dim(1 + (s[1].value - *flen) / *step);
  }
  Dim bins = flen ? Dim(onesided ? *flen / 2 + 1 : *flen) : Dim::unknown();
  ctx.set_output(0, t, Shape({batch, frames, bins, Dim(2)}));
  return Status::Ok();
}

// Hann/Hamming/BlackmanWindow(size) -> [size] of output_datatype (f32 by default).
Status infer_window(InferContext& ctx) {
  if (ctx.num_inputs() != 1 || !ctx.has_input(0)) return invalid_argument("expects one input, size");
  SINTER_ASSIGN_OR_RETURN(auto size, const_scalar(ctx, 0, "size"));
  if (size && *size < 0) return invalid_argument("window size must be >= 0");
  SINTER_ASSIGN_OR_RETURN(DType t, dtype_attr(ctx, "output_datatype", DType::kFloat32));
  if (!is_float(t) && !dtype_is_integer(t)) return unimplemented("windows of " + std::string(dtype_name(t)));
  ctx.set_output(0, t, Shape({dim_or_unknown(size)}));
  return Status::Ok();
}

// MelWeightMatrix(num_mel_bins, dft_length, sample_rate, lower_edge_hertz, upper_edge_hertz)
//   -> [dft_length / 2 + 1, num_mel_bins].
Status infer_mel(InferContext& ctx) {
  if (ctx.num_inputs() != 5) return invalid_argument("expects 5 inputs");
  for (size_t i = 0; i < 5; ++i)
    if (!ctx.has_input(i)) return invalid_argument("input " + std::to_string(i) + " is required");
  SINTER_ASSIGN_OR_RETURN(auto bins, const_scalar(ctx, 0, "num_mel_bins"));
  SINTER_ASSIGN_OR_RETURN(auto len, const_scalar(ctx, 1, "dft_length"));
  SINTER_RETURN_IF_ERROR(const_scalar(ctx, 2, "sample_rate").status());
  SINTER_RETURN_IF_ERROR(require_float(ctx, 3, "lower_edge_hertz"));
  SINTER_RETURN_IF_ERROR(require_float(ctx, 4, "upper_edge_hertz"));
  SINTER_ASSIGN_OR_RETURN(DType t, dtype_attr(ctx, "output_datatype", DType::kFloat32));
  if (!is_float(t) && !dtype_is_integer(t)) return unimplemented("MelWeightMatrix of " + std::string(dtype_name(t)));
  ctx.set_output(0, t, Shape({len ? Dim(*len / 2 + 1) : Dim::unknown(), dim_or_unknown(bins)}));
  return Status::Ok();
}

}  // namespace

void register_infer_signal() {
  register_infer(OpKind::kDFT, infer_dft);
  register_infer(OpKind::kSTFT, infer_stft);
  register_infer(OpKind::kHannWindow, infer_window);
  register_infer(OpKind::kHammingWindow, infer_window);
  register_infer(OpKind::kBlackmanWindow, infer_window);
  register_infer(OpKind::kMelWeightMatrix, infer_mel);
}

}  // namespace sinter::ir

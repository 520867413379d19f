// Reference (CPU oracle) kernels for the 'signal' family: DFT and STFT as plain O(n^2) sums in
// double (naive and obviously correct), the Hann/Hamming/Blackman windows and MelWeightMatrix.
// Complex tensors carry (real, imaginary) in their last dim; a last dim of 1 is a real signal.
#include <cmath>
#include <complex>
#include <string>

#include "kernels/reference/kernel.h"
#include "kernels/reference/ref_util.h"

namespace sinter::ir {

namespace {

using cplx = std::complex<double>;

// Optional scalar integer input i, or `def`.
Result<int64_t> scalar_or(const KernelContext& ctx, size_t i, int64_t def, const char* what) {
  if (!ctx.has_input(i)) return def;
  return ref::scalar_as_int64(*ctx.input(i), what);
}

// One DFT of `x` (any length) to `len` output bins: X[k] = sum_t x[t] e^(-+2 pi i k t / len),
// x truncated or zero-padded to len; the inverse also divides by len.
void dft(const std::vector<cplx>& x, int64_t len, bool inverse, std::vector<cplx>* out) {
  out->assign(static_cast<size_t>(len), cplx(0, 0));
  const double sign = inverse ? 1.0 : -1.0;
  const int64_t n = std::min<int64_t>(len, static_cast<int64_t>(x.size()));
  for (int64_t k = 0; k < len; ++k) {
    cplx acc(0, 0);
    for (int64_t t = 0; t < n; ++t) {
      // (k * t) mod len keeps the angle small, so large lengths lose no precision.
      const double ang = sign * 2.0 * M_PI * static_cast<double>((k * t) % len) / static_cast<double>(len);
      acc += x[static_cast<size_t>(t)] * cplx(std::cos(ang), std::sin(ang));
    }
    (*out)[static_cast<size_t>(k)] = inverse ? acc / static_cast<double>(len) : acc;
  }
}

Status dft_kernel(KernelContext& ctx) {
  SINTER_ASSIGN_OR_RETURN(const HostTensor* x, ref::require_input(ctx, 0, "input"));
  SINTER_RETURN_IF_ERROR(ref::require_dtype(x->dtype(), ref::float_dtypes(), "input"));
  const auto& d = x->dims();
  const int64_t rank = static_cast<int64_t>(d.size());
  if (rank < 2 || (d.back() != 1 && d.back() != 2))
    return invalid_argument("DFT's input must be [..., n, 1|2], got " + x->summary());
  SINTER_ASSIGN_OR_RETURN(int64_t axis_raw, scalar_or(ctx, 2, -2, "axis"));
  SINTER_ASSIGN_OR_RETURN(int64_t axis, ref::normalize_axis(axis_raw, rank, "axis"));
  if (axis == rank - 1) return invalid_argument("DFT's axis must not be the last (complex) dim");
  const bool inverse = ctx.attrs().get_int("inverse", 0) != 0;
  const bool onesided = ctx.attrs().get_int("onesided", 0) != 0;
  const int64_t n = d[static_cast<size_t>(axis)];
  SINTER_ASSIGN_OR_RETURN(int64_t len, scalar_or(ctx, 1, (inverse && onesided) ? 2 * (n - 1) : n, "dft_length"));
  if (len < 1) return invalid_argument("dft_length must be >= 1, got " + std::to_string(len));
  const bool real_out = inverse && onesided;
  const int64_t out_len = (onesided && !inverse) ? len / 2 + 1 : len;
  std::vector<int64_t> out_dims = d;
  out_dims[static_cast<size_t>(axis)] = out_len;
  out_dims.back() = real_out ? 1 : 2;
  const int64_t comps = d.back();
  int64_t outer = 1, inner = 1;
  for (int64_t a = 0; a < axis; ++a) outer *= d[static_cast<size_t>(a)];
  for (int64_t a = axis + 1; a < rank - 1; ++a) inner *= d[static_cast<size_t>(a)];
  const std::vector<double> v = ref::to_doubles(*x);
  std::vector<double> r(static_cast<size_t>(numel(out_dims)), 0.0);
  const int64_t oc = out_dims.back();
  std::vector<cplx> sig, spec;
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t i = 0; i < inner; ++i) {
      sig.assign(static_cast<size_t>(n), cplx(0, 0));
      for (int64_t t = 0; t < n; ++t) {
        const size_t at = static_cast<size_t>(((o * n + t) * inner + i) * comps);
        sig[static_cast<size_t>(t)] = cplx(v[at], comps == 2 ? v[at + 1] : 0.0);
      }
      if (real_out) {
        // Inverse of a one-sided spectrum: rebuild the Hermitian full spectrum of len bins from the
        // first len/2+1 (missing ones are 0), then transform back; the result is real.
        const int64_t half = len / 2 + 1;
        std::vector<cplx> full(static_cast<size_t>(len));
        for (int64_t k = 0; k < len; ++k) {
          if (k < half)
            full[static_cast<size_t>(k)] = k < n ? sig[static_cast<size_t>(k)] : cplx(0, 0);
          else
            full[static_cast<size_t>(k)] = std::conj(len - k < n ? sig[static_cast<size_t>(len - k)] : cplx(0, 0));
        }
        sig = std::move(full);
      }
      dft(sig, len, inverse, &spec);
      for (int64_t k = 0; k < out_len; ++k) {
        const size_t at = static_cast<size_t>(((o * out_len + k) * inner + i) * oc);
        r[at] = spec[static_cast<size_t>(k)].real();
        if (oc == 2) r[at + 1] = spec[static_cast<size_t>(k)].imag();
      }
    }
  }
  ctx.output(0) = ref::from_doubles(x->dtype(), out_dims, r);
  return Status::Ok();
}

// STFT: frame f is signal[f * frame_step ...] times the window (zero past the signal's or the
// window's end), transformed over frame_length bins; onesided keeps frame_length/2+1 of them.
Status stft_kernel(KernelContext& ctx) {
  SINTER_ASSIGN_OR_RETURN(const HostTensor* x, ref::require_input(ctx, 0, "signal"));
  SINTER_RETURN_IF_ERROR(ref::require_dtype(x->dtype(), ref::float_dtypes(), "signal"));
  const auto& d = x->dims();
  if (d.size() != 3 || (d[2] != 1 && d[2] != 2))
    return invalid_argument("STFT's signal must be [batch, length, 1|2], got " + x->summary());
  SINTER_ASSIGN_OR_RETURN(const HostTensor* st, ref::require_input(ctx, 1, "frame_step"));
  SINTER_ASSIGN_OR_RETURN(int64_t step, ref::scalar_as_int64(*st, "frame_step"));
  const HostTensor* window = ctx.input(2);
  if (window && window->rank() != 1) return invalid_argument("STFT's window must be 1-D, got " + window->summary());
  const int64_t def_len = window ? window->dims()[0] : d[1];
  SINTER_ASSIGN_OR_RETURN(int64_t flen, scalar_or(ctx, 3, def_len, "frame_length"));
  if (step < 1 || flen < 1) return invalid_argument("frame_step and frame_length must be >= 1");
  if (flen > d[1]) return invalid_argument("frame_length is longer than the signal");
  const bool onesided = ctx.attrs().get_int("onesided", 1) != 0;
  const int64_t batch = d[0], length = d[1], comps = d[2];
  const int64_t frames = 1 + (length - flen) / step;
  const int64_t bins = onesided ? flen / 2 + 1 : flen;
  const int64_t wlen = window ? window->dims()[0] : flen;
  const std::vector<double> v = ref::to_doubles(*x);
  const std::vector<double> w = window ? ref::to_doubles(*window) : std::vector<double>(static_cast<size_t>(wlen), 1.0);
  std::vector<int64_t> out_dims = {batch, frames, bins, 2};
  std::vector<double> r(static_cast<size_t>(numel(out_dims)));
  std::vector<cplx> frame, spec;
  for (int64_t b = 0; b < batch; ++b) {
    for (int64_t f = 0; f < frames; ++f) {
      frame.assign(static_cast<size_t>(flen), cplx(0, 0));
      for (int64_t t = 0; t < std::min(flen, wlen); ++t) {
        const int64_t s = f * step + t;
        if (s >= length) break;
        const size_t at = static_cast<size_t>((b * length + s) * comps);
        frame[static_cast<size_t>(t)] = cplx(v[at], comps == 2 ? v[at + 1] : 0.0) * w[static_cast<size_t>(t)];
      }
      dft(frame, flen, false, &spec);
      for (int64_t k = 0; k < bins; ++k) {
        const size_t at = static_cast<size_t>(((b * frames + f) * bins + k) * 2);
        r[at] = spec[static_cast<size_t>(k)].real();
        r[at + 1] = spec[static_cast<size_t>(k)].imag();
      }
    }
  }
  ctx.output(0) = ref::from_doubles(x->dtype(), out_dims, r);
  return Status::Ok();
}

Result<DType> out_dtype(const KernelContext& ctx) {
  const int64_t n = ctx.attrs().get_int("output_datatype", static_cast<int64_t>(DType::kFloat32));
  if (n <= 0 || n > static_cast<int64_t>(DType::kUInt64) || n == static_cast<int64_t>(DType::kBool))
    return invalid_argument("attribute output_datatype = " + std::to_string(n) + " is not supported");
  return static_cast<DType>(n);
}

// w[n] over N = size (periodic) or size - 1 (symmetric):
//   Hann     sin^2(pi n / N)
//   Hamming  a - (1 - a) cos(2 pi n / N), a = 25/46
//   Blackman 0.42 - 0.5 cos(2 pi n / N) + 0.08 cos(4 pi n / N)
template <OpKind kOp>
Status window_kernel(KernelContext& ctx) {
  SINTER_ASSIGN_OR_RETURN(const HostTensor* st, ref::require_input(ctx, 0, "size"));
  SINTER_ASSIGN_OR_RETURN(int64_t size, ref::scalar_as_int64(*st, "size"));
  if (size < 0) return invalid_argument("window size must be >= 0");
  SINTER_ASSIGN_OR_RETURN(DType t, out_dtype(ctx));
  const bool periodic = ctx.attrs().get_int("periodic", 1) != 0;
  const double big_n = static_cast<double>(periodic ? size : size - 1);
  std::vector<double> r(static_cast<size_t>(size));
  for (int64_t i = 0; i < size; ++i) {
    const double n = static_cast<double>(i);
    double w = 0;
    if constexpr (kOp == OpKind::kHannWindow) {
      const double s = std::sin(M_PI * n / big_n);
      w = s * s;
    }
    if constexpr (kOp == OpKind::kHammingWindow) {
      const double a = 25.0 / 46.0;
      w = a - (1.0 - a) * std::cos(2.0 * M_PI * n / big_n);
    }
    if constexpr (kOp == OpKind::kBlackmanWindow)
      w = 0.42 - 0.5 * std::cos(2.0 * M_PI * n / big_n) + 0.08 * std::cos(4.0 * M_PI * n / big_n);
    r[static_cast<size_t>(i)] = w;
  }
  ctx.output(0) = ref::from_doubles(t, {size}, r);
  return Status::Ok();
}

// MelWeightMatrix: triangular filters between num_mel_bins + 2 points equally spaced on the mel
// scale (mel = 2595 log10(1 + hz / 700)) from lower to upper edge, each point snapped down to a
// DFT bin: bin = floor((dft_length + 1) * hz / sample_rate). The spacing divides the mel range by
// num_mel_bins + 2, as ONNX's reference implementation does.
Status mel_kernel(KernelContext& ctx) {
  for (size_t i = 0; i < 5; ++i)
    if (!ctx.has_input(i)) return invalid_argument("input " + std::to_string(i) + " is required");
  SINTER_ASSIGN_OR_RETURN(int64_t bins, ref::scalar_as_int64(*ctx.input(0), "num_mel_bins"));
  SINTER_ASSIGN_OR_RETURN(int64_t len, ref::scalar_as_int64(*ctx.input(1), "dft_length"));
  SINTER_ASSIGN_OR_RETURN(int64_t rate, ref::scalar_as_int64(*ctx.input(2), "sample_rate"));
  SINTER_ASSIGN_OR_RETURN(double lower, ref::scalar_as_double(*ctx.input(3), "lower_edge_hertz"));
  SINTER_ASSIGN_OR_RETURN(double upper, ref::scalar_as_double(*ctx.input(4), "upper_edge_hertz"));
  if (bins < 1 || len < 1 || rate < 1) return invalid_argument("num_mel_bins, dft_length and sample_rate must be >= 1");
  SINTER_ASSIGN_OR_RETURN(DType t, out_dtype(ctx));
  // The reference evaluates log1p in the edges' own precision (f32 for f32 inputs).
  const bool f32 = ctx.input(3)->dtype() != DType::kFloat64;
  auto to_mel = [&](double hz) {
    if (f32) return static_cast<double>(2595.0f * std::log1p(static_cast<float>(hz) / 700.0f)) / std::log(10.0);
    return 2595.0 * std::log1p(hz / 700.0) / std::log(10.0);
  };
  const double lo_mel = to_mel(lower), hi_mel = to_mel(upper);
  const double step = (hi_mel - lo_mel) / static_cast<double>(bins + 2);
  const int64_t spec_bins = len / 2 + 1;
  std::vector<int64_t> point(static_cast<size_t>(bins + 2));
  for (int64_t i = 0; i < bins + 2; ++i) {
    const double mel = static_cast<double>(i) * step + lo_mel;
    const double hz = 700.0 * std::expm1(mel / 2595.0 * std::log(10.0));
    point[static_cast<size_t>(i)] =
        static_cast<int64_t>(std::floor(static_cast<double>(len + 1) * hz / static_cast<double>(rate)));
  }
  std::vector<double> r(static_cast<size_t>(spec_bins * bins), 0.0);
  auto set = [&](int64_t row, int64_t col, double val) -> Status {
    if (row < 0 || row >= spec_bins) return invalid_argument("mel filter edge falls outside the spectrum");
    r[static_cast<size_t>(row * bins + col)] = val;
    return Status::Ok();
  };
  for (int64_t m = 0; m < bins; ++m) {
    const int64_t left = point[static_cast<size_t>(m)], center = point[static_cast<size_t>(m + 1)],
                  right = point[static_cast<size_t>(m + 2)];
    if (center == left) {
      SINTER_RETURN_IF_ERROR(set(center, m, 1.0));
    } else {
      for (int64_t j = left; j <= center; ++j)
        SINTER_RETURN_IF_ERROR(set(j, m, static_cast<double>(j - left) / static_cast<double>(center - left)));
    }
    for (int64_t j = center; j < right; ++j)
      SINTER_RETURN_IF_ERROR(set(j, m, static_cast<double>(right - j) / static_cast<double>(right - center)));
  }
  ctx.output(0) = ref::from_doubles(t, {spec_bins, bins}, r);
  return Status::Ok();
}

}  // namespace

void register_reference_signal() {
  register_reference(OpKind::kDFT, dft_kernel);
  register_reference(OpKind::kSTFT, stft_kernel);
  register_reference(OpKind::kHannWindow, window_kernel<OpKind::kHannWindow>);
  register_reference(OpKind::kHammingWindow, window_kernel<OpKind::kHammingWindow>);
  register_reference(OpKind::kBlackmanWindow, window_kernel<OpKind::kBlackmanWindow>);
  register_reference(OpKind::kMelWeightMatrix, mel_kernel);
}

}  // namespace sinter::ir

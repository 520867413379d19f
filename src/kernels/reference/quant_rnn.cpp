// Reference kernels for the recurrent ops RNN, LSTM and GRU: one shared loop over directions,
// batch rows and time steps, and one cell function per op. Computed in double.
//
// Weights: W [dirs, G*H, I], R [dirs, G*H, H], B [dirs, 2*G*H] (= Wb then Rb), gate blocks in ONNX
// order (LSTM: i o f c; GRU: z r h). sequence_lens[b] limits row b: steps past it leave Y zero and
// Y_h / Y_c hold the state after the last valid step; the reverse direction starts at step len-1.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <string>
#include <vector>

#include "kernels/reference/kernel.h"
#include "kernels/reference/ref_util.h"

namespace sinter::ir {

namespace {

enum class Cell { kRnn, kGru, kLstm };

int gate_count(Cell c) {
  return c == Cell::kRnn ? 1 : (c == Cell::kGru ? 3 : 4);
}

// One activation function with its alpha/beta.
struct Activation {
  enum class Fn {
    kRelu,
    kTanh,
    kSigmoid,
    kAffine,
    kLeakyRelu,
    kThresholdedRelu,
    kScaledTanh,
    kHardSigmoid,
    kElu,
    kSoftsign,
    kSoftplus
  };
  Fn fn = Fn::kTanh;
  double alpha = 0, beta = 0;

  double operator()(double x) const {
    switch (fn) {
      case Fn::kRelu:
        return std::max(0.0, x);
      case Fn::kTanh:
        return std::tanh(x);
      case Fn::kSigmoid:
        return 1.0 / (1.0 + std::exp(-x));
      case Fn::kAffine:
        return alpha * x + beta;
      case Fn::kLeakyRelu:
        return x >= 0 ? x : alpha * x;
      case Fn::kThresholdedRelu:
        return x > alpha ? x : 0.0;
      case Fn::kScaledTanh:
        return alpha * std::tanh(beta * x);
      case Fn::kHardSigmoid:
        return std::max(0.0, std::min(1.0, alpha * x + beta));
      case Fn::kElu:
        return x >= 0 ? x : alpha * (std::exp(x) - 1.0);
      case Fn::kSoftsign:
        return x / (1.0 + std::fabs(x));
      case Fn::kSoftplus:
        return std::log1p(std::exp(x));
    }
    return x;
  }
};

// Parses the activations attribute. alpha/beta values are consumed in order by the functions that
// take them; a function whose value is not given uses its ONNX default.
Result<std::vector<Activation>> parse_activations(const std::vector<std::string>& names,
                                                  const std::vector<double>& alphas, const std::vector<double>& betas) {
  std::vector<Activation> out;
  size_t ai = 0, bi = 0;
  auto take = [](const std::vector<double>& v, size_t& i, double def) { return i < v.size() ? v[i++] : def; };
  for (const std::string& raw : names) {
    std::string n = raw;
    std::transform(n.begin(), n.end(), n.begin(), [](unsigned char ch) { return std::tolower(ch); });
    Activation a;
    using Fn = Activation::Fn;
    if (n == "relu") {
      a.fn = Fn::kRelu;
    } else if (n == "tanh") {
      a.fn = Fn::kTanh;
    } else if (n == "sigmoid") {
      a.fn = Fn::kSigmoid;
    } else if (n == "affine") {
      a.fn = Fn::kAffine;
      a.alpha = take(alphas, ai, 1.0);
      a.beta = take(betas, bi, 0.0);
    } else if (n == "leakyrelu") {
      a.fn = Fn::kLeakyRelu;
      a.alpha = take(alphas, ai, 0.01);
    } else if (n == "thresholdedrelu") {
      a.fn = Fn::kThresholdedRelu;
      a.alpha = take(alphas, ai, 1.0);
    } else if (n == "scaledtanh") {
      a.fn = Fn::kScaledTanh;
      a.alpha = take(alphas, ai, 1.0);
      a.beta = take(betas, bi, 1.0);
    } else if (n == "hardsigmoid") {
      a.fn = Fn::kHardSigmoid;
      a.alpha = take(alphas, ai, 0.2);
      a.beta = take(betas, bi, 0.5);
    } else if (n == "elu") {
      a.fn = Fn::kElu;
      a.alpha = take(alphas, ai, 1.0);
    } else if (n == "softsign") {
      a.fn = Fn::kSoftsign;
    } else if (n == "softplus") {
      a.fn = Fn::kSoftplus;
    } else {
      return invalid_argument("unknown activation '" + raw + "'");
    }
    out.push_back(a);
  }
  return out;
}

// Everything one run needs, with X in layout 0 ([seq, batch, input]).
struct Problem {
  Cell cell = Cell::kRnn;
  int64_t gates = 1, seq = 0, batch = 0, input = 0, hidden = 0, dirs = 1;
  bool bidirectional = false, reverse = false;
  std::vector<double> x, w, r, b, p, h0, c0;
  std::vector<int64_t> lens;
  double clip = 0;               // <= 0: no clipping
  std::vector<Activation> acts;  // acts_per_dir entries per direction
  size_t acts_per_dir = 1;
  bool linear_before_reset = false, input_forget = false;

  double clipped(double v) const { return clip > 0 ? std::max(-clip, std::min(clip, v)) : v; }
  const Activation& act(int64_t dir, size_t k) const { return acts[static_cast<size_t>(dir) * acts_per_dir + k]; }
};

// rows x cols matrix times vector, plus an optional bias: out[i] = sum_j m[i*cols + j] * v[j] + bias[i].
void matvec(const double* m, const double* v, const double* bias, int64_t rows, int64_t cols, double* out) {
  for (int64_t i = 0; i < rows; ++i) {
    double s = bias ? bias[i] : 0.0;
    for (int64_t j = 0; j < cols; ++j) s += m[i * cols + j] * v[j];
    out[i] = s;
  }
}

// One time step of one direction for one batch row: updates h (and c for LSTM) in place.
void cell_step(const Problem& pb, int64_t d, const double* x, std::vector<double>& h, std::vector<double>& c) {
  const int64_t H = pb.hidden, G = pb.gates, I = pb.input;
  const double* w = pb.w.data() + d * G * H * I;
  const double* r = pb.r.data() + d * G * H * H;
  const double* wb = pb.b.data() + d * 2 * G * H;
  const double* rb = wb + G * H;
  std::vector<double> gx(static_cast<size_t>(G * H)), gh(static_cast<size_t>(G * H));
  matvec(w, x, wb, G * H, I, gx.data());
  matvec(r, h.data(), rb, G * H, H, gh.data());
  auto at = [H](std::vector<double>& v, int64_t gate, int64_t j) -> double& {
    return v[static_cast<size_t>(gate * H + j)];
  };
  switch (pb.cell) {
    case Cell::kRnn:
      for (int64_t j = 0; j < H; ++j) h[static_cast<size_t>(j)] = pb.act(d, 0)(pb.clipped(gx[j] + gh[j]));
      return;
    case Cell::kLstm: {
      const double* p = pb.p.data() + d * 3 * H;  // peepholes i, o, f
      for (int64_t j = 0; j < H; ++j) {
        const auto u = static_cast<size_t>(j);
        const double in = pb.act(d, 0)(pb.clipped(at(gx, 0, j) + at(gh, 0, j) + p[j] * c[u]));
        double forget = pb.act(d, 0)(pb.clipped(at(gx, 2, j) + at(gh, 2, j) + p[2 * H + j] * c[u]));
        if (pb.input_forget) forget = 1.0 - in;
        const double cand = pb.act(d, 1)(pb.clipped(at(gx, 3, j) + at(gh, 3, j)));
        c[u] = forget * c[u] + in * cand;
        const double out = pb.act(d, 0)(pb.clipped(at(gx, 1, j) + at(gh, 1, j) + p[H + j] * c[u]));
        h[u] = out * pb.act(d, 2)(c[u]);
      }
      return;
    }
    case Cell::kGru: {
      std::vector<double> z(static_cast<size_t>(H)), reset(static_cast<size_t>(H)), cand(static_cast<size_t>(H));
      for (int64_t j = 0; j < H; ++j) {
        z[static_cast<size_t>(j)] = pb.act(d, 0)(pb.clipped(at(gx, 0, j) + at(gh, 0, j)));
        reset[static_cast<size_t>(j)] = pb.act(d, 0)(pb.clipped(at(gx, 1, j) + at(gh, 1, j)));
      }
      if (pb.linear_before_reset) {
        // h~ = g(Wh x + Wbh + r . (Rh h + Rbh))
        for (int64_t j = 0; j < H; ++j)
          cand[static_cast<size_t>(j)] = at(gx, 2, j) + reset[static_cast<size_t>(j)] * at(gh, 2, j);
      } else {
        // h~ = g(Wh x + Wbh + Rh (r . h) + Rbh)
        std::vector<double> rh(static_cast<size_t>(H));
        for (int64_t j = 0; j < H; ++j)
          rh[static_cast<size_t>(j)] = reset[static_cast<size_t>(j)] * h[static_cast<size_t>(j)];
        matvec(r + 2 * H * H, rh.data(), rb + 2 * H, H, H, cand.data());
        for (int64_t j = 0; j < H; ++j) cand[static_cast<size_t>(j)] += at(gx, 2, j);
      }
      for (int64_t j = 0; j < H; ++j) {
        const auto u = static_cast<size_t>(j);
        const double ht = pb.act(d, 1)(pb.clipped(cand[u]));
        h[u] = (1.0 - z[u]) * ht + z[u] * h[u];
      }
      return;
    }
  }
}

// Reads and checks the inputs and attributes into a Problem.
Result<Problem> read_problem(const KernelContext& ctx, Cell cell) {
  Problem pb;
  pb.cell = cell;
  pb.gates = gate_count(cell);
  SINTER_ASSIGN_OR_RETURN(const HostTensor* x, ref::require_input(ctx, 0, "X"));
  SINTER_ASSIGN_OR_RETURN(const HostTensor* w, ref::require_input(ctx, 1, "W"));
  SINTER_ASSIGN_OR_RETURN(const HostTensor* r, ref::require_input(ctx, 2, "R"));
  SINTER_RETURN_IF_ERROR(ref::require_dtype(x->dtype(), ref::float_dtypes(), "X"));
  if (x->rank() != 3 || w->rank() != 3 || r->rank() != 3)
    return invalid_argument("X " + x->summary() + ", W " + w->summary() + " and R " + r->summary() + " must be 3-D");
  const auto& attrs = ctx.attrs();
  const std::string direction = attrs.get_string("direction", "forward");
  if (direction != "forward" && direction != "reverse" && direction != "bidirectional")
    return invalid_argument("direction must be forward, reverse or bidirectional, got '" + direction + "'");
  pb.bidirectional = direction == "bidirectional";
  pb.reverse = direction == "reverse";
  pb.dirs = pb.bidirectional ? 2 : 1;
  const int64_t layout = attrs.get_int("layout", 0);
  if (layout != 0 && layout != 1) return invalid_argument("layout must be 0 or 1");
  pb.seq = x->dims()[layout == 0 ? 0 : 1];
  pb.batch = x->dims()[layout == 0 ? 1 : 0];
  pb.input = x->dims()[2];
  pb.hidden = attrs.get_int("hidden_size", r->dims()[2]);
  const int64_t gh = pb.gates * pb.hidden;
  const std::vector<int64_t> want_w = {pb.dirs, gh, pb.input}, want_r = {pb.dirs, gh, pb.hidden};
  if (w->dims() != want_w || r->dims() != want_r)
    return invalid_argument("W " + w->summary() + " / R " + r->summary() + " must be [" + dims_to_string(want_w) +
                            "] / [" + dims_to_string(want_r) + "] for direction '" + direction + "'");
  // X to layout 0.
  const std::vector<double> xv = ref::to_doubles(*x);
  pb.x.resize(xv.size());
  for (int64_t t = 0; t < pb.seq; ++t)
    for (int64_t b = 0; b < pb.batch; ++b)
      for (int64_t i = 0; i < pb.input; ++i) {
        const int64_t src = layout == 0 ? (t * pb.batch + b) * pb.input + i : (b * pb.seq + t) * pb.input + i;
        pb.x[static_cast<size_t>((t * pb.batch + b) * pb.input + i)] = xv[static_cast<size_t>(src)];
      }
  pb.w = ref::to_doubles(*w);
  pb.r = ref::to_doubles(*r);
  auto optional = [&](size_t i, const std::vector<int64_t>& dims, const char* what) -> Result<std::vector<double>> {
    const HostTensor* t = ctx.input(i);
    if (!t) return std::vector<double>(static_cast<size_t>(numel(dims)), 0.0);
    if (t->dims() != dims)
      return invalid_argument(std::string(what) + " " + t->summary() + " must be [" + dims_to_string(dims) + "]");
    return ref::to_doubles(*t);
  };
  SINTER_ASSIGN_OR_RETURN(pb.b, optional(3, {pb.dirs, 2 * gh}, "B"));
  // Initial states, to [dirs, batch, hidden].
  auto state = [&](size_t i, const char* what) -> Result<std::vector<double>> {
    const std::vector<int64_t> dims = layout == 0 ? std::vector<int64_t>{pb.dirs, pb.batch, pb.hidden}
                                                  : std::vector<int64_t>{pb.batch, pb.dirs, pb.hidden};
    SINTER_ASSIGN_OR_RETURN(std::vector<double> v, optional(i, dims, what));
    if (layout == 0) return v;
    std::vector<double> out(v.size());
    for (int64_t b = 0; b < pb.batch; ++b)
      for (int64_t d = 0; d < pb.dirs; ++d)
        for (int64_t j = 0; j < pb.hidden; ++j)
          out[static_cast<size_t>((d * pb.batch + b) * pb.hidden + j)] =
              v[static_cast<size_t>((b * pb.dirs + d) * pb.hidden + j)];
    return out;
  };
  SINTER_ASSIGN_OR_RETURN(pb.h0, state(5, "initial_h"));
  if (cell == Cell::kLstm) {
    SINTER_ASSIGN_OR_RETURN(pb.c0, state(6, "initial_c"));
    SINTER_ASSIGN_OR_RETURN(pb.p, optional(7, {pb.dirs, 3 * pb.hidden}, "P"));
  } else {
    pb.c0.assign(pb.h0.size(), 0.0);
  }
  pb.lens.assign(static_cast<size_t>(pb.batch), pb.seq);
  if (const HostTensor* sl = ctx.input(4)) {
    if (sl->numel() != pb.batch)
      return invalid_argument("sequence_lens " + sl->summary() + " must have batch_size elements");
    pb.lens = ref::to_int64s(*sl);
    for (int64_t len : pb.lens)
      if (len < 0 || len > pb.seq)
        return invalid_argument("sequence_lens value " + std::to_string(len) + " is outside [0, " +
                                std::to_string(pb.seq) + "]");
  }
  pb.clip = attrs.get_float("clip", 0.0);
  pb.linear_before_reset = attrs.get_int("linear_before_reset", 0) != 0;
  pb.input_forget = attrs.get_int("input_forget", 0) != 0;
  // Activations: per direction, defaulting to the op's standard functions.
  pb.acts_per_dir = cell == Cell::kRnn ? 1 : (cell == Cell::kGru ? 2 : 3);
  std::vector<std::string> names = attrs.get_strings("activations");
  if (names.empty()) {
    const std::vector<std::string> def = cell == Cell::kRnn   ? std::vector<std::string>{"Tanh"}
                                         : cell == Cell::kGru ? std::vector<std::string>{"Sigmoid", "Tanh"}
                                                              : std::vector<std::string>{"Sigmoid", "Tanh", "Tanh"};
    for (int64_t d = 0; d < pb.dirs; ++d) names.insert(names.end(), def.begin(), def.end());
  } else if (names.size() == pb.acts_per_dir && pb.dirs == 2) {
    const std::vector<std::string> one = names;  // one set given: both directions use it (a copy: inserting
    names.insert(names.end(), one.begin(), one.end());  // a vector into itself is undefined)
  }
  if (names.size() != pb.acts_per_dir * static_cast<size_t>(pb.dirs))
    return invalid_argument("activations lists " + std::to_string(names.size()) + " functions; expected " +
                            std::to_string(pb.acts_per_dir * static_cast<size_t>(pb.dirs)));
  SINTER_ASSIGN_OR_RETURN(
      pb.acts, parse_activations(names, attrs.get_floats("activation_alpha"), attrs.get_floats("activation_beta")));
  return pb;
}

template <Cell kCell>
Status recurrent_kernel(KernelContext& ctx) {
  SINTER_ASSIGN_OR_RETURN(Problem pb, read_problem(ctx, kCell));
  const int64_t H = pb.hidden, B = pb.batch, D = pb.dirs;
  std::vector<double> y(static_cast<size_t>(pb.seq * D * B * H), 0.0);  // [seq, dirs, batch, hidden]
  std::vector<double> yh(static_cast<size_t>(D * B * H)), yc(static_cast<size_t>(D * B * H));
  for (int64_t d = 0; d < D; ++d) {
    const bool backward = pb.reverse || d == 1;
    for (int64_t b = 0; b < B; ++b) {
      const size_t s0 = static_cast<size_t>((d * B + b) * H);
      std::vector<double> h(pb.h0.begin() + static_cast<std::ptrdiff_t>(s0),
                            pb.h0.begin() + static_cast<std::ptrdiff_t>(s0 + static_cast<size_t>(H)));
      std::vector<double> c(pb.c0.begin() + static_cast<std::ptrdiff_t>(s0),
                            pb.c0.begin() + static_cast<std::ptrdiff_t>(s0 + static_cast<size_t>(H)));
      const int64_t len = pb.lens[static_cast<size_t>(b)];
      for (int64_t s = 0; s < len; ++s) {
        const int64_t t = backward ? len - 1 - s : s;
        cell_step(pb, d, pb.x.data() + (t * B + b) * pb.input, h, c);
        std::copy(h.begin(), h.end(), y.begin() + ((t * D + d) * B + b) * H);
      }
      std::copy(h.begin(), h.end(), yh.begin() + static_cast<std::ptrdiff_t>(s0));
      std::copy(c.begin(), c.end(), yc.begin() + static_cast<std::ptrdiff_t>(s0));
    }
  }
  const DType t = ctx.input(0)->dtype();
  const bool batch_first = ctx.attrs().get_int("layout", 0) == 1;
  if (ctx.has_output(0)) {
    if (!batch_first) {
      ctx.output(0) = ref::from_doubles(t, {pb.seq, D, B, H}, y);
    } else {  // [batch, seq, dirs, hidden]
      std::vector<double> v(y.size());
      for (int64_t s = 0; s < pb.seq; ++s)
        for (int64_t d = 0; d < D; ++d)
          for (int64_t b = 0; b < B; ++b)
            for (int64_t j = 0; j < H; ++j)
              v[static_cast<size_t>(((b * pb.seq + s) * D + d) * H + j)] =
                  y[static_cast<size_t>(((s * D + d) * B + b) * H + j)];
      ctx.output(0) = ref::from_doubles(t, {B, pb.seq, D, H}, v);
    }
  }
  auto state_out = [&](const std::vector<double>& st) {
    if (!batch_first) return ref::from_doubles(t, {D, B, H}, st);
    std::vector<double> v(st.size());
    for (int64_t d = 0; d < D; ++d)
      for (int64_t b = 0; b < B; ++b)
        for (int64_t j = 0; j < H; ++j)
          v[static_cast<size_t>((b * D + d) * H + j)] = st[static_cast<size_t>((d * B + b) * H + j)];
    return ref::from_doubles(t, {B, D, H}, v);
  };
  if (ctx.has_output(1)) ctx.output(1) = state_out(yh);
  if (kCell == Cell::kLstm && ctx.has_output(2)) ctx.output(2) = state_out(yc);
  return Status::Ok();
}

}  // namespace

void register_reference_quant_rnn() {
  register_reference(OpKind::kRNN, recurrent_kernel<Cell::kRnn>);
  register_reference(OpKind::kGRU, recurrent_kernel<Cell::kGru>);
  register_reference(OpKind::kLSTM, recurrent_kernel<Cell::kLstm>);
}

}  // namespace sinter::ir

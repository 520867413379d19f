// Shape and type inference for the recurrent ops RNN, LSTM and GRU (family 'quant').
//
// Inputs X [seq, batch, input] (layout 0) or [batch, seq, input] (layout 1), W [dirs, G*hidden, input],
// R [dirs, G*hidden, hidden], then B, sequence_lens, initial_h (and for LSTM initial_c, P).
// Outputs Y [seq, dirs, batch, hidden] / [batch, seq, dirs, hidden] and Y_h (LSTM also Y_c)
// [dirs, batch, hidden] / [batch, dirs, hidden].
#include <string>
#include <vector>

#include "ir/infer.h"
#include "ir/op_registry.h"

namespace sinter::ir {

namespace {

bool is_float(DType t) {
  return t == DType::kFloat32 || t == DType::kFloat16 || t == DType::kBFloat16 || t == DType::kFloat64;
}

template <int kGates>
Status infer_recurrent(InferContext& ctx) {
  if (!ctx.has_input(0) || !ctx.has_input(1) || !ctx.has_input(2))
    return invalid_argument("inputs X, W and R are required");
  const DType t = ctx.input_dtype(0);
  if (!is_float(t)) return invalid_argument("X must be a float tensor, got " + std::string(dtype_name(t)));
  for (size_t i : {1, 2, 3})
    if (ctx.has_input(i) && ctx.input_dtype(i) != t)
      return invalid_argument("input " + std::to_string(i) + " must have X's dtype " + std::string(dtype_name(t)));
  if (ctx.has_input(4) && ctx.input_dtype(4) != DType::kInt32) return invalid_argument("sequence_lens must be i32");
  const std::string direction = ctx.attrs().get_string("direction", "forward");
  if (direction != "forward" && direction != "reverse" && direction != "bidirectional")
    return invalid_argument("direction must be forward, reverse or bidirectional, got '" + direction + "'");
  const int64_t dirs = direction == "bidirectional" ? 2 : 1;
  const int64_t layout = ctx.attrs().get_int("layout", 0);
  if (layout != 0 && layout != 1) return invalid_argument("layout must be 0 or 1, got " + std::to_string(layout));

  const Shape& x = ctx.input_shape(0);
  const Shape& w = ctx.input_shape(1);
  const Shape& r = ctx.input_shape(2);
  if (x.rank_known() && x.rank() != 3) return invalid_argument("X must be 3-D, got " + x.to_string());
  if (w.rank_known() && w.rank() != 3) return invalid_argument("W must be 3-D, got " + w.to_string());
  if (r.rank_known() && r.rank() != 3) return invalid_argument("R must be 3-D, got " + r.to_string());
  if (w.rank_known() && w[0].is_static() && w[0].value != dirs)
    return invalid_argument("W " + w.to_string() + " must have " + std::to_string(dirs) + " direction(s) for '" +
                            direction + "'");
  Dim hidden = Dim::unknown();
  if (ctx.attrs().has("hidden_size")) {
    hidden = Dim(ctx.attrs().get_int("hidden_size", 0));
  } else if (r.rank_known()) {
    hidden = r[2];
  }
  if (r.rank_known() && r[1].is_static() && hidden.is_static() && r[1].value != kGates * hidden.value)
    return invalid_argument("R " + r.to_string() + " must have " + std::to_string(kGates) + " * hidden_size rows");
  const Dim seq = x.rank_known() ? x[layout == 0 ? 0 : 1] : Dim::unknown();
  const Dim batch = x.rank_known() ? x[layout == 0 ? 1 : 0] : Dim::unknown();
  if (layout == 0) {
    ctx.set_output(0, t, Shape(std::vector<Dim>{seq, Dim(dirs), batch, hidden}));
  } else {
    ctx.set_output(0, t, Shape(std::vector<Dim>{batch, seq, Dim(dirs), hidden}));
  }
  const Shape state = layout == 0 ? Shape(std::vector<Dim>{Dim(dirs), batch, hidden})
                                  : Shape(std::vector<Dim>{batch, Dim(dirs), hidden});
  for (size_t i = 1; i < ctx.num_outputs(); ++i) ctx.set_output(i, t, state);
  if (ctx.num_outputs() > (kGates == 4 ? 3u : 2u))
    return invalid_argument("has at most " + std::to_string(kGates == 4 ? 3 : 2) + " outputs");
  return Status::Ok();
}

}  // namespace

void register_infer_quant_rnn() {
  register_infer(OpKind::kRNN, infer_recurrent<1>);
  register_infer(OpKind::kGRU, infer_recurrent<3>);
  register_infer(OpKind::kLSTM, infer_recurrent<4>);
}

}  // namespace sinter::ir

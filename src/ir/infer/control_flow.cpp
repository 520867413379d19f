// Shape and type inference for If, Loop, Scan and SequenceMap. The subgraphs were inferred when
// they were imported (with their formal inputs' declared types and the captured outer values'
// types); these functions read the subgraphs' output types and do not change the subgraphs.
#include <memory>

#include "ir/infer.h"
#include "ir/infer/control_shapes.h"
#include "ir/op_registry.h"

namespace sinter::ir {

namespace {

Result<std::shared_ptr<Graph>> need_graph(const InferContext& ctx, const std::string& attr) {
  std::shared_ptr<Graph> g = ctx.attrs().get_graph(attr);
  if (!g) return invalid_argument("graph attribute '" + attr + "' is required");
  return g;
}

const Value& output_of(const Graph& g, size_t i) {
  return g.value(g.outputs()[i]);
}

// If(cond): each output takes the branches' common type.
Status infer_if(InferContext& ctx) {
  SINTER_ASSIGN_OR_RETURN(auto then_g, need_graph(ctx, "then_branch"));
  SINTER_ASSIGN_OR_RETURN(auto else_g, need_graph(ctx, "else_branch"));
  if (!ctx.has_input(0)) return invalid_argument("input 'cond' is required");
  if (ctx.input_dtype(0) != DType::kBool && ctx.input_dtype(0) != DType::kUndefined)
    return invalid_argument("cond must be bool, got " + std::string(dtype_name(ctx.input_dtype(0))));
  if (then_g->outputs().size() != ctx.num_outputs() || else_g->outputs().size() != ctx.num_outputs())
    return invalid_argument("the node has " + std::to_string(ctx.num_outputs()) + " outputs, then_branch " +
                            std::to_string(then_g->outputs().size()) + ", else_branch " +
                            std::to_string(else_g->outputs().size()));
  for (size_t i = 0; i < ctx.num_outputs(); ++i) {
    const Value& a = output_of(*then_g, i);
    const Value& b = output_of(*else_g, i);
    DType t = a.dtype != DType::kUndefined ? a.dtype : b.dtype;
    if (a.dtype != DType::kUndefined && b.dtype != DType::kUndefined && a.dtype != b.dtype)
      return invalid_argument("output " + std::to_string(i) + " is " + std::string(dtype_name(a.dtype)) +
                              " in then_branch but " + std::string(dtype_name(b.dtype)) + " in else_branch");
    // An empty optional in one branch says nothing about the shape; take the other's.
    ctx.set_output(i, t, common_shape(a.shape, b.shape));
    ctx.set_output_kind(i, a.kind);
  }
  return Status::Ok();
}

// Loop(M?, cond?, v_initial...): body (iter, cond, v...) -> (cond, v..., scan_out...).
Status infer_loop(InferContext& ctx) {
  SINTER_ASSIGN_OR_RETURN(auto body, need_graph(ctx, "body"));
  // Omitted trailing M/cond may be left off the node's inputs.
  const size_t n_in = implicit_input_offset(ctx.node());
  const size_t n_carried = n_in > 2 ? n_in - 2 : 0;
  if (body->inputs().size() != n_carried + 2)
    return invalid_argument("the body takes " + std::to_string(body->inputs().size()) + " inputs, expected " +
                            std::to_string(n_carried + 2) + " (iteration, condition, " + std::to_string(n_carried) +
                            " loop-carried values)");
  if (body->outputs().size() < n_carried + 1)
    return invalid_argument("the body has " + std::to_string(body->outputs().size()) + " outputs, expected at least " +
                            std::to_string(n_carried + 1));
  const size_t n_scan = body->outputs().size() - 1 - n_carried;
  if (ctx.num_outputs() > n_carried + n_scan) return invalid_argument("the node has more outputs than the body gives");
  for (size_t i = 0; i < ctx.num_outputs(); ++i) {
    const Value& b = output_of(*body, i + 1);
    if (i < n_carried) {
      // After zero iterations the output is the initial value, else the body's last result.
      const size_t in = 2 + i;
      DType t = b.dtype != DType::kUndefined ? b.dtype : ctx.input_dtype(in);
      Shape s = ctx.input_kind(in) == b.kind ? common_shape(ctx.input_shape(in), b.shape) : Shape::unknown_rank();
      ctx.set_output(i, t, std::move(s));
      ctx.set_output_kind(i, b.kind);
    } else {
      if (b.kind != ValueKind::kTensor) return unimplemented("scan outputs of a Loop must be tensors");
      Shape s = Shape::unknown_rank();
      if (b.shape.rank_known()) {
        std::vector<Dim> dims = {Dim::unknown()};
        dims.insert(dims.end(), b.shape.dims().begin(), b.shape.dims().end());
        s = Shape(std::move(dims));
      }
      ctx.set_output(i, b.dtype, std::move(s));
    }
  }
  return Status::Ok();
}

// Scan(state..., scan_in...): body (state..., slice...) -> (state..., scan_out_slice...).
Status infer_scan(InferContext& ctx) {
  SINTER_ASSIGN_OR_RETURN(auto body, need_graph(ctx, "body"));
  const int64_t n_scan_in = ctx.attrs().get_int("num_scan_inputs", -1);
  const size_t n_in = implicit_input_offset(ctx.node());
  if (n_scan_in < 1 || static_cast<size_t>(n_scan_in) > n_in)
    return invalid_argument("attribute 'num_scan_inputs' must be in [1, " + std::to_string(n_in) + "]");
  const size_t n_state = n_in - static_cast<size_t>(n_scan_in);
  if (body->inputs().size() != n_in) return invalid_argument("the body must take one input per node input");
  if (body->outputs().size() < n_state || ctx.num_outputs() != body->outputs().size())
    return invalid_argument("the node must have one output per body output");
  const std::vector<int64_t> in_axes = ctx.attrs().get_ints("scan_input_axes");
  const std::vector<int64_t> out_axes = ctx.attrs().get_ints("scan_output_axes");
  // The number of iterations: the first scan input's length along its scan axis.
  Dim steps = Dim::unknown();
  const Shape& first = ctx.input_shape(n_state);
  if (first.rank_known() && first.rank() > 0) {
    int64_t a = in_axes.empty() ? 0 : in_axes[0];
    if (a < 0) a += static_cast<int64_t>(first.rank());
    if (a >= 0 && a < static_cast<int64_t>(first.rank())) steps = first[static_cast<size_t>(a)];
  }
  for (size_t i = 0; i < ctx.num_outputs(); ++i) {
    const Value& b = output_of(*body, i);
    if (b.kind != ValueKind::kTensor) return unimplemented("Scan's body must produce tensors");
    if (i < n_state) {
      DType t = b.dtype != DType::kUndefined ? b.dtype : ctx.input_dtype(i);
      ctx.set_output(i, t, common_shape(ctx.input_shape(i), b.shape));
      continue;
    }
    Shape s = Shape::unknown_rank();
    if (b.shape.rank_known()) {
      const size_t j = i - n_state;
      const int64_t r = static_cast<int64_t>(b.shape.rank()) + 1;
      int64_t a = j < out_axes.size() ? out_axes[j] : 0;
      if (a < -r || a >= r) return invalid_argument("scan_output_axes[" + std::to_string(j) + "] is out of range");
      if (a < 0) a += r;
      std::vector<Dim> dims = b.shape.dims();
      dims.insert(dims.begin() + a, steps);
      s = Shape(std::move(dims));
    }
    ctx.set_output(i, b.dtype, std::move(s));
  }
  return Status::Ok();
}

// SequenceMap(seq, extra...): each output is a sequence of the body's per-element results.
Status infer_sequence_map(InferContext& ctx) {
  SINTER_ASSIGN_OR_RETURN(auto body, need_graph(ctx, "body"));
  const size_t n_in = implicit_input_offset(ctx.node());
  if (n_in < 1 || ctx.input_kind(0) != ValueKind::kSequence) return invalid_argument("input 0 must be a sequence");
  if (body->inputs().size() != n_in) return invalid_argument("the body must take one input per node input");
  if (body->outputs().size() != ctx.num_outputs())
    return invalid_argument("the node must have one output per body output");
  for (size_t i = 0; i < ctx.num_outputs(); ++i) {
    const Value& b = output_of(*body, i);
    if (b.kind != ValueKind::kTensor) return unimplemented("SequenceMap's body must produce tensors");
    ctx.set_output(i, b.dtype, b.shape);
    ctx.set_output_kind(i, ValueKind::kSequence);
  }
  return Status::Ok();
}

}  // namespace

void register_infer_control_flow() {
  register_infer(OpKind::kIf, infer_if);
  register_infer(OpKind::kLoop, infer_loop);
  register_infer(OpKind::kScan, infer_scan);
  register_infer(OpKind::kSequenceMap, infer_sequence_map);
}

}  // namespace sinter::ir

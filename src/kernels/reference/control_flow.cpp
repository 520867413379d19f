// Reference kernels of If, Loop, Scan and SequenceMap: they run their subgraphs through
// KernelContext::run_subgraph, which binds the subgraph's captures to the node's implicit inputs.
#include "kernels/reference/control_flow.h"

#include <algorithm>

#include "kernels/reference/control_tensors.h"
#include "kernels/reference/kernel.h"
#include "kernels/reference/ref_util.h"

namespace sinter::ir {

namespace {

RuntimeValue scalar_value(DType dtype, int64_t v) {
  HostTensor t(dtype, {});
  t.set_from_double(0, static_cast<double>(v));
  return RuntimeValue::of_tensor(std::move(t));
}

// A bool condition: a tensor of one element.
Result<bool> condition(const RuntimeValue* v, const std::string& what) {
  if (!v || !v->is_tensor()) return invalid_argument(what + " must be a bool tensor");
  if (v->tensor.dtype() != DType::kBool || v->tensor.numel() != 1)
    return invalid_argument(what + " must be a bool tensor of one element, got " + v->tensor.summary());
  return v->tensor.data<uint8_t>()[0] != 0;
}

// Stacks per-iteration tensors along a new axis; with no iterations, an empty tensor shaped after
// the body's declared output (unknown dims as 0).
Result<HostTensor> stack(const std::vector<HostTensor>& parts, int64_t axis, const Value& declared,
                         const std::string& what) {
  if (!parts.empty()) return ref::join_along(parts, axis, true, what);
  std::vector<int64_t> dims;
  if (declared.shape.rank_known())
    for (const Dim& d : declared.shape.dims()) dims.push_back(d.is_static() ? d.value : 0);
  dims.insert(dims.begin() + std::min<int64_t>(axis, static_cast<int64_t>(dims.size())), 0);
  if (declared.dtype == DType::kUndefined) return invalid_argument(what + ": the dtype of an empty result is unknown");
  return HostTensor(declared.dtype, dims);
}

Status run_if(KernelContext& ctx) {
  SINTER_ASSIGN_OR_RETURN(bool cond, condition(ctx.input_value(0), "cond"));
  const std::string branch = cond ? "then_branch" : "else_branch";
  SINTER_ASSIGN_OR_RETURN(std::vector<RuntimeValue> outs, ctx.run_subgraph(branch, {}));
  if (outs.size() != ctx.num_outputs())
    return invalid_argument(branch + " gives " + std::to_string(outs.size()) + " outputs, the node has " +
                            std::to_string(ctx.num_outputs()));
  for (size_t i = 0; i < outs.size(); ++i) ctx.set_output_value(i, std::move(outs[i]));
  return Status::Ok();
}

// Loop: for (i = 0; i < M && cond; ++i) { cond, v..., scan... = body(i, cond, v...) }.
Status run_loop(KernelContext& ctx) {
  if (!ctx.can_run_subgraphs()) return unimplemented("Loop needs the reference executor");
  std::shared_ptr<Graph> body = ctx.attrs().get_graph("body");
  if (!body) return invalid_argument("graph attribute 'body' is required");
  // Omitted trailing M/cond may be left off the node's inputs.
  const size_t n_in = implicit_input_offset(ctx.node());
  const size_t n_carried = n_in > 2 ? n_in - 2 : 0;
  if (body->outputs().size() < n_carried + 1) return invalid_argument("the body has too few outputs");
  const size_t n_scan = body->outputs().size() - 1 - n_carried;
  int64_t max_trips = -1;  // none
  if (const RuntimeValue* m = n_in > 0 ? ctx.input_value(0) : nullptr) {
    if (!m->is_tensor() || m->tensor.numel() != 1 || !dtype_is_integer(m->tensor.dtype()))
      return invalid_argument("M must be an integer tensor of one element");
    max_trips = m->tensor.get_as_int64(0);
  }
  bool cond = true;
  if (n_in > 1 && ctx.input_value(1)) {
    SINTER_ASSIGN_OR_RETURN(cond, condition(ctx.input_value(1), "cond"));
  }
  std::vector<RuntimeValue> carried;
  for (size_t i = 0; i < n_carried; ++i) {
    const RuntimeValue* v = ctx.input_value(2 + i);
    if (!v) return invalid_argument("loop-carried input " + std::to_string(i) + " is missing");
    carried.push_back(*v);
  }
  std::vector<std::vector<HostTensor>> scans(n_scan);
  for (int64_t i = 0; (max_trips < 0 || i < max_trips) && cond; ++i) {
    std::vector<RuntimeValue> args = {scalar_value(DType::kInt64, i), scalar_value(DType::kBool, 1)};
    for (auto& v : carried) args.push_back(std::move(v));
    auto outs = ctx.run_subgraph("body", std::move(args));
    if (!outs.ok()) return outs.status().with_context("iteration " + std::to_string(i));
    SINTER_ASSIGN_OR_RETURN(cond, condition(&(*outs)[0], "the body's condition output"));
    for (size_t k = 0; k < n_carried; ++k) carried[k] = std::move((*outs)[1 + k]);
    for (size_t k = 0; k < n_scan; ++k) {
      RuntimeValue& s = (*outs)[1 + n_carried + k];
      if (!s.is_tensor()) return unimplemented("scan output " + std::to_string(k) + " must be a tensor");
      scans[k].push_back(std::move(s.tensor));
    }
  }
  for (size_t k = 0; k < n_carried && k < ctx.num_outputs(); ++k) ctx.set_output_value(k, std::move(carried[k]));
  for (size_t k = 0; k < n_scan && n_carried + k < ctx.num_outputs(); ++k) {
    const Value& declared = body->value(body->outputs()[1 + n_carried + k]);
    SINTER_ASSIGN_OR_RETURN(ctx.output(n_carried + k),
                            stack(scans[k], 0, declared, "scan output " + std::to_string(k)));
  }
  return Status::Ok();
}

// Scan: state..., out_slice... = body(state..., in_slice...) for each position along the scan axes.
Status run_scan(KernelContext& ctx) {
  if (!ctx.can_run_subgraphs()) return unimplemented("Scan needs the reference executor");
  std::shared_ptr<Graph> body = ctx.attrs().get_graph("body");
  if (!body) return invalid_argument("graph attribute 'body' is required");
  const size_t n_in = implicit_input_offset(ctx.node());
  const int64_t m = ctx.attrs().get_int("num_scan_inputs", -1);
  if (m < 1 || static_cast<size_t>(m) > n_in) return invalid_argument("attribute 'num_scan_inputs' is out of range");
  const size_t n_state = n_in - static_cast<size_t>(m);
  if (body->outputs().size() < n_state) return invalid_argument("the body has too few outputs");
  const size_t n_scan_out = body->outputs().size() - n_state;
  const auto in_axes = ctx.attrs().get_ints("scan_input_axes", std::vector<int64_t>(static_cast<size_t>(m), 0));
  const auto in_dirs = ctx.attrs().get_ints("scan_input_directions", std::vector<int64_t>(static_cast<size_t>(m), 0));
  const auto out_axes = ctx.attrs().get_ints("scan_output_axes", std::vector<int64_t>(n_scan_out, 0));
  const auto out_dirs = ctx.attrs().get_ints("scan_output_directions", std::vector<int64_t>(n_scan_out, 0));
  if (in_axes.size() != static_cast<size_t>(m) || in_dirs.size() != static_cast<size_t>(m) ||
      out_axes.size() != n_scan_out || out_dirs.size() != n_scan_out)
    return invalid_argument("scan_input_*/scan_output_* attributes must have one entry per scan input/output");

  std::vector<const HostTensor*> scan_in;
  std::vector<int64_t> axes;
  int64_t steps = -1;
  for (size_t j = 0; j < static_cast<size_t>(m); ++j) {
    const RuntimeValue* v = ctx.input_value(n_state + j);
    if (!v || !v->is_tensor()) return invalid_argument("scan input " + std::to_string(j) + " must be a tensor");
    SINTER_RETURN_IF_ERROR(ref::require_byte_elements(v->tensor.dtype(), "scan input " + std::to_string(j)));
    SINTER_ASSIGN_OR_RETURN(int64_t a, ref::normalize_axis(in_axes[j], static_cast<int64_t>(v->tensor.rank()),
                                                           "scan_input_axes[" + std::to_string(j) + "]"));
    const int64_t len = v->tensor.dims()[static_cast<size_t>(a)];
    if (steps >= 0 && len != steps)
      return invalid_argument("scan inputs differ in length: " + std::to_string(len) + " vs " + std::to_string(steps));
    steps = len;
    scan_in.push_back(&v->tensor);
    axes.push_back(a);
  }
  std::vector<RuntimeValue> state;
  for (size_t i = 0; i < n_state; ++i) {
    const RuntimeValue* v = ctx.input_value(i);
    if (!v) return invalid_argument("state input " + std::to_string(i) + " is missing");
    state.push_back(*v);
  }
  std::vector<std::vector<HostTensor>> outs_per_step(n_scan_out);
  for (int64_t t = 0; t < steps; ++t) {
    std::vector<RuntimeValue> args = std::move(state);
    for (size_t j = 0; j < scan_in.size(); ++j) {
      const int64_t idx = in_dirs[j] ? steps - 1 - t : t;
      args.push_back(RuntimeValue::of_tensor(ref::take_along(*scan_in[j], axes[j], idx)));
    }
    auto outs = ctx.run_subgraph("body", std::move(args));
    if (!outs.ok()) return outs.status().with_context("iteration " + std::to_string(t));
    state.assign(std::make_move_iterator(outs->begin()), std::make_move_iterator(outs->begin() + n_state));
    for (size_t k = 0; k < n_scan_out; ++k) {
      RuntimeValue& s = (*outs)[n_state + k];
      if (!s.is_tensor()) return unimplemented("scan output " + std::to_string(k) + " must be a tensor");
      outs_per_step[k].push_back(std::move(s.tensor));
    }
  }
  for (size_t i = 0; i < n_state && i < ctx.num_outputs(); ++i) ctx.set_output_value(i, std::move(state[i]));
  for (size_t k = 0; k < n_scan_out && n_state + k < ctx.num_outputs(); ++k) {
    auto& parts = outs_per_step[k];
    if (out_dirs[k]) std::reverse(parts.begin(), parts.end());
    const Value& declared = body->value(body->outputs()[n_state + k]);
    const int64_t r = (parts.empty() ? static_cast<int64_t>(declared.shape.rank_known() ? declared.shape.rank() : 0)
                                     : static_cast<int64_t>(parts[0].rank())) +
                      1;
    SINTER_ASSIGN_OR_RETURN(int64_t a, ref::normalize_axis(out_axes[k], r, "scan_output_axes"));
    SINTER_ASSIGN_OR_RETURN(ctx.output(n_state + k), stack(parts, a, declared, "scan output " + std::to_string(k)));
  }
  return Status::Ok();
}

// SequenceMap: output sequences built element by element; sequence inputs give their i-th element,
// tensor inputs are passed whole every time.
Status run_sequence_map(KernelContext& ctx) {
  if (!ctx.can_run_subgraphs()) return unimplemented("SequenceMap needs the reference executor");
  const size_t n_in = implicit_input_offset(ctx.node());
  const RuntimeValue* first = ctx.input_value(0);
  if (!first || !first->is_sequence()) return invalid_argument("input 0 must be a sequence");
  const size_t n = first->sequence.size();
  for (size_t j = 1; j < n_in; ++j) {
    const RuntimeValue* v = ctx.input_value(j);
    if (!v || !(v->is_sequence() || v->is_tensor()))
      return invalid_argument("input " + std::to_string(j) + " must be a sequence or a tensor");
    if (v->is_sequence() && v->sequence.size() != n)
      return invalid_argument("input " + std::to_string(j) + " has " + std::to_string(v->sequence.size()) +
                              " elements, input 0 has " + std::to_string(n));
  }
  std::vector<std::vector<HostTensor>> results(ctx.num_outputs());
  for (size_t i = 0; i < n; ++i) {
    std::vector<RuntimeValue> args;
    for (size_t j = 0; j < n_in; ++j) {
      const RuntimeValue* v = ctx.input_value(j);
      args.push_back(v->is_sequence() ? RuntimeValue::of_tensor(v->sequence[i]) : *v);
    }
    auto outs = ctx.run_subgraph("body", std::move(args));
    if (!outs.ok()) return outs.status().with_context("element " + std::to_string(i));
    if (outs->size() != ctx.num_outputs()) return invalid_argument("the body's outputs do not match the node's");
    for (size_t k = 0; k < outs->size(); ++k) {
      if (!(*outs)[k].is_tensor()) return unimplemented("the body must produce tensors");
      results[k].push_back(std::move((*outs)[k].tensor));
    }
  }
  for (size_t k = 0; k < results.size(); ++k) ctx.set_output_value(k, RuntimeValue::of_sequence(std::move(results[k])));
  return Status::Ok();
}

}  // namespace

void register_reference_control_flow() {
  register_reference(OpKind::kIf, run_if);
  register_reference(OpKind::kLoop, run_loop);
  register_reference(OpKind::kScan, run_scan);
  register_reference(OpKind::kSequenceMap, run_sequence_map);
}

}  // namespace sinter::ir

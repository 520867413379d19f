// The dynamic executor's control flow: If, Loop, Scan and SequenceMap run their subgraphs with the same
// executor; conditions and trip counts are read on the host, loop-carried values stay on the device.
#include <algorithm>

#include "runtime/cuda/dynamic_executor.h"

namespace sinter::runtime::cuda {

namespace {

int64_t normalized(int64_t axis, int64_t rank) {
  return axis < 0 ? axis + rank : axis;
}

// Per-iteration tensors stacked along a new axis; with no iterations, an empty tensor shaped after the
// body's declared output (unknown dims as 0), as the reference does.
Result<DynTensor> stack(DynamicExecutor& ex, const std::vector<DynTensor>& parts, int64_t axis,
                        const ir::Value& declared, const std::string& what) {
  if (!parts.empty()) return ex.join_along(parts, axis, true, what);
  std::vector<int64_t> dims;
  if (declared.shape.rank_known())
    for (const Dim& d : declared.shape.dims()) dims.push_back(d.is_static() ? d.value : 0);
  dims.insert(dims.begin() + std::clamp<int64_t>(axis, 0, static_cast<int64_t>(dims.size())), 0);
  if (declared.dtype == DType::kUndefined) return invalid_argument(what + ": the dtype of an empty result is unknown");
  return ex.allocate(declared.dtype, dims);
}

Result<DynTensor*> tensor_in(std::vector<DynValue*>& ins, size_t i, const std::string& what) {
  if (i >= ins.size() || !ins[i]) return invalid_argument(what + " is required");
  if (!ins[i]->is_tensor()) return invalid_argument(what + " must be a tensor");
  return &ins[i]->tensor;
}

}  // namespace

Status DynamicExecutor::run_control_node(const ir::Node& node, std::vector<DynValue*>& ins,
                                         std::vector<DynValue>& outs) {
  switch (node.op) {
    case ir::OpKind::kIf: {
      SINTER_ASSIGN_OR_RETURN(DynTensor * c, tensor_in(ins, 0, "cond"));
      SINTER_ASSIGN_OR_RETURN(bool cond, read_bool(*c, "cond"));
      const std::string branch = cond ? "then_branch" : "else_branch";
      SINTER_ASSIGN_OR_RETURN(std::vector<DynValue> results, run_subgraph(node, branch, {}, ins));
      if (results.size() != outs.size())
        return invalid_argument(branch + " gives " + std::to_string(results.size()) + " outputs, the node has " +
                                std::to_string(outs.size()));
      for (size_t i = 0; i < results.size(); ++i) outs[i] = std::move(results[i]);
      return Status::Ok();
    }

    // Loop: for (i = 0; i < M && cond; ++i) { cond, v..., scan... = body(i, cond, v...) }.
    case ir::OpKind::kLoop: {
      std::shared_ptr<ir::Graph> body = node.attrs.get_graph("body");
      if (!body) return invalid_argument("graph attribute 'body' is required");
      const size_t n_in = ir::implicit_input_offset(node);
      const size_t n_carried = n_in > 2 ? n_in - 2 : 0;
      if (body->outputs().size() < n_carried + 1) return invalid_argument("the body has too few outputs");
      const size_t n_scan = body->outputs().size() - 1 - n_carried;
      int64_t max_trips = -1;  // none
      if (n_in > 0 && ins[0]) {
        SINTER_ASSIGN_OR_RETURN(DynTensor * m, tensor_in(ins, 0, "M"));
        SINTER_ASSIGN_OR_RETURN(max_trips, read_int(*m, "M"));
      }
      bool cond = true;
      if (n_in > 1 && ins[1]) {
        SINTER_ASSIGN_OR_RETURN(DynTensor * c, tensor_in(ins, 1, "cond"));
        SINTER_ASSIGN_OR_RETURN(cond, read_bool(*c, "cond"));
      }
      std::vector<DynValue> carried;
      for (size_t i = 0; i < n_carried; ++i) {
        if (!ins[2 + i]) return invalid_argument("loop-carried input " + std::to_string(i) + " is missing");
        carried.push_back(*ins[2 + i]);
      }
      HostTensor yes(DType::kBool, {});
      yes.set_from_double(0, 1);
      SINTER_ASSIGN_OR_RETURN(DynTensor true_tensor, upload(std::move(yes)));
      std::vector<std::vector<DynTensor>> scans(n_scan);
      for (int64_t i = 0; (max_trips < 0 || i < max_trips) && cond; ++i) {
        HostTensor iter(DType::kInt64, {});
        iter.set_from_double(0, static_cast<double>(i));
        SINTER_ASSIGN_OR_RETURN(DynTensor iter_tensor, upload(std::move(iter)));
        std::vector<DynValue> args = {DynValue::of_tensor(std::move(iter_tensor)), DynValue::of_tensor(true_tensor)};
        for (auto& v : carried) args.push_back(std::move(v));
        auto results = run_subgraph(node, "body", std::move(args), ins);
        if (!results.ok()) return results.status().with_context("iteration " + std::to_string(i));
        if (results->size() != body->outputs().size()) return internal_error("the body gave too few outputs");
        if (!(*results)[0].is_tensor()) return invalid_argument("the body's condition output must be a tensor");
        SINTER_ASSIGN_OR_RETURN(cond, read_bool((*results)[0].tensor, "the body's condition output"));
        carried.clear();
        for (size_t k = 0; k < n_carried; ++k) carried.push_back(std::move((*results)[1 + k]));
        for (size_t k = 0; k < n_scan; ++k) {
          DynValue& s = (*results)[1 + n_carried + k];
          if (!s.is_tensor()) return unimplemented("scan output " + std::to_string(k) + " must be a tensor");
          scans[k].push_back(std::move(s.tensor));
        }
      }
      for (size_t k = 0; k < n_carried && k < outs.size(); ++k) outs[k] = std::move(carried[k]);
      for (size_t k = 0; k < n_scan && n_carried + k < outs.size(); ++k) {
        if (node.outputs[n_carried + k] == ir::kNoValue) continue;
        const ir::Value& declared = body->value(body->outputs()[1 + n_carried + k]);
        SINTER_ASSIGN_OR_RETURN(DynTensor t, stack(*this, scans[k], 0, declared, "scan output " + std::to_string(k)));
        outs[n_carried + k] = DynValue::of_tensor(std::move(t));
      }
      return Status::Ok();
    }

    // Scan: state..., out_slice... = body(state..., in_slice...) for each position along the scan axes.
    case ir::OpKind::kScan: {
      std::shared_ptr<ir::Graph> body = node.attrs.get_graph("body");
      if (!body) return invalid_argument("graph attribute 'body' is required");
      const size_t n_in = ir::implicit_input_offset(node);
      const int64_t m = node.attrs.get_int("num_scan_inputs", -1);
      if (m < 1 || static_cast<size_t>(m) > n_in)
        return invalid_argument("attribute 'num_scan_inputs' is out of range");
      const size_t n_state = n_in - static_cast<size_t>(m);
      if (body->outputs().size() < n_state) return invalid_argument("the body has too few outputs");
      const size_t n_scan_out = body->outputs().size() - n_state;
      const auto um = static_cast<size_t>(m);
      const auto in_axes = node.attrs.get_ints("scan_input_axes", std::vector<int64_t>(um, 0));
      const auto in_dirs = node.attrs.get_ints("scan_input_directions", std::vector<int64_t>(um, 0));
      const auto out_axes = node.attrs.get_ints("scan_output_axes", std::vector<int64_t>(n_scan_out, 0));
      const auto out_dirs = node.attrs.get_ints("scan_output_directions", std::vector<int64_t>(n_scan_out, 0));
      if (in_axes.size() != um || in_dirs.size() != um || out_axes.size() != n_scan_out ||
          out_dirs.size() != n_scan_out)
        return invalid_argument("scan_input_*/scan_output_* attributes must have one entry per scan input/output");
      std::vector<const DynTensor*> scan_in;
      std::vector<int64_t> axes;
      int64_t steps = -1;
      for (size_t j = 0; j < um; ++j) {
        SINTER_ASSIGN_OR_RETURN(DynTensor * t, tensor_in(ins, n_state + j, "scan input " + std::to_string(j)));
        const int64_t r = static_cast<int64_t>(t->dims.size());
        const int64_t a = normalized(in_axes[j], r);
        if (a < 0 || a >= r) return invalid_argument("scan_input_axes[" + std::to_string(j) + "] is out of range");
        const int64_t len = t->dims[static_cast<size_t>(a)];
        if (steps >= 0 && len != steps)
          return invalid_argument("scan inputs differ in length: " + std::to_string(len) + " vs " +
                                  std::to_string(steps));
        steps = len;
        scan_in.push_back(t);
        axes.push_back(a);
      }
      std::vector<DynValue> state;
      for (size_t i = 0; i < n_state; ++i) {
        if (!ins[i]) return invalid_argument("state input " + std::to_string(i) + " is missing");
        state.push_back(*ins[i]);
      }
      std::vector<std::vector<DynTensor>> per_step(n_scan_out);
      for (int64_t t = 0; t < steps; ++t) {
        std::vector<DynValue> args = std::move(state);
        for (size_t j = 0; j < scan_in.size(); ++j) {
          const int64_t idx = in_dirs[j] ? steps - 1 - t : t;
          SINTER_ASSIGN_OR_RETURN(DynTensor slice, slice_along(*scan_in[j], axes[j], idx, 1, false));
          args.push_back(DynValue::of_tensor(std::move(slice)));
        }
        auto results = run_subgraph(node, "body", std::move(args), ins);
        if (!results.ok()) return results.status().with_context("iteration " + std::to_string(t));
        if (results->size() != body->outputs().size()) return internal_error("the body gave too few outputs");
        state.assign(std::make_move_iterator(results->begin()),
                     std::make_move_iterator(results->begin() + static_cast<std::ptrdiff_t>(n_state)));
        for (size_t k = 0; k < n_scan_out; ++k) {
          DynValue& s = (*results)[n_state + k];
          if (!s.is_tensor()) return unimplemented("scan output " + std::to_string(k) + " must be a tensor");
          per_step[k].push_back(std::move(s.tensor));
        }
      }
      for (size_t i = 0; i < n_state && i < outs.size(); ++i) outs[i] = std::move(state[i]);
      for (size_t k = 0; k < n_scan_out && n_state + k < outs.size(); ++k) {
        if (node.outputs[n_state + k] == ir::kNoValue) continue;
        auto& parts = per_step[k];
        if (out_dirs[k]) std::reverse(parts.begin(), parts.end());
        const ir::Value& declared = body->value(body->outputs()[n_state + k]);
        const int64_t r = (parts.empty() ? static_cast<int64_t>(declared.shape.rank_known() ? declared.shape.rank() : 0)
                                         : static_cast<int64_t>(parts[0].dims.size())) +
                          1;
        const int64_t a = normalized(out_axes[k], r);
        if (a < 0 || a >= r) return invalid_argument("scan_output_axes[" + std::to_string(k) + "] is out of range");
        SINTER_ASSIGN_OR_RETURN(DynTensor out, stack(*this, parts, a, declared, "scan output " + std::to_string(k)));
        outs[n_state + k] = DynValue::of_tensor(std::move(out));
      }
      return Status::Ok();
    }

    // SequenceMap: sequence inputs give their i-th element, tensor inputs are passed whole every time.
    case ir::OpKind::kSequenceMap: {
      const size_t n_in = ir::implicit_input_offset(node);
      if (ins.empty() || !ins[0] || !ins[0]->is_sequence()) return invalid_argument("input 0 must be a sequence");
      const size_t n = ins[0]->sequence.size();
      for (size_t j = 1; j < n_in; ++j) {
        if (!ins[j] || !(ins[j]->is_sequence() || ins[j]->is_tensor()))
          return invalid_argument("input " + std::to_string(j) + " must be a sequence or a tensor");
        if (ins[j]->is_sequence() && ins[j]->sequence.size() != n)
          return invalid_argument("input " + std::to_string(j) + " has " + std::to_string(ins[j]->sequence.size()) +
                                  " elements, input 0 has " + std::to_string(n));
      }
      std::vector<std::vector<DynTensor>> results(outs.size());
      for (size_t i = 0; i < n; ++i) {
        std::vector<DynValue> args;
        for (size_t j = 0; j < n_in; ++j)
          args.push_back(ins[j]->is_sequence() ? DynValue::of_tensor(ins[j]->sequence[i]) : *ins[j]);
        auto r = run_subgraph(node, "body", std::move(args), ins);
        if (!r.ok()) return r.status().with_context("element " + std::to_string(i));
        if (r->size() != outs.size()) return invalid_argument("the body's outputs do not match the node's");
        for (size_t k = 0; k < r->size(); ++k) {
          if (!(*r)[k].is_tensor()) return unimplemented("the body must produce tensors");
          results[k].push_back(std::move((*r)[k].tensor));
        }
      }
      for (size_t k = 0; k < outs.size(); ++k) {
        outs[k].kind = ir::ValueKind::kSequence;
        outs[k].sequence = std::move(results[k]);
      }
      return Status::Ok();
    }
    default:
      return internal_error("not a control-flow op");
  }
}

}  // namespace sinter::runtime::cuda

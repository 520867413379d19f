#include "runtime/cuda/dynamic_executor.h"

#include <algorithm>
#include <cstring>
#include <limits>

#include "ir/infer.h"
#include "ir/shape_slots.h"
#include "kernels/cuda/cuda_check.h"
#include "runtime/cuda/boundary_cast.h"
#include "runtime/cuda/exec_plan.h"

namespace sinter::runtime::cuda {

using sinter::cuda::CudaTactic;
using sinter::cuda::DeviceTensor;
using sinter::cuda::TensorDesc;

namespace {

// Operands up to this many elements may be copied to the host when a node's shapes or its tactic need
// their values (beyond the listed shape slots).
constexpr int64_t kSmallOperand = 4096;

std::string where_of(const ir::Node& node) {
  return "node '" + node.name + "' (" + std::string(ir::op_name(node.op)) + ")";
}

// Nodes whose output is the input with other dims: the output shares the input's memory.
bool is_view_op(ir::OpKind op) {
  switch (op) {
    case ir::OpKind::kReshape:
    case ir::OpKind::kFlatten:
    case ir::OpKind::kSqueeze:
    case ir::OpKind::kUnsqueeze:
    case ir::OpKind::kIdentity:
      return true;
    default:
      return false;
  }
}

void append_bytes(std::string& key, const HostTensor& t) {
  static const char* kHex = "0123456789abcdef";
  const auto* p = static_cast<const unsigned char*>(t.raw());
  for (size_t i = 0; i < t.nbytes(); ++i) key += kHex[p[i] >> 4], key += kHex[p[i] & 15];
}

Status copy_2d(void* dst, size_t dpitch, const void* src, size_t spitch, size_t width, size_t height,
               cudaStream_t stream) {
  if (width == 0 || height == 0) return Status::Ok();
  if (height == 1) {
    SINTER_CUDA_RETURN_IF_ERROR(cudaMemcpyAsync(dst, src, width, cudaMemcpyDeviceToDevice, stream));
    return Status::Ok();
  }
  SINTER_CUDA_RETURN_IF_ERROR(
      cudaMemcpy2DAsync(dst, dpitch, src, spitch, width, height, cudaMemcpyDeviceToDevice, stream));
  return Status::Ok();
}

int64_t product(const std::vector<int64_t>& d, size_t from, size_t to) {
  int64_t p = 1;
  for (size_t i = from; i < to && i < d.size(); ++i) p *= d[i];
  return p;
}

}  // namespace

Result<size_t> element_bytes(DType dtype, const std::string& what) {
  const size_t one = dtype_storage_bytes(dtype, 1);
  if (one == 0 || dtype_storage_bytes(dtype, 8) != 8 * one)
    return unimplemented(what + ": " + std::string(dtype_name(dtype)) + " elements are packed below a byte");
  return one;
}

bool is_control_op(ir::OpKind op) {
  return op == ir::OpKind::kIf || op == ir::OpKind::kLoop || op == ir::OpKind::kScan || op == ir::OpKind::kSequenceMap;
}

bool is_sequence_op(ir::OpKind op) {
  return ir::op_family(op) == "control" && !is_control_op(op);
}

bool is_select_op(ir::OpKind op) {
  return op == ir::OpKind::kNonZero || op == ir::OpKind::kCompress || op == ir::OpKind::kUnique ||
         op == ir::OpKind::kNonMaxSuppression;
}

// ---- memory and copies --------------------------------------------------------------------------

Result<DynTensor> DynamicExecutor::allocate(DType dtype, std::vector<int64_t> dims) {
  DynTensor t;
  t.dtype = dtype;
  t.dims = std::move(dims);
  for (int64_t d : t.dims)
    if (d < 0) return invalid_argument("negative dim in " + Shape::from_static(t.dims).to_string());
  SINTER_ASSIGN_OR_RETURN(t.owner, DeviceBuffer::allocate(t.bytes(), stream_));
  t.data = t.owner->data();
  return t;
}

Result<DynTensor> DynamicExecutor::upload(HostTensor h) {
  SINTER_ASSIGN_OR_RETURN(DynTensor t, allocate(h.dtype(), h.dims()));
  // From pageable memory the call returns once the source has been staged, so `h` may go away after.
  if (h.nbytes())
    SINTER_CUDA_RETURN_IF_ERROR(cudaMemcpyAsync(t.data, h.raw(), h.nbytes(), cudaMemcpyHostToDevice, stream_));
  t.host = std::make_shared<const HostTensor>(std::move(h));
  return t;
}

Status DynamicExecutor::download(DynTensor& t) {
  if (t.host) return Status::Ok();
  HostTensor h(t.dtype, t.dims);
  if (h.nbytes()) {
    SINTER_CUDA_RETURN_IF_ERROR(cudaMemcpyAsync(h.raw(), t.data, h.nbytes(), cudaMemcpyDeviceToHost, stream_));
    SINTER_CUDA_RETURN_IF_ERROR(cudaStreamSynchronize(stream_));
  }
  t.host = std::make_shared<const HostTensor>(std::move(h));
  return Status::Ok();
}

Result<int64_t> DynamicExecutor::read_int(DynTensor& t, const std::string& what) {
  if (t.numel() != 1 || !dtype_is_integer(t.dtype))
    return invalid_argument(what + " must be an integer tensor of one element, got " +
                            std::string(dtype_name(t.dtype)) + Shape::from_static(t.dims).to_string());
  SINTER_RETURN_IF_ERROR(download(t));
  return t.host->get_as_int64(0);
}

Result<bool> DynamicExecutor::read_bool(DynTensor& t, const std::string& what) {
  if (t.numel() != 1 || t.dtype != DType::kBool)
    return invalid_argument(what + " must be a bool tensor of one element, got " + std::string(dtype_name(t.dtype)) +
                            Shape::from_static(t.dims).to_string());
  SINTER_RETURN_IF_ERROR(download(t));
  return t.host->get_as_double(0) != 0;
}

Result<DynTensor> DynamicExecutor::slice_along(const DynTensor& t, int64_t axis, int64_t start, int64_t len,
                                               bool keep_axis) {
  SINTER_ASSIGN_OR_RETURN(size_t es, element_bytes(t.dtype, "slice"));
  const auto ax = static_cast<size_t>(axis);
  if (axis < 0 || ax >= t.dims.size() || start < 0 || len < 0 || start + len > t.dims[ax])
    return invalid_argument("slice [" + std::to_string(start) + ", +" + std::to_string(len) + ") along axis " +
                            std::to_string(axis) + " of " + Shape::from_static(t.dims).to_string());
  std::vector<int64_t> dims = t.dims;
  if (keep_axis) {
    dims[ax] = len;
  } else {
    if (len != 1) return internal_error("slice_along without the axis takes one element");
    dims.erase(dims.begin() + axis);
  }
  SINTER_ASSIGN_OR_RETURN(DynTensor out, allocate(t.dtype, dims));
  const size_t outer = static_cast<size_t>(product(t.dims, 0, ax));
  const size_t unit = static_cast<size_t>(product(t.dims, ax + 1, t.dims.size())) * es;
  SINTER_RETURN_IF_ERROR(copy_2d(
      out.data, static_cast<size_t>(len) * unit, static_cast<const char*>(t.data) + static_cast<size_t>(start) * unit,
      static_cast<size_t>(t.dims[ax]) * unit, static_cast<size_t>(len) * unit, outer, stream_));
  return out;
}

Result<DynTensor> DynamicExecutor::join_along(const std::vector<DynTensor>& parts, int64_t axis, bool new_axis,
                                              const std::string& what) {
  if (parts.empty()) return invalid_argument(what + ": nothing to join");
  const DynTensor& first = parts[0];
  SINTER_ASSIGN_OR_RETURN(size_t es, element_bytes(first.dtype, what));
  const int64_t rank = static_cast<int64_t>(first.dims.size());
  if (axis < 0 || axis > rank || (!new_axis && axis == rank))
    return invalid_argument(what + ": axis " + std::to_string(axis) + " is out of range for rank " +
                            std::to_string(rank));
  const auto ax = static_cast<size_t>(axis);
  int64_t total = 0;
  for (const DynTensor& p : parts) {
    bool same = p.dtype == first.dtype && p.dims.size() == first.dims.size();
    for (size_t i = 0; same && i < p.dims.size(); ++i) same = p.dims[i] == first.dims[i] || (!new_axis && i == ax);
    if (!same)
      return invalid_argument(what + ": cannot join " + std::string(dtype_name(p.dtype)) +
                              Shape::from_static(p.dims).to_string() + " with " + std::string(dtype_name(first.dtype)) +
                              Shape::from_static(first.dims).to_string() + " along axis " + std::to_string(axis));
    total += new_axis ? 1 : p.dims[ax];
  }
  std::vector<int64_t> dims = first.dims;
  if (new_axis)
    dims.insert(dims.begin() + axis, total);
  else
    dims[ax] = total;
  SINTER_ASSIGN_OR_RETURN(DynTensor out, allocate(first.dtype, dims));
  const size_t outer = static_cast<size_t>(product(dims, 0, ax));
  const size_t unit = static_cast<size_t>(product(dims, ax + 1, dims.size())) * es;
  int64_t offset = 0;
  for (const DynTensor& p : parts) {
    const int64_t len = new_axis ? 1 : p.dims[ax];
    SINTER_RETURN_IF_ERROR(copy_2d(static_cast<char*>(out.data) + static_cast<size_t>(offset) * unit,
                                   static_cast<size_t>(total) * unit, p.data, static_cast<size_t>(len) * unit,
                                   static_cast<size_t>(len) * unit, outer, stream_));
    offset += len;
  }
  return out;
}

Result<DynTensor> DynamicExecutor::cast(const DynTensor& t, DType to) {
  if (t.dtype == to) return t;
  SINTER_ASSIGN_OR_RETURN(DynTensor out, allocate(to, t.dims));
  SINTER_RETURN_IF_ERROR(launch_boundary_cast(t.data, t.dtype, out.data, to, t.numel(), stream_));
  return out;
}

// ---- graph walk ---------------------------------------------------------------------------------

Result<std::vector<DynValue>> DynamicExecutor::run_graph(const ir::Graph& g,
                                                         std::vector<std::pair<ir::ValueId, DynValue>> bound) {
  const size_t nv = g.num_values();
  std::vector<DynValue> slots(nv);
  std::vector<bool> ready(nv, false);
  for (auto& [id, value] : bound) {
    slots[static_cast<size_t>(id)] = std::move(value);
    ready[static_cast<size_t>(id)] = true;
  }
  // Constants are uploaded (once per engine, by the weight store) when first read.
  auto constant_value = [&](ir::ValueId v) -> Status {
    const ir::Value& val = g.value(v);
    DynTensor t;
    SINTER_ASSIGN_OR_RETURN(t.data, program_.weights().upload(val.constant, val.constant->dtype()));
    t.dtype = val.constant->dtype();
    t.dims = val.constant->dims();
    t.host = val.constant;
    slots[static_cast<size_t>(v)] = DynValue::of_tensor(std::move(t));
    ready[static_cast<size_t>(v)] = true;
    return Status::Ok();
  };
  std::vector<int64_t> last_use(nv, -1);
  for (size_t n = 0; n < g.num_nodes(); ++n) {
    const ir::Node& node = g.node(static_cast<ir::NodeId>(n));
    if (node.erased) continue;
    for (ir::ValueId v : node.inputs)
      if (v != ir::kNoValue) last_use[static_cast<size_t>(v)] = static_cast<int64_t>(n);
  }
  for (ir::ValueId v : g.outputs()) last_use[static_cast<size_t>(v)] = std::numeric_limits<int64_t>::max();

  std::vector<DynValue*> ins;
  for (size_t n = 0; n < g.num_nodes(); ++n) {
    const ir::Node& node = g.node(static_cast<ir::NodeId>(n));
    if (node.erased) continue;
    ins.clear();
    for (ir::ValueId v : node.inputs) {
      if (v == ir::kNoValue) {
        ins.push_back(nullptr);
        continue;
      }
      if (!ready[static_cast<size_t>(v)]) {
        if (!g.value(v).constant)
          return internal_error(where_of(node) + ": input '" + g.value(v).name + "' not computed");
        SINTER_RETURN_IF_ERROR(constant_value(v).with_context(where_of(node)));
      }
      ins.push_back(&slots[static_cast<size_t>(v)]);
    }
    std::vector<DynValue> outs(node.outputs.size());
    SINTER_RETURN_IF_ERROR(run_node(g, node, ins, outs).with_context(where_of(node)));
    for (size_t o = 0; o < node.outputs.size(); ++o) {
      const ir::ValueId v = node.outputs[o];
      if (v == ir::kNoValue) continue;
      slots[static_cast<size_t>(v)] = std::move(outs[o]);
      ready[static_cast<size_t>(v)] = true;
    }
    for (ir::ValueId v : node.inputs)
      if (v != ir::kNoValue && last_use[static_cast<size_t>(v)] == static_cast<int64_t>(n))
        slots[static_cast<size_t>(v)] = DynValue();
  }
  std::vector<DynValue> out;
  for (ir::ValueId v : g.outputs()) {
    if (!ready[static_cast<size_t>(v)]) {
      if (!g.value(v).constant) return internal_error("output '" + g.value(v).name + "' not computed");
      SINTER_RETURN_IF_ERROR(constant_value(v));
    }
    out.push_back(slots[static_cast<size_t>(v)]);
  }
  return out;
}

Status DynamicExecutor::run_node(const ir::Graph& g, const ir::Node& node, std::vector<DynValue*>& ins,
                                 std::vector<DynValue>& outs) {
  if (is_control_op(node.op)) return run_control_node(node, ins, outs);
  if (is_sequence_op(node.op)) return run_sequence_node(node, ins, outs);
  if (is_select_op(node.op)) return run_select_node(node, ins, outs);
  // Identity passes sequences and optionals through.
  if (node.op == ir::OpKind::kIdentity && !ins.empty() && ins[0] && !ins[0]->is_tensor() && !outs.empty()) {
    outs[0] = *ins[0];
    return Status::Ok();
  }
  return run_tensor_node(g, node, ins, outs);
}

Result<std::vector<DynValue>> DynamicExecutor::run_subgraph(const ir::Node& node, const std::string& attr,
                                                            std::vector<DynValue> args,
                                                            const std::vector<DynValue*>& ins) {
  std::shared_ptr<ir::Graph> sub = node.attrs.get_graph(attr);
  if (!sub) return invalid_argument("attribute '" + attr + "' is not a graph");
  if (args.size() != sub->inputs().size())
    return invalid_argument("subgraph '" + attr + "' takes " + std::to_string(sub->inputs().size()) + " inputs, got " +
                            std::to_string(args.size()));
  std::vector<std::pair<ir::ValueId, DynValue>> bound;
  for (size_t i = 0; i < args.size(); ++i) bound.emplace_back(sub->inputs()[i], std::move(args[i]));
  // Captures: the node's trailing inputs, subgraph attributes in attribute-name order (ir/graph.h).
  size_t pos = ir::implicit_input_offset(node);
  for (const auto& [name, a] : node.attrs.all()) {
    const auto* g = std::get_if<std::shared_ptr<ir::Graph>>(&a);
    if (!g || !*g) continue;
    const size_t n = (*g)->captures().size();
    if (name == attr) {
      for (size_t k = 0; k < n; ++k) {
        const DynValue* v = pos + k < ins.size() ? ins[pos + k] : nullptr;
        if (!v)
          return invalid_argument("outer value '" + sub->value(sub->captures()[k]).name + "' of subgraph '" + attr +
                                  "' is missing");
        bound.emplace_back(sub->captures()[k], *v);
      }
    }
    pos += n;
  }
  return run_graph(*sub, std::move(bound));
}

// ---- ordinary nodes -------------------------------------------------------------------------------

Status DynamicExecutor::run_tensor_node(const ir::Graph& g, const ir::Node& node, std::vector<DynValue*>& ins,
                                        std::vector<DynValue>& outs) {
  for (size_t i = 0; i < ins.size(); ++i)
    if (ins[i] && !ins[i]->is_tensor())
      return unimplemented("input " + std::to_string(i) + " is a " + ir::value_kind_name(ins[i]->kind) +
                           "; this op takes tensors only");
  // Shape and Size read only dims: computed on the host (and kept there for the shape arithmetic after).
  if (node.op == ir::OpKind::kShape || node.op == ir::OpKind::kSize) {
    if (ins.empty() || !ins[0]) return invalid_argument("expects one input");
    const std::vector<int64_t>& d = ins[0]->tensor.dims;
    HostTensor h;
    if (node.op == ir::OpKind::kSize) {
      h = HostTensor(DType::kInt64, {});
      h.set_from_double(0, static_cast<double>(sinter::numel(d)));
    } else {
      const int64_t r = static_cast<int64_t>(d.size());
      auto clamp = [r](int64_t v) { return std::clamp(v < 0 ? v + r : v, int64_t{0}, r); };
      const int64_t start = clamp(node.attrs.get_int("start", 0)), end = clamp(node.attrs.get_int("end", r));
      h = HostTensor(DType::kInt64, {std::max<int64_t>(end - start, 0)});
      for (int64_t i = start; i < end; ++i)
        h.set_from_double(i - start, static_cast<double>(d[static_cast<size_t>(i)]));
    }
    SINTER_ASSIGN_OR_RETURN(DynTensor t, upload(std::move(h)));
    outs[0] = DynValue::of_tensor(std::move(t));
    return Status::Ok();
  }

  auto small_unknown = [&](size_t i) {
    return ins[i] && !ins[i]->tensor.host && ins[i]->tensor.numel() <= kSmallOperand;
  };
  bool all_small = false;  // second attempt: every small operand on the host too
  for (int attempt = 0; attempt < 2; ++attempt) {
    for (size_t i = 0; i < ins.size(); ++i)
      if (ins[i] && !ins[i]->tensor.host && (ir::decides_output_shape(node.op, i) || (all_small && small_unknown(i))))
        SINTER_RETURN_IF_ERROR(download(ins[i]->tensor));
    bool can_retry = false;
    for (size_t i = 0; i < ins.size(); ++i) can_retry |= attempt == 0 && small_unknown(i);

    // Shape inference on a one-node graph with the concrete dims (and the operands known on the host).
    ir::Graph scratch;
    std::vector<ir::ValueId> in_ids, out_ids;
    for (size_t i = 0; i < ins.size(); ++i) {
      if (!ins[i]) {
        in_ids.push_back(ir::kNoValue);
        continue;
      }
      const DynTensor& t = ins[i]->tensor;
      ir::ValueId id = scratch.add_value("in" + std::to_string(i), t.dtype, Shape::from_static(t.dims));
      scratch.value(id).constant = t.host;
      in_ids.push_back(id);
    }
    for (size_t o = 0; o < node.outputs.size(); ++o)
      out_ids.push_back(node.outputs[o] == ir::kNoValue
                            ? ir::kNoValue
                            : scratch.add_value("out" + std::to_string(o), DType::kUndefined, Shape::unknown_rank()));
    scratch.add_node(node.op, node.name, in_ids, out_ids, node.attrs);
    Status inferred = ir::infer_node(scratch, 0);
    std::string unknown;
    for (size_t o = 0; inferred.ok() && o < out_ids.size(); ++o) {
      if (out_ids[o] == ir::kNoValue) continue;
      const ir::Value& v = scratch.value(out_ids[o]);
      if (!v.shape.is_static() || v.dtype == DType::kUndefined)
        unknown = "output " + std::to_string(o) + " has no static shape (" + v.shape.to_string() + ")";
    }
    if (!inferred.ok() || !unknown.empty()) {
      if (can_retry) {
        all_small = true;
        continue;
      }
      if (!inferred.ok()) return inferred;
      return unimplemented(unknown + " for the input dims " + [&] {
        std::string s;
        for (const DynValue* v : ins) s += v ? Shape::from_static(v->tensor.dims).to_string() : std::string("-");
        return s;
      }());
    }

    // Views: same bytes, other dims.
    if (is_view_op(node.op) && ins.size() >= 1 && ins[0] && out_ids.size() == 1 && out_ids[0] != ir::kNoValue) {
      const ir::Value& ov = scratch.value(out_ids[0]);
      const DynTensor& in = ins[0]->tensor;
      if (ov.dtype == in.dtype && ov.shape.static_numel() == in.numel()) {
        DynTensor t = in;
        t.dims = ov.shape.static_dims();
        t.host.reset();
        if (in.host) t.host = std::make_shared<const HostTensor>(in.host->reshaped(t.dims));
        outs[0] = DynValue::of_tensor(std::move(t));
        return Status::Ok();
      }
    }

    // The tactic, prepared once per node and concrete descriptions.
    std::vector<TensorDesc> in_desc, out_desc;
    std::string key = std::to_string(reinterpret_cast<uintptr_t>(&node));
    std::vector<std::shared_ptr<const HostTensor>> constants;
    for (size_t i = 0; i < ins.size(); ++i) {
      TensorDesc d;
      key += "|";
      if (ins[i]) {
        const DynTensor& t = ins[i]->tensor;
        d.dtype = t.dtype;
        d.dims = t.dims;
        d.constant = t.host.get();
        key += std::to_string(static_cast<int>(t.dtype)) + Shape::from_static(t.dims).to_string();
        if (t.host) {
          constants.push_back(t.host);
          // Graph constants are identified by address (they live as long as the program); values read
          // back from the device by their bytes.
          const bool graph_constant = node.inputs[i] != ir::kNoValue && g.value(node.inputs[i]).constant == t.host;
          key += "=";
          if (graph_constant)
            key += "@" + std::to_string(reinterpret_cast<uintptr_t>(t.host.get()));
          else
            append_bytes(key, *t.host);
        }
      }
      in_desc.push_back(std::move(d));
    }
    for (ir::ValueId id : out_ids) {
      TensorDesc d;
      if (id != ir::kNoValue) {
        d.dtype = scratch.value(id).dtype;
        d.dims = scratch.value(id).shape.static_dims();
      }
      out_desc.push_back(std::move(d));
    }
    std::string refusals;
    auto made = program_.prepared(key, [&]() -> Result<std::unique_ptr<DynamicProgram::Prepared>> {
      for (const auto& t : sinter::cuda::cuda_tactics(node.op)) {
        Status ok = t->can_implement(node, in_desc, out_desc);
        if (!ok.ok()) {
          refusals += (refusals.empty() ? "" : "; ") + std::string(t->name()) + ": " + ok.message();
          continue;
        }
        auto p = std::make_unique<DynamicProgram::Prepared>();
        p->tactic = t.get();
        SINTER_ASSIGN_OR_RETURN(p->state, t->prepare(node, in_desc, out_desc, handles_.launch_context(nullptr)));
        p->workspace_bytes = t->workspace_bytes(node, in_desc, out_desc);
        p->constants = constants;
        return p;
      }
      std::string what = "no CUDA tactic for " + std::string(ir::op_name(node.op));
      for (const TensorDesc& d : in_desc)
        if (d.dtype != DType::kUndefined)
          what += " " + std::string(dtype_name(d.dtype)) + Shape::from_static(d.dims).to_string();
      return unimplemented(what + (refusals.empty() ? "" : " (" + refusals + ")"));
    });
    if (!made.ok()) {
      if (can_retry && made.status().code() == StatusCode::kUnimplemented) {
        all_small = true;
        continue;
      }
      return made.status();
    }
    const DynamicProgram::Prepared& prep = **made;
    if (prep.workspace_bytes) SINTER_RETURN_IF_ERROR(handles_.reserve_workspace(prep.workspace_bytes));

    std::vector<DeviceTensor> dev_in, dev_out;
    for (size_t i = 0; i < ins.size(); ++i) {
      DeviceTensor d;
      if (ins[i]) {
        d.data = ins[i]->tensor.data;
        d.dtype = ins[i]->tensor.dtype;
        d.dims = ins[i]->tensor.dims;
      }
      dev_in.push_back(std::move(d));
    }
    for (size_t o = 0; o < out_desc.size(); ++o) {
      DeviceTensor d;
      if (out_ids[o] != ir::kNoValue) {
        SINTER_ASSIGN_OR_RETURN(DynTensor t, allocate(out_desc[o].dtype, out_desc[o].dims));
        d.data = t.data;
        d.dtype = t.dtype;
        d.dims = t.dims;
        outs[o] = DynValue::of_tensor(std::move(t));
      }
      dev_out.push_back(std::move(d));
    }
    return prep.tactic->enqueue(node, prep.state.get(), handles_.launch_context(stream_), dev_in, dev_out)
        .with_context("[" + std::string(prep.tactic->name()) + "]");
  }
  return internal_error("unreachable");
}

}  // namespace sinter::runtime::cuda

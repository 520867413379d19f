// simplify_shapes: shape-level algebra as a rule table applied by the rewrite driver (rewrite.h).
// The rules rely on the shapes in the graph, so they run after shape inference; producers they
// leave without users are removed by eliminate_dead.
#include <algorithm>
#include <array>

#include "passes/passes.h"
#include "passes/rewrite.h"

namespace sinter::passes {

namespace {

using ir::Graph;
using ir::kNoValue;
using ir::Node;
using ir::OpKind;
using ir::ValueId;

// Masks and shapes materialized by these rules stay small.
constexpr int64_t kMaxMaterializedBytes = int64_t{1} << 20;

const HostTensor* constant_input(const Graph& g, const Node& n, size_t i) {
  if (i >= n.inputs.size() || n.inputs[i] == kNoValue) return nullptr;
  return g.value(n.inputs[i]).constant.get();
}

// A constant i32/i64 input as numbers.
std::optional<std::vector<int64_t>> ints_input(const Graph& g, const Node& n, size_t i) {
  const HostTensor* t = constant_input(g, n, i);
  if (!t || (t->dtype() != DType::kInt64 && t->dtype() != DType::kInt32)) return std::nullopt;
  std::vector<int64_t> out(static_cast<size_t>(t->numel()));
  for (size_t k = 0; k < out.size(); ++k) out[k] = t->get_as_int64(static_cast<int64_t>(k));
  return out;
}

// The live node producing input i when it has the given op.
const Node* producer_with_op(const Graph& g, const Node& n, size_t i, OpKind op) {
  if (i >= n.inputs.size() || n.inputs[i] == kNoValue) return nullptr;
  const ir::NodeId p = g.value(n.inputs[i]).producer;
  if (p < 0) return nullptr;
  const Node& prod = g.node(p);
  const bool usable = !prod.erased && prod.op == op && !prod.inputs.empty() && prod.inputs[0] != kNoValue;
  return usable ? &prod : nullptr;
}

const Shape& input_shape(const Graph& g, const Node& n, size_t i) {
  return g.value(n.inputs[i]).shape;
}

HostTensor i64_tensor(std::vector<int64_t> dims, const std::vector<int64_t>& values) {
  HostTensor t(DType::kInt64, std::move(dims));
  std::copy(values.begin(), values.end(), t.data<int64_t>());
  return t;
}

RewriteMatch replace_by(ValueId v) {
  return std::vector<OutputRewrite>{v};
}
RewriteMatch replace_by(HostTensor t) {
  std::vector<OutputRewrite> out;
  out.emplace_back(std::move(t));
  return out;
}

// Axes normalized against `rank`, sorted; nullopt when one is out of range or repeated.
std::optional<std::vector<int64_t>> normalize_axes(std::vector<int64_t> axes, int64_t rank) {
  for (int64_t& a : axes) {
    if (a < -rank || a >= rank) return std::nullopt;
    if (a < 0) a += rank;
  }
  std::sort(axes.begin(), axes.end());
  if (std::adjacent_find(axes.begin(), axes.end()) != axes.end()) return std::nullopt;
  return axes;
}

// The [start, end) range of dims a Shape node reports (attributes start/end, clamped as ONNX does).
std::pair<int64_t, int64_t> shape_range(const Node& shape_node, int64_t rank) {
  auto clamp = [rank](int64_t v) {
    if (v < 0) v += rank;
    return std::clamp<int64_t>(v, 0, rank);
  };
  int64_t start = clamp(shape_node.attrs.get_int("start", 0));
  int64_t end = clamp(shape_node.attrs.get_int("end", rank));
  return {start, std::max(start, end)};
}

// Shape(x) -> const(shape(x)) when x's shape is static
RewriteMatch shape_of_static(const Graph& g, const Node& n) {
  const Shape& s = input_shape(g, n, 0);
  if (!s.is_static()) return std::nullopt;
  auto [start, end] = shape_range(n, static_cast<int64_t>(s.rank()));
  const std::vector<int64_t> all = s.static_dims();
  std::vector<int64_t> dims(all.begin() + start, all.begin() + end);
  return replace_by(i64_tensor({end - start}, dims));
}

// Gather(Shape(x), i) -> const(shape(x)[i]) when the gathered dims are static
RewriteMatch gather_of_shape(const Graph& g, const Node& n) {
  const Node* shape_node = producer_with_op(g, n, 0, OpKind::kShape);
  if (!shape_node || !input_shape(g, *shape_node, 0).rank_known()) return std::nullopt;
  const Shape& s = input_shape(g, *shape_node, 0);
  const int64_t axis = n.attrs.get_int("axis", 0);
  const HostTensor* idx = constant_input(g, n, 1);
  auto indices = ints_input(g, n, 1);
  if ((axis != 0 && axis != -1) || !indices) return std::nullopt;
  auto [start, end] = shape_range(*shape_node, static_cast<int64_t>(s.rank()));
  std::vector<int64_t> values;
  for (int64_t k : *indices) {
    if (k < 0) k += end - start;
    if (k < 0 || k >= end - start || !s[static_cast<size_t>(start + k)].is_static()) return std::nullopt;
    values.push_back(s[static_cast<size_t>(start + k)].value);
  }
  return replace_by(i64_tensor(idx->dims(), values));
}

// Slice(Shape(x), a, b, axes=[0], steps=[c]) -> const(shape(x)[a:b:c]) when the sliced dims are static
RewriteMatch slice_of_shape(const Graph& g, const Node& n) {
  const Node* shape_node = producer_with_op(g, n, 0, OpKind::kShape);
  if (!shape_node || !input_shape(g, *shape_node, 0).rank_known()) return std::nullopt;
  const Shape& s = input_shape(g, *shape_node, 0);
  auto starts = ints_input(g, n, 1), ends = ints_input(g, n, 2);
  if (!starts || !ends || starts->size() != 1 || ends->size() != 1) return std::nullopt;
  const bool has_axes = n.inputs.size() > 3 && n.inputs[3] != kNoValue;
  const bool has_steps = n.inputs.size() > 4 && n.inputs[4] != kNoValue;
  auto axes = ints_input(g, n, 3), steps = ints_input(g, n, 4);
  if ((has_axes && (!axes || axes->size() != 1 || ((*axes)[0] != 0 && (*axes)[0] != -1))) ||
      (has_steps && (!steps || steps->size() != 1 || (*steps)[0] == 0)))
    return std::nullopt;
  auto [first, last] = shape_range(*shape_node, static_cast<int64_t>(s.rank()));
  const int64_t len = last - first, step = has_steps ? (*steps)[0] : 1;
  int64_t b = (*starts)[0], e = (*ends)[0];
  if (b < 0) b += len;
  if (e < 0) e += len;
  if (step > 0) {
    b = std::clamp<int64_t>(b, 0, len);
    e = std::clamp<int64_t>(e, 0, len);
  } else {
    b = std::clamp<int64_t>(b, 0, len - 1);
    e = std::clamp<int64_t>(e, -1, len - 1);
  }
  std::vector<int64_t> values;
  for (int64_t k = b; step > 0 ? k < e : k > e; k += step) {
    const Dim& d = s[static_cast<size_t>(first + k)];
    if (!d.is_static()) return std::nullopt;
    values.push_back(d.value);
  }
  return replace_by(i64_tensor({static_cast<int64_t>(values.size())}, values));
}

// Identity(x) -> x
RewriteMatch identity(const Graph&, const Node& n) {
  return replace_by(n.inputs[0]);
}

// Dropout(x, ratio, training_mode=false) -> x, mask -> const(true)   (inference)
RewriteMatch dropout(const Graph& g, const Node& n) {
  if (n.inputs.size() > 2 && n.inputs[2] != kNoValue) {
    const HostTensor* training = constant_input(g, n, 2);
    if (!training || training->numel() != 1 || training->get_as_double(0) != 0.0) return std::nullopt;
  }
  std::vector<OutputRewrite> out;
  out.emplace_back(n.inputs[0]);
  if (n.outputs.size() > 1) {
    const Shape& s = input_shape(g, n, 0);
    if (n.outputs[1] == kNoValue || !s.is_static() || s.static_numel() > kMaxMaterializedBytes) {
      out.emplace_back(MustBeUnused{});
    } else {
      HostTensor mask(DType::kBool, s.static_dims());
      std::fill(mask.data<uint8_t>(), mask.data<uint8_t>() + mask.numel(), uint8_t{1});
      out.emplace_back(std::move(mask));
    }
  }
  return out;
}

// The dims a Reshape to `target` gives a static input of `dims` (0 copies, -1 infers), or nullopt.
std::optional<std::vector<int64_t>> reshape_result(const std::vector<int64_t>& dims, std::vector<int64_t> target,
                                                   bool allowzero) {
  int64_t known = 1, infer_at = -1;
  for (size_t i = 0; i < target.size(); ++i) {
    if (target[i] == 0 && !allowzero) {
      if (i >= dims.size()) return std::nullopt;
      target[i] = dims[i];
    }
    if (target[i] == -1) {
      if (infer_at >= 0) return std::nullopt;
      infer_at = static_cast<int64_t>(i);
    } else if (target[i] < 0) {
      return std::nullopt;
    } else {
      known *= target[i];
    }
  }
  if (infer_at >= 0) {
    if (known == 0) return std::nullopt;
    target[static_cast<size_t>(infer_at)] = numel(dims) / known;
  }
  if (numel(target) != numel(dims)) return std::nullopt;
  return target;
}

// Reshape(x, s) -> x when s resolves to x's static shape
RewriteMatch reshape_noop(const Graph& g, const Node& n) {
  const Shape& s = input_shape(g, n, 0);
  auto target = ints_input(g, n, 1);
  if (!s.is_static() || !target) return std::nullopt;
  auto result = reshape_result(s.static_dims(), *target, n.attrs.get_int("allowzero", 0) != 0);
  if (!result || *result != s.static_dims()) return std::nullopt;
  return replace_by(n.inputs[0]);
}

// Expand(x, s) -> x when broadcasting x to s leaves x's static shape unchanged
RewriteMatch expand_noop(const Graph& g, const Node& n) {
  const Shape& s = input_shape(g, n, 0);
  auto target = ints_input(g, n, 1);
  if (!s.is_static() || !target || target->size() > s.rank()) return std::nullopt;
  const size_t offset = s.rank() - target->size();
  for (size_t i = 0; i < target->size(); ++i)
    if ((*target)[i] != 1 && (*target)[i] != s[offset + i].value) return std::nullopt;
  return replace_by(n.inputs[0]);
}

// Cast(x, to=dtype(x)) -> x
RewriteMatch cast_noop(const Graph& g, const Node& n) {
  const DType from = g.value(n.inputs[0]).dtype;
  if (from == DType::kUndefined || n.attrs.get_int("to", -1) != static_cast<int64_t>(from)) return std::nullopt;
  return replace_by(n.inputs[0]);
}

// Squeeze(Unsqueeze(x, a), a) -> x
RewriteMatch squeeze_of_unsqueeze(const Graph& g, const Node& n) {
  const Node* u = producer_with_op(g, n, 0, OpKind::kUnsqueeze);
  if (!u || !input_shape(g, *u, 0).rank_known()) return std::nullopt;
  auto squeezed = ints_input(g, n, 1), inserted = ints_input(g, *u, 1);
  if (!squeezed || !inserted) return std::nullopt;
  const int64_t rank = static_cast<int64_t>(input_shape(g, *u, 0).rank() + inserted->size());
  auto a = normalize_axes(*squeezed, rank), b = normalize_axes(*inserted, rank);
  if (!a || !b || *a != *b) return std::nullopt;
  return replace_by(u->inputs[0]);
}

// Unsqueeze(Squeeze(x, a), a) -> x
RewriteMatch unsqueeze_of_squeeze(const Graph& g, const Node& n) {
  const Node* q = producer_with_op(g, n, 0, OpKind::kSqueeze);
  if (!q || !input_shape(g, *q, 0).rank_known()) return std::nullopt;
  auto inserted = ints_input(g, n, 1), squeezed = ints_input(g, *q, 1);
  if (!squeezed || !inserted) return std::nullopt;
  const int64_t rank = static_cast<int64_t>(input_shape(g, *q, 0).rank());
  auto a = normalize_axes(*squeezed, rank), b = normalize_axes(*inserted, rank);
  if (!a || !b || *a != *b) return std::nullopt;
  return replace_by(q->inputs[0]);
}

// Transpose(x, perm=[0,1,...,r-1]) -> x
RewriteMatch transpose_identity(const Graph& g, const Node& n) {
  if (n.attrs.has("perm")) {
    const auto perm = n.attrs.get_ints("perm");
    for (size_t i = 0; i < perm.size(); ++i)
      if (perm[i] != static_cast<int64_t>(i)) return std::nullopt;
  } else {  // no perm reverses the dims: the identity only up to rank 1
    const Shape& s = input_shape(g, n, 0);
    if (!s.rank_known() || s.rank() > 1) return std::nullopt;
  }
  return replace_by(n.inputs[0]);
}

const std::array kRules = {
    RewriteRule{OpKind::kShape, "Shape(x) -> const(shape(x)) when x's shape is static", shape_of_static},
    RewriteRule{OpKind::kGather, "Gather(Shape(x), i) -> const(shape(x)[i]) when those dims are static",
                gather_of_shape},
    RewriteRule{OpKind::kSlice, "Slice(Shape(x), a, b) -> const(shape(x)[a:b]) when those dims are static",
                slice_of_shape},
    RewriteRule{OpKind::kIdentity, "Identity(x) -> x", identity},
    RewriteRule{OpKind::kDropout, "Dropout(x) -> x, mask -> const(true) (inference)", dropout},
    RewriteRule{OpKind::kReshape, "Reshape(x, shape(x)) -> x", reshape_noop},
    RewriteRule{OpKind::kExpand, "Expand(x, s) -> x when broadcast(shape(x), s) == shape(x)", expand_noop},
    RewriteRule{OpKind::kCast, "Cast(x, to=dtype(x)) -> x", cast_noop},
    RewriteRule{OpKind::kSqueeze, "Squeeze(Unsqueeze(x, a), a) -> x", squeeze_of_unsqueeze},
    RewriteRule{OpKind::kUnsqueeze, "Unsqueeze(Squeeze(x, a), a) -> x", unsqueeze_of_squeeze},
    RewriteRule{OpKind::kTranspose, "Transpose(x, perm=identity) -> x", transpose_identity},
};

}  // namespace

Result<bool> simplify_shapes(Graph& graph) {
  return apply_rewrite_rules(graph, kRules);
}

}  // namespace sinter::passes

#include "plan/graph_codec.h"

#include "plan/format.h"

namespace sinter::plan {

namespace {

// Attribute kinds in the graph section; the numbers are part of the file format.
enum AttrKind : uint8_t {
  kAttrInt = 0,
  kAttrFloat = 1,
  kAttrString = 2,
  kAttrInts = 3,
  kAttrFloats = 4,
  kAttrStrings = 5,
  kAttrTensor = 6,
  kAttrGraph = 7,
};

// Nested subgraphs deeper than this are refused, so a hostile file cannot exhaust the stack.
constexpr int kMaxGraphDepth = 32;
constexpr uint8_t kMaxDType = static_cast<uint8_t>(kLastDType);

void encode_shape(ByteWriter& w, const Shape& s) {
  w.u8(s.rank_known() ? 1 : 0);
  w.u32(static_cast<uint32_t>(s.rank()));
  for (const Dim& d : s.dims()) {
    if (d.is_static()) {
      w.u8(0);
      w.i64(d.value);
    } else {
      w.u8(1);
      w.str(d.symbol);
    }
  }
}

void encode_tensor_header(ByteWriter& w, const HostTensor& t) {
  w.u8(static_cast<uint8_t>(t.dtype()));
  w.u32(static_cast<uint32_t>(t.rank()));
  for (int64_t d : t.dims()) w.i64(d);
}

void encode_graph_into(ByteWriter& w, const ir::Graph& input, WeightLayout& weights);

void encode_attrs(ByteWriter& w, const ir::Attributes& attrs, WeightLayout& weights) {
  w.u32(static_cast<uint32_t>(attrs.all().size()));
  for (const auto& [name, value] : attrs.all()) {
    w.str(name);
    std::visit(
        [&](const auto& v) {
          using T = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<T, int64_t>) {
            w.u8(kAttrInt);
            w.i64(v);
          } else if constexpr (std::is_same_v<T, double>) {
            w.u8(kAttrFloat);
            w.f64(v);
          } else if constexpr (std::is_same_v<T, std::string>) {
            w.u8(kAttrString);
            w.str(v);
          } else if constexpr (std::is_same_v<T, std::vector<int64_t>>) {
            w.u8(kAttrInts);
            w.u32(static_cast<uint32_t>(v.size()));
            for (int64_t x : v) w.i64(x);
          } else if constexpr (std::is_same_v<T, std::vector<double>>) {
            w.u8(kAttrFloats);
            w.u32(static_cast<uint32_t>(v.size()));
            for (double x : v) w.f64(x);
          } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
            w.u8(kAttrStrings);
            w.u32(static_cast<uint32_t>(v.size()));
            for (const auto& x : v) w.str(x);
          } else if constexpr (std::is_same_v<T, HostTensor>) {
            // Attribute tensors are small (Constant values); they travel inline and are copied on load.
            w.u8(kAttrTensor);
            encode_tensor_header(w, v);
            w.u64(v.nbytes());
            if (v.nbytes()) w.bytes(v.raw(), v.nbytes());
          } else {
            w.u8(kAttrGraph);
            w.u8(v ? 1 : 0);
            if (v) encode_graph_into(w, *v, weights);
          }
        },
        value);
  }
}

void encode_graph_into(ByteWriter& w, const ir::Graph& input, WeightLayout& weights) {
  bool has_erased = false;
  for (const auto& n : input.nodes()) has_erased |= n.erased;
  ir::Graph compacted;
  if (has_erased) {
    compacted = input.clone();
    compacted.compact();
  }
  const ir::Graph& g = has_erased ? compacted : input;

  w.u32(static_cast<uint32_t>(g.num_values()));
  for (const auto& v : g.values()) {
    w.str(v.name);
    w.u8(static_cast<uint8_t>(v.dtype));
    encode_shape(w, v.shape);
    if (v.constant) {
      w.u8(1);
      encode_tensor_header(w, *v.constant);
      w.u64(weights.place(v.constant));
      w.u64(v.constant->nbytes());
    } else {
      w.u8(0);
    }
  }
  w.u32(static_cast<uint32_t>(g.num_nodes()));
  for (const auto& n : g.nodes()) {
    w.str(ir::op_name(n.op));
    w.str(n.name);
    w.u32(static_cast<uint32_t>(n.inputs.size()));
    for (ir::ValueId v : n.inputs) w.i32(v);
    w.u32(static_cast<uint32_t>(n.outputs.size()));
    for (ir::ValueId v : n.outputs) w.i32(v);
    encode_attrs(w, n.attrs, weights);
  }
  w.u32(static_cast<uint32_t>(g.inputs().size()));
  for (ir::ValueId v : g.inputs()) w.i32(v);
  w.u32(static_cast<uint32_t>(g.outputs().size()));
  for (ir::ValueId v : g.outputs()) w.i32(v);
}

// ---- decoding ----------------------------------------------------------------------------------

class GraphDecoder {
 public:
  GraphDecoder(ByteReader& r, const WeightsView& weights) : r_(r), weights_(weights) {}

  // Returns false (with r_ failed) on any malformed input.
  bool graph(ir::Graph& g, int depth) {
    if (depth > kMaxGraphDepth) return fail("subgraphs nest deeper than " + std::to_string(kMaxGraphDepth));
    // A value takes at least 4 (name) + 1 (dtype) + 5 (shape) + 1 (constant flag) bytes.
    uint32_t nv = r_.count(11, "value");
    for (uint32_t i = 0; i < nv && r_.ok(); ++i) {
      std::string name = r_.str();
      DType dtype;
      if (!read_dtype(dtype, "value '" + name + "'")) return false;
      Shape shape;
      if (!read_shape(shape)) return false;
      ir::ValueId id = g.add_value(name, dtype, std::move(shape));
      uint8_t has_constant = r_.u8();
      if (has_constant > 1) return fail("value '" + name + "' has constant flag " + std::to_string(has_constant));
      if (has_constant) {
        auto t = weight_ref("value '" + name + "'");
        if (!t) return false;
        g.value(id).constant = std::move(t);
      }
    }
    uint32_t nn = r_.count(20, "node");
    for (uint32_t i = 0; i < nn && r_.ok(); ++i) {
      std::string op = r_.str();
      std::string name = r_.str();
      if (!r_.ok()) return false;
      auto kind = ir::op_from_name(op);
      if (!kind) return fail("node '" + name + "' has op '" + op + "', which this sinter does not know");
      std::vector<ir::ValueId> ins, outs;
      if (!ids(ins, g, true, "node '" + name + "' input") || !ids(outs, g, true, "node '" + name + "' output"))
        return false;
      ir::Attributes attrs;
      if (!read_attrs(attrs, depth, "node '" + name + "'")) return false;
      g.add_node(*kind, std::move(name), std::move(ins), std::move(outs), std::move(attrs));
    }
    std::vector<ir::ValueId> gin, gout;
    if (!ids(gin, g, false, "graph input") || !ids(gout, g, false, "graph output")) return false;
    g.set_inputs(std::move(gin));
    g.set_outputs(std::move(gout));
    return r_.ok();
  }

 private:
  bool fail(const std::string& what) {
    r_.fail(what);
    return false;
  }

  bool read_dtype(DType& out, const std::string& what) {
    uint8_t d = r_.u8();
    if (!r_.ok()) return false;
    if (d > kMaxDType) return fail(what + " has unknown dtype " + std::to_string(d));
    out = static_cast<DType>(d);
    return true;
  }

  bool read_shape(Shape& out) {
    uint8_t known = r_.u8();
    uint32_t rank = r_.count(5, "dim");  // a dim takes at least 5 bytes (kind + empty-symbol length)
    if (!r_.ok()) return false;
    if (known > 1) return fail("shape has rank flag " + std::to_string(known));
    std::vector<Dim> dims;
    for (uint32_t i = 0; i < rank; ++i) {
      uint8_t kind = r_.u8();
      if (kind == 0) {
        dims.emplace_back(r_.i64());
      } else if (kind == 1) {
        std::string sym = r_.str();
        if (r_.ok() && sym.empty()) return fail("a symbolic dim has an empty name");
        dims.push_back(Dim::sym(std::move(sym)));
      } else {
        return fail("dim kind " + std::to_string(kind));
      }
      if (!r_.ok()) return false;
    }
    out = known ? Shape(std::move(dims)) : Shape::unknown_rank();
    return true;
  }

  // dtype, rank and dims of a tensor; checks the element count cannot overflow.
  bool read_tensor_header(DType& dtype, std::vector<int64_t>& dims, const std::string& what) {
    if (!read_dtype(dtype, what)) return false;
    uint32_t rank = r_.count(8, "tensor dim");
    uint64_t numel = 1;
    for (uint32_t i = 0; i < rank && r_.ok(); ++i) {
      int64_t d = r_.i64();
      if (!r_.ok()) return false;
      if (d < 0 || (d > 0 && numel > (uint64_t{1} << 56) / static_cast<uint64_t>(d)))
        return fail(what + " has an invalid dim " + std::to_string(d));
      numel *= static_cast<uint64_t>(d);
      dims.push_back(d);
    }
    return r_.ok();
  }

  std::shared_ptr<const HostTensor> weight_ref(const std::string& what) {
    DType dtype;
    std::vector<int64_t> dims;
    if (!read_tensor_header(dtype, dims, what)) return nullptr;
    uint64_t offset = r_.u64();
    uint64_t nbytes = r_.u64();
    if (!r_.ok()) return nullptr;
    const uint64_t expect = dtype_storage_bytes(dtype, sinter::numel(dims));
    if (nbytes != expect) {
      fail(what + " says " + std::to_string(nbytes) + " bytes but its type and dims need " + std::to_string(expect));
      return nullptr;
    }
    if (offset % kAlignment != 0 || offset > weights_.size || nbytes > weights_.size - offset) {
      fail(what + " points outside the weights section (offset " + std::to_string(offset) + ", " +
           std::to_string(nbytes) + " bytes, section " + std::to_string(weights_.size) + " bytes)");
      return nullptr;
    }
    return std::make_shared<const HostTensor>(
        HostTensor::wrap(dtype, std::move(dims), weights_.data + offset, weights_.owner));
  }

  bool ids(std::vector<ir::ValueId>& out, const ir::Graph& g, bool allow_absent, const std::string& what) {
    uint32_t n = r_.count(4, "value id");
    for (uint32_t i = 0; i < n && r_.ok(); ++i) {
      int32_t id = r_.i32();
      if (!r_.ok()) return false;
      bool absent = id == ir::kNoValue && allow_absent;
      if (!absent && (id < 0 || static_cast<size_t>(id) >= g.num_values()))
        return fail(what + " refers to value " + std::to_string(id) + " of " + std::to_string(g.num_values()));
      out.push_back(id);
    }
    return r_.ok();
  }

  bool read_attrs(ir::Attributes& attrs, int depth, const std::string& where) {
    uint32_t n = r_.count(5, "attribute");
    for (uint32_t i = 0; i < n && r_.ok(); ++i) {
      std::string name = r_.str();
      uint8_t kind = r_.u8();
      if (!r_.ok()) return false;
      const std::string what = where + " attribute '" + name + "'";
      if (attrs.has(name)) return fail(what + " appears twice");
      switch (kind) {
        case kAttrInt:
          attrs.set(name, r_.i64());
          break;
        case kAttrFloat:
          attrs.set(name, r_.f64());
          break;
        case kAttrString:
          attrs.set(name, r_.str());
          break;
        case kAttrInts: {
          std::vector<int64_t> v(r_.count(8, "int"));
          for (auto& x : v) x = r_.i64();
          attrs.set(name, std::move(v));
          break;
        }
        case kAttrFloats: {
          std::vector<double> v(r_.count(8, "float"));
          for (auto& x : v) x = r_.f64();
          attrs.set(name, std::move(v));
          break;
        }
        case kAttrStrings: {
          std::vector<std::string> v(r_.count(4, "string"));
          for (auto& x : v) x = r_.str();
          attrs.set(name, std::move(v));
          break;
        }
        case kAttrTensor: {
          DType dtype;
          std::vector<int64_t> dims;
          if (!read_tensor_header(dtype, dims, what)) return false;
          uint64_t nbytes = r_.u64();
          if (!r_.ok()) return false;
          const uint64_t expect = dtype_storage_bytes(dtype, sinter::numel(dims));
          if (nbytes != expect || nbytes > r_.remaining())
            return fail(what + " holds " + std::to_string(nbytes) + " bytes; its type and dims need " +
                        std::to_string(expect));
          HostTensor t(dtype, std::move(dims));
          const uint8_t* p = r_.bytes(nbytes);
          if (p && nbytes) std::memcpy(t.raw(), p, nbytes);
          attrs.set(name, std::move(t));
          break;
        }
        case kAttrGraph: {
          uint8_t present = r_.u8();
          if (!r_.ok()) return false;
          if (present > 1) return fail(what + " has subgraph flag " + std::to_string(present));
          std::shared_ptr<ir::Graph> sub;
          if (present) {
            sub = std::make_shared<ir::Graph>();
            if (!graph(*sub, depth + 1)) return false;
          }
          attrs.set(name, std::move(sub));
          break;
        }
        default:
          return fail(what + " has unknown kind " + std::to_string(kind));
      }
    }
    return r_.ok();
  }

  ByteReader& r_;
  const WeightsView& weights_;
};

}  // namespace

uint64_t WeightLayout::place(const std::shared_ptr<const HostTensor>& t) {
  const void* key = t->raw();
  if (key) {
    auto it = placed_.find(key);
    // The same storage viewed with another byte count (a reshaped alias) is placed again.
    if (it != placed_.end() && entries_[it->second].tensor->nbytes() == t->nbytes()) return entries_[it->second].offset;
  }
  const uint64_t offset = align_up(size_);
  if (key) placed_[key] = entries_.size();
  entries_.push_back({t, offset});
  size_ = offset + t->nbytes();
  return offset;
}

std::string encode_graph(const ir::Graph& graph, WeightLayout& weights) {
  ByteWriter w;
  encode_graph_into(w, graph, weights);
  return w.take();
}

Result<ir::Graph> decode_graph(const uint8_t* data, size_t size, const WeightsView& weights) {
  ByteReader r(data, size, "graph");
  ir::Graph g;
  GraphDecoder decoder(r, weights);
  if (!decoder.graph(g, 0)) return r.status();
  if (!r.at_end()) {
    r.fail(std::to_string(r.remaining()) + " unexpected bytes after the graph");
    return r.status();
  }
  return g;
}

}  // namespace sinter::plan

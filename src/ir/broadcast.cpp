#include "ir/broadcast.h"

#include <algorithm>
#include <string>

namespace sinter::ir {

namespace {
std::string shapes_to_string(const std::vector<Shape>& shapes) {
  std::string s;
  for (size_t i = 0; i < shapes.size(); ++i) {
    if (i) s += ", ";
    s += shapes[i].to_string();
  }
  return s;
}
}  // namespace

Result<Shape> broadcast_shapes(const std::vector<Shape>& shapes) {
  size_t rank = 0;
  for (const auto& s : shapes) {
    if (!s.rank_known()) return Shape::unknown_rank();
    rank = std::max(rank, s.rank());
  }
  std::vector<Dim> out(rank, Dim(1));
  for (size_t k = 0; k < rank; ++k) {  // k counts from the last axis
    // Static dims other than 1 that meet this axis, and the symbols.
    int64_t fixed = 1;
    bool have_symbol = false;
    bool symbols_differ = false;
    std::string symbol;
    for (const auto& s : shapes) {
      if (k >= s.rank()) continue;
      const Dim& d = s[s.rank() - 1 - k];
      if (d.is_static()) {
        if (d.value < 0) return invalid_argument("negative dim in shape " + s.to_string());
        if (d.value == 1) continue;
        if (fixed != 1 && d.value != fixed)
          return invalid_argument("shapes " + shapes_to_string(shapes) + " cannot be broadcast together");
        fixed = d.value;
      } else if (!have_symbol) {
        have_symbol = true;
        symbol = d.symbol;
      } else if (d.symbol != symbol) {
        symbols_differ = true;
      }
    }
    Dim& o = out[rank - 1 - k];
    if (fixed != 1 || !have_symbol) {
      // A static dim other than 1 decides (a symbol meeting it must equal it or be 1); a size-0 dim
      // broadcasts like any other static dim that is not 1.
      o = Dim(fixed);
    } else if (symbols_differ) {
      o = Dim::unknown();
    } else {
      o = Dim::sym(symbol);
    }
  }
  return Shape(std::move(out));
}

Result<std::vector<int64_t>> broadcast_dims(const std::vector<std::vector<int64_t>>& dims) {
  size_t rank = 0;
  for (const auto& d : dims) rank = std::max(rank, d.size());
  std::vector<int64_t> out(rank, 1);
  for (const auto& d : dims) {
    const size_t offset = rank - d.size();
    for (size_t i = 0; i < d.size(); ++i) {
      if (d[i] < 0) return invalid_argument("negative dim in " + dims_to_string(d));
      int64_t& o = out[offset + i];
      if (d[i] == 1 || d[i] == o) continue;
      if (o != 1) {
        std::string all;
        for (size_t j = 0; j < dims.size(); ++j) {
          if (j) all += ", ";
          all += Shape::from_static(dims[j]).to_string();
        }
        return invalid_argument("shapes " + all + " cannot be broadcast together");
      }
      o = d[i];
    }
  }
  return out;
}

std::vector<int64_t> broadcast_strides(const std::vector<int64_t>& in, const std::vector<int64_t>& out) {
  std::vector<int64_t> strides(out.size(), 0);
  const size_t offset = out.size() - in.size();
  int64_t stride = 1;
  for (size_t i = in.size(); i-- > 0;) {
    strides[offset + i] = in[i] == 1 ? 0 : stride;
    stride *= in[i];
  }
  return strides;
}

}  // namespace sinter::ir

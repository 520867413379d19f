#include "sinter/shape.h"

#include <atomic>

namespace sinter {

Dim Dim::unknown() {
  static std::atomic<int64_t> counter{0};
  std::string name = "?";
  name += std::to_string(counter.fetch_add(1));
  return Dim::sym(std::move(name));
}

std::string Dim::to_string() const { return is_static() ? std::to_string(value) : symbol; }

Shape::Shape(std::initializer_list<int64_t> dims) {
  for (int64_t d : dims) dims_.emplace_back(d);
}

Shape Shape::from_static(const std::vector<int64_t>& dims) {
  Shape s;
  for (int64_t d : dims) s.dims_.emplace_back(d);
  return s;
}

Shape Shape::unknown_rank() {
  Shape s;
  s.rank_known_ = false;
  return s;
}

bool Shape::is_static() const {
  if (!rank_known_) return false;
  for (const auto& d : dims_)
    if (!d.is_static()) return false;
  return true;
}

std::vector<int64_t> Shape::static_dims() const {
  std::vector<int64_t> out;
  out.reserve(dims_.size());
  for (const auto& d : dims_) out.push_back(d.value);
  return out;
}

int64_t Shape::static_numel() const {
  if (!is_static()) return -1;
  return numel(static_dims());
}

std::string Shape::to_string() const {
  if (!rank_known_) return "[*]";
  std::string s = "[";
  for (size_t i = 0; i < dims_.size(); ++i) {
    if (i) s += ",";
    s += dims_[i].to_string();
  }
  return s + "]";
}

int64_t numel(const std::vector<int64_t>& dims) {
  int64_t n = 1;
  for (int64_t d : dims) n *= d;
  return n;
}

std::string dims_to_string(const std::vector<int64_t>& dims) {
  if (dims.empty()) return "scalar";
  std::string s;
  for (size_t i = 0; i < dims.size(); ++i) {
    if (i) s += "x";
    s += std::to_string(dims[i]);
  }
  return s;
}

}  // namespace sinter

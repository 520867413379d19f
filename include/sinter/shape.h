// Shapes: dims are numbers or named symbols ("batch"); ranks may be unknown.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace sinter {

// One dimension: a fixed size, or a symbol. Symbols that start with '?' are anonymous unknowns
// made by shape inference; named symbols come from the model ("batch", "seq").
struct Dim {
  int64_t value = -1;  // valid when symbol is empty
  std::string symbol;

  Dim() = default;
  Dim(int64_t v) : value(v) {}  // NOLINT(google-explicit-constructor)
  static Dim sym(std::string name) {
    Dim d;
    d.symbol = std::move(name);
    return d;
  }
  static Dim unknown();  // a fresh anonymous symbol

  bool is_static() const { return symbol.empty(); }
  bool operator==(const Dim& o) const { return value == o.value && symbol == o.symbol; }
  bool operator!=(const Dim& o) const { return !(*this == o); }
  std::string to_string() const;
};

class Shape {
 public:
  Shape() = default;  // rank 0 (a scalar)
  Shape(std::vector<Dim> dims) : dims_(std::move(dims)) {}  // NOLINT(google-explicit-constructor)
  Shape(std::initializer_list<int64_t> dims);
  static Shape from_static(const std::vector<int64_t>& dims);
  static Shape unknown_rank();

  bool rank_known() const { return rank_known_; }
  size_t rank() const { return dims_.size(); }
  const std::vector<Dim>& dims() const { return dims_; }
  std::vector<Dim>& dims() { return dims_; }
  const Dim& operator[](size_t i) const { return dims_[i]; }
  Dim& operator[](size_t i) { return dims_[i]; }

  bool is_static() const;                   // every dim is a number
  std::vector<int64_t> static_dims() const; // requires is_static()
  int64_t static_numel() const;             // -1 when not static
  bool operator==(const Shape& o) const { return rank_known_ == o.rank_known_ && dims_ == o.dims_; }
  bool operator!=(const Shape& o) const { return !(*this == o); }
  // "[batch,3,224,224]", "[]" for scalars, "[*]" for unknown rank.
  std::string to_string() const;

 private:
  std::vector<Dim> dims_;
  bool rank_known_ = true;
};

int64_t numel(const std::vector<int64_t>& dims);
std::string dims_to_string(const std::vector<int64_t>& dims);  // "1x3x224x224"

}  // namespace sinter

#include "ir/attribute.h"

#include <cstring>

#include "ir/graph.h"

namespace sinter::ir {

int64_t Attributes::get_int(const std::string& name, int64_t def) const {
  auto it = values_.find(name);
  if (it == values_.end()) return def;
  if (auto* v = std::get_if<int64_t>(&it->second)) return *v;
  if (auto* d = std::get_if<double>(&it->second)) return static_cast<int64_t>(*d);
  return def;
}

double Attributes::get_float(const std::string& name, double def) const {
  auto it = values_.find(name);
  if (it == values_.end()) return def;
  if (auto* v = std::get_if<double>(&it->second)) return *v;
  if (auto* i = std::get_if<int64_t>(&it->second)) return static_cast<double>(*i);
  return def;
}

std::string Attributes::get_string(const std::string& name, const std::string& def) const {
  auto it = values_.find(name);
  if (it == values_.end()) return def;
  if (auto* v = std::get_if<std::string>(&it->second)) return *v;
  return def;
}

std::vector<int64_t> Attributes::get_ints(const std::string& name, std::vector<int64_t> def) const {
  auto it = values_.find(name);
  if (it == values_.end()) return def;
  if (auto* v = std::get_if<std::vector<int64_t>>(&it->second)) return *v;
  if (auto* i = std::get_if<int64_t>(&it->second)) return {*i};
  return def;
}

std::vector<double> Attributes::get_floats(const std::string& name, std::vector<double> def) const {
  auto it = values_.find(name);
  if (it == values_.end()) return def;
  if (auto* v = std::get_if<std::vector<double>>(&it->second)) return *v;
  return def;
}

std::vector<std::string> Attributes::get_strings(const std::string& name) const {
  auto it = values_.find(name);
  if (it == values_.end()) return {};
  if (auto* v = std::get_if<std::vector<std::string>>(&it->second)) return *v;
  return {};
}

const HostTensor* Attributes::get_tensor(const std::string& name) const {
  auto it = values_.find(name);
  if (it == values_.end()) return nullptr;
  return std::get_if<HostTensor>(&it->second);
}

std::shared_ptr<Graph> Attributes::get_graph(const std::string& name) const {
  auto it = values_.find(name);
  if (it == values_.end()) return nullptr;
  if (auto* g = std::get_if<std::shared_ptr<Graph>>(&it->second)) return *g;
  return nullptr;
}

namespace {
bool tensors_equal(const HostTensor& a, const HostTensor& b) {
  return a.dtype() == b.dtype() && a.dims() == b.dims() &&
         (a.nbytes() == 0 || std::memcmp(a.raw(), b.raw(), a.nbytes()) == 0);
}
}  // namespace

bool Attributes::operator==(const Attributes& o) const {
  if (values_.size() != o.values_.size()) return false;
  for (const auto& [k, v] : values_) {
    auto it = o.values_.find(k);
    if (it == o.values_.end() || it->second.index() != v.index()) return false;
    const AttrValue& w = it->second;
    bool same = std::visit(
        [&](const auto& a) -> bool {
          using T = std::decay_t<decltype(a)>;
          const T& b = std::get<T>(w);
          if constexpr (std::is_same_v<T, HostTensor>) {
            return tensors_equal(a, b);
          } else if constexpr (std::is_same_v<T, std::shared_ptr<Graph>>) {
            return a == b;  // subgraphs compare by identity; the text printer compares contents
          } else {
            return a == b;
          }
        },
        v);
    if (!same) return false;
  }
  return true;
}

}  // namespace sinter::ir

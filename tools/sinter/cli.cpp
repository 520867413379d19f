#include "cli.h"

#include <cmath>
#include <cstdio>
#include <random>

namespace sinter::cli {

int fail(const std::string& message, int code) {
  std::string line = message;
  for (char& c : line)
    if (static_cast<unsigned char>(c) < 0x20) c = ' ';
  while (!line.empty() && line.back() == ' ') line.pop_back();
  std::fprintf(stderr, "sinter: error: %s\n", line.c_str());
  std::fflush(stderr);
  return code;
}

int fail(const Status& status) {
  return fail(status.message(), kExitFailure);
}

namespace {
Result<std::vector<int64_t>> parse_dims(const std::string& text, const std::string& entry, const std::string& flag) {
  auto bad = [&]() {
    return invalid_argument("malformed " + flag + " entry '" + entry +
                            "': expected name:dims with dims like 1x3x224x224");
  };
  std::vector<int64_t> dims;
  if (text.empty()) return bad();
  size_t start = 0;
  while (true) {
    size_t x = text.find('x', start);
    std::string part = text.substr(start, x == std::string::npos ? std::string::npos : x - start);
    if (part.empty() || part.size() > 15 || part.find_first_not_of("0123456789") != std::string::npos) return bad();
    dims.push_back(std::stoll(part));
    if (x == std::string::npos) break;
    start = x + 1;
  }
  return dims;
}
}  // namespace

Result<InputDims> parse_shapes(const std::vector<std::string>& values, const std::string& flag) {
  InputDims out;
  for (const std::string& value : values) {
    size_t start = 0;
    while (start <= value.size()) {
      size_t comma = value.find(',', start);
      std::string entry = value.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
      size_t colon = entry.rfind(':');
      if (colon == std::string::npos || colon == 0)
        return invalid_argument("malformed " + flag + " entry '" + entry +
                                "': expected name:dims, e.g. input:1x3x224x224");
      SINTER_ASSIGN_OR_RETURN(auto dims, parse_dims(entry.substr(colon + 1), entry, flag));
      std::string name = entry.substr(0, colon);
      if (!out.emplace(name, std::move(dims)).second)
        return invalid_argument(flag + " gives input '" + name + "' twice");
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  }
  return out;
}

std::string dims_string(const std::vector<int64_t>& dims) {
  if (dims.empty()) return "scalar";
  std::string s;
  for (size_t i = 0; i < dims.size(); ++i) s += (i ? "x" : "") + std::to_string(dims[i]);
  return s;
}

std::string bytes_string(uint64_t bytes) {
  char buf[64];
  if (bytes < 1024) {
    std::snprintf(buf, sizeof buf, "%llu bytes", static_cast<unsigned long long>(bytes));
  } else {
    const char* unit = bytes < (1u << 20) ? "KiB" : bytes < (1u << 30) ? "MiB" : "GiB";
    double div = bytes < (1u << 20) ? 1024.0 : bytes < (1u << 30) ? 1048576.0 : 1073741824.0;
    std::snprintf(buf, sizeof buf, "%.2f %s (%llu bytes)", static_cast<double>(bytes) / div, unit,
                  static_cast<unsigned long long>(bytes));
  }
  return buf;
}

Result<InputDims> resolve_input_dims(const Engine& engine, const InputDims& shapes) {
  for (const auto& [name, dims] : shapes) {
    bool known = false;
    for (const auto& in : engine.inputs()) known |= in.name == name;
    if (!known) {
      std::string list;
      for (const auto& in : engine.inputs()) list += (list.empty() ? "" : ", ") + in.name;
      return invalid_argument("--shapes names '" + name + "', which is not an input of the model (inputs: " + list +
                              ")");
    }
  }
  InputDims out;
  for (const auto& in : engine.inputs()) {
    if (auto it = shapes.find(in.name); it != shapes.end()) {
      out[in.name] = it->second;
    } else if (in.shape.rank_known() && in.shape.is_static()) {
      out[in.name] = in.shape.static_dims();
    } else {
      const InputProfile* profile = nullptr;
      for (const auto& p : engine.profiles())
        if (p.name == in.name) profile = &p;
      if (!profile)
        return invalid_argument("input '" + in.name + "' has symbolic shape " + in.shape.to_string() +
                                "; give its dims with --shapes " + in.name + ":...");
      out[in.name] = profile->opt;
    }
  }
  return out;
}

Result<TensorMap> random_inputs(const Engine& engine, const InputDims& dims, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> real(-1.0, 1.0);
  std::uniform_int_distribution<int> small_int(0, 9);
  TensorMap out;
  for (const auto& in : engine.inputs()) {
    const auto& d = dims.at(in.name);
    int64_t n = 1;
    for (int64_t x : d) {
      if (x < 0 || (x > 0 && n > (int64_t{1} << 34) / x))
        return invalid_argument("input '" + in.name + "' dims " + dims_string(d) + " are too large");
      n *= x;
    }
    if (in.dtype == DType::kString || in.dtype == DType::kUndefined)
      return unimplemented("cannot make random data for input '" + in.name + "' of type " +
                           std::string(dtype_name(in.dtype)));
    HostTensor t(in.dtype, d);
    for (int64_t i = 0; i < n; ++i) {
      if (in.dtype == DType::kBool)
        t.set_from_double(i, small_int(rng) % 2);
      else if (dtype_is_float(in.dtype))
        t.set_from_double(i, real(rng));
      else
        t.set_from_double(i, small_int(rng));
    }
    out[in.name] = std::move(t);
  }
  return out;
}

TensorStats tensor_stats(const HostTensor& t) {
  TensorStats s;
  double sum = 0, sum2 = 0;
  int64_t finite = 0;
  s.min = INFINITY;
  s.max = -INFINITY;
  for (int64_t i = 0; i < t.numel(); ++i) {
    double v = t.get_as_double(i);
    if (std::isnan(v)) {
      ++s.nan;
      continue;
    }
    if (std::isinf(v)) ++s.inf;
    s.min = std::min(s.min, v);
    s.max = std::max(s.max, v);
    if (std::isfinite(v)) {
      sum += v;
      sum2 += v * v;
      ++finite;
    }
  }
  if (finite) {
    s.mean = sum / static_cast<double>(finite);
    s.stddev = std::sqrt(std::max(0.0, sum2 / static_cast<double>(finite) - s.mean * s.mean));
  }
  if (s.min > s.max) s.min = s.max = NAN;
  return s;
}

}  // namespace sinter::cli

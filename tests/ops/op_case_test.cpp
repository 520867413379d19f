// Implementation of the op test harness declared in op_case.h (named *_test.cpp so that the tests'
// CMake glob builds it into ops_tests).
#include "op_case.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/npz.h"
#include "ir/graph.h"
#include "ir/infer.h"
#include "runtime/reference_executor.h"

namespace sinter::optest {

namespace {

using json = nlohmann::json;

std::string fixture_dir() {
  return std::string(SINTER_FIXTURE_DIR) + "/ops";
}

Result<json> load_json(const std::string& path) {
  std::ifstream f(path);
  if (!f) return not_found(path + " does not exist (run scripts/gen-fixtures)");
  try {
    return json::parse(f);
  } catch (const json::exception& e) {
    return invalid_argument(path + ": " + e.what());
  }
}

Result<DType> dtype_named(const std::string& name, const std::string& where) {
  auto t = dtype_from_name(name);
  if (!t) return invalid_argument(where + ": unknown dtype '" + name + "'");
  return *t;
}

Result<Shape> shape_from_json(const json& j, const std::string& where) {
  if (j.is_null()) return Shape::unknown_rank();
  if (!j.is_array()) return invalid_argument(where + ": shape must be a list");
  std::vector<Dim> dims;
  for (const auto& d : j) {
    if (d.is_number_integer()) {
      dims.emplace_back(d.get<int64_t>());
    } else if (d.is_string()) {
      dims.push_back(Dim::sym(d.get<std::string>()));
    } else {
      return invalid_argument(where + ": a dim must be an int or a symbol name");
    }
  }
  return Shape(std::move(dims));
}

Result<ir::Attributes> attrs_from_json(const json& j, const NamedTensors& data, const std::string& where) {
  ir::Attributes attrs;
  if (j.is_null()) return attrs;
  for (const auto& [name, spec] : j.items()) {
    const std::string w = where + ": attribute '" + name + "'";
    if (!spec.is_object() || !spec.contains("type")) return invalid_argument(w + ": needs a type");
    const std::string type = spec["type"].get<std::string>();
    const json& v = spec.contains("value") ? spec["value"] : json();
    try {
      if (type == "int") {
        attrs.set(name, v.get<int64_t>());
      } else if (type == "float") {
        // JSON cannot hold inf/nan; the generator writes them as strings.
        if (v.is_string())
          attrs.set(name, std::stod(v.get<std::string>()));
        else
          attrs.set(name, v.get<double>());
      } else if (type == "string") {
        attrs.set(name, v.get<std::string>());
      } else if (type == "ints") {
        attrs.set(name, v.get<std::vector<int64_t>>());
      } else if (type == "floats") {
        attrs.set(name, v.get<std::vector<double>>());
      } else if (type == "strings") {
        attrs.set(name, v.get<std::vector<std::string>>());
      } else if (type == "dtype") {
        SINTER_ASSIGN_OR_RETURN(DType t, dtype_named(v.get<std::string>(), w));
        attrs.set(name, static_cast<int64_t>(t));
      } else if (type == "tensor") {
        auto it = data.find("attr." + name);
        if (it == data.end()) return invalid_argument(w + ": npz lacks 'attr." + name + "'");
        attrs.set(name, it->second);
      } else {
        return invalid_argument(w + ": unknown type '" + type + "'");
      }
    } catch (const json::exception& e) {
      return invalid_argument(w + ": " + e.what());
    }
  }
  return attrs;
}

std::string index_string(int64_t flat, const std::vector<int64_t>& dims) {
  std::vector<int64_t> idx(dims.size());
  for (size_t i = dims.size(); i-- > 0;) {
    idx[i] = dims[i] ? flat % dims[i] : 0;
    flat = dims[i] ? flat / dims[i] : 0;
  }
  std::string s = "[";
  for (size_t i = 0; i < idx.size(); ++i) {
    if (i) s += ",";
    s += std::to_string(idx[i]);
  }
  return s + "]";
}

// Empty string when equal within tolerance, else a description of the worst element.
std::string compare_tensors(const HostTensor& got, const HostTensor& want, double rtol, double atol) {
  if (got.dtype() != want.dtype())
    return "dtype " + std::string(dtype_name(got.dtype())) + ", expected " + std::string(dtype_name(want.dtype()));
  if (got.dims() != want.dims()) return "shape " + got.summary() + ", expected " + want.summary();
  const int64_t n = want.numel();
  if (!dtype_is_float(want.dtype())) {
    int64_t mismatches = 0, first = -1;
    for (int64_t i = 0; i < n; ++i) {
      bool same = want.dtype() == DType::kUInt64 ? got.data<uint64_t>()[i] == want.data<uint64_t>()[i]
                                                 : got.get_as_int64(i) == want.get_as_int64(i);
      if (!same && mismatches++ == 0) first = i;
    }
    if (!mismatches) return {};
    std::ostringstream os;
    os << mismatches << " of " << n << " elements differ; first at " << index_string(first, want.dims()) << ": got "
       << got.get_as_int64(first) << ", expected " << want.get_as_int64(first);
    return os.str();
  }
  int64_t mismatches = 0, worst = -1;
  double worst_excess = -1;
  for (int64_t i = 0; i < n; ++i) {
    const double g = got.get_as_double(i), w = want.get_as_double(i);
    double excess;
    if (std::isnan(w) || std::isnan(g)) {
      excess = (std::isnan(w) && std::isnan(g)) ? 0 : INFINITY;
    } else if (std::isinf(w) || std::isinf(g)) {
      excess = g == w ? 0 : INFINITY;
    } else {
      const double diff = std::fabs(g - w), allowed = atol + rtol * std::fabs(w);
      excess = diff <= allowed ? 0 : diff - allowed;
    }
    if (excess > 0) {
      ++mismatches;
      if (excess > worst_excess) {
        worst_excess = excess;
        worst = i;
      }
    }
  }
  if (!mismatches) return {};
  std::ostringstream os;
  os.precision(9);
  os << mismatches << " of " << n << " elements outside rtol=" << rtol << " atol=" << atol << "; worst at "
     << index_string(worst, want.dims()) << ": got " << got.get_as_double(worst) << ", expected "
     << want.get_as_double(worst);
  return os.str();
}

// Checks an inferred shape against the expected one; empty string when they agree.
std::string compare_shapes(const Shape& inferred, const Shape& expected) {
  if (!expected.rank_known()) return {};
  if (!inferred.rank_known() || inferred.rank() != expected.rank())
    return "inferred shape " + inferred.to_string() + ", expected " + expected.to_string();
  for (size_t i = 0; i < expected.rank(); ++i) {
    const Dim& e = expected[i];
    const Dim& f = inferred[i];
    const bool ok = (!e.is_static() && e.symbol == "?") ? (!f.is_static() && f.symbol[0] == '?') : e == f;
    if (!ok) return "inferred shape " + inferred.to_string() + ", expected " + expected.to_string();
  }
  return {};
}

// Runs one case; returns an error message, empty on success.
std::string run_case(const json& c, const std::string& suite) {
  const std::string name = c.value("name", std::string("?"));
  auto fail = [&](const std::string& m) { return suite + "/" + name + ": " + m; };
  try {
    auto op = ir::op_from_name(c.at("op").get<std::string>());
    if (!op) return fail("unknown op '" + c.at("op").get<std::string>() + "'");
    auto loaded = read_npz(fixture_dir() + "/" + c.at("data").get<std::string>());
    if (!loaded.ok()) return fail(loaded.status().to_string());
    NamedTensors data = std::move(loaded).value();
    if (c.contains("dtypes")) {
      for (const auto& [tname, dname] : c["dtypes"].items()) {
        auto t = dtype_named(dname.get<std::string>(), name);
        if (!t.ok()) return fail(t.status().to_string());
        auto it = data.find(tname);
        if (it == data.end()) return fail("dtypes names '" + tname + "', which the npz lacks");
        it->second = it->second.cast(*t);
      }
    }
    auto attrs = attrs_from_json(c.contains("attrs") ? c["attrs"] : json(), data, name);
    if (!attrs.ok()) return fail(attrs.status().to_string());
    std::vector<std::string> constant_inputs = c.value("constant_inputs", std::vector<std::string>{});
    const double rtol = c.value("rtol", 1e-5), atol = c.value("atol", 1e-6);

    ir::Graph g;
    runtime::TensorMap feeds;
    std::vector<ir::ValueId> ins, outs;
    for (const auto& in : c.at("inputs")) {
      const std::string iname = in.get<std::string>();
      if (iname.empty()) {
        ins.push_back(ir::kNoValue);
        continue;
      }
      ir::ValueId existing = g.find_value(iname);
      if (existing >= 0) {  // the same tensor feeding two inputs
        ins.push_back(existing);
        continue;
      }
      auto it = data.find(iname);
      if (it == data.end()) return fail("npz lacks input '" + iname + "'");
      const HostTensor& t = it->second;
      if (std::find(constant_inputs.begin(), constant_inputs.end(), iname) != constant_inputs.end()) {
        ins.push_back(g.add_constant(iname, t));
        continue;
      }
      Shape declared = Shape::from_static(t.dims());
      if (c.contains("input_shapes") && c["input_shapes"].contains(iname)) {
        auto s = shape_from_json(c["input_shapes"][iname], name + ": input_shapes");
        if (!s.ok()) return fail(s.status().to_string());
        declared = *s;
      }
      ir::ValueId v = g.add_value(iname, t.dtype(), declared);
      g.add_input(v);
      feeds[iname] = t;
      ins.push_back(v);
    }
    std::vector<std::string> out_names;
    for (const auto& o : c.at("outputs")) {
      const std::string oname = o.get<std::string>();
      if (oname.empty()) {
        outs.push_back(ir::kNoValue);
        continue;
      }
      ir::ValueId v = g.add_value(oname, DType::kUndefined, Shape::unknown_rank());
      outs.push_back(v);
      g.add_output(v);
      out_names.push_back(oname);
    }
    g.add_node(*op, name, ins, outs, std::move(attrs).value());

    const std::string expect_error = c.value("expect_error", std::string());
    Status st = ir::infer_graph(g);
    if (!expect_error.empty()) {
      if (st.ok()) {
        auto r = runtime::ReferenceExecutor(g).run(feeds);
        if (r.ok()) return fail("expected an error containing '" + expect_error + "', but the case ran");
        st = r.status();
      }
      if (st.message().find(expect_error) == std::string::npos)
        return fail("expected an error containing '" + expect_error + "', got: " + st.to_string());
      return {};
    }
    if (!st.ok()) return fail("inference failed: " + st.to_string());

    std::string problems;
    for (size_t k = 0; k < out_names.size(); ++k) {
      const std::string& oname = out_names[k];
      auto it = data.find(oname);
      if (it == data.end()) return fail("npz lacks expected output '" + oname + "'");
      const ir::Value& v = g.value(g.find_value(oname));
      if (v.dtype != it->second.dtype())
        problems += "\n  output '" + oname + "': inferred dtype " + std::string(dtype_name(v.dtype)) + ", expected " +
                    std::string(dtype_name(it->second.dtype()));
      Shape expected_shape = Shape::from_static(it->second.dims());
      if (c.contains("output_shapes") && c["output_shapes"].contains(oname)) {
        auto s = shape_from_json(c["output_shapes"][oname], name + ": output_shapes");
        if (!s.ok()) return fail(s.status().to_string());
        expected_shape = *s;
      }
      std::string sm = compare_shapes(v.shape, expected_shape);
      if (!sm.empty()) problems += "\n  output '" + oname + "': " + sm;
    }
    auto run = runtime::ReferenceExecutor(g).run(feeds);
    if (!run.ok()) return fail(problems + "\n  execution failed: " + run.status().to_string());
    for (const auto& oname : out_names) {
      const HostTensor& want = data.at(oname);
      auto it = run->find(oname);
      if (it == run->end()) {
        problems += "\n  output '" + oname + "' was not produced";
        continue;
      }
      std::string m = compare_tensors(it->second, want, rtol, atol);
      if (!m.empty()) problems += "\n  output '" + oname + "': " + m;
    }
    return problems.empty() ? std::string() : fail(problems);
  } catch (const std::exception& e) {
    return fail(std::string("malformed case: ") + e.what());
  }
}

void run_cases(const std::string& suite, const std::string& prefix) {
  const std::string path = fixture_dir() + "/" + suite + ".json";
  auto j = load_json(path);
  ASSERT_TRUE(j.ok()) << j.status().to_string();
  ASSERT_TRUE(j->contains("cases") && (*j)["cases"].is_array()) << path << ": no \"cases\" list";
  int ran = 0;
  for (const auto& c : (*j)["cases"]) {
    const std::string name = c.value("name", std::string());
    if (name.compare(0, prefix.size(), prefix) != 0) continue;
    ++ran;
    std::string err = run_case(c, suite);
    EXPECT_TRUE(err.empty()) << err;
  }
  EXPECT_GT(ran, 0) << path << ": no case named '" << prefix << "...'";
}

}  // namespace

void run_op_suite(const std::string& suite) {
  run_cases(suite, "");
}
void run_op_suite_cases(const std::string& suite, const std::string& prefix) {
  run_cases(suite, prefix);
}

// The harness's own checks of its comparison rules.
TEST(OpHarness, CompareTensorsUsesTolerancesAndNaN) {
  HostTensor a(DType::kFloat32, {3}), b(DType::kFloat32, {3});
  a.data<float>()[0] = 1.0f;
  b.data<float>()[0] = 1.0f + 1e-7f;
  a.data<float>()[1] = NAN;
  b.data<float>()[1] = NAN;
  a.data<float>()[2] = INFINITY;
  b.data<float>()[2] = INFINITY;
  EXPECT_EQ(compare_tensors(a, b, 1e-5, 1e-6), "");
  b.data<float>()[0] = 1.1f;
  EXPECT_NE(compare_tensors(a, b, 1e-5, 1e-6).find("worst at [0]"), std::string::npos);
  b.data<float>()[0] = 1.0f;
  b.data<float>()[1] = 0.0f;
  EXPECT_NE(compare_tensors(a, b, 1e-5, 1e-6), "");
  HostTensor i(DType::kInt32, {2}), k(DType::kInt32, {2});
  EXPECT_EQ(compare_tensors(i, k, 0, 0), "");
  k.data<int32_t>()[1] = 1;
  EXPECT_NE(compare_tensors(i, k, 1e9, 1e9), "");  // integers are exact whatever the tolerance
  EXPECT_NE(compare_tensors(i, HostTensor(DType::kInt64, {2}), 0, 0), "");
}

TEST(OpHarness, CompareShapesMatchesSymbols) {
  Shape inferred({Dim::sym("N"), Dim(3), Dim::unknown()});
  EXPECT_EQ(compare_shapes(inferred, Shape({Dim::sym("N"), Dim(3), Dim::sym("?")})), "");
  EXPECT_NE(compare_shapes(inferred, Shape({Dim::sym("M"), Dim(3), Dim::sym("?")})), "");
  EXPECT_NE(compare_shapes(inferred, Shape({Dim::sym("N"), Dim(3), Dim(4)})), "");
  EXPECT_NE(compare_shapes(Shape::unknown_rank(), Shape({Dim(3)})), "");
}

}  // namespace sinter::optest

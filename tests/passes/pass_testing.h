// Helpers for pass tests: IR text in, IR text out, and the values checked by running the graphs.
#pragma once

#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <string>

#include "ir/parser.h"
#include "ir/printer.h"
#include "ir/verifier.h"
#include "passes/pass_manager.h"
#include "passes/passes.h"
#include "runtime/reference_executor.h"

namespace sinter::passes::testing {

inline ir::Graph parse(const std::string& text) {
  auto g = ir::parse_graph(text);
  EXPECT_TRUE(g.ok()) << g.status().to_string() << "\nin:\n" << text;
  return g.ok() ? std::move(g).value() : ir::Graph();
}

// The graph's text without constant data: what pass tests compare (constant values are checked
// against the reference executor instead of being typed in).
inline std::string structure(const ir::Graph& g) {
  ir::PrintOptions options;
  options.data = ir::ConstantData::kNone;
  return ir::print_graph(g, options);
}

// Hand-written expected text in the printer's layout.
inline std::string canonical(const std::string& text) {
  ir::ParseOptions options;
  options.elided_as_zeros = true;
  auto g = ir::parse_graph(text, options);
  EXPECT_TRUE(g.ok()) << g.status().to_string() << "\nin expected text:\n" << text;
  return g.ok() ? structure(*g) : "";
}

// Seeded inputs for every graph input without data; symbolic dims are 2.
inline runtime::TensorMap random_inputs(const ir::Graph& g, uint32_t seed = 42) {
  std::mt19937 rng(seed);
  runtime::TensorMap out;
  for (ir::ValueId id : g.inputs()) {
    const ir::Value& v = g.value(id);
    if (v.constant) continue;
    std::vector<int64_t> dims;
    if (v.shape.rank_known())
      for (const Dim& d : v.shape.dims()) dims.push_back(d.is_static() ? d.value : 2);
    HostTensor t(v.dtype, dims);
    for (int64_t i = 0; i < t.numel(); ++i) {
      if (dtype_is_float(v.dtype)) {
        t.set_from_double(i, std::uniform_real_distribution<double>(-2.0, 2.0)(rng));
      } else {
        t.set_from_double(i, static_cast<double>(rng() % (v.dtype == DType::kBool ? 2 : 4)));
      }
    }
    out[v.name] = std::move(t);
  }
  return out;
}

inline bool same_tensor(const HostTensor& a, const HostTensor& b) {
  return a.dtype() == b.dtype() && a.dims() == b.dims() &&
         (a.nbytes() == 0 || std::memcmp(a.raw(), b.raw(), a.nbytes()) == 0);
}

// "f32[2x3] {1, 2, ...}": the first values, for failure messages.
inline std::string describe(const HostTensor& t) {
  std::string s = t.summary() + " {";
  for (int64_t i = 0; i < std::min<int64_t>(t.numel(), 16); ++i) {
    if (i) s += ", ";
    s += std::to_string(t.get_as_double(i));
  }
  return s + (t.numel() > 16 ? ", ...}" : "}");
}

// Every constant of `after` that is not a constant of `before` holds exactly what the reference
// executor computes for that value in `before`.
inline void expect_new_constants_match_reference(const ir::Graph& before, const ir::Graph& after) {
  for (const ir::Value& v : after.values()) {
    if (!v.constant) continue;
    const ir::ValueId old = before.find_value(v.name);
    ASSERT_GE(old, 0) << "constant " << v.name << " has no counterpart in the original graph";
    if (before.value(old).constant) continue;
    ir::Graph g = before.clone();
    g.set_outputs({old});
    auto pruned = eliminate_dead(g);
    ASSERT_TRUE(pruned.ok()) << pruned.status().to_string();
    auto run = runtime::ReferenceExecutor(g).run(random_inputs(g));
    ASSERT_TRUE(run.ok()) << "computing " << v.name << ": " << run.status().to_string();
    EXPECT_TRUE(same_tensor(run->at(v.name), *v.constant)) << "constant " << v.name << " is " << describe(*v.constant)
                                                           << ", the executor gives " << describe(run->at(v.name));
  }
}

// Both graphs give bit-identical outputs on the same random inputs.
inline void expect_same_outputs(const ir::Graph& before, const ir::Graph& after) {
  const runtime::TensorMap inputs = random_inputs(before);
  auto a = runtime::ReferenceExecutor(before).run(inputs);
  ASSERT_TRUE(a.ok()) << "original graph: " << a.status().to_string();
  auto b = runtime::ReferenceExecutor(after).run(inputs);
  ASSERT_TRUE(b.ok()) << "rewritten graph: " << b.status().to_string();
  ASSERT_EQ(a->size(), b->size());
  for (const auto& [name, t] : *a) {
    ASSERT_TRUE(b->count(name)) << "output " << name << " is missing";
    EXPECT_TRUE(same_tensor(t, b->at(name))) << "output " << name << " differs";
  }
}

// Runs `pass` on `before` and checks: the graph verifies, its structure is `after`, the pass
// reports `changed`, new constants match the executor, and the outputs are unchanged.
inline ir::Graph expect_pass(const PassFn& pass, const std::string& before, const std::string& after,
                             bool changed = true) {
  ir::Graph g = parse(before);
  Status valid = ir::verify(g);
  EXPECT_TRUE(valid.ok()) << "the input graph is invalid: " << valid.message();
  const ir::Graph original = g.clone();
  auto result = pass(g);
  EXPECT_TRUE(result.ok()) << result.status().to_string();
  if (!result.ok()) return g;
  EXPECT_EQ(*result, changed);
  Status st = ir::verify(g);
  EXPECT_TRUE(st.ok()) << st.message() << "\n" << structure(g);
  EXPECT_EQ(structure(g), canonical(after));
  expect_new_constants_match_reference(original, g);
  expect_same_outputs(original, g);
  return g;
}

}  // namespace sinter::passes::testing

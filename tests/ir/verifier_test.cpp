// The verifier: each invariant has a graph that breaks it, and the message names the culprit.
#include "ir/verifier.h"

#include <gtest/gtest.h>

#include "ir/parser.h"
#include "ir/printer.h"

namespace sinter::ir {
namespace {

Graph parse_ok(std::string_view text) {
  auto g = parse_graph(text);
  EXPECT_TRUE(g.ok()) << g.status().to_string();
  return g.ok() ? std::move(g).value() : Graph();
}

// The verifier rejects `g` with a message containing every fragment.
void expect_invalid(const Graph& g, std::initializer_list<const char*> fragments) {
  Status st = verify(g);
  ASSERT_FALSE(st.ok()) << "accepted:\n" << print_graph(g);
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  for (const char* f : fragments)
    EXPECT_NE(st.message().find(f), std::string::npos) << st.message() << "\nwanted: " << f;
}

constexpr const char* kValid = R"(
graph(%x: f32[n,3], %w: f32[3]) -> (%y, %w) {
  const %b: f32[3] = dense<1, 2, 3>
  %s: f32[n,3] = Mul[name="scale"](%x, %w)
  %t: f32[n,3] = Add[name="shift"](%s, %b)
  %y: f32[n,3], _ = Dropout(%t, _, _)
})";

TEST(Verifier, AcceptsAValidGraph) {
  Graph g = parse_ok(kValid);
  Status st = verify(g);
  EXPECT_TRUE(st.ok()) << st.message();
}

TEST(Verifier, UseBeforeDefinition) {
  expect_invalid(parse_ok(R"(graph(%x: f32[2]) -> (%b) {
    %b = Relu[name="b"](%a)
    %a = Relu[name="a"](%x)
  })"),
                 {"node 'b' (#0 Relu): reads '%a' before it is defined"});
}

TEST(Verifier, Cycles) {
  expect_invalid(parse_ok(R"(graph(%x: f32[2]) -> (%b) {
    %a = Add[name="a"](%x, %b)
    %b = Relu[name="b"](%a)
  })"),
                 {"node 'a' (#0 Add): reads '%b' before it is defined", "cycle"});
  expect_invalid(parse_ok(R"(graph(%x: f32[2]) -> (%a) {
    %a = Add(%x, %a)
  })"),
                 {"node #0 (Add): reads its own output '%a' (a cycle)"});
}

TEST(Verifier, UndefinedAndOutOfRangeValues) {
  Graph g = parse_ok(kValid);
  ValueId orphan = g.add_value("orphan", DType::kFloat32, Shape({3}));
  g.node(1).inputs[1] = orphan;
  expect_invalid(g, {"node 'shift' (#1 Add): reads '%orphan', which no node, graph input or constant defines"});

  Graph h = parse_ok(kValid);
  h.node(0).inputs[0] = 99;
  h.node(1).outputs[0] = 77;
  expect_invalid(h, {"node 'scale' (#0 Mul): input 0 has value id 99, out of range",
                     "node 'shift' (#1 Add): output 0 has value id 77, out of range"});
}

TEST(Verifier, ValueProducedTwice) {
  Graph g = parse_ok(kValid);
  // "shift" now writes %s, which "scale" already produces.
  g.node(1).outputs[0] = g.node(0).outputs[0];
  expect_invalid(g, {"node 'shift' (#1 Add): output '%s' is already produced by node 'scale' (#0 Mul)"});

  Graph h = parse_ok(kValid);
  h.node(0).outputs[0] = h.find_value("x");
  expect_invalid(h, {"node 'scale' (#0 Mul): output '%x' is also a graph input"});

  Graph k = parse_ok(kValid);
  k.node(0).outputs[0] = k.find_value("b");
  expect_invalid(k, {"node 'scale' (#0 Mul): output '%b' is also a constant"});
}

TEST(Verifier, GraphOutputsMustBeDefined) {
  Graph g = parse_ok(kValid);
  ValueId lost = g.add_value("lost", DType::kFloat32, Shape({3}));
  g.add_output(lost);
  g.add_output(kNoValue);
  expect_invalid(g, {"graph output '%lost' is not defined", "graph output 3 has value id -1, out of range"});
}

TEST(Verifier, Arity) {
  expect_invalid(parse_ok(R"(graph(%x: f32[2]) -> (%y) {
    %y = Relu[name="r"](%x, %x)
  })"),
                 {"node 'r' (#0 Relu): has 2 inputs, the op takes 1"});
  expect_invalid(parse_ok(R"(graph(%x: f32[1,1,3,3]) -> (%y) {
    %y = Conv(%x, _)
  })"),
                 {"node #0 (Conv): input 1 is required but omitted"});
  expect_invalid(parse_ok(R"(graph(%x: f32[2]) -> (%y) {
    %y, %z = Relu(%x)
  })"),
                 {"node #0 (Relu): has 2 outputs, the op takes 1"});
  expect_invalid(parse_ok(R"(graph(%x: f32[2]) -> (%y) {
    %y = Slice(%x, %x)
  })"),
                 {"has 2 inputs, the op takes 3 to 5"});
  // Variadic ops take any number.
  Graph ok = parse_ok(R"(graph(%x: f32[2]) -> (%y) {
    %y = Max(%x, %x, %x, %x)
  })");
  EXPECT_TRUE(verify(ok).ok()) << verify(ok).message();
}

TEST(Verifier, ConstantsMatchTheirValue) {
  Graph g = parse_ok(kValid);
  g.value(g.find_value("b")).dtype = DType::kFloat16;
  expect_invalid(g, {"constant '%b': data is f32 but the value is f16"});
  Graph h = parse_ok(kValid);
  h.value(h.find_value("b")).shape = Shape({Dim::sym("n")});
  expect_invalid(h, {"constant '%b': data has shape [3] but the value is [n]"});
  Graph k = parse_ok(kValid);
  k.value(k.find_value("b")).constant =
      std::make_shared<const HostTensor>(HostTensor::wrap(DType::kFloat32, {3}, nullptr, nullptr));
  expect_invalid(k, {"constant '%b': has no storage"});
}

TEST(Verifier, ErasedNodesMustBeCompacted) {
  Graph g = parse_ok(kValid);
  g.node(2).erased = true;
  g.set_outputs({g.find_value("t")});
  expect_invalid(g, {"node #2 (Dropout) is erased but still in the graph"});
  VerifyOptions lenient;
  lenient.allow_erased = true;
  EXPECT_TRUE(verify(g, lenient).ok()) << verify(g, lenient).message();
  g.compact();
  EXPECT_TRUE(verify(g).ok()) << verify(g).message();
  EXPECT_EQ(g.num_nodes(), 2u);
}

TEST(Verifier, NamesAndProducers) {
  Graph g = parse_ok(kValid);
  g.value(g.find_value("t")).name = std::string(1, 's');
  expect_invalid(g, {"share the name '%s'"});
  Graph h = parse_ok(kValid);
  h.value(h.find_value("t")).name = "";
  expect_invalid(h, {"has no name"});
  Graph k = parse_ok(kValid);
  k.value(k.find_value("t")).producer = 0;
  expect_invalid(k, {"node 'shift' (#1 Add): output '%t' records producer #0 instead of this node",
                     "value '%t' records producer node 'scale' (#0 Mul), which does not list it as an output"});
  Graph d = parse_ok(kValid);
  d.value(d.find_value("x")).shape = Shape({Dim(-2), Dim(3)});
  expect_invalid(d, {"value '%x' has a negative dim: [-2,3]"});
}

TEST(Verifier, ChecksSubgraphsAndReportsEveryProblem) {
  Graph g = parse_ok(R"(graph(%x: f32[2]) -> (%y) {
    %y = Relu[name="outer"](%x) {body=graph(%p: f32[2]) -> (%q) {
      %q = Relu(%p, %p)
    }}
    %z = Relu[name="extra"](%x, %x)
  })");
  expect_invalid(g, {"node 'outer' (#0 Relu): attribute 'body': node #0 (Relu): has 2 inputs",
                     "; node 'extra' (#1 Relu): has 2 inputs"});
}

TEST(Verifier, ValueKindsAndCaptures) {
  // Only control-flow ops read sequences; constants are tensors.
  Graph g = parse_ok(R"(graph(%s: seq<f32[2]>) -> (%y, %n) {
    %y = Relu[name="r"](%s)
    %n: i64[] = SequenceLength(%s)
  })");
  expect_invalid(g, {"node 'r' (#0 Relu): input 0 '%s' is a sequence; only control-flow ops take"});
  Graph k = parse_ok(R"(graph() -> (%w) {
    const %w: f32[2] = dense<1, 2>
  })");
  k.value(0).kind = ValueKind::kOptionalTensor;
  expect_invalid(k, {"constant '%w': is a optional; only tensors are constants"});
  // The branches capture two values but the If passes none after its condition.
  Graph h = parse_ok(R"(graph(%c: bool[], %x: f32[3]) -> (%y) {
    %y: f32[3] = If[name="if"](%c) {else_branch=graph() capture(%x: f32[3]) -> (%x) {
    }, then_branch=graph() capture(%x: f32[3]) -> (%t) {
      %t: f32[3] = Relu(%x)
    }}
  })");
  expect_invalid(h, {"node 'if' (#0 If): its subgraphs capture 2 values, more than its 1 inputs"});
  // Captures are defined inside the subgraph: a subgraph reading an outer name without capturing
  // it does not parse, and one whose node writes a capture does not verify.
  std::string err = parse_graph(R"(graph(%x: f32[3], %c: bool[]) -> (%y) {
    %y: f32[3] = If(%c) {else_branch=graph() -> (%x) {}, then_branch=graph() -> (%x) {}}
  })")
                        .status()
                        .message();
  EXPECT_NE(err.find("line 2, column 50: undefined value '%x'"), std::string::npos) << err;
  Graph w = parse_ok(R"(graph(%c: bool[], %x: f32[3]) -> (%y) {
    %y: f32[3] = If(%c, %x, %x) {else_branch=graph() capture(%x: f32[3]) -> (%x) {
    }, then_branch=graph() capture(%x: f32[3]) -> (%t) {
      %t: f32[3] = Relu(%x)
    }}
  })");
  EXPECT_TRUE(verify(w).ok()) << verify(w).message();
  auto then_branch = w.node(0).attrs.get_graph("then_branch");
  then_branch->node(0).outputs[0] = then_branch->captures()[0];
  then_branch->value(then_branch->captures()[0]).producer = 0;
  expect_invalid(w, {"attribute 'then_branch': node #0 (Relu): output '%x' is also a graph input or capture"});
}

TEST(Verifier, SameGraphComparesStructure) {
  Graph a = parse_ok(kValid);
  Graph b = parse_ok(kValid);
  EXPECT_TRUE(check_same_graph(a, b).ok());
  b.node(1).attrs.set("alpha", int64_t{1});
  Status st = check_same_graph(a, b);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("unexpected attribute 'alpha'"), std::string::npos) << st.message();
  Graph c = parse_ok(kValid);
  HostTensor other(DType::kFloat32, {3});
  c.value(c.find_value("b")).constant = std::make_shared<const HostTensor>(other);
  st = check_same_graph(a, c);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("constant '%b' differs"), std::string::npos) << st.message();
  Graph d = parse_ok(kValid);
  d.value(d.find_value("s")).shape = Shape({Dim::sym("m"), Dim(3)});
  st = check_same_graph(a, d);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("node 0"), std::string::npos) << st.message();
}

}  // namespace
}  // namespace sinter::ir

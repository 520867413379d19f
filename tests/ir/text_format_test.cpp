// The IR text form: round trips (text and structure), every dtype/dim/attribute kind, and
// parser errors that name the line and column.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>

#include "ir/parser.h"
#include "ir/printer.h"
#include "ir/verifier.h"

namespace sinter::ir {
namespace {

Graph parse_ok(std::string_view text, const ParseOptions& options = {}) {
  auto g = parse_graph(text, options);
  EXPECT_TRUE(g.ok()) << g.status().to_string() << "\nin:\n" << text;
  return g.ok() ? std::move(g).value() : Graph();
}

std::string parse_error(std::string_view text, const ParseOptions& options = {}) {
  auto g = parse_graph(text, options);
  EXPECT_FALSE(g.ok()) << "parsed:\n" << text;
  return g.ok() ? "" : g.status().message();
}

// print(parse(print(g))) == print(g), and the reparsed graph equals g structurally.
void expect_round_trip(const Graph& g) {
  PrintOptions all;
  all.data = ConstantData::kAll;
  const std::string text = print_graph(g, all);
  Graph back = parse_ok(text);
  EXPECT_EQ(print_graph(back, all), text);
  Status same = check_same_graph(g, back);
  EXPECT_TRUE(same.ok()) << same.message() << "\n" << text;
}

constexpr const char* kEveryFeature =
    R"(graph(%x: f32[batch,3,?7,"seq len"], %m: i64[*], %s: bool[], %u: ?[2]) -> (%y, %"onnx::Conv_1", %x) {
  const %w: f32[2,3] = dense<1.5, -0, inf, -inf, 1e-45, 3.4028235e+38>
  const %h: f16[3] = dense<0.25, 65504, -5.9604645e-08>
  const %b: bf16[2] = dense<1, -2.5>
  const %d: f64[3] = dense<0.1, 1e+300, -5e-324>
  const %i8: i8[3] = dense<-128, 0, 127>
  const %u8: u8[2] = dense<0, 255>
  const %i16: i16[2] = dense<-32768, 32767>
  const %u16: u16[1] = dense<65535>
  const %i32: i32[2] = dense<-2147483648, 2147483647>
  const %u32: u32[1] = dense<4294967295>
  const %i64: i64[2] = dense<-9223372036854775808, 9223372036854775807>
  const %u64: u64[1] = dense<18446744073709551615>
  const %flags: bool[3] = dense<true, false, true>
  const %e4: f8e4m3[3] = dense<448, -0.015625, 1>
  const %e5: f8e5m2[2] = dense<57344, -1.5>
  const %q4: i4[3] = dense<-8, 7, 1>
  const %uq4: u4[3] = dense<0, 15, 9>
  const %zeros: f32[4,4] = splat<0>
  const %empty: f32[0,3] = dense<>
  const %scalar: i64[] = dense<5>
  const %/layer1/conv.weight: f32[1] = dense<2>
  %y: f32[batch,3,?7,"seq len"] = Relu[name="relu \"1\"\n"](%x)
  %a, _, %c: f32[*] = Split(%y, _) {axis=-1, num_outputs=3}
  %"onnx::Conv_1" = Conv(%x, %w, _) {big=-9223372036854775808, e1=ints[], e2=floats[], e3=strings[], f=1.5, fl=[0.1,-2.0,inf,1e-300], g=graph(%p: f32[2]) -> (%q) {
    const %k: f32[2] = dense<3, 4>
    %q: f32[2] = Add(%p, %k)
  }, i=7, il=[1,2,-3], s="a\tb\x01\xff#", sl=["x","","\"q\""], t=f32[2] dense<1, 2>, "weird name"=1.0}
}
)";

TEST(TextFormat, EveryFeatureRoundTrips) {
  Graph g = parse_ok(kEveryFeature);
  PrintOptions all;
  all.data = ConstantData::kAll;
  // The text above is written in the printer's own layout, so printing gives it back verbatim.
  EXPECT_EQ(print_graph(g, all), kEveryFeature);
  expect_round_trip(g);
}

TEST(TextFormat, ParsedValuesAreExact) {
  Graph g = parse_ok(kEveryFeature);
  auto c = [&](const char* name) -> const HostTensor& { return *g.value(g.find_value(name)).constant; };
  EXPECT_EQ(g.value(g.find_value("x")).shape[1], Dim(3));
  EXPECT_EQ(g.value(g.find_value("x")).shape[2], Dim::sym("?7"));
  EXPECT_EQ(g.value(g.find_value("x")).shape[3], Dim::sym("seq len"));
  EXPECT_FALSE(g.value(g.find_value("m")).shape.rank_known());
  EXPECT_EQ(g.value(g.find_value("s")).shape.rank(), 0u);
  EXPECT_EQ(g.value(g.find_value("u")).dtype, DType::kUndefined);
  EXPECT_EQ(c("w").data<float>()[4], std::numeric_limits<float>::denorm_min());
  EXPECT_TRUE(std::signbit(c("w").data<float>()[1]));
  EXPECT_EQ(c("w").data<float>()[5], std::numeric_limits<float>::max());
  EXPECT_EQ(c("d").data<double>()[2], -std::numeric_limits<double>::denorm_min());
  EXPECT_EQ(c("h").data<uint16_t>()[1], 0x7BFF);  // the largest half
  EXPECT_EQ(c("h").data<uint16_t>()[2], 0x8001);  // the smallest negative subnormal half
  EXPECT_EQ(c("i64").data<int64_t>()[0], std::numeric_limits<int64_t>::min());
  EXPECT_EQ(c("u64").data<uint64_t>()[0], std::numeric_limits<uint64_t>::max());
  EXPECT_EQ(c("q4").get_as_double(0), -8.0);
  EXPECT_EQ(c("uq4").get_as_double(1), 15.0);
  EXPECT_EQ(c("zeros").numel(), 16);
  EXPECT_EQ(c("empty").numel(), 0);
  EXPECT_EQ(c("scalar").rank(), 0u);
  EXPECT_EQ(c("scalar").data<int64_t>()[0], 5);

  const Node& relu = g.node(0);
  EXPECT_EQ(relu.name, "relu \"1\"\n");
  const Node& split = g.node(1);
  ASSERT_EQ(split.outputs.size(), 3u);
  EXPECT_EQ(split.outputs[1], kNoValue);
  ASSERT_EQ(split.inputs.size(), 2u);
  EXPECT_EQ(split.inputs[1], kNoValue);
  const Attributes& a = g.node(2).attrs;
  EXPECT_EQ(a.get_int("big"), std::numeric_limits<int64_t>::min());
  EXPECT_EQ(a.get_string("s"), std::string("a\tb\x01\xff#"));
  EXPECT_EQ(a.get_strings("sl"), (std::vector<std::string>{"x", "", "\"q\""}));
  EXPECT_EQ(a.get_floats("fl")[0], 0.1);
  EXPECT_EQ(a.get_floats("fl")[3], 1e-300);
  EXPECT_TRUE(std::holds_alternative<std::vector<int64_t>>(a.all().at("e1")));
  EXPECT_TRUE(std::holds_alternative<std::vector<double>>(a.all().at("e2")));
  EXPECT_TRUE(std::holds_alternative<std::vector<std::string>>(a.all().at("e3")));
  EXPECT_TRUE(std::holds_alternative<double>(a.all().at("weird name")));
  ASSERT_NE(a.get_tensor("t"), nullptr);
  EXPECT_EQ(a.get_tensor("t")->data<float>()[1], 2.0f);
  ASSERT_NE(a.get_graph("g"), nullptr);
  EXPECT_EQ(a.get_graph("g")->num_nodes(), 1u);
  EXPECT_TRUE(verify(*a.get_graph("g")).ok());
}

// Random bit patterns of every dtype survive print -> parse bit for bit (NaNs excepted: they
// print as "nan" without payload).
// Sequences/optionals and subgraphs that capture outer values (If's branches read %x).
constexpr const char* kControlFlow =
    R"(graph(%c: bool[], %x: f32[3], %s: seq<f32[*]>, %o: opt<i64[2]>, %os: opt<seq<f16[n]>>) -> (%y, %n, %h) {
  %n: i64[] = SequenceLength(%s)
  %h: bool[] = OptionalHasElement(%o)
  %y: f32[3] = If(%c, %x, %x) {else_branch=graph() capture(%x: f32[3]) -> (%e) {
    %e: f32[3] = Neg(%x)
  }, then_branch=graph() capture(%x: f32[3]) -> (%t) {
    %t: f32[3] = Relu(%x)
  }}
  %e: seq<f16[n]> = OptionalGetElement(%os)
}
)";

TEST(TextFormat, ValueKindsAndCapturesRoundTrip) {
  Graph g = parse_ok(kControlFlow);
  EXPECT_EQ(print_graph(g), kControlFlow);
  expect_round_trip(g);
  EXPECT_EQ(g.value(g.find_value("s")).kind, ValueKind::kSequence);
  EXPECT_EQ(g.value(g.find_value("o")).kind, ValueKind::kOptionalTensor);
  EXPECT_EQ(g.value(g.find_value("os")).kind, ValueKind::kOptionalSequence);
  EXPECT_EQ(g.value(g.find_value("e")).kind, ValueKind::kSequence);
  const Node& if_node = g.node(2);
  auto then_branch = if_node.attrs.get_graph("then_branch");
  ASSERT_NE(then_branch, nullptr);
  ASSERT_EQ(then_branch->captures().size(), 1u);
  EXPECT_EQ(then_branch->value(then_branch->captures()[0]).name, "x");
  EXPECT_TRUE(then_branch->inputs().empty());
  EXPECT_EQ(implicit_input_offset(if_node), 1u);
  Status st = verify(g);
  EXPECT_TRUE(st.ok()) << st.message();
  // A capture differs: the structural comparison says which.
  Graph other = parse_ok(kControlFlow);
  other.node(2).attrs.get_graph("then_branch")->value(0).dtype = DType::kFloat16;
  st = check_same_graph(g, other);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("attribute 'then_branch': capture 0: expected %x: f32[3], got %x: f16[3]"),
            std::string::npos)
      << st.message();
}

TEST(TextFormat, RandomDataOfEveryDTypeRoundTripsExactly) {
  std::mt19937_64 rng(1234);
  Graph g;
  const DType kTypes[] = {DType::kFloat32,    DType::kFloat16,   DType::kBFloat16, DType::kFloat64, DType::kInt8,
                          DType::kUInt8,      DType::kInt16,     DType::kUInt16,   DType::kInt32,   DType::kUInt32,
                          DType::kInt64,      DType::kUInt64,    DType::kBool,     DType::kInt4,    DType::kUInt4,
                          DType::kFloat8E4M3, DType::kFloat8E5M2, DType::kFloat8E4M3FNUZ, DType::kFloat8E5M2FNUZ,
                          DType::kFloat8E8M0, DType::kFloat4E2M1, DType::kInt2,    DType::kUInt2};
  for (DType t : kTypes) {
    HostTensor data(t, {3, 7});
    auto* bytes = static_cast<unsigned char*>(data.raw());
    for (size_t i = 0; i < data.nbytes(); ++i) bytes[i] = static_cast<unsigned char>(rng());
    if (dtype_bits(t) < 8)  // clear the unused bits of the last byte
      bytes[data.nbytes() - 1] &= static_cast<unsigned char>((1u << (data.numel() * dtype_bits(t) % 8)) - 1u);
    if (t == DType::kBool)
      for (int64_t i = 0; i < data.numel(); ++i) data.data<uint8_t>()[i] &= 1;
    for (int64_t i = 0; i < data.numel(); ++i)
      if (dtype_is_float(t) && std::isnan(data.get_as_double(i))) data.set_from_double(i, 1.0);
    ValueId v = g.add_constant("c_" + std::string(dtype_name(t)), std::move(data));
    g.add_output(v);
  }
  expect_round_trip(g);
}

TEST(TextFormat, GraphBuiltThroughTheApiRoundTrips) {
  Graph g;
  ValueId x = g.add_value("x", DType::kFloat32, Shape({Dim::sym("n"), Dim(4)}));
  g.add_input(x);
  HostTensor wdata(DType::kFloat32, {4});
  for (int i = 0; i < 4; ++i) wdata.data<float>()[i] = 0.1f * static_cast<float>(i);
  ValueId w = g.add_constant("w", std::move(wdata));
  // A graph input that carries data (an overridable initializer).
  ValueId bias = g.add_value("bias", DType::kFloat32, Shape({4}));
  HostTensor bdata(DType::kFloat32, {4});
  g.value(bias).constant = std::make_shared<const HostTensor>(bdata);
  g.add_input(bias);
  ValueId m = g.add_value("m", DType::kFloat32, Shape({Dim::sym("n"), Dim(4)}));
  ValueId y = g.add_value("y", DType::kUndefined, Shape::unknown_rank());
  ValueId mask = g.add_value("mask", DType::kBool, Shape({Dim::sym("n"), Dim(4)}));
  Attributes attrs;
  attrs.set("alpha", 0.2);
  attrs.set("mode", std::string("x\"y"));
  g.add_node(OpKind::kMul, "mul", {x, w}, {m});
  g.add_node(OpKind::kDropout, "", {m, kNoValue, kNoValue}, {y, mask}, attrs);
  g.add_output(y);
  g.add_output(y);  // the same value twice
  ASSERT_TRUE(verify(g).ok()) << verify(g).message();
  expect_round_trip(g);
  const std::string text = print_graph(g);
  EXPECT_NE(text.find("graph(%x: f32[n,4], %bias: f32[4]) -> (%y, %y) {"), std::string::npos) << text;
  EXPECT_NE(text.find("const %bias: f32[4] = splat<0>"), std::string::npos) << text;
  EXPECT_NE(text.find("%y, %mask: bool[n,4] = Dropout(%m, _, _) {alpha=0.2, mode=\"x\\\"y\"}"), std::string::npos)
      << text;
  Graph back = parse_ok(text);
  EXPECT_EQ(back.inputs().size(), 2u);
  ASSERT_TRUE(back.value(back.inputs()[1]).constant);
}

TEST(TextFormat, LargeConstantsAreElidedWithAHashUnlessAskedForData) {
  Graph g;
  HostTensor big(DType::kFloat32, {5, 7});
  for (int64_t i = 0; i < big.numel(); ++i) big.data<float>()[i] = static_cast<float>(i);
  HostTensor small(DType::kInt64, {2});
  small.data<int64_t>()[0] = 1;
  small.data<int64_t>()[1] = 2;
  const std::string hash = tensor_content_hash(big);
  g.add_output(g.add_constant("big", big));
  g.add_output(g.add_constant("small", small));
  const std::string text = print_graph(g);
  EXPECT_NE(text.find("const %big: f32[5,7] = elided<\"fnv1a64:" + hash + "\">"), std::string::npos) << text;
  EXPECT_NE(text.find("const %small: i64[2] = dense<1, 2>"), std::string::npos) << text;
  // A different content gives a different hash.
  big.data<float>()[3] = 100.0f;
  EXPECT_NE(tensor_content_hash(big), hash);

  std::string err = parse_error(text);
  EXPECT_NE(err.find("line 2, column 26"), std::string::npos) << err;
  EXPECT_NE(err.find("elided"), std::string::npos) << err;
  ParseOptions zeros;
  zeros.elided_as_zeros = true;
  Graph back = parse_ok(text, zeros);
  const HostTensor& z = *back.value(back.find_value("big")).constant;
  EXPECT_EQ(z.dims(), (std::vector<int64_t>{5, 7}));
  EXPECT_EQ(z.data<float>()[34], 0.0f);

  PrintOptions all;
  all.data = ConstantData::kAll;
  expect_round_trip(g);
  PrintOptions none;
  none.data = ConstantData::kNone;
  EXPECT_NE(print_graph(g, none).find("const %small: i64[2] = elided<>"), std::string::npos);
  PrintOptions more;
  more.max_inline_elements = 35;
  EXPECT_NE(print_graph(g, more).find("dense<0, 1, 2,"), std::string::npos);
}

TEST(TextFormat, FloatsPrintShortestAndExact) {
  EXPECT_EQ(format_double(1.0), "1.0");
  EXPECT_EQ(format_double(-0.0), "-0.0");
  EXPECT_EQ(format_double(0.1), "0.1");
  EXPECT_EQ(format_double(1e20), "1e+20");
  EXPECT_EQ(format_double(INFINITY), "inf");
  EXPECT_EQ(format_double(-INFINITY), "-inf");
  EXPECT_EQ(format_double(NAN), "nan");
  std::mt19937_64 rng(7);
  for (int i = 0; i < 2000; ++i) {
    uint64_t bits = rng();
    double d;
    std::memcpy(&d, &bits, 8);
    if (std::isnan(d)) continue;
    Graph g;
    ValueId x = g.add_value("x", DType::kFloat32, Shape({1}));
    ValueId y = g.add_value("y", DType::kFloat32, Shape({1}));
    g.add_input(x);
    Attributes a;
    a.set("v", d);
    g.add_node(OpKind::kLeakyRelu, "", {x}, {y}, a);
    g.add_output(y);
    Graph back = parse_ok(print_graph(g));
    double got = back.node(0).attrs.get_float("v");
    ASSERT_EQ(std::memcmp(&got, &d, 8), 0) << format_double(d);
  }
}

TEST(TextFormat, HandWrittenTextIsFlexible) {
  // No types on node outputs, comments, a graph name, forward references, odd spacing.
  Graph g = parse_ok(R"(
    # a comment
    graph tiny ( %x : f32 [ 2 , n ] ) -> ( %z ) {
      %z = Relu(%y)   # uses %y before its definition: the verifier, not the parser, rejects that
      %y = Neg(%x) {alpha = 1, beta = [1, 2.5]}
    })");
  EXPECT_EQ(g.num_nodes(), 2u);
  EXPECT_EQ(g.value(g.find_value("z")).dtype, DType::kUndefined);
  EXPECT_FALSE(g.value(g.find_value("z")).shape.rank_known());
  // A list with a float in it is a float list.
  EXPECT_EQ(g.node(1).attrs.get_floats("beta"), (std::vector<double>{1.0, 2.5}));
  EXPECT_FALSE(verify(g).ok());
  EXPECT_EQ(print_graph(g),
            "graph(%x: f32[2,n]) -> (%z) {\n"
            "  %z = Relu(%y)\n"
            "  %y = Neg(%x) {alpha=1, beta=[1.0,2.5]}\n"
            "}\n");
  // A node without outputs.
  Graph none = parse_ok("graph() -> () { () = Identity() }");
  EXPECT_EQ(print_graph(none), "graph() -> () {\n  () = Identity()\n}\n");
}

TEST(TextFormat, ErrorsNameLineAndColumn) {
  struct Case {
    const char* text;
    const char* expected;
  };
  const Case kCases[] = {
      {"graph(%x: f32[2]) -> (%y) {\n  %y = Foo(%x)\n}", "line 2, column 8: unknown op 'Foo'"},
      {"graph(%x: f32[2]) -> (%y) {\n  %y = Relu(%q)\n}", "line 2, column 13: undefined value '%q'"},
      {"graph(%x: f32[2]) -> (%nope) {\n}", "line 1, column 23: undefined value '%nope'"},
      {"graph(%x: f32[2]) -> (%x) {\n  %x = Relu(%x)\n}", "line 2, column 3: '%x' is already defined at line 1"},
      {"graph() -> (%c) {\n  const %c: f32[2,3] = dense<1, 2>\n}",
       "line 2, column 24: '%c': dense<> has 2 values but f32[2,3] holds 6"},
      {"graph() -> (%c) {\n  const %c: u8[2] = dense<1, 300>\n}", "line 2, column 30: 300 is out of range for u8"},
      {"graph() -> (%c) {\n  const %c: i32[1] = dense<1.5>\n}",
       "line 2, column 28: expected an integer i32 value, found '1.5'"},
      {"graph() -> (%c) {\n  const %c: f32[n] = dense<1>\n}", "line 2, column 13: '%c': constants need a static shape"},
      {"graph(%x: f32[2]) -> (%x) {\n  %y = Relu(%x) {s=\"abc\n}", "line 2, column 20: unterminated string"},
      {"graph(%x: f32[2]) -> (%x) {\n  %y = Relu(%x {a=1}\n}", "line 2, column 16: expected ',' but found '{'"},
      {"graph(%x: f32[2]) -> (%x) {\n  %y = Relu(%x) {a=[]}\n}",
       "line 2, column 20: an empty list needs its kind: ints[], floats[] or strings[]"},
      {"graph(%x: f32[2]) -> (%x) {\n  %y = Relu(%x) {a=1, a=2}\n}", "line 2, column 23: attribute 'a' is given twice"},
      {"graph(%x: f32[2]) -> (%x) {\n  %y = Relu(%x) @\n}", "line 2, column 17: unexpected character \"@\""},
      {"graph(%x: f32[2]) -> (%x) {\n}\ngraph", "line 3, column 1: expected end of input after the graph"},
      {"graph(%x: f33[2]) -> (%x) {}", "line 1, column 11: expected a dtype"},
      {"graph(%x: f32[2]) -> (%x) {\n  %y = Relu(%x)", "line 2, column 16: expected '}' to close the graph"},
      {"graph(%x: f32[2]) -> (%x) {\n  %y = Relu(%x) {s=\"\\q\"}\n}", "line 2, column 21: unknown escape in string"},
      {"graph(%x: f32[2]) -> (%x) {\n  %y = Relu(%x) {f=1e999}\n}",
       "line 2, column 20: 1e999 is not a valid 64-bit float"},
      {"graph() -> (%c) {\n  const %c: f32[99999999999,99999999999] = splat<0>\n}",
       "line 2, column 13: '%c': f32[99999999999,99999999999] is too large for a constant"},
      {"graph(%x: seq<f32[2]) -> (%x) {}", "line 1, column 21: expected '>' but found ')'"},
      {"graph(%x: f32[2]) -> (%x) {\n  %y = Relu(%x) {g=graph() -> (%k) {}}\n}",
       "line 2, column 32: undefined value '%k'"},
  };
  for (const Case& c : kCases) {
    std::string err = parse_error(c.text);
    EXPECT_NE(err.find(c.expected), std::string::npos) << "got: " << err << "\nwanted: " << c.expected;
  }
}

}  // namespace
}  // namespace sinter::ir

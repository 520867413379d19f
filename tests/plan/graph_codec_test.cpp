// The graph section on its own: encode/decode round trips and malformed input.
#include "plan/graph_codec.h"

#include <gtest/gtest.h>

#include "plan/format.h"
#include "plan_test_util.h"

namespace sinter::plan {
namespace {

using plan_test::expect_graphs_equal;
using plan_test::make_rich_graph;

// Lays the weights out in one buffer the way the writer does in the file.
std::string weights_blob(const WeightLayout& layout) {
  std::string blob(layout.size(), '\0');
  for (const auto& e : layout.entries())
    if (e.tensor->nbytes()) std::memcpy(blob.data() + e.offset, e.tensor->raw(), e.tensor->nbytes());
  return blob;
}

TEST(GraphCodec, RoundTripsEveryAttributeKindAndShape) {
  ir::Graph g = make_rich_graph();
  WeightLayout layout;
  std::string bytes = encode_graph(g, layout);
  auto blob = std::make_shared<std::string>(weights_blob(layout));
  WeightsView view{reinterpret_cast<const uint8_t*>(blob->data()), blob->size(), blob};
  auto back = decode_graph(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), view);
  ASSERT_TRUE(back.ok()) << back.status().to_string();
  expect_graphs_equal(g, *back);

  // Re-encoding the decoded graph gives the same bytes: nothing is lost or reordered.
  WeightLayout layout2;
  EXPECT_EQ(encode_graph(*back, layout2), bytes);
  EXPECT_EQ(layout2.size(), layout.size());
}

TEST(GraphCodec, StoresOpNamesNotEnumNumbers) {
  ir::Graph g = make_rich_graph();
  WeightLayout layout;
  std::string bytes = encode_graph(g, layout);
  // u32 length, then the name.
  EXPECT_NE(bytes.find(std::string("\x06\0\0\0", 4) + "MatMul"), std::string::npos);
  EXPECT_NE(bytes.find(std::string("\x07\0\0\0", 4) + "Dropout"), std::string::npos);
}

TEST(GraphCodec, PlacesWeightsAlignedAndOnce) {
  ir::Graph g = make_rich_graph();
  WeightLayout layout;
  encode_graph(g, layout);
  size_t distinct = 0;
  for (const auto& v : g.values()) distinct += v.constant ? 1 : 0;
  // w and w_alias share one tensor; the subgraphs hold three more constants.
  EXPECT_EQ(layout.entries().size(), distinct - 1 + 3);
  for (const auto& e : layout.entries()) EXPECT_EQ(e.offset % kAlignment, 0u);
}

TEST(GraphCodec, DropsErasedNodes) {
  ir::Graph g = plan_test::make_add_relu_graph();
  g.node(1).erased = true;
  g.set_outputs({g.node(0).outputs[0]});
  WeightLayout layout;
  std::string bytes = encode_graph(g, layout);
  auto blob = std::make_shared<std::string>(weights_blob(layout));
  auto back = decode_graph(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(),
                           {reinterpret_cast<const uint8_t*>(blob->data()), blob->size(), blob});
  ASSERT_TRUE(back.ok()) << back.status().to_string();
  EXPECT_EQ(back->num_nodes(), 1u);
  EXPECT_EQ(back->node(0).name, "add");
}

TEST(GraphCodec, EveryTruncationIsRefusedCleanly) {
  ir::Graph g = make_rich_graph();
  WeightLayout layout;
  std::string bytes = encode_graph(g, layout);
  auto blob = std::make_shared<std::string>(weights_blob(layout));
  WeightsView view{reinterpret_cast<const uint8_t*>(blob->data()), blob->size(), blob};
  for (size_t n = 0; n < bytes.size(); ++n) {
    auto r = decode_graph(reinterpret_cast<const uint8_t*>(bytes.data()), n, view);
    ASSERT_FALSE(r.ok()) << "prefix of " << n << " bytes decoded";
    EXPECT_EQ(r.status().code(), StatusCode::kDataLoss);
    EXPECT_NE(r.status().message().find("plan section 'graph'"), std::string::npos) << r.status().message();
  }
}

TEST(GraphCodec, CorruptBytesNeverCrash) {
  // Not every flip is detectable without the section CRC (a flipped float is still a float), but
  // decoding must stay in bounds and either succeed or fail with a message.
  ir::Graph g = make_rich_graph();
  WeightLayout layout;
  const std::string bytes = encode_graph(g, layout);
  auto blob = std::make_shared<std::string>(weights_blob(layout));
  WeightsView view{reinterpret_cast<const uint8_t*>(blob->data()), blob->size(), blob};
  size_t refused = 0;
  for (size_t i = 0; i < bytes.size(); ++i) {
    for (uint8_t flip : {uint8_t{0x01}, uint8_t{0x80}, uint8_t{0xFF}}) {
      std::string bad = bytes;
      bad[i] = static_cast<char>(bad[i] ^ flip);
      auto r = decode_graph(reinterpret_cast<const uint8_t*>(bad.data()), bad.size(), view);
      if (!r.ok()) {
        ++refused;
        EXPECT_FALSE(r.status().message().empty());
        EXPECT_EQ(r.status().message().find('\n'), std::string::npos);
      }
    }
  }
  EXPECT_GT(refused, bytes.size());
}

TEST(GraphCodec, RefusesUnknownOpNames) {
  ir::Graph g = plan_test::make_add_relu_graph();
  WeightLayout layout;
  std::string bytes = encode_graph(g, layout);
  auto at = bytes.find("Relu");
  ASSERT_NE(at, std::string::npos);
  bytes.replace(at, 4, "Rely");
  auto blob = std::make_shared<std::string>(weights_blob(layout));
  auto r = decode_graph(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(),
                        {reinterpret_cast<const uint8_t*>(blob->data()), blob->size(), blob});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("op 'Rely'"), std::string::npos) << r.status().message();
}

TEST(GraphCodec, RefusesWeightsOutsideTheSection) {
  ir::Graph g = plan_test::make_add_relu_graph();
  WeightLayout layout;
  std::string bytes = encode_graph(g, layout);
  std::string short_blob(layout.size() - 1, '\0');
  auto r = decode_graph(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(),
                        {reinterpret_cast<const uint8_t*>(short_blob.data()), short_blob.size(), nullptr});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("outside the weights section"), std::string::npos) << r.status().message();
}

TEST(GraphCodec, RefusesDeeplyNestedSubgraphs) {
  // 40 levels of subgraphs: deeper than the reader allows, so a hostile file cannot blow the stack.
  auto inner = std::make_shared<ir::Graph>();
  for (int i = 0; i < 40; ++i) {
    auto outer = std::make_shared<ir::Graph>();
    ir::Attributes a;
    a.set("body", inner);
    auto v = outer->add_value("v", DType::kFloat32, Shape({1}));
    outer->add_input(v);
    outer->add_node(ir::OpKind::kIdentity, "n", {v}, {v}, a);
    inner = outer;
  }
  WeightLayout layout;
  std::string bytes = encode_graph(*inner, layout);
  auto r = decode_graph(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), {});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("nest deeper"), std::string::npos) << r.status().message();
}

}  // namespace
}  // namespace sinter::plan

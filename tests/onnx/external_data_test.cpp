// External data: accepted inside the model's folder, refused outside it or when sizes disagree.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "onnx/importer.h"
#include "onnx/onnx.pb.h"

namespace sinter::onnx_import {
namespace {

namespace fs = std::filesystem;

void write_floats(const fs::path& path, const std::vector<float>& values) {
  fs::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(values.data()), static_cast<std::streamsize>(values.size() * sizeof(float)));
}

// y = x + w, with w (f32[4]) stored in external data at `location`.
std::string model_bytes(const std::string& location, const std::string& offset = "", const std::string& length = "") {
  ::onnx::ModelProto m;
  m.set_ir_version(8);
  auto* opset = m.add_opset_import();
  opset->set_domain("");
  opset->set_version(17);
  auto* g = m.mutable_graph();
  g->set_name("external");
  auto* w = g->add_initializer();
  w->set_name("w");
  w->set_data_type(::onnx::TensorProto::FLOAT);
  w->add_dims(4);
  w->set_data_location(::onnx::TensorProto::EXTERNAL);
  auto add_kv = [&](const std::string& k, const std::string& v) {
    auto* kv = w->add_external_data();
    kv->set_key(k);
    kv->set_value(v);
  };
  add_kv("location", location);
  if (!offset.empty()) add_kv("offset", offset);
  if (!length.empty()) add_kv("length", length);
  auto* x = g->add_input();
  x->set_name("x");
  x->mutable_type()->mutable_tensor_type()->set_elem_type(::onnx::TensorProto::FLOAT);
  x->mutable_type()->mutable_tensor_type()->mutable_shape()->add_dim()->set_dim_value(4);
  auto* node = g->add_node();
  node->set_name("add");
  node->set_op_type("Add");
  node->add_input("x");
  node->add_input("w");
  node->add_output("y");
  g->add_output()->set_name("y");
  return m.SerializeAsString();
}

class ExternalData : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::path(::testing::TempDir()) /
            ("sinter_external_" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(root_);
    dir_ = root_ / "model";
    write_floats(dir_ / "w.bin", {1, 2, 3, 4});
    write_floats(dir_ / "sub" / "w2.bin", {9, 9, 9, 9, 5, 6, 7, 8});
    write_floats(root_ / "outside.bin", {-1, -2, -3, -4});
    fs::create_symlink(root_ / "outside.bin", dir_ / "link_out.bin");
    fs::create_symlink("w.bin", dir_ / "link_in.bin");
    fs::create_directory_symlink(root_, dir_ / "up");
  }
  void TearDown() override { fs::remove_all(root_); }

  Result<ir::Graph> import(const std::string& location, int64_t offset = -1, int64_t length = -1) {
    return import_raw(location, offset < 0 ? "" : std::to_string(offset), length < 0 ? "" : std::to_string(length));
  }
  Result<ir::Graph> import_raw(const std::string& location, const std::string& offset, const std::string& length) {
    const fs::path path = dir_ / "model.onnx";
    std::ofstream(path, std::ios::binary) << model_bytes(location, offset, length);
    ImportOptions options;
    options.infer_shapes = false;  // only the weights matter here
    return import_model_file(path.string(), options);
  }

  static std::vector<float> weights(const ir::Graph& g) {
    const auto& c = g.value(g.find_value("w")).constant;
    return c ? std::vector<float>(c->data<float>(), c->data<float>() + c->numel()) : std::vector<float>{};
  }

  fs::path root_;
  fs::path dir_;
};

TEST_F(ExternalData, InsideTheFolderIsRead) {
  auto g = import("w.bin");
  ASSERT_TRUE(g.ok()) << g.status().to_string();
  EXPECT_EQ(weights(*g), (std::vector<float>{1, 2, 3, 4}));
  auto sub = import("sub/w2.bin", 16, 16);
  ASSERT_TRUE(sub.ok()) << sub.status().to_string();
  EXPECT_EQ(weights(*sub), (std::vector<float>{5, 6, 7, 8}));
  auto dotted = import("sub/../w.bin");
  ASSERT_TRUE(dotted.ok()) << dotted.status().to_string();
  auto link = import("link_in.bin");
  ASSERT_TRUE(link.ok()) << link.status().to_string();
  EXPECT_EQ(weights(*link), (std::vector<float>{1, 2, 3, 4}));
}

TEST_F(ExternalData, DotDotEscapeIsRefused) {
  auto g = import("../outside.bin");
  ASSERT_FALSE(g.ok());
  EXPECT_NE(g.status().message().find("leaves the model's folder"), std::string::npos) << g.status().message();
  EXPECT_NE(g.status().message().find("initializer 'w'"), std::string::npos) << g.status().message();
  EXPECT_FALSE(import("sub/../../outside.bin").ok());
}

TEST_F(ExternalData, AbsolutePathIsRefused) {
  auto g = import((root_ / "outside.bin").string());
  ASSERT_FALSE(g.ok());
  EXPECT_NE(g.status().message().find("absolute"), std::string::npos) << g.status().message();
  // Even when it points inside the folder.
  EXPECT_FALSE(import((dir_ / "w.bin").string()).ok());
}

TEST_F(ExternalData, SymlinkLeadingOutsideIsRefused) {
  auto g = import("link_out.bin");
  ASSERT_FALSE(g.ok());
  EXPECT_NE(g.status().message().find("symlink"), std::string::npos) << g.status().message();
  auto via_dir = import("up/outside.bin");
  ASSERT_FALSE(via_dir.ok());
  EXPECT_NE(via_dir.status().message().find("symlink"), std::string::npos) << via_dir.status().message();
}

TEST_F(ExternalData, SizeMismatchAndRangePastTheEndAreRefused) {
  auto shorter = import("w.bin", 0, 12);
  ASSERT_FALSE(shorter.ok());
  EXPECT_NE(shorter.status().message().find("size mismatch"), std::string::npos) << shorter.status().message();
  auto past = import("w.bin", 8, 16);
  ASSERT_FALSE(past.ok());
  EXPECT_NE(past.status().message().find("past the end"), std::string::npos) << past.status().message();
  auto offset_past = import("w.bin", 100);
  ASSERT_FALSE(offset_past.ok());
  // The whole 32-byte file for 16 bytes of tensor (no length given).
  auto whole = import("sub/w2.bin");
  ASSERT_FALSE(whole.ok());
  EXPECT_NE(whole.status().message().find("size mismatch"), std::string::npos) << whole.status().message();
}

TEST_F(ExternalData, MissingFileAndBadOffsetAreErrors) {
  auto missing = import("missing.bin");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound) << missing.status().to_string();
  auto bad_offset = import_raw("w.bin", "12abc", "");
  ASSERT_FALSE(bad_offset.ok());
  EXPECT_NE(bad_offset.status().message().find("'12abc' is not a non-negative integer"), std::string::npos)
      << bad_offset.status().message();
  EXPECT_FALSE(import_raw("w.bin", "-4", "").ok());
}

TEST_F(ExternalData, ModelFromMemoryMayNotUseExternalData) {
  ImportOptions options;
  options.infer_shapes = false;
  auto g = import_model_bytes(model_bytes("w.bin"), "", options);
  ASSERT_FALSE(g.ok());
  EXPECT_NE(g.status().message().find("not allowed"), std::string::npos) << g.status().message();
  auto with_dir = import_model_bytes(model_bytes("w.bin"), dir_.string(), options);
  ASSERT_TRUE(with_dir.ok()) << with_dir.status().to_string();
}

}  // namespace
}  // namespace sinter::onnx_import

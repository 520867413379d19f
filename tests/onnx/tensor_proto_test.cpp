// TensorProto storage forms -> HostTensor, against values decoded by onnx.numpy_helper.
#include "onnx/tensor_proto.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "onnx/importer.h"
#include "onnx/onnx.pb.h"

namespace sinter::onnx_import {
namespace {

const std::string kTensorDir = std::string(SINTER_FIXTURE_DIR) + "/onnx_import/tensors/";

struct TensorCase {
  const char* name;
  DType dtype;
};

class TensorForms : public ::testing::TestWithParam<TensorCase> {};

TEST_P(TensorForms, DecodesLikeNumpyHelper) {
  const TensorCase& c = GetParam();
  std::string name;
  auto t = read_tensor_proto_file(kTensorDir + c.name + ".pb", &name);
  ASSERT_TRUE(t.ok()) << t.status().to_string();
  auto expected = read_tensor_proto_file(kTensorDir + c.name + ".expected.pb");
  ASSERT_TRUE(expected.ok()) << expected.status().to_string();
  EXPECT_EQ(name, c.name);
  EXPECT_EQ(t->dtype(), c.dtype) << dtype_name(t->dtype());
  ASSERT_EQ(t->dims(), expected->dims());
  ASSERT_EQ(expected->dtype(), DType::kFloat64);
  for (int64_t i = 0; i < t->numel(); ++i) {
    const double want = expected->get_as_double(i);
    if (c.dtype == DType::kInt64 || c.dtype == DType::kUInt64)
      EXPECT_EQ(t->get_as_int64(i), static_cast<int64_t>(want)) << c.name << " element " << i;
    else
      EXPECT_EQ(t->get_as_double(i), want) << c.name << " element " << i;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Onnx, TensorForms,
    ::testing::Values(TensorCase{"f32_raw", DType::kFloat32}, TensorCase{"f32_float_data", DType::kFloat32},
                      TensorCase{"f64_double_data", DType::kFloat64}, TensorCase{"f16_int32_data", DType::kFloat16},
                      TensorCase{"f16_raw", DType::kFloat16}, TensorCase{"bf16_int32_data", DType::kBFloat16},
                      TensorCase{"bf16_raw", DType::kBFloat16}, TensorCase{"fp8e4m3_int32_data", DType::kFloat8E4M3},
                      TensorCase{"fp8e5m2_int32_data", DType::kFloat8E5M2}, TensorCase{"i8_int32_data", DType::kInt8},
                      TensorCase{"u8_int32_data", DType::kUInt8}, TensorCase{"i16_int32_data", DType::kInt16},
                      TensorCase{"u16_int32_data", DType::kUInt16}, TensorCase{"i32_int32_data", DType::kInt32},
                      TensorCase{"i64_int64_data", DType::kInt64}, TensorCase{"u32_uint64_data", DType::kUInt32},
                      TensorCase{"u64_uint64_data", DType::kUInt64}, TensorCase{"bool_int32_data", DType::kBool},
                      TensorCase{"bool_raw", DType::kBool}, TensorCase{"i64_raw", DType::kInt64},
                      TensorCase{"int4_int32_data", DType::kInt4}, TensorCase{"int4_raw", DType::kInt4},
                      TensorCase{"uint4_int32_data", DType::kUInt4}, TensorCase{"scalar_f32", DType::kFloat32},
                      TensorCase{"empty_f32", DType::kFloat32}),
    [](const auto& info) { return std::string(info.param.name); });

::onnx::TensorProto make_proto(int32_t type, std::vector<int64_t> dims) {  // NOLINT
  ::onnx::TensorProto p;
  p.set_name("t");
  p.set_data_type(type);
  for (int64_t d : dims) p.add_dims(d);
  return p;
}

TEST(TensorProto, TypedFieldCountMismatchNamesTheField) {
  auto p = make_proto(::onnx::TensorProto::FLOAT, {2, 3});
  for (int i = 0; i < 5; ++i) p.add_float_data(1.0f);
  auto t = tensor_from_proto(p, "", "initializer 'w'");
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.status().message().find("initializer 'w'"), std::string::npos) << t.status().message();
  EXPECT_NE(t.status().message().find("float_data holds 5"), std::string::npos) << t.status().message();
}

TEST(TensorProto, HugeDimsWithoutDataAreRefusedBeforeAllocating) {
  auto p = make_proto(::onnx::TensorProto::FLOAT, {1 << 20, 1 << 20});
  p.add_float_data(1.0f);
  auto t = tensor_from_proto(p, "", "t");
  ASSERT_FALSE(t.ok());
  auto q = make_proto(::onnx::TensorProto::FLOAT, {int64_t{1} << 40, int64_t{1} << 40});
  EXPECT_FALSE(tensor_from_proto(q, "", "t").ok());
  auto r = make_proto(::onnx::TensorProto::INT64, {3});
  r.set_raw_data(std::string(23, '\0'));
  auto rt = tensor_from_proto(r, "", "t");
  ASSERT_FALSE(rt.ok());
  EXPECT_NE(rt.status().message().find("raw_data holds 23 bytes"), std::string::npos) << rt.status().message();
}

TEST(TensorProto, NegativeDimAndMissingDataAreErrors) {
  auto p = make_proto(::onnx::TensorProto::FLOAT, {2, -1});
  EXPECT_FALSE(tensor_from_proto(p, "", "t").ok());
  auto q = make_proto(::onnx::TensorProto::FLOAT, {2});
  auto t = tensor_from_proto(q, "", "t");
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.status().message().find("no data"), std::string::npos) << t.status().message();
}

TEST(TensorProto, UnsupportedTypesAreNamed) {
  // Numbers, not enum names: the schema compiled here (ONNX 1.12) predates the fp8 types.
  for (auto [type, name] :
       {std::pair<int32_t, const char*>{8, "STRING"}, std::pair<int32_t, const char*>{14, "COMPLEX64"},
        std::pair<int32_t, const char*>{27, "FLOAT6E2M3"}, std::pair<int32_t, const char*>{28, "FLOAT6E3M2"}}) {
    auto p = make_proto(type, {1});
    auto t = tensor_from_proto(p, "", "t");
    ASSERT_FALSE(t.ok());
    EXPECT_EQ(t.status().code(), StatusCode::kUnimplemented);
    EXPECT_NE(t.status().message().find(name), std::string::npos) << t.status().message();
  }
}

TEST(TensorProto, ExternalDataNeedsAModelFolder) {
  auto p = make_proto(::onnx::TensorProto::FLOAT, {1});
  p.set_data_location(::onnx::TensorProto::EXTERNAL);
  auto* kv = p.add_external_data();
  kv->set_key("location");
  kv->set_value("w.bin");
  auto t = tensor_from_proto(p, "", "t");
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.status().message().find("not allowed"), std::string::npos) << t.status().message();
}

TEST(TensorProto, SparseTensorIsDensified) {
  ::onnx::SparseTensorProto sp;
  sp.add_dims(2);
  sp.add_dims(3);
  auto* values = sp.mutable_values();
  values->set_data_type(::onnx::TensorProto::INT32);
  values->add_dims(2);
  values->add_int32_data(7);
  values->add_int32_data(-4);
  auto* indices = sp.mutable_indices();
  indices->set_data_type(::onnx::TensorProto::INT64);
  indices->add_dims(2);
  indices->add_dims(2);
  for (int64_t v : {0, 2, 1, 0}) indices->add_int64_data(v);  // coordinates (0,2) and (1,0)
  auto t = tensor_from_sparse_proto(sp, "", "s");
  ASSERT_TRUE(t.ok()) << t.status().to_string();
  ASSERT_EQ(t->dims(), (std::vector<int64_t>{2, 3}));
  const std::vector<int32_t> want = {0, 0, 7, -4, 0, 0};
  for (int i = 0; i < 6; ++i) EXPECT_EQ(t->data<int32_t>()[i], want[static_cast<size_t>(i)]) << i;
  indices->set_int64_data(0, 5);  // out of range
  EXPECT_FALSE(tensor_from_sparse_proto(sp, "", "s").ok());
}

TEST(TensorProto, ReadingAMissingOrCorruptFileFailsCleanly) {
  EXPECT_EQ(read_tensor_proto_file(kTensorDir + "does_not_exist.pb").status().code(), StatusCode::kNotFound);
  auto t = read_tensor_proto_file(std::string(SINTER_FIXTURE_DIR) + "/onnx_import/bad/truncated.onnx");
  EXPECT_FALSE(t.ok());
}

}  // namespace
}  // namespace sinter::onnx_import

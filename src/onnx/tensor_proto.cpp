#include "onnx/tensor_proto.h"

#include <bit>
#include <charconv>
#include <cstring>
#include <limits>

#include "onnx/external_data.h"
#include "onnx/onnx.pb.h"
#include "onnx/onnx_dtype.h"

namespace sinter::onnx_import {

static_assert(std::endian::native == std::endian::little, "raw_data is little-endian; big-endian hosts need swaps");

namespace {

// Tensors larger than this are refused before allocating (2^40 elements is far past any real model).
constexpr int64_t kMaxElements = int64_t{1} << 40;

Result<uint64_t> parse_u64(const std::string& s, const std::string& what) {
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || s.empty())
    return invalid_argument(what + ": '" + s + "' is not a non-negative integer");
  return v;
}

Result<ExternalDataRef> external_ref(const ::onnx::TensorProto& proto, const std::string& what) {
  ExternalDataRef ref;
  for (const auto& kv : proto.external_data()) {
    if (kv.key() == "location") {
      ref.location = kv.value();
    } else if (kv.key() == "offset") {
      SINTER_ASSIGN_OR_RETURN(ref.offset, parse_u64(kv.value(), what + ": external data offset"));
    } else if (kv.key() == "length") {
      SINTER_ASSIGN_OR_RETURN(ref.length, parse_u64(kv.value(), what + ": external data length"));
      ref.has_length = true;
    }
    // "checksum" and unknown keys are informational.
  }
  if (ref.location.empty()) return invalid_argument(what + ": external data without a location");
  return ref;
}

// Copies `count` typed-field values into `out`, converting each with `convert`.
template <typename Field, typename Store>
Status fill_from_field(const Field& field, int64_t count, const char* field_name, const std::string& what,
                       Store store) {
  if (static_cast<int64_t>(field.size()) != count)
    return invalid_argument(what + ": " + field_name + " holds " + std::to_string(field.size()) +
                            " values, the tensor's dims need " + std::to_string(count));
  for (int64_t i = 0; i < count; ++i) store(i, field.Get(static_cast<int>(i)));
  return Status::Ok();
}

// The typed field that holds `dtype`'s values, and how many entries it must have.
Status check_typed_count(const ::onnx::TensorProto& p, DType dtype, int64_t count, const std::string& what) {
  int64_t have = 0;
  int64_t need = count;
  const char* field = "int32_data";
  switch (dtype) {
    case DType::kFloat32:
      have = p.float_data_size();
      field = "float_data";
      break;
    case DType::kFloat64:
      have = p.double_data_size();
      field = "double_data";
      break;
    case DType::kInt64:
      have = p.int64_data_size();
      field = "int64_data";
      break;
    case DType::kUInt64:
    case DType::kUInt32:
      have = p.uint64_data_size();
      field = "uint64_data";
      break;
    case DType::kInt4:
    case DType::kUInt4:
    case DType::kFloat4E2M1:
    case DType::kInt2:
    case DType::kUInt2:
      have = p.int32_data_size();
      need = static_cast<int64_t>(dtype_storage_bytes(dtype, count));
      break;
    default:
      have = p.int32_data_size();
      break;
  }
  if (have != need)
    return invalid_argument(what + ": " + field + " holds " + std::to_string(have) + " values, " +
                            std::string(dtype_name(dtype)) + "[" +
                            dims_to_string(std::vector<int64_t>(p.dims().begin(), p.dims().end())) + "] needs " +
                            std::to_string(need) + (have == 0 ? " (the tensor has no data)" : ""));
  return Status::Ok();
}

Status fill_typed(const ::onnx::TensorProto& p, HostTensor& t, const std::string& what) {
  const int64_t n = t.numel();
  switch (t.dtype()) {
    case DType::kFloat32:
      return fill_from_field(p.float_data(), n, "float_data", what,
                             [&](int64_t i, float v) { t.data<float>()[i] = v; });
    case DType::kFloat64:
      return fill_from_field(p.double_data(), n, "double_data", what,
                             [&](int64_t i, double v) { t.data<double>()[i] = v; });
    case DType::kInt64:
      return fill_from_field(p.int64_data(), n, "int64_data", what,
                             [&](int64_t i, int64_t v) { t.data<int64_t>()[i] = v; });
    case DType::kUInt64:
      return fill_from_field(p.uint64_data(), n, "uint64_data", what,
                             [&](int64_t i, uint64_t v) { t.data<uint64_t>()[i] = v; });
    case DType::kUInt32:
      return fill_from_field(p.uint64_data(), n, "uint64_data", what,
                             [&](int64_t i, uint64_t v) { t.data<uint32_t>()[i] = static_cast<uint32_t>(v); });
    case DType::kInt32:
      return fill_from_field(p.int32_data(), n, "int32_data", what,
                             [&](int64_t i, int32_t v) { t.data<int32_t>()[i] = v; });
    case DType::kInt16:
      return fill_from_field(p.int32_data(), n, "int32_data", what,
                             [&](int64_t i, int32_t v) { t.data<int16_t>()[i] = static_cast<int16_t>(v); });
    case DType::kUInt16:
    case DType::kFloat16:   // int32_data holds the IEEE half bits
    case DType::kBFloat16:  // and the bfloat16 bits
      return fill_from_field(p.int32_data(), n, "int32_data", what,
                             [&](int64_t i, int32_t v) { t.data<uint16_t>()[i] = static_cast<uint16_t>(v); });
    case DType::kInt8:
      return fill_from_field(p.int32_data(), n, "int32_data", what,
                             [&](int64_t i, int32_t v) { t.data<int8_t>()[i] = static_cast<int8_t>(v); });
    case DType::kUInt8:
    case DType::kFloat8E4M3:
    case DType::kFloat8E5M2:
    case DType::kFloat8E4M3FNUZ:
    case DType::kFloat8E5M2FNUZ:
    case DType::kFloat8E8M0:
      return fill_from_field(p.int32_data(), n, "int32_data", what,
                             [&](int64_t i, int32_t v) { t.data<uint8_t>()[i] = static_cast<uint8_t>(v); });
    case DType::kBool:
      return fill_from_field(p.int32_data(), n, "int32_data", what,
                             [&](int64_t i, int32_t v) { t.data<uint8_t>()[i] = v != 0 ? 1 : 0; });
    case DType::kInt4:
    case DType::kUInt4:
    case DType::kFloat4E2M1:
    case DType::kInt2:
    case DType::kUInt2:
      // One packed byte per int32_data element (two 4-bit or four 2-bit values, lowest bits
      // first): the same bytes as raw_data.
      return fill_from_field(p.int32_data(), static_cast<int64_t>(t.nbytes()), "int32_data", what,
                             [&](int64_t i, int32_t v) { t.data<uint8_t>()[i] = static_cast<uint8_t>(v); });
    default:
      return unimplemented(what + ": data type " + std::string(dtype_name(t.dtype())) + " in typed fields");
  }
}

}  // namespace

Result<HostTensor> tensor_from_proto(const ::onnx::TensorProto& p, const std::string& model_dir,
                                     const std::string& what_in) {
  const std::string what = what_in.empty() ? "tensor '" + p.name() + "'" : what_in;
  auto dtype = dtype_from_onnx(p.data_type());
  if (!dtype) {
    return unimplemented(what + ": data type " + onnx_dtype_name(p.data_type()) + " is not supported");
  }
  if (p.has_segment()) return unimplemented(what + ": segmented tensors are not supported");
  std::vector<int64_t> dims;
  int64_t count = 1;
  for (int64_t d : p.dims()) {
    if (d < 0) return invalid_argument(what + ": negative dim " + std::to_string(d));
    if (d != 0 && count > kMaxElements / d) return invalid_argument(what + ": too many elements");
    count *= d;
    dims.push_back(d);
  }
  const uint64_t bytes = dtype_storage_bytes(*dtype, count);

  if (p.data_location() == ::onnx::TensorProto::EXTERNAL) {
    SINTER_ASSIGN_OR_RETURN(ExternalDataRef ref, external_ref(p, what));
    SINTER_ASSIGN_OR_RETURN(std::string data, read_external_data(model_dir, ref, bytes, what));
    HostTensor t(*dtype, dims);
    if (bytes) std::memcpy(t.raw(), data.data(), bytes);
    return t;
  }
  if (p.has_raw_data()) {
    if (p.raw_data().size() != bytes)
      return invalid_argument(what + ": raw_data holds " + std::to_string(p.raw_data().size()) + " bytes, " +
                              std::string(dtype_name(*dtype)) + "[" + dims_to_string(dims) + "] needs " +
                              std::to_string(bytes));
    HostTensor t(*dtype, dims);
    if (bytes) std::memcpy(t.raw(), p.raw_data().data(), bytes);
    return t;
  }
  // Typed fields: the field must hold exactly numel values; checked before allocating so that
  // absurd dims with little data never reach the allocator.
  SINTER_RETURN_IF_ERROR(check_typed_count(p, *dtype, count, what));
  HostTensor t(*dtype, dims);
  if (count == 0) return t;
  SINTER_RETURN_IF_ERROR(fill_typed(p, t, what));
  return t;
}

Result<HostTensor> tensor_from_sparse_proto(const ::onnx::SparseTensorProto& sp, const std::string& model_dir,
                                            const std::string& what) {
  SINTER_ASSIGN_OR_RETURN(HostTensor values, tensor_from_proto(sp.values(), model_dir, what + " (values)"));
  SINTER_ASSIGN_OR_RETURN(HostTensor indices, tensor_from_proto(sp.indices(), model_dir, what + " (indices)"));
  std::vector<int64_t> dims(sp.dims().begin(), sp.dims().end());
  int64_t total = 1;
  for (int64_t d : dims) {
    if (d < 0 || (d != 0 && total > kMaxElements / d)) return invalid_argument(what + ": bad dims");
    total *= d;
  }
  if (values.rank() != 1) return invalid_argument(what + ": sparse values must be 1-D");
  if (indices.dtype() != DType::kInt64) return invalid_argument(what + ": sparse indices must be int64");
  if (dtype_size(values.dtype()) == 0)
    return unimplemented(what + ": sparse " + std::string(dtype_name(values.dtype())) + " tensors are not supported");
  const int64_t nnz = values.dims()[0];
  const auto* idx = indices.data<int64_t>();
  const bool linear = indices.rank() == 1;
  if (!(linear && indices.dims()[0] == nnz) &&
      !(indices.rank() == 2 && indices.dims()[0] == nnz && indices.dims()[1] == static_cast<int64_t>(dims.size())))
    return invalid_argument(what + ": sparse indices must be [NNZ] or [NNZ, rank]");
  HostTensor out(values.dtype(), dims);
  const size_t esize = dtype_size(values.dtype());
  const auto strides = contiguous_strides(dims);
  for (int64_t k = 0; k < nnz; ++k) {
    int64_t offset = 0;
    if (linear) {
      offset = idx[k];
    } else {
      for (size_t d = 0; d < dims.size(); ++d) {
        int64_t c = idx[k * static_cast<int64_t>(dims.size()) + static_cast<int64_t>(d)];
        if (c < 0 || c >= dims[d]) return invalid_argument(what + ": sparse index out of range");
        offset += c * strides[d];
      }
    }
    if (offset < 0 || offset >= total) return invalid_argument(what + ": sparse index out of range");
    std::memcpy(static_cast<char*>(out.raw()) + static_cast<size_t>(offset) * esize,
                static_cast<const char*>(values.raw()) + static_cast<size_t>(k) * esize, esize);
  }
  return out;
}

}  // namespace sinter::onnx_import

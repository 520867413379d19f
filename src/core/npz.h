// NumPy .npy/.npz reading and writing (npz files are zip archives of .npy members, through libzip).
#pragma once

#include <map>
#include <string>

#include "sinter/status.h"
#include "sinter/tensor.h"

namespace sinter {

using NamedTensors = std::map<std::string, HostTensor>;

// Keys are member names without the ".npy" suffix. Supports little-endian numeric dtypes
// (f2 f4 f8 i1 i2 i4 i8 u1 u2 u4 u8 b1, and bfloat16 stored as '<V2' is not supported),
// C order; Fortran order and object arrays are refused with a message naming the member.
Result<NamedTensors> read_npz(const std::string& path);
Status write_npz(const std::string& path, const NamedTensors& tensors);

// One .npy blob.
Result<HostTensor> parse_npy(const std::string& bytes, const std::string& what);
std::string serialize_npy(const HostTensor& t);

}  // namespace sinter

// One cuBLASLt matrix product, described column-major as cuBLASLt sees it:
//   D[m,n] = alpha * op(A)[m,k] * op(B)[k,n] + beta * C[m,n] (+ bias[m] broadcast along n)
// for `batch` strided problems. Row-major callers swap operands (D^T = B^T A^T); see gemm.cpp.
#pragma once

#include <cublasLt.h>

#include <mutex>

#include "sinter/dtype.h"
#include "sinter/status.h"

namespace sinter::cuda {

struct LtProblem {
  DType dtype = DType::kFloat32;  // of A, B, C, D (and bias); accumulation is always f32
  bool trans_a = false, trans_b = false;
  int64_t m = 0, n = 0, k = 0;
  int64_t lda = 0, ldb = 0, ldc = 0;
  int64_t batch = 1;
  int64_t stride_a = 0, stride_b = 0, stride_c = 0;  // elements; 0 broadcasts an operand over the batch
  bool bias = false;       // epilogue bias vector of length m
  bool relu = false;       // epilogue ReLU (after the bias)
  size_t align_bytes = 256;  // the smallest alignment any pointer/offset of the problem has
};

class LtMatmul {
 public:
  LtMatmul() = default;
  ~LtMatmul();
  LtMatmul(const LtMatmul&) = delete;
  LtMatmul& operator=(const LtMatmul&) = delete;

  // Creates the descriptors and picks an algorithm (the heuristic's first, or the fastest of a few
  // when `tune`); workspace use stays within `workspace_cap`.
  Status init(const LtProblem& p, cublasLtHandle_t handle, size_t workspace_cap, bool tune);
  // Enqueues one product. `bias` is required when the problem has one.
  Status run(cublasLtHandle_t handle, cudaStream_t stream, float alpha, const void* a, const void* b, float beta,
             const void* c, void* d, const void* bias, void* workspace, size_t workspace_bytes) const;
  const LtProblem& problem() const { return p_; }
  size_t algo_workspace() const { return algo_workspace_; }

 private:
  Status time_candidates(cublasLtHandle_t handle, const cublasLtMatmulHeuristicResult_t* results, int count,
                         size_t workspace_cap);
  LtProblem p_;
  cublasLtMatmulDesc_t desc_ = nullptr;
  cublasLtMatrixLayout_t a_ = nullptr, b_ = nullptr, c_ = nullptr;
  cublasLtMatmulAlgo_t algo_{};
  size_t algo_workspace_ = 0;
  // The bias pointer lives in the shared descriptor: set it and call under one lock so two execution
  // contexts never race on it.
  mutable std::mutex mu_;
};

cudaDataType_t cuda_data_type(DType t);

// D[M,N] = scale * broadcast(C) where C is viewed as [cm, cn] with cm in {1, M} and cn in {1, N}
// (row-major); the Gemm tactic uses it for C inputs that are not a row vector.
Status launch_broadcast_fill(DType dtype, void* d, const void* c, int64_t m, int64_t n, int64_t cm, int64_t cn,
                             float scale, cudaStream_t stream);

}  // namespace sinter::cuda

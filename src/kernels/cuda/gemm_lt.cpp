#include "kernels/cuda/gemm_lt.h"

#include <algorithm>
#include <memory>
#include <type_traits>
#include <vector>

#include "kernels/cuda/cuda_check.h"

namespace sinter::cuda {

cudaDataType_t cuda_data_type(DType t) {
  switch (t) {
    case DType::kFloat16: return CUDA_R_16F;
    case DType::kBFloat16: return CUDA_R_16BF;
    default: return CUDA_R_32F;
  }
}

LtMatmul::~LtMatmul() {
  if (a_) cublasLtMatrixLayoutDestroy(a_);
  if (b_) cublasLtMatrixLayoutDestroy(b_);
  if (c_) cublasLtMatrixLayoutDestroy(c_);
  if (desc_) cublasLtMatmulDescDestroy(desc_);
}

namespace {
Status make_layout(cublasLtMatrixLayout_t* out, cudaDataType_t type, int64_t rows, int64_t cols, int64_t ld,
                   int64_t batch, int64_t stride) {
  SINTER_CUBLAS_RETURN_IF_ERROR(cublasLtMatrixLayoutCreate(out, type, static_cast<uint64_t>(rows),
                                                           static_cast<uint64_t>(cols), ld));
  if (batch > 1) {
    int32_t count = static_cast<int32_t>(batch);
    SINTER_CUBLAS_RETURN_IF_ERROR(
        cublasLtMatrixLayoutSetAttribute(*out, CUBLASLT_MATRIX_LAYOUT_BATCH_COUNT, &count, sizeof(count)));
    SINTER_CUBLAS_RETURN_IF_ERROR(cublasLtMatrixLayoutSetAttribute(
        *out, CUBLASLT_MATRIX_LAYOUT_STRIDED_BATCH_OFFSET, &stride, sizeof(stride)));
  }
  return Status::Ok();
}
}  // namespace

Status LtMatmul::init(const LtProblem& p, cublasLtHandle_t handle, size_t workspace_cap, bool tune) {
  p_ = p;
  const cudaDataType_t type = cuda_data_type(p.dtype);
  // f32 accumulation everywhere; for f32 data this also keeps TF32 off (CUBLAS_COMPUTE_32F is exact fp32).
  SINTER_CUBLAS_RETURN_IF_ERROR(cublasLtMatmulDescCreate(&desc_, CUBLAS_COMPUTE_32F, CUDA_R_32F));
  cublasOperation_t ta = p.trans_a ? CUBLAS_OP_T : CUBLAS_OP_N, tb = p.trans_b ? CUBLAS_OP_T : CUBLAS_OP_N;
  SINTER_CUBLAS_RETURN_IF_ERROR(cublasLtMatmulDescSetAttribute(desc_, CUBLASLT_MATMUL_DESC_TRANSA, &ta, sizeof(ta)));
  SINTER_CUBLAS_RETURN_IF_ERROR(cublasLtMatmulDescSetAttribute(desc_, CUBLASLT_MATMUL_DESC_TRANSB, &tb, sizeof(tb)));
  if (p.bias || p.relu) {
    cublasLtEpilogue_t epi = p.bias ? (p.relu ? CUBLASLT_EPILOGUE_RELU_BIAS : CUBLASLT_EPILOGUE_BIAS)
                                    : CUBLASLT_EPILOGUE_RELU;
    SINTER_CUBLAS_RETURN_IF_ERROR(
        cublasLtMatmulDescSetAttribute(desc_, CUBLASLT_MATMUL_DESC_EPILOGUE, &epi, sizeof(epi)));
  }
  SINTER_RETURN_IF_ERROR(make_layout(&a_, type, p.trans_a ? p.k : p.m, p.trans_a ? p.m : p.k, p.lda, p.batch,
                                     p.stride_a));
  SINTER_RETURN_IF_ERROR(make_layout(&b_, type, p.trans_b ? p.n : p.k, p.trans_b ? p.k : p.n, p.ldb, p.batch,
                                     p.stride_b));
  SINTER_RETURN_IF_ERROR(make_layout(&c_, type, p.m, p.n, p.ldc, p.batch, p.stride_c));

  cublasLtMatmulPreference_t pref = nullptr;
  SINTER_CUBLAS_RETURN_IF_ERROR(cublasLtMatmulPreferenceCreate(&pref));
  std::unique_ptr<std::remove_pointer_t<cublasLtMatmulPreference_t>, decltype(&cublasLtMatmulPreferenceDestroy)>
      pref_guard(pref, cublasLtMatmulPreferenceDestroy);
  uint64_t cap = workspace_cap;
  SINTER_CUBLAS_RETURN_IF_ERROR(cublasLtMatmulPreferenceSetAttribute(
      pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &cap, sizeof(cap)));
  // Odd sizes give operands (batch offsets, row pointers) that are not 16-byte aligned: tell the heuristic.
  uint32_t align = static_cast<uint32_t>(p.align_bytes);
  for (auto attr : {CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_A_BYTES, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_B_BYTES,
                    CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_C_BYTES, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_D_BYTES})
    SINTER_CUBLAS_RETURN_IF_ERROR(cublasLtMatmulPreferenceSetAttribute(pref, attr, &align, sizeof(align)));

  constexpr int kMaxCandidates = 8;
  cublasLtMatmulHeuristicResult_t results[kMaxCandidates] = {};
  int found = 0;
  SINTER_CUBLAS_RETURN_IF_ERROR(cublasLtMatmulAlgoGetHeuristic(handle, desc_, a_, b_, c_, c_, pref,
                                                               tune ? kMaxCandidates : 1, results, &found));
  if (found == 0)
    return unimplemented("cuBLASLt has no algorithm for m=" + std::to_string(p.m) + " n=" + std::to_string(p.n) +
                         " k=" + std::to_string(p.k) + " " + std::string(dtype_name(p.dtype)));
  algo_ = results[0].algo;
  algo_workspace_ = results[0].workspaceSize;
  if (tune && found > 1) SINTER_RETURN_IF_ERROR(time_candidates(handle, results, found, workspace_cap));
  return Status::Ok();
}

Status LtMatmul::time_candidates(cublasLtHandle_t handle, const cublasLtMatmulHeuristicResult_t* results,
                                 int count, size_t workspace_cap) {
  const size_t es = dtype_size(p_.dtype);
  auto extent = [&](int64_t rows_or_ld, int64_t cols, int64_t stride) {
    return static_cast<size_t>(rows_or_ld * cols + stride * (p_.batch - 1)) * es + 256;
  };
  size_t a_bytes = extent(p_.lda, p_.trans_a ? p_.m : p_.k, p_.stride_a);
  size_t b_bytes = extent(p_.ldb, p_.trans_b ? p_.k : p_.n, p_.stride_b);
  size_t c_bytes = extent(p_.ldc, p_.n, p_.stride_c);
  size_t bias_bytes = static_cast<size_t>(p_.m) * es + 256;
  void *a = nullptr, *b = nullptr, *c = nullptr, *bias = nullptr, *ws = nullptr;
  cudaStream_t stream = nullptr;
  cudaEvent_t e0 = nullptr, e1 = nullptr;
  Status st;
  auto cleanup = [&] {
    cudaFree(a), cudaFree(b), cudaFree(c), cudaFree(bias), cudaFree(ws);
    if (e0) cudaEventDestroy(e0);
    if (e1) cudaEventDestroy(e1);
    if (stream) cudaStreamDestroy(stream);
  };
  st = [&]() -> Status {
    SINTER_CUDA_RETURN_IF_ERROR(cudaMalloc(&a, a_bytes));
    SINTER_CUDA_RETURN_IF_ERROR(cudaMalloc(&b, b_bytes));
    SINTER_CUDA_RETURN_IF_ERROR(cudaMalloc(&c, c_bytes));
    SINTER_CUDA_RETURN_IF_ERROR(cudaMalloc(&bias, bias_bytes));
    SINTER_CUDA_RETURN_IF_ERROR(cudaMemset(a, 0, a_bytes));
    SINTER_CUDA_RETURN_IF_ERROR(cudaMemset(b, 0, b_bytes));
    SINTER_CUDA_RETURN_IF_ERROR(cudaMemset(bias, 0, bias_bytes));
    if (workspace_cap) SINTER_CUDA_RETURN_IF_ERROR(cudaMalloc(&ws, workspace_cap));
    SINTER_CUDA_RETURN_IF_ERROR(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking));
    SINTER_CUDA_RETURN_IF_ERROR(cudaEventCreate(&e0));
    SINTER_CUDA_RETURN_IF_ERROR(cudaEventCreate(&e1));
    float best = 1e30f;
    for (int i = 0; i < count; ++i) {
      if (results[i].state != CUBLAS_STATUS_SUCCESS) continue;
      const float alpha = 1.f, beta = 0.f;
      bool ok = true;
      float ms = 0.f;
      for (int rep = 0; rep < 2 && ok; ++rep) {  // first pass warms up
        SINTER_CUDA_RETURN_IF_ERROR(cudaEventRecord(e0, stream));
        for (int it = 0; it < 5 && ok; ++it) {
          if (p_.bias) cublasLtMatmulDescSetAttribute(desc_, CUBLASLT_MATMUL_DESC_BIAS_POINTER, &bias, sizeof(bias));
          ok = cublasLtMatmul(handle, desc_, &alpha, a, a_, b, b_, &beta, c, c_, c, c_, &results[i].algo, ws,
                              workspace_cap, stream) == CUBLAS_STATUS_SUCCESS;
        }
        SINTER_CUDA_RETURN_IF_ERROR(cudaEventRecord(e1, stream));
        SINTER_CUDA_RETURN_IF_ERROR(cudaEventSynchronize(e1));
        SINTER_CUDA_RETURN_IF_ERROR(cudaEventElapsedTime(&ms, e0, e1));
      }
      if (ok && ms < best) {
        best = ms;
        algo_ = results[i].algo;
        algo_workspace_ = results[i].workspaceSize;
      }
    }
    return Status::Ok();
  }();
  cleanup();
  return st;
}

Status LtMatmul::run(cublasLtHandle_t handle, cudaStream_t stream, float alpha, const void* a, const void* b,
                     float beta, const void* c, void* d, const void* bias, void* workspace,
                     size_t workspace_bytes) const {
  if (workspace_bytes < algo_workspace_)
    return internal_error("cuBLASLt algorithm needs " + std::to_string(algo_workspace_) + " workspace bytes, have " +
                          std::to_string(workspace_bytes));
  std::lock_guard<std::mutex> lock(mu_);
  if (p_.bias) {
    SINTER_CUBLAS_RETURN_IF_ERROR(
        cublasLtMatmulDescSetAttribute(desc_, CUBLASLT_MATMUL_DESC_BIAS_POINTER, &bias, sizeof(bias)));
  }
  SINTER_CUBLAS_RETURN_IF_ERROR(cublasLtMatmul(handle, desc_, &alpha, a, a_, b, b_, &beta, c ? c : d, c_, d, c_,
                                               &algo_, workspace, workspace_bytes, stream));
  return Status::Ok();
}

}  // namespace sinter::cuda

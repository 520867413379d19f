#include "llm/cuda/cuda_llm_model.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <string>
#include <utility>

#include "kernels/cuda/cuda_check.h"

namespace sinter::llm::cuda {

namespace kc = sinter::cuda::llm;
using kc::WeightKind;

namespace {

Status cublas_check(cublasStatus_t st, const char* what) {
  if (st == CUBLAS_STATUS_SUCCESS) return Status::Ok();
  return internal_error(std::string(what) + ": " + cublasGetStatusString(st));
}

cudaDataType_t cuda_type(DType t) {
  return t == DType::kBFloat16 ? CUDA_R_16BF : CUDA_R_16F;
}

size_t elem(DType t) {
  return dtype_storage_bytes(t, 1);
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// Where one projection of a fused DeviceLinear goes: rows row_offset + j * row_step.
struct Part {
  std::string name;  // "q_proj"
  int64_t row_offset = 0, row_step = 1;
};

}  // namespace

size_t DeviceLinear::bytes() const {
  const int64_t wbytes = kind == WeightKind::kFloat ? n * k * 2 : kind == WeightKind::kInt8 ? n * k : n * k / 2;
  const int64_t sbytes = kind == WeightKind::kFloat ? 0 : n * (k / group) * 2;
  return static_cast<size_t>(wbytes + sbytes + (bias ? n * 2 : 0));
}

CudaLlmModel::~CudaLlmModel() {
  if (stream_) cudaStreamSynchronize(stream_);
  if (decode_graph_) cudaGraphExecDestroy(decode_graph_);
  if (decode_greedy_graph_) cudaGraphExecDestroy(decode_greedy_graph_);
  if (cublas_) cublasDestroy(cublas_);
  for (void* p : allocations_) cudaFree(p);
  if (logits_host_) cudaFreeHost(logits_host_);
  if (step_host_) cudaFreeHost(step_host_);
  if (greedy_host_) cudaFreeHost(greedy_host_);
  if (stream_) cudaStreamDestroy(stream_);
}

Status CudaLlmModel::alloc(void** p, size_t bytes) {
  *p = nullptr;
  cudaError_t err = cudaMalloc(p, std::max<size_t>(bytes, 16));
  if (err != cudaSuccess) {
    cudaGetLastError();
    return failed_precondition("CUDA LLM runner: cannot allocate " + std::to_string(bytes >> 20) +
                               " MiB of device memory (" + cudaGetErrorString(err) + ")");
  }
  allocations_.push_back(*p);
  return Status::Ok();
}

static Status check_config(const LlmPlanConfig& c) {
  if (c.dtype != DType::kFloat16 && c.dtype != DType::kBFloat16)
    return unimplemented("the CUDA LLM runner runs float16 and bfloat16 plans; this plan is " +
                         std::string(dtype_name(c.dtype)) + " (rebuild with --dtype float16)");
  if (c.num_layers <= 0 || c.hidden <= 0 || c.num_heads <= 0 || c.num_kv_heads <= 0 || c.head_dim <= 0 ||
      c.intermediate <= 0 || c.vocab <= 0 || c.max_seq_len <= 0)
    return invalid_argument("CUDA LLM runner: the plan's llm sizes must be positive");
  if (c.num_heads % c.num_kv_heads != 0) return invalid_argument("CUDA LLM runner: num_heads % num_kv_heads != 0");
  if (c.hidden % 8 != 0 || c.intermediate % 8 != 0 || c.head_dim % 8 != 0)
    return unimplemented("CUDA LLM runner: hidden, intermediate and head_dim must be multiples of 8");
  return Status::Ok();
}

Status CudaLlmModel::init_buffers() {
  const LlmPlanConfig& c = cfg_;
  const DType t = c.dtype;
  SINTER_CUDA_RETURN_IF_ERROR(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking));
  SINTER_RETURN_IF_ERROR(cublas_check(cublasCreate(&cublas_), "cublasCreate"));
  SINTER_RETURN_IF_ERROR(cublas_check(cublasSetStream(cublas_, stream_), "cublasSetStream"));
  // Prefill chunk: up to 512 tokens, fewer when the attention scores of a chunk over the whole cache
  // ([Hq, chunk, Smax] f32 + T) would pass 1 GiB.
  const int64_t per_row = c.num_heads * c.max_seq_len * 6;
  prefill_chunk_ = std::max<int64_t>(1, std::min<int64_t>({512, c.max_seq_len, (int64_t{1} << 30) / per_row}));
  const int64_t P = prefill_chunk_;
  const int64_t nqkv = (c.num_heads + 2 * c.num_kv_heads) * c.head_dim;
  SINTER_RETURN_IF_ERROR(alloc(&resid_, P * c.hidden * elem(t)));
  SINTER_RETURN_IF_ERROR(alloc(&xn_, P * c.hidden * elem(t)));
  SINTER_RETURN_IF_ERROR(alloc(&qkv_, P * nqkv * elem(t)));
  SINTER_RETURN_IF_ERROR(alloc(&q_, P * c.num_heads * c.head_dim * elem(t)));
  SINTER_RETURN_IF_ERROR(alloc(&attn_, P * c.num_heads * c.head_dim * elem(t)));
  SINTER_RETURN_IF_ERROR(alloc(&gu_, P * 2 * c.intermediate * elem(t)));
  SINTER_RETURN_IF_ERROR(alloc(&h_, P * c.intermediate * elem(t)));
  void* p = nullptr;
  SINTER_RETURN_IF_ERROR(alloc(&p, static_cast<size_t>(c.num_heads * P * c.max_seq_len) * sizeof(float)));
  scores_ = static_cast<float*>(p);
  SINTER_RETURN_IF_ERROR(alloc(&probs_, c.num_heads * P * c.max_seq_len * elem(t)));
  kc::KvLayout kv;
  kv.hq = c.num_heads, kv.hkv = c.num_kv_heads, kv.d = c.head_dim, kv.smax = c.max_seq_len;
  SINTER_RETURN_IF_ERROR(alloc(&attn_partial_, kc::decode_attention_scratch_bytes(kv)));
  SINTER_CUDA_RETURN_IF_ERROR(cudaMemset(attn_partial_, 0, kc::decode_attention_scratch_bytes(kv)));
  SINTER_RETURN_IF_ERROR(alloc(&p, static_cast<size_t>(c.vocab) * sizeof(float)));
  logits_dev_ = static_cast<float*>(p);
  SINTER_RETURN_IF_ERROR(alloc(&p, static_cast<size_t>(P + 1) * sizeof(int64_t)));
  step_dev_ = static_cast<int64_t*>(p);
  SINTER_CUDA_RETURN_IF_ERROR(cudaMallocHost(&p, static_cast<size_t>(c.vocab) * sizeof(float)));
  logits_host_ = static_cast<float*>(p);
  SINTER_CUDA_RETURN_IF_ERROR(cudaMallocHost(&p, static_cast<size_t>(P + 1) * sizeof(int64_t)));
  step_host_ = static_cast<int64_t*>(p);
  SINTER_RETURN_IF_ERROR(alloc(&p, sizeof(int64_t)));
  greedy_dev_ = static_cast<int64_t*>(p);
  SINTER_RETURN_IF_ERROR(alloc(&argmax_scratch_, kc::argmax_scratch_bytes()));
  SINTER_CUDA_RETURN_IF_ERROR(cudaMemset(argmax_scratch_, 0, kc::argmax_scratch_bytes()));
  SINTER_CUDA_RETURN_IF_ERROR(cudaMallocHost(&p, sizeof(int64_t)));
  greedy_host_ = static_cast<int64_t*>(p);
  // KV caches [1, Hkv, Smax, D], zeroed.
  layers_.resize(static_cast<size_t>(c.num_layers));
  const size_t cache_bytes = static_cast<size_t>(c.num_kv_heads * c.max_seq_len * c.head_dim) * elem(t);
  for (DeviceLayer& l : layers_) {
    SINTER_RETURN_IF_ERROR(alloc(&l.k_cache, cache_bytes));
    SINTER_RETURN_IF_ERROR(alloc(&l.v_cache, cache_bytes));
    SINTER_CUDA_RETURN_IF_ERROR(cudaMemset(l.k_cache, 0, cache_bytes));
    SINTER_CUDA_RETURN_IF_ERROR(cudaMemset(l.v_cache, 0, cache_bytes));
  }
  return Status::Ok();
}

// ---- weights from a plan ------------------------------------------------------------------------

namespace {

class Uploader {
 public:
  Uploader(CudaLlmModel::WeightFn weight, CudaLlmModel::HasWeightFn has, DType dtype,
           std::function<Status(void**, size_t)> alloc)
      : weight_(std::move(weight)), has_(std::move(has)), dtype_(dtype), alloc_(std::move(alloc)) {}
  ~Uploader() {
    if (staging_) cudaFree(staging_);
  }

  // A tensor in `want` dtype (cast on the host when the plan stored another float type).
  Result<HostTensor> get(const std::string& name, DType want, const std::vector<int64_t>& dims) {
    SINTER_ASSIGN_OR_RETURN(HostTensor t, weight_(name));
    if (t.dims() != dims)
      return invalid_argument("CUDA LLM runner: weight '" + name + "' is " + t.summary() + ", expected " +
                              dims_to_string(dims));
    if (t.dtype() != want) {
      if (!dtype_is_float(t.dtype()) || !dtype_is_float(want))
        return invalid_argument("CUDA LLM runner: weight '" + name + "' is " + t.summary() + ", expected " +
                                std::string(dtype_name(want)));
      t = t.cast(want);
    }
    return t;
  }

  Result<void*> upload(const std::string& name, DType want, const std::vector<int64_t>& dims) {
    SINTER_ASSIGN_OR_RETURN(HostTensor t, get(name, want, dims));
    void* d = nullptr;
    SINTER_RETURN_IF_ERROR(alloc_(&d, t.nbytes()));
    SINTER_CUDA_RETURN_IF_ERROR(cudaMemcpy(d, t.raw(), t.nbytes(), cudaMemcpyHostToDevice));
    return d;
  }

  // Fuses `parts` (each [k, n_p] float or [n_p, k(/2)] quantized) into one DeviceLinear.
  Status linear(const std::string& prefix, const std::vector<Part>& parts, const std::vector<int64_t>& part_n,
                int64_t k, int bits, int64_t group, DeviceLinear* out) {
    int64_t n = 0;
    for (int64_t pn : part_n) n += pn;
    out->n = n, out->k = k;
    out->kind = bits == 0 ? WeightKind::kFloat : bits == 8 ? WeightKind::kInt8 : WeightKind::kInt4;
    out->group = bits == 0 ? 0 : group;
    const size_t es = dtype_storage_bytes(dtype_, 1);
    const int64_t row_bytes = bits == 0 ? k * static_cast<int64_t>(es) : bits == 8 ? k : k / 2;
    SINTER_RETURN_IF_ERROR(alloc_(&out->w, static_cast<size_t>(n * row_bytes)));
    if (bits != 0) {
      if (group <= 0 || k % group != 0)
        return invalid_argument("CUDA LLM runner: group size " + std::to_string(group) + " does not divide " +
                                std::to_string(k));
      SINTER_RETURN_IF_ERROR(alloc_(&out->scales, static_cast<size_t>(n * (k / group)) * es));
    }
    bool any_bias = false;
    for (const Part& p : parts) any_bias = any_bias || has_(prefix + p.name + ".bias");
    if (any_bias) {
      SINTER_RETURN_IF_ERROR(alloc_(&out->bias, static_cast<size_t>(n) * es));
      SINTER_CUDA_RETURN_IF_ERROR(cudaMemset(out->bias, 0, static_cast<size_t>(n) * es));
    }
    for (size_t i = 0; i < parts.size(); ++i) {
      const Part& p = parts[i];
      const int64_t pn = part_n[i];
      const std::string base = prefix + p.name;
      if (bits == 0) {
        SINTER_ASSIGN_OR_RETURN(HostTensor w, get(base + ".weight", dtype_, {k, pn}));
        SINTER_RETURN_IF_ERROR(stage(w));
        SINTER_RETURN_IF_ERROR(kc::transpose_into(dtype_, staging_, k, pn, out->w, p.row_offset, p.row_step, nullptr));
        SINTER_CUDA_RETURN_IF_ERROR(cudaDeviceSynchronize());
      } else {
        const DType qt = bits == 8 ? DType::kInt8 : DType::kUInt8;
        SINTER_ASSIGN_OR_RETURN(HostTensor w, get(base + ".qweight", qt, {pn, row_bytes}));
        SINTER_RETURN_IF_ERROR(copy_rows(w, row_bytes, out->w, p));
        SINTER_ASSIGN_OR_RETURN(HostTensor s, get(base + ".scales", dtype_, {pn, k / group}));
        SINTER_RETURN_IF_ERROR(copy_rows(s, (k / group) * static_cast<int64_t>(es), out->scales, p));
      }
      if (has_(base + ".bias")) {
        SINTER_ASSIGN_OR_RETURN(HostTensor b, get(base + ".bias", dtype_, {pn}));
        SINTER_RETURN_IF_ERROR(copy_rows(b, static_cast<int64_t>(es), out->bias, p));
      }
    }
    return Status::Ok();
  }

 private:
  Status stage(const HostTensor& t) {
    if (t.nbytes() > staging_bytes_) {
      if (staging_) cudaFree(staging_);
      staging_ = nullptr;
      SINTER_CUDA_RETURN_IF_ERROR(cudaMalloc(&staging_, t.nbytes()));
      staging_bytes_ = t.nbytes();
    }
    SINTER_CUDA_RETURN_IF_ERROR(cudaMemcpy(staging_, t.raw(), t.nbytes(), cudaMemcpyHostToDevice));
    return Status::Ok();
  }
  // Host rows of row_bytes into destination rows row_offset + j * row_step.
  static Status copy_rows(const HostTensor& t, int64_t row_bytes, void* dst, const Part& p) {
    const int64_t rows = static_cast<int64_t>(t.nbytes()) / row_bytes;
    SINTER_CUDA_RETURN_IF_ERROR(cudaMemcpy2D(static_cast<char*>(dst) + p.row_offset * row_bytes,
                                             static_cast<size_t>(p.row_step * row_bytes), t.raw(),
                                             static_cast<size_t>(row_bytes), static_cast<size_t>(row_bytes),
                                             static_cast<size_t>(rows), cudaMemcpyHostToDevice));
    return Status::Ok();
  }

  CudaLlmModel::WeightFn weight_;
  CudaLlmModel::HasWeightFn has_;
  DType dtype_;
  std::function<Status(void**, size_t)> alloc_;
  void* staging_ = nullptr;
  size_t staging_bytes_ = 0;
};

}  // namespace

Result<std::unique_ptr<CudaLlmModel>> CudaLlmModel::create(const LlmPlanConfig& config, const WeightFn& weight,
                                                           const HasWeightFn& has_weight) {
  SINTER_RETURN_IF_ERROR(check_config(config));
  std::unique_ptr<CudaLlmModel> m(new CudaLlmModel());
  m->cfg_ = config;
  SINTER_RETURN_IF_ERROR(m->init_buffers());
  const LlmPlanConfig& c = m->cfg_;
  const DType t = c.dtype;
  Uploader up(weight, has_weight, t, [mp = m.get()](void** p, size_t b) { return mp->alloc(p, b); });
  const int64_t H = c.hidden, I = c.intermediate, D = c.head_dim;
  const int64_t nq = c.num_heads * D, nk = c.num_kv_heads * D;
  SINTER_ASSIGN_OR_RETURN(m->embed_, up.upload("embed_tokens.weight", t, {c.vocab, H}));
  SINTER_ASSIGN_OR_RETURN(m->final_norm_, up.upload("norm.weight", t, {H}));
  SINTER_ASSIGN_OR_RETURN(m->rope_cos_, up.upload("rope.cos", t, {c.max_seq_len, D / 2}));
  SINTER_ASSIGN_OR_RETURN(m->rope_sin_, up.upload("rope.sin", t, {c.max_seq_len, D / 2}));
  const int bits = c.weight_only_bits;
  for (int64_t i = 0; i < c.num_layers; ++i) {
    DeviceLayer& l = m->layers_[static_cast<size_t>(i)];
    const std::string pre = "layers." + std::to_string(i) + ".";
    SINTER_ASSIGN_OR_RETURN(l.attn_norm, up.upload(pre + "input_layernorm.weight", t, {H}));
    SINTER_ASSIGN_OR_RETURN(l.mlp_norm, up.upload(pre + "post_attention_layernorm.weight", t, {H}));
    SINTER_RETURN_IF_ERROR(up.linear(pre, {{"q_proj", 0, 1}, {"k_proj", nq, 1}, {"v_proj", nq + nk, 1}}, {nq, nk, nk},
                                     H, bits, c.group_size, &l.qkv));
    SINTER_RETURN_IF_ERROR(up.linear(pre, {{"o_proj", 0, 1}}, {H}, nq, bits, c.group_size, &l.o));
    SINTER_RETURN_IF_ERROR(
        up.linear(pre, {{"gate_proj", 0, 2}, {"up_proj", 1, 2}}, {I, I}, H, bits, c.group_size, &l.gate_up));
    SINTER_RETURN_IF_ERROR(up.linear(pre, {{"down_proj", 0, 1}}, {H}, I, bits, c.group_size, &l.down));
    for (DeviceLinear* lin : {&l.qkv, &l.o, &l.gate_up, &l.down}) SINTER_RETURN_IF_ERROR(m->fit_gemv(lin));
  }
  if (c.lm_head_bits == 0) {
    SINTER_RETURN_IF_ERROR(up.linear("", {{"lm_head", 0, 1}}, {c.vocab}, H, 0, 0, &m->lm_head_));
  } else {
    // The lm_head's group size is whatever its scales say.
    SINTER_ASSIGN_OR_RETURN(HostTensor s, weight("lm_head.scales"));
    if (s.rank() != 2 || s.dims()[1] <= 0 || H % s.dims()[1] != 0)
      return invalid_argument("CUDA LLM runner: lm_head.scales is " + s.summary());
    SINTER_RETURN_IF_ERROR(
        up.linear("", {{"lm_head", 0, 1}}, {c.vocab}, H, c.lm_head_bits, H / s.dims()[1], &m->lm_head_));
  }
  SINTER_RETURN_IF_ERROR(m->fit_gemv(&m->lm_head_));
  SINTER_CUDA_RETURN_IF_ERROR(cudaDeviceSynchronize());
  return m;
}

void CudaLlmModel::release(void* p) {
  if (!p) return;
  const auto it = std::find(allocations_.begin(), allocations_.end(), p);
  if (it == allocations_.end()) return;
  cudaFree(p);
  allocations_.erase(it);
}

// int4 weights on f16 go to the tensor-core GEMV's tiled layout when their shape allows it (every Llama-family
// projection with a group size of 64, 128, 256 ...); SINTER_LLM_INT4_TILED=0 keeps the plan's layout and the
// generic GEMV (for comparisons).
static bool int4_tiled_enabled() {
  static const bool on = [] {
    const char* env = std::getenv("SINTER_LLM_INT4_TILED");
    return !(env && std::string(env) == "0");
  }();
  return on;
}

// Weight-only shapes the GEMV cannot read (K or the group size not a multiple of the 16-byte vector's 32 int4
// or 16 int8 weights) are dequantized to T once here and run as float weights.
Status CudaLlmModel::fit_gemv(DeviceLinear* lin) {
  if (lin->kind == WeightKind::kFloat) return Status::Ok();
  if (lin->kind == WeightKind::kInt4 && int4_tiled_enabled() &&
      kc::int4_tiled_fits(cfg_.dtype, lin->n, lin->k, lin->group)) {
    void *w = nullptr, *scales = nullptr;
    SINTER_RETURN_IF_ERROR(alloc(&w, static_cast<size_t>(lin->n * lin->k / 2)));
    SINTER_RETURN_IF_ERROR(alloc(&scales, static_cast<size_t>(lin->n * (lin->k / lin->group)) * 2));
    SINTER_RETURN_IF_ERROR(
        kc::int4_tile_weights(cfg_.dtype, lin->w, lin->scales, lin->n, lin->k, lin->group, w, scales, stream_));
    SINTER_CUDA_RETURN_IF_ERROR(cudaStreamSynchronize(stream_));
    release(lin->w);
    release(lin->scales);
    lin->w = w, lin->scales = scales;
    lin->kind = WeightKind::kInt4Tiled;
    return Status::Ok();
  }
  kc::GemvArgs a;
  a.dtype = cfg_.dtype, a.kind = lin->kind, a.n = lin->n, a.k = lin->k, a.group = lin->group;
  if (kc::gemv_check(a).ok()) return Status::Ok();
  void* w = nullptr;
  SINTER_RETURN_IF_ERROR(alloc(&w, static_cast<size_t>(lin->n * lin->k) * elem(cfg_.dtype)));
  SINTER_RETURN_IF_ERROR(
      kc::dequantize_weight(cfg_.dtype, lin->kind, lin->w, lin->scales, lin->n, lin->k, lin->group, w, stream_));
  SINTER_CUDA_RETURN_IF_ERROR(cudaStreamSynchronize(stream_));
  release(lin->w);
  release(lin->scales);
  lin->w = w;
  lin->kind = WeightKind::kFloat;
  lin->scales = nullptr;
  lin->group = 0;
  return Status::Ok();
}

Result<std::unique_ptr<CudaLlmModel>> CudaLlmModel::create_random(const LlmPlanConfig& config, uint64_t seed) {
  SINTER_RETURN_IF_ERROR(check_config(config));
  std::unique_ptr<CudaLlmModel> m(new CudaLlmModel());
  m->cfg_ = config;
  SINTER_RETURN_IF_ERROR(m->init_buffers());
  const LlmPlanConfig& c = m->cfg_;
  const DType t = c.dtype;
  const int64_t H = c.hidden, I = c.intermediate, D = c.head_dim;
  uint64_t s = seed;
  auto fill = [&](void** p, DType dt, int64_t n, float amp) -> Status {
    SINTER_RETURN_IF_ERROR(m->alloc(p, dtype_storage_bytes(dt, n)));
    return kc::fill_random(dt, *p, n, ++s, amp, m->stream_);
  };
  std::vector<uint16_t> ones(static_cast<size_t>(H), t == DType::kFloat16 ? 0x3C00 : 0x3F80);
  auto ones_vec = [&](void** p) -> Status {
    SINTER_RETURN_IF_ERROR(m->alloc(p, static_cast<size_t>(H) * 2));
    SINTER_CUDA_RETURN_IF_ERROR(cudaMemcpy(*p, ones.data(), static_cast<size_t>(H) * 2, cudaMemcpyHostToDevice));
    return Status::Ok();
  };
  auto linear = [&](DeviceLinear* lin, int64_t n, int64_t k, int bits, int64_t group) -> Status {
    lin->n = n, lin->k = k;
    lin->kind = bits == 0 ? WeightKind::kFloat : bits == 8 ? WeightKind::kInt8 : WeightKind::kInt4;
    lin->group = bits ? group : 0;
    if (bits == 0) return fill(&lin->w, t, n * k, 0.02f);
    SINTER_RETURN_IF_ERROR(fill(&lin->w, bits == 8 ? DType::kInt8 : DType::kUInt8, bits == 8 ? n * k : n * k / 2, 0));
    SINTER_RETURN_IF_ERROR(fill(&lin->scales, t, n * (k / group), bits == 8 ? 2e-4f : 4e-3f));
    return m->fit_gemv(lin);  // the layout the plan's weights get
  };
  SINTER_RETURN_IF_ERROR(fill(&m->embed_, t, c.vocab * H, 1.0f));
  SINTER_RETURN_IF_ERROR(ones_vec(&m->final_norm_));
  // Plain rotary tables.
  std::vector<float> cs(static_cast<size_t>(c.max_seq_len * D / 2)), sn(cs.size());
  for (int64_t p = 0; p < c.max_seq_len; ++p)
    for (int64_t i = 0; i < D / 2; ++i) {
      const double ang = static_cast<double>(p) / std::pow(c.rope_theta, 2.0 * static_cast<double>(i) / D);
      cs[static_cast<size_t>(p * D / 2 + i)] = static_cast<float>(std::cos(ang));
      sn[static_cast<size_t>(p * D / 2 + i)] = static_cast<float>(std::sin(ang));
    }
  HostTensor cos_t(DType::kFloat32, {c.max_seq_len, D / 2}), sin_t(DType::kFloat32, {c.max_seq_len, D / 2});
  std::copy(cs.begin(), cs.end(), cos_t.data<float>());
  std::copy(sn.begin(), sn.end(), sin_t.data<float>());
  for (auto [dst, src] : {std::pair{&m->rope_cos_, &cos_t}, std::pair{&m->rope_sin_, &sin_t}}) {
    HostTensor h = src->cast(t);
    SINTER_RETURN_IF_ERROR(m->alloc(dst, h.nbytes()));
    SINTER_CUDA_RETURN_IF_ERROR(cudaMemcpy(*dst, h.raw(), h.nbytes(), cudaMemcpyHostToDevice));
  }
  const int bits = c.weight_only_bits;
  const int64_t nqkv = (c.num_heads + 2 * c.num_kv_heads) * D;
  for (DeviceLayer& l : m->layers_) {
    SINTER_RETURN_IF_ERROR(ones_vec(&l.attn_norm));
    SINTER_RETURN_IF_ERROR(ones_vec(&l.mlp_norm));
    SINTER_RETURN_IF_ERROR(linear(&l.qkv, nqkv, H, bits, c.group_size));
    SINTER_RETURN_IF_ERROR(linear(&l.o, H, c.num_heads * D, bits, c.group_size));
    SINTER_RETURN_IF_ERROR(linear(&l.gate_up, 2 * I, H, bits, c.group_size));
    SINTER_RETURN_IF_ERROR(linear(&l.down, H, I, bits, c.group_size));
  }
  SINTER_RETURN_IF_ERROR(linear(&m->lm_head_, c.vocab, H, c.lm_head_bits, c.lm_head_bits ? H : 0));
  SINTER_CUDA_RETURN_IF_ERROR(cudaStreamSynchronize(m->stream_));
  return m;
}

// ---- forward ------------------------------------------------------------------------------------

kc::KvLayout CudaLlmModel::kv_layout(const DeviceLayer& layer, int64_t seq) const {
  kc::KvLayout kv;
  kv.batch = 1, kv.seq = seq;
  kv.hq = cfg_.num_heads, kv.hkv = cfg_.num_kv_heads, kv.d = cfg_.head_dim, kv.smax = cfg_.max_seq_len;
  kv.past_len = step_dev_;
  kv.k_cache = layer.k_cache;
  kv.v_cache = layer.v_cache;
  return kv;
}

static kc::GemvArgs gemv_args(DType t, const DeviceLinear& lin, const void* x, void* y) {
  kc::GemvArgs a;
  a.dtype = t;
  a.kind = lin.kind;
  a.m = 1, a.n = lin.n, a.k = lin.k;
  a.w = lin.w, a.scales = lin.scales, a.group = lin.group, a.bias = lin.bias;
  a.x = x, a.y = y;
  return a;
}

Status CudaLlmModel::enqueue_decode(bool greedy) {
  const LlmPlanConfig& c = cfg_;
  const DType t = c.dtype;
  const float eps = static_cast<float>(c.rms_eps);
  const float scale = 1.f / std::sqrt(static_cast<float>(c.head_dim));
  SINTER_RETURN_IF_ERROR(kc::embedding_gather(t, embed_, step_dev_ + 1, resid_, 1, c.hidden, c.vocab, stream_));
  for (const DeviceLayer& l : layers_) {
    kc::GemvArgs a = gemv_args(t, l.qkv, resid_, qkv_);
    a.norm_gamma = l.attn_norm, a.norm_eps = eps;
    a.pdl = use_pdl;
    SINTER_RETURN_IF_ERROR(kc::gemv(a, stream_));
    kc::KvLayout kv = kv_layout(l, 1);
    kv.pdl = use_pdl;
    SINTER_RETURN_IF_ERROR(
        kc::decode_attention_rope(t, kv, qkv_, rope_cos_, rope_sin_, scale, attn_partial_, attn_, stream_));
    a = gemv_args(t, l.o, attn_, resid_);
    a.residual = resid_;
    a.pdl = use_pdl;
    SINTER_RETURN_IF_ERROR(kc::gemv(a, stream_));
    a = gemv_args(t, l.gate_up, resid_, h_);
    a.norm_gamma = l.mlp_norm, a.norm_eps = eps, a.swiglu = true;
    a.pdl = use_pdl;
    SINTER_RETURN_IF_ERROR(kc::gemv(a, stream_));
    a = gemv_args(t, l.down, h_, resid_);
    a.residual = resid_;
    a.pdl = use_pdl;
    SINTER_RETURN_IF_ERROR(kc::gemv(a, stream_));
  }
  kc::GemvArgs a = gemv_args(t, lm_head_, resid_, logits_dev_);
  a.norm_gamma = final_norm_, a.norm_eps = eps, a.out_f32 = true;
  a.pdl = use_pdl;
  SINTER_RETURN_IF_ERROR(kc::gemv(a, stream_));
  if (greedy) SINTER_RETURN_IF_ERROR(kc::argmax_f32(logits_dev_, c.vocab, greedy_dev_, argmax_scratch_, stream_, use_pdl));
  return Status::Ok();
}

Status CudaLlmModel::run_decode(bool greedy) {
  SINTER_CUDA_RETURN_IF_ERROR(
      cudaMemcpyAsync(step_dev_, step_host_, 2 * sizeof(int64_t), cudaMemcpyHostToDevice, stream_));
  cudaGraphExec_t& exec = greedy ? decode_greedy_graph_ : decode_graph_;
  if (!use_graphs || decode_steps_eager_ == 0) {
    // The first step runs eagerly (one-time kernel attributes are set outside any capture).
    SINTER_RETURN_IF_ERROR(enqueue_decode(greedy));
    ++decode_steps_eager_;
  } else {
    if (!exec) {
      SINTER_CUDA_RETURN_IF_ERROR(cudaStreamBeginCapture(stream_, cudaStreamCaptureModeThreadLocal));
      Status st = enqueue_decode(greedy);
      cudaGraph_t graph = nullptr;
      const cudaError_t end = cudaStreamEndCapture(stream_, &graph);
      if (!st.ok()) {
        if (graph) cudaGraphDestroy(graph);
        return st;
      }
      SINTER_CUDA_RETURN_IF_ERROR(end);
      const cudaError_t inst = cudaGraphInstantiate(&exec, graph, 0);
      cudaGraphDestroy(graph);
      SINTER_CUDA_RETURN_IF_ERROR(inst);
    }
    SINTER_CUDA_RETURN_IF_ERROR(cudaGraphLaunch(exec, stream_));
  }
  if (greedy)
    SINTER_CUDA_RETURN_IF_ERROR(
        cudaMemcpyAsync(greedy_host_, greedy_dev_, sizeof(int64_t), cudaMemcpyDeviceToHost, stream_));
  else
    SINTER_CUDA_RETURN_IF_ERROR(cudaMemcpyAsync(
        logits_host_, logits_dev_, static_cast<size_t>(cfg_.vocab) * sizeof(float), cudaMemcpyDeviceToHost, stream_));
  return sinter::cuda::cuda_status(cudaStreamSynchronize(stream_), "CUDA LLM decode step");
}

Status CudaLlmModel::gemm(const DeviceLinear& lin, const void* x, int64_t m, void* y, bool accumulate) {
  const DType t = cfg_.dtype;
  const void* w = lin.w;
  if (lin.kind != WeightKind::kFloat) {
    SINTER_RETURN_IF_ERROR(
        kc::dequantize_weight(t, lin.kind, lin.w, lin.scales, lin.n, lin.k, lin.group, dequant_, stream_));
    w = dequant_;
  }
  const float alpha = 1.f, beta = accumulate ? 1.f : 0.f;
  // Row-major y[m, n] = x[m, k] w[n, k]^T is column-major y^T = w^T x^T (cuBLAS's view).
  SINTER_RETURN_IF_ERROR(
      cublas_check(cublasGemmEx(cublas_, CUBLAS_OP_T, CUBLAS_OP_N, static_cast<int>(lin.n), static_cast<int>(m),
                                static_cast<int>(lin.k), &alpha, w, cuda_type(t), static_cast<int>(lin.k), x,
                                cuda_type(t), static_cast<int>(lin.k), &beta, y, cuda_type(t), static_cast<int>(lin.n),
                                CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT),
                   "cublasGemmEx (LLM prefill projection)"));
  if (lin.bias) SINTER_RETURN_IF_ERROR(kc::add_bias_rows(t, y, lin.bias, m, lin.n, stream_));
  return Status::Ok();
}

Status CudaLlmModel::run_prefill(std::span<const int64_t> ids, int64_t past_len) {
  const LlmPlanConfig& c = cfg_;
  const DType t = c.dtype;
  const int64_t S = static_cast<int64_t>(ids.size());
  const float eps = static_cast<float>(c.rms_eps);
  const float scale = 1.f / std::sqrt(static_cast<float>(c.head_dim));
  const int64_t D = c.head_dim, G = c.num_heads / c.num_kv_heads, L = past_len + S;
  step_host_[0] = past_len;
  std::copy(ids.begin(), ids.end(), step_host_ + 1);
  SINTER_CUDA_RETURN_IF_ERROR(cudaMemcpyAsync(step_dev_, step_host_, static_cast<size_t>(S + 1) * sizeof(int64_t),
                                              cudaMemcpyHostToDevice, stream_));
  SINTER_RETURN_IF_ERROR(kc::embedding_gather(t, embed_, step_dev_ + 1, resid_, S, c.hidden, c.vocab, stream_));
  const float one = 1.f, zero = 0.f;
  const cudaDataType_t ct = cuda_type(t);
  for (const DeviceLayer& l : layers_) {
    SINTER_RETURN_IF_ERROR(kc::rms_norm(t, resid_, l.attn_norm, xn_, S, c.hidden, eps, stream_));
    SINTER_RETURN_IF_ERROR(gemm(l.qkv, xn_, S, qkv_, false));
    const kc::KvLayout kv = kv_layout(l, S);
    SINTER_RETURN_IF_ERROR(kc::rope_and_cache_write(t, kv, qkv_, rope_cos_, rope_sin_, q_, stream_));
    // scores[h, s, j] = scale * q[s, h] . k[j] for the G query heads of each kv head: one strided batch over
    // the kv heads per member j of the group.
    for (int64_t j = 0; j < G; ++j) {
      SINTER_RETURN_IF_ERROR(cublas_check(
          cublasGemmStridedBatchedEx(
              cublas_, CUBLAS_OP_T, CUBLAS_OP_N, static_cast<int>(L), static_cast<int>(S), static_cast<int>(D), &scale,
              l.k_cache, ct, static_cast<int>(D), c.max_seq_len * D, static_cast<const char*>(q_) + j * D * elem(t), ct,
              static_cast<int>(c.num_heads * D), G * D, &zero, scores_ + j * S * L, CUDA_R_32F, static_cast<int>(L),
              G * S * L, static_cast<int>(c.num_kv_heads), CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT),
          "cublasGemmStridedBatchedEx (LLM prefill scores)"));
    }
    SINTER_RETURN_IF_ERROR(kc::causal_softmax(t, scores_, probs_, c.num_heads, S, L, past_len, stream_));
    for (int64_t j = 0; j < G; ++j) {
      SINTER_RETURN_IF_ERROR(cublas_check(
          cublasGemmStridedBatchedEx(cublas_, CUBLAS_OP_N, CUBLAS_OP_N, static_cast<int>(D), static_cast<int>(S),
                                     static_cast<int>(L), &one, l.v_cache, ct, static_cast<int>(D), c.max_seq_len * D,
                                     static_cast<const char*>(probs_) + j * S * L * elem(t), ct, static_cast<int>(L),
                                     G * S * L, &zero, static_cast<char*>(attn_) + j * D * elem(t), ct,
                                     static_cast<int>(c.num_heads * D), G * D, static_cast<int>(c.num_kv_heads),
                                     CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT),
          "cublasGemmStridedBatchedEx (LLM prefill attention output)"));
    }
    SINTER_RETURN_IF_ERROR(gemm(l.o, attn_, S, resid_, true));
    SINTER_RETURN_IF_ERROR(kc::rms_norm(t, resid_, l.mlp_norm, xn_, S, c.hidden, eps, stream_));
    SINTER_RETURN_IF_ERROR(gemm(l.gate_up, xn_, S, gu_, false));
    SINTER_RETURN_IF_ERROR(kc::swiglu_interleaved(t, gu_, h_, S, c.intermediate, stream_));
    SINTER_RETURN_IF_ERROR(gemm(l.down, h_, S, resid_, true));
  }
  kc::GemvArgs a = gemv_args(t, lm_head_, static_cast<const char*>(resid_) + (S - 1) * c.hidden * elem(t), logits_dev_);
  a.norm_gamma = final_norm_, a.norm_eps = eps, a.out_f32 = true;
  SINTER_RETURN_IF_ERROR(kc::gemv(a, stream_));
  SINTER_CUDA_RETURN_IF_ERROR(cudaMemcpyAsync(logits_host_, logits_dev_, static_cast<size_t>(c.vocab) * sizeof(float),
                                              cudaMemcpyDeviceToHost, stream_));
  return sinter::cuda::cuda_status(cudaStreamSynchronize(stream_), "CUDA LLM prefill");
}

Status CudaLlmModel::check_step(std::span<const int64_t> ids, int64_t past_len) const {
  const int64_t S = static_cast<int64_t>(ids.size());
  if (S == 0) return invalid_argument("forward: no new tokens");
  if (past_len != cached_)
    return invalid_argument("forward: past_len " + std::to_string(past_len) + " but the runner holds " +
                            std::to_string(cached_) + " cached tokens");
  if (past_len + S > cfg_.max_seq_len)
    return out_of_range("forward: past_len " + std::to_string(past_len) + " + " + std::to_string(S) +
                        " new tokens exceeds max_seq_len " + std::to_string(cfg_.max_seq_len));
  for (int64_t id : ids)
    if (id < 0 || id >= cfg_.vocab)
      return out_of_range("forward: token id " + std::to_string(id) + " is outside the vocabulary of " +
                          std::to_string(cfg_.vocab));
  return Status::Ok();
}

Result<int64_t> CudaLlmModel::decode_greedy(int64_t id, int64_t past_len) {
  SINTER_RETURN_IF_ERROR(check_step(std::span<const int64_t>(&id, 1), past_len));
  const auto t0 = std::chrono::steady_clock::now();
  step_host_[0] = past_len;
  step_host_[1] = id;
  SINTER_RETURN_IF_ERROR(run_decode(true));
  timing_.decode_s += seconds_since(t0);
  ++timing_.decode_steps;
  cached_ = past_len + 1;
  return *greedy_host_;
}

Result<std::span<const float>> CudaLlmModel::forward(std::span<const int64_t> ids, int64_t past_len) {
  const int64_t S = static_cast<int64_t>(ids.size());
  SINTER_RETURN_IF_ERROR(check_step(ids, past_len));
  const auto t0 = std::chrono::steady_clock::now();
  if (S == 1) {
    step_host_[0] = past_len;
    step_host_[1] = ids[0];
    SINTER_RETURN_IF_ERROR(run_decode(false));
    timing_.decode_s += seconds_since(t0);
    ++timing_.decode_steps;
  } else {
    if (!dequant_ && cfg_.weight_only_bits != 0) {
      const LlmPlanConfig& c = cfg_;
      const int64_t biggest = std::max({(c.num_heads + 2 * c.num_kv_heads) * c.head_dim * c.hidden,
                                        2 * c.intermediate * c.hidden, c.num_heads * c.head_dim * c.hidden});
      SINTER_RETURN_IF_ERROR(alloc(&dequant_, static_cast<size_t>(biggest) * elem(c.dtype)));
    }
    for (int64_t s0 = 0; s0 < S; s0 += prefill_chunk_) {
      const int64_t n = std::min(prefill_chunk_, S - s0);
      SINTER_RETURN_IF_ERROR(run_prefill(ids.subspan(static_cast<size_t>(s0), static_cast<size_t>(n)), past_len + s0));
    }
    timing_.prefill_s += seconds_since(t0);
    timing_.prefill_tokens += S;
  }
  cached_ = past_len + S;
  return std::span<const float>(logits_host_, static_cast<size_t>(cfg_.vocab));
}

double CudaLlmModel::decode_bytes(int64_t context) const {
  double b = static_cast<double>(lm_head_.bytes()) + static_cast<double>(cfg_.hidden) * 2 * (1 + 1);
  for (const DeviceLayer& l : layers_)
    b += static_cast<double>(l.qkv.bytes() + l.o.bytes() + l.gate_up.bytes() + l.down.bytes()) +
         2.0 * static_cast<double>(cfg_.hidden) * 2;
  b += 2.0 * static_cast<double>(cfg_.num_layers * cfg_.num_kv_heads * context * cfg_.head_dim) * 2;
  return b;
}

}  // namespace sinter::llm::cuda

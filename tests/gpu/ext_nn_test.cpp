// ext_nn CUDA tactics (losses, Attention, RMSNormalization, RotaryEmbedding, SwiGLU, the nnx
// normalizations, GridSample, AffineGrid, RoiAlign, ...) against the reference backend, table-driven
// over dtypes, attributes and odd shapes.
#if SINTER_WITH_CUDA
#include <gtest/gtest.h>

#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "kernel_table_util.h"

namespace sinter {
namespace {

using gputest::absent_input;
using gputest::check_against_reference;
using gputest::NodeSpec;
using gputest::random_input;
using gputest::Tolerance;
using Dims = std::vector<int64_t>;

// Looser bounds for ops whose reference rounds intermediate steps to f16/bf16 in an order a GPU kernel
// does not reproduce exactly (attention's softmax, long sums).
Tolerance loose(DType t) {
  switch (t) {
    case DType::kFloat16:
      return {1e-2, 1e-2};
    case DType::kBFloat16:
      return {6e-2, 6e-2};
    default:
      return {2e-5, 2e-4};
  }
}

// A random integer input in [0, hi) of `dtype` (targets, indices).
gputest::InputSpec random_index(int64_t hi, DType dtype = DType::kInt64) {
  return random_input(dtype, 0, static_cast<double>(hi) - 1e-3);
}

TEST(CudaExtNnLoss, NllAndSoftmaxCrossEntropy) {
  SINTER_SKIP_WITHOUT_GPU();
  struct Case {
    Dims x;
    bool weight;
    bool ignore;
    const char* reduction;
    DType target;
  };
  const Case cases[] = {
      {{5, 7}, false, false, "mean", DType::kInt64},      {{5, 7}, true, false, "sum", DType::kInt64},
      {{3, 5, 13}, true, true, "mean", DType::kInt64},    {{3, 5, 13}, false, true, "none", DType::kInt32},
      {{2, 3, 4, 5}, true, false, "none", DType::kInt64}, {{2, 3, 4, 5}, false, false, "sum", DType::kInt32},
      {{13, 1000}, true, true, "mean", DType::kInt64},
  };
  for (ir::OpKind op : {ir::OpKind::kNegativeLogLikelihoodLoss, ir::OpKind::kSoftmaxCrossEntropyLoss}) {
    for (DType t : gputest::kKernelFloatTypes) {
      for (const auto& c : cases) {
        for (int outputs : {1, 2}) {
          if (outputs == 2 && op != ir::OpKind::kSoftmaxCrossEntropyLoss) continue;
          NodeSpec spec{op};
          spec.attrs.set("reduction", std::string(c.reduction));
          if (c.ignore) spec.attrs.set("ignore_index", int64_t{1});
          spec.num_outputs = outputs;
          Dims target = c.x;
          target.erase(target.begin() + 1);
          spec.inputs = {random_input(DType::kUndefined, -3, 0), random_index(c.x[1], c.target),
                         c.weight ? random_input(DType::kUndefined, 0.2, 2) : absent_input()};
          check_against_reference(spec, t, {c.x, target, c.weight ? Dims{c.x[1]} : Dims{}}, loose(t));
        }
      }
    }
  }
}

struct AttentionCase {
  Dims q, k, v;
  int64_t q_heads = 0, kv_heads = 0;  // 3-D layouts
  int mask = 0;                       // 0 none, 1 bool, 2 float
  Dims mask_dims;
  Dims past;  // [B, Hkv, P, D] for past_key (past_value uses v's head size)
  bool causal = false;
  double softcap = 0;
  double scale = 0;
  int qk_mode = -1;             // -1: no qk_matmul_output
  std::vector<int64_t> nonpad;  // nonpad_kv_seqlen per batch row (no cache)
};

AttentionCase attention_case(const Dims& q, const Dims& k, const Dims& v, int64_t q_heads = 0, int64_t kv_heads = 0) {
  AttentionCase c;
  c.q = q, c.k = k, c.v = v, c.q_heads = q_heads, c.kv_heads = kv_heads;
  return c;
}

TEST(CudaExtNnAttention, LayoutsMasksCacheAndModes) {
  SINTER_SKIP_WITHOUT_GPU();
  std::vector<AttentionCase> cases;
  cases.push_back(attention_case({2, 3, 5, 8}, {2, 3, 7, 8}, {2, 3, 7, 8}));
  cases.push_back(attention_case({2, 4, 5, 8}, {2, 2, 7, 8}, {2, 2, 7, 6}));  // GQA, dv != dk
  cases.push_back(attention_case({2, 5, 32}, {2, 7, 16}, {2, 7, 16}, 4, 2));  // 3-D [B, S, H*D], head size 8, GQA
  {
    AttentionCase c = attention_case({1, 2, 13, 16}, {1, 2, 13, 16}, {1, 2, 13, 16});
    c.causal = true;
    c.qk_mode = 0;
    cases.push_back(c);
  }
  {
    AttentionCase c = attention_case({2, 2, 3, 8}, {2, 2, 5, 8}, {2, 2, 5, 8});
    c.mask = 1;
    c.mask_dims = {3, 5};
    c.qk_mode = 3;
    cases.push_back(c);
  }
  {
    AttentionCase c = attention_case({2, 2, 3, 8}, {2, 2, 5, 8}, {2, 2, 5, 8});
    c.mask = 2;
    c.mask_dims = {2, 1, 3, 9};  // mask spans past + new keys
    c.past = {2, 2, 4, 8};
    c.qk_mode = 2;
    cases.push_back(c);
  }
  {
    AttentionCase c = attention_case({1, 4, 1, 8}, {1, 2, 1, 8}, {1, 2, 1, 8});  // decode step with a cache
    c.past = {1, 2, 11, 8};
    c.causal = true;
    cases.push_back(c);
  }
  {
    AttentionCase c = attention_case({2, 2, 5, 8}, {2, 2, 5, 8}, {2, 2, 5, 8});
    c.softcap = 2.0;
    c.scale = 0.7;
    c.qk_mode = 1;
    cases.push_back(c);
  }
  {
    AttentionCase c = attention_case({2, 2, 3, 8}, {2, 2, 7, 8}, {2, 2, 7, 8});
    c.causal = true;
    c.nonpad = {7, 4};
    cases.push_back(c);
  }
  for (DType t : gputest::kKernelFloatTypes) {
    for (const auto& c : cases) {
      NodeSpec spec{ir::OpKind::kAttention};
      if (c.q_heads) {
        spec.attrs.set("q_num_heads", c.q_heads);
        spec.attrs.set("kv_num_heads", c.kv_heads);
      }
      if (c.causal) spec.attrs.set("is_causal", int64_t{1});
      if (c.softcap > 0) spec.attrs.set("softcap", c.softcap);
      if (c.scale > 0) spec.attrs.set("scale", c.scale);
      if (c.qk_mode >= 0) spec.attrs.set("qk_matmul_output_mode", int64_t{c.qk_mode});
      spec.inputs = {random_input(), random_input(), random_input()};
      std::vector<Dims> shapes = {c.q, c.k, c.v};
      if (c.mask == 0) {
        spec.inputs.push_back(absent_input());
        shapes.push_back({});
      } else {
        spec.inputs.push_back(c.mask == 1 ? random_input(DType::kBool) : random_input(DType::kUndefined, -2, 0));
        shapes.push_back(c.mask_dims);
      }
      const bool cache = !c.past.empty();
      if (cache) {
        Dims pv = c.past;
        pv[3] = c.v.back();
        spec.inputs.push_back(random_input());
        spec.inputs.push_back(random_input());
        shapes.push_back(c.past);
        shapes.push_back(pv);
      }
      if (!c.nonpad.empty()) {
        HostTensor lens(DType::kInt64, {static_cast<int64_t>(c.nonpad.size())});
        for (size_t i = 0; i < c.nonpad.size(); ++i) lens.data<int64_t>()[i] = c.nonpad[i];
        gputest::InputSpec in;
        in.dtype = DType::kInt64;
        in.data = lens;
        spec.inputs.insert(spec.inputs.end(), {absent_input(), absent_input(), in});
        shapes.insert(shapes.end(), {Dims{}, Dims{}, lens.dims()});
      }
      spec.num_outputs = c.qk_mode >= 0 ? 4 : (cache ? 3 : 1);
      check_against_reference(spec, t, shapes, loose(t));
    }
  }
}

TEST(CudaExtNnLlm, RmsNormRotarySwiGlu) {
  SINTER_SKIP_WITHOUT_GPU();
  for (DType t : gputest::kKernelFloatTypes) {
    // RMSNormalization: axis and scale shapes.
    const std::vector<std::tuple<Dims, int64_t, Dims>> rms = {
        {{5, 7, 13}, -1, {13}},  {{5, 7, 13}, 1, {7, 13}}, {{5, 7, 13}, 1, {13}},
        {{3, 1000}, -1, {1000}}, {{0, 8}, -1, {8}},
    };
    for (const auto& [x, axis, scale] : rms) {
      NodeSpec spec{ir::OpKind::kRMSNormalization};
      spec.attrs.set("axis", axis);
      spec.attrs.set("epsilon", 1e-3);
      spec.inputs = {random_input(DType::kUndefined, -2, 2), random_input()};
      check_against_reference(spec, t, {x, scale});
    }
    // RotaryEmbedding: 4-D/3-D, interleaved, partial rotary, position_ids.
    struct Rot {
      Dims x;
      int64_t heads, rot;
      bool interleaved, pos;
    };
    const Rot rots[] = {{{2, 3, 5, 8}, 0, 0, false, false},
                        {{2, 3, 5, 8}, 0, 4, true, false},
                        {{2, 5, 24}, 3, 0, false, true},
                        {{2, 5, 24}, 3, 6, true, true},
                        {{1, 2, 7, 16}, 0, 0, true, true}};
    for (const auto& r : rots) {
      const int64_t head = r.x.size() == 4 ? r.x[3] : r.x[2] / r.heads;
      const int64_t half = (r.rot ? r.rot : head) / 2;
      const int64_t batch = r.x[0], seq = r.x.size() == 4 ? r.x[2] : r.x[1];
      NodeSpec spec{ir::OpKind::kRotaryEmbedding};
      if (r.heads) spec.attrs.set("num_heads", r.heads);
      if (r.rot) spec.attrs.set("rotary_embedding_dim", r.rot);
      if (r.interleaved) spec.attrs.set("interleaved", int64_t{1});
      spec.inputs = {random_input(), random_input(), random_input()};
      std::vector<Dims> shapes = {r.x};
      if (r.pos) {
        const int64_t max_pos = 11;
        spec.inputs.push_back(random_index(max_pos));
        shapes.push_back({max_pos, half});
        shapes.push_back({max_pos, half});
        shapes.push_back({batch, seq});
      } else {
        shapes.push_back({batch, seq, half});
        shapes.push_back({batch, seq, half});
      }
      check_against_reference(spec, t, shapes);
    }
    // SwiGLU.
    for (double alpha : {1.0, 1.702}) {
      NodeSpec spec{ir::OpKind::kSwiGLU};
      spec.attrs.set("alpha", alpha);
      spec.inputs = {random_input(DType::kUndefined, -4, 4), random_input(DType::kUndefined, -2, 2)};
      for (const Dims& d : {Dims{5, 7, 13}, Dims{1}, Dims{0, 3}}) check_against_reference(spec, t, {d, d});
    }
  }
}

TEST(CudaExtNnNorm, InstanceGroupLpMvnLrn) {
  SINTER_SKIP_WITHOUT_GPU();
  for (DType t : gputest::kKernelFloatTypes) {
    for (const Dims& x : {Dims{2, 3, 5, 7}, Dims{1, 6, 13}, Dims{3, 4, 2, 3, 2}}) {
      NodeSpec in{ir::OpKind::kInstanceNormalization};
      in.attrs.set("epsilon", 1e-3);
      in.inputs = {random_input(DType::kUndefined, -2, 2), random_input(), random_input()};
      check_against_reference(in, t, {x, {x[1]}, {x[1]}});
      for (int64_t groups : {int64_t{1}, int64_t{2}, x[1]}) {
        if (x[1] % groups != 0) continue;
        NodeSpec gn{ir::OpKind::kGroupNormalization};
        gn.attrs.set("num_groups", groups);
        gn.attrs.set("epsilon", 1e-3);
        gn.inputs = in.inputs;
        check_against_reference(gn, t, {x, {x[1]}, {x[1]}});
      }
      NodeSpec lrn{ir::OpKind::kLRN};
      lrn.attrs.set("size", int64_t{3});
      lrn.attrs.set("alpha", 1e-2);
      lrn.attrs.set("beta", 0.5);
      lrn.attrs.set("bias", 2.0);
      check_against_reference(lrn, t, {x});
    }
    for (int64_t p : {int64_t{1}, int64_t{2}}) {
      for (int64_t axis : {int64_t{-1}, int64_t{0}, int64_t{1}}) {
        NodeSpec lp{ir::OpKind::kLpNormalization};
        lp.attrs.set("p", p);
        lp.attrs.set("axis", axis);
        check_against_reference(lp, t, {{5, 7, 13}});
      }
    }
    for (const auto& axes :
         {std::vector<int64_t>{0, 2, 3}, std::vector<int64_t>{1}, std::vector<int64_t>{0, 1, 2, 3}}) {
      NodeSpec mvn{ir::OpKind::kMeanVarianceNormalization};
      mvn.attrs.set("axes", axes);
      mvn.inputs = {random_input(DType::kUndefined, -2, 2)};
      check_against_reference(mvn, t, {{3, 5, 7, 4}}, loose(t));
    }
  }
}

TEST(CudaExtNnSample, GridSampleAffineGridRoiAlign) {
  SINTER_SKIP_WITHOUT_GPU();
  for (DType t : gputest::kKernelFloatTypes) {
    for (const char* mode : {"linear", "nearest", "cubic"}) {
      for (const char* pad : {"zeros", "border", "reflection"}) {
        for (int64_t align : {int64_t{0}, int64_t{1}}) {
          NodeSpec spec{ir::OpKind::kGridSample};
          spec.attrs.set("mode", std::string(mode));
          spec.attrs.set("padding_mode", std::string(pad));
          spec.attrs.set("align_corners", align);
          spec.inputs = {random_input(), random_input(DType::kUndefined, -1.3, 1.3)};
          check_against_reference(spec, t, {{2, 3, 5, 7}, {2, 4, 6, 2}}, loose(t));
          if (std::string(mode) != "cubic")
            check_against_reference(spec, t, {{1, 2, 3, 5, 4}, {1, 2, 3, 4, 3}}, loose(t));
        }
      }
    }
    for (int64_t align : {int64_t{0}, int64_t{1}}) {
      NodeSpec spec{ir::OpKind::kAffineGrid};
      spec.attrs.set("align_corners", align);
      spec.inputs = {random_input(), gputest::const_i64({2, 3, 5, 7})};
      check_against_reference(spec, t, {{2, 2, 3}, {4}}, loose(t));
      spec.inputs = {random_input(), gputest::const_i64({1, 2, 3, 4, 5})};
      check_against_reference(spec, t, {{1, 3, 4}, {5}}, loose(t));
    }
    for (const char* mode : {"avg", "max"}) {
      for (int64_t sampling : {int64_t{0}, int64_t{2}}) {
        NodeSpec spec{ir::OpKind::kRoiAlign};
        spec.attrs.set("mode", std::string(mode));
        spec.attrs.set("output_height", int64_t{3});
        spec.attrs.set("output_width", int64_t{4});
        spec.attrs.set("sampling_ratio", sampling);
        spec.attrs.set("spatial_scale", 0.5);
        spec.inputs = {random_input(), random_input(DType::kUndefined, 0, 12), random_index(2)};
        check_against_reference(spec, t, {{2, 3, 7, 9}, {5, 4}, {5}}, loose(t));
      }
    }
  }
}

// A non-constant int64 input of `dims` holding `values` (indices the test must keep distinct).
gputest::InputSpec i64_input(const Dims& dims, const std::vector<int64_t>& values) {
  HostTensor t(DType::kInt64, dims);
  for (size_t i = 0; i < values.size(); ++i) t.set_from_double(static_cast<int64_t>(i), static_cast<double>(values[i]));
  gputest::InputSpec s;
  s.dims = dims;
  s.dtype = DType::kInt64;
  s.data = t;
  return s;
}

TEST(CudaExtNnRnn, RnnGruLstmAttributes) {
  SINTER_SKIP_WITHOUT_GPU();
  const int64_t seq = 5, batch = 3, input = 4, hidden = 7;
  struct Case {
    ir::OpKind op;
    const char* direction;
    int64_t layout;
    bool lens, initial, bias;
    int64_t linear_before_reset;
    double clip;
  };
  const Case cases[] = {
      {ir::OpKind::kRNN, "forward", 0, false, false, true, 0, 0},
      {ir::OpKind::kRNN, "bidirectional", 0, true, true, true, 0, 0},
      {ir::OpKind::kGRU, "forward", 0, false, true, true, 0, 0},
      {ir::OpKind::kGRU, "reverse", 1, true, true, true, 1, 0},
      {ir::OpKind::kGRU, "bidirectional", 0, true, false, false, 0, 0.5},
      {ir::OpKind::kLSTM, "forward", 0, false, true, true, 0, 0},
      {ir::OpKind::kLSTM, "bidirectional", 1, true, true, true, 0, 0},
      {ir::OpKind::kLSTM, "reverse", 0, true, false, true, 0, 0.3},
  };
  for (DType t : gputest::kKernelFloatTypes) {
    for (const auto& c : cases) {
      const int64_t gates = c.op == ir::OpKind::kRNN ? 1 : (c.op == ir::OpKind::kGRU ? 3 : 4);
      const int64_t dirs = std::string(c.direction) == "bidirectional" ? 2 : 1;
      NodeSpec spec{c.op};
      spec.attrs.set("hidden_size", hidden);
      spec.attrs.set("direction", std::string(c.direction));
      spec.attrs.set("layout", c.layout);
      if (c.linear_before_reset) spec.attrs.set("linear_before_reset", c.linear_before_reset);
      if (c.clip > 0) spec.attrs.set("clip", c.clip);
      const Dims x = c.layout == 0 ? Dims{seq, batch, input} : Dims{batch, seq, input};
      const Dims state = c.layout == 0 ? Dims{dirs, batch, hidden} : Dims{batch, dirs, hidden};
      spec.inputs = {random_input(),
                     random_input(DType::kUndefined, -0.5, 0.5),
                     random_input(DType::kUndefined, -0.5, 0.5),
                     c.bias ? random_input(DType::kUndefined, -0.5, 0.5) : absent_input(),
                     c.lens ? random_input(DType::kInt32, 1, static_cast<double>(seq) + 0.999) : absent_input(),
                     c.initial ? random_input() : absent_input()};
      std::vector<Dims> shapes = {x,
                                  {dirs, gates * hidden, input},
                                  {dirs, gates * hidden, hidden},
                                  c.bias ? Dims{dirs, 2 * gates * hidden} : Dims{},
                                  c.lens ? Dims{batch} : Dims{},
                                  c.initial ? state : Dims{}};
      if (c.op == ir::OpKind::kLSTM) {
        spec.inputs.push_back(c.initial ? random_input() : absent_input());
        spec.inputs.push_back(random_input(DType::kUndefined, -0.5, 0.5));  // peepholes
        shapes.push_back(c.initial ? state : Dims{});
        shapes.push_back({dirs, 3 * hidden});
      }
      spec.num_outputs = c.op == ir::OpKind::kLSTM ? 3 : 2;
      check_against_reference(spec, t, shapes, loose(t));
    }
    // Activations with alpha/beta, one per direction.
    NodeSpec spec{ir::OpKind::kRNN};
    spec.attrs.set("hidden_size", hidden);
    spec.attrs.set("direction", std::string("bidirectional"));
    spec.attrs.set("activations", std::vector<std::string>{"LeakyRelu", "ScaledTanh"});
    spec.attrs.set("activation_alpha", std::vector<double>{0.2, 0.9});
    spec.attrs.set("activation_beta", std::vector<double>{1.3});
    spec.inputs = {random_input(), random_input(DType::kUndefined, -0.5, 0.5),
                   random_input(DType::kUndefined, -0.5, 0.5)};
    check_against_reference(spec, t, {{seq, batch, input}, {2, hidden, input}, {2, hidden, hidden}}, loose(t));
  }
}

TEST(CudaExtNnPool, LpPoolGlobalLpPoolMaxUnpool) {
  SINTER_SKIP_WITHOUT_GPU();
  for (DType t : gputest::kKernelFloatTypes) {
    for (int64_t p : {int64_t{1}, int64_t{2}, int64_t{3}}) {
      NodeSpec lp{ir::OpKind::kLpPool};
      lp.attrs.set("p", p);
      lp.attrs.set("kernel_shape", std::vector<int64_t>{3, 2});
      lp.attrs.set("strides", std::vector<int64_t>{2, 1});
      lp.attrs.set("pads", std::vector<int64_t>{1, 0, 1, 1});
      check_against_reference(lp, t, {{2, 3, 7, 5}}, loose(t));
      NodeSpec gl{ir::OpKind::kGlobalLpPool};
      gl.attrs.set("p", p);
      check_against_reference(gl, t, {{2, 3, 7, 5}}, loose(t));
      check_against_reference(gl, t, {{1, 2, 13}}, loose(t));
    }
    NodeSpec up{ir::OpKind::kMaxUnpool};
    up.attrs.set("kernel_shape", std::vector<int64_t>{2, 2});
    up.attrs.set("strides", std::vector<int64_t>{2, 2});
    up.inputs = {random_input(), i64_input({1, 2, 2, 2}, {0, 3, 9, 14, 17, 22, 24, 31})};
    check_against_reference(up, t, {{1, 2, 2, 2}, {1, 2, 2, 2}});
    up.inputs.push_back(gputest::const_i64({1, 2, 5, 5}));  // output_shape larger than the unpooled 4x4
    check_against_reference(up, t, {{1, 2, 2, 2}, {1, 2, 2, 2}, {4}});
  }
}

TEST(CudaExtNnMatrix, EinsumAndDet) {
  SINTER_SKIP_WITHOUT_GPU();
  const std::vector<std::pair<std::string, std::vector<Dims>>> cases = {
      {"ij,jk->ik", {{5, 7}, {7, 3}}},
      {"bij,bjk->bik", {{2, 5, 7}, {2, 7, 3}}},
      {"ii->i", {{5, 5}}},
      {"ij->", {{5, 7}}},
      {"i,i", {{13}, {13}}},
      {"...ij,...jk->...ik", {{2, 3, 5, 4}, {3, 4, 2}}},
      {"ij->ji", {{5, 7}}},
      {"ij,jk,kl->il", {{3, 4}, {4, 5}, {5, 2}}},
  };
  for (const auto& [eq, shapes] : cases) {  // f64 (the conformance suite's Einsum tests)
    NodeSpec spec{ir::OpKind::kEinsum};
    spec.attrs.set("equation", eq);
    check_against_reference(spec, DType::kFloat64, shapes, Tolerance{1e-12, 1e-12});
  }
  for (DType t : gputest::kKernelFloatTypes) {
    for (const auto& [eq, shapes] : cases) {
      NodeSpec spec{ir::OpKind::kEinsum};
      spec.attrs.set("equation", eq);
      check_against_reference(spec, t, shapes, loose(t));
    }
    for (const Dims& d : {Dims{3, 3}, Dims{2, 4, 4}, Dims{5, 2, 2}, Dims{1, 1}}) {
      NodeSpec det{ir::OpKind::kDet};
      check_against_reference(det, t, {d}, loose(t));
    }
  }
}

TEST(CudaExtNnSignal, DftStftMel) {
  SINTER_SKIP_WITHOUT_GPU();
  for (DType t : gputest::kKernelFloatTypes) {
    for (int64_t inverse : {int64_t{0}, int64_t{1}}) {
      for (int64_t onesided : {int64_t{0}, int64_t{1}}) {
        for (int64_t comps : {int64_t{1}, int64_t{2}}) {
          if (inverse && onesided && comps == 1) continue;  // a one-sided inverse takes a complex spectrum
          NodeSpec spec{ir::OpKind::kDFT};
          spec.attrs.set("inverse", inverse);
          spec.attrs.set("onesided", onesided);
          spec.inputs = {random_input(), absent_input(), gputest::const_i64({1}, true)};
          check_against_reference(spec, t, {{2, 7, comps}, {}, {}}, loose(t));
          spec.inputs = {random_input(), gputest::const_i64({12}, true), gputest::const_i64({-2}, true)};
          check_against_reference(spec, t, {{3, 9, 2, comps}, {}, {}}, loose(t));
        }
      }
    }
    for (int64_t onesided : {int64_t{0}, int64_t{1}}) {
      NodeSpec spec{ir::OpKind::kSTFT};
      spec.attrs.set("onesided", onesided);
      spec.inputs = {random_input(), gputest::const_i64({8}, true), random_input()};
      check_against_reference(spec, t, {{2, 64, 1}, {}, {16}}, loose(t));
      spec.inputs = {random_input(), gputest::const_i64({5}, true), absent_input(), gputest::const_i64({12}, true)};
      check_against_reference(spec, t, {{1, 40, 2}, {}, {}, {}}, loose(t));
    }
  }
  NodeSpec mel{ir::OpKind::kMelWeightMatrix};
  mel.inputs = {gputest::const_scalar(DType::kInt64, 8), gputest::const_scalar(DType::kInt64, 64),
                gputest::const_scalar(DType::kInt64, 8000), gputest::const_scalar(DType::kFloat32, 0),
                gputest::const_scalar(DType::kFloat32, 4000)};
  check_against_reference(mel, DType::kFloat32, {});
}

TEST(CudaExtNnQuant, IntegerAndQLinearMatMulConv) {
  SINTER_SKIP_WITHOUT_GPU();
  auto u8 = [] { return random_input(DType::kUInt8, 0, 255.99); };
  auto i8 = [] { return random_input(DType::kInt8, -128, 127.99); };
  auto scale = [](double v) { return gputest::const_scalar(DType::kFloat32, v); };
  for (bool signed_b : {false, true}) {
    NodeSpec mm{ir::OpKind::kMatMulInteger};
    mm.inputs = {u8(), signed_b ? i8() : u8(), gputest::const_scalar(DType::kUInt8, 12),
                 signed_b ? gputest::const_scalar(DType::kInt8, -3) : gputest::const_scalar(DType::kUInt8, 7)};
    check_against_reference(mm, DType::kUInt8, {{3, 5}, {5, 7}});
    check_against_reference(mm, DType::kUInt8, {{2, 3, 5}, {5, 4}});
    NodeSpec q{ir::OpKind::kQLinearMatMul};
    q.inputs = {u8(),
                scale(0.02),
                gputest::const_scalar(DType::kUInt8, 120),
                signed_b ? i8() : u8(),
                scale(0.03),
                signed_b ? gputest::const_scalar(DType::kInt8, 2) : gputest::const_scalar(DType::kUInt8, 130),
                scale(0.5),
                gputest::const_scalar(DType::kUInt8, 128)};
    check_against_reference(q, DType::kUInt8, {{2, 3, 5}, {}, {}, {5, 4}}, Tolerance{1, 0});
    for (size_t i : {1, 4, 6})
      q.inputs[i] = gputest::const_scalar(DType::kFloat16, i == 6 ? 0.5 : 0.02 + 0.01 * (i == 4));
    check_against_reference(q, DType::kUInt8, {{3, 5}, {}, {}, {5, 4}}, Tolerance{1, 0});
    NodeSpec ci{ir::OpKind::kConvInteger};
    ci.attrs.set("pads", std::vector<int64_t>{1, 1, 1, 1});
    ci.inputs = {u8(), signed_b ? i8() : u8(), gputest::const_scalar(DType::kUInt8, 100)};
    check_against_reference(ci, DType::kUInt8, {{1, 2, 5, 5}, {3, 2, 3, 3}});
    NodeSpec qc{ir::OpKind::kQLinearConv};
    qc.attrs.set("strides", std::vector<int64_t>{2, 2});
    qc.inputs = {u8(),
                 scale(0.01),
                 gputest::const_scalar(DType::kUInt8, 110),
                 signed_b ? i8() : u8(),
                 gputest::const_f32({0.02, 0.03, 0.04}),
                 signed_b ? gputest::const_scalar(DType::kInt8, 0) : gputest::const_scalar(DType::kUInt8, 128),
                 scale(0.4),
                 gputest::const_scalar(DType::kUInt8, 100),
                 random_input(DType::kInt32, -500, 500)};
    check_against_reference(qc, DType::kUInt8, {{1, 2, 7, 7}, {}, {}, {3, 2, 3, 3}, {}, {}, {}, {}, {3}},
                            Tolerance{1, 0});
  }
}

TEST(CudaExtNnConv, Col2ImDeformConv) {
  SINTER_SKIP_WITHOUT_GPU();
  for (DType t : gputest::kKernelFloatTypes) {
    NodeSpec col{ir::OpKind::kCol2Im};
    col.inputs = {random_input(), gputest::const_i64({5, 5}), gputest::const_i64({2, 2})};
    check_against_reference(col, t, {{1, 8, 16}, {2}, {2}}, loose(t));
    col.attrs.set("strides", std::vector<int64_t>{2, 2});
    col.attrs.set("pads", std::vector<int64_t>{1, 1, 1, 1});
    col.attrs.set("dilations", std::vector<int64_t>{1, 2});
    // blocks: h (5+2-2)/2+1 = 3, w (5+2-3)/2+1 = 3.
    check_against_reference(col, t, {{2, 12, 9}, {2}, {2}}, loose(t));

    for (bool with_mask : {false, true}) {
      NodeSpec dc{ir::OpKind::kDeformConv};
      dc.attrs.set("pads", std::vector<int64_t>{1, 1, 1, 1});
      dc.inputs = {random_input(), random_input(), random_input(DType::kUndefined, -1.5, 1.5), random_input(),
                   with_mask ? random_input(DType::kUndefined, 0, 1) : absent_input()};
      check_against_reference(
          dc, t, {{1, 2, 5, 5}, {3, 2, 3, 3}, {1, 18, 5, 5}, {3}, with_mask ? Dims{1, 9, 5, 5} : Dims{}}, loose(t));
    }
  }
}

TEST(CudaExtNnLinearAttention, UpdateRules) {
  SINTER_SKIP_WITHOUT_GPU();
  for (DType t : gputest::kKernelFloatTypes) {
    for (const char* rule : {"linear", "gated", "delta", "gated_delta"}) {
      for (bool past : {false, true}) {
        const std::string r = rule;
        const bool gating = r == "gated" || r == "gated_delta", delta = r == "delta" || r == "gated_delta";
        NodeSpec spec{ir::OpKind::kLinearAttention};
        spec.attrs.set("update_rule", r);
        spec.attrs.set("q_num_heads", int64_t{4});
        spec.attrs.set("kv_num_heads", int64_t{2});
        spec.num_outputs = 2;
        spec.inputs = {random_input(),
                       random_input(),
                       random_input(),
                       past ? random_input() : absent_input(),
                       gating ? random_input(DType::kUndefined, -0.5, 0) : absent_input(),
                       delta ? random_input(DType::kUndefined, 0, 1) : absent_input()};
        check_against_reference(spec, t,
                                {{2, 5, 4 * 4},
                                 {2, 5, 2 * 4},
                                 {2, 5, 2 * 6},
                                 past ? Dims{2, 2, 4, 6} : Dims{},
                                 gating ? Dims{2, 5, 2} : Dims{},
                                 delta ? Dims{2, 5, 1} : Dims{}},
                                loose(t));
      }
    }
  }
}

}  // namespace
}  // namespace sinter
#endif  // SINTER_WITH_CUDA

#!/usr/bin/env python3
"""LLM decode/prefill benchmark of the GPU round (`scripts/gpu-check llm`), issue 5's performance point.

An 8B Llama-3.1-shaped model with random weights at batch 1:
  sinter   the CUDA LLM runner (src/llm/cuda/) with fp16, int4 and int8 weight-only weights (lm_head int8, as
           `sinter llm build --weight-only` stores it), made directly on the device by the gpu_tests case
           LlmCudaBench.Llama31_8B: prefill of 512 tokens (median of 5), and a 128-token prompt followed by 128
           greedy decode steps (median of 3), every decode step a CUDA graph replay that ends in an argmax on
           the device (CudaLlmModel::decode_greedy: one id comes back per step, not the logits);
  HF       Hugging Face transformers LlamaForCausalLM, fp16, same shape, random init on the GPU, generate() with
           the same prompt and step counts, in the same run.
Prints a table with tok/s, achieved GB/s (bytes of weights and KV cache read per decode step) and the share of
the measured 4.23 TB/s ceiling; llama.cpp's numbers (docs/benchmarks.md, measured on this machine earlier) are
listed for reference. Writes llm_bench.json and llm_table.md to --out.
"""
import argparse
import json
import os
import subprocess
import sys
import time

CEILING_GBS = 4230.0
LLAMA_CPP = {"f16": (18500, 209), "int4": (9500, 268)}  # (pp512 tok/s, tg128 tok/s), Q4_K_M for int4
TARGETS = {"f16": 210, "int4": 540}
LLAMA31_8B = dict(hidden_size=4096, intermediate_size=14336, num_hidden_layers=32, num_attention_heads=32,
                  num_key_value_heads=8, head_dim=128, vocab_size=128256, rms_norm_eps=1e-5, rope_theta=500000.0,
                  max_position_embeddings=131072,
                  rope_scaling={"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0,
                                "high_freq_factor": 4.0, "original_max_position_embeddings": 8192})


def run_sinter(gpu_tests, out, variants):
    path = os.path.join(out, "llm_sinter.json")
    env = dict(os.environ, SINTER_LLM_BENCH=path, SINTER_LLM_BENCH_VARIANTS=variants)
    t0 = time.time()
    proc = subprocess.run([gpu_tests, "--gtest_filter=LlmCudaBench.*"], env=env, capture_output=True, text=True)
    sys.stdout.write("".join(l + "\n" for l in proc.stdout.splitlines() if "LLM_BENCH" in l or "Failure" in l
                             or "FAILED" in l or "error" in l.lower()))
    print(f"sinter bench: {time.time() - t0:.1f} s, exit {proc.returncode}")
    if proc.returncode != 0:
        sys.stdout.write(proc.stdout[-3000:] + proc.stderr[-2000:])
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return json.load(f)


def run_hf(decode_tokens=128, prompt=128, prefill=512):
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM
    torch.manual_seed(0)
    cfg = LlamaConfig(**LLAMA31_8B, torch_dtype="float16")
    t0 = time.time()
    torch.set_default_dtype(torch.float16)
    with torch.device("cuda"):
        model = LlamaForCausalLM(cfg)
    torch.set_default_dtype(torch.float32)
    model.eval()
    print(f"HF model made in {time.time() - t0:.1f} s")
    nbytes = sum(p.numel() * p.element_size() for p in model.parameters())
    ids = torch.randint(0, 128000, (1, prompt), device="cuda")
    long_ids = torch.randint(0, 128000, (1, prefill), device="cuda")
    with torch.inference_mode():
        model(long_ids)  # warm-up
        torch.cuda.synchronize()
        times = []
        for _ in range(3):
            t = time.time()
            model(long_ids, logits_to_keep=1)
            torch.cuda.synchronize()
            times.append(time.time() - t)
        prefill_s = sorted(times)[1]
        model.generate(ids, max_new_tokens=8, min_new_tokens=8, do_sample=False)  # warm-up
        torch.cuda.synchronize()
        t = time.time()
        out = model.generate(ids, max_new_tokens=decode_tokens, min_new_tokens=decode_tokens, do_sample=False)
        torch.cuda.synchronize()
        total = time.time() - t
    new = out.shape[1] - prompt
    # generate() time includes its own prefill of the prompt; subtract a measured 128-token forward.
    with torch.inference_mode():
        t = time.time()
        model(ids, logits_to_keep=1)
        torch.cuda.synchronize()
        p128 = time.time() - t
    decode_s = max(total - p128, 1e-9)
    emb = 128256 * 4096 * 2
    bytes_per_token = nbytes - emb + 4096 * 2
    del model
    torch.cuda.empty_cache()
    return [{"variant": "HF fp16", "prefill_tokens": prefill, "prefill_s": prefill_s, "prefill_tok_s": prefill / prefill_s,
             "decode_tokens": new, "decode_s": decode_s, "decode_tok_s": new / decode_s,
             "decode_bytes_per_token": bytes_per_token, "decode_gb_s": bytes_per_token * new / decode_s / 1e9}]


def table(rows):
    lines = ["| engine | weights | prefill 512 (tok/s) | decode 128 (tok/s) | decode GB/s | share of 4.23 TB/s | target |",
             "| --- | --- | --- | --- | --- | --- | --- |"]
    for r in rows:
        v = r["variant"]
        name, weights = ("Hugging Face transformers", "fp16") if v.startswith("HF") else ("sinter", v)
        target = TARGETS.get(v)
        verdict = "" if target is None else (f">= {target}: " + ("met" if r["decode_tok_s"] >= target else "NOT met"))
        lines.append(f"| {name} | {weights} | {r['prefill_tok_s']:,.0f} | {r['decode_tok_s']:,.1f} | "
                     f"{r['decode_gb_s']:,.0f} | {100 * r['decode_gb_s'] / CEILING_GBS:.0f}% | {verdict} |")
    for v, (pp, tg) in LLAMA_CPP.items():
        lines.append(f"| llama.cpp (earlier run, not this one) | {'F16' if v == 'f16' else 'Q4_K_M'} | {pp:,} | {tg} | "
                     f"| | |")
    return "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gpu-tests", default=".gpu/gpu_tests")
    ap.add_argument("--out", default="out/gpu-check")
    ap.add_argument("--variants", default="f16,int4,int8")
    ap.add_argument("--no-hf", action="store_true", help="skip the Hugging Face transformers run")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    rows = run_sinter(args.gpu_tests, args.out, args.variants)
    if not args.no_hf:
        try:
            rows += run_hf()
        except Exception as e:  # the table still comes out without the peer
            print(f"HF run failed: {type(e).__name__}: {e}")
    with open(os.path.join(args.out, "llm_bench.json"), "w") as f:
        json.dump(rows, f, indent=2)
    t = table(rows)
    with open(os.path.join(args.out, "llm_table.md"), "w") as f:
        f.write(t)
    print(t)
    ok = all(r["decode_tok_s"] >= TARGETS[r["variant"]] for r in rows if r["variant"] in TARGETS)
    return 0 if rows and ok else 1


if __name__ == "__main__":
    sys.exit(main())

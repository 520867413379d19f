#!/usr/bin/env python3
"""LLM benchmark of the GPU round (`scripts/gpu-check llm`): issue 5's performance point, run the way a user would.

Default flow (end to end, batch 1):
  1. bench/make_llama_checkpoint.py writes an 8B Llama-3.1-shaped Hugging Face folder with random fp16 weights
     (sharded safetensors + index, config with llama3 rope_scaling, tokenizer files);
  2. for each variant, `sinter llm build` makes a plan from that folder (timed: build seconds), then
     `sinter llm bench PLAN --device cuda --json` times a prefill of 512 tokens and 128 greedy decode steps after
     a 128-token prompt (every step through generate()'s path); the plan is deleted afterwards (disk);
  3. Hugging Face transformers loads the SAME folder with from_pretrained (fp16, timed) and times generate() with
     the same prompt length and steps, and a 512-token forward, in the same run.
Variants: f16, bf16, int8 and int4 (weight-only, group 128, lm_head int8). Order: f16, int4, HF, then int8 and
bf16, so that a run cut short by --time-budget (or killed) still has the most important rows; the JSON and the
table are rewritten after every row. A failing step is logged (llm_<step>.log under --out) and the rest goes on.

Old flow (--in-test): the gpu_tests case LlmCudaBench.Llama31_8B makes the 8B weights directly on the device and
times CudaLlmModel::decode_greedy (variants there also include int4-nopdl, f16-nograph); kept for kernel tuning.

Writes llm_bench.json and llm_table.md to --out; prints the table last.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import time

CEILING_GBS = 4230.0
LLAMA_CPP = {"f16": (18500, 209), "int4": (9500, 268)}  # (pp512 tok/s, tg128 tok/s), Q4_K_M for int4
TARGETS = {"f16": 210, "int4": 540}
BUILD_FLAGS = {"f16": ["--dtype", "float16"], "bf16": ["--dtype", "bfloat16"],
               "int8": ["--dtype", "float16", "--weight-only", "int8"],
               "int4": ["--dtype", "float16", "--weight-only", "int4"]}
ORDER = ["f16", "int4", "HF", "int8", "bf16"]
HERE = os.path.dirname(os.path.abspath(__file__))


class Run:
    """Keeps the rows, the logs and the clock of one benchmark run."""

    def __init__(self, out, budget_s, prefill_len=512, gen_len=128):
        self.out, self.budget_s, self.t0 = out, budget_s, time.time()
        self.lens = (prefill_len, gen_len)
        self.rows, self.notes = [], []

    def elapsed(self):
        return time.time() - self.t0

    def left(self):
        return self.budget_s - self.elapsed()

    def note(self, text):
        print(f"[{self.elapsed():6.1f}s] {text}", flush=True)
        self.notes.append(text)

    def step(self, name, cmd, timeout):
        """Runs cmd with its output in llm_<name>.log; returns (ok, stdout, seconds)."""
        log = os.path.join(self.out, f"llm_{name}.log")
        t = time.time()
        timeout = max(10, min(timeout, self.left()))
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
            ok, out, err = proc.returncode == 0, proc.stdout, proc.stderr
            why = f"exit {proc.returncode}"
        except subprocess.TimeoutExpired as e:
            ok, why = False, f"timed out after {timeout:.0f} s"
            out = e.stdout.decode() if isinstance(e.stdout, bytes) else (e.stdout or "")
            err = e.stderr.decode() if isinstance(e.stderr, bytes) else (e.stderr or "")
        except OSError as e:
            ok, out, err, why = False, "", str(e), "could not start"
        secs = time.time() - t
        with open(log, "w") as f:
            f.write("$ " + " ".join(cmd) + "\n--- stdout ---\n" + out + "\n--- stderr ---\n" + err)
            f.write(f"\n--- {why}, {secs:.1f} s ---\n")
        if not ok:
            tail = "\n".join((err or out).strip().splitlines()[-5:])
            self.note(f"{name} FAILED ({why}, {secs:.1f} s; log {log}):\n{tail}")
        return ok, out, secs

    def add(self, row):
        self.rows.append(row)
        self.save()

    def save(self):
        with open(os.path.join(self.out, "llm_bench.json"), "w") as f:
            json.dump({"rows": self.rows, "notes": self.notes, "elapsed_s": self.elapsed()}, f, indent=2)
        with open(os.path.join(self.out, "llm_table.md"), "w") as f:
            f.write(table(self.rows, *self.lens))


def make_checkpoint(run, args):
    ckpt = os.path.join(args.work, args.preset)
    if args.reuse_checkpoint and os.path.exists(os.path.join(ckpt, "model.safetensors.index.json")):
        run.note(f"reusing {ckpt}")
        return ckpt
    cmd = [sys.executable, os.path.join(HERE, "make_llama_checkpoint.py"), "--preset", args.preset, "--out", ckpt,
           "--dtype", "float16", "--seed", "0"]
    ok, out, secs = run.step("checkpoint", cmd, 300)
    if not ok:
        return None
    run.note(f"checkpoint: {out.strip()} ({secs:.1f} s)")
    return ckpt


def sinter_variant(run, args, ckpt, variant):
    plan = os.path.join(args.work, f"{variant}.plan")
    cmd = [args.sinter, "llm", "build", "--model-dir", ckpt, "-o", plan, "--device", args.device,
           "--max-seq-len", str(args.max_seq_len), "--group-size", str(args.group_size)] + BUILD_FLAGS[variant]
    ok, _, build_s = run.step(f"build_{variant}", cmd, 400)
    if ok:
        plan_gb = os.path.getsize(plan) / 1e9
        run.note(f"built {variant}: {build_s:.1f} s, {plan_gb:.2f} GB")
        cmd = [args.sinter, "llm", "bench", plan, "--device", args.device, "--prompt-len", str(args.prompt_len),
               "--gen-len", str(args.gen_len), "--prefill-len", str(args.prefill_len), "--iters", str(args.iters),
               "--ceiling-gbs", str(CEILING_GBS), "--json"]
        ok, out, bench_s = run.step(f"bench_{variant}", cmd, 300)
        if ok:
            try:
                j = json.loads(out.strip().splitlines()[-1])
                row = {"variant": variant, "engine": "sinter", "build_s": build_s, "plan_gb": plan_gb,
                       "prefill_tokens": j["prefill"]["tokens"], "prefill_tok_s": j["prefill"]["tokens_per_s"],
                       "decode_tokens": j["decode"]["tokens"], "decode_tok_s": j["decode"]["tokens_per_s"],
                       "ms_per_token": j["decode"]["ms_per_token"], "decode_gb_s": j["gb_per_s"],
                       "decode_bytes_per_token": j["bytes_per_step"]["total"], "bench_s": bench_s, "raw": j}
                run.add(row)
                run.note(f"{variant}: decode {row['decode_tok_s']:.1f} tok/s, prefill {row['prefill_tok_s']:.0f} tok/s")
            except (ValueError, KeyError, IndexError) as e:
                run.note(f"bench_{variant}: unreadable JSON ({e}): {out[-300:]}")
    if not args.keep_plans and os.path.exists(plan):
        os.remove(plan)


def hf_random_model():
    """The in-test flow's peer (no checkpoint): LlamaForCausalLM with the 8B shape, random init on the GPU."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM
    sys.path.insert(0, HERE)
    from make_llama_checkpoint import PRESETS
    torch.manual_seed(0)
    torch.set_default_dtype(torch.float16)
    with torch.device("cuda"):
        model = LlamaForCausalLM(LlamaConfig(**PRESETS["llama3.1-8b"], torch_dtype="float16"))
    torch.set_default_dtype(torch.float32)
    return model


def run_hf(run, args, ckpt):
    """transformers fp16 from the same folder: load time, 512-token forward, generate() with the same steps."""
    import torch
    from transformers import AutoModelForCausalLM
    t = time.time()
    if ckpt is None:
        model = hf_random_model()
    else:
        try:
            model = AutoModelForCausalLM.from_pretrained(ckpt, torch_dtype=torch.float16, device_map="cuda")
        except (ImportError, ValueError, TypeError) as e:  # device_map needs accelerate
            run.note(f"HF: device_map unavailable ({type(e).__name__}); loading on the host first")
            model = AutoModelForCausalLM.from_pretrained(ckpt, torch_dtype=torch.float16).to("cuda")
    model.eval()
    torch.cuda.synchronize()
    load_s = time.time() - t
    run.note(f"HF: {'from_pretrained' if ckpt else 'random init'} {load_s:.1f} s")
    cfg = model.config
    nbytes = sum(p.numel() * p.element_size() for p in model.parameters())
    g = torch.Generator(device="cpu").manual_seed(0)
    ids = torch.randint(0, cfg.vocab_size, (1, args.prompt_len), generator=g).cuda()
    long_ids = torch.randint(0, cfg.vocab_size, (1, args.prefill_len), generator=g).cuda()
    med = lambda xs: sorted(xs)[len(xs) // 2]
    with torch.inference_mode():
        model(long_ids, logits_to_keep=1)  # warm-up
        torch.cuda.synchronize()
        times = []
        for _ in range(args.iters):
            t = time.time()
            model(long_ids, logits_to_keep=1)
            torch.cuda.synchronize()
            times.append(time.time() - t)
        prefill_s = med(times)
        n = args.gen_len + 1  # the first new token comes from the prompt's forward, as in sinter's bench
        model.generate(ids, max_new_tokens=8, min_new_tokens=8, do_sample=False)  # warm-up
        runs = []
        for _ in range(args.iters):
            torch.cuda.synchronize()
            t = time.time()
            out = model.generate(ids, max_new_tokens=n, min_new_tokens=n, do_sample=False)
            torch.cuda.synchronize()
            total = time.time() - t
            t = time.time()
            model(ids, logits_to_keep=1)  # generate()'s own prompt forward, subtracted
            torch.cuda.synchronize()
            runs.append(max(total - (time.time() - t), 1e-9))
        decode_s = med(runs)
    steps = out.shape[1] - args.prompt_len - 1
    hkv = getattr(cfg, "num_key_value_heads", cfg.num_attention_heads)
    head_dim = getattr(cfg, "head_dim", None) or cfg.hidden_size // cfg.num_attention_heads
    kv = 2 * cfg.num_hidden_layers * hkv * head_dim * 2 * (args.prompt_len + 0.5 * (args.gen_len + 1))
    emb = cfg.vocab_size * cfg.hidden_size * 2
    bytes_per_token = nbytes - emb + cfg.hidden_size * 2 + kv
    del model
    torch.cuda.empty_cache()
    return {"variant": "HF fp16", "engine": "transformers", "build_s": load_s, "prefill_tokens": args.prefill_len,
            "prefill_tok_s": args.prefill_len / prefill_s, "decode_tokens": steps, "decode_tok_s": steps / decode_s,
            "ms_per_token": 1e3 * decode_s / steps, "decode_gb_s": bytes_per_token * steps / decode_s / 1e9,
            "decode_bytes_per_token": bytes_per_token}


def run_in_test(run, args):
    """The old flow: gpu_tests' LlmCudaBench makes the weights on the device and times decode_greedy."""
    path = os.path.join(args.out, "llm_sinter.json")
    env = dict(os.environ, SINTER_LLM_BENCH=path, SINTER_LLM_BENCH_VARIANTS=args.variants)
    t0 = time.time()
    try:
        proc = subprocess.run([args.gpu_tests, "--gtest_filter=LlmCudaBench.*"], env=env, capture_output=True,
                              text=True)
    except OSError as e:
        run.note(f"in-test sinter bench: cannot run {args.gpu_tests}: {e}")
        return
    with open(os.path.join(args.out, "llm_in_test.log"), "w") as f:
        f.write(proc.stdout + "\n--- stderr ---\n" + proc.stderr)
    sys.stdout.write("".join(l + "\n" for l in proc.stdout.splitlines() if "LLM_BENCH" in l or "Failure" in l
                             or "FAILED" in l or "error" in l.lower()))
    run.note(f"in-test sinter bench: {time.time() - t0:.1f} s, exit {proc.returncode}")
    if proc.returncode != 0:
        sys.stdout.write(proc.stdout[-3000:] + proc.stderr[-2000:])
    if os.path.exists(path):
        with open(path) as f:
            for r in json.load(f):
                r.setdefault("engine", "sinter (in-test)")
                run.add(r)


def table(rows, prefill_len=512, gen_len=128):
    lines = [f"| engine | weights | build / load (s) | prefill {prefill_len} (tok/s) | decode {gen_len} (tok/s) | ms / token | "
             "decode GB/s | share of 4.23 TB/s | target |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for r in rows:
        v = r["variant"]
        name, weights = ("Hugging Face transformers", "fp16") if v.startswith("HF") else (r.get("engine", "sinter"), v)
        target = TARGETS.get(v)
        verdict = "" if target is None else (f">= {target}: " + ("met" if r["decode_tok_s"] >= target else "NOT met"))
        build = f"{r['build_s']:.1f}" if r.get("build_s") is not None else ""
        ms = r.get("ms_per_token") or (1e3 / r["decode_tok_s"] if r.get("decode_tok_s") else 0)
        lines.append(f"| {name} | {weights} | {build} | {r['prefill_tok_s']:,.0f} | {r['decode_tok_s']:,.1f} | "
                     f"{ms:.2f} | {r['decode_gb_s']:,.0f} | {100 * r['decode_gb_s'] / CEILING_GBS:.0f}% | {verdict} |")
    for v, (pp, tg) in LLAMA_CPP.items():
        lines.append(f"| llama.cpp (earlier run, not this one) | {'F16' if v == 'f16' else 'Q4_K_M'} | | {pp:,} | "
                     f"{tg} | | | | |")
    return "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sinter", default=".gpu/sinter", help="the sinter CLI (end-to-end flow)")
    ap.add_argument("--gpu-tests", default=".gpu/gpu_tests", help="gpu_tests (--in-test flow)")
    ap.add_argument("--out", default="out/gpu-check")
    ap.add_argument("--work", default="/tmp/sinter-llm-bench", help="checkpoint and plans (about 33 GB at most)")
    ap.add_argument("--variants", default="f16,int4,int8", help="f16, bf16, int8, int4 (--in-test: also its own)")
    ap.add_argument("--no-hf", action="store_true", help="skip the Hugging Face transformers run")
    ap.add_argument("--in-test", action="store_true", help="the old flow through gpu_tests' LlmCudaBench")
    ap.add_argument("--preset", default="llama3.1-8b", help="make_llama_checkpoint.py preset")
    ap.add_argument("--prompt-len", type=int, default=128)
    ap.add_argument("--gen-len", type=int, default=128)
    ap.add_argument("--prefill-len", type=int, default=512)
    ap.add_argument("--iters", type=int, default=3)
    ap.add_argument("--max-seq-len", type=int, default=1024, help="plans' KV cache length")
    ap.add_argument("--group-size", type=int, default=128, help="weight-only group size")
    ap.add_argument("--time-budget", type=float, default=520,
                    help="seconds; steps that would start after it are skipped (the device command has 600)")
    ap.add_argument("--device", default="cuda", help="cpu runs the flow on the reference backend (try it with "
                    "--preset tiny)")
    ap.add_argument("--keep-plans", action="store_true")
    ap.add_argument("--reuse-checkpoint", action="store_true")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    run = Run(args.out, args.time_budget, args.prefill_len, args.gen_len)

    variants = [v for v in args.variants.split(",") if v]
    only_in_test = [v for v in variants if v not in BUILD_FLAGS]
    if only_in_test and not args.in_test:
        run.note(f"variants {only_in_test} exist only in the in-test flow: running --in-test")
        args.in_test = True
    if args.in_test:
        run_in_test(run, args)
        hf_ok = args.no_hf
        if not args.no_hf:
            try:
                run.add(run_hf(run, args, None))
                hf_ok = True
            except Exception as e:
                run.note(f"HF run failed: {type(e).__name__}: {e}")
    else:
        if not os.access(args.sinter, os.X_OK):
            run.note(f"{args.sinter} not found (make-gpu-bundle with the CLI); falling back to --in-test")
            args.variants = ",".join(v for v in variants if v)
            run_in_test(run, args)
            variants = []
        os.makedirs(args.work, exist_ok=True)
        ckpt = make_checkpoint(run, args) if variants or not args.no_hf else None
        todo = [v for v in ORDER if v in variants or (v == "HF" and not args.no_hf)]
        for v in todo:
            if ckpt is None:
                break
            if run.left() < 30:
                run.note(f"{v}: skipped, {run.elapsed():.0f} s of the {args.time_budget:.0f} s budget used")
                continue
            if v == "HF":
                try:
                    run.add(run_hf(run, args, ckpt))
                except Exception as e:  # the table still comes out without the peer
                    run.note(f"HF run failed: {type(e).__name__}: {e}")
            else:
                sinter_variant(run, args, ckpt, v)
        if ckpt and not args.reuse_checkpoint:
            shutil.rmtree(ckpt, ignore_errors=True)
        hf_ok = args.no_hf or any(r["variant"].startswith("HF") for r in run.rows)
    run.save()
    t = table(run.rows, args.prefill_len, args.gen_len)
    print(t)
    ok = all(r["decode_tok_s"] >= TARGETS[r["variant"]] for r in run.rows if r["variant"] in TARGETS)
    return 0 if run.rows and ok and hf_ok else 1


if __name__ == "__main__":
    sys.exit(main())

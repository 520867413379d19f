#!/usr/bin/env python3
"""sinter vs PyTorch on one GPU: ResNet-50 and BERT-base, fp32 and fp16.

For each model and batch size: export the PyTorch model (random weights) to ONNX (opset 17, static
shapes, one file per batch), run onnxruntime (CPU) as the accuracy reference, run sinter through
sinter_bench (GPU compute median from CUDA events around CUDA-graph replays), and time PyTorch eager and
torch.compile(mode="reduce-overhead") on the same GPU with CUDA events. Writes results.json and
table.md to --out; models and tensors go to --work.

Run by scripts/gpu-check on the GPU machine.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

import numpy as np

PEAK_FP16_TFLOPS = 750.0  # measured dense fp16/bf16 ceiling on the H200 (docs/benchmarks.md)
PEAK_FP32_TFLOPS = 67.0   # datasheet plain fp32 (no tensor cores), for the fp32 rows


def log(*a):
    print(*a, flush=True)


def export_resnet(path, batch):
    import torch
    import torchvision
    torch.manual_seed(0)
    model = torchvision.models.resnet50(weights=None).eval()
    x = torch.randn(batch, 3, 224, 224)
    export(model, (x,), path, ["x"], ["y"])
    return model, {"x": x.numpy()}


def export_bert(path, batch, seq):
    import torch
    from transformers import BertConfig, BertModel
    torch.manual_seed(0)
    cfg = BertConfig()
    cfg._attn_implementation = "eager"
    model = BertModel(cfg).eval()
    ids = torch.randint(0, cfg.vocab_size, (batch, seq), dtype=torch.int64)
    mask = torch.ones(batch, seq, dtype=torch.int64)
    # Explicit token types and positions: the model's buffered defaults export as GatherElements.
    types = torch.zeros(batch, seq, dtype=torch.int64)
    pos = torch.arange(seq, dtype=torch.int64).unsqueeze(0).expand(batch, seq).contiguous()

    class Wrap(torch.nn.Module):
        def __init__(self, m):
            super().__init__()
            self.m = m

        def forward(self, input_ids, attention_mask, token_type_ids, position_ids):
            o = self.m(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids,
                       position_ids=position_ids)
            return o.last_hidden_state, o.pooler_output

    w = Wrap(model).eval()
    names = ["input_ids", "attention_mask", "token_type_ids", "position_ids"]
    export(w, (ids, mask, types, pos), path, names, ["last_hidden_state", "pooler_output"])
    return w, dict(zip(names, (ids.numpy(), mask.numpy(), types.numpy(), pos.numpy())))


def export(model, args, path, input_names, output_names):
    import torch
    with torch.no_grad():
        try:
            torch.onnx.export(model, args, path, opset_version=17, input_names=input_names,
                              output_names=output_names, do_constant_folding=True, dynamo=False)
        except TypeError:
            torch.onnx.export(model, args, path, opset_version=17, input_names=input_names,
                              output_names=output_names, do_constant_folding=True)


def ort_run(path, inputs):
    import onnxruntime as ort
    so = ort.SessionOptions()
    sess = ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])
    names = [o.name for o in sess.get_outputs()]
    outs = sess.run(names, inputs)
    return dict(zip(names, outs))


def rel_err(got, want):
    """max |got - want| / max |want| over one output (normalized max error)."""
    got = got.astype(np.float64)
    want = want.astype(np.float64)
    if got.shape != want.shape:
        return float("inf")
    denom = max(np.max(np.abs(want)), 1e-30)
    return float(np.max(np.abs(got - want)) / denom)


def run_sinter(exe, model, precision, in_npz, out_npz, json_path, iters, warmup):
    cmd = [exe, "--model", model, "--precision", precision, "--input", in_npz, "--output", out_npz,
           "--json", json_path, "--iters", str(iters), "--warmup", str(warmup)]
    t0 = time.time()
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        return None, (p.stderr.strip().splitlines() or ["exit %d" % p.returncode])[-1]
    with open(json_path) as f:
        r = json.load(f)
    r["wall_s"] = time.time() - t0
    sys.stderr.write(p.stderr)
    return r, None


def time_cuda(fn, warmup, iters):
    import torch
    for _ in range(warmup):
        fn()
    torch.cuda.synchronize()
    starts = [torch.cuda.Event(enable_timing=True) for _ in range(iters)]
    ends = [torch.cuda.Event(enable_timing=True) for _ in range(iters)]
    for i in range(iters):
        starts[i].record()
        fn()
        ends[i].record()
    torch.cuda.synchronize()
    return statistics.median(s.elapsed_time(e) for s, e in zip(starts, ends))


def torch_times(kind, model, inputs, precision, do_compile, iters):
    import torch
    dev = torch.device("cuda")
    m = model.to(dev)
    if precision == "fp16":
        m = m.half()
    feeds = []
    for name, a in inputs.items():
        t = torch.from_numpy(a).to(dev)
        if t.is_floating_point() and precision == "fp16":
            t = t.half()
        if kind == "resnet50":
            m = m.to(memory_format=torch.channels_last)
            t = t.contiguous(memory_format=torch.channels_last)
        feeds.append(t)
    res = {}
    with torch.no_grad():
        res["eager_ms"] = time_cuda(lambda: m(*feeds), 10, iters)
        if do_compile:
            t0 = time.time()
            c = torch.compile(m, mode="reduce-overhead")
            for _ in range(3):
                c(*feeds)
            res["compile_s"] = time.time() - t0
            res["compile_ms"] = time_cuda(lambda: c(*feeds), 10, iters)
    del feeds
    torch.cuda.empty_cache()
    return res


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sinter-bench", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--work", default="/tmp/sinter-bench")
    ap.add_argument("--models", default="resnet50,bert")
    ap.add_argument("--resnet-batches", default="1,32,128")
    ap.add_argument("--bert-batches", default="1,32")
    ap.add_argument("--seq", type=int, default=128)
    ap.add_argument("--precisions", default="fp32,fp16")
    ap.add_argument("--compile", default="fp16", help="precisions to run torch.compile for ('' for none)")
    ap.add_argument("--iters", type=int, default=100)
    ap.add_argument("--budget-s", type=float, default=480, help="skip torch.compile past this elapsed time")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    os.makedirs(args.work, exist_ok=True)
    t_start = time.time()
    precisions = [p for p in args.precisions.split(",") if p]
    compile_for = [p for p in args.compile.split(",") if p]
    rows = []
    jobs = []
    for model in args.models.split(","):
        if model == "resnet50":
            jobs += [("resnet50", int(b)) for b in args.resnet_batches.split(",") if b]
        elif model == "bert":
            jobs += [("bert", int(b)) for b in args.bert_batches.split(",") if b]
    for kind, batch in jobs:
        tag = "%s_b%d" % (kind, batch)
        onnx_path = os.path.join(args.work, tag + ".onnx")
        t0 = time.time()
        if kind == "resnet50":
            tmodel, inputs = export_resnet(onnx_path, batch)
        else:
            tmodel, inputs = export_bert(onnx_path, batch, args.seq)
        log("[%s] exported in %.1f s" % (tag, time.time() - t0))
        in_npz = os.path.join(args.work, tag + "_in.npz")
        np.savez(in_npz, **inputs)
        t0 = time.time()
        ref = ort_run(onnx_path, inputs)
        log("[%s] onnxruntime (CPU) in %.1f s" % (tag, time.time() - t0))
        for prec in precisions:
            row = {"model": kind, "batch": batch, "precision": prec}
            out_npz = os.path.join(args.work, "%s_%s_out.npz" % (tag, prec))
            r, err = run_sinter(args.sinter_bench, onnx_path, prec, in_npz, out_npz,
                                os.path.join(args.work, "%s_%s.json" % (tag, prec)), args.iters, 20)
            if r is None:
                row["sinter_error"] = err
                log("[%s %s] sinter failed: %s" % (tag, prec, err))
            else:
                row.update({k: r[k] for k in ("gpu_median_ms", "gpu_p90_ms", "gpu_p99_ms", "enqueue_median_us",
                                              "h2d_ms", "d2h_ms", "host_latency_median_ms", "flops", "tflops",
                                              "arena_peak_bytes", "tensor_sum_bytes", "cuda_graph", "tactics")})
                got = np.load(out_npz)
                row["rel_err"] = max(rel_err(got[k], ref[k]) for k in ref)
                limit = 1e-3 if prec == "fp32" else 1e-2
                row["accurate"] = row["rel_err"] <= limit
                log("[%s %s] sinter %.3f ms (graph %s), %.1f TFLOP/s, rel err %.2e (limit %.0e)" %
                    (tag, prec, r["gpu_median_ms"], r["cuda_graph"], r["tflops"], row["rel_err"], limit))
            try:
                do_compile = prec in compile_for and (time.time() - t_start) < args.budget_s
                tt = torch_times(kind, tmodel, inputs, prec, do_compile, args.iters)
                row.update(tt)
                log("[%s %s] torch %s" % (tag, prec, json.dumps(tt)))
            except Exception as e:  # keep the round going; the table says what is missing
                row["torch_error"] = repr(e)[:300]
                log("[%s %s] torch failed: %r" % (tag, prec, e))
            rows.append(row)
            with open(os.path.join(args.out, "results.json"), "w") as f:
                json.dump(rows, f, indent=1)
    write_table(rows, os.path.join(args.out, "table.md"))
    log("total %.1f s" % (time.time() - t_start))


def fmt(v, spec="%.3f"):
    return "—" if v is None else spec % v


def write_table(rows, path):
    lines = ["| model | batch | prec | sinter ms | eager ms | compile ms | eager/sinter | compile/sinter | "
             "sinter TFLOP/s | % of peak | rel err vs ORT | ok |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        s = r.get("gpu_median_ms")
        e = r.get("eager_ms")
        c = r.get("compile_ms")
        peak = PEAK_FP16_TFLOPS if r["precision"] != "fp32" else PEAK_FP32_TFLOPS
        tf = r.get("tflops")
        lines.append("| %s | %d | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            r["model"], r["batch"], r["precision"], fmt(s), fmt(e), fmt(c),
            fmt(e / s if s and e else None, "%.2fx"), fmt(c / s if s and c else None, "%.2fx"),
            fmt(tf, "%.1f"), fmt(100 * tf / peak if tf else None, "%.1f%%"),
            fmt(r.get("rel_err"), "%.1e"),
            "yes" if r.get("accurate") else ("FAILED: " + r["sinter_error"][:80] if "sinter_error" in r else "no")))
    lines.append("")
    lines.append("%% of peak: fp16 rows against %.0f TFLOP/s (measured dense fp16), fp32 rows against %.0f "
                 "TFLOP/s (datasheet fp32). FLOPs counted from the graph (Conv/MatMul/Gemm)." %
                 (PEAK_FP16_TFLOPS, PEAK_FP32_TFLOPS))
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()

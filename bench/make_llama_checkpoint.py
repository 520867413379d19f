#!/usr/bin/env python3
"""Writes a Hugging Face Llama checkpoint folder with random weights, for benchmarks and end-to-end tests.

    bench/make_llama_checkpoint.py --preset llama3.1-8b --out /tmp/llama8b [--dtype float16|bfloat16] [--seed 0]
        [--layers N] [--shard-size-mb 5000] [--backend auto|torch|numpy] [--workers N]

The folder is what `from_pretrained` and `sinter llm build` read: config.json (with Llama 3.1's "llama3"
rope_scaling where the preset has it), model-0000i-of-0000N.safetensors with model.safetensors.index.json (or a
single model.safetensors when one shard holds everything), tokenizer.json (a byte-level BPE with Llama 3's split
regex and special tokens, trained in a second on a generated corpus; its vocabulary is smaller than the model's
vocab_size, which Hugging Face allows: the extra embedding rows are never produced by the tokenizer),
tokenizer_config.json (chat template, special tokens) and generation_config.json.

Weights: N(0, 0.02^2) for the embedding and every projection (transformers' initializer_range), ones for the
norms. Each tensor gets its own seed from --seed and its name, so the values do not depend on sharding or
threads; they do depend on the backend (torch's and numpy's generators differ). With torch and a GPU the numbers
are drawn on the GPU; tensors are written in parallel (os.pwrite into preallocated shard files), so an 8B folder
(16 GB) takes seconds on a 16-core machine with a GPU. Host memory stays at a few chunks per worker.
"""
import argparse
import json
import os
import struct
import sys
import time
import zlib
from concurrent.futures import ThreadPoolExecutor

import numpy as np

LLAMA3_REGEX = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|"
                r"\s*[\r\n]+|\s+(?!\S)|\s+")
SPECIALS = ["<|begin_of_text|>", "<|end_of_text|>", "<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>"]
# A Llama-3-style chat template (header tokens around the role, <|eot_id|> after each message).
CHAT_TEMPLATE = ("{{ bos_token }}{% for message in messages %}{{ '<|start_header_id|>' + message['role'] + "
                 "'<|end_header_id|>\\n\\n' + message['content'] | trim + '<|eot_id|>' }}{% endfor %}"
                 "{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{% endif %}")

PRESETS = {
    "llama3.1-8b": dict(hidden_size=4096, intermediate_size=14336, num_hidden_layers=32, num_attention_heads=32,
                        num_key_value_heads=8, head_dim=128, vocab_size=128256, rms_norm_eps=1e-5,
                        rope_theta=500000.0, max_position_embeddings=131072, tie_word_embeddings=False,
                        rope_scaling={"factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                                      "original_max_position_embeddings": 8192, "rope_type": "llama3"}),
    "llama3.2-1b": dict(hidden_size=2048, intermediate_size=8192, num_hidden_layers=16, num_attention_heads=32,
                        num_key_value_heads=8, head_dim=64, vocab_size=128256, rms_norm_eps=1e-5,
                        rope_theta=500000.0, max_position_embeddings=131072, tie_word_embeddings=True,
                        rope_scaling={"factor": 32.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                                      "original_max_position_embeddings": 8192, "rope_type": "llama3"}),
    "tiny": dict(hidden_size=64, intermediate_size=160, num_hidden_layers=2, num_attention_heads=4,
                 num_key_value_heads=2, head_dim=16, vocab_size=1024, rms_norm_eps=1e-5, rope_theta=500000.0,
                 max_position_embeddings=256, tie_word_embeddings=False,
                 rope_scaling={"factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                               "original_max_position_embeddings": 32, "rope_type": "llama3"}),
}
INIT_STD = 0.02
CHUNK_ELEMENTS = 1 << 25  # 32M elements per generated piece (128 MB of f32 scratch per worker)
ST_DTYPE = {"float16": "F16", "bfloat16": "BF16"}


def tensor_list(cfg):
    """(name, shape, kind) in the order transformers lists LlamaForCausalLM's state dict; kind "normal" or "ones"."""
    h, inter, v = cfg["hidden_size"], cfg["intermediate_size"], cfg["vocab_size"]
    d = cfg["head_dim"]
    q, kv = cfg["num_attention_heads"] * d, cfg["num_key_value_heads"] * d
    out = [("model.embed_tokens.weight", (v, h), "normal")]
    for i in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{i}."
        out += [(p + "self_attn.q_proj.weight", (q, h), "normal"), (p + "self_attn.k_proj.weight", (kv, h), "normal"),
                (p + "self_attn.v_proj.weight", (kv, h), "normal"), (p + "self_attn.o_proj.weight", (h, q), "normal"),
                (p + "mlp.gate_proj.weight", (inter, h), "normal"), (p + "mlp.up_proj.weight", (inter, h), "normal"),
                (p + "mlp.down_proj.weight", (h, inter), "normal"),
                (p + "input_layernorm.weight", (h,), "ones"), (p + "post_attention_layernorm.weight", (h,), "ones")]
    out.append(("model.norm.weight", (h,), "ones"))
    if not cfg["tie_word_embeddings"]:
        out.append(("lm_head.weight", (v, h), "normal"))
    return out


def tensor_seed(seed, name):
    return (seed * 1000003 + zlib.crc32(name.encode())) & ((1 << 63) - 1)


class TorchSource:
    """Draws on the GPU (or torch's CPU generator) and hands back little-endian 2-byte words."""

    def __init__(self, dtype, device):
        import torch
        self.torch = torch
        self.device = device
        self.dtype = {"float16": torch.float16, "bfloat16": torch.bfloat16}[dtype]

    def pieces(self, name, numel, kind, seed):
        torch = self.torch
        g = torch.Generator(device=self.device)
        g.manual_seed(tensor_seed(seed, name))
        for start in range(0, numel, CHUNK_ELEMENTS):
            n = min(CHUNK_ELEMENTS, numel - start)
            if kind == "ones":
                t = torch.ones(n, dtype=self.dtype, device=self.device)
            else:
                t = torch.randn(n, generator=g, dtype=torch.float32, device=self.device).mul_(INIT_STD).to(self.dtype)
            yield t.view(torch.int16).cpu().numpy()


class NumpySource:
    def __init__(self, dtype):
        self.dtype = dtype

    def pieces(self, name, numel, kind, seed):
        rng = np.random.Generator(np.random.PCG64(tensor_seed(seed, name)))
        for start in range(0, numel, CHUNK_ELEMENTS):
            n = min(CHUNK_ELEMENTS, numel - start)
            x = np.ones(n, np.float32) if kind == "ones" else rng.standard_normal(n, dtype=np.float32) * INIT_STD
            if self.dtype == "float16":
                yield x.astype(np.float16)
            else:  # bfloat16: round to nearest even on the upper 16 bits (values are finite)
                u = x.view(np.uint32)
                yield ((u + 0x7FFF + ((u >> 16) & 1)) >> 16).astype(np.uint16)


def make_source(backend, dtype):
    if backend in ("auto", "torch"):
        try:
            import torch
            device = "cuda" if torch.cuda.is_available() else "cpu"
            if backend == "torch" or device == "cuda":
                return TorchSource(dtype, device), f"torch ({device})"
        except ImportError:
            if backend == "torch":
                raise
    return NumpySource(dtype), "numpy"


def plan_shards(tensors, shard_bytes):
    """Groups tensors into shards of at most shard_bytes (a bigger tensor gets a shard of its own)."""
    shards, cur, size = [], [], 0
    for t in tensors:
        nbytes = int(np.prod(t[1])) * 2
        if cur and size + nbytes > shard_bytes:
            shards.append(cur)
            cur, size = [], 0
        cur.append(t)
        size += nbytes
    if cur:
        shards.append(cur)
    return shards


def shard_layout(shard, st_dtype):
    """The safetensors header bytes and each tensor's absolute file offset."""
    header, offsets, pos = {"__metadata__": {"format": "pt"}}, {}, 0
    for name, shape, _ in shard:
        nbytes = int(np.prod(shape)) * 2
        header[name] = {"dtype": st_dtype, "shape": list(shape), "data_offsets": [pos, pos + nbytes]}
        offsets[name] = pos
        pos += nbytes
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)  # data starts 8-byte aligned
    head = struct.pack("<Q", len(text)) + text
    return head, {k: v + len(head) for k, v in offsets.items()}, len(head) + pos


def write_weights(out, cfg, dtype, seed, shard_bytes, source, workers, log):
    tensors = tensor_list(cfg)
    shards = plan_shards(tensors, shard_bytes)
    n = len(shards)
    names = ["model.safetensors"] if n == 1 else [f"model-{i + 1:05d}-of-{n:05d}.safetensors" for i in range(n)]
    jobs, weight_map, total = [], {}, 0
    fds = []
    for fname, shard in zip(names, shards):
        head, offsets, size = shard_layout(shard, ST_DTYPE[dtype])
        path = os.path.join(out, fname)
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o644)
        os.ftruncate(fd, size)
        os.pwrite(fd, head, 0)
        fds.append(fd)
        for name, shape, kind in shard:
            jobs.append((fd, offsets[name], name, int(np.prod(shape)), kind))
            weight_map[name] = fname
        total += size
    jobs.sort(key=lambda j: -j[3])  # biggest first, so the pool ends evenly

    done = [0, 0]
    t0 = time.time()

    def run(job):
        fd, offset, name, numel, kind = job
        for piece in source.pieces(name, numel, kind, seed):
            buf = memoryview(np.ascontiguousarray(piece)).cast("B")
            while buf:
                written = os.pwrite(fd, buf, offset)
                offset += written
                buf = buf[written:]
        done[0] += 1
        done[1] += numel * 2
        if log and (done[0] % max(1, len(jobs) // 10) == 0 or done[0] == len(jobs)):
            dt = time.time() - t0
            print(f"  tensor {done[0]}/{len(jobs)}: {done[1] / 1e9:.2f} GB in {dt:.1f} s "
                  f"({done[1] / 1e6 / max(dt, 1e-9):.0f} MB/s)", file=sys.stderr, flush=True)

    with ThreadPoolExecutor(max_workers=workers) as pool:
        for _ in pool.map(run, jobs):
            pass
    for fd in fds:
        os.close(fd)
    if n > 1:
        with open(os.path.join(out, "model.safetensors.index.json"), "w") as f:
            json.dump({"metadata": {"total_size": sum(int(np.prod(s)) * 2 for _, s, _ in tensors)},
                       "weight_map": dict(sorted(weight_map.items()))}, f, indent=2)
    return total, names


def corpus(seed):
    rng = np.random.default_rng(seed)
    words = ("the a of to and in is it that for on with as was by at model token layer cache kernel tensor graph "
             "fast slow small large random weight decode prefill batch memory bandwidth compiler runtime plan "
             "Llama sinter GPU CPU 2024 12 345 6789 déjà naïve Straße привет мир 你好 世界 東京 😀 ✨").split()
    lines = []
    for _ in range(3000):
        n = int(rng.integers(3, 14))
        line = " ".join(words[i] for i in rng.integers(0, len(words), n))
        if rng.random() < 0.3:
            line = line.capitalize() + str(rng.choice([".", ",", "!", "?", ":"]))
        lines.append(line)
    return lines


def write_tokenizer(out, cfg, seed):
    from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers, processors, trainers
    pre = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(LLAMA3_REGEX), behavior="isolated", invert=False),
        pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=True, use_regex=False),
    ])
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre
    size = min(2000, cfg["vocab_size"] - len(SPECIALS))
    trainer = trainers.BpeTrainer(vocab_size=size, show_progress=False,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tok.train_from_iterator(corpus(seed), trainer)
    tok.decoder = decoders.ByteLevel()
    tok.add_special_tokens(SPECIALS)
    bos = tok.token_to_id("<|begin_of_text|>")
    tok.post_processor = processors.Sequence([
        processors.ByteLevel(trim_offsets=False),
        processors.TemplateProcessing(single="<|begin_of_text|> $A",
                                      pair="<|begin_of_text|> $A <|begin_of_text|> $B:1",
                                      special_tokens=[("<|begin_of_text|>", bos)]),
    ])
    if tok.get_vocab_size() > cfg["vocab_size"]:
        raise SystemExit(f"the tokenizer has {tok.get_vocab_size()} tokens, more than vocab_size {cfg['vocab_size']}")
    tok.save(os.path.join(out, "tokenizer.json"))
    ids = {s: tok.token_to_id(s) for s in SPECIALS}
    with open(os.path.join(out, "tokenizer_config.json"), "w") as f:
        json.dump({"bos_token": "<|begin_of_text|>", "eos_token": "<|eot_id|>", "chat_template": CHAT_TEMPLATE,
                   "model_max_length": cfg["max_position_embeddings"], "clean_up_tokenization_spaces": True,
                   "tokenizer_class": "PreTrainedTokenizerFast"}, f, indent=2)
    return ids


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--preset", choices=sorted(PRESETS), required=True)
    ap.add_argument("--out", required=True, help="folder to write (created; existing files are replaced)")
    ap.add_argument("--dtype", choices=sorted(ST_DTYPE), default="bfloat16")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--layers", type=int, help="override num_hidden_layers (a shorter model of the same width)")
    ap.add_argument("--vocab-size", type=int, help="override vocab_size")
    ap.add_argument("--shard-size-mb", type=float, default=5000.0, help="largest shard (default 5000 MB)")
    ap.add_argument("--backend", choices=["auto", "torch", "numpy"], default="auto",
                    help="auto: torch on the GPU when there is one, else numpy")
    ap.add_argument("--workers", type=int, default=min(16, os.cpu_count() or 1))
    ap.add_argument("-q", "--quiet", action="store_true")
    args = ap.parse_args(argv)

    t0 = time.time()
    cfg = dict(PRESETS[args.preset])
    if args.layers:
        cfg["num_hidden_layers"] = args.layers
    if args.vocab_size:
        cfg["vocab_size"] = args.vocab_size
    os.makedirs(args.out, exist_ok=True)
    for f in os.listdir(args.out):  # stale shards of an earlier run would confuse the index
        if f.endswith(".safetensors") or f == "model.safetensors.index.json":
            os.remove(os.path.join(args.out, f))

    ids = write_tokenizer(args.out, cfg, args.seed)
    bos, eos = ids["<|begin_of_text|>"], [ids["<|end_of_text|>"], ids["<|eot_id|>"]]
    config = {"architectures": ["LlamaForCausalLM"], "model_type": "llama", **cfg, "hidden_act": "silu",
              "attention_bias": False, "attention_dropout": 0.0, "mlp_bias": False, "initializer_range": INIT_STD,
              "pretraining_tp": 1, "use_cache": True, "bos_token_id": bos, "eos_token_id": eos,
              "torch_dtype": args.dtype}
    with open(os.path.join(args.out, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
    with open(os.path.join(args.out, "generation_config.json"), "w") as f:
        json.dump({"bos_token_id": bos, "eos_token_id": eos, "do_sample": True, "temperature": 0.6, "top_p": 0.9},
                  f, indent=2)

    source, backend = make_source(args.backend, args.dtype)
    if not args.quiet:
        print(f"make_llama_checkpoint: {args.preset} ({cfg['num_hidden_layers']} layers, hidden {cfg['hidden_size']}, "
              f"vocab {cfg['vocab_size']}), {args.dtype}, seed {args.seed}, {backend}, {args.workers} workers",
              file=sys.stderr, flush=True)
    total, files = write_weights(args.out, cfg, args.dtype, args.seed, int(args.shard_size_mb * 1e6), source,
                                 max(1, args.workers), not args.quiet)
    dt = time.time() - t0
    print(f"wrote {args.out}: {len(files)} safetensors file(s), {total / 1e9:.2f} GB in {dt:.1f} s "
          f"({total / 1e6 / max(dt, 1e-9):.0f} MB/s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

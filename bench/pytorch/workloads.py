"""W1-W9 of bench/README.md in PyTorch, for the PyTorch column of `npm run bench`.

    python3 bench/pytorch/workloads.py w3 [--rounds 3 --warmup 10 --timed 50 --threads 2 --json FILE]

Runs one workload in this (fresh) process with the protocol of bench/harness.ts and prints one JSON
line (also written to FILE with --json): per row the "cold" figure (the protocol's figure, taken in
this fresh process right after its warm-up), the figure of each round, a "warm" figure (the same
protocol once more in the same process, without warm-up), the first and last loss of the training
workloads, and the process's peak resident memory. Needs only torch (Debian: python3-torch; for
OpenBLAS, libopenblas0-openmp with LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp).
"""
import argparse
import gc
import json
import math
import resource
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def median(xs):
    s = sorted(xs)
    m = len(s) // 2
    return s[m] if len(s) % 2 else (s[m - 1] + s[m]) / 2


def rss_mib():
    """Peak resident memory of this process so far, MiB: Linux's VmHWM (reset when the process image is
    loaded), else ru_maxrss. Not ru_maxrss on Linux: a spawned child's starts at its parent's size."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def say(line):
    print(line, flush=True)


# ---- the three timing protocols of bench/harness.ts ---------------------------------------------


def train_rounds(label, step, rounds, warmup, timed):
    """trainRounds: `warmup` untimed steps, then `timed` steps split evenly over the rounds, each timed
    alone; returns (ms of each timed step by round, every step's loss)."""
    losses, by_round = [], []
    gc.collect()
    for _ in range(warmup):
        losses.append(step())
    for r in range(rounds):
        gc.collect()
        share = timed // rounds + (1 if r < timed % rounds else 0)
        times = []
        for _ in range(share):
            t = time.perf_counter()
            losses.append(step())
            times.append((time.perf_counter() - t) * 1000)
        by_round.append(times)
        say(f"  {label} round {r + 1}/{rounds}: PyTorch {share} steps, median {median(times):.2f} ms/step, loss {losses[-1]:.4f}")
    return by_round, losses


def time_calls(label, run, rounds, samples, min_sample_ms=50, warmup=3, rewarm=1):
    """timeCalls: per round, untimed calls (`warmup` before round 1, `rewarm` before the others), then
    `samples` samples, each repeating the call until it has taken min_sample_ms; a round's figure is
    the mean time of one call (ms)."""
    out = []
    for r in range(rounds):
        gc.collect()
        for _ in range(warmup if r == 0 else rewarm):
            run()
        total, calls = 0.0, 0
        for _ in range(samples):
            start = time.perf_counter()
            n = 0
            while True:
                run()
                n += 1
                elapsed = (time.perf_counter() - start) * 1000
                if elapsed >= min_sample_ms:
                    break
            total += elapsed
            calls += n
        out.append(total / calls)
        say(f"  {label} round {r + 1}/{rounds}: PyTorch {total / calls:.3f} ms/call ({calls} calls)")
    return out


def compare(label, run, rounds, min_time=0.25, min_samples=5):
    """compare (benny/benchmark.js): per round, an untimed calibration finds how many calls take
    min_time seconds, then min_samples samples of that many calls; a round's figure is the mean time of
    one call (ms)."""
    out = []
    for r in range(rounds):
        gc.collect()
        n, t = 1, 0.0
        while True:  # calibration (untimed; also the warm-up)
            start = time.perf_counter()
            for _ in range(n):
                run()
            t = time.perf_counter() - start
            if t >= min_time / 4:
                break
            n *= 2
        n = max(1, math.ceil(n * min_time / t))
        total = 0.0
        for _ in range(min_samples):
            start = time.perf_counter()
            for _ in range(n):
                run()
            total += time.perf_counter() - start
        out.append(total * 1000 / (n * min_samples))
        say(f"  {label} round {r + 1}/{rounds}: PyTorch {out[-1]:.4f} ms/call ({n * min_samples} calls)")
    return out


# ---- the workloads --------------------------------------------------------------------------------


def w1(a):
    """C = A·B, n×n uniform [0, 1), n in 64, 256, 512, 1024; GFLOP/s = 2n³/t. A CPU tensor's result is
    in host memory when mm returns: no read-back needed."""
    rows = []
    for n in (64, 256, 512, 1024):
        x, y = torch.rand(n, n), torch.rand(n, n)
        run = lambda: torch.mm(x, y)
        gf = lambda ms: 2 * n ** 3 / (ms * 1e6)
        cold = time_calls(f"W1 n={n}", run, a.rounds, 10)
        warm = time_calls(f"W1 n={n} (warm)", run, a.rounds, 10, warmup=1)
        rows.append(row(f"W1 matmul n={n}", "GFLOP/s", True, [gf(ms) for ms in cold], gf(median(warm)),
                        f"{a.rounds}×10 samples; warm: {a.rounds}×10 more"))
    return rows


def w2(a):
    """relu(mul(add(a, b), c)) on 16-element tensors that require grad (graph recorded); µs per op."""
    x, y, z = (torch.rand(16, requires_grad=True) for _ in range(3))
    run = lambda: torch.relu((x + y) * z)
    per_op = lambda ms: ms * 1000 / 3
    cold = compare("W2", run, a.rounds)
    warm = compare("W2 (warm)", run, a.rounds)
    return [row("W2 small-op overhead", "µs/op", False, [per_op(ms) for ms in cold], per_op(median(warm)),
                f"{a.rounds} rounds (benchmark.js-like); warm: {a.rounds} more")]


def train_row(a, label, workload, step, unit="ms/step", steps="steps"):
    cold, losses = train_rounds(label, step, a.rounds, a.warmup, a.timed)
    warm, more = train_rounds(label + " (warm)", step, a.rounds, 0, a.timed)
    losses += more
    say(f"{label} PyTorch: loss {losses[0]:.4f} (step 1) → {losses[-1]:.4f} (step {len(losses)})")
    r = row(workload, unit, False, [median(t) for t in cold], median(sum(warm, [])),
            f"{a.warmup}+{sum(map(len, cold))} {steps}; warm: {sum(map(len, warm))} more")
    r["cold"] = median(sum(cold, []))  # the median of all timed steps, not of the rounds' medians
    r["loss"] = [losses[0], losses[-1]]
    return r


def sgd_step(model, lr, logits, targets):
    """zero grads, forward, cross-entropy, backward, SGD update, read the loss."""
    opt = torch.optim.SGD(model.parameters(), lr=lr)

    def step():
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(logits(), targets)
        loss.backward()
        opt.step()
        return loss.item()

    return step


def w3(a):
    """Linear 784→128, ReLU, Linear 128→10; batch 64; cross-entropy; SGD lr 0.1."""
    model = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))
    x, y = torch.rand(64, 784), torch.randint(0, 10, (64,))
    return [train_row(a, "W3", "W3 MLP step", sgd_step(model, 0.1, lambda: model(x), y))]


def w4(a):
    """conv 1→8 3×3 pad 1, ReLU, maxpool 2 → conv 8→16, ReLU, maxpool 2 → Linear 784→10; batch 32, NCHW."""
    model = nn.Sequential(
        nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(784, 10))
    x, y = torch.rand(32, 1, 28, 28), torch.randint(0, 10, (32,))
    return [train_row(a, "W4", "W4 CNN step", sgd_step(model, 0.1, lambda: model(x), y))]


class Attention(nn.Module):
    """Causal self-attention: softmax(q·kᵀ/√hd, masked above the diagonal)·v, heads concatenated,
    output linear. W5 composes it from ops (as nabla's W5); W9 takes torch's fused
    scaled_dot_product_attention where there is one (torch ≥ 2.0; nabla's W9 runs its fused kernel),
    else the same ops (torch 1.13)."""

    def __init__(self, d, heads, t, fused):
        super().__init__()
        self.heads, self.fused = heads, fused
        if fused:
            self.qkv = nn.Linear(d, 3 * d)
        else:
            self.q, self.k, self.v = nn.Linear(d, d), nn.Linear(d, d), nn.Linear(d, d)
        self.proj = nn.Linear(d, d)
        self.register_buffer("future", torch.ones(t, t).triu(1).bool())

    def forward(self, x):
        b, t, d = x.shape
        hd = d // self.heads
        if self.fused:
            q, k, v = self.qkv(x).view(b, t, 3, self.heads, hd).permute(2, 0, 3, 1, 4)
        else:
            q, k, v = (f(x).view(b, t, self.heads, hd).transpose(1, 2) for f in (self.q, self.k, self.v))
        if self.fused and hasattr(F, "scaled_dot_product_attention"):
            y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        else:
            scores = (q @ k.transpose(-2, -1)) / math.sqrt(hd)
            y = scores.masked_fill(self.future[:t, :t], float("-inf")).softmax(-1) @ v
        return self.proj(y.transpose(1, 2).reshape(b, t, d))


class Block(nn.Module):
    """x = x + Attn(LN1(x)); x = x + MLP(LN2(x))."""

    def __init__(self, d, heads, t, hidden, act, fused):
        super().__init__()
        self.ln1, self.ln2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.attn = Attention(d, heads, t, fused)
        self.fc, self.out, self.act = nn.Linear(d, hidden), nn.Linear(hidden, d), act

    def forward(self, x):
        x = x + self.attn(self.ln1(x))
        return x + self.out(self.act(self.fc(self.ln2(x))))


class Transformer(nn.Module):
    """Token + learned position embeddings, blocks, final LayerNorm, linear head: W5 and W9."""

    def __init__(self, vocab, d, heads, t, hidden, layers, act, fused):
        super().__init__()
        self.tok, self.pos = nn.Embedding(vocab, d), nn.Embedding(t, d)
        self.blocks = nn.Sequential(*(Block(d, heads, t, hidden, act, fused) for _ in range(layers)))
        self.ln_f, self.head = nn.LayerNorm(d), nn.Linear(d, vocab)

    def forward(self, idx):
        x = self.tok(idx) + self.pos(torch.arange(idx.shape[1]))
        return self.head(self.ln_f(self.blocks(x)))


def w5(a):
    """One pre-LN block: vocab 65, d 64, 4 heads, T 32, batch 8, separate Q/K/V linears, ReLU MLP 256; SGD lr 0.01."""
    model = Transformer(65, 64, 4, 32, 256, 1, F.relu, fused=False)
    idx, targets = torch.randint(0, 65, (8, 32)), torch.randint(0, 65, (8 * 32,))
    return [train_row(a, "W5", "W5 Transformer step", sgd_step(model, 0.01, lambda: model(idx).view(-1, 65), targets))]


def w6(a):
    """MLP(2, [16, 16, 1]) of 0-d tensors that require grad: each neuron b + w0·x0 + w1·x1 + … (one mul
    and one add node per input), ReLU on the hidden layers; 16 samples; loss = mean (out − y)²; one step
    = reset the 337 gradients, forward, backward, read the loss."""
    sizes = [2, 16, 16, 1]
    layers = [[([torch.empty(()).uniform_(-1, 1).requires_grad_() for _ in range(sizes[l])],
                torch.zeros((), requires_grad=True)) for _ in range(sizes[l + 1])] for l in range(3)]
    params = [p for layer in layers for w, b in layer for p in (*w, b)]
    xs = torch.empty(16, 2).uniform_(-1, 1).tolist()
    ys = [1.0 if i % 2 == 0 else -1.0 for i in range(16)]

    def forward():
        loss = torch.zeros(())
        for x, y in zip(xs, ys):
            h = x
            for l, layer in enumerate(layers):
                out = []
                for w, b in layer:
                    act = b
                    for wi, hi in zip(w, h):
                        act = act + wi * hi
                    out.append(act.relu() if l < 2 else act)
                h = out
            d = h[0] - y
            loss = loss + d * d
        return loss / 16

    def step():
        for p in params:
            p.grad = None
        loss = forward()
        loss.backward()
        return loss.item()

    nodes, seen, stack = 0, set(), [forward().grad_fn]
    while stack:
        f = stack.pop()
        if f is None or f in seen:
            continue
        seen.add(f)
        nodes += 1
        stack.extend(g for g, _ in f.next_functions)
    say(f"W6 PyTorch: {len(params)} parameters, {nodes} autograd nodes per step (AccumulateGrad included), loss {step():.6f}")
    cold = compare("W6", step, a.rounds)
    warm = compare("W6 (warm)", step, a.rounds)
    return [row("W6 scalar graph", "ms/step", False, cold, median(warm),
                f"{a.rounds} rounds (benchmark.js-like); warm: {a.rounds} more", note=f"0-d tensors, {nodes} autograd nodes")]


def w7(a):
    """LSTM(64, 256, batch first), batch 32 × 64 steps; last step's output → Linear 256→10; SGD lr 0.1."""
    lstm, fc = nn.LSTM(64, 256, batch_first=True), nn.Linear(256, 10)
    model = nn.ModuleList([lstm, fc])
    x, y = torch.rand(32, 64, 64), torch.randint(0, 10, (32,))
    return [train_row(a, "W7", "W7 LSTM step", sgd_step(model, 0.1, lambda: fc(lstm(x)[0][:, -1]), y))]


def w8(a):
    """PPO update: 2,048 transitions, actor 4→64→64→2 and critic 4→64→64→1 with tanh, 10 epochs of
    shuffled minibatches of 64; clipped surrogate (ε 0.2) − 0.01·entropy + 0.5·value MSE; one Adam (lr
    2.5e-4, eps 1e-5) over both; global gradient norm clipped at 0.5. One step = one update (320
    optimiser steps); its loss = the mean of its minibatches' losses. Data as bench/w8-ppo.ts draws it
    (same distributions, torch's generator)."""
    g = torch.Generator().manual_seed(8)
    n = 2048
    obs = torch.randn(n, 4, generator=g)
    actions = torch.randint(0, 2, (n,), generator=g)
    old_logp = torch.empty(n).uniform_(0.3, 0.7, generator=g).log()
    adv = torch.randn(n, generator=g)
    returns = torch.empty(n).uniform_(0, 10, generator=g)
    mlp = lambda out: nn.Sequential(nn.Linear(4, 64), nn.Tanh(), nn.Linear(64, 64), nn.Tanh(), nn.Linear(64, out))
    actor, critic = mlp(2), mlp(1)
    params = [*actor.parameters(), *critic.parameters()]
    opt = torch.optim.Adam(params, lr=2.5e-4, eps=1e-5)
    shuffle = torch.Generator().manual_seed(81)

    def minibatch(rows):
        x = obs.index_select(0, rows)
        a_ = adv.index_select(0, rows)
        logp = actor(x).log_softmax(1)
        new = logp.gather(1, actions.index_select(0, rows).unsqueeze(1)).squeeze(1)
        ratio = (new - old_logp.index_select(0, rows)).exp()
        policy_loss = -torch.minimum(ratio * a_, ratio.clamp(0.8, 1.2) * a_).mean()
        entropy = -(logp.exp() * logp).sum(1).mean()
        value_loss = (critic(x).view(-1) - returns.index_select(0, rows)).square().mean()
        loss = policy_loss - 0.01 * entropy + 0.5 * value_loss
        opt.zero_grad(set_to_none=True)
        loss.backward()
        nn.utils.clip_grad_norm_(params, 0.5)
        opt.step()
        return loss.item()

    def update():
        total = 0.0
        for _ in range(10):
            order = torch.randperm(n, generator=shuffle)
            for k in range(n // 64):
                total += minibatch(order[k * 64:(k + 1) * 64])
        return total / 320

    return [train_row(a, "W8", "W8 PPO update", update, unit="ms/update", steps="updates")]


def w9(a):
    """The character GPT of examples/gpt: vocab 89, 4 blocks, d 128, 4 heads of 32, context 128, batch
    32, fused QKV linear, GELU (exact) MLP 512; cross-entropy over 32×128 positions; SGD lr 0.01."""
    model = Transformer(89, 128, 4, 128, 512, 4, F.gelu, fused=True)
    idx, targets = torch.randint(0, 89, (32, 128)), torch.randint(0, 89, (32 * 128,))
    return [train_row(a, "W9", "W9 char-GPT step", sgd_step(model, 0.01, lambda: model(idx).view(-1, 89), targets))]


def row(workload, unit, higher, rounds, warm, samples, note=None):
    r = {"workload": workload, "unit": unit, "higherIsBetter": higher, "cold": median(rounds),
         "rounds": rounds, "warm": warm, "samples": samples}
    if note:
        r["note"] = note
    return r


WORKLOADS = {"w1": w1, "w2": w2, "w3": w3, "w4": w4, "w5": w5, "w6": w6, "w7": w7, "w8": w8, "w9": w9}
# W8's protocol: 2 warm-up updates, 5 timed (bench/w8-ppo.ts W8_PROTOCOL)
W8_STEPS = {"warmup": 2, "timed": 5}


def blas():
    """The BLAS library this process loaded (from /proc/self/maps), e.g. openblas-openmp/libblas.so.3."""
    try:
        with open("/proc/self/maps") as f:
            libs = {line.split()[-1] for line in f if "blas" in line.lower() and "/" in line}
        return ", ".join(sorted("/".join(p.split("/")[-2:]) for p in libs)) or "none loaded"
    except OSError:
        return "unknown"


def finite(x):
    """x with NaN and infinities as null (JSON has no such numbers)."""
    if isinstance(x, float):
        return x if math.isfinite(x) else None
    if isinstance(x, dict):
        return {k: finite(v) for k, v in x.items()}
    if isinstance(x, list):
        return [finite(v) for v in x]
    return x


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("workload", choices=sorted(WORKLOADS))
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--warmup", type=int, default=None, help="warm-up steps (training workloads; default 10, W8 2)")
    p.add_argument("--timed", type=int, default=None, help="timed steps (training workloads; default 50, W8 5)")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--json", help="also write the JSON result to this file")
    a = p.parse_args()
    w8 = a.workload == "w8"
    a.warmup = a.warmup if a.warmup is not None else (W8_STEPS["warmup"] if w8 else 10)
    a.timed = a.timed if a.timed is not None else (W8_STEPS["timed"] if w8 else 50)
    torch.set_num_threads(a.threads)
    torch.manual_seed(int(a.workload[1:]))
    start_rss = rss_mib()
    started = time.perf_counter()
    rows = WORKLOADS[a.workload](a)
    result = {
        "framework": f"PyTorch {torch.__version__}", "threads": torch.get_num_threads(), "blas": blas(),
        "python": sys.version.split()[0], "rows": rows, "startRssMiB": start_rss, "peakRssMiB": rss_mib(),
        "seconds": time.perf_counter() - started,
    }
    line = json.dumps(finite(result))
    if a.json:
        with open(a.json, "w") as f:
            f.write(line + "\n")
    print(line, flush=True)


if __name__ == "__main__":
    main()

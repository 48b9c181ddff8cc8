"""Appendix B's record of `make twin-train`: our engine and the twin trained from the
same start on the same batches, and the twin again on two processes.

    python Reference/record.py Reference/data Results/appB-twin.md

Reads DATA/ours-losses.txt, DATA/twin-trained-1-losses.txt and
DATA/twin-trained-2-losses.txt (step, total, text, image loss, milliseconds) and the
trained weights; writes the Markdown tables and a CSV of the loss curves beside them
(appB-losses.csv), which Appendix B draws.
"""

import os
import platform
import statistics
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from safetensors_io import read  # noqa: E402


def losses(path):
    rows = [line.split() for line in open(path) if not line.startswith("#")]
    header = open(path).readline().strip("# \n")
    return np.array([[float(v) for v in row] for row in rows]), header


def cpu_name():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def main():
    data, output = sys.argv[1], sys.argv[2]
    ours, _ = losses(os.path.join(data, "ours-losses.txt"))
    single, _ = losses(os.path.join(data, "twin-trained-1-losses.txt"))
    double, _ = losses(os.path.join(data, "twin-trained-2-losses.txt"))
    steps = min(len(ours), len(single))
    difference = np.abs(ours[:steps, 1] - single[:steps, 1]) / np.abs(ours[:steps, 1])

    a, _ = read(os.path.join(data, "ours-trained.safetensors"))
    b, _ = read(os.path.join(data, "twin-trained-1.safetensors"))
    # A key's bias has a gradient of exactly zero (it shifts a whole row of attention
    # scores, which softmax ignores) but for float32's rounding noise, which AdamW,
    # dividing by the noise's own size, turns into full-size steps: those biases
    # wander apart in the two runs without changing any output. Compared apart.
    moved, worst, wander = 0.0, "", 0.0
    for name, value in a.items():
        if name.startswith("optimizer."):
            continue
        if name.endswith("key.bias"):
            scale = float(np.abs(value).max()) or 1.0
            wander = max(wander, float(np.abs(value - b[name]).max()) / scale)
            continue
        scale = float(np.abs(value).max()) or 1.0
        error = float(np.abs(value - b[name]).max()) / scale
        if error > moved:
            moved, worst = error, name

    def typical(run):  # the median step, the first three (warm-up) set aside
        return statistics.median(run[3:, 4])

    def tail(run):  # the mean loss of the last fifth of a run
        return float(run[-max(1, len(run) // 5):, 1].mean())

    rows = [("ours (Swift)", "1 × 2", len(ours), 1, typical(ours), tail(ours)),
            ("twin (PyTorch)", "1 × 2", len(single), 1, typical(single), tail(single)),
            ("twin, DistributedDataParallel (gloo)", "2 × 1", len(double), 2,
             typical(double), tail(double))]
    lines = [f"{cpu_name()}, {os.cpu_count()} cores; PyTorch {torch.__version__}. "
             f"Chapter 9's first stage (reading) from Chapter 9's start, "
             f"{len(ours)} batches.", "",
             "| run | processes × threads | steps | batches per step | median step "
             "| batches per second | mean loss, last fifth |",
             "|--------------|---------|-----|---------|--------|---------|--------|"]
    for name, shape, count, per, ms, last in rows:
        lines.append(f"| {name} | {shape} | {count} | {per} | {ms:.0f} ms "
                     f"| {per * 1000 / ms:.2f} | {last:.3f} |")
    speedup = (2 * 1000 / typical(double)) / (1000 / typical(single))
    lines += ["", f"- Same start, batches and draws: the losses of ours and the twin's "
              f"one-process run differ by at most {difference.max():.1e} (relative) "
              f"over {steps} steps; the trained weights by at most {moved:.1e} "
              f"(largest |Δ| over the tensor's largest value; {worst}), the "
              f"attention keys' biases aside: their gradient is zero but for rounding "
              f"noise, which AdamW turns into full-size steps, so they wander apart "
              f"(by up to {wander:.0%} of their largest value) without changing any "
              f"output.",
              f"- Two processes of one thread against one process of two threads: "
              f"{speedup:.2f} times the batches per second; each step takes "
              f"{typical(double) / typical(single):.2f} times as long and learns from "
              f"twice the data."]
    generated = os.path.join(data, "generated.txt")
    if os.path.exists(generated):
        lines += ["", "Our engine's `Generate`, on the weights the two processes "
                  "trained, given a scene of the world (`--image`):", "", "```"]
        lines += [line.rstrip() for line in open(generated)
                  if line.strip() and not line.startswith("written:")]
        lines += ["```"]
    with open(output, "w") as f:
        f.write("\n".join(lines) + "\n")
    curves = os.path.splitext(output)[0].replace("appB-twin", "appB-losses") + ".csv"
    with open(curves, "w") as f:
        f.write("step,ours,twin,twin two processes\n")
        for step in range(steps):
            pair = double[step // 2, 1] if step // 2 < len(double) else ""
            f.write(f"{step},{ours[step, 1]},{single[step, 1]},"
                    f"{pair if step % 2 == 0 else ''}\n")
    print(open(output).read(), end="")


if __name__ == "__main__":
    main()

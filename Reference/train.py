"""Trains MMI-Tiny in PyTorch, on one process or many (DistributedDataParallel).

The data is what our engine wrote with `swift run -c release Parity data`: the model
Chapter 9 starts from (start.safetensors) and Chapter 9's first-stage batches, each
with the random draws of its image loss. The recipe is Chapter 9's: the encoder frozen,
AdamW (beta2 0.99, weight decay 0.01 on matrices, a tenth of the rate for MMFS's
sampling offsets), gradient clipping at 1, warm-up then a cosine decay to a tenth.

One process (the twin's run of what our engine ran; compare the losses):
    python Reference/train.py --data Reference/data
Two processes on this machine's two cores, the gloo backend (NCCL on GPUs):
    torchrun --nproc_per_node 2 Reference/train.py --data Reference/data
Each process reads its own batches (process r of W takes batch k*W + r at step k), its
gradients are averaged with the others' in the backward pass, and every process takes
the same optimiser step: W times the batch per step, W times fewer steps. Rank 0
writes the trained model as a safetensors file the Swift chapters load
(`swift run -c release Generate --checkpoint FILE ...`).
"""

import argparse
import glob
import json
import math
import os
import statistics
import sys
import time

import numpy as np
import torch
import torch.distributed as dist
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mmi_tiny as m  # noqa: E402
from safetensors_io import read, write  # noqa: E402


def parameter_groups(model, weight_decay, offset_scale):
    """Chapter 9's rule: decay on matrices but not on embedding tables, positions and
    latents; MMFS's sampling offsets learn at a tenth of the rate."""
    groups = {}
    for name, p in model.named_parameters():
        if not p.requires_grad:
            continue
        last = name.rsplit(".", 1)[-1]
        decays = p.dim() >= 2 and last not in ("table", "positions", "latents")
        offset = "samplingOffsets" in name
        key = (decays, offset)
        groups.setdefault(key, {"params": [], "weight_decay": weight_decay if decays
                                else 0.0, "scale": offset_scale if offset else 1.0})
        groups[key]["params"].append(p)
    return list(groups.values())


def learning_rate(step, steps, base, warmup, minimum):
    """Linear warm-up, then a cosine from `base` down to `minimum` (Swift's
    LearningRateSchedule)."""
    if step < warmup:
        return base * (step + 1) / warmup
    progress = min((step - warmup) / (steps - warmup), 1.0)
    return minimum + (base - minimum) * 0.5 * (1 + math.cos(math.pi * progress))


class Batches:
    """The batches written by `Parity data`, read when asked for."""

    def __init__(self, folder):
        pattern = os.path.join(folder, "batches", "step-*.safetensors")
        self.paths = sorted(glob.glob(pattern))
        if not self.paths:
            sys.exit(f"train.py: no batches in {folder}/batches; write them with "
                     f"`swift run -c release Parity data --output {folder}`")

    def __len__(self):
        return len(self.paths)

    def __getitem__(self, index):
        tensors, settings = read(self.paths[index])
        sequences = [m.Sequence(**s) for s in json.loads(settings["sequences"])]
        draws = (torch.tensor(tensors["input.timesteps"].astype(np.int64)),
                 torch.tensor(tensors["input.noise"]),
                 torch.tensor(tensors["input.dropped"] != 0))
        return sequences, torch.tensor(tensors["input.images"]), draws


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default="Reference/data")
    parser.add_argument("--output", help="the trained model (default: DATA/twin-"
                        "trained-W.safetensors for W processes)")
    parser.add_argument("--threads", type=int, default=None,
                        help="threads per process (default: the cores / processes)")
    arguments = parser.parse_args()

    world = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    if world > 1:
        dist.init_process_group("nccl" if torch.cuda.is_available() else "gloo")
    threads = arguments.threads or max(1, (os.cpu_count() or 1) // world)
    torch.set_num_threads(threads)
    torch.manual_seed(0)

    start, settings = read(os.path.join(arguments.data, "start.safetensors"))
    configuration = m.InterleavedConfiguration(
        vocabularySize=int(settings["vocabularySize"]),
        imageLossTrainsDecoder=settings["imageLossTrainsDecoder"] == "true")
    model = m.MMInterleaved(configuration)
    m.load_state(model, start, "start.safetensors")
    for p in model.encoder.parameters():
        p.requires_grad_(False)  # frozen, as upstream freezes CLIP
    # DDP needs a forward(): the joint loss is it. Some steps leave parts unused (no
    # image to draw leaves the U-Net out), hence find_unused_parameters.
    model.forward = model.loss
    trained = model if world == 1 else \
        torch.nn.parallel.DistributedDataParallel(model, find_unused_parameters=True)

    groups = parameter_groups(model, float(settings["weightDecay"]),
                              float(settings["offsetRateScale"]))
    optimizer = torch.optim.AdamW(groups, lr=float(settings["learningRate"]),
                                  betas=(0.9, float(settings["beta2"])), eps=1e-8)
    parameters = [p for g in groups for p in g["params"]]
    batches = Batches(arguments.data)
    steps = len(batches) // world
    base, warmup = float(settings["learningRate"]), int(settings["warmupSteps"])
    minimum, clip = float(settings["minimumLearningRate"]), float(settings["clipNorm"])
    # W processes take W batches a step, so the run has W times fewer steps; the
    # warm-up covers the same share of the run.
    warmup = max(1, round(warmup / world)) if warmup else 0

    if rank == 0:
        print(f"# {world} process(es) x {threads} thread(s), {steps} steps, "
              f"torch {torch.__version__}, backend "
              f"{dist.get_backend() if world > 1 else 'none'}", flush=True)
    losses, seconds = [], []
    for step in range(steps):
        # MARK: book:twin-step
        sequences, images, draws = batches[step * world + rank]  # this process's own
        began = time.perf_counter()
        total, text, image, _ = trained(sequences, images, *draws)
        optimizer.zero_grad(set_to_none=True)
        total.backward()  # under DDP, the gradients are averaged across processes here
        torch.nn.utils.clip_grad_norm_(parameters, clip)
        rate = learning_rate(step, steps, base, warmup, minimum)
        for group in optimizer.param_groups:
            group["lr"] = rate * group["scale"]
        optimizer.step()  # the same averaged gradients: every process stays in step
        # MARK: end
        seconds.append(time.perf_counter() - began)
        values = torch.tensor([total.item(), text.item(), image.item()])
        if world > 1:
            dist.all_reduce(values)
            values /= world
        losses.append(values.tolist() + [1000 * seconds[-1]])
        if rank == 0 and (step % 10 == 0 or step == steps - 1):
            print(f"step {step:5d}  loss {values[0]:.4f}  (text {values[1]:.4f}, "
                  f"image {values[2]:.4f})  {1000 * seconds[-1]:.0f} ms", flush=True)

    if rank == 0:
        output = arguments.output or os.path.join(
            arguments.data, f"twin-trained-{world}.safetensors")
        state = {k: v.detach().float().numpy() for k, v in model.state_dict().items()}
        write(output, state, {"trainedBy": "Reference/train.py", "processes": str(world),
                              "steps": str(steps)})
        with open(os.path.splitext(output)[0] + "-losses.txt", "w") as f:
            f.write(f"# step total text image ms (the twin, {world} process(es) x "
                    f"{threads} thread(s))\n")
            for step, (t, x, i, ms) in enumerate(losses):
                f.write(f"{step} {t} {x} {i} {ms}\n")
        typical = statistics.median(seconds[min(3, len(seconds) - 1):])
        print(f"median step {1000 * typical:.0f} ms over {steps} steps "
              f"({world * 1.0 / typical:.2f} batches/s); wrote {output}", flush=True)
    if world > 1:
        dist.destroy_process_group()


if __name__ == "__main__":
    main()

"""Checks the PyTorch twin against the book's Swift engine, llm.c style.

`swift run -c release Parity` writes cases (Reference/cases/*.safetensors): a part of
MMI-Tiny with its parameters, inputs, our outputs and the gradients of one backward
pass seeded with random probes. This script rebuilds each part from mmi_tiny.py, loads
the same parameters under the same names, recomputes everything in float64 (so the
comparison measures our float32 engine against exact arithmetic, not against another
float32 rounding) and prints, per case, OK or NOT OK with the largest error: the
largest |ours - twin| over the tensor's largest |twin| value, against a tolerance
of 1e-4.

Run it through `make parity`, or by hand from the repository's root:
    python Reference/parity.py Reference/cases
"""

import argparse
import glob
import json
import math
import os
import sys

import numpy as np
import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mmi_tiny as m  # noqa: E402
from safetensors_io import read  # noqa: E402

TOLERANCE = 1e-4
DTYPE = torch.float64


def relative_error(ours, twin, floor=0.0):
    scale = max(float(np.abs(twin).max()) if twin.size else 0.0, floor)
    difference = float(np.abs(ours - twin).max()) if twin.size else 0.0
    if scale == 0.0:
        return 0.0 if difference == 0.0 else math.inf
    return difference / scale


class Case:
    """One case file: its tensors split by kind, and its settings."""

    def __init__(self, path):
        tensors, self.settings = read(path)
        self.name = self.settings["case"]

        def part(prefix):
            return {k[len(prefix):]: v for k, v in tensors.items()
                    if k.startswith(prefix)}

        self.params, self.inputs = part("param."), part("input.")
        self.outputs, self.probes = part("output."), part("probe.")
        self.param_grads, self.input_grads = part("grad.param."), part("grad.input.")

    def setting(self, key, kind=int):
        return kind(self.settings[key])

    def leaf(self, name):
        """An input as a float64 leaf that collects its gradient."""
        return torch.tensor(self.inputs[name], dtype=DTYPE, requires_grad=True)

    def flags(self, name):
        return torch.tensor(self.inputs[name] != 0)

    def integers(self, name):
        return torch.tensor(self.inputs[name].astype(np.int64))


def load_parameters(module, case):
    module.to(DTYPE)
    m.load_state(module, case.params, case.name)


def twin_values(case, outputs, leaves, module):
    """The twin's outputs, then the gradients of the backward pass from the case's
    probes, as float64 arrays under the case's names ("output.y", "grad.param.w", ...),
    and the problems found (a gradient one side has and the other has not)."""
    values, problems = {}, []
    for name, value in outputs.items():
        if name in case.outputs:
            values["output." + name] = value.detach().double().numpy()
    probed = [(outputs[n], torch.tensor(p, dtype=DTYPE)) for n, p in case.probes.items()]
    if probed:
        sum((value * probe).sum() for value, probe in probed).backward()
    recorded = [("grad.input.", case.input_grads, leaves)]
    if module is not None:
        parameters = dict(module.named_parameters())
        recorded.append(("grad.param.", case.param_grads, parameters))
    for prefix, expected, tensors in recorded:
        for name, tensor in tensors.items():
            twin = None if tensor.grad is None else tensor.grad.double().numpy()
            if name in expected:
                if twin is None:
                    problems.append(f"{prefix}{name}: ours has a gradient, the twin none")
                else:
                    values[prefix + name] = twin
            elif twin is not None and np.abs(twin).max() > 0:
                problems.append(f"{prefix}{name}: the twin has a gradient, ours none")
    return values, problems


def ours(case, key):
    kind, _, name = key.partition(".")
    if kind == "output":
        return case.outputs[name]
    prefix, _, name = name.partition(".")
    return (case.param_grads if prefix == "param" else case.input_grads)[name]


def scales(values):
    """What each tensor's error is divided by: its largest value, except for a
    gradient that is exactly zero in exact arithmetic (a key's bias shifts a whole row
    of attention scores, which softmax ignores). Float32 leaves rounding noise there;
    where the float64 twin's gradient is zero to 1e-9 of its layer's largest, the
    layer's largest gradient is the scale."""
    layer = {}
    for key, value in values.items():
        if key.startswith("grad.") and value.size:
            owner = key.rsplit(".", 1)[0]
            layer[owner] = max(layer.get(owner, 0.0), float(np.abs(value).max()))
    result = {}
    for key, value in values.items():
        own = float(np.abs(value).max()) if value.size else 0.0
        largest = layer.get(key.rsplit(".", 1)[0], 0.0)
        result[key] = largest if key.startswith("grad.") and own <= 1e-9 * largest \
            else own
    return result


# -- building each case's part ------------------------------------------------------

def synchronizer_configuration(case):
    s = case.settings
    return m.SynchronizerConfiguration(
        queryWidth=int(s["queryWidth"]), valueWidth=int(s["valueWidth"]),
        attentionWidth=int(s["attentionWidth"]), outputWidth=int(s["outputWidth"]),
        heads=int(s["heads"]), levels=int(s["levels"]), points=int(s["points"]),
        baseGrid=float(s["baseGrid"]), maxImages=int(s["maxImages"]))


def interleaved_configuration(case):
    s = case.settings
    levels = tuple(int(v) for v in s.get("decoderLevels", "0 1 2").split())
    return m.InterleavedConfiguration(
        vocabularySize=case.setting("vocabularySize"),
        conditionDropProbability=case.setting("conditionDropProbability", float),
        imageLossWeight=case.setting("imageLossWeight", float),
        decoderImageReader=s.get("decoderImageReader", "synchronizer"),
        decoderLevels=levels,
        decoderReadsEarlierImages=s.get("decoderReadsEarlierImages", "true") == "true",
        unetSynchronizes=s.get("unetSynchronizes", "true") == "true",
        decoderSynchronizer=m.SynchronizerConfiguration(levels=len(levels)))


def run_bilinear(case):
    values, locations = case.leaf("values"), case.leaf("locations")
    grid = (locations * 2 - 1)[:, :, None, :]  # [G, Q, 1, 2]
    samples = torch.nn.functional.grid_sample(
        values.permute(0, 3, 1, 2), grid, mode="bilinear", padding_mode="zeros",
        align_corners=False)[..., 0].transpose(1, 2)  # [G, Q, C]
    return None, {"samples": samples}, {"values": values, "locations": locations}


def single_input(module, method=None):
    def run(case):
        load_parameters(module, case)
        x = case.leaf("x")
        return module, {"y": (method or module)(x)}, {"x": x}
    return run


def run_rope(case):
    x = case.leaf("x")
    return None, {"y": m.rope(x, start=case.setting("start"))}, {"x": x}


def run_attention(case):
    module = m.MultiHeadAttention(16, case.setting("heads"), 12)
    load_parameters(module, case)
    x, context = case.leaf("x"), case.leaf("context")
    mask = torch.where(case.flags("mask"), -math.inf, 0.0).to(DTYPE)
    return module, {"y": module(x, context, mask)}, {"x": x, "context": context}


class ConvolutionPair(nn.Module):
    def __init__(self):
        super().__init__()
        self.strided = nn.Conv2d(4, 6, 3, stride=2, padding=1)
        self.pointwise = nn.Conv2d(6, 5, 1)


def run_convolution(case):
    module = ConvolutionPair()
    load_parameters(module, case)
    x = case.leaf("x")
    strided = module.strided(x)
    return module, {"strided": strided, "pointwise": module.pointwise(strided)}, {"x": x}


def run_decoder_block(case):
    return single_input(m.DecoderBlock(32, case.setting("heads"), 64))(case)


def run_synchronizer(case, align_corners_bug=False):
    module = m.MultiModalFeatureSynchronizer(synchronizer_configuration(case))
    load_parameters(module, case)
    x, reference = case.leaf("x"), case.leaf("reference")
    maps = [case.leaf(f"map{level}") for level in range(3)]
    if align_corners_bug:  # the self-test's deliberately wrong twin
        original = torch.nn.functional.grid_sample
        torch.nn.functional.grid_sample = \
            lambda *a, **k: original(*a, **{**k, "align_corners": True})
    try:
        y = module(x, reference, maps, case.flags("visible"))
    finally:
        if align_corners_bug:
            torch.nn.functional.grid_sample = original
    leaves = {"x": x, "reference": reference,
              **{f"map{i}": v for i, v in enumerate(maps)}}
    return module, {"y": y}, leaves


def run_unet_synchronizer(case):
    module = m.UNetSynchronizer(case.setting("channels"), case.setting("side"),
                                synchronizer_configuration(case))
    load_parameters(module, case)
    features = case.leaf("features")
    maps = [case.leaf(f"map{level}") for level in range(3)]
    y = module(features, maps, case.flags("hasPrevious"))
    leaves = {"features": features, **{f"map{i}": v for i, v in enumerate(maps)}}
    return module, {"y": y}, leaves


def run_decoder_cross_attention(case):
    module = m.DecoderCrossAttention(synchronizer_configuration(case))
    load_parameters(module, case)
    h = case.leaf("h")
    maps = [case.leaf(f"map{level}") for level in range(3)]
    y = module(h, maps, case.flags("visible"))
    return module, {"y": y}, {"h": h, **{f"map{i}": v for i, v in enumerate(maps)}}


def run_resampler(case):
    module = m.PerceiverResampler(4, 16, 2, case.setting("heads"))
    load_parameters(module, case)
    media = case.leaf("media")
    return module, {"latents": module(media, case.flags("mediaMask"))}, {"media": media}


def run_encoder(case):
    module = m.ImageEncoder()
    load_parameters(module, case)
    images = case.leaf("images")
    tokens, maps = module(images)
    outputs = {"tokens": tokens, **{f"map{i}": v for i, v in enumerate(maps)}}
    return module, outputs, {"images": images}


def run_unet(case):
    module = m.UNet()
    load_parameters(module, case)
    x, context = case.leaf("x"), case.leaf("context")
    epsilon = module(x, case.integers("timesteps").tolist(), context)
    return module, {"epsilon": epsilon}, {"x": x, "context": context}


def sequences_of(case):
    return [m.Sequence(**s) for s in json.loads(case.settings["sequences"])]


def run_interleaved(case, module=None):
    if module is None:
        module = m.MMInterleaved(interleaved_configuration(case))
        load_parameters(module, case)
    sequences = sequences_of(case)
    for sequence, recorded in zip(sequences, json.loads(case.settings["sequences"])):
        if sequence.text_targets() != recorded["textTargets"]:
            raise AssertionError("the twin's text targets differ from ours")
    images = torch.tensor(case.inputs["images"], dtype=DTYPE)
    total, text, image, states = module.loss(
        sequences, images, case.integers("timesteps"),
        torch.tensor(case.inputs["noise"], dtype=DTYPE), case.flags("dropped"))
    outputs = {"loss": total, "textLoss": text, "imageLoss": image, "states": states}
    return module, outputs, {}


def run_adamw(case):
    s = case.settings
    rates = [float(r) for r in s["learningRates"].split()]
    weight = torch.nn.Parameter(torch.tensor(case.inputs["weight"], dtype=DTYPE))
    offsets = torch.nn.Parameter(torch.tensor(case.inputs["offsets"], dtype=DTYPE))
    scale = float(s["rateScale"])
    optimizer = torch.optim.AdamW(
        [{"params": [weight], "weight_decay": float(s["weightDecay"]), "scale": 1.0},
         {"params": [offsets], "weight_decay": 0.0, "scale": scale}],
        lr=rates[0], betas=(float(s["beta1"]), float(s["beta2"])),
        eps=float(s["epsilon"]))
    outputs = {}
    for step, rate in enumerate(rates):
        for group in optimizer.param_groups:
            group["lr"] = rate * group["scale"]
        weight.grad = torch.tensor(case.inputs[f"grad{step}.weight"], dtype=DTYPE)
        offsets.grad = torch.tensor(case.inputs[f"grad{step}.offsets"], dtype=DTYPE)
        optimizer.step()
        outputs[f"weight{step}"] = weight.detach().clone()
        outputs[f"offsets{step}"] = offsets.detach().clone()
    return None, outputs, {}


def run_checkpoint(case):
    """The twin loads the chapter's checkpoint itself, by its path."""
    path = case.settings["checkpoint"]
    tensors, _ = read(path)
    kind = case.settings.get("kind", "MMInterleaved")
    if kind == "MMInterleaved":
        module = m.MMInterleaved(interleaved_configuration(case))
    elif kind == "DigitCNN":
        module = m.DigitCNN()
    elif kind == "ImageEncoder":
        module = m.ImageEncoder()
    elif kind == "MiniCLIP":
        vocabulary, length = tensors["text.embedding.table"].shape[0], \
            tensors["text.positions"].shape[0]
        module = m.MiniCLIP(vocabulary, length)
    elif kind == "segmentation head":
        out_channels, in_channels = tensors["weight"].shape[:2]
        module = nn.Conv2d(in_channels, out_channels, 1)
    elif kind == "LanguageModel":
        module = m.LanguageModel(
            m.LanguageModelConfiguration(tensors["embedding.table"].shape[0]))
    else:
        raise ValueError(f"{path}: unknown model kind {kind}")
    module.to(DTYPE)
    m.load_state(module, tensors, path)
    with torch.no_grad():
        if kind == "MMInterleaved":
            return run_interleaved(case, module)[0], \
                run_interleaved(case, module)[1], {}
        inputs = {k: torch.tensor(v, dtype=DTYPE) for k, v in case.inputs.items()}
        if kind == "DigitCNN":
            outputs = {"scores": module(inputs["images"])}
        elif kind == "ImageEncoder":
            tokens, maps = module(inputs["images"])
            outputs = {"tokens": tokens, **{f"map{i}": v for i, v in enumerate(maps)}}
        elif kind == "MiniCLIP":
            ids = case.integers("texts")
            outputs = {"imageEmbeddings": module.embed_images(inputs["images"]),
                       "textEmbeddings": module.embed_texts(ids),
                       "loss": module.loss(inputs["images"], ids)}
        elif kind == "segmentation head":
            outputs = {"scores": module(inputs["maps"])}
        else:
            outputs = {"logits": module(case.integers("tokens"))}
    return module, outputs, {}


RUNNERS = {
    "bilinear-sampling": run_bilinear,
    "rmsnorm": lambda c: single_input(m.RMSNorm(16))(c),
    "layernorm": lambda c: single_input(nn.LayerNorm(16))(c),
    "groupnorm": lambda c: single_input(nn.GroupNorm(c.setting("groups"), 16))(c),
    "rope": run_rope,
    "attention": run_attention,
    "convolution": run_convolution,
    "decoder-block": run_decoder_block,
    "mmfs": run_synchronizer,
    "unet-synchronizer": run_unet_synchronizer,
    "resampler": run_resampler,
    "image-encoder": run_encoder,
    "unet": run_unet,
    "joint-loss": run_interleaved,
    "joint-loss-dense": run_interleaved,
    "joint-loss-one-level-latest": run_interleaved,
    "decoder-cross-attention": run_decoder_cross_attention,
    "adamw": run_adamw,
}


def evaluate(case, runner, dtype):
    global DTYPE
    DTYPE = dtype
    try:
        torch.set_grad_enabled(True)
        module, outputs, leaves = runner(case)
        torch.set_grad_enabled(True)
        return twin_values(case, outputs, leaves, module)
    finally:
        DTYPE = torch.float64


def check(case, runner=None):
    """[(tensor, our error, what is allowed)] and problems. Allowed is the tolerance,
    or, where float32 itself cannot reach it (an ill-conditioned sum), twice the error
    of PyTorch's own float32 result on the same tensor."""
    runner = runner or RUNNERS.get(case.name) \
        or (run_checkpoint if case.name.startswith("checkpoint-") else None)
    if runner is None:
        return [], [f"no twin for case {case.name}"]
    exact, problems = evaluate(case, runner, torch.float64)
    scale = scales(exact)
    errors = {key: relative_error(ours(case, key), value, scale[key])
              for key, value in exact.items()}
    allowed = {key: TOLERANCE for key in errors}
    if any(error > TOLERANCE for error in errors.values()):
        single, _ = evaluate(case, runner, torch.float32)
        for key, error in errors.items():
            if error > TOLERANCE and key in single:
                limit = relative_error(single[key], exact[key], scale[key])
                allowed[key] = max(TOLERANCE, 2 * limit)
    return [(key, errors[key], allowed[key]) for key in errors], problems


def report(name, errors, problems, verbose=False, rows=None):
    ok = not problems and all(error <= allowed for _, error, allowed in errors)
    worst = max(errors, key=lambda e: e[1] / e[2]) if errors else ("-", 0.0, TOLERANCE)
    counts = f"{sum(1 for e in errors if e[0].startswith('output'))} outputs, " \
        f"{sum(1 for e in errors if e[0].startswith('grad'))} gradients"
    note = "" if worst[2] == TOLERANCE else f"; float32's own: {worst[2] / 2:.1e}"
    print(f"{'OK    ' if ok else 'NOT OK'} {name:<36} {counts:<25} "
          f"largest error {worst[1]:.1e} ({worst[0]}{note})")
    if rows is not None:
        kind, _, tensor = worst[0].partition(".")
        if kind == "grad":
            tensor = "gradient of " + tensor.partition(".")[2]
        rows.append((name, counts, f"{worst[1]:.1e}", tensor, "OK" if ok else "NOT OK"))
    for problem in problems:
        print(f"         {problem}")
    for tensor, error, allowed in sorted(errors, key=lambda e: -e[1]):
        if verbose or error > allowed:
            print(f"         {error:.1e} (allowed {allowed:.1e})  {tensor}")
    return ok


def self_test(folder):
    """The check must fail on a wrong twin and on a wrong gradient of ours."""
    case = Case(os.path.join(folder, "mmfs.safetensors"))
    errors, problems = check(case, lambda c: run_synchronizer(c, align_corners_bug=True))
    worst = max(error / allowed for _, error, allowed in errors)
    first = bool(problems) or worst > 1
    print(f"{'OK    ' if first else 'NOT OK'} the check catches a twin that samples "
          f"with align_corners=True ({worst:.0f} times what is allowed)")
    case = Case(os.path.join(folder, "joint-loss.safetensors"))
    name = "decoderSynchronizers.0.synchronizer.samplingOffsets.weight"
    gradient = case.param_grads[name]
    at = np.unravel_index(np.abs(gradient).argmax(), gradient.shape)
    gradient[at] *= 1.001  # a 0.1 % error in one number of one gradient
    errors, _ = check(case)
    _, error, allowed = next(e for e in errors if e[0] == "grad.param." + name)
    second = error > allowed
    print(f"{'OK    ' if second else 'NOT OK'} the check catches a gradient of ours off "
          f"by 0.1 % in one number (error {error:.1e}, allowed {allowed:.1e})")
    return first and second


def record(path, rows):
    """The results as the Markdown tables Appendix B shows (`make parity RECORD=1`):
    the parts, then the checkpoints. The separator lines' dashes set the columns'
    widths when pandoc wraps a wide table."""
    def counts(text):
        outputs, gradients = text.split(", ")
        return outputs.split()[0], gradients.split()[0]

    parts = [r for r in rows if not r[0].startswith("checkpoint-")]
    files = [r for r in rows if r[0].startswith("checkpoint-")]
    lines = [f"PyTorch {torch.__version__}, the twin in float64; the largest error of "
             f"a case is its worst tensor's largest |ours - twin| over that tensor's "
             f"largest |twin|; tolerance {TOLERANCE:g}.", "",
             "| part | outputs | gradients | largest error | in | result |",
             "|------------|-------|---------|-------|-------------------|------|"]
    for name, count, error, tensor, result in parts:
        outputs, gradients = counts(count)
        lines.append(f"| {name} | {outputs} | {gradients} | {error} | {tensor} "
                     f"| {result} |")
    lines += ["", "| checkpoint (a forward pass) | outputs | largest error | in "
              "| result |",
              "|------------------------------------|--------|-----------|----------"
              "--------------|------|"]
    for name, count, error, tensor, result in files:
        outputs, _ = counts(count)
        lines.append(f"| {name.removeprefix('checkpoint-')}.safetensors | {outputs} "
                     f"| {error} | {tensor} | {result} |")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", nargs="?", default="Reference/cases")
    parser.add_argument("--verbose", action="store_true",
                        help="print the error of every tensor compared")
    parser.add_argument("--self-test", action="store_true",
                        help="also show that a wrong twin and a wrong gradient fail")
    parser.add_argument("--record", metavar="FILE",
                        help="also write the results as a Markdown table (Appendix B's)")
    arguments = parser.parse_args()
    paths = sorted(glob.glob(os.path.join(arguments.folder, "*.safetensors")))
    if not paths:
        sys.exit(f"parity: no cases in {arguments.folder}; write them with "
                 f"`swift run -c release Parity --output {arguments.folder}`")
    torch.manual_seed(0)
    print(f"# PyTorch {torch.__version__}, float64, tolerance {TOLERANCE:g} "
          f"(largest |ours - twin| / largest |twin| per tensor)")
    all_ok, rows = True, []
    for path in paths:
        case = Case(path)
        try:
            errors, problems = check(case)
        except Exception as error:  # a twin that cannot even run is NOT OK, not a crash
            errors, problems = [], [f"{type(error).__name__}: {error}"]
        all_ok &= report(case.name, errors, problems, arguments.verbose, rows)
    if arguments.self_test:
        all_ok &= self_test(arguments.folder)
    if arguments.record:
        record(arguments.record, rows)
    print("ALL OK" if all_ok else "SOME NOT OK")
    sys.exit(0 if all_ok else 1)


if __name__ == "__main__":
    main()

"""A trained regression net as a TorchScript archive that PyTorch alone runs, its outputs in the target's units.

The net takes microvolts and predicts standardized targets (:mod:`neuroarena.runner.checkpoints`);
:class:`Destandardized` folds the input scale and ``prediction = output * scale + mean`` into the module,
so the archive takes raw volts and gives seconds (response time) or factor units directly, as the
challenge's scorer (``local_scoring.py``) feeds and compares them.
"""
from __future__ import annotations

import io
import warnings
from typing import Sequence

import torch

from neuroarena.errors import NeuroarenaError, first_line

#: Batch sizes the exported module is checked on against the eager net (the scorer feeds batches of 1).
CHECK_BATCHES = (1, 3)
#: A device constant in a TorchScript graph: a trace that created a tensor on the CPU inside ``forward``.
CPU_CONSTANT = 'Device = prim::Constant[value="cpu"]'


class Destandardized(torch.nn.Module):
    """``net(x * input_scale) * scale + mean``: a net trained on scaled windows (microvolts) and standardized
    targets, fed raw volts and answering in the target's units.

    Parameters
    ----------
    net : torch.nn.Module
        Maps ``x : (B, n_chans, n_times)`` to ``(B, n_outputs)`` standardized outputs.
    mean, scale : sequence of float, length n_outputs
        The training targets' mean and standard deviation.
    input_scale : float
        What the training windows were multiplied by (1e6 for ``scaling: microvolts``).
    """

    def __init__(self, net: torch.nn.Module, mean: Sequence[float], scale: Sequence[float],
                 input_scale: float = 1.0):
        super().__init__()
        self.net = net
        self.input_scale = float(input_scale)
        self.register_buffer("mean", torch.tensor([list(mean)], dtype=torch.float32))
        self.register_buffer("scale", torch.tensor([list(scale)], dtype=torch.float32))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x * self.input_scale) * self.scale + self.mean


def export_torchscript(module: torch.nn.Module, n_chans: int, n_times: int, label: str) -> tuple[bytes, str]:
    """``module`` (eval mode, float32, CPU) as a TorchScript archive, and how it was made.

    ``torch.jit.script`` is tried first, then ``torch.jit.trace`` on a ``(1, n_chans, n_times)`` example;
    the first whose saved-and-reloaded archive gives the eager module's outputs on batches of
    :data:`CHECK_BATCHES` sizes (random inputs at EEG and at unit scale), with no CPU device baked into its
    graph (the scorer runs it on the GPU when there is one), is kept. ``script`` fails at run time on nets
    with parametrized weights (braindecode's max-norm convolutions in EEGNet and EEGNeX): those are traced.

    Parameters
    ----------
    module : torch.nn.Module
        Maps ``x : (B, n_chans, n_times)`` float32 to ``(B, n_outputs)``.
    n_chans, n_times : int
        Its input shape.
    label : str
        Names the module in the error.

    Returns
    -------
    archive : bytes
        What ``torch.jit.save`` writes; ``torch.jit.load`` reads it back.
    method : {"script", "trace"}

    Raises
    ------
    NeuroarenaError
        Neither way gives a module that matches the eager one.
    """
    module = module.float().eval().cpu()
    generator = torch.Generator().manual_seed(0)
    inputs = [torch.randn(batch, n_chans, n_times, generator=generator) * scale
              for batch in CHECK_BATCHES for scale in (1e-5, 1.0)]
    with torch.inference_mode():
        expected = [module(x) for x in inputs]
    problems = []
    for method in ("script", "trace"):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # deprecation and tracer warnings: the check below decides
                compiled = torch.jit.script(module) if method == "script" else torch.jit.trace(
                    module, inputs[0][:1].clone(), check_trace=False)
                buffer = io.BytesIO()
                torch.jit.save(compiled, buffer)
                reloaded = torch.jit.load(io.BytesIO(buffer.getvalue()), map_location="cpu").eval()
            with torch.inference_mode():
                outputs = [reloaded(x) for x in inputs]
        except Exception as err:  # a construct TorchScript does not support
            problems.append(f"{method}: {first_line(err)}")
            continue
        if not all(out.shape == exp.shape and torch.allclose(out, exp, rtol=1e-4, atol=1e-6)
                   for out, exp in zip(outputs, expected)):
            problems.append(f"{method}: outputs differ from the net's (batch sizes {list(CHECK_BATCHES)})")
        elif CPU_CONSTANT in str(reloaded.inlined_graph):
            problems.append(f"{method}: the CPU device is baked into the graph (it would fail on the GPU)")
        else:
            return buffer.getvalue(), method
    raise NeuroarenaError(f"cannot export {label} as TorchScript ({'; '.join(problems)})",
                          fix="submit a net that torch.jit.script or torch.jit.trace can compile (braindecode's "
                              "EEGNeX, EEGNet and ShallowFBCSPNet can)")

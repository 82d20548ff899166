"""How encoding work is laid out: GPU batches under a token budget, Ray actors over a cluster's resources.

No GPU and no Ray here: these are the plans, checked on CPU with handmade numbers.
"""

from __future__ import annotations

import pytest

from vraagbaak.errors import ModelError, VraagbaakError
from vraagbaak.model.ray_encoding import RayLayout, plan_layout
from vraagbaak.model.sentence_transformers_encoder import plan_batches, resolve_device


def test_plan_batches_sorts_longest_first_and_keeps_each_batch_under_the_budget() -> None:
    lengths = [5, 300, 40, 300, 7, 120, 41, 6]
    plan = plan_batches(lengths, token_budget=600)
    assert plan == [[1, 3], [5, 6, 2, 4, 7], [0]]  # 2 × 300 and 5 × 120 fill 600 exactly
    for batch in plan:
        assert max(lengths[i] for i in batch) * len(batch) <= 600
        assert [lengths[i] for i in batch] == sorted((lengths[i] for i in batch), reverse=True)


def test_plan_batches_covers_every_position_once_so_the_order_can_be_restored() -> None:
    lengths = [(i * 37) % 512 + 1 for i in range(1000)]
    plan = plan_batches(lengths, token_budget=8192, max_batch=64)
    flat = [i for batch in plan for i in batch]
    assert sorted(flat) == list(range(1000))
    assert all(len(batch) <= 64 for batch in plan)
    # Results written back by position come out in input order.
    restored = [0] * len(lengths)
    for batch in plan:
        for position in batch:
            restored[position] = lengths[position]
    assert restored == lengths


def test_plan_batches_gives_a_text_over_the_budget_a_batch_of_its_own() -> None:
    assert plan_batches([10, 900, 10], token_budget=100) == [[1], [0, 2]]
    assert plan_batches([], token_budget=100) == []


def test_the_cpu_device_resolves_and_cuda_without_a_gpu_is_a_clear_error() -> None:
    assert resolve_device("cpu") == "cpu"
    assert resolve_device("auto") == "cpu"  # no CUDA on the CI machines
    with pytest.raises(ModelError, match="torch sees no CUDA device here; use --device cpu or auto"):
        resolve_device("cuda")
    with pytest.raises(ModelError, match="unknown device 'tpu'"):
        resolve_device("tpu")


def test_ray_layout_puts_one_actor_on_each_gpu_and_shares_cpus_out_otherwise() -> None:
    assert plan_layout({"CPU": 64, "GPU": 8}, None, "auto") == RayLayout(8, "cuda", 1, 1)
    assert plan_layout({"CPU": 64, "GPU": 8}, 4, "cuda") == RayLayout(4, "cuda", 1, 1)
    assert plan_layout({"CPU": 64, "GPU": 8}, 4, "cpu") == RayLayout(4, "cpu", 16, 0)
    assert plan_layout({"CPU": 2}, None, "auto") == RayLayout(2, "cpu", 1, 0)
    assert plan_layout({"CPU": 16}, 3, "auto") == RayLayout(3, "cpu", 5, 0)


def test_ray_layout_refuses_what_the_cluster_cannot_place() -> None:
    with pytest.raises(ModelError, match="the Ray cluster has no GPUs"):
        plan_layout({"CPU": 16}, None, "cuda")
    with pytest.raises(VraagbaakError, match="--ray-workers 9: the Ray cluster has 8 GPUs, one per worker"):
        plan_layout({"CPU": 64, "GPU": 8}, 9, "auto")
    with pytest.raises(VraagbaakError, match="--ray-workers 3: the Ray cluster has 2 CPUs, at least one per worker"):
        plan_layout({"CPU": 2}, 3, "cpu")
    with pytest.raises(VraagbaakError, match="--ray-workers 0: needs at least 1"):
        plan_layout({"CPU": 2}, 0, "cpu")

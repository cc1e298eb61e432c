"""Shared fixtures: the models trained once per session with fastText / floret (see fixtures_models.py)."""
from __future__ import annotations

import pytest
from fixtures_models import SPEC_BY_NAME, ModelBuilder, TrainedModel


@pytest.fixture(scope="session")
def model_builder(tmp_path_factory) -> ModelBuilder:
    """Every fixture model, trained once per session into a temporary directory."""
    builder = ModelBuilder(tmp_path_factory.mktemp("fixture-models"))
    builder.build_all()
    return builder


@pytest.fixture(scope="session")
def trained_model(model_builder):
    """``trained_model(name)`` -> :class:`TrainedModel`; skips when the model's trainer is unusable."""

    def get(name: str) -> TrainedModel:
        spec = SPEC_BY_NAME[name]
        pytest.importorskip(spec.trainer, reason=f"{spec.trainer} is needed to make and check {name}")
        if spec.trainer == "floret" and name in model_builder.errors:
            pytest.skip(f"floret could not train {name}: {model_builder.errors[name]}")
        return model_builder.get(name)

    return get

"""Tests for helpers.fit_curves: every synthetic kind gets its pattern, over many shapes and lengths."""

import numpy as np
import pytest

from helpers.fit_curves import KINDS, MAX_EPOCHS, MIN_EPOCHS, synthetic_history
from helpers.history import PATTERNS, classify_history, diagnose_history

SEEDS = range(60)


@pytest.mark.parametrize("kind", KINDS)
def test_kind_gets_its_pattern(kind):
    for epochs in (MIN_EPOCHS, 20, MAX_EPOCHS):
        for seed in SEEDS:
            history = synthetic_history(kind, epochs=epochs, seed=seed)
            pattern, reason = diagnose_history(history)
            assert pattern == KINDS[kind], f"{kind}, epochs={epochs}, seed={seed}: {reason}"


@pytest.mark.parametrize(
    ("kind", "reason_start"),
    [("still falling", "loss was still falling"), ("flat", "loss fell only"), ("unstable", "loss rose")],
)
def test_underfitting_kinds_trigger_their_own_rule(kind, reason_start):
    for seed in SEEDS:
        _, reason = diagnose_history(synthetic_history(kind, seed=seed))
        assert reason.startswith(reason_start), f"{kind}, seed={seed}: {reason}"


def test_history_has_keras_form():
    history = synthetic_history("good fit", epochs=15, seed=1)
    assert set(history) == {"loss", "val_loss"}
    for values in history.values():
        assert isinstance(values, list)
        assert len(values) == 15
        assert all(isinstance(value, float) and value > 0 for value in values)


def test_seed_sets_the_history():
    assert synthetic_history("overfitting", seed=5) == synthetic_history("overfitting", seed=5)
    assert synthetic_history("overfitting", seed=5) != synthetic_history("overfitting", seed=6)


def test_history_without_noise_is_smooth():
    smooth = np.array(synthetic_history("good fit", seed=2, noise=0.0)["loss"])
    assert np.all(np.diff(smooth) < 0), "without noise the good-fit loss falls at every epoch"


def test_every_pattern_has_a_kind():
    assert sorted(set(KINDS.values())) == sorted(PATTERNS)
    assert classify_history(synthetic_history("flat")) == "underfitting"


@pytest.mark.parametrize(
    ("arguments", "error", "match"),
    [
        ({"kind": "overfit"}, ValueError, "kind must be one of 'overfitting'"),
        ({"kind": "flat", "epochs": 3}, ValueError, "epochs must be at least 4"),
        ({"kind": "flat", "epochs": 2.5}, TypeError, "epochs must be a positive whole number"),
        ({"kind": "flat", "noise": -0.1}, ValueError, "noise must be a number of at least 0"),
    ],
)
def test_invalid_arguments_are_rejected(arguments, error, match):
    with pytest.raises(error, match=match):
        synthetic_history(**arguments)

"""The assignment-threshold choice of the topic trainer (numpy only, no training run)."""

from __future__ import annotations

import numpy as np

from streams.training.topics import THRESHOLD_GRID, best_threshold


def _f1(probabilities: np.ndarray, truth: np.ndarray, threshold: float) -> float:
    chosen = probabilities >= threshold
    tp = int(np.sum(chosen & truth))
    return 2 * tp / (int(np.sum(chosen)) + int(np.sum(truth))) if tp else 0.0


def test_a_clear_optimum_is_found() -> None:
    # Positives score 0.5 and above, negatives below 0.45: only thresholds in (0.45, 0.5] are perfect.
    probabilities = np.array([0.9, 0.8, 0.6, 0.5, 0.44, 0.3, 0.2, 0.1])
    truth = np.array([True, True, True, True, False, False, False, False])
    assert best_threshold(probabilities, truth) in (0.45, 0.5)
    assert _f1(probabilities, truth, best_threshold(probabilities, truth)) >= 0.88


def test_a_lone_spike_loses_to_a_plateau() -> None:
    """A single grid point that happens to score best between poor neighbours is noise: the middle of
    a broad plateau is chosen instead. Here F1 is 0.853 at 0.2, 0.965 at 0.25 alone, 0.917 from 0.3
    to 0.4 and 0.952 from 0.45 to 0.6."""
    probabilities = np.array([0.9] * 100 + [0.27] * 10 + [0.22] * 30 + [0.42] * 8)
    truth = np.array([True] * 110 + [False] * 38)
    assert round(_f1(probabilities, truth, 0.25), 3) == 0.965
    assert best_threshold(probabilities, truth) == 0.5


def test_the_choice_stays_on_the_grid() -> None:
    probabilities = np.linspace(0, 1, 50)
    truth = probabilities > 0.97  # one positive: every threshold but the extremes ties at low F1
    assert best_threshold(probabilities, truth) in THRESHOLD_GRID

"""Replay a sequence of monitored values through an early-stopping rule, one epoch at a time.

In notebook 06 the student writes the decision part of ``keras.callbacks.EarlyStopping``
as a class with ``on_epoch_end(epoch, value) -> bool`` and a ``best_epoch`` attribute.
:func:`replay_stopper` records what such an object decides after every epoch, and
:func:`early_stopping_decisions` records the same for
:class:`helpers.callbacks.EarlyStoppingRule`, which makes Keras 3.15's decisions.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from helpers.callbacks import EarlyStoppingRule

MONITOR = "value"
"""Name under which :func:`early_stopping_decisions` passes each value to the rule."""


def replay_stopper(stopper, values: Sequence[float]) -> tuple[list[bool], list[int]]:
    """Call ``stopper.on_epoch_end(epoch, value)`` for every value and record each decision.

    The calls go on after the first ``True``, so the decision of every epoch is recorded.

    Parameters
    ----------
    stopper : object
        Has ``on_epoch_end(epoch, value)``, which returns True when training should stop,
        and a ``best_epoch`` attribute.
    values : sequence of E floats
        The monitored value of each epoch.

    Returns
    -------
    (decisions, best_epochs) : tuple of two lists of length E
        ``decisions[e]`` is what ``on_epoch_end`` returned for epoch ``e``, and
        ``best_epochs[e]`` is ``stopper.best_epoch`` right after that call.

    Raises
    ------
    TypeError
        If ``on_epoch_end`` returns anything but True or False, or ``best_epoch`` is not
        a whole number after a call. The message names the epoch.
    """
    decisions, best_epochs = [], []
    for epoch, value in enumerate(values):
        decision = stopper.on_epoch_end(epoch, value)
        if not isinstance(decision, (bool, np.bool_)):
            raise TypeError(f"on_epoch_end must return True or False; it returned {decision!r} at epoch {epoch}.")
        best_epoch = getattr(stopper, "best_epoch", None)
        if isinstance(best_epoch, bool) or not isinstance(best_epoch, (int, np.integer)):
            raise TypeError(
                f"best_epoch must be the epoch number of the best value so far; it is {best_epoch!r} "
                f"after epoch {epoch}. Set it whenever a value improves on the best."
            )
        decisions.append(bool(decision))
        best_epochs.append(int(best_epoch))
    return decisions, best_epochs


class _RuleAdapter:
    """Give :class:`EarlyStoppingRule` the ``on_epoch_end(epoch, value)`` form of the exercise."""

    def __init__(self, **settings):
        self.rule = EarlyStoppingRule(monitor=MONITOR, **settings)

    @property
    def best_epoch(self):
        return self.rule.best_epoch

    def on_epoch_end(self, epoch, value):
        return self.rule.on_epoch_end(epoch, {MONITOR: value})


def early_stopping_decisions(values: Sequence[float], patience=0, min_delta=0.0, mode="min"):
    """Return Keras's per-epoch ``(decisions, best_epochs)`` for ``values``, as :func:`replay_stopper` does.

    The decisions are those of ``keras.callbacks.EarlyStopping(patience=patience,
    min_delta=min_delta, mode=mode)``, made by :class:`helpers.callbacks.EarlyStoppingRule`.

    Examples
    --------
    >>> early_stopping_decisions([0.5, 0.4, 0.45, 0.41], patience=2)
    ([False, False, False, True], [0, 1, 1, 1])
    """
    return replay_stopper(_RuleAdapter(patience=patience, min_delta=min_delta, mode=mode), values)

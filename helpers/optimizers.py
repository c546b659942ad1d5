"""Reference optimizers that update NumPy parameters the way ``keras.optimizers`` does.

Every optimizer takes the keyword arguments and defaults of its Keras 3 namesake and
shares one interface: ``optimizer.update(params, grads)``, where both arguments are dicts
from a parameter name to a NumPy array. ``update`` changes the arrays in ``params`` in
place and keeps the optimizer's state (momentum, velocity) per parameter name.

One call of ``update`` is one training step, the same as one ``apply(grads, variables)``
of a Keras optimizer, and runs in the same order as Keras 3.15:

1. evaluate the learning rate at the current ``iterations`` count,
2. clip the gradients (``clipnorm``, ``clipvalue`` or ``global_clipnorm``),
3. apply decoupled weight decay ``w = w - w * weight_decay * learning_rate``,
4. apply the optimizer's own update rule,
5. add 1 to ``iterations``.

Shapes: each parameter and its gradient may have any shape, and the two must match
(for example ``(D, M)`` for a dense kernel and ``(M,)`` for its bias).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Mapping

import numpy as np

from helpers._validation import as_float_array, describe


def _check_number(value, name: str, *, minimum=None, maximum=None, maximum_inclusive=True) -> float:
    """Return ``value`` as a float if it is a finite real number within the bounds, else raise."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number; received {describe(value)}.")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite; received {value}.")
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be at least {minimum}; received {value}.")
    if maximum is not None:
        if maximum_inclusive and value > maximum:
            raise ValueError(f"{name} must be at most {maximum}; received {value}.")
        if not maximum_inclusive and value >= maximum:
            raise ValueError(f"{name} must be less than {maximum}; received {value}.")
    return value


def _check_optional_positive(value, name: str) -> float | None:
    if value is None:
        return None
    value = _check_number(value, name, minimum=0.0)
    if value == 0.0:
        raise ValueError(f"{name} must be positive or None; received 0. Pass None to turn it off.")
    return value


class Optimizer:
    """Base class: learning rate, gradient clipping, weight decay and per-parameter state.

    Subclasses define ``_create_slots(param)``, which returns the zero-initialised state
    arrays of one parameter, and ``_apply_update(param, grad, learning_rate, slots)``, which
    changes ``param`` in place.

    Parameters
    ----------
    learning_rate : float or callable
        A non-negative float, or a schedule: a callable that takes the iteration count
        (0 on the first step) and returns the learning rate. Functions from
        :mod:`helpers.schedules` with their arguments bound by ``functools.partial``, and
        ``keras.optimizers.schedules.LearningRateSchedule`` objects, both qualify.
    weight_decay : float or None
        Decoupled weight decay, applied before the update as
        ``w = w - w * weight_decay * learning_rate``. ``None`` turns it off.
    clipnorm : float or None
        Scale each gradient so that its L2 norm is at most ``clipnorm``.
    clipvalue : float or None
        Clip each gradient element to ``[-clipvalue, clipvalue]``.
    global_clipnorm : float or None
        Scale all gradients together so that the L2 norm of all of them, concatenated,
        is at most ``global_clipnorm``.

    Attributes
    ----------
    iterations : int
        Number of completed ``update`` calls.
    slots : dict of str to dict of str to ndarray
        State of each parameter, created on its first update, for example
        ``slots["W"]["momentum"]``. Each array has the shape of its parameter.

    Notes
    -----
    Keras calls a plain callable learning rate with no arguments, and only passes the
    iteration count to ``LearningRateSchedule`` objects. This class passes the iteration
    count to every callable, so that plain functions of the step work as schedules.
    """

    def __init__(
        self,
        learning_rate=0.001,
        weight_decay=None,
        clipnorm=None,
        clipvalue=None,
        global_clipnorm=None,
    ):
        self.learning_rate = learning_rate
        self.weight_decay = None if weight_decay is None else _check_number(weight_decay, "weight_decay", minimum=0.0)
        self.clipnorm = _check_optional_positive(clipnorm, "clipnorm")
        self.clipvalue = _check_optional_positive(clipvalue, "clipvalue")
        self.global_clipnorm = _check_optional_positive(global_clipnorm, "global_clipnorm")
        clip_arguments = [self.clipnorm, self.clipvalue, self.global_clipnorm]
        if sum(argument is not None for argument in clip_arguments) > 1:
            raise ValueError(
                "Only one of clipnorm, clipvalue and global_clipnorm can be set; received "
                f"clipnorm={clipnorm}, clipvalue={clipvalue}, global_clipnorm={global_clipnorm}."
            )
        self.iterations = 0
        self.slots: dict[str, dict[str, np.ndarray]] = {}

    # Learning rate -------------------------------------------------------------------

    @property
    def learning_rate(self) -> float:
        """Learning rate of the next step: the schedule evaluated at ``iterations``, or the float."""
        if callable(self._learning_rate):
            value = self._learning_rate(self.iterations)
            try:
                value = float(value)
            except (TypeError, ValueError) as error:
                raise TypeError(
                    f"The learning-rate schedule must return a number; at iteration {self.iterations} "
                    f"it returned {describe(value)}."
                ) from error
            return _check_number(value, f"the learning rate at iteration {self.iterations}", minimum=0.0)
        return self._learning_rate

    @learning_rate.setter
    def learning_rate(self, value) -> None:
        if callable(value):
            self._learning_rate = value
        else:
            self._learning_rate = _check_number(value, "learning_rate", minimum=0.0)

    def get_config(self) -> dict:
        """Return the constructor arguments, so that ``type(opt)(**opt.get_config())`` makes a fresh copy."""
        return {
            "learning_rate": self._learning_rate,
            "weight_decay": self.weight_decay,
            "clipnorm": self.clipnorm,
            "clipvalue": self.clipvalue,
            "global_clipnorm": self.global_clipnorm,
        }

    def __repr__(self) -> str:
        arguments = ", ".join(f"{key}={value!r}" for key, value in self.get_config().items())
        return f"{type(self).__name__}({arguments})"

    # Update --------------------------------------------------------------------------

    def update(self, params: Mapping[str, np.ndarray], grads: Mapping[str, object]) -> None:
        """Apply one training step to ``params`` in place.

        Parameters
        ----------
        params : dict of str to ndarray
            Parameters by name. Each value must be a floating-point ``np.ndarray`` because
            it is changed in place.
        grads : dict of str to array-like
            Gradient of the loss with respect to each parameter, with the same keys as
            ``params`` and the shape of the parameter.

        Raises
        ------
        TypeError
            If either argument is not a dict, or a parameter is not a floating-point ndarray.
        ValueError
            If the keys differ, a gradient's shape differs from its parameter's, or a
            parameter's shape changed since the optimizer created its state. The message
            names the key. Nothing is changed when an error is raised.
        """
        grads = self._check_update_arguments(params, grads)
        learning_rate = self.learning_rate
        grads = self._clip_gradients(grads)

        for name, param in params.items():
            if name not in self.slots:
                self.slots[name] = self._create_slots(param)

        if self.weight_decay is not None:
            for param in params.values():
                param -= param * (self.weight_decay * learning_rate)

        for name, param in params.items():
            self._apply_update(param, grads[name], learning_rate, self.slots[name])
        self.iterations += 1

    def _check_update_arguments(self, params, grads) -> dict[str, np.ndarray]:
        if not isinstance(params, Mapping):
            raise TypeError(f"params must be a dict from parameter name to array; received {describe(params)}.")
        if not isinstance(grads, Mapping):
            raise TypeError(f"grads must be a dict from parameter name to array; received {describe(grads)}.")

        for name in params:
            if name not in grads:
                raise ValueError(
                    f"grads has no entry for parameter {name!r}; pass one gradient per parameter, "
                    f"with the same keys as params ({sorted(map(str, params))})."
                )
        for name in grads:
            if name not in params:
                raise ValueError(
                    f"grads has the key {name!r}, which is not in params ({sorted(map(str, params))}); "
                    "pass one gradient per parameter, with the same keys."
                )

        checked = {}
        for name, param in params.items():
            if not isinstance(param, np.ndarray) or not np.issubdtype(param.dtype, np.floating):
                raise TypeError(
                    f"params[{name!r}] must be a floating-point np.ndarray, because update changes it in place; "
                    f"received {describe(param)}. Convert it once with np.array(..., dtype=float)."
                )
            grad = as_float_array(grads[name], f"grads[{name!r}]")
            if grad.shape != param.shape:
                raise ValueError(
                    f"grads[{name!r}] must have the shape of params[{name!r}], {param.shape}; "
                    f"received shape {grad.shape}."
                )
            slots = self.slots.get(name)
            if slots:
                slot_shape = next(iter(slots.values())).shape
                if slot_shape != param.shape:
                    raise ValueError(
                        f"params[{name!r}] has shape {param.shape}, but the optimizer's state for it has shape "
                        f"{slot_shape} from an earlier update. Use a new optimizer for a new model."
                    )
            checked[name] = grad
        return checked

    def _clip_gradients(self, grads: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        if self.clipnorm is not None:
            # g * c / max(||g||, c) leaves gradients shorter than c unchanged.
            return {
                name: grad * self.clipnorm / max(float(np.sqrt(np.sum(grad**2))), self.clipnorm)
                for name, grad in grads.items()
            }
        if self.global_clipnorm is not None:
            global_norm = float(np.sqrt(sum(np.sum(grad**2) for grad in grads.values())))
            scale = self.global_clipnorm / max(global_norm, self.global_clipnorm)
            return {name: grad * scale for name, grad in grads.items()}
        if self.clipvalue is not None:
            return {name: np.clip(grad, -self.clipvalue, self.clipvalue) for name, grad in grads.items()}
        return grads

    def _create_slots(self, param: np.ndarray) -> dict[str, np.ndarray]:
        raise NotImplementedError

    def _apply_update(self, param: np.ndarray, grad: np.ndarray, learning_rate: float, slots: dict) -> None:
        raise NotImplementedError


class SGD(Optimizer):
    """Stochastic gradient descent, with optional momentum and Nesterov momentum.

    Without momentum: ``w = w - learning_rate * g``.

    With momentum ``mu > 0``, the velocity ``m`` starts at zero and::

        m = mu * m - learning_rate * g
        w = w + m                              # nesterov=False
        w = w + mu * m - learning_rate * g     # nesterov=True

    Parameters
    ----------
    learning_rate : float or callable, default 0.01
    momentum : float in [0, 1], default 0.0
    nesterov : bool, default False
        Ignored when ``momentum`` is 0, as in Keras.
    weight_decay, clipnorm, clipvalue, global_clipnorm
        See :class:`Optimizer`.

    Notes
    -----
    Keras 3.15 casts ``momentum`` to float32 (0.9 becomes 0.899999976), and this class
    keeps it in float64. On the quadratic of the tests the two differ by about 2e-7 after
    20 steps.

    Examples
    --------
    >>> params = {"w": np.array([1.0, -2.0])}
    >>> SGD(learning_rate=0.1).update(params, {"w": np.array([0.5, 0.5])})
    >>> params["w"]
    array([ 0.95, -2.05])
    """

    def __init__(
        self,
        learning_rate=0.01,
        momentum=0.0,
        nesterov=False,
        weight_decay=None,
        clipnorm=None,
        clipvalue=None,
        global_clipnorm=None,
    ):
        super().__init__(learning_rate, weight_decay, clipnorm, clipvalue, global_clipnorm)
        self.momentum = _check_number(momentum, "momentum", minimum=0.0, maximum=1.0)
        if not isinstance(nesterov, (bool, np.bool_)):
            raise TypeError(f"nesterov must be True or False; received {describe(nesterov)}.")
        self.nesterov = bool(nesterov)

    def get_config(self) -> dict:
        return {"momentum": self.momentum, "nesterov": self.nesterov, **super().get_config()}

    def _create_slots(self, param):
        if self.momentum == 0.0:
            return {}
        return {"momentum": np.zeros(param.shape)}

    def _apply_update(self, param, grad, learning_rate, slots):
        if self.momentum == 0.0:
            param -= learning_rate * grad
            return
        m = slots["momentum"]
        m[...] = self.momentum * m - learning_rate * grad
        if self.nesterov:
            param += self.momentum * m - learning_rate * grad
        else:
            param += m


class RMSprop(Optimizer):
    """RMSprop: divide the gradient by a running root mean square of recent gradients.

    The mean square ``v`` (and, when ``centered``, the mean ``a``) start at zero::

        v = rho * v + (1 - rho) * g**2
        a = rho * a + (1 - rho) * g                      # centered=True only
        step = learning_rate * g / sqrt(v + epsilon)     # sqrt(v - a**2 + epsilon) if centered
        w = w - step                                     # momentum == 0
        p = momentum * p + step; w = w - p               # momentum > 0

    Parameters
    ----------
    learning_rate : float or callable, default 0.001
    rho : float in [0, 1), default 0.9
        Decay rate of the running averages.
    momentum : float in [0, 1], default 0.0
    epsilon : float >= 0, default 1e-7
    centered : bool, default False
        Divide by an estimate of the gradient's variance instead of its mean square.
    weight_decay, clipnorm, clipvalue, global_clipnorm
        See :class:`Optimizer`.

    Notes
    -----
    Keras 3 adds ``epsilon`` inside the square root, ``sqrt(v + epsilon)``, where Adam adds
    it outside, ``sqrt(v) + epsilon``. This class follows Keras in both.

    Examples
    --------
    >>> params = {"w": np.array([1.0])}
    >>> RMSprop(learning_rate=0.1, rho=0.5, epsilon=0.0).update(params, {"w": np.array([2.0])})
    >>> params["w"]  # v = 0.5 * 4 = 2, so w = 1 - 0.1 * 2 / sqrt(2)
    array([0.85857864])
    """

    def __init__(
        self,
        learning_rate=0.001,
        rho=0.9,
        momentum=0.0,
        epsilon=1e-7,
        centered=False,
        weight_decay=None,
        clipnorm=None,
        clipvalue=None,
        global_clipnorm=None,
    ):
        super().__init__(learning_rate, weight_decay, clipnorm, clipvalue, global_clipnorm)
        self.rho = _check_number(rho, "rho", minimum=0.0, maximum=1.0, maximum_inclusive=False)
        self.momentum = _check_number(momentum, "momentum", minimum=0.0, maximum=1.0)
        self.epsilon = _check_number(epsilon, "epsilon", minimum=0.0)
        if not isinstance(centered, (bool, np.bool_)):
            raise TypeError(f"centered must be True or False; received {describe(centered)}.")
        self.centered = bool(centered)

    def get_config(self) -> dict:
        return {
            "rho": self.rho,
            "momentum": self.momentum,
            "epsilon": self.epsilon,
            "centered": self.centered,
            **super().get_config(),
        }

    def _create_slots(self, param):
        slots = {"velocity": np.zeros(param.shape)}
        if self.momentum > 0.0:
            slots["momentum"] = np.zeros(param.shape)
        if self.centered:
            slots["average_gradient"] = np.zeros(param.shape)
        return slots

    def _apply_update(self, param, grad, learning_rate, slots):
        v = slots["velocity"]
        v[...] = self.rho * v + (1.0 - self.rho) * grad**2
        if self.centered:
            a = slots["average_gradient"]
            a[...] = self.rho * a + (1.0 - self.rho) * grad
            denominator = v - a**2 + self.epsilon
        else:
            denominator = v + self.epsilon
        step = learning_rate * grad / np.sqrt(denominator)

        if self.momentum > 0.0:
            p = slots["momentum"]
            p[...] = self.momentum * p + step
            param -= p
        else:
            param -= step


class Adam(Optimizer):
    """Adam: momentum on the gradient and on its square, with bias correction.

    At step ``t = iterations + 1``, with ``m`` and ``v`` starting at zero::

        m = m + (1 - beta_1) * (g - m)
        v = v + (1 - beta_2) * (g**2 - v)
        v_hat = max(v_hat, v); v = v_hat           # amsgrad=True only
        alpha = learning_rate * sqrt(1 - beta_2**t) / (1 - beta_1**t)
        w = w - alpha * m / (sqrt(v) + epsilon)

    Parameters
    ----------
    learning_rate : float or callable, default 0.001
    beta_1 : float in [0, 1), default 0.9
        Decay rate of the first moment ``m``.
    beta_2 : float in [0, 1), default 0.999
        Decay rate of the second moment ``v``.
    epsilon : float >= 0, default 1e-7
    amsgrad : bool, default False
        Divide by the largest ``v`` seen so far instead of the current one.
    weight_decay, clipnorm, clipvalue, global_clipnorm
        See :class:`Optimizer`.

    Notes
    -----
    Keras 3 folds both bias corrections into ``alpha`` and adds ``epsilon`` to ``sqrt(v)``
    of the uncorrected ``v``. The textbook form ``m_hat / (sqrt(v_hat) + epsilon)``, with
    ``m_hat = m / (1 - beta_1**t)`` and ``v_hat = v / (1 - beta_2**t)``, gives the same step
    only when ``epsilon`` is 0. It differs from Keras by up to about ``epsilon / sqrt(v)``
    relative, which matters when gradients are small. Keras also rounds ``beta_1`` and
    ``beta_2`` to float32 in the bias correction, and this class does the same.

    Examples
    --------
    On the first step ``alpha = learning_rate * sqrt(1 - beta_2) / (1 - beta_1)``,
    ``m = (1 - beta_1) g`` and ``sqrt(v) = sqrt(1 - beta_2) |g|``, so ``w`` moves by
    ``learning_rate * sign(g)`` when ``epsilon`` is 0:

    >>> params = {"w": np.array([1.0, 1.0])}
    >>> Adam(learning_rate=0.1, beta_1=0.5, beta_2=0.75, epsilon=0.0).update(params, {"w": np.array([3.0, -0.01])})
    >>> params["w"]
    array([0.9, 1.1])

    The default betas give the same step up to their float32 rounding (see the note in
    the code): ``0.90000067`` instead of ``0.9``.
    """

    def __init__(
        self,
        learning_rate=0.001,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-7,
        amsgrad=False,
        weight_decay=None,
        clipnorm=None,
        clipvalue=None,
        global_clipnorm=None,
    ):
        super().__init__(learning_rate, weight_decay, clipnorm, clipvalue, global_clipnorm)
        self.beta_1 = _check_number(beta_1, "beta_1", minimum=0.0, maximum=1.0, maximum_inclusive=False)
        self.beta_2 = _check_number(beta_2, "beta_2", minimum=0.0, maximum=1.0, maximum_inclusive=False)
        self.epsilon = _check_number(epsilon, "epsilon", minimum=0.0)
        if not isinstance(amsgrad, (bool, np.bool_)):
            raise TypeError(f"amsgrad must be True or False; received {describe(amsgrad)}.")
        self.amsgrad = bool(amsgrad)

    def get_config(self) -> dict:
        return {
            "beta_1": self.beta_1,
            "beta_2": self.beta_2,
            "epsilon": self.epsilon,
            "amsgrad": self.amsgrad,
            **super().get_config(),
        }

    def _create_slots(self, param):
        slots = {"momentum": np.zeros(param.shape), "velocity": np.zeros(param.shape)}
        if self.amsgrad:
            slots["velocity_hat"] = np.zeros(param.shape)
        return slots

    def _apply_update(self, param, grad, learning_rate, slots):
        t = self.iterations + 1
        # NOTE: Keras 3.15 rounds beta_1 and beta_2 to float32 before raising them to the
        # power t, even for float64 variables, because tf.cast turns a Python float into a
        # float32 tensor first. 1 - float32(0.999) is 1.3e-5 relative away from 1 - 0.999,
        # so the rounding is copied here to agree with Keras to 1e-6 over many steps.
        beta_1_power = float(np.float32(self.beta_1)) ** t
        beta_2_power = float(np.float32(self.beta_2)) ** t
        alpha = learning_rate * math.sqrt(1.0 - beta_2_power) / (1.0 - beta_1_power)

        m = slots["momentum"]
        v = slots["velocity"]
        m += (grad - m) * (1.0 - self.beta_1)
        v += (grad**2 - v) * (1.0 - self.beta_2)
        if self.amsgrad:
            v_hat = slots["velocity_hat"]
            np.maximum(v_hat, v, out=v_hat)
            v = v_hat

        param -= alpha * m / (np.sqrt(v) + self.epsilon)


class AdamW(Adam):
    """Adam with decoupled weight decay, as ``keras.optimizers.AdamW``.

    Before each Adam step the weights shrink by a fraction of themselves that does not
    pass through Adam's scaling::

        w = w - w * weight_decay * learning_rate
        w = <Adam step on w with gradient g>

    L2 regularisation instead adds ``weight_decay * w`` to ``g``, so Adam divides it by
    ``sqrt(v)`` and weights with large gradients decay less.

    Parameters
    ----------
    learning_rate : float or callable, default 0.001
    weight_decay : float >= 0, default 0.004
        Required: ``None`` raises ``ValueError``, as in Keras.
    beta_1, beta_2, epsilon, amsgrad
        See :class:`Adam`.
    clipnorm, clipvalue, global_clipnorm
        See :class:`Optimizer`.

    Notes
    -----
    Keras multiplies ``weight_decay`` by the current learning rate, so a learning-rate
    schedule also scales the decay. Every parameter decays, biases included: Keras's
    ``exclude_from_weight_decay`` has no counterpart here.

    Examples
    --------
    With a zero gradient the Adam step is 0 and only the decay acts:
    ``w = 2 - 2 * 0.5 * 0.1 = 1.9``.

    >>> params = {"w": np.array([2.0])}
    >>> AdamW(learning_rate=0.1, weight_decay=0.5).update(params, {"w": np.array([0.0])})
    >>> params["w"]
    array([1.9])
    """

    def __init__(
        self,
        learning_rate=0.001,
        weight_decay=0.004,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-7,
        amsgrad=False,
        clipnorm=None,
        clipvalue=None,
        global_clipnorm=None,
    ):
        if weight_decay is None:
            raise ValueError("weight_decay must be a float for AdamW; received None. Use Adam for no weight decay.")
        super().__init__(
            learning_rate=learning_rate,
            beta_1=beta_1,
            beta_2=beta_2,
            epsilon=epsilon,
            amsgrad=amsgrad,
            weight_decay=weight_decay,
            clipnorm=clipnorm,
            clipvalue=clipvalue,
            global_clipnorm=global_clipnorm,
        )


OPTIMIZERS: dict[str, Callable[..., Optimizer]] = {
    "sgd": SGD,
    "rmsprop": RMSprop,
    "adam": Adam,
    "adamw": AdamW,
}
"""Every optimizer class by the string that ``model.compile(optimizer=...)`` accepts for it."""

"""Small pure-numpy experiments for the example sweeps.

Two toy binary-classification data sets (two spirals, two moons) and a
small multi-layer perceptron trained with minibatch SGD (with momentum).
``model.layers: 0`` turns the MLP into plain logistic regression.

The sweep files reference the experiment as ``models:train_mlp``: the
plugin imports ``models`` from the sweep file's own folder.

Config (nested dict; every key has a default)::

    data:     {name: spirals | moons, n: 400, noise: 0.1, seed: 0,
               val_fraction: 0.25, turns: 1.25}
    model:    {hidden: 32, layers: 2, activation: tanh | relu}
    training: {lr: 0.1, epochs: 60, batch_size: 32, momentum: 0.9,
               weight_decay: 0.0}
    seed: 0   # set by the sweep's `repeat`; seeds init and shuffling

``data.seed`` fixes the data set, the top-level ``seed`` fixes weight
initialisation and minibatch order, so ``repeat`` measures the spread due to
training randomness on one data set.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt

Array = npt.NDArray[np.float64]
Activation = Callable[[Array], Array]
Params = list[list[Array]]

__all__ = [
    "make_dataset",
    "make_moons",
    "make_spirals",
    "train_logreg",
    "train_mlp",
    "train_val_split",
]


# --------------------------------------------------------------------- data


def make_spirals(n: int, noise: float, rng: np.random.Generator, turns: float = 1.25) -> tuple[Array, Array]:
    """Two interleaved spirals, ``n`` points in total, labels 0/1.

    Radius grows linearly with the angle from 0.1 to 1; ``noise`` is the
    standard deviation of Gaussian noise added to both coordinates.
    """
    n0 = n // 2
    n1 = n - n0
    labels = np.concatenate([np.zeros(n0), np.ones(n1)])
    frac = np.sqrt(rng.uniform(0.0, 1.0, size=n))  # more points further out
    theta = frac * turns * 2.0 * math.pi
    radius = 0.1 + 0.9 * frac
    phase = labels * math.pi  # second spiral: the first rotated by 180 degrees
    x = np.stack([radius * np.cos(theta + phase), radius * np.sin(theta + phase)], axis=1)
    x += rng.normal(0.0, noise, size=x.shape)
    return x, labels


def make_moons(n: int, noise: float, rng: np.random.Generator) -> tuple[Array, Array]:
    """Two interleaving half circles (as sklearn's ``make_moons``)."""
    n0 = n // 2
    n1 = n - n0
    t0 = rng.uniform(0.0, math.pi, size=n0)
    t1 = rng.uniform(0.0, math.pi, size=n1)
    upper = np.stack([np.cos(t0), np.sin(t0)], axis=1)
    lower = np.stack([1.0 - np.cos(t1), 0.5 - np.sin(t1)], axis=1)
    x = np.concatenate([upper, lower])
    x += rng.normal(0.0, noise, size=x.shape)
    labels = np.concatenate([np.zeros(n0), np.ones(n1)])
    return x, labels


def make_dataset(data_cfg: dict[str, Any]) -> tuple[Array, Array]:
    name = data_cfg.get("name", "spirals")
    n = int(data_cfg.get("n", 400))
    noise = float(data_cfg.get("noise", 0.1))
    rng = np.random.default_rng(int(data_cfg.get("seed", 0)))
    if name == "spirals":
        return make_spirals(n, noise, rng, float(data_cfg.get("turns", 1.25)))
    if name == "moons":
        return make_moons(n, noise, rng)
    raise ValueError(f"unknown data set {name!r} (expected 'spirals' or 'moons')")


def train_val_split(
    x: Array, y: Array, val_fraction: float, rng: np.random.Generator
) -> tuple[Array, Array, Array, Array]:
    """Shuffle, split, and standardise both parts with the train statistics."""
    order = rng.permutation(len(x))
    n_val = max(1, round(len(x) * val_fraction))
    val, train = order[:n_val], order[n_val:]
    mean = x[train].mean(axis=0)
    std = x[train].std(axis=0) + 1e-12
    return ((x[train] - mean) / std, y[train], (x[val] - mean) / std, y[val])


# -------------------------------------------------------------------- model


def _activation(name: str) -> tuple[Activation, Activation]:
    if name == "tanh":
        return np.tanh, lambda a: 1.0 - a * a  # derivative from output
    if name == "relu":
        return (lambda z: np.maximum(z, 0.0)), (lambda a: (a > 0.0).astype(a.dtype))
    raise ValueError(f"unknown activation {name!r} (expected 'tanh' or 'relu')")


def _init_params(sizes: list[int], activation: str, rng: np.random.Generator) -> Params:
    params: Params = []
    for i, (fan_in, fan_out) in enumerate(itertools.pairwise(sizes)):
        last = i == len(sizes) - 2
        gain = 2.0 if (activation == "relu" and not last) else 1.0
        w = rng.normal(0.0, math.sqrt(gain / fan_in), size=(fan_in, fan_out))
        params.append([w, np.zeros(fan_out)])
    return params


def _forward(params: Params, x: Array, act: Activation) -> tuple[list[Array], Array]:
    """Return the hidden activations (input first) and the output logits."""
    acts = [x]
    h = x
    for w, b in params[:-1]:
        h = act(h @ w + b)
        acts.append(h)
    w, b = params[-1]
    return acts, (h @ w + b)[:, 0]


def _bce(logits: Array, y: Array) -> float:
    # mean of -[y log s(z) + (1-y) log(1-s(z))] = mean of log(1+e^z) - y z
    return float(np.mean(np.logaddexp(0.0, logits) - y * logits))


# OpenBLAS runs a matrix product on several threads once M*N*K passes about
# 2**18; with pytest-xdist workers on the same cores that oversubscription made
# trials 5x slower.  Evaluation therefore goes in row chunks small enough to
# stay single-threaded (training minibatches already are).
_MAX_GEMM_SIZE = 2**17


def _logits(params: Params, x: Array, act: Activation) -> Array:
    width = max(w.shape[1] * w.shape[0] for w, _ in params)
    rows = max(1, _MAX_GEMM_SIZE // width)
    return np.concatenate([_forward(params, x[i : i + rows], act)[1] for i in range(0, len(x), rows)])


def _evaluate(params: Params, x: Array, y: Array, act: Activation) -> tuple[float, float]:
    logits = _logits(params, x, act)
    return _bce(logits, y), float(np.mean((logits > 0.0) == (y > 0.5)))


def train_mlp(config: dict[str, Any], trial: Any) -> dict[str, float]:
    """Train a small MLP (or logistic regression) on a toy 2-D data set."""
    data_cfg = config.get("data", {}) or {}
    model_cfg = config.get("model", {}) or {}
    train_cfg = config.get("training", {}) or {}
    seed = int(config.get("seed", 0) or 0)

    x, y = make_dataset(data_cfg)
    split_rng = np.random.default_rng(int(data_cfg.get("seed", 0)) + 1_000_003)
    x_tr, y_tr, x_va, y_va = train_val_split(x, y, float(data_cfg.get("val_fraction", 0.25)), split_rng)

    hidden = int(model_cfg.get("hidden", 32))
    layers = int(model_cfg.get("layers", 2))
    act_name = str(model_cfg.get("activation", "tanh"))
    act, dact = _activation(act_name)

    lr = float(train_cfg.get("lr", 0.1))
    epochs = int(train_cfg.get("epochs", 60))
    batch_size = int(train_cfg.get("batch_size", 32))
    momentum = float(train_cfg.get("momentum", 0.9))
    weight_decay = float(train_cfg.get("weight_decay", 0.0))

    rng = np.random.default_rng(seed)
    params = _init_params([x.shape[1]] + [hidden] * layers + [1], act_name, rng)
    velocity = [[np.zeros_like(w), np.zeros_like(b)] for w, b in params]

    n_train = len(x_tr)
    train_loss = val_loss = float("nan")
    val_acc = 0.0
    for epoch in range(epochs):
        order = rng.permutation(n_train)
        total = 0.0
        for start in range(0, n_train, batch_size):
            idx = order[start : start + batch_size]
            xb, yb = x_tr[idx], y_tr[idx]
            acts, logits = _forward(params, xb, act)
            total += _bce(logits, yb) * len(idx)
            # backward: d(mean BCE)/d logits = sigmoid(z) - y, over the batch
            prob = 0.5 * (1.0 + np.tanh(0.5 * logits))  # overflow-free sigmoid
            delta = ((prob - yb) / len(idx))[:, None]
            for k in range(len(params) - 1, -1, -1):
                w, b = params[k]
                grad_w = acts[k].T @ delta + weight_decay * w
                grad_b = delta.sum(axis=0)
                if k > 0:
                    delta = (delta @ w.T) * dact(acts[k])
                vw, vb = velocity[k]
                vw *= momentum
                vw -= lr * grad_w
                vb *= momentum
                vb -= lr * grad_b
                w += vw
                b += vb
        train_loss = total / n_train
        val_loss, val_acc = _evaluate(params, x_va, y_va, act)
        if trial is not None:
            trial.log(step=epoch, loss=train_loss, val_loss=val_loss, val_acc=val_acc)

    _, train_acc = _evaluate(params, x_tr, y_tr, act)
    return {"val_acc": float(val_acc), "val_loss": float(val_loss), "train_acc": float(train_acc)}


def train_logreg(config: dict[str, Any], trial: Any) -> dict[str, float]:
    """Logistic regression: ``train_mlp`` with no hidden layer."""
    config = dict(config)
    config["model"] = {**(config.get("model") or {}), "layers": 0}
    return train_mlp(config, trial)

"""Federated fine-tuning of a bundle's last layer: the numpy side, without Flower.

What one client computes from its own audio (:func:`local_update`), how an update is bounded
(:func:`clip_update`, optional Gaussian noise for differential privacy, :func:`gaussian_epsilon`),
how a server checks what it receives (:func:`check_update`, :func:`check_aggregate`), and how
it turns an aggregate into the next global layer without letting other people's speech score
higher (:func:`apply_update`, the calibration of :mod:`wakeword.personalize`).

The layer is the model's final ``FULLY_CONNECTED`` for one keyword: ``dim`` weights and a bias,
sent as one float vector of ``dim + 1`` values. Clients send the change (delta) from the global
layer of the round, clipped to an L2 norm of ``clip_norm``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from wakeword.bundle import Bundle
from wakeword.config import PersonalizationConfig
from wakeword.personalize import (CallStream, positive_windows, augmented, fit_layer, layer_scores,
                                  load_negative_speech, lower_bias, peak, run_audio, run_frames, tail_score, window_means,
                                  negative_limit)
from wakeword.tflite_head import Head, find_head


@dataclass(frozen=True)
class FederatedConfig:
    """Settings of a federated run (the server sends the client-side ones every round).

    rounds : federated rounds.
    clip_norm : L2 bound of one client's update (weights and bias together).
    noise_multiplier : Gaussian noise of standard deviation ``noise_multiplier * clip_norm`` on the sum
        of the updates (each client adds its share, ``1/sqrt(n)`` of it, before masking: distributed
        differential privacy); 0 = off.
    dp_delta : the delta of the (epsilon, delta) guarantee reported.
    prior_weight : the L2 pull of every client's objective towards the shipped layer.
    local_steps : Newton steps a client takes from the round's global layer.
    secure : aggregate with SecAgg+ (the server sees only the sum) instead of plain FedAvg.
    num_shares, reconstruction_threshold : SecAgg+ key shares per client and how many reconstruct one.
    """

    rounds: int = 5
    clip_norm: float = 0.5
    noise_multiplier: float = 0.0
    dp_delta: float = 1e-5
    prior_weight: float = 1.0
    local_steps: int = 1
    secure: bool = True
    num_shares: int = 5
    reconstruction_threshold: int = 3

    def __post_init__(self) -> None:
        if self.rounds < 1 or self.local_steps < 1 or not self.clip_norm > 0 or self.noise_multiplier < 0 or not 0 < self.dp_delta < 1:
            raise ValueError(f"bad federated settings: {self}")
        if not 2 <= self.reconstruction_threshold <= self.num_shares:
            raise ValueError("reconstruction_threshold must be in 2..num_shares")


_NEGATIVE_HIDDEN: dict[str, tuple[np.ndarray, ...]] = {}


def negative_hidden(bundle: Bundle) -> tuple[np.ndarray, ...]:
    """The packaged negative speech through the model up to its last layer (the same every round:
    computed once per process and model)."""
    key = bundle.manifest.model.sha256
    if key not in _NEGATIVE_HIDDEN:
        head = find_head(bundle.model_bytes)
        _NEGATIVE_HIDDEN[key] = tuple(run_frames(bundle, head, f).hidden for f in load_negative_speech())
    return _NEGATIVE_HIDDEN[key]


def client_examples(bundle: Bundle, clips: list[np.ndarray], room: np.ndarray, *, keyword_index: int = 0,
                    seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A client's positives (the best detector window of each clip and of its copies in the room) and its
    negatives (the room), as the model's last hidden layer; fixed for the whole run."""
    head = find_head(bundle.model_bytes)
    window = bundle.manifest.detector.window
    rng = np.random.default_rng(seed)
    config = PersonalizationConfig()
    positives = []
    for clip in clips:
        positives.append(positive_windows(run_audio(bundle, head, clip, keyword_index), window))
        for copy in augmented(clip, room, config, rng):
            positives.append(positive_windows(run_audio(bundle, head, copy, keyword_index), window))
    return np.concatenate(positives), run_audio(bundle, head, room, keyword_index).hidden


def layer_vector(weights: np.ndarray, bias: float) -> np.ndarray:
    return np.append(np.asarray(weights, np.float64), float(bias))


def local_update(head: Head, global_vector: np.ndarray, positives: np.ndarray, negatives: np.ndarray,
                 config: FederatedConfig) -> np.ndarray:
    """The change a client proposes: ``local_steps`` Newton steps, from the round's global layer, on its own
    share of the federation's objective (the logistic loss of its examples plus the L2 pull towards the
    shipped layer). The objective is the same every round, so the rounds converge on one layer."""
    dim = head.weights.shape[1]
    w, b = fit_layer(head, 0, positives, negatives, PersonalizationConfig(prior_weight=config.prior_weight),
                     init=(global_vector[:dim], float(global_vector[dim])), max_steps=config.local_steps)
    return layer_vector(w, b) - global_vector


def clip_update(delta: np.ndarray, clip_norm: float) -> np.ndarray:
    """``delta`` scaled down to an L2 norm of at most ``clip_norm``."""
    norm = float(np.linalg.norm(delta))
    return delta if norm <= clip_norm else delta * (clip_norm / norm)


def client_noise(size: int, config: FederatedConfig, clients: int, rng: np.random.Generator) -> np.ndarray:
    """This client's share of the Gaussian noise on the sum (std ``noise_multiplier * clip_norm / sqrt(n)``)."""
    if config.noise_multiplier == 0:
        return np.zeros(size)
    return rng.normal(0.0, config.noise_multiplier * config.clip_norm / math.sqrt(clients), size)


def gaussian_epsilon(noise_multiplier: float, rounds: int, delta: float) -> float:
    """(epsilon, delta) of ``rounds`` Gaussian mechanisms of this noise multiplier (sensitivity: one client's
    clipped update), by Renyi differential privacy: eps = min over alpha of rounds*alpha/(2 z^2) +
    log(1/delta)/(alpha - 1). Without sampling amplification (every client in every round)."""
    if noise_multiplier <= 0:
        return math.inf
    alphas = np.concatenate([np.linspace(1.01, 10, 200), np.linspace(10, 1000, 400)])
    eps = rounds * alphas / (2 * noise_multiplier ** 2) + math.log(1 / delta) / (alphas - 1)
    return float(eps.min())


def _vector_problem(vector, *, dim: int, bound: float, clip_norm: float) -> str | None:
    """What is wrong with a layer-sized vector: its shape, a non-finite value, or a norm above ``bound``."""
    arr = np.asarray(vector)
    if arr.shape != (dim + 1,):
        return f"wrong shape {arr.shape}, expected ({dim + 1},)"
    if not np.all(np.isfinite(arr)):
        return "not finite (NaN or infinity)"
    norm = float(np.linalg.norm(arr))
    if norm > bound:
        return f"norm {norm:.3g} above the clip {clip_norm:g}"
    return None


def check_round(*, round_number: int, reported_round, seen: set, client: str) -> str | None:
    """Why an answer from ``client`` must be refused for its round (None: accept, and ``seen`` records it):
    made for another round, or a second one in this round."""
    if reported_round != round_number:
        return f"made for round {reported_round}, this is round {round_number} (replayed or stale)"
    if (client, round_number) in seen:
        return f"a second update from {client} in round {round_number} (replayed)"
    seen.add((client, round_number))
    return None


def check_update(vector, *, dim: int, clip_norm: float, round_number: int, reported_round, seen: set,
                 client: str) -> str | None:
    """Why one client's update must be refused (None: accept). ``seen`` collects (client, round) pairs."""
    return (_vector_problem(vector, dim=dim, bound=clip_norm * (1 + 1e-6), clip_norm=clip_norm)
            or check_round(round_number=round_number, reported_round=reported_round, seen=seen, client=client))


def check_aggregate(mean: np.ndarray, *, dim: int, clip_norm: float, noise_bound: float = 0.0) -> str | None:
    """Why a (securely) aggregated mean must be refused: a mean of clipped updates can be no longer than
    the clip (plus the noise's likely size)."""
    problem = _vector_problem(mean, dim=dim, bound=clip_norm * (1 + 1e-3) + noise_bound, clip_norm=clip_norm)
    if problem is None:
        return None
    return f"aggregate {problem}" + (": some update was not clipped" if problem.startswith("norm") else "")


def hidden_of_frames(bundle: Bundle, segments: list[np.ndarray]) -> tuple[np.ndarray, ...]:
    """Feature segments through the model up to its last layer (the server's own negatives)."""
    head = find_head(bundle.model_bytes)
    return tuple(run_frames(bundle, head, f).hidden for f in segments)


def apply_update(bundle: Bundle, global_vector: np.ndarray, mean_delta: np.ndarray,
                 negatives: tuple[np.ndarray, ...] | None = None) -> np.ndarray:
    """The next global layer: the global layer plus the mean change, its bias then lowered until the
    negatives (default: the packaged negative speech; a server may hold more, see
    :func:`hidden_of_frames`) score no higher than under the shipped layer (as personalization does)."""
    head = find_head(bundle.model_bytes)
    dim = head.weights.shape[1]
    vec = global_vector + mean_delta
    negatives = negative_hidden(bundle) if negatives is None else negatives
    window, threshold = bundle.manifest.detector.window, bundle.manifest.detector.threshold
    shipped = [layer_scores(head, h, head.weights[0], float(head.bias[0])) for h in negatives]
    peak_before = max(peak(s, window) for s in shipped)
    tail_before = tail_score(np.concatenate([window_means(s, window) for s in shipped]))
    limit = negative_limit(threshold, PersonalizationConfig().negative_margin, peak_before)
    bias = lower_bias(head, vec[:dim], float(vec[dim]), list(negatives), window, limit, tail_before)
    return layer_vector(vec[:dim], bias)


__all__ = ["CallStream", "FederatedConfig", "apply_update", "hidden_of_frames", "check_aggregate", "check_round", "check_update", "client_examples",
           "client_noise", "clip_update", "gaussian_epsilon", "layer_vector", "local_update", "negative_hidden"]

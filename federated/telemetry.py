"""Model-health reports summed across devices under SecAgg+: the server learns the cohort's total only.

Each device's :class:`wakeword.health.HealthReport` (privatized with Laplace noise first, if the
product wants local differential privacy on top) becomes one vector of counts
(:func:`report_vector`); a Flower round with ``SecAggPlusWorkflow`` sums them, and the server gets
the cohort's aggregate (:func:`vector_report`) to run :func:`wakeword.health.drift` on, without ever
seeing one device's counters. Counts are quantized to steps of ``2 * CLIP / 2**22`` (0.5 with the
default clip) per device.
"""

from __future__ import annotations

import numpy as np

from wakeword.health import LEVEL_BINS, PEAK_BINS, HealthReport

#: the largest count one device may report (each coordinate is clipped to +-CLIP by SecAgg+'s quantization)
CLIP = float(2 ** 20)
FIELDS = ("hours", "detections", "near_misses", "dropped_ms")
SIZE = len(FIELDS) + PEAK_BINS + LEVEL_BINS


def report_vector(report: HealthReport) -> np.ndarray:
    """A report's counts as one float vector (hours, detections, near misses, dropped ms, histograms)."""
    values = [getattr(report, f) for f in FIELDS] + list(report.peak_histogram) + list(report.level_histogram)
    return np.clip(np.asarray(values, np.float64), -CLIP, CLIP)


def vector_report(vector: np.ndarray, *, model: str, epsilon: float | None = None) -> HealthReport:
    v = np.asarray(vector, np.float64)
    if v.shape != (SIZE,) or not np.all(np.isfinite(v)):
        raise ValueError(f"a telemetry vector has {SIZE} finite values, got shape {v.shape}")
    n = len(FIELDS)
    return HealthReport(model=model, **{f: float(x) for f, x in zip(FIELDS, v[:n])},
                        peak_histogram=v[n:n + PEAK_BINS].tolist(), level_histogram=v[n + PEAK_BINS:].tolist(),
                        epsilon=epsilon)


def make_telemetry_strategy(n_clients: int, model: str, results_out: list):
    """A FedAvg whose 'model' is the cohort's report: the (secure) mean of the devices' vectors, times n."""
    from flwr.common import ndarrays_to_parameters, parameters_to_ndarrays
    from flwr.server.strategy import FedAvg

    class TelemetryStrategy(FedAvg):
        def __init__(self):
            super().__init__(fraction_fit=1.0, fraction_evaluate=0.0, min_fit_clients=n_clients,
                             min_available_clients=n_clients,
                             initial_parameters=ndarrays_to_parameters([np.zeros(SIZE, np.float32)]),
                             on_fit_config_fn=lambda rnd: {"round": rnd})

        def aggregate_fit(self, server_round, results, failures):
            if results:
                mean = parameters_to_ndarrays(results[0][1].parameters)[0].astype(np.float64)
                results_out.append({"round": server_round, "devices": len(results),
                                    "report": vector_report(mean * len(results), model=model).to_dict()})
            return ndarrays_to_parameters([np.zeros(SIZE, np.float32)]), {}

    return TelemetryStrategy()

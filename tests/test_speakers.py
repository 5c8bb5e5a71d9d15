"""The numpy speaker encoder (resemblyzer's weights) and speaker clustering: real weights, real speech."""

from __future__ import annotations

import io
import os
import pickle
from pathlib import Path

import numpy as np
import pytest

from evaluation import speakers as S
from wakeword.audio import load_audio
from wakeword.errors import AudioError

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("WAKEWORD_SHARED_DATA", ROOT.parent / "shared" / "data"))
DIGITS = SHARED_DATA / "train" / "speech" / "free-spoken-digits"
SPEAKERS = ("george", "jackson", "lucas", "nicolas")
TAKES = 4


@pytest.fixture(scope="module")
def encoder() -> S.SpeakerEncoder:
    # the weights come with `make setup` (pip install --no-deps resemblyzer==0.1.4): fail, don't skip
    return S.SpeakerEncoder()


def _utterance(speaker: str, take: int) -> np.ndarray:
    """One speaker saying "zero" ... "five" (recording number ``take`` of each digit, joined: about 2.6 s).

    A single digit (0.5 s, recorded at 8 kHz) is too short to tell speakers apart reliably."""
    return np.concatenate([load_audio(DIGITS / f"{digit}_{speaker}_{take}.flac") for digit in range(6)])


def test_speakers_separate_and_cluster_on_real_recordings(encoder):
    if not DIGITS.is_dir():
        pytest.skip(f"{DIGITS} is not available (free-spoken-digits, six labelled speakers)")
    labels = np.repeat(np.arange(len(SPEAKERS)), TAKES)
    clips = [_utterance(speaker, take) for speaker in SPEAKERS for take in range(TAKES)]
    embeddings = encoder.embed_many(clips)
    assert embeddings.shape == (len(clips), 256) and embeddings.dtype == np.float32
    assert np.allclose(np.linalg.norm(embeddings, axis=1), 1, atol=1e-5)

    cos = embeddings @ embeddings.T
    same = (labels[:, None] == labels[None]) & ~np.eye(len(labels), dtype=bool)
    different = labels[:, None] != labels[None]
    assert cos[same].mean() > cos[different].mean() + 0.2, (cos[same].mean(), cos[different].mean())
    for s in range(len(SPEAKERS)):  # every speaker is closer to itself than to any other speaker
        mine = labels == s
        own = cos[np.ix_(mine, mine)][~np.eye(TAKES, dtype=bool)].mean()
        assert all(own > cos[np.ix_(mine, labels == o)].mean() + 0.05 for o in range(len(SPEAKERS)) if o != s)
    np.fill_diagonal(cos, -1)
    assert np.array_equal(labels[cos.argmax(axis=1)], labels)  # nearest neighbour: same speaker

    # measured: same speaker 0.92, different 0.60; exact recovery for thresholds 0.65 ... 0.8
    assert np.array_equal(S.cluster_speakers(embeddings), labels)


def test_embed_accepts_int16_float_and_other_rates_and_refuses_empty_audio(encoder):
    t = np.arange(16000) / 16000  # a buzzy tone with harmonics under 4 kHz, so 8 kHz loses nothing
    audio = sum(0.1 / h * np.sin(2 * np.pi * 150 * h * t) for h in range(1, 20)) * np.sin(2 * np.pi * 2 * t) ** 2
    as_int16 = np.round(audio * 32768).astype(np.int16)
    a = encoder.embed(as_int16)
    b = encoder.embed(as_int16.astype(np.float32) / 32768)
    assert a.shape == (256,) and a.dtype == np.float32 and abs(np.linalg.norm(a) - 1) < 1e-5
    assert float(a @ b) > 0.9999
    assert float(a @ encoder.embed(audio[::2].astype(np.float32), sample_rate=8000)) > 0.95
    with pytest.raises(AudioError, match="empty"):
        encoder.embed(np.zeros(0, np.int16))
    with pytest.raises(AudioError, match="silent"):
        encoder.embed(np.zeros(16000, np.int16))


def test_a_corrupt_or_missing_weights_file_is_a_clear_error(tmp_path):
    real = S.default_weights_path().read_bytes()
    for name, data in [("truncated.pt", real[: len(real) // 2]), ("cut-in-pickle.pt", real[:3000]),
                       ("garbage.pt", b"not a checkpoint" * 64), ("empty.pt", b"")]:
        path = tmp_path / name
        path.write_bytes(data)
        with pytest.raises(S.SpeakerWeightsError, match=name) as caught:
            S.SpeakerEncoder(path)
        assert isinstance(caught.value, ValueError)
    missing = tmp_path / "absent.pt"
    with pytest.raises(S.SpeakerWeightsMissing, match="pip install --no-deps resemblyzer==0.1.4") as caught:
        S.SpeakerEncoder(missing)
    assert str(missing) in str(caught.value)


def test_the_unpickler_refuses_any_other_global(tmp_path):
    marker = tmp_path / "ran"
    evil = f"cos\nsystem\n(S'touch {marker}'\ntR.".encode()
    with pytest.raises(pickle.UnpicklingError, match="os.system"):
        S.TorchLegacyUnpickler(io.BytesIO(evil)).load()
    with pytest.raises(pickle.UnpicklingError, match="builtins.eval"):
        S.TorchLegacyUnpickler(io.BytesIO(pickle.dumps(eval))).load()
    # inside an otherwise well-formed legacy checkpoint header: refused, named, nothing run
    path = tmp_path / "evil.pt"
    path.write_bytes(pickle.dumps(S.LEGACY_MAGIC) + pickle.dumps(S.LEGACY_PROTOCOL)
                     + pickle.dumps({"protocol_version": 1001, "little_endian": True}) + evil)
    with pytest.raises(S.SpeakerWeightsError, match="refusing to load global os.system"):
        S.load_legacy_checkpoint(path)
    assert not marker.exists()


def test_the_real_checkpoint_loads_as_numpy_and_strided_tensors_are_rebuilt():
    weights = S.load_state_dict(S.default_weights_path())
    assert weights["lstm.weight_ih_l0"].shape == (1024, 40) and weights["linear.weight"].shape == (256, 256)
    assert all(w.dtype == np.float32 and w.flags.owndata for w in weights.values())
    # the LSTM tensors are views at different offsets into one flat (cuDNN) storage: all distinct
    assert not np.array_equal(weights["lstm.bias_ih_l0"], weights["lstm.bias_hh_l0"])
    flat = np.arange(30, dtype=np.float32)
    ref = S._StorageRef("k", flat.dtype, flat.size)
    transposed = S._tensor(S._TensorRef(ref, 2, (4, 3), (1, 4)), {"k": flat})
    assert np.array_equal(transposed, flat[2:14].reshape(3, 4).T)
    with pytest.raises(ValueError, match="runs past"):
        S._tensor(S._TensorRef(ref, 20, (4, 3), (3, 1)), {"k": flat})


def test_cluster_speakers_edge_cases():
    assert S.cluster_speakers(np.zeros((0, 256))).shape == (0,)
    assert S.cluster_speakers(np.ones((1, 256))).tolist() == [0]
    e = np.array([[1, 0, 0], [0, 1, 0], [0.99, 0.1, 0], [0, 0.98, 0.1]])
    assert S.cluster_speakers(e).tolist() == [0, 1, 0, 1]  # labels in order of first appearance
    with pytest.raises(ValueError):
        S.cluster_speakers(np.array([[np.nan, 1.0], [1.0, 0.0]]))

import json
import subprocess
import sys

from wakeword.cli import main


def test_detect_json(alexa_clip, capsys):
    assert main(["detect", "--bundle", "microwakeword:alexa", "--json", str(alexa_clip)]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    result = json.loads(lines[0])
    assert result["file"] == str(alexa_clip)
    assert [d["keyword"] for d in result["detections"]] == ["alexa"]
    assert set(result["detections"][0]) == {"keyword", "t_ms", "score"}


def test_detect_reports_bad_files_and_goes_on(alexa_clip, tmp_path, capsys):
    bad = tmp_path / "broken.wav"
    bad.write_bytes(b"garbage" * 20)
    assert main(["detect", "--bundle", "microwakeword:alexa", "--json", str(bad), str(alexa_clip)]) == 1
    captured = capsys.readouterr()
    assert "broken.wav" in captured.err
    assert json.loads(captured.out.strip())["file"] == str(alexa_clip)


def test_info_and_bad_bundle(capsys, tmp_path):
    assert main(["info", "microwakeword:alexa"]) == 0
    assert "alexa" in capsys.readouterr().out
    # a shipped bundle states its measured operating point, clean and in noise
    from wakeword.bundle import load_bundle, resolve_bundle_path

    assert main(["info", "alexa"]) == 0
    out = capsys.readouterr().out
    point = load_bundle(resolve_bundle_path("alexa")).manifest.metrics["operating_point"]
    assert f"threshold {point['threshold']}/256" in out
    assert f"in noise    {point['fa_per_hour_in_noise']:.2f} false accepts/h" in out
    # ... and the latency it expects (median on the trainer's held-out clips)
    assert f"latency     median {point['latency_ms']:.0f} ms from the end of the phrase" in out
    assert main(["info", str(tmp_path / "missing")]) == 2
    assert "no such bundle" in capsys.readouterr().err


def test_console_script_runs():
    out = subprocess.run([sys.executable, "-m", "wakeword", "--help"], capture_output=True, text=True)
    assert out.returncode == 0 and "detect" in out.stdout


def test_every_console_script_answers_bad_input_in_one_line(tmp_path, capsys):
    """The one wrapper (wakeword.command): bad input is `error: ...` on one line and status 2."""
    from training.cli_doc import COMMANDS, _load

    missing = str(tmp_path / "no_such_bundle")
    cases = {"wakeword": ["info", "--bundle", missing], "wakeword-budget": ["--bundle", missing],
             "wakeword-train": [str(tmp_path / "missing.toml")], "wakeword-phrase": ["route", "66"],
             "wakeword-results": [str(tmp_path / "o.md"), str(tmp_path / "missing.json")],
             "wakeword-data": ["fetch", "librispeech-test-clean", "--dest", str(tmp_path / "d"),
                               "--mirror", str(tmp_path / "no_mirror")],
             "wakeword-eval": ["--bundle", missing, "--positives", str(tmp_path), "--negatives", str(tmp_path)]}
    targets = {name: target for name, _, target, before in COMMANDS if not before}
    for name, argv in cases.items():
        status = _load(targets[name])(argv)
        err = capsys.readouterr().err.strip()
        assert status == 2, (name, status, err)
        assert err.startswith("error: ") and len(err.splitlines()) == 1, (name, err)


def test_a_peer_is_named_like_any_bundle():
    from wakeword.bundle import open_bundle

    peer = open_bundle("microwakeword:alexa")
    assert peer.manifest.name == "microwakeword-alexa" and peer.manifest.keywords == ("alexa",)

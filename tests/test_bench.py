"""The benchmark: arguments and output path checked before any work, atomic JSON, the
WordSim353 coverage check, and one small run of each system."""

import json
import os

import pytest

from w2vlib import bench


@pytest.fixture
def no_corpus(monkeypatch):
    """Fail the test if the benchmark starts loading a corpus."""
    def refuse(*args, **kwargs):
        raise AssertionError("the corpus was loaded before the arguments were checked")
    monkeypatch.setattr(bench, "load_corpus", refuse)
    monkeypatch.setattr(bench, "_source", refuse)


@pytest.mark.parametrize("argv, message", [
    (["--batch-size", "0"], "--batch-size: expected an integer >= 1"),
    (["--epochs", "0"], "--epochs: expected an integer >= 1"),
    (["--max-tokens", "-5"], "--max-tokens: expected an integer >= 1"),
    (["--seeds", "-1"], "--seeds: expected integers >= 0"),
    (["--scaling", "--scales", "1", "0"], "--scales: expected integers >= 1"),
    (["--systems", "gensim", "gensim"], "--systems: expected distinct names"),
    (["--corpus", "no/such/file.txt"], "--corpus: expected one of"),
    (["--json", "/no/such/dir/out.json"], "--json: the directory"),
])
def test_bad_arguments_are_refused_before_any_work(no_corpus, capsys, argv, message):
    with pytest.raises(SystemExit) as exc:
        bench.main(argv)
    assert exc.value.code == 2 and message in capsys.readouterr().err


def test_json_path_that_is_a_directory_is_refused(no_corpus, capsys, tmp_path):
    with pytest.raises(SystemExit):
        bench.main(["--json", str(tmp_path)])
    assert "is a directory" in capsys.readouterr().err


def test_json_is_written_atomically(tmp_path):
    path = tmp_path / "out.json"
    path.write_text('{"old": 1}')
    bench.write_json(str(path), {"new": [1, 2]})
    assert json.loads(path.read_text()) == {"new": [1, 2]}
    with pytest.raises(TypeError):
        bench.write_json(str(path), {"bad": object()})          # fails half-way through
    assert json.loads(path.read_text()) == {"new": [1, 2]}      # the old file is intact
    assert os.listdir(tmp_path) == ["out.json"]                 # no temporary file left


def test_too_small_a_corpus_fails_before_training(monkeypatch, capsys):
    def no_training(spec):
        raise AssertionError("a system was trained")
    monkeypatch.setattr(bench, "_run", no_training)
    with pytest.raises(SystemExit) as exc:
        bench.main(["--max-tokens", "3000"])
    err = capsys.readouterr().err
    assert exc.value.code == 2 and "0 WordSim353 pair(s)" in err and "3,000 tokens" in err


def test_a_text_file_corpus_runs_every_system(tmp_path):
    """One short run of each system on a file, each in its own process."""
    path = tmp_path / "corpus.txt"
    sents = bench.load_corpus("wiki+lee", 25_000)
    path.write_text("".join(" ".join(s) + "\n" for s in sents), encoding="utf-8")
    out = tmp_path / "run.json"
    result = bench.main(["--corpus", str(path), "--epochs", "1", "--json", str(out)])
    assert json.loads(out.read_text())["tokens"] == result["tokens"] == 25_000
    assert {r["system"] for r in result["runs"]} == set(bench.SYSTEMS)
    for r in result["runs"]:
        assert r["words_per_second"] > 0 and r["peak_rss_mb"] > 10 and r["ws353_pairs"] >= 2
    assert set(result["ratios"]) == {"w2vlib", "w2vlib-shared"}


def test_scaling_streams_the_repeated_corpus_in_bounded_memory():
    result = bench.main(["--scaling", "--scales", "1", "3", "--max-tokens", "20000",
                         "--systems", "w2vlib"])
    a, b = result["runs"]
    assert (a["scale"], b["scale"]) == (1, 3) and b["tokens"] == 3 * a["tokens"] == 60_000
    assert a["base_rss_mb"] > 10 and a["peak_rss_mb"] >= a["base_rss_mb"]
    # streamed: three times the corpus holds no more than a few MB more
    assert b["peak_rss_mb"] - a["peak_rss_mb"] < 20
    assert result["growth"]["w2vlib"]["memory"] == b["peak_rss_mb"] / a["peak_rss_mb"]


def test_recorded_runs_are_kept_with_the_library():
    run = bench.recorded("15_epochs")
    assert run["epochs"] == 15 and run["seeds"] == [0, 1, 2]
    assert set(run["summary"]) == set(bench.SYSTEMS)
    with pytest.raises(KeyError, match="name: expected one of"):
        bench.recorded("no such run")
    scaling = bench.recorded("scaling")                     # the README's scaling table
    assert scaling["scales"] == [1, 4, 16]
    assert all(g["memory"] <= 1.2 for g in scaling["growth"].values())

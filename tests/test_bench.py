"""The benchmark: arguments and output path checked before any work, presets and
overrides, the paired t interval, atomic JSON, the WordSim353 coverage check, and small
end-to-end runs of every system."""

import json
import math
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
    (["--d", "0"], "--d: expected an integer >= 1"),
    (["--workers", "0"], "--workers: expected an integer >= 1"),
    (["--lr", "0"], "--lr: expected a positive number"),
    (["--lr", "nan"], "--lr: expected a positive number"),
    (["--seeds", "0", "0"], "--seeds: expected distinct seeds"),
    (["--preset", "fast"], "argument --preset: invalid choice"),
    (["--systems", "gensim-sg"], "argument --systems: invalid choice"),
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


def test_a_text_file_corpus_runs_every_default_system(tmp_path):
    """One short run of each default system on a file, each in its own process."""
    path = tmp_path / "corpus.txt"
    sents = bench.load_corpus("wiki+lee", 25_000)
    path.write_text("".join(" ".join(s) + "\n" for s in sents), encoding="utf-8")
    out = tmp_path / "run.json"
    result = bench.main(["--corpus", str(path), "--epochs", "1", "--json", str(out)])
    kept = json.loads(out.read_text())
    assert kept["tokens"] == result["tokens"] == 25_000 and kept["complete"]
    assert result["mode"] == "streamed from a file"
    assert {r["system"] for r in result["runs"]} == set(bench.DEFAULT_SYSTEMS)
    for r in result["runs"]:
        assert r["words_per_second"] > 0 and r["peak_rss_mb"] > 10 and r["ws353_pairs"] >= 2
        assert r["simlex_pairs"] >= 2
    assert [r["workers"] for r in result["runs"] if r["system"] == "gensim-cores"] == \
        [os.cpu_count()]
    assert set(result["comparisons"]) == {"w2vlib", "w2vlib-shared"}
    assert set(result["comparisons"]["w2vlib"]["speed"]) == {"gensim", "gensim-cores"}


def test_every_model_runs_against_its_counterpart_with_the_overrides(tmp_path):
    """A tiny end-to-end run of the CBOW and hierarchical-softmax pairs, two seeds, on
    the Bible corpus, with --lr and --d overriding the preset."""
    out = tmp_path / "run.json"
    result = bench.main(["--corpus", "bible", "--max-tokens", "60000", "--epochs", "1",
                         "--preset", "showcase", "--lr", "0.05", "--d", "20",
                         "--seeds", "3", "5", "--systems", "w2vlib-cbow", "gensim-cbow",
                         "w2vlib-hs", "gensim-hs", "--json", str(out)])
    assert json.loads(out.read_text()) == json.loads(json.dumps(result))
    s = result["settings"]
    assert (s["lr"], s["cbow_lr"], s["d"], s["epochs"], s["sample"]) == \
        (0.05, 0.05, 20, 1, 1e-4)
    assert len(result["runs"]) == 8 and all("error" not in r for r in result["runs"])
    assert all(r["lr"] == 0.05 for r in result["runs"])
    assert {r["system"]: r["seed"] for r in result["runs"][:4]} == \
        dict.fromkeys(["w2vlib-cbow", "gensim-cbow", "w2vlib-hs", "gensim-hs"], 3)
    comp = result["comparisons"]
    assert {k: c["counterpart"] for k, c in comp.items()} == \
        {"w2vlib-cbow": "gensim-cbow", "w2vlib-hs": "gensim-hs"}
    runs = {(r["system"], r["seed"]): r for r in result["runs"]}
    for system, c in comp.items():
        assert c["seeds"] == [3, 5] and set(c["speed"]) == {c["counterpart"]}
        for k in bench.METRICS:
            diffs = [runs[system, s][k] - runs[c["counterpart"], s][k] for s in (3, 5)]
            assert c[k]["mean"] == pytest.approx(sum(diffs) / 2)
            assert c[k]["low"] <= c[k]["mean"] <= c[k]["high"]
        cpu = [runs[name, s]["cpu_seconds"] for name in (c["counterpart"], system)
               for s in (3, 5)]
        assert c["speed"][c["counterpart"]]["cpu"] == pytest.approx(sum(cpu[:2]) / sum(cpu[2:]))


def test_a_streamed_named_corpus_gives_the_in_memory_vectors():
    """--streamed writes the corpus to a file and streams it; w2vlib's results are the
    same as from the list (the stream module's promise), only the clock differs."""
    args = ["--corpus", "bible", "--max-tokens", "60000", "--epochs", "1", "--systems",
            "w2vlib"]
    held, streamed = bench.main(args), bench.main(args + ["--streamed"])
    assert (held["mode"], streamed["mode"]) == ("in memory", "streamed from a file")
    a, b = held["runs"][0], streamed["runs"][0]
    for k in bench.METRICS:
        assert a[k] == b[k]


def test_presets_and_overrides():
    from w2vlib.quality import SHOWCASE
    assert {k: v for k, v in bench.settings("showcase").items() if k != "cbow_lr"} == SHOWCASE
    b = bench.settings("bench")
    assert (b["d"], b["lr"], b["cbow_lr"], b["sample"], b["epochs"]) == (100, 0.025, 0.05,
                                                                         1e-3, 15)
    w = bench.settings("word2vec", epochs=2)
    assert (w["d"], w["lr"], w["cbow_lr"], w["epochs"]) == (100, 0.025, 0.05, 2)
    o = bench.settings("showcase", lr=0.025, d=100)
    assert (o["lr"], o["cbow_lr"], o["d"], o["epochs"]) == (0.025, 0.025, 100, 8)
    assert bench.system_lr("gensim-cbow", b) == bench.system_lr("w2vlib-cbow", b) == 0.05
    assert bench.system_lr("w2vlib-hs", b) == 0.025
    with pytest.raises(ValueError, match="preset: expected one of"):
        bench.settings("fast")


def test_paired_interval_is_the_t_interval_of_the_differences():
    # differences 0.1, 0.3, 0.1: mean 1/6, sd sqrt(0.04/3), t(0.975, 2) = 4.302653
    # (tables), half-width 4.302653 * 0.1154701 / sqrt(3) = 0.2868435
    x = bench.paired_interval([0.5, 0.7, 0.6], [0.4, 0.4, 0.5])
    assert x["n"] == 3 and x["mean"] == pytest.approx(1 / 6)
    assert x["sd"] == pytest.approx(0.1154701, abs=1e-7)
    assert x["low"] == pytest.approx(1 / 6 - 0.2868435, abs=1e-6)
    assert x["high"] == pytest.approx(1 / 6 + 0.2868435, abs=1e-6)
    assert x["verdict"] == "includes 0"
    # differences 0.2, 0.25, 0.3, 0.25, 0.2: mean 0.24, sd 0.0418330, t(0.975, 4) = 2.776445
    up = bench.paired_interval([1.2, 1.25, 1.3, 1.25, 1.2], [1, 1, 1, 1, 1])
    assert up["low"] == pytest.approx(0.24 - 2.776445 * 0.0418330 / math.sqrt(5), abs=1e-6)
    assert up["verdict"] == "favours w2vlib"
    down = bench.paired_interval([1, 1, 1, 1, 1], [1.2, 1.25, 1.3, 1.25, 1.2])
    assert down["high"] == pytest.approx(-up["low"]) and down["verdict"] == "below"
    one = bench.paired_interval([0.3], [0.1])
    assert one["verdict"] == "n < 2" and math.isnan(one["low"])
    with pytest.raises(ValueError, match="a, b: expected two vectors of the same length"):
        bench.paired_interval([1, 2], [1])


def test_summary_pairs_by_seed_and_counts_failures():
    def row(system, seed, ws, cpu=2.0, wall=2.0):
        return dict(system=system, seed=seed, ws353_spearman=ws, simlex_spearman=ws,
                    analogy_accuracy=ws, cpu_seconds=cpu, train_seconds=wall,
                    words_per_second=1.0, peak_rss_mb=1.0, analogy_covered=10)
    runs = [row("gensim", 1, 0.4), row("w2vlib", 0, 0.6, wall=5.0), row("gensim", 0, 0.5),
            row("w2vlib", 1, 0.45, cpu=1.0), row("gensim", 2, 0.9),
            dict(system="w2vlib", seed=2, error="TrainingDivergedError: lr")]
    summary, comp, load = bench.summarise(runs, ("w2vlib", "gensim"))
    c = comp["w2vlib"]
    assert c["seeds"] == [0, 1]                             # seed 2 failed for w2vlib
    assert c["ws353_spearman"]["mean"] == pytest.approx(0.075)    # (0.1 + 0.05) / 2
    assert summary["w2vlib"]["failed"] == 1 and summary["w2vlib"]["runs"] == 2
    assert c["speed"]["gensim"]["cpu"] == pytest.approx(2.0 / 1.5)
    assert load == pytest.approx(2.5)                       # 5 s of wall for 2 s of CPU


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
    assert set(run["summary"]) == {"w2vlib", "w2vlib-shared", "gensim"}   # (the old bench)
    with pytest.raises(KeyError, match="name: expected one of"):
        bench.recorded("no such run")
    scaling = bench.recorded("scaling")                     # the README's scaling table
    assert scaling["scales"] == [1, 4, 16]
    assert all(g["memory"] <= 1.2 for g in scaling["growth"].values())


def test_report_recomputes_the_summary_of_a_kept_json(tmp_path, capsys):
    def row(system, seed, x):
        return dict(system=system, seed=seed, ws353_spearman=x, simlex_spearman=x,
                    analogy_accuracy=x, cpu_seconds=1.0, train_seconds=1.0,
                    words_per_second=1.0, peak_rss_mb=1.0, analogy_covered=10, workers=1)
    kept = dict(corpus="bible", tokens=1000, mode="in memory", preset="showcase",
                settings=bench.settings("showcase"), seeds=[0, 1, 2], complete=False,
                systems=["w2vlib", "gensim"], workers=1, cores=2,
                runs=[row("w2vlib", s, 0.5 + 0.1 * s) for s in range(3)] +
                     [row("gensim", s, 0.5) for s in range(3)])
    path = tmp_path / "kept.json"
    path.write_text(json.dumps(kept))
    [result] = bench.main(["--report", str(path)])
    out = capsys.readouterr().out
    assert "INCOMPLETE" in out and "w2vlib - gensim (n = 3)" in out
    assert result["comparisons"]["w2vlib"]["ws353_spearman"]["mean"] == pytest.approx(0.1)
    with pytest.raises(SystemExit):
        bench.main(["--report", str(tmp_path / "missing.json")])
    assert "--report:" in capsys.readouterr().err
    # the README's tables: differences 0, 0.1, 0.2: 0.1 +- 4.302653 * 0.1 / sqrt(3)
    bench.main(["--report", str(path), "--markdown"])
    out = capsys.readouterr().out
    assert "| w2vlib − gensim | 3 | +0.100 [-0.148, +0.348] |" in out
    assert "| w2vlib | 3 | 0.600 ± 0.100 |" in out and "incomplete" in out


KEPT = ["showcase_bible", "showcase_wikilee", "bench_bible", "bench_wikilee", "word2vec_bible"]


@pytest.mark.parametrize("name", KEPT)
def test_kept_grid_runs_are_whole_and_their_summaries_are_their_runs(name):
    """The README's figures: each kept JSON finished, with its preset's settings, paired
    seeds for every system, and the summary its own runs give (recomputed here)."""
    try:
        run = bench.recorded(name)
    except KeyError:
        pytest.skip(f"bench_{name}.json was not run (see the README's list of cells)")
    preset, corpus = name.split("_")
    assert run["preset"] == preset and run["settings"] == bench.settings(preset)
    assert run["corpus"] == {"wikilee": "wiki+lee"}.get(corpus, corpus)
    done = sorted({r["seed"] for r in run["runs"]})       # an interrupted run: whole seeds
    assert done == (run["seeds"] if run["complete"] else run["seeds"][:len(done)])
    assert len(done) >= 2
    assert sorted((r["system"], r["seed"]) for r in run["runs"]) == \
        sorted((s, x) for s in run["systems"] for x in done)
    summary, comparisons, load = bench.summarise(run["runs"], tuple(run["systems"]))
    same = json.dumps(comparisons, sort_keys=True)              # NaN as "NaN" on both
    assert same == json.dumps(run["comparisons"], sort_keys=True)
    assert run.get("wall_over_cpu", load) == load
    for c in comparisons.values():
        assert c["seeds"] == done

import errno
import json

import pandas as pd
import pytest

from commsim import store


def test_write_is_atomic_and_a_failure_is_recorded(small_run, tmp_path, monkeypatch):
    out = tmp_path / "run"
    calls = []
    original = store.write_parquet

    def failing(path, frame):
        calls.append(path.name)
        if path.name == "events.parquet":
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        return original(path, frame)

    monkeypatch.setattr(store, "write_parquet", failing)
    with pytest.raises(OSError):
        small_run.write(out)
    assert "events.parquet" in calls
    state = store.run_state(out)
    assert state.status == "failed"
    assert state.reason == f"disk full: no space left to write {out / 'events.parquet'}"
    assert json.loads((out / "manifest.json").read_text())["status"] == "failed"
    assert not list(out.glob(".*.tmp"))  # no half-written files left behind


def test_written_run_reads_back_and_verifies(small_run, tmp_path):
    out = small_run.write(tmp_path / "run")
    state = store.run_state(out, small_run.config_hash)
    assert state.complete and not state.legacy
    assert set(state.files) == {
        "config.yaml",
        "timeseries.parquet",
        "events.parquet",
        "neighborhoods.parquet",
        "places.parquet",
        "people.parquet",
        "summary.json",
    }
    ts = pd.read_parquet(out / "timeseries.parquet")
    pd.testing.assert_frame_equal(ts, small_run.timeseries, check_dtype=False)
    ev = pd.read_parquet(out / "events.parquet")
    assert len(ev) == len(small_run.events)
    assert json.loads((out / "summary.json").read_text()) == pytest.approx(small_run.summary)


def test_every_table_is_written(small_run, tmp_path):
    from dataclasses import replace

    extra = pd.DataFrame({"neighborhood": [0, 1], "crimes": [3, 4]})
    result = replace(small_run, tables={**small_run.tables, "neighborhoods": extra})
    out = result.write(tmp_path / "run")
    assert "neighborhoods.parquet" in store.run_state(out).files
    pd.testing.assert_frame_equal(pd.read_parquet(out / "neighborhoods.parquet"), extra)


def test_summary_has_every_design_outcome(small_run):
    keys = {
        "crimes", "crimes_reported", "reporting_rate", "arrests", "clearance_rate",
        "response_time_median_min",
        "trust_mean", "trust_gap", "fear_mean", "victimization_rate", "crime_concentration_top5",
        "active_offenders", "watch_participation", "cost_usd",
    }  # fmt: skip
    assert keys <= set(small_run.summary)
    for g in ("majority", "minority", "newcomer"):
        assert (
            f"trust_mean_{g}" in small_run.summary
            and f"victimization_rate_{g}" in small_run.summary
        )


def test_summary_counts_match_events(small_run):
    ev, s = small_run.events, small_run.summary
    assert s["crimes"] == len(ev)
    assert s["crimes_reported"] == ev["reported"].sum()
    assert s["arrests"] == ev["arrested"].sum()
    assert sum(s[f"crimes_{t}"] for t in ("burglary", "robbery", "vandalism")) == s["crimes"]
    assert s["crimes"] == small_run.timeseries["crimes"].sum()


def test_outputs_are_ordinary_readable_files(small_run, tmp_path):
    import os
    import stat

    out = small_run.write(tmp_path / "run")
    mode = stat.S_IMODE((out / "summary.json").stat().st_mode)
    umask = os.umask(0)
    os.umask(umask)
    assert mode == 0o666 & ~umask


def test_events_name_the_victim_for_repeat_victimisation(small_run):
    ev = small_run.events
    with_victim = ev[ev["victim"] >= 0]
    assert (ev.loc[ev["victim"] < 0, "victim_group"] == "none").all()
    assert (with_victim["victim_group"] != "none").all()
    assert with_victim["victim"].between(0, small_run.counts["residents"] - 1).all()
    # A resident's group never changes, so one victim id always has one group.
    assert (with_victim.groupby("victim")["victim_group"].nunique() == 1).all()

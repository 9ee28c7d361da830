"""The run store: atomic files, honest manifests, one rule for a folder's state, locks."""

import errno
import json
import os
import subprocess
import sys
import textwrap
import threading

import pandas as pd
import pytest

from commsim import store
from fake_runs import write_run


@pytest.fixture
def written(small_run, tmp_path):
    return small_run.write(tmp_path / "run")


def _manifest(run_dir):
    return json.loads((run_dir / "manifest.json").read_text())


def test_manifest_records_what_the_run_is(small_run, written):
    m = _manifest(written)
    assert m["status"] == "complete" and m["error"] is None
    assert m["format"] == store.FORMAT
    assert m["config_hash"] == small_run.config_hash == store.config_hash(small_run.config_yaml)
    assert m["seed"] == small_run.seed and m["strategy"] == small_run.config.policy.name
    assert m["code"]["commsim"] and "git_commit" in m["code"]
    assert m["started"] <= m["finished"] and m["wall_seconds"] > 0
    for name, checksum in m["files"].items():
        assert store.sha256_file(written / name) == checksum


def test_state_complete_stale_corrupt(small_run, written):
    assert store.run_state(written, small_run.config_hash).status == "complete"
    stale = store.run_state(written, "0" * 16)
    assert stale.status == "stale" and small_run.config_hash in stale.reason
    # Cut the daily series short: the checksum no longer matches.
    data = (written / "timeseries.parquet").read_bytes()
    (written / "timeseries.parquet").write_bytes(data[: len(data) // 2])
    corrupt = store.run_state(written, small_run.config_hash)
    assert corrupt.status == "corrupt"
    assert corrupt.reason == "timeseries.parquet fails its checksum (changed or truncated)"
    (written / "events.parquet").unlink()
    assert store.run_state(written).reason == "events.parquet is missing"


def test_a_run_made_by_another_model_version_is_stale_for_reuse(small_run, written):
    assert _manifest(written)["model_version"] == store.MODEL_VERSION
    for made_by in (store.MODEL_VERSION - 1, None):  # None: made before versions were recorded
        m = _manifest(written) | {"model_version": made_by}
        if made_by is None:
            del m["model_version"]
        (written / "manifest.json").write_text(json.dumps(m))
        state = store.run_state(written, small_run.config_hash)
        assert state.status == "stale"
        assert state.reason == (
            f"made by model version {made_by or 0}; this commsim is model version "
            f"{store.MODEL_VERSION}"
        )
        # Reporting existing runs (no expected config) still reads them.
        assert store.run_state(written).complete


def test_state_failed_incomplete_missing(tmp_path):
    assert store.run_state(tmp_path / "nothing").status == "missing"
    (tmp_path / "empty").mkdir()
    assert store.run_state(tmp_path / "empty").status == "missing"
    orphan = tmp_path / "orphan"
    orphan.mkdir()
    (orphan / "summary.json").write_text("{}")
    assert store.run_state(orphan).status == "incomplete"
    running = write_run(tmp_path / "running", status="running", write_files=False)
    assert store.run_state(running).status == "incomplete"
    failed = write_run(
        tmp_path / "failed", status="failed", error="ValueError: x", write_files=False
    )
    assert store.run_state(failed).status == "failed"
    assert store.run_state(failed).reason == "ValueError: x"
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "manifest.json").write_text('{"status": "compl')
    assert store.run_state(bad).status == "corrupt"


def test_runs_of_commsim_0_1_are_used_when_their_files_parse(tmp_path):
    old = write_run(tmp_path / "old", legacy=True)
    state = store.run_state(old)
    assert state.complete and state.legacy
    data = (old / "events.parquet").read_bytes()
    (old / "events.parquet").write_bytes(data[:100])
    state = store.run_state(old)
    assert state.status == "corrupt" and "events.parquet does not parse" in state.reason


@pytest.mark.parametrize(
    ("error", "message"),
    [
        (OSError(errno.ENOSPC, "No space left on device"), "disk full: no space left to write"),
        (OSError(errno.EROFS, "Read-only file system"), "read-only file system: cannot write"),
        (OSError(errno.EACCES, "Permission denied"), "permission denied: cannot write"),
        (KeyboardInterrupt(), "interrupted"),
    ],
)
def test_a_fault_while_writing_leaves_a_failed_manifest_and_no_half_files(
    small_run, tmp_path, monkeypatch, error, message
):
    out = tmp_path / "run"
    real = pd.DataFrame.to_parquet

    def faulty(frame, path, *args, **kwargs):
        if "events" in str(path):
            real(frame, path, *args, **kwargs)  # half a file is on disk when the fault hits
            if isinstance(error, OSError):
                error.filename = str(path)
            raise error
        return real(frame, path, *args, **kwargs)

    monkeypatch.setattr(pd.DataFrame, "to_parquet", faulty)
    with pytest.raises(type(error)):
        small_run.write(out)
    state = store.run_state(out)
    assert state.status == "failed"
    assert state.reason.startswith(message) and "\n" not in state.reason
    assert not (out / "events.parquet").exists()
    assert not [p for p in out.iterdir() if p.name.endswith(".tmp")]


def test_a_manifest_that_cannot_be_written_gives_one_line(small_run, tmp_path, monkeypatch):
    def read_only(path, obj):
        raise OSError(errno.EROFS, "Read-only file system", str(path))

    monkeypatch.setattr(store, "write_json", read_only)
    with pytest.raises(store.StoreError) as info:
        small_run.write(tmp_path / "run")
    assert str(info.value) == (
        f"run folder {tmp_path / 'run'}: read-only file system: cannot write "
        f"{tmp_path / 'run' / 'manifest.json'}"
    )


def test_a_retry_clears_what_an_interrupted_attempt_left(small_run, tmp_path):
    out = tmp_path / "run"
    out.mkdir()
    (out / ".events.parquet.abc123.tmp").write_bytes(b"half")
    (out / "timeseries.parquet").write_bytes(b"from an old attempt")
    small_run.write(out)
    assert not list(out.glob(".*.tmp"))
    assert store.run_state(out).complete


def test_temporary_names_are_unique(tmp_path):
    target = tmp_path / "a.txt"
    names = []

    def outer(tmp):
        names.append(tmp.name)
        store.atomic_write(target, lambda inner: (names.append(inner.name), inner.write_text("2")))
        tmp.write_text("1")

    store.atomic_write(target, outer)
    assert names[0] != names[1]
    assert target.read_text() == "1"


def test_a_second_process_cannot_take_a_held_lock(tmp_path):
    with store.lock(tmp_path / "out", "--out"):
        # Another open file is another holder, even in this process.
        with pytest.raises(store.BusyError) as info, store.lock(tmp_path / "out", "--out"):
            pass
        busy = f"--out {tmp_path / 'out'} is in use by another commsim process (pid {os.getpid()})"
        assert str(info.value).startswith(busy)
        code = textwrap.dedent(
            f"""
            from commsim import store
            try:
                with store.lock({str(tmp_path / "out")!r}):
                    print("got it")
            except store.BusyError as exc:
                print("busy")
            """
        )
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
        assert proc.stdout.strip() == "busy"
    with store.lock(tmp_path / "out"):  # released when the holder leaves
        pass


def test_check_writable_fails_with_one_line(tmp_path, monkeypatch):
    def read_only(*args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system", str(tmp_path / "out"))

    store.check_writable(tmp_path / "out")
    monkeypatch.setattr(store.tempfile, "mkstemp", read_only)
    with pytest.raises(store.StoreError, match=r"^--out .*: read-only file system"):
        store.check_writable(tmp_path / "out", "--out")


def test_check_creatable_probes_the_nearest_folder_and_creates_nothing(tmp_path, monkeypatch):
    store.check_creatable(tmp_path / "outputs" / "runs" / "a")
    assert list(tmp_path.iterdir()) == []
    (tmp_path / "file").write_text("x")
    with pytest.raises(store.StoreError, match=r"^run folder .*: .*file is a file, not a folder"):
        store.check_creatable(tmp_path / "file" / "run", "run folder")

    def read_only(*args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system", str(tmp_path))

    monkeypatch.setattr(store.tempfile, "mkstemp", read_only)
    with pytest.raises(store.StoreError, match=r"^--out .*/a/b: read-only file system"):
        store.check_creatable(tmp_path / "a" / "b", "--out")
    assert not (tmp_path / "a").exists()


@pytest.mark.parametrize("name", ["/../../x", "a" * 300, "../..", "", "ok name/with:stuff"])
def test_folder_names_are_short_safe_and_distinct(name):
    folder = store.slug(name)
    assert folder and len(folder) <= 40
    assert "/" not in folder and not folder.startswith(".")
    assert os.path.basename(folder) == folder
    assert store.slug(name + "!") != folder


def test_ordinary_names_stay_readable():
    assert store.slug("neighborhood_watch") == "neighborhood_watch"
    assert len(store.short_hash("x")) == 12


def test_index_merges_rows_from_concurrent_writers(tmp_path):
    def add(k):
        store.update_index(
            tmp_path,
            [{"run_dir": f"r{k}", "strategy": "s", "seed": k, "overrides": [f"seed={k}", "a=b"]}],
        )

    threads = [threading.Thread(target=add, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    rows = store.read_index(tmp_path)
    assert sorted(r["run_dir"] for r in rows) == [f"r{k}" for k in range(8)]
    assert rows[3]["overrides"] == "seed=3 a=b"

"""Backends of the experiment engine: where a batch of jobs runs.

Each backend takes the jobs still to do and calls ``collect(index, result)`` as
results arrive; on any exception (Ctrl-C, SIGTERM, a full disk) it stops its
workers within about a second, runs in flight being marked failed by the store,
and re-raises.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from commsim import store
from commsim.engine.jobs import FAILED, Job, JobResult, execute
from commsim.params import ConfigError

__all__ = ["BACKENDS", "RUNNERS", "Launcher", "cores", "sigterm_interrupts"]

BACKENDS = ("serial", "local", "ray", "slurm", "submitit_local")
#: Seconds a worker gets to mark its run failed after being told to stop.
STOP_GRACE = 1.5


def _interrupt(signum: int, _frame: Any) -> None:
    raise KeyboardInterrupt(f"interrupted ({signal.Signals(signum).name})")


_IN_JOB = False  # a local worker is inside a job (SIGTERM must mark its run failed)


def _worker_init() -> None:
    """Set up a local worker process: the parent decides about Ctrl-C, SIGTERM stops."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _worker_stop)
    logging.getLogger("MESA").setLevel(logging.WARNING)


def _worker_stop(signum: int, frame: Any) -> None:
    if not _IN_JOB:  # idle: nothing to record, leave at once and quietly
        os._exit(128 + signum)
    _interrupt(signum, frame)


def _execute_local(job: Job) -> JobResult:
    """The worker function in a local pool process.

    After SIGTERM the run is marked failed (by the store) and the process exits at once,
    rather than taking the next queued job as a pool worker otherwise would.
    """
    global _IN_JOB
    _IN_JOB = True
    try:
        return execute(job)
    except KeyboardInterrupt:
        os._exit(128 + signal.SIGTERM)
    finally:
        _IN_JOB = False


def _execute_submitit(job: Job) -> JobResult:
    """The worker function inside a submitit job: SIGTERM (scancel) stops the run cleanly."""
    signal.signal(signal.SIGTERM, _interrupt)
    return execute(job)


def _execute_ray(job: Job) -> JobResult:
    return execute(job)


@dataclass
class Launcher:
    """Where and how a batch runs.

    Attributes:
        backend: One of :data:`BACKENDS`.
        jobs: Parallel workers (local processes, CPUs of a local Ray instance, concurrent
            submitit_local jobs); default: the cores of this machine.
        ray_address: Address of a running Ray cluster (``auto``, ``ray://host:10001``);
            None starts a local instance.
        ray_temp_dir: Temporary folder of a local Ray instance (its socket paths must
            stay under 107 bytes).
        folder: Where submitit keeps its job files and logs.
        slurm_partition: SLURM partition.
        slurm_time_min: Time limit of one run, in minutes.
        slurm_mem_gb: Memory of one run, in GB.
        slurm_array_parallelism: Runs of the job array running at once.
        slurm_options: More submitit parameters (``slurm_account``, ``slurm_qos`` ...).
    """

    backend: str = "serial"
    jobs: int | None = None
    ray_address: str | None = None
    ray_temp_dir: str | None = None
    folder: Path | None = None
    slurm_partition: str | None = None
    slurm_time_min: int = 60
    slurm_mem_gb: float = 2.0
    slurm_array_parallelism: int = 256
    slurm_options: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.backend not in BACKENDS:
            raise ConfigError("--launcher", self.backend, "must be one of " + ", ".join(BACKENDS))
        if self.jobs is not None and self.jobs < 1:
            raise ConfigError("--jobs", self.jobs, "must be at least 1")

    @property
    def workers(self) -> int:
        """Runs at once on this machine."""
        return self.jobs or cores()

    def describe(self) -> str:
        """A few words for messages (``2 local processes``)."""
        if self.backend == "serial":
            return "1 process"
        if self.backend == "local":
            return f"{self.workers} local process{'es' if self.workers > 1 else ''}"
        if self.backend == "ray":
            return f"Ray ({self.ray_address or f'local, {self.workers} CPUs'})"
        if self.backend == "slurm":
            return f"SLURM ({self.slurm_partition or 'default partition'})"
        return f"submitit_local ({self.workers} at once)"


def cores() -> int:
    """CPU cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


@contextlib.contextmanager
def sigterm_interrupts() -> Iterator[None]:
    """Within the block, SIGTERM stops this process like Ctrl-C (KeyboardInterrupt)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


Collect = Callable[[int, JobResult], None]


def _run_serial(todo: list[tuple[int, Job]], launcher: Launcher, collect: Collect) -> None:
    for i, job in todo:
        collect(i, execute(job))


def _run_local(todo: list[tuple[int, Job]], launcher: Launcher, collect: Collect) -> None:
    import multiprocessing
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

    workers = min(launcher.workers, len(todo))
    if workers <= 1:
        _run_serial(todo, launcher, collect)
        return
    # spawn: no fork of a parent that may hold threads (tqdm, Hydra) or locks. Workers
    # start with SIGINT ignored (inherited through exec), so a Ctrl-C in the terminal
    # reaches only this process, which stops them in order.
    context = multiprocessing.get_context("spawn")
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        pool = ProcessPoolExecutor(workers, mp_context=context, initializer=_worker_init)
        futures = {pool.submit(_execute_local, job): (i, job) for i, job in todo}
    finally:
        signal.signal(signal.SIGINT, previous)
    pending = set(futures)
    try:
        while pending:
            finished, pending = wait(pending, timeout=0.5, return_when=FIRST_COMPLETED)
            for future in finished:
                i, job = futures[future]
                try:
                    result = future.result()
                except Exception as exc:  # the worker process died (e.g. out of memory)
                    result = _lost(job, f"worker process died: {store.describe_error(exc)}")
                collect(i, result)
    except BaseException:
        _stop_pool(pool)
        raise
    pool.shutdown(wait=True)


def _stop_pool(pool: Any) -> None:
    """Stop a process pool now: SIGTERM to every worker, SIGKILL to any still alive."""
    # ProcessPoolExecutor has no public way to stop running workers before Python 3.14;
    # its ``_processes`` map is the documented-in-source set of worker processes.
    processes = list((getattr(pool, "_processes", None) or {}).values())
    for process in processes:
        with contextlib.suppress(Exception):
            process.terminate()
    pool.shutdown(wait=False, cancel_futures=True)
    deadline = time.monotonic() + STOP_GRACE
    for process in processes:
        process.join(max(0.0, deadline - time.monotonic()))
        if process.is_alive():
            process.kill()
            process.join(1.0)


def _lost(job: Job, error: str) -> JobResult:
    """A job whose worker vanished: record the failure if its run was started."""
    if job.run_dir is not None:
        state = store.run_state(job.run_dir, verify=False)
        if state.status == store.INCOMPLETE and state.manifest is not None:
            with contextlib.suppress(OSError), store.lock(job.run_dir, "run folder"):
                record = store.RunRecord(Path(job.run_dir), dict(state.manifest))
                record.fail(error)
    return JobResult(job, FAILED, error)


def _run_ray(todo: list[tuple[int, Job]], launcher: Launcher, collect: Collect) -> None:
    try:
        import ray
    except ImportError:
        raise ConfigError(
            "--launcher", "ray", "needs Ray: pip install 'commsim[cluster]'"
        ) from None
    started = not ray.is_initialized()
    if started:
        kwargs: dict[str, Any] = {
            "include_dashboard": False,
            "log_to_driver": False,
            "configure_logging": False,
        }
        if launcher.ray_address:
            kwargs["address"] = launcher.ray_address
        else:
            os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
            kwargs["num_cpus"] = launcher.workers
            if launcher.ray_temp_dir:
                kwargs["_temp_dir"] = str(launcher.ray_temp_dir)
        ray.init(**kwargs)
    remote = ray.remote(num_cpus=1)(_execute_ray)
    refs = {remote.remote(job): (i, job) for i, job in todo}
    pending = list(refs)
    try:
        while pending:
            ready, pending = ray.wait(pending, num_returns=len(pending), timeout=0.5)
            for ref in ready:
                i, job = refs[ref]
                try:
                    result = ray.get(ref)
                except Exception as exc:  # the task or its worker failed in Ray itself
                    result = _lost(job, f"Ray task failed: {store.describe_error(exc)}")
                collect(i, result)
    except BaseException:
        for ref in pending:
            with contextlib.suppress(Exception):
                ray.cancel(ref)  # raises KeyboardInterrupt in the task: its run is marked failed
        with contextlib.suppress(Exception):
            _, left = ray.wait(pending, num_returns=len(pending), timeout=STOP_GRACE)
            for ref in left:
                ray.cancel(ref, force=True)
        raise
    finally:
        if started:
            ray.shutdown()


def _submitit_executor(launcher: Launcher) -> Any:
    try:
        import submitit
    except ImportError:
        raise ConfigError(
            "--launcher", launcher.backend, "needs submitit: pip install 'commsim[cluster]'"
        ) from None
    folder = Path(launcher.folder or Path("outputs") / ".submitit") / "%j"
    if launcher.backend == "slurm":
        executor = submitit.AutoExecutor(folder=folder, cluster="slurm")
        params: dict[str, Any] = {
            "timeout_min": launcher.slurm_time_min,
            "mem_gb": launcher.slurm_mem_gb,
            "cpus_per_task": 1,
            "tasks_per_node": 1,
            "nodes": 1,
            "name": "commsim",
            "slurm_array_parallelism": launcher.slurm_array_parallelism,
        }
        if launcher.slurm_partition:
            params["slurm_partition"] = launcher.slurm_partition
        params.update(launcher.slurm_options)
    else:
        executor = submitit.AutoExecutor(folder=folder, cluster="local")
        params = {"timeout_min": launcher.slurm_time_min}
    executor.update_parameters(**params)
    return executor


def _run_submitit(todo: list[tuple[int, Job]], launcher: Launcher, collect: Collect) -> None:
    executor = _submitit_executor(launcher)
    running: dict[Any, tuple[int, Job]] = {}
    queue = list(todo)
    if launcher.backend == "slurm":
        # One job array; SLURM runs ``slurm_array_parallelism`` tasks at once.
        submitted = executor.map_array(_execute_submitit, [job for _, job in queue])
        running = dict(zip(submitted, queue, strict=True))
        queue = []
    try:
        while queue or running:
            while queue and len(running) < launcher.workers:
                i, job = queue.pop(0)
                running[executor.submit(_execute_submitit, job)] = (i, job)
            finished = [j for j in running if j.done()]
            if not finished:
                time.sleep(0.2)
                continue
            for sjob in finished:
                i, job = running.pop(sjob)
                try:
                    result = sjob.result()
                except Exception as exc:  # the submitit job itself failed
                    result = _lost(job, f"submitit job failed: {_first_line(exc)}")
                collect(i, result)
    except BaseException:
        for sjob in running:
            with contextlib.suppress(Exception):
                sjob.cancel(check=False)  # SIGINT locally, scancel on SLURM
        deadline = time.monotonic() + STOP_GRACE
        while time.monotonic() < deadline and not all(_done(j) for j in running):
            time.sleep(0.1)
        raise


def _done(sjob: Any) -> bool:
    try:
        return bool(sjob.done())
    except Exception:
        return True


def _first_line(exc: BaseException) -> str:
    lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
    return lines[-1] if lines else type(exc).__name__


RUNNERS: dict[str, Callable[[list[tuple[int, Job]], Launcher, Collect], None]] = {
    "serial": _run_serial,
    "local": _run_local,
    "ray": _run_ray,
    "slurm": _run_submitit,
    "submitit_local": _run_submitit,
}

"""`amanat link --spark MASTER` on a real Spark cluster.

A standalone cluster of PySpark's own programs starts here on 127.0.0.1: a master and
one worker, each its own Java process, the worker starting an executor process (another
Java) with Python workers of its own. That is the path a group's cluster takes: the work
leaves the process that runs `amanat`, and the names are compared by Amanat's function
in the executor's Python. The cluster is stopped at the end.
"""

from __future__ import annotations

import csv
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pyspark
import pytest

from amanat.cli.main import main

EXAMPLES = Path(__file__).resolve().parent.parent / "docs" / "examples"
SPARK_HOME = Path(pyspark.__file__).resolve().parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _wait_for(log: Path, words: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if words in log.read_text(errors="replace"):
            return
        if process.poll() is not None:
            break
        time.sleep(0.5)
    pytest.fail(f"the Spark cluster did not start: {log.read_text(errors='replace')[-2000:]}")


@pytest.fixture(scope="module")
def master(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A standalone Spark cluster on 127.0.0.1; its master's address."""
    home = tmp_path_factory.mktemp("spark-cluster")
    env = {"SPARK_HOME": str(SPARK_HOME), "SPARK_LOCAL_DIRS": str(home / "local"),
           "PATH": "/usr/bin:/bin", "SPARK_LOCAL_IP": "127.0.0.1"}  # fmt: skip
    (home / "local").mkdir()
    port = _free_port()
    address = f"spark://127.0.0.1:{port}"
    spark_class = str(SPARK_HOME / "bin" / "spark-class")
    started: list[subprocess.Popen[bytes]] = []
    try:
        with (home / "master.log").open("wb") as log:
            started.append(
                subprocess.Popen(
                    [
                        spark_class,
                        "org.apache.spark.deploy.master.Master",
                        "--host",
                        "127.0.0.1",
                        "--port",
                        str(port),
                        "--webui-port",
                        str(_free_port()),
                    ],
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            )
        _wait_for(home / "master.log", "ALIVE", started[0])
        with (home / "worker.log").open("wb") as log:
            started.append(
                subprocess.Popen(
                    [
                        spark_class,
                        "org.apache.spark.deploy.worker.Worker",
                        "--host",
                        "127.0.0.1",
                        "--cores",
                        "2",
                        "--memory",
                        "2g",
                        "--work-dir",
                        str(home / "work"),
                        "--webui-port",
                        str(_free_port()),
                        address,
                    ],
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            )
        _wait_for(home / "worker.log", "Successfully registered with master", started[1])
        yield address
    finally:
        for process in reversed(started):
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        shutil.rmtree(home, ignore_errors=True)


def test_the_link_command_runs_on_a_spark_cluster(
    master: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Given the documented example list and a Spark cluster, when `amanat link
    --spark MASTER` links it, then every row has the cluster and outcome linking on
    DuckDB gives it, and the man written in three scripts is one person."""
    shutil.copy(EXAMPLES / "link-list.csv", tmp_path / "list.csv")
    args = ["link", str(tmp_path / "list.csv"), "--mapping",
            str(EXAMPLES / "link-list.mapping.yaml")]  # fmt: skip
    assert main([*args, "--out", str(tmp_path / "here.csv")]) == 0
    code = main([*args, "--out", str(tmp_path / "there.csv"), "--spark", master, "--memory", "1GB"])
    assert code == 0, capsys.readouterr().err

    def clusters(name: str) -> list[tuple[str, str, str]]:
        with (tmp_path / name).open(encoding="utf-8-sig", newline="") as f:
            return [(r["No"], r["cluster"], r["outcome"]) for r in csv.DictReader(f)]

    assert clusters("there.csv") == clusters("here.csv")
    by_no = {no: cluster for no, cluster, _ in clusters("there.csv")}
    assert by_no["1"] == by_no["2"] == by_no["3"] != by_no["9"]

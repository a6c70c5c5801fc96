"""Publishing to and pulling from a real S3-compatible server (moto's server mode on loopback).

boto3 talks HTTP to the server exactly as to any other store; nothing in the client is
replaced. The bad days are real too: a corrupted checksum, a CURRENT naming an object that is
not there, and a download cut off mid-body by a proxy that closes the connection.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from ingest import object_store, publication
from ingest.cli import app
from ingest.snapshot import new_snapshot_name, partial_path, publish
from tests.app_server import free_port

BUCKET = "uptake-test"


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.fixture(autouse=True)
def credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)


@pytest.fixture
def store(endpoint: str, request: pytest.FixtureRequest) -> object_store.Location:
    """A fresh prefix per test in one bucket, so tests never see each other's CURRENT."""
    s3 = object_store.client(endpoint)
    existing = {b["Name"] for b in s3.list_buckets().get("Buckets", [])}
    if BUCKET not in existing:
        s3.create_bucket(Bucket=BUCKET)
    return object_store.Location(BUCKET, f"city/{request.node.name}")


def make_snapshot(data_dir: Path, run_id: int, rows: int = 20_000) -> str:
    """Publish a real DuckDB snapshot file into `data_dir` and return its name."""
    data_dir.mkdir(parents=True, exist_ok=True)
    name = new_snapshot_name(run_id, dt.datetime(2026, 12, 1, 12, 0, run_id, tzinfo=dt.UTC))
    partial = partial_path(data_dir, name)
    with duckdb.connect(str(partial)) as con:
        con.execute(
            "CREATE TABLE facts AS SELECT range AS n, md5(range::VARCHAR) AS h, ? AS run "
            "FROM range(?)",
            [run_id, rows],
        )
    publish(data_dir, partial, name)
    return name


def current_name(data_dir: Path) -> str | None:
    found = publication.current(data_dir)
    return found.path.name if isinstance(found, publication.Published) else None


def run_cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.output


def test_publish_then_pull_makes_the_same_snapshot_current_on_a_replica(
    endpoint: str, store: object_store.Location, tmp_path: Path
) -> None:
    builder, replica = tmp_path / "builder", tmp_path / "replica"
    name = make_snapshot(builder, 1)

    code, output = run_cli(
        "publish", "--to", str(store), "--data-dir", str(builder), "--endpoint-url", endpoint
    )
    assert code == 0, output
    assert f"{name} is now current" in output
    code, output = run_cli(
        "pull", "--from", str(store), "--data-dir", str(replica), "--endpoint-url", endpoint
    )
    assert code == 0, output

    assert current_name(replica) == name
    assert (replica / name).read_bytes() == (builder / name).read_bytes()
    with duckdb.connect(str(replica / name), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM facts").fetchone() == (20_000,)
    s3 = object_store.client(endpoint)
    sidecar = s3.get_object(Bucket=BUCKET, Key=store.key(name + ".sha256"))["Body"].read()
    digest = hashlib.sha256((builder / name).read_bytes()).hexdigest()
    assert sidecar.decode() == f"{digest}  {name}\n"
    assert not list(replica.glob("*.partial"))


def test_a_new_publication_is_pulled_and_repeating_either_step_changes_nothing(
    endpoint: str, store: object_store.Location, tmp_path: Path
) -> None:
    builder, replica = tmp_path / "builder", tmp_path / "replica"
    s3 = object_store.client(endpoint)
    first = make_snapshot(builder, 1)
    object_store.publish_snapshot(builder, store, s3)
    object_store.pull_snapshot(store, replica, s3)

    assert object_store.publish_snapshot(builder, store, s3).changed is False
    assert object_store.pull_snapshot(store, replica, s3).changed is False

    second = make_snapshot(builder, 2)
    assert object_store.publish_snapshot(builder, store, s3).changed is True
    assert current_name(replica) == first
    assert object_store.pull_snapshot(store, replica, s3) == object_store.Outcome(second, True)
    assert current_name(replica) == second
    # The previous file stays: a session still reading it is not cut off.
    assert (replica / first).is_file()


def test_a_checksum_mismatch_is_not_pulled_and_the_previous_snapshot_stays_current(
    endpoint: str, store: object_store.Location, tmp_path: Path
) -> None:
    builder, replica = tmp_path / "builder", tmp_path / "replica"
    s3 = object_store.client(endpoint)
    first = make_snapshot(builder, 1)
    object_store.publish_snapshot(builder, store, s3)
    object_store.pull_snapshot(store, replica, s3)
    second = make_snapshot(builder, 2)
    object_store.publish_snapshot(builder, store, s3)
    # The object changes after its checksum was written (a corrupted or replaced upload).
    s3.put_object(Bucket=BUCKET, Key=store.key(second), Body=b"not the snapshot")

    code, output = run_cli(
        "pull", "--from", str(store), "--data-dir", str(replica), "--endpoint-url", endpoint
    )

    assert code == 2
    assert "not pulled" in output and "sha256" in output
    assert current_name(replica) == first
    assert not (replica / second).exists()
    assert not list(replica.glob("*.partial"))


def test_current_naming_a_missing_object_is_reported_and_nothing_changes(
    endpoint: str, store: object_store.Location, tmp_path: Path
) -> None:
    builder, replica = tmp_path / "builder", tmp_path / "replica"
    s3 = object_store.client(endpoint)
    first = make_snapshot(builder, 1)
    object_store.publish_snapshot(builder, store, s3)
    object_store.pull_snapshot(store, replica, s3)
    gone = new_snapshot_name(9, dt.datetime(2026, 12, 2, tzinfo=dt.UTC))
    s3.put_object(Bucket=BUCKET, Key=store.key("CURRENT"), Body=f"{gone}\n".encode())

    with pytest.raises(object_store.ObjectStoreError, match=gone):
        object_store.pull_snapshot(store, replica, s3)

    assert current_name(replica) == first


def test_a_current_that_is_not_a_snapshot_name_never_becomes_a_local_path(
    endpoint: str, store: object_store.Location, tmp_path: Path
) -> None:
    s3 = object_store.client(endpoint)
    s3.put_object(Bucket=BUCKET, Key=store.key("CURRENT"), Body=b"../../outside.duckdb\n")

    with pytest.raises(object_store.ObjectStoreError, match="not a snapshot file name"):
        object_store.pull_snapshot(store, tmp_path / "replica", s3)

    assert not (tmp_path / "outside.duckdb").exists()
    assert current_name(tmp_path / "replica") is None


def test_publishing_with_nothing_built_fails_clearly_and_writes_no_current(
    endpoint: str, store: object_store.Location, tmp_path: Path
) -> None:
    code, output = run_cli(
        "publish", "--to", str(store), "--data-dir", str(tmp_path), "--endpoint-url", endpoint
    )

    assert code == 2
    assert "no snapshot to publish" in output
    assert object_store.remote_current(object_store.client(endpoint), store) is None


class CuttingProxy:
    """A loopback TCP proxy that forwards requests but closes each connection once it has
    passed `limit` bytes of response: a download interrupted by the network."""

    def __init__(self, upstream_port: int, limit: int) -> None:
        self.upstream_port, self.limit = upstream_port, limit
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.upstream_port))
            threading.Thread(target=self._pipe, args=(client, upstream, None), daemon=True).start()
            threading.Thread(
                target=self._pipe, args=(upstream, client, self.limit), daemon=True
            ).start()

    @staticmethod
    def _pipe(source: socket.socket, target: socket.socket, limit: int | None) -> None:
        passed = 0
        try:
            while data := source.recv(65536):
                if limit is not None and passed + len(data) > limit:
                    target.sendall(data[: limit - passed])
                    break
                target.sendall(data)
                passed += len(data)
        except OSError:
            pass
        for sock in (source, target):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def close(self) -> None:
        self.listener.close()


def test_an_interrupted_download_leaves_the_previous_snapshot_current_and_no_partial(
    endpoint: str, store: object_store.Location, tmp_path: Path
) -> None:
    builder, replica = tmp_path / "builder", tmp_path / "replica"
    s3 = object_store.client(endpoint)
    first = make_snapshot(builder, 1)
    object_store.publish_snapshot(builder, store, s3)
    object_store.pull_snapshot(store, replica, s3)
    second = make_snapshot(builder, 2, rows=200_000)
    object_store.publish_snapshot(builder, store, s3)
    assert (builder / second).stat().st_size > 1_000_000
    proxy = CuttingProxy(int(endpoint.rsplit(":", 1)[1]), limit=300_000)
    try:
        with pytest.raises(object_store.ObjectStoreError, match="pulling from"):
            object_store.pull_snapshot(
                store, replica, object_store.client(f"http://127.0.0.1:{proxy.port}")
            )
    finally:
        proxy.close()

    assert current_name(replica) == first
    assert not (replica / second).exists()
    assert not list(replica.glob("*.partial*"))
    # Once the network is back, the same pull succeeds.
    assert object_store.pull_snapshot(store, replica, s3).name == second

"""Publish the current snapshot to S3-compatible object storage, and pull it on each replica.

Several app replicas must serve one immutable snapshot, so a build publishes once to an
object store and every replica pulls from it into its own data folder. The store follows the
same rule as a data folder (`ingest/publication.py`): versioned snapshot objects that never
change, and a CURRENT object naming one of them. Order makes it safe:

- publish uploads `PREFIX/NAME`, then its checksum `PREFIX/NAME.sha256` (`sha256sum` format),
  checks that the store holds both at the right size, and only then writes `PREFIX/CURRENT`.
  A half-uploaded snapshot is never named.
- pull reads CURRENT, downloads the object to `NAME.partial`, checks its sha256 against the
  sidecar, and only then renames it and replaces the local CURRENT atomically. A pull that
  fails leaves the previous snapshot current and no partial file behind.

Any S3-compatible store works: the endpoint and credentials come from boto3's own settings
(`AWS_ENDPOINT_URL`, `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_DEFAULT_REGION`, or a
profile), or the endpoint from `--endpoint-url`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from ingest import publication
from ingest.snapshot import SNAPSHOT_NAME, partial_path, prune, publish

# boto3 builds its clients at run time; there is no class to name in a hint.
S3Client = Any

CHECKSUM_SUFFIX = ".sha256"
CHUNK = 1024 * 1024


class ObjectStoreError(RuntimeError):
    """Publishing or pulling failed; what was current before is still current."""


@dataclass(frozen=True)
class Location:
    """An `s3://BUCKET/PREFIX` address; keys are the prefix plus a file name."""

    bucket: str
    prefix: str

    @classmethod
    def parse(cls, url: str) -> Location:
        parsed = urlparse(url)
        if parsed.scheme != "s3" or not parsed.netloc:
            raise ObjectStoreError(f"'{url}' is not an s3://BUCKET/PREFIX address")
        return cls(parsed.netloc, parsed.path.strip("/"))

    def key(self, name: str) -> str:
        return f"{self.prefix}/{name}" if self.prefix else name

    def __str__(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}".rstrip("/")


@dataclass(frozen=True)
class Outcome:
    """What a publish or pull did: the snapshot name and whether anything changed."""

    name: str
    changed: bool


def client(endpoint_url: str | None = None) -> S3Client:
    """A boto3 S3 client; without `endpoint_url`, boto3's own configuration decides."""
    import boto3
    from botocore.config import Config

    # Path-style addressing works with every S3-compatible server (MinIO, Ceph, Garage, moto);
    # a few retries ride over a dropped connection without hiding a real outage.
    config = Config(s3={"addressing_style": "path"}, retries={"max_attempts": 3})
    return boto3.client("s3", endpoint_url=endpoint_url or None, config=config)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _checked_name(name: str, where: str) -> str:
    """A snapshot name read from a store is untrusted: it becomes a local file name."""
    if not SNAPSHOT_NAME.match(name):
        raise ObjectStoreError(f"{where} names '{name[:80]}', which is not a snapshot file name")
    return name


def _read_text(s3: S3Client, location: Location, name: str) -> str | None:
    """A small object's text, or None when it does not exist."""
    from botocore.exceptions import ClientError

    try:
        body = s3.get_object(Bucket=location.bucket, Key=location.key(name))["Body"]
        return body.read(4096).decode("utf-8").strip()
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in {"NoSuchKey", "404"}:
            return None
        raise


def _remote_checksum(s3: S3Client, location: Location, name: str) -> str | None:
    text = _read_text(s3, location, name + CHECKSUM_SUFFIX)
    if text is None:
        return None
    digest = text.split()[0] if text.split() else ""
    if len(digest) != 64 or any(ch not in "0123456789abcdef" for ch in digest):
        raise ObjectStoreError(f"{location}/{name}{CHECKSUM_SUFFIX} holds no sha256 checksum")
    return digest


def remote_current(s3: S3Client, location: Location) -> str | None:
    """The snapshot name the store's CURRENT holds, or None when nothing was published."""
    name = _read_text(s3, location, publication.CURRENT_FILE)
    return _checked_name(name, f"{location}/CURRENT") if name else None


def publish_snapshot(data_dir: Path, location: Location, s3: S3Client) -> Outcome:
    """Upload the data folder's current snapshot and its checksum, verify them, then point the
    store's CURRENT at it. Re-publishing the same snapshot uploads nothing."""
    from boto3.exceptions import Boto3Error
    from botocore.exceptions import BotoCoreError, ClientError

    found = publication.current(data_dir)
    if isinstance(found, publication.NotPublished):
        raise ObjectStoreError(
            f"no snapshot to publish in {found.data_dir} ({found.reason}): "
            "run `python -m ingest build` first"
        )
    name, path = found.path.name, found.path
    _checked_name(name, f"{data_dir}/CURRENT")
    digest = sha256_of(path)
    try:
        if _remote_checksum(s3, location, name) != digest:
            s3.upload_file(
                str(path),
                location.bucket,
                location.key(name),
                ExtraArgs={"Metadata": {"sha256": digest}},
            )
            s3.put_object(
                Bucket=location.bucket,
                Key=location.key(name + CHECKSUM_SUFFIX),
                Body=f"{digest}  {name}\n".encode(),
            )
        head = s3.head_object(Bucket=location.bucket, Key=location.key(name))
        if head["ContentLength"] != path.stat().st_size:
            raise ObjectStoreError(
                f"{location}/{name} holds {head['ContentLength']} bytes, the snapshot "
                f"{path.stat().st_size}: CURRENT left unchanged"
            )
        if _remote_checksum(s3, location, name) != digest:
            raise ObjectStoreError(f"{location}/{name}{CHECKSUM_SUFFIX} does not match")
        if remote_current(s3, location) == name:
            return Outcome(name, changed=False)
        s3.put_object(
            Bucket=location.bucket,
            Key=location.key(publication.CURRENT_FILE),
            Body=f"{name}\n".encode(),
        )
    except (Boto3Error, BotoCoreError, ClientError) as error:
        raise ObjectStoreError(f"publishing {name} to {location} failed: {error}") from None
    return Outcome(name, changed=True)


def pull_snapshot(location: Location, data_dir: Path, s3: S3Client) -> Outcome:
    """Make the store's current snapshot the data folder's current one: download, verify the
    checksum, rename, replace CURRENT. Nothing changes locally unless every step succeeds."""
    from boto3.exceptions import Boto3Error
    from botocore.exceptions import BotoCoreError, ClientError

    name: str | None = None
    try:
        name = remote_current(s3, location)
        if name is None:
            raise ObjectStoreError(f"{location} has no CURRENT: publish a snapshot first")
        local = publication.current(data_dir)
        if isinstance(local, publication.Published) and local.path.name == name:
            return Outcome(name, changed=False)
        expected = _remote_checksum(s3, location, name)
        if expected is None:
            raise ObjectStoreError(
                f"{location}/CURRENT names {name}, which has no {CHECKSUM_SUFFIX}: not pulled"
            )
        data_dir.mkdir(parents=True, exist_ok=True)
        partial = partial_path(data_dir, name)
        try:
            s3.download_file(location.bucket, location.key(name), str(partial))
            actual = sha256_of(partial)
            if actual != expected:
                raise ObjectStoreError(
                    f"{location}/{name} has sha256 {actual}, its checksum says {expected}: "
                    "not pulled"
                )
            publish(data_dir, partial, name)
        finally:
            partial.unlink(missing_ok=True)
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code")
        if code in {"NoSuchKey", "404"}:
            raise ObjectStoreError(
                f"{location}/CURRENT names {name}, which the store does not hold: not pulled"
            ) from None
        raise ObjectStoreError(f"pulling from {location} failed: {error}") from None
    except (Boto3Error, BotoCoreError, OSError) as error:
        # Boto3Error covers a download cut short (retries exhausted), OSError a full disk.
        raise ObjectStoreError(f"pulling from {location} failed: {error}") from None
    prune(data_dir)
    return Outcome(name, changed=True)

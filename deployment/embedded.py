"""The embedded deployment behind `lading up`: catalog, queue, importer and scanner served on
one port, one analyzer polling that same port, and one SQLite file in the data directory."""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import signal
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import grpc
import structlog

from analyzer_svc.worker import Analyzer
from catalog_svc.images import ImageCatalog
from catalog_svc.queue import TaskQueue
from catalog_svc.queue_service import AnalysisQueueService
from catalog_svc.registries import RegistryStore
from catalog_svc.service import CatalogService
from catalog_svc.tables import create_tables as create_catalog_tables
from common import logging as lading_logging
from common.analyzer_token import AnalyzerTokenError, load_or_create
from common.db import SQLITE_FILE, create_engine, session_factory, sqlite_url
from common.secretbox import SecretBox, SecretKeyError
from importer_svc.service import ImporterService
from protos import catalog_pb2_grpc, importer_pb2_grpc, queue_pb2_grpc, scanner_pb2_grpc
from scanner_svc.catalog_client import CatalogSbomProvider
from scanner_svc.service import ScannerServicer
from scanner_svc.tables import create_tables as create_scanner_tables

log = structlog.get_logger("lading.up")

# Messages up to this size (bytes) pass: an SBOM lists every file its packages own.
MAX_MESSAGE_BYTES = 256 * 1024 * 1024
# How often expired leases are looked for, in seconds.
REAPER_INTERVAL_SECONDS = 30.0
# How long in-flight calls may finish when stopping, in seconds.
SHUTDOWN_GRACE_SECONDS = 5.0

CHANNEL_OPTIONS = [
    ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
    ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
]
# A second deployment must not share the port: gRPC would otherwise split calls between them.
SERVER_OPTIONS = [*CHANNEL_OPTIONS, ("grpc.so_reuseport", 0)]
LOCK_FILE = "lading.lock"


class StartupError(Exception):
    """The deployment cannot start (the address is taken, the data dir is unusable)."""


@dataclass(frozen=True, slots=True)
class EmbeddedSettings:
    data_dir: Path
    listen: str
    lease_seconds: float = 3600.0
    log_level: str = "info"
    log_json: bool = False


def local_address(listen: str, port: int) -> str:
    """Where the in-process analyzer reaches the server: loopback for wildcard binds."""
    host = listen.rsplit(":", 1)[0]
    if host in ("", "0.0.0.0", "[::]", "::"):
        host = "127.0.0.1"
    return f"{host}:{port}"


def hold_data_dir(data_dir: Path) -> IO[bytes]:
    """Lock the data directory for this process: two deployments on one database would
    re-queue each other's tasks. The lock ends with the process."""
    handle = (data_dir / LOCK_FILE).open("ab")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError as error:
        handle.close()
        raise StartupError(
            f"another lading up is using the data directory {data_dir}; stop it or choose "
            "another --data-dir"
        ) from error
    return handle


def restrict_database_files(data_dir: Path) -> None:
    """Make the database readable by its owner only: it holds (encrypted) registry secrets
    and everything known about the images."""
    for path in data_dir.glob(f"{SQLITE_FILE}*"):
        path.chmod(0o600)


async def serve(settings: EmbeddedSettings, stop: asyncio.Event) -> None:
    """Run until `stop` is set, then stop the analyzer first so its tasks are re-queued."""
    try:
        settings.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        lock = hold_data_dir(settings.data_dir)
        secrets = SecretBox.for_data_dir(settings.data_dir)
        token = load_or_create(settings.data_dir)
    except (OSError, SecretKeyError, AnalyzerTokenError) as error:
        raise StartupError(f"cannot use the data directory {settings.data_dir}: {error}") from error

    engine = create_engine(sqlite_url(settings.data_dir))
    await create_catalog_tables(engine)
    await create_scanner_tables(engine)
    restrict_database_files(settings.data_dir)
    sessions = session_factory(engine)

    queue = TaskQueue(sessions, lease_seconds=settings.lease_seconds)
    registries = RegistryStore(sessions, secrets)
    images = ImageCatalog(sessions, queue, registries)
    # Whatever was leased when this deployment last stopped died with its analyzer.
    await queue.release_all(why="deployment restarted")

    server = grpc.aio.server(options=SERVER_OPTIONS)
    try:
        port = server.add_insecure_port(settings.listen)
    except RuntimeError as error:
        await engine.dispose()
        raise StartupError(
            f"cannot listen on {settings.listen}: the address is in use or invalid"
        ) from error
    address = local_address(settings.listen, port)
    channel = grpc.aio.insecure_channel(address, options=CHANNEL_OPTIONS)

    catalog_pb2_grpc.add_CatalogServicer_to_server(CatalogService(images, registries), server)
    queue_pb2_grpc.add_AnalysisQueueServicer_to_server(
        AnalysisQueueService(queue, registries, token), server
    )
    importer_pb2_grpc.add_ImporterServicer_to_server(ImporterService(), server)
    scanner_pb2_grpc.add_ScannerServicer_to_server(
        ScannerServicer(sessions, CatalogSbomProvider(channel)), server
    )
    await server.start()

    host = settings.listen.rsplit(":", 1)[0].strip("[]")
    if host not in ("127.0.0.1", "localhost", "::1"):
        log.warning(
            "listening_beyond_loopback",
            listen=settings.listen,
            why="RPCs are not authenticated yet: anyone who reaches this address can add "
            "images, including local paths of this machine",
        )
    analyzer = Analyzer(channel, token=token)
    background = [
        asyncio.create_task(analyzer.run(), name="analyzer"),
        asyncio.create_task(queue.run_reaper(REAPER_INTERVAL_SECONDS), name="lease-reaper"),
    ]
    log.info(
        "lading_up",
        listen=f"{settings.listen.rsplit(':', 1)[0]}:{port}",
        data_dir=str(settings.data_dir),
        analyzer_id=analyzer.analyzer_id,
    )

    await stop.wait()
    log.info("lading_stopping")
    for task in background:
        task.cancel()
    for task in background:
        with contextlib.suppress(asyncio.CancelledError):
            await task
    await queue.release_all(why="analyzer shutdown")
    await server.stop(SHUTDOWN_GRACE_SECONDS)
    await channel.close(grace=None)
    await engine.dispose()
    lock.close()
    log.info("lading_stopped")


def run(settings: EmbeddedSettings) -> None:
    """Serve until SIGINT or SIGTERM."""
    lading_logging.configure(settings.log_level, settings.log_json)

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        await serve(settings, stop)

    try:
        asyncio.run(main())
    except StartupError as error:
        log.error("lading_failed_to_start", reason=str(error))
        raise SystemExit(2) from error

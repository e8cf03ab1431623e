"""Webhooks kept on the API's own disk while Redis cannot take them, replayed when it can.

Twilio does not retry an inbound-message webhook (it calls a fallback URL if one is set), so a
503 is a lost message. When storing in Redis fails, the webhook (already checked: its
signature, its fields) is appended to a local spool file and fsync'd before Twilio gets its 200,
as RapidPro's courier does. A replayer in every API process stores the spooled messages in
Redis, oldest first, when Redis answers again; the store script dedupes by MessageSid, so a
message replayed twice (a crash in the middle of a replay) is stored once.

While this process has anything spooled, new webhooks are spooled too, behind the older ones:
a person's messages reach Redis in the order they arrived here.

Each record is one line, encrypted with CONTACT_ENCRYPTION_KEY (the number and the text are
never on disk in the clear); files are mode 600, one per process and period, named so that
they sort oldest first, under DATA_DIR/spool/<the Redis they are for>/. A file is locked
(flock) by the process writing it, then by the one replaying it: the spool of a process that
died is replayed by whichever API process starts next on the same machine.
"""

from __future__ import annotations

import asyncio
import fcntl
import hashlib
import json
import logging
import os
import time
from pathlib import Path

from cryptography.fernet import InvalidToken
from redis.exceptions import RedisError

from engine.identity import Contact, sealing_keys
from engine.inbox import InboundMessage, Inbox
from engine.storage import transient

log = logging.getLogger("remi.spool")

SUFFIX = ".spool"
REJECTED = "rejected.jsonl.enc"  # records Redis refused for good (not for being away): kept for a person to look at


def directory_for(data_dir: Path, redis_url: str) -> Path:
    """One spool per Redis: messages are replayed only into the Redis they were meant for."""
    return data_dir / "spool" / hashlib.sha256(redis_url.encode()).hexdigest()[:12]


class Spool:
    def __init__(self, directory: Path, inbox: Inbox, key: str, poll_seconds: float = 0.5):
        self.dir, self.inbox, self.poll = directory, inbox, poll_seconds
        self._fernet = sealing_keys(key)
        self._lock = asyncio.Lock()
        self._fd: int | None = None  # the file this process appends to, locked while open
        self._path: Path | None = None
        self.dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.backlog = bool(self._files())  # anything left by an earlier run is replayed first

    def _files(self) -> list[Path]:
        return sorted(self.dir.glob("*" + SUFFIX))

    @property
    def active(self) -> bool:
        """Whether new webhooks must go behind spooled ones."""
        return self.backlog

    # -- keeping ------------------------------------------------------------------------------
    async def keep(self, message: InboundMessage, contact: Contact) -> None:
        """Append the message to the spool, on disk (fsync) before this returns."""
        record = {"fields": message.to_fields(), "address": contact.address, "channel": contact.channel}
        line = self._fernet.encrypt(json.dumps(record).encode()) + b"\n"
        async with self._lock:
            await asyncio.to_thread(self._append, line)
            self.backlog = True

    def _append(self, line: bytes) -> None:
        if self._fd is None:
            path = self.dir / f"{time.time_ns():020d}-{os.getpid()}{SUFFIX}"
            fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            fcntl.flock(fd, fcntl.LOCK_EX)
            self._fd, self._path = fd, path
            dir_fd = os.open(self.dir, os.O_RDONLY)  # the new name must survive a crash too
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)
        os.write(self._fd, line)
        os.fsync(self._fd)

    def _close_current(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # releases the flock: the replayer can take the file
            self._fd, self._path = None, None

    # -- replaying ----------------------------------------------------------------------------
    async def run(self, stopping: asyncio.Event) -> None:
        """Replay whenever there is something spooled and Redis answers."""
        while not stopping.is_set():
            if self.backlog or self._files():
                try:
                    await self.replay()
                except Exception as exc:  # never let the replayer die: the next round tries again
                    log.warning("spool: replay stopped (%s)", type(exc).__name__)
            await asyncio.sleep(self.poll)

    async def replay(self) -> int:
        """Store every spooled message, oldest first; returns how many were replayed. Stops at
        the first sign that Redis is still away (the rest stays for the next round)."""
        try:
            await self.inbox.redis.ping()
        except RedisError:
            return 0
        async with self._lock:
            self._close_current()  # new webhooks go to a new file, replayed next round
        replayed = 0
        for path in self._files():
            done, count = await self._replay_file(path)
            replayed += count
            if not done:
                return replayed
        async with self._lock:
            if self._fd is None and not self._files():
                self.backlog = False
        if replayed:
            log.info("spool: %d message(s) replayed into redis", replayed)
        return replayed

    async def _replay_file(self, path: Path) -> tuple[bool, int]:
        try:
            fd = os.open(path, os.O_RDONLY)
        except FileNotFoundError:
            return True, 0  # another process replayed it meanwhile
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return True, 0  # being written by a live process, or replayed by another
            if not path.exists():
                return True, 0
            with os.fdopen(os.dup(fd), "rb") as fh:
                lines = fh.read().splitlines()
            count = 0
            for line in lines:
                if not line.strip():
                    continue
                if not await self._replay_line(line):
                    return False, count
                count += 1
            path.unlink()
            return True, count
        finally:
            os.close(fd)

    async def _replay_line(self, line: bytes) -> bool:
        try:
            record = json.loads(self._fernet.decrypt(line))
        except (InvalidToken, ValueError):
            log.error("spool: a record could not be read (wrong key, or cut short by a crash): set aside")
            self._reject(line)
            return True
        message = InboundMessage.from_fields(record["fields"])
        contact = Contact(record["address"], record["channel"])
        try:
            outcome = await self.inbox.store(message, contact, received_ms=int(message.received_at * 1000))
        except RedisError as exc:
            if transient(exc):
                return False
            log.error("spool: redis refused message %s (%s): set aside", message.sid, type(exc).__name__)
            self._reject(line)
            return True
        log.info("inbound %s %s (from the spool)", message.sid, outcome)
        return True

    def _reject(self, line: bytes) -> None:
        fd = os.open(self.dir / REJECTED, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, line.rstrip(b"\n") + b"\n")
            os.fsync(fd)
        finally:
            os.close(fd)

    def close(self) -> None:
        self._close_current()

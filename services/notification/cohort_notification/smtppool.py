"""SMTP connections kept open and reused across deliveries.

Opening a connection costs a TCP handshake, EHLO, often STARTTLS and AUTH: several round
trips per message when each delivery connects anew. The pool keeps up to `size` sessions
open and hands each to one delivery at a time (an SMTP session carries one transaction at a
time). A session that fails in any way is closed, never reused: a refused recipient or a
4xx in the middle of a transaction leaves the session in a state not worth reasoning
about. A session idle longer than `idle_seconds` is closed before use, since servers drop
idle clients (RFC 5321 §4.5.3.2 lets them after 5 minutes) and a dead session would cost a
failed attempt; one that the server closed anyway is noticed on the first command and the
message is sent once more on a fresh session, before anything was accepted.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass, field
from email.message import EmailMessage

import aiosmtplib

from .settings import NotificationSettings


@dataclass
class _Session:
    smtp: aiosmtplib.SMTP
    last_used: float = field(default_factory=time.monotonic)
    sent: int = 0


class SmtpPool:
    def __init__(self, settings: NotificationSettings) -> None:
        self.s = settings
        self._idle: list[_Session] = []
        self._slots = asyncio.Semaphore(max(1, settings.smtp_connections))
        self.opened = 0  # sessions opened since start (read by tests and the benchmark)

    async def send(self, msg: EmailMessage) -> None:
        """Send one message; raises aiosmtplib/OS errors exactly as `aiosmtplib.send` does."""
        async with self._slots:
            session, reused = await self._take()
            try:
                await self._send_on(session, msg)
            except aiosmtplib.SMTPServerDisconnected:
                self._discard(session)
                if not reused:
                    raise
                # The server closed a kept session before this message: nothing was accepted.
                session = await self._open()
                try:
                    await self._send_on(session, msg)
                except BaseException:
                    self._discard(session)
                    raise
            except BaseException:
                self._discard(session)
                raise
            await self._give_back(session)

    async def _send_on(self, session: _Session, msg: EmailMessage) -> None:
        await session.smtp.send_message(msg)
        session.sent += 1
        session.last_used = time.monotonic()

    async def _take(self) -> tuple[_Session, bool]:
        while self._idle:
            session = self._idle.pop()
            fresh = time.monotonic() - session.last_used < self.s.smtp_idle_seconds
            if fresh and session.smtp.is_connected:
                return session, True
            await self._quit(session)
        return await self._open(), False

    async def _open(self) -> _Session:
        smtp = aiosmtplib.SMTP(
            hostname=self.s.smtp_host,
            port=self.s.smtp_port,
            start_tls=self.s.smtp_starttls,
            use_tls=self.s.smtp_use_tls,
            validate_certs=self.s.smtp_validate_certs,
            username=self.s.smtp_username,
            password=self.s.smtp_password,
            timeout=self.s.smtp_timeout,
        )
        await smtp.connect()  # STARTTLS and AUTH happen here when configured
        self.opened += 1
        return _Session(smtp)

    async def _give_back(self, session: _Session) -> None:
        if session.sent >= self.s.smtp_messages_per_connection:
            await self._quit(session)  # some servers limit messages per session
        else:
            self._idle.append(session)

    def _discard(self, session: _Session) -> None:
        session.smtp.close()

    async def _quit(self, session: _Session) -> None:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(session.smtp.quit(), 2)
        session.smtp.close()

    async def aclose(self) -> None:
        idle, self._idle = self._idle, []
        await asyncio.gather(*(self._quit(s) for s in idle))

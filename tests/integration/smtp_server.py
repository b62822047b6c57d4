"""A real SMTP server on loopback for the mail tests (aiosmtpd), able to misbehave on demand."""

from __future__ import annotations

import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiosmtpd.controller import Controller


@dataclass
class Handler:
    """Accepts everything unless told otherwise; ``received`` holds each accepted message."""

    received: list[bytes] = field(default_factory=list)
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)
    rcpt_reply: dict[str, str] = field(default_factory=dict)  # address -> reply
    data_reply: str | None = None
    drop_at_rcpt: bool = False
    drop_after_data: bool = False
    on_data: Callable[[], None] | None = None  # runs when the message data has arrived

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, _o: Any
    ) -> str:
        if self.drop_at_rcpt:
            server.transport.close()
            return "250 OK"
        if address in self.rcpt_reply:
            return self.rcpt_reply[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.on_data is not None:
            self.on_data()
        if self.data_reply:
            return self.data_reply
        self.received.append(envelope.original_content)
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        if self.drop_after_data:  # the message arrived, but the client never hears so
            server.transport.close()
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, handler: Handler, port: int, **kwargs: Any) -> None:
        self.handler, self.port, self.kwargs = handler, port, kwargs
        self.controller: Controller | None = None

    def start(self) -> Server:
        self.controller = Controller(
            self.handler, hostname="127.0.0.1", port=self.port, **self.kwargs
        )
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

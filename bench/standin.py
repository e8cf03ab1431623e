"""The Twilio stand-in (tools/twilio_standin.py) in a process of its own, so that the load
generator's work never delays it: it records when each reply arrives and streams every arrival
(to, body, time) back to the benchmark. Its delay can be changed between measurements."""

from __future__ import annotations

import multiprocessing as mp
import threading
from collections.abc import Callable
from dataclasses import dataclass

from tools.twilio_standin import SentMessage, TwilioStandIn


@dataclass
class Arrival:
    to: str
    body: str
    at: float  # time.time() when the request reached the stand-in (before any delay)


class _Forwarding(list):
    """The stand-in's message list: keeps nothing (a long run would grow it), forwards each."""

    def __init__(self, conn) -> None:
        super().__init__()
        self.conn = conn

    def append(self, message: SentMessage) -> None:  # called under the stand-in's lock
        self.conn.send((message.to, message.body, message.received_at))


def _serve(account_sid: str, auth_token: str, arrivals, control) -> None:
    standin = TwilioStandIn(account_sid, auth_token, messages=_Forwarding(arrivals)).start()
    control.send(standin.port)
    while True:
        command, value = control.recv()
        if command == "delay":
            standin.delay = float(value)
            control.send("ok")
        elif command == "stop":
            standin.stop()
            control.send("ok")
            return


class StandInProcess:
    def __init__(self, account_sid: str, auth_token: str, on_arrival: Callable[[Arrival], None]):
        ctx = mp.get_context("spawn")
        self._arrivals_r, arrivals_w = ctx.Pipe(duplex=False)
        self._control, child_control = ctx.Pipe()
        self.process = ctx.Process(
            target=_serve, args=(account_sid, auth_token, arrivals_w, child_control), name="twilio-standin", daemon=True
        )
        self.process.start()
        if not self._control.poll(30):
            raise RuntimeError("the Twilio stand-in did not start")
        self.port: int = self._control.recv()
        self.on_arrival = on_arrival
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _read(self) -> None:
        while True:
            try:
                to, body, at = self._arrivals_r.recv()
            except (EOFError, OSError):
                return
            self.on_arrival(Arrival(to, body, at))

    def set_delay(self, seconds: float) -> None:
        self._control.send(("delay", seconds))
        self._control.recv()

    def stop(self) -> None:
        if self.process.is_alive():
            self._control.send(("stop", None))
            if self._control.poll(5):
                self._control.recv()
            self.process.join(5)
            if self.process.is_alive():
                self.process.terminate()
                self.process.join(5)

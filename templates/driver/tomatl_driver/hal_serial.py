"""The serial transport: a USB-serial port (or a pseudo-terminal) through
pyserial, for :class:`tomatl_driver.protocol.Link`."""

from __future__ import annotations

import time


def _serial():
    try:
        import serial  # type: ignore
    except ImportError as e:  # pragma: no cover - depends on the machine
        raise RuntimeError(
            "pyserial not found: install it with `python3 -m pip install pyserial`"
        ) from e
    return serial


class SerialTransport:
    """A serial port at ``baud``, 8N1, no flow control.

    ``read(n, timeout)`` returns up to ``n`` bytes, blocking at most
    ``timeout`` seconds for the first one; ``write`` sends everything and
    waits until it has left the host's buffer.

    The port's own timeout stays fixed at ``POLL`` seconds (pyserial
    reconfigures the port whenever it changes), and longer waits are made
    of several reads.
    """

    POLL = 0.02

    def __init__(self, port: str, baud: int = 1_000_000):
        serial = _serial()
        self.port = port
        self._s = serial.Serial(
            port,
            baudrate=baud,
            bytesize=serial.EIGHTBITS,
            parity=serial.PARITY_NONE,
            stopbits=serial.STOPBITS_ONE,
            xonxoff=False,
            rtscts=False,
            dsrdtr=False,
            timeout=self.POLL,
        )
        self._s.reset_input_buffer()

    def write(self, data: bytes) -> None:
        self._s.write(data)
        self._s.flush()

    def read(self, n: int, timeout: float) -> bytes:
        deadline = time.monotonic() + timeout
        while True:
            waiting = self._s.in_waiting
            if waiting:
                return self._s.read(min(waiting, n))
            if time.monotonic() >= deadline:
                return b""
            first = self._s.read(1)  # blocks up to POLL
            if first:
                rest = self._s.in_waiting
                return first + (self._s.read(min(rest, n - 1)) if rest and n > 1 else b"")

    def close(self) -> None:
        self._s.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

"""The byte protocol of the tomatl UART bridge (docs/uart-protocol.md).

Every packet, in both directions::

    A5 | CMD | TAG | LEN (2 bytes, little-endian) | PAYLOAD (LEN bytes) | CRC (2 bytes)

with CRC-16/CCITT-FALSE (polynomial 0x1021, init 0xFFFF, no reflection, no
final XOR) over CMD..PAYLOAD, sent high byte first.

This module knows packets and errors and nothing of numbers or frames:
:func:`encode` builds a request, :class:`Link` sends requests over a
transport (anything with ``write(data)`` and ``read(n, timeout)``) and reads
replies back as :class:`Packet` values, raising the named exceptions below.
"""

from __future__ import annotations

import enum
import time
from dataclasses import dataclass

SYNC = 0xA5
HEADER_BYTES = 5  # SYNC, CMD, TAG, LEN
MAX_PAYLOAD = 0xFFFF


class Cmd(enum.IntEnum):
    """Requests (host to bridge)."""

    FRAME = 0x01
    READ = 0x02
    WRITE = 0x03
    INFO = 0x04


class Reply(enum.IntEnum):
    """Replies (bridge to host)."""

    OUTPUT = 0x81
    READ = 0x82
    WRITE = 0x83
    INFO = 0x84
    ERROR = 0xE0


class ErrorCode(enum.IntEnum):
    """The first payload byte of an ERROR reply."""

    BAD_CRC = 0x01
    BAD_LENGTH = 0x02
    UNKNOWN_CMD = 0x03
    TIMEOUT = 0x04
    AXI_ERROR = 0x05
    BUSY = 0x06
    BAD_ADDRESS = 0x07
    OUTPUT_TLAST = 0x08


# ------------------------------------------------------------------ errors


class ProtocolError(Exception):
    """Anything that went wrong on the link."""


class BridgeTimeout(ProtocolError, TimeoutError):
    """No reply arrived in time (nothing at all of it)."""


class ShortFrame(ProtocolError):
    """A reply stopped part-way (no byte for ``Link.byte_timeout``: bytes
    were lost), or an output frame is shorter than the manifest's frame."""

    def __init__(self, message: str, received: bytes = b""):
        super().__init__(message)
        self.received = received


class CrcError(ProtocolError):
    """A reply failed its CRC check."""

    def __init__(self, message: str, packet: bytes = b""):
        super().__init__(message)
        self.packet = packet


class ConfigMismatch(ProtocolError):
    """The bridge was built for another frame geometry than the manifest's."""


class BridgeError(ProtocolError):
    """The bridge answered with an ERROR reply.

    ``code`` is an :class:`ErrorCode` (or the raw number if unknown),
    ``cmd`` the request's command as the bridge received it, ``detail`` the
    third payload byte (the AXI response for AXI_ERROR, the TLAST flags for
    OUTPUT_TLAST), ``tag`` the reply's TAG.
    """

    def __init__(self, code: int, cmd: int = 0, detail: int = 0, tag: int = 0):
        try:
            self.code: int = ErrorCode(code)
            name = self.code.name
        except ValueError:
            self.code = code
            name = f"error 0x{code:02x}"
        self.cmd = cmd
        self.detail = detail
        self.tag = tag
        what = {
            ErrorCode.BAD_CRC: "the request's CRC was wrong",
            ErrorCode.BAD_LENGTH: "the request's length is not the command's",
            ErrorCode.UNKNOWN_CMD: "the bridge does not know the command",
            ErrorCode.TIMEOUT: "the request stopped before its end",
            ErrorCode.AXI_ERROR: f"the register slave answered {_RESP.get(detail, detail)}",
            ErrorCode.BUSY: "the bridge could not take the request now",
            ErrorCode.BAD_ADDRESS: "the register address is out of range",
            ErrorCode.OUTPUT_TLAST: f"the accelerator's TLAST was wrong (flags {detail})",
        }.get(self.code, "unknown error")
        super().__init__(f"bridge error {name} (command 0x{cmd:02x}, tag {tag}): {what}")

    @property
    def name(self) -> str:
        return self.code.name if isinstance(self.code, ErrorCode) else f"0x{self.code:02x}"


_RESP = {0: "OKAY", 1: "EXOKAY", 2: "SLVERR", 3: "DECERR"}

# ------------------------------------------------------------------ packets


def crc16(data: bytes, crc: int = 0xFFFF) -> int:
    """CRC-16/CCITT-FALSE of ``data``, continuing from ``crc``."""
    for b in data:
        crc ^= b << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) & 0xFFFF if crc & 0x8000 else (crc << 1) & 0xFFFF
    return crc


def encode(cmd: int, tag: int, payload: bytes = b"") -> bytes:
    """A whole packet: SYNC, header, payload, CRC (high byte first)."""
    if not 0 <= tag <= 0xFF:
        raise ValueError(f"tag {tag} is not a byte")
    if len(payload) > MAX_PAYLOAD:
        raise ValueError(f"payload of {len(payload)} bytes exceeds {MAX_PAYLOAD}")
    body = bytes([cmd, tag, len(payload) & 0xFF, len(payload) >> 8]) + bytes(payload)
    c = crc16(body)
    return bytes([SYNC]) + body + bytes([c >> 8, c & 0xFF])


@dataclass(frozen=True)
class Packet:
    cmd: int
    tag: int
    payload: bytes

    def raise_error(self) -> None:
        """Raises :class:`BridgeError` if this is an ERROR reply."""
        if self.cmd == Reply.ERROR:
            p = self.payload + bytes(3)
            raise BridgeError(p[0], p[1], p[2], self.tag)


def decode(data: bytes) -> Packet:
    """One whole packet (SYNC to CRC) to a :class:`Packet`."""
    if len(data) < HEADER_BYTES + 2 or data[0] != SYNC:
        raise ShortFrame(f"not a whole packet: {data.hex()}", data)
    n = data[3] | data[4] << 8
    if len(data) != HEADER_BYTES + n + 2:
        raise ShortFrame(f"packet of {len(data)} bytes, LEN says {n}", data)
    if crc16(data[1:]) != 0:
        raise CrcError(f"reply failed its CRC check: {data.hex()}", data)
    return Packet(data[1], data[2], bytes(data[HEADER_BYTES:-2]))


# --------------------------------------------------------------- the link


class Link:
    """Requests and replies over a transport.

    The transport has ``write(data: bytes)`` and ``read(n: int, timeout:
    float) -> bytes`` (up to ``n`` bytes; fewer, possibly none, when the
    timeout passes), and optionally ``reset_input()`` and ``close()``.
    """

    def __init__(self, transport, timeout: float = 1.0, byte_timeout: float = 0.25):
        self.transport = transport
        self.timeout = timeout
        # a reply that has started may pause this long between two bytes
        # (a USB-serial adapter holds bytes up to its latency timer, 16 ms
        # by default); longer means bytes were lost
        self.byte_timeout = byte_timeout
        self._tag = 0
        self._buf = bytearray()
        self.stray = 0  # bytes skipped outside packets
        self.stray_replies = 0  # replies to no outstanding request

    def next_tag(self) -> int:
        self._tag = (self._tag + 1) & 0xFF
        return self._tag

    def send(self, cmd: int, payload: bytes = b"", tag: int | None = None) -> int:
        """Sends a request; returns its TAG."""
        tag = self.next_tag() if tag is None else tag
        self.transport.write(encode(cmd, tag, payload))
        return tag

    def send_raw(self, data: bytes) -> None:
        """Sends bytes as they are (tests, recovery)."""
        self.transport.write(bytes(data))

    def _fill(self, want: int, deadline: float, gap: float | None = None) -> bool:
        """Reads until ``want`` bytes are buffered; False at ``deadline`` or,
        with ``gap``, when no byte came for ``gap`` seconds."""
        while len(self._buf) < want:
            now = time.monotonic()
            if gap is not None:
                deadline = now + gap
            left = deadline - now
            if left <= 0:
                return False
            got = self.transport.read(want - len(self._buf), left)
            if got:
                self._buf += got
            elif gap is not None:
                return False
        return True

    def receive(self, timeout: float | None = None) -> Packet:
        """The next reply packet (any TAG). Raises :class:`BridgeTimeout` if
        none starts in time, :class:`ShortFrame` if one stops part-way,
        :class:`CrcError` if one fails its CRC."""
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        # hunt for SYNC, as the bridge does
        while True:
            if not self._fill(1, deadline):
                raise BridgeTimeout(f"no reply within {self.timeout if timeout is None else timeout} s")
            if self._buf[0] == SYNC:
                break
            del self._buf[0]
            self.stray += 1
        # the rest of a packet that has started comes without long pauses
        gap = self.byte_timeout
        if not self._fill(HEADER_BYTES, deadline, gap):
            part = bytes(self._buf)
            self._buf.clear()
            raise ShortFrame(f"a reply stopped after {len(part)} byte(s): {part.hex()}", part)
        n = self._buf[3] | self._buf[4] << 8
        total = HEADER_BYTES + n + 2
        if not self._fill(total, deadline, gap):
            part = bytes(self._buf)
            self._buf.clear()
            raise ShortFrame(
                f"a reply of {total} bytes stopped after {len(part)}: {part[:16].hex()}...", part
            )
        data = bytes(self._buf[:total])
        del self._buf[:total]
        return decode(data)

    def reply_to(self, tag: int, timeout: float | None = None) -> Packet:
        """The reply with this TAG; replies with other TAGs (to requests the
        bridge could not read, say) are skipped. ERROR replies raise
        :class:`BridgeError`."""
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        while True:
            p = self.receive(max(deadline - time.monotonic(), 0.0))
            if p.tag == tag:
                p.raise_error()
                return p
            self.stray_replies += 1

    def request(self, cmd: int, payload: bytes = b"", timeout: float | None = None) -> Packet:
        """Sends a request and waits for its reply."""
        return self.reply_to(self.send(cmd, payload), timeout)

    def drain(self, quiet: float = 0.05) -> int:
        """Discards whatever arrives until the line has been quiet for
        ``quiet`` seconds; returns the number of bytes discarded."""
        n = len(self._buf)
        self._buf.clear()
        while True:
            got = self.transport.read(4096, quiet)
            if not got:
                return n
            n += len(got)

    def close(self) -> None:
        close = getattr(self.transport, "close", None)
        if close:
            close()


def read_request(addr: int) -> bytes:
    """The payload of a READ."""
    return addr.to_bytes(4, "little")


def write_request(addr: int, value: int, strobe: int = 0xF) -> bytes:
    """The payload of a WRITE."""
    if not 0 <= strobe <= 0xF:
        raise ValueError(f"strobe {strobe} is not 4 bits")
    return addr.to_bytes(4, "little") + (value & 0xFFFFFFFF).to_bytes(4, "little") + bytes([strobe])


@dataclass(frozen=True)
class Info:
    """The INFO reply: what the bridge was built for."""

    version: int
    addr_bits: int
    frames_buffered: int
    in_bytes: int
    in_beats: int
    out_bytes: int
    out_beats: int

    @staticmethod
    def parse(payload: bytes) -> "Info":
        if len(payload) < 12:
            raise ShortFrame(f"INFO reply of {len(payload)} bytes, expected 12", payload)
        u16 = lambda i: payload[i] | payload[i + 1] << 8  # noqa: E731
        return Info(payload[0], payload[1], payload[2], u16(4), u16(6), u16(8), u16(10))

"""The driver's protocol layer against docs/uart-protocol.md and a scripted
transport: packets, CRC, resynchronisation, and the named errors."""

import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from tomatl_driver import protocol as p  # noqa: E402

DOC = os.path.join(os.path.dirname(__file__), "..", "..", "..", "docs", "uart-protocol.md")


class Script:
    """A transport that replays chunks of reply bytes (None: a timeout)."""

    def __init__(self, chunks):
        self.chunks = list(chunks)
        self.written = b""

    def write(self, data):
        self.written += data

    def read(self, n, timeout):
        if not self.chunks:
            return b""
        c = self.chunks[0]
        if c is None:
            self.chunks.pop(0)
            return b""
        out, rest = c[:n], c[n:]
        if rest:
            self.chunks[0] = rest
        else:
            self.chunks.pop(0)
        return out


def hexbytes(s):
    return bytes.fromhex(s.replace(" ", ""))


class Packets(unittest.TestCase):
    def test_crc_check_value(self):
        self.assertEqual(p.crc16(b"123456789"), 0x29B1)

    def test_document_examples(self):
        with open(DOC) as f:
            doc = f.read()
        examples = [
            (p.encode(p.Cmd.INFO, 7), "a5 04 07 00 00 cb a1"),
            (p.encode(p.Cmd.READ, 1, p.read_request(0x08)), "a5 02 01 04 00 08 00 00 00 85 9b"),
            (p.encode(p.Reply.READ, 1, (0x29376E83).to_bytes(4, "little")), "a5 82 01 04 00 83 6e 37 29 12 1e"),
        ]
        for got, text in examples:
            self.assertEqual(got, hexbytes(text))
            self.assertIn(text, doc)

    def test_crc_of_a_whole_packet_is_zero(self):
        for payload in (b"", b"\x00", bytes(range(256)) * 3):
            pkt = p.encode(p.Cmd.FRAME, 200, payload)
            self.assertEqual(p.crc16(pkt[1:]), 0)
            self.assertEqual(p.decode(pkt), p.Packet(p.Cmd.FRAME, 200, payload))

    def test_decode_refuses_bad_crc_and_short_packets(self):
        pkt = bytearray(p.encode(p.Reply.READ, 3, b"\x01\x02\x03\x04"))
        pkt[6] ^= 0x10
        with self.assertRaises(p.CrcError):
            p.decode(bytes(pkt))
        with self.assertRaises(p.ShortFrame):
            p.decode(p.encode(p.Reply.READ, 3, b"\x01\x02")[:-1])

    def test_write_payload(self):
        self.assertEqual(p.write_request(0x0C, 0x01020304, 0x3), hexbytes("0c000000 04030201 03"))
        with self.assertRaises(ValueError):
            p.write_request(0, 0, 16)


class LinkErrors(unittest.TestCase):
    def reply(self, cmd, tag, payload=b""):
        return p.encode(cmd, tag, payload)

    def test_reply_in_pieces_after_noise(self):
        r = self.reply(p.Reply.READ, 1, b"\x11\x22\x33\x44")
        link = p.Link(Script([b"\x00\xff", r[:3], r[3:9], r[9:]]), timeout=0.2)
        pkt = link.request(p.Cmd.READ, p.read_request(0))
        self.assertEqual(pkt.payload, b"\x11\x22\x33\x44")
        self.assertEqual(link.stray, 2)
        self.assertEqual(link.transport.written, p.encode(p.Cmd.READ, 1, p.read_request(0)))

    def test_replies_to_other_tags_are_skipped(self):
        stray = p.encode(p.Reply.ERROR, 99, b"\x03\x42\x00")
        r = self.reply(p.Reply.WRITE, 1)
        link = p.Link(Script([stray + r]), timeout=0.2)
        link.request(p.Cmd.WRITE, p.write_request(0, 5))
        self.assertEqual(link.stray_replies, 1)

    def test_no_reply_is_a_timeout(self):
        link = p.Link(Script([]), timeout=0.05)
        with self.assertRaises(p.BridgeTimeout) as e:
            link.request(p.Cmd.INFO)
        self.assertIsInstance(e.exception, TimeoutError)

    def test_reply_cut_short(self):
        r = self.reply(p.Reply.OUTPUT, 1, bytes(10))
        link = p.Link(Script([r[:-3]]), timeout=0.05)
        with self.assertRaises(p.ShortFrame) as e:
            link.receive()
        self.assertEqual(e.exception.received, r[:-3])

    def test_reply_with_bad_crc(self):
        r = bytearray(self.reply(p.Reply.OUTPUT, 1, bytes(10)))
        r[-1] ^= 1
        link = p.Link(Script([bytes(r)]), timeout=0.05)
        with self.assertRaises(p.CrcError):
            link.receive()

    def test_error_replies_name_their_code(self):
        for code in p.ErrorCode:
            r = p.encode(p.Reply.ERROR, 1, bytes([code, p.Cmd.READ, 2]))
            link = p.Link(Script([r]), timeout=0.05)
            with self.assertRaises(p.BridgeError) as e:
                link.request(p.Cmd.READ, p.read_request(0))
            self.assertEqual(e.exception.code, code)
            self.assertEqual(e.exception.name, code.name)
            self.assertEqual((e.exception.cmd, e.exception.detail, e.exception.tag), (p.Cmd.READ, 2, 1))
        self.assertIn("SLVERR", str(p.BridgeError(p.ErrorCode.AXI_ERROR, 2, 2)))

    def test_info(self):
        i = p.Info.parse(bytes([1, 6, 2, 0, 1, 0, 16, 0, 2, 0, 5, 0]))
        self.assertEqual((i.version, i.addr_bits, i.frames_buffered), (1, 6, 2))
        self.assertEqual((i.in_bytes, i.in_beats, i.out_bytes, i.out_beats), (1, 16, 2, 5))
        with self.assertRaises(p.ShortFrame):
            p.Info.parse(b"\x01")


if __name__ == "__main__":
    unittest.main()

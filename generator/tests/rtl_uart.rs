//! The UART bridge of the boards without a CPU (`rtl/tomatl_uart_bridge.v`,
//! `tomatl_uart_rx.v`, `tomatl_uart_tx.v`; protocol in
//! docs/uart-protocol.md):
//!
//! - a unit bench (`testbenches/unit/tb_uart_bridge.cpp`) with several
//!   bridges side by side, each behind a host UART model and in front of an
//!   accelerator model and an AXI4-Lite register file, driven by scripts of
//!   good, corrupt and truncated packets written here together with what a
//!   reference model of the protocol (below) says must come back;
//! - lint, Icarus and Yosys on several parameter sets, and the illegal ones
//!   refused;
//! - the Python host driver (`templates/driver/`) against the bridge
//!   wrapped around the generated jet tagger, through a pseudo-terminal
//!   (`testbenches/uart/`), with golden vectors from `tomatl run`.

mod common_rtl;

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::Command;

use common_rtl::*;
use tomatl::sim::verilator;

// ------------------------------------------------------------ the protocol

const SYNC: u8 = 0xa5;
const CMD_FRAME: u8 = 0x01;
const CMD_READ: u8 = 0x02;
const CMD_WRITE: u8 = 0x03;
const CMD_INFO: u8 = 0x04;
const REPLY_OUTPUT: u8 = 0x81;
const REPLY_READ: u8 = 0x82;
const REPLY_WRITE: u8 = 0x83;
const REPLY_INFO: u8 = 0x84;
const REPLY_ERROR: u8 = 0xe0;
const ERR_BAD_CRC: u8 = 1;
const ERR_BAD_LENGTH: u8 = 2;
const ERR_UNKNOWN_CMD: u8 = 3;
const ERR_TIMEOUT: u8 = 4;
const ERR_AXI: u8 = 5;
const ERR_BUSY: u8 = 6;
const ERR_BAD_ADDRESS: u8 = 7;
const ERR_OUTPUT_TLAST: u8 = 8;
/// Frames the bridge keeps in flight (its queue of TAGs).
const TAG_DEPTH: usize = 4;

fn crc_step(mut c: u16, b: u8) -> u16 {
    c ^= (b as u16) << 8;
    for _ in 0..8 {
        c = if c & 0x8000 != 0 {
            (c << 1) ^ 0x1021
        } else {
            c << 1
        };
    }
    c
}

/// CRC-16/CCITT-FALSE: polynomial 0x1021, init 0xFFFF, no reflection, no
/// final XOR.
fn crc16(bytes: &[u8]) -> u16 {
    bytes.iter().fold(0xffff, |c, &b| crc_step(c, b))
}

/// A whole packet: sync, header, payload, CRC (high byte first).
fn packet(cmd: u8, tag: u8, payload: &[u8]) -> Vec<u8> {
    let n = payload.len();
    let mut p = vec![SYNC, cmd, tag, n as u8, (n >> 8) as u8];
    p.extend_from_slice(payload);
    let c = crc16(&p[1..]);
    p.push((c >> 8) as u8);
    p.push(c as u8);
    p
}

fn error_packet(tag: u8, code: u8, cmd: u8, detail: u8) -> Vec<u8> {
    packet(REPLY_ERROR, tag, &[code, cmd, detail])
}

/// The worked examples of docs/uart-protocol.md.
#[test]
fn crc_and_packets_match_the_protocol_document() {
    assert_eq!(
        crc16(b"123456789"),
        0x29b1,
        "the CRC-16/CCITT-FALSE check value"
    );
    assert_eq!(
        packet(CMD_INFO, 0x07, &[]),
        [0xa5, 0x04, 0x07, 0x00, 0x00, 0xcb, 0xa1]
    );
    assert_eq!(
        packet(CMD_READ, 0x01, &[0x08, 0, 0, 0]),
        [0xa5, 0x02, 0x01, 0x04, 0x00, 0x08, 0x00, 0x00, 0x00, 0x85, 0x9b]
    );
    assert_eq!(
        packet(REPLY_READ, 0x01, &0x2937_6e83u32.to_le_bytes()),
        [0xa5, 0x82, 0x01, 0x04, 0x00, 0x83, 0x6e, 0x37, 0x29, 0x12, 0x1e]
    );
    // a packet followed by its CRC checks to zero
    let p = packet(CMD_FRAME, 0x33, &[1, 2, 3, 250]);
    assert_eq!(crc16(&p[1..]), 0);
    let doc = std::fs::read_to_string(repo_root().join("docs/uart-protocol.md"))
        .unwrap_or_else(|e| panic!("docs/uart-protocol.md: {e}"));
    for ex in [
        "a5 04 07 00 00 cb a1",
        "a5 02 01 04 00 08 00 00 00 85 9b",
        "a5 82 01 04 00 83 6e 37 29 12 1e",
    ] {
        assert!(doc.contains(ex), "the document lacks the example `{ex}`");
    }
}

// ---------------------------------------------- the reference model

#[derive(Clone, Copy, Debug, PartialEq)]
enum St {
    Hunt,
    Cmd,
    Tag,
    Len0,
    Len1,
    Pay,
    Crc0,
    Crc1,
    Drain,
}

/// What the bridge does with a request.
#[derive(Clone, Debug, PartialEq)]
enum Ev {
    /// A frame enters the buffer (and so reaches the accelerator).
    Commit { tag: u8, frame: Vec<u8> },
    /// A register request goes to the executor.
    Exec { cmd: u8, tag: u8, args: Vec<u8> },
    /// An error reply.
    Error { code: u8, cmd: u8, tag: u8 },
}

/// The bridge's receiver, byte by byte (docs/uart-protocol.md §4).
#[derive(Clone, Debug)]
struct Parser {
    st: St,
    cmd: u8,
    tag: u8,
    len0: u8,
    left: usize,
    pay: Vec<u8>,
    crc: u16,
    busy: bool,
    drain: u8,
    in_frame: usize,
    addr_bits: u32,
}

impl Parser {
    fn new(in_frame: usize, addr_bits: u32) -> Self {
        Parser {
            st: St::Hunt,
            cmd: 0,
            tag: 0,
            len0: 0,
            left: 0,
            pay: Vec::new(),
            crc: 0xffff,
            busy: false,
            drain: 0,
            in_frame,
            addr_bits,
        }
    }

    fn expected_len(&self, cmd: u8) -> Option<usize> {
        match cmd {
            CMD_FRAME => Some(self.in_frame),
            CMD_READ => Some(4),
            CMD_WRITE => Some(9),
            CMD_INFO => Some(0),
            _ => None,
        }
    }

    fn error(&self, code: u8) -> Ev {
        Ev::Error {
            code,
            cmd: self.cmd,
            tag: self.tag,
        }
    }

    /// One byte; `room`: a frame slot is free at the header; `exec_idle`:
    /// the executor is free at the end.
    fn byte(&mut self, b: u8, room: bool, exec_idle: bool) -> Option<Ev> {
        match self.st {
            St::Hunt => {
                if b == SYNC {
                    self.st = St::Cmd;
                    self.crc = 0xffff;
                    self.cmd = 0;
                    self.tag = 0;
                }
                return None;
            }
            St::Drain => return None,
            _ => {}
        }
        self.crc = crc_step(self.crc, b);
        match self.st {
            St::Cmd => {
                self.cmd = b;
                self.st = St::Tag;
            }
            St::Tag => {
                self.tag = b;
                self.st = St::Len0;
            }
            St::Len0 => {
                self.len0 = b;
                self.st = St::Len1;
            }
            St::Len1 => {
                let len = ((b as usize) << 8) | self.len0 as usize;
                self.pay.clear();
                self.busy = self.cmd == CMD_FRAME && !room;
                match self.expected_len(self.cmd) {
                    None => {
                        self.drain = ERR_UNKNOWN_CMD;
                        self.st = St::Drain;
                    }
                    Some(l) if l != len => {
                        self.drain = ERR_BAD_LENGTH;
                        self.st = St::Drain;
                    }
                    Some(0) => self.st = St::Crc0,
                    Some(l) => {
                        self.left = l;
                        self.st = St::Pay;
                    }
                }
            }
            St::Pay => {
                self.pay.push(b);
                self.left -= 1;
                if self.left == 0 {
                    self.st = St::Crc0;
                }
            }
            St::Crc0 => self.st = St::Crc1,
            _ => {
                self.st = St::Hunt;
                let high = if self.addr_bits >= 32 {
                    0
                } else {
                    u32::MAX << self.addr_bits
                };
                let addr = |p: &[u8]| u32::from_le_bytes([p[0], p[1], p[2], p[3]]);
                return Some(if self.crc != 0 {
                    self.error(ERR_BAD_CRC)
                } else if self.cmd == CMD_FRAME {
                    if self.busy {
                        self.error(ERR_BUSY)
                    } else {
                        Ev::Commit {
                            tag: self.tag,
                            frame: self.pay.clone(),
                        }
                    }
                } else if !exec_idle {
                    self.error(ERR_BUSY)
                } else if self.cmd != CMD_INFO && addr(&self.pay) & high != 0 {
                    self.error(ERR_BAD_ADDRESS)
                } else {
                    Ev::Exec {
                        cmd: self.cmd,
                        tag: self.tag,
                        args: self.pay.clone(),
                    }
                });
            }
        }
        None
    }

    /// The line stays quiet for the inter-byte timeout.
    fn quiet(&mut self) -> Option<Ev> {
        match self.st {
            St::Hunt => None,
            St::Drain => {
                self.st = St::Hunt;
                Some(self.error(self.drain))
            }
            _ => {
                self.st = St::Hunt;
                Some(self.error(ERR_TIMEOUT))
            }
        }
    }
}

// --------------------------------------------------- the bench's models

/// One bridge of the bench.
#[derive(Clone, Debug)]
struct Cfg {
    clk_hz: u64,
    baud: u64,
    /// host bit rate / bridge bit rate
    host_rate: f64,
    in_bytes: usize,
    in_beats: usize,
    out_bytes: usize,
    out_beats: usize,
    addr_bits: u32,
    p_in_stall: f64,
    p_out_stall: f64,
    axi_latency: u32,
    /// scenarios in the script
    scenarios: usize,
    /// chance in percent that a request is a frame
    frame_pct: i64,
}

impl Cfg {
    fn in_frame(&self) -> usize {
        self.in_bytes * self.in_beats
    }
    fn out_frame(&self) -> usize {
        self.out_bytes * self.out_beats
    }
    fn nbuf(&self) -> usize {
        if self.in_frame() <= 2048 {
            2
        } else {
            1
        }
    }
    fn bit_cycles(&self) -> u64 {
        self.clk_hz / self.baud
    }
    /// The bridge's inter-byte timeout in cycles.
    fn timeout(&self) -> u64 {
        if self.baud >= 32000 {
            self.clk_hz / 100
        } else {
            320 * self.bit_cycles()
        }
    }
    fn params(&self) -> String {
        format!(
            "#(.CLK_HZ({}), .BAUD({}), .IN_BYTES({}), .IN_BEATS({}), .OUT_BYTES({}), \
             .OUT_BEATS({}), .ADDR_BITS({}))",
            self.clk_hz,
            self.baud,
            self.in_bytes,
            self.in_beats,
            self.out_bytes,
            self.out_beats,
            self.addr_bits
        )
    }
    fn info(&self) -> Vec<u8> {
        let mut v = vec![1, self.addr_bits as u8, self.nbuf() as u8, 0];
        for x in [self.in_bytes, self.in_beats, self.out_bytes, self.out_beats] {
            v.extend_from_slice(&(x as u16).to_le_bytes());
        }
        v
    }
}

/// The accelerator model's answer to an input frame.
fn transform(frame: &[u8], out_len: usize) -> Vec<u8> {
    let sum: u32 = frame.iter().map(|&b| b as u32).sum();
    (0..out_len)
        .map(|j| (frame[j % frame.len()] as u32 + 3 * j as u32 + sum) as u8)
        .collect()
}

/// The register file behind the bridge: word w starts as 0x1000 w + 0x55;
/// the last two words answer SLVERR and DECERR.
struct Regs {
    words: Vec<u32>,
}

impl Regs {
    fn new(addr_bits: u32) -> Self {
        Regs {
            words: (0..1u32 << (addr_bits - 2))
                .map(|w| 0x1000 * w + 0x55)
                .collect(),
        }
    }
    fn resp(&self, addr: u32) -> u8 {
        let w = (addr >> 2) as usize;
        if w == self.words.len() - 2 {
            2
        } else if w == self.words.len() - 1 {
            3
        } else {
            0
        }
    }
    /// Performs a register request; returns the reply packet.
    fn exec(&mut self, cfg: &Cfg, cmd: u8, tag: u8, args: &[u8]) -> Vec<u8> {
        let addr = if args.len() >= 4 {
            u32::from_le_bytes([args[0], args[1], args[2], args[3]])
        } else {
            0
        };
        match cmd {
            CMD_READ => match self.resp(addr) {
                0 => packet(
                    REPLY_READ,
                    tag,
                    &self.words[(addr >> 2) as usize].to_le_bytes(),
                ),
                r => error_packet(tag, ERR_AXI, cmd, r),
            },
            CMD_WRITE => match self.resp(addr) {
                0 => {
                    let data = u32::from_le_bytes([args[4], args[5], args[6], args[7]]);
                    let w = &mut self.words[(addr >> 2) as usize];
                    for q in 0..4 {
                        if (args[8] >> q) & 1 == 1 {
                            let m = 0xffu32 << (8 * q);
                            *w = (*w & !m) | (data & m);
                        }
                    }
                    packet(REPLY_WRITE, tag, &[])
                }
                r => error_packet(tag, ERR_AXI, cmd, r),
            },
            _ => packet(REPLY_INFO, tag, &cfg.info()),
        }
    }
}

// ------------------------------------------------------ the script

/// A script for one bridge and what must come of it.
struct Script {
    lines: Vec<String>,
    /// Frames that reach the accelerator, in order, with their TAG.
    frames: Vec<(u8, Vec<u8>)>,
    /// Every reply other than output frames, as packets.
    ctrl: Vec<Vec<u8>>,
    /// Ordinary requests sent whole, and corrupted.
    good: usize,
    corrupt: usize,
}

struct Gen<'a> {
    cfg: &'a Cfg,
    rng: Rng,
    parser: Parser,
    regs: Regs,
    s: Script,
}

impl<'a> Gen<'a> {
    fn new(cfg: &'a Cfg, seed: u64) -> Self {
        Gen {
            cfg,
            rng: Rng(seed),
            parser: Parser::new(cfg.in_frame(), cfg.addr_bits),
            regs: Regs::new(cfg.addr_bits),
            s: Script {
                lines: Vec::new(),
                frames: Vec::new(),
                ctrl: Vec::new(),
                good: 0,
                corrupt: 0,
            },
        }
    }

    fn byte(&mut self) -> u8 {
        self.rng.next() as u8
    }

    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.byte()).collect()
    }

    /// A register address: mostly in range (the last two words answer
    /// errors), sometimes with bits beyond ADDR_BITS.
    fn addr(&mut self) -> u32 {
        let words = 1u64 << (self.cfg.addr_bits - 2);
        let w = match self.rng.range(0, 9) {
            0 => words - 2,
            1 => words - 1,
            2 => {
                let word = self.rng.range(0, (words - 1) as i64) as u32;
                return (word * 4) | (1u32 << self.rng.range(self.cfg.addr_bits as i64, 31));
            }
            _ => self.rng.range(0, words as i64 - 3) as u64,
        };
        // now and then not word aligned (the slave ignores the low bits)
        let off = if self.rng.range(0, 5) == 0 {
            self.rng.range(1, 3) as u32
        } else {
            0
        };
        (w as u32) * 4 + off
    }

    /// A good request of a random kind (frames with `frame_pct` percent).
    fn good_request(&mut self, frames: bool) -> Vec<u8> {
        let tag = self.byte();
        if frames && self.rng.range(0, 99) < self.cfg.frame_pct {
            let f = self.bytes(self.cfg.in_frame());
            return packet(CMD_FRAME, tag, &f);
        }
        self.register_request(tag)
    }

    fn register_request(&mut self, tag: u8) -> Vec<u8> {
        match self.rng.range(0, 9) {
            0 => packet(CMD_INFO, tag, &[]),
            1..=4 => {
                let a = self.addr();
                packet(CMD_READ, tag, &a.to_le_bytes())
            }
            _ => {
                let mut p = self.addr().to_le_bytes().to_vec();
                p.extend_from_slice(&(self.rng.next() as u32).to_le_bytes());
                p.push(if self.rng.range(0, 2) == 0 {
                    0x0f
                } else {
                    self.rng.range(0, 15) as u8
                });
                packet(CMD_WRITE, tag, &p)
            }
        }
    }

    /// A corrupt version of a good request (or pure noise).
    fn corrupt(&mut self, good: Vec<u8>) -> Vec<u8> {
        let mut p = good;
        let n = p.len();
        match self.rng.range(0, 8) {
            0 => {
                // one flipped bit anywhere
                let i = self.rng.range(0, n as i64 - 1) as usize;
                p[i] ^= 1 << self.rng.range(0, 7);
            }
            1 => {
                // truncated
                let keep = self.rng.range(1, n as i64 - 1) as usize;
                p.truncate(keep);
            }
            2 => {
                // a byte lost
                let i = self.rng.range(0, n as i64 - 1) as usize;
                p.remove(i);
            }
            3 => {
                // a byte inserted
                let i = self.rng.range(1, n as i64 - 1) as usize;
                let b = self.byte();
                p.insert(i, b);
            }
            4 => {
                // noise before a good packet
                let k = self.rng.range(1, 8) as usize;
                let mut q = self.bytes(k);
                q.extend_from_slice(&p);
                p = q;
            }
            5 => {
                // an unknown command with a good CRC
                let cmd = loop {
                    let c = self.byte();
                    if !(1..=4).contains(&c) {
                        break c;
                    }
                };
                let len = self.rng.range(0, 12) as usize;
                let pay = self.bytes(len);
                let tag = self.byte();
                p = packet(cmd, tag, &pay);
            }
            6 => {
                // a known command with the wrong length (and a good CRC)
                let cmd = self.rng.range(1, 4) as u8;
                let want = self.parser.expected_len(cmd).unwrap_or(0) as i64;
                let len = loop {
                    let l = self.rng.range(0, (want + 6).min(64));
                    if l != want {
                        break l as usize;
                    }
                };
                let pay = self.bytes(len);
                let tag = self.byte();
                p = packet(cmd, tag, &pay);
            }
            7 => {
                // a wrong CRC
                let i = n - 1 - self.rng.range(0, 1) as usize;
                p[i] ^= 1 + self.byte() % 255;
            }
            _ => {
                // noise alone
                let k = self.rng.range(1, 24) as usize;
                p = self.bytes(k);
            }
        }
        p
    }

    /// Runs the reference over `bytes` on a copy; None unless the request
    /// has at most one outcome of each kind.
    fn trial(&self, bytes: &[u8], room: bool, exec_idle: bool) -> Option<(Parser, Vec<Ev>, bool)> {
        let mut p = self.parser.clone();
        let mut evs: Vec<Ev> = bytes
            .iter()
            .filter_map(|&b| p.byte(b, room, exec_idle))
            .collect();
        let quiet = p.st != St::Hunt;
        if quiet {
            evs.extend(p.quiet());
        }
        let count = |f: &dyn Fn(&Ev) -> bool| evs.iter().filter(|e| f(e)).count();
        let ok = count(&|e| matches!(e, Ev::Commit { .. })) <= 1
            && count(&|e| matches!(e, Ev::Exec { .. })) <= 1
            && count(&|e| matches!(e, Ev::Error { .. })) <= 1;
        ok.then_some((p, evs, quiet))
    }

    /// Sends `bytes` as one transaction and books what must come of it;
    /// `tlast`: the TLAST fault flags the output frame will raise.
    fn send(&mut self, bytes: &[u8], room: bool, exec_idle: bool, tlast: u8) -> Vec<Ev> {
        self.send_gap(bytes, room, exec_idle, tlast, 0)
    }

    /// [`Gen::send`], then idle at least `min_gap` cycles.
    fn send_gap(
        &mut self,
        bytes: &[u8],
        room: bool,
        exec_idle: bool,
        tlast: u8,
        min_gap: u64,
    ) -> Vec<Ev> {
        let (p, evs, quiet) = self
            .trial(bytes, room, exec_idle)
            .unwrap_or_else(|| panic!("request with several outcomes: {bytes:02x?}"));
        self.parser = p;
        let mut frames = 0;
        let mut ctrl = 0;
        for e in &evs {
            match e {
                Ev::Commit { tag, frame } => {
                    frames += 1;
                    self.s.frames.push((*tag, frame.clone()));
                    if tlast != 0 {
                        ctrl += 1;
                        self.s
                            .ctrl
                            .push(error_packet(*tag, ERR_OUTPUT_TLAST, CMD_FRAME, tlast));
                    }
                }
                Ev::Exec { cmd, tag, args } => {
                    ctrl += 1;
                    let r = self.regs.exec(self.cfg, *cmd, *tag, args);
                    self.s.ctrl.push(r);
                }
                Ev::Error { code, cmd, tag } => {
                    ctrl += 1;
                    self.s.ctrl.push(error_packet(*tag, *code, *cmd, 0));
                }
            }
        }
        let bit = self.cfg.bit_cycles();
        let gap = if quiet {
            self.cfg.timeout() * 5 / 4 + 20 * bit
        } else {
            self.rng.range(0, 2 * bit as i64) as u64
        };
        let gap = gap.max(min_gap);
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        let hex = if hex.is_empty() { "-".to_string() } else { hex };
        self.s.lines.push(format!("t {frames} {ctrl} {gap} {hex}"));
        evs
    }

    fn line(&mut self, l: String) {
        self.s.lines.push(l);
    }

    /// A good or a corrupt request, after the usual wait.
    fn ordinary(&mut self) {
        let nb = self.cfg.nbuf();
        self.line(format!("w {} 0", nb - 1));
        let good = self.good_request(true);
        if self.rng.range(0, 99) < 55 {
            self.send(&good, true, true, 0);
            self.s.good += 1;
        } else {
            // retry until the corruption has at most one outcome of a kind
            let bytes = loop {
                let b = self.corrupt(good.clone());
                if self.trial(&b, true, true).is_some() {
                    break b;
                }
            };
            self.send(&bytes, true, true, 0);
            self.s.corrupt += 1;
        }
    }

    /// Frames sent while the accelerator takes nothing: the buffer fills
    /// and the next frame is refused with BUSY.
    fn frames_busy(&mut self) {
        let cap = self.cfg.nbuf() + usize::from(self.cfg.in_beats == 1);
        self.line("w 0 0".into());
        self.line("b 1".into());
        for k in 0..=cap {
            let tag = self.byte();
            let f = self.bytes(self.cfg.in_frame());
            let evs = self.send(&packet(CMD_FRAME, tag, &f), k < cap, true, 0);
            let want_busy = k == cap;
            assert_eq!(
                evs.iter()
                    .any(|e| matches!(e, Ev::Error { code: ERR_BUSY, .. })),
                want_busy
            );
        }
        self.line(format!("w {cap} 0"));
        self.line("b 0".into());
        self.line("w 0 0".into());
    }

    /// Frames taken by an accelerator whose outputs are held back: the
    /// queue of TAGs fills (four) and the next frame is refused with BUSY.
    fn tags_busy(&mut self) {
        self.line("w 0 0".into());
        self.line("o 1".into());
        for k in 0..=TAG_DEPTH {
            let tag = self.byte();
            let f = self.bytes(self.cfg.in_frame());
            // a gap: the accelerator takes each frame out of the buffer
            // before the next one arrives (so the buffer is never full)
            let gap = 8 * self.cfg.in_frame() as u64 + 200;
            let evs = self.send_gap(&packet(CMD_FRAME, tag, &f), k < TAG_DEPTH, true, 0, gap);
            assert_eq!(
                evs.iter()
                    .any(|e| matches!(e, Ev::Error { code: ERR_BUSY, .. })),
                k == TAG_DEPTH
            );
        }
        self.line(format!("w {TAG_DEPTH} 0"));
        self.line("o 0".into());
        self.line("w 0 0".into());
    }

    /// A register request while the executor waits on a slow slave.
    fn exec_busy(&mut self) {
        let nb = self.cfg.nbuf();
        self.line(format!("w {} 0", nb - 1));
        let hold = 400 * self.cfg.bit_cycles();
        self.line(format!("h {hold}"));
        let tag = self.byte();
        let a = self.rng.range(0, (1i64 << (self.cfg.addr_bits - 2)) - 3) as u32 * 4;
        self.send(&packet(CMD_READ, tag, &a.to_le_bytes()), true, true, 0);
        let tag = self.byte();
        let second = self.register_request(tag);
        let evs = self.send(&second, true, false, 0);
        assert!(matches!(evs[..], [Ev::Error { code: ERR_BUSY, .. }]));
        self.line(format!("w {} 0", nb - 1));
    }

    /// An output frame with a wrong TLAST.
    fn tlast_fault(&mut self) {
        self.line("w 0 0".into());
        let mode = self.rng.range(1, 2) as u8;
        self.line(format!("l {mode}"));
        // mode 2 flips every beat's TLAST: early on all but the last beat
        let flags = if mode == 2 && self.cfg.out_beats > 1 {
            3
        } else {
            1
        };
        let tag = self.byte();
        let f = self.bytes(self.cfg.in_frame());
        self.send(&packet(CMD_FRAME, tag, &f), true, true, flags);
        self.line("w 0 0".into());
    }

    /// A glitch shorter than half a bit, or a break: neither is a byte.
    fn line_fault(&mut self) {
        let nb = self.cfg.nbuf();
        self.line(format!("w {} 0", nb - 1));
        let bit = self.cfg.bit_cycles();
        let low = if self.rng.range(0, 1) == 0 {
            self.rng.range(1, (bit / 2 - 2) as i64) as u64
        } else {
            self.rng.range(11 * bit as i64, 15 * bit as i64) as u64
        };
        self.line(format!("g {low}"));
        let good = self.good_request(false);
        self.send(&good, true, true, 0);
    }

    fn script(mut self) -> Script {
        // every kind of scenario at least once, then at random
        self.frames_busy();
        if self.cfg.nbuf() > 1 {
            self.tags_busy();
        }
        self.exec_busy();
        self.tlast_fault();
        self.line_fault();
        for _ in 0..self.cfg.scenarios {
            match self.rng.range(0, 99) {
                0..=1 => self.exec_busy(),
                2..=3 => self.tlast_fault(),
                4..=6 => self.line_fault(),
                _ => self.ordinary(),
            }
        }
        self.line("w 0 0".into());
        self.s
    }
}

// --------------------------------------------------------- the wrapper

/// Bit offsets of each bridge's buses in the wrapper.
struct Offsets {
    m: Vec<usize>,
    s: Vec<usize>,
    a: Vec<usize>,
}

fn offsets(cfgs: &[Cfg]) -> (Offsets, [usize; 3]) {
    let mut o = Offsets {
        m: Vec::new(),
        s: Vec::new(),
        a: Vec::new(),
    };
    let (mut m, mut s, mut a) = (0, 0, 0);
    for c in cfgs {
        o.m.push(m);
        o.s.push(s);
        o.a.push(a);
        m += c.in_bytes * 8;
        s += c.out_bytes * 8;
        a += c.addr_bits as usize;
    }
    (o, [m, s, a])
}

/// `unit_top`: the bridges side by side; every port at least 65 bits wide.
fn bridge_wrapper(cfgs: &[Cfg]) -> String {
    let n = cfgs.len();
    let (o, [mw, sw, aw]) = offsets(cfgs);
    let w = |bits: usize| pad65(bits) - 1;
    let mut v = String::from(
        "`default_nettype none\nmodule unit_top (\n    input wire clk,\n    input wire rst",
    );
    let ports: [(&str, &str, usize); 27] = [
        ("input", "uart_rx", n),
        ("output", "uart_tx", n),
        ("output", "m_tdata", mw),
        ("output", "m_tvalid", n),
        ("input", "m_tready", n),
        ("output", "m_tlast", n),
        ("input", "s_tdata", sw),
        ("input", "s_tvalid", n),
        ("output", "s_tready", n),
        ("input", "s_tlast", n),
        ("output", "awaddr", aw),
        ("output", "awvalid", n),
        ("input", "awready", n),
        ("output", "wdata", 32 * n),
        ("output", "wstrb", 4 * n),
        ("output", "wvalid", n),
        ("input", "wready", n),
        ("input", "bresp", 2 * n),
        ("input", "bvalid", n),
        ("output", "bready", n),
        ("output", "araddr", aw),
        ("output", "arvalid", n),
        ("input", "arready", n),
        ("input", "rdata", 32 * n),
        ("input", "rresp", 2 * n),
        ("input", "rvalid", n),
        ("output", "rready", n),
    ];
    for (dir, name, bits) in ports {
        let _ = write!(v, ",\n    {dir} wire [{}:0] {name}", w(bits));
    }
    v.push_str("\n);\n");
    for (dir, name, bits) in ports {
        if dir == "output" && pad65(bits) > bits {
            let _ = writeln!(
                v,
                "    assign {name}[{}:{bits}] = {{{}{{1'b0}}}};",
                pad65(bits) - 1,
                pad65(bits) - bits
            );
        }
    }
    for (k, c) in cfgs.iter().enumerate() {
        let (m, s, a) = (o.m[k], o.s[k], o.a[k]);
        let (ib, ob, ab) = (c.in_bytes * 8, c.out_bytes * 8, c.addr_bits);
        let _ = writeln!(
            v,
            "    tomatl_uart_bridge {} u{k} (.clk(clk), .rst(rst), .uart_rx(uart_rx[{k}]), \
             .uart_tx(uart_tx[{k}]),\n        .m_axis_tdata(m_tdata[{m} +: {ib}]), \
             .m_axis_tvalid(m_tvalid[{k}]), .m_axis_tready(m_tready[{k}]), \
             .m_axis_tlast(m_tlast[{k}]),\n        .s_axis_tdata(s_tdata[{s} +: {ob}]), \
             .s_axis_tvalid(s_tvalid[{k}]), .s_axis_tready(s_tready[{k}]), \
             .s_axis_tlast(s_tlast[{k}]),\n        .m_axil_awaddr(awaddr[{a} +: {ab}]), \
             .m_axil_awvalid(awvalid[{k}]), .m_axil_awready(awready[{k}]),\n        \
             .m_axil_wdata(wdata[{} +: 32]), .m_axil_wstrb(wstrb[{} +: 4]), \
             .m_axil_wvalid(wvalid[{k}]), .m_axil_wready(wready[{k}]),\n        \
             .m_axil_bresp(bresp[{} +: 2]), .m_axil_bvalid(bvalid[{k}]), \
             .m_axil_bready(bready[{k}]),\n        .m_axil_araddr(araddr[{a} +: {ab}]), \
             .m_axil_arvalid(arvalid[{k}]), .m_axil_arready(arready[{k}]),\n        \
             .m_axil_rdata(rdata[{} +: 32]), .m_axil_rresp(rresp[{} +: 2]), \
             .m_axil_rvalid(rvalid[{k}]), .m_axil_rready(rready[{k}]));",
            c.params(),
            32 * k,
            4 * k,
            2 * k,
            32 * k,
            2 * k
        );
    }
    v.push_str("endmodule\n`default_nettype wire\n");
    v
}

/// testbenches/uart: the host UART models and the pseudo-terminal board.
fn uart_dir() -> PathBuf {
    repo_root().join("testbenches").join("uart")
}

const BRIDGE_RTL: [&str; 4] = [
    "tomatl_uart_bridge",
    "tomatl_uart_rx",
    "tomatl_uart_tx",
    "tomatl_fifo",
];

fn bench_cfgs() -> Vec<Cfg> {
    let base = Cfg {
        clk_hz: 200_000,
        baud: 25_000,
        host_rate: 1.02,
        in_bytes: 1,
        in_beats: 16,
        out_bytes: 2,
        out_beats: 5,
        addr_bits: 6,
        p_in_stall: 0.3,
        p_out_stall: 0.3,
        axi_latency: 3,
        scenarios: 160,
        frame_pct: 40,
    };
    vec![
        // the jet tagger's geometry at the smallest clock/baud ratio
        base.clone(),
        // a fractional ratio (8.33) and the 10 ms timeout (above 32000 baud)
        Cfg {
            clk_hz: 1_000_000,
            baud: 120_000,
            host_rate: 0.98,
            in_bytes: 4,
            in_beats: 3,
            out_bytes: 1,
            out_beats: 7,
            p_in_stall: 0.5,
            p_out_stall: 0.2,
            axi_latency: 6,
            scenarios: 70,
            ..base.clone()
        },
        // one beat a frame, wide output beats, 12.5 cycles a bit
        Cfg {
            clk_hz: 250_000,
            baud: 20_000,
            host_rate: 1.03,
            in_bytes: 2,
            in_beats: 1,
            out_bytes: 8,
            out_beats: 2,
            addr_bits: 8,
            p_in_stall: 0.2,
            p_out_stall: 0.5,
            axi_latency: 2,
            scenarios: 90,
            ..base.clone()
        },
        // a frame larger than 2048 bytes: a buffer of one frame
        Cfg {
            in_bytes: 2,
            in_beats: 1100,
            out_bytes: 1,
            out_beats: 1,
            addr_bits: 12,
            host_rate: 1.0,
            scenarios: 40,
            frame_pct: 5,
            ..base
        },
    ]
}

/// One bridge's results.
#[derive(Default, Debug)]
struct Res {
    replies: Vec<Vec<u8>>,
    frames: Vec<Vec<u8>>,
    faults: Vec<String>,
}

fn from_hex(h: &str) -> Vec<u8> {
    if h == "-" {
        return Vec::new();
    }
    (0..h.len() / 2)
        .map(|i| u8::from_str_radix(&h[2 * i..2 * i + 2], 16).unwrap_or(0))
        .collect()
}

#[test]
fn bridge_answers_every_request_and_refuses_every_bad_one() {
    require_verilator();
    let cfgs = bench_cfgs();
    let dir = work("uart_bridge");
    let top_path = dir.join("unit_top.v");
    write(&top_path, &bridge_wrapper(&cfgs));
    let mut sources: Vec<PathBuf> = BRIDGE_RTL.iter().map(|m| rtl(m)).collect();
    sources.push(top_path);
    let exe = verilator::build(&verilator::Build {
        top: "unit_top".into(),
        sources,
        cpp: vec![bench_dir().join("tb_uart_bridge.cpp")],
        include_dirs: vec![bench_dir(), uart_dir()],
        obj_dir: dir.join("obj_dir"),
        defines: vec![],
    })
    .unwrap_or_else(|e| panic!("{e}"));

    let (o, _) = offsets(&cfgs);
    let scripts: Vec<Script> = cfgs
        .iter()
        .enumerate()
        .map(|(k, c)| Gen::new(c, 100 + k as u64).script())
        .collect();
    let mut stim = format!("{}\n", cfgs.len());
    for (k, c) in cfgs.iter().enumerate() {
        let _ = writeln!(
            stim,
            "{} {} {} {} {} {} {} {} {} {} {} {} {} {}",
            c.clk_hz,
            c.baud,
            c.host_rate,
            c.in_bytes,
            c.in_beats,
            c.out_bytes,
            c.out_beats,
            c.addr_bits,
            o.m[k],
            o.s[k],
            o.a[k],
            c.p_in_stall,
            c.p_out_stall,
            c.axi_latency
        );
    }
    for (k, s) in scripts.iter().enumerate() {
        let _ = writeln!(stim, "script {k} {}", s.lines.len());
        for l in &s.lines {
            stim.push_str(l);
            stim.push('\n');
        }
    }
    let stim_path = dir.join("bridge.stim");
    let res_path = dir.join("bridge.res");
    write(&stim_path, &stim);
    let text = run_bench(&exe, &stim_path, &res_path, &["7".into(), "6000000".into()]);
    let mut res: Vec<Res> = cfgs.iter().map(|_| Res::default()).collect();
    let mut done = false;
    for line in text.lines() {
        let f: Vec<&str> = line.split_whitespace().collect();
        let k = || f[1].parse::<usize>().unwrap_or(0);
        match f.first().copied() {
            Some("r") => res[k()].replies.push(from_hex(f[3])),
            Some("a") => res[k()].frames.push(from_hex(f[3])),
            Some("x") => res[k()].faults.push(line.to_string()),
            Some("done") => done = true,
            _ => {}
        }
    }
    assert!(
        done,
        "the bench timed out:\n{}",
        text.lines().rev().take(6).collect::<Vec<_>>().join("\n")
    );
    for (k, (c, (s, r))) in cfgs.iter().zip(scripts.iter().zip(&res)).enumerate() {
        let tag = format!(
            "bridge {k} ({} x {} in, {} x {} out)",
            c.in_bytes, c.in_beats, c.out_bytes, c.out_beats
        );
        assert!(r.faults.is_empty(), "{tag}: {}", r.faults.join("\n"));
        // what reached the accelerator: exactly the good frames, in order
        let want: Vec<&Vec<u8>> = s.frames.iter().map(|(_, f)| f).collect();
        let got: Vec<&Vec<u8>> = r.frames.iter().collect();
        assert_eq!(got.len(), want.len(), "{tag}: frames at the accelerator");
        for (i, (g, w)) in got.iter().zip(&want).enumerate() {
            assert_eq!(g, w, "{tag}: input frame {i}");
        }
        // every reply is a well-formed packet
        for p in &r.replies {
            assert!(
                p.len() >= 7 && p[0] == SYNC && crc16(&p[1..]) == 0,
                "{tag}: bad reply packet {p:02x?}"
            );
        }
        // output frames in order, with their request's TAG
        let outs: Vec<&Vec<u8>> = r.replies.iter().filter(|p| p[1] == REPLY_OUTPUT).collect();
        let want_outs: Vec<Vec<u8>> = s
            .frames
            .iter()
            .map(|(t, f)| packet(REPLY_OUTPUT, *t, &transform(f, c.out_frame())))
            .collect();
        assert_eq!(outs.len(), want_outs.len(), "{tag}: output frames");
        for (i, (g, w)) in outs.iter().zip(&want_outs).enumerate() {
            assert_eq!(*g, w, "{tag}: output frame {i}");
        }
        // every other reply, as a multiset
        let mut got: Vec<Vec<u8>> = r
            .replies
            .iter()
            .filter(|p| p[1] != REPLY_OUTPUT)
            .cloned()
            .collect();
        let mut want = s.ctrl.clone();
        got.sort();
        want.sort();
        if got != want {
            let missing: Vec<_> = want.iter().filter(|p| !got.contains(p)).collect();
            let extra: Vec<_> = got.iter().filter(|p| !want.contains(p)).collect();
            panic!("{tag}: replies differ;\nmissing {missing:02x?}\nunexpected {extra:02x?}");
        }
        // the script exercised what it claims
        let errors = |code: u8| {
            s.ctrl
                .iter()
                .filter(|p| p[1] == REPLY_ERROR && p[5] == code)
                .count()
        };
        for code in [
            ERR_BAD_CRC,
            ERR_BAD_LENGTH,
            ERR_UNKNOWN_CMD,
            ERR_TIMEOUT,
            ERR_AXI,
            ERR_BUSY,
            ERR_BAD_ADDRESS,
            ERR_OUTPUT_TLAST,
        ] {
            assert!(errors(code) > 0, "{tag}: no error {code} in the script");
        }
        eprintln!(
            "{tag}: {} good and {} corrupt requests, {} frames, {} replies",
            s.good,
            s.corrupt,
            s.frames.len(),
            r.replies.len()
        );
    }
    let cycles = text
        .lines()
        .find_map(|l| l.strip_prefix("done "))
        .unwrap_or("?");
    eprintln!("uart bench: {cycles} cycles");
}

// ------------------------------------------------- lint and other tools

#[test]
fn bridge_lints_clean_and_refuses_illegal_parameters() {
    require_verilator();
    let dir = work("uart_tools");
    let e = |params: &[(&'static str, &str)]| {
        elab(
            "tomatl_uart_bridge",
            &["tomatl_uart_rx", "tomatl_uart_tx", "tomatl_fifo"],
            params,
        )
    };
    let sets = vec![
        e(&[]),
        e(&[
            ("CLK_HZ", "12000000"),
            ("BAUD", "115200"),
            ("IN_BYTES", "4"),
            ("IN_BEATS", "196"),
            ("OUT_BYTES", "2"),
            ("OUT_BEATS", "5"),
        ]),
        e(&[
            ("IN_BYTES", "3"),
            ("IN_BEATS", "1000"),
            ("OUT_BYTES", "128"),
            ("ADDR_BITS", "32"),
        ]),
        e(&[
            ("BAUD", "9600"),
            ("ADDR_BITS", "1"),
            ("CLK_HZ", "32'sd76800"),
        ]),
        elab("tomatl_uart_rx", &[], &[("CLK_HZ", "8000000")]),
        elab("tomatl_uart_tx", &[], &[("BAUD", "3125000")]),
    ];
    let mut failures = legal_refused(&sets, &dir, yosys);
    let bad = vec![
        e(&[("BAUD", "3200000")]),
        e(&[("BAUD", "200")]),
        e(&[("IN_BYTES", "0")]),
        e(&[("OUT_BEATS", "0")]),
        e(&[("IN_BYTES", "2"), ("IN_BEATS", "32768")]),
        e(&[("OUT_BYTES", "64"), ("OUT_BEATS", "1025")]),
        e(&[("ADDR_BITS", "0")]),
        e(&[("ADDR_BITS", "33")]),
        elab("tomatl_uart_rx", &[], &[("BAUD", "4000000")]),
        elab("tomatl_uart_tx", &[], &[("BAUD", "0")]),
        elab("tomatl_uart_tx", &[], &[("CLK_HZ", "1100000000")]),
    ];
    failures.extend(illegal_accepted(&bad, &dir, yosys));
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

// ------------------------------------ the host driver on a simulated board

/// Clock and bit rate of the simulated board: 8 cycles a bit, so a frame of
/// the jet tagger (23 bytes in, 17 out) takes about 3 ms of simulated time.
const SIM_CLK_HZ: u64 = 1_000_000;
const SIM_BAUD: u64 = 125_000;

fn run_tomatl(args: &[&str]) {
    let out = Command::new(env!("CARGO_BIN_EXE_tomatl"))
        .args(args)
        .current_dir(repo_root())
        .output()
        .unwrap_or_else(|e| panic!("running tomatl: {e}"));
    assert!(
        out.status.success(),
        "tomatl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn require_python() {
    let ok = Command::new("python3")
        .args(["-c", "import numpy, serial"])
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        ok,
        "python3 with numpy and pyserial is needed (`make setup` installs scripts/requirements.txt)"
    );
}

#[test]
fn python_driver_against_the_verilated_jet_tagger() {
    require_verilator();
    require_python();
    let dir = work("uart_driver");
    let design = dir.join("jet_tagger");
    let design_s = design.to_string_lossy().into_owned();
    run_tomatl(&["generate", "examples/jet_tagger.yaml", "-o", &design_s]);
    let json = std::fs::read_to_string(design.join("design.json"))
        .unwrap_or_else(|e| panic!("design.json: {e}"));
    let d: serde_json::Value = serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}"));
    let field = |io: &str, k: &str| d[io][k].as_u64().unwrap_or_else(|| panic!("{io}.{k}"));
    let (elems, bits, signed) = (
        field("input", "elems_per_beat") * field("input", "beats_per_frame"),
        d["input"]["type"]["bits"].as_u64().unwrap_or(8) as u32,
        d["input"]["type"]["signed"].as_bool().unwrap_or(true),
    );
    let frac = d["input"]["type"]["frac"].as_i64().unwrap_or(0) as i32;

    // golden vectors: codes, and real values (ties, saturation) that the
    // driver must quantize exactly as tomatl does
    let data = dir.join("vectors");
    std::fs::create_dir_all(&data).unwrap_or_else(|e| panic!("{e}"));
    std::fs::copy(design.join("design.json"), data.join("design.json"))
        .unwrap_or_else(|e| panic!("{e}"));
    let mut rng = Rng(77);
    let frames = 40;
    let codes = ndarray::Array2::from_shape_fn((frames, elems as usize), |_| {
        random_value(&mut rng, bits, signed)
    });
    let scale = 2f64.powi(-frac);
    let (lo, hi) = type_range(bits, signed);
    let reals = ndarray::Array2::from_shape_fn((frames, elems as usize), |(f, e)| {
        let k = rng.range(lo - 4, hi + 4) as f64;
        match (f + e) % 4 {
            0 => (k + 0.5) * scale,
            1 => k * scale * 3.0,
            _ => (k + rng.range(0, 999) as f64 / 1000.0) * scale,
        }
    });
    let p = |name: &str| data.join(name).to_string_lossy().into_owned();
    ndarray_npy::write_npy(data.join("input.npy"), &codes).unwrap_or_else(|e| panic!("{e}"));
    ndarray_npy::write_npy(data.join("input_real.npy"), &reals).unwrap_or_else(|e| panic!("{e}"));
    for (i, o) in [
        ("input.npy", "expected.npy"),
        ("input_real.npy", "expected_real.npy"),
    ] {
        let _ = std::fs::remove_file(data.join(o));
        run_tomatl(&[
            "run",
            "examples/jet_tagger.yaml",
            "--input",
            &p(i),
            "--output",
            &p(o),
        ]);
    }

    // the board: bridge + accelerator, on a pseudo-terminal
    let mut sources: Vec<PathBuf> = std::fs::read_dir(design.join("rtl"))
        .unwrap_or_else(|e| panic!("{e}"))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "v"))
        .collect();
    sources.sort();
    sources.push(uart_dir().join("uart_accel_top.v"));
    let top = d["top"].as_str().unwrap_or("jet_tagger_top").to_string();
    let def = |k: &str, v: String| (k.to_string(), v);
    let exe = verilator::build(&verilator::Build {
        top: "uart_accel_top".into(),
        sources,
        cpp: vec![uart_dir().join("uart_pty.cpp")],
        include_dirs: vec![uart_dir()],
        obj_dir: dir.join("obj_dir"),
        defines: vec![
            def("TOMATL_ACCEL", top),
            def("TOMATL_CLK_HZ", SIM_CLK_HZ.to_string()),
            def("TOMATL_BAUD", SIM_BAUD.to_string()),
            def(
                "TOMATL_IN_BYTES",
                (field("input", "tdata_bits") / 8).to_string(),
            ),
            def(
                "TOMATL_IN_BEATS",
                field("input", "beats_per_frame").to_string(),
            ),
            def(
                "TOMATL_OUT_BYTES",
                (field("output", "tdata_bits") / 8).to_string(),
            ),
            def(
                "TOMATL_OUT_BEATS",
                field("output", "beats_per_frame").to_string(),
            ),
        ],
    })
    .unwrap_or_else(|e| panic!("{e}"));

    // the deployment package `tomatl build` writes for the iCEBreaker, with
    // a stand-in for the bitstream (the Verilated board top is the board
    // here): its driver, manifest and golden vectors are the real ones
    let package = dir.join("package");
    let _ = std::fs::remove_dir_all(&package);
    let (hw, graph) = tomatl::sim::verify::read_design(&design).unwrap_or_else(|e| panic!("{e}"));
    let board = tomatl::plan::load_board("icebreaker").unwrap_or_else(|e| panic!("{e}"));
    let stand_in = b"not a bitstream: the test runs the Verilated board top".to_vec();
    let files =
        tomatl::build::deploy::files(&hw, &graph, &board, 24.0, ("icebreaker.bin", stand_in))
            .unwrap_or_else(|e| panic!("{e}"));
    for (rel, bytes) in &files {
        let p = package.join(rel);
        std::fs::create_dir_all(p.parent().unwrap_or(&package)).unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(&p, bytes).unwrap_or_else(|e| panic!("{e}"));
    }
    let m: serde_json::Value = serde_json::from_slice(&files[files.len() - 1].1)
        .unwrap_or_else(|e| panic!("manifest.json: {e}"));
    assert_eq!(m["bitstream"], "icebreaker.bin");
    assert_eq!(m["board"], "icebreaker");
    assert_eq!(
        m["input"], d["input"],
        "manifest.json's input stream is design.json's"
    );
    assert_eq!(m["output"], d["output"]);
    assert_eq!(m["registers"], d["registers"]);
    let listed = m["files"]
        .as_object()
        .unwrap_or_else(|| panic!("manifest.json: no files"));
    assert_eq!(
        listed.len(),
        files.len() - 1,
        "every file but the manifest is listed"
    );
    for (rel, bytes) in &files[..files.len() - 1] {
        assert_eq!(
            listed[rel.as_str()].as_str(),
            Some(tomatl::output::sha256_hex(bytes).as_str()),
            "{rel}'s hash in manifest.json"
        );
    }
    for py in [
        "__init__.py",
        "__main__.py",
        "accelerator.py",
        "protocol.py",
    ] {
        assert!(
            listed.contains_key(&format!("tomatl_driver/{py}")),
            "the package holds tomatl_driver/{py}"
        );
    }

    let driver = repo_root().join("templates").join("driver");
    let out = Command::new("python3")
        .args(["-m", "unittest", "discover", "-s", "tests", "-v"])
        .current_dir(&driver)
        .env("TOMATL_UART_SIM", &exe)
        .env("TOMATL_UART_CLK", SIM_CLK_HZ.to_string())
        .env("TOMATL_UART_BAUD", SIM_BAUD.to_string())
        .env("TOMATL_UART_RTL", design.join("rtl"))
        .env("TOMATL_UART_DATA", &data)
        .env("TOMATL_UART_PACKAGE", &package)
        .output()
        .unwrap_or_else(|e| panic!("running python3: {e}"));
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "the driver's tests failed:\n{text}");
    assert!(
        !text.contains("skipped="),
        "driver tests were skipped:\n{text}"
    );
    let ran = text
        .lines()
        .find_map(|l| l.strip_prefix("Ran "))
        .unwrap_or("?");
    eprintln!("driver tests: ran {ran}");
}

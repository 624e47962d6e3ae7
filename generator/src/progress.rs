//! Progress of the long steps (Verilator build, simulation, synthesis,
//! mixed-precision search) on standard error: a bar when the total is
//! known, elapsed time otherwise.
//!
//! Drawn only when standard error is a terminal, or when `TOMATL_PROGRESS`
//! is `always` (then one line per update, for logs and tests); never when
//! it is `never`. Nothing is drawn on standard output, so `--json` output
//! stays clean.

use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How progress is shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    Off,
    /// Redrawn in place on a terminal.
    Bar,
    /// One line per update (`TOMATL_PROGRESS=always` off a terminal).
    Lines,
}

fn mode() -> Mode {
    match std::env::var("TOMATL_PROGRESS").as_deref() {
        Ok("never") => Mode::Off,
        Ok("always") if !std::io::stderr().is_terminal() => Mode::Lines,
        Ok("always") => Mode::Bar,
        _ if std::io::stderr().is_terminal() => Mode::Bar,
        _ => Mode::Off,
    }
}

/// One step's progress.
pub struct Progress {
    label: String,
    total: Option<u64>,
    done: AtomicU64,
    note: Mutex<String>,
    start: Instant,
    mode: Mode,
    last_line: AtomicU64,
}

const WIDTH: usize = 30;

impl Progress {
    /// A step of `total` units (`None`: unknown, elapsed time only).
    pub fn new(label: impl Into<String>, total: Option<u64>) -> Progress {
        let p = Progress {
            label: label.into(),
            total,
            done: AtomicU64::new(0),
            note: Mutex::new(String::new()),
            start: Instant::now(),
            mode: mode(),
            last_line: AtomicU64::new(u64::MAX),
        };
        p.draw(false);
        p
    }

    /// `n` units done.
    pub fn set(&self, n: u64) {
        self.done.store(n, Ordering::Relaxed);
        self.draw(false);
    }

    /// A short note shown after the bar (the current Yosys pass, say).
    pub fn note(&self, s: &str) {
        if let Ok(mut n) = self.note.lock() {
            s.chars().take(48).collect::<String>().clone_into(&mut n);
        }
        self.draw(false);
    }

    /// The step ended; the final line stays.
    pub fn finish(&self) {
        if let Some(t) = self.total {
            self.done.store(t, Ordering::Relaxed);
        }
        self.draw(true);
    }

    fn line(&self) -> String {
        let secs = self.start.elapsed().as_secs_f64();
        let note = self.note.lock().map(|n| n.clone()).unwrap_or_default();
        let done = self.done.load(Ordering::Relaxed);
        match self.total {
            Some(t) if t > 0 => {
                let fill = ((done.min(t) as usize) * WIDTH) / t as usize;
                format!(
                    "{} [{}{}] {done}/{t} {secs:.1} s {note}",
                    self.label,
                    "#".repeat(fill),
                    "-".repeat(WIDTH - fill)
                )
            }
            _ if done > 0 => format!("{} {done} {note} {secs:.1} s", self.label),
            _ => format!("{} {secs:.1} s {note}", self.label),
        }
    }

    fn draw(&self, last: bool) {
        let mut err = std::io::stderr().lock();
        match self.mode {
            Mode::Off => {}
            Mode::Bar => {
                let _ = write!(err, "\r\x1b[2K{}", self.line());
                if last {
                    let _ = writeln!(err);
                }
                let _ = err.flush();
            }
            Mode::Lines => {
                // a line per tenth of the total (or per call without one)
                let key = match self.total {
                    Some(t) if t > 0 && !last => self.done.load(Ordering::Relaxed) * 10 / t,
                    _ => u64::MAX - 1 - self.done.load(Ordering::Relaxed),
                };
                if last || self.last_line.swap(key, Ordering::Relaxed) != key {
                    let _ = writeln!(err, "{}", self.line());
                }
            }
        }
    }
}

/// Run `f` while a line shows `label` and the elapsed time, redrawn every
/// quarter second.
pub fn while_running<T>(label: &str, f: impl FnOnce() -> T) -> T {
    let p = Progress::new(label, None);
    if p.mode != Mode::Bar {
        let r = f();
        p.finish();
        return r;
    }
    let stop = AtomicBool::new(false);
    let r = std::thread::scope(|s| {
        s.spawn(|| {
            while !stop.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(250));
                p.draw(false);
            }
        });
        let r = f();
        stop.store(true, Ordering::Relaxed);
        r
    });
    p.finish();
    r
}

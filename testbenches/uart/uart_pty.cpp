// A Verilated board on a pseudo-terminal: `uart_accel_top` (the UART bridge
// wrapped around a generated accelerator, uart_accel_top.v) with the host
// end of its UART line on the master side of a pty, so that a host program
// opens the slave (printed on stdout as "pty <path>") like a USB-serial
// port, with pyserial or anything else.
//
// Bytes written to the pty are sent to uart_rx back to back at the bit
// rate; bytes decoded from uart_tx are written to the pty. The simulation
// never runs ahead of the wall clock (simulated time = cycles / CLK_HZ):
// the bridge's inter-byte timeout and the host's timeouts then mean the same
// as on a board, and a host pausing between two writes cannot look like a
// longer pause to the bridge. When the simulation is slower than real time
// it simply runs as fast as it can.
//
// It exits when stdin is closed (the parent's end of a pipe), or after
// --max-seconds of wall time.
//
// Command line: <clk_hz> <baud> [max_seconds]
#include <fcntl.h>
#include <poll.h>
#include <termios.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <vector>

#include "Vuart_accel_top.h"
#include "uart_host.h"
#include "verilated.h"

static void fail(const char* what) {
    std::fprintf(stderr, "uart_pty: %s: %s\n", what, std::strerror(errno));
    std::exit(2);
}

int main(int argc, char** argv) {
    if (argc < 3) {
        std::fprintf(stderr, "usage: uart_pty <clk_hz> <baud> [max_seconds]\n");
        return 2;
    }
    const double clk_hz = std::atof(argv[1]);
    const double baud = std::atof(argv[2]);
    const double max_seconds = argc > 3 ? std::atof(argv[3]) : 600.0;

    int master = posix_openpt(O_RDWR | O_NOCTTY);
    if (master < 0 || grantpt(master) != 0 || unlockpt(master) != 0) fail("posix_openpt");
    const char* name = ptsname(master);
    if (!name) fail("ptsname");
    // Our own handle on the slave keeps the master readable when the host
    // closes and reopens the port; raw mode so that nothing is echoed or
    // translated.
    int slave = open(name, O_RDWR | O_NOCTTY);
    if (slave < 0) fail("open slave");
    termios t;
    if (tcgetattr(slave, &t) != 0) fail("tcgetattr");
    cfmakeraw(&t);
    if (tcsetattr(slave, TCSANOW, &t) != 0) fail("tcsetattr");
    if (fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK) != 0) fail("fcntl");
    std::printf("pty %s\n", name);
    std::fflush(stdout);

    VerilatedContext ctx;
    Vuart_accel_top top(&ctx);
    uart_host::Tx tx;
    uart_host::Rx rx;
    tx.period = clk_hz / baud;
    rx.period = clk_hz / baud;
    std::deque<uint8_t> to_host;

    top.clk = 0;
    top.rst = 1;
    top.uart_rx = 1;
    for (int c = 0; c < 8; ++c) {
        top.eval();
        top.clk = 1;
        top.eval();
        top.clk = 0;
        top.eval();
    }
    top.rst = 0;

    const auto start = std::chrono::steady_clock::now();
    auto wall = [&]() { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); };
    bool stdin_open = true;
    uint8_t buf[4096];
    for (long cycle = 0; stdin_open; ++cycle) {
        if ((cycle & 255) == 0) {
            // pace: wait (for input, or until the wall clock catches up)
            double ahead = (double)cycle / clk_hz - wall();
            pollfd fds[2] = {{master, POLLIN, 0}, {0, POLLIN, 0}};
            int ms = ahead > 0.001 ? (int)(ahead * 1000) : 0;
            if (poll(fds, 2, ms) < 0 && errno != EINTR) fail("poll");
            if (fds[1].revents & (POLLIN | POLLHUP | POLLERR)) {
                ssize_t n = read(0, buf, sizeof buf);
                if (n <= 0) stdin_open = false;
            }
            if (tx.q.size() < 64) {
                ssize_t n = read(master, buf, sizeof buf);
                for (ssize_t i = 0; i < n; ++i) tx.q.push_back({buf[i], 0.0});
            }
            while (!to_host.empty()) {
                size_t n = 0;
                for (; n < to_host.size() && n < sizeof buf; ++n) buf[n] = to_host[n];
                ssize_t w = write(master, buf, n);
                if (w <= 0) break;
                to_host.erase(to_host.begin(), to_host.begin() + w);
            }
            if (wall() > max_seconds) {
                std::fprintf(stderr, "uart_pty: %g s of wall time, stopping\n", max_seconds);
                break;
            }
        }
        top.uart_rx = tx.line(cycle);
        top.eval();
        int b = rx.step(cycle, top.uart_tx);
        if (b >= 0) to_host.push_back((uint8_t)b);
        if (b == -2) std::fprintf(stderr, "uart_pty: framing error on uart_tx at cycle %ld\n", cycle);
        top.clk = 1;
        top.eval();
        top.clk = 0;
        top.eval();
    }
    top.final();
    close(slave);
    close(master);
    return 0;
}

// The host end of a UART line, cycle by cycle, for the benches of
// tomatl_uart_bridge (testbenches/unit/tb_uart_bridge.cpp) and the
// pseudo-terminal harness (testbenches/uart/uart_pty.cpp): a transmitter
// and a receiver, 8N1, least significant bit first, with a bit period in
// cycles that need not be an integer (the host's clock is not the FPGA's).
#ifndef TOMATL_UART_HOST_H
#define TOMATL_UART_HOST_H

#include <cmath>
#include <cstdint>
#include <deque>
#include <utility>

namespace uart_host {

// The host's transmitter: bytes at `period` cycles a bit, 8N1.
struct Tx {
    double period = 8;
    std::deque<std::pair<uint8_t, double>> q;  // byte, idle time before it
    bool active = false;
    double t0 = 0, free_at = 0;
    uint8_t cur = 0;

    int line(long cycle) {
        for (;;) {
            if (!active) {
                if (q.empty() || (double)cycle < free_at + q.front().second) return 1;
                double start = free_at + q.front().second;
                t0 = ((double)cycle - start < 1.0) ? start : (double)cycle;
                cur = q.front().first;
                q.pop_front();
                active = true;
            }
            long bit = (long)std::floor(((double)cycle - t0) / period);
            if (bit >= 10) {
                active = false;
                free_at = t0 + 10 * period;
                continue;
            }
            if (bit == 0) return 0;
            if (bit <= 8) return (cur >> (bit - 1)) & 1;
            return 1;
        }
    }
    bool idle(long cycle) const { return q.empty() && (!active || (double)cycle >= t0 + 10 * period); }
};

// The host's receiver: samples the middle of each bit of its own period.
struct Rx {
    double period = 8;
    bool busy = false;
    int prev = 1;
    double t0 = 0;
    int bit = 0;
    uint8_t v = 0;
    // Returns 0..255 when a byte completes, -1 otherwise, -2 on a bad stop bit.
    int step(long cycle, int line) {
        int r = -1;
        if (!busy) {
            if (prev == 1 && line == 0) {
                busy = true;
                t0 = (double)cycle;
                bit = 0;
                v = 0;
            }
        }
        if (busy && (double)cycle >= t0 + (bit + 0.5) * period) {
            if (bit == 0 && line != 0) {
                busy = false;  // not a start bit
            } else if (bit >= 1 && bit <= 8) {
                v |= (uint8_t)(line << (bit - 1));
            } else if (bit == 9) {
                busy = false;
                r = line ? v : -2;
            }
            bit++;
        }
        prev = line;
        return r;
    }
};

}  // namespace uart_host

#endif

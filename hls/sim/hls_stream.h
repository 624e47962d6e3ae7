// hls_stream.h: a small hls::stream<T> for the C simulation of the kernels
// in hls/, used when the vendor's header is not on the include path (put
// hls/sim/ on the path only then). A stream is an unbounded FIFO: the C
// simulation runs the kernels of a dataflow region one after the other, so
// a producer may write a whole frame before its consumer reads any of it.
//
// A blocking read of an empty stream cannot be satisfied in a sequential
// C simulation (in hardware it is a deadlock, or a producer that writes
// fewer beats than its consumer reads): it prints the stream's name and
// aborts. The optional DEPTH is the FIFO depth the hardware gets; the C
// simulation does not bound the queue by it but records the largest
// occupancy seen (max_size()) so a bench can compare the two.
//
// A stream destroyed with beats unread (in a top's dataflow region: a
// producer that wrote more than its consumer read) adds them to
// hls::sim::leftover_beats() and says so on stderr (the first ten times).
#ifndef TOMATL_SIM_HLS_STREAM_H
#define TOMATL_SIM_HLS_STREAM_H

#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <string>

namespace hls {

namespace sim {
// Beats left unread in streams destroyed so far.
inline std::size_t &leftover_beats() {
    static std::size_t n = 0;
    return n;
}
inline int &leftover_reports() {
    static int n = 0;
    return n;
}
} // namespace sim

template <typename T, int DEPTH = 0>
class stream {
  public:
    stream() : name_("unnamed") {}
    explicit stream(const char *name) : name_(name ? name : "unnamed") {}
    ~stream() {
        if (!q_.empty()) {
            sim::leftover_beats() += q_.size();
            if (sim::leftover_reports()++ < 10) {
                std::fprintf(stderr, "hls::stream '%s': destroyed with %zu beat(s) unread\n",
                             name_.c_str(), q_.size());
            }
        }
    }
    stream(const stream &) = delete;
    stream &operator=(const stream &) = delete;

    // Blocking read: aborts the simulation when the stream is empty.
    T read() {
        if (q_.empty()) {
            std::fprintf(stderr,
                         "hls::stream '%s': read of an empty stream (%zu beats written in all); "
                         "the producer wrote fewer beats than the consumer reads\n",
                         name_.c_str(), writes_);
            std::fflush(stderr);
            std::abort();
        }
        T v = q_.front();
        q_.pop_front();
        return v;
    }
    void read(T &v) { v = read(); }
    void operator>>(T &v) { v = read(); }

    // Non-blocking read: false (v untouched) when empty.
    bool read_nb(T &v) {
        if (q_.empty()) {
            return false;
        }
        v = read();
        return true;
    }

    void write(const T &v) {
        q_.push_back(v);
        ++writes_;
        if (q_.size() > max_size_) {
            max_size_ = q_.size();
        }
    }
    void operator<<(const T &v) { write(v); }
    // Non-blocking write: the simulated queue has no bound, it always succeeds.
    bool write_nb(const T &v) {
        write(v);
        return true;
    }

    bool empty() const { return q_.empty(); }
    // Never full in C simulation (the queue is unbounded).
    bool full() const { return false; }
    std::size_t size() const { return q_.size(); }
    // Largest number of beats held at once so far.
    std::size_t max_size() const { return max_size_; }
    // Beats written since construction.
    std::size_t writes() const { return writes_; }
    const char *name() const { return name_.c_str(); }
    static constexpr int depth() { return DEPTH; }

  private:
    std::string name_;
    std::deque<T> q_;
    std::size_t writes_ = 0;
    std::size_t max_size_ = 0;
};

} // namespace hls

#endif

// firebus — fire-safety IoT SDK.
/// @file
/// firebus::gb26875::deframer: cuts GB/T 26875.3 frames (§6.6) out of a TCP byte stream.
///
/// TCP delivers a byte stream, not frames: a read may hold half a frame, several glued frames,
/// or (from a broken peer or a serial gateway) bytes that are no frame at all. The deframer takes
/// the stream in chunks of any size, delivers every complete valid frame, and reports every byte
/// it throws away, with the reason. It never allocates: its only buffer is a fixed array inside
/// the object, so its memory is bounded whatever it is fed.
///
/// @par Rules
/// The stream is read as one sequence of bytes, offset 0 being the first byte fed after
/// construction or reset(). How it is cut into chunks changes nothing: the same stream gives the
/// same frames and the same rejections, in the same order, whatever the chunk boundaries.
/// 1. **Start.** A frame candidate begins at every `@@` (0x40 0x40). Bytes skipped while looking
///    for one are *garbage*: one errc::garbage rejection per contiguous run of skipped bytes,
///    reported when the next `@@` is found (or by flush()), not one per byte. A single 0x40 at
///    the end of what has been fed may be the first half of a `@@`: it is kept until the next
///    byte arrives.
/// 2. **Cut by length, never by `##`.** There is no byte stuffing (§6.6): `@@` and `##` may occur
///    in any field, the ADU as well as the serial number, the time tag and the addresses. A
///    candidate is cut by its ADU length field L (offset 24, u16le) at 30 + L bytes, and the
///    deframer waits until it holds them all before deciding anything about it.
/// 3. **ADU length over 1024** (errc::adu_too_long, decided after 27 bytes) **or end bytes not
///    `##`** (errc::bad_end): the `@@` was most probably not a frame start (a `@@` inside
///    garbage, or the stream joined in the middle of a frame), so the bytes behind it may well
///    hold a real frame start. Only the first byte of the candidate is discarded (the rejection's
///    length is 1) and the search for `@@` resumes at the very next byte, so `@@@@...` and frames
///    starting inside the rejected candidate are found. The bytes then skipped before the next
///    `@@` form a new garbage run.
/// 4. **Checksum mismatch with correct end bytes** (errc::checksum_mismatch): start, length and
///    end all agree, so the frame structure is intact and only its content is damaged. The whole
///    frame (30 + L bytes) is discarded and the search resumes after it: rescanning it would only
///    turn any `@@` in its payload into spurious rejections, and the frame after it is found
///    where its length says. (The cost: a `@@` in garbage whose length field happens to point at
///    a `##` swallows the 30 + L bytes it spans; with random garbage, one false start in 65 536.)
/// 5. **Valid frame** (start, length, end and checksum correct): delivered, and the search
///    resumes right after it. Reserved commands and invalid time tags are *not* rejected here:
///    that is the business of the layer above (§6.5.3 answers a reserved command with deny).
/// 6. **End of stream** (flush()): a candidate that cannot complete is rejected with
///    errc::truncated, in one rejection that runs from its `@@` up to the next valid frame that
///    lies wholly inside the bytes held, or to the end. So a partial last frame is one report
///    however many `@@` its payload holds, and a complete frame behind an incomplete false start
///    is still delivered (the bytes after it are then handled by rules 1–6). A pending garbage
///    run (a kept single 0x40 included) is reported. Then the deframer is empty; offsets and
///    counters continue.
///
/// @par Accounting
/// Every byte fed is, at any time between calls, in exactly one of: a delivered frame
/// (bytes_delivered()), a discarded span (bytes_discarded(): the rejections reported so far plus
/// pending_garbage(), the garbage run not yet reported), or the buffer (buffered()). So
/// `bytes_delivered() + bytes_discarded() + buffered() == bytes_fed()`, and the lengths of all
/// rejections reported plus pending_garbage() equal bytes_discarded().
///
/// @par Memory and time
/// The deframer holds at most one undecided candidate: buffered() ≤ max_buffered (1053 bytes)
/// between calls, whatever it is fed, in a fixed array of buffer_capacity bytes. Garbage is
/// counted, not stored. Each byte is examined a bounded number of times: a candidate rejected by
/// rule 3 costs O(1) (its end bytes are checked before its checksum), a checksum costs O(L) but
/// consumes those L bytes. A frame that lies wholly inside a chunk is delivered in place, without
/// copying; only a frame split across chunks goes through the buffer, and only the bytes it
/// needs are copied there. Frame starts are searched with std::memchr and checksums computed
/// eight bytes at a time: several GB/s on one core for a stream of valid frames.
///
/// @par Latency
/// A `@@` in garbage is a candidate like any other: the frames behind it are delivered only once
/// it is decided, i.e. after 27 bytes, or after its 30 + L bytes when its length field is valid
/// (at most 1054). A false start whose length field looks valid can therefore hold back a real
/// frame behind it until 1054 bytes have arrived — on a quiet link, indefinitely. A fire alarm
/// must reach the centre within 10 s (GB 26875.1), so a transport must call flush() when the
/// connection has been idle for a short time with bytes buffered (buffered() > 0): firebus's
/// transports use 1 s. A real frame's bytes arrive together; if a slow peer's frame is cut by
/// such a flush, it is rejected as truncated and the peer retransmits it (§6.5.4).
///
/// @par Example
/// @code
/// namespace gb = firebus::gb26875;
/// gb::deframer d;
/// auto on_frame = [&](const gb::frame_view& f) { handle(f.hdr, f.adu); };  // f.adu: a view
/// auto on_reject = [&](const gb::rejection& r) {
///   log(gb::describe(r));  // "checksum 0x46 expected, 0x47 found at offset 75 (78 bytes at ...)"
///   if (r.reason == gb::errc::checksum_mismatch) send_deny(r.candidate);  // §6.5.3
/// };
/// while (std::size_t n = socket.read(buf, sizeof buf)) {
///   d.feed(firebus::byte_view(buf, n), on_frame, on_reject);
/// }
/// d.flush(on_frame, on_reject);  // the connection closed: report a partial last frame
/// @endcode
#ifndef FIREBUS_GB26875_DEFRAMER_HPP
#define FIREBUS_GB26875_DEFRAMER_HPP

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <system_error>

#include <firebus/core/bytes.hpp>
#include <firebus/core/config.hpp>
#include <firebus/gb26875/error.hpp>
#include <firebus/gb26875/frame.hpp>

namespace firebus {
inline namespace v1 {
namespace gb26875 {

/// Bytes the deframer threw away, and why.
struct rejection {
  /// errc::garbage, errc::adu_too_long, errc::bad_end, errc::checksum_mismatch or (from
  /// flush() only) errc::truncated.
  std::error_code reason;
  /// Offset in the stream (bytes fed since construction or reset()) of the first byte discarded.
  std::uint64_t stream_offset = 0;
  /// Bytes discarded: 1 for adu_too_long and bad_end (rule 3), 30 + L for checksum_mismatch, the
  /// whole run for garbage (which may exceed 4 GiB, hence 64 bits), the span for truncated.
  std::uint64_t length = 0;
  /// The offending field, with `offset` relative to stream_offset: the length field for
  /// adu_too_long, the end bytes for bad_end, the checksum for checksum_mismatch (as
  /// decode_frame() reports them); for truncated the bytes needed (`expected`) and held
  /// (`found`); for garbage `expected` 0x4040 and `found` the first byte skipped, or the first two
  /// (big-endian) when the run has two or more.
  frame_diagnostic diag;
  /// The candidate as far as it was examined, valid only during the callback: the whole frame
  /// for checksum_mismatch (its header is intact: §6.5.3 answers it with a deny that echoes its
  /// serial number), the 27 header bytes for adu_too_long, the 30 + L bytes for bad_end, the
  /// rejected span for truncated. Empty for garbage, which is counted, not kept.
  byte_view candidate;
};

/// A one-line description of a rejection for logs, e.g. "checksum 0x46 expected, 0x47 found at
/// offset 75 (78 bytes at stream offset 1024 discarded)".
///
/// @par Example
/// @code
/// d.feed(bytes, on_frame, [](const gb::rejection& r) { std::clog << gb::describe(r) << '\n'; });
/// @endcode
inline std::string describe(const rejection& r) {
  std::string s = r.reason == errc::garbage ? r.reason.message() : describe(r.reason, r.diag);
  return s + " (" + std::to_string(r.length) + (r.length == 1 ? " byte" : " bytes") +
         " at stream offset " + std::to_string(r.stream_offset) + " discarded)";
}

/// Cuts GB/T 26875.3 frames out of a byte stream fed in chunks of any size. See the file
/// documentation for the rules. One per connection: an instance is not thread-safe, instances
/// are independent, and one may be copied or moved (it owns no pointers, nor any heap memory).
///
/// @par Example
/// @code
/// gb::deframer d;
/// std::vector<std::vector<std::uint8_t>> frames;
/// d.feed(chunk, [&](const gb::frame_view& f) { frames.push_back(f.adu.to_vector()); },
///        [&](const gb::rejection& r) { ++errors[r.reason.value()]; });
/// @endcode
class deframer {
 public:
  /// The most bytes buffered between calls: one candidate short of its last byte.
  static constexpr std::size_t max_buffered = max_frame_size - 1;
  /// The size of the fixed internal buffer. Twice a frame, so that bytes consumed from its front
  /// are reclaimed by moving at most one frame for at least one frame consumed.
  static constexpr std::size_t buffer_capacity = 2 * max_frame_size;

  /// An empty deframer at stream offset 0.
  deframer() noexcept = default;

  /// Processes every byte of `chunk` (any size, 0 included). Calls `on_frame(const frame_view&)`
  /// for each valid frame and `on_reject(const rejection&)` for each rejection, in stream order.
  /// A frame_view's ADU points into `chunk` or into the deframer: it is valid only during the
  /// call, copy what must outlive it.
  ///
  /// The callbacks must not call feed(), flush() or reset() on this deframer (such calls are
  /// ignored), and should not throw (STYLE: callbacks never throw into the library). If one does
  /// throw, the exception propagates and the deframer stays consistent, with everything up to
  /// the frame or rejection being reported accounted for: only part of `chunk` was taken
  /// (bytes_fed() grew by that much; some of it may be buffered), and feeding can resume with
  /// the rest of `chunk` from there.
  ///
  /// @par Example
  /// @code
  /// d.feed(firebus::byte_view(buf, n),
  ///        [&](const gb::frame_view& f) { queue.push(f.hdr, f.adu.to_vector()); },
  ///        [&](const gb::rejection& r) { log(gb::describe(r)); });
  /// @endcode
  template <class OnFrame, class OnReject>
  void feed(byte_view chunk, OnFrame&& on_frame, OnReject&& on_reject) {
    if (call_.busy) return;
    const busy_guard guard(*this);
    const std::uint8_t* const p = chunk.data();
    const std::size_t n = chunk.size();
    std::size_t pos = 0;
    std::size_t appended = 0;  // the last `appended` bytes of the buffer are p[pos - appended, pos)
    // A candidate (or a single 0x40) left from earlier chunks: give it exactly the bytes it needs
    // to be decided, decide it in the buffer, and return to the chunk as soon as what is left
    // undecided lies wholly inside the chunk.
    while (len_ != 0 && pos < n) {
      const std::size_t want = wanted();  // always > len_
      const std::size_t k = want - len_ < n - pos ? want - len_ : n - pos;
      if (head_ + len_ + k > buffer_capacity) {  // reclaim the consumed front (amortised O(1))
        std::memmove(buf_.data(), buf_.data() + head_, len_);
        head_ = 0;
      }
      std::memcpy(buf_.data() + head_ + len_, p + pos, k);
      len_ += k;
      pos += k;
      appended += k;
      if (len_ < want) break;  // the chunk ran out first: nothing to decide yet
      call_.in_buffer = true;
      scan<false>(buf_.data() + head_, len_, on_frame, on_reject);  // consumes from the buffer
      call_.in_buffer = false;
      if (len_ <= appended) {  // what is left came from this chunk: take it from there, in place
        pos -= len_;
        head_ = 0;
        len_ = 0;
      }
    }
    if (len_ == 0 && pos < n) {
      const std::uint64_t before = offset_;
      scan<false>(p + pos, n - pos, on_frame, on_reject);
      pos += static_cast<std::size_t>(offset_ - before);
      // The undecided tail: a candidate short of bytes (< 1054) or a single 0x40.
      const std::size_t tail = n - pos;
      if (tail != 0) std::memcpy(buf_.data(), p + pos, tail);
      head_ = 0;
      len_ = tail;
    }
  }

  /// Ends the stream (rule 6): decides what is buffered as if no more bytes were coming, reports
  /// the pending garbage run, and leaves the deframer empty. Offsets and counters continue, so
  /// feeding may go on (e.g. after an idle timeout) as a new stream segment.
  ///
  /// @par Example
  /// @code
  /// d.flush(on_frame, on_reject);  // peer closed: "frame or object truncated (40 bytes ...)"
  /// @endcode
  template <class OnFrame, class OnReject>
  void flush(OnFrame&& on_frame, OnReject&& on_reject) {
    if (call_.busy) return;
    const busy_guard guard(*this);
    if (len_ != 0) {
      call_.in_buffer = true;
      scan<true>(buf_.data() + head_, len_, on_frame, on_reject);  // consumes everything
      call_.in_buffer = false;
    }
    head_ = 0;
    report_garbage(on_reject);
  }

  /// Forgets everything, counters and pending garbage included (unreported: flush() first to
  /// have it reported). The next byte fed is at stream offset 0.
  void reset() noexcept {
    if (call_.busy) return;
    *this = deframer();
  }

  /// Bytes held, waiting for the rest of a candidate; at most max_buffered between calls.
  std::size_t buffered() const noexcept { return len_; }
  /// Bytes of the current garbage run, discarded but not yet reported.
  std::uint64_t pending_garbage() const noexcept { return garbage_length_; }
  /// Valid frames delivered.
  std::uint64_t frames() const noexcept { return frames_; }
  /// Rejections reported.
  std::uint64_t rejected() const noexcept { return rejected_; }
  /// Bytes fed (the stream offset of the next byte to be fed).
  std::uint64_t bytes_fed() const noexcept { return offset_ + len_; }
  /// Bytes of the frames delivered.
  std::uint64_t bytes_delivered() const noexcept { return delivered_; }
  /// Bytes discarded: those of the rejections reported, plus pending_garbage().
  std::uint64_t bytes_discarded() const noexcept { return discarded_; }

 private:
  // Marks the deframer busy for a call, and leaves it idle however the call ends (a callback
  // that throws included).
  struct busy_guard {
    explicit busy_guard(deframer& d) noexcept : d_(d) { d_.call_.busy = true; }
    ~busy_guard() {
      d_.call_.busy = false;
      d_.call_.in_buffer = false;
    }
    busy_guard(const busy_guard&) = delete;
    busy_guard& operator=(const busy_guard&) = delete;
    deframer& d_;
  };

  static std::size_t adu_length(const std::uint8_t* candidate) noexcept {
    return static_cast<std::size_t>(candidate[length_offset]) |
           static_cast<std::size_t>(candidate[length_offset + 1]) << 8;
  }

  // Bytes the buffered candidate needs before it can be decided. The buffer always starts with
  // 0x40 and is never decidable as it stands, so the answer is always more than len_.
  std::size_t wanted() const noexcept {
    if (len_ < 2) return 2;
    if (len_ < header_size) return header_size;
    return frame_size(adu_length(buf_.data() + head_));  // ≤ 1024: else it was decided
  }

  // The first `@@` in p[from, n); or n - 1 if the only 0x40 left is the last byte; or n.
  static std::size_t find_start(const std::uint8_t* p, std::size_t from, std::size_t n) noexcept {
    // Glued frames: the next frame starts right here. Skip memchr's call overhead.
    if (n - from >= 2 && p[from] == start_byte && p[from + 1] == start_byte) return from;
    while (from < n) {
      const void* hit = std::memchr(p + from, start_byte, n - from);
      if (hit == nullptr) return n;
      const auto at = static_cast<std::size_t>(static_cast<const std::uint8_t*>(hit) - p);
      if (at + 1 == n || p[at + 1] == start_byte) return at;
      from = at + 2;  // p[at + 1] is not 0x40: no `@@` can start there either
    }
    return n;
  }

  // The start of the first valid frame wholly inside p[from, n), or n (rule 6). Only flush()
  // calls it, on at most max_buffered bytes: O(max_buffered^2) at worst, once per flush.
  static std::size_t next_frame(const std::uint8_t* p, std::size_t from, std::size_t n) noexcept {
    for (;;) {
      const std::size_t at = find_start(p, from, n);
      if (at + 1 >= n) return n;
      const std::size_t avail = n - at;
      if (avail >= header_size) {
        const std::size_t length = adu_length(p + at);
        if (length <= max_adu_size && avail >= frame_size(length)) {
          std::error_code ec;
          (void)decode_frame(byte_view(p + at, frame_size(length)), ec);
          if (!ec) return at;
        }
      }
      from = at + 1;
    }
  }

  // Marks `count` bytes at the scan position as consumed, in the buffer too when scanning it.
  // Done before every callback, so that a callback sees (and an exception leaves) a consistent
  // state.
  void consume(std::size_t count) noexcept {
    offset_ += count;
    if (call_.in_buffer) {
      head_ += count;
      len_ -= count;
    }
  }

  // Adds `count` skipped bytes at `p` to the garbage run (rule 1).
  void skip(const std::uint8_t* p, std::size_t count) noexcept {
    if (count == 0) return;
    if (garbage_length_ == 0) {
      garbage_offset_ = offset_;
      garbage_found_ = count >= 2 ? std::uint32_t{p[0]} << 8 | p[1] : p[0];
    } else if (garbage_length_ == 1) {
      garbage_found_ = garbage_found_ << 8 | p[0];
    }
    garbage_length_ += count;
    discarded_ += count;
    consume(count);
  }

  template <class OnReject>
  void report_garbage(OnReject& on_reject) {
    if (garbage_length_ == 0) return;
    rejection r;
    r.reason = make_error_code(errc::garbage);
    r.stream_offset = garbage_offset_;
    r.length = garbage_length_;
    r.diag = {0, 0x4040u, garbage_found_};
    garbage_length_ = 0;
    ++rejected_;
    on_reject(static_cast<const rejection&>(r));
  }

  // Rejects the `length` bytes at the scan position (rules 3, 4 and 6).
  template <class OnReject>
  void reject(errc reason, std::size_t length, byte_view candidate, const frame_diagnostic& diag,
              OnReject& on_reject) {
    rejection r;
    r.reason = make_error_code(reason);
    r.stream_offset = offset_;
    r.length = length;
    r.diag = diag;
    r.candidate = candidate;
    discarded_ += length;
    ++rejected_;
    consume(length);
    on_reject(static_cast<const rejection&>(r));
  }

  // Decides everything that p[0, n) allows, p[0] being at stream offset offset_, and consumes
  // it. Leaves undecided only a candidate short of bytes or a single final 0x40, unless Final,
  // in which case it consumes everything.
  template <bool Final, class OnFrame, class OnReject>
  void scan(const std::uint8_t* p, std::size_t n, OnFrame& on_frame, OnReject& on_reject) {
    std::size_t i = 0;  // the scan position: p[0, i) is consumed
    for (;;) {
      std::size_t at = find_start(p, i, n);
      if (at + 1 >= n) {  // no `@@`: all garbage, but a final 0x40 waits for the next byte
        if (Final) at = n;
        skip(p + i, at - i);
        return;
      }
      skip(p + i, at - i);
      report_garbage(on_reject);  // rule 1: the run ends at a `@@`
      i = at;
      const std::uint8_t* const f = p + at;
      const std::size_t avail = n - at;
      std::size_t need = header_size;
      if (avail >= header_size) {
        const std::size_t length = adu_length(f);
        if (length > max_adu_size) {  // rule 3
          std::error_code ec;
          frame_diagnostic diag;
          (void)check_frame_head(byte_view(f, header_size), ec, &diag);
          reject(errc::adu_too_long, 1, byte_view(f, header_size), diag, on_reject);
          i = at + 1;
          continue;
        }
        need = frame_size(length);
        if (avail >= need) {
          if (f[need - 2] == end_byte && f[need - 1] == end_byte &&
              checksum(byte_view(f + 2, need - 5)) == f[need - 3]) {  // rule 5
            frame_view frame;
            frame.hdr = detail::read_checked_header(f);
            frame.adu = byte_view(f + header_size, length);
            ++frames_;
            delivered_ += need;
            consume(need);
            on_frame(static_cast<const frame_view&>(frame));
            i = at + need;
            continue;
          }
          std::error_code ec;
          frame_diagnostic diag;
          (void)decode_frame(byte_view(f, need), ec, &diag);
          if (ec == errc::checksum_mismatch) {  // rule 4
            reject(errc::checksum_mismatch, need, byte_view(f, need), diag, on_reject);
            i = at + need;
          } else {  // rule 3: bad_end (start and length were checked above)
            reject(errc::bad_end, 1, byte_view(f, need), diag, on_reject);
            i = at + 1;
          }
          continue;
        }
      }
      if (!Final) return;  // wait for the rest of the candidate
      // Rule 6: a candidate that cannot complete, up to the next valid frame.
      const std::size_t end = next_frame(p, at + 1, n);
      const frame_diagnostic diag{avail, static_cast<std::uint32_t>(need),
                                  static_cast<std::uint32_t>(avail)};
      reject(errc::truncated, end - at, byte_view(f, end - at), diag, on_reject);
      i = end;
    }
  }

  std::array<std::uint8_t, buffer_capacity> buf_{};  // undecided bytes: [head_, head_ + len_)
  std::size_t head_ = 0;
  std::size_t len_ = 0;
  std::uint64_t offset_ = 0;  // stream offset of the first undecided byte (buf_[head_])
  std::uint64_t garbage_offset_ = 0;
  std::uint64_t garbage_length_ = 0;
  std::uint32_t garbage_found_ = 0;
  std::uint64_t frames_ = 0;
  std::uint64_t rejected_ = 0;
  std::uint64_t delivered_ = 0;
  std::uint64_t discarded_ = 0;
  // The state of the call in progress. A copy (even one made by a callback) starts idle, and an
  // assignment keeps the target's own.
  struct call_state {
    bool busy = false;       // inside feed() or flush(): calls from callbacks are ignored
    bool in_buffer = false;  // scan() is reading buf_: consume() moves head_ and len_ too
    call_state() noexcept = default;
    call_state(const call_state&) noexcept {}
    call_state& operator=(const call_state&) noexcept { return *this; }
  };
  call_state call_;
};

}  // namespace gb26875
}  // namespace v1
}  // namespace firebus

#endif  // FIREBUS_GB26875_DEFRAMER_HPP

// firebus — fire-safety IoT SDK.
// GB 18030 ⇄ UTF-8 through the platform's iconv (in glibc's libc: nothing extra to link). iconv
// stays in this file: <firebus/text.hpp> includes only the standard library and firebus.
#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <iconv.h>

#include <firebus/text.hpp>

namespace firebus {
inline namespace v1 {
namespace {

class text_category_impl final : public std::error_category {
 public:
  const char* name() const noexcept override { return "firebus.text"; }
  std::string message(int value) const override {
    switch (static_cast<text_errc>(value)) {
      case text_errc::invalid_sequence:
        return "invalid byte sequence";
      case text_errc::incomplete_sequence:
        return "incomplete byte sequence";
      case text_errc::unrepresentable:
        return "character not representable in the target encoding";
      case text_errc::too_long:
        return "text longer than its field";
      case text_errc::unavailable:
        return "GB 18030 conversion not available on this system (iconv)";
    }
    return "unknown firebus.text error " + std::to_string(value);
  }
};

// U+FFFD REPLACEMENT CHARACTER in each encoding.
constexpr std::string_view utf8_replacement = "\xEF\xBF\xBD";
constexpr std::string_view gb18030_replacement = "\x84\x31\xA4\x37";

constexpr std::size_t npos = static_cast<std::size_t>(-1);

// a * k + c, saturating: the output bounds below must not wrap for absurd input sizes.
constexpr std::size_t bound(std::size_t n, std::size_t k, std::size_t c) noexcept {
  const std::size_t max = std::numeric_limits<std::size_t>::max();
  return n > (max - c) / k ? max : n * k + c;
}

bool is_ascii(const char* p, std::size_t n) noexcept {
  return std::all_of(p, p + n, [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

// One conversion descriptor per direction and thread, opened on first use and reset before
// each conversion: an iconv_t carries state and is not thread-safe, and opening one costs more
// than converting a short text. A failed open is retried on the next call.
class converter {
 public:
  converter(const char* to, const char* from) noexcept : to_(to), from_(from) {}
  ~converter() {
    if (open_) iconv_close(cd_);
  }
  converter(const converter&) = delete;
  converter& operator=(const converter&) = delete;

  // The descriptor in its initial state, or false if the platform cannot convert.
  bool acquire() noexcept {
    if (!open_) {
      cd_ = iconv_open(to_, from_);
      if (cd_ == reinterpret_cast<iconv_t>(-1)) return false;
      open_ = true;
    }
    iconv(cd_, nullptr, nullptr, nullptr, nullptr);
    return true;
  }
  iconv_t get() const noexcept { return cd_; }

 private:
  const char* to_;
  const char* from_;
  iconv_t cd_ = reinterpret_cast<iconv_t>(-1);
  bool open_ = false;
};

converter& gb18030_decoder() {
  thread_local converter c("UTF-8", "GB18030");
  return c;
}
converter& gb18030_encoder() {
  thread_local converter c("GB18030", "UTF-8");
  return c;
}

// An output buffer (std::string or std::vector<std::uint8_t>) written by iconv, grown on demand
// up to a hard limit.
template <class Out>
class output {
 public:
  output(Out& out, std::size_t initial, std::size_t limit) : out_(out), limit_(limit) {
    out_.resize(std::min(initial, limit));
  }
  char* next() noexcept { return reinterpret_cast<char*>(out_.data()) + used_; }
  std::size_t room() const noexcept { return out_.size() - used_; }
  void advance(std::size_t n) noexcept { used_ += n; }
  // Room for at least `n` more bytes; false at the limit.
  bool grow(std::size_t n) {
    if (room() >= n) return true;
    if (limit_ - used_ < n) return false;
    const std::size_t doubled = out_.size() > limit_ / 2 ? limit_ : out_.size() * 2;
    out_.resize(std::max(doubled, used_ + n));
    return true;
  }
  bool append(std::string_view bytes) {
    if (!grow(bytes.size())) return false;
    std::copy(bytes.begin(), bytes.end(), next());
    used_ += bytes.size();
    return true;
  }
  void finish() { out_.resize(used_); }

 private:
  Out& out_;
  std::size_t limit_;
  std::size_t used_ = 0;
};

// What iconv reported for one run over a span of input.
enum class stop { done, bad, incomplete, full, failed };

// Converts [in, in + n) into `out` until done or a stop; `in` and `n` advance past what was
// converted. E2BIG grows the output while it can; `full` means the limit is reached.
template <class Out>
stop run(iconv_t cd, const char*& in, std::size_t& n, output<Out>& out) {
  while (n > 0) {
    char* src = const_cast<char*>(in);  // iconv's signature; it never writes the input
    char* dst = out.next();
    std::size_t room = out.room();
    const std::size_t r = iconv(cd, &src, &n, &dst, &room);
    const int e = errno;
    out.advance(static_cast<std::size_t>(dst - out.next()));
    in = src;
    if (r != static_cast<std::size_t>(-1)) break;
    if (e == E2BIG) {
      // The next character needs more room than is left: grow by at least a byte each time,
      // so the loop ends at the limit.
      if (!out.grow(out.room() + 1)) return stop::full;
      continue;
    }
    if (e == EILSEQ) return stop::bad;
    if (e == EINVAL) return stop::incomplete;
    return stop::failed;
  }
  // Flush any shift state (none for these encodings, but iconv's contract asks for it).
  char* dst = out.next();
  std::size_t room = out.room();
  if (iconv(cd, nullptr, nullptr, &dst, &room) == static_cast<std::size_t>(-1)) return stop::failed;
  out.advance(static_cast<std::size_t>(dst - out.next()));
  return stop::done;
}

// How many bytes one U+FFFD replaces when GB 18030 decoding fails at `p` (as the WHATWG
// Encoding Standard resynchronises): a structurally complete 4-byte sequence, a lead byte with
// a non-ASCII trail byte, or else the one byte (a following ASCII byte is decoded on its own).
std::size_t gb18030_bad_length(const unsigned char* p, std::size_t n) noexcept {
  const auto lead = [](unsigned char b) { return b >= 0x81 && b <= 0xfe; };
  const auto digit = [](unsigned char b) { return b >= 0x30 && b <= 0x39; };
  if (n >= 4 && lead(p[0]) && digit(p[1]) && lead(p[2]) && digit(p[3])) return 4;
  if (n >= 2 && lead(p[0]) && p[1] >= 0x80 && p[1] <= 0xfe) return 2;
  return 1;
}

// The length of the well-formed UTF-8 prefix of [p, p + n) (RFC 3629, Unicode Table 3-7). When
// it stops short, `bad` is the length of the maximal ill-formed subpart there (at least 1) and
// `truncated` says whether that subpart is a character cut short by the end of the input.
std::size_t utf8_valid_prefix(const unsigned char* p, std::size_t n, std::size_t& bad,
                              bool& truncated) noexcept {
  std::size_t i = 0;
  while (i < n) {
    const unsigned char b = p[i];
    if (b < 0x80) {
      ++i;
      continue;
    }
    std::size_t need = 0;
    unsigned char lo = 0x80;
    unsigned char hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) {
      need = 1;
    } else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      if (b == 0xe0) lo = 0xa0;  // no overlong forms
      if (b == 0xed) hi = 0x9f;  // no surrogates
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      if (b == 0xf0) lo = 0x90;  // no overlong forms
      if (b == 0xf4) hi = 0x8f;  // nothing above U+10FFFF
    } else {
      bad = 1;
      truncated = false;
      return i;
    }
    std::size_t k = 1;
    for (; k <= need; ++k) {
      if (i + k >= n) {
        bad = k;
        truncated = true;
        return i;
      }
      const unsigned char c = p[i + k];
      if (c < lo || c > hi) {
        bad = k;
        truncated = false;
        return i;
      }
      lo = 0x80;
      hi = 0xbf;
    }
    i += k;
  }
  bad = 0;
  truncated = false;
  return n;
}

// The length of the UTF-8 character starting with a well-formed lead byte.
std::size_t utf8_length(unsigned char lead) noexcept {
  return lead < 0x80 ? 1 : lead < 0xe0 ? 2 : lead < 0xf0 ? 3 : 4;
}

void report(std::error_code& ec, text_errc e, std::size_t* error_offset, std::size_t offset) {
  ec = make_error_code(e);
  if (error_offset != nullptr) *error_offset = offset;
}

std::string decode(byte_view input, std::error_code& ec, text_policy policy,
                   std::size_t* error_offset) {
  ec.clear();
  const char* const begin = reinterpret_cast<const char*>(input.data());
  const std::size_t size = input.size();
  if (is_ascii(begin, size)) return std::string(begin, size);  // GB 18030 is ASCII below 0x80
  converter& c = gb18030_decoder();
  if (!c.acquire()) {
    report(ec, text_errc::unavailable, error_offset, 0);
    return {};
  }
  // Strict output is at most 3 bytes per 2 (a 2-byte code to a 3-byte UTF-8 character; a 4-byte
  // code is never longer in UTF-8); with replacement, at most 3 bytes (U+FFFD) per input byte.
  std::string text;
  output<std::string> out(text, bound(size / 2, 3, 8), bound(size, 3, 16));
  const char* in = begin;
  std::size_t left = size;
  for (;;) {
    const stop s = run(c.get(), in, left, out);
    const auto at = static_cast<std::size_t>(in - begin);
    if (s == stop::done) break;
    if (s == stop::bad && policy == text_policy::replace && out.append(utf8_replacement)) {
      const std::size_t skip = gb18030_bad_length(reinterpret_cast<const unsigned char*>(in), left);
      in += skip;
      left -= skip;
      continue;
    }
    if (s == stop::incomplete && policy == text_policy::replace && out.append(utf8_replacement)) {
      break;  // the tail is one character cut short
    }
    report(ec,
           s == stop::bad          ? text_errc::invalid_sequence
           : s == stop::incomplete ? text_errc::incomplete_sequence
                                   : text_errc::unavailable,
           error_offset, at);
    return {};
  }
  out.finish();
  return text;
}

// UTF-8 to GB 18030 into at most `max_bytes` bytes (npos: no field limit). Well-formed runs go
// through iconv; ill-formed bytes are found here first, so their offsets are exact and do not
// depend on the platform's UTF-8 decoder.
std::vector<std::uint8_t> encode(std::string_view utf8, std::size_t max_bytes, std::error_code& ec,
                                 text_policy policy, std::size_t* error_offset) {
  ec.clear();
  const char* const begin = utf8.data();
  const std::size_t size = utf8.size();
  const auto* const bytes = reinterpret_cast<const unsigned char*>(begin);
  if (is_ascii(begin, size)) {
    if (size > max_bytes) {
      report(ec, text_errc::too_long, error_offset, max_bytes);
      return {};
    }
    return std::vector<std::uint8_t>(bytes, bytes + size);
  }
  converter& c = gb18030_encoder();
  if (!c.acquire()) {
    report(ec, text_errc::unavailable, error_offset, 0);
    return {};
  }
  // Well-formed UTF-8 grows at most 2 times (U+0080..U+07FF: 2 bytes to 4); with replacement, a
  // single bad byte becomes the 4 bytes of U+FFFD.
  const bool field = max_bytes != npos;
  const std::size_t limit = std::min(max_bytes, bound(size, 4, 16));
  std::vector<std::uint8_t> gb;
  output<std::vector<std::uint8_t>> out(gb, bound(size, 2, 8), limit);
  std::size_t pos = 0;
  while (pos < size) {
    std::size_t bad = 0;
    bool truncated = false;
    const std::size_t valid = utf8_valid_prefix(bytes + pos, size - pos, bad, truncated);
    const char* in = begin + pos;
    std::size_t left = valid;
    while (left > 0) {
      const stop s = run(c.get(), in, left, out);
      const auto at = static_cast<std::size_t>(in - begin);
      if (s == stop::done) break;
      if (s == stop::full && field) {
        report(ec, text_errc::too_long, error_offset, at);
        return {};
      }
      // Well-formed input: iconv refuses a character only when the table lacks it.
      if (s == stop::bad && policy == text_policy::replace && out.append(gb18030_replacement)) {
        const std::size_t skip = std::min(left, utf8_length(static_cast<unsigned char>(*in)));
        in += skip;
        left -= skip;
        continue;
      }
      report(ec,
             s == stop::bad || s == stop::incomplete ? text_errc::unrepresentable
                                                     : text_errc::unavailable,
             error_offset, at);
      return {};
    }
    pos += valid;
    if (bad == 0) break;
    if (policy == text_policy::replace) {
      if (!out.append(gb18030_replacement)) {
        report(ec, field ? text_errc::too_long : text_errc::unavailable, error_offset, pos);
        return {};
      }
      pos += bad;
      continue;
    }
    report(ec, truncated ? text_errc::incomplete_sequence : text_errc::invalid_sequence,
           error_offset, pos);
    return {};
  }
  out.finish();
  return gb;
}

}  // namespace

const std::error_category& text_category() noexcept {
  static const text_category_impl instance;
  return instance;
}

std::string gb18030_to_utf8(byte_view gb18030, std::error_code& ec, text_policy policy,
                            std::size_t* error_offset) {
  return decode(gb18030, ec, policy, error_offset);
}

std::vector<std::uint8_t> utf8_to_gb18030(std::string_view utf8, std::error_code& ec,
                                          text_policy policy, std::size_t* error_offset) {
  return encode(utf8, npos, ec, policy, error_offset);
}

std::vector<std::uint8_t> utf8_to_gb18030_field(std::string_view utf8, std::size_t max_bytes,
                                                std::error_code& ec, std::size_t* error_offset) {
  return encode(utf8, max_bytes == npos ? npos - 1 : max_bytes, ec, text_policy::strict,
                error_offset);
}

std::string description_to_utf8(const gb26875::description& d, std::error_code& ec,
                                text_policy policy, std::size_t* error_offset) {
  // GB 18030 trail bytes are never 0x00 or 0x20, so trimming cannot cut a character.
  return decode(gb26875::trimmed(d), ec, policy, error_offset);
}

gb26875::description utf8_to_description(std::string_view utf8, std::error_code& ec,
                                         std::size_t* error_offset) {
  gb26875::description d{};
  const std::vector<std::uint8_t> gb =
      encode(utf8, d.size(), ec, text_policy::strict, error_offset);
  if (ec) return d;
  std::copy(gb.begin(), gb.end(), d.begin());
  return d;
}

}  // namespace v1
}  // namespace firebus

// Local differential privacy (SPEC section 7, opt-in `privacy.ldp_epsilon`):
// randomized response on a session's micro-conversion and funnel-step bits
// in the browser, and the collector's unbiased estimates of the true counts.
//
// The bits, in one fixed order from the config: bit i < micros is "did
// micro-conversion i at least once"; then, funnel by funnel in config order,
// one bit per step, "reached step s" (FunnelProgress.reached). An LDP summary
// carries these bits randomized and nothing else that depends on what the
// visitor did (StripToLdp says exactly what stays).
//
// Each bit is reported truthfully with probability p = e^eps / (1 + e^eps)
// and flipped with q = 1 - p, so any one report of a bit is eps-LDP; the B
// bits of a summary together are (B * eps)-LDP by composition (the bits are
// correlated, so B * eps is an upper bound, not a tight one).
//
// One release per session: an LDP session sends nothing while it runs and
// one summary when it ends (Session::Flush), so an observer of every
// request never sees two answers for one bit (a changed answer would say
// that the true bit turned on). Its bytes do not depend on when it is made
// (seq 0, the Ended flag always set): what the playground previews is what
// the end sends, if nothing happens in between. The flip of bit i when its
// true value is v is a pure function of a per-session secret seed (random
// from the host, kept in the snapshot, never sent) and (i, v), so a resend
// (outbox, another tab ending the same session) repeats the same answers.
#ifndef MICROCONV_CORE_LDP_H_
#define MICROCONV_CORE_LDP_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "core/config.h"
#include "core/schema/summary_generated.h"

namespace microconv {

// The range `config check` accepts (0 = off). Below 0.1 the estimates need
// millions of sessions to say anything (SD ~ 10 / sqrt(n)); above 10 a bit
// is flipped with probability < 5e-5, which protects nothing.
inline constexpr float kMinLdpEpsilon = 0.1f;
inline constexpr float kMaxLdpEpsilon = 10.0f;
// Bytes of the largest bit set: every micro-conversion and funnel step.
inline constexpr size_t kMaxLdpBitBytes =
    (kMaxMicroConversions + kMaxFunnels * kMaxFunnelSteps + 7) / 8;

// The config's privacy.ldp_epsilon, 0 when off.
float LdpEpsilon(const Config& config);

// Randomized bits of a config: micros plus every funnel's steps.
size_t LdpBitCount(const Config& config);
// Index of funnel `funnel`'s step 0 among the bits.
size_t LdpFunnelBit(const Config& config, size_t funnel);

// Probability that one bit is reported flipped: 1 / (1 + e^eps), with an
// e^x of its own (the browser's module would otherwise link libm's exp and
// its tables for this one call; browser and collector share it, so the
// estimator uses the very q the tracker flipped with).
double LdpFlipProbability(double epsilon);

// The session's true bits (LSB-first bitset, LdpBitCount bits) from a full,
// unrandomized summary built for `config`.
std::vector<uint8_t> LdpTrueBits(const wire::Summary& summary, const Config& config);

// Randomized response on `bits` (LdpBitCount(config) of them), memoised by
// (seed, bit, value): the same inputs always give the same output.
std::vector<uint8_t> RandomizeLdpBits(std::span<const uint8_t> bits, size_t count, uint64_t seed,
                                      double epsilon);

// Turns a full summary into the LDP summary of the same session: the
// randomized bits and epsilon in, every field that would reveal a true bit
// out. Stays: version, site, config_hash, nonce, start_minute, the segment
// dimensions of `facts`, referrer and utm_* (all known when the session
// starts, before the visitor did anything); seq is 0 and the Ended flag set
// (the session's one summary, whenever it is made). Returns the LDP
// summary's bytes, written with direct builder calls like the session's
// (core/flatbuffer_write.h).
std::vector<uint8_t> StripToLdp(const wire::Summary& full, const Config& config, uint64_t seed,
                                float epsilon);

inline bool LdpBit(std::span<const uint8_t> bits, size_t i) {
  return i / 8 < bits.size() && ((bits[i / 8] >> (i % 8)) & 1) != 0;
}

// Sessions of one epsilon and how many reported each bit set.
struct LdpTally {
  uint64_t sessions = 0;
  std::vector<uint64_t> ones;  // per bit
  LdpTally& operator+=(const LdpTally& o);
  LdpTally& operator-=(const LdpTally& o);
  bool operator==(const LdpTally& o) const;
};

// An unbiased estimate of how many of n sessions had a bit set, from y
// randomized reports: (y - n q) / (1 - 2 q), with its variance n p q /
// (p - q)^2 (exact: it does not depend on the data) and 95 % normal interval. The point estimate is
// not clamped (clamping to 0..n would bias it); the interval is.
struct LdpEstimate {
  double count = 0;
  double variance = 0;
  double low = 0;
  double high = 0;
  double sessions = 0;  // n, exact
};
LdpEstimate EstimateLdpCount(uint64_t ones, uint64_t sessions, double epsilon);

// Combines independent parts (exact sessions: variance 0; one LdpEstimate
// per epsilon): counts, variances and sessions add; the interval is
// recomputed from the summed variance and clamped to 0..sessions.
LdpEstimate CombineLdpEstimates(std::span<const LdpEstimate> parts);

}  // namespace microconv

#endif  // MICROCONV_CORE_LDP_H_

#include "core/ldp.h"

#include <algorithm>
#include <cmath>  // std::sqrt: collector side

#include "core/config.h"
#include "core/flatbuffer_view.h"
#include "core/flatbuffer_write.h"
#include "core/wire_ids.h"

namespace microconv {
namespace {

// z of a two-sided 95 % normal interval.
constexpr double kZ95 = 1.959963984540054;

// SplitMix64's finaliser: a bijective mix, so distinct (seed, bit, value)
// inputs give independent-looking uniforms. Not a cryptographic PRF, but the
// seed is secret and never leaves the device, and the collector sees only
// the randomized bits, never the uniforms.
uint64_t Mix(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// Uniform in [0, 1) for (seed, bit, value), 53 bits.
double Uniform(uint64_t seed, size_t bit, bool value) {
  const uint64_t key = (static_cast<uint64_t>(bit) << 1) | (value ? 1u : 0u);
  const uint64_t r = Mix(Mix(seed) ^ Mix(key + 0x9e3779b97f4a7c15ULL));
  return static_cast<double>(r >> 11) * 0x1.0p-53;
}

// e^x for 0 <= x <= 4096 (epsilon's range is 0.1..10): halve x below 1/16, sum the
// Taylor series there (the 12th term is < 1e-20), square back. Relative
// error ~1e-14 (each squaring doubles it): far below what the estimator's
// variance could show.
double Exp(double x) {
  int halvings = 0;
  for (; x > 0.0625 && halvings < 16; x /= 2) ++halvings;
  double term = 1, sum = 1;
  for (int k = 1; k <= 12; ++k) {
    term *= x / k;
    sum += term;
  }
  for (; halvings > 0; --halvings) sum *= sum;
  return sum;
}

void SetBit(std::vector<uint8_t>& bits, size_t i) {
  bits[i / 8] = static_cast<uint8_t>(bits[i / 8] | (1u << (i % 8)));
}

size_t MicroCount(const Config& config) {
  const auto* micros = config.def().micros();
  return micros == nullptr ? 0 : micros->size();
}

}  // namespace

float LdpEpsilon(const Config& config) {
  const auto* privacy = config.def().privacy();
  return privacy == nullptr ? 0.0f : privacy->ldp_epsilon();
}

size_t LdpFunnelBit(const Config& config, size_t funnel) {
  size_t bit = MicroCount(config);
  const auto* funnels = config.def().funnels();
  for (size_t f = 0; funnels != nullptr && f < funnel && f < funnels->size(); ++f) {
    const auto* steps = funnels->Get(static_cast<flatbuffers::uoffset_t>(f))->steps();
    bit += steps == nullptr ? 0 : steps->size();
  }
  return bit;
}

size_t LdpBitCount(const Config& config) {
  const auto* funnels = config.def().funnels();
  return LdpFunnelBit(config, funnels == nullptr ? 0 : funnels->size());
}

double LdpFlipProbability(double epsilon) { return 1.0 / (1.0 + Exp(epsilon)); }

std::vector<uint8_t> LdpTrueBits(const wire::Summary& summary, const Config& config) {
  const size_t count = LdpBitCount(config);
  const size_t micros = MicroCount(config);
  std::vector<uint8_t> bits((count + 7) / 8, 0);
  for (uint8_t id : BytesOf(summary.path_steps())) {
    if (id < micros) SetBit(bits, id);
  }
  for (const wire::IdCount& repeat : StructsOf(summary.repeats())) {
    if (repeat.id() < micros && repeat.count() > 0) SetBit(bits, repeat.id());
  }
  const auto* funnels = config.def().funnels();
  for (const wire::FunnelProgress& progress : StructsOf(summary.funnels())) {
    if (funnels == nullptr || progress.funnel() >= funnels->size()) continue;
    // As the exact step figures count them: an excluded session is in none.
    if (HasFlag(progress.flags(), wire::FunnelFlags::Excluded)) continue;
    const size_t first = LdpFunnelBit(config, progress.funnel());
    const auto* steps = funnels->Get(progress.funnel())->steps();
    const size_t n = steps == nullptr ? 0 : steps->size();
    for (size_t s = 0; s < n && s < 32; ++s) {
      if ((progress.reached() >> s) & 1u) SetBit(bits, first + s);
    }
  }
  return bits;
}

std::vector<uint8_t> RandomizeLdpBits(std::span<const uint8_t> bits, size_t count, uint64_t seed,
                                      double epsilon) {
  const double flip = LdpFlipProbability(epsilon);
  std::vector<uint8_t> out((count + 7) / 8, 0);
  for (size_t i = 0; i < count; ++i) {
    const bool value = LdpBit(bits, i);
    if (value != (Uniform(seed, i, value) < flip)) SetBit(out, i);
  }
  return out;
}

std::vector<uint8_t> StripToLdp(const wire::Summary& full, const Config& config, uint64_t seed,
                                float epsilon) {
  const std::vector<uint8_t> truth = LdpTrueBits(full, config);
  flatbuffers::FlatBufferBuilder fbb(256);
  // Children in the schema's field order, as in Session::BuildSummary.
  auto copy = [&fbb](const flatbuffers::String* text) {
    return text == nullptr || text->size() == 0 ? 0 : fbb.CreateString(text);
  };
  const auto site = copy(full.site());
  const auto referrer = copy(full.referrer());
  const auto utm_source = copy(full.utm_source());
  const auto utm_medium = copy(full.utm_medium());
  const auto utm_campaign = copy(full.utm_campaign());
  const auto bits = VectorOrNull(fbb, RandomizeLdpBits(truth, LdpBitCount(config), seed, epsilon));
  // Only the context known at the start: the durations, counts, bounce and
  // entry/exit pages all follow from (or hint at) what the visitor did, and
  // seq (flushes so far) would count page hides.
  const wire::Dimensions dims = full.facts() ? full.facts()->dims() : wire::Dimensions();
  const wire::SessionFacts facts(0, 0, 0, 0, 0, 0, dims, wire::FactFlags::Ended, 0, 0);
  wire::FinishSummaryBuffer(
      fbb,
      wire::CreateSummary(fbb, full.version(), site, full.config_hash(), full.nonce(), 0,
                          full.start_minute(), &facts, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, referrer,
                          utm_source, utm_medium, utm_campaign, 0, 0, 0, epsilon, bits));
  return {fbb.GetBufferPointer(), fbb.GetBufferPointer() + fbb.GetSize()};
}

LdpTally& LdpTally::operator+=(const LdpTally& o) {
  sessions += o.sessions;
  if (ones.size() < o.ones.size()) ones.resize(o.ones.size(), 0);
  for (size_t i = 0; i < o.ones.size(); ++i) ones[i] += o.ones[i];
  return *this;
}

LdpTally& LdpTally::operator-=(const LdpTally& o) {
  sessions -= o.sessions;
  if (ones.size() < o.ones.size()) ones.resize(o.ones.size(), 0);
  for (size_t i = 0; i < o.ones.size(); ++i) ones[i] -= o.ones[i];
  // Canonical form: trailing zero bits go, so Add then Remove gives back
  // an equal (and equally serialised) tally.
  while (!ones.empty() && ones.back() == 0) ones.pop_back();
  return *this;
}

bool LdpTally::operator==(const LdpTally& o) const {
  if (sessions != o.sessions) return false;
  const size_t n = std::max(ones.size(), o.ones.size());
  for (size_t i = 0; i < n; ++i) {
    if ((i < ones.size() ? ones[i] : 0) != (i < o.ones.size() ? o.ones[i] : 0)) return false;
  }
  return true;
}

LdpEstimate EstimateLdpCount(uint64_t ones, uint64_t sessions, double epsilon) {
  LdpEstimate e;
  e.sessions = static_cast<double>(sessions);
  if (sessions == 0) return e;
  const double q = LdpFlipProbability(epsilon);
  const double n = static_cast<double>(sessions);
  const double y = static_cast<double>(std::min(ones, sessions));
  const double scale = 1.0 - 2.0 * q;  // p - q
  e.count = (y - n * q) / scale;
  // Var(y) = n pi (1 - pi) with pi the share reported set, estimated by
  // y / n: the plug-in variance of the unbiased count.
  // y sums n independent reports, each flipped with probability q whatever
  // the true bit: Var(y) = n p q exactly, for the sessions counted (the
  // figure is a count of these sessions, not a rate of some wider
  // population). At most n / 4, the (e^eps + 1) / (2 (e^eps - 1)
  // sqrt(n)) for a share.
  e.variance = n * q * (1.0 - q) / (scale * scale);
  const double half = kZ95 * std::sqrt(e.variance);
  e.low = std::clamp(e.count - half, 0.0, n);
  e.high = std::clamp(e.count + half, 0.0, n);
  return e;
}

LdpEstimate CombineLdpEstimates(std::span<const LdpEstimate> parts) {
  LdpEstimate total;
  for (const LdpEstimate& part : parts) {
    total.count += part.count;
    total.variance += part.variance;
    total.sessions += part.sessions;
  }
  const double half = kZ95 * std::sqrt(total.variance);
  total.low = std::clamp(total.count - half, 0.0, total.sessions);
  total.high = std::clamp(total.count + half, 0.0, total.sessions);
  return total;
}

}  // namespace microconv

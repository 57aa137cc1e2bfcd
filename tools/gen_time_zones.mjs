// Generates core/time_zones.cc, the time zone -> country table of the country
// dimension, from the installed tzdata (Debian's `tzdata` package).
// Usage:
//   node tools/gen_time_zones.mjs [--zoneinfo DIR] > core/time_zones.cc
//   node tools/gen_time_zones.mjs [--zoneinfo DIR] --check core/time_zones.cc
// --check exits 0 when the file is exactly what this generator writes, 1 with
// the first differing line when not, and 77 (ctest's skip) when the installed
// tzdata is another release than the one the file was generated from.
//
// Node because the build already needs it (tracker bundle, e2e tests) and the
// job is reading two text tables: no compiled tool, no other interpreter.
//
// The rule: every zone of zone.tab with its country, plus every link name of
// tzdata.zi whose target is one of those zones, with the target's country.
// Zones of no country (UTC, Etc/*, GMT) are absent and map to 0 in the core.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

// Legacy names whose tzdata link target lies in another country but which
// keep their own country (Iceland is IS, not CI like its target
// Africa/Abidjan): tzdata records this only in comments of its `backward`
// file, which Debian does not install, so the table keeps it here.
const kOwnCountry = new Map([
  ['Africa/Asmera', 'er'],
  ['Africa/Timbuktu', 'ml'],
  ['America/Coral_Harbour', 'ca'],
  ['Antarctica/South_Pole', 'aq'],
  ['Atlantic/Jan_Mayen', 'sj'],
  ['Iceland', 'is'],
  ['Pacific/Johnston', 'um'],
  ['Pacific/Ponape', 'fm'],
  ['Pacific/Truk', 'fm'],
  ['Pacific/Yap', 'fm'],
]);

function fail(message, code = 1) {
  process.stderr.write(`gen_time_zones: ${message}\n`);
  process.exit(code);
}

function parseArgs(argv) {
  const args = { zoneinfo: '/usr/share/zoneinfo', check: null };
  for (let i = 0; i < argv.length; ++i) {
    if (argv[i] === '--zoneinfo' && i + 1 < argv.length) args.zoneinfo = argv[++i];
    else if (argv[i] === '--check' && i + 1 < argv.length) args.check = argv[++i];
    else fail(`unknown argument ${argv[i]}`, 2);
  }
  return args;
}

// zone.tab: "CC<TAB>coordinates<TAB>TZ[<TAB>comments]", # comments.
function readZoneTab(path) {
  const zones = new Map();
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const [country, , zone] = line.split('\t');
    if (!/^[A-Z]{2}$/.test(country) || !zone) fail(`${path}: bad line "${line}"`);
    zones.set(zone, country.toLowerCase());
  }
  return zones;
}

// tzdata.zi: "# version 2025b", then rules, zones and "L TARGET LINK" lines.
function readTzdataZi(path) {
  const text = readFileSync(path, 'utf8');
  const version = /^# version (\S+)$/m.exec(text)?.[1];
  if (!version) fail(`${path}: no "# version" line`);
  const links = new Map();
  for (const line of text.split('\n')) {
    if (!line.startsWith('L ')) continue;
    const [, target, name] = line.split(' ');
    links.set(name, target);
  }
  return { version, links };
}

function buildTable(zones, links) {
  const table = new Map(zones);
  for (const [name, target] of links) {
    if (table.has(name) || !zones.has(target)) continue;
    table.set(name, zones.get(target));
  }
  for (const [name, country] of kOwnCountry) {
    const target = links.get(name);
    // A tzdata release that changes one of these must be looked at, not
    // papered over.
    if (zones.has(name) || !zones.has(target) || zones.get(target) === country) {
      fail(`${name}: no longer a link to a zone of another country; review kOwnCountry`);
    }
    table.set(name, country);
  }
  const byteOrder = (a, b) => (a < b ? -1 : a > b ? 1 : 0); // ASCII names: code units = bytes
  return [...table.entries()].sort((a, b) => byteOrder(a[0], b[0]));
}

function render(version, entries) {
  const head = `// Time zone -> country, so the country dimension comes from the browser's
// time zone and never from an IP address. Generated from tzdata ${version}
// zone.tab (every zone tied to one country) plus the legacy names of its
// \`backward\` links ("Asia/Calcutta", "US/Eastern"); links whose target lies
// in another country keep the alias's own country ("Iceland" is IS, not CI).
// Zones of no country (UTC, Etc/*, GMT) are absent and map to 0.
// Written by tools/gen_time_zones.mjs: regenerate, do not edit by hand.
#include <string_view>

#include "core/dimensions.h"

namespace microconv {
namespace {

// One packed text of "<zone> <cc>\\n" lines (cc: ISO 3166-1 alpha-2,
// lowercase), sorted by zone: no pointer per entry, so the browser's module
// carries the names once (a table of string_view pairs cost as much again in
// pointers, which do not compress). Looked up once per session: a linear
// scan is fast enough.
constexpr std::string_view kZoneCountries =
`;
  const tail = `;

constexpr size_t kCountryColumn = 3;  // " cc" before each newline

constexpr bool WellFormed(std::string_view table) {
  std::string_view previous;
  while (!table.empty()) {
    const size_t end = table.find('\\n');
    if (end == std::string_view::npos || end <= kCountryColumn) return false;
    const std::string_view line = table.substr(0, end);
    const std::string_view zone = line.substr(0, end - kCountryColumn);
    if (line[end - kCountryColumn] != ' ' || zone.find(' ') != std::string_view::npos) return false;
    if (!(previous < zone)) return false;
    previous = zone;
    table.remove_prefix(end + 1);
  }
  return true;
}
static_assert(WellFormed(kZoneCountries), "kZoneCountries: sorted \\"<zone> <cc>\\\\n\\" lines");

}  // namespace

uint16_t CountryOfTimeZone(std::string_view time_zone) noexcept {
  std::string_view table = kZoneCountries;
  while (!table.empty()) {
    const size_t end = table.find('\\n');
    const std::string_view zone = table.substr(0, end - kCountryColumn);
    if (zone == time_zone) {
      return static_cast<uint16_t>(table[end - 2] << 8 | table[end - 1]);
    }
    if (time_zone < zone) return 0;  // sorted: it is not further on
    table.remove_prefix(end + 1);
  }
  return 0;
}

}  // namespace microconv
`;
  const rows = entries.map(([zone, country]) => `    "${zone} ${country}\\n"`).join('\n');
  return head + rows + tail;
}

const args = parseArgs(process.argv.slice(2));
const zones = readZoneTab(join(args.zoneinfo, 'zone.tab'));
const { version, links } = readTzdataZi(join(args.zoneinfo, 'tzdata.zi'));
const generated = render(version, buildTable(zones, links));

if (args.check === null) {
  process.stdout.write(generated);
} else {
  const committed = readFileSync(args.check, 'utf8');
  const committedVersion = /Generated from tzdata (\S+)/.exec(committed)?.[1];
  if (committedVersion !== version) {
    fail(
      `${args.check} is from tzdata ${committedVersion}, tzdata ${version} is installed: ` +
        'regenerate it to update the table',
      77,
    );
  }
  if (generated !== committed) {
    const want = generated.split('\n');
    const have = committed.split('\n');
    let line = 0;
    while (line < want.length && want[line] === have[line]) ++line;
    fail(
      `${args.check}:${line + 1}: differs from the generated table\n` +
        `  generated: ${want[line] ?? '(end of file)'}\n  committed: ${have[line] ?? '(end of file)'}`,
    );
  }
  process.stdout.write(
    `gen_time_zones: ${args.check} matches tzdata ${version} (${zones.size} zones, ` +
      `${links.size} links read)\n`,
  );
}

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
// tzdata.zi whose target is one of those zones, with the target's country,
// except links outside the zone.tab areas ("US/Eastern", "Japan", "GB"): the
// tracker's zone is what `Intl.DateTimeFormat().resolvedOptions().timeZone`
// returns, a canonical id (ICU/CLDR or IANA), never one of those aliases;
// CLDR's legacy canonical ids ("Asia/Calcutta", "Europe/Kiev") stay. The
// generator fails if a zone the running node's ICU returns would be left out.
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

// "America/Argentina/" of "America/Argentina/Salta"; "" for "Japan".
function areaOf(zone) {
  return zone.slice(0, zone.lastIndexOf('/') + 1);
}

// What browsers return for a zone (the running node's ICU, as Chromium's):
// every id ICU lists, and what it makes of every tzdata name.
function browserZones(names) {
  const returned = new Set(Intl.supportedValuesOf('timeZone'));
  for (const name of names) {
    try {
      returned.add(new Intl.DateTimeFormat('en', { timeZone: name }).resolvedOptions().timeZone);
    } catch (_) {
      // A name this ICU does not know: no browser with it returns the name.
    }
  }
  return returned;
}

function buildTable(zones, links) {
  const areas = new Set([...zones.keys()].map(areaOf));
  const table = new Map(zones);
  for (const [name, target] of links) {
    if (table.has(name) || !zones.has(target) || !areas.has(areaOf(name))) continue;
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
  for (const zone of browserZones([...zones.keys(), ...links.keys()])) {
    const target = links.get(zone) ?? zone;
    if (zones.has(target) && !table.has(zone))
      fail(`${zone}: a browser returns it, not in the table`);
  }
  // By area, then by the rest of the name: each area is written once.
  const byteOrder = (a, b) => (a < b ? -1 : a > b ? 1 : 0); // ASCII names: code units = bytes
  const key = (zone) => [areaOf(zone), zone.slice(areaOf(zone).length)];
  return [...table.entries()].sort((a, b) => {
    const [areaA, restA] = key(a[0]);
    const [areaB, restB] = key(b[0]);
    return byteOrder(areaA, areaB) || byteOrder(restA, restB);
  });
}

function render(version, entries) {
  const head = `// Time zone -> country, so the country dimension comes from the browser's
// time zone and never from an IP address. Generated from tzdata ${version}
// zone.tab (every zone tied to one country) plus the legacy names of its
// \`backward\` links in the same areas ("Asia/Calcutta", "Europe/Kiev"; not
// "US/Eastern" or "Japan", which no browser returns); links whose target lies
// in another country keep the alias's own country ("Atlantic/Jan_Mayen" is
// SJ, not NO). Zones of no country (UTC, Etc/*, GMT) are absent and map to 0.
// Written by tools/gen_time_zones.mjs: regenerate, do not edit by hand.
#include <string_view>

#include "core/dimensions.h"

namespace microconv {
namespace {

// One packed text, zones grouped by area: an "<area>/\\n" line, then a
// "<rest of the name> <cc>\\n" line per zone of it (cc: ISO 3166-1 alpha-2,
// lowercase), areas and names sorted. No pointer per entry and each area
// written once, so the browser's module carries little more than the names.
// Looked up once per session: a linear scan is fast enough.
constexpr std::string_view kZoneCountries =
`;
  const tail = `;

constexpr size_t kCountryColumn = 3;  // " cc" before each newline

constexpr bool IsArea(std::string_view line) { return line.back() == '/'; }

constexpr bool WellFormed(std::string_view table) {
  std::string_view area, previous;
  while (!table.empty()) {
    const size_t end = table.find('\\n');
    if (end == std::string_view::npos || end == 0) return false;
    const std::string_view line = table.substr(0, end);
    table.remove_prefix(end + 1);
    if (IsArea(line)) {
      if (!(area < line)) return false;
      area = line;
      previous = {};
      continue;
    }
    if (area.empty() || end <= kCountryColumn || line[end - kCountryColumn] != ' ') return false;
    const std::string_view rest = line.substr(0, end - kCountryColumn);
    if (rest.find_first_of(" /") != std::string_view::npos || !(previous < rest)) return false;
    for (const char c : line.substr(end - 2)) {
      if (c < 'a' || c > 'z') return false;
    }
    previous = rest;
  }
  return true;
}
static_assert(WellFormed(kZoneCountries),
              "kZoneCountries: sorted \\"<area>/\\\\n\\" lines, each followed by sorted \\"<rest> <cc>\\\\n\\" lines");

}  // namespace

uint16_t CountryOfTimeZone(std::string_view time_zone) noexcept {
  const size_t rest_at = time_zone.rfind('/') + 1;  // 0 without a '/'
  const std::string_view area = time_zone.substr(0, rest_at);
  const std::string_view rest = time_zone.substr(rest_at);
  std::string_view table = kZoneCountries, in_area;
  while (!table.empty()) {
    const size_t end = table.find('\\n');
    const std::string_view line = table.substr(0, end);
    table.remove_prefix(end + 1);
    if (IsArea(line)) {
      in_area = line;
    } else if (in_area == area && line.substr(0, end - kCountryColumn) == rest) {
      return static_cast<uint16_t>(line[end - 2] << 8 | line[end - 1]);
    }
  }
  return 0;
}

}  // namespace microconv
`;
  let area = null;
  const rows = [];
  for (const [zone, country] of entries) {
    const rest = zone.slice(areaOf(zone).length);
    if (areaOf(zone) !== area) {
      area = areaOf(zone);
      rows.push(`    "${area}\\n"`);
    }
    rows.push(`    "${rest} ${country}\\n"`);
  }
  return head + rows.join('\n') + tail;
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

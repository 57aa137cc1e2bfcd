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

// tzdata.zi: "# version 2025b", then rules, "Z NAME ..." zones and "L TARGET LINK" links.
function readTzdataZi(path) {
  const text = readFileSync(path, 'utf8');
  const version = /^# version (\S+)$/m.exec(text)?.[1];
  if (!version) fail(`${path}: no "# version" line`);
  const links = new Map();
  const names = new Set();
  for (const line of text.split('\n')) {
    if (line.startsWith('Z ')) names.add(line.split(' ')[1]);
    if (!line.startsWith('L ')) continue;
    const [, target, name] = line.split(' ');
    links.set(name, target);
    names.add(name);
  }
  return { version, links, names };
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

// FNV-1a 32 of a zone name's bytes (ASCII), as core/fnv1a.h computes it.
function fnv1a32(text) {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; ++i)
    hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return hash;
}

// The key a zone is looked up by: the top kKeyBits bits of its FNV-1a 32.
const kKeyBits = 24;
const keyOf = (zone) => fnv1a32(zone) >>> (32 - kKeyBits);

// Every tzdata name outside the table (UTC, Etc/*, "US/Eastern", "Japan"...)
// and the table's own names must have keys of their own, so that every name
// tzdata knows maps to its country or to 0, exactly.
function checkKeys(entries, allNames) {
  const keys = new Map();
  for (const [zone] of entries) {
    if (keys.has(keyOf(zone))) fail(`${zone} and ${keys.get(keyOf(zone))} share a key`);
    keys.set(keyOf(zone), zone);
  }
  for (const name of allNames) {
    const zone = keys.get(keyOf(name));
    if (zone !== undefined && zone !== name) {
      fail(`${name} (not in the table) has the key of ${zone}`);
    }
  }
}

function render(version, entries) {
  const countries = [...new Set(entries.map(([, country]) => country))].sort();
  const sorted = entries.map(([zone, country]) => [keyOf(zone), countries.indexOf(country)]);
  sorted.sort((a, b) => a[0] - b[0]);
  const bytes = [];
  let previous = 0;
  for (const [key, country] of sorted) {
    for (let delta = key - previous; ; delta >>>= 7) {
      if (delta < 0x80) {
        bytes.push(delta);
        break;
      }
      bytes.push((delta & 0x7f) | 0x80);
    }
    bytes.push(country);
    previous = key;
  }
  const rows = [];
  for (let i = 0; i < bytes.length; i += 16) {
    rows.push(
      '    ' +
        bytes
          .slice(i, i + 16)
          .map((b) => `0x${b.toString(16).padStart(2, '0')},`)
          .join(' '),
    );
  }
  const countryRows = [];
  for (let i = 0; i < countries.length; i += 32) {
    countryRows.push(`    "${countries.slice(i, i + 32).join('')}"`);
  }
  return `// Time zone -> country, so the country dimension comes from the browser's
// time zone and never from an IP address. Generated from tzdata ${version}
// zone.tab (every zone tied to one country) plus the legacy names of its
// \`backward\` links in the same areas ("Asia/Calcutta", "Europe/Kiev"; not
// "US/Eastern" or "Japan", which no browser returns); links whose target lies
// in another country keep the alias's own country ("Atlantic/Jan_Mayen" is
// SJ, not NO). Zones of no country (UTC, Etc/*, GMT) are absent and map to 0.
// Written by tools/gen_time_zones.mjs: regenerate, do not edit by hand.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "core/dimensions.h"
#include "core/fnv1a.h"
#include "core/varint.h"

namespace microconv {
namespace {

// The ${entries.length} zones by key, not by name: a zone's key is the top ${kKeyBits} bits of
// the FNV-1a 32 of its name. The names (5.9 KB, ~3 KB brotli in the
// browser's module) are not carried: the generator checks that every name
// tzdata knows, in the table or not, has a key of its own, so each maps
// exactly to its country or to 0. A string that is no tzdata name (no
// browser returns one) finds a country with odds ${entries.length} in 2^${kKeyBits}.
constexpr unsigned kKeyBits = ${kKeyBits};

// ISO 3166-1 alpha-2 codes, lowercase, sorted, two letters each.
constexpr std::string_view kCountries =
${countryRows.join('\n')};

// Per zone, keys increasing: varint(key - previous key), then its country's
// index in kCountries.
constexpr uint8_t kZoneKeys[] = {
${rows.join('\n')}
};

}  // namespace

uint16_t CountryOfTimeZone(std::string_view time_zone) noexcept {
  const uint32_t wanted = Fnv1a32(time_zone) >> (32 - kKeyBits);
  const std::span<const uint8_t> keys(kZoneKeys);
  uint32_t key = 0;
  for (size_t at = 0; at < keys.size();) {
    key += static_cast<uint32_t>(ReadVarint(keys, at, 32).value);
    const size_t country = size_t{keys[at++]} * 2;
    if (key == wanted) return static_cast<uint16_t>(kCountries[country] << 8 | kCountries[country + 1]);
    if (key > wanted) break;
  }
  return 0;
}

}  // namespace microconv
`;
}

const args = parseArgs(process.argv.slice(2));
const zones = readZoneTab(join(args.zoneinfo, 'zone.tab'));
const { version, links, names } = readTzdataZi(join(args.zoneinfo, 'tzdata.zi'));
const entries = buildTable(zones, links);
checkKeys(entries, [...names, 'UTC', 'GMT']);
const generated = render(version, entries);

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

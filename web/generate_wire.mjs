// Writes the tracker's JS twins of C++ wire facts (web/tracker/wire/*.js)
// from their one definition in C++, so the two languages cannot drift:
//   core/event.h         every `enum class` -> one module each (EventType,
//                        Navigation), every `inline constexpr` integer ->
//                        event_record.js (record size and field offsets,
//                        kNoString, name caps)
//   core/schema/*.fbs    the schema enums the tracker writes (MediaEvent)
//   core/status.h + .cc  ErrorName(): one name per `Error` -> error_name.js
//   core/beacon_dictionary.h  the beacons' preset deflate dictionary (base64)
//                        and its version -> beacon_dictionary.js
// One module per enum, imported as a namespace (`import * as EventType`), so
// code reads like the C++ (`EventType.kClick`) and esbuild inlines each value.
// web/build.mjs runs this; tests/web/generate_wire.test.mjs fails when the
// committed files differ from a fresh run.
//
//   node web/generate_wire.mjs [--out DIR]    (default web/tracker/wire)
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const kRoot = resolve(here, '..');
export const kWireDir = join(kRoot, 'web/tracker/wire');

const kEventHeader = 'core/event.h';
const kStatusHeader = 'core/status.h';
const kStatusSource = 'core/status.cc';
const kDictionaryHeader = 'core/beacon_dictionary.h';
// Schema enums the tracker puts into event records.
const kSchemaEnums = [{ file: 'core/schema/config.fbs', name: 'MediaEvent' }];

function fail(file, message) {
  throw new Error(`web/generate_wire.mjs: ${file}: ${message}`);
}

function withoutComments(text) {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/[^\n]*/g, '');
}

// An integer literal as C++ and FlatBuffers write it (decimal or hex, an
// optional unsigned/long suffix); anything else is refused, not guessed.
export function parseInteger(file, literal) {
  const match = /^(-?)(0x[0-9a-f]+|\d+)(?:u|l|ul|lu|ll|ull)?$/i.exec(
    literal.replace(/'/g, '').trim(),
  );
  if (!match) fail(file, `"${literal.trim()}" is not an integer literal`);
  const value = Number(match[2]) * (match[1] ? -1 : 1);
  if (!Number.isSafeInteger(value)) fail(file, `${literal.trim()} does not fit a JS number`);
  return { value, hex: /^0x/i.test(match[2]) };
}

// Enumerators in order with their values; an omitted value is the previous
// one plus one, as in C++ and FlatBuffers.
export function parseEnumerators(file, body) {
  const values = [];
  let next = 0;
  for (const item of withoutComments(body)
    .split(',')
    .map((part) => part.trim())) {
    if (!item) continue;
    const match = /^([A-Za-z_]\w*)\s*(?:=\s*(.+))?$/s.exec(item);
    if (!match) fail(file, `cannot read enumerator "${item}"`);
    const value =
      match[2] === undefined ? { value: next, hex: false } : parseInteger(file, match[2]);
    values.push({ name: match[1], ...value });
    next = value.value + 1;
  }
  if (!values.length) fail(file, 'empty enum');
  return values;
}

// Every `enum class Name : type { ... }` of a C++ header.
export function parseEnumClasses(file, text) {
  const enums = [];
  for (const match of withoutComments(text).matchAll(
    /\benum\s+class\s+(\w+)\s*(?::\s*[\w:]+\s*)?\{([^}]*)\}/g,
  )) {
    enums.push({ name: match[1], values: parseEnumerators(file, match[2]) });
  }
  return enums;
}

// Every integer `inline constexpr` of a C++ header. A constexpr of another
// type is not a wire fact JS can hold; one with a computed value is refused.
export function parseIntegerConstants(file, text) {
  const constants = [];
  const pattern =
    /\binline\s+constexpr\s+((?:std::)?(?:u?int(?:8|16|32|64)_t|size_t)|int|unsigned)\s+(\w+)\s*=\s*([^;]+);/g;
  for (const match of withoutComments(text).matchAll(pattern)) {
    constants.push({ name: match[2], ...parseInteger(file, match[3]) });
  }
  return constants;
}

// `enum Name : type { ... }` in a FlatBuffers schema.
export function parseSchemaEnum(file, text, name) {
  const match = new RegExp(`\\benum\\s+${name}\\s*:\\s*\\w+\\s*\\{([^}]*)\\}`).exec(
    withoutComments(text),
  );
  if (!match) fail(file, `no enum ${name}`);
  // flatc makes `Play` wire::MediaEvent_Play; JS uses the C++ constant style.
  return parseEnumerators(file, match[1]).map((entry) => ({ ...entry, name: 'k' + entry.name }));
}

// ErrorName()'s `case Error::kX: return "x";` for every Error enumerator.
export function parseErrorNames(headerFile, header, sourceFile, source) {
  const error = parseEnumClasses(headerFile, header).find((entry) => entry.name === 'Error');
  if (!error) fail(headerFile, 'no enum class Error');
  const names = new Map();
  for (const match of withoutComments(source).matchAll(
    /case\s+Error::(\w+)\s*:\s*return\s+"([^"\\]*)"\s*;/g,
  )) {
    if (names.has(match[1])) fail(sourceFile, `two names for Error::${match[1]}`);
    // status.h promises stable lowercase names; JS splits them off at ':'.
    if (!/^[a-z][a-z0-9_]*$/.test(match[2]))
      fail(sourceFile, `"${match[2]}" is not a lowercase name`);
    names.set(match[1], match[2]);
  }
  const known = new Set(error.values.map((entry) => entry.name));
  for (const name of names.keys())
    if (!known.has(name)) fail(sourceFile, `ErrorName() names unknown Error::${name}`);
  return error.values.map((entry) => {
    if (!names.has(entry.name))
      fail(sourceFile, `ErrorName() has no name for Error::${entry.name}`);
    return { name: entry.name, text: names.get(entry.name) };
  });
}

// The bytes of `inline constexpr uint8_t name[] = {0x.., ...};`.
export function parseByteArray(file, text, name) {
  const match = new RegExp(
    `\\binline\\s+constexpr\\s+(?:std::)?uint8_t\\s+${name}\\s*\\[\\]\\s*=\\s*\\{([^}]*)\\}`,
  ).exec(withoutComments(text));
  if (!match) fail(file, `no uint8_t array ${name}`);
  const bytes = match[1]
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean)
    .map((item) => parseInteger(file, item).value);
  if (!bytes.length || bytes.some((byte) => byte > 255 || byte < 0))
    fail(file, `${name} is not a list of bytes`);
  return Uint8Array.from(bytes);
}

function snakeCase(name) {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
}

function twin(from, what, lines) {
  return `// Generated by web/generate_wire.mjs from ${from} (${what}): do not edit.\n${lines.join('\n')}\n`;
}

function numberLines(values) {
  return values.map(
    ({ name, value, hex }) => `export const ${name} = ${hex ? '0x' + value.toString(16) : value};`,
  );
}

// File name -> contents of every twin, from the sources under `root`.
export function generateWire(root = kRoot) {
  const read = (file) => readFileSync(join(root, file), 'utf8');
  const files = new Map();
  const event = read(kEventHeader);
  for (const { name, values } of parseEnumClasses(kEventHeader, event)) {
    files.set(
      `${snakeCase(name)}.js`,
      twin(kEventHeader, `enum class ${name}`, numberLines(values)),
    );
  }
  const constants = parseIntegerConstants(kEventHeader, event);
  if (!constants.length) fail(kEventHeader, 'no inline constexpr integers');
  files.set(
    'event_record.js',
    twin(kEventHeader, 'its inline constexpr integers', numberLines(constants)),
  );
  for (const { file, name } of kSchemaEnums) {
    files.set(
      `${snakeCase(name)}.js`,
      twin(file, `enum ${name}`, numberLines(parseSchemaEnum(file, read(file), name))),
    );
  }
  const errors = parseErrorNames(
    kStatusHeader,
    read(kStatusHeader),
    kStatusSource,
    read(kStatusSource),
  );
  files.set(
    'error_name.js',
    twin(
      `${kStatusHeader} and ${kStatusSource}`,
      'ErrorName() of every Error',
      errors.map(({ name, text }) => `export const ${name} = '${text}';`),
    ),
  );
  const dictionary = read(kDictionaryHeader);
  const version = parseIntegerConstants(kDictionaryHeader, dictionary);
  files.set(
    'beacon_dictionary.js',
    twin(kDictionaryHeader, 'the beacon dictionary, base64', [
      ...numberLines(version),
      // On its own line, as Biome lays out a line past 100 columns.
      `export const kBeaconDictionary =\n  '${Buffer.from(
        parseByteArray(kDictionaryHeader, dictionary, 'kBeaconDictionary'),
      ).toString('base64')}';`,
    ]),
  );
  return files;
}

// Writes the twins into `dir` and removes files there that no longer have a
// source (an enum that went away must not linger as a stale twin).
export function writeWire(dir = kWireDir, root = kRoot) {
  const files = generateWire(root);
  mkdirSync(dir, { recursive: true });
  for (const file of readdirSync(dir))
    if (file.endsWith('.js') && !files.has(file)) rmSync(join(dir, file));
  for (const [file, text] of files) writeFileSync(join(dir, file), text);
  return files;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const at = process.argv.indexOf('--out');
  const dir = at > 0 && process.argv[at + 1] ? resolve(process.argv[at + 1]) : kWireDir;
  const files = writeWire(dir);
  console.log(`web/generate_wire.mjs: ${[...files.keys()].join(', ')} -> ${dir}`);
}

// The tracker's JS twins of C++ wire facts (web/tracker/wire) are exactly
// what web/generate_wire.mjs makes from the C++ sources now, and the
// generator reads those sources the way the compiler does. Run by ctest
// (test wire_twins) and by `node --test tests/web/`.
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  generateWire,
  kRoot,
  kWireDir,
  parseEnumClasses,
  parseErrorNames,
  parseIntegerConstants,
  parseSchemaEnum,
  writeWire,
} from '../../web/generate_wire.mjs';

function withTempDir(fn) {
  const dir = mkdtempSync(join(tmpdir(), 'microconv-wire-'));
  try {
    return fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// A copy of the sources the generator reads, to edit without touching the tree.
function withSourceCopy(fn) {
  return withTempDir((root) => {
    for (const file of [
      'core/event.h',
      'core/status.h',
      'core/status.cc',
      'core/schema/config.fbs',
      'core/beacon_dictionary.h',
    ]) {
      cpSync(join(kRoot, file), join(root, file));
    }
    return fn(root);
  });
}

function edit(root, file, from, to) {
  const text = readFileSync(join(root, file), 'utf8');
  assert.ok(text.includes(from), `${file} contains ${from}`);
  writeFileSync(join(root, file), text.replace(from, to));
}

function differences(files) {
  const committed = readdirSync(kWireDir).sort();
  const changed = [...files.keys()].filter((file) => {
    try {
      return readFileSync(join(kWireDir, file), 'utf8') !== files.get(file);
    } catch (_) {
      return true;
    }
  });
  const stale = committed.filter((file) => !files.has(file));
  return [...changed, ...stale].sort();
}

test('committed twins equal a fresh run of the generator', () => {
  withTempDir((dir) => {
    const files = writeWire(dir);
    assert.deepEqual(
      readdirSync(dir).sort(),
      readdirSync(kWireDir).sort(),
      'web/tracker/wire has other files than the generator writes: run node web/generate_wire.mjs',
    );
    for (const file of files.keys()) {
      assert.equal(
        readFileSync(join(kWireDir, file), 'utf8'),
        readFileSync(join(dir, file), 'utf8'),
        `web/tracker/wire/${file} drifted from its C++ source: run node web/generate_wire.mjs and commit it`,
      );
    }
  });
});

test('a changed C++ value or a new error makes the committed twins stale', () => {
  withSourceCopy((root) => {
    assert.deepEqual(differences(generateWire(root)), []);
    edit(root, 'core/event.h', 'kClick = 2,', 'kClick = 20,');
    edit(root, 'core/event.h', 'kEventStrOffset = 12;', 'kEventStrOffset = 14;');
    edit(root, 'core/schema/config.fbs', 'Quartile75, Ended', 'Quartile75, Half, Ended');
    edit(root, 'core/status.h', '  kCorruptSnapshot,', '  kCorruptSnapshot,\n  kQuotaExceeded,');
    edit(
      root,
      'core/status.cc',
      '    case Error::kCorruptSnapshot:',
      '    case Error::kQuotaExceeded: return "quota_exceeded";\n    case Error::kCorruptSnapshot:',
    );
    const files = generateWire(root);
    assert.deepEqual(differences(files), [
      'error_name.js',
      'event_record.js',
      'event_type.js',
      'media_event.js',
    ]);
    assert.match(files.get('event_type.js'), /^export const kClick = 20;$/m);
    assert.match(files.get('event_type.js'), /^export const kSelectorMatch = 3;$/m);
    assert.match(files.get('event_record.js'), /^export const kEventStrOffset = 14;$/m);
    assert.match(files.get('media_event.js'), /^export const kEnded = 5;$/m);
    assert.match(files.get('error_name.js'), /^export const kQuotaExceeded = 'quota_exceeded';$/m);
  });
});

test('a new enum class in event.h becomes its own twin', () => {
  withSourceCopy((root) => {
    edit(
      root,
      'core/event.h',
      'struct Event {',
      'enum class Pointer : uint8_t { kMouse = 1, kTouch };\n\nstruct Event {',
    );
    const files = generateWire(root);
    assert.deepEqual(differences(files), ['pointer.js']);
    assert.match(files.get('pointer.js'), /export const kMouse = 1;\nexport const kTouch = 2;\n$/);
  });
});

test('an Error without a name in ErrorName() stops the generator', () => {
  withSourceCopy((root) => {
    edit(root, 'core/status.h', '  kCorruptSnapshot,', '  kCorruptSnapshot,\n  kQuotaExceeded,');
    assert.throws(() => generateWire(root), /ErrorName\(\) has no name for Error::kQuotaExceeded/);
  });
});

test('enums: implicit values follow the previous one, comments and hex are read', () => {
  const [kind, flags] = parseEnumClasses(
    'x.h',
    `
    enum class Kind : uint8_t {
      kA,  // first, so 0
      kB = 5, /* then */ kC,
      kD = 0x10,
    };
    enum class Flags : uint16_t { kNone = 0, kAll = 0xffffu };`,
  );
  assert.deepEqual(
    kind.values.map(({ name, value }) => [name, value]),
    [
      ['kA', 0],
      ['kB', 5],
      ['kC', 6],
      ['kD', 16],
    ],
  );
  assert.deepEqual(
    flags.values.map(({ value }) => value),
    [0, 0xffff],
  );
  assert.deepEqual(
    parseSchemaEnum('x.fbs', 'enum E : ubyte { A = 2, B } // c\n', 'E').map(({ name, value }) => [
      name,
      value,
    ]),
    [
      ['kA', 2],
      ['kB', 3],
    ],
  );
});

test('constants: only integer literals, anything computed is refused', () => {
  assert.deepEqual(
    parseIntegerConstants(
      'x.h',
      'inline constexpr uint32_t kA = 0xffffffffu;\n' +
        'inline constexpr size_t kB = 32;\ninline constexpr std::string_view kName = "n";\n',
    ).map(({ name, value }) => [name, value]),
    [
      ['kA', 0xffffffff],
      ['kB', 32],
    ],
  );
  assert.throws(
    () => parseIntegerConstants('x.h', 'inline constexpr size_t kC = 4 * 8;'),
    /x\.h: "4 \* 8" is not an integer literal/,
  );
  assert.throws(
    () => parseEnumClasses('x.h', 'enum class E : uint8_t { kA = kB + 1 };'),
    /not an integer literal/,
  );
});

test('error names: every Error once, lowercase, nothing unknown', () => {
  const header = 'enum class Error : uint8_t { kOk = 0, kBad };';
  const names = (source) => parseErrorNames('s.h', header, 's.cc', source);
  assert.deepEqual(names('case Error::kOk: return "ok";\ncase Error::kBad:\n  return "bad";'), [
    { name: 'kOk', text: 'ok' },
    { name: 'kBad', text: 'bad' },
  ]);
  assert.throws(
    () => names('case Error::kOk: return "ok"; case Error::kBad: return "Bad";'),
    /not a lowercase name/,
  );
  assert.throws(
    () =>
      names(
        'case Error::kOk: return "ok"; case Error::kBad: return "b"; case Error::kGone: return "g";',
      ),
    /unknown Error::kGone/,
  );
  assert.throws(
    () => names('case Error::kOk: return "ok"; case Error::kOk: return "b";'),
    /two names for Error::kOk/,
  );
});

// Hand-written tracker code imports the twins; a local copy would drift.
test('no hand-written tracker file redefines a twin', () => {
  const twins = new Set();
  for (const text of generateWire().values()) {
    for (const match of text.matchAll(/^export const (\w+) =/gm)) twins.add(match[1]);
  }
  const trackerDir = join(kRoot, 'web/tracker');
  for (const file of readdirSync(trackerDir).filter((name) => name.endsWith('.js'))) {
    const text = readFileSync(join(trackerDir, file), 'utf8');
    for (const match of text.matchAll(/\b(?:const|let|var)\s+(k\w+)\s*=/g)) {
      assert.ok(
        !twins.has(match[1]),
        `web/tracker/${file} defines ${match[1]}, a generated twin: import it from wire/`,
      );
    }
  }
});

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { buildId, definedDynamicSymbols, sectionNames } from './elf-symbols.ts';
import { discoverTargets } from './targets.ts';

describe('definedDynamicSymbols', () => {
  it('finds OpenSSL exported by node itself (statically linked) and by the system libssl', () => {
    assert.deepEqual(definedDynamicSymbols(process.execPath, ['SSL_write', 'SSL_read', 'no_such_symbol']), new Set(['SSL_write', 'SSL_read']));
    assert.deepEqual(definedDynamicSymbols('/usr/lib/x86_64-linux-gnu/libssl.so.3', ['SSL_write_ex']), new Set(['SSL_write_ex']));
  });

  it('does not count a symbol a file only imports, and answers empty for a non-ELF file', () => {
    // curl calls into libcurl; it defines no SSL_* itself.
    assert.equal(definedDynamicSymbols('/usr/bin/curl', ['SSL_write']).size, 0);
    const junk = join(mkdtempSync(join(tmpdir(), 'oisp-elf-')), 'junk');
    writeFileSync(junk, 'not an elf file at all, but long enough to have a header of 64 bytes......');
    assert.equal(definedDynamicSymbols(junk, ['SSL_write']).size, 0);
    assert.equal(definedDynamicSymbols('/nonexistent', ['SSL_write']).size, 0);
  });
});

describe('buildId and sectionNames', () => {
  it('read what readelf reads', () => {
    for (const path of ['/usr/lib/x86_64-linux-gnu/libssl.so.3', '/usr/bin/curl']) {
      const notes = execFileSync('readelf', ['-n', path], { encoding: 'utf8' });
      assert.equal(buildId(path), /Build ID: ([0-9a-f]+)/.exec(notes)?.[1], path);
      const sections = execFileSync('readelf', ['-W', '-S', path], { encoding: 'utf8' });
      for (const name of ['.dynsym', '.text', '.note.gnu.build-id']) assert.equal(sections.includes(` ${name} `), sectionNames(path).includes(name), `${path} ${name}`);
    }
    assert.equal(buildId('/nonexistent'), undefined);
  });
});

describe('discoverTargets', () => {
  it('a copy of a build already seen is hooked with the same symbols', () => {
    const copy = join(mkdtempSync(join(tmpdir(), 'oisp-elf-')), 'libssl-copy.so.3');
    copyFileSync('/usr/lib/x86_64-linux-gnu/libssl.so.3', copy);
    const seen = new Set<string>();
    const [system] = discoverTargets([], ['/usr/lib/x86_64-linux-gnu/libssl.so.3'], { seen, includeSystem: false }).targets;
    const [copied] = discoverTargets([], [copy], { seen, includeSystem: false }).targets;
    assert.equal(copied.path, copy, 'another inode: hooked too');
    assert.deepEqual(copied.symbols, system.symbols);
  });

  it('hooks each file once and says why others are skipped', () => {
    const { targets, skipped } = discoverTargets(['/usr/bin/curl', process.execPath], [process.execPath]);
    assert.ok(targets.some((t) => t.path === process.execPath && t.reason === 'executable exporting OpenSSL symbols'));
    assert.ok(targets.some((t) => /libssl\.so\.3$/.test(t.path)));
    assert.equal(targets.filter((t) => t.path === process.execPath).length, 1, 'the same inode once');
    assert.deepEqual(skipped.find((s) => s.path === '/usr/bin/curl'), { path: '/usr/bin/curl', reason: 'does not export SSL_write, SSL_read' });
    assert.deepEqual([...(targets.find((t) => t.path === process.execPath)?.symbols ?? [])].sort(), ['SSL_ctrl', 'SSL_do_handshake', 'SSL_free', 'SSL_read', 'SSL_read_ex', 'SSL_write', 'SSL_write_ex']);
  });
});

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createLogger } from './logging.ts';

function collect(isTTY = false) {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  Object.assign(stream, { isTTY });
  return { stream, text: () => chunks.join('') };
}

test('json format: one JSON object per line, level filtering, component children', () => {
  const out = collect();
  const logger = createLogger({ level: 'info', format: 'json', destination: out.stream, name: 'oisp-collector' });
  logger.debug('hidden');
  logger.child({ component: 'file' }).info({ events: 3 }, 'replayed');
  const lines = out.text().trimEnd().split('\n').map((l) => JSON.parse(l));
  assert.equal(lines.length, 1);
  assert.equal(lines[0].msg, 'replayed');
  assert.equal(lines[0].component, 'file');
  assert.equal(lines[0].events, 3);
  assert.equal(lines[0].name, 'oisp-collector');
});

test('auto format: pretty on a TTY, JSON otherwise', () => {
  const tty = collect(true);
  createLogger({ destination: tty.stream }).info('hello there');
  assert.match(tty.text(), /hello there/);
  assert.throws(() => JSON.parse(tty.text()), 'pretty output is not JSON');
  const pipe = collect(false);
  createLogger({ destination: pipe.stream }).info('hello there');
  assert.equal(JSON.parse(pipe.text()).msg, 'hello there');
});

test('nothing is lost when the process exits right after logging (stderr, both formats)', () => {
  const logging = fileURLToPath(new URL('./logging.ts', import.meta.url));
  for (const format of ['json', 'pretty']) {
    const script = `import { createLogger } from ${JSON.stringify(logging)};
      const log = createLogger({ format: ${JSON.stringify(format)} });
      for (let i = 0; i < 2000; i++) log.info({ i }, 'line ' + i);
      log.info('the last line');
      process.exit(3);`;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(run.status, 3, run.stderr.slice(0, 500));
    assert.equal(run.stdout, '', 'logs never go to stdout');
    assert.match(run.stderr, /the last line/, format);
    assert.equal(run.stderr.match(/line \d+/g)!.length, 2000, format);
  }
});

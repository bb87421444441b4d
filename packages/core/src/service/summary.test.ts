import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatSummary, summarize } from './summary.ts';

test('formatSummary: exporters first, drops and errors by kind, ids disambiguated by kind', () => {
  const summary = summarize(
    [
      { id: 'file', kind: 'receiver', accepted: 0, emitted: 1000, dropped: {}, errors: { bad_line: 2 } },
      { id: 'http', kind: 'processor', accepted: 1000, emitted: 990, dropped: { not_http: 7, queue_full: 3 }, errors: {} },
      { id: 'quiet', kind: 'processor', accepted: 990, emitted: 990, dropped: {}, errors: {} },
      { id: 'file', kind: 'exporter', accepted: 990, emitted: 0, dropped: { write_failed: 10 }, errors: { write_failed: 1 } },
      { id: 'otlp', kind: 'exporter', accepted: 990, emitted: 0, dropped: {}, errors: {} },
    ],
    [],
  );
  assert.equal(summary.eventsIn, 1000);
  assert.equal(summary.eventsOut, 980 + 990);
  assert.equal(
    formatSummary(summary),
    'oisp-collector: 1000 events in, 1970 out; exporter file: 980 written, 10 dropped (write_failed), 1 error (write_failed); ' +
      'otlp: 990 written; receiver file: 2 errors (bad_line); http: 10 dropped (not_http 7, queue_full 3)',
  );
});

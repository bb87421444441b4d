// Our constants equal the package's incubating exports wherever both exist (names by convention:
// ATTR_<NAME> for attributes, <ATTR>_VALUE_<VALUE> for enum values).
import assert from 'node:assert/strict';
import { it } from 'node:test';
import * as stable from '@opentelemetry/semantic-conventions';
import * as incubating from '@opentelemetry/semantic-conventions/incubating';
import * as ours from './semconv.ts';

it('every constant we share with @opentelemetry/semantic-conventions has its value', () => {
  const theirs = { ...(incubating as Record<string, unknown>), ...(stable as Record<string, unknown>) };
  let compared = 0;
  const missing: string[] = [];
  for (const [name, value] of Object.entries(ours)) {
    const key = name.includes('_VALUE_') ? name : `ATTR_${name}`;
    if (key in theirs) {
      assert.equal(value, theirs[key], `${name}`);
      compared++;
    } else missing.push(name);
  }
  // Only our own extension is missing from the package.
  assert.deepEqual(missing, ['GEN_AI_USAGE_COST']);
  assert.ok(compared >= 50, `compared ${compared}`);
});

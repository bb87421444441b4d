// A corpus of credentials inside prompts, tool arguments (JSON in a string), tool results,
// headers and query strings: all redacted, JSON still valid, the public prefix kept.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { redactHeaders, redactText, redactUrl, redactValue } from './redact.ts';

const SECRETS = {
  openai: 'sk-proj-Abc123Def456Ghi789Jkl012Mno345Pqr678',
  anthropic: 'sk-ant-api03-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_abcdef',
  google: 'AIzaSyA1234567890abcdefghijklmnopqrstuv',
  aws: 'AKIAIOSFODNN7EXAMPLE',
  awsSecret: 'aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  github: 'ghp_abcdefghijklmnopqrstuvwxyz0123456789AB',
  slack: 'xoxb-1234567890-abcdefghijkl',
  jwt: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U',
  pem: '-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY-----',
  groq: 'gsk_abcdefghijklmnopqrstuvwxyz0123',
};

describe('redaction', () => {
  for (const [kind, secret] of Object.entries(SECRETS)) {
    it(`${kind}: redacted in text, in JSON inside a string, keeping JSON valid`, () => {
      // The secret's middle: key material, never part of a kept prefix.
      const core = secret.slice(Math.floor(secret.length / 2) - 5, Math.floor(secret.length / 2) + 5);
      const text = redactText(`please use ${secret} for the call`);
      assert.equal(text.found, 1);
      assert.ok(!text.text.includes(core), text.text);
      assert.match(text.text, /…\[REDACTED\]/);
      const paths: string[] = [];
      const event = {
        messages: [{ role: 'user', content: `my key is ${secret}` }],
        tool_calls: [{ id: 'c1', name: 'deploy', arguments: JSON.stringify({ env: { TOKEN: secret }, note: 'x' }) }],
        result: [{ type: 'text', text: `found ${secret} in .env` }],
      };
      const out = redactValue(structuredClone(event), 'data', paths) as typeof event;
      const json = JSON.stringify(out);
      assert.ok(!json.includes(core), json);
      const args = JSON.parse(out.tool_calls[0].arguments);
      assert.equal(args.note, 'x', 'the rest of the JSON is untouched');
      assert.match(args.env.TOKEN, /REDACTED/);
      assert.deepEqual(paths, ['data.messages[0].content', 'data.tool_calls[0].arguments.env.TOKEN', 'data.result[0].text']);
    });
  }

  it('keeps the public prefix so the kind of key is still visible', () => {
    assert.equal(redactText(SECRETS.openai).text, 'sk-proj-…[REDACTED]');
    assert.equal(redactText(SECRETS.anthropic).text, 'sk-ant-api03-…[REDACTED]');
    assert.equal(redactText(SECRETS.google).text, 'AIza…[REDACTED]');
  });

  it('credential headers and query parameters are blanked; others pass', () => {
    const paths: string[] = [];
    const h = redactHeaders({ authorization: [`Bearer ${SECRETS.openai}`], 'x-api-key': [SECRETS.anthropic], 'content-type': ['application/json'], cookie: ['session=abc'] }, 'h', paths);
    assert.deepEqual(h, { authorization: ['Bearer …[REDACTED]'], 'x-api-key': ['…[REDACTED]'], 'content-type': ['application/json'], cookie: ['…[REDACTED]'] });
    const url = redactUrl(`/v1beta/models/gemini:generateContent?key=${SECRETS.google}&alt=sse`, 'u', paths);
    assert.equal(url, '/v1beta/models/gemini:generateContent?key=%E2%80%A6%5BREDACTED%5D&alt=sse');
    assert.deepEqual(paths, ['h.authorization', 'h.x-api-key', 'h.cookie', 'u']);
  });

  it('ordinary text is left alone', () => {
    const paths: string[] = [];
    const v = { content: 'The sky is blue; model gpt-4o said sk is short for sketch.', n: 3 };
    assert.deepEqual(redactValue(structuredClone(v), 'd', paths), v);
    assert.deepEqual(paths, []);
  });
});

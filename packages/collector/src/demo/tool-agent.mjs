// A small agent on an official SDK, as a user would write one: it asks the model, runs the tool
// the model asks for — a real shell command that lists a folder and reads a file — sends the
// result back, and prints the final answer. It logs its own clock (the oracle for span times).
// Usage: node tool-agent.mjs openai|anthropic <folder>
import { execFileSync } from 'node:child_process';

const [sdk, folder] = process.argv.slice(2);
const KEY = process.env.OISP_TEST_KEY ?? 'sk-test-key';
const log = [];
const wall = () => BigInt(Date.now()) * 1_000_000n;
const mark = (what, start) => log.push({ what, start: String(start), end: String(wall()) });
const tool = () => {
  const start = wall();
  const output = execFileSync('sh', ['-c', `ls ${folder} && cat ${folder}/notes.txt`], { encoding: 'utf8' });
  mark('tool', start);
  return output;
};

const schema = { type: 'object', properties: { command: { type: 'string' } }, required: ['command'] };
const question = `What is in ${folder}? Read notes.txt.`;
let answer;

if (sdk === 'openai') {
  const { default: OpenAI } = await import('openai');
  const client = new OpenAI({ apiKey: KEY });
  const tools = [{ type: 'function', function: { name: 'run_shell', description: 'Run a shell command', parameters: schema } }];
  const messages = [{ role: 'system', content: 'You are a file assistant.' }, { role: 'user', content: question }];
  let start = wall();
  const first = await client.chat.completions.create({ model: 'gpt-4o-mini', messages, tools });
  mark('model', start);
  const call = first.choices[0].message.tool_calls[0];
  const output = tool();
  messages.push(first.choices[0].message, { role: 'tool', tool_call_id: call.id, content: output });
  start = wall();
  const second = await client.chat.completions.create({ model: 'gpt-4o-mini', messages, tools });
  mark('model', start);
  answer = second.choices[0].message.content;
  log.push({ what: 'tool_call_id', id: call.id });
} else {
  const { default: Anthropic } = await import('@anthropic-ai/sdk');
  const client = new Anthropic({ apiKey: KEY });
  const tools = [{ name: 'run_shell', description: 'Run a shell command', input_schema: schema }];
  const messages = [{ role: 'user', content: question }];
  let start = wall();
  const first = await client.messages.create({ model: 'claude-sonnet-4-20250514', max_tokens: 512, system: 'You are a file assistant.', messages, tools });
  mark('model', start);
  const call = first.content.find((b) => b.type === 'tool_use');
  const output = tool();
  messages.push({ role: 'assistant', content: first.content }, { role: 'user', content: [{ type: 'tool_result', tool_use_id: call.id, content: output }] });
  start = wall();
  const second = await client.messages.create({ model: 'claude-sonnet-4-20250514', max_tokens: 512, system: 'You are a file assistant.', messages, tools });
  mark('model', start);
  answer = second.content.find((b) => b.type === 'text')?.text;
  log.push({ what: 'tool_call_id', id: call.id });
}
process.stdout.write(JSON.stringify({ answer, log }) + '\n');

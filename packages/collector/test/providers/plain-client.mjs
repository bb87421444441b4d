// Clients of local model servers over plain HTTP (no TLS): what each sent and what it got back.
// Usage: node plain-client.mjs ollama-chat|ollama-chat-stream|openai-local <base url>
const [scenario, base] = process.argv.slice(2);
const messages = [{ role: 'user', content: 'What is the weather in Paris?' }];
let out;
if (scenario === 'ollama-chat' || scenario === 'ollama-chat-stream') {
  const { Ollama } = await import('ollama');
  const client = new Ollama({ host: base });
  const sent = { model: 'llama3.2', messages, stream: scenario.endsWith('stream') };
  if (sent.stream) {
    let content = '';
    let last;
    for await (const part of await client.chat(sent)) {
      content += part.message.content;
      last = part;
    }
    out = { sent, result: { model: last.model, content, done_reason: last.done_reason, prompt_eval_count: last.prompt_eval_count, eval_count: last.eval_count } };
  } else {
    const r = await client.chat(sent);
    out = { sent, result: { model: r.model, content: r.message.content, done_reason: r.done_reason, prompt_eval_count: r.prompt_eval_count, eval_count: r.eval_count } };
  }
} else {
  const { default: OpenAI } = await import('openai');
  const sent = { model: 'meta-llama/Llama-3.1-8B-Instruct', messages };
  out = { sent, result: await new OpenAI({ apiKey: 'local', baseURL: `${base}/v1` }).chat.completions.create(sent) };
}
process.stdout.write(JSON.stringify(out) + '\n');

// One call through an official provider SDK, at its default host (the test maps that host to the
// mock in this process's own /etc/hosts). Prints {sent, result}: what the call asked for and the
// SDK's own final object — the oracle the captured events are compared with.
import OpenAI, { AzureOpenAI } from 'openai';

const KEY = process.env.OISP_TEST_KEY ?? 'sk-test-key';
const tools = [{ type: 'function', function: { name: 'get_weather', description: 'Weather in a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } }];
const messages = [
  { role: 'system', content: 'You are a weather assistant.' },
  { role: 'user', content: 'What is the weather in Paris?' },
];

const scenarios = {
  async 'openai-chat'() {
    const sent = { model: 'gpt-4o-mini', messages, tools, temperature: 0.3 };
    return { sent, result: await new OpenAI({ apiKey: KEY }).chat.completions.create(sent) };
  },
  async 'openai-chat-secrets'() {
    const sent = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Deploy with token ghp_OISPLIVEFAKEabcdefghijklmnopqrstuvwxyz01 and key AKIAOISPFAKE0000LIVE please' }] };
    return { sent, result: await new OpenAI({ apiKey: KEY }).chat.completions.create(sent) };
  },
  async 'openai-chat-stream'() {
    const sent = { model: 'gpt-4o-mini', messages, stream_options: { include_usage: true } };
    const stream = new OpenAI({ apiKey: KEY }).chat.completions.stream(sent);
    return { sent: { ...sent, stream: true }, result: await stream.finalChatCompletion() };
  },
  async 'openai-chat-stream-tools'() {
    const sent = { model: 'gpt-4o-mini', messages, tools, stream_options: { include_usage: true } };
    const stream = new OpenAI({ apiKey: KEY }).chat.completions.stream(sent);
    return { sent: { ...sent, stream: true }, result: await stream.finalChatCompletion() };
  },
  async 'openai-responses'() {
    const sent = { model: 'gpt-4.1', instructions: 'You are a weather assistant.', input: 'What is the weather in Paris?', tools: [{ type: 'function', name: 'get_weather', parameters: tools[0].function.parameters, strict: false }] };
    return { sent, result: await new OpenAI({ apiKey: KEY }).responses.create(sent) };
  },
  async 'openai-responses-stream'() {
    const sent = { model: 'gpt-4.1', input: 'What is the weather in Paris?' };
    const stream = new OpenAI({ apiKey: KEY }).responses.stream(sent);
    return { sent: { ...sent, stream: true }, result: await stream.finalResponse() };
  },
  async 'openai-embeddings'() {
    const sent = { model: 'text-embedding-3-small', input: ['first text', 'second text'], dimensions: 16, encoding_format: 'float' };
    return { sent, result: await new OpenAI({ apiKey: KEY }).embeddings.create(sent) };
  },
  async 'azure-openai-chat'() {
    const client = new AzureOpenAI({ endpoint: 'https://myco.openai.azure.com', apiKey: KEY, apiVersion: '2024-10-21', deployment: 'gpt4o-prod' });
    const sent = { model: 'gpt-4o', messages };
    return { sent, result: await client.chat.completions.create(sent) };
  },
  async 'groq-chat'() {
    const { default: Groq } = await import('groq-sdk');
    const sent = { model: 'llama-3.3-70b-versatile', messages, tools };
    return { sent, result: await new Groq({ apiKey: KEY }).chat.completions.create(sent) };
  },
  async 'mistral-chat'() {
    const { Mistral } = await import('@mistralai/mistralai');
    const sent = { model: 'mistral-large-latest', messages };
    return { sent, result: await new Mistral({ apiKey: KEY }).chat.complete(sent) };
  },
  async 'anthropic-messages'() {
    const { default: Anthropic } = await import('@anthropic-ai/sdk');
    const sent = { model: 'claude-sonnet-4-20250514', max_tokens: 256, system: 'You are a weather assistant.', messages: [messages[1]], tools: [{ name: 'get_weather', description: 'Weather in a city', input_schema: tools[0].function.parameters }] };
    return { sent, result: await new Anthropic({ apiKey: KEY }).messages.create(sent) };
  },
  async 'anthropic-messages-stream'() {
    const { default: Anthropic } = await import('@anthropic-ai/sdk');
    const sent = { model: 'claude-sonnet-4-20250514', max_tokens: 256, messages: [messages[1]] };
    const stream = new Anthropic({ apiKey: KEY }).messages.stream(sent);
    return { sent: { ...sent, stream: true }, result: await stream.finalMessage() };
  },
  async 'anthropic-messages-stream-tools'() {
    const { default: Anthropic } = await import('@anthropic-ai/sdk');
    const sent = { model: 'claude-sonnet-4-20250514', max_tokens: 256, messages: [messages[1]], tools: [{ name: 'get_weather', input_schema: tools[0].function.parameters }] };
    const stream = new Anthropic({ apiKey: KEY }).messages.stream(sent);
    return { sent: { ...sent, stream: true }, result: await stream.finalMessage() };
  },
  async 'gemini-generate'() {
    const { GoogleGenAI } = await import('@google/genai');
    const ai = new GoogleGenAI({ apiKey: KEY });
    const sent = { model: 'gemini-2.5-flash', contents: 'What is the weather in Paris?', config: { systemInstruction: 'You are a weather assistant.', tools: [{ functionDeclarations: [{ name: 'get_weather', description: 'Weather in a city', parameters: tools[0].function.parameters }] }] } };
    const r = await ai.models.generateContent(sent);
    return { sent, result: { ...JSON.parse(JSON.stringify(r)), text: r.text, functionCalls: r.functionCalls } };
  },
  async 'gemini-generate-stream'() {
    const { GoogleGenAI } = await import('@google/genai');
    const ai = new GoogleGenAI({ apiKey: KEY });
    const sent = { model: 'gemini-2.5-flash', contents: 'What is the weather in Paris?' };
    let text = '';
    let last;
    for await (const chunk of await ai.models.generateContentStream(sent)) {
      text += chunk.text ?? '';
      last = chunk;
    }
    return { sent, result: { text, responseId: last.responseId, modelVersion: last.modelVersion, usageMetadata: last.usageMetadata, finishReason: last.candidates[0].finishReason } };
  },
  async 'cohere-chat'() {
    const { CohereClientV2 } = await import('cohere-ai');
    const sent = { model: 'command-a-03-2025', messages: [messages[1]], tools };
    return { sent, result: await new CohereClientV2({ token: KEY }).chat(sent) };
  },
  async 'cohere-chat-stream'() {
    const { CohereClientV2 } = await import('cohere-ai');
    const sent = { model: 'command-a-03-2025', messages: [messages[1]] };
    let text = '';
    let end;
    let id;
    for await (const ev of await new CohereClientV2({ token: KEY }).chatStream(sent)) {
      if (ev.type === 'message-start') id = ev.id;
      if (ev.type === 'content-delta') text += ev.delta?.message?.content?.text ?? '';
      if (ev.type === 'message-end') end = ev.delta;
    }
    return { sent: { ...sent, stream: true }, result: { id, text, finishReason: end?.finishReason, usage: end?.usage } };
  },
  // Google's gRPC client of the Generative Language API (google-gax over @grpc/grpc-js, HTTP/2).
  async 'gemini-grpc'() {
    const { v1beta } = await import('@google-ai/generativelanguage');
    const client = new v1beta.GenerativeServiceClient({ apiKey: KEY });
    const sent = {
      model: 'models/gemini-2.5-flash',
      systemInstruction: { parts: [{ text: 'You are a weather assistant.' }] },
      contents: [{ role: 'user', parts: [{ text: 'What is the weather in Paris?' }] }],
      tools: [{ functionDeclarations: [{ name: 'get_weather', description: 'Weather in a city', parameters: { type: 'OBJECT', properties: { city: { type: 'STRING' } }, required: ['city'] } }] }],
      generationConfig: { temperature: 0.3 },
    };
    const [result] = await client.generateContent(sent);
    await client.close();
    return { sent, result };
  },
  async 'gemini-grpc-stream'() {
    const { v1beta } = await import('@google-ai/generativelanguage');
    const client = new v1beta.GenerativeServiceClient({ apiKey: KEY });
    const sent = { model: 'models/gemini-2.5-flash', contents: [{ role: 'user', parts: [{ text: 'What is the weather in Paris?' }] }] };
    const chunks = [];
    for await (const chunk of client.streamGenerateContent(sent)) chunks.push(chunk);
    await client.close();
    return { sent, result: { chunks } };
  },
  async 'bedrock-converse'() {
    const { BedrockRuntimeClient, ConverseCommand } = await import('@aws-sdk/client-bedrock-runtime');
    const client = new BedrockRuntimeClient({ region: 'us-east-1', credentials: { accessKeyId: 'AKIAOISPFAKE0000LIVE', secretAccessKey: 'OISPfakeSecretKey0000000000000000000000' } });
    const sent = { modelId: 'anthropic.claude-3-5-sonnet-20240620-v1:0', messages: [{ role: 'user', content: [{ text: 'What is the weather in Paris?' }] }], toolConfig: { tools: [{ toolSpec: { name: 'get_weather', inputSchema: { json: tools[0].function.parameters } } }] } };
    const r = await client.send(new ConverseCommand(sent));
    client.destroy();
    return { sent, result: { requestId: r.$metadata.requestId, output: r.output, stopReason: r.stopReason, usage: r.usage } };
  },
  async 'bedrock-converse-stream'() {
    const { BedrockRuntimeClient, ConverseStreamCommand } = await import('@aws-sdk/client-bedrock-runtime');
    const client = new BedrockRuntimeClient({ region: 'us-east-1', credentials: { accessKeyId: 'AKIAOISPFAKE0000LIVE', secretAccessKey: 'OISPfakeSecretKey0000000000000000000000' } });
    const sent = { modelId: 'amazon.nova-lite-v1:0', messages: [{ role: 'user', content: [{ text: 'What is the weather in Paris?' }] }] };
    const r = await client.send(new ConverseStreamCommand(sent));
    let text = '';
    let stopReason;
    let usage;
    for await (const ev of r.stream) {
      if (ev.contentBlockDelta?.delta?.text) text += ev.contentBlockDelta.delta.text;
      if (ev.messageStop) stopReason = ev.messageStop.stopReason;
      if (ev.metadata) usage = ev.metadata.usage;
    }
    client.destroy();
    return { sent, result: { requestId: r.$metadata.requestId, text, stopReason, usage } };
  },
};

const name = process.argv[2];
const run = scenarios[name];
if (!run) {
  console.error(`unknown scenario ${name}; known: ${Object.keys(scenarios).join(', ')}`);
  process.exit(2);
}
const out = await run();
process.stdout.write(JSON.stringify(out) + '\n');

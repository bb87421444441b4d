// Which agent framework made a request, from its User-Agent or the SDK headers it sends.
const PATTERNS: [RegExp, string][] = [
  [/claude-cli\//i, 'claude-code'],
  [/codex_cli_rs|codex-cli/i, 'codex'],
  [/GeminiCLI|gemini-cli/i, 'gemini-cli'],
  [/openai-agents|Agents\/(Python|JS)/i, 'openai-agents'],
  [/langchain|langgraph/i, 'langchain'],
  [/llama[-_]?index/i, 'llamaindex'],
  [/\bai-sdk\/|vercel-ai/i, 'vercel-ai-sdk'],
  [/crewai/i, 'crewai'],
  [/autogen/i, 'autogen'],
  [/pydantic[-_]ai/i, 'pydantic-ai'],
  [/aider/i, 'aider'],
];

export function frameworkOf(userAgent: string | undefined): string | undefined {
  if (!userAgent) return undefined;
  for (const [re, name] of PATTERNS) if (re.test(userAgent)) return name;
  return undefined;
}

// The providers we know, as data. `name` is OTel's gen_ai.provider.name where the conventions define
// one; `hosts` may hold `*` wildcards for one or more DNS labels; `ports` recognise local servers
// that have no name of their own. `api` is the wire family spoken when the path alone cannot tell.
// Config `endpoints` add rows in front of these (they win).

export type ApiStyle = 'openai' | 'anthropic' | 'gemini' | 'bedrock' | 'cohere' | 'ollama';

export interface ProviderSpec {
  name: string;
  hosts?: string[];
  ports?: number[];
  api: ApiStyle;
}

export const PROVIDERS: readonly ProviderSpec[] = [
  { name: 'openai', hosts: ['api.openai.com'], api: 'openai' },
  { name: 'azure.ai.openai', hosts: ['*.openai.azure.com', '*.cognitiveservices.azure.com'], api: 'openai' },
  { name: 'azure.ai.inference', hosts: ['*.services.ai.azure.com', '*.models.ai.azure.com'], api: 'openai' },
  { name: 'anthropic', hosts: ['api.anthropic.com'], api: 'anthropic' },
  { name: 'gcp.gemini', hosts: ['generativelanguage.googleapis.com'], api: 'gemini' },
  { name: 'gcp.vertex_ai', hosts: ['aiplatform.googleapis.com', '*-aiplatform.googleapis.com'], api: 'gemini' },
  { name: 'aws.bedrock', hosts: ['bedrock-runtime.*.amazonaws.com', 'bedrock-runtime-fips.*.amazonaws.com'], api: 'bedrock' },
  { name: 'cohere', hosts: ['api.cohere.com', 'api.cohere.ai'], api: 'cohere' },
  { name: 'mistral_ai', hosts: ['api.mistral.ai', 'codestral.mistral.ai'], api: 'openai' },
  { name: 'groq', hosts: ['api.groq.com'], api: 'openai' },
  { name: 'together', hosts: ['api.together.xyz', 'api.together.ai'], api: 'openai' },
  { name: 'fireworks', hosts: ['api.fireworks.ai'], api: 'openai' },
  { name: 'replicate', hosts: ['api.replicate.com'], api: 'openai' },
  { name: 'huggingface', hosts: ['router.huggingface.co', 'api-inference.huggingface.co', '*.endpoints.huggingface.cloud'], api: 'openai' },
  { name: 'perplexity', hosts: ['api.perplexity.ai'], api: 'openai' },
  { name: 'deepseek', hosts: ['api.deepseek.com'], api: 'openai' },
  { name: 'x_ai', hosts: ['api.x.ai'], api: 'openai' },
  { name: 'openrouter', hosts: ['openrouter.ai'], api: 'openai' },
  { name: 'ollama', hosts: ['ollama.com'], ports: [11434], api: 'ollama' },
  { name: 'lm_studio', ports: [1234], api: 'openai' },
];

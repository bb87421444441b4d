// What a call cost, in USD, from a maintained price table (@pydantic/genai-prices): input and
// output priced as the provider prices them (cached and cache-write input tokens at their own
// rates), the table named in the event. An unknown model has no cost — absent, never zero.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { calcPrice, findProvider, type Provider } from '@pydantic/genai-prices';
import type { AiCost, AiUsage } from '@oisp/core';

/** Our gen_ai.provider.name -> the table's provider id. */
const PROVIDER_IDS: Record<string, string> = {
  openai: 'openai', 'azure.ai.openai': 'azure', anthropic: 'anthropic', 'gcp.gemini': 'google', 'gcp.vertex_ai': 'google',
  'aws.bedrock': 'aws', cohere: 'cohere', mistral_ai: 'mistral', groq: 'groq', together: 'together', fireworks: 'fireworks',
  perplexity: 'perplexity', deepseek: 'deepseek', x_ai: 'x-ai', openrouter: 'openrouter',
};

/** The table's version (its package does not export package.json: read it beside its entry point). */
const version = (JSON.parse(readFileSync(join(dirname(createRequire(import.meta.url).resolve('@pydantic/genai-prices')), '..', 'package.json'), 'utf8')) as { version: string }).version;

export class PriceTable {
  readonly source: string;
  readonly #providers?: Provider[];
  /** The table's provider per id, found once (its search is the slow part of a price). */
  readonly #resolved = new Map<string, Provider | undefined>();
  /** Models the table does not price, per provider: not looked up again. */
  readonly #unknown = new Set<string>();
  /** Per provider and model, the table's provider cut down to the model that matched: matching a
   * model against every model of a provider was a fifth of the processor's time (bench/providers.ts).
   * Prices that depend on the date are still computed at each call. */
  readonly #matched = new Map<string, Provider>();

  /** The bundled table, or one refreshed from a file (the table's JSON: an array of providers). */
  constructor(priceFile?: string) {
    if (priceFile) {
      const text = readFileSync(priceFile, 'utf8');
      const data = JSON.parse(text) as Provider[];
      if (!Array.isArray(data)) throw new Error(`price_file: ${priceFile} is not an array of providers`);
      this.#providers = data;
      this.source = `price_file ${priceFile}`;
    } else this.source = `@pydantic/genai-prices ${version}`;
  }

  cost(providerName: string, model: string | undefined, usage: AiUsage | undefined): AiCost | undefined {
    if (!model || !usage || usage.prompt_tokens === undefined) return undefined;
    // The table wants all input tokens, with the cached and cache-write parts named: as OISP counts them.
    const u = {
      input_tokens: usage.prompt_tokens,
      output_tokens: usage.completion_tokens ?? 0,
      ...(usage.cached_tokens ? { cache_read_tokens: usage.cached_tokens } : {}),
      ...(usage.cache_creation_tokens ? { cache_write_tokens: usage.cache_creation_tokens } : {}),
    };
    const providerId = PROVIDER_IDS[providerName];
    const unknownKey = `${providerId ?? ''}|${model}`;
    if (this.#unknown.has(unknownKey)) return undefined;
    if (providerId && !this.#resolved.has(providerId)) {
      this.#resolved.set(providerId, this.#providers ? this.#providers.find((p) => p.id === providerId) : findProvider({ providerId }));
    }
    const provider = providerId ? this.#resolved.get(providerId) : undefined;
    const matched = this.#matched.get(unknownKey);
    let priced;
    try {
      priced = matched ? calcPrice(u, model, { provider: matched }) : provider ? calcPrice(u, model, { provider }) : this.#providers ? null : calcPrice(u, model, {});
    } catch {
      return undefined; // a price the table cannot compute (missing ancestor prices): no cost, not a wrong one
    }
    if (!priced) {
      if (this.#unknown.size < 10_000) this.#unknown.add(unknownKey);
      return undefined;
    }
    if (!matched && this.#matched.size < 10_000) {
      // The provider that priced it (a fallback provider's, maybe), with only that model.
      this.#matched.set(unknownKey, { ...priced.provider, models: [priced.model], fallback_model_providers: undefined });
    }
    const round = (n: number) => Math.round(n * 1e10) / 1e10;
    return { input_usd: round(priced.input_price), output_usd: round(priced.output_price), total_usd: round(priced.total_price), source: `${this.source}: ${priced.provider.id}/${priced.model.id}` };
  }
}

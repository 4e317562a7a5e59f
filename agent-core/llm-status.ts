import { z } from 'zod';

/**
 * Which LLM parses messages right now: the configured Ollama model when Ollama answers at
 * OLLAMA_HOST and has the model pulled, the embedded parser otherwise. `reachable` says whether
 * Ollama itself answered; `detail` says what a person can do about it. Part of GET /v1/session's and
 * GET /health's answers (app/views.ts), so its shape is a zod schema.
 */
export const LlmStatusSchema = z.object({
  provider: z.enum(['ollama', 'embedded']),
  model: z.string(),
  reachable: z.boolean(),
  host: z.string(),
  detail: z.string().optional(),
});
export type LlmStatus = z.output<typeof LlmStatusSchema>;

export async function detectLlm(ollama: { host: string; model: string }, timeoutMs = 1500): Promise<LlmStatus> {
  let models: string[];
  try {
    // GET /api/tags is Ollama's list of pulled models; it answers fast and loads nothing.
    const response = await fetch(`${ollama.host}/api/tags`, { signal: AbortSignal.timeout(timeoutMs) });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const body = (await response.json()) as { models?: { name?: string; model?: string }[] };
    models = (body.models ?? []).flatMap((entry) => [entry.name, entry.model]).filter((name): name is string => !!name);
  } catch (error) {
    return {
      provider: 'embedded',
      model: 'embedded',
      reachable: false,
      host: ollama.host,
      detail: `Ollama is not reachable at ${ollama.host} (${(error as Error).message}); the embedded parser serves. Install Ollama and run \`ollama pull ${ollama.model}\` to use the model.`,
    };
  }
  const wanted = withTag(ollama.model);
  if (!models.some((name) => withTag(name) === wanted)) {
    return {
      provider: 'embedded',
      model: 'embedded',
      reachable: true,
      host: ollama.host,
      detail: `Ollama answers at ${ollama.host} but has no ${ollama.model}; the embedded parser serves. Run \`ollama pull ${ollama.model}\`.`,
    };
  }
  return { provider: 'ollama', model: ollama.model, reachable: true, host: ollama.host };
}

/** Ollama treats "llama3.1" and "llama3.1:latest" as one model. */
function withTag(name: string): string {
  return name.includes(':') ? name : `${name}:latest`;
}

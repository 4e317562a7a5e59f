import { z } from 'zod';
import { RouterError } from '../errors.ts';
import { chunkText, type OllamaChunk, type OllamaEndpoint, type OllamaRequest, toolCallsOf } from './ollama.ts';

/**
 * The OpenAI-compatible chat API, translated to and from Ollama's: the router serves
 * /v1/chat/completions by translating to /api/chat; a provider node in front of an OpenAI-compatible
 * backend translates the other way. Text, images (as data: URLs), JSON mode and schemas, tools and
 * usage cross over; `n` > 1, logprobs and audio do not.
 */

const contentPart = z.looseObject({
  type: z.string(),
  text: z.string().optional(),
  image_url: z.union([z.string(), z.looseObject({ url: z.string() })]).optional(),
});

const toolCall = z.looseObject({
  id: z.string().optional(),
  type: z.string().optional(),
  function: z.looseObject({ name: z.string(), arguments: z.union([z.string(), z.record(z.string(), z.unknown())]) }),
});

export const ChatCompletionRequestSchema = z.looseObject({
  model: z.string().min(1, 'model is required'),
  messages: z
    .array(
      z.looseObject({
        role: z.string().min(1),
        content: z.union([z.string(), z.array(contentPart), z.null()]).optional(),
        tool_calls: z.array(toolCall).optional(),
        tool_call_id: z.string().optional(),
      }),
    )
    .min(1, 'messages must not be empty'),
  stream: z.boolean().nullish(),
  stream_options: z.looseObject({ include_usage: z.boolean().optional() }).nullish(),
  temperature: z.number().nullish(),
  top_p: z.number().nullish(),
  seed: z.number().int().nullish(),
  stop: z.union([z.string(), z.array(z.string())]).nullish(),
  max_tokens: z.number().int().positive().nullish(),
  max_completion_tokens: z.number().int().positive().nullish(),
  presence_penalty: z.number().nullish(),
  frequency_penalty: z.number().nullish(),
  n: z.number().int().nullish(),
  response_format: z
    .looseObject({ type: z.string(), json_schema: z.looseObject({ schema: z.unknown().optional() }).optional() })
    .nullish(),
  tools: z.array(z.unknown()).nullish(),
});

export type ChatCompletionRequest = z.infer<typeof ChatCompletionRequestSchema>;

/** The OpenAI request as the Ollama /api/chat body the router routes (always streamed upstream). */
export function chatCompletionToOllama(request: ChatCompletionRequest): OllamaRequest {
  if (request.n !== undefined && request.n !== null && request.n !== 1) {
    throw new RouterError('Only n = 1 is supported.', { hint: 'Send one request per completion.' });
  }
  const messages = request.messages.map((message) => {
    const role = message.role === 'developer' ? 'system' : message.role;
    const out: Record<string, unknown> = { role, content: '' };
    if (typeof message.content === 'string') out.content = message.content;
    else if (Array.isArray(message.content)) {
      const texts: string[] = [];
      const images: string[] = [];
      for (const part of message.content) {
        if (part.type === 'text') texts.push(part.text ?? '');
        else if (part.type === 'image_url') images.push(dataUrlImage(part.image_url));
        else throw new RouterError(`Content parts of type "${part.type}" are not supported.`);
      }
      out.content = texts.join('\n');
      if (images.length > 0) out.images = images;
    }
    if (message.tool_calls) {
      out.tool_calls = message.tool_calls.map((call) => ({
        function: { name: call.function.name, arguments: parseArguments(call.function.arguments) },
      }));
    }
    return out;
  });
  const options: Record<string, unknown> = {};
  if (request.temperature != null) options.temperature = request.temperature;
  if (request.top_p != null) options.top_p = request.top_p;
  if (request.seed != null) options.seed = request.seed;
  if (request.stop != null) options.stop = typeof request.stop === 'string' ? [request.stop] : request.stop;
  const maxTokens = request.max_completion_tokens ?? request.max_tokens;
  if (maxTokens != null) options.num_predict = maxTokens;
  if (request.presence_penalty != null) options.presence_penalty = request.presence_penalty;
  if (request.frequency_penalty != null) options.frequency_penalty = request.frequency_penalty;

  const body: OllamaRequest = { model: request.model, messages, stream: true };
  if (Object.keys(options).length > 0) body.options = options;
  if (request.response_format?.type === 'json_object') body.format = 'json';
  if (request.response_format?.type === 'json_schema')
    body.format = request.response_format.json_schema?.schema ?? 'json';
  if (request.tools && request.tools.length > 0) body.tools = request.tools;
  return body;
}

function dataUrlImage(imageUrl: z.infer<typeof contentPart>['image_url']): string {
  const url = typeof imageUrl === 'string' ? imageUrl : imageUrl?.url;
  const match = url?.match(/^data:[^;,]+;base64,(.*)$/s);
  if (!match?.[1]) {
    throw new RouterError('Images must be sent as data: URLs (base64).', {
      hint: 'The router does not fetch images from the web.',
    });
  }
  return match[1];
}

function parseArguments(raw: string | Record<string, unknown>): Record<string, unknown> {
  if (typeof raw !== 'string') return raw;
  try {
    const parsed = JSON.parse(raw) as unknown;
    return parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : {};
  } catch {
    throw new RouterError('A tool call’s arguments are not JSON.');
  }
}

type OpenAiToolCall = { index: number; id: string; type: 'function'; function: { name: string; arguments: string } };

function toOpenAiToolCalls(calls: unknown[], firstIndex: number): OpenAiToolCall[] {
  return calls.map((call, offset) => {
    const fn = (call as { function?: { name?: string; arguments?: unknown } }).function ?? {};
    const index = firstIndex + offset;
    return {
      index,
      id: `call_${index}`,
      type: 'function',
      function: {
        name: fn.name ?? '',
        arguments: typeof fn.arguments === 'string' ? fn.arguments : JSON.stringify(fn.arguments ?? {}),
      },
    };
  });
}

function finishReason(final: OllamaChunk, sawToolCalls: boolean): 'stop' | 'length' | 'tool_calls' {
  if (sawToolCalls) return 'tool_calls';
  return final.done_reason === 'length' ? 'length' : 'stop';
}

function usageOf(final: OllamaChunk) {
  const prompt = final.prompt_eval_count ?? 0;
  const completion = final.eval_count ?? 0;
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}

/**
 * Renders a routed Ollama stream as OpenAI's server-sent events: a first chunk with the role, one
 * per piece of text, a last one with the finish reason, the usage when asked for, and `[DONE]`.
 */
export class ChatCompletionStream {
  private started = false;
  private toolCalls = 0;
  private readonly base: { id: string; object: 'chat.completion.chunk'; created: number; model: string };

  constructor(
    id: string,
    model: string,
    private readonly includeUsage: boolean,
  ) {
    this.base = { id, object: 'chat.completion.chunk', created: Math.floor(Date.now() / 1000), model };
  }

  /** The SSE frames for one Ollama chunk. */
  frames(chunk: OllamaChunk): string {
    let out = '';
    if (!this.started) {
      this.started = true;
      out += this.frame({ role: 'assistant', content: '' }, null);
    }
    const { content, thinking } = chunkText('chat', chunk);
    if (thinking) out += this.frame({ reasoning_content: thinking }, null);
    if (content) out += this.frame({ content }, null);
    const calls = toolCallsOf(chunk);
    if (calls.length > 0) {
      out += this.frame({ tool_calls: toOpenAiToolCalls(calls, this.toolCalls) }, null);
      this.toolCalls += calls.length;
    }
    if (chunk.done) {
      out += this.frame({}, finishReason(chunk, this.toolCalls > 0));
      if (this.includeUsage) out += sse({ ...this.base, choices: [], usage: usageOf(chunk) });
      out += 'data: [DONE]\n\n';
    }
    return out;
  }

  private frame(delta: Record<string, unknown>, finish: string | null): string {
    return sse({ ...this.base, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] });
  }
}

/** An error in the middle of a stream, as OpenAI's clients read one (they raise it). */
export function errorFrame(message: string): string {
  return sse(openAiError(message, 500));
}

function sse(payload: unknown): string {
  return `data: ${JSON.stringify(payload)}\n\n`;
}

/** A whole reply (the aggregated Ollama stream) as OpenAI's non-streamed chat completion. */
export function chatCompletionFromOllama(id: string, model: string, reply: OllamaChunk) {
  const { content, thinking } = chunkText('chat', reply);
  const calls = toolCallsOf(reply);
  const message: Record<string, unknown> = {
    role: 'assistant',
    content: calls.length > 0 && !content ? null : content,
  };
  if (thinking) message.reasoning_content = thinking;
  if (calls.length > 0) message.tool_calls = toOpenAiToolCalls(calls, 0).map(({ index: _index, ...call }) => call);
  return {
    id,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [{ index: 0, message, logprobs: null, finish_reason: finishReason(reply, calls.length > 0) }],
    usage: usageOf(reply),
  };
}

/**
 * OpenAI's error body, the one the router answers on /v1/ (and ends a broken stream with): `param`
 * names the bad field of a request, `code` is OpenAI's own (`model_not_found`), not the router's.
 */
export function openAiError(
  message: string,
  status: number,
  details: { param?: string | undefined; code?: 'model_not_found' | undefined } = {},
) {
  const type = status === 404 ? 'not_found_error' : status < 500 ? 'invalid_request_error' : 'server_error';
  return { error: { message, type, param: details.param ?? null, code: details.code ?? null } };
}

/*
 * The other direction, for a provider node whose backend speaks the OpenAI API.
 */

/** An Ollama chat or generate body as an OpenAI chat completion request (streamed, with usage). */
export function ollamaToChatCompletion(endpoint: OllamaEndpoint, body: OllamaRequest): Record<string, unknown> {
  const messages: Record<string, unknown>[] = [];
  if (endpoint === 'generate') {
    // A generate request becomes one user turn; a raw prompt or a custom template has no OpenAI equivalent.
    if (typeof body.system === 'string' && body.system) messages.push({ role: 'system', content: body.system });
    messages.push(openAiMessage({ role: 'user', content: body.prompt, images: body.images }));
  } else {
    for (const message of (body.messages as Record<string, unknown>[] | undefined) ?? []) {
      messages.push(openAiMessage(message));
    }
  }
  const options = (body.options ?? {}) as Record<string, unknown>;
  const out: Record<string, unknown> = {
    model: body.model,
    messages,
    stream: true,
    stream_options: { include_usage: true },
  };
  for (const [from, to] of [
    ['temperature', 'temperature'],
    ['top_p', 'top_p'],
    ['seed', 'seed'],
    ['stop', 'stop'],
    ['num_predict', 'max_tokens'],
    ['presence_penalty', 'presence_penalty'],
    ['frequency_penalty', 'frequency_penalty'],
  ] as const) {
    if (options[from] !== undefined) out[to] = options[from];
  }
  if (body.format === 'json') out.response_format = { type: 'json_object' };
  else if (body.format && typeof body.format === 'object') {
    out.response_format = { type: 'json_schema', json_schema: { name: 'output', schema: body.format } };
  }
  if (Array.isArray(body.tools) && body.tools.length > 0) out.tools = body.tools;
  return out;
}

function openAiMessage(message: Record<string, unknown>): Record<string, unknown> {
  const text = typeof message.content === 'string' ? message.content : '';
  const images = Array.isArray(message.images) ? (message.images as string[]) : [];
  const out: Record<string, unknown> = {
    role: message.role,
    content:
      images.length === 0
        ? text
        : [
            { type: 'text', text },
            ...images.map((image) => ({
              type: 'image_url',
              image_url: { url: `data:${imageType(image)};base64,${image}` },
            })),
          ],
  };
  if (Array.isArray(message.tool_calls)) {
    out.tool_calls = toOpenAiToolCalls(message.tool_calls, 0).map(({ index: _index, ...call }) => call);
  }
  return out;
}

/** The media type from the first bytes of the base64 (Ollama sends images without one). */
function imageType(base64: string): string {
  if (base64.startsWith('iVBOR')) return 'image/png';
  if (base64.startsWith('R0lG')) return 'image/gif';
  if (base64.startsWith('UklG')) return 'image/webp';
  return 'image/jpeg';
}

type OpenAiStreamChunk = {
  error?: { message?: string } | string;
  choices?: {
    delta?: {
      content?: string | null;
      reasoning_content?: string | null;
      reasoning?: string | null;
      tool_calls?: { index?: number; function?: { name?: string; arguments?: string } }[];
    };
    finish_reason?: string | null;
  }[];
  usage?: { prompt_tokens?: number; completion_tokens?: number } | null;
};

/**
 * Reads an OpenAI stream (the `data:` payloads of its server-sent events) as Ollama chunks: a chunk
 * per piece of text, the tool calls once their arguments are complete, and a final `done` chunk
 * with the usage as Ollama's eval counts.
 */
export class OpenAiStreamReader {
  private readonly calls = new Map<number, { name: string; arguments: string }>();
  private finish: string | undefined;
  private usage: { prompt: number | undefined; completion: number | undefined } = {
    prompt: undefined,
    completion: undefined,
  };
  done = false;

  constructor(
    private readonly endpoint: OllamaEndpoint,
    private readonly model: string,
  ) {}

  /** The chunks one `data:` payload yields; throws on an error event. */
  read(payload: string): OllamaChunk[] {
    if (payload === '[DONE]') {
      this.done = true;
      return [...this.toolCallChunk(), this.finalChunk()];
    }
    const event = JSON.parse(payload) as OpenAiStreamChunk;
    if (event.error) {
      throw new Error(typeof event.error === 'string' ? event.error : (event.error.message ?? 'backend error'));
    }
    if (event.usage) this.usage = { prompt: event.usage.prompt_tokens, completion: event.usage.completion_tokens };
    const out: OllamaChunk[] = [];
    for (const choice of event.choices ?? []) {
      const delta = choice.delta ?? {};
      const thinking = delta.reasoning_content ?? delta.reasoning ?? '';
      const content = delta.content ?? '';
      if (content || thinking) out.push(this.textChunk(content, thinking));
      for (const call of delta.tool_calls ?? []) {
        const index = call.index ?? 0;
        const entry = this.calls.get(index) ?? { name: '', arguments: '' };
        entry.name += call.function?.name ?? '';
        entry.arguments += call.function?.arguments ?? '';
        this.calls.set(index, entry);
      }
      if (choice.finish_reason) this.finish = choice.finish_reason;
    }
    return out;
  }

  /** What the reply's usage said, for the provider's receipt. */
  counts(): { prompt: number | undefined; completion: number | undefined } {
    return this.usage;
  }

  private textChunk(content: string, thinking: string): OllamaChunk {
    const base = { model: this.model, created_at: new Date().toISOString(), done: false };
    if (this.endpoint === 'chat') {
      const message: NonNullable<OllamaChunk['message']> = { role: 'assistant', content };
      if (thinking) message.thinking = thinking;
      return { ...base, message };
    }
    return thinking ? { ...base, response: content, thinking } : { ...base, response: content };
  }

  private toolCallChunk(): OllamaChunk[] {
    if (this.calls.size === 0 || this.endpoint !== 'chat') return [];
    const toolCalls = [...this.calls.entries()]
      .sort(([a], [b]) => a - b)
      .map(([, call]) => {
        let args: unknown = {};
        try {
          args = call.arguments ? JSON.parse(call.arguments) : {};
        } catch {
          args = { _raw: call.arguments };
        }
        return { function: { name: call.name, arguments: args } };
      });
    return [{ ...this.textChunk('', ''), message: { role: 'assistant', content: '', tool_calls: toolCalls } }];
  }

  private finalChunk(): OllamaChunk {
    const final: OllamaChunk = {
      ...this.textChunk('', ''),
      done: true,
      done_reason: this.finish === 'length' ? 'length' : 'stop',
    };
    if (this.usage.prompt !== undefined) final.prompt_eval_count = this.usage.prompt;
    if (this.usage.completion !== undefined) final.eval_count = this.usage.completion;
    return final;
  }
}

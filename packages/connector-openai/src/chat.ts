import type {
  ChatCompletion,
  ChatCompletionCreateParamsNonStreaming,
} from 'openai/resources/chat/completions';
import { InvalidArgumentError, SyncConnector, type CreateContext, type Resource } from '@org/connector-core';
import { clientSettings } from './client-settings.js';
import { apiFailure, toConnectorError } from './errors.js';
import { createClient } from './sdk.js';
import { chatSpec, type ChatParams } from './spec.js';
import {
  answerShape,
  CHAT_OUTPUT,
  JSON_INSTRUCTION,
  parseJsonAnswer,
  responseFormat,
  type AnswerShape,
} from './structured-output.js';

/** The task type flytekit's ChatGPTTask serializes. */
export const CHATGPT_TASK_TYPE = 'chatgpt';

/** The input flytekit's ChatGPTTask declares: the user's message. */
export const CHAT_INPUT = 'message';

/** Request fields the connector owns: the conversation, and streaming (the answer is returned whole). */
const OWNED_FIELDS = ['messages', 'stream', 'stream_options'] as const;

/**
 * Runs `chatgpt` tasks: one user message to chat.completions, the first choice's content as `o0`. Served to
 * Flyte 1 through ExecuteTaskSync and to Flyte 2 through CreateTask/GetTask (core does both for sync connectors).
 */
export class ChatGPTConnector extends SyncConnector<ChatParams> {
  readonly name = 'ChatGPT Connector';
  readonly taskCategory = { name: CHATGPT_TASK_TYPE, version: 0 };
  readonly spec = chatSpec;

  async do(ctx: CreateContext<ChatParams>): Promise<Resource> {
    const message = ctx.inputs[CHAT_INPUT];
    if (typeof message !== 'string') {
      throw new InvalidArgumentError(`The task needs the string input '${CHAT_INPUT}'.`);
    }
    const shape = answerShape(ctx.outputTypes);
    const request = chatRequest(ctx.template.custom?.['chatgpt_config'], ctx.params.model, message, shape);
    // No timeout of our own: the caller's deadline (ctx.signal) bounds the call, retries and their waits included.
    const client = await createClient(clientSettings(ctx.params, ctx.params.openai_api_key));
    let completion: ChatCompletion;
    try {
      completion = await client.chat.completions.create(request, { signal: ctx.signal });
    } catch (error) {
      if (ctx.signal.aborted) throw error; // core answers DEADLINE_EXCEEDED / CANCELLED
      const failure = apiFailure(error);
      if (failure.status === 400 || failure.status === 422) {
        // The request itself is wrong (unknown model, bad argument): another attempt would fail the same way.
        return { phase: 'FAILED', message: `OpenAI rejected the chat request: ${failure.message}` };
      }
      throw toConnectorError(error, 'Chat completion failed');
    }
    ctx.logger.info(
      { model: completion.model, totalTokens: completion.usage?.total_tokens },
      'chat completion done',
    );
    return answerResource(completion, shape);
  }
}

function chatRequest(
  config: unknown,
  model: string,
  message: string,
  shape: AnswerShape,
): ChatCompletionCreateParamsNonStreaming {
  if (config !== undefined && (typeof config !== 'object' || config === null || Array.isArray(config))) {
    throw new InvalidArgumentError('custom.chatgpt_config must be an object of chat completion arguments.');
  }
  const settings: Record<string, unknown> = { ...(config as Record<string, unknown> | undefined) };
  for (const field of OWNED_FIELDS) delete settings[field];
  const messages: Record<string, unknown>[] = [];
  if (shape.kind === 'json') {
    settings['response_format'] ??= responseFormat(shape);
    if (JSON.stringify(settings['response_format']).includes('json_object')) {
      messages.push({ role: 'system', content: JSON_INSTRUCTION });
    }
  }
  messages.push({ role: 'user', content: message });
  // The remaining arguments are the task's, passed on as flytekit passes them; OpenAI validates them.
  return { ...settings, model, messages } as unknown as ChatCompletionCreateParamsNonStreaming;
}

function answerResource(completion: ChatCompletion, shape: AnswerShape): Resource {
  const choice = completion.choices[0];
  const customInfo = {
    id: completion.id,
    model: completion.model,
    finishReason: choice?.finish_reason ?? null,
    usage: {
      promptTokens: completion.usage?.prompt_tokens ?? 0,
      completionTokens: completion.usage?.completion_tokens ?? 0,
      totalTokens: completion.usage?.total_tokens ?? 0,
    },
  };
  const content = choice?.message.content;
  if (typeof content !== 'string') {
    const refusal = choice?.message.refusal;
    return {
      phase: 'FAILED',
      message:
        typeof refusal === 'string'
          ? `The model refused: ${refusal}`
          : `The model returned no content (finish reason ${choice?.finish_reason ?? 'none'}).`,
      customInfo,
    };
  }
  if (shape.kind === 'text') return { phase: 'SUCCEEDED', outputs: { [CHAT_OUTPUT]: content }, customInfo };
  const parsed = parseJsonAnswer(content);
  if (!parsed.ok) {
    return {
      phase: 'FAILED',
      message: `Output '${CHAT_OUTPUT}' is declared as a STRUCT, but ${parsed.problem} (finish reason ${choice?.finish_reason ?? 'none'}).`,
      customInfo,
    };
  }
  return { phase: 'SUCCEEDED', outputs: { [CHAT_OUTPUT]: parsed.value }, customInfo };
}

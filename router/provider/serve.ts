import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { LocalAccount } from 'viem';
import { assertPortFree } from '../../common/ports.ts';
import { RouterError } from '../errors.ts';
import { sameModel } from '../wire/ollama.ts';
import type { Backend } from './backend.ts';
import { createProviderApp } from './node.ts';
import { deregisterFromRouter, registerWithRouter } from './registration.ts';

export type ProviderNodeConfig = {
  account: LocalAccount;
  backend: Backend;
  /** The models to offer; default: every model the backend has. */
  models?: string[] | undefined;
  pricePerMTokens: bigint;
  stake?: bigint;
  concurrency?: number;
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** The URL routers reach this node at (default: http://host:port). */
  publicUrl?: string | undefined;
  /** A router to register with on start and deregister from on close. */
  router?: string | undefined;
};

export type RunningProviderNode = {
  url: string;
  /** The URL registered with the router. */
  endpoint: string;
  models: string[];
  /** Deregisters (when registered), then stops listening. */
  close: () => Promise<void>;
  /** Drops every connection at once, mid-stream, without deregistering: a crash, for tests. */
  kill: () => Promise<void>;
};

export const DEFAULT_PROVIDER_PORT = 11436;

/** Starts a provider node: checks the backend, listens, and registers with the router if one is given. */
export async function startProviderNode(config: ProviderNodeConfig): Promise<RunningProviderNode> {
  const host = config.host ?? '127.0.0.1';
  const port = config.port ?? DEFAULT_PROVIDER_PORT;
  let available: string[];
  try {
    available = await config.backend.listModels();
  } catch (error) {
    throw new RouterError(`The backend at ${config.backend.url} does not answer: ${(error as Error).message}`, {
      hint:
        config.backend.kind === 'ollama'
          ? 'Start Ollama (`ollama serve`), or point --backend at it.'
          : 'Start the OpenAI-compatible server, or point --backend at it.',
    });
  }
  const models = config.models ?? available;
  const missing = models.filter((model) => !available.some((name) => sameModel(name, model)));
  if (models.length === 0 || missing.length > 0) {
    throw new RouterError(
      models.length === 0
        ? `The backend at ${config.backend.url} has no model to offer.`
        : `The backend at ${config.backend.url} has no ${missing.join(', ')}.`,
      { hint: `It has: ${available.join(', ') || 'nothing'}. Pull the model, or change --models.` },
    );
  }
  if (port !== 0) await assertPortFree(host, port, 'the provider node', '--port');
  const app = createProviderApp({
    account: config.account,
    backend: config.backend,
    models,
    concurrency: config.concurrency ?? 4,
  });
  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const listening = serve({ fetch: app.fetch, hostname: host, port }, () => resolve(listening));
    listening.once('error', reject);
  });
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${(server.address() as AddressInfo).port}`;
  const endpoint = config.publicUrl ?? url;
  const stop = (abrupt: boolean) =>
    new Promise<void>((done) => {
      server.close(() => done());
      const connections = server as unknown as { closeAllConnections?: () => void; closeIdleConnections?: () => void };
      if (abrupt) connections.closeAllConnections?.();
      else connections.closeIdleConnections?.();
    });
  if (config.router) {
    try {
      await registerWithRouter(config.router, config.account, {
        endpoint,
        models,
        pricePerMTokens: config.pricePerMTokens,
        stake: config.stake ?? 0n,
      });
    } catch (error) {
      await stop(true);
      throw error;
    }
  }
  return {
    url,
    endpoint,
    models,
    close: async () => {
      try {
        if (config.router) await deregisterFromRouter(config.router, config.account);
      } finally {
        await stop(false);
      }
    },
    kill: () => stop(true),
  };
}

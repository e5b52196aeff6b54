/**
 * The local API as `npm start` serves it: the server of server.ts on a running local runtime, the
 * key pair of `<data dir>/local-auth/`, and an admin token of the plan's town to try it with.
 */
import { resolve } from 'node:path';
import { loadOrSynthesize, type CfnTemplate } from '../runtime/index.ts';
import { loadOrCreateKeys, mintToken, tokenClaims } from './local-auth.ts';
import { startApiServer, type ApiServer } from './server.ts';

export interface LocalApiOptions {
  runtime: { invokeFunction(name: string, event: unknown): Promise<unknown> };
  /** The raw template the runtime runs; read from cdk.out (or synthesized) when absent. */
  template?: CfnTemplate;
  /** Where `local-auth/` is kept (the `--data-dir` of `fireplan token`). */
  dataDir: string;
  /** The town of the admin token. */
  town: string;
  port: number;
  corsOrigin?: string;
  clock: () => Date;
  /** How long the admin token is valid. @default 8 hours */
  adminTokenSeconds?: number;
  /** Told when `port` is taken and a free port is used instead. */
  onPortTaken?: (port: number) => void;
  onError?: (error: unknown) => void;
}

export interface LocalApi {
  url: string;
  server: ApiServer;
  adminToken: string;
  close(): Promise<void>;
}

export async function serveLocalApi(options: LocalApiOptions): Promise<LocalApi> {
  const template = options.template ?? (await loadOrSynthesize({ repoRoot: resolve(import.meta.dirname, '../..') })).template;
  const keys = await loadOrCreateKeys(options.dataDir);
  const settings = {
    template,
    runtime: options.runtime,
    publicKey: keys.publicKey,
    clock: options.clock,
    ...(options.corsOrigin ? { corsOrigin: options.corsOrigin } : {}),
    ...(options.onError ? { onError: options.onError } : {}),
  };
  let server: ApiServer;
  try {
    server = await startApiServer({ ...settings, port: options.port });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    options.onPortTaken?.(options.port);
    server = await startApiServer({ ...settings, port: 0 });
  }
  const adminToken = await mintToken(keys, tokenClaims({ role: 'admin', town: options.town }), { now: options.clock(), expiresInSeconds: options.adminTokenSeconds ?? 8 * 3600 });
  return { url: server.url, server, adminToken, close: () => server.close() };
}

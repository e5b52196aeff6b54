import type { RequestListener, Server } from 'node:http';

/** dynalite's request listener with TransactWriteItems and TransactGetItems (see the .mjs). */
export function withTransactions(listener: RequestListener): RequestListener;

/** Replaces a dynalite server's request listener by the transactional one; returns that listener. */
export function addTransactions(server: Server): RequestListener;

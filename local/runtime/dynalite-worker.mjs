// dynalite in a worker thread of the local runtime (plain JavaScript: a worker does not inherit
// the main thread's TypeScript loader). It listens on its port for clients outside the process,
// and answers the requests the main thread's in-process transport posts to it, through the same
// request listener. The main thread runs the handlers, the SDK and the state machines; this thread
// runs DynamoDB, so the two use both cores, and the table's data lives in this thread's heap.
//
// Messages in:  { type: 'request', id, request: { method, url, headers, body } } | { type: 'stop' }
// Messages out: { type: 'listening', port } | { type: 'listen-error', code, message }
//               { type: 'response', id, response: { statusCode, statusMessage?, headers, body } }
//               { type: 'failed', id, message } | { type: 'stopped' } | { type: 'stop-error', message }
import { Buffer } from 'node:buffer';
import { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import { parentPort, workerData } from 'node:worker_threads';
import { addTransactions } from './dynalite-transactions.mjs';

const require = createRequire(import.meta.url);
const dynalite = require('dynalite');
const { path, host, port } = workerData;

const server = dynalite({ path, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
// dynalite has no transactions: they are added around its listener (dynalite-transactions.mjs).
const listener = addTransactions(server);

/** As listenerServer in in-process-transport.ts: a request object that emits the body, a response that collects the answer. */
function answer(id, request) {
  const req = Object.assign(new EventEmitter(), { method: request.method, url: request.url, headers: request.headers, httpVersion: '1.1' });
  const headers = {};
  const res = {
    statusCode: 200,
    statusMessage: '',
    headersSent: false,
    setHeader(name, value) {
      headers[name.toLowerCase()] = String(value);
      return res;
    },
    getHeader: (name) => headers[name.toLowerCase()],
    removeHeader(name) {
      delete headers[name.toLowerCase()];
    },
    end(chunk) {
      res.headersSent = true;
      const body = chunk === undefined ? '' : typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
      parentPort.postMessage({ type: 'response', id, response: { statusCode: res.statusCode, ...(res.statusMessage ? { statusMessage: res.statusMessage } : {}), headers, body } });
      return res;
    },
  };
  try {
    listener(req, res);
    if (request.body.length > 0) req.emit('data', Buffer.from(request.body, 'utf8'));
    req.emit('end');
  } catch (error) {
    parentPort.postMessage({ type: 'failed', id, message: error instanceof Error ? error.message : String(error) });
  }
}

parentPort.on('message', (message) => {
  if (message.type === 'request') answer(message.id, message.request);
  else if (message.type === 'stop') {
    server.close((error) => parentPort.postMessage(error ? { type: 'stop-error', message: error.message } : { type: 'stopped' }));
    server.closeIdleConnections?.();
  }
});

server.once('error', (error) => parentPort.postMessage({ type: 'listen-error', code: error.code, message: error.message }));
server.listen(port, host, () => parentPort.postMessage({ type: 'listening', port: server.address().port }));

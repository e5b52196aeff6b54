// TransactWriteItems and TransactGetItems for dynalite, which has neither (dynalite 4 implements the
// single-item actions only). Plain JavaScript, because dynalite's worker thread loads it too
// (dynalite-worker.mjs), besides the in-thread runtime and the integration suites.
//
// `withTransactions(listener)` wraps dynalite's HTTP request listener. A transaction is carried out
// with dynalite's own single-item actions, one item after the other, while every other request
// waits, so that nothing is seen half-done:
//   1. the item's current image is read (GetItem, consistent);
//   2. the item's action runs with its condition (PutItem / UpdateItem / DeleteItem; a
//      ConditionCheck is a conditional rewrite of the same image);
//   3. when an action fails, the items already written get their old images back, in reverse order,
//      and the answer is DynamoDB's TransactionCanceledException with one reason per item
//      (`ConditionalCheckFailed` for the failing one, `None` for the others).
// Where it differs from DynamoDB (docs/architecture.md, "Local runtime"): conditions are evaluated
// in order and the first failure stops the rest, so only the first failing item is named; there is
// no idempotency token and no limit on the number of items beyond DynamoDB's own 100.
import { Buffer } from 'node:buffer';
import { EventEmitter } from 'node:events';

const TARGET_PREFIX = 'DynamoDB_20120810.';
const CANCELLED = 'com.amazonaws.dynamodb.v20120810#TransactionCanceledException';
const CONDITION_FAILED = 'com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException';
const VALIDATION = 'com.amazon.coral.validate#ValidationException';

/** Calls dynalite's listener with a JSON request of `action`, as an HTTP request would. */
function call(listener, headers, action, payload) {
  return new Promise((resolve, reject) => {
    const body = JSON.stringify(payload);
    const req = Object.assign(new EventEmitter(), {
      method: 'POST',
      url: '/',
      headers: { ...headers, 'x-amz-target': `${TARGET_PREFIX}${action}`, 'content-length': String(Buffer.byteLength(body)) },
      httpVersion: '1.1',
    });
    const answerHeaders = {};
    const res = {
      statusCode: 200,
      statusMessage: '',
      headersSent: false,
      setHeader(name, value) {
        answerHeaders[name.toLowerCase()] = String(value);
        return res;
      },
      getHeader: (name) => answerHeaders[name.toLowerCase()],
      removeHeader(name) {
        delete answerHeaders[name.toLowerCase()];
      },
      end(chunk) {
        res.headersSent = true;
        const text = chunk === undefined ? '' : typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
        resolve({ statusCode: res.statusCode, body: text === '' ? {} : JSON.parse(text) });
        return res;
      },
    };
    try {
      listener(req, res);
      req.emit('data', Buffer.from(body, 'utf8'));
      req.emit('end');
    } catch (error) {
      reject(error);
    }
  });
}

function send(res, statusCode, body) {
  const text = JSON.stringify(body);
  res.statusCode = statusCode;
  res.setHeader('content-type', 'application/x-amz-json-1.0');
  res.setHeader('content-length', String(Buffer.byteLength(text)));
  res.end(text);
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(Buffer.from(chunk)));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

const pick = (object, names) => Object.fromEntries(names.filter((n) => object[n] !== undefined).map((n) => [n, object[n]]));
const CONDITION_FIELDS = ['ConditionExpression', 'ExpressionAttributeNames', 'ExpressionAttributeValues'];

/** The action of one transaction item, and the table and key it touches. */
async function describeItem(listener, headers, item, keySchemas) {
  const [kind, spec] = Object.entries(item)[0] ?? [];
  if (!spec || !['Put', 'Update', 'Delete', 'ConditionCheck'].includes(kind)) throw new Error('each TransactItems entry must have one of Put, Update, Delete, ConditionCheck');
  let key = spec.Key;
  if (kind === 'Put') {
    let schema = keySchemas.get(spec.TableName);
    if (!schema) {
      const described = await call(listener, headers, 'DescribeTable', { TableName: spec.TableName });
      if (described.statusCode !== 200) return { error: described };
      schema = described.body.Table.KeySchema.map((k) => k.AttributeName);
      keySchemas.set(spec.TableName, schema);
    }
    key = pick(spec.Item ?? {}, schema);
  }
  return { kind, spec, table: spec.TableName, key };
}

async function runItem(listener, headers, { kind, spec, table, key }, before) {
  if (kind === 'Put') return call(listener, headers, 'PutItem', pick(spec, ['TableName', 'Item', ...CONDITION_FIELDS]));
  if (kind === 'Update') return call(listener, headers, 'UpdateItem', pick(spec, ['TableName', 'Key', 'UpdateExpression', ...CONDITION_FIELDS]));
  if (kind === 'Delete') return call(listener, headers, 'DeleteItem', pick(spec, ['TableName', 'Key', ...CONDITION_FIELDS]));
  // ConditionCheck: rewrite the item as it is (or create it and take it away again) under the condition.
  const checked = await call(listener, headers, 'PutItem', { TableName: table, Item: before ?? key, ...pick(spec, CONDITION_FIELDS) });
  if (checked.statusCode === 200 && !before) await call(listener, headers, 'DeleteItem', { TableName: table, Key: key });
  return checked;
}

async function restore(listener, headers, applied) {
  for (const { table, key, before } of applied.reverse()) {
    if (before) await call(listener, headers, 'PutItem', { TableName: table, Item: before });
    else await call(listener, headers, 'DeleteItem', { TableName: table, Key: key });
  }
}

async function transactWrite(listener, headers, request) {
  const items = request.TransactItems;
  if (!Array.isArray(items) || items.length === 0 || items.length > 100) {
    return { statusCode: 400, body: { __type: VALIDATION, message: 'TransactItems must hold 1 to 100 items' } };
  }
  const keySchemas = new Map();
  const applied = [];
  for (const [index, item] of items.entries()) {
    const described = await describeItem(listener, headers, item, keySchemas);
    if (described.error) {
      await restore(listener, headers, applied);
      return described.error;
    }
    const current = await call(listener, headers, 'GetItem', { TableName: described.table, Key: described.key, ConsistentRead: true });
    if (current.statusCode !== 200) {
      await restore(listener, headers, applied);
      return current;
    }
    const before = current.body.Item;
    const result = await runItem(listener, headers, described, before);
    if (result.statusCode !== 200) {
      await restore(listener, headers, applied);
      if (result.body.__type !== CONDITION_FAILED) return result;
      const reasons = items.map((_, i) => (i === index ? { Code: 'ConditionalCheckFailed', Message: 'The conditional request failed' } : { Code: 'None' }));
      return {
        statusCode: 400,
        body: {
          __type: CANCELLED,
          message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${reasons.map((r) => r.Code).join(', ')}]`,
          CancellationReasons: reasons,
        },
      };
    }
    if (described.kind !== 'ConditionCheck') applied.push({ table: described.table, key: described.key, before });
  }
  return { statusCode: 200, body: {} };
}

async function transactGet(listener, headers, request) {
  const responses = [];
  for (const item of request.TransactItems ?? []) {
    const got = await call(listener, headers, 'GetItem', { ...pick(item.Get ?? {}, ['TableName', 'Key', 'ProjectionExpression', 'ExpressionAttributeNames']), ConsistentRead: true });
    if (got.statusCode !== 200) return got;
    responses.push(got.body.Item ? { Item: got.body.Item } : {});
  }
  return { statusCode: 200, body: { Responses: responses } };
}

/**
 * dynalite's request listener with transactions: a TransactWriteItems or TransactGetItems request is
 * carried out as described above, and every other request waits while one runs.
 */
export function withTransactions(listener) {
  let running = Promise.resolve();
  let active = 0;
  return function transactionalListener(req, res) {
    const target = String(req.headers['x-amz-target'] ?? '');
    const action = target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : '';
    if (action !== 'TransactWriteItems' && action !== 'TransactGetItems') {
      if (active === 0) return listener(req, res);
      // Replay the request after the transaction: its body is read now, before it is lost.
      const body = readBody(req);
      running = running.then(async () => {
        const text = await body;
        const replay = Object.assign(new EventEmitter(), { method: req.method, url: req.url, headers: req.headers, httpVersion: req.httpVersion ?? '1.1' });
        // The next transaction starts once this request is answered, not merely started.
        const answered = new Promise((done) => {
          const end = res.end.bind(res);
          res.end = (...args) => {
            const result = end(...args);
            done();
            return result;
          };
        });
        listener(replay, res);
        replay.emit('data', Buffer.from(text, 'utf8'));
        replay.emit('end');
        await answered;
      });
      return undefined;
    }
    active += 1;
    const body = readBody(req);
    running = running
      .then(async () => {
        let request;
        try {
          request = JSON.parse(await body);
        } catch {
          return send(res, 400, { __type: 'com.amazon.coral.service#SerializationException', message: 'the body is not JSON' });
        }
        const headers = { ...req.headers };
        const result = action === 'TransactWriteItems' ? await transactWrite(listener, headers, request) : await transactGet(listener, headers, request);
        return send(res, result.statusCode, result.body);
      })
      .catch((error) => send(res, 500, { __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError', message: String(error?.message ?? error) }))
      .finally(() => {
        active -= 1;
      });
    return undefined;
  };
}

/** Replaces a dynalite server's request listener by the transactional one; returns that listener. */
export function addTransactions(server) {
  const [listener] = server.listeners('request');
  const wrapped = withTransactions(listener);
  server.removeAllListeners('request');
  server.on('request', wrapped);
  return wrapped;
}

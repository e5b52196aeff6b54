import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const work = mkdtempSync(join(tmpdir(), 'fireplan-start-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface Started {
  child: ChildProcessWithoutNullStreams;
  output: () => string;
  mailbox: string;
  /** The API's address and the admin token, as printed. */
  api: string;
  adminToken: string;
}

/** Starts `fireplan start` as `npm start` does and waits until it prints the mailbox address, the API address and an admin token. */
function start(): Promise<Started> {
  const child = spawn('node', ['bin/fireplan.mjs', 'start', '--to', '2022-04-22', '--port', '0', '--api-port', '0', '--data-dir', join(work, 'data'), '--out', join(work, 'out')]);
  let text = '';
  child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no mailbox address, API address and admin token within 120 s:\n${text}`)), 120_000);
    const poll = setInterval(() => {
      const match = /Mailbox: (http:\/\/\S+)/.exec(text);
      const api = /API: +(http:\/\/\S+)/.exec(text);
      const token = /Admin token for \S+ [^\n]*\n +(\S+)\n/.exec(text);
      if (match?.[1] && api?.[1] && token?.[1]) {
        clearInterval(poll);
        clearTimeout(timer);
        resolve({ child, output: () => text, mailbox: match[1], api: api[1], adminToken: token[1] });
      }
    }, 100);
    child.once('exit', (code) => {
      clearInterval(poll);
      clearTimeout(timer);
      reject(new Error(`fireplan start exited with ${code}:\n${text}`));
    });
  });
}

async function apiGet(started: Started, path: string, token = started.adminToken): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${started.api}${path}`, { headers: { authorization: `Bearer ${token}` } });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function apiPost(started: Started, path: string, body: unknown, token = started.adminToken): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${started.api}${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

function stop(started: Started): Promise<number | null> {
  return new Promise((resolve) => {
    started.child.once('exit', (code) => resolve(code));
    started.child.kill('SIGINT');
  });
}

describe('npm start', () => {
  it('replays the plan, serves every email on the mailbox page, and serves the same state again after a restart', async () => {
    const first = await start();
    const page = await (await fetch(first.mailbox)).text();
    const mail = (await (await fetch(`${first.mailbox}/mail.json`)).json()) as { subject: string; text: string; html: string }[];
    const message = await fetch(`${first.mailbox}/mail/0`);
    const instances = await apiGet(first, '/instances?unit=emergency-office&limit=100');
    const duty = await apiGet(first, '/duties/c02-monthly-situation-analysis');
    const anonymous = await fetch(`${first.api}/instances`);
    const firstExit = await stop(first);

    const second = await start();
    const again = (await (await fetch(`${second.mailbox}/mail.json`)).json()) as unknown[];
    const instancesAgain = await apiGet(second, '/instances?unit=emergency-office&limit=100');
    await stop(second);

    expect(first.output()).toContain('Replaying qingfeng-2022 from 2022-04-15 to 2022-04-22');
    expect(mail.length).toBeGreaterThan(0);
    expect(page).toContain(`共 ${mail.length} 封`);
    expect(mail.every((m) => m.text.length > 0 && m.html.includes('<html'))).toBe(true);
    expect(message.status).toBe(200);
    expect(firstExit).toBe(0);
    expect(second.output()).toContain('is already in');
    expect(again).toEqual(mail);
    // The API beside the mailbox, with the admin token printed for the plan's town, on the replayed data.
    expect(first.output()).toMatch(/API: +http:\/\/127\.0\.0\.1:\d+ +\(\d+ routes; the OpenAPI document is http:\/\/127\.0\.0\.1:\d+\/openapi\.json, with a token\)/);
    expect(first.output()).toContain('Admin token for qingfeng');
    expect(first.output()).toMatch(/The API answers in the replayed world: it is 2022-04-22T09:00:\d\d\.\d{3}Z there/);
    expect(anonymous.status).toBe(401);
    expect(instances.status).toBe(200);
    const items = instances.body['items'] as { id: string; town: string; owner: string; opensOn: string }[];
    // The replay opened the periods in progress when the plan took effect (2022-04-15), the unit's among them.
    expect(items.length).toBeGreaterThan(0);
    expect(items.every((i) => i.town === 'qingfeng' && i.owner === 'emergency-office' && i.opensOn >= '2022-04-15' && i.opensOn <= '2022-04-22')).toBe(true);
    expect(items.map((i) => i.id)).toContain('qingfeng:c02-monthly-situation-analysis:emergency-office:2022-04');
    // Requests are dated at the end of the replay: the duty's current period is the replayed April, not today's month.
    expect(duty.status).toBe(200);
    expect(duty.body['current']).toMatchObject({ period: '2022-04' });
    // Restarted on the kept replay: the new token works on the same data.
    expect(second.adminToken).not.toBe('');
    expect(instancesAgain.status).toBe(200);
    expect(instancesAgain.body['items']).toEqual(items);
  }, 240_000);

  it("lets a unit, with a token from `fireplan token`, upload an evidence file through the presigned URL and report it: the S3 stand-in judges expiry by the replayed world's clock too", async () => {
    // The replay of the test above is kept in the data directory: this start serves it again (or
    // replays it, when this test runs alone). An instance of the unit not reported yet takes a file.
    const started = await start();
    const minted = spawnSync('node', ['bin/fireplan.mjs', 'token', '--role', 'unit', '--unit', 'emergency-office', '--data-dir', join(work, 'data')], { encoding: 'utf8' });
    const unitToken = minted.stdout.trim();
    const list = await apiGet(started, '/instances?unit=emergency-office&limit=100', unitToken);
    const instance = (list.body['items'] as { id: string; completedOn: string | null }[]).find((i) => i.completedOn === null)?.id ?? 'none open';
    const file = new TextEncoder().encode('%PDF-1.4\n% 4月形势分析报告\n%%EOF\n');
    const asked = await apiPost(started, `/instances/${encodeURIComponent(instance)}/evidence`, { name: '4月形势分析报告.pdf', contentType: 'application/pdf', size: file.length }, unitToken);
    const put = await fetch(String(asked.body['uploadUrl']), { method: 'PUT', headers: asked.body['headers'] as Record<string, string>, body: file });
    const putAnswer = await put.text();
    const reported = await apiPost(started, `/instances/${encodeURIComponent(instance)}/report`, { note: '已完成', evidence: [{ kind: 'report', name: '4月形势分析报告.pdf', key: asked.body['key'], size: file.length }] }, unitToken);
    await stop(started);

    expect(minted.status).toBe(0);
    expect(list.status).toBe(200);
    expect(asked.status).toBe(201);
    // Signed at the request's time in the replayed world (the last replayed day), valid for 15 minutes of it.
    expect(String(asked.body['expiresAt']).startsWith('2022-04-22T09:')).toBe(true);
    expect({ status: put.status, answer: putAnswer }).toEqual({ status: 200, answer: '' });
    expect(reported).toMatchObject({ status: 200, body: { id: instance, completedOn: '2022-04-22' } });
  }, 240_000);
});

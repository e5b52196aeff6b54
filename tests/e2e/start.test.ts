import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
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
}

/** Starts `fireplan start` as `npm start` does and waits until it prints the mailbox address. */
function start(): Promise<Started> {
  const child = spawn('node', ['bin/fireplan.mjs', 'start', '--to', '2022-04-22', '--port', '0', '--data-dir', join(work, 'data'), '--out', join(work, 'out')]);
  let text = '';
  child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no mailbox address within 120 s:\n${text}`)), 120_000);
    const poll = setInterval(() => {
      const match = /Mailbox: (http:\/\/\S+)/.exec(text);
      if (match?.[1]) {
        clearInterval(poll);
        clearTimeout(timer);
        resolve({ child, output: () => text, mailbox: match[1] });
      }
    }, 100);
    child.once('exit', (code) => {
      clearInterval(poll);
      clearTimeout(timer);
      reject(new Error(`fireplan start exited with ${code}:\n${text}`));
    });
  });
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
    const firstExit = await stop(first);

    const second = await start();
    const again = (await (await fetch(`${second.mailbox}/mail.json`)).json()) as unknown[];
    await stop(second);

    expect(first.output()).toContain('Replaying qingfeng-2022 from 2022-04-15 to 2022-04-22');
    expect(mail.length).toBeGreaterThan(0);
    expect(page).toContain(`共 ${mail.length} 封`);
    expect(mail.every((m) => m.text.length > 0 && m.html.includes('<html'))).toBe(true);
    expect(message.status).toBe(200);
    expect(firstExit).toBe(0);
    expect(second.output()).toContain('is already in');
    expect(again).toEqual(mail);
  }, 240_000);
});

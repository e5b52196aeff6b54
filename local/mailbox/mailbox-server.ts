import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { escapeHtml } from '../../functions/core/messages.ts';

/**
 * The mailbox page: every email the system sent, readable as the recipient would read it, newest
 * first. It serves whatever its source returns, so a live runtime's new mail shows on reload.
 */

export interface StoredMail {
  sentOn: string;
  to: string[];
  subject: string;
  kind: string;
  text: string;
  html: string;
}

const style = `body{font-family:system-ui,"PingFang SC","Microsoft YaHei",sans-serif;margin:24px;color:#222}
table{border-collapse:collapse}td,th{border-bottom:1px solid #ddd;padding:4px 8px;text-align:left;vertical-align:top}
a{color:#0b57d0;text-decoration:none}pre{white-space:pre-wrap;background:#f7f7f7;padding:12px}iframe{width:100%;height:480px;border:1px solid #ccc}`;

function page(title: string, body: string): string {
  return `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title><style>${style}</style></head><body>${body}</body></html>`;
}

export function listPage(mail: readonly StoredMail[], filter: string): string {
  const rows = mail
    .map((m, n) => ({ m, n }))
    .filter(({ m }) => filter === '' || m.to.some((t) => t.includes(filter)) || m.subject.includes(filter))
    .reverse()
    .map(({ m, n }) => `<tr><td>${escapeHtml(m.sentOn)}</td><td>${escapeHtml(m.kind)}</td><td>${escapeHtml(m.to.join(', '))}</td><td><a href="/mail/${n}">${escapeHtml(m.subject)}</a></td></tr>`)
    .join('\n');
  return page(
    'Fireplan 邮箱',
    `<h1>Fireplan 邮箱 · mailbox</h1><p>共 ${mail.length} 封（本地运行时发出的全部邮件，地址均为 example.org 占位地址）。</p>
<form><input name="q" value="${escapeHtml(filter)}" placeholder="收件人或主题"> <button>筛选</button> <a href="/mail.json">JSON</a></form>
<table><tr><th>日期</th><th>类别</th><th>收件人</th><th>主题</th></tr>${rows}</table>`,
  );
}

export function messagePage(mail: StoredMail, n: number): string {
  return page(
    mail.subject,
    `<p><a href="/">← 返回邮箱</a></p><h2>${escapeHtml(mail.subject)}</h2>
<p>日期 ${escapeHtml(mail.sentOn)} · 收件人 ${escapeHtml(mail.to.join(', '))} · 类别 ${escapeHtml(mail.kind)} · 第 ${n + 1} 封</p>
<h3>HTML</h3><iframe sandbox srcdoc="${escapeHtml(mail.html)}"></iframe><h3>纯文本 plain text</h3><pre>${escapeHtml(mail.text)}</pre>`,
  );
}

export async function startMailboxServer(source: () => readonly StoredMail[], port: number, host = '127.0.0.1'): Promise<{ server: Server; url: string }> {
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const mail = source();
    const send = (status: number, type: string, body: string) => {
      response.writeHead(status, { 'content-type': `${type}; charset=utf-8` });
      response.end(body);
    };
    if (request.method !== 'GET') return send(405, 'text/plain', 'method not allowed');
    if (url.pathname === '/') return send(200, 'text/html', listPage(mail, (url.searchParams.get('q') ?? '').slice(0, 200)));
    if (url.pathname === '/mail.json') return send(200, 'application/json', JSON.stringify(mail));
    const match = /^\/mail\/(\d{1,9})$/.exec(url.pathname);
    const n = match ? Number(match[1]) : -1;
    const message = mail[n];
    if (message) return send(200, 'text/html', messagePage(message, n));
    return send(404, 'text/html', page('not found', '<p>没有这封邮件。<a href="/">返回邮箱</a></p>'));
  });
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolveListen());
  });
  const address = server.address() as AddressInfo;
  return { server, url: `http://${host}:${address.port}` };
}

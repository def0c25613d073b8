/**
 * The sandbox page's server side through HTTP, without a browser: it is reachable only from this machine, it plays
 * the Feishu client (its texts and clicks arrive at /lark/events as genuine signed events and the bot answers
 * through the emulator's Open Platform API), it shows each person's own chat with unread counts, and its sample-data
 * button imports the registries and creates a campaign. With credentials there is no /sandbox at all.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { isLoopbackAddress, VISITOR } from '../../src/sandbox/console/server';
import { isSandbox } from '../../src/sandbox/mode';
import { staffModel } from '../../src/store/staff';
import { startHarness } from '../support/harness';
import { SAMPLE_PHOTO } from '../support/sandboxPage';
import { startSandboxStack, type SandboxStack } from '../support/sandbox';

let stack: SandboxStack;
let base: string;

beforeAll(async () => {
  stack = await startSandboxStack();
  base = stack.url.replace(/\/sandbox$/, '');
});

afterAll(async () => {
  await stack.close();
});

function request(
  pathname: string,
  opts: { method?: string; headers?: Record<string, string>; body?: unknown } = {},
): Promise<{ status: number; text: string; json: () => any }> {
  const url = new URL(pathname, base);
  const body = opts.body === undefined ? undefined : JSON.stringify(opts.body);
  return new Promise((resolve, reject) => {
    const req = http.request(url, {
      method: opts.method ?? (body ? 'POST' : 'GET'),
      agent: false,
      headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...opts.headers },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, text, json: () => JSON.parse(text) });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

const chat = async (openId: string) => (await request(`/sandbox/api/chat/${openId}`)).json().entries as any[];
const people = async () => (await request('/sandbox/api/people')).json();

async function until<T>(fn: () => Promise<T | undefined>, what: string): Promise<T> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

it('serves the page at /sandbox and /sandbox/, and its scripts', async () => {
  for (const p of ['/sandbox', '/sandbox/']) {
    const page = await request(p);
    expect(page.status).toBe(200);
    expect(page.text).toContain('<title>spotcheck 本地试用');
  }
  expect((await request('/sandbox/assets/app.js')).status).toBe(200);
  expect((await request('/sandbox/assets/../../package.json')).status).toBe(404);
  expect((await request('/sandbox/assets/server.ts')).status).toBe(404);
});

it('answers only this machine: another host name or a write from another origin is refused', async () => {
  expect(isLoopbackAddress('127.0.0.1')).toBe(true);
  expect(isLoopbackAddress('::ffff:127.0.0.1')).toBe(true);
  expect(isLoopbackAddress('::1')).toBe(true);
  expect(isLoopbackAddress('192.168.1.20')).toBe(false);
  expect(isLoopbackAddress('::ffff:10.0.0.2')).toBe(false);
  expect(isLoopbackAddress(undefined)).toBe(false);

  const rebound = await request('/sandbox/api/people', { headers: { host: 'attacker.example:80' } });
  expect(rebound.status).toBe(403);
  expect(rebound.text).toContain('只接受本机访问');
  const crossSite = await request(`/sandbox/api/chat/${VISITOR.openId}/text`, { body: { text: '/帮助' }, headers: { origin: 'http://attacker.example' } });
  expect(crossSite.status).toBe(403);
  const formPost = await request(`/sandbox/api/chat/${VISITOR.openId}/text`, { method: 'POST', headers: { 'content-type': 'text/plain' } });
  expect(formPost.status).toBe(403);
  expect(await chat(VISITOR.openId)).toEqual([]);
});

it('sends what a person types as a signed event to /lark/events and shows the bot’s answer as a card; a click replaces it in place', async () => {
  const sent = await request(`/sandbox/api/chat/${VISITOR.openId}/text`, { body: { text: '/帮助' } });
  expect(sent.json()).toMatchObject({ ok: true, status: 200 });
  const entries = await until(async () => {
    const e = await chat(VISITOR.openId);
    return e.length >= 2 ? e : undefined;
  }, 'the help card');
  expect(entries[0]).toMatchObject({ from: 'user', kind: 'text', text: '/帮助' });
  expect(entries[1]).toMatchObject({ from: 'bot', kind: 'card', version: 0 });
  expect(entries[1].html).toContain('使用帮助');
  // the bot answered through the Open Platform API, as a reply to the user's message
  const reply = stack.sandbox.emulator.requests.find((r) => r.method === 'POST' && r.path === `/open-apis/im/v1/messages/${entries[0].id}/reply`);
  expect(reply?.status).toBe(200);

  const path = /data-path="([^"]+)"[^>]*>用法</.exec(entries[1].html)?.[1];
  expect(path).toBeDefined();
  const clicked = await request(`/sandbox/api/chat/${VISITOR.openId}/click`, { body: { messageId: entries[1].id, path, version: 0 } });
  expect(clicked.status).toBe(200);
  expect(clicked.json().ok).toBe(true);
  const after = await chat(VISITOR.openId);
  expect(after).toHaveLength(2);
  expect(after[1]).toMatchObject({ id: entries[1].id, version: 1, updated: true });
  expect(after[1].html).not.toEqual(entries[1].html);

  // a click on the card as it was before is not sent: the page is told to refresh
  const stale = await request(`/sandbox/api/chat/${VISITOR.openId}/click`, { body: { messageId: entries[1].id, path, version: 0 } });
  expect(stale.json()).toMatchObject({ ok: false, stale: true });
  const nowhere = await request(`/sandbox/api/chat/${VISITOR.openId}/click`, { body: { messageId: entries[1].id, path: 'body/elements/0', version: 1 } });
  expect(nowhere.status).toBe(400);
});

it('sends a photo as an image message and refuses what is not an image', async () => {
  const sent = await request(`/sandbox/api/chat/${VISITOR.openId}/image`, { body: { name: 'a.png', data: SAMPLE_PHOTO.toString('base64') } });
  expect(sent.json()).toMatchObject({ ok: true, status: 200 });
  const entries = await until(async () => {
    const e = await chat(VISITOR.openId);
    const i = e.findIndex((x) => x.kind === 'image');
    return i >= 0 && e.length > i + 1 ? e : undefined;
  }, 'the answer to the photo');
  const image = entries.find((e) => e.kind === 'image');
  expect(image.from).toBe('user');
  const resource = await request(`/sandbox/api/resource/${image.imageKey}`);
  expect(resource.status).toBe(200);
  expect(entries[entries.length - 1].from).toBe('bot');

  const notImage = await request(`/sandbox/api/chat/${VISITOR.openId}/image`, { body: { name: 'a.txt', data: Buffer.from('hello').toString('base64') } });
  expect(notImage.status).toBe(400);
  expect(notImage.json().error).toContain('图片');
});

it('validates what it is sent', async () => {
  expect((await request(`/sandbox/api/chat/${VISITOR.openId}/text`, { body: { text: '   ' } })).json().error).toBe('消息不能为空');
  expect((await request('/sandbox/api/chat/not-an-open-id')).status).toBe(400);
  expect((await request(`/sandbox/api/chat/${VISITOR.openId}/click`, { body: { messageId: 'x' } })).status).toBe(400);
});

it('loads the sample registries and a campaign; each person has their own chat and unread count', async () => {
  expect((await people()).people).toEqual([]);
  const loaded = await request('/sandbox/api/sample-data', { body: {} });
  const r = loaded.json();
  expect(r).toMatchObject({ ok: true, enterprises: { total: 200, inserted: 200, rejected: 0 }, campaign: { created: true } });
  expect(r.staff.total).toBeGreaterThan(100);
  expect(r.campaign.name).toContain('示例');
  const staff = await staffModel(stack.service.db.connection).countDocuments();
  expect(staff).toBe(r.staff.total);
  // again: the rows are updated, the campaign stays
  const again = (await request('/sandbox/api/sample-data', { body: {} })).json();
  expect(again).toMatchObject({ enterprises: { inserted: 0, updated: 200 }, campaign: { created: false, name: r.campaign.name } });

  const list = await people();
  expect(list.people).toHaveLength(r.staff.total);
  const city = list.people.find((p: any) => p.roles.includes('联络员') && p.county === '市局');
  const other = list.people.find((p: any) => p.openId !== city.openId);
  expect(city.unread).toBe(0);
  await request(`/sandbox/api/chat/${city.openId}/text`, { body: { text: '/帮助' } });
  const unread = await until(async () => {
    const p = (await people()).people.find((x: any) => x.openId === city.openId);
    return p.unread > 0 ? p : undefined;
  }, 'an unread message');
  expect(unread.unread).toBe(1);
  expect(unread.lastText).toContain('使用帮助');
  const own = await chat(city.openId);
  expect(own.map((e) => e.from)).toEqual(['user', 'bot']);
  expect(own[1].html).toContain('联络员');
  expect((await people()).people.find((x: any) => x.openId === city.openId).unread).toBe(0);
  expect(await chat(other.openId)).toEqual([]);
});

it('sends a file as a genuine file message: the 市局联络员 gets the dry-run report of a holiday calendar', async () => {
  const city = (await people()).people.find((p: any) => p.roles.includes('联络员') && p.county === '市局');
  expect(city).toBeDefined();
  const csv = readFileSync(path.join(__dirname, '../fixtures/holidays-2027.csv'));
  const before = (await chat(city.openId)).length;
  const sent = await request(`/sandbox/api/chat/${city.openId}/file`, { body: { name: 'holidays-2027.csv', data: csv.toString('base64') } });
  expect(sent.json()).toMatchObject({ ok: true, status: 200 });
  const entries = await until(async () => {
    const e = await chat(city.openId);
    return e.length >= before + 2 && e[e.length - 1].kind === 'card' ? e : undefined;
  }, 'the dry-run card');
  const file = entries[before];
  expect(file).toMatchObject({ from: 'user', kind: 'file', file: { name: 'holidays-2027.csv', size: csv.length } });
  const report = entries[entries.length - 1];
  expect(report.html).toContain('2027');
  expect(report.html).toContain('确认导入');

  const empty = await request(`/sandbox/api/chat/${city.openId}/file`, { body: { name: 'x.csv', data: '' } });
  expect(empty.status).toBe(400);
});

it('does not exist in production or with Feishu credentials', async () => {
  expect(isSandbox({ ...stack.sandbox.config, lark: undefined, production: true })).toBe(false);
  expect(isSandbox(stack.sandbox.config)).toBe(false); // the config the bot runs with has (generated) credentials
  const h = await startHarness({ dbPrefix: 'nosandbox' });
  try {
    for (const p of ['/sandbox', '/sandbox/', '/sandbox/api/people']) {
      const res = await fetch(`http://127.0.0.1:${h.service.port}${p}`);
      expect(res.status).toBe(404);
    }
  } finally {
    await h.close();
  }
});

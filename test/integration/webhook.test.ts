import { cardText, encryptEvent, findButtons, signBody } from '../../src/sandbox/client';
import { TEST_APP } from '../support/harness';
import { startHarness, type Harness } from '../support/harness';
import { staffModel } from '../../src/store/staff';
import { processedEventModel } from '../../src/store/processedEvents';
import { outboxModel } from '../../src/store/outbox';

const LIAISON = 'ou_liaison0000000000000000000000001';
const STRANGER = 'ou_stranger000000000000000000000001';
const COUNTY_LIAISON = 'ou_countyliaison00000000000000000001';
const COUNTY_OFFICER = 'ou_countyofficer00000000000000000001';
const CITY_EXPERT = 'ou_cityexpert0000000000000000000001';

let h: Harness;

beforeAll(async () => {
  h = await startHarness({ dbPrefix: 'webhook' });
  await staffModel(h.service.db.connection).create({
    openId: LIAISON,
    name: '许小颖',
    roles: ['联络员'],
    unit: '运城市市场监督管理局',
    county: '市局',
    avoid: [],
  });
  await staffModel(h.service.db.connection).create([
    { openId: COUNTY_LIAISON, name: '刘建国', roles: ['联络员'], unit: '永济市市场监督管理局', county: '永济市', avoid: [] },
    { openId: COUNTY_OFFICER, name: '吉俊峰', roles: ['执法人员'], unit: '临猗县市场监督管理局', county: '临猗县', avoid: [] },
    { openId: CITY_EXPERT, name: '杨浩然', roles: ['专家'], unit: '运城市市场监督管理局', county: '市局', avoid: [], expertise: '电线电缆' },
  ]);
});

afterAll(async () => {
  await h.close();
});

beforeEach(() => h.emulator.reset());

/** The bot's reply to one user message, as the emulator recorded it. */
function replyTo(messageId: string) {
  return h.emulator.waitFor((m) => m.root === messageId, 60_000);
}

async function counts() {
  const conn = h.service.db.connection;
  return {
    processed: await processedEventModel(conn).countDocuments(),
    outbox: await outboxModel(conn).countDocuments(),
  };
}

describe('URL verification', () => {
  it.each([false, true])('answers the challenge (encrypted: %p)', async (encrypted) => {
    const res = await h.feishu.urlVerification({ encrypted });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ challenge: res.challenge });
  });
});

describe('authenticity', () => {
  it('answers 401 to a forged signature, and nothing is stored or sent', async () => {
    const before = await counts();
    const envelope = h.feishu.textEvent(STRANGER, '/帮助');
    const message = envelope.event.message as { message_id: string; chat_id: string };
    h.emulator.registerInboundMessage({
      message_id: message.message_id,
      chat_id: message.chat_id,
      chat_type: 'p2p',
      sender_open_id: STRANGER,
      msg_type: 'text',
      content: { text: '/帮助' },
    });
    const res = await h.feishu.deliver(envelope, { tamperSignature: true });
    expect(res.status).toBe(401);
    expect(await counts()).toEqual(before);
    // The same event, genuinely signed afterwards, is handled: the forgery left no trace that blocks it.
    const ok = await h.feishu.deliver(envelope);
    expect(ok.status).toBe(200);
    const reply = await replyTo(message.message_id);
    expect(cardText(reply.content)).toContain('使用帮助');
    expect(h.emulator.messages()).toHaveLength(1);
  });

  it('answers 401 to a wrong Verification Token, with no effect', async () => {
    const before = await counts();
    const res = await h.feishu.deliver(h.feishu.textEvent(STRANGER, '/帮助'), { wrongToken: true });
    expect(res.status).toBe(401);
    expect(await counts()).toEqual(before);
  });

  it('answers 401 to a card callback with a forged signature', async () => {
    const sent = await h.feishu.sendText(LIAISON, '/帮助');
    const messageId = (sent.envelope.event.message as { message_id: string }).message_id;
    const help = await replyTo(messageId);
    const { envelope } = h.feishu.cardActionEvent(LIAISON, help.current, '用法');
    const res = await h.feishu.deliver(envelope, { tamperSignature: true });
    expect(res.status).toBe(401);
  });

  /** Posts an envelope encrypted and signed like Feishu, with a chosen timestamp (or none). */
  async function post(envelope: object, opts: { timestamp?: string; unsigned?: boolean }) {
    const body = JSON.stringify({ encrypt: encryptEvent(TEST_APP.encryptKey, JSON.stringify(envelope)) });
    const ts = opts.timestamp ?? String(Math.floor(Date.now() / 1000));
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (!opts.unsigned) {
      headers['x-lark-request-timestamp'] = ts;
      headers['x-lark-request-nonce'] = 'n0nce';
      headers['x-lark-signature'] = signBody(ts, 'n0nce', TEST_APP.encryptKey, body);
    }
    return fetch(`http://127.0.0.1:${h.service.port}/lark/events`, { method: 'POST', headers, body });
  }

  it('refuses an unsigned event and a correctly signed replay older than a day', async () => {
    const before = await counts();
    expect((await post(h.feishu.textEvent(STRANGER, '/帮助'), { unsigned: true })).status).toBe(401);
    const twoDaysAgo = String(Math.floor(Date.now() / 1000) - 2 * 86_400);
    const stale = await post(h.feishu.textEvent(STRANGER, '/帮助'), { timestamp: twoDaysAgo });
    expect(stale.status).toBe(401);
    expect(await stale.json()).toEqual({ error: 'unauthorized' });
    expect(await counts()).toEqual(before);
  });

  it('answers 413 to an oversized body without reading it', async () => {
    const res = await fetch(`http://127.0.0.1:${h.service.port}/lark/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ encrypt: 'x'.repeat(2 * 1024 * 1024) }),
    });
    expect(res.status).toBe(413);
  });

  it('answers JSON, never the SDK’s empty 204', async () => {
    const res = await h.feishu.sendText(STRANGER, '/帮助');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({});
  });
});

describe('/帮助 through the outbox', () => {
  it('tells an unregistered user how to get registered, showing their OpenID', async () => {
    const sent = await h.feishu.sendText(STRANGER, '/帮助');
    const reply = await replyTo((sent.envelope.event.message as { message_id: string }).message_id);
    expect(reply.msg_type).toBe('interactive');
    const text = cardText(reply.content);
    expect(text).toContain('还没有登记');
    expect(text).toContain(STRANGER);
  });

  it('greets a registered liaison by name and role, and the English alias works in a group with @bot', async () => {
    const sent = await h.feishu.sendText(LIAISON, '/help', { chatType: 'group', chatId: 'oc_group000000000000000000000001' });
    const reply = await replyTo((sent.envelope.event.message as { message_id: string }).message_id);
    const text = cardText(reply.content);
    expect(text).toContain('许小颖');
    expect(text).toContain('联络员');
    expect(text).toContain('/帮助');
  });

  it('lists only the commands the caller will be served, and refuses the usage button of any other', async () => {
    const helpOf = async (openId: string) => {
      const sent = await h.feishu.sendText(openId, '/帮助');
      return (await replyTo((sent.envelope.event.message as { message_id: string }).message_id)).current;
    };
    const listed = (card: unknown) => ['/抽取', '/进度', '/汇总', '/我的任务'].filter((c) => cardText(card).includes(c));
    // the city liaison draws and sees every county; a county liaison receives tasks (the draw refuses them) and sees
    // their own county; a county officer is refused both reports (their tasks are under /我的任务)
    expect(listed(await helpOf(LIAISON))).toEqual(['/抽取', '/进度', '/汇总']);
    expect(listed(await helpOf(COUNTY_LIAISON))).toEqual(['/进度', '/汇总']);
    const officerHelp = await helpOf(COUNTY_OFFICER);
    expect(listed(officerHelp)).toEqual(['/我的任务']);
    // what the card does not list, a forged usage button does not show either
    const forged = JSON.parse(JSON.stringify(officerHelp).replace(/"cmd":"[^"]+"/, '"cmd":"progress"'));
    const click = await h.feishu.clickButton(COUNTY_OFFICER, forged, '用法');
    expect(click.status).toBe(200);
    expect(click.toast?.type).toBe('error');
    expect(click.card).toBeUndefined();
    // what they are refused, they are told so when they send it anyway
    const sent = await h.feishu.sendText(COUNTY_OFFICER, '/进度');
    expect(cardText((await replyTo(sent.messageId)).content)).toContain('没有权限');
    // an expert of the 市局 is not “市局人员” for the reports, and is told so in those words
    expect(listed(await helpOf(CITY_EXPERT))).toEqual(['/我的任务']);
    const expert = await h.feishu.sendText(CITY_EXPERT, '/汇总');
    expect(cardText((await replyTo(expert.messageId)).content)).toContain('市局工作人员（专家库的专家除外）');
  });

  it('answers arguments to a command that takes none with its usage, instead of ignoring them', async () => {
    const sent = await h.feishu.sendText(COUNTY_OFFICER, '/我的任务 全部 状态=待检查');
    const text = cardText((await replyTo(sent.messageId)).content);
    expect(text).toContain('参数有误');
    expect(text).toContain('/我的任务 不需要参数，收到“状态=待检查 全部”');
    // without them, the command itself
    const plain = await h.feishu.sendText(COUNTY_OFFICER, '/我的任务');
    expect(cardText((await replyTo(plain.messageId)).content)).not.toContain('参数有误');
  });

  it('stays quiet in a group about talk not addressed to it', async () => {
    const sent = await h.feishu.sendText(LIAISON, '大家好', { chatType: 'group', chatId: 'oc_group000000000000000000000002', mentionBot: false });
    expect(sent.status).toBe(200);
    // The webhook answers once handling is done; anything it queued is out once the outbox is idle.
    await h.outboxIdle();
    expect(h.emulator.messages().filter((m) => m.root === sent.messageId)).toHaveLength(0);
  });

  it('points anything else to /帮助', async () => {
    for (const words of ['你好', '/不存在的命令']) {
      const sent = await h.feishu.sendText(STRANGER, words);
      const reply = await replyTo((sent.envelope.event.message as { message_id: string }).message_id);
      expect(cardText(reply.content)).toContain('/帮助');
    }
  });

  it('answers a picture with a pointer to /帮助 instead of silence', async () => {
    const key = h.emulator.storeUserResource('image', Buffer.from([0x89, 0x50, 0x4e, 0x47]));
    const sent = await h.feishu.sendImage(STRANGER, key);
    const reply = await replyTo((sent.envelope.event.message as { message_id: string }).message_id);
    expect(cardText(reply.content)).toContain('/帮助');
  });

  it('shows a command’s usage in place when its button is clicked, with a card the client accepts', async () => {
    const sent = await h.feishu.sendText(LIAISON, '/帮助');
    const help = await replyTo((sent.envelope.event.message as { message_id: string }).message_id);
    const buttons = findButtons(help.current);
    expect(buttons.length).toBeGreaterThan(0);
    expect(buttons.every((b) => b.hasCallback)).toBe(true);
    const click = await h.feishu.clickButton(LIAISON, help.current, '用法');
    expect(click.status).toBe(200);
    expect(click.clientError).toBeUndefined();
    expect(cardText(click.card)).toContain('随时查看本说明');
  });

  it('refuses a stale or foreign button value with a toast', async () => {
    const sent = await h.feishu.sendText(LIAISON, '/帮助');
    const help = await replyTo((sent.envelope.event.message as { message_id: string }).message_id);
    const tampered = JSON.parse(JSON.stringify(help.current).replace('"help.detail"', '"no.such.action"'));
    const click = await h.feishu.clickButton(LIAISON, tampered, '用法');
    expect(click.status).toBe(200);
    expect(click.toast?.type).toBe('error');
  });
});

describe('duplicates', () => {
  it('a redelivered event has effect once', async () => {
    const sent = await h.feishu.sendText(STRANGER, '/帮助');
    const again = await h.feishu.deliver(sent.envelope);
    expect(again.status).toBe(200);
    await replyTo((sent.envelope.event.message as { message_id: string }).message_id);
    // Both deliveries were answered after handling; whatever either queued is out once the outbox is idle.
    await h.outboxIdle();
    expect(h.emulator.messages()).toHaveLength(1);
  });

  it('the same message under a new event_id has effect once', async () => {
    const sent = await h.feishu.sendText(STRANGER, '/帮助');
    const message = sent.envelope.event.message as { message_id: string };
    const copy = h.feishu.textEvent(STRANGER, '/帮助', { messageId: message.message_id });
    expect(copy.header.event_id).not.toBe(sent.envelope.header.event_id);
    await h.feishu.deliver(copy);
    await replyTo(message.message_id);
    await h.outboxIdle();
    expect(h.emulator.messages()).toHaveLength(1);
  });
});

describe('crash safety of the de-duplication', () => {
  it('a redelivery takes over an event whose handler died, but not one still being handled', async () => {
    const processed = processedEventModel(h.service.db.connection);
    const past = new Date(Date.now() - 60_000);
    const dead = h.feishu.textEvent(STRANGER, '/帮助');
    const deadMessage = dead.event.message as { message_id: string };
    // As if an earlier delivery claimed the event and the process died before answering.
    await processed.create([
      { _id: `event:${dead.header.event_id}`, at: past, done: false, until: new Date(past.getTime() + 10_000) },
      { _id: `message:${deadMessage.message_id}`, at: past, done: false, until: new Date(past.getTime() + 10_000) },
    ]);
    const redelivered = await h.feishu.sendText(STRANGER, '/帮助', { eventId: dead.header.event_id, messageId: deadMessage.message_id });
    expect(redelivered.status).toBe(200);
    await replyTo(deadMessage.message_id);
    expect(await processed.findById(`event:${dead.header.event_id}`).lean()).toMatchObject({ done: true });

    const busy = h.feishu.textEvent(STRANGER, '/帮助');
    const busyMessage = busy.event.message as { message_id: string };
    await processed.create({ _id: `event:${busy.header.event_id}`, at: new Date(), done: false, until: new Date(Date.now() + 10_000) });
    await h.feishu.sendText(STRANGER, '/帮助', { eventId: busy.header.event_id, messageId: busyMessage.message_id });
    await h.outboxIdle();
    expect(h.emulator.messages().filter((m) => m.root === busyMessage.message_id)).toHaveLength(0);
  });
});

describe('health', () => {
  it('reports the database', async () => {
    const res = await fetch(`http://127.0.0.1:${h.service.port}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });
});

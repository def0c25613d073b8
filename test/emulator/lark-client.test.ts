/**
 * The simulated Feishu client against a bot built with the SDK's EventDispatcher (encryptKey set) behind koa:
 * its envelopes decrypt with lark.AESCipher, its signatures verify the way the SDK checks them, and its clicks
 * behave like the Feishu client.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import Router from '@koa/router';
import * as lark from '@larksuiteoapi/node-sdk';
import { silentLogger, startLarkEmulator, type LarkEmulator } from '../../src/sandbox/emulator';
import { SimulatedFeishu, cardText, findButtons, signBody } from '../../src/sandbox/client';

const ENCRYPT_KEY = 'encrypt-key-for-tests';
const VERIFICATION_TOKEN = 'verification-token-for-tests';
const USER = 'ou_a1a2a3a4a5a6a7a8a9b0b1b2b3b4b5b6';

interface Posted {
  headers: http.IncomingHttpHeaders;
  raw: string;
}

interface CardEvent {
  token: string;
  operator: { open_id: string; union_id: string };
  action: { value?: Record<string, unknown>; tag: string; name?: string; form_value?: Record<string, unknown>; timezone: string };
  host: string;
  context: { open_message_id: string; open_chat_id: string };
}

type CardHandler = (data: CardEvent) => Promise<unknown>;

/** A minimal bot: koa + @koa/router + adaptKoaRouter, recording raw bodies and handler inputs. */
async function startBot(onCard: () => CardHandler, onMessage?: (data: Record<string, unknown>) => Promise<void>) {
  const posted: Posted[] = [];
  const messages: Array<Record<string, unknown>> = [];
  const cards: CardEvent[] = [];
  const dispatcher = new lark.EventDispatcher({ encryptKey: ENCRYPT_KEY, verificationToken: VERIFICATION_TOKEN, loggerLevel: lark.LoggerLevel.error, logger: silentLogger })
    .register({
      'im.message.receive_v1': async (data) => {
        messages.push(data as unknown as Record<string, unknown>);
        await onMessage?.(data as unknown as Record<string, unknown>);
        return {};
      },
      'card.action.trigger': async (data: CardEvent) => {
        cards.push(data);
        return onCard()(data);
      },
    });
  const app = new Koa();
  const router = new Router();
  router.post('/lark/events', async (ctx, next) => {
    // keep the exact bytes, then hand the parsed body to the adapter (as koa-body would)
    const chunks: Buffer[] = [];
    for await (const c of ctx.req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    posted.push({ headers: ctx.req.headers, raw });
    (ctx.request as unknown as { body: unknown }).body = JSON.parse(raw);
    await next();
  }, lark.adaptKoaRouter(dispatcher, { autoChallenge: true, logger: silentLogger }));
  app.use(router.routes());
  const server = http.createServer(app.callback());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/lark/events`;
  const close = () => new Promise<void>((resolve) => { server.close(() => resolve()); server.closeAllConnections(); });
  return { url, posted, messages, cards, close };
}

const FORM_CARD = {
  schema: '2.0',
  header: { title: { tag: 'plain_text', content: '现场检查' }, template: 'blue' },
  body: {
    elements: [
      { tag: 'markdown', content: '**企业**：某某公司' },
      { tag: 'column_set', columns: [
        { tag: 'column', elements: [{ tag: 'button', text: { tag: 'plain_text', content: '符合' }, behaviors: [{ type: 'callback', value: { cmd: 'ok', item: '1' } }] }] },
        { tag: 'column', elements: [{ tag: 'button', text: { tag: 'plain_text', content: '不符合' }, behaviors: [{ type: 'callback', value: { cmd: 'ng', item: '1' } }] }] },
      ] },
      { tag: 'collapsible_panel', header: { title: { tag: 'markdown', content: '更多' } }, elements: [
        { tag: 'button', text: { tag: 'plain_text', content: '帮助' }, behaviors: [{ type: 'open_url', default_url: 'https://example.com' }] },
      ] },
      { tag: 'form', name: 'remark_form', elements: [
        { tag: 'input', name: 'remark', required: true, max_length: 10, placeholder: { tag: 'plain_text', content: '请输入备注' } },
        { tag: 'select_static', name: 'level', initial_option: 'low', options: [
          { text: { tag: 'plain_text', content: '低' }, value: 'low' },
          { text: { tag: 'plain_text', content: '高' }, value: 'high' },
        ] },
        { tag: 'multi_select_static', name: 'tags', options: [{ text: { tag: 'plain_text', content: 'A' }, value: 'a' }, { text: { tag: 'plain_text', content: 'B' }, value: 'b' }] },
        { tag: 'date_picker', name: 'due', initial_date: '2024-04-01' },
        { tag: 'interactive_container', elements: [
          { tag: 'button', name: 'submit', form_action_type: 'submit', text: { tag: 'plain_text', content: '提交' }, behaviors: [{ type: 'callback', value: { cmd: 'remark' } }] },
        ] },
        { tag: 'button', name: 'reset', form_action_type: 'reset', text: { tag: 'plain_text', content: '重置' } },
      ] },
      { tag: 'table', columns: [{ name: 'item', display_name: '检查项', data_type: 'text' }], rows: [{ item: '证书有效' }] },
    ],
  },
};

describe('SimulatedFeishu over HTTP', () => {
  let bot: Awaited<ReturnType<typeof startBot>>;
  let sim: SimulatedFeishu;
  let answer: CardHandler = async () => ({});

  beforeAll(async () => {
    bot = await startBot(() => answer);
    sim = new SimulatedFeishu({ botUrl: bot.url, encryptKey: ENCRYPT_KEY, verificationToken: VERIFICATION_TOKEN, appId: 'cli_a1b2c3d4e5f6a7b8' });
  });
  afterAll(() => bot.close());
  beforeEach(() => {
    bot.posted.length = 0;
    bot.messages.length = 0;
    bot.cards.length = 0;
    answer = async () => ({});
  });

  test('the posted body decrypts with lark.AESCipher and the signature is the documented sha256', async () => {
    const res = await sim.sendText(USER, '开始检查');
    expect(res.status).toBe(200);
    const [{ headers, raw }] = bot.posted;
    const body = JSON.parse(raw) as { encrypt: string };
    expect(Object.keys(body)).toEqual(['encrypt']);
    expect(raw).toBe(JSON.stringify(body)); // compact, as Feishu sends it
    const decrypted = new lark.AESCipher(ENCRYPT_KEY).decrypt(body.encrypt);
    expect(JSON.parse(decrypted)).toEqual(res.envelope);
    const ts = String(headers['x-lark-request-timestamp']);
    const nonce = String(headers['x-lark-request-nonce']);
    expect(headers['x-lark-signature']).toBe(signBody(ts, nonce, ENCRYPT_KEY, raw));
  });

  test('the SDK accepts it: the handler gets the flattened v2 receive_v1 event', async () => {
    const res = await sim.sendText(USER, '开始检查', { eventId: 'evt-1', messageId: 'om_fixed' });
    const data = bot.messages[0] as { event_id: string; event_type: string; token: string; app_id: string; sender: { sender_id: { open_id: string; union_id: string; user_id: string }; sender_type: string }; message: { message_id: string; chat_type: string; message_type: string; content: string; chat_id: string } };
    expect(data).toMatchObject({ event_id: 'evt-1', event_type: 'im.message.receive_v1', token: VERIFICATION_TOKEN, app_id: 'cli_a1b2c3d4e5f6a7b8' });
    expect(data.sender).toMatchObject({ sender_type: 'user', sender_id: { open_id: USER, union_id: expect.stringMatching(/^on_/), user_id: expect.any(String) } });
    expect(data.message).toMatchObject({ message_id: 'om_fixed', chat_type: 'p2p', message_type: 'text', chat_id: sim.p2pChatId(USER) });
    expect(JSON.parse(data.message.content)).toEqual({ text: '开始检查' });
    // redelivery of the same event
    const again = await sim.deliver(res.envelope);
    expect(again.status).toBe(200);
    expect((bot.messages[1] as { event_id: string }).event_id).toBe('evt-1');
  });

  test('group messages @-mention the bot', async () => {
    await sim.sendText(USER, '查询', { chatType: 'group' });
    const message = (bot.messages[0] as { message: { content: string; chat_id: string; chat_type: string; mentions: Array<{ key: string; id: { open_id: string } }> } }).message;
    expect(message).toMatchObject({ chat_type: 'group', chat_id: sim.defaultGroupChatId });
    expect(JSON.parse(message.content).text).toBe('@_user_1 查询');
    expect(message.mentions[0]).toMatchObject({ key: '@_user_1', id: { open_id: sim.botOpenId } });
  });

  test('forgeries: a tampered signature is rejected (204, handler not called); plain signed bodies are accepted', async () => {
    const envelope = sim.textEvent(USER, 'x');
    expect((await sim.deliver(envelope, { tamperSignature: true })).status).toBe(204);
    expect(bot.messages).toHaveLength(0);
    expect((await sim.deliver(envelope, { plain: true })).status).toBe(200);
    expect(JSON.parse(bot.posted[1].raw)).toEqual(envelope);
    // the SDK does not compare the verification token (a known gap): the handler runs
    expect((await sim.deliver(envelope, { wrongToken: true })).status).toBe(200);
    expect((bot.messages[1] as { token: string }).token).toBe('wrong-verification-token');
  });

  test('url_verification, encrypted and plain', async () => {
    for (const encrypted of [true, false]) {
      const res = await sim.urlVerification({ encrypted });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ challenge: res.challenge });
    }
  });

  test('findButtons and cardText see everything the user sees', () => {
    expect(findButtons(FORM_CARD).map((b) => [b.text, b.formName, b.hasCallback])).toEqual([
      ['符合', undefined, true], ['不符合', undefined, true], ['帮助', undefined, false], ['提交', 'remark_form', true], ['重置', 'remark_form', false],
    ]);
    expect(findButtons(FORM_CARD)[0].value).toEqual({ cmd: 'ok', item: '1' });
    const text = cardText(FORM_CARD);
    for (const s of ['现场检查', '**企业**：某某公司', '符合', '更多', '请输入备注', '高', '检查项', '证书有效']) expect(text).toContain(s);
    expect(text).not.toContain('example.com');
  });

  test('clicking a callback button posts card.action.trigger; toast and card come back', async () => {
    answer = async (data) => ({
      toast: { type: 'success', content: '已记录' },
      card: { type: 'raw', data: { schema: '2.0', body: { elements: [{ tag: 'markdown', content: `第 ${String(data.action.value?.item)} 项：符合` }] } } },
    });
    const res = await sim.clickButton(USER, FORM_CARD, '符合', { messageId: 'om_card', chatId: 'oc_chat' });
    expect(res.clientError).toBeUndefined();
    expect(res.toast).toEqual({ type: 'success', content: '已记录' });
    expect(cardText(res.card)).toContain('第 1 项：符合');
    const event = bot.cards[0];
    expect(event).toMatchObject({
      token: expect.stringMatching(/^c-/),
      operator: { open_id: USER, union_id: expect.stringMatching(/^on_/) },
      action: { tag: 'button', value: { cmd: 'ok', item: '1' }, timezone: 'Asia/Shanghai' },
      host: 'im_message',
      context: { open_message_id: 'om_card', open_chat_id: 'oc_chat' },
    });
    expect(event.action.form_value).toBeUndefined();
  });

  test('form submit: values from formValues and defaults; required and options enforced client-side', async () => {
    const res = await sim.clickButton(USER, FORM_CARD, '提交', { formValues: { remark: '一切正常', tags: ['a', 'b'] } });
    expect(res.status).toBe(200);
    expect(bot.cards[0].action).toMatchObject({
      name: 'submit',
      value: { cmd: 'remark' },
      form_value: { remark: '一切正常', level: 'low', tags: ['a', 'b'], due: '2024-04-01 +0800' },
    });
    await expect(sim.clickButton(USER, FORM_CARD, '提交')).rejects.toThrow(/required field "remark" is empty/);
    await expect(sim.clickButton(USER, FORM_CARD, '提交', { formValues: { remark: 'x', level: 'urgent' } })).rejects.toThrow(/no option urgent/);
    await expect(sim.clickButton(USER, FORM_CARD, '提交', { formValues: { remark: 'x'.repeat(11) } })).rejects.toThrow(/at most 10/);
    await expect(sim.clickButton(USER, FORM_CARD, '提交', { formValues: { remark: 'x', typo: 'y' } })).rejects.toThrow(/no field "typo"/);
    expect(bot.cards).toHaveLength(1);
  });

  test('dead, reset and missing buttons throw', async () => {
    await expect(sim.clickButton(USER, FORM_CARD, '帮助')).rejects.toThrow(/dead button "帮助"/);
    await expect(sim.clickButton(USER, FORM_CARD, '重置')).rejects.toThrow(/reset button/);
    await expect(sim.clickButton(USER, FORM_CARD, '不存在')).rejects.toThrow(/no button "不存在".*"符合"/);
    await expect(sim.clickButton(USER, FORM_CARD, (b) => b.value !== undefined && (b.value as { cmd: string }).cmd === 'ng')).resolves.toMatchObject({ status: 200 });
  });

  test('answers the Feishu client would refuse are reported as clientError', async () => {
    answer = async () => undefined; // the adapter then answers 204
    expect((await sim.clickButton(USER, FORM_CARD, '符合')).clientError?.code).toBe(200671);
    answer = async () => ({ card: { type: 'raw', data: { schema: '2.0', body: { elements: [{ tag: 'action', actions: [] }] } } } });
    const bad = await sim.clickButton(USER, FORM_CARD, '符合');
    expect(bad.clientError).toMatchObject({ code: 200673, violation: { errCode: 200861 } });
    answer = async () => ({ card: { type: 'raw', data: { elements: [] } } });
    expect((await sim.clickButton(USER, FORM_CARD, '符合')).clientError?.code).toBe(200830);
    answer = async () => ({ toast: { type: 'fine', content: 'x' } });
    expect((await sim.clickButton(USER, FORM_CARD, '符合')).clientError?.code).toBe(200672);
  });

  test('slow answers: 200341 past the callback timeout, an error past the hard timeout', async () => {
    const impatient = new SimulatedFeishu({ botUrl: bot.url, encryptKey: ENCRYPT_KEY, verificationToken: VERIFICATION_TOKEN, appId: 'cli_a1b2c3d4e5f6a7b8',
      callbackTimeoutMs: 20, hardTimeoutMs: 200 });
    answer = () => new Promise((resolve) => setTimeout(() => resolve({}), 60));
    expect((await impatient.clickButton(USER, FORM_CARD, '符合')).clientError?.code).toBe(200341);
    answer = () => new Promise((resolve) => setTimeout(() => resolve({}), 400));
    await expect(impatient.clickButton(USER, FORM_CARD, '符合')).rejects.toThrow(/did not answer .* within 200 ms/);
  });
});

describe('SimulatedFeishu + emulator + bot', () => {
  let emu: LarkEmulator;
  let bot: Awaited<ReturnType<typeof startBot>>;
  let sim: SimulatedFeishu;
  let client: lark.Client;

  beforeAll(async () => {
    emu = await startLarkEmulator();
    client = new lark.Client({ appId: emu.appId, appSecret: emu.appSecret, domain: emu.url, cache: new lark.DefaultCache(), loggerLevel: lark.LoggerLevel.error, logger: silentLogger });
    const card = (text: string) => ({ schema: '2.0', body: { elements: [
      { tag: 'markdown', content: text },
      { tag: 'button', text: { tag: 'plain_text', content: '确认' }, behaviors: [{ type: 'callback', value: { cmd: 'confirm' } }] },
    ] } });
    bot = await startBot(
      () => async (data) => {
        // answer at once, then update through the delayed-update API with the c- token
        setTimeout(() => void client.request({ method: 'POST', url: '/open-apis/interactive/v1/card/update', data: { token: data.token, card: card('已确认（延时更新）') } }), 0);
        return { toast: { type: 'info', content: '处理中' } };
      },
      async (data) => {
        const message = data.message as { message_id: string };
        await client.im.message.reply({ path: { message_id: message.message_id }, data: { msg_type: 'interactive', content: JSON.stringify(card('请确认')) } });
      },
    );
    sim = new SimulatedFeishu({ botUrl: bot.url, encryptKey: ENCRYPT_KEY, verificationToken: VERIFICATION_TOKEN, appId: emu.appId, emulator: emu });
  });
  afterAll(async () => {
    await bot.close();
    await emu.close();
  });

  test('message → reply card → click → delayed update, all recorded by the emulator', async () => {
    const sent = await sim.sendText(USER, '开始');
    const reply = await emu.waitFor((m) => m.root === (sent.envelope.event.message as { message_id: string }).message_id);
    expect(reply).toMatchObject({ receive_id: USER, chat_id: sim.p2pChatId(USER), msg_type: 'interactive' });
    const click = await sim.clickButton(USER, emu.lastCardTo(USER), '确认');
    expect(click.messageId).toBe(reply.message_id);
    expect(click.toast?.content).toBe('处理中');
    const updated = await emu.waitFor((m) => m.updateLog.some((u) => u.via === 'card.update'));
    expect(cardText(updated.current)).toContain('已确认（延时更新）');
    expect(bot.cards[0].context.open_message_id).toBe(reply.message_id);
  });

  test('an image message can be downloaded by the bot', async () => {
    const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=', 'base64');
    const key = emu.storeUserResource('image', png);
    const { messageId } = await sim.sendImage(USER, key);
    const resource = await client.im.messageResource.get({ path: { message_id: messageId, file_key: key }, params: { type: 'image' } });
    const chunks: Buffer[] = [];
    for await (const c of resource.getReadableStream()) chunks.push(c as Buffer);
    expect(Buffer.concat(chunks).equals(png)).toBe(true);
  });
});

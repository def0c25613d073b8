/** The long connection: a real lark.WSClient + EventDispatcher connected to the emulator's pbbp2 gateway. */
import * as lark from '@larksuiteoapi/node-sdk';
import { silentLogger, startLarkEmulator, WsAckError, type LarkEmulator } from '../../src/sandbox/emulator';
import { SimulatedFeishu } from '../../src/sandbox/client';

const USER = 'ou_0123456789abcdef0123456789abcdef';

interface Received {
  event_id?: string;
  event_type?: string;
  message?: { message_id: string; content: string; chat_type: string };
  sender?: { sender_id: { open_id: string } };
  action?: { value?: unknown; form_value?: Record<string, unknown> };
  operator?: { open_id: string };
  token?: string;
}

describe('WS long connection', () => {
  let emu: LarkEmulator;
  let ws: lark.WSClient;
  let sim: SimulatedFeishu;
  const received: Received[] = [];

  beforeAll(async () => {
    emu = await startLarkEmulator();
    const dispatcher = new lark.EventDispatcher({ loggerLevel: lark.LoggerLevel.error, logger: silentLogger }).register({
      'im.message.receive_v1': async (data) => {
        received.push(data as Received);
        if (JSON.parse(data.message.content).text === 'boom') throw new Error('handler failed');
      },
      'card.action.trigger': async (data: Received) => {
        received.push(data);
        return {
          toast: { type: 'success', content: `收到 ${JSON.stringify(data.action?.value)}` },
          card: { type: 'raw', data: { schema: '2.0', body: { elements: [{ tag: 'markdown', content: '已处理' }] } } },
        };
      },
    });
    ws = new lark.WSClient({ appId: emu.appId, appSecret: emu.appSecret, domain: emu.url, loggerLevel: lark.LoggerLevel.error, logger: silentLogger });
    await ws.start({ eventDispatcher: dispatcher });
    await emu.waitForWsClient(5000);
    sim = new SimulatedFeishu({ appId: emu.appId, verificationToken: 'vt', emulator: emu, transport: 'ws' });
  });
  afterAll(async () => {
    ws.close({ force: true });
    await emu.close();
  });
  beforeEach(() => {
    received.length = 0;
  });

  test('the client pulled its config from /callback/ws/endpoint and is connected', () => {
    expect(emu.wsConnected()).toBe(true);
    expect(ws.getConnectionStatus().state).toBe('connected');
    const endpoint = emu.requests.find((r) => r.path === '/callback/ws/endpoint');
    expect(endpoint?.body).toEqual({ AppID: emu.appId, AppSecret: '***' });
  });

  test('pushWsEvent delivers im.message.receive_v1 to the handler', async () => {
    const envelope = sim.textEvent(USER, '你好');
    const ack = await emu.pushWsEvent(envelope);
    expect(ack).toBeUndefined();
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({ event_id: envelope.header.event_id, event_type: 'im.message.receive_v1', sender: { sender_id: { open_id: USER } } });
    expect(JSON.parse(received[0].message!.content)).toEqual({ text: '你好' });
  });

  test('fragmented frames are merged by the SDK', async () => {
    const envelope = sim.textEvent(USER, '长'.repeat(3000));
    await emu.pushWsEvent(envelope, { fragments: 4 });
    expect(JSON.parse(received[0].message!.content).text).toHaveLength(3000);
  });

  test('a throwing handler is acked with code 500', async () => {
    await expect(emu.pushWsEvent(sim.textEvent(USER, 'boom'))).rejects.toEqual(new WsAckError(500));
  });

  test("card.action.trigger: the handler's return value comes back in the ack", async () => {
    const card = { schema: '2.0', body: { elements: [{ tag: 'button', text: { tag: 'plain_text', content: '符合' }, behaviors: [{ type: 'callback', value: { cmd: 'ok', item: 3 } }] }] } };
    const { envelope } = sim.cardActionEvent(USER, card, '符合');
    const ack = await emu.pushWsEvent(envelope);
    expect(ack).toMatchObject({ toast: { type: 'success', content: '收到 {"cmd":"ok","item":3}' }, card: { type: 'raw' } });
    expect(received[0]).toMatchObject({ operator: { open_id: USER }, action: { value: { cmd: 'ok', item: 3 } }, token: expect.stringMatching(/^c-/) });
  });

  test('SimulatedFeishu over WS: clickButton applies the callback card to the sent message', async () => {
    const client = new lark.Client({ appId: emu.appId, appSecret: emu.appSecret, domain: emu.url, cache: new lark.DefaultCache(), loggerLevel: lark.LoggerLevel.error, logger: silentLogger });
    const card = { schema: '2.0', body: { elements: [{ tag: 'button', text: { tag: 'plain_text', content: '完成' }, behaviors: [{ type: 'callback', value: { cmd: 'done' } }] }] } };
    await client.im.message.create({ params: { receive_id_type: 'open_id' }, data: { receive_id: USER, msg_type: 'interactive', content: JSON.stringify(card) } });
    const res = await sim.clickButton(USER, emu.lastCardTo(USER), '完成');
    expect(res.clientError).toBeUndefined();
    expect(res.toast?.type).toBe('success');
    expect(res.messageId).toBe(emu.messagesTo(USER)[0].message_id);
    expect(emu.lastCardTo(USER)?.body?.elements?.[0]).toMatchObject({ content: '已处理' });
    expect(emu.messagesTo(USER)[0].updateLog[0].via).toBe('callback');
  });

  test('after the server drops the connection the SDK reconnects', async () => {
    emu.dropWsConnections();
    expect(emu.wsConnected()).toBe(false);
    await emu.waitForWsClient(5000);
    await emu.pushWsEvent(sim.textEvent(USER, 'again'));
    expect(received).toHaveLength(1);
  });
});

test('wrong credentials: the endpoint answers 514 and the WSClient gives up', async () => {
  const emu = await startLarkEmulator();
  const ws = new lark.WSClient({ appId: emu.appId, appSecret: 'wrong', domain: emu.url, loggerLevel: lark.LoggerLevel.error, logger: silentLogger,
    onError: (e) => failed(e) });
  let failed: (e: Error) => void = () => undefined;
  const error = new Promise<Error>((resolve) => { failed = resolve; });
  try {
    await ws.start({ eventDispatcher: new lark.EventDispatcher({ logger: silentLogger }) });
    expect((await error).message).toMatch(/code=514/);
    expect(emu.wsConnected()).toBe(false);
  } finally {
    ws.close({ force: true });
    await emu.close();
  }
});

// lark-client first on purpose: the emulator must not depend on module load order (protobufjs global state).
import { cardText } from '../../src/sandbox/client';
import { startHarness, type Harness } from '../support/harness';

const USER = 'ou_wsuser00000000000000000000000001';

let h: Harness;

beforeAll(async () => {
  h = await startHarness({ mode: 'ws', dbPrefix: 'ws' });
  await h.emulator.waitForWsClient(10_000);
});

afterAll(async () => {
  await h.close();
});

describe('LARK_MODE=ws', () => {
  it('connects and does not serve the webhook', async () => {
    expect(h.emulator.wsConnected()).toBe(true);
    expect(h.service.longConnection?.status()).toBe('connected');
    const res = await fetch(`http://127.0.0.1:${h.service.port}/lark/events`, { method: 'POST', body: '{}' });
    expect(res.status).toBe(503);
  });

  it('routes a chat command over the long connection and replies through the outbox', async () => {
    const sent = await h.feishu.sendText(USER, '/帮助');
    expect(sent.status).toBe(200);
    const messageId = (sent.envelope.event.message as { message_id: string }).message_id;
    const reply = await h.emulator.waitFor((m) => m.root === messageId);
    expect(cardText(reply.content)).toContain('使用帮助');
  });

  it('answers a card callback over the long connection', async () => {
    const sent = await h.feishu.sendText(USER, '/帮助');
    const messageId = (sent.envelope.event.message as { message_id: string }).message_id;
    const reply = await h.emulator.waitFor((m) => m.root === messageId);
    const click = await h.feishu.clickButton(USER, reply.current, '用法');
    expect(click.clientError).toBeUndefined();
    expect(cardText(click.card)).toContain('随时查看本说明');
  });

  it('has effect once for a redelivered event', async () => {
    const before = h.emulator.messages().length;
    const sent = await h.feishu.sendText(USER, '/帮助');
    await h.feishu.deliver(sent.envelope);
    const messageId = (sent.envelope.event.message as { message_id: string }).message_id;
    await h.emulator.waitFor((m) => m.root === messageId);
    await h.outboxIdle();
    expect(h.emulator.messages().length).toBe(before + 1);
  });

  it('stops cleanly', async () => {
    await h.stopService();
    const deadline = Date.now() + 60_000;
    while (h.emulator.wsConnected() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(h.emulator.wsConnected()).toBe(false);
  });
});

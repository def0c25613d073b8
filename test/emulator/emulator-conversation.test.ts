/** The emulator's view of a 1:1 chat (what the sandbox page shows) and its activity feed. */
import type { Activity } from '../../src/sandbox/emulator';
import { startHarness, type Harness } from '../support/harness';

let h: Harness;

beforeAll(async () => {
  h = await startHarness({ dbPrefix: 'emu_conv' });
});

afterAll(async () => {
  await h.close();
});

it('lists a user’s chat with the bot, oldest first, and reports every message sent, updated or received', async () => {
  const alice = 'ou_conversationalice000000000001';
  const bob = 'ou_conversationbob00000000000001';
  const seen: Activity[] = [];
  const off = h.emulator.onActivity((a) => seen.push(a));

  const first = await h.feishu.sendText(alice, '/帮助');
  const reply = await h.emulator.waitFor((m) => m.root === first.messageId);
  await h.feishu.sendText(bob, '你好');
  await h.emulator.waitFor((m) => m.receive_id === bob);
  const second = await h.feishu.sendText(alice, '/帮助');
  await h.emulator.waitFor((m) => m.root === second.messageId);
  await h.feishu.clickButton(alice, reply.current, '用法');

  const conv = h.emulator.conversation(alice);
  expect(conv.map((e) => `${e.from}:${e.message.message_id === first.messageId || e.message.message_id === second.messageId ? 'mine' : e.message.msg_type}`)).toEqual([
    'user:mine',
    'bot:interactive',
    'user:mine',
    'bot:interactive',
  ]);
  expect(conv[1]!.message.message_id).toBe(reply.message_id);
  expect(conv[1]!.from === 'bot' && conv[1]!.message.updates.length).toBeGreaterThanOrEqual(1); // the click replaced the card in place
  expect(h.emulator.conversation(bob).map((e) => e.from)).toEqual(['user', 'bot']);

  const chatA = h.emulator.p2pChatId(alice);
  // (a callback answered late under load is also patched in afterwards: one more update)
  expect(seen.filter((a) => a.chatId === chatA).slice(0, 5)).toEqual([
    { chatId: chatA, openId: alice }, // received
    { chatId: chatA, openId: alice }, // reply sent
    { chatId: chatA, openId: alice }, // received
    { chatId: chatA, openId: alice }, // reply sent
    { chatId: chatA, openId: alice }, // card replaced by the callback
  ]);
  off();
  const count = seen.length;
  await h.feishu.sendText(bob, '再见');
  expect(seen).toHaveLength(count);
});

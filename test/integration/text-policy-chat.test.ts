/**
 * The text policy at the chat edge, through the webhook with the simulated client: a 检查记录 holding U+FFFE is
 * refused with a message saying which field and what to do, and nothing changes; a command holding a control
 * character is answered with the same kind of sentence; markup typed into a record is stored as typed and shown
 * as text.
 */
import { cardText } from '../../src/sandbox/client';
import { startHarness, type Harness } from '../support/harness';
import { createTask, inspectionDriver, PEOPLE, readTask, registerStaff } from '../support/fixtures';

let h: Harness;
let d: ReturnType<typeof inspectionDriver>;
const conn = () => h.service.db.connection;
const { officer } = PEOPLE;

beforeAll(async () => {
  h = await startHarness({ dbPrefix: 'text_policy' });
  await registerStaff(conn());
  d = inspectionDriver(h);
});

afterAll(async () => {
  await h.close();
});

beforeEach(() => h.emulator.reset());

/** The markdown components' contents, as sent to Feishu. */
function markdownOf(card: unknown): string {
  const out: string[] = [];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (typeof node !== 'object' || node === null) return;
    const o = node as Record<string, unknown>;
    if (o.tag === 'markdown' && typeof o.content === 'string') out.push(o.content);
    Object.values(o).forEach(visit);
  };
  visit(card);
  return out.join('\n');
}

it('refuses U+FFFE in a 检查记录, saying where it is and what to do; nothing is saved and the card keeps what was typed', async () => {
  const task = await createTask(conn());
  const { card } = await d.open(officer.openId, task);
  const before = await readTask(conn(), task._id);
  const res = await d.click(officer.openId, card!, '不符合', { record: '未见出厂\ufffe检验记录' });
  expect(res.toast).toEqual({ type: 'error', content: '检查记录第5个字符是无法保存的不可见字符（U+FFFE），请删除该字符后重新提交' });
  expect(res.card).toBeUndefined();
  const after = await readTask(conn(), task._id);
  expect(after.version).toBe(before.version);
  expect(after.inspection!.answers).toEqual([]);
  // Without the character the same answer is saved.
  const ok = await d.click(officer.openId, card!, '不符合', { record: '未见出厂检验记录' });
  expect(ok.toast).toEqual({ type: 'success', content: '已保存第1项：不符合' });
});

it('stores markup typed into a 检查记录 as typed and shows it as text, never as a link or an @all', async () => {
  const task = await createTask(conn());
  let { card } = await d.open(officer.openId, task);
  const typed = '[点此领取](https://evil.example) <at id=all></at> &lt;at id=all&gt;';
  const res = await d.click(officer.openId, card!, '不符合', { record: typed });
  expect(res.toast).toEqual({ type: 'success', content: '已保存第1项：不符合' });
  expect((await readTask(conn(), task._id)).inspection!.answers[0]!.record).toBe(typed);
  // The summary, where records are markdown, shows it as text: nothing live.
  card = res.card;
  for (let k = 2; k <= 9; k += 1) card = (await d.click(officer.openId, card!, '符合')).card;
  expect(cardText(card)).toContain(typed);
  const markdown = markdownOf(card);
  expect(markdown).toContain('&#91;点此领取&#93;');
  expect(markdown).not.toContain('](https://');
  expect(markdown).not.toContain('<at id=all>');
  expect(markdown).not.toContain('&lt;at');
});

it('answers a command holding a control character with what to do', async () => {
  const sent = await h.feishu.sendText(officer.openId, '/导出 运城\u0007公司');
  const reply = await h.emulator.waitFor((m) => m.root === sent.messageId, 5000);
  const text = cardText(reply.content);
  expect(text).toContain('消息无法处理');
  expect(text).toContain('消息第7个字符是无法保存的不可见字符（U+0007），请删除该字符后重新发送');
});

/**
 * scripts/demoFiles.ts: the demo saves what the bot sent a person, not whatever file of a matching name the emulator
 * holds (a staff registry .xlsx or a county's 情况汇报 .docx that users sent the bot, earlier exports to others).
 */
import * as lark from '@larksuiteoapi/node-sdk';
import { silentLogger, startLarkEmulator, type LarkEmulator } from '../../src/sandbox/emulator';
import { botFilesSentTo, fileMessagesTo, waitForBotFiles } from '../../scripts/demoFiles';

const LEADER = 'ou_1a2b3c4d5e6f70819a2b3c4d5e6f7081';
const OTHER = 'ou_9f8e7d6c5b4a39281f0e9d8c7b6a5948';

let emu: LarkEmulator;
let client: lark.Client;

beforeAll(async () => {
  emu = await startLarkEmulator();
  client = new lark.Client({ appId: emu.appId, appSecret: emu.appSecret, domain: emu.url, cache: new lark.DefaultCache(), loggerLevel: lark.LoggerLevel.error, logger: silentLogger });
});
afterAll(() => emu.close());
beforeEach(() => emu.reset());

async function botSendsFile(to: string, fileName: string, data: Buffer, fileType: 'xls' | 'doc'): Promise<string> {
  const up = await client.im.file.create({ data: { file_type: fileType, file_name: fileName, file: data } });
  const key = up?.file_key;
  if (!key) throw new Error('upload failed');
  const sent = await client.im.message.create({ params: { receive_id_type: 'open_id' }, data: { receive_id: to, msg_type: 'file', content: JSON.stringify({ file_key: key }) } });
  expect(sent.code).toBe(0);
  return key;
}

test('only files the bot uploaded and sent to that person after the mark', async () => {
  // what a user sent the bot first (the staff registry) and what the bot sent before the mark or to someone else
  emu.storeUserResource('file', Buffer.from('registry'), { fileName: '执法检查人员名录库.xlsx', fileType: 'xls' });
  emu.storeUserResource('file', Buffer.from('report'), { fileName: '万荣县情况汇报.docx', fileType: 'doc' });
  await botSendsFile(LEADER, '附件3-旧的导出.docx', Buffer.from('old'), 'doc');
  const mark = fileMessagesTo(emu, LEADER);
  expect(mark).toBe(1);
  await botSendsFile(OTHER, '附件5-别人的汇总表.xlsx', Buffer.from('other'), 'xls');
  const key = await botSendsFile(LEADER, '附件5-汇总表.xlsx', Buffer.from('summary'), 'xls');

  // a name filter alone would pick the user's registry first: the old demo's mistake
  expect(emu.files().find((f) => f.file_name.endsWith('.xlsx'))?.file_name).toBe('执法检查人员名录库.xlsx');

  const files = botFilesSentTo(emu, LEADER, mark);
  expect(files.map((f) => [f.file_key, f.file_name, f.data.toString()])).toEqual([[key, '附件5-汇总表.xlsx', 'summary']]);
  expect(files.every((f) => f.uploadedBy === 'bot')).toBe(true);
  expect(botFilesSentTo(emu, LEADER, 0).map((f) => f.file_name)).toEqual(['附件3-旧的导出.docx', '附件5-汇总表.xlsx']);
  const docx = await waitForBotFiles(emu, LEADER, mark, 1, (f) => f.file_name.endsWith('.docx'), 300);
  expect(docx).toEqual([]);
  const sheets = await waitForBotFiles(emu, LEADER, mark, 1, (f) => f.file_name.endsWith('.xlsx'));
  expect(sheets.map((f) => f.file_name)).toEqual(['附件5-汇总表.xlsx']);
});

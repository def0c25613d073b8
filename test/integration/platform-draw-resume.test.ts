/**
 * An import of the platform's draw interrupted after its draw document was written (the process died before the
 * fence, the chain entry and the bundles): the dispatch job finishes it exactly once, and a second click on the same
 * preview answers with that draw instead of making another.
 */
import * as fenceModule from '../../src/operations/draw/fence';
import { shanghaiDate } from '../../src/domain/calendar';
import { cardText, findButtons } from '../../src/sandbox/client';
import { drawModel, loadChain, type DrawDoc } from '../../src/store/draw';
import { importLogModel } from '../../src/store/importLog';
import { setupUploadModel } from '../../src/store/setupUpload';
import { taskModel } from '../../src/store/task';
import { startHarness, type Harness } from '../support/harness';
import { platformPlan, platformXlsx } from '../support/platformFiles';
import { seedRegistries, type SeededRegistries } from '../support/registries';

// The fence, replaced module-wide by a mock that runs the real one unless told otherwise (jest.config.js: the
// transform's exports cannot be spied on one by one).
jest.mock('../../src/operations/draw/fence', () => {
  const actual = jest.requireActual<typeof import('../../src/operations/draw/fence')>('../../src/operations/draw/fence');
  return { ...actual, fence: jest.fn(actual.fence) };
});

const YEAR = Number(shanghaiDate(new Date()).slice(0, 4));
let h: Harness;
let reg: SeededRegistries;
const conn = () => h.service.db.connection;

beforeAll(async () => {
  h = await startHarness({ dbPrefix: 'platform_resume' });
  reg = await seedRegistries(conn(), { year: YEAR, enterprises: 60, seed: 5, campaign: { from: `${YEAR}-01-01`, to: `${YEAR}-12-31` } });
});

afterAll(async () => {
  jest.restoreAllMocks();
  await h.close();
});

it('the dispatch job finishes an interrupted import once; a second click answers with it', async () => {
  const sent = await h.feishu.sendFile(reg.cityLiaison.openId, '抽查结果.xlsx', await platformXlsx(platformPlan(reg, 5)));
  const preview = await h.emulator.waitFor((m) => m.root === sent.messageId, 60_000);
  expect(findButtons(preview.content).map((b) => b.text)).toEqual(['确认导入', '取消']);

  // The process “dies” right after the draw document is written: the fence never runs.
  const crash = jest.mocked(fenceModule.fence).mockRejectedValueOnce(new Error('simulated crash'));
  const failed = await h.feishu.clickButton(reg.cityLiaison.openId, preview.current, '确认导入');
  expect(failed.toast?.type).toBe('error');
  expect(crash).toHaveBeenCalledTimes(1);
  const half = (await drawModel(conn()).findOne().lean<DrawDoc>())!;
  expect(half).toMatchObject({ status: 'confirmed', algorithm: 'platform-import/1' });
  expect(half.bundleGz).toBeUndefined();
  expect(await loadChain(conn(), reg.campaign._id)).toEqual([]);
  expect(await taskModel(conn()).countDocuments()).toBe(0);
  // the upload may be confirmed again (released), its bytes kept
  expect((await setupUploadModel(conn()).findOne().lean())!.status).toBe('previewed');

  // The dispatch job (as after a restart) finishes it: the chain entry, the bundles, the tasks and messages.
  const deadline = Date.now() + 120_000;
  while (!(await h.service.scheduler.runNow('dispatch'))) {
    if (Date.now() > deadline) throw new Error('the dispatch job never ran');
    await new Promise((r) => setTimeout(r, 100));
  }
  const done = (await drawModel(conn()).findById(half._id).lean<DrawDoc>())!;
  expect(done.dispatchedAt).toBeInstanceOf(Date);
  expect(done.bundleGz).toBeDefined();
  expect((await loadChain(conn(), reg.campaign._id)).map((e) => e.kind)).toEqual(['platform']);
  expect(await taskModel(conn()).countDocuments({ drawId: half._id })).toBe(5);

  // A second click on the same preview makes no second draw: it answers with the first.
  const again = await h.feishu.clickButton(reg.cityLiaison.openId, preview.current, '确认导入');
  expect(again.toast).toEqual({ type: 'info', content: '这份文件已经导入过了，不会重复导入' });
  expect(cardText(again.card)).toContain('抽取结果 · 第1次抽取（监管平台）');
  expect(await drawModel(conn()).countDocuments()).toBe(1);
  expect((await loadChain(conn(), reg.campaign._id)).map((e) => e.kind)).toEqual(['platform']);
  expect((await setupUploadModel(conn()).findOne().lean())!.status).toBe('imported');
  expect(await importLogModel(conn()).countDocuments({ kind: 'platformDraw' })).toBe(1);
  expect(await taskModel(conn()).countDocuments()).toBe(5);
});

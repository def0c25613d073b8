/**
 * GET /public/results (一公开): published results only, newest publication first, every value escaped, no staff data,
 * filters by county and year, 400 with a Chinese message on a bad filter, an empty state before anything is published.
 */
import { CHECKLISTS } from '../../src/domain/checklists';
import type { InspectionRecord } from '../../src/domain/inspection';
import { taskModel, type TaskDoc, type TaskState } from '../../src/store/task';
import { applyFilters, escapeHtml, parseFilters, PAGE_TITLE, type PublicResult } from '../../src/web/publicResults';
import { startHarness, type Harness } from '../support/harness';
import { createTask, PEOPLE, TEAM } from '../support/fixtures';

let h: Harness;
const conn = () => h.service.db.connection;
const url = (query = '') => `http://127.0.0.1:${h.service.port}/public/results${query}`;

beforeAll(async () => {
  h = await startHarness({ dbPrefix: 'public' });
});

afterAll(async () => {
  await h.close();
});

let n = 0;
async function task(opts: {
  name: string;
  county?: string;
  state: TaskState;
  completionDate?: string;
  publishedOn?: string;
  result?: '未发现问题' | '发现问题';
  publishedResult?: string;
}): Promise<TaskDoc> {
  n += 1;
  const suffix = String(n).padStart(5, '0');
  const t = await createTask(conn(), {
    enterprise: { name: opts.name, county: opts.county ?? '盐湖区', licenceNo: `晋XK06-002-8${suffix}`, uscc: `91140802MA0P${suffix}Y` },
    state: opts.state,
  });
  const at = new Date('2024-05-06T02:00:00Z');
  const $set: Record<string, unknown> = {};
  if (opts.completionDate) {
    const inspection: InspectionRecord = {
      startedAt: at,
      startedBy: PEOPLE.officer.openId,
      startedBeforeReceipt: false,
      cursor: 10,
      answers: CHECKLISTS.industrial.items.map((i) => ({ item: i.no, verdict: '符合', record: '', by: PEOPLE.officer.openId, byName: PEOPLE.officer.name, at })),
      history: [],
      photos: [],
      round: 1,
      representative: '企业代表甲',
      submittedAt: at,
      submittedBy: PEOPLE.officer.openId,
      completionDate: opts.completionDate,
      signatures: TEAM.map((m) => ({ openId: m.openId, name: m.name, role: m.role, at })),
      completedAt: at,
      result: opts.result ?? '未发现问题',
      reopens: [],
    };
    $set.inspection = inspection;
  }
  if (opts.publishedOn !== undefined || opts.state === '已公示') {
    $set.publication = {
      dueDate: '2024-12-31',
      publishedOn: opts.publishedOn,
      publishedBy: PEOPLE.liaison.openId,
      publishedByName: PEOPLE.liaison.name,
      reference: '国家企业信用信息公示系统',
      result: opts.publishedResult,
    };
  }
  await taskModel(conn()).updateOne({ _id: t._id }, { $set });
  return t;
}

async function get(query = '') {
  const res = await fetch(url(query));
  return { status: res.status, type: res.headers.get('content-type'), html: await res.text(), headers: res.headers };
}

/** The 企业名称 cells, in page order. */
function names(html: string): string[] {
  return [...html.matchAll(/<td data-label="企业名称" class="name">([^<]*)<\/td>/g)].map((m) => m[1]);
}

it('before anything is published: the title and an empty-state message', async () => {
  await task({ name: '运城市尚未公示机械有限公司', state: '待公示', completionDate: '2024-05-06' });
  const page = await get();
  expect(page.status).toBe(200);
  expect(page.type).toBe('text/html; charset=utf-8');
  expect(page.html.startsWith('<!DOCTYPE html>')).toBe(true);
  expect(page.html).toContain('<html lang="zh-CN">');
  expect(page.html).toContain('name="viewport"');
  expect(page.html).toContain(`<title>${escapeHtml(PAGE_TITLE)}</title>`);
  expect(page.html).toContain('运城市市场监督管理局 工业产品生产许可证获证企业“双随机、一公开”监督检查结果公示');
  expect(page.html).toContain('暂无公示的检查结果');
  expect(page.html).not.toContain('尚未公示机械');
});

describe('with published results', () => {
  beforeAll(async () => {
    await task({ name: '运城市甲电缆有限公司', county: '盐湖区', state: '已公示', completionDate: '2024-05-06', publishedOn: '2024-05-20' });
    await task({
      name: '永济市乙包装有限公司',
      county: '永济市',
      state: '已公示',
      completionDate: '2024-06-01',
      publishedOn: '2024-06-25',
      result: '发现问题',
      publishedResult: '发现问题经责令已改正',
    });
    // publication recorded while the task still shows 待整改: it is public
    await task({ name: '河津市丙化工有限公司', county: '河津市', state: '待整改', completionDate: '2023-09-01', publishedOn: '2023-09-20', result: '发现问题' });
    await task({ name: '运城市<script>alert("x")</script>丁有限公司', county: '盐湖区', state: '已公示', completionDate: '2024-04-01', publishedOn: '2024-04-15' });
    // not public: due but not published, and a voided task
    await task({ name: '运城市戊待公示有限公司', state: '待公示', completionDate: '2024-06-01' });
    await task({ name: '运城市己作废有限公司', state: '已作废', completionDate: '2024-06-01', publishedOn: '2024-06-02' });
  });

  it('lists published tasks only, newest publication first, with every column and no staff data', async () => {
    const page = await get();
    expect(page.status).toBe(200);
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(names(page.html)).toEqual([
      '永济市乙包装有限公司',
      '运城市甲电缆有限公司',
      '运城市&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;丁有限公司',
      '河津市丙化工有限公司',
    ]);
    for (const col of ['企业名称', '统一社会信用代码', '许可证编号', '获证产品', '所属县区', '检查日期', '检查结果', '公示日期']) {
      expect(page.html).toContain(`<th scope="col">${col}</th>`);
    }
    const row = page.html.split('<tr>').find((r) => r.includes('永济市乙包装有限公司'))!;
    expect(row).toContain('>永济市<');
    expect(row).toContain('>2024年6月1日<');
    expect(row).toContain('>2024年6月25日<');
    expect(row).toContain('>发现问题经责令已改正<');
    expect(row).toContain('>电线电缆<');
    expect(row).toMatch(/>晋XK06-002-8\d{5}</);
    expect(row).toMatch(/>91140802MA0P\d{5}Y</);
    expect(page.html.split('<tr>').find((r) => r.includes('运城市甲电缆'))).toContain('>未发现问题<');
    expect(page.html).toContain('共 4 条');
    for (const hidden of ['戊待公示', '己作废', '尚未公示']) expect(page.html).not.toContain(hidden);
    // nothing about the inspectors or the publisher
    for (const p of [...Object.values(PEOPLE), ...TEAM]) {
      expect(page.html).not.toContain(p.openId);
      expect(page.html).not.toContain(p.name);
    }
    expect(page.html).not.toContain('企业代表甲');
  });

  it('escapes a company name containing <script>', async () => {
    const page = await get();
    expect(page.html).not.toContain('<script>');
    expect(page.html).not.toContain('alert("x")');
    expect(page.html).toContain('&lt;script&gt;');
  });

  it('filters by county and by year (the year of the 检查日期)', async () => {
    const yanhu = await get(`?county=${encodeURIComponent('盐湖区')}`);
    expect(yanhu.status).toBe(200);
    expect(names(yanhu.html)).toEqual(['运城市甲电缆有限公司', '运城市&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;丁有限公司']);
    expect(yanhu.html).toContain('<option value="盐湖区" selected>盐湖区</option>');

    expect(names((await get('?year=2023')).html)).toEqual(['河津市丙化工有限公司']);
    expect(names((await get(`?year=2024&county=${encodeURIComponent('永济市')}`)).html)).toEqual(['永济市乙包装有限公司']);
    // the filter form sends empty values for “all”
    expect(names((await get('?year=&county=')).html)).toHaveLength(4);
    const none = await get(`?county=${encodeURIComponent('绛县')}`);
    expect(none.status).toBe(200);
    expect(none.html).toContain('没有符合筛选条件的检查结果');
  });

  it('answers 400 with a Chinese message on a bad year or county', async () => {
    for (const q of ['?year=abc', '?year=1999', '?year=20245', '?year=2024&year=2023', `?county=${encodeURIComponent('<script>')}`, '?county=Yanhu']) {
      const page = await get(q);
      expect(page.status).toBe(400);
      expect(page.type).toBe('text/html; charset=utf-8');
      expect(page.html).toMatch(/参数“(year|county)”/);
      expect(page.html).not.toContain('<script>');
    }
  });
});

describe('filters (pure)', () => {
  const row = (over: Partial<PublicResult>): PublicResult => ({
    name: 'x',
    uscc: 'u',
    licenceNo: 'l',
    product: 'p',
    county: '盐湖区',
    inspectedOn: '',
    result: '',
    publishedOn: '',
    ...over,
  });

  it('parses and validates', () => {
    expect(parseFilters({})).toEqual({ ok: true, filters: {} });
    expect(parseFilters({ year: ' 2024 ', county: '盐湖区' })).toEqual({ ok: true, filters: { year: 2024, county: '盐湖区' } });
    expect(parseFilters({ year: '24' }).ok).toBe(false);
    expect(parseFilters({ county: '盐' }).ok).toBe(false);
  });

  it('takes the 公示日期 year when the record has no 检查日期', () => {
    const rows = [row({ name: 'a', inspectedOn: '2023-12-30', publishedOn: '2024-01-20' }), row({ name: 'b', publishedOn: '2024-02-01' })];
    expect(applyFilters(rows, { year: 2024 }).map((r) => r.name)).toEqual(['b']);
    expect(applyFilters(rows, { year: 2023 }).map((r) => r.name)).toEqual(['a']);
  });
});

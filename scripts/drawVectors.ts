/**
 * The test vectors of docs/draw-spec.md §13: small complete draws with every intermediate value, written to
 * docs/draw-vectors/*.json by `npx tsx scripts/drawVectors.ts`. The tests rebuild them and compare byte for byte, so a
 * change of the algorithm shows as a change of these files.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { catalogueIndex } from '../src/domain/catalogue';
import { nextEntry } from '../src/domain/draw2/chain';
import { STRATA, stratumIndex, stratumName } from '../src/domain/draw2/counts';
import { buildParameters, personRef, type StaffInput } from '../src/domain/draw2/inputs';
import { cmpText } from '../src/domain/draw2/jcs';
import type { CampaignRef, HashedLogEntry, Parameters, PublicSource } from '../src/domain/draw2/model';
import { commitmentHash, derivedKey, keyedScore } from '../src/domain/draw2/seed';
import { commitData, commitmentOf, prepareSteps, simulateSteps, type SimulatedDraw } from '../src/domain/draw2/session';
import { runSync } from '../src/domain/draw2/steps';
import type { Enterprise } from '../src/domain/types';
import { usccCheckChar } from '../src/domain/uscc';

export const VECTOR_DIR = path.resolve(__dirname, '../docs/draw-vectors');

function code(region: string, serial: number): string {
  const first = `91${region}MA${String(serial).padStart(7, '0')}`;
  return first + usccCheckChar(first);
}

function firm(region: string, serial: number, over: Partial<Enterprise> & Pick<Enterprise, 'county' | 'product' | 'category' | 'riskClass'>): Enterprise {
  return {
    uscc: code(region, serial),
    name: `测试企业${serial}有限公司`,
    licenceNo: `（晋）XK00-000-${String(serial).padStart(5, '0')}`,
    validFrom: '2021-01-01',
    validTo: '2026-01-01',
    address: `地址${serial}`,
    ...over,
  };
}

function person(n: number, roles: StaffInput['roles'], county: string, over: Partial<StaffInput> = {}): StaffInput {
  return {
    openId: `ou_vector${String(n).padStart(4, '0')}`,
    name: `人员${n}`,
    roles,
    unit: county === '市局' ? '运城市市场监督管理局' : `${county}市场监督管理局`,
    county,
    businessLine: '产品质量安全',
    expertise: null,
    avoid: [],
    ...over,
  };
}

const CAMPAIGN: CampaignRef = { id: '66f0000000000000000000a1', name: '2024年工业产品生产许可证获证企业“双随机、一公开”监督检查（示例）', year: 2024 };
const LIAISON = { openId: 'ou_vectorliaison', name: '市局联络员' };
const BOT = (n: number): string => `${n}`.repeat(64).slice(0, 64).replace(/[^0-9a-f]/g, 'a');
/** a vector's blind (§3.1): "b1b1…", "b2b2…" */
const BLIND = (n: number): string => `b${n}`.repeat(64).slice(0, 64);

/** Registry of the first two vectors: 3 counties, both categories, every class, an expired and a duplicate licence. */
function registryA(): { enterprises: Enterprise[]; staff: StaffInput[] } {
  const Y = '140802'; // 盐湖区
  const J = '140881'; // 永济市
  const H = '140882'; // 河津市
  const enterprises: Enterprise[] = [
    firm(Y, 1, { county: '盐湖区', product: '电线电缆', category: '工业产品', riskClass: 'A' }),
    firm(Y, 2, { county: '盐湖区', product: '危险化学品', category: '工业产品', riskClass: 'A' }),
    firm(Y, 3, { county: '盐湖区', product: '危险化学品包装物及容器', category: '工业产品', riskClass: 'B' }),
    firm(Y, 4, { county: '盐湖区', product: '食品用塑料包装、容器、工具等制品', category: '食品相关产品', riskClass: 'A' }),
    firm(Y, 5, { county: '盐湖区', product: '水泥、钢筋混凝土用热轧钢筋', category: '工业产品', riskClass: 'C' }),
    firm(J, 6, { county: '永济市', product: '复肥', category: '工业产品', riskClass: 'A' }),
    firm(J, 7, { county: '永济市', product: '压力锅', category: '食品相关产品', riskClass: 'B' }),
    firm(J, 8, { county: '永济市', product: '危险化学品无机产品', category: '工业产品', riskClass: 'D' }),
    firm(J, 9, { county: '永济市', product: '餐具洗涤剂', category: '食品相关产品', riskClass: 'A' }),
    firm(J, 10, { county: '永济市', product: '特种劳动防护用品', category: '工业产品', riskClass: 'B' }),
    firm(H, 11, { county: '河津市', product: '电线电缆', category: '工业产品', riskClass: 'A' }),
    firm(H, 12, { county: '河津市', product: '胶合板', category: '工业产品', riskClass: 'A' }),
    firm(H, 13, { county: '河津市', product: '食品用纸包装容器等制品', category: '食品相关产品', riskClass: 'C' }),
    firm(H, 14, { county: '河津市', product: '磷肥', category: '工业产品', riskClass: 'B' }),
    firm(H, 15, { county: '河津市', product: '钢丝绳', category: '工业产品', riskClass: 'A' }),
    firm(H, 16, { county: '河津市', product: '水泥', category: '工业产品', riskClass: 'A' }),
    // out of the draw: expired before the start, and an older licence of enterprise 16
    firm(H, 17, { county: '河津市', product: '水泥', category: '工业产品', riskClass: 'A', validTo: '2024-03-14' }),
    { ...firm(H, 16, { county: '河津市', product: '水泥', category: '工业产品', riskClass: 'A' }), licenceNo: '（晋）XK00-000-00099', validTo: '2025-01-01' },
  ];
  const staff: StaffInput[] = [
    person(1, ['组长'], '市局'),
    person(2, ['组长', '执法人员'], '市局'),
    person(3, ['组长'], '市局', { businessLine: '综合执法', avoid: [code(Y, 1)] }),
    person(4, ['执法人员'], '盐湖区'),
    person(5, ['执法人员'], '盐湖区', { avoid: [code(J, 6)] }),
    person(6, ['执法人员'], '永济市'),
    person(7, ['执法人员'], '河津市', { businessLine: '综合执法' }),
    person(8, ['执法人员'], '市局'),
    person(9, ['专家'], '市局', { expertise: '电线电缆、水泥' }),
    person(10, ['专家'], '市局', { expertise: '危险化学品' }),
    person(11, ['专家'], '河津市', { expertise: '食品相关产品' }),
    person(12, ['专家'], '市局', { expertise: '危险化学品包装物及容器' }),
    person(13, ['专家'], '市局', { expertise: '塑料制品' }),
    person(14, ['联络员'], '市局', { openId: LIAISON.openId, name: LIAISON.name }),
  ];
  return { enterprises, staff };
}

function params(
  over: { campaign?: number; risk?: { A: number; B: number; C: number; D: number }; team?: Parameters['team'] extends infer T ? Partial<T> : never } = {},
): Parameters {
  return buildParameters(
    { from: '2024-03-15', ratio: over.campaign ?? 0.6, riskRatios: over.risk ?? { A: 0.2, B: 0.25, C: 0.5, D: 1 }, excludeOwnCounty: true },
    over.team ?? {},
  );
}

/**
 * Registry of the tie-break vector (v04): two firms in each of the eight strata (so every top-up is decided by the
 * top-up order), a firm registered three times (equal 有效期止 with a larger and an equal 许可证编号), 电线电缆 firms for
 * four experts of one product unit on two business lines, and city and county 执法人员 for the extra officer slot.
 */
function registryTies(): { enterprises: Enterprise[]; staff: StaffInput[] } {
  const Y = '140802'; // 盐湖区
  const J = '140881'; // 永济市
  const H = '140882'; // 河津市
  const counties: [string, string][] = [
    [Y, '盐湖区'],
    [J, '永济市'],
    [H, '河津市'],
  ];
  const enterprises: Enterprise[] = [];
  let serial = 100;
  for (const category of ['工业产品', '食品相关产品'] as const) {
    for (const riskClass of ['A', 'B', 'C', 'D'] as const) {
      for (let i = 0; i < 2; i++) {
        serial++;
        const [region, county] = counties[serial % 3]!;
        const product = category === '工业产品' ? '电线电缆' : '食品用纸包装容器等制品';
        enterprises.push(firm(region, serial, { county, product, category, riskClass }));
      }
    }
  }
  // Firm 101 three times with one 有效期止: the smallest 许可证编号 stays (registry row 2); of two rows equal in both,
  // the earlier (row 2, not row 3, which has another name).
  const dup = enterprises[0]!;
  enterprises.splice(0, 1, { ...dup, licenceNo: '（晋）XK00-000-00900' }, { ...dup }, { ...dup, name: '测试企业101有限公司（重复登记）' });
  // Missing values are written as "" in the exclusion row (§2.2): no 信用风险等级, no 有效期止.
  enterprises.push({ ...firm(J, 120, { county: '永济市', product: '电线电缆', category: '工业产品', riskClass: 'A' }), riskClass: undefined, validTo: null } as unknown as Enterprise);
  const staff: StaffInput[] = [
    person(21, ['组长'], '市局'),
    person(22, ['组长'], '市局', { businessLine: '综合执法' }),
    person(23, ['执法人员'], '市局'),
    // 业务口 of white space only is null (U+FEFF is white space, §1); U+0085 is not (Python's str.strip would say it is)
    person(24, ['执法人员'], '市局', { businessLine: '\ufeff\u3000' }),
    person(25, ['执法人员'], '盐湖区'),
    person(26, ['执法人员'], '永济市'),
    person(27, ['执法人员'], '河津市'),
    person(28, ['执法人员'], '河津市', { businessLine: '\u0085' }),
    person(31, ['专家'], '市局', { expertise: '电线电缆' }),
    person(32, ['专家'], '市局', { expertise: '电线电缆' }),
    person(33, ['专家'], '市局', { expertise: '电线电缆', businessLine: '综合执法' }),
    person(34, ['专家'], '市局', { expertise: '电线电缆', businessLine: '综合执法' }),
    person(14, ['联络员'], '市局', { openId: LIAISON.openId, name: LIAISON.name }),
  ];
  return { enterprises, staff };
}

export interface Vector {
  name: string;
  description: string;
  inputs: Record<string, unknown>;
  intermediate: Record<string, unknown>;
  bundles: { internal: unknown; public: unknown };
}

function intermediate(d: SimulatedDraw, p: Parameters): Record<string, unknown> {
  const seed = d.computed.result.seed;
  const blind = d.prepared.blind;
  const select = keyedScore(seed, 'select', blind);
  const order = keyedScore(seed, 'team-order', blind);
  const chosen = new Map(d.computed.selected.map((s) => [s.row.uscc, s]));
  return {
    population: d.prepared.population,
    exclusions: d.prepared.exclusions,
    staff: d.prepared.staff,
    refs: Object.fromEntries(d.prepared.staff.map((s) => [s.openId, personRef(s.openId)])),
    hashes: (d.internal as { hashes: unknown }).hashes,
    commitment: d.commitment,
    commitmentHash: commitmentHash(d.commitment),
    seed,
    keys: Object.fromEntries((['select', 'team-order', 'leader', 'officer', 'expert'] as const).map((l) => [l, derivedKey(seed, l, blind)])),
    selectionScores: STRATA.map((s) => ({
      stratum: stratumName(s),
      firms: d.prepared.population
        .filter((r) => stratumIndex(r) === stratumIndex(s))
        .map((r) => ({ uscc: r.uscc, score: select(r.uscc), rank: chosen.get(r.uscc)?.rank ?? null }))
        .sort((a, b) => cmpText(a.score, b.score) || cmpText(a.uscc, b.uscc)),
    })),
    teamOrder: d.computed.selected
      .map((s) => ({ no: s.no, uscc: s.row.uscc, score: order(s.row.uscc) }))
      .sort((a, b) => cmpText(a.score, b.score) || cmpText(a.uscc, b.uscc)),
    counts: d.computed.result.counts,
    caps: d.computed.result.caps,
    result: d.computed.result,
    parameters: p,
  };
}

export function buildVectors(): Vector[] {
  const vectors: Vector[] = [];
  const t = (iso: string): Date => new Date(iso);

  // 1. A first draw, no public source, with a top-up, 回避, the own-county rule and the three expert levels.
  {
    const reg = registryA();
    const p = params();
    const input = {
      drawId: '66f0000000000000000000b1',
      campaign: CAMPAIGN,
      parameters: p,
      enterprises: reg.enterprises,
      staff: reg.staff,
      botValue: BOT(1),
      blind: BLIND(1),
      entropy: '2024031503',
      liaison: LIAISON,
      commitAt: t('2024-03-14T01:00:00.000Z'),
      revealAt: t('2024-03-14T01:05:00.000Z'),
    };
    const d = runSync(simulateSteps(input));
    vectors.push({
      name: 'v01-first-draw',
      description: '第1次抽取，无公开来源；16家有效企业（另有1家到期、1家重复许可证），全市比例60%触发逐家补足；含回避、本县区回避、专家按产品单元/目录类别/无匹配三种情况。',
      inputs: { ...input, commitAt: input.commitAt.toISOString(), revealAt: input.revealAt.toISOString(), source: null },
      intermediate: intermediate(d, p),
      bundles: { internal: d.internal, public: d.public },
    });
  }

  // 2. A redraw (attempt 2) after a confirmed draw and a cancelled preview, with a combined public source.
  {
    const reg = registryA();
    const p = params();
    const first = runSync(
      simulateSteps({
        drawId: '66f0000000000000000000c1',
        campaign: CAMPAIGN,
        parameters: p,
        enterprises: reg.enterprises,
        staff: reg.staff,
        botValue: BOT(2),
        blind: BLIND(2),
        entropy: '',
        liaison: LIAISON,
        commitAt: t('2024-03-14T01:00:00.000Z'),
        revealAt: t('2024-03-14T01:02:00.000Z'),
      }),
    );
    const log: HashedLogEntry[] = [...first.log];
    const prepared = runSync(prepareSteps(reg.enterprises, reg.staff, p, BLIND(3)));
    const cancelled = commitmentOf(prepared, CAMPAIGN, 2, BOT(3), null);
    const c = nextEntry(log.at(-1)!, CAMPAIGN.id, t('2024-03-15T02:00:00.000Z'), 'commit', {
      ...commitData('66f0000000000000000000c2', cancelled, p, LIAISON.openId, '一名组长调离'),
    });
    log.push(c);
    log.push(
      nextEntry(c, CAMPAIGN.id, t('2024-03-15T02:01:00.000Z'), 'void', { drawId: '66f0000000000000000000c2', attempt: 2, reason: 'cancelled', note: '联络员取消' }),
    );
    const source: PublicSource = {
      parts: [
        { name: '中国福利彩票3D第2024065期开奖号码', format: '3位数字，按开奖公告书写', pattern: '^[0-9]{3}$' },
        { name: '中国体育彩票排列5第24065期开奖号码', format: '5位数字，按开奖公告书写', pattern: '^[0-9]{5}$' },
      ],
      announcedAt: '2024-03-15T21:30+08:00',
    };
    const input = {
      drawId: '66f0000000000000000000c3',
      campaign: CAMPAIGN,
      parameters: p,
      enterprises: reg.enterprises,
      staff: reg.staff,
      botValue: BOT(4),
      blind: BLIND(4),
      entropy: '065/24065',
      source,
      reason: '一名组长调离，重新抽取',
      liaison: LIAISON,
      logBefore: log,
      commitAt: t('2024-03-15T03:00:00.000Z'),
      revealAt: t('2024-03-15T14:00:00.000Z'),
      names: 'names' as const,
    };
    const d = runSync(simulateSteps(input));
    vectors.push({
      name: 'v02-redraw-with-source',
      description: '第2次抽取（重新抽取）：日志中有第1次抽取的承诺与揭示、一次被取消的预览；种子来源锁定为两期彩票的组合，开奖后填写；可公开数据包显示姓名。',
      inputs: { ...input, logBefore: undefined, commitAt: input.commitAt.toISOString(), revealAt: input.revealAt.toISOString() },
      intermediate: { ...intermediate(d, p), logBefore: log },
      bundles: { internal: d.internal, public: d.public },
    });
  }

  // 3. Scarce staff: two officer slots (one county), experts required, no slack: shortages of every kind.
  {
    const reg = registryA();
    const staff = reg.staff
      .filter((s) => ['ou_vector0001', 'ou_vector0004', 'ou_vector0008', 'ou_vector0009', 'ou_vector0011', LIAISON.openId].includes(s.openId))
      .map((s) =>
        s.openId === 'ou_vector0001'
          ? { ...s, avoid: [1, 2, 3, 4, 5].map((n) => code('140802', n)) }
          : s.openId === 'ou_vector0008'
            ? { ...s, avoid: [6, 7, 8, 9, 10].map((n) => code('140881', n)) }
            : s,
      );
    const p = params({ campaign: 0.25, team: { officers: 2, countyOfficers: 1, workloadSlack: 0, expertMode: 'required' } });
    const input = {
      drawId: '66f0000000000000000000d1',
      campaign: { ...CAMPAIGN, id: '66f0000000000000000000a3' },
      parameters: p,
      enterprises: reg.enterprises,
      staff,
      botValue: BOT(5),
      blind: BLIND(5),
      entropy: 'abc.123',
      liaison: LIAISON,
      commitAt: t('2024-03-14T01:00:00.000Z'),
      revealAt: t('2024-03-14T01:00:00.001Z'),
    };
    const d = runSync(simulateSteps(input));
    vectors.push({
      name: 'v03-shortages',
      description: '人员不足：每组2名执法人员（其中1名县区人员）、必须配专家、工作量无余量；出现组长、县区执法人员、执法人员、专家各类缺员。',
      inputs: { ...input, commitAt: input.commitAt.toISOString(), revealAt: input.revealAt.toISOString(), source: null },
      intermediate: intermediate(d, p),
      bundles: { internal: d.internal, public: d.public },
    });
  }
  // 4. The tie-breaks: top-up order, duplicate licences, the expert key (no tier), the extra officer pool.
  {
    const reg = registryTies();
    const p = params({ campaign: 0.65, risk: { A: 0.2, B: 0.2, C: 0.2, D: 0.2 }, team: { officers: 2, countyOfficers: 1 } });
    const input = {
      drawId: '66f0000000000000000000e1',
      campaign: { ...CAMPAIGN, id: '66f0000000000000000000a4' },
      parameters: p,
      enterprises: reg.enterprises,
      staff: reg.staff,
      botValue: BOT(6),
      blind: BLIND(6),
      entropy: 'ties',
      liaison: LIAISON,
      commitAt: t('2024-03-14T01:00:00.000Z'),
      revealAt: t('2024-03-14T01:03:00.000Z'),
    };
    const d = runSync(simulateSteps(input));
    vectors.push({
      name: 'v04-tie-breaks',
      description:
        '平局与取舍规则：8个分层各2家企业、各类比例均为20%、全市比例65%，逐家补足的3家依次给工业产品D、食品相关产品D、工业产品C（补足顺序）；' +
        '同一企业登记3次且有效期止相同，保留许可证编号较小者、编号也相同时保留登记在前者；4名同一产品单元的专家分属两个业务口（专家不按业务口分先后）；' +
        '每组2名执法人员，第2名从全部执法人员（市局和县区）中选；缺少信用风险等级和有效期止的企业在排除名单中写为空文本；' +
        '业务口仅含空白（U+FEFF、U+3000）记为null，U+0085不是空白。',
      inputs: { ...input, commitAt: input.commitAt.toISOString(), revealAt: input.revealAt.toISOString(), source: null },
      intermediate: intermediate(d, p),
      bundles: { internal: d.internal, public: d.public },
    });
  }
  void catalogueIndex;
  return vectors;
}

export function vectorText(v: Vector): string {
  return `${JSON.stringify(v, null, 1)}\n`;
}

if (require.main === module) {
  mkdirSync(VECTOR_DIR, { recursive: true });
  for (const v of buildVectors()) {
    writeFileSync(path.join(VECTOR_DIR, `${v.name}.json`), vectorText(v));
    process.stdout.write(`${v.name}.json\n`);
  }
}

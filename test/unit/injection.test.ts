/**
 * Text from outside (firm names, 检查记录, people's names, reasons, typed arguments) carrying markdown, HTML,
 * <at>, entity forms and formulas is shown as text on every surface: the cards (markdown escaped, plain text left
 * alone), the Word forms (well-formed XML with the text as typed), the public page (HTML-escaped) and the 附件5
 * workbook (string cells, never formulas). The draw's own cards are tested with the draw.
 */
import ExcelJS from 'exceljs';
import JSZip from 'jszip';
import { Types } from 'mongoose';
import { SaxesParser } from 'saxes';
import { md, renderCard, type CardJson } from '../../src/bot/cards';
import { exportResultCard } from '../../src/bot/export';
import { calendarWarningCard, escalationCard, followUpCard } from '../../src/bot/followupCards';
import { helpCard } from '../../src/bot/help';
import {
  checklistItemCard,
  opinionNoticeCard,
  photoSavedCard,
  recordCard,
  reopenNoticeCard,
  summaryCard,
  tasksListCard,
} from '../../src/bot/inspectionCards';
import { progressCard, refusalCard, summaryCard as summaryFileCard } from '../../src/bot/progressCards';
import { CHECKLISTS } from '../../src/domain/checklists';
import { buildRectification, opinionSheet, type Answer } from '../../src/domain/inspection';
import { buildSummaryXlsx, DETAIL_SHEET } from '../../src/exports/summaryXlsx';
import { inspectionRecordDocx, opinionSheetDocx, rectificationConfirmationDocx } from '../../src/exports/docx';
import { buildSummaryRows, summaryFileName, summaryTitle, type Summary, type SummaryDetail } from '../../src/operations/summary';
import { emptyCounts } from '../../src/operations/progress';
import { cardText, decodeEntities } from '../../src/sandbox/client';
import { validateCard } from '../../src/sandbox/emulator';
import type { CampaignDoc } from '../../src/store/campaign';
import type { DrawDoc } from '../../src/store/draw';
import type { TaskDoc } from '../../src/store/task';
import { renderPublicResults } from '../../src/web/publicResults';
import { enterprise, PEOPLE, submittedRecord, TEAM } from '../support/fixtures';

/** What an attacker or a careless paste puts into text fields. */
const LINK = '[点此领取](https://evil.example/x)';
const AT_ALL = '<at id=all></at>';
const AT_USER = '<at user_id="ou_0000000000000000000000000000000a"></at>';
const ENTITY_AT = '&lt;at id=all&gt;&lt;/at&gt;';
const FONT = "<font color='green'>已通过</font>";
const HTML = "<a href='https://evil.example'>官网</a><img src=x onerror=alert(1)>";
const SYNTAX = '**粗** _斜_ ~~删~~ `码` :OK: ![图](img_v2_x) <link url="https://evil.example">链</link> | 表 | $x$ \\';
const FORMULA = '=HYPERLINK("https://evil.example","点我")';

const NAME = `运城市${LINK}${AT_ALL}有限公司`;
const RECORD = `# 标题\n> 引用\n- 列表\n1. 有序\n${ENTITY_AT}${FONT}${SYNTAX}`;
const PERSON = `王${AT_USER}五`;
const REASON = `${HTML}${ENTITY_AT}`;
const PAYLOADS = [NAME, RECORD, PERSON, REASON];

/** Raw markup that must never reach a markdown component from user text. */
const LIVE = [LINK, '](https://', AT_ALL, '<at ', ENTITY_AT, '&lt;', '&gt;', FONT, '<a href', '<img', '<link', '**粗**', ':OK:', '![', 'https://'];

function markdownContents(card: unknown): string[] {
  const out: string[] = [];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (typeof node !== 'object' || node === null) return;
    const o = node as Record<string, unknown>;
    if ((o.tag === 'markdown' || o.tag === 'lark_md') && typeof o.content === 'string') out.push(o.content);
    Object.values(o).forEach(visit);
  };
  visit(card);
  return out;
}

function plainTexts(card: unknown): string[] {
  const out: string[] = [];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (typeof node !== 'object' || node === null) return;
    const o = node as Record<string, unknown>;
    if (o.tag === 'plain_text' && typeof o.content === 'string') out.push(o.content);
    Object.values(o).forEach(visit);
  };
  visit(card);
  return out;
}

/** The card is valid, nothing typed is live markup, and what was typed is shown as typed. */
function expectInert(card: CardJson, shown: readonly string[]): void {
  const check = validateCard(card);
  if (!check.ok) throw new Error(`${check.errCode} ${check.errPath} ${check.errMsg}`);
  const markdown = markdownContents(card).join('\n');
  for (const live of LIVE) expect(markdown).not.toContain(live);
  // Plain text is shown as it is: no character references appear in it.
  for (const t of plainTexts(card)) expect(t).not.toMatch(/&#\d+;/);
  const text = cardText(card);
  for (const s of shown) expect(text).toContain(s);
}

describe('md()', () => {
  it('turns every markdown-significant character into a character reference the client shows as that character', () => {
    for (const p of [...PAYLOADS, FORMULA, SYNTAX]) {
      const escaped = md(p);
      const rest = escaped.replace(/&#\d+;/g, '');
      expect(rest).not.toMatch(/[\\`*_~[\]()<>#|!+\-:$=.&]/);
      expect(decodeEntities(escaped)).toBe(p);
    }
  });

  it('leaves Chinese text and full-width punctuation as they are', () => {
    expect(md('运城市（河东）电线电缆有限公司，检查合格。')).toBe('运城市（河东）电线电缆有限公司，检查合格。');
  });
});

// ---- cards -----------------------------------------------------------------------------------------------------

const at = new Date('2024-05-06T02:00:00Z');
const hostileEnterprise = enterprise('industrial', { name: NAME, licenceNo: `XK-${AT_ALL}`, product: FONT, address: LINK, contact: PERSON });
const hostileTeam = TEAM.map((m, i) => ({ ...m, name: i === 0 ? PERSON : m.name }));

function answers(): Answer[] {
  return CHECKLISTS.industrial.items.map((it) => ({
    item: it.no,
    verdict: it.no % 2 === 0 ? ('不符合' as const) : ('符合' as const),
    record: it.no % 2 === 0 ? RECORD : '',
    by: PEOPLE.officer.openId,
    byName: PERSON,
    at,
  }));
}

function hostileTask(state: TaskDoc['state']): TaskDoc {
  const a = answers();
  const inspection = submittedRecord(a, PEOPLE.officer.openId, at, {
    cursor: 2,
    representative: PERSON,
    completionDate: '2024-05-06',
    signatures: hostileTeam.map((m) => ({ openId: m.openId, name: m.name, role: m.role, at })),
    result: '发现问题',
    reopens: [{ by: PEOPLE.leader.openId, byName: PERSON, at, reason: REASON, fromState: '待签字', round: 1 }],
    rectification: buildRectification({ kind: 'industrial', answers: a, days: 15, issuedDate: '2024-05-06', setBy: PEOPLE.leader.openId, recipients: [] }),
  });
  return {
    _id: new Types.ObjectId(),
    campaignId: new Types.ObjectId(),
    drawId: new Types.ObjectId(),
    no: 1,
    enterprise: hostileEnterprise,
    checklist: 'industrial',
    team: hostileTeam,
    state,
    version: 3,
    inspection,
    publication: { dueDate: '2024-06-03', publishedOn: '2024-05-20', publishedAt: at, publishedBy: PEOPLE.officer.openId, publishedByName: PERSON, reference: REASON, result: '发现问题待后续处理' },
    rectificationCheck: {
      items: [{ no: 2, issue: RECORD, done: RECORD }],
      opinion: REASON,
      confirmedBy: PEOPLE.liaison.openId,
      confirmedByName: PERSON,
      confirmedByUnit: FONT,
      confirmedAt: at,
      confirmedOn: '2024-05-15',
    },
    createdAt: at,
    updatedAt: at,
  } as TaskDoc;
}

describe('cards show hostile text as text', () => {
  it('the checklist item card (record put back into the form stays as typed)', () => {
    const t = hostileTask('检查中');
    t.inspection!.cursor = 2;
    const card = checklistItemCard(t, { item: 2, record: RECORD });
    expectInert(card, [NAME, PERSON, RECORD]);
  });

  it('the summary and the submitted record, for every state', () => {
    for (const state of ['检查中', '待签字', '待整改', '已公示'] as const) {
      expectInert(summaryCard(hostileTask(state), PEOPLE.leader.openId), [NAME]);
      expectInert(recordCard(hostileTask(state), PEOPLE.leader.openId), [NAME, PERSON]);
    }
  });

  it('附件1 notice, task list, reopen notice, photo saved', () => {
    expectInert(opinionNoticeCard(hostileTask('待整改'), PEOPLE.leader.openId), [NAME, PERSON, FONT]);
    expectInert(tasksListCard([hostileTask('待整改')], 1, PEOPLE.officer.openId), [NAME]);
    const entry = hostileTask('检查中').inspection!.reopens[0]!;
    expectInert(reopenNoticeCard(hostileTask('检查中'), entry, { withdrawn: true, member: true }), [NAME, PERSON, REASON]);
    expectInert(photoSavedCard(hostileTask('检查中'), 2, 1), [NAME]);
  });

  it('the follow-up card (整改确认, 公示) for each viewer', () => {
    for (const who of [PEOPLE.leader, PEOPLE.liaison, PEOPLE.cityLiaison]) {
      for (const state of ['待整改', '待公示', '已公示'] as const) {
        const card = followUpCard(hostileTask(state), {
          openId: who.openId,
          audience: { countyLiaisons: [PEOPLE.liaison.openId], cityLiaisons: [PEOPLE.cityLiaison.openId], countyHasLiaison: true },
          today: '2024-05-20',
          banner: { kind: 'confirmed' },
        });
        expectInert(card, [NAME]);
      }
    }
  });

  it('progress, refusal and summary-file cards (campaign names and typed arguments)', () => {
    const counts = { ...emptyCounts('永济市'), total: 1, checked: 1, pubOverdue: 1 };
    const report = {
      ok: true as const,
      campaign: { name: NAME },
      draw: { attempt: 1 },
      today: '2024-05-20',
      scope: { kind: 'city' as const },
      counties: [counts],
      total: { ...counts, county: '合计' },
      overduePublications: [{ name: NAME, county: '永济市', date: '2024-05-10' }],
      overdueRectifications: [{ name: RECORD, county: '永济市', date: '2024-05-10' }],
    };
    expectInert(progressCard(report as never, { at }), [NAME]);
    expectInert(refusalCard('没有这个专项', md(`没有名为“${NAME}”的专项。`)), [NAME]);
    const summary = { ...hostileSummary(), unit: FONT };
    expectInert(summaryFileCard(summary), [FONT]);
  });

  it('/导出 answers (found, not found, candidates)', () => {
    const t = hostileTask('待整改');
    expectInert(exportResultCard({ ok: true, task: t, files: [{ name: `${NAME}.docx`, size: 2048 }] } as never), [NAME]);
    expectInert(exportResultCard({ ok: false, code: 'notFound', query: LINK, scoped: false }), [LINK]);
    expectInert(
      exportResultCard({ ok: false, code: 'ambiguous', query: '有限', total: 1, candidates: [{ name: NAME, licenceNo: FORMULA, county: '永济市', pickBy: FORMULA }] } as never),
      [NAME, FORMULA],
    );
    expectInert(exportResultCard({ ok: false, code: 'void', task: t }), [NAME]);
    expectInert(exportResultCard({ ok: false, code: 'forbidden', task: t }), [NAME]);
  });

  it('/帮助 greets a registered person by a hostile name as text', () => {
    const staff = { openId: PEOPLE.officer.openId, name: PERSON, roles: ['执法人员' as const], unit: FONT, county: '永济市', avoid: [] };
    expectInert(helpCard({ openId: staff.openId, roles: staff.roles, county: staff.county }, staff as never, []), [PERSON]);
  });

  it('escalation (a plain table) and calendar warning cards', () => {
    const t = hostileTask('待公示');
    const reminder = { kind: 'pub-overdue', subject: 'publication', deadline: '2024-06-03', left: 0, overdue: 3, remind: true, escalate: true } as const;
    expectInert(escalationCard([{ task: t, reminder, responsible: [PERSON] } as never], '2024-06-06'), [NAME, PERSON]);
    expectInert(calendarWarningCard([t], '2024-06-06', false), [NAME]);
  });

  it('a message card with escaped paragraphs (as the router echoes an unknown command)', () => {
    expectInert(renderCard('message', { title: NAME, color: 'grey', paragraphs: [`不认识“${md(RECORD)}”`] }), [RECORD, NAME]);
  });
});

// ---- Word forms ----------------------------------------------------------------------------------------------------

async function documentXml(buf: Buffer): Promise<string> {
  const zip = await JSZip.loadAsync(buf);
  return zip.file('word/document.xml')!.async('string');
}

/** Parses the XML as a Word reader would: it throws on anything malformed (e.g. U+FFFE). */
function expectWellFormed(xml: string): string {
  const parser = new SaxesParser({ xmlns: true });
  let text = '';
  parser.on('text', (t) => (text += t));
  parser.on('error', (e) => {
    throw e;
  });
  parser.write(xml).close();
  return text;
}

describe('Word forms carry hostile text as text', () => {
  it('附件3, 附件1 and 附件2 are well-formed and contain the text as typed', async () => {
    const a = answers();
    const xml3 = await documentXml(await inspectionRecordDocx({ kind: 'industrial', enterpriseName: NAME, date: '2024-05-06', answers: a }));
    const t3 = expectWellFormed(xml3);
    expect(t3).toContain(NAME);
    expect(t3).toContain(`${ENTITY_AT}${FONT}`);
    expect(xml3).not.toContain('<at ');
    expect(xml3).not.toContain('<font');

    const sheet = opinionSheet({
      enterprise: { name: NAME, product: FONT, licenceNo: AT_ALL, validFrom: '2021-06-01', validTo: '2026-05-31' },
      rectification: buildRectification({ kind: 'industrial', answers: a, days: 15, issuedDate: '2024-05-06', setBy: 'ou_x', recipients: [] }),
      signatures: [{ openId: 'ou_a', name: PERSON, role: '组长', at }],
      representative: PERSON,
      dateOf: () => '2024-05-06',
    });
    const t1 = expectWellFormed(await documentXml(await opinionSheetDocx({ ...sheet, checklistForm: '附件3' })));
    expect(t1).toContain(NAME);
    expect(t1).toContain(FONT);

    const t2 = expectWellFormed(
      await documentXml(
        await rectificationConfirmationDocx({ enterpriseName: NAME, licenceNo: FORMULA, items: [{ no: 1, issue: RECORD, done: REASON }], opinion: REASON, confirmedByName: PERSON, confirmedOn: '2024-05-15', bureau: '永济市市场监督管理局' }),
      ),
    );
    expect(t2).toContain(FORMULA);
    expect(t2).toContain(REASON);
  });

  it('characters XML cannot hold, stored before the policy existed, are dropped so the file still opens', async () => {
    const xml = await documentXml(
      await inspectionRecordDocx({ kind: 'industrial', enterpriseName: '运城\ufffe某\u0001公司\ud800', answers: [{ item: 1, verdict: '不符合', record: '记录\uffff内容' }] }),
    );
    const text = expectWellFormed(xml);
    expect(text).toContain('运城某公司');
    expect(text).toContain('记录内容');
  });
});

// ---- public page ------------------------------------------------------------------------------------------------

describe('the public page escapes everything', () => {
  it('shows hostile names as text and injects no element', () => {
    const rows = [{ name: NAME, uscc: '91140800MA0K000001', licenceNo: HTML, product: FONT, county: '永济市', inspectedOn: '2024-05-06', result: RECORD, publishedOn: '2024-05-20' }];
    const html = renderPublicResults(rows, rows, {});
    for (const raw of [AT_ALL, '<a href', '<img', '<font', '<link', 'onerror=alert(1)>']) expect(html).not.toContain(raw);
    expect(html).toContain('&lt;at id=all&gt;&lt;/at&gt;');
    // The entity form typed by a user is shown as typed, not turned into a tag.
    expect(html).toContain('&amp;lt;at id=all&amp;gt;');
  });
});

// ---- 附件5 workbook -----------------------------------------------------------------------------------------------

function hostileSummary(): Summary {
  const { rows, total } = buildSummaryRows([{ ...emptyCounts('永济市'), total: 1, checked: 1 }], new Map([['永济市', 4]]), { withTotal: true });
  const detail = (name: string, licenceNo: string, product: string): SummaryDetail => ({
    county: '永济市',
    no: 1,
    name,
    uscc: '91140800MA0K000001',
    licenceNo,
    product,
    category: '工业产品',
    riskClass: 'B',
    teamLeader: '@SUM(1+1)*cmd|" /C calc"!A0',
    state: '待公示',
    completionDate: '2024-05-06',
    result: '未发现问题',
    rectificationDeadline: '',
    rectificationConfirmedOn: '',
    publicationDue: '2024-06-03',
    publishedOn: '',
  });
  return {
    campaign: { _id: new Types.ObjectId(), name: '=1+1', year: 2024 } as CampaignDoc,
    draw: { attempt: 1 } as DrawDoc,
    today: '2024-05-20',
    scope: { kind: 'city' },
    title: summaryTitle(2024),
    fileName: summaryFileName(2024, '2024-05-20'),
    unit: '+SUM(A1:A2)',
    preparedBy: '-1+1',
    rows,
    total,
    details: [detail(FORMULA, '+1+1', '-2-2'), detail('运城\ufffe公司', '=A1', '@A1')],
  };
}

describe('the 附件5 workbook writes formula-looking text as text', () => {
  it('every such value reads back as a string cell, never a formula', async () => {
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load((await buildSummaryXlsx(hostileSummary())) as never);
    const detail = wb.getWorksheet(DETAIL_SHEET)!;
    const cells: ExcelJS.Cell[] = [];
    wb.eachSheet((ws) => ws.eachRow((row) => row.eachCell((c) => cells.push(c))));
    // The sheet's own formulas (totals, ratios) are built from cell references only; no user text ever becomes one.
    const formulas = cells.filter((c) => c.type === ExcelJS.ValueType.Formula || c.formula !== undefined).map((c) => String(c.formula));
    expect(formulas.length).toBeGreaterThan(0);
    for (const f of formulas) expect(f).toMatch(/^(SUM\([A-Z]+\d+:[A-Z]+\d+\)|[A-Z]+\d+-[A-Z]+\d+|IF\([A-Z]+\d+=0,"—",[A-Z]+\d+\/[A-Z]+\d+\))$/);
    const texts = cells.filter((c) => typeof c.value === 'string').map((c) => c.value as string);
    for (const t of [FORMULA, '+1+1', '-2-2', '=A1', '@A1', '@SUM(1+1)*cmd|" /C calc"!A0']) {
      const cell = cells.find((c) => c.value === t);
      expect(cell).toBeDefined();
      expect(cell!.type).toBe(ExcelJS.ValueType.String);
    }
    expect(texts.some((t) => t.includes('=1+1'))).toBe(true);
    expect(texts.some((t) => t.includes('+SUM(A1:A2)'))).toBe(true);
    // A character XML cannot hold (old data) is dropped: the file opened at all.
    expect(texts).toContain('运城公司');
    expect(detail.rowCount).toBeGreaterThan(2);
  });
});

/**
 * npm run render-forms: renders every paper form the bot produces to PNG, for a person to look at: 附件1–4 filled in,
 * 附件3/附件4 blank (taken along before the visit), an extra checklist's record (进一次门，查多项事), the
 * 无法正常检查情况记录 and 附件5. Writes out/forms/<name>.docx|.xlsx, .pdf and -<page>.png.
 *
 * Needs LibreOffice and poppler (Debian: apt-get install -y libreoffice-writer-nogui libreoffice-calc-nogui
 * poppler-utils fonts-noto-cjk); without them it says so and stops.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CHECKLISTS } from '../src/domain/checklists';
import { buildRectification, opinionSheet, type Answer } from '../src/domain/inspection';
import { RESULT_DICTIONARY } from '../src/domain/results';
import {
  closureRecordDocx,
  countyBureau,
  extraRecordTitle,
  inspectionRecordDocx,
  opinionSheetDocx,
  rectificationConfirmationDocx,
} from '../src/exports/docx';
import { buildSummaryXlsx } from '../src/exports/summaryXlsx';
import { exampleSummary } from '../src/exports/summaryExample';

const OUT = path.resolve('out', 'forms');
const FIRM = { name: '运城市河东电线电缆有限公司', product: '电线电缆', licenceNo: '（晋）XK06-001-00123', validFrom: '2021-06-01', validTo: '2026-05-31' };
const DATE = '2024-05-06';

function need(cmd: string, args: string[]): boolean {
  return spawnSync(cmd, args, { stdio: 'ignore' }).status === 0;
}

function answers(kind: 'industrial' | 'food', findings: Record<number, string>): Answer[] {
  const at = new Date(`${DATE}T02:00:00Z`);
  return CHECKLISTS[kind].items.map((i) => ({
    item: i.no,
    verdict: findings[i.no] ? '不符合' : '符合',
    record: findings[i.no] ?? (i.no === 3 ? '检验设备均在检定周期内' : ''),
    by: 'ou_a',
    byName: '李明',
    at,
  }));
}

async function forms(): Promise<{ name: string; data: Buffer }[]> {
  const findings = { 2: '新增挤出机一台，未向发证机关报告', 5: '合格证未标注生产许可证编号' };
  const ind = answers('industrial', findings);
  const rect = buildRectification({ kind: 'industrial', answers: ind, days: 15, issuedDate: DATE, setBy: 'ou_b', recipients: [] });
  const sheet = opinionSheet({ enterprise: FIRM, rectification: rect, signatures: [], representative: '孙经理', dateOf: () => DATE });
  const extra = { name: '工业产品质量安全“零事故”创建指导', items: [{ no: 1, text: '是否制定“零事故”创建工作方案' }, { no: 2, text: '是否开展质量安全风险隐患自查' }, { no: 3, text: '是否建立质量安全事故报告制度' }] };
  return [
    { name: '附件1-意见汇总表', data: await opinionSheetDocx({ ...sheet, checklistForm: '附件3', inspectionDate: DATE }) },
    {
      name: '附件2-整改结果确认单',
      data: await rectificationConfirmationDocx({
        enterpriseName: FIRM.name,
        licenceNo: FIRM.licenceNo,
        items: rect.items.map((it, i) => ({ no: i + 1, issue: it.record, done: i === 0 ? '已向省局报告并办理变更' : '已重新印制合格证并标注编号' })),
        opinion: '该企业按照检查组提出的整改意见已全部完成整改，符合工业产品生产许可证实施细则通则及相关产品生产许可证实施细则等相关法律法规和相关规定的要求。',
        confirmedOn: '2024-05-24',
        bureau: countyBureau('永济市'),
      }),
    },
    { name: '附件3-监督检查记录', data: await inspectionRecordDocx({ kind: 'industrial', enterpriseName: FIRM.name, date: DATE, answers: ind }) },
    { name: '附件3-空白', data: await inspectionRecordDocx({ kind: 'industrial', enterpriseName: FIRM.name, answers: [] }) },
    { name: '附件4-监督检查记录', data: await inspectionRecordDocx({ kind: 'food', enterpriseName: '永济市晋南食品包装有限公司', date: DATE, answers: answers('food', { 4: '原材料进厂检验记录缺失' }) }) },
    { name: '附件4-空白', data: await inspectionRecordDocx({ kind: 'food', enterpriseName: '永济市晋南食品包装有限公司', answers: [] }) },
    {
      name: `进一次门-${extraRecordTitle(extra.name)}`,
      data: await inspectionRecordDocx({
        kind: 'industrial',
        enterpriseName: FIRM.name,
        date: DATE,
        answers: [
          { item: 1, verdict: '符合', record: '' },
          { item: 2, verdict: '不符合', record: '未开展风险隐患自查' },
          { item: 3, verdict: '符合', record: '' },
        ],
        extra,
      }),
    },
    {
      name: '无法正常检查情况记录',
      data: await closureRecordDocx({
        enterprise: { name: '夏县某某塑料制品有限公司', licenceNo: '（晋）XK16-204-00456', uscc: '91140828MA0K000009', county: '夏县', address: '夏县工业园区3号', product: '食品用塑料包装容器工具等制品' },
        result: RESULT_DICTIONARY.find((r) => r.code === '6')!.label,
        code: '6',
        note: '5月6日上午到登记的生产地址，厂房已空置，门卫称企业已搬离半年；联系人电话停机，企业登记的其他电话无人接听。',
        evidence: [
          { kind: 'image', byName: '李明', at: DATE },
          { kind: 'image', byName: '李明', at: DATE },
          { kind: 'file', name: '村委会证明.pdf', byName: '王建国', at: DATE },
        ],
        credit: '列入经营异常名录',
        proposedByName: '李明',
        proposedOn: DATE,
        confirmedByName: '王建国',
        confirmedOn: DATE,
      }),
    },
  ];
}

async function annex5(): Promise<Buffer> {
  return buildSummaryXlsx(exampleSummary());
}

async function main(): Promise<void> {
  if (!need('soffice', ['--version']) || !need('pdftoppm', ['-v'])) {
    process.stderr.write('需要 LibreOffice 和 poppler：apt-get install -y libreoffice-writer-nogui libreoffice-calc-nogui poppler-utils fonts-noto-cjk\n');
    process.exit(1);
  }
  rmSync(OUT, { recursive: true, force: true });
  mkdirSync(OUT, { recursive: true });
  const files: string[] = [];
  for (const f of await forms()) {
    const file = path.join(OUT, `${f.name}.docx`);
    writeFileSync(file, f.data);
    files.push(file);
  }
  const xlsx = path.join(OUT, '附件5-情况汇总表.xlsx');
  writeFileSync(xlsx, await annex5());
  files.push(xlsx);

  const profile = path.join(os.tmpdir(), `render-forms-lo-${process.pid}`);
  execFileSync('soffice', [`-env:UserInstallation=file://${profile}`, '--headless', '--convert-to', 'pdf', '--outdir', OUT, ...files], { stdio: 'ignore', timeout: 300_000 });
  rmSync(profile, { recursive: true, force: true });
  for (const file of files) {
    const pdf = file.replace(/\.(docx|xlsx)$/, '.pdf');
    execFileSync('pdftoppm', ['-png', '-r', '70', pdf, pdf.replace(/\.pdf$/, '')]);
  }
  const pngs = readdirSync(OUT).filter((f) => f.endsWith('.png')).sort();
  process.stdout.write(`已生成 ${pngs.length} 页 PNG（${OUT}）：\n${pngs.map((p) => `  ${p}`).join('\n')}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`生成失败：${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});

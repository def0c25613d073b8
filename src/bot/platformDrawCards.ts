/**
 * Cards of the platform's draw sent in chat (docs/draw-spec.md §14): the preview (rows, matched firms by county,
 * teams, every problem and warning by line — the first LIST_LIMIT, then a count — and what confirming will do) with
 * `确认导入` / `取消`, or, when it replaces a confirmed draw, a form asking the redraw reason whose submit button is
 * `确认导入`; and the card of a preview that can no longer be confirmed. The result card after the import is the
 * draw's own (drawViews.ts resultCard). Every card stays under the platform's 30 KB.
 */
import { PLATFORM_RANDOMNESS } from '../domain/draw2/platform';
import { PLATFORM_DRAW_TITLE, type LineProblem } from '../domain/platformDraw';
import type { PlatformPreview } from '../operations/setup/platformDraw';
import type { SetupUploadDoc } from '../store/setupUpload';
import { md, renderCard, type ButtonView, type CardJson } from './cards';
import type { ReasonFormView } from './inspectionCards';
import { dateTime, shortHash } from './format';
import { LIST_LIMIT } from './setupCards';

/** below the platform's 30 KB for a card, with room for the envelope */
const CARD_BUDGET_BYTES = 27_000;
const REASON_CHARS = 200;

export const PLATFORM_MSG = {
  reasonLabel: '重新抽取的理由（必填，2–200字，记入抽取日志）',
  reasonPlaceholder: '例如：以国家监管平台的抽取结果为准',
  confirm: '确认导入',
  cancel: '取消',
} as const;

function sizeText(bytes: number): string {
  if (bytes < 1024) return `${bytes} 字节`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

function clip(text: string): string {
  const chars = [...text];
  return chars.length > REASON_CHARS ? `${chars.slice(0, REASON_CHARS).join('')}…` : text;
}

function lines(list: readonly LineProblem[], max: number, more: (n: number) => string): string {
  const shown = list.slice(0, max).map((p) => `- ${p.line !== undefined ? `第${p.line}行：` : ''}${md(clip(p.reason))}`);
  if (list.length > max) shown.push(more(list.length - max));
  return shown.join('\n');
}

function fit(build: (max: number) => ReasonFormView): CardJson {
  for (const max of [LIST_LIMIT, 10, 5, 2, 0]) {
    const card = renderCard('reasonForm', build(max));
    if (Buffer.byteLength(JSON.stringify(card), 'utf8') <= CARD_BUDGET_BYTES || max === 0) return card;
  }
  throw new Error('unreachable');
}

export function platformPreviewCard(fileName: string, size: number, p: PlatformPreview, upload: SetupUploadDoc | undefined): CardJson {
  const m = p.match;
  const value = upload ? { a: 'platform.import', u: String(upload._id), s: p.signature } : undefined;
  return fit((max) => {
    const paragraphs: string[] = [];
    const campaign = p.campaign ? `专项：**${md(p.campaign.name)}**（${p.campaign.from} 至 ${p.campaign.to}）\n` : '';
    paragraphs.push(
      `文件：**${md(fileName)}**（${sizeText(size)}）\n${campaign}` +
        `共读取 **${m.rows}** 行：匹配企业 **${m.firms.length}** 家，组成 **${m.firms.length}** 个检查组（涉及检查人员 ${p.people} 人）；` +
        `有问题 **${m.problems.length}** 处${m.problems.length > 0 ? '（须修改后重新发送）' : ''}，提示 ${m.warnings.length} 处。试运行，尚未写入。`,
    );
    for (const r of p.refusals) paragraphs.push(`⚠️ ${md(r)}`);
    if (p.byCounty.length > 0) {
      const shown = p.byCounty.slice(0, 40).map((c) => `${md(c.county)} ${c.n} 家`);
      paragraphs.push(`**各县区匹配的企业**\n${shown.join('、')}${p.byCounty.length > 40 ? `等${p.byCounty.length}个县区` : ''}`);
    }
    if (m.problems.length > 0) {
      paragraphs.push(
        `**有问题的行（共 ${m.problems.length} 处，不能导入）**\n` + lines(m.problems, max, (n) => `……另有 ${n} 处问题未列出；请修改后重新发送`),
      );
    }
    if (m.warnings.length > 0) {
      paragraphs.push(`**提示（共 ${m.warnings.length} 处，不影响导入）**\n` + lines(m.warnings, max, (n) => `……另有 ${n} 处提示未列出`));
    }
    if (p.importable) {
      const sha = shortHash(p.file.sha256);
      paragraphs.push(
        '**确认导入后**\n' +
          `作为来源为“平台”的抽取（第${p.attempt}次抽取）记入本专项的防篡改抽取日志（文件 SHA-256 ${sha}…、导入人、抽中企业和检查组的哈希），` +
          '并与 /抽取 一样派发：各县区联络员收到本县区的检查任务清单，每位检查人员收到检查任务卡片，您收到抽取结果和两个抽取数据包。' +
          (p.replaces
            ? `\n⚠️ 本专项已有第${p.replaces.attempt}次抽取（来源：${p.replaces.platform ? '平台' : '系统随机抽取'}），确认导入即重新抽取：` +
              `第${p.replaces.attempt}次抽取中尚未开始的 ${p.replaces.pending} 项任务作废，并通知相关人员。请在下面填写理由。`
            : '\n本专项还没有确认过的抽取，导入不替换任何抽取。'),
      );
    } else if (m.firms.length === 0 && m.problems.length === 0 && p.refusals.length === 0) {
      paragraphs.push('文件中没有可以导入的行。');
    }
    const form =
      value && p.replaces
        ? {
            name: 'platform_form',
            input: 'redraw_reason',
            label: PLATFORM_MSG.reasonLabel,
            placeholder: PLATFORM_MSG.reasonPlaceholder,
            maxLength: 200,
            button: PLATFORM_MSG.confirm,
            value,
          }
        : undefined;
    const buttons: ButtonView[] = [];
    if (value && !p.replaces) buttons.push({ text: PLATFORM_MSG.confirm, type: 'primary', value });
    if (upload) buttons.push({ text: PLATFORM_MSG.cancel, type: 'default', value: { a: 'setup.cancel', u: String(upload._id) } });
    return {
      title: upload ? `导入预览 · ${PLATFORM_DRAW_TITLE}` : `无法导入 · ${PLATFORM_DRAW_TITLE}`,
      color: upload ? (p.replaces ? 'orange' : 'blue') : 'orange',
      paragraphs,
      ...(form ? { form } : {}),
      ...(buttons.length > 0 ? { buttons } : {}),
      note: upload
        ? `企业按统一社会信用代码匹配检查对象名录库（名称不同时以名录库为准），检查人员按姓名匹配人员名录（重名时可写成“姓名（所属县区）”）。之后再发送同类文件，本预览即失效。${PLATFORM_RANDOMNESS}`
        : '格式：第1行为表头，含 统一社会信用代码、企业名称、检查人员（姓名用“、”分隔），可另有 任务编号、组长；没有“组长”列时，以检查人员中第一位在人员名录里登记为组长的人为组长。',
    };
  });
}

/** A preview that can no longer be confirmed (the registries changed, a task started …): why, and no button. */
export function platformClosedCard(upload: SetupUploadDoc | undefined, title: string, reason: string): CardJson {
  const who = upload?.doneByName ? `（${md(upload.doneByName)}${upload.doneAt ? `，${dateTime(upload.doneAt)}` : ''}）` : '';
  return renderCard('message', {
    title: `${title} · ${PLATFORM_DRAW_TITLE}`,
    color: 'grey',
    paragraphs: [...(upload ? [`文件：**${md(upload.fileName)}**`] : []), `${md(reason)}${who}`],
  });
}

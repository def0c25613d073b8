/**
 * /导出 (/export) <许可证编号或企业名称>: sends that task's records (附件1–4 as applicable) as Word files in the chat
 * the command came from, and a card listing what was sent. The work is operations/exportRecords.ts.
 */
import { STAFF_ROLES } from '../domain/types';
import { exportRecords, MAX_QUERY_LENGTH, type ExportOutcome } from '../operations/exportRecords';
import type { Recipient } from '../platform/outbox';
import { md, renderCard, type CardJson } from './cards';
import type { CommandSpec } from './router';

export const EXPORT_USAGE = '/导出 <许可证编号或企业名称>';

/** Every sentence of /导出, in one place. */
export const EMSG = {
  summary: '把某家企业的检查记录（附件1–4）以 Word 文件发到本会话',
  detail:
    '发送 /导出 加许可证编号或企业名称，例如：/导出 晋XK06-001-00123，或 /导出 河东电线（名称可只写一部分，须能唯一确定一家企业）。' +
    '检查前导出的是填好企业名称的空白附件3/附件4（及“进一次门，查多项事”的检查表），可打印带到现场；' +
    '检查记录提交后可导出附件3/附件4《监督检查记录》和各检查表的记录；发现问题的还有附件1《意见汇总表》，县局确认整改后还有附件2《整改结果确认单》；' +
    '无法正常检查的导出《无法正常检查情况记录》。签字栏留空，打印后手写签字。' +
    '检查组成员、企业所在县区的联络员和领导、市局人员和领导可以导出。',
  badArgTitle: '参数有误',
  missingArg: `缺少参数“许可证编号或企业名称”。用法：${EXPORT_USAGE}`,
  tooLong: (n: number) => `参数“许可证编号或企业名称”过长（${n} 字，最多 ${MAX_QUERY_LENGTH} 字）。用法：${EXPORT_USAGE}`,
  notFoundTitle: '未找到检查任务',
  notFound: (q: string) => `没有找到许可证编号或企业名称为“${q}”的检查任务。请核对后重试，也可以只写企业名称的一部分。用法：${EXPORT_USAGE}`,
  ambiguousTitle: '找到多家企业，请指明',
  ambiguous: (q: string, total: number) => `“${q}”匹配到 ${total} 家企业，请用下面的命令导出其中一家：`,
  ambiguousMore: (n: number) => `另有 ${n} 家未列出，请写得更具体些。`,
  candidate: (name: string, county: string, pickBy: string) => `- ${name}（${county}）：/导出 ${pickBy}`,
  forbiddenTitle: '没有权限',
  forbidden: (name: string, county: string) =>
    `您不是“${name}”检查组成员，也不是${county}联络员、市局人员或领导，不能导出该企业的检查记录。`,
  voidTitle: '任务已作废',
  void: (name: string) => `“${name}”的检查任务已作废（抽取已重做），没有可导出的检查记录。`,
  doneTitle: '检查记录已导出',
  doneHead: (name: string, licenceNo: string, state: string) => `**${name}**\n许可证编号：${licenceNo}　状态：${state}`,
  doneFiles: (n: number) => `已发送 ${n} 个文件：`,
  doneFile: (name: string, kb: string) => `- ${name}（${kb} KB）`,
  doneNote: '文件由系统根据已保存的记录生成；签字栏留空，请打印后由检查组和企业代表手写签字、企业盖章。已签字盖章的检查记录可在记录卡片上点“上传签字页”拍照上传。',
  blankTitle: '空白检查表已导出',
  blankNote: '检查尚未提交：发送的是已填好企业名称的空白检查表（含本专项“进一次门，查多项事”的检查表），可打印带到现场手写填写。',
  notFoundScoped: '（只查找您有权导出的任务：本人所在检查组的任务，以及本县区的任务。）',
  credit: (what: string) => `⚠️ 需后续处理：**${what}**`,
  signaturePages: (n: number) => `签字页：已上传 ${n} 张（在飞书会话中查看原图）`,
} as const;

function refusal(title: string, text: string): CardJson {
  return renderCard('message', { title, color: 'orange', paragraphs: [text] });
}

export function exportResultCard(outcome: ExportOutcome): CardJson {
  if (outcome.ok) {
    const e = outcome.task.enterprise;
    const extra = [
      ...(outcome.credit ? [EMSG.credit(outcome.credit)] : []),
      ...(outcome.signaturePages > 0 ? [EMSG.signaturePages(outcome.signaturePages)] : []),
    ];
    return renderCard('report', {
      title: outcome.blank ? EMSG.blankTitle : EMSG.doneTitle,
      color: outcome.credit ? 'orange' : 'green',
      sections: [
        { text: [EMSG.doneHead(md(e.name), md(e.licenceNo), outcome.task.state), ...extra].join('\n') },
        {
          text: [EMSG.doneFiles(outcome.files.length), ...outcome.files.map((f) => EMSG.doneFile(md(f.name), (f.size / 1024).toFixed(1)))].join('\n'),
        },
      ],
      note: outcome.blank ? EMSG.blankNote : EMSG.doneNote,
    });
  }
  switch (outcome.code) {
    case 'notFound':
      return refusal(EMSG.notFoundTitle, EMSG.notFound(md(outcome.query)) + (outcome.scoped ? EMSG.notFoundScoped : ''));
    case 'ambiguous': {
      const lines = outcome.candidates.map((c) => EMSG.candidate(md(c.name), md(c.county), md(c.pickBy)));
      const more = outcome.total - outcome.candidates.length;
      return renderCard('message', {
        title: EMSG.ambiguousTitle,
        color: 'orange',
        paragraphs: [EMSG.ambiguous(md(outcome.query), outcome.total), lines.join('\n'), ...(more > 0 ? [EMSG.ambiguousMore(more)] : [])],
      });
    }
    case 'forbidden':
      return refusal(EMSG.forbiddenTitle, EMSG.forbidden(md(outcome.task.enterprise.name), md(outcome.task.enterprise.county)));
    case 'void':
      return refusal(EMSG.voidTitle, EMSG.void(md(outcome.task.enterprise.name)));
  }
}

/** The argument as typed: everything after the command word (a name may contain spaces or “=”). */
export function exportArgument(text: string): string {
  return text.replace(/^[／/]\S*/, '').trim();
}

export const exportCommand: CommandSpec = {
  id: 'export',
  names: ['导出', 'export'],
  audience: STAFF_ROLES,
  usage: EXPORT_USAGE,
  summary: EMSG.summary,
  detail: EMSG.detail,
  async handle(ctx) {
    const query = exportArgument(ctx.command.text);
    if (query === '') return ctx.reply(refusal(EMSG.badArgTitle, EMSG.missingArg));
    const length = [...query].length;
    if (length > MAX_QUERY_LENGTH) return ctx.reply(refusal(EMSG.badArgTitle, EMSG.tooLong(length)));
    // Records name people and unpublished findings: files go to the requester's own chat, even when asked in a group.
    const to: Recipient = { openId: ctx.message.senderOpenId };
    const outcome = await exportRecords(ctx.deps, { actor: ctx.actor, query, to, requestId: ctx.message.messageId });
    await ctx.reply(exportResultCard(outcome));
  },
};

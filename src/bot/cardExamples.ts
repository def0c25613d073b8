/**
 * Example view models for every card template under cards/ (one or more per template), realistic enough to judge a
 * card by: `npm run cards` renders them all into one page, and the tests check each against the emulator's card
 * validator and the sandbox renderer. The type makes a new template (a new key of CardViews) need examples here.
 * Sentences come from the messages modules where the real builders take them from there.
 */
import { CHECKLISTS } from '../domain/checklists';
import { OPINION_SHEET_TITLE } from '../domain/inspection';
import type { CardViews } from './cards';
import { CLOSURE_RESULTS } from '../domain/results';
import { CMSG } from './closureCards';
import { FMSG } from './followupCards';
import { IMSG } from './inspectionMessages';
import { PLATFORM_MSG } from './platformDrawCards';

export type CardExamples = { [K in keyof CardViews]: readonly { name: string; view: CardViews[K] }[] };

const TASK = '665f1c2ab4d0e8a1c9f3a7d2';
const ENTERPRISE = '运城市瑞丰电缆有限公司（示例）';
const items = CHECKLISTS.industrial.items;

export const CARD_EXAMPLES: CardExamples = {
  message: [
    {
      name: '未知命令',
      view: {
        title: '没有听懂',
        color: 'grey',
        paragraphs: ['没有“/抽签”这个命令。发送 **/帮助** 查看您可以使用的命令。'],
      },
    },
    {
      name: '照片已保存（带按钮）',
      view: {
        title: IMSG.photoSavedTitle,
        color: 'green',
        paragraphs: [IMSG.photoSaved(ENTERPRISE, IMSG.photoSavedItem(3), 2)],
        buttons: [{ text: IMSG.backToChecklist, type: 'primary', value: { a: 'insp.start', task: TASK } }],
      },
    },
    {
      name: '检查已重新打开',
      view: {
        title: IMSG.reopenTitle,
        color: 'orange',
        paragraphs: [IMSG.reopenText('王建国', ENTERPRISE), IMSG.reopenReason('第5项检查记录有误，需更正'), IMSG.reopenWithdrawn, IMSG.reopenMember],
        buttons: [{ text: IMSG.view, type: 'default', value: { a: 'insp.start', task: TASK } }],
      },
    },
  ],
  help: [
    {
      name: '市局联络员的帮助',
      view: {
        title: '“双随机、一公开”检查助手 · 使用帮助',
        intro: '您好，**许小颖**（市局 · 联络员）。以下是您可以使用的命令：',
        commands: [
          { usage: '/抽取', summary: '预览并确认本年度的随机抽取', detail: '可带参数：/抽取 专项=<名称> 种子=<公开随机数>', button: { text: '用法', type: 'default', value: { a: 'help.usage', cmd: 'draw' } } },
          { usage: '/进度', summary: '查看各县区检查进度', button: { text: '用法', type: 'default', value: { a: 'help.usage', cmd: 'progress' } } },
          { usage: '/汇总', summary: '生成附件5汇总表（xlsx）' },
          { usage: '/我的任务', summary: IMSG.tasksCommandSummary },
          { usage: '/帮助', summary: '查看您可以使用的命令' },
        ],
        footer: '命令也可以用英文别名，例如 /help。遇到问题请联系市局联络员。',
      },
    },
  ],
  report: [
    {
      name: '抽取预览（表格、确认按钮）',
      view: {
        title: '抽取预览 · 第1次抽取',
        color: 'blue',
        sections: [
          { text: '**2026年工业产品生产许可证获证企业“双随机、一公开”监督检查**（2026-03-15 至 2026-10-31）\n抽查比例：A类 20%、B类 25%、C类 50%、D类 100%；全市不低于 25%；县区人员不检查本县区企业' },
          {
            heading: '抽取总体',
            text: '有效期内获证企业 **582** 家（另有18家许可证已到期，不参加抽取）；按比例抽取 **168** 家（全市比例要求 146 家）。',
            table: {
              pageSize: 8,
              columns: [
                { name: 'stratum', title: '层（类别×风险）' },
                { name: 'size', title: '企业数' },
                { name: 'count', title: '抽取数' },
              ],
              rows: [
                { stratum: '工业产品·A', size: '221', count: '45' },
                { stratum: '工业产品·B', size: '122', count: '31' },
                { stratum: '工业产品·C', size: '46', count: '23' },
                { stratum: '工业产品·D', size: '17', count: '17' },
                { stratum: '食品相关产品·A', size: '98', count: '20' },
                { stratum: '食品相关产品·B', size: '52', count: '13' },
                { stratum: '食品相关产品·C', size: '19', count: '10' },
                { stratum: '食品相关产品·D', size: '7', count: '7' },
              ],
            },
          },
          { heading: '可核验', text: '总体名单哈希（SHA-256）：\n`9f2c4e0b7a51d3c8e6f1a2b4c5d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9`\n种子来源：联络员提供的公开随机数 **2026031503**' },
        ],
        note: '确认后立即随机抽取企业、随机匹配检查组并派发任务；抽取与确认均记入防篡改日志。',
        buttons: [
          { text: '确认抽取', type: 'primary', value: { a: 'draw.confirm', draw: '665f1b00b4d0e8a1c9f3a001' } },
          { text: '取消', type: 'default', value: { a: 'draw.cancel', draw: '665f1b00b4d0e8a1c9f3a001' } },
        ],
      },
    },
    {
      name: '县区检查任务（分页表格、接收）',
      view: {
        title: '永济市 · 检查任务（第1次抽取）',
        color: 'blue',
        sections: [
          {
            text: '**2026年工业产品生产许可证获证企业“双随机、一公开”监督检查**（2026-03-15 至 2026-10-31）\n本县区抽中 **12** 家企业。请及时接收检查对象，做好检查前准备，确保执法监管人员在岗。',
            table: {
              pageSize: 10,
              columns: [
                { name: 'no', title: '序号' },
                { name: 'name', title: '企业名称' },
                { name: 'licence', title: '许可证编号' },
                { name: 'leader', title: '组长' },
                { name: 'state', title: '状态' },
              ],
              rows: Array.from({ length: 12 }, (_, i) => ({
                no: String(i * 7 + 3),
                name: ['永济市晋南食品包装有限公司（示例）', '永济市恒达电缆有限公司（示例）', '永济市华源化工有限公司（示例）'][i % 3]!,
                licence: `（晋）XK${['16-204', '06-001', '13-014'][i % 3]}-${String(456 + i * 31).padStart(5, '0')}`,
                leader: ['王建国', '柴志强', '裴晓明'][i % 3]!,
                state: '待接收',
              })),
            },
          },
        ],
        buttons: [{ text: '接收', type: 'primary', value: { a: 'draw.receive', draw: '665f1b00b4d0e8a1c9f3a001', county: '永济市' } }],
      },
    },
    {
      name: '进度（红色数字、备注）',
      view: {
        title: '检查进度 · 全市',
        color: 'wathet',
        sections: [
          { text: "共 **168** 项任务：已完成 **61**，检查中 **23**，待检查 **84**；逾期未公示 <font color='red'>**3**</font>。" },
          {
            heading: '各县区',
            text: '按县区统计：',
            table: {
              pageSize: 5,
              columns: [
                { name: 'county', title: '县区' },
                { name: 'done', title: '已完成' },
                { name: 'total', title: '任务' },
              ],
              rows: [
                { county: '盐湖区', done: '12', total: '27' },
                { county: '永济市', done: '5', total: '12' },
                { county: '河津市', done: '9', total: '17' },
                { county: '新绛县', done: '4', total: '10' },
                { county: '运城开发区', done: '8', total: '15' },
                { county: '临猗县', done: '3', total: '9' },
              ],
            },
          },
        ],
        note: '数据截至 2026-06-18 09:00；每个工作日 9:00 推送一次。',
      },
    },
  ],
  checklistItem: [
    {
      name: '第5项（带当前结论、导航）',
      view: {
        summary: `${ENTERPRISE} 5/9`,
        title: `${CHECKLISTS.industrial.form} ${CHECKLISTS.industrial.title}`,
        subtitle: ENTERPRISE,
        color: 'blue',
        heading: IMSG.itemHeading(5, 9, 5),
        content: items[4]!.content,
        current: IMSG.currentAnswer('符合', '李明', '2026-06-18 10:42'),
        photos: IMSG.itemPhotos(2),
        recordLabel: IMSG.recordLabel,
        placeholder: IMSG.recordPlaceholder,
        ok: { a: 'insp.answer', task: TASK, item: 5, v: 12, verdict: '符合' },
        ng: { a: 'insp.answer', task: TASK, item: 5, v: 12, verdict: '不符合' },
        nav: [
          { text: IMSG.back, type: 'default', value: { a: 'insp.back', task: TASK, item: 5, v: 12 } },
          { text: IMSG.forward, type: 'default', value: { a: 'insp.next', task: TASK, item: 5, v: 12 } },
        ],
        hint: IMSG.itemHint,
      },
    },
    {
      name: '第1项（保留的检查记录）',
      view: {
        summary: `${ENTERPRISE} 1/9`,
        title: `${CHECKLISTS.industrial.form} ${CHECKLISTS.industrial.title}`,
        subtitle: ENTERPRISE,
        color: 'blue',
        heading: IMSG.itemHeading(1, 9, 0),
        content: items[0]!.content,
        recordLabel: IMSG.recordLabel,
        placeholder: IMSG.recordPlaceholder,
        recordDefault: '营业执照在有效期内，许可证载明信息与实际一致',
        ok: { a: 'insp.answer', task: TASK, item: 1, v: 3, verdict: '符合' },
        ng: { a: 'insp.answer', task: TASK, item: 1, v: 3, verdict: '不符合' },
        nav: [],
        hint: IMSG.itemHint,
      },
    },
  ],
  inspectionRecord: [
    {
      name: '汇总（修改、企业代表、整改期限、提交）',
      view: {
        summary: `${ENTERPRISE} 待提交`,
        title: '检查记录 · 待提交',
        subtitle: ENTERPRISE,
        color: 'blue',
        intro: IMSG.summaryIntroDone(9, '发现问题', 1),
        items: items.map((it) => ({
          text: [IMSG.itemLine(it.no, it.no === 5 ? '不符合' : '符合', it.content.slice(0, 40)), ...(it.no === 5 ? [IMSG.itemRecord('成品库部分产品未标注生产许可证编号')] : [])].join('\n'),
          button: { text: IMSG.edit, type: 'default', value: { a: 'insp.edit', task: TASK, item: it.no, v: 14 } },
        })),
        photos: [IMSG.photosHeading(2), IMSG.photoLine(IMSG.photoWhereItem(3), '李明', '2026-06-18 10:31'), IMSG.photoLine(IMSG.photoWhereAll, '王建国', '2026-06-18 11:02')].join('\n'),
        submitForm: { days: '15', value: { a: 'insp.submit', task: TASK, v: 14 } },
        note: IMSG.summaryNote,
      },
    },
    {
      name: '待签字（确认签字、重新打开）',
      view: {
        summary: `${ENTERPRISE} 待签字`,
        title: '检查记录 · 待签字',
        subtitle: ENTERPRISE,
        color: 'wathet',
        intro: `${IMSG.signRequest}\n${IMSG.recordState('待签字', '发现问题')}\n${IMSG.recordMeta('孙经理', '2026-06-18', '李明')}`,
        items: items.map((it) => ({ text: IMSG.itemLine(it.no, it.no === 5 ? '不符合' : '符合', it.content.slice(0, 40)) })),
        status: [IMSG.signaturesHeading(1, 3), IMSG.signedLine('李明', '执法人员', '2026-06-18 11:20'), IMSG.unsignedLine('王建国', '组长'), IMSG.unsignedLine('张华', '专家')].join('\n'),
        signForm: { days: '15', value: { a: 'insp.sign', task: TASK, round: 1 } },
        reopenForm: { value: { a: 'insp.reopen', task: TASK, round: 1 } },
        note: IMSG.noteSigning,
      },
    },
  ],
  rectificationNotice: [
    {
      name: '意见汇总表（附件1）',
      view: {
        summary: `${OPINION_SHEET_TITLE}：${ENTERPRISE}`,
        title: IMSG.noticeTitle,
        subtitle: ENTERPRISE,
        heading: `**${OPINION_SHEET_TITLE}**`,
        fields: IMSG.noticeFields(ENTERPRISE, '电线电缆', '（晋）XK06-001-00123', '2023-05-10 至 2028-05-09'),
        intro: '经检查，你单位存在以下问题：',
        items: [IMSG.noticeItem(1, '成品库部分产品未标注生产许可证编号', 5, items[4]!.content.slice(0, 40))],
        closing: `请于 15 日内完成上述问题整改，整改结果报当地市场监督管理部门。\n${IMSG.noticeDeadline('2026-07-09')}`,
        signatures: IMSG.noticeSignatures(
          [IMSG.noticeSigner('李明', '执法人员', '2026-06-18'), IMSG.noticeSigner('王建国', '组长', '2026-06-18'), IMSG.noticeSigner('张华', '专家', '2026-06-18')].join('、'),
          '孙经理',
          '2026-06-18',
        ),
        buttons: [{ text: IMSG.viewRecord, type: 'default', value: { a: 'insp.start', task: TASK } }],
        note: '本表一式两份，企业与检查组各执一份。',
      },
    },
  ],
  tasksList: [
    {
      name: '我的检查任务',
      view: {
        title: IMSG.tasksTitle,
        intro: IMSG.tasksIntro(3, 3),
        rows: [
          { text: IMSG.taskRow(ENTERPRISE, '检查中 5/9', '附件3', '组长'), button: { text: IMSG.resume, type: 'primary', value: { a: 'insp.start', task: TASK } } },
          { text: IMSG.taskRow('河津市宏源化工有限公司（示例）', '待签字', '附件3', '组长'), button: { text: IMSG.goSign, type: 'primary', value: { a: 'insp.start', task: '665f1c2ab4d0e8a1c9f3a7d3' } } },
          {
            text: IMSG.taskRow('新绛县嘉禾塑料制品有限公司（示例）', '待整改', '附件4', '组长') + IMSG.taskDeadline('2026-07-09') + FMSG.taskDue('2026-07-16'),
            button: { text: IMSG.view, type: 'default', value: { a: 'insp.start', task: '665f1c2ab4d0e8a1c9f3a7d4' } },
          },
        ],
        note: IMSG.tasksNote,
      },
    },
  ],
  followupTask: [
    {
      name: '待整改：整改确认单（附件2）与登记公示',
      view: {
        summary: `${FMSG.titleToRectify}：${ENTERPRISE}`,
        title: FMSG.titleToRectify,
        subtitle: ENTERPRISE,
        color: 'orange',
        banner: FMSG.bannerToRectify,
        facts: [FMSG.factResult('发现问题', 1, '待整改'), FMSG.factCompletion('2026-06-18'), FMSG.factRectification('2026-07-09', 15), FMSG.factDue('2026-07-16', FMSG.statusBefore(18))].join('\n'),
        sections: [[FMSG.itemsHeading, FMSG.itemLine(1, '成品库部分产品未标注生产许可证编号', 5)].join('\n')],
        rectifyForm: {
          heading: FMSG.rectifyHeading,
          items: [{ issue: FMSG.rectifyIssue(1, '成品库部分产品未标注生产许可证编号'), name: 'done_1', statusName: 'status_1', label: FMSG.rectifyDoneLabel(1) }],
          placeholder: FMSG.rectifyDonePlaceholder,
          statusPlaceholder: FMSG.rectifyStatusPlaceholder,
          opinionLabel: FMSG.rectifyOpinionLabel,
          opinion: '企业已按意见汇总表完成整改，经现场核实符合要求。',
          button: FMSG.rectifyButton,
          confirmTitle: FMSG.rectifyConfirmTitle,
          confirmText: FMSG.rectifyConfirmText,
          value: { a: 'fu.confirm', task: TASK, v: 18 },
        },
        publishForm: {
          name: 'publish_form',
          intro: FMSG.publishIntro('发现问题待后续处理'),
          dateLabel: FMSG.publishDateLabel,
          datePlaceholder: FMSG.datePlaceholder,
          referenceLabel: FMSG.referenceLabel,
          referencePlaceholder: FMSG.referencePlaceholder,
          button: FMSG.publishButton,
          buttonName: 'btn_publish',
          confirm: { title: FMSG.publishEarlyTitle, text: FMSG.publishEarlyText },
          value: { a: 'fu.publish', task: TASK, v: 18 },
        },
        note: FMSG.notePending,
      },
    },
    {
      name: '已公示（附件2 表格）',
      view: {
        summary: `${FMSG.titlePublished}：${ENTERPRISE}`,
        title: FMSG.titlePublished,
        subtitle: ENTERPRISE,
        color: 'turquoise',
        banner: FMSG.bannerPublished('刘晓明', '2026-07-14', '发现问题经责令已改正'),
        facts: [FMSG.factResult('发现问题', 1, '已公示'), FMSG.factCompletion('2026-06-18'), FMSG.factDuePublished('2026-07-16')].join('\n'),
        sections: [[FMSG.pubHeading, FMSG.pubDate('2026-07-14', '2026-07-16', 0), FMSG.pubResult('发现问题经责令已改正'), FMSG.pubBy('刘晓明'), FMSG.pubReference('国家企业信用信息公示系统')].join('\n')],
        confirmText: [FMSG.confirmHeading, FMSG.confirmOpinion('企业已按意见汇总表完成整改，经现场核实符合要求。'), FMSG.confirmBy('刘晓明', '永济市市场监管局', '2026-07-10')].join('\n'),
        confirmTable: {
          pageSize: 5,
          columns: [
            { name: 'no', title: '序号' },
            { name: 'issue', title: '需整改问题' },
            { name: 'done', title: '完成整改情况' },
          ],
          rows: [{ no: '1', issue: '成品库部分产品未标注生产许可证编号', done: '已在全部成品及合格证上补标生产许可证编号，现场核实无误' }],
        },
        note: FMSG.notePublished,
      },
    },
  ],
  closure: [
    {
      name: '无法正常检查：登记（带证据）',
      view: {
        summary: `${CMSG.titleDraft}：${ENTERPRISE}`,
        title: CMSG.titleDraft,
        subtitle: ENTERPRISE,
        color: 'yellow',
        banner: CMSG.intro,
        facts: CMSG.facts(ENTERPRISE, '永济市', 'XK06-001-00123', '永济市城西工业园区 8 号'),
        evidence: [CMSG.evidenceHeading(1, 1), CMSG.evidenceLine(CMSG.evidencePhoto, '王建国', '2026-05-06 10:12'), CMSG.evidenceLine(CMSG.evidenceFile('注销证明.pdf'), '王建国', '2026-05-06 10:20')].join('\n'),
        draftForm: {
          options: CLOSURE_RESULTS.map((r) => ({ text: r.hint ? `${r.label}（${r.hint}）` : r.label, value: r.code })),
          placeholder: CMSG.placeholder,
          button: CMSG.submit,
          confirmTitle: CMSG.submitConfirmTitle,
          confirmText: CMSG.submitConfirmText,
          value: { a: 'close.submit', task: TASK },
        },
        buttons: [
          { text: CMSG.back, type: 'default', value: { a: 'insp.start', task: TASK } },
          { text: CMSG.cancel, type: 'danger', value: { a: 'close.cancel', task: TASK } },
        ],
        note: CMSG.noteDraft,
      },
    },
    {
      name: '无法正常检查：待组长确认',
      view: {
        summary: `${CMSG.titleProposed}：${ENTERPRISE}`,
        title: CMSG.titleProposed,
        subtitle: ENTERPRISE,
        color: 'orange',
        banner: CMSG.askBanner('王建国'),
        facts: [
          CMSG.facts(ENTERPRISE, '永济市', 'XK06-001-00123', '永济市城西工业园区 8 号'),
          CMSG.reason('通过登记的住所（经营场所）无法联系'),
          CMSG.note('5月6日上午到登记地址，厂房已出租给他人，电话无人接听'),
          CMSG.proposedBy('王建国', '2026-05-06 10:25'),
        ].join('\n'),
        evidence: [CMSG.evidenceHeading(2, 0), CMSG.evidenceLine(CMSG.evidencePhoto, '王建国', '2026-05-06 10:12')].join('\n'),
        decideForm: { confirm: { a: 'close.confirm', task: TASK }, return: { a: 'close.return', task: TASK }, confirmText: CMSG.decideConfirmText },
        buttons: [],
        note: CMSG.noteProposed,
      },
    },
  ],
  reasonForm: [
    {
      name: '检查时间外开始（组长）',
      view: {
        title: IMSG.windowTitle,
        subtitle: ENTERPRISE,
        color: 'orange',
        paragraphs: [IMSG.windowText('2026-03-15', '2026-10-31'), IMSG.windowLeader],
        form: {
          name: 'window_form',
          input: 'window_reason',
          label: IMSG.windowReasonLabel,
          placeholder: IMSG.windowReasonPlaceholder,
          maxLength: 200,
          button: IMSG.windowButton,
          value: { a: 'insp.start', task: TASK },
        },
        buttons: [{ text: IMSG.closeButton, type: 'default', value: { a: 'close.open', task: TASK } }],
        note: IMSG.windowNote,
      },
    },
    {
      name: '监管平台抽取结果预览（替换已有抽取，须填写理由）',
      view: {
        title: '导入预览 · 监管平台抽取结果',
        color: 'orange',
        paragraphs: [
          '文件：**2026年抽查结果.xlsx**（38.2 KB）\n专项：**2026年工业产品生产许可证获证企业“双随机、一公开”监督检查（示例）**（2026-03-15 至 2026-10-31）\n' +
            '共读取 **152** 行：匹配企业 **152** 家，组成 **152** 个检查组（涉及检查人员 61 人）；有问题 **0** 处，提示 2 处。试运行，尚未写入。',
          '**各县区匹配的企业**\n临猗县 9 家、万荣县 6 家、垣曲县 4 家、夏县 6 家、新绛县 10 家、永济市 14 家、河津市 17 家、盐湖区 27 家',
          '**提示（共 2 处，不影响导入）**\n- 第12行：企业名称与名录库不同：文件为“运城市瑞丰电缆厂”，名录库为“运城市瑞丰电缆有限公司（示例）”（按统一社会信用代码匹配，以名录库为准）\n' +
            '- 第40行：检查组只有1名执法人员（执法检查应有两名以上执法人员）',
          '**确认导入后**\n作为来源为“平台”的抽取（第2次抽取）记入本专项的防篡改抽取日志（文件 SHA-256 3f1c9a0b7e2d4c11…、导入人、抽中企业和检查组的哈希），' +
            '并与 /抽取 一样派发。\n⚠️ 本专项已有第1次抽取（来源：系统随机抽取），确认导入即重新抽取：第1次抽取中尚未开始的 150 项任务作废，并通知相关人员。请在下面填写理由。',
        ],
        form: {
          name: 'platform_form',
          input: 'redraw_reason',
          label: PLATFORM_MSG.reasonLabel,
          placeholder: PLATFORM_MSG.reasonPlaceholder,
          maxLength: 200,
          button: PLATFORM_MSG.confirm,
          value: { a: 'platform.import', u: TASK, s: '3f1c9a0b7e2d4c11' },
        },
        buttons: [{ text: PLATFORM_MSG.cancel, type: 'default', value: { a: 'setup.cancel', u: TASK } }],
        note: '企业按统一社会信用代码匹配检查对象名录库，检查人员按姓名匹配人员名录。本次抽取的随机性来自国家“双随机、一公开”监管平台，本系统无法复算。',
      },
    },
  ],
  drawPreview: [
    {
      name: '抽取预览（锁定公开来源）',
      view: {
        title: '抽取预览 · 第1次抽取',
        color: 'blue',
        sections: [
          {
            text:
              '**2026年工业产品生产许可证获证企业“双随机、一公开”监督检查（示例）**（2026-03-15 至 2026-10-31）\n' +
              '抽查比例：A类 20%、B类 25%、C类 50%、D类 100%；全市不低于 25%；每组由市局组长和县区执法人员组成（市、县两级）',
          },
          {
            heading: '抽取总体',
            text: '有效期内获证企业 **600** 家（另有3家许可证已到期或无效，不参加抽取）；按比例抽取 **163** 家（全市比例要求 150 家）。',
            table: {
              pageSize: 8,
              columns: [
                { name: 'stratum', title: '层（类别×风险）' },
                { name: 'size', title: '企业数' },
                { name: 'count', title: '抽取数' },
              ],
              rows: [
                { stratum: '工业产品 · A', size: '210', count: '42' },
                { stratum: '工业产品 · B', size: '180', count: '45' },
                { stratum: '食品相关产品 · C', size: '40', count: '20' },
              ],
            },
          },
          {
            heading: '承诺（已记入抽取日志，可核验）',
            text:
              '总体名单哈希：`3f5e0c2a…`\n人员名录哈希：`a91d44b0…`\n承诺哈希：`7c0be2f1…`\n' +
              '系统已生成一个保密的随机值并只记录了它的哈希；确认时公开该随机值。',
          },
          { heading: '种子', text: '种子来源（已在日志中锁定）：中国福利彩票 3D 第2026065期开奖号码（3位数字）。开奖之后在下方填写开奖号码，再点击“确认抽取”；开奖之前确认会被拒绝。' },
        ],
        seedLabel: '开奖号码（3位数字）',
        seedPlaceholder: '开奖后填写，例如 000',
        confirm: { a: 'draw.confirm', draw: TASK },
        buttons: [{ text: '取消', type: 'default', value: { a: 'draw.cancel', draw: TASK } }],
        note: '确认后立即随机抽取企业、随机匹配检查组并派发任务；预览、确认、取消和作废都记入防篡改的抽取日志。',
      },
    },
  ],
};

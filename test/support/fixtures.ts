/**
 * Inspection fixtures: staff and tasks written straight into the database (as the draw would leave them), so the
 * checklist tests do not depend on the draw.
 */
import { Types, type Connection } from 'mongoose';
import type { ChecklistKind } from '../../src/domain/checklists';
import type { Answer, InspectionRecord } from '../../src/domain/inspection';
import type { Enterprise } from '../../src/domain/types';
import { staffModel, type StaffMember } from '../../src/store/staff';
import { taskModel, type TaskDoc, type TaskState, type TeamSlot } from '../../src/store/task';
import { renderCard } from '../../src/bot/cards';
import type { Harness } from './harness';
import { cardText, findButtons, type ButtonInfo, type ClickResult } from '../../src/sandbox/client';
import type { JsonObject } from '../../src/sandbox/emulator';

export interface Person {
  openId: string;
  name: string;
  roles: StaffMember['roles'];
  unit: string;
  county: string;
}

export const PEOPLE = {
  leader: { openId: 'ou_leader000000000000000000000001', name: '王建国', roles: ['组长'], unit: '运城市市场监督管理局', county: '市局' },
  officer: { openId: 'ou_officer00000000000000000000001', name: '李明', roles: ['执法人员'], unit: '盐湖区市场监督管理局', county: '盐湖区' },
  expert: { openId: 'ou_expert000000000000000000000001', name: '张华', roles: ['专家'], unit: '运城市产品质量检验检测中心', county: '市局' },
  officer2: { openId: 'ou_officer00000000000000000000002', name: '陈静', roles: ['执法人员'], unit: '永济市市场监督管理局', county: '永济市' },
  liaison: { openId: 'ou_liaison000000000000000000000y1', name: '赵丽', roles: ['联络员'], unit: '永济市市场监督管理局', county: '永济市' },
  cityLiaison: { openId: 'ou_liaison000000000000000000000c1', name: '许小颖', roles: ['联络员'], unit: '运城市市场监督管理局', county: '市局' },
  stranger: { openId: 'ou_stranger0000000000000000000001', name: '路人甲', roles: ['执法人员'], unit: '夏县市场监督管理局', county: '夏县' },
} satisfies Record<string, Person>;

export async function registerStaff(conn: Connection, people: readonly Person[] = Object.values(PEOPLE)): Promise<void> {
  const staff = staffModel(conn);
  for (const p of people) {
    await staff.updateOne({ openId: p.openId }, { $set: { ...p, avoid: [] } }, { upsert: true });
  }
}

export function slot(p: Person, role: TeamSlot['role'] = p.roles[0] as TeamSlot['role']): TeamSlot {
  return { openId: p.openId, name: p.name, role, unit: p.unit, county: p.county };
}

/** The usual team: 组长 (city), 执法人员 (county), 专家. */
export const TEAM: TeamSlot[] = [slot(PEOPLE.leader), slot(PEOPLE.officer), slot(PEOPLE.expert)];

export function enterprise(kind: ChecklistKind, overrides: Partial<Enterprise> = {}): Enterprise {
  const industrial = kind === 'industrial';
  return {
    uscc: industrial ? '91140800MA0K000001' : '91140800MA0K000002',
    name: industrial ? '运城市河东电线电缆有限公司' : '永济市晋南食品包装有限公司',
    licenceNo: industrial ? '晋XK06-001-00123' : '晋XK16-204-00456',
    product: industrial ? '电线电缆' : '食品用塑料包装容器工具等制品',
    category: industrial ? '工业产品' : '食品相关产品',
    validFrom: '2021-06-01',
    validTo: '2026-05-31',
    county: '永济市',
    address: '永济市城西街道工业园区8号',
    riskClass: 'B',
    contact: '孙经理',
    phone: '0359-8000000',
    ...overrides,
  };
}

/** A checklist record submitted by `by` at `at` with these answers (round 1, 企业代表 孙经理); `rest` sets the remainder. */
export function submittedRecord(answers: Answer[], by: string, at: Date, rest: Partial<InspectionRecord>): InspectionRecord {
  return {
    startedAt: at,
    startedBy: by,
    startedBeforeReceipt: false,
    cursor: 10,
    answers,
    history: [],
    photos: [],
    round: 1,
    representative: '孙经理',
    submittedAt: at,
    submittedBy: by,
    signatures: [],
    reopens: [],
    ...rest,
  };
}

let counter = 0;

export async function createTask(
  conn: Connection,
  opts: { kind?: ChecklistKind; state?: TaskState; team?: TeamSlot[]; enterprise?: Partial<Enterprise> } = {},
): Promise<TaskDoc> {
  const kind = opts.kind ?? 'industrial';
  counter += 1;
  const created = await taskModel(conn).create({
    campaignId: new Types.ObjectId(),
    drawId: new Types.ObjectId(),
    no: counter,
    enterprise: enterprise(kind, opts.enterprise),
    checklist: kind,
    team: opts.team ?? TEAM,
    state: opts.state ?? '待检查',
    version: 0,
  });
  return created.toObject() as TaskDoc;
}

export async function readTask(conn: Connection, id: Types.ObjectId | string): Promise<TaskDoc> {
  const task = await taskModel(conn).findById(id).lean<TaskDoc>();
  if (!task) throw new Error(`task ${String(id)} not found`);
  return task;
}

// ---- driving the chat (integration tests) ------------------------------------------------------------------

export type Card = JsonObject;

export function inspectionDriver(h: Harness) {
  const d = {
    /** The user sends /我的任务; resolves with the reply card. */
    async myTasks(openId: string): Promise<Card> {
      const sent = await h.feishu.sendText(openId, '/我的任务');
      const reply = await h.emulator.waitFor((m) => m.root === sent.messageId);
      return reply.current;
    },

    /** An assignment card like the draw sends (its 开始检查 value is the contract between the two issues). */
    async assignmentCard(openId: string, task: TaskDoc): Promise<Card> {
      const key = `test:assignment:${String(task._id)}:${openId}`;
      await h.service.outbox.sendCard(
        key,
        { openId },
        renderCard('message', {
          title: '检查任务',
          color: 'blue',
          paragraphs: [`**${task.enterprise.name}**`],
          buttons: [{ text: '开始检查', type: 'primary', value: { a: 'insp.start', task: String(task._id) } }],
        }),
      );
      const msg = await h.emulator.waitFor((m) => m.receive_id === openId && cardText(m.current).includes(task.enterprise.name) && cardText(m.current).includes('检查任务'));
      return msg.current;
    },

    /** Clicks and fails the test on anything the Feishu client would refuse. */
    async click(openId: string, card: Card, button: string | ((b: ButtonInfo) => boolean), formValues?: Record<string, string>): Promise<ClickResult> {
      const res = await h.feishu.clickButton(openId, card, button, formValues ? { formValues } : {});
      if (res.clientError) throw new Error(`client error ${res.clientError.code}: ${res.clientError.msg}`);
      if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
      return res;
    },

    /** /我的任务 → the button of this task. */
    async open(openId: string, task: TaskDoc): Promise<ClickResult> {
      const list = await d.myTasks(openId);
      return d.click(openId, list, (b) => (b.value as { task?: string } | undefined)?.task === String(task._id));
    },

    /** The first card sent to `openId` (not a reply) whose text contains every one of `texts`, once it arrives. */
    async cardTo(openId: string, ...texts: string[]): Promise<Card> {
      const msg = await h.emulator.waitFor((m) => {
        if (m.receive_id !== openId || m.root !== undefined) return false;
        const text = cardText(m.content);
        return texts.every((t) => text.includes(t));
      });
      return msg.current;
    },

    buttons(card: unknown): string[] {
      return findButtons(card).map((b) => b.text);
    },
  };
  return d;
}

import { Schema, type Connection, type Model, type Types } from 'mongoose';
import type { ChecklistKind } from '../domain/checklists';
import type { Enterprise } from '../domain/types';
import type { InspectionRecord } from '../domain/inspection';

/**
 * One inspection task: a drawn enterprise, its team, and (issue 4) the checklist record.
 * States, in order: 待接收 (the county has not received it) → 待检查 → 检查中 → 待签字 → 待公示 / 待整改 → 已公示;
 * 已作废 when a redraw superseded the draw it came from. 待确认: the team recorded that the firm could not be
 * inspected (无法正常检查, `closure`) and the 组长 has yet to confirm; confirmed, the task goes to 待公示.
 */
export const TASK_STATES = ['待接收', '待检查', '检查中', '待签字', '待确认', '待公示', '待整改', '已公示', '已作废'] as const;
export type TaskState = (typeof TASK_STATES)[number];

export type TeamRoleName = '组长' | '执法人员' | '专家';

export interface TeamSlot {
  openId: string;
  name: string;
  role: TeamRoleName;
  unit: string;
  county: string;
}

/** A member of the drawn team replaced by the 市局联络员 (/换人, operations/teamChange.ts): who for whom, why, by whom. */
export interface TeamChange {
  role: TeamRoleName;
  from: { openId: string; name: string };
  to: { openId: string; name: string };
  reason: string;
  by: string;
  byName: string;
  at: Date;
}

export interface Receipt {
  openId: string;
  name: string;
  at: Date;
}

export interface Task {
  campaignId: Types.ObjectId;
  drawId: Types.ObjectId;
  /** the draw's selection number (第n号) */
  no: number;
  enterprise: Enterprise;
  checklist: ChecklistKind;
  team: TeamSlot[];
  state: TaskState;
  /** the county liaison who received the task (双随机 dispatch: counties receive their inspection objects) */
  received?: Receipt;
  /** optimistic-concurrency counter of the checklist record; every change increments it */
  version: number;
  /**
   * the revision of the campaign's extra checklists this task was last told of (absent: 0). It follows the campaign's
   * `extrasRev` (operations/checklists/extrasRevision.ts), so that 开始检查 can write with a copy of the lists kept in
   * memory and check on the task itself that the copy is current (operations/inspection/startCache.ts)
   */
  extrasRev?: number;
  /** issue 4: the checklist record (absent until someone presses 开始检查); see domain/inspection.ts */
  inspection?: InspectionRecord;
  /** the county's on-site confirmation of the rectification (附件2), when there were findings */
  rectificationCheck?: RectificationCheck;
  /** publication of the result (一公开): due 20 working days after the completion date */
  publication?: Publication;
  /** 无法正常检查: why the firm could not be inspected, with the evidence and the 组长's confirmation */
  closure?: Closure;
  /** what the county did about the findings when it is not (only) 责令改正: a case opened (立案) or a transfer (移交) */
  disposal?: Disposal;
  /** what the next picture a member sends is for (open id → purpose): closure evidence or the signed paper (签字页) */
  photoIntent?: Record<string, PhotoIntent>;
  /** members replaced after the draw, in order (the draw's bundle keeps the team as drawn) */
  teamChanges?: TeamChange[];
  createdAt: Date;
  updatedAt: Date;
}

export type TaskDoc = Task & { _id: Types.ObjectId };

/** 附件2 整改结果确认单: one line per rectification item, confirmed on site by the county. */
export interface RectificationCheck {
  items: { no: number; issue: string; done: string }[];
  /** 对整改完成情况的确认意见 */
  opinion: string;
  confirmedBy: string;
  confirmedByName: string;
  confirmedAt: Date;
  /** YYYY-MM-DD (Asia/Shanghai) */
  confirmedOn: string;
  /** the confirmer's 单位 (附件2: “XX 市场监督管理局（盖章）”) */
  confirmedByUnit?: string;
}

/** A picture or a document a member sent to the bot as evidence. */
export interface Evidence {
  kind: 'image' | 'file';
  /** Feishu image_key or file_key */
  key: string;
  /** file name (documents) */
  name?: string;
  messageId: string;
  by: string;
  byName: string;
  at: Date;
}

export const CLOSURE_STATUSES = ['draft', 'proposed', 'confirmed'] as const;
export type ClosureStatus = (typeof CLOSURE_STATUSES)[number];

/** 无法正常检查 (see operations/closure/README.md). */
export interface Closure {
  status: ClosureStatus;
  /** the result dictionary code chosen (domain/results.ts); absent while a draft */
  code?: string;
  /** its label, as it will be published */
  result?: string;
  /** 情况说明 */
  note?: string;
  evidence: Evidence[];
  /** the state the task was in when the form was opened (a return or a cancel goes back to it) */
  fromState: TaskState;
  openedBy: string;
  openedAt: Date;
  proposedBy?: string;
  proposedByName?: string;
  proposedAt?: Date;
  confirmedBy?: string;
  confirmedByName?: string;
  confirmedAt?: Date;
  /** YYYY-MM-DD (Asia/Shanghai): the day the 组长 confirmed: the completion date (the 20-working-day clock) */
  confirmedOn?: string;
  /** proposals the 组长 sent back, with the reason */
  returns: { by: string; byName: string; at: Date; reason: string }[];
}

export const DISPOSAL_KINDS = ['立案', '移交'] as const;
export type DisposalKind = (typeof DISPOSAL_KINDS)[number];

/** 发现问题的后续处置 other than 责令改正 (the 附件1/附件2 path). */
export interface Disposal {
  kind: DisposalKind;
  /** 立案: the case number and the date the case was opened (YYYY-MM-DD) */
  caseNo?: string;
  caseDate?: string;
  /** 移交: to whom */
  transferTo?: string;
  note?: string;
  by: string;
  byName: string;
  at: Date;
  /** YYYY-MM-DD (Asia/Shanghai) when recorded */
  on: string;
}

export interface PhotoIntent {
  purpose: 'closure' | 'signature';
  at: Date;
  /** the intent lapses after this time */
  until: Date;
}

export interface Publication {
  /**
   * YYYY-MM-DD: addWorkingDays(completionDate, 20). '' while the official calendar has no data for a year the
   * count needs (then `dueNote` says why, in Chinese); the reminders job fills it in once the calendar is updated.
   */
  dueDate: string;
  /** why the due date is unknown (calendar data missing), with a Monday–Friday estimate; absent when known */
  dueNote?: string;
  /** YYYY-MM-DD when the result was published (录入并公示), set with `publishedBy` */
  publishedOn?: string;
  publishedAt?: Date;
  publishedBy?: string;
  publishedByName?: string;
  /** where it was published (e.g. the 国家企业信用信息公示系统 entry), as the publisher wrote it */
  reference?: string;
  /** the result label published, e.g. 未发现问题 / 发现问题经责令已改正 */
  result?: string;
  /** a publication as 发现问题待后续处理 updated to 发现问题经责令已改正 after the rectification was confirmed */
  amended?: PublicationAmendment;
}

export interface PublicationAmendment {
  /** the result label published before */
  from: string;
  /** YYYY-MM-DD when the published result was updated */
  on: string;
  at: Date;
  by: string;
  byName: string;
  reference?: string;
}

const slotSchema = new Schema<TeamSlot>(
  {
    openId: { type: String, required: true },
    name: { type: String, required: true },
    role: { type: String, required: true, enum: ['组长', '执法人员', '专家'] },
    unit: { type: String, required: true },
    county: { type: String, required: true },
  },
  { _id: false },
);

const enterpriseSchema = new Schema<Enterprise>(
  {
    uscc: { type: String, required: true },
    name: { type: String, required: true },
    licenceNo: { type: String, required: true },
    product: { type: String, required: true },
    category: { type: String, required: true },
    validFrom: { type: String, required: true },
    validTo: { type: String, required: true },
    county: { type: String, required: true },
    address: { type: String, required: true },
    riskClass: { type: String, required: true },
    contact: String,
    phone: String,
  },
  { _id: false },
);

// ---- issue 4: the inspection record (checklist answers, history, photos, signatures, rectification) ----------
const answerFields = {
  item: { type: Number, required: true },
  verdict: { type: String, required: true, enum: ['符合', '不符合'] },
  record: { type: String, default: '' },
  by: { type: String, required: true },
  byName: { type: String, required: true },
  at: { type: Date, required: true },
};

const inspectionSchema = new Schema<InspectionRecord>(
  {
    startedAt: { type: Date, required: true },
    startedBy: { type: String, required: true },
    startedBeforeReceipt: { type: Boolean, default: false },
    startEventId: String,
    cursor: { type: Number, required: true },
    answers: { type: [new Schema(answerFields, { _id: false })], default: [] },
    history: {
      type: [
        new Schema(
          {
            ...answerFields,
            baseVersion: { type: Number, required: true },
            outcome: { type: String, required: true, enum: ['saved', 'stale'] },
            eventId: { type: String },
          },
          { _id: false },
        ),
      ],
      default: [],
    },
    photos: {
      type: [
        new Schema(
          {
            item: { type: Number, required: true },
            imageKey: { type: String, required: true },
            messageId: { type: String, required: true },
            by: { type: String, required: true },
            byName: { type: String, required: true },
            at: { type: Date, required: true },
          },
          { _id: false },
        ),
      ],
      default: [],
    },
    round: { type: Number, default: 0 },
    representative: String,
    submittedAt: Date,
    submittedBy: String,
    completionDate: String,
    signatures: {
      type: [new Schema({ openId: String, name: String, role: String, at: Date }, { _id: false })],
      default: [],
    },
    rectificationDays: Number,
    completedAt: Date,
    result: { type: String, enum: ['未发现问题', '发现问题'] },
    rectification: new Schema(
      {
        days: Number,
        issuedDate: String,
        deadline: String,
        items: { type: [new Schema({ no: Number, content: String, record: String }, { _id: false })], default: [] },
        setBy: String,
        recipients: { type: [String], default: [] },
      },
      { _id: false },
    ),
    reopens: {
      type: [
        new Schema(
          { by: String, byName: String, at: Date, reason: String, fromState: String, round: Number },
          { _id: false },
        ),
      ],
      default: [],
    },
    lastActive: { type: Map, of: Date },
    extras: {
      type: [
        new Schema(
          { name: String, items: { type: [new Schema({ no: Number, text: String }, { _id: false })], default: [] } },
          { _id: false },
        ),
      ],
      default: undefined,
    },
    signaturePages: {
      type: [new Schema({ kind: String, key: String, name: String, messageId: String, by: String, byName: String, at: Date }, { _id: false })],
      default: undefined,
    },
    outsideWindow: new Schema({ reason: String, by: String, byName: String, at: Date, from: String, to: String }, { _id: false }),
  },
  { _id: false },
);

const evidenceSchema = new Schema<Evidence>(
  {
    kind: { type: String, required: true, enum: ['image', 'file'] },
    key: { type: String, required: true },
    name: String,
    messageId: { type: String, required: true },
    by: { type: String, required: true },
    byName: { type: String, required: true },
    at: { type: Date, required: true },
  },
  { _id: false },
);

const closureSchema = new Schema<Closure>(
  {
    status: { type: String, required: true, enum: CLOSURE_STATUSES },
    code: String,
    result: String,
    note: String,
    evidence: { type: [evidenceSchema], default: [] },
    fromState: { type: String, required: true, enum: TASK_STATES },
    openedBy: { type: String, required: true },
    openedAt: { type: Date, required: true },
    proposedBy: String,
    proposedByName: String,
    proposedAt: Date,
    confirmedBy: String,
    confirmedByName: String,
    confirmedAt: Date,
    confirmedOn: String,
    returns: { type: [new Schema({ by: String, byName: String, at: Date, reason: String }, { _id: false })], default: [] },
  },
  { _id: false },
);

const disposalSchema = new Schema<Disposal>(
  {
    kind: { type: String, required: true, enum: DISPOSAL_KINDS },
    caseNo: String,
    caseDate: String,
    transferTo: String,
    note: String,
    by: { type: String, required: true },
    byName: { type: String, required: true },
    at: { type: Date, required: true },
    on: { type: String, required: true },
  },
  { _id: false },
);

export const taskSchema = new Schema<Task>(
  {
    campaignId: { type: Schema.Types.ObjectId, required: true },
    drawId: { type: Schema.Types.ObjectId, required: true },
    no: { type: Number, required: true },
    enterprise: { type: enterpriseSchema, required: true },
    checklist: { type: String, required: true, enum: ['industrial', 'food'] },
    team: { type: [slotSchema], required: true },
    teamChanges: {
      type: [
        new Schema<TeamChange>(
          {
            role: { type: String, required: true },
            from: new Schema({ openId: String, name: String }, { _id: false }),
            to: new Schema({ openId: String, name: String }, { _id: false }),
            reason: { type: String, required: true },
            by: { type: String, required: true },
            byName: { type: String, required: true },
            at: { type: Date, required: true },
          },
          { _id: false },
        ),
      ],
      default: undefined,
    },
    state: { type: String, required: true, enum: TASK_STATES },
    received: new Schema<Receipt>({ openId: String, name: String, at: Date }, { _id: false }),
    version: { type: Number, required: true, default: 0 },
    extrasRev: { type: Number, min: 0 },
    inspection: { type: inspectionSchema, required: false },
    rectificationCheck: new Schema<RectificationCheck>(
      {
        items: [new Schema({ no: Number, issue: String, done: String }, { _id: false })],
        opinion: String,
        confirmedBy: String,
        confirmedByName: String,
        confirmedAt: Date,
        confirmedOn: String,
        confirmedByUnit: String,
      },
      { _id: false },
    ),
    publication: new Schema<Publication>(
      {
        // required unless the calendar could not compute it (then '' and a dueNote)
        dueDate: {
          type: String,
          required: function (this: Publication) {
            return !this.dueNote;
          },
        },
        dueNote: String,
        publishedOn: String,
        publishedAt: Date,
        publishedBy: String,
        publishedByName: String,
        reference: String,
        result: String,
        amended: new Schema<PublicationAmendment>(
          { from: String, on: String, at: Date, by: String, byName: String, reference: String },
          { _id: false },
        ),
      },
      { _id: false },
    ),
    closure: { type: closureSchema, required: false },
    disposal: { type: disposalSchema, required: false },
    photoIntent: { type: Map, of: new Schema<PhotoIntent>({ purpose: String, at: Date, until: Date }, { _id: false }) },
  },
  { timestamps: true, versionKey: false, collection: 'tasks' },
);
taskSchema.index({ drawId: 1, no: 1 }, { unique: true });
taskSchema.index({ 'team.openId': 1, state: 1 });
taskSchema.index({ campaignId: 1, 'enterprise.county': 1, state: 1 });

export function taskModel(conn: Connection): Model<Task> {
  return conn.models.Task ?? conn.model<Task>('Task', taskSchema);
}

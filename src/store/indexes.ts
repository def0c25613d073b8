/**
 * Start-up migration step: every model's indexes are built before the service takes traffic, and a failed build
 * stops it (docs/architecture.md "Database"). The unique indexes carry guarantees the draw rests on (one draw-log
 * entry per `seq`, one task per {drawId, no}, one confirmation per attempt, one active campaign per year, one
 * outbox entry per key); mongoose's background `autoIndex` would swallow a failed build and let the service run
 * without them, so connections are opened with `autoIndex: false` and the indexes are built here, one by one.
 */
import type { Connection, Model } from 'mongoose';
import type { Logger } from '../logger';
import { calendarYearModel } from './calendarYear';
import { campaignModel } from './campaign';
import { countyReportModel } from './countyReport';
import { drawChainModel, drawModel } from './draw';
import { enterpriseModel } from './enterprise';
import { extraChecklistModel } from './extraChecklist';
import { importLogModel } from './importLog';
import { jobRunModel } from './jobRun';
import { leaseModel } from './lease';
import { outboxFileChunkModel, outboxModel } from './outbox';
import { processedEventModel } from './processedEvents';
import { rateBudgetModel, targetLeaseModel } from './rateLimits';
import { setupUploadChunkModel, setupUploadModel } from './setupUpload';
import { staffModel } from './staff';
import { taskModel } from './task';

/** Every model of the service. A model missing here would run without its indexes (a test checks the list). */
export const MODEL_FACTORIES: readonly ((conn: Connection) => Model<never>)[] = [
  calendarYearModel,
  campaignModel,
  countyReportModel,
  drawModel,
  drawChainModel,
  enterpriseModel,
  extraChecklistModel,
  importLogModel,
  jobRunModel,
  leaseModel,
  outboxModel,
  outboxFileChunkModel,
  processedEventModel,
  rateBudgetModel,
  targetLeaseModel,
  setupUploadModel,
  setupUploadChunkModel,
  staffModel,
  taskModel,
] as unknown as ((conn: Connection) => Model<never>)[];

export class IndexBuildError extends Error {
  constructor(
    readonly model: string,
    readonly collection: string,
    readonly index: string,
    readonly failure: unknown,
  ) {
    const reason = failure instanceof Error ? failure.message : String(failure);
    const code = (failure as { code?: unknown }).code;
    const hint =
      code === 11000
        ? '，因为集合中已有重复的数据，唯一性约束无法成立；请先查明并处理重复的记录，再启动服务'
        : code === 85 || code === 86
          ? '，因为库中已有定义不同的同名或同键索引（可能来自旧版本）；请确认后删除旧索引，再启动服务'
          : '';
    super(
      `数据库索引建立失败：模型 ${model}（集合 ${collection}）的索引 ${index} 无法建立` +
        hint +
        `。原因：${reason} ` +
        `| Index build failed: model ${model} (collection ${collection}), index ${index}: ${reason}`,
    );
    this.name = 'IndexBuildError';
  }
}

/** MongoDB's default index name: `field_1_other_-1`. */
export function indexName(fields: Record<string, unknown>, options: { name?: unknown }): string {
  if (typeof options.name === 'string') return options.name;
  return Object.entries(fields)
    .map(([k, v]) => `${k}_${String(v)}`)
    .join('_');
}

/**
 * Builds every index of every model (creating an index that exists is a no-op). Throws IndexBuildError naming the
 * model and the index on the first failure.
 */
export async function ensureIndexes(conn: Connection, log: Logger): Promise<void> {
  for (const factory of MODEL_FACTORIES) factory(conn);
  // Also any model another module registered on this connection before start-up.
  for (const model of Object.values(conn.models)) {
    for (const [fields, options] of model.schema.indexes()) {
      const name = indexName(fields, options);
      try {
        await model.collection.createIndex(fields as Record<string, 1 | -1>, options as Record<string, unknown>);
      } catch (err) {
        const failure = new IndexBuildError(model.modelName, model.collection.collectionName, name, err);
        log.fatal(
          { model: model.modelName, collection: model.collection.collectionName, index: name, err: failure.message },
          'index build failed: the service does not start without it',
        );
        throw failure;
      }
    }
  }
  log.info({ models: Object.keys(conn.models).length }, 'indexes ready');
}

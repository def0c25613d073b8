/**
 * Start-up builds every model's indexes and refuses to run without them (src/store/indexes.ts). On MongoDB a
 * unique index cannot be built over data that already breaks it (E11000); mongoose's background autoIndex would
 * only emit an event and let the service run without the guarantee.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import mongoose, { Types } from 'mongoose';
import { createLogger } from '../../src/logger';
import { drawChainModel } from '../../src/store/draw';
import { ensureIndexes, IndexBuildError, indexName } from '../../src/store/indexes';
import { openTestDb, testMongoUri, uniqueDbName, type TestDb, type TestMongo } from '../support/db';
import { withDbName } from '../support/harness';
import { pathWithoutMongod, startServiceProcess } from '../support/processes';

jest.setTimeout(90_000);
const log = createLogger('silent');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? sources(full) : full.endsWith('.ts') ? [full] : [];
  });
}

describe('ensureIndexes', () => {
  let db: TestDb;
  beforeEach(async () => {
    db = await openTestDb('indexes', { autoIndex: false });
  });
  afterEach(async () => {
    await db.close();
  });

  it('registers every model the code defines and builds every index of each', async () => {
    const defined = new Set<string>();
    for (const file of sources(path.resolve(__dirname, '../../src'))) {
      for (const m of readFileSync(file, 'utf8').matchAll(/\.model<[^>]+>\(\s*'([A-Za-z]+)'/g)) defined.add(m[1]);
    }
    expect(defined.size).toBeGreaterThanOrEqual(10);
    await ensureIndexes(db.conn, log);
    expect(Object.keys(db.conn.models).sort()).toEqual([...defined].sort());
    for (const model of Object.values(db.conn.models)) {
      const built = new Set((await model.collection.listIndexes().toArray()).map((i) => i.name as string));
      for (const [fields, options] of model.schema.indexes()) {
        expect(`${model.modelName}: ${built.has(indexName(fields, options)) ? 'built' : 'missing'} ${indexName(fields, options)}`).toBe(
          `${model.modelName}: built ${indexName(fields, options)}`,
        );
      }
    }
    // Once built, the guarantee holds: a second seq 1 is refused.
    const at = new Date();
    const campaignId = new Types.ObjectId();
    await drawChainModel(db.conn).create({ campaignId, seq: 1, entry: { kind: 'commit', at: at.toISOString() }, hash: 'b' });
    await expect(drawChainModel(db.conn).create({ campaignId, seq: 1, entry: { kind: 'commit', at: at.toISOString() }, hash: 'c' })).rejects.toMatchObject({ code: 11000 });
    // Building again is a no-op.
    await ensureIndexes(db.conn, log);
  });

  it.each([
    [
      'one task per {drawId, no}',
      'tasks',
      () => {
        const drawId = new Types.ObjectId();
        return [{ drawId, no: 7 }, { drawId, no: 7 }];
      },
      /模型 Task（集合 tasks）的索引 drawId_1_no_1/,
    ],
    ['one active campaign per year', 'campaigns', () => [{ slot: 'active:2024' }, { slot: 'active:2024' }], /模型 Campaign（集合 campaigns）的索引 slot_1/],
    [
      'each draw attempt confirmed once',
      'draws',
      () => [{ confirmedSlot: 'c:1' }, { confirmedSlot: 'c:1' }],
      /模型 Draw（集合 draws）的索引 confirmedSlot_1/,
    ],
  ])('stops on %s already broken in the data, naming the model and the index', async (_what, collection, docs, expected) => {
    await db.conn.db!.collection(collection).insertMany(docs());
    const failure = await ensureIndexes(db.conn, log).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(failure).toBeInstanceOf(IndexBuildError);
    expect((failure as Error).message).toMatch(expected);
    expect((failure as Error).message).toContain('重复');
    expect((failure as Error).message).toContain('Index build failed');
  });
});

describe('the service', () => {
  let mongo: TestMongo;
  beforeAll(async () => {
    mongo = await testMongoUri();
  });
  afterAll(async () => {
    await mongo.close();
  });

  it('does not start when a duplicate seq is already stored in the draw log: it exits non-zero naming model and index', async () => {
    const uri = withDbName(mongo.uri, uniqueDbName('dupseq'));
    // Two entries with seq 1, as a race on an index-less database would have left them.
    const conn = await mongoose.createConnection(uri, { autoIndex: false }).asPromise();
    try {
      const at = new Date();
      const campaignId = new Types.ObjectId();
      await conn.db!.collection('draw_chain').insertMany([
        { campaignId, seq: 1, entry: { kind: 'commit', at }, hash: 'a'.repeat(64) },
        { campaignId, seq: 1, entry: { kind: 'commit', at }, hash: 'b'.repeat(64) },
      ]);

      const service = await startServiceProcess({ MONGODB_URI: uri, PATH: pathWithoutMongod(), LOG_LEVEL: 'info' }, { waitHealthy: false });
      const exit = await service.exited;
      expect(exit.code).not.toBe(0);
      expect(exit.code).not.toBeNull();
      expect(service.stderr).toContain('启动失败');
      expect(service.stderr).toContain('模型 DrawChain（集合 draw_chain）的索引 campaignId_1_seq_1');
      expect(service.stderr).toContain('Index build failed: model DrawChain (collection draw_chain), index campaignId_1_seq_1');
      const fatal = service.logs().find((l) => l.msg === 'index build failed: the service does not start without it');
      expect(fatal).toMatchObject({ model: 'DrawChain', collection: 'draw_chain', index: 'campaignId_1_seq_1' });
      // It never served: nothing was listening on its port.
      expect(await fetch(`http://127.0.0.1:${service.port}/healthz`).then(() => 'answered', () => 'refused')).toBe('refused');
      // And the data it refused to run on is untouched: a third seq 1 was never written.
      expect(await conn.db!.collection('draw_chain').countDocuments({ seq: 1 })).toBe(2);
    } finally {
      await conn.dropDatabase().catch(() => undefined);
      await conn.close();
    }
  });
});

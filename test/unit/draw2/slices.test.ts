/** A long draw computation gives the event loop turns (operations/draw/slices.ts) and gives the same result. */
import { buildParameters } from '../../../src/domain/draw2/inputs';
import { jcs } from '../../../src/domain/draw2/jcs';
import { simulateSteps } from '../../../src/domain/draw2/session';
import { runSync } from '../../../src/domain/draw2/steps';
import { jsonSteps } from '../../../src/operations/draw/jsonSlices';
import { runSliced } from '../../../src/operations/draw/slices';
import { makeRegistry } from '../draw/generate';

describe('sliced draw', () => {
  const { enterprises, staff } = makeRegistry('sliced', { enterprises: 12_000, staff: 300, catalogue: true });
  const input = {
    drawId: 'd',
    campaign: { id: 'c', name: '专项', year: 2024 },
    parameters: buildParameters({ from: '2024-03-15', ratio: 0.25, riskRatios: { A: 0.2, B: 0.25, C: 0.5, D: 1 }, excludeOwnCounty: true }),
    enterprises,
    staff,
    botValue: '1'.repeat(64),
    entropy: '7',
    liaison: { openId: 'ou_l', name: '联络员' },
    commitAt: new Date('2024-03-14T00:00:00Z'),
    revealAt: new Date('2024-03-14T00:01:00Z'),
  };

  it('lets other work run between slices, and computes the same draw', async () => {
    let turns = 0;
    let running = true;
    const tick = (): void => {
      turns++;
      if (running) setImmediate(tick);
    };
    setImmediate(tick);
    const sliced = await runSliced(simulateSteps(input), 0);
    running = false;
    const straight = runSync(simulateSteps(input));
    expect(turns).toBeGreaterThan(20);
    expect(jcs(sliced.computed.result)).toBe(jcs(straight.computed.result));
    expect(sliced.computed.resultHash).toBe(straight.computed.resultHash);
  });

  it('writes JSON in slices exactly as JSON.stringify', async () => {
    const d = runSync(simulateSteps(input));
    expect(await runSliced(jsonSteps(d.internal), 0)).toBe(JSON.stringify(d.internal));
  });
});

/**
 * Whole draws pinned by a digest: SHA-256 of JSON.stringify of everything simulateSteps leaves (prepared inputs and
 * their hashes, commitment, result and details with every score, team and shortage reason, log, both bundles). The
 * digests were taken from the code before the draw's performance work (typed-array team heaps, the population hashed
 * while it is built, the listing from the computed rows); any change of an output byte or of a member order fails here.
 * The three draws cover the paths that work chose between: a registry in code order (the population hashed in the
 * same pass), one in registry order (rows sorted and hashed afterwards), and an unkeyed draw (docs/draw-spec.md §12.1).
 */
import { createHash } from 'node:crypto';
import { buildParameters } from '../../../src/domain/draw2/inputs';
import { simulateSteps } from '../../../src/domain/draw2/session';
import { runSync } from '../../../src/domain/draw2/steps';
import { makeRegistry } from '../draw/generate';

function digestOf(sorted: boolean, blind: string | null | undefined, names: 'names' | 'pseudonyms') {
  const { enterprises, staff } = makeRegistry('draw-digest', { enterprises: 5_000, staff: 300, catalogue: true });
  if (sorted) enterprises.sort((a, b) => (a.uscc < b.uscc ? -1 : a.uscc > b.uscc ? 1 : 0));
  const parameters = buildParameters({ from: '2024-03-15', ratio: 0.25, riskRatios: { A: 0.05, B: 0.1, C: 0.3, D: 1 }, excludeOwnCounty: true });
  const d = runSync(
    simulateSteps({
      drawId: 'digest',
      campaign: { id: 'c1', name: '摘要', year: 2024 },
      parameters,
      enterprises,
      staff,
      botValue: '7'.repeat(64),
      ...(blind === undefined ? {} : { blind }),
      entropy: 'digest-entropy',
      liaison: { openId: 'ou_digest', name: '联络员' },
      commitAt: new Date('2024-03-14T00:00:00Z'),
      revealAt: new Date('2024-03-14T00:01:00Z'),
      names,
    }),
  );
  return {
    digest: createHash('sha256').update(JSON.stringify(d)).digest('hex'),
    selected: d.computed.result.selection.length,
    shortages: d.computed.result.shortages.length,
  };
}

describe('whole draws are unchanged byte for byte', () => {
  it('a registry in code order (keyed with the blind, pseudonyms)', () => {
    expect(digestOf(true, undefined, 'pseudonyms')).toEqual({
      digest: '712d8dc797c47eb51011f5eed9cc9b59d95f6516d8e7e78cf9f39768bde024fe',
      selected: 1250,
      shortages: 314,
    });
  });

  it('a registry in registry order (names)', () => {
    expect(digestOf(false, undefined, 'names')).toEqual({
      digest: 'b4ae97a1defd8bf7dd043dfeb9ff0b352ace98e3cc1e5f61fb00b015d4af9e3f',
      selected: 1250,
      shortages: 314,
    });
  });

  it('an unkeyed draw (made before the blind)', () => {
    expect(digestOf(true, null, 'pseudonyms')).toEqual({
      digest: '321d910d8a3cb514e13b737c688f4e9ddd6a2ea3d529b4df702e96ff3b9f8bab',
      selected: 1250,
      shortages: 308,
    });
  });
});

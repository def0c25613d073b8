/**
 * The Word forms (exports/docx and the 1 MB `docx` library) load when the first form is built, not when
 * operations/exportRecords.ts (imported by the bot at start-up) is: a start that exports nothing does not pay for them.
 */
import { Types } from 'mongoose';

let mockDocxLoads = 0;
jest.mock('docx', () => {
  mockDocxLoads += 1;
  return jest.requireActual('docx');
});

import { buildBlankForms } from '../../src/operations/exportRecords';
import type { TaskDoc } from '../../src/store/task';

it('loads the docx library on the first form only', async () => {
  expect(mockDocxLoads).toBe(0);
  const task = {
    _id: new Types.ObjectId(),
    checklist: 'industrial',
    enterprise: { name: '运城市河东电线电缆有限公司' },
  } as unknown as TaskDoc;
  const first = await buildBlankForms(task, []);
  const second = await buildBlankForms(task, []);
  expect(mockDocxLoads).toBe(1);
  expect(first.map((f) => f.form)).toEqual(['附件3']);
  // a zip package (PK): a real .docx
  expect(first[0].data.subarray(0, 2).toString('latin1')).toBe('PK');
  expect(second[0].data.length).toBeGreaterThan(0);
});

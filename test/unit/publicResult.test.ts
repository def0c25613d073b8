import { toPublicResult } from '../../src/web/publicResults';
import type { TaskDoc } from '../../src/store/task';

const enterprise = { name: '某某包装有限公司', uscc: '91140800MA0K000000', licenceNo: '（晋）XK16-204-00001', product: '食品用塑料包装', county: '永济市' };

describe('a task as the public page lists it', () => {
  it('a checklist record is dated by its completion, the result as published', () => {
    const t = { enterprise, state: '已公示', inspection: { completionDate: '2026-05-06', result: '未发现问题' }, publication: { publishedOn: '2026-05-20', result: '未发现问题' } };
    expect(toPublicResult(t as unknown as TaskDoc)).toEqual({ ...enterprise, inspectedOn: '2026-05-06', result: '未发现问题', publishedOn: '2026-05-20' });
  });

  it('a closed task (无法联系) has no checklist record: it is dated by the closure’s confirmation, not left blank', () => {
    const t = {
      enterprise,
      state: '已公示',
      closure: { status: 'confirmed', code: '6', confirmedOn: '2026-05-07' },
      publication: { publishedOn: '2026-05-21', result: '通过登记的住所（经营场所）无法联系' },
    };
    expect(toPublicResult(t as unknown as TaskDoc)).toMatchObject({ inspectedOn: '2026-05-07', result: '通过登记的住所（经营场所）无法联系', publishedOn: '2026-05-21' });
  });

  it('a closure still waiting for the 组长 gives no date', () => {
    const t = { enterprise, state: '待检查', closure: { status: 'proposed' }, publication: { publishedOn: '2026-05-21', result: 'x' } };
    expect(toPublicResult(t as unknown as TaskDoc).inspectedOn).toBe('');
  });
});

/** The pure parts of /导出: who may export, the argument as typed, query normalisation and safe file names. */
import { exportArgument } from '../../src/bot/export';
import { mayExport, normaliseQuery, safeFileName } from '../../src/operations/exportRecords';
import type { Actor } from '../../src/policies';

const task = {
  team: [{ openId: 'ou_member', name: '李明', role: '执法人员' as const, unit: 'x', county: '永济市' }],
  enterprise: { county: '盐湖区' } as never,
};

describe('mayExport', () => {
  const cases: [string, Actor, boolean][] = [
    ['a team member (whatever their county)', { openId: 'ou_member', roles: ['执法人员'], county: '永济市' }, true],
    ['the liaison of the enterprise county', { openId: 'ou_l1', roles: ['联络员'], county: '盐湖区' }, true],
    ['a liaison of another county', { openId: 'ou_l2', roles: ['联络员'], county: '永济市' }, false],
    ['市局 staff', { openId: 'ou_c', roles: ['执法人员'], county: '市局' }, true],
    ['a 市局 expert not on the team (专家库 members see only their own tasks)', { openId: 'ou_e', roles: ['专家'], county: '市局' }, false],
    ['a 领导 of the city bureau', { openId: 'ou_boss', roles: ['领导'], county: '市局' }, true],
    ['a 领导 of the enterprise county', { openId: 'ou_boss2', roles: ['领导'], county: '盐湖区' }, true],
    ['a 领导 of another county (the follow-up view refuses them too)', { openId: 'ou_boss3', roles: ['领导'], county: '夏县' }, false],
    ['an officer of the same county not on the team', { openId: 'ou_o', roles: ['执法人员'], county: '盐湖区' }, false],
    ['someone unregistered', { openId: 'ou_x', roles: [] }, false],
    ['someone unregistered claiming 市局', { openId: 'ou_y', roles: [], county: '市局' }, false],
  ];
  it.each(cases)('%s', (_label, actor, expected) => {
    expect(mayExport(actor, task)).toBe(expected);
  });
});

describe('the argument', () => {
  it('is everything after the command word, spaces and “=” included', () => {
    expect(exportArgument('/导出 晋XK06-001-00123')).toBe('晋XK06-001-00123');
    expect(exportArgument('／导出  运城市 河东=电缆 ')).toBe('运城市 河东=电缆');
    expect(exportArgument('/export')).toBe('');
  });

  it('is normalised: full-width letters, digits and hyphens, and spaces', () => {
    expect(normaliseQuery('晋ＸＫ０６－００１－００１２３')).toBe('晋XK06-001-00123');
    expect(normaliseQuery('　运城市   河东　')).toBe('运城市 河东');
  });
});

describe('safeFileName', () => {
  it('replaces path and reserved characters and caps the length', () => {
    expect(safeFileName('附件3-记录-运城/河东:电缆*有限公司?')).toBe('附件3-记录-运城_河东_电缆_有限公司_');
    expect([...safeFileName('长'.repeat(300))]).toHaveLength(120);
  });
});

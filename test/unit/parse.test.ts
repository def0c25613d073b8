import { messageText, parseCommand } from '../../src/bot/parse';

describe('chat text parsing', () => {
  it('removes @-mention placeholders from group messages', () => {
    expect(messageText(JSON.stringify({ text: '@_user_1 /帮助' }), ['@_user_1'])).toBe('/帮助');
    expect(messageText(JSON.stringify({ text: '  /进度  ' }), [])).toBe('/进度');
  });

  it('gives undefined for non-text content', () => {
    expect(messageText(JSON.stringify({ image_key: 'img_x' }), [])).toBeUndefined();
    expect(messageText('not json', [])).toBeUndefined();
  });

  it('parses name, key=value arguments and positional words, full-width slash and equals too', () => {
    expect(parseCommand('/抽取 专项=食品相关 种子=20240315')).toEqual({
      name: '抽取',
      args: { 专项: '食品相关', 种子: '20240315' },
      positional: [],
      text: '/抽取 专项=食品相关 种子=20240315',
    });
    expect(parseCommand('／导出 某某公司')?.positional).toEqual(['某某公司']);
    expect(parseCommand('/抽取 种子＝7')?.args).toEqual({ 种子: '7' });
    expect(parseCommand('/HELP')?.name).toBe('help');
  });

  it('reads a campaign name with spaces after 专项= up to the next key=value; other values end at a space', () => {
    expect(parseCommand('/抽取 专项=2029 年 测试 种子=7')?.args).toEqual({ 专项: '2029 年 测试', 种子: '7' });
    expect(parseCommand('/进度 县区=永济市 专项=2029 年 测试')).toMatchObject({ args: { 县区: '永济市', 专项: '2029 年 测试' }, positional: [] });
    expect(parseCommand('/抽取 种子=7 8')).toMatchObject({ args: { 种子: '7' }, positional: ['8'] });
    expect(parseCommand('/抽取 理由=人员 变动 来源=福彩3D 第2026330期(3位数字) 开奖时间=2026-12-06 21:15')?.args).toEqual({
      理由: '人员 变动',
      来源: '福彩3D 第2026330期(3位数字)',
      开奖时间: '2026-12-06 21:15',
    });
    expect(parseCommand('/导出 某某 公司')?.positional).toEqual(['某某', '公司']);
  });

  it('is undefined for text that is not a command', () => {
    expect(parseCommand('你好')).toBeUndefined();
    expect(parseCommand('/')).toBeUndefined();
  });
});

import {
  charCount,
  checkText,
  FIELDS,
  findBadChar,
  formInputField,
  normalizeText,
  problemMessage,
  textProblem,
} from '../../src/domain/textPolicy';
import { checkRecord } from '../../src/domain/inspection';
import { formValueProblem } from '../../src/bot/router';

describe('character policy', () => {
  it.each([
    ['NUL', '\u0000'],
    ['a C0 control (BEL)', '\u0007'],
    ['vertical tab', '\u000b'],
    ['form feed', '\u000c'],
    ['carriage return left in the text', '\r'],
    ['DEL', '\u007f'],
    ['a C1 control', '\u0085'],
    ['U+FFFE', '\ufffe'],
    ['U+FFFF', '\uffff'],
    ['a non-character of the FDD0 block', '\ufdd0'],
    ['a supplementary-plane non-character (U+1FFFE)', '\ud83f\udffe'],
    ['a supplementary-plane non-character (U+10FFFF)', '\udbff\udfff'],
    ['a lone high surrogate', '\ud800'],
    ['a lone low surrogate', '\udc00'],
    ['a right-to-left override', '\u202e'],
    ['a directional isolate', '\u2066'],
  ])('refuses %s', (_what, ch) => {
    const bad = findBadChar(`运城${ch}公司`);
    expect(bad).toEqual({ position: 3, codePoint: ch.codePointAt(0) });
  });

  it.each([
    ['tab and line feed', '第一行\n\t第二行'],
    ['an emoji (a surrogate pair)', '检查通过👍'],
    ['a rare CJK character outside the BMP', '𠀀字号'],
    ['full-width punctuation and markdown characters', '（*[链接](https://x)* <at id=all></at> &lt;）'],
    ['a zero-width joiner', '👨\u200d👩'],
  ])('accepts %s', (_what, text) => {
    expect(findBadChar(text)).toBeNull();
  });

  it('counts positions in characters, a surrogate pair being one', () => {
    expect(findBadChar('👍👍\ufffe')).toEqual({ position: 3, codePoint: 0xfffe });
  });
});

describe('lengths', () => {
  it('counts characters as people do (an emoji or a rare 汉字 is one)', () => {
    expect(charCount('检查')).toBe(2);
    expect(charCount('👍𠀀a')).toBe(3);
    expect(charCount('\ud800x')).toBe(2);
  });

  it('checks a 10 MB name by its length without scanning it for characters', () => {
    const name = '公'.repeat(10 * 1024 * 1024);
    expect(textProblem(name, FIELDS.enterpriseName)).toEqual({ kind: 'tooLong', length: 10 * 1024 * 1024, max: 100 });
  });

  it('has the limits the issue asks for', () => {
    expect(FIELDS.enterpriseName.max).toBe(100);
    expect(FIELDS.record.max).toBe(1000);
  });
});

describe('normalisation', () => {
  it('keeps line breaks in multi-line fields and turns them into spaces in one-line fields', () => {
    expect(normalizeText('  第一行\r\n第二行\r第三行  ', FIELDS.record)).toBe('第一行\n第二行\n第三行');
    expect(normalizeText('运城市\n某某\t有限公司', FIELDS.enterpriseName)).toBe('运城市 某某 有限公司');
  });
});

describe('messages say which field, what is wrong and what to do', () => {
  it('for a refused character', () => {
    const r = checkText('record', '未见出厂检验\ufffe记录');
    expect(r).toEqual({
      ok: false,
      problem: { kind: 'badChar', position: 7, codePoint: 0xfffe },
      message: '检查记录第7个字符是无法保存的不可见字符（U+FFFE），请删除该字符后重新提交',
    });
  });

  it('for a text too long', () => {
    const r = checkText('record', '检'.repeat(1001));
    expect(r.ok).toBe(false);
    expect(!r.ok && r.message).toBe('检查记录最多1000个字，当前1001个字，请精简后重新提交');
    expect(problemMessage('企业名称', { kind: 'tooLong', length: 120, max: 100 }, '填写')).toBe('企业名称最多100个字，当前120个字，请精简后重新填写');
  });

  it('accepts and normalises a good value', () => {
    expect(checkText('representative', ' 王五 ')).toEqual({ ok: true, text: '王五' });
    expect(checkText('record', undefined)).toEqual({ ok: true, text: '' });
  });
});

describe('form inputs', () => {
  it('map card input names to their fields', () => {
    expect(formInputField('record')).toBe('record');
    expect(formInputField('representative')).toBe('representative');
    expect(formInputField('reason')).toBe('reopenReason');
    expect(formInputField('done_3')).toBe('rectificationDone');
    expect(formInputField('opinion')).toBe('opinion');
    expect(formInputField('reference')).toBe('reference');
    expect(formInputField('something_new')).toBe('formInput');
  });
});

describe('checkRecord (domain/inspection.ts) applies the policy', () => {
  it('refuses U+FFFE in a 检查记录 with the sentence to show', () => {
    expect(checkRecord('不符合', '未见\ufffe记录')).toEqual({
      ok: false,
      error: 'recordInvalid',
      message: '检查记录第3个字符是无法保存的不可见字符（U+FFFE），请删除该字符后重新提交',
    });
    expect(checkRecord('不符合', '未见记录')).toEqual({ ok: true, record: '未见记录' });
  });
});

describe('router edge: form values', () => {
  it('names the field of the first bad input, and passes good ones', () => {
    expect(formValueProblem({ record: '好的记录', representative: '孙经理' })).toBeUndefined();
    expect(formValueProblem({ representative: '孙\u0000经理' })).toBe('企业代表姓名第2个字符是无法保存的不可见字符（U+0000），请删除该字符后重新提交');
    expect(formValueProblem({ done_2: '改'.repeat(501) })).toBe('整改情况最多500个字，当前501个字，请精简后重新提交');
    expect(formValueProblem({ tags: ['a', 'b\uffff'] })).toMatch(/^输入内容第2个字符/);
    expect(formValueProblem(undefined)).toBeUndefined();
  });
});

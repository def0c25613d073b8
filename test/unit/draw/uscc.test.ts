import { isValidUscc, normalizeUscc, usccCheckChar, usccProblem, USCC_CHARSET, USCC_WEIGHTS } from '../../../src/domain/uscc';

// Real, published codes (company registrations shown on their websites, invoices and contracts).
const REAL = [
  ['914403001922038216', '华为技术有限公司'],
  ['91440300708461136T', '深圳市腾讯计算机系统有限公司'],
  ['91330100716105852F', '阿里巴巴（中国）有限公司'],
  ['91110000802100433B', '百度在线网络技术（北京）有限公司'],
  ['91110108551385082Q', '小米科技有限责任公司'],
  ['91110000710926094P', '中国石油化工股份有限公司'],
  ['91330108MA27Y5XH5G', '杭州趣链科技有限公司'],
  ['915300007194052520', '云南溯源科技有限公司'],
  ['91440300MA5FMKMK8N', '深圳星际云储存科技有限公司'],
  ['91310115MA1K427762', '享道出行（上海）科技有限公司'],
] as const;

describe('GB 32100-2015 check character', () => {
  it('has the 31-character set without I, O, S, V, Z and weights 3^i mod 31', () => {
    expect(USCC_CHARSET).toHaveLength(31);
    expect(USCC_CHARSET).not.toMatch(/[IOSVZ]/);
    expect(USCC_WEIGHTS).toEqual(Array.from({ length: 17 }, (_, i) => 3 ** i % 31));
  });

  it.each(REAL)('accepts %s (%s)', (code) => {
    expect(isValidUscc(code)).toBe(true);
    expect(usccCheckChar(code.slice(0, 17))).toBe(code.charAt(17));
    expect(usccProblem(code)).toBeNull();
  });

  it('computes a check value of 31 as 0', () => {
    // sum = 0 → 31 − 0 = 31 → '0'
    expect(usccCheckChar('00000000000000000')).toBe('0');
    expect(isValidUscc('000000000000000000')).toBe(true);
  });

  it('works the example by hand: 91110000802100433 → B', () => {
    const values = [...'91110000802100433'].map((c) => USCC_CHARSET.indexOf(c));
    const sum = values.reduce((a, v, i) => a + v * (USCC_WEIGHTS[i] as number), 0);
    expect(31 - (sum % 31)).toBe(11); // 'B' is the 12th character: value 11
    expect(usccCheckChar('91110000802100433')).toBe('B');
  });

  it('rejects a wrong check character, every single-character change of a real code, and bad shapes', () => {
    expect(isValidUscc('91110000802100433C')).toBe(false);
    expect(usccProblem('91110000802100433C')).toBe('统一社会信用代码校验位错误（应为B）');
    const code = '91440300708461136T';
    for (let i = 0; i < 18; i++) {
      for (const ch of USCC_CHARSET) {
        if (ch === code.charAt(i)) continue;
        const changed = code.slice(0, i) + ch + code.slice(i + 1);
        expect(isValidUscc(changed)).toBe(false);
      }
    }
    expect(isValidUscc('9144030070846113T')).toBe(false); // 17 characters
    expect(isValidUscc('91440300708461136TT')).toBe(false); // 19
    expect(isValidUscc('91440300708461136t')).toBe(false); // lower case
    expect(isValidUscc('9144030070846113OT')).toBe(false); // O not allowed
    expect(isValidUscc('')).toBe(false);
    expect(usccProblem('')).toBe('统一社会信用代码为空');
    expect(usccProblem('123')).toBe('统一社会信用代码应为18位，实际为3位');
    expect(usccProblem('9144030070846113IT')).toBe('统一社会信用代码第17位“I”不是合法字符');
  });

  it('detects swapped neighbouring characters of real codes', () => {
    for (const [code] of REAL) {
      for (let i = 0; i < 17; i++) {
        if (code.charAt(i) === code.charAt(i + 1)) continue;
        const swapped = code.slice(0, i) + code.charAt(i + 1) + code.charAt(i) + code.slice(i + 2);
        expect(isValidUscc(swapped)).toBe(false);
      }
    }
  });

  it('usccCheckChar refuses bad input', () => {
    expect(() => usccCheckChar('123')).toThrow(RangeError);
    expect(() => usccCheckChar('9111000080210043I')).toThrow(/非法字符/);
  });

  it('normalizeUscc trims, upper-cases and converts full-width characters', () => {
    expect(normalizeUscc(' 91110000802100433b ')).toBe('91110000802100433B');
    const fullWidth = [...'91110000802100433b'].map((c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0)).join('');
    expect(normalizeUscc(fullWidth)).toBe('91110000802100433B');
  });
});

import zlib from 'node:zlib';
import { deflatedPart, deflatingPart, partContent, readZip, writeZip } from '../../src/exports/zipParts';
import { ZipRefusal } from '../../src/operations/zipGuard';

describe('zipParts', () => {
  it('a part given up (abort) releases its deflate stream: ending it afterwards reports that it was given up', async () => {
    const part = deflatingPart('xl/worksheets/sheet2.xml');
    part.write(Buffer.from('<row/>'.repeat(1000), 'utf8'));
    part.abort();
    await expect(part.end()).rejects.toThrow('the part xl/worksheets/sheet2.xml was given up');
  });

  it('writes a package whose parts read back, stored and deflated, with names in UTF-8', async () => {
    const big = Buffer.from('<row>检查明细</row>'.repeat(5000), 'utf8');
    const parts = [
      { name: 'stored.txt', method: 0, crc: zlib.crc32(Buffer.from('abc')), size: 3, stored: Buffer.from('abc') },
      await deflatedPart('xl/worksheets/检查明细.xml', big),
    ];
    const zip = writeZip(parts, new Date(2024, 10, 15, 9, 30, 0));
    const back = readZip(zip);
    expect(back.map((p) => p.name)).toEqual(['stored.txt', 'xl/worksheets/检查明细.xml']);
    expect((await partContent(back[0]!)).toString()).toBe('abc');
    expect((await partContent(back[1]!)).equals(big)).toBe(true);
    expect(back[1]!.stored.length).toBeLessThan(big.length / 10);
    // re-writing parts read back gives the same package
    expect(writeZip(back, new Date(2024, 10, 15, 9, 30, 0)).equals(zip)).toBe(true);
  });

  it('deflates a part given in pieces as the same content, size and CRC as the pieces joined', async () => {
    const pieces = [Buffer.from('<worksheet><sheetData>'), Buffer.from('<row>检查明细</row>'.repeat(20000), 'utf8'), Buffer.alloc(0), Buffer.from('</sheetData></worksheet>')];
    const joined = Buffer.concat(pieces);
    const part = await deflatedPart('sheet.xml', pieces);
    const whole = await deflatedPart('sheet.xml', joined);
    expect({ crc: part.crc, size: part.size, method: part.method }).toEqual({ crc: whole.crc, size: whole.size, method: 8 });
    expect((await partContent(part)).equals(joined)).toBe(true);
    const back = readZip(writeZip([part], new Date(2024, 10, 15)));
    expect((await partContent(back[0]!)).equals(joined)).toBe(true);
  });

  it('deflates a part written piece by piece while earlier pieces compress into the bytes of one deflate', async () => {
    const text = Buffer.from(Array.from({ length: 40_000 }, (_, i) => `<row r="${i}"><c t="s"><v>${i % 977}</v></c></row>`).join(''), 'utf8');
    const part = deflatingPart('xl/worksheets/sheet4.xml');
    // uneven pieces, some written after a turn of the event loop (the compression of the earlier ones under way)
    for (let at = 0, k = 1; at < text.length; at += 7919 * k, k = (k % 5) + 1) {
      part.write(text.subarray(at, Math.min(text.length, at + 7919 * k)));
      if (k === 3) await new Promise((resolve) => setImmediate(resolve));
    }
    part.write(Buffer.alloc(0));
    const got = await part.end();
    expect(got.stored.equals(zlib.deflateRawSync(text))).toBe(true);
    expect(got.size).toBe(text.length);
    expect(got.crc).toBe(zlib.crc32(text));
    expect((await partContent(got)).equals(text)).toBe(true);
  });

  it('refuses what is not a package', () => {
    expect(() => readZip(Buffer.from('not a zip at all, just text'))).toThrow(ZipRefusal);
  });
});

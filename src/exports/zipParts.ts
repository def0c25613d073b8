/**
 * The parts of a .zip package (an .xlsx is one), read and written again with some parts replaced: enough of the
 * ZIP format (APPNOTE 6.3: local headers, central directory, end record; stored or deflated entries, no ZIP64, no
 * encryption) for exports/summaryXlsx.ts to put a sheet it wrote itself into the workbook exceljs wrote. Parts
 * left alone keep their compressed bytes; a replaced part is deflated on libuv's thread pool (zlib's async
 * deflateRaw), so compressing megabytes of XML never holds the event loop.
 */
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { readCentralDirectory, SIG_CENTRAL, SIG_EOCD, SIG_LOCAL } from '../operations/zipGuard';

// zlib.crc32: Node 20.15 and later (package.json engines)
const deflateRaw = promisify(zlib.deflateRaw);
const inflateRaw = promisify(zlib.inflateRaw);

export interface ZipPart {
  name: string;
  /** 0 stored, 8 deflated */
  method: number;
  crc: number;
  size: number;
  /** the bytes as stored in the package (compressed with `method`) */
  stored: Buffer;
}

/** far more than a workbook of ours has (about 15) */
const MAX_PARTS = 10_000;

/** The parts of a package, in their central directory's order (read and checked by operations/zipGuard.ts). */
export function readZip(zip: Buffer): ZipPart[] {
  return readCentralDirectory(zip, MAX_PARTS).map((e) => ({
    name: e.name,
    method: e.method,
    crc: e.crc,
    size: e.uncompressedSize,
    stored: zip.subarray(e.dataStart, e.dataStart + e.compressedSize),
  }));
}

/** A part's content. */
export async function partContent(part: ZipPart): Promise<Buffer> {
  if (part.method === 0) return part.stored;
  if (part.method === 8) return inflateRaw(part.stored);
  throw new Error(`zip package: compression method ${part.method} of ${part.name}`);
}

/**
 * A part with new content, deflated off the event loop. The content may come in pieces (written one after the
 * other): a sheet of megabytes is never copied into one buffer first (a copy that held the event loop for a tenth
 * of a second).
 */
export async function deflatedPart(name: string, content: Buffer | readonly Buffer[]): Promise<ZipPart> {
  if (Buffer.isBuffer(content)) return { name, method: 8, crc: zlib.crc32(content), size: content.length, stored: await deflateRaw(content) };
  const part = deflatingPart(name);
  for (const piece of content) part.write(piece);
  return part.end();
}

/** The deflate stream's output buffer (zlib's default is 16 KiB). */
const DEFLATE_CHUNK = 1024 * 1024;

/**
 * A part deflated while its content is still being written: each piece goes to zlib's stream (compressed on
 * libuv's thread pool while the next pieces are produced) and must not change afterwards; `end` gives the part once
 * the last piece is compressed. The same bytes as deflatedPart of the pieces (one stream, no flush between them).
 */
export function deflatingPart(name: string): { write(piece: Buffer): void; end(): Promise<ZipPart>; abort(): void } {
  let crc = 0;
  let size = 0;
  const out: Buffer[] = [];
  // output in pieces of up to DEFLATE_CHUNK: the stream comes back to the event loop each time its output buffer is
  // full, and the loop, busy writing the rows, answers only every few milliseconds; with zlib's 16 KiB the
  // compression of a 5 MB sheet fell a tenth of a second behind its writer. (The bytes do not depend on it.)
  const z = zlib.createDeflateRaw({ chunkSize: DEFLATE_CHUNK });
  z.on('data', (c: Buffer) => out.push(c));
  const done = new Promise<Buffer>((resolve, reject) => {
    z.on('error', reject);
    z.on('end', () => resolve(Buffer.concat(out)));
  });
  // a failure is reported by end(); none is left unhandled meanwhile
  done.catch(() => undefined);
  return {
    write(piece) {
      if (piece.length === 0) return;
      crc = zlib.crc32(piece, crc);
      size += piece.length;
      z.write(piece);
    },
    async end() {
      z.end();
      return { name, method: 8, crc, size, stored: await done };
    },
    /** Gives up the part (its writer failed): the deflate stream and what it holds are released now. */
    abort() {
      z.destroy(new Error(`the part ${name} was given up`));
    },
  };
}

/** The package of `parts`, in that order, every part dated `date` (local time, as ZIP stores it). */
export function writeZip(parts: readonly ZipPart[], date: Date): Buffer {
  const dosTime = (date.getHours() << 11) | (date.getMinutes() << 5) | (date.getSeconds() >> 1);
  const dosDate = (Math.max(0, date.getFullYear() - 1980) << 9) | ((date.getMonth() + 1) << 5) | date.getDate();
  const chunks: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const part of parts) {
    const name = Buffer.from(part.name, 'utf8');
    const local = Buffer.alloc(30);
    local.writeUInt32LE(SIG_LOCAL, 0);
    local.writeUInt16LE(20, 4); // version needed: 2.0 (deflate)
    local.writeUInt16LE(0x800, 6); // names in UTF-8
    local.writeUInt16LE(part.method, 8);
    local.writeUInt16LE(dosTime, 10);
    local.writeUInt16LE(dosDate, 12);
    local.writeUInt32LE(part.crc >>> 0, 14);
    local.writeUInt32LE(part.stored.length, 18);
    local.writeUInt32LE(part.size, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);
    const dir = Buffer.alloc(46);
    dir.writeUInt32LE(SIG_CENTRAL, 0);
    dir.writeUInt16LE(20, 4); // made by: 2.0, MS-DOS attributes
    dir.writeUInt16LE(20, 6);
    dir.writeUInt16LE(0x800, 8);
    dir.writeUInt16LE(part.method, 10);
    dir.writeUInt16LE(dosTime, 12);
    dir.writeUInt16LE(dosDate, 14);
    dir.writeUInt32LE(part.crc >>> 0, 16);
    dir.writeUInt32LE(part.stored.length, 20);
    dir.writeUInt32LE(part.size, 24);
    dir.writeUInt16LE(name.length, 28);
    dir.writeUInt32LE(offset, 42);
    chunks.push(local, name, part.stored);
    central.push(dir, name);
    offset += local.length + name.length + part.stored.length;
  }
  const dirSize = central.reduce((n, b) => n + b.length, 0);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(SIG_EOCD, 0);
  end.writeUInt16LE(parts.length, 8);
  end.writeUInt16LE(parts.length, 10);
  end.writeUInt32LE(dirSize, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...chunks, ...central, end]);
}

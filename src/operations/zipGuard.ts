/**
 * Checks an XLSX (a zip archive) before anything parses it, so that a hostile file cannot take the memory or the
 * time of the service (a "zip bomb": a few MB that inflate to gigabytes).
 *
 * 1. The central directory (the archive's table of contents, at its end) is read and every part's declared sizes
 *    are checked: number of parts, uncompressed size of each part and of all parts together, compression ratio.
 *    Encrypted parts, compression methods other than stored/deflate, multi-disk and ZIP64 archives are refused
 *    (Excel writes none of them for a file of this size).
 * 2. The layout is checked: the parts follow one another from the first byte to the central directory with
 *    nothing between them, and each part's local header agrees with the central directory (name, sizes): nothing
 *    is hidden from step 1, whichever way a later reader walks the file.
 * 3. The reader (registryFile.ts) then inflates only the parts it needs, located by the central directory, and
 *    stops with a refusal as soon as a part inflates past its declared size (a part that lies about its size).
 *
 * Every refusal is a `ZipRefusal` with a one-line Chinese message. Format facts: PKWARE APPNOTE.TXT §4.3.
 */
export class ZipRefusal extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ZipRefusal';
  }
}

export interface ZipLimits {
  /** parts in the archive */
  maxEntries: number;
  /** uncompressed bytes of one part */
  maxEntryBytes: number;
  /** uncompressed bytes of all parts together */
  maxTotalBytes: number;
  /** uncompressed ÷ compressed, for parts larger than `ratioFloorBytes` */
  maxRatio: number;
  ratioFloorBytes: number;
}

export interface ZipEntry {
  name: string;
  method: number;
  /** CRC-32 of the uncompressed content, as the central directory states it */
  crc: number;
  flags: number;
  compressedSize: number;
  uncompressedSize: number;
  localOffset: number;
  /** where the entry (local header, data, data descriptor) ends: the next entry or the central directory */
  end: number;
  /** where the compressed data starts (after the local header) */
  dataStart: number;
}

/** ZIP record signatures (APPNOTE 4.3): local file header, central directory header, end of central directory */
export const SIG_LOCAL = 0x04034b50;
export const SIG_CENTRAL = 0x02014b50;
export const SIG_EOCD = 0x06054b50;
const SIG_DESCRIPTOR = 0x08074b50;
const MB = 1024 * 1024;

const corrupt = (what: string) => new ZipRefusal(`不是有效的 Excel（.xlsx）文件：${what}；请在 Excel 中打开后“另存为 → Excel 工作簿（*.xlsx）”再试`);

function mb(bytes: number): string {
  return `${Math.round((bytes / MB) * 10) / 10} MB`;
}

/** Reads the central directory. Throws ZipRefusal for anything that is not a plain single-disk zip. */
export function readCentralDirectory(buf: Buffer, maxEntries: number): ZipEntry[] {
  if (buf.length < 22) throw corrupt('文件太短');
  if (buf.readUInt32LE(0) !== SIG_LOCAL) {
    if (buf.length >= 8 && buf.readUInt32LE(0) === 0xe011cfd0) {
      throw new ZipRefusal('这是旧版 Excel（.xls）文件或加了密码的文件；请取消密码并“另存为 → Excel 工作簿（*.xlsx）”或 CSV UTF-8 后再导入');
    }
    throw corrupt('文件开头不是 zip 结构');
  }
  // The end-of-central-directory record is in the last 22 + 65535 bytes (it may carry a comment).
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 0xffff); i--) {
    if (buf.readUInt32LE(i) === SIG_EOCD && i + 22 + buf.readUInt16LE(i + 20) === buf.length) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw corrupt('找不到 zip 目录（文件可能不完整）');
  const disk = buf.readUInt16LE(eocd + 4);
  const cdDisk = buf.readUInt16LE(eocd + 6);
  const onDisk = buf.readUInt16LE(eocd + 8);
  const count = buf.readUInt16LE(eocd + 10);
  const cdSize = buf.readUInt32LE(eocd + 12);
  const cdOffset = buf.readUInt32LE(eocd + 16);
  if (disk !== 0 || cdDisk !== 0 || onDisk !== count) throw corrupt('分卷压缩文件');
  if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) throw corrupt('不支持 ZIP64 格式');
  if (count > maxEntries) throw new ZipRefusal(`Excel 文件包含${count}个内部部件，超过上限${maxEntries}个；不像是一份名录文件`);
  if (cdOffset + cdSize > eocd) throw corrupt('zip 目录位置错误');

  const entries: ZipEntry[] = [];
  let p = cdOffset;
  for (let i = 0; i < count; i++) {
    if (p + 46 > eocd || buf.readUInt32LE(p) !== SIG_CENTRAL) throw corrupt('zip 目录损坏');
    const flags = buf.readUInt16LE(p + 8);
    const method = buf.readUInt16LE(p + 10);
    const crc = buf.readUInt32LE(p + 16);
    const compressedSize = buf.readUInt32LE(p + 20);
    const uncompressedSize = buf.readUInt32LE(p + 24);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    const localOffset = buf.readUInt32LE(p + 42);
    if (p + 46 + nameLen > eocd) throw corrupt('zip 目录损坏');
    const name = buf.toString('utf8', p + 46, p + 46 + nameLen);
    if (compressedSize === 0xffffffff || uncompressedSize === 0xffffffff || localOffset === 0xffffffff) {
      throw corrupt('不支持 ZIP64 格式');
    }
    if (flags & 0x0001) throw new ZipRefusal('Excel 文件已加密；请取消密码后重新保存再导入');
    if (method !== 0 && method !== 8) throw corrupt(`不支持的压缩方式（${method}）`);
    entries.push({ name, method, crc, flags, compressedSize, uncompressedSize, localOffset, end: 0, dataStart: 0 });
    p += 46 + nameLen + extraLen + commentLen;
  }
  checkLayout(buf, entries, cdOffset);
  return entries;
}

/** Parts follow one another with nothing hidden between them, and each local header agrees with the directory. */
function checkLayout(buf: Buffer, entries: ZipEntry[], cdOffset: number): void {
  const byOffset = [...entries].sort((a, b) => a.localOffset - b.localOffset);
  let expected = 0;
  const names = new Set<string>();
  for (const e of byOffset) {
    if (names.has(e.name)) throw corrupt(`部件“${e.name}”出现了两次`);
    names.add(e.name);
    const off = e.localOffset;
    if (off !== expected) throw corrupt('部件之间有多余的数据');
    if (off + 30 > cdOffset || buf.readUInt32LE(off) !== SIG_LOCAL) throw corrupt('部件头损坏');
    const flags = buf.readUInt16LE(off + 6);
    const method = buf.readUInt16LE(off + 8);
    const nameLen = buf.readUInt16LE(off + 26);
    const extraLen = buf.readUInt16LE(off + 28);
    if (buf.toString('utf8', off + 30, off + 30 + nameLen) !== e.name || method !== e.method || (flags & 0x0008) !== (e.flags & 0x0008)) {
      throw corrupt('部件头与目录不一致');
    }
    const descriptor = (e.flags & 0x0008) !== 0;
    if (descriptor && e.method === 0) throw corrupt('不支持的部件格式（未压缩且大小后置）');
    if (!descriptor && (buf.readUInt32LE(off + 18) !== e.compressedSize || buf.readUInt32LE(off + 22) !== e.uncompressedSize)) {
      throw corrupt('部件大小与目录不一致');
    }
    e.dataStart = off + 30 + nameLen + extraLen;
    let end = e.dataStart + e.compressedSize;
    if (descriptor) {
      // Optional signature, then crc-32, compressed size, uncompressed size (4 bytes each).
      if (end + 4 <= cdOffset && buf.readUInt32LE(end) === SIG_DESCRIPTOR) end += 4;
      if (end + 12 > cdOffset) throw corrupt('部件尾损坏');
      if (buf.readUInt32LE(end + 4) !== e.compressedSize || buf.readUInt32LE(end + 8) !== e.uncompressedSize) {
        throw corrupt('部件大小与目录不一致');
      }
      end += 12;
    }
    if (end > cdOffset) throw corrupt('部件超出文件范围');
    e.end = end;
    expected = end;
  }
  if (expected !== cdOffset) throw corrupt('部件之后有多余的数据');
}

/** Declared sizes within the limits (before anything is inflated). */
export function checkDeclaredSizes(entries: readonly ZipEntry[], limits: ZipLimits): void {
  let total = 0;
  for (const e of entries) {
    total += e.uncompressedSize;
    if (e.uncompressedSize > limits.maxEntryBytes) {
      throw new ZipRefusal(
        `Excel 文件的部件“${e.name}”解压后有 ${mb(e.uncompressedSize)}，超过单个部件 ${mb(limits.maxEntryBytes)} 的上限；请删除多余的工作表、图片和格式，或拆分为多个文件`,
      );
    }
    if (e.uncompressedSize > limits.ratioFloorBytes && e.uncompressedSize > e.compressedSize * limits.maxRatio) {
      const ratio = Math.round(e.uncompressedSize / Math.max(1, e.compressedSize));
      throw new ZipRefusal(`Excel 文件的部件“${e.name}”压缩比异常（${ratio} 倍，上限 ${limits.maxRatio} 倍），疑似恶意构造的文件，已拒绝`);
    }
  }
  if (total > limits.maxTotalBytes) {
    throw new ZipRefusal(`Excel 文件解压后共 ${mb(total)}，超过 ${mb(limits.maxTotalBytes)} 的上限；请删除多余的工作表、图片和格式，或拆分为多个文件`);
  }
}


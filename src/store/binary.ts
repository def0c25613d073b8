/** A lean read gives the driver's BSON Binary where a schema says Buffer; this gives the bytes either way. */
export function binaryBytes(data: unknown): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (data instanceof Uint8Array) return Buffer.from(data);
  const bin = data as { buffer?: Uint8Array; position?: number };
  if (bin.buffer instanceof Uint8Array) return Buffer.from(bin.buffer.subarray(0, bin.position ?? bin.buffer.length));
  throw new Error('not binary data');
}

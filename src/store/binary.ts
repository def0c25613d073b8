/** The bytes of a value read back: a Buffer, a Uint8Array, or the driver's BSON Binary (`buffer` up to `position`). */
export function binaryView(data: unknown): Uint8Array {
  if (data instanceof Uint8Array) return data;
  const bin = data as { buffer?: Uint8Array; position?: number };
  if (bin.buffer instanceof Uint8Array) return bin.buffer.subarray(0, bin.position ?? bin.buffer.length);
  throw new Error('not binary data');
}

/** A lean read gives the driver's BSON Binary where a schema says Buffer; this gives the bytes either way. */
export function binaryBytes(data: unknown): Buffer {
  if (Buffer.isBuffer(data)) return data;
  return Buffer.from(binaryView(data));
}

/** The `pbbp2` protobuf framing spoken by the SDK's WSClient (see the SDK's lib/index.js, "pbbp2"). */
import { parse, type Type } from 'protobufjs';

const PROTO = `
syntax = "proto2";
package pbbp2;
message Header { required string key = 1; required string value = 2; }
message Frame {
  required uint64 SeqID = 1;
  required uint64 LogID = 2;
  required int32 service = 3;
  required int32 method = 4;
  repeated Header headers = 5;
  optional string payloadEncoding = 6;
  optional string payloadType = 7;
  optional bytes payload = 8;
  optional string LogIDNew = 9;
}`;

const FrameType: Type = parse(PROTO, { keepCase: true }).root.resolveAll().lookupType('pbbp2.Frame');
// Build the codecs now: field defaults for uint64 are made with `util.Long` when resolved (see below).
FrameType.setup();

export const FrameMethod = { control: 0, data: 1 } as const;

export interface FrameHeader {
  key: string;
  value: string;
}

export interface Frame {
  SeqID: number;
  LogID: number;
  service: number;
  method: number;
  headers: FrameHeader[];
  payload?: Uint8Array;
  payloadEncoding?: string;
  payloadType?: string;
  LogIDNew?: string;
}

/*
 * protobufjs keeps `util.Long` in global state, and the SDK sets it to undefined when it loads. Generated
 * converters (fromObject/toObject) read it, so which module loads first decided whether frames decoded at all.
 * Encode plain numbers with `create` and read uint64 fields ourselves, whatever `util.Long` is.
 */
function toNumber(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'object' && v !== null && 'low' in v && 'high' in v) {
    const { low, high } = v as { low: number; high: number };
    return (high >>> 0) * 2 ** 32 + (low >>> 0);
  }
  return Number(v ?? 0);
}

export function encodeFrame(frame: Frame): Uint8Array {
  return FrameType.encode(FrameType.create(frame)).finish();
}

export function decodeFrame(data: Uint8Array): Frame {
  const obj = FrameType.decode(data) as unknown as Partial<Frame> & { SeqID?: unknown; LogID?: unknown };
  return {
    SeqID: toNumber(obj.SeqID),
    LogID: toNumber(obj.LogID),
    service: obj.service ?? 0,
    method: obj.method ?? 0,
    headers: obj.headers ?? [],
    payload: obj.payload,
    payloadEncoding: obj.payloadEncoding,
    payloadType: obj.payloadType,
    LogIDNew: obj.LogIDNew,
  };
}

export const headerOf = (frame: Frame, key: string): string | undefined => frame.headers.find((h) => h.key === key)?.value;

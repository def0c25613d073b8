/** Public record types of the emulator. */

export type JsonObject = { [key: string]: unknown };

/** A card component (loosely typed: cards are arbitrary JSON). */
export interface CardElement {
  tag?: string;
  [key: string]: unknown;
}

/** Card JSON (1.0 or 2.0) with the commonly read fields typed. */
export interface CardJson {
  schema?: string;
  config?: JsonObject;
  header?: { title?: { tag?: string; content?: string }; subtitle?: { content?: string }; template?: string; [key: string]: unknown };
  body?: { elements?: CardElement[]; [key: string]: unknown };
  /** 1.0 cards only. */
  elements?: CardElement[];
  [key: string]: unknown;
}

export type ReceiveIdType = 'open_id' | 'user_id' | 'union_id' | 'email' | 'chat_id';

/** How a message's content was replaced after it was sent. */
export type UpdateVia = 'patch' | 'card.update' | 'callback';

/** A message the bot sent (create or reply). */
export interface SentMessage {
  message_id: string;
  /** For create: the body's receive_id; for replies: the replied-to conversation partner (open_id in p2p, else chat_id). */
  receive_id: string;
  receive_id_type: ReceiveIdType;
  chat_id: string;
  msg_type: string;
  /** Parsed content as sent. */
  content: JsonObject;
  /** Latest content (after patches, delayed updates and callback cards). */
  current: JsonObject;
  uuid?: string;
  /** The replied-to message id (replies only). */
  root?: string;
  reply_in_thread?: boolean;
  createdAt: number;
  /** Contents applied after sending, oldest first (parsed). */
  updates: JsonObject[];
  /** Index-aligned with `updates`: which API applied each one, and when. */
  updateLog: Array<{ via: UpdateVia; at: number }>;
}

/** A user message known to the emulator (registered by the simulated client), so the bot can reply to it. */
export interface InboundMessage {
  message_id: string;
  chat_id: string;
  chat_type: 'p2p' | 'group';
  sender_open_id: string;
  msg_type: string;
  content: JsonObject;
  createdAt: number;
}

export interface StoredFile {
  file_key: string;
  file_type: string;
  file_name: string;
  duration?: number;
  /** The multipart part's filename (absent for Buffer uploads through the SDK). */
  part_filename?: string;
  size: number;
  data: Buffer;
  uploadedBy: 'bot' | 'user';
  createdAt: number;
}

export interface StoredImage {
  image_key: string;
  image_type: string;
  contentType: string;
  size: number;
  data: Buffer;
  uploadedBy: 'bot' | 'user';
  createdAt: number;
}

export interface RecordedRequest {
  seq: number;
  at: number;
  method: string;
  path: string;
  query: Record<string, string>;
  /** Request headers; `authorization` is reduced to its scheme and a token prefix. */
  headers: Record<string, string>;
  /** Parsed JSON; for multipart `{fields, files:[{name, filename?, contentType?, size}]}`; secrets masked. */
  body: unknown;
  status: number;
  /** Parsed JSON answer, or `{binary: size}` for downloads. */
  response: unknown;
  /** Set when an injected fault produced (or delayed) the answer. */
  fault?: string;
  durationMs: number;
}

/** A delayed-update token issued for a callback (30 min, 2 uses). */
export interface CardToken {
  token: string;
  messageId: string;
  openId: string;
  issuedAt: number;
  uses: number;
}

/**
 * A command run by the embedded database's engine as the wire server runs it (the plain view for its logic, the typed
 * view for exact number types), and the reply as the client reads it: encoded as the server sends it (stored bytes
 * spliced in, src/store/embedded/protocol.ts serializeReply), then decoded with the number types kept.
 */
import { BSON, type Document } from 'bson';
import type { Engine } from '../../src/store/embedded/engine';
import { serializeReply } from '../../src/store/embedded/protocol';

const TYPED = { promoteValues: false } as const;

export function replyOf(engine: Engine, body: Document): Document {
  const bytes = BSON.serialize(body);
  const reply = engine.run({ ...BSON.deserialize(bytes), $db: 'x' }, { ...BSON.deserialize(bytes, TYPED), $db: 'x' }, { connectionId: 1 });
  return BSON.deserialize(serializeReply(reply), TYPED);
}

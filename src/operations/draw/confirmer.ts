/**
 * Who confirmed a draw, by name, for the result card. The draw keeps the confirmer's open_id (`confirmedBy`) and the
 * name of who asked for the preview (`requestedByName`); another 市局联络员 may confirm a colleague's preview, so the
 * name is looked up in the staff registry when the two differ.
 */
import type { Connection } from 'mongoose';
import type { DrawDoc } from '../../store/draw';
import { staffModel } from '../../store/staff';

export async function confirmerName(conn: Connection, draw: Pick<DrawDoc, 'confirmedBy' | 'requestedBy' | 'requestedByName'>): Promise<string> {
  const openId = draw.confirmedBy;
  if (!openId) return '';
  if (openId === draw.requestedBy) return draw.requestedByName;
  const person = await staffModel(conn).findOne({ openId }, { name: 1 }).lean();
  // Someone no longer in the registry is still named by the only identity the draw kept.
  return person?.name ?? openId;
}

/**
 * Imported holiday calendars: one document per year (the latest import of that year wins), read by every instance
 * and the CLI (operations/setup/calendarSync.ts) and handed to domain/calendar.ts as data.
 */
import { Schema, type Connection, type Model } from 'mongoose';

export interface CalendarYearEntry {
  year: number;
  /** 休: weekdays off, YYYY-MM-DD, sorted */
  rest: string[];
  /** 班: weekends worked, YYYY-MM-DD, sorted */
  work: string[];
  fileName: string;
  sha256: string;
  source: 'chat' | 'cli';
  by: string;
  byName: string;
  createdAt: Date;
  updatedAt: Date;
}

const schema = new Schema<CalendarYearEntry>(
  {
    year: { type: Number, required: true },
    rest: { type: [String], required: true },
    work: { type: [String], default: [] },
    fileName: { type: String, required: true },
    sha256: { type: String, required: true },
    source: { type: String, required: true, enum: ['chat', 'cli'] },
    by: { type: String, required: true },
    byName: { type: String, required: true },
  },
  { timestamps: true, versionKey: false, collection: 'calendar_years' },
);
schema.index({ year: 1 }, { unique: true });
schema.index({ updatedAt: -1 });

export function calendarYearModel(conn: Connection): Model<CalendarYearEntry> {
  return conn.models.CalendarYearEntry ?? conn.model<CalendarYearEntry>('CalendarYearEntry', schema);
}

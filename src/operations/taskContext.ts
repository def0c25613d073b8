/** The facts about a task the policy table needs (policies.ts TaskContext), read from the database. */
import type { Connection } from 'mongoose';
import type { TaskContext } from '../policies';
import { staffModel } from '../store/staff';
import type { TaskDoc } from '../store/task';

export async function taskContext(conn: Connection, task: Pick<TaskDoc, 'team' | 'enterprise'>): Promise<TaskContext> {
  const county = task.enterprise.county;
  const liaison = await staffModel(conn).exists({ roles: '联络员', county });
  return { team: task.team, county, countyHasLiaison: liaison !== null };
}

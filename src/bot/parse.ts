/** Chat text → command. `/抽取 专项=xxx 种子=123` → {name:'抽取', args:{专项:'xxx', 种子:'123'}, positional:[]}. */
export interface ParsedCommand {
  /** the word after the slash, as typed (Chinese name or English alias) */
  name: string;
  args: Record<string, string>;
  positional: string[];
  /** the whole text after mention removal, for messages */
  text: string;
}

/** Text of an im.message.receive_v1 `text` message, with @-mention placeholders (`@_user_1`) removed. */
export function messageText(content: string, mentionKeys: readonly string[]): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(content);
  } catch {
    return undefined;
  }
  const text = (parsed as { text?: unknown }).text;
  if (typeof text !== 'string') return undefined;
  let out = text;
  for (const key of mentionKeys) out = out.split(key).join(' ');
  return out.replace(/@_user_\d+/g, ' ').replace(/\s+/g, ' ').trim();
}

/**
 * Argument keys whose value runs over spaces up to the next key=value: the campaign's name, and /抽取's free texts
 * (a redraw's reason, a public source's name, its time written “2024-03-15 21:15”), /换人's task (a firm's name).
 */
const SPACED_VALUES = new Set(['专项', '理由', '来源', '开奖时间', '任务']);

export function parseCommand(text: string): ParsedCommand | undefined {
  const normalised = text.replace(/^[／/]/, '/').replace(/[＝]/g, '=');
  if (!normalised.startsWith('/')) return undefined;
  const [head, ...rest] = normalised.slice(1).split(' ').filter((t) => t !== '');
  if (!head) return undefined;
  const args: Record<string, string> = {};
  const positional: string[] = [];
  let last: string | undefined;
  for (const token of rest) {
    const eq = token.indexOf('=');
    if (eq > 0) {
      last = token.slice(0, eq);
      args[last] = token.slice(eq + 1);
    } else if (last !== undefined && SPACED_VALUES.has(last)) {
      // e.g. a campaign's name may hold spaces (/专项 新建 名称=2028 年 试点): `专项=` takes the words after it up to
      // the next key=value, so such a campaign can be named again (the text policy keeps single spaces only)
      args[last] = `${args[last]} ${token}`;
    } else {
      positional.push(token);
    }
  }
  return { name: head.toLowerCase(), args, positional, text };
}

/** What of `command` is not among the `known` argument keys: unknown `key=value` keys and bare words, as typed. */
export function unknownArgs(command: Pick<ParsedCommand, 'args' | 'positional'>, known: ReadonlySet<string>): string[] {
  return [...Object.keys(command.args).filter((k) => !known.has(k)), ...command.positional];
}
